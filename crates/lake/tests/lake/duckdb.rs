//! Interoperability: DuckDB (another engine, PyPI `duckdb` with hive_partitioning) reads the
//! lake soundalike wrote, unchanged, from a folder and from the S3 test server, and sees the
//! same rows and values. Skips with a notice when DuckDB is missing locally; fails under CI.

use std::process::Command;

use serde_json::Value;
use soundalike_lake::test_support::s3_lake;
use soundalike_lake::{Lake, Partition};

fn duckdb_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import duckdb, duckdb_extension_httpfs"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the DuckDB test: scripts/test-deps.sh installs duckdb"
        );
        eprintln!("skipping: python3 -c 'import duckdb' fails (bash scripts/test-deps.sh)");
    }
    found
}

fn duckdb_read(root: &str, artist_id: &str, env: &[(String, String)]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/duckdb_read.py");
    let out = Command::new("python3")
        .arg(script)
        .args([root, artist_id])
        .envs(env.iter().cloned())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb on {root}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn duckdb_reads_the_lake_from_a_folder_and_from_s3() {
    if !duckdb_available() {
        return;
    }
    let catalog = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    let day = Partition::parse("2026-01-02").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![(
        Lake::open(dir.path().to_str().unwrap()).unwrap(),
        dir.path().display().to_string(),
        Vec::new(),
    )];
    if let Some(s3) = s3_lake("duckdb") {
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("SOUNDALIKE_TEST_S3_"))
            .collect();
        targets.push((s3.lake(), s3.url.clone(), env));
    }
    let artist = catalog.artists.iter().find(|a| !a.name.is_ascii()).unwrap();
    let popularity: i64 = catalog
        .tracks
        .iter()
        .filter_map(|t| t.popularity.map(i64::from))
        .sum();
    let dance: Vec<f64> = catalog
        .tracks
        .iter()
        .filter_map(|t| t.features.danceability.map(f64::from))
        .collect();
    let dance_avg = dance.iter().sum::<f64>() / dance.len() as f64;
    for (lake, root, env) in targets {
        lake.write_catalog(day, &catalog).await.unwrap();
        let seen = duckdb_read(&root, &artist.id.0, &env);
        let counts = [
            ("artists", catalog.artists.len()),
            ("tracks", catalog.tracks.len()),
            ("audio_features", catalog.tracks.len()),
            ("playlist_tracks", catalog.memberships.len()),
        ];
        for (table, rows) in counts {
            assert_eq!(seen[table]["rows"], rows as u64, "{root} {table}");
            assert_eq!(seen[table]["days"], serde_json::json!(["2026-01-02"]));
        }
        assert_eq!(seen["artist_name"], artist.name.as_str(), "{root}");
        assert_eq!(seen["popularity_sum"], popularity, "{root}");
        let got = seen["danceability_avg"].as_f64().unwrap();
        assert!(
            (got - dance_avg).abs() < 1e-5,
            "{root}: {got} vs {dance_avg}"
        );
    }
}
