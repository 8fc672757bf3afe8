//! Unknown artists answered from live sources (local fakes of Spotify and Deezer).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use soundalike_chat::{LIVE_BUDGET, Live};
use soundalike_fakes::{FakeApis, Faults, World};
use soundalike_live::{HttpPolicy, LiveConfig, Sources};
use soundalike_server::ServerConfig;
use soundalike_server::live::LiveArtists;

use crate::helpers::{TestApp, kakao_payload, spawn_app_on, spawn_app_with};

/// Not in the bundled data; the fake world names artists `Artist NNNN`.
const UNKNOWN: &str = "Artist 0042";

async fn app_with_live(fake: &FakeApis) -> (TestApp, tempfile::TempDir) {
    let vars: HashMap<&str, String> = fake.env().into_iter().collect();
    let mut config = LiveConfig::from_vars(|k| vars.get(k).cloned());
    config.lastfm_api_key = None;
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources::build(
        &config,
        HttpPolicy::default(),
        Some(soundalike_lake::raw::RawLake::new(dir.path())),
    )
    .unwrap();
    let mut server = ServerConfig::default();
    server.engine.live = Some(Live {
        lookup: Arc::new(LiveArtists::start(sources, dir.path().to_path_buf(), None)),
        budget: LIVE_BUDGET,
    });
    (spawn_app_with(server, true).await, dir)
}

#[tokio::test]
async fn an_unknown_artist_is_answered_from_live_sources() {
    let fake = FakeApis::start(World::generate(100)).await;
    let (app, _dir) = app_with_live(&fake).await;
    let started = Instant::now();
    let (status, body) = app.kakao(&kakao_payload(UNKNOWN)).await;
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(status, 200);
    let text = body.to_string();
    assert!(text.contains(UNKNOWN), "{text}");
    assert!(
        text.contains(&format!("{UNKNOWN} song 1")),
        "top tracks shown: {text}"
    );
    assert!(fake.calls("spotify") >= 2, "search and top tracks");
}

#[tokio::test]
async fn a_hanging_source_never_makes_the_webhook_late() {
    let fake = FakeApis::start(World::generate(100)).await;
    fake.set_faults(Faults {
        hang: Some(Duration::from_secs(30)),
        ..Faults::default()
    });
    let (app, _dir) = app_with_live(&fake).await;
    let started = Instant::now();
    let (status, body) = app.kakao(&kakao_payload(UNKNOWN)).await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(4), "answered in {took:?}");
    assert!(!body.to_string().contains(&format!("{UNKNOWN} song 1")));
}

#[tokio::test]
async fn known_artists_never_touch_live_sources() {
    let fake = FakeApis::start(World::generate(20)).await;
    let (app, _dir) = app_with_live(&fake).await;
    let (status, _) = app.kakao(&kakao_payload("Coldplay")).await;
    assert_eq!(status, 200);
    assert_eq!(fake.log().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_found_artist_has_similar_artists_on_the_next_ask() {
    use soundalike_pipeline::{Input, Options};
    let fake = FakeApis::start(World::generate(100)).await;
    let dir = tempfile::tempdir().unwrap();
    let (lake, store) = (dir.path().join("lake"), dir.path().join("store.sqlite"));
    // The served data: a small dataset through the pipeline.
    let header = soundalike_sources::dataset::COLUMNS.join(",");
    let rows: Vec<String> = ["Keane", "Coldplay", "Muse"]
        .iter()
        .enumerate()
        .map(|(i, artist)| format!("t{i},Song {i},{artist},50,a,A,2004,PL,p1,rock,indie,0.5,0.5,1,-5,1,0.05,0.1,0,0.1,0.5,120,200000"))
        .collect();
    let csv = dir.path().join("songs.csv");
    std::fs::write(&csv, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let options = |input| Options {
        input,
        lake: lake.display().to_string(),
        stores: store.clone().into(),
        algorithms: soundalike_similarity::Algorithm::ALL.to_vec(),
        k: 10,
        strategy: Default::default(),
        partition: soundalike_lake::Partition::today(),
        progress: false,
        guard: Default::default(),
    };
    soundalike_pipeline::run(options(Input::Dataset(csv)))
        .await
        .unwrap();

    let vars: HashMap<&str, String> = fake.env().into_iter().collect();
    let mut config = LiveConfig::from_vars(|k| vars.get(k).cloned());
    config.lastfm_api_key = None;
    let raw = soundalike_lake::raw::RawLake::new(&lake);
    let sources = Sources::build(&config, HttpPolicy::default(), Some(raw)).unwrap();
    let mut server = ServerConfig::default();
    server.engine.live = Some(Live {
        lookup: Arc::new(LiveArtists::start(
            sources,
            lake.clone(),
            Some(options(Input::Lake)),
        )),
        budget: LIVE_BUDGET,
    });
    let app = spawn_app_on(server, Some(store.clone())).await;
    tokio::spawn(soundalike_server::watch_store(
        app.state.clone(),
        Duration::from_millis(50),
    ));
    let ask = |name: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(app.url("/api/v1/chat"))
                .json(&serde_json::json!({"message": name, "lang": "en"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = ask(UNKNOWN).await;
    assert_eq!(first["artist"]["name"], UNKNOWN, "{first}");
    assert!(
        first["similar"].as_array().is_none_or(Vec::is_empty),
        "{first}"
    );

    // The background crawl, merge and republish land within the deadline.
    let deadline = Instant::now() + Duration::from_secs(120);
    let next = loop {
        let answer = ask(UNKNOWN).await;
        if answer["similar"].as_array().is_some_and(|s| !s.is_empty()) {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "never got similar artists: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(next["kind"], "recommendation", "{next}");
    assert_eq!(next["artist"]["name"], UNKNOWN);
    // The sources' "fans also like" artists lead the list.
    let world = fake.world();
    let index = world
        .artists
        .iter()
        .position(|a| a.name == UNKNOWN)
        .unwrap();
    let related: Vec<&str> = world.artists[index]
        .related
        .iter()
        .map(|&j| world.artists[j].name.as_str())
        .collect();
    let similar: Vec<&str> = next["similar"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        similar.len() >= related.len(),
        "{similar:?} vs related {related:?}"
    );
    let mut leading = similar[..related.len()].to_vec();
    leading.sort_unstable();
    let mut expected = related.clone();
    expected.sort_unstable();
    assert_eq!(leading, expected, "{similar:?}");
    // The dataset's artists are still served.
    assert_eq!(ask("Keane").await["artist"]["name"], "Keane");
}
