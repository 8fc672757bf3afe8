//! Plan: what was understood, with the conversation so far, becomes a typed [`Request`] (or small
//! talk, a question back, an honest "not in the catalog"). Follow-ups modify the previous
//! request carried in the [`Context`]: "more" pages on, "faster"/"less mainstream" shift a
//! feature, a new genre or era replaces the old one, "not X" leaves an artist out.
//!
//! The context travels with the conversation (Kakao output contexts, the chat API's `context`
//! value), never in the server: it is a short JSON text, bounded in size.

use serde::{Deserialize, Serialize};

use crate::music::{Axis, Music};
use crate::understand::{Item, Parsed};
use crate::vocab::{Act, Meaning, Talk, Vocab};

/// What to answer with tracks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Seed artists (display names), blended.
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub artists: Vec<String>,
    /// A seed track (Spotify id).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    /// Filter concepts (genres, moods, activities, eras, fame), by vocabulary name.
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    pub concepts: Vec<String>,
    /// Release years typed as digits or a narrowed decade.
    #[serde(rename = "y", default, skip_serializing_if = "Option::is_none")]
    pub years: Option<(u16, u16)>,
    /// Follow-up moves: feature and steps (negative: down).
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    pub shifts: Vec<(Axis, i8)>,
    /// Artists left out (display names).
    #[serde(rename = "x", default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl Request {
    /// True when the request is one artist and nothing else.
    pub fn is_plain_artist(&self) -> bool {
        self.artists.len() == 1
            && self.track.is_none()
            && self.concepts.is_empty()
            && self.years.is_none()
            && self.shifts.is_empty()
            && self.exclude.is_empty()
    }
}

/// Most track handles a context remembers (the latest are kept).
pub const MAX_SEEN: usize = 60;
/// Longest context text read, in bytes: anything longer is not one of ours.
pub const MAX_CONTEXT_BYTES: usize = 2048;

/// The conversation so far, as the next turn needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The last request answered.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// Handles of the tracks already shown (never shown again in this conversation).
    #[serde(rename = "n", default, skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<String>,
    /// Track ids offered as choices ("which Dynamite?").
    #[serde(rename = "o", default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

impl Context {
    /// Read a context text; anything malformed or oversized is no context.
    pub fn decode(text: &str) -> Option<Context> {
        if text.len() > MAX_CONTEXT_BYTES || text.trim().is_empty() {
            return None;
        }
        let mut context: Context = serde_json::from_str(text).ok()?;
        context.seen.truncate(MAX_SEEN);
        context.options.truncate(crate::MAX_QUICK_REPLIES);
        Some(context)
    }

    /// The context as text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a context serialises")
    }

    /// Remember tracks as shown.
    pub fn saw(&mut self, handles: impl IntoIterator<Item = String>) {
        self.seen.extend(handles);
        if self.seen.len() > MAX_SEEN {
            self.seen.drain(..self.seen.len() - MAX_SEEN);
        }
    }
}

/// A planned turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Answer with tracks.
    Tracks(Request),
    /// Ask which of these tracks (same title, different artists) was meant.
    Choices(Vec<u32>),
    /// The catalog has no such music: the concept and its nearest alternatives.
    Missing(usize, Vec<usize>),
    /// Small talk.
    Talk(Talk),
    /// "More" with nothing before it.
    NothingBefore,
    /// Nothing understood: the text to look up as an artist name.
    Unknown(String),
}

/// Concept kinds that replace each other in a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Genre,
    Era,
    Fame,
    Mood,
}

fn slot(vocab: &Vocab, concept: usize) -> Option<Slot> {
    match &vocab.concepts[concept].meaning {
        Meaning::Filter(f) if !f.genres.is_empty() || !f.subgenres.is_empty() => Some(Slot::Genre),
        Meaning::Filter(f) if f.years.is_some() => Some(Slot::Era),
        Meaning::Filter(f) if f.fame.is_some() => Some(Slot::Fame),
        Meaning::Filter(_) => Some(Slot::Mood),
        _ => None,
    }
}

