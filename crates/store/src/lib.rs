//! The serving store: artists, tracks, genres and the similarity mart, in SQLite (embedded
//! default). Everything the chat and the CLI answer with is read from here.
//!
//! The mart is versioned. [`Store::publish`] writes the catalog and each algorithm's neighbour
//! lists under a new version, switches `mart_current` to it and drops older versions, all in one
//! transaction.
//!
//! **Invariant:** a reader sees the previous mart or the new one, never a mix: every read of the
//! mart is one statement joined through `mart_current`, and a failed or killed publish rolls back.
//! **Invariant:** SQL is static text with bound parameters; nothing a user types is spliced in.
#![deny(missing_docs)]

mod migrations;
mod publish;
mod read;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use publish::{Mart, MartRow, PublishReport};
pub use read::{ArtistRow, MartInfo, TrackRow};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("store: {0}")]
    Database(#[from] sqlx::Error),
    /// The store's folder could not be made.
    #[error("store folder {path}")]
    Io {
        /// The folder.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A mart to publish is inconsistent.
    #[error("invalid mart: {0}")]
    InvalidMart(String),
}

/// A handle on the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Open (creating if needed) the SQLite database at `path` and apply pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new().filename(path);
        Self::connect(options).await
    }

    /// Open by URL: `sqlite://path/to/file.sqlite` or `sqlite::memory:`.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        Self::connect(SqliteConnectOptions::from_str(url)?).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let store = Self { pool };
        migrations::apply(&store.pool).await?;
        Ok(store)
    }

    /// Close all connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
