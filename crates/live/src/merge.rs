//! From raw responses to one catalog. Every stored body is replayed in write order through the
//! same typed shapes the clients decode; what each source knows about one artist lands on one
//! soundalike artist (identity: [`soundalike_core::names::artist_id_for`], the dataset import's
//! rule), with its id at each source.
//!
//! Every rule here is order-independent (keys in sorted maps; a conflict keeps the smaller value,
//! a field keeps the first known value), so replaying the same bodies twice, or in another order,
//! gives the same catalog: a crawl that was killed and re-fetched some bodies derives the same
//! rows as one that was not.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Url;
use soundalike_core::names::{artist_id_for, normalize_name};
use soundalike_core::{
    Artist, ArtistGenre, ArtistId, AudioFeatures, Catalog, RelatedEdge, SourceId, Track,
};
use soundalike_lake::raw::RawRecord;

use crate::{FetchError, deezer, lastfm, reccobeats, spotify};

/// A body that could not be used, and why (it stays in the raw lake).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where the body is stored, or the request URL.
    pub at: String,
    /// What went wrong.
    pub error: String,
}

/// The accumulating catalog.
#[derive(Debug, Default)]
pub struct Merger {
    names: BTreeMap<ArtistId, String>,
    source_ids: BTreeMap<(ArtistId, String), String>,
    by_source: BTreeMap<(String, String), ArtistId>,
    genres: BTreeSet<(ArtistId, String, String)>,
    related: BTreeMap<(ArtistId, ArtistId, String), (u16, Option<f32>)>,
    tracks: BTreeMap<String, Track>,
    features: BTreeMap<(u8, String), AudioFeatures>,
    /// Merges that disagreed (logged as they happen).
    pub conflicts: Vec<String>,
    /// Bodies that could not be used.
    pub problems: Vec<Problem>,
}

/// The hit a name search means: the first whose name normalises like the query, else the first.
pub fn pick<'a, T>(hits: &'a [T], query: &str, name: impl Fn(&T) -> &str) -> Option<&'a T> {
    let wanted = normalize_name(query);
    hits.iter()
        .find(|h| normalize_name(name(h)) == wanted)
        .or(hits.first())
}

