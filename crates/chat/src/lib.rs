//! The conversation engine shared by every channel: an utterance becomes an [`Intent`], the
//! intent a channel-neutral [`Reply`] (artist, similar artists with tracks, suggestions, quick
//! replies). Channel adapters render a `Reply` in their own format: [`kakao`] for Kakao i Open
//! Builder skills; the web page and REST API use the reply model as JSON.
//!
//! **Invariant:** no HTTP and no SQL here; the engine asks `soundalike_recommend` for answers.
#![deny(missing_docs)]

pub mod intent;
pub mod kakao;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use soundalike_core::Resolution;
use soundalike_recommend::{Answer, ArtistRef, RecommendError, Recommendation, Recommender};

pub use intent::Intent;

/// The language replies are worded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Korean (Kakao's default).
    Ko,
    /// English.
    En,
}

impl Lang {
    /// From a language tag such as `ko`, `en-US`; unknown tags give `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("ko") {
            Some(Lang::Ko)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Korean when the text has Hangul, else English.
    pub fn guess(text: &str) -> Lang {
        let hangul = |c: char| {
            ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3130}'..='\u{318F}').contains(&c)
        };
        if text.chars().any(hangul) {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// `ko` or `en`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }
}

/// A button that sends a message back (Kakao quick reply, web chip).
#[derive(Debug, Clone, PartialEq)]
pub struct QuickReply {
    /// What the button shows (channels shorten it to their limits).
    pub label: String,
    /// What it sends.
    pub message: String,
}

/// What the bot says, before any channel formats it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    /// A known artist and its neighbours.
    Recommendation(Recommendation),
    /// No artist matched.
    Unknown {
        /// What was asked.
        query: String,
        /// Names that might be meant, most likely first.
        suggestions: Vec<String>,
    },
    /// How to use the bot.
    Help,
    /// The bot cannot answer now (still building its data, or a failure).
    Unavailable,
}

/// A reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Wording language.
    pub lang: Lang,
    /// The content.
    pub body: ReplyBody,
    /// Follow-up buttons.
    pub quick_replies: Vec<QuickReply>,
}

/// Example queries offered with help.
pub const EXAMPLES: [&str; 4] = [
    "Coldplay",
    "BTS 비슷한 노래",
    "Maroon 5",
    "songs like Daft Punk",
];

/// Most quick replies any reply carries.
pub const MAX_QUICK_REPLIES: usize = 10;

impl Reply {
    /// The help reply.
    pub fn help(lang: Lang) -> Reply {
        let quick_replies = EXAMPLES
            .iter()
            .map(|e| QuickReply {
                label: e.to_string(),
                message: e.to_string(),
            })
            .collect();
        Reply {
            lang,
            body: ReplyBody::Help,
            quick_replies,
        }
    }

    /// The "not now" reply.
    pub fn unavailable(lang: Lang) -> Reply {
        Reply {
            lang,
            body: ReplyBody::Unavailable,
            quick_replies: Vec::new(),
        }
    }

    fn from_answer(answer: Answer, lang: Lang, in_cards: usize) -> Reply {
        match answer {
            Answer::Found(r) => {
                // Artists beyond those shown as cards come first: they are the "next" ones.
                let names: Vec<&str> = r.similar.iter().map(|s| s.artist.name.as_str()).collect();
                let (shown, rest) = names.split_at(in_cards.min(names.len()));
                let quick_replies = rest
                    .iter()
                    .chain(shown)
                    .take(MAX_QUICK_REPLIES)
                    .map(|n| QuickReply {
                        label: n.to_string(),
                        message: n.to_string(),
                    })
                    .collect();
                Reply {
                    lang,
                    body: ReplyBody::Recommendation(r),
                    quick_replies,
                }
            }
            Answer::Unknown { query, suggestions } => {
                let names: Vec<String> = suggestions.into_iter().map(|s| s.name).collect();
                let quick_replies = names
                    .iter()
                    .map(|n| QuickReply {
                        label: n.clone(),
                        message: n.clone(),
                    })
                    .collect();
                Reply {
                    lang,
                    body: ReplyBody::Unknown {
                        query,
                        suggestions: names,
                    },
                    quick_replies,
                }
            }
        }
    }

