//! Forgiving resolution of what a person typed to one known name: exact, then loose (accents,
//! punctuation, spaces, "the"), then a small edit distance for typos ("Colplay" → "Coldplay").

use std::collections::HashMap;

use crate::names::{loose_key, normalize_name};

/// What a query resolved to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// One entry, by position in the index; `exact` is false for loose or typo matches.
    Found {
        /// Position of the entry.
        entry: usize,
        /// True when the normalised names were equal.
        exact: bool,
    },
    /// No entry is close enough; the best few, most likely first (may be empty).
    Unknown {
        /// Positions of suggested entries.
        suggestions: Vec<usize>,
    },
}

struct Entry {
    loose: String,
    /// Characters in `loose`.
    chars: usize,
    /// [`char_signature`] of `loose`.
    signature: u64,
    weight: f64,
}

/// One bit per character kind (hashed into 64): a cheap, sound filter for edit distance. An edit
/// adds or removes at most one kind on each side, so within `k` edits each side has at most `k`
/// bits the other lacks (hash collisions only let more through, never fewer).
fn char_signature(text: &str) -> u64 {
    text.chars().fold(0, |mask, c| {
        mask | 1 << ((u32::from(c).wrapping_mul(0x9E37_79B9) >> 26) & 63)
    })
}

/// An index of names for resolution. Entries keep the caller's order; a weight (say, track count)
/// breaks ties toward better-known artists.
pub struct NameIndex {
    entries: Vec<Entry>,
    by_normalized: HashMap<String, Vec<usize>>,
    by_loose: HashMap<String, Vec<usize>>,
}

impl NameIndex {
    /// Build from `(name, weight)` pairs.
    pub fn new<'a>(names: impl IntoIterator<Item = (&'a str, f64)>) -> Self {
        let mut entries = Vec::new();
        let mut by_normalized: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_loose: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (name, weight)) in names.into_iter().enumerate() {
            let loose = loose_key(name);
            by_normalized
                .entry(normalize_name(name))
                .or_default()
                .push(i);
            by_loose.entry(loose.clone()).or_default().push(i);
            entries.push(Entry {
                chars: loose.chars().count(),
                signature: char_signature(&loose),
                loose,
                weight,
            });
        }
        Self {
            entries,
            by_normalized,
            by_loose,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the index holds no names.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn heaviest(&self, candidates: &[usize]) -> usize {
        *candidates
            .iter()
            .max_by(|a, b| {
                self.entries[**a]
                    .weight
                    .total_cmp(&self.entries[**b].weight)
                    .then(b.cmp(a))
            })
            .expect("non-empty candidate list")
    }

    /// The entry whose normalised name equals the query's, if any: a cheap lookup, no typo
    /// search (callers trying several spellings use this before [`NameIndex::resolve`]).
    pub fn find_exact(&self, query: &str) -> Option<usize> {
        self.by_normalized
            .get(&normalize_name(query))
            .map(|hits| self.heaviest(hits))
    }

    /// Resolve a query; never fails. At most `max_suggestions` suggestions when unknown.
    pub fn resolve(&self, query: &str, max_suggestions: usize) -> Resolution {
        if let Some(entry) = self.find_exact(query) {
            return Resolution::Found { entry, exact: true };
        }
        let loose = loose_key(query);
        if loose.is_empty() {
            return Resolution::Unknown {
                suggestions: Vec::new(),
            };
        }
        if let Some(hits) = self.by_loose.get(&loose) {
            return Resolution::Found {
                entry: self.heaviest(hits),
                exact: false,
            };
        }
        let length = loose.chars().count();
        let allowed = allowed_edits(length);
        let signature = char_signature(&loose);
        // Typos first: only names whose length is within the allowed edits can match, so the
        // costly distance runs on a few entries, not the whole catalog.
        let best = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.chars.abs_diff(length) <= allowed
                    && (signature & !e.signature).count_ones() as usize <= allowed
                    && (e.signature & !signature).count_ones() as usize <= allowed
            })
            .map(|(i, e)| (i, strsim::osa_distance(&loose, &e.loose)))
            .filter(|(_, d)| *d <= allowed)
            .min_by(|a, b| {
                a.1.cmp(&b.1)
                    .then(
                        self.entries[b.0]
                            .weight
                            .total_cmp(&self.entries[a.0].weight),
                    )
                    .then(a.0.cmp(&b.0))
            });
        if let Some((entry, _)) = best {
            return Resolution::Found {
                entry,
                exact: false,
            };
        }
        // Unknown: rank every name for suggestions. Jaro-Winkler favours shared prefixes, edit
        // similarity favours equal length; a name inside the other ("coldplay" in "coldplay
        // tribute") earns a bonus.
        let mut scored: Vec<(usize, f64)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let contained = e.loose.contains(&loose) || loose.contains(&e.loose);
                let likeness = 0.5 * strsim::jaro_winkler(&loose, &e.loose)
                    + 0.5 * strsim::normalized_levenshtein(&loose, &e.loose)
                    + if contained { 0.1 } else { 0.0 };
                (i, likeness)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(
                    self.entries[b.0]
                        .weight
                        .total_cmp(&self.entries[a.0].weight),
                )
                .then(a.0.cmp(&b.0))
        });
        Resolution::Unknown {
            suggestions: scored
                .into_iter()
                .take(max_suggestions)
                .map(|s| s.0)
                .collect(),
        }
    }
}

/// Typos tolerated for a key of `len` characters: none for very short names (an "IU" typo is
/// another artist), then about one per five characters.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=9 => 1,
        10..=14 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> NameIndex {
        NameIndex::new([
            ("Coldplay", 40.0),
            ("Keane", 10.0),
            ("The Killers", 30.0),
            ("Beyoncé", 25.0),
            ("IU", 12.0),
            ("아이유", 3.0),
            ("Cold Play Tribute", 1.0),
        ])
    }

    fn check(query: &str, expected: Option<usize>) {
        let got = match index().resolve(query, 5) {
            Resolution::Found { entry, .. } => Some(entry),
            Resolution::Unknown { .. } => None,
        };
        assert_eq!(got, expected, "query {query:?}");
    }

    #[test]
    fn resolves_forgivingly() {
        check("coldplay", Some(0));
        check("  COLD PLAY ", Some(0));
        check("Colplay", Some(0));
        check("Coldpaly", Some(0));
        check("killers", Some(2));
        check("Beyonce", Some(3));
        check("iu", Some(4));
        check("아이유", Some(5));
        check("IV", None);
        check("zzqx unknown", None);
    }

    #[test]
    fn the_signature_filter_never_drops_a_match() {
        // Every single edit of a name stays within one bit each way.
        let name = "coldplay";
        let edits = [
            "coldpay",
            "colddplay",
            "cpldplay",
            "ocl-dplay",
            "coldplya",
            "xoldplay",
        ];
        for edit in edits {
            let (a, b) = (char_signature(name), char_signature(edit));
            let k = strsim::osa_distance(name, edit);
            assert!(
                (a & !b).count_ones() as usize <= k && (b & !a).count_ones() as usize <= k,
                "{edit}"
            );
        }
    }

    #[test]
    fn unknown_gives_ranked_suggestions() {
        let Resolution::Unknown { suggestions } = index().resolve("Coldplayy Tribute Band", 3)
        else {
            panic!("should be unknown");
        };
        assert_eq!(suggestions.len(), 3);
        assert_eq!(suggestions[0], 6);
    }
}
