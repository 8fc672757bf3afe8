//! JSON shapes soundalike sends: built by hand from domain types so a refactor inside a library
//! never changes a wire format by accident. The CLI's `--json` output uses these too.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use soundalike_chat::{Reply, ReplyBody};
use soundalike_recommend::{Answer, ArtistRef, Recommendation};

/// A track list.
pub fn tracks(artist: &ArtistRef) -> Value {
    artist
        .tracks
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name, "url": t.url}))
        .collect()
}

/// An artist with its tracks.
pub fn artist(a: &ArtistRef) -> Value {
    json!({"id": a.id, "name": a.name, "track_count": a.track_count, "tracks": tracks(a)})
}

fn similar(r: &Recommendation) -> Value {
    r.similar
        .iter()
        .map(|s| {
            json!({"id": s.artist.id, "name": s.artist.name, "rank": s.rank, "score": s.score,
                   "tracks": tracks(&s.artist)})
        })
        .collect()
}

/// `recommend --json` and the REST answer: `{"query","artist","algorithm","similar"}` or
/// `{"query","error","suggestions"}`.
pub fn answer(answer: &Answer) -> Value {
    match answer {
        Answer::Found(r) => {
            let mut a = artist(&r.artist);
            a["exact_match"] = json!(r.exact);
            json!({"query": r.query, "artist": a, "algorithm": r.algorithm, "similar": similar(r)})
        }
        Answer::Unknown { query, suggestions } => json!({
            "query": query,
            "error": "unknown artist",
            "suggestions": suggestions.iter().map(|s| json!({"id": s.id, "name": s.name})).collect::<Vec<_>>(),
        }),
    }
}

/// A chat reply for the web page and `POST /api/v1/chat`.
pub fn reply(reply: &Reply) -> Value {
    let mut out = json!({
        "lang": reply.lang.tag(),
        "text": reply.text(),
        "quick_replies": reply.quick_replies.iter().map(|q| json!({"label": q.label, "message": q.message})).collect::<Vec<_>>(),
    });
    match &reply.body {
        ReplyBody::Recommendation(r) => {
            out["kind"] = json!("recommendation");
            out["artist"] = artist(&r.artist);
            out["algorithm"] = json!(r.algorithm);
            out["similar"] = similar(r);
        }
        ReplyBody::Unknown { query, suggestions } => {
            out["kind"] = json!("unknown");
            out["query"] = json!(query);
            out["suggestions"] = json!(suggestions);
        }
        ReplyBody::Help => out["kind"] = json!("help"),
        ReplyBody::Unavailable => out["kind"] = json!("unavailable"),
    }
    out
}

/// An error answer: `{"error": {"code", "message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    /// An error with a stable machine-readable `code` and a human message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// An unexpected failure: logged in full, answered without details.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong",
        )
    }

    /// The service has no data loaded yet.
    pub fn warming_up() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "warming_up",
            "the similarity data is still being built",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"error": {"code": self.code, "message": self.message}})),
        )
            .into_response()
    }
}
