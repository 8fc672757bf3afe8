//! Sparse columns of an [`Embedding`]: blocks with one column per playlist (or per source genre)
//! would make dense rows as wide as the catalog has playlists, so they are kept as sorted
//! `(column, value)` rows and their inner product is added to the dense part's score.
//!
//! Top-k with a sparse part stays exact without scoring every pair sparsely: the values are
//! non-negative, and a candidate sharing no column with the query scores its dense part only,
//! so the true top k lies within the dense part's top k plus the candidates sharing a column
//! with the query ([`SparseRows::merge`]). Those are found through an inverted index (cost
//! `Σ over columns of (rows holding it)²`, small for playlists of realistic sizes) and every
//! member of that union is scored in full.

use rayon::prelude::*;

use crate::kernel::{Embedding, Neighbour, TopK, dot};

/// One non-zero of a sparse row: its column and its query-side and candidate-side values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseEntry {
    /// Column.
    pub column: u32,
    /// Value on the query side (≥ 0).
    pub query: f32,
    /// Value on the candidate side (≥ 0).
    pub candidate: f32,
}

/// Sparse non-negative rows, one per artist (CSR), compared by inner product of a query row's
/// query-side values with a candidate row's candidate-side values.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRows {
    offsets: Vec<usize>,
    columns: Vec<u32>,
    query: Vec<f32>,
    candidate: Vec<f32>,
}

impl Default for SparseRows {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            columns: Vec::new(),
            query: Vec::new(),
            candidate: Vec::new(),
        }
    }
}

impl SparseRows {
    /// Rows from per-row entries, each sorted by column.
    pub fn from_rows(rows: impl IntoIterator<Item = Vec<SparseEntry>>) -> Self {
        let mut out = Self::default();
        for row in rows {
            out.push(&row);
        }
        out
    }

    /// Append a row (entries sorted by column, values non-negative and finite).
    pub fn push(&mut self, row: &[SparseEntry]) {
        assert!(
            row.windows(2).all(|w| w[0].column < w[1].column),
            "sparse entries must be sorted by column, without repeats"
        );
        assert!(
            row.iter().all(|e| e.query >= 0.0 && e.candidate >= 0.0),
            "sparse values must be non-negative (and not NaN)"
        );
        for e in row {
            self.columns.push(e.column);
            self.query.push(e.query);
            self.candidate.push(e.candidate);
        }
        self.offsets.push(self.columns.len());
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Non-zeros over all rows.
    pub fn nnz(&self) -> usize {
        self.columns.len()
    }

    fn span(&self, row: usize) -> std::ops::Range<usize> {
        self.offsets[row]..self.offsets[row + 1]
    }

    /// The entries of one row.
    pub fn row(&self, row: usize) -> impl Iterator<Item = SparseEntry> + '_ {
        self.span(row).map(|i| SparseEntry {
            column: self.columns[i],
            query: self.query[i],
            candidate: self.candidate[i],
        })
    }

