//! Exact top-k: for each query row, the `k` best candidate rows under a [`Metric`].
//!
//! The dot-product path works block by block: a block of queries times a block of candidates is
//! one small matrix multiply (`matrixmultiply::sgemm`, runtime-dispatched SIMD) into a per-thread
//! buffer, immediately folded into per-query top-k lists. No N×N matrix ever exists: memory is
//! O(N·d + threads · QUERY_BLOCK · CANDIDATE_BLOCK). Query blocks run in parallel on rayon.

use rayon::prelude::*;

use crate::sparse::{Postings, Shared, SparseEntry, SparseRows};

/// Queries per block (rows of one multiply). Tuned with `bench/similarity` (2 threads,
/// d = 16 and 64): 256 × 256 beat the former 64 × 2048 by about 1.8× at d = 16.
pub const QUERY_BLOCK: usize = 256;
/// Candidates per block (columns of one multiply); 256 × 256 floats = 256 KiB per thread, so
/// the score block stays in L2 between the multiply and the fold.
pub const CANDIDATE_BLOCK: usize = 256;

/// Scores tested at once against the current k-th best while folding a block into a top-k list.
const FOLD_LANES: usize = 16;

/// A dense row-major matrix of f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    data: Vec<f32>,
    dim: usize,
}

impl Matrix {
    /// Rows of `dim` values each, back to back.
    pub fn new(data: Vec<f32>, dim: usize) -> Self {
        assert!(
            dim > 0 && data.len().is_multiple_of(dim),
            "data length must be a multiple of dim"
        );
        Self { data, dim }
    }

    /// Values per row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Every value, row after row.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// One row.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Append one row.
    pub fn push_row(&mut self, row: &[f32]) {
        assert_eq!(row.len(), self.dim, "row length must be dim");
        self.data.extend_from_slice(row);
    }

    fn gather(&self, rows: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(rows.len() * self.dim);
        for &r in rows {
            data.extend_from_slice(self.row(r));
        }
        Matrix {
            data,
            dim: self.dim,
        }
    }
}

/// How two vectors compare; every metric yields a score where higher is more similar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    /// Inner product (cosine when rows are unit length).
    Dot,
    /// `1 - L1 distance / max_distance`.
    L1 {
        /// The largest possible distance, to map scores into 0..=1.
        max_distance: f32,
    },
}

/// Vectors for every artist: query-side and candidate-side rows (the same for a symmetric
/// algorithm), and which artists have a vector at all.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// How rows compare.
    pub metric: Metric,
    /// Row i describes artist i as a query.
    pub queries: Matrix,
    /// Row i describes artist i as a candidate; `None` means the same as `queries`.
    pub candidates: Option<Matrix>,
    /// False for artists without a vector: they get no neighbours and are nobody's neighbour.
    pub valid: Vec<bool>,
    /// Sparse non-negative columns whose inner product adds to a `Dot` score (one row per
    /// artist; see [`crate::sparse`]); `None`: dense rows only.
    pub sparse: Option<SparseRows>,
}

/// One artist's vectors, as [`Embedding::push`] appends them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vectors {
    /// Query-side dense row.
    pub query: Vec<f32>,
    /// Candidate-side dense row (equal to `query` for a symmetric embedding).
    pub candidate: Vec<f32>,
    /// Sparse entries, sorted by column (empty for an embedding without a sparse part).
    pub sparse: Vec<SparseEntry>,
}

impl Embedding {
    /// One matrix for both sides.
    pub fn symmetric(metric: Metric, matrix: Matrix, valid: Vec<bool>) -> Self {
        assert_eq!(matrix.rows(), valid.len());
        Self {
            metric,
            queries: matrix,
            candidates: None,
            valid,
            sparse: None,
        }
    }

