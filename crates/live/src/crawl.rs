//! The breadth-first crawl over related artists, resumable.
//!
//! Each artist is asked of every configured source (Spotify: search → related + top tracks, or in
//! development mode search-for-tracks; Deezer: search → related + top; Last.fm: similar), its
//! neighbours are queued one level deeper, and track ids wait for audio features until a full
//! batch (Spotify 100 per call, ReccoBeats 40) is ready. Every body goes to the raw lake first;
//! after each artist the crawl state (queue, visited set, pending feature ids, per-artist fetch
//! times) is written atomically to `<lake>/_crawl/<name>.json` (one checkpoint per crawler:
//! `ingest`, the chat's background crawls). A killed run started again with the same seeds
//! continues from that state; the tables are derived from the raw zone
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
    /// The checkpoint's name: crawlers with different names never resume each other's runs.
    pub checkpoint: String,
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
            checkpoint: "ingest".into(),
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

fn state_path(lake_root: &Path, name: &str) -> PathBuf {
    lake_root.join("_crawl").join(format!("{name}.json"))
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
    let temp = path.with_extension("json.tmp");
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
    let path = state_path(lake_root, &options.checkpoint);
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

/// Re-derive the catalog from the raw zone `raw` and write it to `partition` of `lake`, merged
/// over the lake's newest complete partition (the dataset's, or an earlier rebuild's) with
/// [`soundalike_core::Catalog::merge`], so live artists join the dataset's instead of replacing
/// them. Deterministic and idempotent: the same raw bodies over the same base give the same
/// tables, and a rebuild over its own output changes nothing. The report counts what the raw zone
/// gave.
pub async fn rebuild(
    raw: &RawLake,
    lake: &Lake,
    partition: Partition,
) -> Result<(soundalike_core::Catalog, RebuildReport), CrawlError> {
    let (records, unreadable) = raw.records();
    let (live, mut problems, conflicts) = replay(&records);
    problems.extend(unreadable.into_iter().map(|(path, e)| Problem {
        at: path.display().to_string(),
        error: e.to_string(),
    }));
    let report = RebuildReport {
        records: records.len(),
        problems,
        conflicts,
        artists: live.artists.len(),
        tracks: live.tracks.len(),
        related: live.related.len(),
    };
    let mut catalog = match lake.latest_complete_partition().await? {
        Some(base) => lake.read_catalog(Some(base)).await?,
        None => soundalike_core::Catalog::default(),
    };
    catalog.merge(live);
    lake.write_catalog(partition, &catalog).await?;
    Ok((catalog, report))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use soundalike_core::Catalog;
    use soundalike_fakes::{Faults, Tier};

    use super::*;
    use crate::test_support::{Setup, setup};

    fn options() -> CrawlOptions {
        CrawlOptions {
            seeds: vec!["IU".into(), "BTS".into()],
            depth: 2,
            max_artists: 25,
            ..CrawlOptions::default()
        }
    }

    async fn run(s: &Setup) -> (CrawlSummary, Catalog, RebuildReport) {
        let summary = crawl(&s.sources, s.dir.path(), &options()).await.unwrap();
        let (catalog, report) = rebuild(
            &s.raw_zone(),
            &s.lake(),
            Partition::parse("2026-01-01").unwrap(),
        )
        .await
        .unwrap();
        (summary, catalog, report)
    }

    /// Every table's key is unique: each record is held once.
    fn assert_unique(c: &Catalog) {
        let n = c
            .artists
            .iter()
            .map(|a| &a.id)
            .collect::<HashSet<_>>()
            .len();
        assert_eq!(n, c.artists.len());
        let n = c.tracks.iter().map(|t| &t.id).collect::<HashSet<_>>().len();
        assert_eq!(n, c.tracks.len());
        let n = c
            .source_ids
            .iter()
            .map(|s| (&s.artist_id, &s.source))
            .collect::<HashSet<_>>()
            .len();
        assert_eq!(n, c.source_ids.len());
        let n = c
            .related
            .iter()
            .map(|r| (&r.artist_id, &r.other_id, &r.source))
            .collect::<HashSet<_>>()
            .len();
        assert_eq!(n, c.related.len());
    }

    #[tokio::test]
    async fn a_crawl_merges_every_source_onto_one_artist() {
        let s = setup(80).await;
        let (summary, catalog, report) = run(&s).await;
        assert!(summary.failures.is_empty(), "{:?}", summary.failures);
        assert_eq!(summary.fetched, 25);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_unique(&catalog);
        let iu = soundalike_core::names::artist_id_for("IU");
        let sources: Vec<&str> = catalog
            .source_ids
            .iter()
            .filter(|s| s.artist_id == iu)
            .map(|s| s.source.as_str())
            .collect();
        assert_eq!(sources, ["deezer", "lastfm", "spotify"]);
        for source in ["spotify", "deezer", "lastfm"] {
            assert!(
                catalog
                    .related
                    .iter()
                    .any(|r| r.artist_id == iu && r.source == source),
                "{source}"
            );
        }
        assert!(
            catalog
                .genres
                .iter()
                .any(|g| g.artist_id == iu && g.genre == "k-pop")
        );
        let iu_tracks: Vec<_> = catalog
            .tracks
            .iter()
            .filter(|t| t.artist_id.as_ref() == Some(&iu))
            .collect();
        assert_eq!(iu_tracks.len(), 20, "10 Spotify + 10 Deezer top tracks");
        assert!(
            iu_tracks
                .iter()
                .filter(|t| !t.id.starts_with("deezer:"))
                .all(|t| t.features.danceability.is_some())
        );
        // The stored tables read back as derived.
        let back = s
            .lake()
            .read_catalog(Some(Partition::parse("2026-01-01").unwrap()))
            .await
            .unwrap();
        assert_eq!(back, catalog);
    }

    #[tokio::test]
    async fn transient_faults_change_no_rows_and_are_counted() {
        let baseline = {
            let s = setup(80).await;
            run(&s).await.1
        };
        let scenarios = [
            (
                "429",
                Faults {
                    too_many: 2,
                    retry_after_secs: 1,
                    ..Faults::default()
                },
            ),
            (
                "5xx burst",
                Faults {
                    server_errors: 3,
                    ..Faults::default()
                },
            ),
            (
                "timeouts",
                Faults {
                    timeouts: 2,
                    ..Faults::default()
                },
            ),
            (
                "deezer quota",
                Faults {
                    deezer_quota: 3,
                    ..Faults::default()
                },
            ),
        ];
        for (name, faults) in scenarios {
            let s = setup(80).await;
            s.fake.set_faults(faults);
            let (summary, catalog, report) = run(&s).await;
            assert!(
                summary.failures.is_empty(),
                "{name}: {:?}",
                summary.failures
            );
            let retries: u64 = summary.calls.values().map(|c| c.retries).sum();
            assert!(retries >= 2, "{name}: retries counted ({retries})");
            assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
            assert_unique(&catalog);
            assert_eq!(catalog, baseline, "{name}");
        }
    }

    #[tokio::test]
    async fn token_expiry_mid_crawl_changes_no_rows() {
        let baseline = {
            let s = setup(80).await;
            run(&s).await.1
        };
        let s = setup(80).await;
        let spotify = s.sources.spotify.as_ref().unwrap();
        spotify.search_artists("IU", 1).await.unwrap();
        s.fake.expire_tokens();
        let (summary, catalog, _) = run(&s).await;
        assert!(summary.failures.is_empty(), "{:?}", summary.failures);
        assert_eq!(s.fake.tokens_issued(), 2);
        assert_eq!(catalog, baseline);
    }

    #[tokio::test]
    async fn a_malformed_body_is_kept_reported_and_counted() {
        let s = setup(80).await;
        s.fake.set_faults(Faults {
            malformed: 1,
            target: Some("deezer".into()),
            ..Faults::default()
        });
        let (summary, catalog, report) = run(&s).await;
        assert_eq!(summary.failures.len(), 1, "{:?}", summary.failures);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].at.contains("/raw/deezer/"));
        assert_unique(&catalog);
        // Rebuilding again gives the same tables.
        let again = rebuild(
            &s.raw_zone(),
            &s.lake(),
            Partition::parse("2026-01-01").unwrap(),
        )
        .await
        .unwrap()
        .0;
        assert_eq!(again, catalog);
    }

    #[tokio::test]
    async fn development_mode_crawls_with_what_works() {
        let s = setup(80).await;
        s.fake.set_tier(Tier::Development);
        let (summary, catalog, report) = run(&s).await;
        assert!(summary.failures.is_empty(), "{:?}", summary.failures);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        for cap in [
            "spotify top tracks",
            "spotify related artists",
            "spotify audio features",
        ] {
            assert!(
                summary.unavailable.iter().any(|u| u == cap),
                "{cap}: {:?}",
                summary.unavailable
            );
        }
        assert_unique(&catalog);
        assert!(!catalog.related.iter().any(|r| r.source == "spotify"));
        assert!(catalog.related.iter().any(|r| r.source == "deezer"));
        // Tracks found through search get features from ReccoBeats (which misses some).
        let spotify_tracks: Vec<_> = catalog
            .tracks
            .iter()
            .filter(|t| !t.id.starts_with("deezer:"))
            .collect();
        assert!(!spotify_tracks.is_empty());
        let with = spotify_tracks
            .iter()
            .filter(|t| t.features.energy.is_some())
            .count();
        assert!(
            with > spotify_tracks.len() / 2 && with < spotify_tracks.len(),
            "{with}/{}",
            spotify_tracks.len()
        );
        assert!(s.fake.calls("reccobeats") > 0);
    }

    #[tokio::test]
    async fn a_second_crawl_skips_fresh_artists() {
        let s = setup(80).await;
        run(&s).await;
        let calls = s.fake.log().len();
        let mut more = options();
        more.seeds = vec!["IU".into()];
        let summary = crawl(&s.sources, s.dir.path(), &more).await.unwrap();
        assert!(summary.skipped_fresh > 0, "{summary:?}");
        assert!(
            s.fake.log().len() - calls < calls,
            "fresh artists cost no calls"
        );
    }
}
