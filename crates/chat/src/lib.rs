//! The conversation engine shared by every channel. One turn goes through four stages:
//! 1. [`understand`]: normalise the utterance and find the artists, titles and vocabulary
//!    concepts ([`vocab`]: genres, moods, activities, eras, popularity, follow-up words) in it;
//! 2. [`request`]: plan a typed [`Request`] from that and the conversation's [`Context`]
//!    (follow-ups modify the previous request), or small talk, a question, "not in the catalog";
//! 3. [`answer`]: pick tracks from the catalog ([`music`]) that meet the request, each with a
//!    reason; a plain artist request is answered with similar artists by the similarity marts
//!    (`soundalike_recommend`);
//! 4. a channel-neutral [`Reply`] that channel adapters render: [`kakao`] for Kakao i Open
//!    Builder skills; the web page and REST API use the reply model as JSON. The reply carries
//!    the next turn's context: the engine keeps no state between turns.
//!
//! **Invariant:** no HTTP and no SQL here; deterministic, no network, bounded work per turn.
#![deny(missing_docs)]

pub mod answer;
pub mod intent;
pub mod kakao;
pub mod korean;
pub mod music;
pub mod request;
pub mod understand;
pub mod vocab;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use soundalike_core::Resolution;
use soundalike_recommend::{Answer, ArtistRef, RecommendError, Recommendation, Recommender};

pub use intent::Intent;
pub use music::Music;
pub use request::{Context, Plan, Request};
pub use vocab::Talk;

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

/// A recommended track with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackPick {
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

/// Tracks answering a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracks {
    /// Seed artists (catalog names).
    pub seeds: Vec<String>,
    /// The seed track: title and artist.
    pub seed_track: Option<(String, String)>,
    /// What was asked, in words of the reply's language (seeds, genres, moods, eras).
    pub about: Vec<String>,
    /// The tracks, best first (empty when nothing new is left).
    pub tracks: Vec<TrackPick>,
}

/// What the bot says, before any channel formats it.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyBody {
    /// A known artist and its neighbours.
    Recommendation(Recommendation),
    /// Tracks for a request (songs, genres, moods, eras, several seeds, follow-ups).
    Tracks(Tracks),
    /// Several songs have the title asked for: which one?
    Choices {
        /// The title.
        title: String,
        /// The versions: (title, artist), most popular first.
        options: Vec<(String, String)>,
    },
    /// The catalog has no music of this kind.
    NotInCatalog {
        /// The kind asked for, in the reply's language.
        what: String,
        /// The nearest kinds it has.
        alternatives: Vec<String>,
    },
    /// Small talk: a friendly answer with example requests.
    SmallTalk(Talk),
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
    /// The message is longer than the bot reads ([`MAX_UTTERANCE_CHARS`]).
    TooLong {
        /// The longest message read, in characters.
        max_chars: usize,
    },
}

/// Longest utterance the engine reads, in characters: no artist name or request is longer, and
/// the work per turn stays bounded whatever a channel lets through.
pub const MAX_UTTERANCE_CHARS: usize = 500;

/// A reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Wording language.
    pub lang: Lang,
    /// The content.
    pub body: ReplyBody,
    /// Follow-up buttons.
    pub quick_replies: Vec<QuickReply>,
    /// The conversation so far, for the next turn (channels send it back with it).
    pub context: Option<Context>,
}

/// Example queries offered with help.
pub const EXAMPLES: [&str; 4] = [
    "Coldplay",
    "BTS 비슷한 노래",
    "Maroon 5",
    "songs like Daft Punk",
];

/// Example requests of the other kinds, per language (small talk, "not in the catalog").
const KINDS: [[&str; 4]; 2] = [
    [
        "비 오는 날 듣기 좋은 노래",
        "2000년대 힙합 히트곡",
        "Dynamite 같은 곡",
        "운동할 때 신나는 노래",
    ],
    [
        "chill r&b",
        "90s rock hits",
        "songs like Levitating",
        "study music",
    ],
];

fn kind_examples(lang: Lang) -> Vec<QuickReply> {
    KINDS[usize::from(lang == Lang::En)]
        .iter()
        .map(|e| QuickReply {
            label: e.to_string(),
            message: e.to_string(),
        })
        .collect()
}

