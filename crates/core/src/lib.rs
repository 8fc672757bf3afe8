//! Domain types and pure rules shared by every soundalike crate: artists, tracks, audio features,
//! playlist memberships, name normalisation, stable ids and forgiving name resolution.
//!
//! **Invariant:** this crate does no IO and knows nothing of HTTP, SQL, Parquet or the CLI. Every
//! other crate speaks in these types, so a rule such as "how an artist name is normalised" lives
//! here exactly once.
//!
//! ```
//! use soundalike_core::names::{normalize_name, artist_id_for};
//! assert_eq!(normalize_name("  Cold   PLAY "), "cold play");
//! assert_eq!(artist_id_for("Coldplay"), artist_id_for("COLDPLAY"));
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod names;
pub mod resolve;

pub use catalog::{
    Artist, ArtistGenre, ArtistId, AudioFeatures, Catalog, FEATURE_NAMES, PlaylistMembership,
    RelatedEdge, SourceId, Track,
};
pub use resolve::{NameIndex, Resolution};

/// The Spotify web URL of a track: what a person can open from a chat reply.
pub fn spotify_track_url(track_id: &str) -> String {
    format!("https://open.spotify.com/track/{track_id}")
}
