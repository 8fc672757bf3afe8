//! Approximate top-k for large catalogs: a hierarchical navigable small-world graph (HNSW,
//! Malkov & Yashunin 2016) built in parallel, then frozen into flat arrays for lock-free search.
//!
//! [`Hnsw`] indexes points under a [`Space`] (squared L2 or L1, lower is closer).
//! [`top_k_all`] runs it over an [`Embedding`]: a `Dot` embedding is turned into an L2 problem
//! by lifting each candidate row to a common norm (`[c, √(M² − ‖c‖²)]`, queries `[q, 0]`, so the
//! nearest lifted candidate is the largest inner product); the neighbours found are rescored
//! exactly with [`Embedding::score`]. [`Strategy`] picks exact or approximate by catalog size.
//!
//! Why our own rather than a crate: flat `u32` link arrays and one visited-epoch array per
//! thread make search allocation- and lock-free, which measured faster than `hnsw_rs` (see
//! `bench/similarity/README.md`), and it adds no dependency to this crate.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::kernel::{self, Embedding, Metric, Neighbour};

/// How two points compare; lower is closer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Squared Euclidean distance.
    L2,
    /// Sum of absolute differences.
    L1,
}

impl Space {
    #[inline(always)]
    fn distance(self, a: &[f32], b: &[f32]) -> f32 {
        // Eight independent sums so the loop vectorises (a float sum is not reassociated).
        const LANES: usize = 8;
        let mut acc = [0f32; LANES];
        let (ac, bc) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
        let tail: f32 = match self {
            Space::L2 => {
                let t = ac.remainder().iter().zip(bc.remainder());
                let t = t.map(|(x, y)| (x - y) * (x - y)).sum();
                for (x, y) in ac.zip(bc) {
                    for l in 0..LANES {
                        acc[l] += (x[l] - y[l]) * (x[l] - y[l]);
                    }
                }
                t
            }
            Space::L1 => {
                let t = ac.remainder().iter().zip(bc.remainder());
                let t = t.map(|(x, y)| (x - y).abs()).sum();
                for (x, y) in ac.zip(bc) {
                    for l in 0..LANES {
                        acc[l] += (x[l] - y[l]).abs();
                    }
                }
                t
            }
        };
        acc.iter().sum::<f32>() + tail
    }
}

/// Graph and search parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Links per point on the upper layers (twice this on the bottom layer).
    pub m: usize,
    /// Candidate list length while inserting (higher: better graph, slower build).
    pub ef_construction: usize,
    /// Candidate list length while searching (higher: better recall, slower queries);
    /// raised to `k + 1` when smaller.
    pub ef_search: usize,
    /// Seed of the level draw, so a build is reproducible.
    pub seed: u64,
}

impl Default for Params {
    /// Chosen with `bench/similarity/run.sh --ann` at N = 1M, d = 16 and 64, k = 10.
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 100,
            ef_search: 64,
            seed: 42,
        }
    }
}

/// A distance and a point id, ordered by distance then id.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Near(f32, u32);

impl Eq for Near {}
impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Near {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

thread_local! {
    /// This thread's [`Visited`], grown to the largest index it searched.
    static VISITED: std::cell::RefCell<Visited> = const {
        std::cell::RefCell::new(Visited { epoch: 0, marks: Vec::new() })
    };
}

/// Run `f` with this thread's visited set, sized for `n` points.
fn with_visited<R>(n: usize, f: impl FnOnce(&mut Visited) -> R) -> R {
    VISITED.with_borrow_mut(|v| {
        if v.marks.len() < n {
            *v = Visited::new(n);
        }
        f(v)
    })
}

/// Points already seen by one search: an epoch per point, so clearing is one increment.
struct Visited {
    epoch: u32,
    marks: Vec<u32>,
}

impl Visited {
    fn new(n: usize) -> Self {
        Self {
            epoch: 0,
            marks: vec![0; n],
        }
    }

    fn clear(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.marks.fill(0);
            self.epoch = 1;
        }
    }

    /// True the first time `id` is seen since the last `clear`.
    #[inline]
    fn insert(&mut self, id: u32) -> bool {
        let mark = &mut self.marks[id as usize];
        let fresh = *mark != self.epoch;
        *mark = self.epoch;
        fresh
    }
}

