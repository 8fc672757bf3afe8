//! Publishing a pipeline run: catalog upserts and new mart versions in one transaction.

use std::collections::HashMap;

use soundalike_core::{ArtistId, Catalog};
use sqlx::{QueryBuilder, Transaction};

use crate::{Pool, Store, StoreError, per_backend};

/// Rows per multi-row INSERT (SQLite allows 32,766 bound values per statement, MySQL 65,535).
const CHUNK: usize = 1000;

/// One neighbour list entry.
#[derive(Debug, Clone, PartialEq)]
pub struct MartRow {
    /// The artist.
    pub artist_id: ArtistId,
    /// Its neighbour.
    pub other_id: ArtistId,
    /// 1 = nearest.
    pub rank: u32,
    /// Similarity (higher is closer).
    pub score: f32,
}

/// One algorithm's complete neighbour lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Mart {
    /// Algorithm name.
    pub algorithm: String,
    /// Neighbours per artist asked for.
    pub k: usize,
    /// The rows.
    pub rows: Vec<MartRow>,
}

/// What a publish wrote.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PublishReport {
    /// Artists upserted.
    pub artists: usize,
    /// Tracks upserted.
    pub tracks: usize,
    /// Artist genre rows upserted.
    pub genres: usize,
    /// (algorithm, new version, rows) per mart.
    pub marts: Vec<(String, i64, usize)>,
}

impl Store {
    /// Upsert the catalog and publish each mart as the new current version, atomically.
    pub async fn publish(
        &self,
        catalog: &Catalog,
        marts: &[Mart],
    ) -> Result<PublishReport, StoreError> {
        for mart in marts {
            validate(mart)?;
        }
        match &self.pool {
            Pool::Sqlite(pool) => sqlite::publish(pool, catalog, marts).await,
            Pool::MySql(pool) => mysql::publish(pool, catalog, marts).await,
        }
    }
}

/// Cheap checks before the transaction; uniqueness of (artist, rank) is the database's to enforce.
fn validate(mart: &Mart) -> Result<(), StoreError> {
    match mart
        .rows
        .iter()
        .find(|r| r.rank == 0 || !r.score.is_finite())
    {
        Some(row) => Err(StoreError::InvalidMart(format!(
            "{}: row for {} has rank {} and score {}",
            mart.algorithm, row.artist_id, row.rank, row.score
        ))),
        None => Ok(()),
    }
}

