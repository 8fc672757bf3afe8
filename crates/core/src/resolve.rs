//! Forgiving resolution of what a person typed to one known name: exact, then loose (accents,
//! punctuation, spaces, "the"), then a small edit distance for typos ("Colplay" → "Coldplay");
//! and ranked search (exact, prefix, substring, then typos) for search boxes.
//!
//! Generic over names: artists today, track titles the same way. The work per query is bounded
//! by the query's length and the candidates its character pairs select, never by the catalog:
//! - exact and loose matches are hash lookups;
//! - prefix matches are a binary search in the loose keys, sorted;
//! - substring and typo candidates come from an inverted index of character bigrams (padded with
//!   start and end markers), each posting list sorted by key length, so a typo search reads only
//!   the names of a possible length. A name within `k` edits keeps all but at most `3k` of the
//!   query's distinct bigrams (an edit touches at most three: a transposition), so candidates
//!   sharing fewer are skipped without a distance computation.
//!
//! Queries are cut to [`MAX_QUERY_BYTES`] before normalisation: no name is longer, and the cost
//! of a query stays bounded whatever a caller passes.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::names::{loose_key, normalize_name};

/// Longest query looked at, in bytes (cut at a character boundary): longer input can still be
/// refused by the caller with a clear message; here it only bounds the work.
pub const MAX_QUERY_BYTES: usize = 512;

/// Most prefix matches examined for one query (a one-letter prefix selects many names; the
/// heaviest of the first this many in key order are kept).
const PREFIX_SCAN_MAX: usize = 4096;

/// Candidates ranked for suggestions when nothing matches.
const SUGGESTION_CANDIDATES: usize = 64;

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

/// How a search hit matched the query, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    /// The normalised or loose names are equal.
    Exact,
    /// The name starts with the query.
    Prefix,
    /// The name contains the query.
    Substring,
    /// The name is a few edits away.
    Typo,
}

impl MatchKind {
    /// `exact`, `prefix`, `substring` or `typo`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Prefix => "prefix",
            MatchKind::Substring => "substring",
            MatchKind::Typo => "typo",
        }
    }
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the entry.
    pub entry: usize,
    /// How it matched.
    pub kind: MatchKind,
}

