//! The JSON shapes soundalike sends and receives, as typed serde structs: the REST API, the web
//! chat's reply, errors, and (for the OpenAPI document) the Kakao skill's envelope. Each is built
//! from domain types here, so a refactor inside a library never changes a wire format by
//! accident, and the OpenAPI document (`crate::openapi`) is derived from these same types. The
//! CLI's `--json` output uses them too.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use soundalike_chat::{Lang, Reply, ReplyBody};
use soundalike_recommend::{Answer, ArtistRef, Recommendation};
use utoipa::ToSchema;

/// A track to play.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Track {
    /// Spotify track id.
    pub id: String,
    /// Title.
    pub name: String,
    /// `https://open.spotify.com/track/<id>`.
    pub url: String,
}

fn tracks(artist: &ArtistRef) -> Vec<Track> {
    artist
        .tracks
        .iter()
        .map(|t| Track {
            id: t.id.clone(),
            name: t.name.clone(),
            url: t.url.clone(),
        })
        .collect()
}

/// An artist with its best-known tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Artist {
    /// Id (`nm_` and 16 hex digits for artists known by name, else the source's id).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique tracks known.
    pub track_count: i64,
    /// Its best-known tracks, most popular first.
    pub tracks: Vec<Track>,
}

impl From<&ArtistRef> for Artist {
    fn from(a: &ArtistRef) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            track_count: a.track_count,
            tracks: tracks(a),
        }
    }
}

/// The artist an answer is about, and whether the name matched exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MatchedArtist {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique tracks known.
    pub track_count: i64,
    /// Its best-known tracks.
    pub tracks: Vec<Track>,
    /// True when the name matched exactly (after normalisation), false for a forgiving match.
    pub exact_match: bool,
}

/// A similar artist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimilarArtist {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// 1 = nearest.
    #[schema(minimum = 1)]
    pub rank: i64,
    /// Similarity: higher is closer (relative, not a percentage).
    pub score: f64,
    /// Its best-known tracks.
    pub tracks: Vec<Track>,
}

fn similar(r: &Recommendation) -> Vec<SimilarArtist> {
    r.similar
        .iter()
        .map(|s| SimilarArtist {
            id: s.artist.id.clone(),
            name: s.artist.name.clone(),
            rank: s.rank,
            score: s.score,
            tracks: tracks(&s.artist),
        })
        .collect()
}

/// An artist and its nearest artists (`GET /api/v1/artists/{id}/similar`, `recommend --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Recommended {
    /// What was asked (the name typed, or the id).
    pub query: String,
    /// The artist.
    pub artist: MatchedArtist,
    /// The algorithm whose mart answered.
    pub algorithm: String,
    /// Nearest first.
    pub similar: Vec<SimilarArtist>,
}

/// A name suggested for an unknown query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Suggestion {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// No artist matched (`recommend --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotFound {
    /// What was asked.
    pub query: String,
    /// Always `unknown artist`.
    pub error: String,
    /// Names that might be meant, most likely first.
    pub suggestions: Vec<Suggestion>,
}

/// `recommend --json` and the similar-artists answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerBody {
    /// A known artist.
    Found(Recommended),
    /// Nothing close enough.
    Unknown(NotFound),
}

impl From<&Answer> for AnswerBody {
    fn from(answer: &Answer) -> Self {
        match answer {
            Answer::Found(r) => AnswerBody::Found(Recommended {
                query: r.query.clone(),
                artist: MatchedArtist {
                    id: r.artist.id.clone(),
                    name: r.artist.name.clone(),
                    track_count: r.artist.track_count,
                    tracks: tracks(&r.artist),
                    exact_match: r.exact,
                },
                algorithm: r.algorithm.clone(),
                similar: similar(r),
            }),
            Answer::Unknown { query, suggestions } => AnswerBody::Unknown(NotFound {
                query: query.clone(),
                error: "unknown artist".into(),
                suggestions: suggestions
                    .iter()
                    .map(|s| Suggestion {
                        id: s.id.clone(),
                        name: s.name.clone(),
                    })
                    .collect(),
            }),
        }
    }
}

/// `recommend --json` and the REST answer: `{"query","artist","algorithm","similar"}` or
/// `{"query","error","suggestions"}`.
pub fn answer(answer: &Answer) -> serde_json::Value {
    serde_json::to_value(AnswerBody::from(answer)).expect("wire types serialise")
}

/// How a search result matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// Same name (after normalisation, or an alias such as 방탄소년단 → BTS).
    Exact,
    /// The name starts with the query.
    Prefix,
    /// The name contains the query.
    Substring,
    /// The name is a few typos away.
    Typo,
    /// Nothing matched; a name that might be meant.
    Suggestion,
}