per_backend! {
    pub(super) async fn publish(
        pool: &sqlx::Pool<Db>,
        catalog: &Catalog,
        marts: &[Mart],
    ) -> Result<PublishReport, StoreError> {
        let mut tx = pool.begin().await?;
        let mut report = PublishReport {
            artists: upsert_artists(&mut tx, catalog).await?,
            tracks: upsert_tracks(&mut tx, catalog).await?,
            genres: upsert_genres(&mut tx, catalog).await?,
            marts: Vec::new(),
        };
        for mart in marts {
            let version = insert_mart(&mut tx, mart).await?;
            report
                .marts
                .push((mart.algorithm.clone(), version, mart.rows.len()));
        }
        crate::failpoint::before_commit().await;
        tx.commit().await?;
        Ok(report)
    }

    async fn upsert_artists(
        tx: &mut Transaction<'_, Db>,
        catalog: &Catalog,
    ) -> Result<usize, StoreError> {
        let index = catalog.artist_index();
        let mut counts = vec![(0i64, 0f64, 0f64); catalog.artists.len()];
        for track in &catalog.tracks {
            if let Some(a) = track.artist_id.as_ref().and_then(|id| index.get(id)) {
                counts[*a].0 += 1;
                if let Some(p) = track.popularity {
                    counts[*a].1 += f64::from(p);
                    counts[*a].2 += 1.0;
                }
            }
        }
        let rows: Vec<_> = catalog.artists.iter().zip(counts).collect();
        for chunk in rows.chunks(CHUNK) {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO artists (artist_id, name, normalized_name, track_count, popularity) ",
            );
            q.push_values(chunk, |mut b, (artist, (tracks, pop_sum, pop_n))| {
                b.push_bind(&artist.id.0)
                    .push_bind(&artist.name)
                    .push_bind(&artist.normalized_name)
                    .push_bind(*tracks)
                    .push_bind((*pop_n > 0.0).then(|| pop_sum / pop_n));
            });
            q.push(SQL.upsert_artists);
            q.build().execute(&mut **tx).await?;
        }
        Ok(rows.len())
    }

    async fn upsert_tracks(
        tx: &mut Transaction<'_, Db>,
        catalog: &Catalog,
    ) -> Result<usize, StoreError> {
        for chunk in catalog.tracks.chunks(CHUNK) {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO tracks (track_id, artist_id, name, popularity, album_name, release_date, duration_ms) ",
            );
            q.push_values(chunk, |mut b, t| {
                b.push_bind(&t.id)
                    .push_bind(t.artist_id.as_ref().map(|a| &a.0))
                    .push_bind(&t.name)
                    .push_bind(t.popularity.map(i64::from))
                    .push_bind(&t.album_name)
                    .push_bind(&t.release_date)
                    .push_bind(t.duration_ms.map(i64::from));
            });
            q.push(SQL.upsert_tracks);
            q.build().execute(&mut **tx).await?;
        }
        Ok(catalog.tracks.len())
    }

    async fn upsert_genres(
        tx: &mut Transaction<'_, Db>,
        catalog: &Catalog,
    ) -> Result<usize, StoreError> {
        let artist_of: HashMap<&str, &ArtistId> = catalog
            .tracks
            .iter()
            .filter_map(|t| Some((t.id.as_str(), t.artist_id.as_ref()?)))
            .collect();
        let mut counts: HashMap<(&ArtistId, &str, &str), i64> = HashMap::new();
        for m in &catalog.memberships {
            if let Some(artist) = artist_of.get(m.track_id.as_str()) {
                let genre = m.genre.as_deref().unwrap_or("");
                let subgenre = m.subgenre.as_deref().unwrap_or("");
                *counts.entry((artist, genre, subgenre)).or_default() += 1;
            }
        }
        let mut rows: Vec<_> = counts.into_iter().collect();
        rows.sort();
        for chunk in rows.chunks(CHUNK) {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO artist_genres (artist_id, genre, subgenre, memberships) ",
            );
            q.push_values(chunk, |mut b, ((artist, genre, subgenre), n)| {
                b.push_bind(&artist.0)
                    .push_bind(*genre)
                    .push_bind(*subgenre)
                    .push_bind(*n);
            });
            q.push(SQL.upsert_genres);
            q.build().execute(&mut **tx).await?;
        }
        Ok(rows.len())
    }

    async fn insert_mart(tx: &mut Transaction<'_, Db>, mart: &Mart) -> Result<i64, StoreError> {
        let artists = mart
            .rows
            .iter()
            .map(|r| &r.artist_id)
            .collect::<std::collections::HashSet<_>>()
            .len();
        // Versions only grow (the current one is never deleted), across algorithms.
        let (version,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(version), 0) + 1 FROM mart_versions")
                .fetch_one(&mut **tx)
                .await?;
        sqlx::query(
            "INSERT INTO mart_versions (version, algorithm, k, artists, row_count, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(version)
        .bind(&mart.algorithm)
        .bind(mart.k as i64)
        .bind(artists as i64)
        .bind(mart.rows.len() as i64)
        .bind(crate::now_utc())
        .execute(&mut **tx)
        .await?;
        for chunk in mart.rows.chunks(CHUNK) {
            let mut q: QueryBuilder<Db> = QueryBuilder::new(
                "INSERT INTO related_artists (version, algorithm, artist_id, other_id, `rank`, score) ",
            );
            q.push_values(chunk, |mut b, r| {
                b.push_bind(version)
                    .push_bind(&mart.algorithm)
                    .push_bind(&r.artist_id.0)
                    .push_bind(&r.other_id.0)
                    .push_bind(i64::from(r.rank))
                    .push_bind(f64::from(r.score));
            });
            q.build().execute(&mut **tx).await?;
        }
        sqlx::query(SQL.set_current)
        .bind(&mart.algorithm)
        .bind(version)
        .execute(&mut **tx)
        .await?;
        // Older versions of this algorithm are unreachable now; drop them so the mart stays one copy.
        sqlx::query("DELETE FROM related_artists WHERE algorithm = ? AND version < ?")
            .bind(&mart.algorithm)
            .bind(version)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM mart_versions WHERE algorithm = ? AND version < ?")
            .bind(&mart.algorithm)
            .bind(version)
            .execute(&mut **tx)
            .await?;
        Ok(version)
    }
}
