//! Reply → SkillResponse 2.0. Every text is clipped to its limit here, so any reply renders valid.
//! The response is a typed tree serialised straight to bytes (no intermediate JSON value): this
//! is the webhook's hot path.

use serde::Serialize;
use serde_json::{Value, json};

use super::*;
use crate::{Lang, Reply, ReplyBody, clip};

/// A SkillResponse with a template (what every non-callback answer is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillResponse {
    version: &'static str,
    template: Template,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<ContextControl>,
}

/// Output contexts: the conversation state Kakao sends back with the next turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct ContextControl {
    values: Vec<ContextValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ContextValue {
    name: &'static str,
    life_span: u32,
    params: ContextParams,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ContextParams {
    state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct Template {
    outputs: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    quick_replies: Vec<QuickReplyButton>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
enum Component {
    SimpleText {
        text: String,
    },
    Carousel {
        #[serde(rename = "type")]
        kind: &'static str,
        items: Vec<ListCard>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ListCard {
    header: Header,
    items: Vec<ListItem>,
    buttons: Vec<MessageButton>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Header {
    title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ListItem {
    title: String,
    description: String,
    link: Link,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Link {
    web: String,
}

/// A button or quick reply that sends a message back.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageButton {
    label: String,
    action: &'static str,
    message_text: String,
}

type QuickReplyButton = MessageButton;

fn message(label: &str, label_max: usize, text: &str) -> MessageButton {
    MessageButton {
        label: clip(label, label_max),
        action: "message",
        message_text: clip(text, SIMPLE_TEXT_MAX),
    }
}

fn simple_text(text: &str) -> Component {
    Component::SimpleText {
        text: clip(text, SIMPLE_TEXT_MAX),
    }
}

/// The SkillResponse for a reply.
pub fn render(reply: &Reply) -> SkillResponse {
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
                let label = if ko {
                    "비슷한 아티스트"
                } else {
                    "More like this"
                };
                let cards: Vec<ListCard> = r
                    .similar
                    .iter()
                    .take(CAROUSEL_LIST_CARDS_MAX)
                    .filter(|s| !s.artist.tracks.is_empty())
                    .map(|s| ListCard {
                        header: Header {
                            title: clip(&format!("{}. {}", s.rank, s.artist.name), TITLE_MAX),
                        },
                        items: s
                            .artist
                            .tracks
                            .iter()
                            .take(LIST_ITEMS_IN_CAROUSEL_MAX)
                            .map(|t| ListItem {
                                title: clip(&t.name, TITLE_MAX),
                                description: clip(&s.artist.name, ITEM_DESCRIPTION_MAX),
                                link: Link { web: t.url.clone() },
                            })
                            .collect(),
                        buttons: vec![message(label, BUTTON_LABEL_MAX, &s.artist.name)],
                    })
                    .collect();
                let mut outputs = vec![simple_text(&intro)];
                if !cards.is_empty() {
                    outputs.push(Component::Carousel {
                        kind: "listCard",
                        items: cards,
                    });
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
        ReplyBody::Tracks(t) if !t.tracks.is_empty() => {
            let intro = match reply.lang {
                Lang::Ko => format!("🎵 {} 추천곡이에요 👇", t.about.join(" · ")),
                Lang::En => format!("🎵 {} 👇", t.about.join(" · ")),
            };
            let cards: Vec<ListCard> = t
                .tracks
                .chunks(LIST_ITEMS_IN_CAROUSEL_MAX)
                .take(CAROUSEL_LIST_CARDS_MAX)
                .enumerate()
                .map(|(i, chunk)| ListCard {
                    header: Header {
                        title: clip(&t.about.join(" · "), TITLE_MAX),
                    },
                    items: chunk
                        .iter()
                        .enumerate()
                        .map(|(j, p)| ListItem {
                            title: clip(
                                &format!("{}. {}", i * LIST_ITEMS_IN_CAROUSEL_MAX + j + 1, p.title),
                                TITLE_MAX,
                            ),
                            description: clip(
                                &format!("{} · {}", p.artist, p.reason),
                                ITEM_DESCRIPTION_MAX,
                            ),
                            link: Link { web: p.url.clone() },
                        })
                        .collect(),
                    buttons: vec![message(
                        if ko { "더 보기" } else { "More" },
                        BUTTON_LABEL_MAX,
                        if ko { "더 보여줘" } else { "more" },
                    )],
                })
                .collect();
            vec![
                simple_text(&intro),
                Component::Carousel {
                    kind: "listCard",
                    items: cards,
                },
            ]
        }
        ReplyBody::Tracks(_)
        | ReplyBody::Choices { .. }
        | ReplyBody::NotInCatalog { .. }
        | ReplyBody::SmallTalk(_)
        | ReplyBody::Help
        | ReplyBody::Unavailable
        | ReplyBody::TooLong { .. } => {
            vec![simple_text(&reply.text())]
        }
    };
    let quick_replies = reply
        .quick_replies
        .iter()
        .take(QUICK_REPLIES_MAX)
        .map(|q| message(&q.label, QUICK_REPLY_LABEL_MAX, &q.message))
        .collect();
    SkillResponse {
        version: "2.0",
        template: Template {
            outputs,
            quick_replies,
        },
        context: reply.context.as_ref().map(|c| ContextControl {
            values: vec![ContextValue {
                name: CONTEXT_NAME,
                life_span: CONTEXT_LIFE_SPAN,
                params: ContextParams { state: c.encode() },
            }],
        }),
    }
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