    /// Inner product of row `q`'s query side with row `c`'s candidate side (summed in ascending
    /// column order, as [`SparseRows::merge`] does).
    pub fn dot(&self, q: usize, c: usize) -> f32 {
        let (qs, cs) = (self.span(q), self.span(c));
        let (qc, cc) = (&self.columns[qs.clone()], &self.columns[cs.clone()]);
        let (qv, cv) = (&self.query[qs], &self.candidate[cs]);
        let (mut i, mut j, mut sum) = (0, 0, 0f32);
        while i < qc.len() && j < cc.len() {
            match qc[i].cmp(&cc[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += qv[i] * cv[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// `Σ over columns of (rows holding it)²` restricted to `rows`: the work of finding every
    /// pair that shares a column (what [`SparseRows::merge`] costs).
    pub fn pair_work(&self, rows: &[usize]) -> u64 {
        let mut per_column: Vec<u64> = Vec::new();
        for &r in rows {
            for i in self.span(r) {
                let c = self.columns[i] as usize;
                if c >= per_column.len() {
                    per_column.resize(c + 1, 0);
                }
                per_column[c] += 1;
            }
        }
        per_column.iter().map(|n| n * n).sum()
    }

    /// An inverted index over `candidates` (row indices): per column, the candidates holding it
    /// as (position in `candidates`, candidate-side value), positions ascending.
    pub(crate) fn postings(&self, candidates: &[usize]) -> Postings {
        let columns = self
            .columns
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut starts = vec![0usize; columns + 1];
        for &r in candidates {
            for i in self.span(r) {
                starts[self.columns[i] as usize + 1] += 1;
            }
        }
        for c in 0..columns {
            starts[c + 1] += starts[c];
        }
        let mut fill = starts.clone();
        let mut entries = vec![(0u32, 0f32); starts[columns]];
        for (position, &r) in candidates.iter().enumerate() {
            for i in self.span(r) {
                let c = self.columns[i] as usize;
                entries[fill[c]] = (position as u32, self.candidate[i]);
                fill[c] += 1;
            }
        }
        Postings {
            starts,
            entries,
            candidates: candidates.len(),
        }
    }

    /// The candidates sharing a column with row `q` and the sparse part of their score, as
    /// (position, value) sorted by position, into `out` (cleared first). Each value adds the
    /// products in ascending column order, as [`SparseRows::dot`] does.
    pub(crate) fn shared(&self, q: usize, postings: &Postings, scratch: &mut Shared) {
        let Shared { acc, touched, out } = scratch;
        if acc.len() < postings.candidates {
            acc.resize(postings.candidates, -1.0);
        }
        for i in self.span(q) {
            let (column, value) = (self.columns[i] as usize, self.query[i]);
            let Some(range) = postings.starts.get(column..column + 2) else {
                continue; // a column no candidate holds
            };
            for &(c, cv) in &postings.entries[range[0]..range[1]] {
                // −1 marks a candidate not reached yet (every sum is ≥ 0).
                let slot = &mut acc[c as usize];
                if *slot < 0.0 {
                    *slot = 0.0;
                    touched.push(c);
                }
                *slot += value * cv;
            }
        }
        touched.sort_unstable();
        out.clear();
        out.extend(touched.iter().map(|&c| (c, acc[c as usize])));
        for &c in touched.iter() {
            acc[c as usize] = -1.0;
        }
        touched.clear();
    }

    /// Exact top-k lists of `queries` among `candidates` (row indices), from `lists`: per query,
    /// the dense part's top k as positions in `candidates` (their scores are ignored), in
    /// `queries` order. Every candidate sharing a column with the query is added and each is
    /// scored in full (`dense + sparse`). A query never gets itself.
    pub(crate) fn merge(
        &self,
        embedding: &Embedding,
        queries: &[usize],
        candidates: &[usize],
        lists: Vec<Vec<Neighbour>>,
        k: usize,
    ) -> Vec<Vec<Neighbour>> {
        assert_eq!(queries.len(), lists.len(), "one list per query");
        let postings = self.postings(candidates);
        let dense_of = |q: usize, c: usize| {
            dot(
                embedding.queries.row(q),
                embedding.candidate_matrix().row(c),
            )
        };
        // Queries in the order of their first sparse column, so the queries sharing a playlist
        // run one after another and its members' rows stay in cache between them.
        let mut order: Vec<usize> = (0..queries.len()).collect();
        let first = |i: usize| self.columns.get(self.offsets[queries[i]]).copied();
        let first_columns: Vec<u32> = (0..queries.len())
            .map(|i| match self.span(queries[i]).is_empty() {
                true => u32::MAX,
                false => first(i).unwrap_or(u32::MAX),
            })
            .collect();
        order.sort_by_key(|&i| (first_columns[i], i));
        let mut lists: Vec<Option<Vec<Neighbour>>> = lists.into_iter().map(Some).collect();
        let work: Vec<(usize, Vec<Neighbour>)> = order
            .iter()
            .map(|&i| (i, lists[i].take().expect("each query once")))
            .collect();
        let mut merged: Vec<(usize, Vec<Neighbour>)> = work
            .into_par_iter()
            .map_init(Shared::default, |scratch, (i, list)| {
                let q = queries[i];
                self.shared(q, &postings, scratch);
                let mut items: Vec<Neighbour> = Vec::with_capacity(list.len() + scratch.out.len());
                for &(position, sparse) in &scratch.out {
                    let c = candidates[position as usize];
                    if c != q {
                        items.push(Neighbour {
                            index: c as u32,
                            score: dense_of(q, c) + sparse,
                        });
                    }
                }
                for n in list {
                    let position = n.index;
                    let shared = scratch
                        .out
                        .binary_search_by_key(&position, |&(p, _)| p)
                        .is_ok();
                    let c = candidates[position as usize];
                    if c != q && !shared {
                        items.push(Neighbour {
                            index: c as u32,
                            score: dense_of(q, c),
                        });
                    }
                }
                (i, TopK::best_of(k, items).items)
            })
            .collect();
        merged.sort_unstable_by_key(|(i, _)| *i);
        merged.into_iter().map(|(_, list)| list).collect()
    }
}

/// See [`SparseRows::postings`].
pub(crate) struct Postings {
    starts: Vec<usize>,
    entries: Vec<(u32, f32)>,
    candidates: usize,
}

/// Per-thread scratch of [`SparseRows::shared`]; `out` holds the last result.
#[derive(Default)]
pub(crate) struct Shared {
    acc: Vec<f32>,
    touched: Vec<u32>,
    pub(crate) out: Vec<(u32, f32)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(column: u32, query: f32, candidate: f32) -> SparseEntry {
        SparseEntry {
            column,
            query,
            candidate,
        }
    }

    #[test]
    fn dot_pairs_matching_columns_only() {
        let rows = SparseRows::from_rows([
            vec![entry(1, 1.0, 2.0), entry(4, 0.5, 1.0)],
            vec![entry(0, 3.0, 3.0), entry(4, 2.0, 4.0), entry(9, 1.0, 1.0)],
            vec![],
        ]);
        assert_eq!(rows.rows(), 3);
        assert_eq!(rows.nnz(), 5);
        assert_eq!(rows.dot(0, 1), 0.5 * 4.0);
        assert_eq!(rows.dot(1, 0), 2.0 * 1.0);
        assert_eq!(rows.dot(0, 2), 0.0);
        // Columns 1 and 4 hold one row each, 0 and 9 one, 4 two: 1 + 4 + 1 + 1.
        assert_eq!(rows.pair_work(&[0, 1, 2]), 7);
    }

    /// Dense rows in -0.5..0.5 plus sparse rows of a few of 40 columns, candidate side scaled.
    fn embedding(rows: usize, dim: usize, seed: u64) -> Embedding {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let unit = |x: u32| x as f32 / (1u64 << 31) as f32;
        let queries: Vec<f32> = (0..rows * dim).map(|_| unit(next()) - 0.5).collect();
        let candidates: Vec<f32> = queries.iter().map(|x| x * 1.3).collect();
        let sparse = (0..rows).map(|_| {
            let mut row: Vec<SparseEntry> = (0..(next() % 4))
                .map(|_| {
                    let value = unit(next());
                    entry(next() % 40, value, value * 1.3)
                })
                .collect();
            row.sort_by_key(|e| e.column);
            row.dedup_by_key(|e| e.column);
            row
        });
        Embedding {
            metric: crate::Metric::Dot,
            queries: crate::kernel::Matrix::new(queries, dim),
            candidates: Some(crate::kernel::Matrix::new(candidates, dim)),
            valid: (0..rows).map(|i| i % 13 != 4).collect(),
            sparse: Some(SparseRows::from_rows(sparse.collect::<Vec<_>>())),
        }
    }

    #[test]
    fn top_k_with_a_sparse_part_is_exact() {
        let e = embedding(700, 8, 11);
        let k = 10;
        let fast = crate::kernel::top_k_all(&e, k);
        let approx = crate::ann::top_k_all(&e, k, &crate::ann::Params::default());
        for q in 0..e.valid.len() {
            if !e.valid[q] {
                assert!(fast[q].is_empty() && approx[q].is_empty());
                continue;
            }
            let mut all: Vec<(f32, u32)> = (0..e.valid.len())
                .filter(|&c| c != q && e.valid[c])
                .map(|c| (e.score(q, c), c as u32))
                .collect();
            all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            // The kernel adds in blocks, so scores may differ from `score` in the last bits.
            assert_eq!(fast[q].len(), k);
            for (n, &(score, index)) in fast[q].iter().zip(&all) {
                assert!((n.score - e.score(q, n.index as usize)).abs() < 1e-5);
                assert!(
                    n.index == index || (n.score - score).abs() < 1e-5,
                    "query {q}"
                );
            }
            // The approximate index's lists carry the same full scores.
            for n in &approx[q] {
                assert_eq!(n.score, e.score(q, n.index as usize));
            }
        }
        // A subset of candidates (what evaluation and incremental inserts ask).
        let pool: Vec<usize> = (0..e.valid.len()).step_by(3).collect();
        let some = crate::kernel::top_k_among(&e, &[5, 6], &pool, k);
        for (list, q) in some.iter().zip([5, 6]) {
            assert!(
                list.iter()
                    .all(|n| n.index % 3 == 0 && n.index as usize != q)
            );
        }
    }

    #[test]
    #[should_panic(expected = "sorted by column")]
    fn unsorted_rows_are_refused() {
        SparseRows::from_rows([vec![entry(3, 1.0, 1.0), entry(1, 1.0, 1.0)]]);
    }

    #[test]
    #[should_panic(expected = "non-negative")]
    fn negative_values_are_refused() {
        SparseRows::from_rows([vec![entry(3, -1.0, 1.0)]]);
    }
}
