//! The binary's lake commands end to end: `--lake s3://…` gives the same lake and the same
//! recommendations as the local default, `sql` answers over either, `lake ddl` names the lake.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::ok;
use serde_json::Value;
use soundalike_lake::test_support::{S3Lake, s3_lake};

fn soundalike(data_dir: &Path, s3: Option<&S3Lake>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_soundalike"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SOUNDALIKE_DATA_DIR")
        .env_remove("SOUNDALIKE_ALGORITHM")
        .env_remove("SOUNDALIKE_LAKE");
    if let Some(s3) = s3 {
        command.env("SOUNDALIKE_LAKE", &s3.url).envs(s3.env());
    }
    command.output().expect("runs")
}

fn json(output: Output) -> Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// Every lake key and its size, sorted.
fn lake_objects(lake: &soundalike_lake::Lake) -> Vec<(String, u64)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let objects = rt.block_on(lake.storage().list("")).unwrap();
    // A local lake also holds its writer lock file; an S3 lake has none.
    objects
        .into_iter()
        .filter(|o| o.key != soundalike_lake::WRITER_LOCK)
        .map(|o| (o.key, o.size))
        .collect()
}

const PIPELINE: &[&str] = &["pipeline", "run", "--json", "--date", "2026-01-01"];

#[test]
fn sql_runs_over_the_committed_lake_as_table_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let summary = json(soundalike(dir.path(), None, PIPELINE));
    let query = "SELECT dt, count(*) AS n FROM tracks GROUP BY dt";
    let rows = json(soundalike(dir.path(), None, &["sql", query, "--json"]));
    assert_eq!(
        rows,
        serde_json::json!([{"dt": "2026-01-01", "n": summary["tracks"]}])
    );
    let csv = ok(soundalike(dir.path(), None, &["sql", query, "--csv"]));
    assert_eq!(csv, format!("dt,n\n2026-01-01,{}\n", summary["tracks"]));
    let table = ok(soundalike(dir.path(), None, &["sql", query]));
    assert!(
        table.contains("| dt ") && table.contains("| 2026-01-01 |"),
        "{table}"
    );
    let bad = soundalike(dir.path(), None, &["sql", "SELECT nope FROM tracks"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
}

#[test]
fn lake_ddl_defaults_to_the_configured_lake() {
    let dir = tempfile::tempdir().unwrap();
    let athena = ok(soundalike(
        dir.path(),
        None,
        &["lake", "ddl", "--engine", "athena"],
    ));
    let root = std::fs::canonicalize(dir.path()).unwrap().join("lake");
    assert!(
        athena.contains(&format!("LOCATION 'file://{}/artists/'", root.display())),
        "{athena}"
    );
    let spark = ok(soundalike(
        dir.path(),
        None,
        &[
            "lake",
            "ddl",
            "--engine",
            "spark",
            "--location",
            "s3://b/lake",
        ],
    ));
    assert!(spark.contains("LOCATION 's3://b/lake/tracks/'") && spark.contains("MSCK REPAIR"));
    let bad = soundalike(
        dir.path(),
        None,
        &[
            "lake",
            "ddl",
            "--engine",
            "trino",
            "--location",
            "s3://b/x'y",
        ],
    );
    assert!(!bad.status.success());
}

#[test]
fn an_s3_lake_gives_the_same_lake_and_recommendations_as_a_local_one() {
    let Some(s3) = s3_lake("cli-pipeline") else {
        return;
    };
    let (local_dir, s3_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let local = json(soundalike(local_dir.path(), None, PIPELINE));
    let remote = json(soundalike(s3_dir.path(), Some(&s3), PIPELINE));
    assert_eq!(local["lake_bytes"], remote["lake_bytes"]);
    assert_eq!(local["marts"], remote["marts"]);
    // Same keys, same sizes (content-addressed), and nothing written to the local folder.
    let local_lake =
        soundalike_lake::Lake::open(local_dir.path().join("lake").to_str().unwrap()).unwrap();
    let objects = lake_objects(&s3.lake());
    // A data file and a manifest per table.
    let tables = soundalike_lake::TABLES.len() + soundalike_lake::LIVE_TABLES.len();
    assert_eq!(objects.len(), 2 * tables, "{objects:?}");
    assert_eq!(objects, lake_objects(&local_lake));
    assert!(!s3_dir.path().join("lake").exists());
    // A second run over S3 replaces, duplicates nothing.
    json(soundalike(s3_dir.path(), Some(&s3), PIPELINE));
    assert_eq!(lake_objects(&s3.lake()), objects);

    for args in [
        &["recommend", "Coldplay", "--json"][..],
        &["recommend", "Keane", "--json", "--algorithm", "seed"][..],
    ] {
        assert_eq!(
            json(soundalike(local_dir.path(), None, args)),
            json(soundalike(s3_dir.path(), Some(&s3), args)),
            "{args:?}"
        );
    }
    let query = "SELECT count(*) AS n, count(DISTINCT artist_id) AS a FROM tracks";
    assert_eq!(
        json(soundalike(
            local_dir.path(),
            None,
            &["sql", query, "--json"]
        )),
        json(soundalike(
            s3_dir.path(),
            Some(&s3),
            &["sql", query, "--json"]
        ))
    );
}

#[test]
fn the_lake_location_comes_from_file_env_and_flag_in_that_order() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("soundalike.toml");
    let (from_file, from_env, from_flag) = (
        dir.path().join("file-lake"),
        dir.path().join("env-lake"),
        dir.path().join("flag-lake"),
    );
    std::fs::write(
        &config,
        format!("lake = {:?}\n", from_file.to_str().unwrap()),
    )
    .unwrap();
    let run = |env: Option<&Path>, flag: Option<&Path>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_soundalike"));
        command
            .args(["--config", config.to_str().unwrap(), "--data-dir"])
            .arg(dir.path().join("data"))
            .env_remove("SOUNDALIKE_LAKE")
            .env_remove("SOUNDALIKE_DATA_DIR")
            .env_remove("SOUNDALIKE_ALGORITHM");
        if let Some(env) = env {
            command.env("SOUNDALIKE_LAKE", env);
        }
        if let Some(flag) = flag {
            command.arg("--lake").arg(flag);
        }
        ok(command
            .args([
                "pipeline",
                "run",
                "--algorithm",
                "seed",
                "--date",
                "2026-01-01",
            ])
            .output()
            .unwrap());
    };
    let committed = |root: &Path| root.join("artists/dt=2026-01-01/_manifest.json").is_file();
    run(None, None);
    assert!(committed(&from_file) && !committed(&from_env));
    run(Some(&from_env), None);
    assert!(committed(&from_env) && !committed(&from_flag));
    run(Some(&from_env), Some(&from_flag));
    assert!(committed(&from_flag));
    assert!(!dir.path().join("data/lake").exists());
}
