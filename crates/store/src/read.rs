//! Reads for recommendations: artists, their top tracks, and the current mart.

use crate::{Store, StoreError, on_pool};

/// An artist as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ArtistRow {
    /// Id.
    pub artist_id: String,
    /// Display name.
    pub name: String,
    /// Normalised name.
    pub normalized_name: String,
    /// Unique tracks.
    pub track_count: i64,
    /// Mean track popularity.
    pub popularity: Option<f64>,
}

/// A track as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrackRow {
    /// Spotify track id.
    pub track_id: String,
    /// Title.
    pub name: Option<String>,
    /// Popularity 0..100.
    pub popularity: Option<i64>,
}

/// A published mart.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MartInfo {
    /// Algorithm.
    pub algorithm: String,
    /// Version.
    pub version: i64,
    /// Neighbours per artist.
    pub k: i64,
    /// Artists with neighbours.
    pub artists: i64,
    /// Rows.
    pub row_count: i64,
    /// When (UTC, ISO 8601).
    pub created_at: String,
}

impl Store {
    /// Every artist (for name resolution), by id.
    pub async fn artists(&self) -> Result<Vec<ArtistRow>, StoreError> {
        Ok(on_pool!(&self.pool, pool => sqlx::query_as(
            "SELECT artist_id, name, normalized_name, track_count, popularity FROM artists ORDER BY artist_id",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Every artist's `limit` most popular tracks, in one statement: (artist id, track).
    pub async fn top_tracks_of_all(
        &self,
        limit: usize,
    ) -> Result<Vec<(String, TrackRow)>, StoreError> {
        let rows: Vec<(String, String, Option<String>, Option<i64>)> = on_pool!(&self.pool, pool => sqlx::query_as(
            "SELECT artist_id, track_id, name, popularity FROM ( \
               SELECT artist_id, track_id, name, popularity, ROW_NUMBER() OVER ( \
                 PARTITION BY artist_id ORDER BY popularity IS NULL, popularity DESC, track_id) AS rn \
               FROM tracks WHERE artist_id IS NOT NULL) ranked \
             WHERE rn <= ? ORDER BY artist_id, rn",
        )
        .bind(limit as i64)
        .fetch_all(pool)
        .await?);
        Ok(rows
            .into_iter()
            .map(|(artist, track_id, name, popularity)| {
                (
                    artist,
                    TrackRow {
                        track_id,
                        name,
                        popularity,
                    },
                )
            })
            .collect())
    }

    /// The whole current mart of `algorithm`, read in one statement (so from one version):
    /// (artist id, neighbour id, rank, score), by artist then rank.
    pub async fn mart_rows(
        &self,
        algorithm: &str,
    ) -> Result<Vec<(String, String, i64, f64)>, StoreError> {
        Ok(on_pool!(&self.pool, pool => sqlx::query_as(
            "SELECT r.artist_id, r.other_id, r.rank, r.score FROM mart_current c \
             JOIN related_artists r ON r.version = c.version AND r.algorithm = c.algorithm \
             WHERE c.algorithm = ? ORDER BY r.artist_id, r.rank",
        )
        .bind(algorithm)
        .fetch_all(pool)
        .await?))
    }

    /// The current marts.
    pub async fn marts(&self) -> Result<Vec<MartInfo>, StoreError> {
        Ok(on_pool!(&self.pool, pool => sqlx::query_as(
            "SELECT v.algorithm, v.version, v.k, v.artists, v.row_count, v.created_at \
             FROM mart_current c JOIN mart_versions v ON v.version = c.version ORDER BY v.algorithm",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Row counts of the main tables: (artists, tracks, artist_genres, related_artists).
    pub async fn counts(&self) -> Result<(i64, i64, i64, i64), StoreError> {
        Ok(on_pool!(&self.pool, pool => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM artists), (SELECT COUNT(*) FROM tracks), \
             (SELECT COUNT(*) FROM artist_genres), (SELECT COUNT(*) FROM related_artists)",
        )
        .fetch_one(pool)
        .await?))
    }
}
