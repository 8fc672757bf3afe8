//! Incremental update: a new artist gets its neighbours and enters the other artists' lists
//! without recomputing everything.
//!
//! The new artist's vectors come from the already fitted model (for `hybrid`,
//! [`crate::hybrid::Model::row`]) and are appended to the [`Embedding`] with
//! [`Embedding::push`]. [`insert`] then costs two passes of the exact kernel over one row:
//! the new artist's top-k among everyone (its list), and everyone's score against the new artist
//! (it replaces another list's k-th when it beats it, with the same tie rule as
//! [`crate::kernel::top_k_all`]). So the lists equal a full recompute over the same embedding, at
//! O(N·d) instead of O(N²·d).

use crate::kernel::{self, Embedding, Neighbour};

/// Insert artist `new` (a valid row of `embedding` that no list holds yet) into `lists`, the
/// top-`k` lists of every row as [`kernel::top_k_all`] left them (missing rows get empty
/// lists). Returns the rows whose lists changed, `new` first.
pub fn insert(
    embedding: &Embedding,
    lists: &mut Vec<Vec<Neighbour>>,
    new: usize,
    k: usize,
) -> Vec<usize> {
    let rows = embedding.valid.len();
    assert!(new < rows, "row {new} is not in the embedding");
    lists.resize(rows, Vec::new());
    if !embedding.valid[new] || k == 0 {
        return Vec::new();
    }
    let everyone: Vec<usize> = (0..rows).collect();
    lists[new] = kernel::top_k_among(embedding, &[new], &everyone, k)
        .pop()
        .expect("one list per query");
    let mut changed = vec![new];
    let others: Vec<usize> = (0..rows).filter(|&r| r != new).collect();
    let scores = kernel::top_k_among(embedding, &others, &[new], 1);
    let entrant = new as u32;
    for (&row, found) in others.iter().zip(scores) {
        let Some(&Neighbour { score, .. }) = found.first() else {
            continue; // row has no vector
        };
        let list = &mut lists[row];
        // The same order as the kernel's top-k: higher score first, ties to the lower index.
        let better = |n: &Neighbour| n.score > score || (n.score == score && n.index < entrant);
        if list.len() == k && list.last().is_some_and(better) {
            continue;
        }
        let at = list.partition_point(better);
        list.insert(
            at,
            Neighbour {
                index: entrant,
                score,
            },
        );
        list.truncate(k);
        changed.push(row);
    }
    changed
}