struct Entry {
    loose: Box<str>,
    /// Characters in `loose`.
    chars: u32,
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

/// Start and end markers of padded bigrams: outside Unicode, so never a character of a key.
const START: u32 = 0x11_0000;
const END: u32 = 0x11_0001;

fn gram(a: u32, b: u32) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Distinct padded bigrams of a key (`^a`, `ab`, ..., `z$`), sorted.
fn padded_grams(key: &str) -> Vec<u64> {
    let mut grams = Vec::with_capacity(key.len() + 1);
    let mut previous = START;
    for c in key.chars() {
        grams.push(gram(previous, u32::from(c)));
        previous = u32::from(c);
    }
    grams.push(gram(previous, END));
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// Distinct interior bigrams of a key (no markers): what any name containing it also has.
fn interior_grams(key: &str) -> Vec<u64> {
    let chars: Vec<u32> = key.chars().map(u32::from).collect();
    let mut grams: Vec<u64> = chars.windows(2).map(|w| gram(w[0], w[1])).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// `text` cut to at most `max` bytes at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

thread_local! {
    /// Per-thread counters for the bigram count filter, reset after each use (only the entries
    /// touched), so a query costs what its posting lists hold.
    static COUNTS: RefCell<Vec<u16>> = const { RefCell::new(Vec::new()) };
}

/// An index of names for resolution and search. Entries keep the caller's order; a weight (say,
/// track count) breaks ties toward better-known names.
pub struct NameIndex {
    entries: Vec<Entry>,
    by_normalized: HashMap<String, Vec<u32>>,
    by_loose: HashMap<Box<str>, Vec<u32>>,
    /// Entry positions sorted by loose key (prefix ranges).
    sorted: Vec<u32>,
    /// Entry positions sorted by key length (length ranges when a query has too few bigrams).
    by_length: Vec<u32>,
    /// Padded bigram → entries having it, sorted by (key length, position).
    grams: HashMap<u64, Vec<u32>>,
    /// Longest key, in characters.
    max_chars: u32,
}

impl NameIndex {
    /// Build from `(name, weight)` pairs.
    pub fn new<'a>(names: impl IntoIterator<Item = (&'a str, f64)>) -> Self {
        let mut entries = Vec::new();
        let mut by_normalized: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_loose: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut grams: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, (name, weight)) in names.into_iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion names");
            let loose: Box<str> = loose_key(name).into();
            by_normalized
                .entry(normalize_name(name))
                .or_default()
                .push(i);
            by_loose.entry(loose.clone()).or_default().push(i);
            if !loose.is_empty() {
                for g in padded_grams(&loose) {
                    grams.entry(g).or_default().push(i);
                }
            }
            entries.push(Entry {
                chars: loose.chars().count() as u32,
                signature: char_signature(&loose),
                loose,
                weight,
            });
        }
        let mut sorted: Vec<u32> = (0..entries.len() as u32).collect();
        sorted.sort_unstable_by(|a, b| entries[*a as usize].loose.cmp(&entries[*b as usize].loose));
        let by_chars = |a: &u32, b: &u32| {
            (entries[*a as usize].chars, *a).cmp(&(entries[*b as usize].chars, *b))
        };
        let mut by_length = (0..entries.len() as u32).collect::<Vec<_>>();
        by_length.sort_unstable_by(by_chars);
        for list in grams.values_mut() {
            list.sort_unstable_by(by_chars);
            list.shrink_to_fit();
        }
        let max_chars = entries.iter().map(|e| e.chars).max().unwrap_or(0);
        Self {
            entries,
            by_normalized,
            by_loose,
            sorted,
            by_length,
            grams,
            max_chars,
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

    fn weight(&self, entry: u32) -> f64 {
        self.entries[entry as usize].weight
    }

    /// Heavier first, then the earlier position.
    fn heavier_first(&self, a: u32, b: u32) -> std::cmp::Ordering {
        self.weight(b).total_cmp(&self.weight(a)).then(a.cmp(&b))
    }

    fn heaviest(&self, candidates: &[u32]) -> usize {
        candidates
            .iter()
            .copied()
            .min_by(|a, b| self.heavier_first(*a, *b))
            .expect("non-empty candidate list") as usize
    }

    /// The entry whose normalised name equals the query's, if any: a cheap lookup, no typo
    /// search (callers trying several spellings use this before [`NameIndex::resolve`]).
    pub fn find_exact(&self, query: &str) -> Option<usize> {
        self.by_normalized
            .get(&normalize_name(truncate(query, MAX_QUERY_BYTES)))
            .map(|hits| self.heaviest(hits))
    }

    /// Resolve a query; never fails. At most `max_suggestions` suggestions when unknown.
    pub fn resolve(&self, query: &str, max_suggestions: usize) -> Resolution {
        let query = truncate(query, MAX_QUERY_BYTES);
        if let Some(entry) = self.find_exact(query) {
            return Resolution::Found { entry, exact: true };
        }
        let loose = loose_key(query);
        if loose.is_empty() {
            return Resolution::Unknown {
                suggestions: Vec::new(),
            };
        }
        if let Some(hits) = self.by_loose.get(loose.as_str()) {
            return Resolution::Found {
                entry: self.heaviest(hits),
                exact: false,
            };
        }
        if let Some(&(entry, _)) = self.typos(&loose).first() {
            return Resolution::Found {
                entry: entry as usize,
                exact: false,
            };
        }
        Resolution::Unknown {
            suggestions: self.suggestions(&loose, max_suggestions),
        }
    }

    /// Up to `limit` names for a search box, best first: exact matches, then names starting
    /// with the query, then names containing it, then names a few typos away (each group
    /// heavier first; typos nearer first). Empty when nothing matches.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let query = truncate(query, MAX_QUERY_BYTES);
        let loose = loose_key(query);
        if loose.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut push = |hits: &mut Vec<Hit>, entries: Vec<u32>, kind: MatchKind| {
            for entry in entries {
                if hits.len() == limit {
                    return;
                }
                if seen.insert(entry) {
                    hits.push(Hit {
                        entry: entry as usize,
                        kind,
                    });
                }
            }
        };
        let mut exact: Vec<u32> = self
            .by_normalized
            .get(&normalize_name(query))
            .into_iter()
            .flatten()
            .chain(self.by_loose.get(loose.as_str()).into_iter().flatten())
            .copied()
            .collect();
        exact.sort_unstable_by(|a, b| self.heavier_first(*a, *b));
        push(&mut hits, exact, MatchKind::Exact);
        if hits.len() < limit {
            push(&mut hits, self.prefixed(&loose), MatchKind::Prefix);
        }
        if hits.len() < limit {
            push(&mut hits, self.containing(&loose), MatchKind::Substring);
        }
        if hits.len() < limit {
            let typos = self.typos(&loose).into_iter().map(|(e, _)| e).collect();
            push(&mut hits, typos, MatchKind::Typo);
        }
        hits
    }

