//! The breadth-first crawl over related artists, resumable.
//!
//! Each artist is asked of every configured source (Spotify: search → related + top tracks, or in
//! development mode search-for-tracks; Deezer: search → related + top; Last.fm: similar), its
//! neighbours are queued one level deeper, and track ids wait for audio features until a full
//! batch (Spotify 100 per call, ReccoBeats 40) is ready. Every body goes to the raw lake first;
//! after each artist the crawl state (queue, visited set, pending feature ids, per-artist fetch
//! times) is written atomically to `<lake>/_crawl/state.json`. A killed run started again with
//! the same seeds continues from that state; the tables are derived from the raw zone
//! ([`rebuild`]), where a body fetched twice changes nothing.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use soundalike_core::names::normalize_name;
use soundalike_lake::raw::RawLake;
use soundalike_lake::{Lake, LakeError, Partition};

use crate::merge::{Problem, pick, replay};
use crate::spotify::Capability;
use crate::{CallCounts, FetchError, Sources};

/// What to crawl.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Artist names to start from.
    pub seeds: Vec<String>,
    /// Levels of related artists to follow (0: the seeds only).
    pub depth: u32,
    /// Stop after fetching this many artists.
    pub max_artists: usize,
    /// Skip artists fetched more recently than this.
    pub ttl: Duration,
    /// Spotify market for top tracks.
    pub market: String,
    /// Use batch endpoints (audio features 100 per call). `false` reproduces the original
    /// project's per-artist pattern (search, top tracks, related, audio features for each
    /// artist), for comparison.
    pub batch: bool,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        Self {
            seeds: Vec::new(),
            depth: 1,
            max_artists: 100,
            ttl: Duration::from_secs(7 * 24 * 3600),
            market: "US".into(),
            batch: true,
        }
    }
}

/// One queued artist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Node {
    name: String,
    depth: u32,
    spotify_id: Option<String>,
    deezer_id: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Fetched {
    at: i64,
    neighbours: Vec<Node>,
}

/// The checkpoint.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    seeds: Vec<String>,
    queue: VecDeque<Node>,
    visited: BTreeSet<String>,
    done: usize,
    pending_features: Vec<String>,
    fetched: BTreeMap<String, Fetched>,
    finished: bool,
}

/// What a crawl did.
#[derive(Debug, Clone, Default)]
pub struct CrawlSummary {
    /// Artists fetched in this run.
    pub fetched: usize,
    /// Artists skipped because fresher than the TTL.
    pub skipped_fresh: usize,
    /// Whether this run continued an interrupted one.
    pub resumed: bool,
    /// Calls that failed for good, with the artist they were for.
    pub failures: Vec<String>,
    /// Requests per source.
    pub calls: BTreeMap<String, CallCounts>,
    /// Spotify capabilities found missing (development mode).
    pub unavailable: Vec<String>,
}

impl CrawlSummary {
    /// Requests to every source.
    pub fn total_requests(&self) -> u64 {
        self.calls.values().map(|c| c.requests).sum()
    }
}

/// A crawl failure (a failed call is not one: it is counted in the summary).
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// The checkpoint could not be read or written.
    #[error("crawl state at {path}: {message}")]
    State {
        /// Where.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Writing the lake failed.
    #[error(transparent)]
    Lake(#[from] LakeError),
    /// No source is configured.
    #[error(
        "no live source is configured (set SPOTIFY_CLIENT_ID/SECRET, LASTFM_API_KEY, or SOUNDALIKE_DEEZER_API_URL / SOUNDALIKE_LIVE_SOURCES)"
    )]
    NoSources,
}

fn state_path(lake_root: &Path) -> PathBuf {
    lake_root.join("_crawl").join("state.json")
}

fn load(path: &Path) -> Result<Option<State>, CrawlError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CrawlError::State {
                path: path.into(),
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CrawlError::State {
            path: path.into(),
            message: e.to_string(),
        }),
    }
}

fn save(path: &Path, state: &State) -> Result<(), CrawlError> {
    let fail = |e: std::io::Error| CrawlError::State {
        path: path.into(),
        message: e.to_string(),
    };
    let dir = path.parent().expect("state file has a folder");
    std::fs::create_dir_all(dir).map_err(fail)?;
    let temp = dir.join(".state.json.tmp");
    let bytes = serde_json::to_vec(state).expect("state serialises");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&temp).map_err(fail)?;
        file.write_all(&bytes).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    std::fs::rename(&temp, path).map_err(fail)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Crawl into the lake at `lake_root` (raw bodies; the tables come from [`rebuild`]).