    /// Append an artist (for [`crate::incremental::insert`]): its query-side and candidate-side
    /// rows (the same for a symmetric embedding) and its sparse entries.
    pub fn push(&mut self, vectors: &Vectors, valid: bool) {
        let (query, candidate) = (&vectors.query, &vectors.candidate);
        match &mut self.candidates {
            Some(c) => c.push_row(candidate),
            None if query == candidate => {}
            None => {
                let mut c = self.queries.clone();
                c.push_row(candidate);
                self.candidates = Some(c);
            }
        }
        match &mut self.sparse {
            Some(sparse) => sparse.push(&vectors.sparse),
            None => assert!(
                vectors.sparse.is_empty(),
                "sparse entries for an embedding without a sparse part"
            ),
        }
        self.queries.push_row(query);
        self.valid.push(valid);
    }

    /// The candidate-side matrix.
    pub fn candidate_matrix(&self) -> &Matrix {
        self.candidates.as_ref().unwrap_or(&self.queries)
    }

    /// Score of one pair, the slow and obvious way (for tests and single lookups).
    pub fn score(&self, query: usize, candidate: usize) -> f32 {
        let dense = score_rows(
            self.metric,
            self.queries.row(query),
            self.candidate_matrix().row(candidate),
        );
        match &self.sparse {
            Some(sparse) => dense + sparse.dot(query, candidate),
            None => dense,
        }
    }
}

/// Inner product in 16 independent lanes, so the compiler vectorises it (a plain `sum` must add
/// in order, one dependent add per element). Compiled a second time for AVX-512 and AVX2, taken
/// after a run-time check: the lanes add in the same order on every path (no fused multiply-add:
/// the compiler never contracts), so every path gives the same bits.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static WIDE: OnceLock<u8> = OnceLock::new();
        let wide = *WIDE.get_or_init(|| {
            if std::arch::is_x86_feature_detected!("avx512f") {
                2
            } else if std::arch::is_x86_feature_detected!("avx2") {
                1
            } else {
                0
            }
        });
        // SAFETY: each function only needs the CPU features it was compiled for, checked above;
        // their bodies are safe code.
        #[allow(unsafe_code)]
        match wide {
            2 => return unsafe { dot_avx512(a, b) },
            1 => return unsafe { dot_avx2(a, b) },
            _ => {}
        }
    }
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn dot_avx512(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes(a, b)
}

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    const LANES: usize = 16;
    let n = a.len().min(b.len());
    let mut acc = [0f32; LANES];
    let (a_blocks, a_tail) = a[..n].as_chunks::<LANES>();
    let (b_blocks, b_tail) = b[..n].as_chunks::<LANES>();
    for (x, y) in a_blocks.iter().zip(b_blocks) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

fn score_rows(metric: Metric, q: &[f32], c: &[f32]) -> f32 {
    match metric {
        Metric::Dot => dot(q, c),
        Metric::L1 { max_distance } => {
            1.0 - q.iter().zip(c).map(|(a, b)| (a - b).abs()).sum::<f32>() / max_distance
        }
    }
}

/// One neighbour: the artist's row index and the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    /// Row index (artist position in the catalog).
    pub index: u32,
    /// Similarity, higher is closer.
    pub score: f32,
}

