//! The lake crate's integration tests, one binary (each module one area).

mod ddl;
mod duckdb;
mod glue;
mod lake;
