//! The REST API under `/api/v1`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use soundalike_chat::Lang;
use soundalike_core::Resolution;
use soundalike_recommend::{Answer, RecommendError, Recommender};
use soundalike_similarity::Algorithm;

use super::{converse, read_body};
use crate::AppState;
use crate::wire::{self, ApiError};

/// The OpenAPI document (tested against [`super::ROUTES`]).
pub const OPENAPI: &str = include_str!("../openapi.json");

/// Most similar artists one request may ask for.
const MAX_K: usize = 50;
/// Longest chat message, in characters.
const MAX_MESSAGE: usize = 500;

fn recommender(state: &AppState) -> Result<Arc<Recommender>, ApiError> {
    state
        .engine()
        .map(|e| e.recommender().clone())
        .ok_or_else(ApiError::warming_up)
}

fn unknown_artist(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_artist",
        format!("no artist with id {id}"),
    )
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[derive(Deserialize)]
struct ChatRequest {
    message: String,
    lang: Option<String>,
}

pub async fn chat(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let body = read_body(&state, request.into_body()).await?;
    let chat: ChatRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("expected {{\"message\": \"...\"}}: {e}"),
        )
    })?;
    if chat.message.chars().count() > MAX_MESSAGE {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "message_too_long",
            format!("messages are limited to {MAX_MESSAGE} characters"),
        ));
    }
    let lang = chat.lang.as_deref().and_then(Lang::from_tag);
    Ok(Json(wire::reply(
        &converse(&state, &chat.message, lang).await,
    )))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let q = query.q.filter(|q| !q.trim().is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_query",
            "give the name to search as ?q=",
        )
    })?;
    let recommender = recommender(&state)?;
    let (found, entries) = match recommender.resolve(&q) {
        Resolution::Found { entry, .. } => (true, vec![entry]),
        Resolution::Unknown { suggestions } => (false, suggestions),
    };
    let artists: Vec<Value> = entries
        .iter()
        .filter_map(|&e| recommender.artist_at(e))
        .map(|a| json!({"id": a.artist_id, "name": a.name, "track_count": a.track_count}))
        .collect();
    Ok(Json(
        json!({"query": q, "found": found, "artists": artists}),
    ))
}

pub async fn artist(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let recommender = recommender(&state)?;
    let artist = recommender.artist(&id).ok_or_else(|| unknown_artist(&id))?;
    Ok(Json(wire::artist(&artist)))
}

#[derive(Deserialize)]
pub struct SimilarQuery {
    k: Option<String>,
    algorithm: Option<String>,
}

pub async fn similar(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<SimilarQuery>,
) -> Result<Json<Value>, ApiError> {
    let k = match query.k.as_deref().map(str::parse::<usize>) {
        None => state.config().engine.k,
        Some(Ok(k)) if (1..=MAX_K).contains(&k) => k,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_k",
                format!("k must be a whole number from 1 to {MAX_K}"),
            ));
        }
    };
    let algorithm = match query.algorithm.as_deref().map(str::parse::<Algorithm>) {
        None => state.config().engine.algorithm.clone(),
        Some(Ok(a)) => a.name().to_string(),
        Some(Err(e)) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_algorithm",
                e.to_string(),
            ));
        }
    };
    let recommender = recommender(&state)?;
    let entry = recommender
        .entry_of(&id)
        .ok_or_else(|| unknown_artist(&id))?;
    match recommender.answer(&id, Resolution::Found { entry, exact: true }, &algorithm, k) {
        Ok(answer @ Answer::Found(_)) => Ok(Json(wire::answer(&answer))),
        Ok(Answer::Unknown { .. }) => Err(unknown_artist(&id)),
        Err(RecommendError::NoMart {
            algorithm,
            published,
        }) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_mart",
            format!("no similarity data for {algorithm} (published: {published})"),
        )),
        Err(e) => Err(ApiError::internal(e)),
    }
}
