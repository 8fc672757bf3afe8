use std::time::{Duration, Instant};

use soundalike_fakes::{Faults, Tier};

use super::Capability;
use crate::FetchError;
use crate::test_support::{fast_policy, setup, setup_with};

#[tokio::test]
async fn extended_tier_uses_batch_endpoints() {
    let s = setup(30).await;
    let spotify = s.sources.spotify.as_ref().unwrap();
    let hits = spotify.search_artists("IU", 1).await.unwrap();
    assert_eq!(hits[0].name, "IU");
    let id = hits[0].id.clone();
    let related = spotify.related(&id).await.unwrap();
    assert_eq!(related.len(), s.fake.world().artists[0].related.len());
    let top = spotify.top_tracks(&id, "US").await.unwrap();
    assert_eq!(top.len(), 10);
    let ids: Vec<String> = s
        .fake
        .world()
        .artists
        .iter()
        .map(|a| a.spotify_id.clone())
        .collect();
    let artists = spotify.artists(&ids).await.unwrap();
    assert_eq!(artists.len(), 30);
    let track_ids: Vec<String> = s
        .fake
        .world()
        .artists
        .iter()
        .flat_map(|a| a.tracks.clone())
        .take(150)
        .collect();
    let features = spotify.audio_features(&track_ids).await.unwrap();
    assert_eq!(features.len(), 150);
    // search, related, top tracks, 1 artists batch, 2 feature batches.
    assert_eq!(s.fake.calls("spotify"), 6);
    assert_eq!(s.fake.tokens_issued(), 1, "the token is cached");
}

#[tokio::test]
async fn development_mode_marks_capabilities_and_pages_search_by_ten() {
    let s = setup(40).await;
    s.fake.set_tier(Tier::Development);
    let spotify = s.sources.spotify.as_ref().unwrap();
    let hits = spotify.search_artists("Artist", 25).await.unwrap();
    assert_eq!(hits.len(), 25);
    assert_eq!(spotify.search_limit(), 10);
    let log = s.fake.log();
    assert!(
        log.iter()
            .any(|l| l.status == 400 && l.path.contains("limit=25"))
    );
    assert!(
        log.iter()
            .any(|l| l.path.contains("offset=20") && l.path.contains("limit=5"))
    );
    let track = s.fake.world().artists[0].tracks[0].clone();
    for _ in 0..2 {
        assert!(matches!(
            spotify.audio_features(std::slice::from_ref(&track)).await,
            Err(FetchError::Unavailable { .. })
        ));
    }
    let before = s.fake.calls("spotify");
    assert!(matches!(
        spotify.audio_features(&[track]).await,
        Err(FetchError::Unavailable { .. })
    ));
    assert_eq!(
        s.fake.calls("spotify"),
        before,
        "an unavailable capability is not asked again"
    );
    assert_eq!(spotify.capability(Capability::AudioFeatures), Some(false));
    let id = hits[0].id.clone();
    assert!(matches!(
        spotify.related(&id).await,
        Err(FetchError::Unavailable { .. })
    ));
    assert!(matches!(
        spotify.top_tracks(&id, "US").await,
        Err(FetchError::Unavailable { .. })
    ));
    // Batch artists falls back to single calls.
    let ids: Vec<String> = hits.iter().take(3).map(|a| a.id.clone()).collect();
    assert_eq!(spotify.artists(&ids).await.unwrap().len(), 3);
    assert_eq!(spotify.capability(Capability::BatchArtists), Some(false));
    // What development mode still allows: tracks through search.
    let tracks = spotify.search_tracks_by(&hits[0].name).await.unwrap();
    assert_eq!(tracks.len(), 10);
    assert!(tracks.iter().all(|t| t.popularity.is_none()));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let s = setup(10).await;
    let spotify = s.sources.spotify.as_ref().unwrap();
    spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap();
    s.fake.expire_tokens();
    let a = spotify
        .artist(&s.fake.world().artists[2].spotify_id)
        .await
        .unwrap();
    assert_eq!(a.name, s.fake.world().artists[2].name);
    assert_eq!(s.fake.tokens_issued(), 2);
    assert!(s.fake.log().iter().any(|l| l.status == 401));
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let s = setup(10).await;
    s.fake.set_faults(Faults {
        too_many: 1,
        retry_after_secs: 1,
        ..Faults::default()
    });
    let spotify = s.sources.spotify.as_ref().unwrap();
    let started = Instant::now();
    spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    let counts = s.sources.http.counts()["spotify"].clone();
    assert_eq!(counts.retries, 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_fails_instead_of_stalling() {
    let s = setup(10).await;
    s.fake.set_faults(Faults {
        too_many: 1,
        retry_after_secs: 3600,
        ..Faults::default()
    });
    let spotify = s.sources.spotify.as_ref().unwrap();
    let err = spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn server_error_bursts_are_retried_with_backoff() {
    let s = setup(10).await;
    s.fake.set_faults(Faults {
        server_errors: 3,
        target: Some("spotify".into()),
        ..Faults::default()
    });
    let spotify = s.sources.spotify.as_ref().unwrap();
    spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap();
    assert_eq!(s.sources.http.counts()["spotify"].retries, 3);
    // A longer burst than the attempts allow fails, counted.
    s.fake.set_faults(Faults {
        server_errors: 10,
        ..Faults::default()
    });
    let err = spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 503, .. }),
        "{err}"
    );
    assert_eq!(s.sources.http.counts()["spotify"].failures, 1);
}