impl From<soundalike_core::resolve::MatchKind> for MatchKind {
    fn from(kind: soundalike_core::resolve::MatchKind) -> Self {
        use soundalike_core::resolve::MatchKind as Core;
        match kind {
            Core::Exact => MatchKind::Exact,
            Core::Prefix => MatchKind::Prefix,
            Core::Substring => MatchKind::Substring,
            Core::Typo => MatchKind::Typo,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArtistMatch {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Unique tracks known.
    pub track_count: i64,
    /// How it matched.
    #[serde(rename = "match")]
    pub kind: MatchKind,
}

/// `GET /api/v1/artists?q=`: matches best first (exact, prefix, substring, typo), or
/// suggestions when nothing matched (`found` false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ArtistSearch {
    /// What was searched.
    pub query: String,
    /// True when at least one artist matched; false when `artists` holds suggestions.
    pub found: bool,
    /// Best first.
    pub artists: Vec<ArtistMatch>,
}

/// A similarity algorithm's name (for the OpenAPI document; parsed by
/// `soundalike_similarity::Algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlgorithmName {
    /// The default: playlists, genres, audio, era and credits.
    Hybrid,
    /// The original project's audio-feature distance.
    Seed,
}

/// A language tag soundalike answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LangTag {
    /// Korean.
    Ko,
    /// English.
    En,
}

impl From<Lang> for LangTag {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Ko => LangTag::Ko,
            Lang::En => LangTag::En,
        }
    }
}

impl From<LangTag> for Lang {
    fn from(tag: LangTag) -> Self {
        match tag {
            LangTag::Ko => Lang::Ko,
            LangTag::En => Lang::En,
        }
    }
}

/// `POST /api/v1/chat`: one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatRequest {
    /// What the person typed.
    #[schema(max_length = 500)]
    pub message: String,
    /// The reply's language; guessed from the message when absent.
    #[serde(default)]
    pub lang: Option<LangTag>,
    /// The `context` of the previous reply, sent back as received: follow-ups ("more",
    /// "faster", "not this artist") continue from it. A value that is not one is ignored.
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub context: Option<String>,
}

/// A recommended track with the reason it was picked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PickedTrack {
    /// Spotify track id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Artist.
    pub artist: String,
    /// `https://open.spotify.com/track/<id>`.
    pub url: String,
    /// One short reason, in the reply's language.
    pub reason: String,
}

/// A song: title and artist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Song {
    /// Title.
    pub title: String,
    /// Artist.
    pub artist: String,
}

/// A button that sends a message back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuickReply {
    /// What the button shows.
    pub label: String,
    /// What it sends.
    pub message: String,
}

/// What a reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// An artist and similar artists.
    Recommendation,
    /// No artist matched; suggestions.
    Unknown,
    /// How to use the bot.
    Help,
    /// Not ready or failed: try again later.
    Unavailable,
    /// The message was longer than the bot reads.
    TooLong,
    /// Tracks for a request (songs, genres, moods, eras, several seeds, follow-ups).
    Tracks,
    /// Several songs have the title asked for: `choices` lists them.
    Choices,
    /// The catalog has no music of the kind asked for; `alternatives` are the nearest kinds.
    NotInCatalog,
    /// Small talk.
    SmallTalk,
}

/// One chat reply (the web page and `POST /api/v1/chat`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChatReply {
    /// What the reply is.
    pub kind: ReplyKind,
    /// Its language.
    pub lang: LangTag,
    /// Short plain text.
    pub text: String,
    /// Follow-up buttons.
    pub quick_replies: Vec<QuickReply>,
    /// The artist (recommendations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<Artist>,
    /// The algorithm that answered (recommendations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// Similar artists, nearest first (recommendations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similar: Option<Vec<SimilarArtist>>,
    /// What was asked (unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Names that might be meant (unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<String>>,
    /// Recommended tracks, best first (tracks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<Vec<PickedTrack>>,
    /// Seed artists (tracks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Vec<String>>,
    /// The seed song (tracks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_track: Option<Song>,
    /// What was asked, in words (tracks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<Vec<String>>,
    /// The songs with the title asked for (choices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Song>>,
    /// The nearest kinds the catalog has (not_in_catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternatives: Option<Vec<String>>,
    /// The conversation so far: send it back with the next message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// A chat reply for the web page and `POST /api/v1/chat`.
