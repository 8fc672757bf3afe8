//! `POST /kakao/skill`: the Kakao i Open Builder skill webhook.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use serde_json::Value;
use soundalike_chat::Lang;
use soundalike_chat::kakao::{SkillRequest, render};

use super::{converse, read_body};
use crate::AppState;
use crate::wire::ApiError;

fn unauthorized(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", why)
}

pub async fn skill(
    State(state): State<AppState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
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
    let reply = converse(&state, &skill.utterance, Some(lang)).await;
    Ok(Json(render(&reply)))
}
