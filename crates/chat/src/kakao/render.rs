//! Reply → SkillResponse 2.0. Every text is clipped to its limit here, so any reply renders valid.

use serde_json::{Value, json};

use super::*;
use crate::{Lang, Reply, ReplyBody, clip};

fn simple_text(text: &str) -> Value {
    json!({"simpleText": {"text": clip(text, SIMPLE_TEXT_MAX)}})
}

fn quick_replies(reply: &Reply) -> Vec<Value> {
    reply
        .quick_replies
        .iter()
        .take(QUICK_REPLIES_MAX)
        .map(|q| {
            json!({"label": clip(&q.label, QUICK_REPLY_LABEL_MAX), "action": "message",
                   "messageText": clip(&q.message, SIMPLE_TEXT_MAX)})
        })
        .collect()
}

/// The SkillResponse for a reply.
pub fn render(reply: &Reply) -> Value {
    let ko = reply.lang == Lang::Ko;
    let outputs = match &reply.body {
        ReplyBody::Recommendation(r) => {
            let mut intro = format!("🎵 {}", r.artist.name);
            if !r.artist.tracks.is_empty() {
                let names: Vec<&str> = r.artist.tracks.iter().map(|t| t.name.as_str()).collect();
                intro.push_str(if ko {
                    "\n대표곡: "
                } else {
                    "\nTop tracks: "
                });
                intro.push_str(&names.join(", "));
            }
            if r.similar.is_empty() {
                intro.push_str(if ko {
                    "\n\n아직 비슷한 아티스트를 찾지 못했어요."
                } else {
                    "\n\nNo similar artists yet."
                });
                vec![simple_text(&intro)]
            } else {
                intro.push_str(&if ko {
                    format!("\n\n{}와(과) 비슷한 아티스트예요 👇", r.artist.name)
                } else {
                    format!("\n\nArtists similar to {} 👇", r.artist.name)
                });
                let cards: Vec<Value> = r
                    .similar
                    .iter()
                    .take(CAROUSEL_LIST_CARDS_MAX)
                    .map(|s| {
                        let items: Vec<Value> = s
                            .artist
                            .tracks
                            .iter()
                            .take(LIST_ITEMS_IN_CAROUSEL_MAX)
                            .map(|t| {
                                json!({"title": clip(&t.name, TITLE_MAX),
                                       "description": clip(&s.artist.name, ITEM_DESCRIPTION_MAX),
                                       "link": {"web": t.url}})
                            })
                            .collect();
                        let label = if ko { "비슷한 아티스트" } else { "More like this" };
                        json!({
                            "header": {"title": clip(&format!("{}. {}", s.rank, s.artist.name), TITLE_MAX)},
                            "items": items,
                            "buttons": [{"label": clip(label, BUTTON_LABEL_MAX), "action": "message",
                                         "messageText": clip(&s.artist.name, SIMPLE_TEXT_MAX)}],
                        })
                    })
                    .filter(|card| card["items"].as_array().is_some_and(|i| !i.is_empty()))
                    .collect();
                let mut outputs = vec![simple_text(&intro)];
                if !cards.is_empty() {
                    outputs.push(json!({"carousel": {"type": "listCard", "items": cards}}));
                }
                outputs
            }
        }
        ReplyBody::Unknown { suggestions, .. } => {
            let mut text = reply.text();
            if suggestions.is_empty() {
                text = format!(
                    "{}\n\n{}",
                    text.lines().next().unwrap_or_default(),
                    Reply::help(reply.lang).text()
                );
            }
            vec![simple_text(&text)]
        }
        ReplyBody::Help | ReplyBody::Unavailable => vec![simple_text(&reply.text())],
    };
    let mut template = json!({"outputs": outputs});
    let quick = quick_replies(reply);
    if !quick.is_empty() {
        template["quickReplies"] = Value::Array(quick);
    }
    json!({"version": "2.0", "template": template})
}

/// The immediate answer of the callback flow: Kakao shows `text` while the full answer is
/// prepared and POSTed to the callback URL.
pub fn callback_ack(lang: Lang) -> Value {
    let text = if lang == Lang::Ko {
        "추천을 찾고 있어요. 잠시만 기다려 주세요!"
    } else {
        "Looking for recommendations, one moment!"
    };
    json!({"version": "2.0", "useCallback": true, "data": {"text": text}})
}