/// The filter concept standing for a shift when there is nothing to shift from ("더 밝은 거"
/// as a first request means bright).
fn shift_as_concept(axis: Axis, up: bool) -> &'static str {
    match (axis, up) {
        (Axis::Tempo, true) => "fast",
        (Axis::Tempo, false) => "slow",
        (Axis::Energy, true) => "energetic",
        (Axis::Energy, false) => "calm",
        (Axis::Valence, true) => "bright",
        (Axis::Valence, false) => "sad",
        (Axis::Danceability, true) => "dance",
        (Axis::Danceability, false) => "calm",
        (Axis::Acousticness, true) => "acoustic",
        (Axis::Acousticness, false) => "energetic",
        (Axis::Popularity, true) => "hits",
        (Axis::Popularity, false) => "underrated",
        (Axis::Year, true) => "recent",
        (Axis::Year, false) => "old",
        _ => "calm",
    }
}

/// The songs of a title worth offering, one per artist, most popular first.
fn versions(music: &Music, songs: &[u32]) -> Vec<u32> {
    let mut best: Vec<u32> = Vec::new();
    let mut sorted = songs.to_vec();
    sorted.sort_by(|&a, &b| {
        music.songs[b as usize]
            .popularity
            .cmp(&music.songs[a as usize].popularity)
            .then(a.cmp(&b))
    });
    for s in sorted {
        let artist = music.songs[s as usize].artist;
        if !best
            .iter()
            .any(|&b| music.songs[b as usize].artist == artist)
        {
            best.push(s);
        }
    }
    best
}

/// Share of the top version's popularity from which another artist's version makes a title
/// ambiguous.
const AMBIGUOUS_SHARE: f32 = 0.75;

