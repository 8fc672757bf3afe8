//! The serving store: artists, tracks, genres and the similarity mart, in SQLite (embedded
//! default, `sqlite://...`) or MySQL 8 / MariaDB / RDS (`mysql://...`), chosen by URL
//! ([`Store::open_url`]). Everything the chat and the CLI answer with is read from here; artists'
//! top tracks may live elsewhere ([`TopTracks`], e.g. DynamoDB).
//!
//! One interface, two backends: [`Store`] holds a pool of either kind and every operation's code
//! is written once and compiled per backend (`on_pool!`, `per_backend!`); what differs between
//! the SQL dialects (upserts, DDL) sits in one `Dialect` value per backend.
//!
//! The mart is versioned. [`Store::publish`] writes the catalog and each algorithm's neighbour
//! lists under a new version, switches `mart_current` to it and drops older versions, all in one
//! transaction.
//!
//! **Invariant:** a reader sees the previous mart or the new one, never a mix: every read of the
//! mart is one statement joined through `mart_current`, and a failed or killed publish rolls back.
//! **Invariant:** SQL is static text with bound parameters; nothing a user types is spliced in.
#![deny(missing_docs)]

mod failpoint;
mod location;
mod migrations;
mod publish;
mod read;
pub mod testing;
mod top_tracks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{MySqlPool, SqlitePool};

pub use failpoint::FAILPOINT_VAR;
pub use location::{Locations, Stores, redact};
pub use publish::{Mart, MartRow, PublishReport};
pub use read::{ArtistRow, MartInfo, TrackRow};
pub use top_tracks::{TOP_TRACKS_KEPT, TopTracks, top_tracks};

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
    /// A store URL this build cannot open.
    #[error("unsupported store URL {0:?}: use sqlite://PATH or mysql://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// A tracks-store URL this build cannot open.
    #[error(
        "unsupported tracks-store URL {0:?}: use the store's URL or dynamodb://TABLE (built with the `dynamodb` feature)"
    )]
    UnsupportedTracksUrl(String),
    /// The DynamoDB top-tracks table failed.
    #[cfg(feature = "dynamodb")]
    #[error(transparent)]
    DynamoDb(#[from] soundalike_tracks_dynamodb::DynamoError),
}

/// A handle on the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
}

/// The connection pool of one backend.
#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    MySql(MySqlPool),
}

/// Evaluate `$body` with `$p` bound to the concrete pool of `$pool`: the body is written once and
/// type-checked per backend (sqlx's queries are generic over the database).
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::Pool::Sqlite($p) => $body,
            $crate::Pool::MySql($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// SQL that differs between the backends; everything else is shared text.
pub(crate) struct Dialect {
    /// Upsert tails, after `INSERT ... VALUES ...`.
    pub upsert_artists: &'static str,
    pub upsert_tracks: &'static str,
    pub upsert_genres: &'static str,
    pub set_current: &'static str,
}

const SQLITE: Dialect = Dialect {
    upsert_artists: " ON CONFLICT (artist_id) DO UPDATE SET name = excluded.name, \
        normalized_name = excluded.normalized_name, track_count = excluded.track_count, \
        popularity = excluded.popularity",
    upsert_tracks: " ON CONFLICT (track_id) DO UPDATE SET artist_id = excluded.artist_id, \
        name = excluded.name, popularity = excluded.popularity, album_name = excluded.album_name, \
        release_date = excluded.release_date, duration_ms = excluded.duration_ms",
    upsert_genres: " ON CONFLICT (artist_id, genre, subgenre) DO UPDATE SET memberships = excluded.memberships",
    set_current: "INSERT INTO mart_current (algorithm, version) VALUES (?, ?) \
        ON CONFLICT (algorithm) DO UPDATE SET version = excluded.version",
};

// `VALUES(col)` rather than MySQL 8.0.19's row alias: MariaDB knows only the former.
const MYSQL: Dialect = Dialect {
    upsert_artists: " ON DUPLICATE KEY UPDATE name = VALUES(name), \
        normalized_name = VALUES(normalized_name), track_count = VALUES(track_count), \
        popularity = VALUES(popularity)",
    upsert_tracks: " ON DUPLICATE KEY UPDATE artist_id = VALUES(artist_id), name = VALUES(name), \
        popularity = VALUES(popularity), album_name = VALUES(album_name), \
        release_date = VALUES(release_date), duration_ms = VALUES(duration_ms)",
    upsert_genres: " ON DUPLICATE KEY UPDATE memberships = VALUES(memberships)",
    set_current: "INSERT INTO mart_current (algorithm, version) VALUES (?, ?) \
        ON DUPLICATE KEY UPDATE version = VALUES(version)",
};

/// Define `mod sqlite` and `mod mysql` from one body, with `Db` the backend's database type and
/// `SQL` its [`Dialect`]: for code that holds a transaction across helper functions.
macro_rules! per_backend {
    ($($body:tt)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Db = sqlx::Sqlite;
            #[allow(dead_code)]
            const SQL: &$crate::Dialect = &$crate::SQLITE;
            $($body)*
        }
        mod mysql {
            #[allow(unused_imports)]
            use super::*;
            #[allow(dead_code)]
            type Db = sqlx::MySql;
            #[allow(dead_code)]
            const SQL: &$crate::Dialect = &$crate::MYSQL;
            $($body)*
        }
    };
}
pub(crate) use per_backend;

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

    /// Open by URL: `sqlite://path/to/file.sqlite`, `sqlite::memory:`, or
    /// `mysql://user:password@host:3306/database` (MySQL 8, MariaDB, RDS; the database must
    /// exist). Pending migrations are applied.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://")
            && !path.is_empty()
            && !path.contains('?')
        {
            return Self::open(Path::new(path)).await;
        }
        if url.starts_with("sqlite:") {
            return Self::connect(SqliteConnectOptions::from_str(url)?).await;
        }
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            // utf8mb4 on the wire; the tables' binary collation decides comparisons.
            let options = MySqlConnectOptions::from_str(&url)?.charset("utf8mb4");
            let pool = MySqlPoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            let store = Self {
                pool: Pool::MySql(pool),
            };
            migrations::apply(&store.pool).await?;
            return Ok(store);
        }
        Err(StoreError::UnsupportedUrl(redact(url)))
    }

    /// The backend's name: `sqlite` or `mysql`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::MySql(_) => "mysql",
        }
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
        let store = Self {
            pool: Pool::Sqlite(pool),
        };
        migrations::apply(&store.pool).await?;
        Ok(store)
    }

    /// Close all connections.
    pub async fn close(&self) {
        on_pool!(&self.pool, pool => pool.close().await);
    }
}

/// Now, UTC, ISO 8601 to the second (`2026-01-01T12:00:00Z`): timestamps are made here, not by
/// each SQL dialect.
pub(crate) fn now_utc() -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc()
        .format(FORMAT)
        .expect("a UTC time formats")
}
