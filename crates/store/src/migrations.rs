//! Versioned schema migrations, applied in order on open; each runs once, in a transaction.

use sqlx::SqlitePool;

/// (version, name, statements). Append only: a released migration never changes.
const MIGRATIONS: &[(i64, &str, &[&str])] = &[(
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

pub async fn apply(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )",
    )
    .execute(pool)
    .await?;
    for (version, name, statements) in MIGRATIONS {
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
        sqlx::query("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
            .bind(version)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
    }
    Ok(())
}
