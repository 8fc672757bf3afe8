//! `soundalike ingest` and `soundalike lake rebuild` end to end against the local fake APIs.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use soundalike_fakes::{FakeApis, World};
use soundalike_lake::{Lake, Partition};

const DAY: &str = "2026-01-01";

fn command(fake: &FakeApis, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soundalike"));
    cmd.arg("--data-dir").arg(dir).args(args);
    for key in ["SOUNDALIKE_DATA_DIR", "SOUNDALIKE_LIVE_SOURCES"] {
        cmd.env_remove(key);
    }
    cmd.envs(fake.env());
    cmd
}

const INGEST: [&str; 10] = [
    "ingest",
    "--artists",
    "IU,BTS",
    "--depth",
    "3",
    "--max-artists",
    "60",
    "--date",
    DAY,
    "--json",
];

fn ok(output: Output) -> Value {
    serde_json::from_str(&crate::common::ok(output)).unwrap()
}

fn raw_files(dir: &Path) -> usize {
    fn walk(at: &Path) -> usize {
        std::fs::read_dir(at)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    walk(&p)
                } else {
                    usize::from(p.to_string_lossy().ends_with(".raw.gz"))
                }
            })
            .sum()
    }
    walk(&dir.join("lake/raw"))
}

async fn catalog(dir: &Path) -> soundalike_core::Catalog {
    Lake::open(dir.join("lake").to_str().unwrap())
        .unwrap()
        .read_catalog(Some(Partition::parse(DAY).unwrap()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_crawl_resumes_to_the_same_rows() {
    let fake = FakeApis::start(World::generate(300)).await;
    let whole = tempfile::tempdir().unwrap();
    let summary = ok(command(&fake, whole.path(), &INGEST).output().unwrap());
    assert_eq!(summary["fetched"], 60);
    assert_eq!(summary["failures"].as_array().unwrap().len(), 0);
    let expected = catalog(whole.path()).await;
    assert!(expected.artists.len() >= 60 && !expected.related.is_empty());

    let killed = tempfile::tempdir().unwrap();
    let mut child = command(&fake, killed.path(), &INGEST)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while raw_files(killed.path()) < 40 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = raw_files(killed.path());
    assert!(at_kill >= 40, "killed mid-run ({at_kill} bodies)");

    let resumed = ok(command(&fake, killed.path(), &INGEST).output().unwrap());
    assert_eq!(resumed["resumed"], true);
    assert!(resumed["fetched"].as_u64().unwrap() < 60, "{resumed}");
    assert_eq!(catalog(killed.path()).await, expected);

    // Rebuilding from raw alone gives the same tables again.
    let rebuilt = ok(command(
        &fake,
        killed.path(),
        &["lake", "rebuild", "--date", DAY, "--json"],
    )
    .output()
    .unwrap());
    assert_eq!(rebuilt["problems"].as_array().unwrap().len(), 0);
    assert_eq!(catalog(killed.path()).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_or_unconfigured_sources_are_refused() {
    let fake = FakeApis::start(World::generate(20)).await;
    let dir = tempfile::tempdir().unwrap();
    let out = command(
        &fake,
        dir.path(),
        &["ingest", "--artists", "IU", "--source", "napster"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown source"));
    let out = command(
        &fake,
        dir.path(),
        &["ingest", "--artists", "IU", "--source", "lastfm"],
    )
    .env_remove("LASTFM_API_KEY")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not configured"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_runs_from_live_sources_and_from_the_lake() {
    let fake = FakeApis::start(World::generate(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "pipeline",
        "run",
        "--source",
        "spotify,deezer,lastfm",
        "--artists",
        "IU,BTS",
        "--depth",
        "2",
        "--max-artists",
        "30",
        "--date",
        DAY,
        "--json",
    ];
    let summary = ok(command(&fake, dir.path(), &args).output().unwrap());
    assert!(summary["artists"].as_u64().unwrap() >= 30, "{summary}");
    let answer = ok(command(&fake, dir.path(), &["recommend", "IU", "--json"])
        .output()
        .unwrap());
    assert!(
        !answer["similar"].as_array().unwrap().is_empty(),
        "{answer}"
    );
    // Downstream stages again over what the lake holds, without any source.
    let again = ok(command(
        &fake,
        dir.path(),
        &["pipeline", "run", "--source", "lake", "--json"],
    )
    .output()
    .unwrap());
    assert_eq!(again["artists"], summary["artists"]);
    assert_eq!(again["partition"], DAY);
}