    /// Short plain text of the reply (logs, plain-text channels).
    pub fn text(&self) -> String {
        match (&self.body, self.lang) {
            (ReplyBody::Recommendation(r), Lang::Ko) => format!(
                "{}와(과) 비슷한 아티스트: {}",
                r.artist.name,
                r.similar.iter().map(|s| s.artist.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            (ReplyBody::Recommendation(r), Lang::En) => format!(
                "Artists like {}: {}",
                r.artist.name,
                r.similar.iter().map(|s| s.artist.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            (ReplyBody::Unknown { query, .. }, Lang::Ko) => {
                format!("'{query}'에 해당하는 아티스트를 찾지 못했어요. 혹시 이 중에 있나요?")
            }
            (ReplyBody::Unknown { query, .. }, Lang::En) => {
                format!("I don't know an artist called \"{query}\". Did you mean one of these?")
            }
            (ReplyBody::Help, Lang::Ko) => "좋아하는 아티스트 이름을 보내 주세요. 비슷한 아티스트의 노래를 추천해 드려요.\n예) Coldplay, BTS 비슷한 노래".into(),
            (ReplyBody::Help, Lang::En) => "Send me an artist you like and I'll recommend songs by similar artists.\nTry: Coldplay, songs like Daft Punk".into(),
            (ReplyBody::Unavailable, Lang::Ko) => "지금은 추천을 준비하고 있어요. 잠시 후 다시 시도해 주세요.".into(),
            (ReplyBody::Unavailable, Lang::En) => "I'm still getting ready. Please try again in a moment.".into(),
        }
    }
}

/// Live sources for artists the store does not know (the server implements it over
/// `soundalike_live`; the engine only sees this trait, so it stays free of HTTP).
pub trait LiveLookup: Send + Sync {
    /// The artist named `name` and its top tracks, when a source knows it.
    fn lookup<'a>(
        &'a self,
        name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Option<ArtistRef>> + Send + 'a>>;
    /// Queue a background crawl of the artist (and its neighbours) so the next ask can answer
    /// with similar artists.
    fn enqueue(&self, name: &str);
}

/// A shared [`LiveLookup`] with the time it may take per turn.
#[derive(Clone)]
pub struct Live {
    /// The lookup.
    pub lookup: Arc<dyn LiveLookup>,
    /// Longest wait for it in one turn; past it the turn answers as if no source were set.
    pub budget: Duration,
}

/// The default live budget: leaves a webhook's 5 s with room to spare.
pub const LIVE_BUDGET: Duration = Duration::from_secs(3);

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("budget", &self.budget)
            .finish()
    }
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Similarity algorithm whose mart answers.
    pub algorithm: String,
    /// Similar artists per answer.
    pub k: usize,
    /// How many of them channels show as cards (the rest become quick replies).
    pub cards: usize,
    /// Live sources for unknown artists (`None`: unknown artists get suggestions).
    pub live: Option<Live>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            algorithm: "hybrid".into(),
            k: 10,
            cards: 5,
            live: None,
        }
    }
}

/// The conversation engine.
#[derive(Clone)]
pub struct Engine {
    recommender: Arc<Recommender>,
    // Shared so that a clone per request allocates nothing.
    config: Arc<EngineConfig>,
}

impl Engine {
    /// An engine over a loaded recommender.
    pub fn new(recommender: Arc<Recommender>, config: EngineConfig) -> Self {
        Self {
            recommender,
            config: Arc::new(config),
        }
    }

    /// The recommender behind the engine.
    pub fn recommender(&self) -> &Arc<Recommender> {
        &self.recommender
    }

