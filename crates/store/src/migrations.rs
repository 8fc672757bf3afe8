//! Versioned schema migrations, applied in order on open; each runs once. Append only: a released
//! migration never changes. One list per backend, same versions, same tables.
//!
//! SQLite runs a migration in a transaction. MySQL commits DDL implicitly, so its statements are
//! each idempotent (`CREATE TABLE IF NOT EXISTS`, indexes inline) and a migration cut short is
//! simply run again. MySQL tables are utf8mb4 with the binary collation: Korean names and emoji
//! round-trip, and `BTS` and `bts`, `Beyonce` and `Beyoncé` stay distinct keys, as in SQLite.

use crate::{Pool, per_backend};

/// A migration: (version, name, statements).
type Migration = (i64, &'static str, &'static [&'static str]);

const SQLITE_BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)";

const SQLITE_MIGRATIONS: &[Migration] = &[(
    1,
    "catalog and versioned similarity mart",
    &[
        "CREATE TABLE artists (
            artist_id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            normalized_name TEXT NOT NULL,
            track_count INTEGER NOT NULL,
            popularity REAL
        )",
        "CREATE INDEX artists_by_normalized_name ON artists (normalized_name)",
        "CREATE TABLE tracks (
            track_id TEXT PRIMARY KEY,
            artist_id TEXT,
            name TEXT,
            popularity INTEGER,
            album_name TEXT,
            release_date TEXT,
            duration_ms INTEGER
        )",
        "CREATE INDEX tracks_by_artist ON tracks (artist_id, popularity DESC)",
        "CREATE TABLE artist_genres (
            artist_id TEXT NOT NULL,
            genre TEXT NOT NULL,
            subgenre TEXT NOT NULL,
            memberships INTEGER NOT NULL,
            PRIMARY KEY (artist_id, genre, subgenre)
        )",
        "CREATE TABLE mart_versions (
            version INTEGER PRIMARY KEY,
            algorithm TEXT NOT NULL,
            k INTEGER NOT NULL,
            artists INTEGER NOT NULL,
            row_count INTEGER NOT NULL,
            created_at TEXT NOT NULL
        )",
        "CREATE TABLE mart_current (
            algorithm TEXT PRIMARY KEY,
            version INTEGER NOT NULL REFERENCES mart_versions (version)
        )",
        "CREATE TABLE related_artists (
            version INTEGER NOT NULL,
            algorithm TEXT NOT NULL,
            artist_id TEXT NOT NULL,
            other_id TEXT NOT NULL,
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            PRIMARY KEY (version, artist_id, rank)
        )",
    ],
)];

/// Every MySQL table's options: transactional engine, 4-byte UTF-8, binary collation.
macro_rules! mysql_table {
    ($($sql:literal),+ $(,)?) => {
        concat!($($sql),+, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
    };
}

const MYSQL_BOOKKEEPING: &str = mysql_table!(
    "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    applied_at VARCHAR(32) NOT NULL
)"
);

// Keys are VARCHAR (TEXT cannot be a key); names are TEXT with a prefix index. `rank` is
// reserved in MySQL 8, hence the backticks (SQLite accepts them too).
const MYSQL_MIGRATIONS: &[Migration] = &[(
    1,
    "catalog and versioned similarity mart",
    &[
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS artists (
            artist_id VARCHAR(255) PRIMARY KEY,
            name TEXT NOT NULL,
            normalized_name TEXT NOT NULL,
            track_count BIGINT NOT NULL,
            popularity DOUBLE,
            INDEX artists_by_normalized_name (normalized_name(191))
        )"
        ),
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS tracks (
            track_id VARCHAR(255) PRIMARY KEY,
            artist_id VARCHAR(255),
            name TEXT,
            popularity BIGINT,
            album_name TEXT,
            release_date TEXT,
            duration_ms BIGINT,
            INDEX tracks_by_artist (artist_id, popularity DESC)
        )"
        ),
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS artist_genres (
            artist_id VARCHAR(255) NOT NULL,
            genre VARCHAR(191) NOT NULL,
            subgenre VARCHAR(191) NOT NULL,
            memberships BIGINT NOT NULL,
            PRIMARY KEY (artist_id, genre, subgenre)
        )"
        ),
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS mart_versions (
            version BIGINT PRIMARY KEY,
            algorithm VARCHAR(64) NOT NULL,
            k BIGINT NOT NULL,
            artists BIGINT NOT NULL,
            row_count BIGINT NOT NULL,
            created_at VARCHAR(32) NOT NULL
        )"
        ),
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS mart_current (
            algorithm VARCHAR(64) PRIMARY KEY,
            version BIGINT NOT NULL,
            FOREIGN KEY (version) REFERENCES mart_versions (version)
        )"
        ),
        mysql_table!(
            "CREATE TABLE IF NOT EXISTS related_artists (
            version BIGINT NOT NULL,
            algorithm VARCHAR(64) NOT NULL,
            artist_id VARCHAR(255) NOT NULL,
            other_id VARCHAR(255) NOT NULL,
            `rank` BIGINT NOT NULL,
            score DOUBLE NOT NULL,
            PRIMARY KEY (version, artist_id, `rank`)
        )"
        ),
    ],
)];

pub(crate) async fn apply(pool: &Pool) -> Result<(), sqlx::Error> {
    match pool {
        Pool::Sqlite(pool) => sqlite::run(pool, SQLITE_BOOKKEEPING, SQLITE_MIGRATIONS).await,
        Pool::MySql(pool) => mysql::run(pool, MYSQL_BOOKKEEPING, MYSQL_MIGRATIONS).await,
    }
}

per_backend! {
    pub(super) async fn run(
        pool: &sqlx::Pool<Db>,
        bookkeeping: &'static str,
        migrations: &[Migration],
    ) -> Result<(), sqlx::Error> {
        sqlx::query(bookkeeping).execute(pool).await?;
        for (version, name, statements) in migrations {
            let mut tx = pool.begin().await?;
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM schema_migrations WHERE version = ?")
                    .bind(version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            for statement in *statements {
                sqlx::query(*statement).execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            )
            .bind(version)
            .bind(name)
            .bind(crate::now_utc())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version, name, "applied migration");
        }
        Ok(())
    }
}
