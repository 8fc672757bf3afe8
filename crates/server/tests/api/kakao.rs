//! The Kakao skill endpoint.

use serde_json::{Value, json};
use soundalike_server::{KakaoSecurity, Secret, ServerConfig};

use crate::helpers::{kakao_payload, spawn_app, spawn_app_with};

fn first_text(body: &Value) -> String {
    body["template"]["outputs"][0]["simpleText"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn carousel_titles(body: &Value) -> Vec<String> {
    body["template"]["outputs"][1]["carousel"]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["header"]["title"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_known_artist_gets_a_carousel_nearest_first() {
    let app = spawn_app().await;
    let (status, body) = app.kakao(&kakao_payload("Coldplay")).await;
    assert_eq!(status, 200);
    assert_eq!(body["version"], "2.0");
    assert!(first_text(&body).contains("Coldplay"), "{body:#}");
    let titles = carousel_titles(&body);
    assert!(titles.len() >= 3, "{body:#}");
    let ranks: Vec<u32> = titles
        .iter()
        .map(|t| t.split('.').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        ranks,
        (1..=ranks.len() as u32).collect::<Vec<_>>(),
        "nearest first"
    );
    // Cards carry track links.
    let link = &body["template"]["outputs"][1]["carousel"]["items"][0]["items"][0]["link"]["web"];
    assert!(
        link.as_str()
            .unwrap()
            .starts_with("https://open.spotify.com/track/")
    );
    // Quick replies name further similar artists, none of them Coldplay.
    let quick = body["template"]["quickReplies"].as_array().unwrap();
    assert!(!quick.is_empty() && quick.len() <= 10);
    assert!(quick.iter().all(|q| q["messageText"] != "Coldplay"));
}

#[tokio::test]
async fn korean_filler_and_case_reach_the_same_artist() {
    let app = spawn_app().await;
    let mut answers = Vec::new();
    for utterance in [
        "Coldplay",
        "콜드플레이 비슷한 노래",
        "coldplay",
        "songs like Coldplay",
        "콜플이랑 비슷한 가수 추천해줘",
    ] {
        let (status, body) = app.kakao(&kakao_payload(utterance)).await;
        assert_eq!(status, 200);
        answers.push((utterance, carousel_titles(&body), first_text(&body)));
    }
    for (utterance, titles, text) in &answers {
        assert_eq!(titles, &answers[0].1, "{utterance}");
        assert!(text.starts_with("🎵 Coldplay"), "{utterance}: {text}");
    }
    let (_, bts) = app.kakao(&kakao_payload("방탄소년단 비슷한 노래")).await;
    assert!(first_text(&bts).starts_with("🎵 BTS"), "{bts:#}");
}

#[tokio::test]
async fn an_unknown_artist_gets_suggestions() {
    let app = spawn_app().await;
    let (status, body) = app.kakao(&kakao_payload("zzqx unknown")).await;
    assert_eq!(status, 200);
    assert!(first_text(&body).contains("찾지 못했어요"), "{body:#}");
    let quick = body["template"]["quickReplies"].as_array().unwrap();
    assert!((1..=5).contains(&quick.len()));
    assert!(
        body["template"]["outputs"][1].is_null(),
        "no carousel for an unknown artist"
    );
    let (_, typo) = app.kakao(&kakao_payload("Colplay")).await;
    assert!(first_text(&typo).starts_with("🎵 Coldplay"));
    let (_, help) = app.kakao(&kakao_payload("도움말")).await;
    assert!(first_text(&help).contains("아티스트"));
    let mut english = kakao_payload("zzqx unknown");
    english["userRequest"]["lang"] = json!("en");
    let (_, en) = app.kakao(&english).await;
    assert!(first_text(&en).contains("Did you mean"), "{en:#}");
}

#[tokio::test]
async fn long_names_and_many_results_stay_within_limits() {
    let app = spawn_app().await;
    // Every artist's reply is validated in `kakao()`; take a spread of real names.
    let (_, search) = app.get("/api/v1/artists?q=The").await;
    let mut names: Vec<String> = search["artists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().into())
        .collect();
    names.extend(["Queen", "Drake", "Calvin Harris", "The Weeknd", "Beyoncé"].map(String::from));
    names.push("가".repeat(2000));
    for name in names {
        let (status, _) = app.kakao(&kakao_payload(&name)).await;
        assert_eq!(status, 200, "{name}");
    }
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused_with_json_errors() {
    let app = spawn_app().await;
    let send = |body: Vec<u8>| {
        app.client
            .post(app.url("/kakao/skill"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = send(b"{not json".to_vec()).await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_payload");
    let r = send(br#"{"userRequest":{"lang":"ko"}}"#.to_vec())
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let big = format!(
        r#"{{"userRequest":{{"utterance":"{}"}}}}"#,
        "a".repeat(70 * 1024)
    );
    let r = send(big.into_bytes()).await.unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "body_too_large");
}

#[tokio::test]
async fn the_shared_secret_and_bot_allow_list_guard_the_endpoint() {
    let config = ServerConfig {
        kakao: KakaoSecurity {
            secret_header: Some("X-Skill-Secret".into()),
            secret: Some(Secret::new("s3cr3t")),
            bot_ids: vec!["5e7f1bot".into()],
            ..KakaoSecurity::default()
        },
        ..ServerConfig::default()
    };
    // Not ready on purpose: a refused call must be refused before any lookup (401, not 503-ish).
    let cold = spawn_app_with(config.clone(), false).await;
    let post = |app: &crate::helpers::TestApp, secret: Option<&str>, payload: Value| {
        let mut request = app.client.post(app.url("/kakao/skill")).json(&payload);
        if let Some(s) = secret {
            request = request.header("X-Skill-Secret", s);
        }
        request.send()
    };
    for secret in [None, Some("wrong"), Some("s3cr3"), Some("s3cr3t!")] {
        let r = post(&cold, secret, kakao_payload("Coldplay"))
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{secret:?}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unauthorized");
    }
    let mut other_bot = kakao_payload("Coldplay");
    other_bot["bot"]["id"] = json!("someone-else");
    assert_eq!(
        post(&cold, Some("s3cr3t"), other_bot.clone())
            .await
            .unwrap()
            .status(),
        401
    );

    let warm = spawn_app_with(config, true).await;
    let r = post(&warm, Some("s3cr3t"), kakao_payload("Coldplay"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        post(&warm, Some("s3cr3t"), other_bot)
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn a_cold_server_answers_kakao_politely() {
    let app = spawn_app_with(ServerConfig::default(), false).await;
    let (status, body) = app.kakao(&kakao_payload("Coldplay")).await;
    assert_eq!(status, 200);
    assert!(first_text(&body).contains("잠시 후"), "{body:#}");
    let (status, _) = app.get("/readyz").await;
    assert_eq!(status, 503);
}

/// A stand-in for Kakao's callback endpoint: records what it receives and answers as Kakao does.
async fn fake_callback() -> (String, tokio::sync::mpsc::UnboundedReceiver<Value>) {
    use axum::routing::post;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/callback/{task}",
        post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                tx.send(body).unwrap();
                axum::Json(json!({"taskId": "task-1", "status": "SUCCESS", "message": ""}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/callback/task-1",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

#[tokio::test]
async fn a_slow_answer_goes_through_the_callback_once() {
    let config = ServerConfig {
        // Every answer is "late": the callback path is taken deterministically.
        answer_budget: std::time::Duration::ZERO,
        kakao: KakaoSecurity {
            callback_hosts: vec!["127.0.0.1".into()],
            ..KakaoSecurity::default()
        },
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    let (callback_url, mut received) = fake_callback().await;
    let mut payload = kakao_payload("Coldplay");
    payload["userRequest"]["callbackUrl"] = json!(callback_url);
    let (status, ack) = app.kakao(&payload).await;
    assert_eq!(status, 200);
    assert_eq!(ack["useCallback"], true, "{ack:#}");
    let answer = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        soundalike_chat::kakao::validate(&answer).is_empty(),
        "{answer:#}"
    );
    assert!(first_text(&answer).starts_with("🎵 Coldplay"), "{answer:#}");
    assert!(!carousel_titles(&answer).is_empty());
    // Once only.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(received.try_recv().is_err());

    // A callback URL off the allow-list is never called: the user gets "try again" instead.
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "https://evil.example/kakao.com",
        "ftp://127.0.0.1/x",
    ] {
        let mut payload = kakao_payload("Coldplay");
        payload["userRequest"]["callbackUrl"] = json!(url);
        let (status, body) = app.kakao(&payload).await;
        assert_eq!(status, 200);
        assert!(body["useCallback"].is_null(), "{url}: {body:#}");
        assert!(first_text(&body).contains("잠시 후"), "{url}");
    }
}

#[test]
fn callback_hosts_are_checked_strictly() {
    let security = KakaoSecurity::default();
    assert!(security.callback_allowed("https://bot-api.kakao.com/v1/callback/abc"));
    assert!(security.callback_allowed("https://kakao.com/cb"));
    assert!(
        !security.callback_allowed("http://bot-api.kakao.com/cb"),
        "plain http off loopback"
    );
    assert!(!security.callback_allowed("https://kakao.com.evil.example/cb"));
    assert!(!security.callback_allowed("https://notkakao.com/cb"));
    assert!(!security.callback_allowed("not a url"));
}
