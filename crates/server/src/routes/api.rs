//! The REST API under `/api/v1`. Each handler carries its OpenAPI description
//! (`#[utoipa::path]`); [`ApiDoc`] gathers them with the wire types into the served document.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use soundalike_core::Resolution;
use soundalike_recommend::{Answer, RecommendError, Recommender};
use soundalike_similarity::Algorithm;

use super::{converse, read_body};
use crate::AppState;
use crate::wire::{
    self, AnswerBody, ApiError, ArtistMatch, ArtistSearch, ChatReply, ChatRequest, ErrorBody,
    MatchKind, Recommended,
};

/// Most similar artists one request may ask for.
pub const MAX_K: usize = 50;
/// Most search results one request may ask for.
pub const MAX_LIMIT: usize = 50;
/// Search results by default.
const DEFAULT_LIMIT: usize = 10;
/// Longest chat message, in characters (the engine reads no more).
pub const MAX_MESSAGE: usize = soundalike_chat::MAX_UTTERANCE_CHARS;
/// Longest `context` accepted, in characters (the engine writes at most this many bytes).
pub const MAX_CONTEXT: usize = soundalike_chat::request::MAX_CONTEXT_BYTES;
/// Longest search query, in characters.
pub const MAX_QUERY: usize = 200;

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
        format!("no artist with id {}", soundalike_chat::clip(id, 100)),
    )
}

/// Query parameters, refused with the JSON error shape (not axum's plain text) when they do not
/// parse, e.g. a parameter given twice.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e: QueryRejection| {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_query", e.body_text())
            })
    }
}

/// A path segment, refused with the JSON error shape when it does not decode.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| ApiPath(p))
            .map_err(|e: PathRejection| {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_path", e.body_text())
            })
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "api",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object)))]
pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::openapi_json(),
    )
        .into_response()
}

/// One chat turn (the web page's endpoint).
#[utoipa::path(post, path = "/api/v1/chat", tag = "api", request_body = ChatRequest,
    responses(
        (status = 200, description = "A reply", body = ChatReply),
        (status = 400, description = "Not a chat request (bad JSON, unknown lang)", body = ErrorBody),
        (status = 408, description = "The body did not arrive in time", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "Message over 500 characters or context over 2048", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "Overloaded", body = ErrorBody),
    ))]
pub async fn chat(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<ChatReply>, ApiError> {
    let body = read_body(&state, request.into_body()).await?;
    let chat: ChatRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("expected {{\"message\": \"...\", \"lang\": \"ko\" | \"en\"}}: {e}"),
        )
    })?;
    if chat.message.chars().nth(MAX_MESSAGE).is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "message_too_long",
            format!("messages are limited to {MAX_MESSAGE} characters"),
        ));
    }
    if chat
        .context
        .as_deref()
        .is_some_and(|c| c.chars().nth(MAX_CONTEXT).is_some())
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "context_too_long",
            format!(
                "a context is at most {MAX_CONTEXT} characters: send back the one a reply gave"
            ),
        ));
    }
    let lang = chat.lang.map(Into::into);
    let context = chat
        .context
        .as_deref()
        .and_then(soundalike_chat::Context::decode);
    Ok(Json(wire::reply(
        &converse(&state, &chat.message, lang, context).await,
    )))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    limit: Option<String>,
}

/// A positive whole number up to `max` from a query parameter, or a JSON 400 with `code`.
fn bounded(
    value: Option<&str>,
    default: usize,
    max: usize,
    code: &'static str,
    name: &str,
) -> Result<usize, ApiError> {
    match value.map(str::parse::<usize>) {
        None => Ok(default),
        Some(Ok(n)) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("{name} must be a whole number from 1 to {max}"),
        )),
    }
}