fn query_value(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The path segment after `after` (`artists/{id}/related-artists` → `{id}`).
fn segment_after(url: &Url, after: &str) -> Option<String> {
    let mut segments = url.path_segments()?;
    segments.find(|s| *s == after)?;
    segments.next().map(str::to_string)
}

impl Merger {
    /// An empty merger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record that `name` is known at `source` as `source_id`; returns the soundalike id.
    pub fn artist(&mut self, source: &str, source_id: &str, name: &str) -> ArtistId {
        let id = artist_id_for(name);
        let display = self
            .names
            .entry(id.clone())
            .or_insert_with(|| name.to_string());
        if name < display.as_str() {
            *display = name.to_string();
        }
        let key = (id.clone(), source.to_string());
        match self.source_ids.get(&key) {
            Some(existing) if existing != source_id => {
                let message = format!(
                    "{source}: {name:?} is both {existing} and {source_id}; keeping the smaller id"
                );
                tracing::warn!(artist = %id, "{message}");
                self.conflicts.push(message);
                if source_id < existing.as_str() {
                    self.source_ids.insert(key, source_id.to_string());
                }
            }
            Some(_) => {}
            None => {
                self.source_ids.insert(key, source_id.to_string());
            }
        }
        self.by_source
            .entry((source.to_string(), source_id.to_string()))
            .or_insert_with(|| id.clone());
        id
    }

    fn spotify_artist(&mut self, a: &spotify::Artist) -> ArtistId {
        let id = self.artist("spotify", &a.id, &a.name);
        for g in &a.genres {
            self.genres
                .insert((id.clone(), "spotify".into(), g.clone()));
        }
        id
    }

    fn edge(
        &mut self,
        from: &ArtistId,
        to: ArtistId,
        source: &str,
        rank: usize,
        score: Option<f32>,
    ) {
        if &to == from {
            return;
        }
        let rank = u16::try_from(rank + 1).unwrap_or(u16::MAX);
        let slot = self
            .related
            .entry((from.clone(), to, source.to_string()))
            .or_insert((rank, score));
        if rank < slot.0 {
            *slot = (rank, score);
        }
    }

    fn track(&mut self, track: Track) {
        match self.tracks.get_mut(&track.id) {
            None => {
                self.tracks.insert(track.id.clone(), track);
            }
            Some(known) => {
                known.name = known.name.take().or(track.name);
                known.artist_id = known.artist_id.take().or(track.artist_id);
                known.popularity = known.popularity.or(track.popularity);
                known.album_id = known.album_id.take().or(track.album_id);
                known.album_name = known.album_name.take().or(track.album_name);
                known.release_date = known.release_date.take().or(track.release_date);
                known.duration_ms = known.duration_ms.or(track.duration_ms);
            }
        }
    }

    fn spotify_track(&mut self, t: &spotify::Track) {
        let artist_id = t.artists.first().map(|a| match &a.id {
            Some(sid) => self.artist("spotify", sid, &a.name),
            None => artist_id_for(&a.name),
        });
        let album = t.album.clone().unwrap_or_default();
        self.track(Track {
            id: t.id.clone(),
            name: Some(t.name.clone()),
            artist_id,
            popularity: t.popularity,
            album_id: album.id,
            album_name: album.name,
            release_date: album.release_date,
            duration_ms: t.duration_ms,
            features: AudioFeatures::default(),
        });
    }

    fn known_at(&self, source: &str, source_id: &str) -> Result<ArtistId, FetchError> {
        self.by_source
            .get(&(source.to_string(), source_id.to_string()))
            .cloned()
            .ok_or_else(|| FetchError::Raw(format!("{source} artist {source_id} is not known yet")))
    }

    /// Replay one stored response.
    pub fn apply(&mut self, record: &RawRecord) -> Result<(), FetchError> {
        let url = Url::parse(&record.url).map_err(|e| FetchError::Raw(e.to_string()))?;
        let body = &record.body;
        // A rate-limit answer inside a 200 body was retried when it came; nothing to derive.
        let retried = match record.source.as_str() {
            "deezer" => deezer::body_error(body).is_some_and(|(code, _)| code == deezer::QUOTA),
            "lastfm" => lastfm::rate_limited(body),
            _ => false,
        };
        if retried {
            return Ok(());
        }
        match (record.source.as_str(), record.endpoint.as_str()) {
            ("spotify", "search") => {
                let q = query_value(&url, "q").unwrap_or_default();
                if query_value(&url, "type").as_deref() == Some("track") {
                    let found: spotify::TrackSearch = decode("spotify", "search", body)?;
                    let wanted = q.trim_start_matches("artist:").trim_matches('"');
                    let wanted = normalize_name(wanted);
                    for t in &found.tracks.items {
                        if t.artists
                            .first()
                            .is_some_and(|a| normalize_name(&a.name) == wanted)
                        {
                            self.spotify_track(t);
                        }
                    }
                } else {
                    let found: spotify::ArtistSearch = decode("spotify", "search", body)?;
                    if let Some(hit) = pick(&found.artists.items, &q, |a| &a.name) {
                        self.spotify_artist(hit);
                    }
                }
            }
            ("spotify", "artist") => {
                let a: spotify::Artist = decode("spotify", "artist", body)?;
                self.spotify_artist(&a);
            }
            ("spotify", "artists") => {
                let list: spotify::Artists = decode("spotify", "artists", body)?;
                for a in list.artists.iter().flatten() {
                    self.spotify_artist(a);
                }
            }
            ("spotify", "top-tracks") => {
                let top: spotify::TopTracks = decode("spotify", "top-tracks", body)?;
                for t in &top.tracks {
                    self.spotify_track(t);
                }
            }
            ("spotify", "related-artists") => {
                let related: spotify::Related = decode("spotify", "related-artists", body)?;
                let of = segment_after(&url, "artists").unwrap_or_default();
                let from = self.known_at("spotify", &of)?;
                for (rank, a) in related.artists.iter().enumerate() {
                    let to = self.spotify_artist(a);
                    self.edge(&from, to, "spotify", rank, None);
                }
            }
            ("spotify", "audio-features") => {
                let rows: spotify::AudioFeatures = decode("spotify", "audio-features", body)?;
                for f in rows.audio_features.iter().flatten() {
                    self.features.insert((0, f.id.clone()), f.features);
                }
            }
            ("reccobeats", "audio-features") => {
                let rows: reccobeats::Features = decode("reccobeats", "audio-features", body)?;
                for f in reccobeats::to_features(rows) {
                    self.features.insert((1, f.id.clone()), f.features);
                }
            }
            ("deezer", "search-artist") => {
                let q = query_value(&url, "q").unwrap_or_default();
                let found: deezer::List<deezer::Artist> = deezer::parse("search-artist", body)?;
                if let Some(hit) = pick(&found.data, &q, |a| &a.name) {
                    self.artist("deezer", &hit.id.to_string(), &hit.name);
                }
            }
            ("deezer", "artist") => {
                let a: deezer::Artist = deezer::parse("artist", body)?;
                self.artist("deezer", &a.id.to_string(), &a.name);
            }
            ("deezer", "related") => {
                let list: deezer::List<deezer::Artist> = deezer::parse("related", body)?;
                let of = segment_after(&url, "artist").unwrap_or_default();
                let from = self.known_at("deezer", &of)?;
                for (rank, a) in list.data.iter().enumerate() {
                    let to = self.artist("deezer", &a.id.to_string(), &a.name);
                    self.edge(&from, to, "deezer", rank, None);
                }
            }
            ("deezer", "top") => {
                let list: deezer::List<deezer::Track> = deezer::parse("top", body)?;
                for t in &list.data {
                    let artist_id = t
                        .artist
                        .name
                        .as_deref()
                        .map(|name| self.artist("deezer", &t.artist.id.to_string(), name));
                    self.track(Track {
                        id: format!("deezer:{}", t.id),
                        name: Some(t.title.clone()),
                        artist_id,
                        popularity: None,
                        album_id: t.album.as_ref().map(|a| format!("deezer:{}", a.id)),
                        album_name: t.album.as_ref().and_then(|a| a.name.clone()),
                        release_date: None,
                        duration_ms: t.duration.map(|s| s.saturating_mul(1000)),
                        features: AudioFeatures::default(),
                    });
                }
            }
            ("lastfm", "similar") => {
                let of = query_value(&url, "artist").unwrap_or_default();
                let similar: lastfm::Similar = lastfm::parse("similar", body)?;
                let from = self.artist("lastfm", &normalize_name(&of), &of);
                for (rank, a) in similar.similarartists.artist.iter().enumerate() {
                    let to = self.artist("lastfm", &normalize_name(&a.name), &a.name);
                    self.edge(&from, to, "lastfm", rank, a.r#match);
                }
            }
            // Bodies kept for later use (Last.fm top tracks carry no track ids; ListenBrainz
            // answers by MusicBrainz id) are stored but not derived into tables yet.
            _ => {}
        }
        Ok(())
    }

    /// The catalog, in canonical order. Spotify's own audio features win over ReccoBeats'.
    pub fn into_catalog(self) -> Catalog {
        let mut catalog = Catalog {
            artists: self
                .names
                .into_iter()
                .map(|(id, name)| Artist {
                    normalized_name: normalize_name(&name),
                    id,
                    name,
                })
                .collect(),
            source_ids: self
                .source_ids
                .into_iter()
                .map(|((artist_id, source), source_id)| SourceId {
                    artist_id,
                    source,
                    source_id,
                })
                .collect(),
            genres: self
                .genres
                .into_iter()
                .map(|(artist_id, source, genre)| ArtistGenre {
                    artist_id,
                    source,
                    genre,
                })
                .collect(),
            related: self
                .related
                .into_iter()
                .map(
                    |((artist_id, other_id, source), (rank, score))| RelatedEdge {
                        artist_id,
                        other_id,
                        source,
                        rank,
                        score,
                    },
                )
                .collect(),
            ..Catalog::default()
        };
        let features = self.features;
        catalog.tracks = self
            .tracks
            .into_values()
            .map(|mut t| {
                if let Some(f) = features
                    .get(&(0, t.id.clone()))
                    .or_else(|| features.get(&(1, t.id.clone())))
                {
                    t.features = *f;
                }
                t
            })
            .collect();
        catalog.sort();
        catalog
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    source: &'static str,
    endpoint: &'static str,
    body: &[u8],
) -> Result<T, FetchError> {
    crate::decode(source, endpoint, body)
}

/// Replay every record; unusable ones become [`Problem`]s, never an abort.
pub fn replay(records: &[RawRecord]) -> (Catalog, Vec<Problem>, Vec<String>) {
    let mut merger = Merger::new();
    for record in records {
        if let Err(e) = merger.apply(record) {
            tracing::warn!(path = %record.path.display(), error = %e, "raw body not usable; kept");
            merger.problems.push(Problem {
                at: record.path.display().to_string(),
                error: e.to_string(),
            });
        }
    }
    let problems = std::mem::take(&mut merger.problems);
    let conflicts = std::mem::take(&mut merger.conflicts);
    (merger.into_catalog(), problems, conflicts)
}