    /// Reply to one utterance. `lang` is the channel's language, if it states one. Async because
    /// channels run a turn under a time budget: answers that wait on a live source must
    /// not block them.
    pub async fn reply(
        &self,
        utterance: &str,
        lang: Option<Lang>,
    ) -> Result<Reply, RecommendError> {
        let lang = lang.unwrap_or_else(|| Lang::guess(utterance));
        self.respond(self.understand(utterance), lang).await
    }

    /// What an utterance asks for, with the artist resolved: cheap (no reply is built), so a
    /// channel may look up an answer it already rendered for the same artist.
    pub fn understand(&self, utterance: &str) -> Understood {
        let candidates = match intent::parse(utterance) {
            Intent::Help => return Understood::Help,
            Intent::Artist(candidates) => candidates,
        };
        // The first candidate that names an artist exactly wins; otherwise the most cleaned-up
        // one is resolved forgivingly (typos), which also yields suggestions.
        let exact = candidates.iter().find_map(|c| {
            let entry = self.recommender.find_exact(c)?;
            Some((c.clone(), Resolution::Found { entry, exact: true }))
        });
        let (query, resolution) = exact.unwrap_or_else(|| {
            let last = candidates.last().map(String::as_str).unwrap_or(utterance);
            (last.to_string(), self.recommender.resolve(last))
        });
        Understood::Artist { query, resolution }
    }

    /// The reply to what [`Engine::understand`] found. An artist the snapshot does not know is
    /// looked up in the live sources, when configured, within their time budget.
    pub async fn respond(
        &self,
        understood: Understood,
        lang: Lang,
    ) -> Result<Reply, RecommendError> {
        let (query, resolution) = match understood {
            Understood::Help => return Ok(Reply::help(lang)),
            Understood::Artist { query, resolution } => (query, resolution),
        };
        let answer =
            self.recommender
                .answer(&query, resolution, &self.config.algorithm, self.config.k)?;
        let answer = match (answer, &self.config.live) {
            (Answer::Unknown { query, suggestions }, Some(live)) => {
                match tokio::time::timeout(live.budget, live.lookup.lookup(&query)).await {
                    Ok(Some(artist)) => {
                        live.lookup.enqueue(&artist.name);
                        Answer::Found(Recommendation {
                            query,
                            exact: true,
                            artist,
                            algorithm: "live".into(),
                            similar: Vec::new(),
                        })
                    }
                    Ok(None) => Answer::Unknown { query, suggestions },
                    Err(_) => {
                        tracing::warn!(%query, "live sources past the budget; answering with suggestions");
                        Answer::Unknown { query, suggestions }
                    }
                }
            }
            (answer, _) => answer,
        };
        Ok(Reply::from_answer(answer, lang, self.config.cards))
    }
}

/// An utterance understood: help, or an artist query with its resolution.
#[derive(Debug, Clone, PartialEq)]
pub enum Understood {
    /// The person asked how to use the bot.
    Help,
    /// An artist query.
    Artist {
        /// The part of the utterance that names the artist.
        query: String,
        /// Which artist it names, if any.
        resolution: Resolution,
    },
}

impl Understood {
    /// The artist (its position in the recommender's snapshot) when the query named one.
    pub fn artist(&self) -> Option<usize> {
        match self {
            Understood::Artist {
                resolution: Resolution::Found { entry, .. },
                ..
            } => Some(*entry),
            _ => None,
        }
    }
}

/// Shorten to at most `max` characters (not bytes), ending with "…" when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else if max == 0 {
        String::new()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("방탄소년단", 5), "방탄소년단");
        assert_eq!(clip("방탄소년단입니다", 5), "방탄소년…");
        assert_eq!(clip("abc", 0), "");
        assert_eq!(clip("abcdef", 3).chars().count(), 3);
    }

    #[test]
    fn language_from_tags_and_text() {
        assert_eq!(Lang::from_tag("ko"), Some(Lang::Ko));
        assert_eq!(Lang::from_tag("en-US"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::guess("콜드플레이 비슷한 노래"), Lang::Ko);
        assert_eq!(Lang::guess("Coldplay"), Lang::En);
    }
}
