//! The `soundalike` binary end to end on the bundled data: the foundation's acceptance points.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::ok;
use serde_json::Value;

fn soundalike(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soundalike"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SOUNDALIKE_DATA_DIR")
        .env_remove("SOUNDALIKE_ALGORITHM")
        .env_remove("SOUNDALIKE_LAKE")
        .output()
        .expect("runs")
}

fn pipeline(dir: &Path) -> Value {
    serde_json::from_str(&ok(soundalike(
        dir,
        &["pipeline", "run", "--json", "--date", "2026-01-01"],
    )))
    .unwrap()
}

/// One data file per table per partition: the catalog tables and the live-source ones.
const LAKE_TABLES: usize = soundalike_lake::TABLES.len() + soundalike_lake::LIVE_TABLES.len();

fn ground_truth() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/ground_truth/hetrec2011-lastfm-2k")
}

/// Files under the lake, relative, sorted: a manifest and a data file per table partition, and
/// whatever a killed writer left.
fn lake_files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, at: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if path
                .file_name()
                .is_some_and(|n| n == soundalike_lake::WRITER_LOCK)
            {
                // The writer lock is no table file.
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &dir.join("lake"), &mut out);
    out.sort();
    out
}

fn sqlite_counts(dir: &Path) -> (i64, i64, i64, i64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = soundalike_store::Store::open(&dir.join("soundalike.sqlite"))
            .await
            .unwrap();
        let counts = store.counts().await.unwrap();
        for mart in store.marts().await.unwrap() {
            assert_eq!(
                mart.row_count,
                counts.3 / 2,
                "each of two marts holds its rows: {mart:?}"
            );
        }
        store.close().await;
        counts
    })
}

#[test]
fn pipeline_then_recommend() {
    let dir = tempfile::tempdir().unwrap();
    let summary = pipeline(dir.path());
    // Both bundled datasets, merged: 77 tracks and 103 artist names are in both.
    let datasets: Vec<(&str, u64, u64)> = summary["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["rows"].as_u64().unwrap(),
                d["tracks"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        datasets,
        [("tidytuesday", 32_833, 28_356), ("kpop", 11_850, 11_367)]
    );
    assert_eq!(summary["rows"], 32_833 + 11_850);
    assert_eq!(summary["bad_rows"].as_array().unwrap().len(), 0);
    assert_eq!(summary["merged"]["tracks"], 77);
    assert_eq!(summary["tracks"], 28_356 + 11_367 - 77);
    let stages: Vec<&str> = summary["stages_ms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert!(
        stages.contains(&"publish") && stages.contains(&"lake write"),
        "{stages:?}"
    );

    let coldplay: Value = serde_json::from_str(&ok(soundalike(
        dir.path(),
        &["recommend", "Coldplay", "--json"],
    )))
    .unwrap();
    assert_eq!(coldplay["query"], "Coldplay");
    assert_eq!(coldplay["artist"]["name"], "Coldplay");
    assert_eq!(coldplay["algorithm"], "hybrid");
    let similar = coldplay["similar"].as_array().unwrap();
    assert!(similar.len() >= 5, "{similar:?}");
    let mut last = f64::INFINITY;
    for s in similar {
        assert_ne!(s["name"], "Coldplay");
        let score = s["score"].as_f64().unwrap();
        assert!(score <= last, "nearest first");
        last = score;
        let tracks = s["tracks"].as_array().unwrap();
        assert!(!tracks.is_empty() && tracks.len() <= 3);
        for t in tracks {
            let id = t["id"].as_str().unwrap();
            assert_eq!(t["url"], format!("https://open.spotify.com/track/{id}"));
            assert!(!t["name"].as_str().unwrap().is_empty());
        }
    }

    let typo: Value = serde_json::from_str(&ok(soundalike(
        dir.path(),
        &["recommend", "Colplay", "--json", "-k", "3"],
    )))
    .unwrap();
    assert_eq!(typo["artist"]["name"], "Coldplay");
    assert_eq!(typo["similar"].as_array().unwrap().len(), 3);

    // Korean names find Korean acts, whose neighbours are mostly the K-pop table's other acts.
    let kpop: std::collections::HashSet<String> = soundalike_sources::kpop::import_bundled()
        .unwrap()
        .catalog
        .artists
        .into_iter()
        .map(|a| a.name)
        .collect();
    for (query, name) in [("아이유", "IU"), ("블핑", "BLACKPINK")] {
        let answer: Value =
            serde_json::from_str(&ok(soundalike(dir.path(), &["recommend", query, "--json"])))
                .unwrap();
        assert_eq!(answer["artist"]["name"], name);
        let similar = answer["similar"].as_array().unwrap();
        let korean = similar
            .iter()
            .filter(|s| kpop.contains(s["name"].as_str().unwrap()))
            .count();
        assert!(
            similar.len() >= 5 && korean * 10 >= similar.len() * 8,
            "{query}: {similar:?}"
        );
    }

    let seed = ok(soundalike(
        dir.path(),
        &["recommend", "coldplay", "--algorithm", "seed"],
    ));
    assert!(seed.contains("Similar artists (seed)"));

    let unknown = soundalike(dir.path(), &["recommend", "zzqx unknown"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("no artist matches"));
    let suggestions = stderr.lines().filter(|l| l.starts_with("  - ")).count();
    assert!((1..=5).contains(&suggestions), "{stderr}");
    let unknown_json = soundalike(dir.path(), &["recommend", "zzqx unknown", "--json"]);
    assert_eq!(unknown_json.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&unknown_json.stdout).unwrap();
    assert!(!v["suggestions"].as_array().unwrap().is_empty());
}

#[test]
fn rerunning_the_pipeline_changes_no_counts() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(dir.path());
    let (files, counts) = (lake_files(dir.path()), sqlite_counts(dir.path()));
    // Each table partition holds one data file and its manifest.
    assert_eq!(files.len(), 2 * LAKE_TABLES, "{files:?}");
    assert_eq!(
        files
            .iter()
            .filter(|f| f.ends_with(".zstd.parquet"))
            .count(),
        LAKE_TABLES
    );
    assert!(
        counts.0 > 10_000 && counts.1 == 28_356 + 11_367 - 77,
        "{counts:?}"
    );
    pipeline(dir.path());
    assert_eq!(lake_files(dir.path()), files);
    assert_eq!(sqlite_counts(dir.path()), counts);
}

#[test]
fn killing_the_pipeline_keeps_the_last_good_state() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(dir.path());
    let good = sqlite_counts(dir.path());
    let good_files = lake_files(dir.path());
    let started = std::time::Instant::now();
    pipeline(dir.path());
    let run_time = started.elapsed();
    // Kill runs at spread-out moments, many of them inside the publish stage (its last third).
    for step in 1..=6u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_soundalike"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["pipeline", "run", "--date", "2026-01-01"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(run_time.mul_f64(0.5 + 0.09 * f64::from(step)));
        let _ = child.kill();
        child.wait().unwrap();
        assert_eq!(sqlite_counts(dir.path()), good, "after kill {step}");
        // The same data gives the same content-addressed files, so a killed writer can only
        // leave a staged `#N` upload beside the committed files.
        let files: Vec<String> = lake_files(dir.path())
            .into_iter()
            .filter(|f| !f.contains('#'))
            .collect();
        assert_eq!(files, good_files, "after kill {step}");
        let out = soundalike(dir.path(), &["recommend", "Keane", "--json"]);
        assert!(out.status.success());
    }
    pipeline(dir.path());
    assert_eq!(sqlite_counts(dir.path()), good);
    assert_eq!(lake_files(dir.path()), good_files, "the next run cleans up");
}

