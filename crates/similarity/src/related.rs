//! "Fans also like" lists from live sources (Deezer related, Last.fm similar, Spotify related
//! artists) folded into computed neighbour lists: the artists a source names lead the list, in the
//! order of the embedding's score, and the embedding's nearest fill the rest. A source's list is
//! listening data about exactly this artist, which the catalog's signals only approximate, and it
//! is all a freshly found artist without playlists has.

use crate::{Embedding, Neighbour};

/// Reorder each `lists[i]` so that the artists `named[i]` lists (catalog indices, any order,
/// duplicates allowed) come first, then the rest; each part best score first, ties to the lower
/// index; at most `k` entries. Scores stay the embedding's (0 for an artist without a vector), so
/// a stored score always means the same thing; the order is the rank.
pub fn lead_with_named(
    embedding: &Embedding,
    lists: &mut [Vec<Neighbour>],
    named: &[Vec<u32>],
    k: usize,
) {
    for (i, (list, named)) in lists.iter_mut().zip(named).enumerate() {
        if named.is_empty() {
            continue;
        }
        let score = |j: usize| {
            if embedding.valid[i] && embedding.valid[j] {
                embedding.score(i, j)
            } else {
                0.0
            }
        };
        let mut first: Vec<Neighbour> = Vec::new();
        for &j in named {
            if j as usize != i && !first.iter().any(|n| n.index == j) {
                first.push(Neighbour {
                    index: j,
                    score: score(j as usize),
                });
            }
        }
        let by_score =
            |a: &Neighbour, b: &Neighbour| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index));
        first.sort_by(by_score);
        first.truncate(k);
        let rest = list
            .iter()
            .filter(|n| !first.iter().any(|f| f.index == n.index))
            .copied()
            .take(k - first.len())
            .collect::<Vec<_>>();
        first.extend(rest);
        *list = first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Matrix, Metric, top_k_all};

    #[test]
    fn named_artists_lead_in_score_order_and_the_nearest_fill_up() {
        // Four artists on a line; artist 3 has no vector.
        let rows = [[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.0, 0.0]];
        let matrix = Matrix::new(rows.iter().flatten().copied().collect(), 2);
        let embedding = Embedding::symmetric(Metric::Dot, matrix, vec![true, true, true, false]);
        let mut lists = top_k_all(&embedding, 2);
        let untouched = lists[1].clone();
        let named = vec![vec![3, 2, 2, 0], vec![], vec![], vec![0]];
        lead_with_named(&embedding, &mut lists, &named, 2);
        let order = |l: &[Neighbour]| l.iter().map(|n| n.index).collect::<Vec<_>>();
        // Artist 0: its own index is skipped; 2 scores 0, 3 has no vector (0): tie to the lower.
        assert_eq!(order(&lists[0]), [2, 3]);
        assert_eq!(lists[0][0].score, 0.0);
        assert_eq!(lists[1], untouched);
        // An artist without a vector gets what sources name.
        assert_eq!(order(&lists[3]), [0]);
    }
}
