//! Regression tests for the reliability probe's findings: bounded input, timeouts, the
//! connection cap, rate limits, metrics labels and the callback client. (How fast the slow
//! inputs are answered is measured by `bench/reliability/`, not asserted here.)

use std::time::Duration;

use serde_json::{Value, json};
use soundalike_server::{KakaoSecurity, Limits, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{kakao_payload, spawn_app, spawn_app_with};

fn first_text(body: &Value) -> String {
    body["template"]["outputs"][0]["simpleText"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn huge_inputs_get_a_polite_reply_or_a_clear_refusal() {
    let app = spawn_app().await;
    // 60,000 characters: under the 64 KiB body limit, far over what the engine reads.
    let (status, body) = app.kakao(&kakao_payload(&"Coldplay ".repeat(6_700))).await;
    assert_eq!(status, 200);
    assert!(first_text(&body).contains("너무 길어요"), "{body:#}");
    let (status, body) = app.kakao(&kakao_payload(&"가".repeat(501))).await;
    assert_eq!(status, 200);
    assert!(first_text(&body).contains("500"), "{body:#}");

    let (status, body) = app
        .get(&format!("/api/v1/artists?q={}", "a".repeat(30_000)))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("query_too_long"))
    );
    let (status, _) = app.chat(&json!({"message": "x".repeat(60_000)})).await;
    assert_eq!(status, 422);
    // A context past the documented length is refused like the message, not silently dropped.
    let (status, v) = app
        .chat(&json!({"message": "more", "context": "*".repeat(2_049)}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(v["error"]["code"], "context_too_long", "{v}");
}

#[tokio::test]
async fn query_and_body_shapes_are_checked_with_json_errors() {
    let app = spawn_app().await;
    for (path, status, code) in [
        ("/api/v1/artists?q=", 400, "missing_query"),
        ("/api/v1/artists?q=a&q=b", 400, "bad_query"),
        ("/api/v1/artists?q=cold&limit=0", 400, "bad_limit"),
        ("/api/v1/artists?q=cold&limit=51", 400, "bad_limit"),
    ] {
        let (got, body) = app.get(path).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
    // Only spaces: a valid query that matches nothing.
    let (status, body) = app.get("/api/v1/artists?q=%20%20").await;
    assert_eq!(
        (status, body["found"].as_bool()),
        (200, Some(false)),
        "{body}"
    );
    let (status, v) = app
        .chat(&json!({"message": "Coldplay", "lang": "AAA"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["code"], "bad_json");
    // A method a route does not take: JSON too.
    let r = app
        .client
        .delete(app.url("/api/v1/artists"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn search_ranks_prefixes_and_substrings_before_typos() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/v1/artists?q=cold").await;
    assert_eq!(status, 200);
    assert_eq!(body["found"], true);
    assert_eq!(body["artists"][0]["name"], "Coldplay", "{body:#}");
    assert_eq!(body["artists"][0]["match"], "prefix");
    let kinds: Vec<&str> = body["artists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["match"].as_str().unwrap())
        .collect();
    let mut sorted = kinds.clone();
    let order = |k: &str| {
        ["exact", "prefix", "substring", "typo"]
            .iter()
            .position(|o| *o == k)
    };
    sorted.sort_by_key(|k| order(k));
    assert_eq!(kinds, sorted, "groups in order");
    let (_, body) = app.get("/api/v1/artists?q=Colplay").await;
    assert_eq!(body["artists"][0]["name"], "Coldplay");
    assert_eq!(body["artists"][0]["match"], "typo");
    let (_, body) = app
        .get("/api/v1/artists?q=%EB%B0%A9%ED%83%84%EC%86%8C%EB%85%84%EB%8B%A8")
        .await;
    assert_eq!(
        body["artists"][0]["name"], "BTS",
        "an alias is exact: {body}"
    );
    assert_eq!(body["artists"][0]["match"], "exact");
    let (_, body) = app.get("/api/v1/artists?q=cold&limit=2").await;
    assert_eq!(body["artists"].as_array().unwrap().len(), 2);
}

/// Made-up HTTP methods and unknown paths do not grow `/metrics`.
#[tokio::test]
async fn metrics_labels_come_only_from_known_routes_and_methods() {
    let app = spawn_app().await;
    let metrics = || async {
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let send = |method: String, path: String| {
        let request = app.client.request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            app.url(&path),
        );
        async move { request.send().await.unwrap().status() }
    };
    send("FOO".into(), "/healthz".into()).await;
    send("GET".into(), "/no/such/route/0".into()).await;
    let before = metrics().await;
    for i in 0..200 {
        send(format!("MADEUP{i}{}", "X".repeat(200)), "/healthz".into()).await;
        send("GET".into(), format!("/no/such/route/{i}")).await;
    }
    let after = metrics().await;
    assert!(!after.contains("MADEUP") && !after.contains("/no/such"));
    // Only counter values change, never the set of series.
    let series = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(' ').map(|(name, _)| name.to_string()))
            .filter(|name| !name.contains("route=\"/metrics\""))
            .collect()
    };
    assert_eq!(series(&before), series(&after));
}

fn quick_limits() -> Limits {
    Limits {
        header_read: Duration::from_millis(400),
        body_read: Duration::from_millis(400),
        ..Limits::default()
    }
}

/// Read until the server closes the connection or `within` passes; true when it closed.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> (bool, String) {
    let mut seen = Vec::new();
    let outcome = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    (outcome.is_ok(), String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let config = ServerConfig {
        limits: quick_limits(),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    // Never a byte: closed after the header-read timeout.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    assert!(closed_within(&mut idle, Duration::from_secs(5)).await.0);
    // Headers never finished.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(5)).await.0);
    // A body that never arrives: 408 in the JSON error shape.
    let mut body = TcpStream::connect(&addr).await.unwrap();
    body.write_all(
        b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"mess",
    )
    .await
    .unwrap();
    let (_, answer) = closed_within(&mut body, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");
    // Keep-alive: idle after a response, the connection is closed too.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (closed, answer) = closed_within(&mut kept, Duration::from_secs(5)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn past_the_connection_cap_the_server_still_answers_once_idle_ones_time_out() {
    let config = ServerConfig {
        limits: Limits {
            max_connections: Some(4),
            ..quick_limits()
        },
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let addr = app.address.trim_start_matches("http://").to_string();
    let mut hogs = Vec::new();
    for _ in 0..8 {
        hogs.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Waits in the backlog behind the idle ones, then is served once they are dropped.
    let r = tokio::time::timeout(
        Duration::from_secs(10),
        app.client.get(app.url("/healthz")).send(),
    )
    .await
    .expect("answered within the header timeouts")
    .unwrap();
    assert_eq!(r.status(), 200);
    drop(hogs);
}

#[tokio::test]
async fn a_client_over_its_rate_is_told_to_wait() {
    let config = ServerConfig {
        limits: Limits {
            per_client_per_second: 1,
            per_client_burst: 3,
            ..Limits::default()
        },
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = app
            .client
            .get(app.url("/api/v1/artists?q=Keane"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    // Health and the Kakao webhook are not limited per client.
    for _ in 0..10 {
        assert_eq!(app.get("/healthz").await.0, 200);
        assert_eq!(app.kakao(&kakao_payload("Keane")).await.0, 200);
    }
}

/// A callback host that redirects: the server must not follow (a redirect could send the
/// answer anywhere), and posts once.
#[tokio::test]
async fn a_redirecting_callback_never_reaches_the_other_host() {
    use axum::routing::post;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let elsewhere = axum::Router::new().fallback(move || {
        hits.fetch_add(1, Ordering::SeqCst);
        async { "got it" }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_url = format!(
        "http://127.0.0.1:{}/steal",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, elsewhere).await.unwrap() });

    let callback_hits = Arc::new(AtomicUsize::new(0));
    let hits = callback_hits.clone();
    let target = elsewhere_url.clone();
    let callback = axum::Router::new().route(
        "/callback",
        post(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            let target = target.clone();
            async move {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, target)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback_url = format!(
        "http://127.0.0.1:{}/callback",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, callback).await.unwrap() });

    let config = ServerConfig {
        answer_budget: Duration::ZERO,
        kakao: KakaoSecurity {
            callback_hosts: vec!["127.0.0.1".into()],
            ..KakaoSecurity::default()
        },
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let mut payload = kakao_payload("Coldplay");
    payload["userRequest"]["callbackUrl"] = json!(callback_url);
    let (status, ack) = app.kakao(&payload).await;
    assert_eq!((status, &ack["useCallback"]), (200, &json!(true)));
    let started = std::time::Instant::now();
    while callback_hits.load(Ordering::SeqCst) == 0 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(callback_hits.load(Ordering::SeqCst), 1, "posted once");
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn errors_while_warming_up_say_when_to_retry() {
    let app = spawn_app_with(ServerConfig::default(), false).await;
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_openapi_document_is_derived_and_complete() {
    let app = spawn_app().await;
    let (_, doc) = app.get("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    // The drift the hand-written document had: `exact_match` on the answer's artist.
    assert!(
        schemas["MatchedArtist"]["properties"]
            .as_object()
            .unwrap()
            .contains_key("exact_match"),
        "{:#}",
        schemas["MatchedArtist"]
    );
    // Every error status of every operation is documented with the error shape.
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(
                        schema, "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
