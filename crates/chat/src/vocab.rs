//! The vocabulary: what words mean in catalog terms. Data, not code: `vocab/concepts.tsv` defines
//! each concept once (a genre, a feature region, an era, a follow-up act), and one table per
//! language (`vocab/ko.tsv`, `vocab/en.tsv`) lists the words and inflected forms people use for
//! it. Adding a word or a language is an edit of a table.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::music::Axis;

const CONCEPTS: &str = include_str!("../vocab/concepts.tsv");
const LANGUAGES: [&str; 2] = [
    include_str!("../vocab/ko.tsv"),
    include_str!("../vocab/en.tsv"),
];

/// A bound every returned track meets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The feature.
    pub axis: Axis,
    /// At least (`true`) or at most.
    pub min: bool,
    /// The value.
    pub value: f32,
}

/// How well known the tracks should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fame {
    /// Well known (the top of its table).
    #[serde(rename = "h")]
    High,
    /// Little known.
    #[serde(rename = "l")]
    Low,
}

/// Catalog constraints a concept stands for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Playlist genres (`k-pop`: Korean acts), any of.
    pub genres: Vec<String>,
    /// Playlist subgenres, any of.
    pub subgenres: Vec<String>,
    /// Feature bounds, all of.
    pub bounds: Vec<Bound>,
    /// Release years, inclusive.
    pub years: Option<(u16, u16)>,
    /// Fame.
    pub fame: Option<Fame>,
}

/// What a word does that is not a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// The next page of the previous answer.
    More,
    /// Leave out an artist.
    Exclude,
    /// "this artist": the previous request's seed.
    This,
    /// "another artist": leave out the previous request's seed.
    Other,
    /// Marks a seed ("like", "비슷한").
    Similar,
    /// Words around a request.
    Filler,
    /// Joins seeds ("and", "랑").
    Connector,
    /// "<title> by <artist>".
    By,
    /// Narrow a decade.
    Early,
    /// Narrow a decade.
    Mid,
    /// Narrow a decade.
    Late,
    /// Small talk.
    Talk(Talk),
}

/// Small talk kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Talk {
    /// Hello.
    Greet,
    /// Thank you.
    Thanks,
    /// Who are you.
    Who,
    /// How does this work.
    Help,
    /// Goodbye.
    Bye,
    /// Ok, hmm.
    Ack,
    /// ㅋㅋ, lol.
    Laugh,
}

/// What a concept means.
#[derive(Debug, Clone, PartialEq)]
pub enum Meaning {
    /// Catalog constraints.
    Filter(Filter),
    /// A follow-up moving a feature: `+1` up, `-1` down.
    Shift(Axis, i8),
    /// Music the catalog has no label for, with the concepts nearest to it.
    Missing(Vec<usize>),
    /// Not a filter.
    Act(Act),
}

/// One concept.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// Its name in `concepts.tsv`.
    pub name: &'static str,
    /// What it means.
    pub meaning: Meaning,
}

/// One way of saying a concept.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Lower case; Hangul forms without spaces.
    pub text: String,
    /// True for forms with Hangul (matched with spaces ignored).
    pub hangul: bool,
    /// Characters.
    pub chars: usize,
    /// The concept.
    pub concept: usize,
}

/// The loaded vocabulary.
#[derive(Debug)]
pub struct Vocab {
    /// Concepts, in `concepts.tsv` order.
    pub concepts: Vec<Concept>,
    /// Every form of every language, longest first.
    pub forms: Vec<Form>,
    /// Per concept, the first form of each language table (Korean, English): how replies name it.
    pub labels: Vec<[Option<&'static str>; 2]>,
    /// Each form's text to its position in `forms` (texts are unique): a turn looks words up
    /// many times.
    positions: HashMap<String, usize>,
    /// Finds every form in a text at once: Hangul forms (in the text without spaces), then the
    /// others; each with the form's position per pattern.
    finders: [(AhoCorasick, Vec<usize>); 2],
}

/// True for Hangul syllables and jamo.
pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3130}'..='\u{318F}').contains(&c)
}

fn parse_axis(name: &str) -> Option<Axis> {
    Axis::ALL.into_iter().find(|a| a.name() == name)
}

