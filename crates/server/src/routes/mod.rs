//! The router: every route, its middleware, and the JSON fallback.
//!
//! Layers, outermost first: request id, tracing, metrics and the whole-request timeout
//! (`observe`); then, on every route but health and metrics, a global limit of requests in flight
//! (past it: 503 at once, not a queue); on `/api/v1/*` also a per-client rate limit (429).
//! Health and metrics stay answerable under any load.

mod api;
mod health;
mod kakao;
mod limits;
mod web;

pub(crate) use kakao::RenderedAnswers;
pub(crate) use limits::ClientLimiter;

use std::time::Instant;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use soundalike_chat::{Context, Engine, Lang, Reply, Understood};
use tokio::task::JoinHandle;

use crate::AppState;
use crate::wire::ApiError;

pub(crate) use api::ApiDoc;

/// Every (method, path) the router serves; the OpenAPI document is tested against this list,
/// and metrics label requests only with these paths.
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
    let limits = &state.config().limits;
    // Past the limit a request is refused at once (load shedding), not queued behind others.
    let in_flight = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many requests in flight; try again shortly",
            )
            .retry_after(1)
        }))
        .load_shed()
        // One semaphore for every route (a plain concurrency limit would count per route).
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            limits.max_in_flight.max(1),
        ));
    let api = Router::new()
        .route("/api/v1/chat", post(api::chat))
        .route("/api/v1/artists", get(api::search))
        .route("/api/v1/artists/{id}", get(api::artist))
        .route("/api/v1/artists/{id}/similar", get(api::similar))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            limits::per_client,
        ));
    let served = Router::new()
        .route("/", get(web::index))
        .route("/kakao/skill", post(kakao::skill))
        .merge(api)
        .route_layer(in_flight);
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(served)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request| {
                    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
                })
                // Failures that matter log themselves (`ApiError::internal`, at ERROR); a 503 while
                // warming up or shedding load is expected, not an error.
                .on_failure(
                    tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
                ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Metrics for every request, and the whole-request deadline: a handler still running past it
/// is dropped and the client gets a JSON 503.
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Both are cheap clones (a shared string, a method enum): no allocation per request.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let deadline = state.config().limits.request;
    let response = match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(?deadline, "request exceeded its deadline");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took too long",
            )
            .into_response()
        }
    };
    let route = route.as_ref().map_or("other", MatchedPath::as_str);
    state.metrics().observe(
        route,
        method.as_str(),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Read a request body up to the configured limit and within the body deadline; past either, a
/// JSON 413 or 408.
async fn read_body(state: &AppState, body: axum::body::Body) -> Result<bytes::Bytes, ApiError> {
    let limit = state.config().body_limit;
    let deadline = state.config().limits.body_read;
    match tokio::time::timeout(deadline, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!("the request body did not arrive within {deadline:?}"),
        )),
    }
}

/// A turn's reply: in time, or still being worked out when the budget ran out.
pub(crate) enum Answered {
    /// Within the budget (boxed: a reply is large next to a task handle).
    Now(Box<Reply>),
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
        Ok(Ok(reply)) => Answered::Now(Box::new(reply)),
        Ok(Err(error)) => {
            tracing::error!(%error, "answer task failed");
            Answered::Now(Box::new(Reply::unavailable(lang)))
        }
        Err(_) => {
            tracing::warn!(?budget, "answer exceeded its time budget");
            Answered::Late(task)
        }
    }
}

/// Utterances from this many bytes on are understood on the blocking pool: name matching is
/// bounded, but a long input still costs more than an async worker should spend at once.
const BLOCKING_FROM_BYTES: usize = 64;

/// What an utterance asks for in its conversation, worked out off the async workers when it is
/// long.
async fn understand(engine: &Engine, utterance: &str, context: Option<Context>) -> Understood {
    if utterance.len() < BLOCKING_FROM_BYTES {
        return engine.understand_in(utterance, context);
    }
    let (engine, utterance) = (engine.clone(), utterance.to_string());
    match tokio::task::spawn_blocking(move || engine.understand_in(&utterance, context)).await {
        Ok(understood) => understood,
        Err(error) => {
            tracing::error!(%error, "understanding failed");
            Understood::Help
        }
    }
}

/// A turn for channels without a way to answer later: a late answer is dropped. Not ready gives
/// the "not now" reply.
async fn converse(
    state: &AppState,
    utterance: &str,
    lang: Option<Lang>,
    context: Option<Context>,
) -> Reply {
    let lang = lang.unwrap_or_else(|| Lang::guess(utterance));
    let Some(engine) = state.engine() else {
        return Reply::unavailable(lang);
    };
    let understood = understand(&engine, utterance, context).await;
    match answer(state, engine, understood, lang).await {
        Answered::Now(reply) => *reply,
        Answered::Late(task) => {
            task.abort();
            Reply::unavailable(lang)
        }
    }
}
