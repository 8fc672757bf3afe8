//! Unknown artists answered from live sources (local fakes of Spotify and Deezer).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use soundalike_chat::{LIVE_BUDGET, Live};
use soundalike_fakes::{FakeApis, Faults, World};
use soundalike_live::{HttpPolicy, LiveConfig, Sources};
use soundalike_server::ServerConfig;
use soundalike_server::live::LiveArtists;

use crate::helpers::{TestApp, kakao_payload, spawn_app_with};

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
        lookup: Arc::new(LiveArtists::start(sources, dir.path().to_path_buf())),
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
