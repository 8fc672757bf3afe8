//! The catalog: every artist, track, audio feature row and playlist membership one import knows.

use std::collections::HashMap;

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

/// Spotify audio features of one track. `None` is a value the source marked missing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
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

    /// Put artists, tracks and memberships in canonical order.
    pub fn sort(&mut self) {
        self.artists.sort_by(|a, b| a.id.cmp(&b.id));
        self.tracks.sort_by(|a, b| a.id.cmp(&b.id));
        self.memberships
            .sort_by(|a, b| (&a.playlist_id, &a.track_id).cmp(&(&b.playlist_id, &b.track_id)));
    }
}