/// Follow-up buttons under tracks.
fn follow_ups(lang: Lang) -> Vec<QuickReply> {
    let pairs: &[(&str, &str)] = if lang == Lang::Ko {
        &[
            ("더 보기", "더 보여줘"),
            ("더 신나게", "더 신나는 걸로"),
            ("더 잔잔하게", "더 잔잔한 걸로"),
            ("덜 유명한", "덜 유명한 걸로"),
            ("더 옛날 곡", "더 옛날 걸로"),
        ]
    } else {
        &[
            ("More", "more"),
            ("More upbeat", "more upbeat"),
            ("Calmer", "calmer"),
            ("Less mainstream", "less mainstream"),
            ("Older", "older"),
        ]
    };
    pairs
        .iter()
        .map(|(label, message)| QuickReply {
            label: label.to_string(),
            message: message.to_string(),
        })
        .collect()
}

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
            context: None,
        }
    }

    /// The "not now" reply.
    pub fn unavailable(lang: Lang) -> Reply {
        Reply {
            lang,
            body: ReplyBody::Unavailable,
            quick_replies: Vec::new(),
            context: None,
        }
    }

    /// The "please send something shorter" reply.
    pub fn too_long(lang: Lang) -> Reply {
        Reply {
            lang,
            body: ReplyBody::TooLong {
                max_chars: MAX_UTTERANCE_CHARS,
            },
            quick_replies: Reply::help(lang).quick_replies,
            context: None,
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
                // The next turn continues from this artist, without repeating what was shown.
                let mut context = Context {
                    request: Some(Request {
                        artists: vec![r.artist.name.clone()],
                        ..Request::default()
                    }),
                    ..Context::default()
                };
                context.saw(r.similar.iter().flat_map(|s| {
                    s.artist
                        .tracks
                        .iter()
                        .map(|t| music::handle_of(&t.id).to_string())
                }));
                Reply {
                    lang,
                    body: ReplyBody::Recommendation(r),
                    quick_replies,
                    context: Some(context),
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
                    context: None,
                }
            }
        }
    }

    /// Short plain text of the reply (logs, plain-text channels).
    pub fn text(&self) -> String {
        match (&self.body, self.lang) {
            (ReplyBody::Recommendation(r), Lang::Ko) => format!(
                "{} 비슷한 아티스트: {}",
                korean::with(&r.artist.name, korean::WA),
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
            (ReplyBody::Tracks(t), lang) => tracks_text(t, lang),
            (ReplyBody::Choices { title, options }, Lang::Ko) => format!(
                "'{title}' 노래가 여러 곡 있어요. 어느 가수의 곡인가요? {}",
                options.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>().join(", ")
            ),
            (ReplyBody::Choices { title, options }, Lang::En) => format!(
                "There are several songs called \"{title}\". Which one do you mean? {}",
                options.iter().map(|(_, a)| a.as_str()).collect::<Vec<_>>().join(", ")
            ),
            (ReplyBody::NotInCatalog { what, alternatives }, Lang::Ko) => format!(
                "아쉽게도 {} 곡은 없어요. 대신 {} 쪽은 어때요?",
                what,
                alternatives.join(", ")
            ),
            (ReplyBody::NotInCatalog { what, alternatives }, Lang::En) => format!(
                "Sorry, I don't have {what} music. How about {} instead?",
                alternatives.join(", ")
            ),
            (ReplyBody::SmallTalk(talk), lang) => small_talk(*talk, lang).into(),
            (ReplyBody::Help, Lang::Ko) => "좋아하는 아티스트 이름을 보내 주세요. 비슷한 아티스트의 노래를 추천해 드려요.\n예) Coldplay, BTS 비슷한 노래".into(),
            (ReplyBody::Help, Lang::En) => "Send me an artist you like and I'll recommend songs by similar artists.\nTry: Coldplay, songs like Daft Punk".into(),
            (ReplyBody::Unavailable, Lang::Ko) => "지금은 추천을 준비하고 있어요. 잠시 후 다시 시도해 주세요.".into(),
            (ReplyBody::Unavailable, Lang::En) => "I'm still getting ready. Please try again in a moment.".into(),
            (ReplyBody::TooLong { max_chars }, Lang::Ko) => format!("메시지가 너무 길어요. {max_chars}자 이내로 아티스트 이름을 보내 주세요."),
            (ReplyBody::TooLong { max_chars }, Lang::En) => format!("That message is too long for me: please send an artist name in {max_chars} characters or fewer."),
        }
    }
}