#[test]
fn settings_come_from_file_env_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("soundalike.toml");
    std::fs::write(&config, "k = 4\nalgorithm = \"seed\"\n").unwrap();
    let data = dir.path().join("from-env");
    let status = Command::new(env!("CARGO_BIN_EXE_soundalike"))
        .args(["--config", config.to_str().unwrap(), "pipeline", "run"])
        .env("SOUNDALIKE_DATA_DIR", &data)
        .env_remove("SOUNDALIKE_ALGORITHM")
        .output()
        .unwrap();
    ok(status);
    assert!(data.join("soundalike.sqlite").is_file());
    let out = Command::new(env!("CARGO_BIN_EXE_soundalike"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "recommend",
            "Keane",
            "--json",
        ])
        .env("SOUNDALIKE_DATA_DIR", &data)
        .env_remove("SOUNDALIKE_ALGORITHM")
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&ok(out)).unwrap();
    assert_eq!(v["algorithm"], "seed", "algorithm from the file");
    assert_eq!(v["similar"].as_array().unwrap().len(), 4, "k from the file");

    std::fs::write(&config, "k = 4\nalgoritm = \"seed\"\n").unwrap();
    let bad = Command::new(env!("CARGO_BIN_EXE_soundalike"))
        .args(["--config", config.to_str().unwrap(), "recommend", "Keane"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown field"));
}

#[test]
fn bad_dataset_rows_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("songs.csv");
    let header = soundalike_sources::dataset::COLUMNS.join(",");
    let good =
        "t1,Song,Keane,50,a,A,2004,PL,p1,rock,indie,0.5,0.5,1,-5,1,0.05,0.1,0,0.1,0.5,120,200000";
    let good2 = "t2,Song2,Coldplay,60,a,A,2005,PL,p1,rock,indie,0.4,0.6,1,-6,1,0.04,0.2,0,0.1,0.4,110,210000";
    std::fs::write(&csv, format!("{header}\n{good}\nbroken,row\n{good2}\n")).unwrap();
    let out = ok(soundalike(
        dir.path(),
        &["pipeline", "run", "--dataset", csv.to_str().unwrap()],
    ));
    assert!(out.contains("1 bad"), "{out}");
    assert!(out.contains("line 3: expected 23 fields, found 2"), "{out}");
    let v: Value = serde_json::from_str(&ok(soundalike(
        dir.path(),
        &["recommend", "keane", "--json"],
    )))
    .unwrap();
    assert_eq!(v["similar"][0]["name"], "Coldplay");

    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let failed = soundalike(
        dir.path(),
        &["pipeline", "run", "--dataset", empty.to_str().unwrap()],
    );
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("empty"));
}