fn parse_filter_token(token: &str, filter: &mut Filter) -> Result<(), String> {
    if let Some(list) = token.strip_prefix("genre=") {
        filter.genres = list.split('|').map(str::to_string).collect();
    } else if let Some(list) = token.strip_prefix("sub=") {
        filter.subgenres = list.split('|').map(str::to_string).collect();
    } else if let Some(range) = token.strip_prefix("years=") {
        let (a, b) = range.split_once('-').ok_or("years=a-b")?;
        filter.years = Some((
            a.parse().map_err(|_| "year")?,
            b.parse().map_err(|_| "year")?,
        ));
    } else if let Some(fame) = token.strip_prefix("pop=") {
        filter.fame = Some(match fame {
            "high" => Fame::High,
            "low" => Fame::Low,
            _ => return Err(format!("pop={fame}")),
        });
    } else if let Some(bound) = token.strip_prefix("f:") {
        let (name, min, value) = if let Some((n, v)) = bound.split_once(">=") {
            (n, true, v)
        } else if let Some((n, v)) = bound.split_once("<=") {
            (n, false, v)
        } else {
            return Err(format!("bound {bound}"));
        };
        filter.bounds.push(Bound {
            axis: parse_axis(name).ok_or(format!("feature {name}"))?,
            min,
            value: value.parse().map_err(|_| format!("value {value}"))?,
        });
    } else {
        return Err(format!("unknown token {token}"));
    }
    Ok(())
}

fn parse_act(name: &str) -> Option<Act> {
    Some(match name {
        "more" => Act::More,
        "exclude" => Act::Exclude,
        "this" => Act::This,
        "other" => Act::Other,
        "similar" => Act::Similar,
        "filler" => Act::Filler,
        "connector" => Act::Connector,
        "by" => Act::By,
        "early" => Act::Early,
        "mid" => Act::Mid,
        "late" => Act::Late,
        "greet" => Act::Talk(Talk::Greet),
        "thanks" => Act::Talk(Talk::Thanks),
        "who" => Act::Talk(Talk::Who),
        "help" => Act::Talk(Talk::Help),
        "bye" => Act::Talk(Talk::Bye),
        "ack" => Act::Talk(Talk::Ack),
        "laugh" => Act::Talk(Talk::Laugh),
        _ => return None,
    })
}

fn rows(table: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    table
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| (n + 1, l.split('\t').collect()))
}