/// Find artists by name: exact, then names starting with the query, containing it, then a few
/// typos away (case, spacing, accents and Korean aliases forgiven); suggestions when nothing
/// matches.
#[utoipa::path(get, path = "/api/v1/artists", tag = "api",
    params(
        ("q" = String, Query, description = "A name or part of one", min_length = 1, max_length = 200),
        ("limit" = Option<u32>, Query, description = "Results at most (default 10)", minimum = 1, maximum = 50),
    ),
    responses(
        (status = 200, description = "Matches best first, or suggestions when found is false", body = ArtistSearch),
        (status = 400, description = "No q, q over 200 characters, bad limit, or a parameter given twice", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "Warming up or overloaded", body = ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<ArtistSearch>, ApiError> {
    let q = query.q.filter(|q| !q.is_empty()).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "missing_query",
            "give the name to search as ?q=",
        )
    })?;
    if q.chars().nth(MAX_QUERY).is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "query_too_long",
            format!("search queries are limited to {MAX_QUERY} characters"),
        ));
    }
    let limit = bounded(
        query.limit.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
        "bad_limit",
        "limit",
    )?;
    let recommender = recommender(&state)?;
    let hits: Vec<(usize, MatchKind)> = recommender
        .search(&q, limit)
        .into_iter()
        .map(|h| (h.entry, h.kind.into()))
        .collect();
    let found = !hits.is_empty();
    let entries = if found {
        hits
    } else {
        match recommender.resolve(&q) {
            Resolution::Found { entry, .. } => vec![(entry, MatchKind::Typo)],
            Resolution::Unknown { suggestions } => suggestions
                .into_iter()
                .map(|e| (e, MatchKind::Suggestion))
                .collect(),
        }
    };
    let artists = entries
        .into_iter()
        .filter_map(|(e, kind)| {
            recommender.artist_at(e).map(|a| ArtistMatch {
                id: a.artist_id.clone(),
                name: a.name.clone(),
                track_count: a.track_count,
                kind,
            })
        })
        .collect();
    Ok(Json(ArtistSearch {
        query: q,
        found,
        artists,
    }))
}

/// One artist with its top tracks.
#[utoipa::path(get, path = "/api/v1/artists/{id}", tag = "api",
    params(("id" = String, Path, description = "Artist id")),
    responses(
        (status = 200, description = "The artist", body = wire::Artist),
        (status = 404, description = "No such artist", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "Warming up or overloaded", body = ErrorBody),
    ))]
pub async fn artist(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<wire::Artist>, ApiError> {
    let recommender = recommender(&state)?;
    let artist = recommender.artist(&id).ok_or_else(|| unknown_artist(&id))?;
    Ok(Json(wire::Artist::from(&artist)))
}

#[derive(Deserialize)]
pub struct SimilarQuery {
    k: Option<String>,
    algorithm: Option<String>,
}

/// Similar artists with tracks, nearest first.
#[utoipa::path(get, path = "/api/v1/artists/{id}/similar", tag = "api",
    params(
        ("id" = String, Path, description = "Artist id"),
        ("k" = Option<u32>, Query, description = "Neighbours (default 10)", minimum = 1, maximum = 50),
        ("algorithm" = Option<wire::AlgorithmName>, Query, description = "Similarity algorithm (default hybrid)"),
    ),
    responses(
        (status = 200, description = "The artist and its neighbours", body = Recommended),
        (status = 400, description = "Bad k or algorithm", body = ErrorBody),
        (status = 404, description = "No such artist, or no data for the algorithm", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "Warming up or overloaded", body = ErrorBody),
    ))]
pub async fn similar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<SimilarQuery>,
) -> Result<Json<Recommended>, ApiError> {
    let k = bounded(
        query.k.as_deref(),
        state.config().engine.k,
        MAX_K,
        "bad_k",
        "k",
    )?;
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
        Ok(answer @ Answer::Found(_)) => match AnswerBody::from(&answer) {
            AnswerBody::Found(found) => Ok(Json(found)),
            AnswerBody::Unknown(_) => Err(unknown_artist(&id)),
        },
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

/// The OpenAPI document's parts: every handler's path and the wire types.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "soundalike",
        version = "1",
        description = "Music recommendations from artist similarity: the REST API, the web chat's endpoint, the Kakao skill webhook, and operations endpoints. Errors are JSON: {\"error\": {\"code\", \"message\"}}."
    ),
    paths(
        super::web::index,
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
        super::kakao::skill,
        chat,
        search,
        artist,
        similar,
        openapi,
    ),
    components(schemas(
        wire::AlgorithmName,
        wire::Track,
        wire::SimilarArtist,
        wire::MatchedArtist,
        wire::QuickReply,
        wire::LangTag,
        wire::ReplyKind,
        wire::PickedTrack,
        wire::Song,
        wire::ErrorDetail
    ))
)]
pub struct ApiDoc;