/// Every kind of bad input the reliability probe found publishing with exit 0: each now fails
/// before anything is written, and the last good mart (and lake) stay as they were.
#[test]
fn bad_imports_never_replace_good_data() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(dir.path());
    let marts = |dir: &Path| -> Vec<(String, i64)> {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let store = soundalike_store::Store::open(&dir.join("soundalike.sqlite"))
                .await
                .unwrap();
            let marts = store.marts().await.unwrap();
            store.close().await;
            marts
                .into_iter()
                .map(|m| (m.algorithm, m.version))
                .collect()
        })
    };
    let served = marts(dir.path());
    let lake = lake_files(dir.path());
    let header = soundalike_sources::dataset::COLUMNS.join(",");
    let row = |id: &str, artist: &str| {
        format!(
            "{id},Song {id},{artist},50,a,A,2004,PL,p1,rock,indie,0.5,0.5,1,-5,1,0.05,0.1,0,0.1,0.5,120,200000"
        )
    };
    let cases = [
        ("header only", format!("{header}\n"), "no valid rows"),
        (
            "every row bad",
            format!(
                "{header}\n{}\n{}\n{}\n",
                row("t1", "A").replace("0.5,0.5,1", "NaN,0.5,1"),
                row("t2", "B").replace(",50,", ",-3,"),
                row("t3", "C").replace("Song t3", "\"Song t3"),
            ),
            "no valid rows",
        ),
        (
            "one row",
            format!("{header}\n{}\n", row("t1", "Keane")),
            "below 50%",
        ),
        (
            "two rows",
            format!(
                "{header}\n{}\n{}\n",
                row("t1", "Keane"),
                row("t2", "Coldplay")
            ),
            "below 50%",
        ),
        (
            "all duplicate ids",
            format!("{header}\n{}\n", vec![row("t1", "Keane"); 500].join("\n")),
            "below 50%",
        ),
    ];
    for (name, text, why) in cases {
        let csv = dir.path().join("bad.csv");
        std::fs::write(&csv, text).unwrap();
        let out = soundalike(
            dir.path(),
            &[
                "pipeline",
                "run",
                "--dataset",
                csv.to_str().unwrap(),
                "--date",
                "2026-01-02",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(why), "{name}: {stderr}");
        assert!(
            stderr.contains("last good data stays served"),
            "{name}: {stderr}"
        );
        assert_eq!(marts(dir.path()), served, "{name}: the mart changed");
        assert_eq!(lake_files(dir.path()), lake, "{name}: the lake changed");
    }
    let v: Value = serde_json::from_str(&ok(soundalike(
        dir.path(),
        &["recommend", "Coldplay", "--json"],
    )))
    .unwrap();
    assert_eq!(v["similar"].as_array().unwrap().len(), 10, "{v}");
    // The operator can still publish a small catalog on purpose.
    let csv = dir.path().join("small.csv");
    std::fs::write(
        &csv,
        format!(
            "{header}\n{}\n{}\n",
            row("t1", "Keane"),
            row("t2", "Coldplay")
        ),
    )
    .unwrap();
    ok(soundalike(
        dir.path(),
        &[
            "pipeline",
            "run",
            "--dataset",
            csv.to_str().unwrap(),
            "--allow-shrink",
        ],
    ));
    assert_ne!(marts(dir.path()), served);
}

