//! SkillPayload parsing: tolerant of unknown and snake_case duplicate fields; only
//! `userRequest.utterance` is required.

use serde_json::Value;

/// What soundalike needs from a SkillPayload.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRequest {
    /// What the user typed.
    pub utterance: String,
    /// `userRequest.lang` (Kakao sends `ko`).
    pub lang: Option<String>,
    /// `userRequest.callbackUrl`, when the bot has callbacks enabled.
    pub callback_url: Option<String>,
    /// `bot.id`.
    pub bot_id: Option<String>,
    /// `userRequest.user.id` (botUserKey).
    pub user_id: Option<String>,
    /// The conversation state from soundalike's output context, when Kakao sent it back.
    pub context: Option<crate::Context>,
}

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PayloadError {
    /// Not JSON at all.
    #[error("the body is not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but without `userRequest.utterance` as a string.
    #[error("the payload has no userRequest.utterance string")]
    NoUtterance,
}

fn field<'a>(value: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    value.get(camel).or_else(|| value.get(snake))
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

/// The fields soundalike reads, typed, so serde skips everything else without building it.
#[derive(serde::Deserialize)]
struct Payload {
    #[serde(rename = "userRequest")]
    user_request: Option<UserRequest>,
    bot: Option<Identified>,
    #[serde(default)]
    contexts: Value,
}

/// soundalike's context among those Kakao sends back: `contexts: [{name, params: {state:
/// {value} | "..."}}]`. Anything else (other names, other shapes) is no context.
fn our_context(contexts: &Value) -> Option<crate::Context> {
    contexts.as_array()?.iter().find_map(|c| {
        if c.get("name")?.as_str()? != super::CONTEXT_NAME {
            return None;
        }
        let state = c.get("params")?.get("state")?;
        let text = state
            .as_str()
            .or_else(|| state.get("value").and_then(Value::as_str))
            .or_else(|| state.get("resolvedValue").and_then(Value::as_str))?;
        crate::Context::decode(text)
    })
}

#[derive(serde::Deserialize)]
struct UserRequest {
    utterance: Option<String>,
    lang: Option<String>,
    #[serde(rename = "callbackUrl")]
    callback_url: Option<String>,
    user: Option<Identified>,
}

#[derive(serde::Deserialize)]
struct Identified {
    id: Option<String>,
}

impl SkillRequest {
    /// Parse a request body.
    pub fn parse(body: &[u8]) -> Result<Self, PayloadError> {
        // The fast path takes the documented shape; anything else (snake_case duplicates only,
        // odd types) goes through the tolerant reader below.
        if let Ok(Payload {
            user_request: Some(request),
            bot,
            contexts,
        }) = serde_json::from_slice::<Payload>(body)
            && let Some(utterance) = request.utterance
        {
            return Ok(Self {
                utterance,
                lang: request.lang,
                callback_url: request.callback_url,
                bot_id: bot.and_then(|b| b.id),
                user_id: request.user.and_then(|u| u.id),
                context: our_context(&contexts),
            });
        }
        Self::parse_tolerant(body)
    }

    fn parse_tolerant(body: &[u8]) -> Result<Self, PayloadError> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| PayloadError::NotJson(e.to_string()))?;
        let user_request =
            field(&value, "userRequest", "user_request").ok_or(PayloadError::NoUtterance)?;
        let utterance = text(user_request.get("utterance")).ok_or(PayloadError::NoUtterance)?;
        Ok(Self {
            utterance,
            lang: text(user_request.get("lang")),
            callback_url: text(field(user_request, "callbackUrl", "callback_url")),
            bot_id: text(value.get("bot").and_then(|b| b.get("id"))),
            user_id: text(user_request.get("user").and_then(|u| u.get("id"))),
            context: value.get("contexts").and_then(our_context),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_shaped_payload_and_ignores_the_rest() {
        let body = br#"{"intent":{"id":"i1","name":"skill","extra":{"reason":{"code":1,"message":"OK"}}},
          "userRequest":{"timezone":"Asia/Seoul","block":{"id":"b","name":"b"},"utterance":"Coldplay\n",
            "lang":"ko","user":{"id":"u123","type":"botUserKey","properties":{"botUserKey":"u123"}},
            "params":{"surface":"BuilderBotTest"},"callbackUrl":"https://bot-api.kakao.com/cb/1"},
          "bot":{"id":"bot-1","name":"soundalike"},"action":{"id":"a","name":"a","params":{},
            "detailParams":{},"clientExtra":{}},"contexts":[],"flow":{"trigger":{"type":"TEXT_INPUT"}},
          "user_request":{"utterance":"ignored duplicate"},"somethingNew":[1,2,3]}"#;
        let r = SkillRequest::parse(body).unwrap();
        assert_eq!(r.utterance, "Coldplay\n");
        assert_eq!(r.lang.as_deref(), Some("ko"));
        assert_eq!(
            r.callback_url.as_deref(),
            Some("https://bot-api.kakao.com/cb/1")
        );
        assert_eq!(r.bot_id.as_deref(), Some("bot-1"));
        assert_eq!(r.user_id.as_deref(), Some("u123"));
    }

    #[test]
    fn refuses_what_is_not_a_payload() {
        assert!(matches!(
            SkillRequest::parse(b"{not json"),
            Err(PayloadError::NotJson(_))
        ));
        assert_eq!(SkillRequest::parse(b"{}"), Err(PayloadError::NoUtterance));
        assert_eq!(
            SkillRequest::parse(br#"{"userRequest":{"utterance":5}}"#),
            Err(PayloadError::NoUtterance)
        );
        assert_eq!(SkillRequest::parse(b"[]"), Err(PayloadError::NoUtterance));
        let snake = SkillRequest::parse(br#"{"user_request":{"utterance":"BTS"}}"#).unwrap();
        assert_eq!(snake.utterance, "BTS");
        // Odd types elsewhere do not matter as long as the utterance is there.
        let odd = SkillRequest::parse(
            br#"{"userRequest":{"utterance":"BTS","user":"x","lang":1},"bot":[]}"#,
        )
        .unwrap();
        assert_eq!(
            (odd.utterance.as_str(), odd.lang, odd.bot_id),
            ("BTS", None, None)
        );
    }
}
