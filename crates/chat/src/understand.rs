//! Normalise and understand one utterance: which artists, titles and vocabulary concepts it
//! mentions, in order. Three passes over the normalised text:
//! 1. **names**: runs of whole words that are an artist's name or alias exactly (a Korean word
//!    may carry endings: 트와이스랑, 아이유비슷한노래), unless the run is itself a vocabulary word;
//! 2. **vocabulary**: every form of the language tables, longest first (Hangul forms with spaces
//!    ignored; one-syllable Hangul forms and Latin forms only at word edges);
//! 3. **the rest**: each leftover run is an artist, a title, a year, or unresolved text. Only a
//!    leftover of [`FORGIVING_MIN_CHARS`] letters or more may match an artist with typos, so
//!    short common words never turn into artists.

use unicode_normalization::UnicodeNormalization;

use crate::music::Music;
use crate::vocab::{Act, Meaning, Vocab, is_hangul};

/// Letters a leftover needs before a typo-tolerant artist match is tried.
pub const FORGIVING_MIN_CHARS: usize = 5;
/// Most words in a name looked for.
const MAX_NAME_WORDS: usize = 6;
/// Most words in a title and its artist looked for together.
const MAX_SONG_WORDS: usize = 9;

/// A title and its artist in words `a..b`, in either order, maybe joined by "by" or "-":
/// the song and the artist.
fn song_by_artist(
    music: &Music,
    span: &dyn Fn(usize, usize) -> String,
    a: usize,
    b: usize,
) -> Option<(u32, u32)> {
    for k in a + 1..b {
        for (title, artist) in [((a, k), (k, b)), ((k, b), (a, k))] {
            let mut artist_text = span(artist.0, artist.1);
            for joiner in ["by ", "- ", "의 "] {
                if let Some(rest) = artist_text.strip_prefix(joiner) {
                    artist_text = rest.to_string();
                }
            }
            let mut title_text = span(title.0, title.1);
            for joiner in [" by", " -", " 의"] {
                if let Some(rest) = title_text.strip_suffix(joiner) {
                    title_text = rest
                        .trim_end_matches(|c: char| !c.is_alphanumeric())
                        .to_string();
                }
            }
            let Some(artist) = music.artist_exact(&artist_text) else {
                continue;
            };
            let song = music
                .titled(&title_text)
                .iter()
                .copied()
                .filter(|&s| music.songs[s as usize].artist == artist)
                .max_by_key(|&s| music.songs[s as usize].popularity);
            if let Some(song) = song {
                return Some((song, artist));
            }
        }
    }
    None
}

/// NFKC, lower case, emoji and symbols to spaces, whitespace collapsed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    // NFKC folds width and ligatures, but would turn ㅋ (compatibility jamo, what people type)
    // into a conjoining jamo: those stay as typed.
    let folded: String = text
        .chars()
        .flat_map(|c| {
            let keep = ('\u{3130}'..='\u{318F}').contains(&c);
            let mut out = [c].into_iter().collect::<String>();
            if !keep {
                out = out.nfkc().collect();
            }
            out.chars().collect::<Vec<char>>()
        })
        .collect();
    for c in folded.nfc().flat_map(char::to_lowercase) {
        let keep = c.is_alphanumeric() || "&'+-.,/:!?#$".contains(c);
        if keep {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Something the utterance mentions.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// An artist (position in [`Music::acts`]).
    Artist(u32),
    /// A title: the tracks with it.
    Title(Vec<u32>),
    /// A vocabulary concept.
    Concept(usize),
    /// A year range typed as digits.
    Years(u16, u16),
    /// Text nothing matched.
    Unresolved(String),
}

/// An understood utterance: what it mentions, in text order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    /// Items in order.
    pub items: Vec<Item>,
}

impl Parsed {
    /// The concepts mentioned.
    pub fn concepts(&self) -> impl Iterator<Item = usize> + '_ {
        self.items.iter().filter_map(|i| match i {
            Item::Concept(c) => Some(*c),
            _ => None,
        })
    }

    /// True when an act of this kind is mentioned.
    pub fn has_act(&self, act: Act) -> bool {
        let vocab = Vocab::get();
        self.concepts()
            .any(|c| vocab.concepts[c].meaning == Meaning::Act(act))
    }
}

struct Text {
    chars: Vec<char>,
    taken: Vec<bool>,
}

impl Text {
    fn boundary_before(&self, at: usize) -> bool {
        at == 0 || self.taken[at - 1] || !self.chars[at - 1].is_alphanumeric()
    }

    fn boundary_after(&self, end: usize, hangul_ok: bool) -> bool {
        end >= self.chars.len()
            || self.taken[end]
            || !self.chars[end].is_alphanumeric()
            || (hangul_ok && is_hangul(self.chars[end]))
    }

    fn free(&self, range: std::ops::Range<usize>) -> bool {
        range.into_iter().all(|i| !self.taken[i])
    }