/// How neighbour lists are read: locked while building, flat once frozen.
trait Links {
    fn with_list<R>(&self, id: u32, layer: usize, f: impl FnOnce(&[u32]) -> R) -> R;
}

/// An HNSW index over `n` points of `dim` values.
#[derive(Debug, Clone)]
pub struct Hnsw {
    space: Space,
    dim: usize,
    data: Vec<f32>,
    /// Bottom-layer links: point i's list is `bottom[i * stride + 1..][..bottom[i * stride]]`.
    bottom: Vec<u32>,
    stride: usize,
    /// Upper-layer links of point i, layer 1 first (empty for bottom-only points).
    upper: Vec<Vec<Vec<u32>>>,
    entry: u32,
    top_layer: usize,
    params: Params,
}

struct Building {
    /// `links[i][layer]`.
    links: Vec<Vec<Mutex<Vec<u32>>>>,
}

impl Links for Building {
    fn with_list<R>(&self, id: u32, layer: usize, f: impl FnOnce(&[u32]) -> R) -> R {
        // Held while `f` runs; `f` never takes another lock, so no lock order to get wrong.
        f(&self.links[id as usize][layer]
            .lock()
            .expect("no panics while linking"))
    }
}

impl Links for Hnsw {
    #[inline]
    fn with_list<R>(&self, id: u32, layer: usize, f: impl FnOnce(&[u32]) -> R) -> R {
        if layer == 0 {
            let at = id as usize * self.stride;
            f(&self.bottom[at + 1..at + 1 + self.bottom[at] as usize])
        } else {
            f(&self.upper[id as usize][layer - 1])
        }
    }
}

/// Longest neighbour list a point can hold (bottom layer, `2 * m`).
const MAX_LINKS: usize = 128;

/// The level of a point: geometric with ratio 1/m, from a hash of (seed, id).
fn level_of(id: usize, params: &Params) -> usize {
    let mut z = (id as u64).wrapping_add(params.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let unit = ((z >> 11) + 1) as f64 / (1u64 << 53) as f64;
    let level = -unit.ln() / (params.m.max(2) as f64).ln();
    (level as usize).min(16)
}

/// Shared search routines over either link representation.
struct Graph<'a, L: Links + ?Sized> {
    space: Space,
    dim: usize,
    data: &'a [f32],
    links: &'a L,
}