impl Vocab {
    /// Parse the tables; an error names the table line.
    pub fn parse() -> Result<Vocab, String> {
        let mut concepts = Vec::new();
        let mut alternatives: Vec<(usize, &str)> = Vec::new();
        for (line, fields) in rows(CONCEPTS) {
            let name = fields[0];
            let rule = fields.get(1).copied().unwrap_or("").trim();
            let fail = |why: String| format!("concepts.tsv:{line}: {why}");
            let meaning = if let Some(act) = rule.strip_prefix("act=") {
                Meaning::Act(parse_act(act).ok_or_else(|| fail(format!("act {act}")))?)
            } else if let Some(shift) = rule.strip_prefix("shift=") {
                let (axis, sign) = shift.split_at(shift.len() - 1);
                let axis = parse_axis(axis).ok_or_else(|| fail(format!("axis {axis}")))?;
                Meaning::Shift(axis, if sign == "+" { 1 } else { -1 })
            } else if let Some(rest) = rule.strip_prefix("missing") {
                let alt = rest.trim().strip_prefix("alt=").unwrap_or("");
                alternatives.push((concepts.len(), alt));
                Meaning::Missing(Vec::new())
            } else {
                let mut filter = Filter::default();
                // Labels may hold spaces ("sub=big room"): a word without a key continues the
                // token before it.
                let mut tokens: Vec<String> = Vec::new();
                for word in rule.split_whitespace() {
                    match tokens.last_mut() {
                        Some(last) if !word.contains(['=', ':']) => {
                            last.push(' ');
                            last.push_str(word);
                        }
                        _ => tokens.push(word.to_string()),
                    }
                }
                for token in &tokens {
                    parse_filter_token(token, &mut filter).map_err(fail)?;
                }
                Meaning::Filter(filter)
            };
            concepts.push(Concept { name, meaning });
        }
        for (at, alt) in alternatives {
            let ids = alt
                .split('|')
                .filter(|a| !a.is_empty())
                .map(|a| {
                    concepts
                        .iter()
                        .position(|c| c.name == a)
                        .ok_or(format!("concepts.tsv: unknown alternative {a}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            concepts[at].meaning = Meaning::Missing(ids);
        }
        let mut forms = Vec::new();
        let mut labels = vec![[None, None]; concepts.len()];
        for (language, table) in LANGUAGES.into_iter().enumerate() {
            for (line, fields) in rows(table) {
                let concept = concepts
                    .iter()
                    .position(|c| c.name == fields[0])
                    .ok_or(format!("line {line}: unknown concept {}", fields[0]))?;
                let all = fields.get(1).copied().unwrap_or("");
                labels[concept][language] = all.split(" | ").next().map(str::trim);
                for form in all.split(" | ") {
                    let lower = crate::understand::normalize(form);
                    let hangul = lower.chars().any(is_hangul);
                    let text: String = if hangul {
                        lower.chars().filter(|c| !c.is_whitespace()).collect()
                    } else {
                        lower
                    };
                    if text.is_empty() {
                        continue;
                    }
                    forms.push(Form {
                        chars: text.chars().count(),
                        text,
                        hangul,
                        concept,
                    });
                }
            }
        }
        // Longest first; on equal length a content concept before a filler, so that a word that
        // is both counts as content.
        forms.sort_by(|a, b| {
            b.chars
                .cmp(&a.chars)
                .then_with(|| rank(&concepts[a.concept]).cmp(&rank(&concepts[b.concept])))
                .then_with(|| a.text.cmp(&b.text))
        });
        forms.dedup_by(|a, b| a.text == b.text);
        let positions = forms
            .iter()
            .enumerate()
            .map(|(i, f)| (f.text.clone(), i))
            .collect();
        let finder = |hangul: bool| -> Result<(AhoCorasick, Vec<usize>), String> {
            let which: Vec<usize> = (0..forms.len())
                .filter(|&i| forms[i].hangul == hangul)
                .collect();
            let finder = AhoCorasick::new(which.iter().map(|&i| &forms[i].text))
                .map_err(|e| format!("vocabulary automaton: {e}"))?;
            Ok((finder, which))
        };
        let finders = [finder(true)?, finder(false)?];
        Ok(Vocab {
            concepts,
            forms,
            labels,
            positions,
            finders,
        })
    }

    /// The vocabulary, parsed once.
    pub fn get() -> &'static Vocab {
        static VOCAB: OnceLock<Vocab> = OnceLock::new();
        VOCAB.get_or_init(|| Vocab::parse().expect("the bundled vocabulary parses"))
    }

    /// How a reply in `lang` names a concept.
    pub fn label(&self, concept: usize, lang: crate::Lang) -> &'static str {
        let [ko, en] = self.labels[concept];
        let wanted = if lang == crate::Lang::Ko {
            ko.or(en)
        } else {
            en.or(ko)
        };
        wanted.unwrap_or(self.concepts[concept].name)
    }

    /// The form whose text is exactly `text`.
    pub fn form(&self, text: &str) -> Option<&Form> {
        self.positions.get(text).map(|&i| &self.forms[i])
    }

    /// True when `text` is a form: exactly, or a Hangul form with the spaces left out.
    pub fn is_form(&self, text: &str) -> bool {
        if self.positions.contains_key(text) {
            return true;
        }
        if !text.contains(char::is_whitespace) {
            return false;
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        self.form(&compact).is_some_and(|f| f.hangul)
    }

    /// Every occurrence of every form, overlapping ones included: (form, byte) pairs, Hangul
    /// forms found in `compact` (the text without spaces), the others in `spaced`.
    pub fn occurrences(&self, compact: &str, spaced: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for ((finder, forms), text) in self.finders.iter().zip([compact, spaced]) {
            out.extend(
                finder
                    .find_overlapping_iter(text)
                    .map(|m| (forms[m.pattern().as_usize()], m.start())),
            );
        }
        out
    }

    /// The longest Hangul form that `word` ends with, shorter than the word.
    pub fn hangul_suffix(&self, word: &str) -> Option<&Form> {
        word.char_indices()
            .skip(1)
            .filter_map(|(at, _)| self.form(&word[at..]))
            .find(|f| f.hangul)
    }

    /// The concept named `name`.
    pub fn concept(&self, name: &str) -> Option<usize> {
        self.concepts.iter().position(|c| c.name == name)
    }
}

/// Order among concepts of forms of equal length: filters and shifts, then acts, fillers last.
fn rank(concept: &Concept) -> u8 {
    match concept.meaning {
        Meaning::Filter(_) | Meaning::Shift(..) | Meaning::Missing(_) => 0,
        Meaning::Act(Act::Filler) => 3,
        Meaning::Act(Act::Talk(_)) => 2,
        Meaning::Act(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_parse_and_cover_the_kinds() {
        let vocab = Vocab::parse().unwrap();
        let moods = vocab
            .concepts
            .iter()
            .filter(|c| matches!(&c.meaning, Meaning::Filter(f) if !f.bounds.is_empty()))
            .count();
        assert!(moods >= 25, "{moods} feature regions");
        for word in ["신나는", "신난", "신나게", "chill", "비오는날", "workout"] {
            assert!(vocab.forms.iter().any(|f| f.text == word), "{word}");
        }
        let jazz = vocab.concept("jazz").unwrap();
        assert!(matches!(&vocab.concepts[jazz].meaning, Meaning::Missing(alt) if !alt.is_empty()));
    }
}