pub async fn crawl(
    sources: &Sources,
    lake_root: &Path,
    options: &CrawlOptions,
) -> Result<CrawlSummary, CrawlError> {
    if !sources.any() {
        return Err(CrawlError::NoSources);
    }
    let path = state_path(lake_root);
    let previous = load(&path)?;
    let mut summary = CrawlSummary::default();
    let mut state = match previous {
        Some(s) if !s.finished && s.seeds == options.seeds => {
            summary.resumed = true;
            tracing::info!(
                done = s.done,
                queued = s.queue.len(),
                "resuming an interrupted crawl"
            );
            s
        }
        other => {
            let fetched = other.map(|s| s.fetched).unwrap_or_default();
            let mut state = State {
                seeds: options.seeds.clone(),
                fetched,
                ..State::default()
            };
            for seed in &options.seeds {
                let key = normalize_name(seed);
                if state.visited.insert(key) {
                    state.queue.push_back(Node {
                        name: seed.clone(),
                        depth: 0,
                        spotify_id: None,
                        deezer_id: None,
                    });
                }
            }
            save(&path, &state)?;
            state
        }
    };
    let bar = ProgressBar::new(options.max_artists as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} ingest [{bar:30}] {pos}/{len} artists, ETA {eta} · {msg}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_position(state.done as u64);
    while state.done < options.max_artists {
        let Some(node) = state.queue.pop_front() else {
            break;
        };
        let key = normalize_name(&node.name);
        let fresh = state
            .fetched
            .get(&key)
            .filter(|f| now() - f.at < options.ttl.as_secs() as i64)
            .cloned();
        let neighbours = match fresh {
            Some(f) => {
                summary.skipped_fresh += 1;
                f.neighbours
            }
            None => {
                let neighbours =
                    fetch_artist(sources, &node, options, &mut state, &mut summary).await;
                summary.fetched += 1;
                state.fetched.insert(
                    key,
                    Fetched {
                        at: now(),
                        neighbours: neighbours.clone(),
                    },
                );
                neighbours
            }
        };
        state.done += 1;
        if node.depth < options.depth {
            for mut n in neighbours {
                if state.visited.insert(normalize_name(&n.name)) {
                    n.depth = node.depth + 1;
                    state.queue.push_back(n);
                }
            }
        }
        if state.queue.is_empty() || state.done >= options.max_artists {
            flush_features(sources, &mut state, &mut summary, 1).await;
        }
        save(&path, &state)?;
        bar.set_position(state.done as u64);
        bar.set_message(format!(
            "{} API calls, {} failed",
            sources.http.total_requests(),
            summary.failures.len()
        ));
    }
    bar.finish_and_clear();
    state.finished = true;
    state.queue.clear();
    save(&path, &state)?;
    summary.calls = sources
        .http
        .counts()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if let Some(spotify) = &sources.spotify {
        for (cap, name) in [
            (Capability::BatchArtists, "batch artists"),
            (Capability::TopTracks, "top tracks"),
            (Capability::Related, "related artists"),
            (Capability::AudioFeatures, "audio features"),
        ] {
            if spotify.capability(cap) == Some(false) {
                summary.unavailable.push(format!("spotify {name}"));
            }
        }
    }
    Ok(summary)
}

fn failed(summary: &mut CrawlSummary, node: &Node, e: &FetchError) {
    tracing::warn!(artist = %node.name, error = %e, "live call failed");
    summary.failures.push(format!("{}: {e}", node.name));
}

