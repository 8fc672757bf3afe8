//! Offline evaluation of similarity algorithms against independent ground truth: the HetRec 2011
//! Last.fm 2K listening data (1,892 users' top artists).
//!
//! Protocol (also in the README):
//! - Ground truth: the cosine of two artists' listener sets, over artists with ≥ 5 listeners.
//! - Pool: catalog artists whose normalised name is such a HetRec artist.
//! - Queries: pool artists with ≥ 3 unique tracks in the catalog (and at least one pool artist
//!   sharing a listener, or nDCG is undefined); each ranks the whole pool, itself excluded.
//! - Metrics: nDCG@10 with the ground-truth cosine as gain (linear), and P@10 against the
//!   ground truth's own top 10.
//! - Split: queries fall in a *tune* or *test* half by a stable hash of the normalised name.
//!   Tune weights on the tune half only; report the test half.
//!
//! Optionally ([`artist_genres`]) it also reads a Spotify genre-list file into the catalog, to
//! measure `hybrid`'s source-genre block; that file is never bundled.
//!
//! **Invariant:** reads the ground-truth folder (and the optional genre file) and nothing else; it
//! never writes.
#![deny(missing_docs)]

pub mod artist_genres;
mod hetrec;
pub mod korean;
pub mod tune;

use rayon::prelude::*;
use soundalike_core::Catalog;
use soundalike_core::names::stable_hash64;
use soundalike_similarity::{Embedding, kernel};

pub use hetrec::{GroundTruth, GroundTruthError};

/// The protocol's constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protocol {
    /// Ground-truth artists need this many listeners.
    pub min_listeners: usize,
    /// Queries need this many unique tracks in the catalog.
    pub min_tracks: u32,
    /// Cut-off of the metrics.
    pub k: usize,
}

impl Default for Protocol {
    fn default() -> Self {
        Self {
            min_listeners: 5,
            min_tracks: 3,
            k: 10,
        }
    }
}

/// Which half of the queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// Weights may be tuned here.
    Tune,
    /// Reported; never looked at while tuning.
    Test,
}

impl Half {
    /// The half of a query, by a stable hash of its normalised name.
    pub fn of(normalized_name: &str) -> Half {
        if stable_hash64(normalized_name).is_multiple_of(2) {
            Half::Tune
        } else {
            Half::Test
        }
    }
}

/// The pool, queries and ground-truth gains for one catalog.
pub struct Setup {
    protocol: Protocol,
    /// Catalog indices of the pool artists.
    pub pool: Vec<usize>,
    /// Pool positions of the queries and their half.
    pub queries: Vec<(usize, Half)>,
    /// Pool artists that had ≥ `min_tracks` but no listener overlap with any other pool artist.
    pub queries_without_ground_truth: usize,
    /// Ground-truth cosine between pool positions (row-major pool × pool).
    gains: Vec<f32>,
}

/// Scores on one half.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HalfScore {
    /// Mean nDCG@k.
    pub ndcg: f64,
    /// Mean precision@k against the ground truth's top k.
    pub precision: f64,
    /// Number of queries.
    pub queries: usize,
}

/// An algorithm's evaluation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// The tune half.
    pub tune: HalfScore,
    /// The test half.
    pub test: HalfScore,
    /// Distinct artists appearing across all queries' top-k lists.
    pub distinct_recommended: usize,
    /// Queries for which the algorithm returned fewer than k artists.
    pub short_lists: usize,
}

impl Setup {
    /// Match a catalog against the ground truth.
    pub fn new(catalog: &Catalog, truth: &GroundTruth, protocol: Protocol) -> Self {
        let mut pool = Vec::new();
        let mut listener_sets = Vec::new();
        for (i, artist) in catalog.artists.iter().enumerate() {
            if let Some(set) = truth.listeners(&artist.normalized_name)
                && set.len() >= protocol.min_listeners
            {
                pool.push(i);
                listener_sets.push(set);
            }
        }
        let n = pool.len();
        let gains: Vec<f32> = (0..n * n)
            .into_par_iter()
            .map(|ij| {
                let (i, j) = (ij / n, ij % n);
                if i == j {
                    0.0
                } else {
                    cosine(listener_sets[i], listener_sets[j])
                }
            })
            .collect();
        let track_counts = catalog.tracks_by_artist();
        let mut queries = Vec::new();
        let mut queries_without_ground_truth = 0;
        for (position, &artist) in pool.iter().enumerate() {
            if (track_counts[artist].len() as u32) < protocol.min_tracks {
                continue;
            }
            if gains[position * n..(position + 1) * n]
                .iter()
                .all(|g| *g == 0.0)
            {
                queries_without_ground_truth += 1;
                continue;
            }
            queries.push((position, Half::of(&catalog.artists[artist].normalized_name)));
        }
        Self {
            protocol,
            pool,
            queries,
            queries_without_ground_truth,
            gains,
        }
    }