impl<L: Links + ?Sized> Graph<'_, L> {
    #[inline]
    fn point(&self, id: u32) -> &[f32] {
        &self.data[id as usize * self.dim..(id as usize + 1) * self.dim]
    }

    #[inline]
    fn distance(&self, q: &[f32], id: u32) -> f32 {
        self.space.distance(q, self.point(id))
    }

    /// Greedy walk to the closest point on one layer.
    fn greedy(&self, q: &[f32], mut best: Near, layer: usize) -> Near {
        loop {
            let mut moved = false;
            self.links.with_list(best.1, layer, |list| {
                for &x in list {
                    let d = Near(self.distance(q, x), x);
                    if d < best {
                        best = d;
                        moved = true;
                    }
                }
            });
            if !moved {
                return best;
            }
        }
    }

    /// The `ef` closest points found on one layer from `entries`, closest first.
    fn search_layer(
        &self,
        q: &[f32],
        entries: &[Near],
        ef: usize,
        layer: usize,
        visited: &mut Visited,
    ) -> Vec<Near> {
        visited.clear();
        let mut frontier: BinaryHeap<std::cmp::Reverse<Near>> = BinaryHeap::with_capacity(ef * 4);
        let mut found: BinaryHeap<Near> = BinaryHeap::with_capacity(ef + 1);
        for &e in entries {
            if visited.insert(e.1) {
                frontier.push(std::cmp::Reverse(e));
                found.push(e);
            }
        }
        while found.len() > ef {
            found.pop();
        }
        while let Some(std::cmp::Reverse(c)) = frontier.pop() {
            let worst = found.peek().map_or(f32::INFINITY, |w| w.0);
            if c.0 > worst && found.len() >= ef {
                break;
            }
            let mut fresh = [0u32; MAX_LINKS];
            let mut count = 0;
            self.links.with_list(c.1, layer, |list| {
                for &x in list {
                    if visited.insert(x) {
                        fresh[count] = x;
                        count += 1;
                    }
                }
            });
            // Search is bound by memory latency: touch every cache line of the new points
            // first, so their loads overlap instead of stalling one distance at a time.
            let mut touch = 0f32;
            for &x in &fresh[..count] {
                for v in self.point(x).iter().step_by(16) {
                    touch += v;
                }
            }
            std::hint::black_box(touch);
            {
                for &x in &fresh[..count] {
                    let d = self.distance(q, x);
                    if found.len() < ef || d < found.peek().map_or(f32::INFINITY, |w| w.0) {
                        frontier.push(std::cmp::Reverse(Near(d, x)));
                        found.push(Near(d, x));
                        if found.len() > ef {
                            found.pop();
                        }
                    }
                }
            }
        }
        found.into_sorted_vec()
    }

    /// The neighbour-selection heuristic (Malkov & Yashunin, algorithm 4): keep a candidate
    /// only if it is closer to the base than to every candidate already kept, so links spread
    /// over directions instead of piling into one cluster. `sorted` is closest first.
    fn select(&self, sorted: &[Near], m: usize) -> Vec<Near> {
        let mut kept: Vec<Near> = Vec::with_capacity(m);
        for &c in sorted {
            if kept.len() == m {
                break;
            }
            let p = self.point(c.1);
            if kept.iter().all(|k| self.distance(p, k.1) > c.0) {
                kept.push(c);
            }
        }
        kept
    }
}