    fn take(&mut self, range: std::ops::Range<usize>) {
        for i in range {
            self.taken[i] = true;
        }
    }
}

/// The artist a word names, possibly with Korean endings attached: the position and the
/// length in characters of the name part.
fn name_in_word(music: &Music, vocab: &Vocab, word: &str) -> Option<(u32, usize)> {
    let mut rest = word;
    for _ in 0..6 {
        if let Some(a) = music.artist_exact(rest) {
            return Some((a, rest.chars().count()));
        }
        if !rest.chars().last().is_some_and(is_hangul) {
            // "헤이즈st", "아이유style": a Latin ending on a Hangul name.
            let latin = rest.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            if latin.len() < rest.len()
                && latin.chars().last().is_some_and(is_hangul)
                && vocab.form(&rest[latin.len()..]).is_some()
            {
                rest = latin;
                continue;
            }
            return None;
        }
        let stripped = vocab.hangul_suffix(rest)?;
        rest = &rest[..rest.len() - stripped.text.len()];
        if rest.is_empty() {
            return None;
        }
    }
    None
}

/// Understand one normalised utterance.
pub fn parse(music: &Music, text: &str) -> Parsed {
    let vocab = Vocab::get();
    let chars: Vec<char> = text.chars().collect();
    let mut t = Text {
        taken: vec![false; chars.len()],
        chars,
    };
    // (start, item), sorted by start at the end.
    let mut found: Vec<(usize, Item)> = Vec::new();

    // 1. Vocabulary phrases of several Latin words first ("broken heart", "r and b", "what can
    // you do"): a name or title inside one ("Heart", "B") is not meant.
    match_forms(&mut t, vocab, &mut found, |f| {
        !f.hangul && f.text.contains(' ')
    });

    // 2. Names and titles: runs of whole words, longest first. A title next to its artist
    // ("sugar maroon 5", "happier by marshmello", "아이유 라일락") is that artist's song.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in t.chars.iter().enumerate() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push((s, t.chars.len()));
    }
    let is_form = |s: &str| vocab.is_form(s);
    let chars = t.chars.clone();
    let span = |a: usize, b: usize| -> String {
        let run: String = chars[words[a].0..words[b - 1].1].iter().collect();
        run.trim_matches(|c: char| !c.is_alphanumeric()).to_string()
    };
    // Every word a vocabulary form: "give me", "for a" are not titles.
    let all_forms = |a: usize, b: usize| (a..b).all(|i| is_form(&span(i, i + 1)));
    for n in (1..=MAX_SONG_WORDS.min(words.len())).rev() {
        for w in 0..=words.len() - n {
            let (from, to) = (words[w].0, words[w + n - 1].1);
            if !t.free(from..to) {
                continue;
            }
            if n >= 2
                && let Some((song, artist)) = song_by_artist(music, &span, w, w + n)
            {
                t.take(from..to);
                found.push((from, Item::Title(vec![song])));
                found.push((from + 1, Item::Artist(artist)));
                continue;
            }
            if n > MAX_NAME_WORDS {
                continue;
            }
            let run: String = t.chars[from..to].iter().collect();
            let trimmed = run.trim_matches(|c: char| !c.is_alphanumeric());
            if trimmed.is_empty() || is_form(trimmed) {
                continue;
            }
            let hit = if n == 1 {
                name_in_word(music, vocab, trimmed).filter(|(_, len)| {
                    let part: String = trimmed.chars().take(*len).collect();
                    !is_form(&part)
                })
            } else {
                music
                    .artist_exact(trimmed)
                    .map(|a| (a, trimmed.chars().count()))
            };
            let lead = run.len() - run.trim_start_matches(|c: char| !c.is_alphanumeric()).len();
            let begin = from + run[..lead].chars().count();
            if let Some((artist, len)) = hit {
                t.take(begin..begin + len);
                found.push((begin, Item::Artist(artist)));
            } else if n >= 2 && !all_forms(w, w + n) {
                let songs = music.titled(trimmed);
                if !songs.is_empty() {
                    t.take(begin..begin + trimmed.chars().count());
                    found.push((begin, Item::Title(songs.to_vec())));
                }
            }
        }
    }

    // 2. The rest of the vocabulary.
    match_forms(&mut t, vocab, &mut found, |_| true);

    // 3. Leftover runs.
    let mut i = 0;
    while i < t.chars.len() {
        if t.taken[i] {
            i += 1;
            continue;
        }
        let from = i;
        while i < t.chars.len() && !t.taken[i] {
            i += 1;
        }
        let run: String = t.chars[from..i].iter().collect();
        let run = run.trim_matches(|c: char| !c.is_alphanumeric());
        if !run.is_empty() {
            // A lone word is a title only when asked about as one ("like X", "X 같은") or when
            // it is all there is: "hey bot" is not the song "Bot".
            let titles = found.is_empty()
                || found.iter().any(|(_, item)| {
                    matches!(item, Item::Concept(c)
                        if vocab.concepts[*c].meaning == Meaning::Act(Act::Similar))
                });
            found.push((from, resolve_leftover(music, vocab, run, titles)));
        }
    }
    found.sort_by_key(|(at, _)| *at);
    Parsed {
        items: found.into_iter().map(|(_, item)| item).collect(),
    }
}

