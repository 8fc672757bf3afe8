//! The store crate's integration tests, one binary (each module one area).

mod publish;
mod tls;
