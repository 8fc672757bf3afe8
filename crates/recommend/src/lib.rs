//! Answering "who sounds like X": resolve what a person typed to one artist, then look up its
//! nearest artists and their tracks. Every channel (CLI, chat, REST) asks here, so they all
//! resolve names and pick tracks the same way.
//!
//! A [`Recommender`] is a read-only snapshot: [`Recommender::load`] reads the artists, every
//! artist's top tracks and each algorithm's current mart from the store once (each mart in one
//! statement, so from one published version), and answers from memory: a chat answer costs
//! microseconds, not a dozen queries. Load a new one to see a newer publish.
//!
//! **Invariant:** reads only; the answer model is channel-neutral (no JSON, no Kakao shapes).
#![deny(missing_docs)]

use std::collections::HashMap;

use soundalike_core::names::loose_key;
use soundalike_core::resolve::{Hit, MatchKind};
use soundalike_core::{NameIndex, Resolution, spotify_track_url};
use soundalike_store::{ArtistRow, Store, StoreError, Stores, TopTracks};

/// Tracks shown per artist by default.
pub const TRACKS_PER_ARTIST: usize = 3;
/// Suggestions offered for an unknown artist.
pub const MAX_SUGGESTIONS: usize = 5;

/// A recommendation failure (not an unknown artist: that is an [`Answer`]).
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing has been published yet.
    #[error("the store has no artists yet: run `soundalike pipeline run` first")]
    EmptyStore,
    /// No mart for the algorithm.
    #[error("no similarity mart for algorithm {algorithm:?} (published: {published})")]
    NoMart {
        /// Asked for.
        algorithm: String,
        /// What exists.
        published: String,
    },
}

/// A track to play.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRef {
    /// Spotify track id.
    pub id: String,
    /// Title.
    pub name: String,
    /// `https://open.spotify.com/track/<id>`.
    pub url: String,
}

/// An artist in an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtistRef {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique tracks known.
    pub track_count: i64,
    /// Its best-known tracks.
    pub tracks: Vec<TrackRef>,
}

/// A similar artist.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    /// The artist.
    pub artist: ArtistRef,
    /// 1 = nearest.
    pub rank: i64,
    /// Similarity, higher is closer.
    pub score: f64,
}

/// A found artist and its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    /// What was typed.
    pub query: String,
    /// True when the name matched exactly (after normalisation), false for a forgiving match.
    pub exact: bool,
    /// The artist.
    pub artist: ArtistRef,
    /// The algorithm whose mart answered.
    pub algorithm: String,
    /// Nearest first.
    pub similar: Vec<Similar>,
}

/// What a query gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A known artist.
    Found(Recommendation),
    /// Nothing close enough; some names that might be meant.
    Unknown {
        /// What was typed.
        query: String,
        /// Most likely first.
        suggestions: Vec<ArtistRef>,
    },
}

/// Other names of artists (Korean names, nicknames): `alias<TAB>catalog name[<TAB>note]` per line.
const ALIASES: &str = include_str!("aliases.tsv");

/// Every (alias, catalog name) pair of the alias table.
pub fn alias_pairs() -> impl Iterator<Item = (&'static str, &'static str)> {
    ALIASES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut fields = l.split('\t');
            Some((fields.next()?, fields.next()?.trim()))
        })
}

/// Loose key of each alias → the catalog name it stands for.
fn aliases() -> HashMap<String, &'static str> {
    alias_pairs()
        .map(|(alias, name)| (loose_key(alias), name))
        .collect()
}

/// A neighbour in the snapshot: artist position, rank, score.
type Neighbour = (usize, i64, f64);

/// An in-memory snapshot of the store for answering.
pub struct Recommender {
    stores: Stores,
    artists: Vec<ArtistRow>,
    by_id: HashMap<String, usize>,
    index: NameIndex,
    aliases: HashMap<String, &'static str>,
    /// Top tracks per artist position.
    tracks: Vec<Vec<TrackRef>>,
    /// Algorithm → neighbour lists per artist position, nearest first.
    marts: HashMap<String, Vec<Vec<Neighbour>>>,
    /// (algorithm, version) of the marts loaded, sorted.
    versions: Vec<(String, i64)>,
    /// Forgiving resolutions already worked out, by query: the same typo or unknown name comes
    /// again and again, and the typo search is the costliest part of an answer. Bounded by
    /// bytes (user input is unbounded), least useful entries evicted first.
    forgiven: quick_cache::sync::Cache<String, Resolution, ResolutionBytes>,
}