/// Plan a turn.
pub fn plan(music: &Music, parsed: &Parsed, context: Option<&Context>) -> Plan {
    let vocab = Vocab::get();
    let previous = context.and_then(|c| c.request.as_ref());
    let has = |act| parsed.has_act(act);
    let mut artists: Vec<u32> = Vec::new();
    let mut titles: Vec<&Vec<u32>> = Vec::new();
    let mut concepts: Vec<usize> = Vec::new();
    let mut shifts: Vec<(Axis, i8)> = Vec::new();
    let mut missing: Option<usize> = None;
    let mut talk: Option<Talk> = None;
    let mut years: Option<(u16, u16)> = None;
    let mut unresolved: Vec<&str> = Vec::new();
    let mut part: Option<Act> = None;
    // "힙합 말고 알앤비", "r&b instead of rap": the genre next to the exclusion is left out.
    let is_genre = |i: usize| matches!(parsed.items.get(i), Some(Item::Concept(c)) if slot(vocab, *c) == Some(Slot::Genre));
    let genres = (0..parsed.items.len()).filter(|&i| is_genre(i)).count();
    let dropped: Option<usize> = parsed.items.iter().enumerate().find_map(|(i, item)| {
        let Item::Concept(c) = item else { return None };
        if vocab.concepts[*c].meaning != Meaning::Act(Act::Exclude) || genres < 2 {
            return None;
        }
        if i > 0 && is_genre(i - 1) {
            Some(i - 1)
        } else {
            is_genre(i + 1).then_some(i + 1)
        }
    });
    for (at, item) in parsed.items.iter().enumerate() {
        if Some(at) == dropped {
            continue;
        }
        match item {
            Item::Artist(a) if !artists.contains(a) => artists.push(*a),
            Item::Artist(_) => {}
            Item::Title(songs) => titles.push(songs),
            Item::Years(a, b) => years = Some((*a, *b)),
            Item::Unresolved(text) => unresolved.push(text),
            Item::Concept(c) => match &vocab.concepts[*c].meaning {
                Meaning::Filter(_) if !concepts.contains(c) => concepts.push(*c),
                Meaning::Filter(_) => {}
                Meaning::Shift(axis, s) => shifts.push((*axis, *s)),
                Meaning::Missing(_) => missing = missing.or(Some(*c)),
                Meaning::Act(Act::Talk(t)) => talk = talk.or(Some(*t)),
                Meaning::Act(a @ (Act::Early | Act::Mid | Act::Late)) => part = Some(*a),
                Meaning::Act(_) => {}
            },
        }
    }
    // "late 90s", "2010년대 후반": narrow the decade.
    if let Some(part) = part
        && let Some(&decade) = concepts.iter().find(|&&c| {
            matches!(&vocab.concepts[c].meaning, Meaning::Filter(f)
                if f.years.is_some_and(|(a, b)| b - a == 9))
        })
        && let Meaning::Filter(f) = &vocab.concepts[decade].meaning
        && let Some((from, _)) = f.years
    {
        years = Some(match part {
            Act::Early => (from, from + 3),
            Act::Mid => (from + 3, from + 6),
            _ => (from + 6, from + 9),
        });
        concepts.retain(|&c| c != decade);
    }

    // Answering a "which one?" question: the option by a named artist.
    if let Some(context) = context
        && !context.options.is_empty()
    {
        let chosen = context.options.iter().find_map(|id| {
            let s = music.by_id(id)?;
            artists
                .contains(&music.songs[s as usize].artist)
                .then_some(s)
        });
        if let Some(song) = chosen {
            return Plan::Tracks(Request {
                track: Some(music.songs[song as usize].id.clone()),
                ..Request::default()
            });
        }
    }

    // "블핑 말고", "not drake": the artist next to the exclusion is left out; an artist named
    // elsewhere too stays a seed ("groups like red velvet, not red velvet itself").
    let excluding = has(Act::Exclude) || has(Act::Other);
    let mut exclude: Vec<String> = Vec::new();
    if excluding {
        let is_exclude = |i: usize| {
            matches!(parsed.items.get(i), Some(Item::Concept(c))
                if vocab.concepts[*c].meaning == Meaning::Act(Act::Exclude))
        };
        let mut targets: Vec<usize> = Vec::new();
        for (i, item) in parsed.items.iter().enumerate() {
            if let Item::Artist(_) = item
                && ((i > 0 && is_exclude(i - 1)) || is_exclude(i + 1))
            {
                targets.push(i);
            }
        }
        if targets.is_empty() && has(Act::Exclude) && !has(Act::This) && !has(Act::Other) {
            // "not X" with the exclusion apart from the name: every artist named.
            targets = (0..parsed.items.len())
                .filter(|&i| matches!(parsed.items[i], Item::Artist(_)))
                .collect();
        }
        for &i in &targets {
            if let Item::Artist(a) = parsed.items[i] {
                let elsewhere = parsed
                    .items
                    .iter()
                    .enumerate()
                    .any(|(j, item)| j != i && *item == Item::Artist(a));
                if !elsewhere {
                    artists.retain(|&x| x != a);
                }
                exclude.push(music.acts[a as usize].name.clone());
            }
        }
        if (has(Act::This) || has(Act::Other))
            && let Some(previous) = previous
        {
            exclude.extend(previous.artists.iter().cloned());
            if let Some(song) = previous.track.as_deref().and_then(|id| music.by_id(id)) {
                let artist = music.songs[song as usize].artist;
                exclude.push(music.acts[artist as usize].name.clone());
            }
        }
        exclude.dedup();
    }

    // A title: with its artist named, that version; alone, the dominant version or a question.
    let mut track: Option<u32> = None;
    for songs in titles {
        let by_named = songs
            .iter()
            .copied()
            .filter(|&s| artists.contains(&music.songs[s as usize].artist))
            .max_by_key(|&s| music.songs[s as usize].popularity);
        if let Some(song) = by_named {
            let artist = music.songs[song as usize].artist;
            artists.retain(|&a| a != artist);
            track = Some(song);
            break;
        }
        let versions = versions(music, songs);
        let (Some(&top), second) = (versions.first(), versions.get(1)) else {
            continue;
        };
        let popularity = |s: u32| f32::from(music.songs[s as usize].popularity);
        if let Some(&second) = second
            && popularity(second) >= AMBIGUOUS_SHARE * popularity(top)
            && popularity(top) > 0.0
        {
            return Plan::Choices(
                versions
                    .into_iter()
                    .take(crate::MAX_QUICK_REPLIES)
                    .collect(),
            );
        }
        track = Some(top);
        break;
    }

    let seeds_named = !artists.is_empty() || track.is_some();
    let filters = !concepts.is_empty() || years.is_some();
    if let Some(missing) = missing
        && !seeds_named
        && !filters
    {
        let Meaning::Missing(alternatives) = &vocab.concepts[missing].meaning else {
            unreachable!("a missing concept")
        };
        return Plan::Missing(missing, alternatives.clone());
    }
    let names = |c: &[usize]| -> Vec<String> {
        c.iter()
            .map(|&c| vocab.concepts[c].name.to_string())
            .collect()
    };
    let artist_names: Vec<String> = artists
        .iter()
        .map(|&a| music.acts[a as usize].name.clone())
        .collect();

    if let Some(previous) = previous
        && !seeds_named
        && (filters || !shifts.is_empty() || excluding || has(Act::More))
    {
        // A follow-up: modify the previous request.
        let mut next = previous.clone();
        for &c in &concepts {
            let kind = slot(vocab, c);
            next.concepts.retain(|old| {
                let Some(o) = vocab.concept(old) else {
                    return false;
                };
                match (kind, slot(vocab, o)) {
                    (Some(Slot::Mood), Some(Slot::Mood)) => !opposed(vocab, c, o),
                    (a, b) => a != b,
                }
            });
            if kind == Some(Slot::Era) {
                next.years = None;
            }
            next.concepts.push(vocab.concepts[c].name.to_string());
        }
        if years.is_some() {
            next.years = years;
            next.concepts
                .retain(|o| vocab.concept(o).and_then(|o| slot(vocab, o)) != Some(Slot::Era));
        }
        for (axis, step) in shifts {
            if axis == Axis::Year {
                // An era moves by its own length (2000s → 1990s), the window before or after.
                let era = next.years.or_else(|| {
                    next.concepts.iter().find_map(|o| {
                        match vocab.concept(o).map(|o| &vocab.concepts[o].meaning) {
                            Some(Meaning::Filter(f)) => f.years,
                            _ => None,
                        }
                    })
                });
                next.years = era.map(|(a, b)| {
                    let span = (b - a + 1).max(5);
                    if step > 0 {
                        ((b + 1).min(2020), (b + span).min(2020))
                    } else {
                        (
                            a.saturating_sub(span).max(1950),
                            a.saturating_sub(1).max(1950),
                        )
                    }
                });
                if next.years.is_some() {
                    next.concepts.retain(|o| {
                        vocab.concept(o).and_then(|o| slot(vocab, o)) != Some(Slot::Era)
                    });
                    continue;
                }
            }
            // A bound against the move would hold the answer where it is.
            next.concepts.retain(|o| {
                let Some(Meaning::Filter(f)) = vocab.concept(o).map(|o| &vocab.concepts[o].meaning)
                else {
                    return true;
                };
                let against = f
                    .bounds
                    .iter()
                    .any(|b| b.axis == axis && b.min != (step > 0))
                    || (axis == Axis::Popularity && f.fame.is_some())
                    || (axis == Axis::Year && f.years.is_some());
                !against
            });

            match next.shifts.iter_mut().find(|(a, _)| *a == axis) {
                Some((_, s)) if (*s > 0) == (step > 0) => *s = (*s + step).clamp(-3, 3),
                Some((_, s)) => *s = step,
                None => next.shifts.push((axis, step)),
            }
        }
        for name in exclude {
            if !next.exclude.contains(&name) {
                next.exclude.push(name);
            }
        }
        return Plan::Tracks(next);
    }

    if seeds_named || filters || !shifts.is_empty() {
        let mut concept_names = names(&concepts);
        for (axis, step) in shifts {
            let name = shift_as_concept(axis, step > 0);
            if !concept_names.iter().any(|c| c == name) {
                concept_names.push(name.to_string());
            }
        }
        return Plan::Tracks(Request {
            artists: artist_names,
            track: track.map(|s| music.songs[s as usize].id.clone()),
            concepts: concept_names,
            years,
            shifts: Vec::new(),
            exclude,
        });
    }
    if !exclude.is_empty() {
        return Plan::Tracks(Request {
            exclude,
            ..Request::default()
        });
    }
    if has(Act::More) {
        return Plan::NothingBefore;
    }
    if let Some(talk) = talk {
        return Plan::Talk(talk);
    }
    let rest = unresolved.join(" ");
    if rest.chars().filter(|c| c.is_alphanumeric()).count() == 0 {
        return Plan::Talk(Talk::Help);
    }
    Plan::Unknown(rest)
}

