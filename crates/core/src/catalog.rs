//! The catalog: every artist, track, audio feature row and playlist membership one import knows.

use std::collections::{HashMap, HashSet};

/// A soundalike artist id: `nm_<hex>` for artists known by name only (see
/// [`crate::names::artist_id_for`]).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ArtistId(pub String);

impl std::fmt::Display for ArtistId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One artist.
#[derive(Debug, Clone, PartialEq)]
pub struct Artist {
    /// Stable id.
    pub id: ArtistId,
    /// Display name: the most frequent spelling seen (first seen on a tie).
    pub name: String,
    /// [`crate::names::normalize_name`] of the name.
    pub normalized_name: String,
}

/// Spotify audio features of one track. `None` is a value the source marked missing. Field names
/// are Spotify's (and ReccoBeats'), so live clients decode them directly.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Deserialize)]
pub struct AudioFeatures {
    /// 0..1
    pub danceability: Option<f32>,
    /// 0..1
    pub energy: Option<f32>,
    /// Pitch class 0..11, -1 when none was detected.
    pub key: Option<i32>,
    /// dB, typically -60..0
    pub loudness: Option<f32>,
    /// 1 major, 0 minor.
    pub mode: Option<i32>,
    /// 0..1
    pub speechiness: Option<f32>,
    /// 0..1
    pub acousticness: Option<f32>,
    /// 0..1
    pub instrumentalness: Option<f32>,
    /// 0..1
    pub liveness: Option<f32>,
    /// 0..1
    pub valence: Option<f32>,
    /// Beats per minute.
    pub tempo: Option<f32>,
}

/// The continuous audio features in a fixed order, as used by profiles.
pub const FEATURE_NAMES: [&str; 9] = [
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
];

impl AudioFeatures {
    /// The continuous features in [`FEATURE_NAMES`] order.
    pub fn continuous(&self) -> [Option<f32>; 9] {
        [
            self.danceability,
            self.energy,
            self.loudness,
            self.speechiness,
            self.acousticness,
            self.instrumentalness,
            self.liveness,
            self.valence,
            self.tempo,
        ]
    }
}

/// One track (one Spotify track id).
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// Spotify track id.
    pub id: String,
    /// Title; `None` when the source marked it missing.
    pub name: Option<String>,
    /// The performing artist; `None` when the source does not name one.
    pub artist_id: Option<ArtistId>,
    /// Spotify popularity 0..100.
    pub popularity: Option<u8>,
    /// Spotify album id.
    pub album_id: Option<String>,
    /// Album title.
    pub album_name: Option<String>,
    /// Release date as given: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub release_date: Option<String>,
    /// Length in milliseconds.
    pub duration_ms: Option<u32>,
    /// Audio features.
    pub features: AudioFeatures,
}

impl Track {
    /// The release year, when the date starts with one.
    pub fn release_year(&self) -> Option<u16> {
        let date = self.release_date.as_deref()?;
        date.get(..4)?.parse().ok()
    }
}

/// One track's membership in one playlist, with the playlist's genre labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaylistMembership {
    /// Spotify playlist id.
    pub playlist_id: String,
    /// Playlist title.
    pub playlist_name: Option<String>,
    /// Top-level genre (edm, latin, pop, r&b, rap, rock in the bundled data).
    pub genre: Option<String>,
    /// Subgenre (24 in the bundled data).
    pub subgenre: Option<String>,
    /// The member track.
    pub track_id: String,
}

/// An artist's id at an outside source: how live sources (Spotify, Deezer, Last.fm, ...) map onto
/// soundalike's own ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceId {
    /// The soundalike artist.
    pub artist_id: ArtistId,
    /// Source name, lower case: `spotify`, `deezer`, `lastfm`, `reccobeats`, `listenbrainz`.
    pub source: String,
    /// The id at that source (Spotify base-62 id, Deezer number, MusicBrainz id, Last.fm name).
    pub source_id: String,
}

/// A genre or tag a source assigns to an artist (Spotify's genre list, Last.fm tags).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArtistGenre {
    /// The soundalike artist.
    pub artist_id: ArtistId,
    /// Which source said so.
    pub source: String,
    /// The genre as the source spells it.
    pub genre: String,
}

/// "Fans also like": an artist-to-artist edge a source supplies (Last.fm similar, Deezer related,
/// ListenBrainz similar artists, Spotify related artists).
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedEdge {
    /// The artist the source was asked about.
    pub artist_id: ArtistId,
    /// One artist the source lists as related.
    pub other_id: ArtistId,
    /// Which source said so.
    pub source: String,
    /// 1-based position in the source's list.
    pub rank: u16,
    /// The source's own score when it gives one (Last.fm `match`, ListenBrainz score).
    pub score: Option<f32>,
}

/// Everything one import produced. Artists are sorted by id and tracks by id, so two imports of
/// the same data are equal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Unique by id.
    pub artists: Vec<Artist>,
    /// Unique by id.
    pub tracks: Vec<Track>,
    /// Unique by (playlist_id, track_id).
    pub memberships: Vec<PlaylistMembership>,
    /// Unique by (artist_id, source). The bundled K-pop table gives `spotify` ids.
    pub source_ids: Vec<SourceId>,
    /// Unique by (artist_id, source, genre). The bundled merge gives Korean acts `k-pop`.
    pub genres: Vec<ArtistGenre>,
    /// Unique by (artist_id, other_id, source). Empty for the bundled dataset.
    pub related: Vec<RelatedEdge>,
}