pub fn reply(reply: &Reply) -> ChatReply {
    let mut out = ChatReply {
        kind: ReplyKind::Help,
        lang: reply.lang.into(),
        text: reply.text(),
        quick_replies: reply
            .quick_replies
            .iter()
            .map(|q| QuickReply {
                label: q.label.clone(),
                message: q.message.clone(),
            })
            .collect(),
        artist: None,
        algorithm: None,
        similar: None,
        query: None,
        suggestions: None,
        tracks: None,
        seeds: None,
        seed_track: None,
        about: None,
        choices: None,
        alternatives: None,
        context: reply.context.as_ref().map(|c| c.encode()),
    };
    let song = |(title, artist): &(String, String)| Song {
        title: title.clone(),
        artist: artist.clone(),
    };
    match &reply.body {
        ReplyBody::Recommendation(r) => {
            out.kind = ReplyKind::Recommendation;
            out.artist = Some(Artist::from(&r.artist));
            out.algorithm = Some(r.algorithm.clone());
            out.similar = Some(similar(r));
        }
        ReplyBody::Unknown { query, suggestions } => {
            out.kind = ReplyKind::Unknown;
            out.query = Some(query.clone());
            out.suggestions = Some(suggestions.clone());
        }
        ReplyBody::Tracks(t) => {
            out.kind = ReplyKind::Tracks;
            out.tracks = Some(
                t.tracks
                    .iter()
                    .map(|p| PickedTrack {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        artist: p.artist.clone(),
                        url: p.url.clone(),
                        reason: p.reason.clone(),
                    })
                    .collect(),
            );
            out.seeds = Some(t.seeds.clone());
            out.seed_track = t.seed_track.as_ref().map(song);
            out.about = Some(t.about.clone());
        }
        ReplyBody::Choices { options, .. } => {
            out.kind = ReplyKind::Choices;
            out.choices = Some(options.iter().map(song).collect());
        }
        ReplyBody::NotInCatalog { alternatives, .. } => {
            out.kind = ReplyKind::NotInCatalog;
            out.alternatives = Some(alternatives.clone());
        }
        ReplyBody::SmallTalk(_) => out.kind = ReplyKind::SmallTalk,
        ReplyBody::Help => out.kind = ReplyKind::Help,
        ReplyBody::Unavailable => out.kind = ReplyKind::Unavailable,
        ReplyBody::TooLong { .. } => out.kind = ReplyKind::TooLong,
    }
    out
}

/// `GET /readyz` when ready.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// Always true (not ready is a 503 error).
    pub ready: bool,
    /// Artists loaded.
    pub artists: usize,
}

/// The Kakao skill request (SkillPayload): the fields soundalike reads; everything else Kakao
/// sends is accepted and ignored. For the OpenAPI document; parsing is
/// `soundalike_chat::kakao::SkillRequest::parse`, which also takes snake_case duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkillPayload {
    /// The user's turn.
    #[serde(rename = "userRequest")]
    pub user_request: SkillUserRequest,
    /// The bot (its `id` is checked against the allow-list when one is set). Any JSON value is
    /// accepted: one that is not an object with a string `id` counts as no bot id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value)]
    pub bot: Option<SkillBot>,
    /// Live contexts: soundalike's own (`name: "soundalike"`, `params.state`) carries the
    /// conversation so far. Any JSON value is accepted; anything else is no context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value)]
    pub contexts: Option<serde_json::Value>,
}

/// `userRequest` of a SkillPayload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkillUserRequest {
    /// What the user typed (longer than the bot reads gets a polite reply).
    pub utterance: String,
    /// Kakao's language (`ko`). Any JSON value is accepted; one that is not a string is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Value)]
    pub lang: Option<String>,
    /// Where a late answer is POSTed, when the bot has callbacks on. Any JSON value is accepted;
    /// one that is not a string means no callback.
    #[schema(value_type = Value)]
    #[serde(
        rename = "callbackUrl",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
}

/// `bot` of a SkillPayload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkillBot {
    /// The bot id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// A SkillResponse 2.0 (rendered by `soundalike_chat::kakao::render`; the template is Kakao's
/// documented output/quick-reply tree, checked against every documented limit by
/// `soundalike_chat::kakao::validate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SkillResponse {
    /// Always `2.0`.
    pub version: String,
    /// The answer (absent on a callback acknowledgement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub template: Option<serde_json::Map<String, serde_json::Value>>,
    /// True when the answer will come through the callback URL.
    #[serde(
        rename = "useCallback",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub use_callback: Option<bool>,
    /// The acknowledgement text shown meanwhile (with `useCallback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Map<String, serde_json::Value>>,
    /// Output contexts (`values: [{name, lifeSpan, params: {state}}]`): the conversation so
    /// far, which Kakao sends back with the next turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub context: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The error body: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable (`missing_query`, `unknown_artist`, `rate_limited`, ...).
    pub code: String,
    /// For people.
    pub message: String,
}

/// An error answer: `{"error": {"code", "message"}}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a stable machine-readable `code` and a human message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
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
        .retry_after(2)
    }

    /// Ask the client to wait this many seconds (`Retry-After`).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
