//! The router: every route, its middleware, and the JSON fallback.

mod api;
mod health;
mod kakao;
mod web;

pub(crate) use kakao::RenderedAnswers;

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use soundalike_chat::{Engine, Lang, Reply, Understood};
use tokio::task::JoinHandle;

use crate::AppState;
use crate::wire::ApiError;

/// Every (method, path) the router serves; the OpenAPI document is tested against this list.
pub const ROUTES: [(&str, &str); 10] = [
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("POST", "/kakao/skill"),
    ("POST", "/api/v1/chat"),
    ("GET", "/api/v1/artists"),
    ("GET", "/api/v1/artists/{id}"),
    ("GET", "/api/v1/artists/{id}/similar"),
    ("GET", "/api/v1/openapi.json"),
];

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole router over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/kakao/skill", post(kakao::skill))
        .route("/api/v1/chat", post(api::chat))
        .route("/api/v1/artists", get(api::search))
        .route("/api/v1/artists/{id}", get(api::artist))
        .route("/api/v1/artists/{id}/similar", get(api::similar))
        .route("/api/v1/openapi.json", get(api::openapi))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such route") })
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Both are cheap clones (a shared string, a method enum): no allocation per request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.metrics().observe(
        route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Read a request body up to the configured limit; past it, a JSON 413.
async fn read_body(state: &AppState, body: axum::body::Body) -> Result<bytes::Bytes, ApiError> {
    let limit = state.config().body_limit;
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )
    })
}

/// A turn's reply: in time, or still being worked out when the budget ran out.
pub(crate) enum Answered {
    /// Within the budget.
    Now(Reply),
    /// Past the budget; the task goes on and yields the reply later.
    Late(JoinHandle<Reply>),
}

/// One conversation turn for any channel: the engine's reply to what it understood (counted in
/// the metrics) if it comes within the answer budget. A failure gives the "not now" reply.
async fn answer(state: &AppState, engine: Engine, understood: Understood, lang: Lang) -> Answered {
    let counting = state.clone();
    let mut task = tokio::spawn(async move {
        match engine.respond(understood, lang).await {
            Ok(reply) => {
                counting.metrics().replied(&reply.body);
                reply
            }
            Err(error) => {
                tracing::error!(%error, "answering failed");
                Reply::unavailable(lang)
            }
        }
    });
    let budget = state.config().answer_budget;
    if budget.is_zero() {
        return Answered::Late(task);
    }
    match tokio::time::timeout(budget, &mut task).await {
        Ok(Ok(reply)) => Answered::Now(reply),
        Ok(Err(error)) => {
            tracing::error!(%error, "answer task failed");
            Answered::Now(Reply::unavailable(lang))
        }
        Err(_) => {
            tracing::warn!(?budget, "answer exceeded its time budget");
            Answered::Late(task)
        }
    }
}

/// A turn for channels without a way to answer later: a late answer is dropped. Not ready gives
/// the "not now" reply.
async fn converse(state: &AppState, utterance: &str, lang: Option<Lang>) -> Reply {
    let lang = lang.unwrap_or_else(|| Lang::guess(utterance));
    let Some(engine) = state.engine() else {
        return Reply::unavailable(lang);
    };
    let understood = engine.understand(utterance);
    match answer(state, engine, understood, lang).await {
        Answered::Now(reply) => reply,
        Answered::Late(task) => {
            task.abort();
            Reply::unavailable(lang)
        }
    }
}
