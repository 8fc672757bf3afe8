//! Utterance → intent. People write "Coldplay", "콜드플레이 비슷한 노래", "BTS랑 비슷한 가수
//! 추천해줘", "songs like Daft Punk?": the artist is what is left once filler phrases and a
//! trailing Korean particle are taken away.

use soundalike_core::names::collapse_whitespace;

/// What an utterance asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// How to use the bot.
    Help,
    /// An artist: candidate spellings from the most literal to the most cleaned up.
    Artist(Vec<String>),
}

const HELP: [&str; 16] = [
    "help",
    "/help",
    "/start",
    "start",
    "hi",
    "hello",
    "hey",
    "?",
    "도움말",
    "도움",
    "사용법",
    "시작",
    "처음으로",
    "안녕",
    "안녕하세요",
    "메뉴",
];

/// Filler phrases, longest first so "비슷한 노래 추천해줘" goes before "비슷한".
const FILLERS: [&str; 44] = [
    "비슷한 노래 추천해줘",
    "비슷한 노래 추천해 줘",
    "비슷한 가수 추천해줘",
    "비슷한 노래 추천",
    "비슷한 가수 추천",
    "recommendations for",
    "similar artists to",
    "recommend me songs like",
    "recommend songs like",
    "songs similar to",
    "music similar to",
    "something like",
    "비슷한 아티스트",
    "비슷한 노래",
    "비슷한 가수",
    "비슷한 음악",
    "비슷한 곡",
    "같은 노래",
    "같은 가수",
    "노래 추천",
    "음악 추천",
    "추천해 줘",
    "추천해줘",
    "추천 좀",
    "알려줘",
    "들려줘",
    "songs like",
    "song like",
    "music like",
    "artists like",
    "artist like",
    "bands like",
    "sounds like",
    "similar to",
    "recommend me",
    "recommend",
    "please",
    "추천",
    "비슷한",
    "해줘",
    "좀",
    "similar",
    "like",
    "노래",
];

/// Particles that may trail a Korean name: "콜드플레이랑", "BTS와", "아이유 같은".
const PARTICLES: [&str; 8] = ["이랑", "하고", "같은", "처럼", "랑", "와", "과", "의"];

fn is_boundary(c: Option<char>) -> bool {
    c.is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation())
}

/// Remove `phrase` wherever it stands as whole words (ASCII) or anywhere (Hangul: particles
/// attach to the words around them).
fn remove_phrase(text: &str, phrase: &str) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return text.to_string(); // case folding changed byte offsets: leave it alone
    }
    let ascii = phrase.is_ascii();
    let mut out = String::new();
    let mut rest = 0;
    let mut from = 0;
    while let Some(found) = lower[from..].find(phrase) {
        let start = from + found;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !ascii || (is_boundary(before) && is_boundary(after)) {
            out.push_str(&text[rest..start]);
            out.push(' ');
            rest = end;
        }
        from = end;
    }
    out.push_str(&text[rest..]);
    out
}

fn tidy(text: &str) -> String {
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || "?!.,~…".contains(c));
    collapse_whitespace(trimmed)
}

/// Parse one utterance.
pub fn parse(utterance: &str) -> Intent {
    let literal = tidy(utterance);
    if literal.is_empty() || HELP.contains(&literal.to_lowercase().as_str()) {
        return Intent::Help;
    }
    let mut candidates = vec![literal.clone()];
    let mut cleaned = literal;
    let mut lower = cleaned.to_lowercase();
    for filler in FILLERS {
        // Most phrases are absent: test before rebuilding the string.
        if lower.contains(filler) {
            cleaned = tidy(&remove_phrase(&cleaned, filler));
            lower = cleaned.to_lowercase();
        }
    }
    if !cleaned.is_empty() && !candidates.contains(&cleaned) {
        candidates.push(cleaned.clone());
    }
    if let Some(stem) = PARTICLES.iter().find_map(|p| cleaned.strip_suffix(p)) {
        let stem = tidy(stem);
        if !stem.is_empty() && !candidates.contains(&stem) {
            candidates.push(stem);
        }
    }
    Intent::Artist(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(utterance: &str, expected: &[&str]) {
        let Intent::Artist(got) = parse(utterance) else {
            panic!("{utterance:?} parsed as help")
        };
        assert_eq!(got, expected, "{utterance:?}");
    }

    #[test]
    fn artist_queries_in_korean_and_english() {
        check("Coldplay", &["Coldplay"]);
        check("  coldplay?! ", &["coldplay"]);
        check(
            "콜드플레이 비슷한 노래",
            &["콜드플레이 비슷한 노래", "콜드플레이"],
        );
        check(
            "BTS랑 비슷한 가수 추천해줘",
            &["BTS랑 비슷한 가수 추천해줘", "BTS랑", "BTS"],
        );
        check("아이유 같은 노래", &["아이유 같은 노래", "아이유"]);
        check(
            "songs like Daft Punk",
            &["songs like Daft Punk", "Daft Punk"],
        );
        check(
            "Similar to The Killers please",
            &["Similar to The Killers please", "The Killers"],
        );
        check("Maroon 5 like", &["Maroon 5 like", "Maroon 5"]);
        // "like" inside a word is not a filler.
        check("Likeme", &["Likeme"]);
    }

    #[test]
    fn help_and_empty() {
        for u in ["", "  ", "help", "도움말", "안녕하세요", "?", "/start"] {
            assert_eq!(parse(u), Intent::Help, "{u:?}");
        }
    }
}
