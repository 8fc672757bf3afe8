//! REST API, chat API, health, metrics and the OpenAPI document.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use soundalike_server::ROUTES;

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().contains_key("x-request-id"),
        "request ids are propagated"
    );
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200);
    assert!(body["artists"].as_u64().unwrap() > 10_000);
}

#[tokio::test]
async fn search_artist_and_similar() {
    let app = spawn_app().await;
    let (status, found) = app.get("/api/v1/artists?q=Colplay").await;
    assert_eq!(status, 200);
    assert_eq!(found["found"], true);
    assert_eq!(found["artists"][0]["name"], "Coldplay");
    let id = found["artists"][0]["id"].as_str().unwrap().to_string();

    let (status, artist) = app.get(&format!("/api/v1/artists/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(artist["name"], "Coldplay");
    assert!(!artist["tracks"].as_array().unwrap().is_empty());

    let (status, similar) = app.get(&format!("/api/v1/artists/{id}/similar?k=3")).await;
    assert_eq!(status, 200);
    let list = similar["similar"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list.iter()
            .map(|s| s["rank"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    let (status, seed) = app
        .get(&format!("/api/v1/artists/{id}/similar?algorithm=seed&k=2"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(seed["algorithm"], "seed");

    let (_, unknown) = app.get("/api/v1/artists?q=zzqx%20unknown").await;
    assert_eq!(unknown["found"], false);
    assert!(!unknown["artists"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn errors_are_json_with_proper_status() {
    let app = spawn_app().await;
    let (_, found) = app.get("/api/v1/artists?q=Keane").await;
    let id = found["artists"][0]["id"].as_str().unwrap().to_string();
    for (path, status, code) in [
        ("/api/v1/artists".to_string(), 400, "missing_query"),
        (
            "/api/v1/artists/nm_0000000000000000".to_string(),
            404,
            "unknown_artist",
        ),
        (
            "/api/v1/artists/nm_0000000000000000/similar".to_string(),
            404,
            "unknown_artist",
        ),
        (format!("/api/v1/artists/{id}/similar?k=0"), 400, "bad_k"),
        (format!("/api/v1/artists/{id}/similar?k=lots"), 400, "bad_k"),
        (
            format!("/api/v1/artists/{id}/similar?algorithm=euclid"),
            400,
            "bad_algorithm",
        ),
        ("/no/such/route".to_string(), 404, "no_route"),
    ] {
        let (got, body) = app.get(&path).await;
        assert_eq!(got, status, "{path}");
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
    }
    // SQL-looking input is only ever a bound value.
    let (status, body) = app.get("/api/v1/artists/x'%20OR%201=1--/similar").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_artist"))
    );
}

#[tokio::test]
async fn chat_api_replies_with_the_reply_model() {
    let app = spawn_app().await;
    let (status, v) = app.chat(&json!({"message": "BTS 비슷한 노래"})).await;
    assert_eq!(status, 200);
    assert_eq!(v["kind"], "recommendation");
    assert_eq!(v["lang"], "ko");
    assert_eq!(v["artist"]["name"], "BTS");
    assert!(v["similar"].as_array().unwrap().len() >= 5);
    let (_, v) = app
        .chat(&json!({"message": "zzqx unknown", "lang": "en"}))
        .await;
    assert_eq!(v["kind"], "unknown");
    assert!(v["text"].as_str().unwrap().contains("Did you mean"));
    let (status, _) = app.chat(&json!({"message": "x".repeat(501)})).await;
    assert_eq!(status, 422);
    let r = app
        .client
        .post(app.url("/api/v1/chat"))
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_web_page_is_served() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("/api/v1/chat") && html.contains("viewport"));
}

#[tokio::test]
async fn metrics_count_requests_and_outcomes() {
    let app = spawn_app().await;
    app.kakao(&crate::helpers::kakao_payload("Coldplay")).await;
    app.kakao(&crate::helpers::kakao_payload("zzqx unknown"))
        .await;
    app.get("/healthz").await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(
            r#"soundalike_http_requests_total{route="/kakao/skill",method="POST",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains("soundalike_recommendations_total 1"),
        "{text}"
    );
    assert!(
        text.contains("soundalike_unknown_artist_queries_total 1"),
        "{text}"
    );
    assert!(
        text.contains(r#"soundalike_http_request_duration_seconds_count{route="/healthz"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn openapi_matches_the_routes() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, served);
    // And every documented GET answers from its own route, not the fallback.
    let (_, found) = app.get("/api/v1/artists?q=Keane").await;
    let id = found["artists"][0]["id"].as_str().unwrap();
    for (method, path) in &served {
        if method != "GET" {
            continue;
        }
        let url = path.replace("{id}", id)
            + if path.ends_with("/artists") {
                "?q=Keane"
            } else {
                ""
            };
        let r = app.client.get(app.url(&url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
    }
}

#[tokio::test]
async fn a_new_publish_reaches_a_running_server() {
    use soundalike_pipeline::{Input, Options};
    let dir = tempfile::tempdir().unwrap();
    let header = soundalike_sources::dataset::COLUMNS.join(",");
    let row = |track: &str, artist: &str| {
        format!(
            "{track},Song {track},{artist},50,a,A,2004,PL,p1,rock,indie,0.5,0.5,1,-5,1,0.05,0.1,0,0.1,0.5,120,200000"
        )
    };
    let run = |rows: Vec<String>| {
        let csv = dir.path().join("songs.csv");
        std::fs::write(&csv, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        soundalike_pipeline::run(Options {
            input: Input::Dataset(csv),
            lake: dir.path().join("lake").display().to_string(),
            stores: dir.path().join("store.sqlite").into(),
            algorithms: soundalike_similarity::Algorithm::ALL.to_vec(),
            k: 10,
            strategy: Default::default(),
            partition: soundalike_lake::Partition::today(),
            progress: false,
            guard: Default::default(),
        })
    };
    run(vec![row("t1", "Keane"), row("t2", "Coldplay")])
        .await
        .unwrap();
    let state = soundalike_server::AppState::new(soundalike_server::ServerConfig::default());
    soundalike_server::warm_up(state.clone(), dir.path().join("store.sqlite"), None)
        .await
        .unwrap();
    let app = soundalike_server::Application::build("127.0.0.1:0".parse().unwrap(), state.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    tokio::spawn(soundalike_server::watch_store(
        state,
        std::time::Duration::from_millis(50),
    ));
    let client = reqwest::Client::new();
    let found = |name: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let v: Value = client
                .get(format!("{base}/api/v1/artists?q={name}"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["found"] == true && v["artists"][0]["name"] == name
        }
    };
    // The Kakao channel keeps rendered answers per snapshot: they must change with the data.
    // Answers are the intro text (naming the artist) plus the card titles.
    let kakao_cards = |name: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let v: Value = client
                .post(format!("{base}/kakao/skill"))
                .json(&crate::helpers::kakao_payload(name))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let outputs = &v["template"]["outputs"];
            let mut answer = vec![outputs[0]["simpleText"]["text"].to_string()];
            for card in outputs[1]["carousel"]["items"]
                .as_array()
                .into_iter()
                .flatten()
            {
                answer.push(card["header"]["title"].to_string());
            }
            answer
        }
    };
    assert!(found("Keane").await);
    assert!(!found("Muse").await);
    let before = kakao_cards("Keane").await;
    assert_eq!(
        before,
        kakao_cards("Keane").await,
        "the same data gives the same answer"
    );
    assert!(before[0].contains("Keane"), "{before:?}");
    assert!(
        before[1..].iter().any(|t| t.contains("Coldplay")),
        "{before:?}"
    );
    assert!(!before.iter().any(|t| t.contains("Muse")), "{before:?}");
    // Both artists answered from the first snapshot: whatever positions the new snapshot gives
    // them, a kept answer would show up below.
    assert!(kakao_cards("Coldplay").await[0].contains("Coldplay"));

    run(vec![
        row("t1", "Keane"),
        row("t2", "Coldplay"),
        row("t3", "Muse"),
    ])
    .await
    .unwrap();
    let started = std::time::Instant::now();
    while !found("Muse").await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the new publish never arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for name in ["Keane", "Coldplay"] {
        let after = kakao_cards(name).await;
        assert!(
            after[0].contains(name) && after[1..].iter().any(|t| t.contains("Muse")),
            "stale Kakao answer for {name}: {after:?}"
        );
    }
}