    /// Entries whose key starts with `loose` (longer than it), heavier first.
    fn prefixed(&self, loose: &str) -> Vec<u32> {
        let start = self
            .sorted
            .partition_point(|&e| &*self.entries[e as usize].loose < loose);
        let mut found: Vec<u32> = self.sorted[start..]
            .iter()
            .take(PREFIX_SCAN_MAX)
            .take_while(|&&e| self.entries[e as usize].loose.starts_with(loose))
            .copied()
            .filter(|&e| *self.entries[e as usize].loose != *loose)
            .collect();
        found.sort_unstable_by(|a, b| self.heavier_first(*a, *b));
        found
    }

    /// Entries whose key contains `loose` past its start, heavier first: the rarest of the
    /// query's bigrams picks the candidates (only keys at least as long), then each is checked.
    fn containing(&self, loose: &str) -> Vec<u32> {
        let chars = loose.chars().count() as u32;
        if chars < 2 || chars > self.max_chars {
            return Vec::new();
        }
        let mut rarest: Option<&[u32]> = None;
        for g in interior_grams(loose) {
            let Some(list) = self.grams.get(&g) else {
                return Vec::new();
            };
            let from = list.partition_point(|&e| self.entries[e as usize].chars < chars);
            let list = &list[from..];
            if rarest.is_none_or(|r| list.len() < r.len()) {
                rarest = Some(list);
            }
        }
        let mut found: Vec<u32> = rarest
            .unwrap_or_default()
            .iter()
            .copied()
            .filter(|&e| {
                let key = &self.entries[e as usize].loose;
                key.contains(loose) && !key.starts_with(loose)
            })
            .collect();
        found.sort_unstable_by(|a, b| self.heavier_first(*a, *b));
        found
    }

    /// Entries within the allowed edits of `loose` (not equal to it), nearest then heavier
    /// first, with their distance.
    fn typos(&self, loose: &str) -> Vec<(u32, usize)> {
        let length = loose.chars().count();
        let allowed = allowed_edits(length);
        if allowed == 0 || length > self.max_chars as usize + allowed {
            return Vec::new();
        }
        let (low, high) = ((length - allowed) as u32, (length + allowed) as u32);
        let grams = padded_grams(loose);
        let needed = grams.len().saturating_sub(3 * allowed);
        let signature = char_signature(loose);
        let close = |e: u32| {
            let entry = &self.entries[e as usize];
            (signature & !entry.signature).count_ones() as usize <= allowed
                && (entry.signature & !signature).count_ones() as usize <= allowed
        };
        let candidates: Vec<u32> = if needed == 0 {
            // Too few bigrams to filter by (a short, repetitive query): every key of a
            // possible length.
            let from = self
                .by_length
                .partition_point(|&e| self.entries[e as usize].chars < low);
            self.by_length[from..]
                .iter()
                .copied()
                .take_while(|&e| self.entries[e as usize].chars <= high)
                .filter(|&e| close(e))
                .collect()
        } else {
            self.count_shared(&grams, Some((low, high)), |count| count >= needed)
                .into_iter()
                .map(|(e, _)| e)
                .filter(|&e| close(e))
                .collect()
        };
        let mut found: Vec<(u32, usize)> = candidates
            .into_iter()
            .map(|e| {
                (
                    e,
                    strsim::osa_distance(loose, &self.entries[e as usize].loose),
                )
            })
            .filter(|&(_, d)| d <= allowed && d > 0)
            .collect();
        found.sort_unstable_by(|a, b| a.1.cmp(&b.1).then(self.heavier_first(a.0, b.0)));
        found
    }