/// True when two mood concepts bound a feature in opposite directions (calm vs energetic).
fn opposed(vocab: &Vocab, a: usize, b: usize) -> bool {
    let bounds = |c: usize| match &vocab.concepts[c].meaning {
        Meaning::Filter(f) => f.bounds.clone(),
        _ => Vec::new(),
    };
    let (a, b) = (bounds(a), bounds(b));
    a.iter()
        .any(|x| b.iter().any(|y| x.axis == y.axis && x.min != y.min))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::{normalize, parse};

    fn planned(text: &str, context: Option<&Context>) -> Plan {
        let music = crate::music::tiny();
        plan(&music, &parse(&music, &normalize(text)), context)
    }

    fn request(text: &str, context: Option<&Context>) -> Request {
        match planned(text, context) {
            Plan::Tracks(r) => r,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    #[test]
    fn seeds_titles_and_filters() {
        assert_eq!(request("아이유비슷한노래", None).artists, ["IU"]);
        assert_eq!(
            request("I'm into Lana Del Rey and Lorde", None).artists,
            ["Lana Del Rey", "Lorde"]
        );
        assert_eq!(
            request("Circles by Post Malone", None).track.as_deref(),
            Some("pm000001")
        );
        assert!(matches!(planned("Dynamite 같은 곡", None), Plan::Choices(v) if v.len() == 2));
        let r = request("트와이스 느낌인데 더 밝은 거", None);
        assert_eq!(
            (r.artists.as_slice(), r.concepts.as_slice()),
            (&["TWICE".to_string()][..], &["bright".to_string()][..])
        );
        assert_eq!(request("chill r&b", None).concepts, ["chill", "rnb"]);
        assert_eq!(request("late 90s hip hop", None).years, Some((1996, 1999)));
        assert!(matches!(planned("재즈 추천해줘", None), Plan::Missing(..)));
        assert!(matches!(planned("ㅎㅎ", None), Plan::Talk(Talk::Laugh)));
        assert!(matches!(
            planned("cool thx", None),
            Plan::Talk(Talk::Thanks)
        ));
        assert!(matches!(planned("more", None), Plan::NothingBefore));
    }

    #[test]
    fn follow_ups_modify_the_previous_request() {
        let context = Context {
            request: Some(request("콜플 비슷한 잔잔한 노래", None)),
            ..Context::default()
        };
        let faster = request("좀 더 빠른 걸로", Some(&context));
        assert_eq!(faster.artists, ["Coldplay"]);
        assert_eq!(faster.shifts, [(Axis::Tempo, 1)]);
        let livelier = request("more upbeat", Some(&context));
        assert!(
            !livelier.concepts.contains(&"calm".to_string()),
            "{livelier:?}"
        );
        assert_eq!(
            request("하나 더", Some(&context)),
            context.request.clone().unwrap()
        );
        assert_eq!(
            request("이 가수 말고", Some(&context)).exclude,
            ["Coldplay"]
        );
        let genre = Context {
            request: Some(request("힙합 추천", None)),
            ..Context::default()
        };
        assert_eq!(
            request("힙합 말고 알앤비로", Some(&genre)).concepts,
            ["rnb"]
        );
        let choices = Context {
            options: vec!["tc000001".into(), "bt000001".into()],
            ..Context::default()
        };
        assert_eq!(
            request("BTS꺼", Some(&choices)).track.as_deref(),
            Some("bt000001")
        );
    }

    #[test]
    fn contexts_round_trip_and_refuse_junk() {
        let mut context = Context {
            request: Some(Request {
                artists: vec!["IU".into()],
                shifts: vec![(Axis::Tempo, 1)],
                ..Request::default()
            }),
            ..Context::default()
        };
        context.saw((0..100).map(|i| format!("{i:08}")));
        assert_eq!(context.seen.len(), MAX_SEEN);
        assert_eq!(context.seen[0], format!("{:08}", 100 - MAX_SEEN));
        let text = context.encode();
        assert!(text.len() < MAX_CONTEXT_BYTES, "{}", text.len());
        assert_eq!(Context::decode(&text), Some(context));
        assert_eq!(Context::decode("{not json"), None);
        assert_eq!(Context::decode(&"x".repeat(MAX_CONTEXT_BYTES + 1)), None);
    }
}