fn small_talk(talk: Talk, lang: Lang) -> &'static str {
    match (talk, lang) {
        (Talk::Greet, Lang::Ko) => {
            "안녕하세요! 듣고 싶은 노래를 말해 주세요. 가수, 노래 제목, 장르, 기분이나 상황 모두 좋아요 🎧"
        }
        (Talk::Greet, Lang::En) => {
            "Hi! Tell me what you'd like to hear: an artist, a song, a genre, a mood or an activity 🎧"
        }
        (Talk::Thanks, Lang::Ko) => "천만에요! 더 듣고 싶으면 언제든 말해 주세요 🎶",
        (Talk::Thanks, Lang::En) => "You're welcome! Ask any time for more 🎶",
        (Talk::Who, Lang::Ko) => {
            "저는 노래를 추천해 주는 soundalike 봇이에요. 가수, 노래, 장르, 기분, 시대를 말해 주면 어울리는 곡을 골라 드려요."
        }
        (Talk::Who, Lang::En) => {
            "I'm soundalike, a music recommendation bot. Name an artist, a song, a genre, a mood or an era and I'll pick tracks for you."
        }
        (Talk::Bye, Lang::Ko) => "다음에 또 만나요! 👋",
        (Talk::Bye, Lang::En) => "See you next time! 👋",
        (Talk::Ack | Talk::Laugh, Lang::Ko) => {
            "😄 다른 노래가 듣고 싶으면 말해 주세요. 예를 들면 이런 것들이요:"
        }
        (Talk::Ack | Talk::Laugh, Lang::En) => {
            "😄 Want something else? You could ask for things like these:"
        }
        (Talk::Help, Lang::Ko) => {
            "좋아하는 가수나 노래, 장르, 기분, 상황을 보내 주세요. 예) 아이유 비슷한 노래, 비 오는 날 듣기 좋은 노래, 90년대 힙합"
        }
        (Talk::Help, Lang::En) => {
            "Send me an artist or a song you like, a genre, a mood or an activity. Try: songs like Coldplay, rainy day songs, 90s hip hop"
        }
    }
}

fn tracks_text(t: &Tracks, lang: Lang) -> String {
    let about = t.about.join(" · ");
    let mut out = match (t.tracks.is_empty(), lang) {
        (true, Lang::Ko) => format!("{about}: 더 보여 드릴 곡이 없어요. 다른 요청을 해 보세요."),
        (true, Lang::En) => {
            format!("{about}: I have nothing new left for that. Try another request.")
        }
        (false, Lang::Ko) => format!("🎵 {about} 추천곡이에요"),
        (false, Lang::En) => format!("🎵 {about}: here you go"),
    };
    for (i, p) in t.tracks.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {} - {} ({})",
            i + 1,
            p.title,
            p.artist,
            p.reason
        ));
    }
    out
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
    music: Arc<Music>,
    links: Arc<Links>,
    // Shared so that a clone per request allocates nothing.
    config: Arc<EngineConfig>,
}

/// Nearest artists asked of the similarity marts for a seed.
const MART_NEIGHBOURS: usize = 30;

/// The same artists in the recommender's snapshot and the track catalog, matched by exact name
/// once per engine, not per turn.
#[derive(Debug, Default)]
struct Links {
    /// Per catalog artist, its recommender entry.
    entry_of_act: Vec<Option<usize>>,
    /// Per recommender entry, its catalog artist.
    act_of_entry: Vec<Option<u32>>,
}

impl Links {
    fn new(recommender: &Recommender, music: &Music) -> Links {
        Links {
            entry_of_act: music
                .acts
                .iter()
                .map(|act| recommender.find_exact(&act.name))
                .collect(),
            act_of_entry: (0..)
                .map_while(|entry| recommender.artist_at(entry))
                .map(|row| music.artist_exact(&row.name))
                .collect(),
        }
    }
}