impl Hnsw {
    /// Index `data` (rows of `dim` values) under `space`. Points are inserted in parallel on
    /// the rayon pool, so with more than one thread the links (not the quality) depend on timing.
    pub fn build(data: Vec<f32>, dim: usize, space: Space, params: Params) -> Self {
        assert!(dim > 0 && data.len().is_multiple_of(dim));
        let n = data.len() / dim;
        let m = params.m.clamp(2, MAX_LINKS / 2);
        let params = Params { m, ..params };
        let levels: Vec<usize> = (0..n).map(|i| level_of(i, &params)).collect();
        let entry = (0..n).max_by_key(|&i| (levels[i], std::cmp::Reverse(i)));
        let Some(entry) = entry else {
            return Self {
                space,
                dim,
                data,
                bottom: Vec::new(),
                stride: 2 * m + 1,
                upper: Vec::new(),
                entry: 0,
                top_layer: 0,
                params,
            };
        };
        let top_layer = levels[entry];
        let building = Building {
            links: levels
                .iter()
                .map(|&l| {
                    (0..=l)
                        .map(|layer| Mutex::new(Vec::with_capacity(cap(layer, m))))
                        .collect()
                })
                .collect(),
        };
        let graph = Graph {
            space,
            dim,
            data: &data,
            links: &building,
        };
        // The entry point has the top level and goes in first (with no links), so the entry
        // never changes while points are inserted in parallel.
        let order: Vec<u32> = (0..n as u32).filter(|&i| i as usize != entry).collect();
        order.par_iter().for_each(|&id| {
            with_visited(n, |visited| {
                let level = levels[id as usize];
                insert(
                    &graph,
                    &building,
                    id,
                    level,
                    entry as u32,
                    top_layer,
                    &params,
                    visited,
                );
            })
        });
        // Freeze into flat arrays.
        let stride = 2 * m + 1;
        let mut bottom = vec![0u32; n * stride];
        let mut upper: Vec<Vec<Vec<u32>>> = vec![Vec::new(); n];
        for (i, layers) in building.links.into_iter().enumerate() {
            for (layer, list) in layers.into_iter().enumerate() {
                let list = list.into_inner().expect("no panics while linking");
                if layer == 0 {
                    bottom[i * stride] = list.len() as u32;
                    bottom[i * stride + 1..i * stride + 1 + list.len()].copy_from_slice(&list);
                } else {
                    upper[i].push(list);
                }
            }
        }
        Self {
            space,
            dim,
            data,
            bottom,
            stride,
            upper,
            entry: entry as u32,
            top_layer,
            params,
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// True when there are no points.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes held by the index (points and links).
    pub fn memory_bytes(&self) -> usize {
        let upper: usize = self
            .upper
            .iter()
            .map(|l| 24 + l.iter().map(|v| 24 + 4 * v.capacity()).sum::<usize>())
            .sum();
        4 * (self.data.len() + self.bottom.len()) + upper
    }

    fn graph(&self) -> Graph<'_, Hnsw> {
        Graph {
            space: self.space,
            dim: self.dim,
            data: &self.data,
            links: self,
        }
    }

    /// The `k` points closest to `query` (point id, distance), closest first, searching with
    /// `ef` candidates (at least `k`).
    pub fn search(&self, query: &[f32], k: usize, ef: usize) -> Vec<(u32, f32)> {
        with_visited(self.len(), |visited| {
            self.search_with(query, k, ef, visited)
        })
    }

    fn search_with(
        &self,
        query: &[f32],
        k: usize,
        ef: usize,
        visited: &mut Visited,
    ) -> Vec<(u32, f32)> {
        assert_eq!(
            query.len(),
            self.dim,
            "query length must be the index's dim"
        );
        if self.is_empty() || k == 0 {
            return Vec::new();
        }
        let g = self.graph();
        let mut best = Near(g.distance(query, self.entry), self.entry);
        for layer in (1..=self.top_layer).rev() {
            best = g.greedy(query, best, layer);
        }
        let mut found = g.search_layer(query, &[best], ef.max(k), 0, visited);
        found.truncate(k);
        found.into_iter().map(|n| (n.1, n.0)).collect()
    }

    /// [`Hnsw::search`] for many queries (rows of `dim` values) in parallel.
    pub fn search_many(&self, queries: &[f32], k: usize, ef: usize) -> Vec<Vec<(u32, f32)>> {
        queries
            .par_chunks(self.dim)
            .map(|q| self.search(q, k, ef))
            .collect()
    }

    /// The parameters it was built with.
    pub fn params(&self) -> Params {
        self.params
    }
}

/// Most links a point keeps on a layer.
fn cap(layer: usize, m: usize) -> usize {
    if layer == 0 { 2 * m } else { m }
}

#[allow(clippy::too_many_arguments)]
fn insert(
    graph: &Graph<'_, Building>,
    building: &Building,
    id: u32,
    level: usize,
    entry: u32,
    top_layer: usize,
    params: &Params,
    visited: &mut Visited,
) {
    let q = graph.point(id);
    let mut best = Near(graph.distance(q, entry), entry);
    for layer in (level + 1..=top_layer).rev() {
        best = graph.greedy(q, best, layer);
    }
    let mut entries = vec![best];
    for layer in (0..=level.min(top_layer)).rev() {
        let found = graph.search_layer(q, &entries, params.ef_construction, layer, visited);
        let chosen = graph.select(&found, params.m);
        *building.links[id as usize][layer]
            .lock()
            .expect("no panics while linking") = chosen.iter().map(|n| n.1).collect();
        let most = cap(layer, params.m);
        for &Near(d, other) in &chosen {
            let mut list = building.links[other as usize][layer]
                .lock()
                .expect("no panics while linking");
            if list.len() < most {
                list.push(id);
                continue;
            }
            // Full: re-select among the old links and the new point, seen from `other`.
            let base = graph.point(other);
            let mut all: Vec<Near> = list
                .iter()
                .map(|&x| Near(graph.space.distance(base, graph.point(x)), x))
                .collect();
            all.push(Near(d, id));
            all.sort_unstable();
            *list = graph.select(&all, most).into_iter().map(|n| n.1).collect();
        }
        entries = found;
    }
}

/// Top-k neighbours of every valid row of `embedding` (itself excluded) through an HNSW index
/// of the candidate rows; the neighbours found are rescored exactly, best first.
pub fn top_k_all(embedding: &Embedding, k: usize, params: &Params) -> Vec<Vec<Neighbour>> {
    let n = embedding.valid.len();
    let ids: Vec<usize> = (0..n).filter(|&i| embedding.valid[i]).collect();
    let (space, points, dim, lift) = match embedding.metric {
        Metric::L1 { .. } => {
            let c = embedding.candidate_matrix();
            let data = ids.iter().flat_map(|&i| c.row(i).iter().copied()).collect();
            (Space::L1, data, c.dim(), false)
        }
        Metric::Dot => {
            let c = embedding.candidate_matrix();
            let norms: Vec<f32> = ids
                .iter()
                .map(|&i| c.row(i).iter().map(|x| x * x).sum())
                .collect();
            let most = norms.iter().copied().fold(0f32, f32::max);
            let mut data = Vec::with_capacity(ids.len() * (c.dim() + 1));
            for (&i, norm) in ids.iter().zip(&norms) {
                data.extend_from_slice(c.row(i));
                data.push((most - norm).max(0.0).sqrt());
            }
            (Space::L2, data, c.dim() + 1, true)
        }
    };
    let index = Hnsw::build(points, dim, space, *params);
    let found: Vec<Vec<Neighbour>> = ids
        .par_iter()
        .map_init(
            || Vec::with_capacity(dim),
            |query, &i| {
                query.clear();
                query.extend_from_slice(embedding.queries.row(i));
                if lift {
                    query.push(0.0);
                }
                let hits = index.search(query, k + 1, params.ef_search);
                let mut list: Vec<Neighbour> = hits
                    .into_iter()
                    .map(|(p, _)| ids[p as usize])
                    .filter(|&c| c != i)
                    .map(|c| Neighbour {
                        index: c as u32,
                        score: embedding.score(i, c),
                    })
                    .collect();
                list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
                list.truncate(k);
                list
            },
        )
        .collect();
    let mut found = found.into_iter();
    (0..n)
        .map(|i| {
            if embedding.valid[i] {
                found.next().expect("one list per valid row")
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// Share of `exact`'s neighbours that `approx` also found, or tied with exact's k-th score
/// (over lists of the same queries).
pub fn recall(approx: &[Vec<Neighbour>], exact: &[Vec<Neighbour>]) -> f64 {
    let (mut hits, mut total) = (0usize, 0usize);
    for (a, e) in approx.iter().zip(exact) {
        let kth = e.last().map_or(f32::INFINITY, |n| n.score);
        total += e.len();
        hits += a
            .iter()
            .filter(|x| x.score >= kth || e.iter().any(|y| y.index == x.index))
            .count()
            .min(e.len());
    }
    if total == 0 {
        1.0
    } else {
        hits as f64 / total as f64
    }
}

/// Exact or approximate, by the number of artists with a vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strategy {
    /// From this many valid rows on, use the HNSW index instead of the exact kernel.
    pub threshold: usize,
    /// Parameters of the index.
    pub params: Params,
}

impl Default for Strategy {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            params: Params::default(),
        }
    }
}

/// Default [`Strategy::threshold`]: where the exact kernel's quadratic time starts to hurt
/// (about 2.5 min at N = 1M, d = 16, on 2 cores).
pub const DEFAULT_THRESHOLD: usize = 1_000_000;

/// Which way [`Strategy::top_k_all`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The exact blocked kernel.
    Exact,
    /// The HNSW index.
    Approximate,
}

impl Strategy {
    /// The method for this embedding.
    pub fn method(&self, embedding: &Embedding) -> Method {
        let valid = embedding.valid.iter().filter(|&&v| v).count();
        if valid >= self.threshold {
            Method::Approximate
        } else {
            Method::Exact
        }
    }

