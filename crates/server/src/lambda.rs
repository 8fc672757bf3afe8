//! AWS Lambda: the same router behind API Gateway REST (v1 proxy), HTTP API (v2), Function URLs
//! and ALB, through `lambda_http`.

use axum::http::Uri;
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Adapter, Context, LambdaEvent, Request, RequestExt, Service};
use tower::ServiceExt;

use crate::{AppState, router};

/// `lambda_http` keeps an API Gateway stage in the path (`/prod/kakao/skill`); the routes do not
/// know stages, so the prefix goes. `$default` stages and Function URLs have none.
fn strip_stage(mut request: Request) -> Request {
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(c)) => c.stage.clone(),
        Some(RequestContext::ApiGatewayV2(c)) => c.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default") else {
        return request;
    };
    let uri = request.uri().clone();
    let prefix = format!("/{stage}");
    let Some(rest) = uri
        .path()
        .strip_prefix(&prefix)
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return request;
    };
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let mut parts = uri.into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    if let Ok(stripped) = Uri::from_parts(parts) {
        *request.uri_mut() = stripped;
    }
    request
}

/// Serve Lambda invocations until the runtime stops (needs the `AWS_LAMBDA_*` environment that
/// the Lambda service or `cargo lambda watch` provides).
pub async fn run(state: AppState) -> Result<(), lambda_http::Error> {
    lambda_http::run(router(state).map_request(strip_stage)).await
}

/// Handle one raw invocation event exactly as the runtime would: the event JSON (any supported
/// trigger) in, the proxy response JSON (`statusCode`, `headers`, `body`, ...) out.
pub async fn handle_event(
    state: AppState,
    event: serde_json::Value,
) -> Result<serde_json::Value, lambda_http::Error> {
    let request: LambdaRequest = serde_json::from_value(event)?;
    let mut adapter = Adapter::from(router(state).map_request(strip_stage));
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await?;
    Ok(serde_json::to_value(response)?)
}
