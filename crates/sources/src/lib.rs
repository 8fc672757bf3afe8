//! Where soundalike's data comes from. Today: the bundled TidyTuesday Spotify track table and any
//! CSV in the same column layout ([`dataset`]), and the bundled K-pop track table ([`kpop`]). Live music APIs are in `soundalike-live`.
//!
//! **Invariant:** a source turns outside bytes into [`soundalike_core::Catalog`] values and a
//! report of what it could not read; it never writes to the lake or a store itself.
//!
//! ```
//! let import = soundalike_sources::dataset::import_bundled().unwrap();
//! assert!(import.catalog.artists.len() > 10_000);
//! assert!(import.report.bad_rows.is_empty());
//! ```
#![deny(missing_docs)]

pub mod dataset;
pub mod kpop;