impl Catalog {
    /// Index of each artist id in `artists`.
    pub fn artist_index(&self) -> HashMap<&ArtistId, usize> {
        self.artists
            .iter()
            .enumerate()
            .map(|(i, a)| (&a.id, i))
            .collect()
    }

    /// Track indices per artist (parallel to `artists`), in track order.
    pub fn tracks_by_artist(&self) -> Vec<Vec<usize>> {
        let index = self.artist_index();
        let mut out = vec![Vec::new(); self.artists.len()];
        for (t, track) in self.tracks.iter().enumerate() {
            if let Some(a) = track.artist_id.as_ref().and_then(|id| index.get(id)) {
                out[*a].push(t);
            }
        }
        out
    }

    /// Add `newer` (e.g. what live sources fetched) to this catalog (e.g. the dataset's): a record
    /// of `newer` replaces the one with the same key, and an (artist, source) pair that `newer`
    /// has genres or related artists for takes exactly `newer`'s list. Idempotent: merging the same
    /// `newer` again changes nothing. Leaves the tables sorted.
    pub fn merge(&mut self, newer: Catalog) {
        fn replace<T, K: std::hash::Hash + Eq>(
            old: &mut Vec<T>,
            new: Vec<T>,
            key: impl Fn(&T) -> K,
        ) {
            let replaced: HashSet<K> = new.iter().map(&key).collect();
            old.retain(|x| !replaced.contains(&key(x)));
            old.extend(new);
        }
        replace(&mut self.artists, newer.artists, |a| a.id.clone());
        replace(&mut self.tracks, newer.tracks, |t| t.id.clone());
        replace(&mut self.memberships, newer.memberships, |m| {
            (m.playlist_id.clone(), m.track_id.clone())
        });
        replace(&mut self.source_ids, newer.source_ids, |s| {
            (s.artist_id.clone(), s.source.clone())
        });
        // Whole lists per (artist, source): a refreshed list drops what the source no longer says.
        let lists: HashSet<(ArtistId, String)> = newer
            .genres
            .iter()
            .map(|g| (g.artist_id.clone(), g.source.clone()))
            .collect();
        self.genres
            .retain(|g| !lists.contains(&(g.artist_id.clone(), g.source.clone())));
        self.genres.extend(newer.genres);
        let lists: HashSet<(ArtistId, String)> = newer
            .related
            .iter()
            .map(|r| (r.artist_id.clone(), r.source.clone()))
            .collect();
        self.related
            .retain(|r| !lists.contains(&(r.artist_id.clone(), r.source.clone())));
        self.related.extend(newer.related);
        self.sort();
    }

    /// Put every table in canonical order. Each table's sort key is unique in it, so an unstable
    /// sort (no buffer, faster on large catalogs) gives the one order.
    pub fn sort(&mut self) {
        self.artists.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        self.tracks.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        self.memberships.sort_unstable_by(|a, b| {
            (&a.playlist_id, &a.track_id).cmp(&(&b.playlist_id, &b.track_id))
        });
        self.source_ids
            .sort_unstable_by(|a, b| (&a.artist_id, &a.source).cmp(&(&b.artist_id, &b.source)));
        self.genres.sort_unstable_by(|a, b| {
            (&a.artist_id, &a.source, &a.genre).cmp(&(&b.artist_id, &b.source, &b.genre))
        });
        self.related.sort_unstable_by(|a, b| {
            (&a.artist_id, &a.source, a.rank, &a.other_id).cmp(&(
                &b.artist_id,
                &b.source,
                b.rank,
                &b.other_id,
            ))
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::artist_id_for;

    fn artist(name: &str) -> Artist {
        Artist {
            id: artist_id_for(name),
            name: name.to_string(),
            normalized_name: crate::names::normalize_name(name),
        }
    }

    fn related(from: &str, to: &str, source: &str, rank: u16) -> RelatedEdge {
        RelatedEdge {
            artist_id: artist_id_for(from),
            other_id: artist_id_for(to),
            source: source.into(),
            rank,
            score: None,
        }
    }

    #[test]
    fn merging_replaces_by_key_keeps_the_rest_and_is_idempotent() {
        let mut base = Catalog {
            artists: vec![artist("IU"), artist("Coldplay")],
            related: vec![
                related("IU", "Coldplay", "deezer", 1),
                related("IU", "Coldplay", "lastfm", 1),
            ],
            ..Catalog::default()
        };
        let mut renamed = artist("iu");
        renamed.name = "IU (아이유)".into();
        let newer = Catalog {
            artists: vec![renamed, artist("BTS")],
            related: vec![related("IU", "BTS", "deezer", 1)],
            ..Catalog::default()
        };
        base.merge(newer.clone());
        let names: Vec<&str> = base.artists.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&"IU (아이유)") && !names.contains(&"IU"));
        // Deezer's list for IU is replaced whole; Last.fm's is kept.
        let edges: Vec<(&str, &ArtistId)> = base
            .related
            .iter()
            .map(|r| (r.source.as_str(), &r.other_id))
            .collect();
        assert_eq!(
            edges,
            [
                ("deezer", &artist_id_for("BTS")),
                ("lastfm", &artist_id_for("Coldplay"))
            ]
        );
        let once = base.clone();
        base.merge(newer);
        assert_eq!(base, once);
    }
}
