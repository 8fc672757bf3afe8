//! The tables live sources add: `artist_source_ids` (an artist's id at each source),
//! `artist_genres` (genres and tags per source) and `source_related` (each source's "fans also
//! like" edges). Written with the catalog tables; a partition without them (older lakes) reads
//! as empty. The bundled datasets fill `artist_source_ids` (the K-pop table's Spotify ids) and
//! `artist_genres` (`k-pop` for Korean acts).

use std::sync::Arc;

use arrow_array::{Array, Float32Array, Int32Array, RecordBatch};
use arrow_schema::DataType;
use soundalike_core::{ArtistGenre, ArtistId, Catalog, RelatedEdge, SourceId};

use crate::catalog_tables::{batch, columns, text};
use crate::{Lake, LakeError, Partition};

/// The live-source tables, in write order.
pub const LIVE_TABLES: [&str; 3] = ["artist_source_ids", "artist_genres", "source_related"];

/// The record batches of the live-source tables, in [`LIVE_TABLES`] order.
pub fn live_batches(catalog: &Catalog) -> [RecordBatch; 3] {
    let s = &catalog.source_ids;
    let source_ids = batch(vec![
        (
            "artist_id",
            text(s.iter().map(|x| Some(&x.artist_id.0))),
            false,
        ),
        ("source", text(s.iter().map(|x| Some(&x.source))), false),
        (
            "source_id",
            text(s.iter().map(|x| Some(&x.source_id))),
            false,
        ),
    ]);
    let g = &catalog.genres;
    let genres = batch(vec![
        (
            "artist_id",
            text(g.iter().map(|x| Some(&x.artist_id.0))),
            false,
        ),
        ("source", text(g.iter().map(|x| Some(&x.source))), false),
        ("genre", text(g.iter().map(|x| Some(&x.genre))), false),
    ]);
    let r = &catalog.related;
    let related = batch(vec![
        (
            "artist_id",
            text(r.iter().map(|x| Some(&x.artist_id.0))),
            false,
        ),
        (
            "other_id",
            text(r.iter().map(|x| Some(&x.other_id.0))),
            false,
        ),
        ("source", text(r.iter().map(|x| Some(&x.source))), false),
        (
            "rank",
            Arc::new(
                r.iter()
                    .map(|x| Some(i32::from(x.rank)))
                    .collect::<Int32Array>(),
            ),
            false,
        ),
        (
            "score",
            Arc::new(r.iter().map(|x| x.score).collect::<Float32Array>()),
            true,
        ),
    ]);
    [source_ids, genres, related]
}

impl Lake {
    pub(crate) async fn write_live_tables(
        &self,
        partition: Partition,
        catalog: &Catalog,
    ) -> Result<u64, LakeError> {
        let mut bytes = 0;
        for (table, batch) in LIVE_TABLES.iter().zip(live_batches(catalog)) {
            bytes += self.write_table(table, partition, &batch).await?;
        }
        Ok(bytes)
    }

    async fn read_if_present(
        &self,
        table: &str,
        partition: Partition,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        // One manifest read: a table the partition never committed (older lakes) reads as empty.
        match self.read_table(table, partition).await {
            Err(LakeError::NotCommitted { .. }) => Ok(Vec::new()),
            read => read,
        }
    }

    pub(crate) async fn read_live_tables(
        &self,
        partition: Partition,
        catalog: &mut Catalog,
    ) -> Result<(), LakeError> {
        for b in self.read_if_present("artist_source_ids", partition).await? {
            let c = columns(self, "artist_source_ids", partition, &b);
            let (a, s, id) = (
                c.text("artist_id")?,
                c.text("source")?,
                c.text("source_id")?,
            );
            for i in 0..b.num_rows() {
                catalog.source_ids.push(SourceId {
                    artist_id: ArtistId(a.value(i).to_string()),
                    source: s.value(i).to_string(),
                    source_id: id.value(i).to_string(),
                });
            }
        }
        for b in self.read_if_present("artist_genres", partition).await? {
            let c = columns(self, "artist_genres", partition, &b);
            let (a, s, g) = (c.text("artist_id")?, c.text("source")?, c.text("genre")?);
            for i in 0..b.num_rows() {
                catalog.genres.push(ArtistGenre {
                    artist_id: ArtistId(a.value(i).to_string()),
                    source: s.value(i).to_string(),
                    genre: g.value(i).to_string(),
                });
            }
        }
        for b in self.read_if_present("source_related", partition).await? {
            let c = columns(self, "source_related", partition, &b);
            let (a, o, s) = (c.text("artist_id")?, c.text("other_id")?, c.text("source")?);
            let rank: &Int32Array = c.get("rank", DataType::Int32)?;
            let score: &Float32Array = c.get("score", DataType::Float32)?;
            for i in 0..b.num_rows() {
                catalog.related.push(RelatedEdge {
                    artist_id: ArtistId(a.value(i).to_string()),
                    other_id: ArtistId(o.value(i).to_string()),
                    source: s.value(i).to_string(),
                    rank: u16::try_from(rank.value(i)).unwrap_or(u16::MAX),
                    score: score.is_valid(i).then(|| score.value(i)),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use soundalike_core::names::artist_id_for;

    use super::*;

    #[tokio::test]
    async fn live_tables_round_trip_and_older_partitions_read_empty() {
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
        let day = Partition::parse("2026-11-24").unwrap();
        let (iu, bts) = (artist_id_for("IU"), artist_id_for("BTS"));
        let mut catalog = Catalog::default();
        catalog.source_ids.push(SourceId {
            artist_id: iu.clone(),
            source: "spotify".into(),
            source_id: "3HqSLMAZ3g3d5poNaI7GOU".into(),
        });
        catalog.genres.push(ArtistGenre {
            artist_id: iu.clone(),
            source: "spotify".into(),
            genre: "k-pop".into(),
        });
        catalog.related.push(RelatedEdge {
            artist_id: iu.clone(),
            other_id: bts.clone(),
            source: "lastfm".into(),
            rank: 1,
            score: Some(0.8),
        });
        catalog.related.push(RelatedEdge {
            artist_id: bts,
            other_id: iu,
            source: "deezer".into(),
            rank: 2,
            score: None,
        });
        catalog.sort();
        lake.write_catalog(day, &catalog).await.unwrap();
        assert_eq!(lake.read_catalog(Some(day)).await.unwrap(), catalog);
        for table in LIVE_TABLES {
            std::fs::remove_dir_all(dir.path().join(table)).unwrap();
        }
        let back = lake.read_catalog(Some(day)).await.unwrap();
        assert!(back.source_ids.is_empty() && back.genres.is_empty() && back.related.is_empty());
    }
}
