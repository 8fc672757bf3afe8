//! Answering "who sounds like X": resolve what a person typed to one artist, then read its
//! nearest artists and their tracks from the store. Every channel (CLI, chat, REST) asks here, so
//! they all resolve names and pick tracks the same way.
//!
//! **Invariant:** reads only; the answer model is channel-neutral (no JSON, no Kakao shapes).
#![deny(missing_docs)]

use std::collections::HashMap;

use soundalike_core::names::loose_key;
use soundalike_core::{NameIndex, Resolution, spotify_track_url};
use soundalike_store::{ArtistRow, Store, StoreError};

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

/// Other names of artists (Korean names, nicknames): `alias<TAB>catalog name` per line.
const ALIASES: &str = include_str!("aliases.tsv");

/// Loose key of each alias → the catalog name it stands for.
fn aliases() -> HashMap<String, &'static str> {
    ALIASES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(alias, name)| (loose_key(alias), name.trim()))
        .collect()
}

/// Name index plus store.
pub struct Recommender {
    store: Store,
    artists: Vec<ArtistRow>,
    by_id: HashMap<String, usize>,
    index: NameIndex,
    aliases: HashMap<String, &'static str>,
}

impl Recommender {
    /// Load the artist names from the store.
    pub async fn load(store: Store) -> Result<Self, RecommendError> {
        let artists = store.artists().await?;
        let index = NameIndex::new(
            artists
                .iter()
                .map(|a| (a.name.as_str(), a.track_count as f64)),
        );
        let by_id = artists
            .iter()
            .enumerate()
            .map(|(i, a)| (a.artist_id.clone(), i))
            .collect();
        Ok(Self {
            store,
            artists,
            by_id,
            index,
            aliases: aliases(),
        })
    }

    /// Number of known artists.
    pub fn artist_count(&self) -> usize {
        self.artists.len()
    }

    /// The store behind this recommender.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Resolve what a person typed: an alias (방탄소년단 → BTS) counts as exact, then the
    /// forgiving name index.
    pub fn resolve(&self, query: &str) -> Resolution {
        let query = match self.aliases.get(&loose_key(query)) {
            Some(name) => *name,
            None => query,
        };
        self.index.resolve(query, MAX_SUGGESTIONS)
    }

    /// Resolve `query` and answer with up to `k` similar artists from `algorithm`'s mart.
    pub async fn recommend(
        &self,
        query: &str,
        algorithm: &str,
        k: usize,
    ) -> Result<Answer, RecommendError> {
        let resolution = self.resolve(query);
        self.answer(query, resolution, algorithm, k).await
    }

    /// The answer for an already resolved query.
    pub async fn answer(
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
                let mut out = Vec::new();
                for s in suggestions {
                    out.push(self.artist_ref(&self.artists[s], 0).await?);
                }
                return Ok(Answer::Unknown {
                    query: query.to_string(),
                    suggestions: out,
                });
            }
        };
        let marts = self.store.marts().await?;
        if !marts.iter().any(|m| m.algorithm == algorithm) {
            let published: Vec<_> = marts.iter().map(|m| m.algorithm.as_str()).collect();
            return Err(RecommendError::NoMart {
                algorithm: algorithm.to_string(),
                published: if published.is_empty() {
                    "none".into()
                } else {
                    published.join(", ")
                },
            });
        }
        let row = &self.artists[entry];
        let artist = self.artist_ref(row, TRACKS_PER_ARTIST).await?;
        let mut similar = Vec::new();
        for s in self.store.similar(&row.artist_id, algorithm, k).await? {
            let tracks = self.tracks(&s.artist_id, TRACKS_PER_ARTIST).await?;
            let track_count = self
                .by_id
                .get(&s.artist_id)
                .map_or(0, |&i| self.artists[i].track_count);
            similar.push(Similar {
                artist: ArtistRef {
                    id: s.artist_id,
                    name: s.name,
                    track_count,
                    tracks,
                },
                rank: s.rank,
                score: s.score,
            });
        }
        Ok(Answer::Found(Recommendation {
            query: query.to_string(),
            exact,
            artist,
            algorithm: algorithm.to_string(),
            similar,
        }))
    }

    /// One artist by id, with its top tracks.
    pub async fn artist(&self, id: &str) -> Result<Option<ArtistRef>, RecommendError> {
        match self.by_id.get(id) {
            Some(&i) => Ok(Some(
                self.artist_ref(&self.artists[i], TRACKS_PER_ARTIST).await?,
            )),
            None => Ok(None),
        }
    }

    /// The resolution entry of an artist id.
    pub fn entry_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The artist at a resolution entry.
    pub fn artist_at(&self, entry: usize) -> Option<&ArtistRow> {
        self.artists.get(entry)
    }

    async fn artist_ref(
        &self,
        row: &ArtistRow,
        tracks: usize,
    ) -> Result<ArtistRef, RecommendError> {
        Ok(ArtistRef {
            id: row.artist_id.clone(),
            name: row.name.clone(),
            track_count: row.track_count,
            tracks: self.tracks(&row.artist_id, tracks).await?,
        })
    }

    async fn tracks(&self, artist_id: &str, limit: usize) -> Result<Vec<TrackRef>, RecommendError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .top_tracks(artist_id, limit)
            .await?
            .into_iter()
            .map(|t| TrackRef {
                url: spotify_track_url(&t.track_id),
                name: t.name.unwrap_or_else(|| "(untitled)".into()),
                id: t.track_id,
            })
            .collect())
    }
}
