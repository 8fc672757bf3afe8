//! The binary on the original's stack — MySQL/MariaDB store, DynamoDB (dynalite) top tracks, the
//! lake on S3 (s3s-fs) — answers exactly like the embedded defaults (SQLite, a lake folder),
//! through `recommend` and through `serve`; and a publish killed half-way leaves the previous mart
//! serving, with no duplicates anywhere after the next run.
//!
//! Needs `SOUNDALIKE_TEST_MYSQL_URL`, `SOUNDALIKE_TEST_DYNAMODB_ENDPOINT` and
//! `SOUNDALIKE_TEST_S3_*` (`. scripts/services.sh`): skipped with a notice without them, failed
//! under CI.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::ok;
use serde_json::Value;
use soundalike_lake::test_support::{S3Lake, s3_lake};
use soundalike_lake::{LIVE_TABLES, Lake, Partition, TABLES};
use soundalike_store::Store;
use soundalike_store::testing::{ScratchDatabase, server_url, unique_name};
use soundalike_tracks_dynamodb::DynamoTracks;

/// Typed queries: plain, a typo, Korean aliases (방탄소년단 → BTS, 블랙핑크 → BLACKPINK), accents.
const QUERIES: [&str; 7] = [
    "Coldplay",
    "Colplay",
    "방탄소년단",
    "블랙핑크",
    "트와이스",
    "beyonce",
    "Red Velvet",
];

/// The relational store and tracks store of one setup, as flags.
#[derive(Clone)]
struct Backends {
    store: String,
    tracks: Option<String>,
    dynamodb_endpoint: Option<String>,
    /// The lake on S3 (else the data folder's).
    lake: Option<S3Lake>,
}

impl Backends {
    fn command(&self, dir: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_soundalike"));
        command
            .arg("--data-dir")
            .arg(dir)
            .arg("--store")
            .arg(&self.store)
            .env_remove("SOUNDALIKE_DATA_DIR")
            .env_remove("SOUNDALIKE_ALGORITHM")
            .env_remove("SOUNDALIKE_STORE")
            .env_remove("SOUNDALIKE_TRACKS_STORE");
        if let Some(tracks) = &self.tracks {
            command.arg("--tracks-store").arg(tracks);
        }
        if let Some(endpoint) = &self.dynamodb_endpoint {
            // What an operator sets for a DynamoDB-compatible endpoint; dynalite takes any keys.
            command
                .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "local")
                .env("AWS_SECRET_ACCESS_KEY", "local");
        }
        if let Some(lake) = &self.lake {
            // The S3 server's keys win over dynalite's, which takes any.
            command.arg("--lake").arg(&lake.url).envs(lake.env());
        }
        command
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir).args(args).output().expect("runs")
    }
}

const PIPELINE: [&str; 5] = ["pipeline", "run", "--json", "--date", "2026-01-01"];

/// `recommend --json` for every query.
fn recommendations(backends: &Backends, dir: &Path) -> Vec<Value> {
    QUERIES
        .iter()
        .map(|q| serde_json::from_str(&ok(backends.run(dir, &["recommend", q, "--json"]))).unwrap())
        .collect()
}

/// The MySQL server and dynalite endpoint, or `None` (skip) outside CI.
fn servers() -> Option<(String, String)> {
    let mysql = server_url("SOUNDALIKE_TEST_MYSQL_URL");
    let dynamodb = server_url("SOUNDALIKE_TEST_DYNAMODB_ENDPOINT");
    Some((mysql?, dynamodb?))
}

/// A scratch MySQL database and DynamoDB table, removed by [`Remote::remove`].
struct Remote {
    database: ScratchDatabase,
    table: String,
    endpoint: String,
    backends: Backends,
}

impl Remote {
    fn create(rt: &tokio::runtime::Runtime, mysql: &str, endpoint: &str) -> Self {
        let database = rt.block_on(ScratchDatabase::create(mysql)).unwrap();
        let table = unique_name("sa_tracks");
        let backends = Backends {
            store: database.url.clone(),
            tracks: Some(format!("dynamodb://{table}")),
            dynamodb_endpoint: Some(endpoint.to_string()),
            lake: s3_lake("backends"),
        };
        Self {
            database,
            table,
            endpoint: endpoint.to_string(),
            backends,
        }
    }

    /// (artists, tracks, genres, mart rows, mart versions) in MySQL, and items in DynamoDB.
    fn counts(&self, rt: &tokio::runtime::Runtime) -> ((i64, i64, i64, i64, Vec<i64>), u64) {
        rt.block_on(async {
            let store = Store::open_url(&self.database.url).await.unwrap();
            let (a, t, g, r) = store.counts().await.unwrap();
            let versions = store
                .marts()
                .await
                .unwrap()
                .iter()
                .map(|m| m.version)
                .collect();
            store.close().await;
            let items = self.dynamo().await.item_count().await.unwrap();
            ((a, t, g, r, versions), items)
        })
    }

    async fn dynamo(&self) -> DynamoTracks {
        DynamoTracks::connect_local(&self.table, &self.endpoint)
            .await
            .unwrap()
    }