    /// Top-k neighbours of every artist, exact below the threshold, approximate from it on.
    pub fn top_k_all(&self, embedding: &Embedding, k: usize) -> Vec<Vec<Neighbour>> {
        match self.method(embedding) {
            Method::Exact => kernel::top_k_all(embedding, k),
            Method::Approximate => top_k_all(embedding, k, &self.params),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Matrix;

    /// Uniform values in -0.5..0.5 from a small LCG, so the tests need no extra crate.
    fn random(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..rows * dim)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
            })
            .collect()
    }

    fn recall_against_exact(embedding: &Embedding, k: usize) -> f64 {
        let params = Params::default();
        let approx = top_k_all(embedding, k, &params);
        let exact = kernel::top_k_all(embedding, k);
        for (i, (a, e)) in approx.iter().zip(&exact).enumerate() {
            assert_eq!(a.len(), e.len(), "row {i}");
            assert!(
                a.iter().all(|n| n.index as usize != i),
                "row {i} lists itself"
            );
            assert!(
                a.windows(2).all(|w| w[0].score >= w[1].score),
                "row {i} unsorted"
            );
        }
        let r = recall(&approx, &exact);
        eprintln!("recall@{k} {r:.4}");
        r
    }

    #[test]
    fn dot_recall_at_5k_is_close_to_exact() {
        // Asymmetric like `hybrid`: candidate rows scaled by varying factors.
        let (n, dim) = (5000, 16);
        let queries = random(n, dim, 1);
        let mut candidates = queries.clone();
        for (i, row) in candidates.chunks_mut(dim).enumerate() {
            let factor = 1.0 + (i % 7) as f32 * 0.1;
            row.iter_mut().for_each(|x| *x *= factor);
        }
        let valid = (0..n).map(|i| i % 101 != 5).collect();
        let embedding = Embedding {
            metric: Metric::Dot,
            queries: Matrix::new(queries, dim),
            candidates: Some(Matrix::new(candidates, dim)),
            valid,
        };
        let r = recall_against_exact(&embedding, 10);
        assert!(r >= 0.9, "recall@10 {r}");
        let lists = top_k_all(&embedding, 10, &Params::default());
        assert!(lists[5].is_empty() && lists[106].is_empty());
        assert!(lists.iter().flatten().all(|n| n.index as usize % 101 != 5));
    }