    /// Number of queries in a half.
    pub fn count(&self, half: Half) -> usize {
        self.queries.iter().filter(|q| q.1 == half).count()
    }

    fn gain(&self, query: usize, other: usize) -> f32 {
        self.gains[query * self.pool.len() + other]
    }

    /// Evaluate one algorithm's vectors (built over the whole catalog).
    pub fn evaluate(&self, embedding: &Embedding) -> Report {
        self.evaluate_queries(embedding, &self.queries)
    }

    /// Evaluate on one half only: the other half's queries are never ranked. Returns the half's
    /// scores and the number of distinct artists across its queries' top-k lists.
    pub fn evaluate_half(&self, embedding: &Embedding, half: Half) -> (HalfScore, usize) {
        let queries: Vec<(usize, Half)> = self
            .queries
            .iter()
            .copied()
            .filter(|q| q.1 == half)
            .collect();
        let report = self.evaluate_queries(embedding, &queries);
        let score = match half {
            Half::Tune => report.tune,
            Half::Test => report.test,
        };
        (score, report.distinct_recommended)
    }

    /// Rank the pool for each of `queries` and score the lists, per half.
    fn evaluate_queries(&self, embedding: &Embedding, queries: &[(usize, Half)]) -> Report {
        let k = self.protocol.k;
        let query_rows: Vec<usize> = queries.iter().map(|(q, _)| self.pool[*q]).collect();
        let lists = kernel::top_k_among(embedding, &query_rows, &self.pool, k);
        let position_of: std::collections::HashMap<usize, usize> =
            self.pool.iter().enumerate().map(|(p, &a)| (a, p)).collect();
        let mut report = Report::default();
        let mut seen = std::collections::HashSet::new();
        for ((query, half), list) in queries.iter().zip(&lists) {
            let ranked: Vec<usize> = list
                .iter()
                .map(|n| position_of[&(n.index as usize)])
                .collect();
            seen.extend(ranked.iter().copied());
            if ranked.len() < k {
                report.short_lists += 1;
            }
            let (ndcg, precision) = self.score(*query, &ranked);
            let score = match half {
                Half::Tune => &mut report.tune,
                Half::Test => &mut report.test,
            };
            score.ndcg += ndcg;
            score.precision += precision;
            score.queries += 1;
        }
        for score in [&mut report.tune, &mut report.test] {
            if score.queries > 0 {
                score.ndcg /= score.queries as f64;
                score.precision /= score.queries as f64;
            }
        }
        report.distinct_recommended = seen.len();
        report
    }

    /// nDCG@k and P@k of one ranked list of pool positions.
    fn score(&self, query: usize, ranked: &[usize]) -> (f64, f64) {
        let k = self.protocol.k;
        let discount = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
        let dcg: f64 = ranked
            .iter()
            .take(k)
            .enumerate()
            .map(|(r, &o)| f64::from(self.gain(query, o)) * discount(r))
            .sum();
        let mut ideal: Vec<(f32, usize)> = (0..self.pool.len())
            .filter(|&o| o != query)
            .map(|o| (self.gain(query, o), o))
            .collect();
        ideal.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let idcg: f64 = ideal
            .iter()
            .take(k)
            .enumerate()
            .map(|(r, (g, _))| f64::from(*g) * discount(r))
            .sum();
        let truth_top: Vec<usize> = ideal
            .iter()
            .take(k)
            .filter(|(g, _)| *g > 0.0)
            .map(|(_, o)| *o)
            .collect();
        let hits = ranked
            .iter()
            .take(k)
            .filter(|o| truth_top.contains(o))
            .count();
        (dcg / idcg, hits as f64 / k as f64)
    }
}

/// Cosine of two sorted id sets.
fn cosine(a: &[u32], b: &[u32]) -> f32 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    if common == 0 {
        0.0
    } else {
        common as f32 / ((a.len() * b.len()) as f32).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_sets() {
        assert_eq!(cosine(&[1, 2, 3, 4], &[3, 4, 5, 6]), 0.5);
        assert_eq!(cosine(&[1], &[2]), 0.0);
        assert_eq!(cosine(&[], &[2]), 0.0);
    }
}