/// Take every occurrence of the vocabulary forms `which` selects, longest first.
fn match_forms(
    t: &mut Text,
    vocab: &Vocab,
    found: &mut Vec<(usize, Item)>,
    which: impl Fn(&crate::vocab::Form) -> bool,
) {
    let compact: Vec<usize> = (0..t.chars.len())
        .filter(|&i| !t.chars[i].is_whitespace())
        .collect();
    let compact_text: String = compact.iter().map(|&i| t.chars[i]).collect();
    let char_at: Vec<usize> = compact_text.char_indices().map(|(b, _)| b).collect();
    let spaced: String = t.chars.iter().collect();
    let spaced_at: Vec<usize> = spaced.char_indices().map(|(b, _)| b).collect();
    // Where each form occurs, as `str::match_indices` would give them (left to right, without
    // overlaps), for all forms in one pass over each text.
    let mut all: Vec<(usize, usize)> = vocab.occurrences(&compact_text, &spaced);
    all.retain(|&(f, _)| which(&vocab.forms[f]));
    all.sort_unstable();
    let mut hits = Vec::with_capacity(all.len());
    let mut last = (usize::MAX, 0);
    for (f, byte) in all {
        if f == last.0 && byte < last.1 {
            continue;
        }
        last = (f, byte + vocab.forms[f].text.len());
        hits.push((f, byte));
    }
    // One-syllable Hangul forms go last, in two rounds: as endings (at a word's end), then
    // content words at a word's start (랩좀 → 랩); fillers never start a word (로꼬 stays).
    let syllable = |f: usize| vocab.forms[f].hangul && vocab.forms[f].chars == 1;
    let (syllables, others): (Vec<_>, Vec<_>) = hits.iter().partition(|&&(f, _)| syllable(f));
    let rounds = others
        .iter()
        .map(|&h| (h, 0))
        .chain(syllables.iter().map(|&h| (h, 1)))
        .chain(syllables.iter().map(|&h| (h, 2)));
    for ((f, byte), round) in rounds {
        let form = &vocab.forms[f];
        if form.hangul {
            if round == 2
                && matches!(
                    vocab.concepts[form.concept].meaning,
                    Meaning::Act(Act::Filler | Act::Connector | Act::Similar)
                )
            {
                continue;
            }
            let Ok(first) = char_at.binary_search(&byte) else {
                continue;
            };
            let (from, to) = (compact[first], compact[first + form.chars - 1] + 1);
            if !t.free(from..to)
                || (round == 1 && !t.boundary_after(to, false))
                || (round == 2 && !t.boundary_before(from))
            {
                continue;
            }
            t.take(from..to);
            found.push((from, Item::Concept(form.concept)));
        } else {
            // Symbols ("&", "+", ",") join words without spaces around them.
            let symbol = !form.text.chars().any(char::is_alphanumeric);
            let Ok(from) = spaced_at.binary_search(&byte) else {
                continue;
            };
            let to = from + form.chars;
            if !t.free(from..to)
                || (!symbol && (!t.boundary_before(from) || !t.boundary_after(to, true)))
            {
                continue;
            }
            t.take(from..to);
            found.push((from, Item::Concept(form.concept)));
        }
    }
}

fn year_of(text: &str) -> Option<u16> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let year: u16 = digits.parse().ok().filter(|_| digits.len() == 4)?;
    (1950..=2021).contains(&year).then_some(year)
}

fn resolve_leftover(music: &Music, vocab: &Vocab, run: &str, titles: bool) -> Item {
    if let Some(year) = year_of(run) {
        return Item::Years(year, year);
    }
    if let Some(a) = music.artist_exact(run) {
        return Item::Artist(a);
    }
    let titled = music.titled(run);
    if titles && !titled.is_empty() && run.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
        return Item::Title(titled.to_vec());
    }
    if let Some((a, _)) = name_in_word(music, vocab, run) {
        return Item::Artist(a);
    }
    if let Some(a) = music.artist_by_first_words(run, FORGIVING_MIN_CHARS) {
        return Item::Artist(a);
    }
    if let Some(a) = music.artist_forgiving(run, FORGIVING_MIN_CHARS) {
        return Item::Artist(a);
    }
    Item::Unresolved(run.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_case_width_and_drops_emoji() {
        assert_eq!(normalize("  신나는 노래🔥🔥 추천!! "), "신나는 노래 추천!!");
        assert_eq!(normalize("ＣＨＩＬＬ  R&B"), "chill r&b");
        assert_eq!(normalize("ㅋㅋㅋ 아이유"), "ㅋㅋㅋ 아이유");
    }
}