    fn remove(self, rt: &tokio::runtime::Runtime) {
        rt.block_on(async {
            self.dynamo().await.delete_table().await.unwrap();
            self.database.drop().await.unwrap();
        });
    }
}

/// A running `serve`, stopped on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(backends: &Backends, dir: &Path) -> Self {
        let mut child = backends
            .command(dir)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let port = loop {
            let line = lines.next().expect("serve prints its address").unwrap();
            if let Some(rest) = line.split("serving on http://127.0.0.1:").nth(1) {
                break rest
                    .trim_end_matches(|c: char| !c.is_ascii_digit())
                    .split('/')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.get("/readyz").0 != 200 {
            assert!(Instant::now() < deadline, "serve never became ready");
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    fn request(&self, head: &str, body: &str) -> (u16, Value) {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{head} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.request(&format!("GET {path}"), "")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the HTTP API answers: chat turns for every query and each found artist's similar list.
fn http_answers(server: &Server, found: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for q in QUERIES {
        let body = serde_json::json!({ "message": format!("{q} 비슷한 가수 추천해줘") });
        let (status, answer) = server.request("POST /api/v1/chat", &body.to_string());
        assert_eq!(status, 200, "{answer}");
        out.push(answer);
    }
    for answer in found {
        let id = answer["artist"]["id"].as_str().unwrap();
        let (status, similar) = server.get(&format!("/api/v1/artists/{id}/similar?k=10"));
        assert_eq!(status, 200, "{similar}");
        out.push(similar);
    }
    out
}

#[test]
fn mysql_and_dynamodb_answer_like_sqlite() {
    let Some((mysql, endpoint)) = servers() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let embedded_dir = tempfile::tempdir().unwrap();
    let embedded = Backends {
        store: format!(
            "sqlite://{}",
            embedded_dir.path().join("soundalike.sqlite").display()
        ),
        tracks: None,
        dynamodb_endpoint: None,
        lake: None,
    };
    let remote = Remote::create(&rt, &mysql, &endpoint);
    let remote_dir = tempfile::tempdir().unwrap();

    let a: Value = serde_json::from_str(&ok(embedded.run(embedded_dir.path(), &PIPELINE))).unwrap();
    let b: Value =
        serde_json::from_str(&ok(remote.backends.run(remote_dir.path(), &PIPELINE))).unwrap();
    assert_eq!(a["artists"], b["artists"]);
    assert_eq!(
        a["marts"].as_array().unwrap().len(),
        b["marts"].as_array().unwrap().len()
    );
    // The tracks did go to DynamoDB: one item per (artist, rank) kept.
    let (_, items) = remote.counts(&rt);
    assert!(items > a["artists"].as_u64().unwrap(), "{items} items");

    let from_sqlite = recommendations(&embedded, embedded_dir.path());
    let from_remote = recommendations(&remote.backends, remote_dir.path());
    for (q, (x, y)) in QUERIES.iter().zip(from_sqlite.iter().zip(&from_remote)) {
        assert_eq!(x, y, "recommend {q:?}");
        assert!(x["similar"].as_array().unwrap().len() >= 5, "{q}: {x}");
        assert!(
            !x["artist"]["tracks"].as_array().unwrap().is_empty(),
            "{q}: {x}"
        );
    }
    assert_eq!(from_remote[2]["artist"]["name"], "BTS");

    let embedded_http = {
        let server = Server::start(&embedded, embedded_dir.path());
        http_answers(&server, &from_sqlite)
    };
    let remote_http = {
        let server = Server::start(&remote.backends, remote_dir.path());
        http_answers(&server, &from_sqlite)
    };
    assert_eq!(embedded_http, remote_http);
    assert!(
        remote_http[2].to_string().contains("BTS"),
        "{}",
        remote_http[2]
    );
    remote.remove(&rt);
}

/// Per lake table, in the runs' partition: (committed files, committed rows, objects stored).
fn lake_state(
    rt: &tokio::runtime::Runtime,
    backends: &Backends,
    dir: &Path,
) -> Vec<(usize, u64, usize)> {
    let lake = match &backends.lake {
        Some(s3) => s3.lake(),
        None => Lake::open(dir.join("lake").to_str().unwrap()).unwrap(),
    };
    let day = Partition::parse("2026-01-01").unwrap();
    rt.block_on(async {
        let mut state = Vec::new();
        for table in TABLES.iter().chain(&LIVE_TABLES) {
            let files = lake.committed_files(table, day).await.unwrap();
            let prefix = format!("{}/", Lake::partition_key(table, day));
            let objects = lake.storage().list(&prefix).await.unwrap().len();
            state.push((files.len(), files.iter().map(|f| f.rows).sum(), objects));
        }
        state
    })
}

#[test]
fn killing_a_publish_to_mysql_keeps_the_previous_mart() {
    let Some((mysql, endpoint)) = servers() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let remote = Remote::create(&rt, &mysql, &endpoint);
    let dir = tempfile::tempdir().unwrap();
    ok(remote.backends.run(dir.path(), &PIPELINE));
    let good = remote.counts(&rt);
    let good_lake = lake_state(&rt, &remote.backends, dir.path());
    // One data file and its manifest per table partition.
    assert!(
        good_lake
            .iter()
            .all(|&(files, _, objects)| files == 1 && objects == 2),
        "{good_lake:?}"
    );
    let answers = recommendations(&remote.backends, dir.path());

    // Start another run and SIGKILL it inside its publish transaction: the store's failpoint
    // makes the marker once every row is written and holds the commit back.
    let marker = dir.path().join("publish-paused");
    let mut child = remote
        .backends
        .command(dir.path())
        .args(["pipeline", "run", "--date", "2026-01-01"])
        .env(
            soundalike_store::FAILPOINT_VAR,
            format!("publish-before-commit:{}", marker.display()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline && child.try_wait().unwrap().is_none() && !marker.exists() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let caught = marker.exists();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(caught, "the run never reached its commit");

    // The previous mart is still current and answers the same; nothing duplicated.
    assert_eq!(remote.counts(&rt), good);
    assert_eq!(recommendations(&remote.backends, dir.path()), answers);

    // The next run completes: same data, so the same rows and items, new mart versions.
    ok(remote.backends.run(dir.path(), &PIPELINE));
    let ((a, t, g, r, versions), items) = remote.counts(&rt);
    let ((ga, gt, gg, gr, good_versions), good_items) = good;
    assert_eq!((a, t, g, r, items), (ga, gt, gg, gr, good_items));
    assert!(
        versions.iter().min() > good_versions.iter().max(),
        "{versions:?}"
    );
    assert_eq!(lake_state(&rt, &remote.backends, dir.path()), good_lake);
    assert_eq!(recommendations(&remote.backends, dir.path()), answers);
    remote.remove(&rt);
}

#[test]
fn a_bad_store_url_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (url, tracks, says) in [
        ("postgres://x@h/db", None, "unsupported store URL"),
        // A real server that refuses the password (a closed port would be retried for 30 s).
        ("mysql://root:hunter2@127.0.0.1:3306/none", None, "store"),
        (
            "sqlite::memory:",
            Some("redis://x"),
            "unsupported tracks-store URL",
        ),
    ] {
        let backends = Backends {
            store: url.into(),
            tracks: tracks.map(String::from),
            dynamodb_endpoint: None,
            lake: None,
        };
        let out = backends.run(dir.path(), &["recommend", "Coldplay"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(!stderr.contains("hunter2"), "a password leaked: {stderr}");
    }
    // Nothing was written where the default store would be.
    assert!(!dir.path().join("soundalike.sqlite").exists());
}

#[test]
fn korean_and_emoji_names_round_trip_through_every_backend() {
    let Some((mysql, endpoint)) = servers() else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Not aliases (아이유 would resolve to IU through aliases.tsv).
    let artists = ["자우림", "🎵 Emoji Band", "Beyoncé", "Keane", "잔나비"];
    let mut csv = soundalike_sources::dataset::COLUMNS.join(",");
    for (i, artist) in artists.iter().enumerate() {
        for j in 0..3 {
            csv.push_str(&format!(
                "\nt{i}{j},밤편지 🌙 {j},{artist},{},a{i},앨범,2017,PL,p{j},pop,k-pop,0.{i},0.5,1,-5,1,0.05,0.1,0,0.1,0.5,120,200000",
                50 + j
            ));
        }
    }
    let dataset = dir.path().join("songs.csv");
    std::fs::write(&dataset, csv).unwrap();
    let dataset = dataset.to_str().unwrap();
    let run = [
        "pipeline",
        "run",
        "--json",
        "--date",
        "2026-01-01",
        "--dataset",
        dataset,
        "-k",
        "3",
    ];

    let embedded_dir = dir.path().join("embedded");
    let embedded = Backends {
        store: format!(
            "sqlite://{}",
            embedded_dir.join("soundalike.sqlite").display()
        ),
        tracks: None,
        dynamodb_endpoint: None,
        lake: None,
    };
    let remote = Remote::create(&rt, &mysql, &endpoint);
    let remote_dir = dir.path().join("remote");
    ok(embedded.run(&embedded_dir, &run));
    ok(remote.backends.run(&remote_dir, &run));
    for artist in artists {
        let answer = |b: &Backends, d: &Path| -> Value {
            serde_json::from_str(&ok(b.run(d, &["recommend", artist, "--json", "-k", "3"])))
                .unwrap()
        };
        let (x, y) = (
            answer(&embedded, &embedded_dir),
            answer(&remote.backends, &remote_dir),
        );
        assert_eq!(x, y, "{artist}");
        assert_eq!(y["artist"]["name"], artist);
        let tracks: Vec<&str> = y["artist"]["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            tracks,
            ["밤편지 🌙 2", "밤편지 🌙 1", "밤편지 🌙 0"],
            "{artist}"
        );
        assert_eq!(y["similar"].as_array().unwrap().len(), 3, "{y}");
    }
    remote.remove(&rt);
}
