//! Where soundalike's data comes from: the bundled track tables and any CSV in the TidyTuesday
//! layout ([`dataset`], [`kpop`]), merged into one catalog by [`bundled`], and artist facts from
//! Wikidata ([`wikidata`]). Live music APIs are in `soundalike-live`.
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

pub mod bundled;
pub mod dataset;
pub mod kpop;
pub mod wikidata;