/// Bytes of forgiving resolutions remembered per snapshot, keys included.
pub const FORGIVEN_BYTES: u64 = 4 << 20;
/// Longest query remembered, in bytes: longer ones are rare repeats, and are not kept.
const FORGIVEN_QUERY_MAX: usize = 256;

/// The memory a remembered resolution holds: its key, its suggestions, and the map's own
/// per-entry overhead (estimated).
#[derive(Clone)]
struct ResolutionBytes;

impl quick_cache::Weighter<String, Resolution> for ResolutionBytes {
    fn weight(&self, query: &String, resolution: &Resolution) -> u64 {
        let suggestions = match resolution {
            Resolution::Found { .. } => 0,
            Resolution::Unknown { suggestions } => suggestions.capacity(),
        };
        (query.capacity()
            + suggestions * std::mem::size_of::<usize>()
            + std::mem::size_of::<(String, Resolution)>()
            + 16) as u64
    }
}

fn resolution_cache() -> quick_cache::sync::Cache<String, Resolution, ResolutionBytes> {
    quick_cache::sync::Cache::with_weighter(16_384, FORGIVEN_BYTES, ResolutionBytes)
}

impl Recommender {
    /// Load the snapshot from a store that also holds the top tracks.
    pub async fn load(store: Store) -> Result<Self, RecommendError> {
        let tracks = TopTracks::Store(store.clone());
        Self::load_from(Stores { store, tracks }).await
    }

    /// Load the snapshot from the store and the tracks store.
    pub async fn load_from(stores: Stores) -> Result<Self, RecommendError> {
        let store = &stores.store;
        let artists = store.artists().await?;
        let started = std::time::Instant::now();
        let index = NameIndex::new(
            artists
                .iter()
                .map(|a| (a.name.as_str(), a.track_count as f64)),
        );
        tracing::debug!(
            names = index.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "name index built"
        );
        let by_id: HashMap<String, usize> = artists
            .iter()
            .enumerate()
            .map(|(i, a)| (a.artist_id.clone(), i))
            .collect();
        let mut tracks = vec![Vec::new(); artists.len()];
        for (artist, t) in stores.tracks.of_all(&artists, TRACKS_PER_ARTIST).await? {
            if let Some(&a) = by_id.get(&artist) {
                tracks[a].push(TrackRef {
                    url: spotify_track_url(&t.track_id),
                    name: t.name.unwrap_or_else(|| "(untitled)".into()),
                    id: t.track_id,
                });
            }
        }
        let mut marts = HashMap::new();
        let mut versions = Vec::new();
        for mart in store.marts().await? {
            versions.push((mart.algorithm.clone(), mart.version));
            let mut lists: Vec<Vec<Neighbour>> = vec![Vec::new(); artists.len()];
            for (artist, other, rank, score) in store.mart_rows(&mart.algorithm).await? {
                // An artist published after the name list was read is skipped until the next load.
                if let (Some(&a), Some(&o)) = (by_id.get(&artist), by_id.get(&other)) {
                    lists[a].push((o, rank, score));
                }
            }
            marts.insert(mart.algorithm, lists);
        }
        versions.sort();
        Ok(Self {
            stores,
            artists,
            by_id,
            index,
            aliases: aliases(),
            tracks,
            marts,
            versions,
            forgiven: resolution_cache(),
        })
    }

    /// Number of known artists.
    pub fn artist_count(&self) -> usize {
        self.artists.len()
    }

    /// True when the store has published marts this snapshot does not hold.
    pub async fn is_stale(&self) -> Result<bool, RecommendError> {
        let mut current: Vec<(String, i64)> = self
            .stores
            .store
            .marts()
            .await?
            .into_iter()
            .map(|m| (m.algorithm, m.version))
            .collect();
        current.sort();
        Ok(current != self.versions)
    }

    /// The store behind this recommender.
    pub fn store(&self) -> &Store {
        &self.stores.store
    }