/// The k best seen so far, best first; ties go to the lower index so results are deterministic.
pub(crate) struct TopK {
    k: usize,
    pub(crate) items: Vec<Neighbour>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            items: Vec::with_capacity(k + 1),
        }
    }

    /// The `k` best of `items` (any order in), by one selection rather than a push each.
    pub(crate) fn best_of(k: usize, mut items: Vec<Neighbour>) -> Self {
        for n in &mut items {
            if n.score.is_nan() {
                n.score = f32::NEG_INFINITY;
            }
        }
        // The order `push` keeps (NaN is gone, so the comparison is total; −0 ties with 0).
        let order = |a: &Neighbour, b: &Neighbour| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.index.cmp(&b.index))
        };
        if items.len() > k && k > 0 {
            items.select_nth_unstable_by(k - 1, order);
        }
        items.truncate(k);
        items.sort_unstable_by(order);
        Self { k, items }
    }

    /// The score a newcomer must reach: the k-th best once the list is full, else −∞.
    pub(crate) fn threshold(&self) -> f32 {
        match self.items.last() {
            Some(last) if self.items.len() == self.k => last.score,
            _ => f32::NEG_INFINITY,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, index: u32, score: f32) {
        let score = if score.is_nan() {
            f32::NEG_INFINITY
        } else {
            score
        };
        let better = |a: &Neighbour| a.score > score || (a.score == score && a.index < index);
        if self.items.len() == self.k {
            match self.items.last() {
                Some(last) if better(last) => return,
                None => return, // k == 0
                _ => {}
            }
        }
        let at = self.items.partition_point(better);
        self.items.insert(at, Neighbour { index, score });
        self.items.truncate(self.k);
    }

    /// Pushes `scores[j]` for candidate `ids[j]`, every `j` except where `ids[j] == skip`.
    ///
    /// Same result as calling [`TopK::push`] on each, but once the list is full a block of
    /// [`FOLD_LANES`] scores is first tested against the current k-th score in one branch-free
    /// (vectorisable) pass, and only a block holding a possible entrant is looked at one by one.
    /// `!(s < worst)` keeps ties (decided by index in `push`) and NaN (handled by `push`).
    #[allow(
        clippy::neg_cmp_op_on_partial_ord,
        reason = "`!(s < worst)` is deliberately true for NaN"
    )]
    pub(crate) fn fold_row(&mut self, scores: &[f32], ids: &[usize], skip: usize) {
        debug_assert_eq!(scores.len(), ids.len());
        let mut start = 0;
        while self.items.len() < self.k && start < scores.len() {
            if ids[start] != skip {
                self.push(ids[start] as u32, scores[start]);
            }
            start += 1;
        }
        let Some(mut worst) = self.items.last().map(|n| n.score) else {
            return; // k == 0
        };
        let (scores, ids) = (&scores[start..], &ids[start..]);
        let blocks = scores.len() / FOLD_LANES;
        for b in 0..=blocks {
            let at = b * FOLD_LANES;
            let block = &scores[at..(at + FOLD_LANES).min(scores.len())];
            if b < blocks {
                let lanes: &[f32; FOLD_LANES] = block.try_into().expect("full block");
                let mut any = false;
                for &s in lanes {
                    any |= !(s < worst);
                }
                if !any {
                    continue;
                }
            }
            for (i, &s) in block.iter().enumerate() {
                if !(s < worst) && ids[at + i] != skip {
                    self.push(ids[at + i] as u32, s);
                    worst = self.items.last().map_or(worst, |n| n.score);
                }
            }
        }
    }
}

/// Top-k neighbours of every artist among all artists (itself excluded).
pub fn top_k_all(embedding: &Embedding, k: usize) -> Vec<Vec<Neighbour>> {
    let all: Vec<usize> = (0..embedding.valid.len()).collect();
    top_k_among(embedding, &all, &all, k)
}

