//! The cli crate's integration tests, one binary (each module one area).

mod backends;
mod cli;
mod common;
mod ingest;
mod lake;