impl Engine {
    /// An engine over a loaded recommender and the bundled track catalog.
    pub fn new(recommender: Arc<Recommender>, config: EngineConfig) -> Self {
        Self::with_music(recommender, Music::bundled(), config)
    }

    /// An engine over a loaded recommender and a track catalog.
    pub fn with_music(
        recommender: Arc<Recommender>,
        music: Arc<Music>,
        config: EngineConfig,
    ) -> Self {
        Self {
            links: Arc::new(Links::new(&recommender, &music)),
            recommender,
            music,
            config: Arc::new(config),
        }
    }

    /// The recommender behind the engine.
    pub fn recommender(&self) -> &Arc<Recommender> {
        &self.recommender
    }

    /// The track catalog behind the engine.
    pub fn music(&self) -> &Arc<Music> {
        &self.music
    }

    /// Reply to one utterance. `lang` is the channel's language, if it states one. Async because
    /// channels run a turn under a time budget: answers that wait on a live source must
    /// not block them.
    pub async fn reply(
        &self,
        utterance: &str,
        lang: Option<Lang>,
    ) -> Result<Reply, RecommendError> {
        self.reply_in(utterance, lang, None).await
    }

    /// Reply to one utterance of a conversation, given the context the previous reply returned.
    pub async fn reply_in(
        &self,
        utterance: &str,
        lang: Option<Lang>,
        context: Option<Context>,
    ) -> Result<Reply, RecommendError> {
        let lang = lang.unwrap_or_else(|| Lang::guess(utterance));
        self.respond(self.understand_in(utterance, context), lang)
            .await
    }

    /// What an utterance asks for, with no conversation before it.
    pub fn understand(&self, utterance: &str) -> Understood {
        self.understand_in(utterance, None)
    }

