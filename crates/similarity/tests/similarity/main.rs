//! The similarity crate's integration tests, one binary (each module one area).

mod ann;
mod incremental;
mod seed;
mod tags;