    /// The stores behind this recommender (to load a newer snapshot from).
    pub fn stores(&self) -> &Stores {
        &self.stores
    }

    fn unalias<'q>(&self, query: &'q str) -> &'q str {
        // No alias is this long: spare the key of a long query.
        if query.len() > FORGIVEN_QUERY_MAX {
            return query;
        }
        match self.aliases.get(&loose_key(query)) {
            // A catalog artist of that very name comes before the alias (잔나비 in a catalog
            // without JANNABI is still 잔나비).
            Some(name) if self.index.find_exact(query).is_none() => name,
            _ => query,
        }
    }

    /// The artist a query names exactly (after normalisation, or through an alias such as
    /// 방탄소년단 → BTS); cheap, no typo search.
    pub fn find_exact(&self, query: &str) -> Option<usize> {
        self.index.find_exact(self.unalias(query))
    }

    /// Resolve what a person typed: an alias counts as exact, then the forgiving name index
    /// (loose match, typos, suggestions).
    pub fn resolve(&self, query: &str) -> Resolution {
        let query = self.unalias(query);
        if let Some(entry) = self.index.find_exact(query) {
            return Resolution::Found { entry, exact: true };
        }
        if query.len() > FORGIVEN_QUERY_MAX {
            return self.index.resolve(query, MAX_SUGGESTIONS);
        }
        if let Some(known) = self.forgiven.get(query) {
            return known;
        }
        let resolution = self.index.resolve(query, MAX_SUGGESTIONS);
        self.forgiven.insert(query.to_string(), resolution.clone());
        resolution
    }

    /// Bytes the remembered forgiving resolutions hold now (at most [`FORGIVEN_BYTES`]).
    pub fn remembered_bytes(&self) -> u64 {
        self.forgiven.weight()
    }

    /// Up to `limit` artists for a search box, best first: an alias or an exact name, then names
    /// starting with the query, names containing it, then names a few typos away.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let unaliased = self.unalias(query);
        let mut hits = self.index.search(unaliased, limit);
        if unaliased != query
            && let Some(entry) = self.index.find_exact(unaliased)
        {
            hits.retain(|h| h.entry != entry);
            hits.insert(
                0,
                Hit {
                    entry,
                    kind: MatchKind::Exact,
                },
            );
            hits.truncate(limit);
        }
        hits
    }

    /// Resolve `query` and answer with up to `k` similar artists from `algorithm`'s mart.
    pub fn recommend(
        &self,
        query: &str,
        algorithm: &str,
        k: usize,
    ) -> Result<Answer, RecommendError> {
        let resolution = self.resolve(query);
        self.answer(query, resolution, algorithm, k)
    }

    /// The answer for an already resolved query.
    pub fn answer(
        &self,
        query: &str,
        resolution: Resolution,
        algorithm: &str,
        k: usize,
    ) -> Result<Answer, RecommendError> {
        if self.artists.is_empty() {
            return Err(RecommendError::EmptyStore);
        }
        let (entry, exact) = match resolution {
            Resolution::Found { entry, exact } => (entry, exact),
            Resolution::Unknown { suggestions } => {
                let suggestions = suggestions
                    .into_iter()
                    .map(|s| self.artist_ref(s, 0))
                    .collect();
                return Ok(Answer::Unknown {
                    query: query.to_string(),
                    suggestions,
                });
            }
        };
        let Some(mart) = self.marts.get(algorithm) else {
            let mut published: Vec<&str> = self.marts.keys().map(String::as_str).collect();
            published.sort_unstable();
            return Err(RecommendError::NoMart {
                algorithm: algorithm.to_string(),
                published: if published.is_empty() {
                    "none".into()
                } else {
                    published.join(", ")
                },
            });
        };
        let similar = mart[entry]
            .iter()
            .take(k)
            .map(|&(other, rank, score)| Similar {
                artist: self.artist_ref(other, TRACKS_PER_ARTIST),
                rank,
                score,
            })
            .collect();
        Ok(Answer::Found(Recommendation {
            query: query.to_string(),
            exact,
            artist: self.artist_ref(entry, TRACKS_PER_ARTIST),
            algorithm: algorithm.to_string(),
            similar,
        }))
    }

    /// One artist by id, with its top tracks.
    pub fn artist(&self, id: &str) -> Option<ArtistRef> {
        self.entry_of(id)
            .map(|entry| self.artist_ref(entry, TRACKS_PER_ARTIST))
    }

    /// The resolution entry of an artist id.
    pub fn entry_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The artist at a resolution entry.
    pub fn artist_at(&self, entry: usize) -> Option<&ArtistRow> {
        self.artists.get(entry)
    }

    /// The entries of the artists `algorithm`'s mart puts nearest the artist at `entry`, nearest
    /// first (none when that mart is not loaded).
    pub fn similar_entries(&self, entry: usize, algorithm: &str) -> impl Iterator<Item = usize> {
        self.marts
            .get(algorithm)
            .and_then(|mart| mart.get(entry))
            .into_iter()
            .flatten()
            .map(|&(other, _, _)| other)
    }

    fn artist_ref(&self, entry: usize, tracks: usize) -> ArtistRef {
        let row = &self.artists[entry];
        ArtistRef {
            id: row.artist_id.clone(),
            name: row.name.clone(),
            track_count: row.track_count,
            tracks: self.tracks[entry].iter().take(tracks).cloned().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use soundalike_core::names::loose_key;
    use soundalike_sources::bundled;

    #[test]
    fn aliases_name_bundled_artists_once_and_cover_the_popular_korean_acts() {
        let merged = bundled::import(&[]).unwrap();
        let catalog = &merged.catalog;
        let names: HashSet<String> = catalog.artists.iter().map(|a| loose_key(&a.name)).collect();
        let mut targets: HashMap<String, &str> = HashMap::new();
        for (alias, name) in super::alias_pairs() {
            assert!(!name.is_empty() && !alias.trim().is_empty(), "{alias:?}");
            if let Some(other) = targets.insert(loose_key(alias), name) {
                assert_eq!(other, name, "{alias} stands for two artists");
            }
        }
        let covered: HashSet<&str> = targets.values().copied().collect();
        let covered: HashSet<String> = covered.into_iter().map(loose_key).collect();
        // Learned-later names (a few Western acts past the 2020 table) aside, every alias names a
        // bundled artist.
        let unknown: Vec<&&str> = targets
            .values()
            .filter(|n| !names.contains(&loose_key(n)))
            .collect();
        assert!(
            unknown.len() <= 5,
            "aliases of no bundled artist: {unknown:?}"
        );

        // Korean acts by popularity (mean of their three most popular tracks).
        let korean: HashSet<&str> = catalog
            .genres
            .iter()
            .filter(|g| g.genre == bundled::KOREAN_ACT_GENRE)
            .map(|g| g.artist_id.0.as_str())
            .collect();
        let mut popularity: HashMap<&str, Vec<u8>> = HashMap::new();
        for t in &catalog.tracks {
            if let Some(a) = t
                .artist_id
                .as_ref()
                .filter(|a| korean.contains(a.0.as_str()))
            {
                popularity
                    .entry(&a.0)
                    .or_default()
                    .push(t.popularity.unwrap_or(0));
            }
        }
        let name_of: HashMap<&str, &str> = catalog
            .artists
            .iter()
            .map(|a| (a.id.0.as_str(), a.name.as_str()))
            .collect();
        let mut ranked: Vec<(f32, &str)> = popularity
            .into_iter()
            .map(|(a, mut p)| {
                p.sort_unstable_by(|x, y| y.cmp(x));
                let top = &p[..p.len().min(3)];
                (
                    top.iter().map(|&x| f32::from(x)).sum::<f32>() / top.len() as f32,
                    name_of[a],
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let top: Vec<&str> = ranked.iter().take(300).map(|r| r.1).collect();
        let missing: Vec<&&str> = top
            .iter()
            .filter(|n| !covered.contains(&loose_key(n)))
            .collect();
        // The rest: acts whose Korean name is not sure enough to write down, or not Korean.
        assert!(
            missing.len() <= 30,
            "{} of the top 300 without an alias: {missing:?}",
            missing.len()
        );
        let all: usize = ranked
            .iter()
            .filter(|r| covered.contains(&loose_key(r.1)))
            .count();
        assert!(all >= 300, "{all} Korean acts with an alias");
    }
}