    /// Entries sharing bigrams with the query, with how many, for those whose count passes
    /// `keep`; `lengths` limits the keys read to a length range (inclusive).
    fn count_shared(
        &self,
        grams: &[u64],
        lengths: Option<(u32, u32)>,
        keep: impl Fn(usize) -> bool,
    ) -> Vec<(u32, usize)> {
        COUNTS.with(|counts| {
            let mut counts = counts.borrow_mut();
            if counts.len() < self.entries.len() {
                counts.resize(self.entries.len(), 0);
            }
            let mut touched = Vec::new();
            for g in grams {
                let Some(list) = self.grams.get(g) else {
                    continue;
                };
                let list = match lengths {
                    Some((low, high)) => {
                        let from = list.partition_point(|&e| self.entries[e as usize].chars < low);
                        let to = list.partition_point(|&e| self.entries[e as usize].chars <= high);
                        &list[from..to.max(from)]
                    }
                    None => list,
                };
                for &e in list {
                    let count = &mut counts[e as usize];
                    if *count == 0 {
                        touched.push(e);
                    }
                    *count = count.saturating_add(1);
                }
            }
            let kept = touched
                .iter()
                .map(|&e| (e, usize::from(counts[e as usize])))
                .filter(|&(_, n)| keep(n))
                .collect();
            for e in touched {
                counts[e as usize] = 0;
            }
            kept
        })
    }

