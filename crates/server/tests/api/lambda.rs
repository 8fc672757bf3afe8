//! The Lambda adapter, fed real-shaped events of every trigger it accepts.

use serde_json::{Value, json};
use soundalike_server::lambda::handle_event;

use crate::helpers::{kakao_payload, spawn_app};

/// API Gateway REST API, proxy integration (payload v1.0).
fn rest_v1(body: &str) -> Value {
    json!({
        "resource": "/kakao/skill", "path": "/kakao/skill", "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "User-Agent": "AHC/2.1", "X-Request-Id": "chp-123",
                    "Host": "abc123.execute-api.ap-northeast-2.amazonaws.com"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "User-Agent": ["AHC/2.1"], "X-Request-Id": ["chp-123"],
                              "Host": ["abc123.execute-api.ap-northeast-2.amazonaws.com"]},
        "queryStringParameters": null, "multiValueQueryStringParameters": null, "pathParameters": null,
        "stageVariables": null,
        "requestContext": {"resourceId": "r1", "resourcePath": "/kakao/skill", "httpMethod": "POST",
            "extendedRequestId": "e1", "requestTime": "24/Nov/2026:19:00:00 +0000", "path": "/prod/kakao/skill",
            "accountId": "123456789012", "protocol": "HTTP/1.1", "stage": "prod", "domainPrefix": "abc123",
            "requestTimeEpoch": 1795546800000_i64, "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "211.249.1.1", "userAgent": "AHC/2.1"},
            "domainName": "abc123.execute-api.ap-northeast-2.amazonaws.com", "apiId": "abc123"},
        "body": body, "isBase64Encoded": false
    })
}

/// API Gateway HTTP API (payload v2.0).
fn http_v2(body: &str) -> Value {
    json!({
        "version": "2.0", "routeKey": "POST /kakao/skill", "rawPath": "/kakao/skill", "rawQueryString": "",
        "headers": {"content-type": "application/json", "user-agent": "AHC/2.1", "x-request-id": "chp-456",
                    "host": "abc123.execute-api.ap-northeast-2.amazonaws.com"},
        "requestContext": {"accountId": "123456789012", "apiId": "abc123",
            "domainName": "abc123.execute-api.ap-northeast-2.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": "POST", "path": "/kakao/skill", "protocol": "HTTP/1.1", "sourceIp": "211.249.1.1", "userAgent": "AHC/2.1"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "POST /kakao/skill", "stage": "$default",
            "time": "24/Nov/2026:19:00:00 +0000", "timeEpoch": 1795546800000_i64},
        "body": body, "isBase64Encoded": false
    })
}

/// Lambda Function URL (same payload format as HTTP API v2, base64 body here).
fn function_url(body: &str) -> Value {
    let mut event = http_v2(body);
    event["routeKey"] = json!("$default");
    event["requestContext"]["routeKey"] = json!("$default");
    event["requestContext"]["domainName"] = json!("abcdefg.lambda-url.ap-northeast-2.on.aws");
    event["headers"]["host"] = json!("abcdefg.lambda-url.ap-northeast-2.on.aws");
    event["body"] = json!(base64(body.as_bytes()));
    event["isBase64Encoded"] = json!(true);
    event
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn every_trigger_returns_the_same_kakao_json_as_the_server() {
    let app = spawn_app().await;
    let payload = kakao_payload("콜드플레이 비슷한 노래");
    let (status, local) = app.kakao(&payload).await;
    assert_eq!(status, 200);
    let body = payload.to_string();
    for (name, event) in [
        ("rest v1", rest_v1(&body)),
        ("http v2", http_v2(&body)),
        ("function url", function_url(&body)),
    ] {
        let response = handle_event(app.state.clone(), event).await.unwrap();
        assert_eq!(response["statusCode"], 200, "{name}: {response}");
        let text = response["body"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no body in {response}"));
        let kakao: Value = serde_json::from_str(text).unwrap();
        assert_eq!(kakao, local, "{name}");
    }
}

#[tokio::test]
async fn lambda_errors_keep_their_status() {
    let app = spawn_app().await;
    let response = handle_event(app.state.clone(), rest_v1("{broken"))
        .await
        .unwrap();
    assert_eq!(response["statusCode"], 400);
    let mut get = http_v2("");
    get["requestContext"]["http"]["method"] = json!("GET");
    get["rawPath"] = json!("/healthz");
    get["requestContext"]["http"]["path"] = json!("/healthz");
    let response = handle_event(app.state.clone(), get).await.unwrap();
    assert_eq!(response["statusCode"], 200);
    assert_eq!(response["body"], "ok");
}

#[test]
fn base64_helper_is_right() {
    assert_eq!(base64(b"Man"), "TWFu");
    assert_eq!(base64(b"Ma"), "TWE=");
    assert_eq!(base64(b"M"), "TQ==");
}
