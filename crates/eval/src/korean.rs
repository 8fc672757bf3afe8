//! The K-pop neighbour check, which needs no new ground truth: for the Korean acts present in
//! both the K-pop table and the Wikidata file (country KR), the share of each one's top-10
//! neighbours (among every artist of the catalog) that are Korean acts, beside the chance level
//! (the share of Korean acts among the other artists).

use soundalike_core::Catalog;
use soundalike_similarity::{Embedding, kernel};

/// The figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KoreanNeighbours {
    /// Query artists (those with a vector).
    pub queries: usize,
    /// Mean share of a query's top-k neighbours that are Korean acts.
    pub share: f64,
    /// The same for a list drawn at random from the other artists.
    pub chance: f64,
}

/// Share of Korean acts among each query's top-`k` neighbours. `korean[a]`: artist `a` of the
/// catalog is a Korean act; `queries`: catalog indices.
pub fn korean_neighbours(
    catalog: &Catalog,
    embedding: &Embedding,
    korean: &[bool],
    queries: &[usize],
    k: usize,
) -> KoreanNeighbours {
    let all: Vec<usize> = (0..catalog.artists.len()).collect();
    let lists = kernel::top_k_among(embedding, queries, &all, k);
    let scored: Vec<f64> = lists
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.iter().filter(|n| korean[n.index as usize]).count() as f64 / l.len() as f64)
        .collect();
    let n = korean.len().max(2) as f64;
    let korean_total = korean.iter().filter(|&&k| k).count() as f64;
    KoreanNeighbours {
        queries: scored.len(),
        share: scored.iter().sum::<f64>() / scored.len().max(1) as f64,
        // A query is Korean itself: the others hold one Korean act fewer.
        chance: (korean_total - 1.0).max(0.0) / (n - 1.0),
    }
}