/// Ask every source about one artist; returns its neighbours.
async fn fetch_artist(
    sources: &Sources,
    node: &Node,
    options: &CrawlOptions,
    state: &mut State,
    summary: &mut CrawlSummary,
) -> Vec<Node> {
    let mut neighbours = Vec::new();
    if let Some(spotify) = &sources.spotify {
        let id = match &node.spotify_id {
            Some(id) if options.batch => Some(id.clone()),
            _ => match spotify.search_artists(&node.name, 1).await {
                Ok(hits) => pick(&hits, &node.name, |a| &a.name).map(|a| a.id.clone()),
                Err(e) => {
                    failed(summary, node, &e);
                    None
                }
            },
        };
        if let Some(id) = id {
            match spotify.related(&id).await {
                Ok(related) => neighbours.extend(related.into_iter().map(|a| Node {
                    name: a.name,
                    depth: 0,
                    spotify_id: Some(a.id),
                    deezer_id: None,
                })),
                Err(FetchError::Unavailable { .. }) => {}
                Err(e) => failed(summary, node, &e),
            }
            let tracks = match spotify.top_tracks(&id, &options.market).await {
                Err(FetchError::Unavailable { .. }) => spotify.search_tracks_by(&node.name).await,
                other => other,
            };
            match tracks {
                Ok(tracks) => state
                    .pending_features
                    .extend(tracks.into_iter().map(|t| t.id)),
                Err(e) => failed(summary, node, &e),
            }
        }
    }
    if let Some(deezer) = &sources.deezer {
        let id = match node.deezer_id {
            Some(id) => Some(id),
            None => match deezer.search_artist(&node.name).await {
                Ok(hits) => pick(&hits, &node.name, |a| &a.name).map(|a| a.id),
                Err(e) => {
                    failed(summary, node, &e);
                    None
                }
            },
        };
        if let Some(id) = id {
            match deezer.related(id).await {
                Ok(related) => {
                    for a in related {
                        match neighbours
                            .iter_mut()
                            .find(|n| normalize_name(&n.name) == normalize_name(&a.name))
                        {
                            Some(n) => n.deezer_id = Some(a.id),
                            None => neighbours.push(Node {
                                name: a.name,
                                depth: 0,
                                spotify_id: None,
                                deezer_id: Some(a.id),
                            }),
                        }
                    }
                }
                Err(e) => failed(summary, node, &e),
            }
            if let Err(e) = deezer.top(id, 10).await {
                failed(summary, node, &e);
            }
        }
    }
    if let Some(lastfm) = &sources.lastfm {
        match lastfm.similar(&node.name).await {
            Ok(similar) => {
                for a in similar {
                    if !neighbours
                        .iter()
                        .any(|n| normalize_name(&n.name) == normalize_name(&a.name))
                    {
                        neighbours.push(Node {
                            name: a.name,
                            depth: 0,
                            spotify_id: None,
                            deezer_id: None,
                        });
                    }
                }
            }
            Err(e) => failed(summary, node, &e),
        }
    }
    let threshold = if options.batch { usize::MAX } else { 1 };
    flush_features(sources, state, summary, threshold).await;
    neighbours
}

/// Ask for audio features once `threshold` ids wait (`usize::MAX`: only full batches).
async fn flush_features(
    sources: &Sources,
    state: &mut State,
    summary: &mut CrawlSummary,
    threshold: usize,
) {
    loop {
        let spotify = sources
            .spotify
            .as_ref()
            .filter(|s| s.capability(Capability::AudioFeatures) != Some(false));
        let batch = match (spotify, &sources.reccobeats) {
            (Some(_), _) => crate::spotify::FEATURES_PER_CALL,
            (None, Some(_)) => crate::reccobeats::IDS_PER_CALL,
            (None, None) => {
                state.pending_features.clear();
                return;
            }
        };
        let pending = state.pending_features.len();
        if pending == 0 || (pending < batch && pending < threshold) {
            return;
        }
        let take = pending.min(batch);
        let ids: Vec<String> = state.pending_features[..take].to_vec();
        let result = match spotify {
            Some(s) => match s.audio_features(&ids).await {
                // Development mode: go round again to ReccoBeats.
                Err(FetchError::Unavailable { .. }) => continue,
                other => other.map(|_| ()),
            },
            None => sources
                .reccobeats
                .as_ref()
                .expect("checked above")
                .audio_features(&ids)
                .await
                .map(|_| ()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "audio features failed");
            summary
                .failures
                .push(format!("audio features ({} ids): {e}", ids.len()));
        }
        state.pending_features.drain(..take);
    }
}

/// What a rebuild derived.
#[derive(Debug, Clone, Default)]
pub struct RebuildReport {
    /// Raw bodies replayed.
    pub records: usize,
    /// Bodies that could not be used (kept in the raw lake).
    pub problems: Vec<Problem>,
    /// Merges that disagreed.
    pub conflicts: Vec<String>,
    /// Artists, tracks, source ids, genres and related edges derived.
    pub artists: usize,
    /// Tracks.
    pub tracks: usize,
    /// Related-artist edges.
    pub related: usize,
}

/// Re-derive the catalog tables from the raw zone into `partition` (deterministic: the same raw
/// bodies give the same tables).
pub fn rebuild(
    lake: &Lake,
    partition: Partition,
) -> Result<(soundalike_core::Catalog, RebuildReport), CrawlError> {
    let (records, unreadable) = RawLake::new(lake.root()).records();
    let (catalog, mut problems, conflicts) = replay(&records);
    problems.extend(unreadable.into_iter().map(|(path, e)| Problem {
        at: path.display().to_string(),
        error: e.to_string(),
    }));
    lake.write_catalog(partition, &catalog)?;
    let report = RebuildReport {
        records: records.len(),
        problems,
        conflicts,
        artists: catalog.artists.len(),
        tracks: catalog.tracks.len(),
        related: catalog.related.len(),
    };
    Ok((catalog, report))
}
