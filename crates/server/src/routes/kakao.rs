//! `POST /kakao/skill`: the Kakao i Open Builder skill webhook.
//!
//! Kakao waits 5 seconds. An answer that takes longer than the budget is, when the request carries
//! `userRequest.callbackUrl`, acknowledged at once with `useCallback: true` and POSTed to that URL
//! when ready (once, within Kakao's one minute); without a callback URL the user gets a polite
//! "try again" reply.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use tokio::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;
use soundalike_chat::kakao::{SkillRequest, callback_ack, render};
use soundalike_chat::{Lang, Reply, ReplyBody};
use tokio::task::JoinHandle;

use super::{Answered, answer, read_body, understand};
use crate::AppState;
use crate::wire::{ApiError, ErrorBody, SkillPayload, SkillResponse};

/// Kakao accepts a callback for one minute after the acknowledgement: finishing the answer and
/// posting it both happen within this window, counted from the acknowledgement.
const CALLBACK_WINDOW: Duration = Duration::from_secs(55);
/// The part of the window kept for the POST itself.
const CALLBACK_POST: Duration = Duration::from_secs(10);

fn unauthorized(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", why)
}

/// The Kakao i Open Builder skill webhook: a SkillPayload in, a SkillResponse 2.0 out. Optional
/// shared-secret header and `bot.id` allow-list; an utterance over 500 characters gets a polite
/// reply.
#[utoipa::path(post, path = "/kakao/skill", tag = "kakao", request_body = SkillPayload,
    responses(
        (status = 200, description = "SkillResponse 2.0 (or a callback acknowledgement)", body = SkillResponse),
        (status = 400, description = "Not a SkillPayload", body = ErrorBody),
        (status = 401, description = "Wrong secret or bot", body = ErrorBody),
        (status = 408, description = "The body did not arrive in time", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 503, description = "Overloaded", body = ErrorBody),
    ))]
pub async fn skill(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let security = &state.config().kakao;
    if let (Some(header), Some(secret)) = (&security.secret_header, &security.secret) {
        let given = request
            .headers()
            .get(header.as_str())
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !secret.matches(given) {
            return Err(unauthorized("missing or wrong skill secret"));
        }
    }
    let body = read_body(&state, request.into_body()).await?;
    let skill = SkillRequest::parse(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_payload", e.to_string()))?;
    if !security.bot_ids.is_empty()
        && !skill
            .bot_id
            .as_ref()
            .is_some_and(|id| security.bot_ids.contains(id))
    {
        return Err(unauthorized("this bot is not allowed"));
    }
    // Kakao's `lang` decides the wording; Korean when it says nothing.
    let lang = skill
        .lang
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(Lang::Ko);
    let Some((engine, rendered)) = state.snapshot() else {
        return Ok(Json(render(&Reply::unavailable(lang))).into_response());
    };
    let understood = understand(&engine, &skill.utterance, skill.context.clone()).await;
    let artist = understood.artist();
    if let Some(body) = artist.and_then(|artist| rendered.get(artist, lang)) {
        state.metrics().recommendation();
        return Ok(json_body(body));
    }
    match answer(&state, engine, understood, lang).await {
        Answered::Now(reply) => {
            let body = Bytes::from(serde_json::to_vec(&render(&reply)).map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "render", e.to_string())
            })?);
            if let (Some(artist), ReplyBody::Recommendation(_)) = (artist, &reply.body) {
                rendered.put(artist, lang, body.clone());
            }
            Ok(json_body(body))
        }
        Answered::Late(task) => match skill
            .callback_url
            .filter(|url| security.callback_allowed(url))
        {
            Some(url) => {
                tokio::spawn(deliver(state.clone(), url, task, lang));
                Ok(Json(callback_ack(lang)).into_response())
            }
            None => {
                task.abort();
                Ok(Json(render(&Reply::unavailable(lang))).into_response())
            }
        },
    }
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Kakao answers about known artists, rendered once per snapshot: such an answer depends only on
/// the artist and the language, and building and rendering it is most of a webhook call's work.
/// The state drops it with its snapshot, so an answer never outlives the data it came from.
#[derive(Default)]
pub(crate) struct RenderedAnswers {
    by_artist: RwLock<HashMap<(usize, Lang), Bytes>>,
}

impl RenderedAnswers {
    /// Answers kept at most (a few KB each); past it, new ones are rendered per request.
    const MAX: usize = 8192;

    fn get(&self, artist: usize, lang: Lang) -> Option<Bytes> {
        let by_artist = self.by_artist.read().expect("rendered answers lock");
        by_artist.get(&(artist, lang)).cloned()
    }

    fn put(&self, artist: usize, lang: Lang, body: Bytes) {
        let mut by_artist = self.by_artist.write().expect("rendered answers lock");
        if by_artist.len() < Self::MAX {
            by_artist.insert((artist, lang), body);
        }
    }
}

/// POST the late answer to Kakao's callback URL: once, without following redirects, and all of
/// it within Kakao's window (an answer not ready in time is replaced by "try again").
async fn deliver(state: AppState, url: String, mut task: JoinHandle<Reply>, lang: Lang) {
    let deadline = Instant::now() + CALLBACK_WINDOW;
    let reply = match tokio::time::timeout_at(deadline - CALLBACK_POST, &mut task).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(_)) => Reply::unavailable(lang),
        Err(_) => {
            task.abort();
            Reply::unavailable(lang)
        }
    };
    let left = deadline.saturating_duration_since(Instant::now());
    let sent = state
        .http()
        .post(&url)
        .timeout(left)
        .json(&render(&reply))
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_redirection() => {
            tracing::warn!(status = %response.status(), "callback answered with a redirect; not followed")
        }
        Ok(response) if response.status().is_success() => {
            // Kakao answers {taskId, status: SUCCESS|FAIL|ERROR, message}.
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if body["status"] != "SUCCESS" {
                tracing::warn!(status = %body["status"], message = %body["message"], "callback not accepted");
            }
        }
        Ok(response) => tracing::warn!(status = %response.status(), "callback refused"),
        Err(error) => tracing::warn!(%error, "callback failed"),
    }
}