    /// What an utterance asks for in a conversation: cheap (no reply is built), so a channel
    /// may look up an answer it already rendered for the same artist.
    pub fn understand_in(&self, utterance: &str, context: Option<Context>) -> Understood {
        // Counting stops at the limit: a huge utterance costs no more than a long one.
        if utterance.chars().nth(MAX_UTTERANCE_CHARS).is_some() {
            return Understood::TooLong;
        }
        let text = understand::normalize(utterance);
        if text.is_empty() {
            return Understood::Help;
        }
        let parsed = understand::parse(&self.music, &text);
        let plan = request::plan(&self.music, &parsed, context.as_ref());
        match plan {
            // One artist the marts know, asked afresh: similar artists (the cached, card-shaped
            // answer). "More" of it continues with tracks.
            Plan::Tracks(request)
                if request.is_plain_artist()
                    && context.as_ref().and_then(|c| c.request.as_ref()) != Some(&request) =>
            {
                let name = &request.artists[0];
                match self.recommender.find_exact(name) {
                    Some(entry) => Understood::Artist {
                        query: name.clone(),
                        resolution: Resolution::Found { entry, exact: true },
                    },
                    None => Understood::Turn(Box::new((Plan::Tracks(request), context))),
                }
            }
            Plan::Talk(Talk::Help) if context.is_none() => Understood::Help,
            // Nothing the vocabulary knows: an artist name the catalog lacks (the store or a
            // live source may know it), a typo, or noise. The whole utterance is the name, less
            // its filler phrases; an exact spelling wins, else the most cleaned-up one is
            // resolved forgivingly, which also yields suggestions.
            Plan::Unknown(_) => {
                let candidates = match intent::parse(utterance) {
                    Intent::Help => return Understood::Help,
                    Intent::Artist(candidates) => candidates,
                };
                let exact = candidates.iter().find_map(|c| {
                    let entry = self.recommender.find_exact(c)?;
                    Some((c.clone(), Resolution::Found { entry, exact: true }))
                });
                let (query, resolution) = exact.unwrap_or_else(|| {
                    let last = candidates.last().map(String::as_str).unwrap_or(utterance);
                    let resolution = match self.recommender.resolve(last) {
                        // A forgiving match of a short text is more likely another word than
                        // a typo.
                        Resolution::Found { exact: false, .. }
                            if soundalike_core::names::loose_key(last).chars().count()
                                < understand::FORGIVING_MIN_CHARS =>
                        {
                            Resolution::Unknown {
                                suggestions: Vec::new(),
                            }
                        }
                        resolution => resolution,
                    };
                    (last.to_string(), resolution)
                });
                Understood::Artist { query, resolution }
            }
            plan => Understood::Turn(Box::new((plan, context))),
        }
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
            Understood::TooLong => return Ok(Reply::too_long(lang)),
            Understood::Turn(turn) => {
                let (plan, context) = *turn;
                return Ok(self.turn(plan, context, lang));
            }
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

    /// Other artists the similarity marts put near a catalog artist (the marts know the
    /// TidyTuesday artists; Korean acts get the catalog's own likeness only).
    fn mart_neighbours(&self, act: u32) -> Vec<u32> {
        let Some(entry) = self.links.entry_of_act[act as usize] else {
            return Vec::new();
        };
        self.recommender
            .similar_entries(entry, &self.config.algorithm)
            .take(MART_NEIGHBOURS)
            .filter_map(|other| self.links.act_of_entry[other])
            .collect()
    }

    /// A planned turn's reply (synchronous: the catalog is in memory).
    fn turn(&self, plan: Plan, context: Option<Context>, lang: Lang) -> Reply {
        let music = &self.music;
        let vocab = vocab::Vocab::get();
        let mut context = context.unwrap_or_default();
        let reply = |body, quick_replies, context| Reply {
            lang,
            body,
            quick_replies,
            context,
        };
        match plan {
            Plan::Tracks(request) => {
                let seen: std::collections::HashSet<&str> =
                    context.seen.iter().map(String::as_str).collect();
                let picks = answer::answer(music, &request, &seen, &|a| self.mart_neighbours(a));
                let handles: Vec<String> = picks
                    .iter()
                    .map(|p| music.handle(p.song).to_string())
                    .collect();
                let body = ReplyBody::Tracks(self.tracks(&request, &picks, lang));
                context.saw(handles);
                context.request = Some(request);
                context.options.clear();
                reply(body, follow_ups(lang), Some(context))
            }
            Plan::Choices(songs) => {
                let title = music::base_title(&music.songs[songs[0] as usize].title).to_string();
                let options: Vec<(String, String)> = songs
                    .iter()
                    .map(|&s| {
                        let song = &music.songs[s as usize];
                        (
                            song.title.clone(),
                            music.acts[song.artist as usize].name.clone(),
                        )
                    })
                    .collect();
                let quick_replies = options
                    .iter()
                    .map(|(t, a)| QuickReply {
                        label: a.clone(),
                        message: format!("{} - {a}", music::base_title(t)),
                    })
                    .collect();
                context.options = songs
                    .iter()
                    .map(|&s| music.songs[s as usize].id.clone())
                    .collect();
                reply(
                    ReplyBody::Choices { title, options },
                    quick_replies,
                    Some(context),
                )
            }
            Plan::Missing(concept, alternatives) => {
                let alternatives: Vec<String> = alternatives
                    .iter()
                    .map(|&c| vocab.label(c, lang).to_string())
                    .collect();
                let quick_replies = alternatives
                    .iter()
                    .map(|a| QuickReply {
                        label: a.clone(),
                        message: a.clone(),
                    })
                    .collect();
                let body = ReplyBody::NotInCatalog {
                    what: vocab.label(concept, lang).to_string(),
                    alternatives,
                };
                reply(body, quick_replies, Some(context))
            }
            Plan::Talk(talk) => reply(
                ReplyBody::SmallTalk(talk),
                kind_examples(lang),
                Some(context),
            ),
            Plan::NothingBefore | Plan::Unknown(_) => reply(
                ReplyBody::SmallTalk(Talk::Help),
                kind_examples(lang),
                Some(context),
            ),
        }
    }

    /// The tracks body: picks with reasons in words, and what was asked.
    fn tracks(&self, request: &Request, picks: &[answer::Pick], lang: Lang) -> Tracks {
        let music = &self.music;
        let vocab = vocab::Vocab::get();
        let seed_track = request
            .track
            .as_deref()
            .and_then(|id| music.by_id(id))
            .map(|s| {
                let song = &music.songs[s as usize];
                (
                    song.title.clone(),
                    music.acts[song.artist as usize].name.clone(),
                )
            });
        let mut about: Vec<String> = Vec::new();
        if let Some((title, artist)) = &seed_track {
            about.push(match lang {
                Lang::Ko => format!("{artist}의 '{}' 비슷한 노래", music::base_title(title)),
                Lang::En => format!("like \"{}\" by {artist}", music::base_title(title)),
            });
        }
        if !request.artists.is_empty() {
            let names = request.artists.join(", ");
            about.push(match lang {
                Lang::Ko => format!("{} 비슷한", korean::with(&names, korean::WA)),
                Lang::En => format!("like {names}"),
            });
        }
        for c in request.concepts.iter().filter_map(|c| vocab.concept(c)) {
            about.push(vocab.label(c, lang).to_string());
        }
        if let Some((a, b)) = request.years {
            about.push(if a == b {
                format!("{a}")
            } else {
                format!("{a}–{b}")
            });
        }
        if !request.exclude.is_empty() {
            let names = request.exclude.join(", ");
            about.push(match lang {
                Lang::Ko => format!("{names} 제외"),
                Lang::En => format!("not {names}"),
            });
        }
        if about.is_empty() {
            about.push(match lang {
                Lang::Ko => "오늘의".to_string(),
                Lang::En => "Today's picks".to_string(),
            });
        }
        let tracks = picks
            .iter()
            .map(|p| {
                let song = &music.songs[p.song as usize];
                TrackPick {
                    id: song.id.clone(),
                    title: song.title.clone(),
                    artist: music.acts[song.artist as usize].name.clone(),
                    url: soundalike_core::spotify_track_url(&song.id),
                    reason: p
                        .reasons
                        .iter()
                        .map(|r| reason_text(r, lang))
                        .collect::<Vec<_>>()
                        .join(" · "),
                }
            })
            .collect();
        Tracks {
            seeds: request.artists.clone(),
            seed_track,
            about,
            tracks,
        }
    }
}

/// One reason in words.
fn reason_text(reason: &answer::Reason, lang: Lang) -> String {
    use answer::Reason;
    match (reason, lang) {
        (Reason::LikeArtist(a), Lang::Ko) => format!("{} 비슷한 느낌", korean::with(a, korean::WA)),
        (Reason::LikeArtist(a), Lang::En) => format!("sounds like {a}"),
        (Reason::LikeSong(t), Lang::Ko) => format!("'{}' 비슷한 곡", music::base_title(t)),
        (Reason::LikeSong(t), Lang::En) => format!("like \"{}\"", music::base_title(t)),
        (Reason::Subgenre(s), Lang::Ko) => format!("같은 장르: {s}"),
        (Reason::Subgenre(s), Lang::En) => format!("subgenre: {s}"),
        (Reason::Genre(g), Lang::Ko) => format!("장르: {g}"),
        (Reason::Genre(g), Lang::En) => format!("genre: {g}"),
        (Reason::Features(values), _) => values
            .iter()
            .map(|(axis, v)| match axis {
                music::Axis::Tempo => format!("{v:.0} BPM"),
                music::Axis::Loudness => format!("{v:.1} dB"),
                axis => format!("{} {v:.2}", axis.name()),
            })
            .collect::<Vec<_>>()
            .join(", "),
        (Reason::Year(y), Lang::Ko) => format!("{y}년 발매"),
        (Reason::Year(y), Lang::En) => format!("released {y}"),
        (Reason::Popularity(p), Lang::Ko) => format!("인기도 {p}"),
        (Reason::Popularity(p), Lang::En) => format!("popularity {p}"),
    }
}

/// An utterance understood.
#[derive(Debug, Clone, PartialEq)]
pub enum Understood {
    /// The person asked how to use the bot.
    Help,
    /// The utterance is longer than the engine reads ([`MAX_UTTERANCE_CHARS`]).
    TooLong,
    /// An artist query.
    Artist {
        /// The part of the utterance that names the artist.
        query: String,
        /// Which artist it names, if any.
        resolution: Resolution,
    },
    /// A planned turn of a conversation, with the context it continues.
    Turn(Box<(Plan, Option<Context>)>),
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