    #[test]
    fn l1_recall_at_5k_is_close_to_exact() {
        let (n, dim) = (5000, 6);
        let m = Matrix::new(random(n, dim, 2), dim);
        let embedding = Embedding::symmetric(Metric::L1 { max_distance: 6.0 }, m, vec![true; n]);
        let r = recall_against_exact(&embedding, 10);
        assert!(r >= 0.9, "recall@10 {r}");
    }

    #[test]
    fn search_finds_an_indexed_point_and_handles_tiny_indexes() {
        let dim = 8;
        let data = random(3000, dim, 3);
        let index = Hnsw::build(data.clone(), dim, Space::L2, Params::default());
        let mut exact_first = 0;
        for i in (0..3000).step_by(37) {
            let hits = index.search(&data[i * dim..(i + 1) * dim], 3, 32);
            assert_eq!(hits.len(), 3);
            exact_first += usize::from(hits[0] == (i as u32, 0.0));
        }
        assert!(
            exact_first >= 80,
            "{exact_first} of 82 found themselves first"
        );
        let empty = Hnsw::build(Vec::new(), dim, Space::L2, Params::default());
        assert!(empty.search(&data[..dim], 3, 32).is_empty());
        let one = Hnsw::build(data[..dim].to_vec(), dim, Space::L2, Params::default());
        assert_eq!(one.search(&data[..dim], 3, 32), vec![(0, 0.0)]);
    }

    #[test]
    fn strategy_switches_at_the_threshold() {
        let m = Matrix::new(random(10, 4, 4), 4);
        let e = Embedding::symmetric(Metric::Dot, m, vec![true; 10]);
        let exact = Strategy {
            threshold: 11,
            ..Strategy::default()
        };
        let approx = Strategy {
            threshold: 10,
            ..Strategy::default()
        };
        assert_eq!(exact.method(&e), Method::Exact);
        assert_eq!(approx.method(&e), Method::Approximate);
        // At this size the graph is complete, so both agree.
        assert_eq!(
            recall(&approx.top_k_all(&e, 3), &exact.top_k_all(&e, 3)),
            1.0
        );
    }
}
