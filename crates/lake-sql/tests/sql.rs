//! `soundalike sql` over a local and an S3 lake: the original project's Athena feature query runs
//! as written (modulo table and key names) and matches averages computed from the catalog; files
//! without a commit are invisible; write statements are refused.

use std::collections::HashMap;

use serde_json::Value;
use soundalike_lake::test_support::s3_lake;
use soundalike_lake::{Lake, Partition};
use soundalike_lake_sql::{Format, LakeSql};

/// The original's `Athena_data.py` query: per-artist audio feature means over one day's
/// partition. Table `top_tracks` is our `tracks`, and the track key `id` is `track_id`.
fn original_feature_query(day: Partition) -> String {
    format!(
        "SELECT
         artist_id,
         AVG(danceability) AS danceability,
         AVG(energy) AS energy,
         AVG(loudness) AS loudness,
         AVG(speechiness) AS speechiness,
         AVG(acousticness) AS acousticness,
         AVG(instrumentalness) AS instrumentalness
        FROM
         tracks t1
        JOIN
         audio_features t2 ON t2.track_id = t1.track_id AND CAST(t1.dt AS DATE) = DATE('{day}') AND CAST(t2.dt AS DATE) = DATE('{day}')
        GROUP BY t1.artist_id"
    )
}

fn lakes(test: &str) -> (Vec<Lake>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut lakes = vec![Lake::open(dir.path().to_str().unwrap()).unwrap()];
    lakes.extend(s3_lake(test).map(|s3| s3.lake()));
    (lakes, dir)
}

async fn json(sql: &LakeSql, query: &str) -> Vec<Value> {
    let text = sql.query_formatted(query, Format::Json).await.unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_original_feature_query_runs_over_the_latest_partition() {
    let catalog = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    // A smaller, older day too: the query must pick the latest one only.
    let mut older = catalog.clone();
    older.tracks.truncate(100);
    let (old_day, day) = (
        Partition::parse("2026-01-01").unwrap(),
        Partition::parse("2026-01-02").unwrap(),
    );
    // Expected means, from the catalog itself (SQL AVG skips NULLs).
    let mut sums: HashMap<&str, ([f64; 3], [u32; 3])> = HashMap::new();
    for track in &catalog.tracks {
        let Some(artist) = &track.artist_id else {
            continue;
        };
        let entry = sums.entry(artist.0.as_str()).or_default();
        let f = &track.features;
        for (i, v) in [f.danceability, f.loudness, f.instrumentalness]
            .into_iter()
            .enumerate()
        {
            if let Some(v) = v {
                entry.0[i] += f64::from(v);
                entry.1[i] += 1;
            }
        }
    }
    let (lakes, _dir) = lakes("sql-feature-query");
    for lake in lakes {
        lake.write_catalog(old_day, &older).await.unwrap();
        lake.write_catalog(day, &catalog).await.unwrap();
        let sql = LakeSql::open(&lake).await.unwrap();
        let rows = json(&sql, &original_feature_query(day)).await;
        let artists_with_tracks = sums.len();
        // GROUP BY artist_id also yields one NULL group for tracks without an artist.
        let named: Vec<&Value> = rows.iter().filter(|r| r["artist_id"].is_string()).collect();
        assert_eq!(named.len(), artists_with_tracks, "{}", lake.storage().url());
        for row in named {
            let (total, count) = sums[row["artist_id"].as_str().unwrap()];
            for (i, column) in ["danceability", "loudness", "instrumentalness"]
                .iter()
                .enumerate()
            {
                let expected = (count[i] > 0).then(|| total[i] / f64::from(count[i]));
                let got = row[*column].as_f64();
                match (expected, got) {
                    (Some(e), Some(g)) => assert!((e - g).abs() < 1e-4, "{row} {column} {e}"),
                    (None, None) => {}
                    other => panic!("{row} {column}: {other:?}"),
                }
            }
        }
        // Latest partition by subquery, as a scheduled job would write it.
        let latest = json(&sql, "SELECT max(dt) AS dt, count(*) AS n FROM tracks WHERE dt = (SELECT max(dt) FROM tracks)").await;
        assert_eq!(latest[0]["dt"], "2026-01-02");
        assert_eq!(latest[0]["n"], catalog.tracks.len() as u64);
        let per_day = json(
            &sql,
            "SELECT dt, count(*) AS n FROM tracks GROUP BY dt ORDER BY dt",
        )
        .await;
        assert_eq!(per_day.len(), 2);
        assert_eq!(per_day[0]["n"], 100);
    }
}

#[tokio::test]
async fn only_committed_files_are_visible_and_writes_are_refused() {
    let catalog = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    let day = Partition::parse("2026-01-02").unwrap();
    let (lakes, _dir) = lakes("sql-committed");
    for lake in lakes {
        lake.write_catalog(day, &catalog).await.unwrap();
        // A complete, valid Parquet file that no manifest names (a writer died before its
        // commit), in a committed partition and in a new one.
        let committed = lake.committed_files("artists", day).await.unwrap();
        let bytes = lake
            .storage()
            .get(&committed[0].key)
            .await
            .unwrap()
            .unwrap();
        let dir = Lake::partition_key("artists", day);
        lake.storage()
            .put(&format!("{dir}/part-ffff.zstd.parquet"), bytes.clone())
            .await
            .unwrap();
        let next = Lake::partition_key("artists", Partition::parse("2026-01-03").unwrap());
        lake.storage()
            .put(&format!("{next}/part-ffff.zstd.parquet"), bytes)
            .await
            .unwrap();
        let sql = LakeSql::open(&lake).await.unwrap();
        let rows = json(
            &sql,
            "SELECT count(*) AS n, count(DISTINCT dt) AS days FROM artists",
        )
        .await;
        assert_eq!(rows[0]["n"], catalog.artists.len() as u64);
        assert_eq!(rows[0]["days"], 1);
        // Non-ASCII names come back as written, in CSV too.
        let artist = catalog.artists.iter().find(|a| !a.name.is_ascii()).unwrap();
        let query = format!(
            "SELECT name FROM artists WHERE artist_id = '{}'",
            artist.id.0.replace('\'', "''")
        );
        let csv = sql.query_formatted(&query, Format::Csv).await.unwrap();
        assert_eq!(csv, format!("name\n{}\n", artist.name), "{csv}");
        for write in [
            "CREATE TABLE x AS SELECT 1",
            "COPY (SELECT 1) TO '/tmp/soundalike-sql-copy.csv'",
            "INSERT INTO artists VALUES ('a', 'b', 'c', 'd')",
        ] {
            assert!(sql.query(write).await.is_err(), "{write} must be refused");
        }
        assert!(sql.query("SELECT nope FROM artists").await.is_err());
    }
}

#[tokio::test]
async fn an_empty_lake_has_empty_tables() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::open(dir.path().to_str().unwrap()).unwrap();
    let sql = LakeSql::open(&lake).await.unwrap();
    let rows = json(&sql, "SELECT count(*) AS n FROM tracks").await;
    assert_eq!(rows[0]["n"], 0);
    let table = sql
        .query_formatted("SELECT artist_id, dt FROM artists", Format::Table)
        .await
        .unwrap();
    assert!(
        table.contains("artist_id") && table.contains("dt"),
        "{table}"
    );
}