/// Top-k neighbours of each of `queries` among `candidates` (row indices; a query never gets
/// itself). The result is parallel to `queries`; an artist without a vector gets an empty list.
pub fn top_k_among(
    embedding: &Embedding,
    queries: &[usize],
    candidates: &[usize],
    k: usize,
) -> Vec<Vec<Neighbour>> {
    let q_rows: Vec<usize> = queries
        .iter()
        .copied()
        .filter(|&q| embedding.valid[q])
        .collect();
    let c_rows: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&c| embedding.valid[c])
        .collect();
    let q = embedding.queries.gather(&q_rows);
    let c = embedding.candidate_matrix().gather(&c_rows);
    let results: Vec<Vec<Neighbour>> = match embedding.metric {
        Metric::Dot => {
            // A sparse part is added to each block's scores before they are folded.
            let postings = embedding.sparse.as_ref().map(|s| (s, s.postings(&c_rows)));
            let sparse = postings.as_ref().map(|(s, p)| (*s, p));
            dot_top_k(&q, &q_rows, &c, &c_rows, k, sparse)
        }
        Metric::L1 { max_distance } => l1_top_k(&q, &q_rows, &c, &c_rows, k, max_distance),
    };
    let mut by_query = results.into_iter();
    queries
        .iter()
        .map(|&q| {
            if embedding.valid[q] {
                by_query.next().expect("one result per valid query")
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Top-k rows of `candidates` for each row of `queries`, two separate sets (nothing skipped),
/// under `metric`; `Neighbour::index` is the candidate row.
pub fn top_k_between(
    metric: Metric,
    queries: &Matrix,
    candidates: &Matrix,
    k: usize,
) -> Vec<Vec<Neighbour>> {
    assert_eq!(
        queries.dim, candidates.dim,
        "queries and candidates differ in dim"
    );
    let c_ids: Vec<usize> = (0..candidates.rows()).collect();
    match metric {
        Metric::Dot => {
            let q_ids = vec![usize::MAX; queries.rows()];
            dot_top_k(queries, &q_ids, candidates, &c_ids, k, None)
        }
        Metric::L1 { max_distance } => {
            let q_ids = vec![usize::MAX; queries.rows()];
            l1_top_k(queries, &q_ids, candidates, &c_ids, k, max_distance)
        }
    }
}

/// The L1 path: candidates transposed block by block (one run of [`CANDIDATE_BLOCK`] values per
/// column), so a query's distances to a whole block are a few passes of independent lanes the
/// compiler vectorises, folded into its top-k like the dot path's. Distances add column by
/// column, in the order [`Embedding::score`] adds them.
fn l1_top_k(
    q: &Matrix,
    q_ids: &[usize],
    c: &Matrix,
    c_ids: &[usize],
    k: usize,
    max_distance: f32,
) -> Vec<Vec<Neighbour>> {
    let dim = c.dim;
    let blocks: Vec<Vec<f32>> = c
        .data
        .chunks(CANDIDATE_BLOCK * dim)
        .map(|block| {
            let cols = block.len() / dim;
            let mut t = vec![0f32; block.len()];
            for (j, row) in block.chunks(dim).enumerate() {
                for (d, &x) in row.iter().enumerate() {
                    t[d * cols + j] = x;
                }
            }
            t
        })
        .collect();
    (0..q.rows())
        .into_par_iter()
        .map_init(
            || vec![0f32; CANDIDATE_BLOCK],
            |scores, qi| {
                let row = q.row(qi);
                let mut top = TopK::new(k);
                for (b, t) in blocks.iter().enumerate() {
                    let cols = t.len() / dim;
                    let out = &mut scores[..cols];
                    out.fill(0.0);
                    for (d, &x) in row.iter().enumerate() {
                        for (o, y) in out.iter_mut().zip(&t[d * cols..(d + 1) * cols]) {
                            *o += (x - y).abs();
                        }
                    }
                    for o in out.iter_mut() {
                        *o = 1.0 - *o / max_distance;
                    }
                    let first = b * CANDIDATE_BLOCK;
                    top.fold_row(out, &c_ids[first..first + cols], q_ids[qi]);
                }
                top.items
            },
        )
        .collect()
}

/// `sparse`: the embedding's sparse rows and their postings over the candidates (`c_ids`), whose
/// shared-column values are added to each block's scores (`q_ids` are then row indices).
fn dot_top_k(
    q: &Matrix,
    q_ids: &[usize],
    c: &Matrix,
    c_ids: &[usize],
    k: usize,
    sparse: Option<(&SparseRows, &Postings)>,
) -> Vec<Vec<Neighbour>> {
    let dim = q.dim;
    q.data
        .par_chunks(QUERY_BLOCK * dim)
        .enumerate()
        .flat_map_iter(|(block, q_block)| {
            let rows = q_block.len() / dim;
            let first = block * QUERY_BLOCK;
            let mut tops: Vec<TopK> = (0..rows).map(|_| TopK::new(k)).collect();
            let mut scores = vec![0f32; rows * CANDIDATE_BLOCK];
            // Per query, the candidates sharing a sparse column (positions ascending) and how
            // far the blocks have consumed them.
            let mut shared: Vec<(Vec<(u32, f32)>, usize)> = Vec::new();
            if let Some((rows_sparse, postings)) = sparse {
                let mut scratch = Shared::default();
                for r in 0..rows {
                    rows_sparse.shared(q_ids[first + r], postings, &mut scratch);
                    shared.push((std::mem::take(&mut scratch.out), 0));
                }
            }
            for (c_block_no, c_block) in c.data.chunks(CANDIDATE_BLOCK * dim).enumerate() {
                let cols = c_block.len() / dim;
                let c_first = c_block_no * CANDIDATE_BLOCK;
                multiply_transposed(q_block, c_block, dim, &mut scores[..rows * cols]);
                for (r, (list, at)) in shared.iter_mut().enumerate() {
                    let row = &mut scores[r * cols..(r + 1) * cols];
                    while let Some(&(position, value)) = list.get(*at) {
                        let j = position as usize - c_first;
                        if j >= cols {
                            break;
                        }
                        row[j] += value;
                        *at += 1;
                    }
                }
                let ids = &c_ids[c_first..c_first + cols];
                for (r, top) in tops.iter_mut().enumerate() {
                    top.fold_row(&scores[r * cols..(r + 1) * cols], ids, q_ids[first + r]);
                }
            }
            tops.into_iter().map(|t| t.items)
        })
        .collect()
}

/// `out[r][j] = <a_r, b_j>` for row-major `a` (m × dim) and `b` (n × dim), `out` m × n.
pub(crate) fn multiply_transposed(a: &[f32], b: &[f32], dim: usize, out: &mut [f32]) {
    let m = a.len() / dim;
    let n = b.len() / dim;
    assert!(a.len() == m * dim && b.len() == n * dim && out.len() == m * n);
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the assert above proves every index sgemm reads or writes is in bounds:
    // a is m×dim (row stride dim), b read as dim×n with strides (1, dim), out m×n (stride n).
    #[allow(unsafe_code)]
    unsafe {
        matrixmultiply::sgemm(
            m,
            dim,
            n,
            1.0,
            a.as_ptr(),
            dim as isize,
            1,
            b.as_ptr(),
            1,
            dim as isize,
            0.0,
            out.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator, so the test needs no extra crate.
    fn random_matrix(rows: usize, dim: usize, seed: u64) -> Matrix {
        let mut state = seed;
        let data = (0..rows * dim)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect();
        Matrix::new(data, dim)
    }

    /// One selection keeps what a push per item keeps: ties to the lower index, NaN last.
    #[test]
    fn best_of_matches_pushing_one_by_one() {
        let scores = random_matrix(1, 300, 9).as_slice().to_vec();
        let mut items: Vec<Neighbour> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| Neighbour {
                index: (i * 7 % 300) as u32,
                // Coarse values, so many scores tie.
                score: (s * 8.0).round(),
            })
            .collect();
        items[3].score = f32::NAN;
        for k in [0, 1, 5, 40, 299, 300, 400] {
            let mut pushed = TopK::new(k);
            for n in &items {
                pushed.push(n.index, n.score);
            }
            let selected = TopK::best_of(k, items.clone());
            assert_eq!(selected.items, pushed.items, "k {k}");
            assert_eq!(selected.threshold(), pushed.threshold(), "k {k}");
        }
    }

    #[test]
    fn dot_gives_the_same_bits_on_every_path() {
        let m = random_matrix(2, 437, 5);
        for len in [0, 1, 16, 17, 100, 437] {
            let (a, b) = (&m.row(0)[..len], &m.row(1)[..len]);
            assert_eq!(
                dot(a, b).to_bits(),
                dot_lanes(a, b).to_bits(),
                "length {len}"
            );
        }
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let m = random_matrix(2, 37, 4);
        // Unequal lengths pair the common prefix, as `zip` does.
        for (la, lb) in [
            (0, 0),
            (1, 1),
            (15, 15),
            (16, 16),
            (17, 17),
            (37, 37),
            (37, 20),
        ] {
            let (a, b) = (&m.row(0)[..la], &m.row(1)[..lb]);
            let plain: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            assert!((dot(a, b) - plain).abs() < 1e-5, "lengths {la}, {lb}");
        }
    }

    fn naive(e: &Embedding, k: usize) -> Vec<Vec<u32>> {
        (0..e.valid.len())
            .map(|q| {
                if !e.valid[q] {
                    return Vec::new();
                }
                let mut all: Vec<(f32, u32)> = (0..e.valid.len())
                    .filter(|&c| c != q && e.valid[c])
                    .map(|c| (e.score(q, c), c as u32))
                    .collect();
                all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                all.into_iter().take(k).map(|x| x.1).collect()
            })
            .collect()
    }

    fn check(metric: Metric, rows: usize, dim: usize, k: usize) {
        let m = random_matrix(rows, dim, rows as u64 * 31 + dim as u64);
        let valid = (0..rows).map(|i| i % 17 != 3).collect();
        let e = Embedding::symmetric(metric, m, valid);
        let fast: Vec<Vec<u32>> = top_k_all(&e, k)
            .into_iter()
            .map(|l| l.into_iter().map(|n| n.index).collect())
            .collect();
        let slow = naive(&e, k);
        for (q, (f, s)) in fast.iter().zip(&slow).enumerate() {
            // Blocked sums may round differently from the naive one, so compare scores: the
            // k-th best must match, and every fast pick must score at least that.
            assert_eq!(f.len(), s.len(), "query {q}");
            if let (Some(&fl), Some(&sl)) = (f.last(), s.last()) {
                let (fs, ss) = (e.score(q, fl as usize), e.score(q, sl as usize));
                assert!((fs - ss).abs() < 1e-4, "query {q}: k-th score {fs} vs {ss}");
            }
            let same = f.iter().filter(|x| s.contains(x)).count();
            assert!(same + 1 >= f.len(), "query {q}: {f:?} vs {s:?}");
        }
    }

    #[test]
    fn dot_matches_naive_across_block_edges() {
        check(Metric::Dot, CANDIDATE_BLOCK + QUERY_BLOCK * 2 + 5, 16, 10);
        check(Metric::Dot, 3, 7, 10);
        check(Metric::Dot, 200, 64, 1);
    }

    #[test]
    fn l1_matches_naive() {
        check(Metric::L1 { max_distance: 6.0 }, 500, 6, 10);
    }

    #[test]
    fn fold_row_equals_push_one_by_one() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for k in [0, 1, 3, 10, 40] {
            let mut fast = TopK::new(k);
            let mut slow = TopK::new(k);
            for chunk in 0..20 {
                let len = 1 + (next() % 70) as usize;
                // Few distinct values (many ties), some NaN and -inf; ids not sorted.
                let scores: Vec<f32> = (0..len)
                    .map(|_| match next() % 23 {
                        0 => f32::NAN,
                        1 => f32::NEG_INFINITY,
                        v => (v % 9) as f32 + chunk as f32 * 0.25,
                    })
                    .collect();
                let ids: Vec<usize> = (0..len).map(|_| (next() % 500) as usize).collect();
                let skip = ids[len / 2];
                fast.fold_row(&scores, &ids, skip);
                for (&s, &id) in scores.iter().zip(&ids) {
                    if id != skip {
                        slow.push(id as u32, s);
                    }
                }
                assert_eq!(fast.items, slow.items, "k {k} chunk {chunk}");
            }
        }
    }

    #[test]
    fn topk_keeps_best_with_deterministic_ties() {
        let mut t = TopK::new(3);
        for (i, s) in [
            (5, 0.5),
            (1, 0.9),
            (7, 0.5),
            (2, 0.5),
            (9, f32::NAN),
            (3, 0.1),
        ] {
            t.push(i, s);
        }
        let got: Vec<u32> = t.items.iter().map(|n| n.index).collect();
        assert_eq!(got, vec![1, 2, 5]);
    }
}