#[test]
fn a_store_folder_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/x.db");
    let out = soundalike(
        dir.path(),
        &[
            "--store",
            &format!("sqlite://{}", missing.display()),
            "recommend",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not exist"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("no").exists(), "no folder was made");
    // The data folder itself is made on first use (the store is then merely empty).
    let fresh = dir.path().join("fresh");
    let out = soundalike(
        &fresh,
        &[
            "--store",
            &format!("sqlite://{}", fresh.join("s.db").display()),
            "recommend",
            "x",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no artists yet"), "{stderr}");
    assert!(fresh.join("s.db").exists());
}

#[test]
fn eval_reproduces_the_readme_table() {
    let dir = tempfile::tempdir().unwrap();
    let gt = ground_truth();
    let out = soundalike(
        dir.path(),
        &["eval", "--ground-truth", gt.to_str().unwrap(), "--json"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_str(&ok(out)).unwrap();
    // Protocol sizes from the issue: a pool of about 1,000 and about 525 queries.
    assert!(stderr.contains("pool: 997"), "{stderr}");
    let queries = v["seed"]["tune"]["queries"].as_u64().unwrap()
        + v["seed"]["test"]["queries"].as_u64().unwrap();
    assert!((500..=550).contains(&queries), "{queries}");
    let ndcg = |a: &str, h: &str| v[a][h]["ndcg10"].as_f64().unwrap();
    // The original method lands near 0.21 overall on this protocol.
    let seed_all = (ndcg("seed", "tune") + ndcg("seed", "test")) / 2.0;
    assert!((0.19..=0.23).contains(&seed_all), "seed {seed_all}");
    // The default must stay well above it. README: hybrid 0.5317 tune / 0.5479 test; these
    // bounds catch a regression.
    assert!(
        ndcg("hybrid", "test") >= 0.52,
        "hybrid test {}",
        ndcg("hybrid", "test")
    );
    assert!(
        ndcg("hybrid", "tune") >= 0.50,
        "hybrid tune {}",
        ndcg("hybrid", "tune")
    );
    // Popular artists must not crowd every list (README: 710 distinct).
    let distinct = v["hybrid"]["distinct_recommended"].as_u64().unwrap();
    assert!(distinct >= 600, "distinct {distinct}");

    let missing = soundalike(dir.path(), &["eval", "--ground-truth", "/nonexistent"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("artists.dat"));
}

/// Spotify genre lists per artist (Kaggle data_w_genres.csv): licence unknown, so read from the
/// shared datasets folder, never copied into the repository.
fn artist_genres() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/artists/spotify160k_data_w_genres_2020-09.csv")
}

#[test]
fn eval_with_spotify_genre_lists_beats_bundled_only() {
    let dir = tempfile::tempdir().unwrap();
    let gt = ground_truth();
    let genres = artist_genres();
    let hybrid = |extra: &[&str]| -> (Value, String) {
        let mut args = vec![
            "eval",
            "--ground-truth",
            gt.to_str().unwrap(),
            "--algorithm",
            "hybrid",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = soundalike(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        (serde_json::from_str(&ok(out)).unwrap(), stderr)
    };
    let (bundled, _) = hybrid(&[]);
    let (with, stderr) = hybrid(&["--artist-genres", genres.to_str().unwrap()]);
    // SOURCES.md: 3,611 of the bundled artists have genres in that file.
    assert!(
        stderr.contains("Spotify genre lists for 3611 catalog artists"),
        "{stderr}"
    );
    let ndcg = |v: &Value, h: &str| v["hybrid"][h]["ndcg10"].as_f64().unwrap();
    // README: 0.5672 tune / 0.5828 test with the genre lists, 0.5319 / 0.5479 without.
    assert!(ndcg(&with, "test") >= 0.55, "test {}", ndcg(&with, "test"));
    for half in ["tune", "test"] {
        assert!(
            ndcg(&with, half) > ndcg(&bundled, half) + 0.01,
            "{half}: {} vs bundled-only {}",
            ndcg(&with, half),
            ndcg(&bundled, half)
        );
    }
    let distinct = with["hybrid"]["distinct_recommended"].as_u64().unwrap();
    assert!(distinct >= 550, "distinct {distinct}");

    let wrong = dir.path().join("wrong.csv");
    std::fs::write(&wrong, "artists,popularity\nColdplay,80\n").unwrap();
    let failed = soundalike(
        dir.path(),
        &[
            "eval",
            "--ground-truth",
            gt.to_str().unwrap(),
            "--artist-genres",
            wrong.to_str().unwrap(),
        ],
    );
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("no `genres` column"));
}

#[test]
fn serve_answers_with_the_configured_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    pipeline(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_soundalike"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("SOUNDALIKE_ALGORITHM", "seed")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let post = || -> Option<Value> {
        use std::io::{Read, Write};
        let body = r#"{"message":"Coldplay"}"#;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        write!(
            stream,
            "POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        serde_json::from_str(response.split("\r\n\r\n").nth(1)?).ok()
    };
    let started = std::time::Instant::now();
    let reply = loop {
        match post() {
            Some(v) if v["kind"] == "recommendation" => break v,
            _ if started.elapsed() > std::time::Duration::from_secs(30) => {
                panic!("serve never answered")
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(reply["algorithm"], "seed", "{reply}");
}
