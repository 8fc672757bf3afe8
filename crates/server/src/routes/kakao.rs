//! `POST /kakao/skill`: the Kakao i Open Builder skill webhook.
//!
//! Kakao waits 5 seconds. An answer that takes longer than the budget is, when the request carries
//! `userRequest.callbackUrl`, acknowledged at once with `useCallback: true` and POSTed to that URL
//! when ready (once, within Kakao's one minute); without a callback URL the user gets a polite
//! "try again" reply.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;
use soundalike_chat::kakao::{SkillRequest, callback_ack, render};
use soundalike_chat::{Lang, Reply, ReplyBody};
use tokio::task::JoinHandle;

use super::{Answered, answer, read_body};
use crate::AppState;
use crate::wire::ApiError;

/// How long a late answer may still take: Kakao accepts the callback for one minute, and the
/// POST itself needs a moment.
const CALLBACK_DEADLINE: Duration = Duration::from_secs(50);

fn unauthorized(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", why)
}

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
    let understood = engine.understand(&skill.utterance);
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

/// POST the late answer to Kakao's callback URL, once.
async fn deliver(state: AppState, url: String, task: JoinHandle<Reply>, lang: Lang) {
    let reply = match tokio::time::timeout(CALLBACK_DEADLINE, task).await {
        Ok(Ok(reply)) => reply,
        _ => Reply::unavailable(lang),
    };
    match state.http().post(&url).json(&render(&reply)).send().await {
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