    /// The best few names for an unknown query, most likely first. Candidates: names sharing
    /// the most bigrams with it, and names it starts or is contained in; ranked by likeness:
    /// Jaro-Winkler favours shared prefixes, edit similarity favours equal length, and a name
    /// inside the other ("coldplay" in "coldplay tribute") earns a bonus.
    fn suggestions(&self, loose: &str, max: usize) -> Vec<usize> {
        if max == 0 {
            return Vec::new();
        }
        // Likeness needs only the start of a long query; the rest cannot change the candidates
        // much and would cost time per candidate.
        let loose = truncate(loose, 4 * (self.max_chars as usize + 4));
        let mut shared = self.count_shared(&padded_grams(loose), None, |n| n > 0);
        shared.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(self.heavier_first(a.0, b.0)));
        shared.truncate(SUGGESTION_CANDIDATES);
        let mut candidates: Vec<u32> = shared.into_iter().map(|(e, _)| e).collect();
        candidates.extend(self.prefixed(loose).into_iter().take(SUGGESTION_CANDIDATES));
        candidates.extend(
            self.containing(loose)
                .into_iter()
                .take(SUGGESTION_CANDIDATES),
        );
        candidates.sort_unstable();
        candidates.dedup();
        let mut scored: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|e| {
                let key = &*self.entries[e as usize].loose;
                let contained = key.contains(loose) || loose.contains(key);
                let likeness = 0.5 * strsim::jaro_winkler(loose, key)
                    + 0.5 * strsim::normalized_levenshtein(loose, key)
                    + if contained { 0.1 } else { 0.0 };
                (e, likeness)
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(self.heavier_first(a.0, b.0)));
        scored
            .into_iter()
            .take(max)
            .map(|(e, _)| e as usize)
            .collect()
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
            ("Cold War Kids", 8.0),
            ("Arcade Fire", 9.0),
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
        check("Xoldplay", Some(0));
        check("Coldplayy", Some(0));
        check("killers", Some(2));
        check("The Kilers", Some(2));
        check("Beyonce", Some(3));
        check("iu", Some(4));
        check("아이유", Some(5));
        check("IV", None);
        check("zzqx unknown", None);
    }

    /// The indexed typo search finds exactly what a scan of every name with the same distance
    /// rule finds, on every single edit of every name.
    #[test]
    fn the_index_finds_what_a_full_scan_finds() {
        let names = [
            "Coldplay",
            "Keane",
            "The Killers",
            "Beyoncé",
            "Arcade Fire",
            "Cold War Kids",
            "Daft Punk",
            "Radiohead",
            "Red Hot Chili Peppers",
            "Aaaa",
            "Abba",
            "Maroon 5",
            "Florence + The Machine",
            "방탄소년단",
            "Twenty One Pilots",
        ];
        let index = NameIndex::new(names.iter().map(|n| (*n, 1.0)));
        let keys: Vec<String> = names.iter().map(|n| loose_key(n)).collect();
        let alphabet = ['a', 'e', 'o', 'x', 'z', '5', '단'];
        for key in &keys {
            let chars: Vec<char> = key.chars().collect();
            let mut variants = Vec::new();
            for i in 0..=chars.len() {
                for c in alphabet {
                    let mut v = chars.clone();
                    v.insert(i, c);
                    variants.push(v);
                }
                if i < chars.len() {
                    let mut v = chars.clone();
                    v.remove(i);
                    variants.push(v.clone());
                    for c in alphabet {
                        let mut v = chars.clone();
                        v[i] = c;
                        variants.push(v);
                    }
                }
                if i + 1 < chars.len() {
                    let mut v = chars.clone();
                    v.swap(i, i + 1);
                    variants.push(v);
                }
            }
            for variant in variants {
                let query: String = variant.into_iter().collect();
                let allowed = allowed_edits(query.chars().count());
                let mut expected: Vec<u32> = keys
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| {
                        let d = strsim::osa_distance(&query, k);
                        d > 0 && d <= allowed
                    })
                    .map(|(i, _)| i as u32)
                    .collect();
                let mut got: Vec<u32> = index.typos(&query).into_iter().map(|(e, _)| e).collect();
                expected.sort_unstable();
                got.sort_unstable();
                assert_eq!(got, expected, "query {query:?}");
            }
        }
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

    #[test]
    fn search_ranks_exact_prefix_substring_then_typos() {
        let index = index();
        let kinds = |q: &str| -> Vec<(usize, MatchKind)> {
            index
                .search(q, 10)
                .into_iter()
                .map(|h| (h.entry, h.kind))
                .collect()
        };
        // "cold": Coldplay (heaviest) first, then the other names starting with it.
        assert_eq!(
            kinds("cold"),
            vec![
                (0, MatchKind::Prefix),
                (7, MatchKind::Prefix),
                (6, MatchKind::Prefix)
            ]
        );
        assert_eq!(kinds("Coldplay")[0], (0, MatchKind::Exact));
        // "play" is inside two names; "fire" inside one.
        assert_eq!(
            kinds("play"),
            vec![(0, MatchKind::Substring), (6, MatchKind::Substring)]
        );
        assert_eq!(kinds("fire"), vec![(8, MatchKind::Substring)]);
        assert_eq!(kinds("Keene"), vec![(1, MatchKind::Typo)]);
        assert!(kinds("zzqx").is_empty());
        assert!(kinds("   ").is_empty());
        assert_eq!(index.search("c", 2).len(), 2);
    }

    #[test]
    fn huge_queries_are_cut_not_scanned() {
        let index = index();
        let long = "Coldplay ".repeat(10_000);
        assert!(matches!(
            index.resolve(&long, 5),
            Resolution::Unknown { .. }
        ));
        assert!(index.search(&long, 5).len() <= 5);
        // A query cut inside a multi-byte character stays valid.
        let hangul = "아".repeat(MAX_QUERY_BYTES);
        let _ = index.resolve(&hangul, 5);
    }
}