#[tokio::test]
async fn timeouts_are_bounded_and_retried() {
    let mut policy = fast_policy();
    policy.timeout = Duration::from_millis(200);
    policy.max_attempts = 2;
    let s = setup_with(10, policy).await;
    let spotify = s.sources.spotify.as_ref().unwrap();
    spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap();
    s.fake.set_faults(Faults {
        hang: Some(Duration::from_secs(5)),
        target: Some("spotify".into()),
        ..Faults::default()
    });
    let err = spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Transport { .. }), "{err}");
    assert_eq!(s.sources.http.counts()["spotify"].retries, 1);
    s.fake.set_faults(Faults::default());
    spotify
        .artist(&s.fake.world().artists[1].spotify_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_malformed_body_is_kept_in_the_raw_lake_and_reported() {
    let s = setup(10).await;
    s.fake.set_faults(Faults {
        malformed: 1,
        ..Faults::default()
    });
    let spotify = s.sources.spotify.as_ref().unwrap();
    let err = spotify.search_artists("IU", 1).await.unwrap_err();
    assert!(matches!(err, FetchError::Parse { .. }), "{err}");
    let raw = s.raw();
    assert_eq!(raw.len(), 1);
    assert!(raw[0].body.starts_with(b"{\"artists\""));
    assert_eq!(raw[0].endpoint, "search");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_output_and_the_raw_lake() {
    let s = setup(10).await;
    let debug = format!("{:?}", s.sources);
    assert!(
        !debug.contains(soundalike_fakes::SPOTIFY_CLIENT_SECRET),
        "{debug}"
    );
    assert!(!debug.contains(soundalike_fakes::LASTFM_API_KEY), "{debug}");
    s.sources
        .spotify
        .as_ref()
        .unwrap()
        .search_artists("BTS", 1)
        .await
        .unwrap();
    s.sources
        .lastfm
        .as_ref()
        .unwrap()
        .similar("BTS")
        .await
        .unwrap();
    for record in s.raw() {
        assert!(
            !record.url.contains(soundalike_fakes::LASTFM_API_KEY),
            "{}",
            record.url
        );
        let body = String::from_utf8_lossy(&record.body);
        assert!(
            !body.contains("fake-token"),
            "token bodies are never stored"
        );
    }
    // The key was sent, though (the fake refuses calls without it).
    assert!(
        s.fake
            .log()
            .iter()
            .any(|l| l.path.contains(soundalike_fakes::LASTFM_API_KEY))
    );
}
