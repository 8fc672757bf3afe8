//! Approximate top-k for large catalogs: an inverted-file index (IVF). Candidates are split into
//! `lists` clusters by k-means and stored cluster by cluster; a query scores only the members of
//! its `probes` closest clusters, and every query probing a cluster is scored against it in one
//! blocked multiply of the exact kernel, so a cluster's rows are read once per search.
//!
//! Why IVF and not a graph (HNSW): at N = 1M the graph walk is one random memory access per
//! distance, and an HNSW built here ran only about 2× faster than the exact kernel at recall
//! 0.96, after an 11-minute build; IVF builds in seconds and streams contiguous rows. The price:
//! on structureless data (isotropic Gaussian, d = 64) a partition needs a large share of its
//! lists for high recall (38% for 0.95 at N = 1M), which is why the scan scores 8-bit codes
//! first (`quant`) and rescores a short list exactly; a graph measured worse still on
//! that data. Real embeddings are clustered (recall 0.999 on the bundled catalog). Current
//! speed per CPU: `bench/similarity/README.md`; what was tried: `docs/experiments/ann.md`.
//!
//! [`Ivf`] indexes rows under a [`Space`]; [`top_k_all`] runs it over an [`Embedding`] and
//! rescores the hits exactly with [`Embedding::score`]. [`Strategy`] picks exact or approximate
//! by catalog size. Results are deterministic (an evenly spaced k-means sample; the merge order of
//! clusters cannot change a top-k list, whose ties go to the lower index).

use std::sync::Mutex;

use rayon::prelude::*;

use crate::kernel::{self, Embedding, Matrix, Metric, Neighbour, TopK};
use crate::quant::RowCodes;

/// How a query compares with a row; every space is "higher is closer".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Negative squared Euclidean distance.
    L2,
    /// Negative sum of absolute differences.
    L1,
    /// Inner product (a `Dot` embedding's query row against candidate rows).
    Dot,
}

/// Index and search parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Clusters; 0 picks `√N`.
    pub lists: usize,
    /// Clusters scanned per query (more: better recall, slower queries).
    pub probes: usize,
    /// k-means rounds.
    pub iterations: usize,
    /// k-means trains on at most this many rows per cluster (a sample of the rows).
    pub sample_per_list: usize,
    /// Candidates kept per query from a first pass over 8-bit codes (the private `quant`
    /// module), then rescored exactly; `Some(0)` scores every scanned row in f32 instead. `None`:
    /// [`DEFAULT_RERANK`] where that pass is faster than f32 on this CPU for rows this wide,
    /// else f32. Ignored for `L1`.
    pub rerank: Option<usize>,
}

/// Candidates kept from the 8-bit pass when [`Params::rerank`] is `None`: the fewest that
/// lost no recall at N = 1M (d = 64 probes 384: 16 and up all give 0.9561; d = 16 probes 48:
/// 16 gives 0.9657, 24 and 40 0.9661). Fewer raise the scan's thresholds sooner, so fewer
/// panels reach the float work.
pub const DEFAULT_RERANK: usize = 24;

impl Default for Params {
    /// Chosen with `bench/similarity/run.sh --ann` (N = 1M, d = 16 and 64, k = 10). The 8-bit
    /// first pass only where it beats f32 (`quant::pays_off`).
    fn default() -> Self {
        Self {
            lists: 0,
            probes: 48,
            iterations: 8,
            sample_per_list: 64,
            rerank: None,
        }
    }
}

/// The rows of `m` picked by `rows`.
fn gather(m: &Matrix, rows: impl Iterator<Item = usize>) -> Matrix {
    let mut data = Vec::new();
    for r in rows {
        data.extend_from_slice(m.row(r));
    }
    Matrix::new(data, m.dim())
}

/// Rows `[2x, −1]` and `[y, ‖y‖²]`: their inner product ranks like `−‖x − y‖²` for a fixed x, so
/// the exact kernel's multiply finds nearest centroids.
fn l2_as_dot(m: &Matrix, query_side: bool) -> Matrix {
    let mut data = Vec::with_capacity(m.rows() * (m.dim() + 1));
    for r in 0..m.rows() {
        let row = m.row(r);
        if query_side {
            data.extend(row.iter().map(|x| 2.0 * x));
            data.push(-1.0);
        } else {
            data.extend_from_slice(row);
            data.push(squared_norm(row));
        }
    }
    Matrix::new(data, m.dim() + 1)
}

/// ‖y‖², the L2 rows' bias: one definition for the lifted rows, the in-cluster order and the
/// 8-bit codes.
fn squared_norm(row: &[f32]) -> f32 {
    row.iter().map(|x| x * x).sum()
}

/// The `probes` best centroids of every row of `queries` under `space`.
fn nearest_centroids(
    space: Space,
    queries: &Matrix,
    centroids: &Matrix,
    probes: usize,
) -> Vec<Vec<Neighbour>> {
    match space {
        Space::L2 => kernel::top_k_between(
            Metric::Dot,
            &l2_as_dot(queries, true),
            &l2_as_dot(centroids, false),
            probes,
        ),
        Space::Dot => kernel::top_k_between(Metric::Dot, queries, centroids, probes),
        Space::L1 => kernel::top_k_between(
            Metric::L1 {
                max_distance: 1.0, // only the order matters here
            },
            queries,
            centroids,
            probes,
        ),
    }
}

/// An inverted-file index over `n` rows.
#[derive(Debug, Clone)]
pub struct Ivf {
    space: Space,
    centroids: Matrix,
    /// Cluster c holds rows `offsets[c]..offsets[c + 1]` of `rows` and `ids`.
    offsets: Vec<usize>,
    rows: Matrix,
    ids: Vec<usize>,
    /// 8-bit codes of the rows, when searches score them first (`Params::rerank`).
    codes: Option<RowCodes>,
    rerank: usize,
    /// Row id → position in `rows`, for the exact rescoring of coded hits.
    positions: Vec<u32>,
    /// With codes: every [`SAMPLE_EVERY`]th row of each cluster (as `rows` holds it), cluster
    /// c's at `sample_offsets[c]..sample_offsets[c + 1]`, for round one's cut
    /// ([`Ivf::first_cut`]): side by side, they stream from memory, where the rows themselves
    /// lie [`SAMPLE_EVERY`] apart.
    samples: Matrix,
    sample_offsets: Vec<usize>,
    /// Added to round one's sampled cut ([`Ivf::first_cut`]); 0 but in tests, which force a
    /// scan with no cut (−∞) or the rescan of every query's first cluster (+∞).
    first_cut_shift: f32,
}

impl Ivf {
    /// Index the rows of `data` for queries under `space`. k-means runs in L2 on the rows as
    /// given (for `Dot`, the candidate-side rows), from an evenly spaced sample.
    pub fn build(data: Matrix, space: Space, params: &Params) -> Self {
        let n = data.rows();
        if n == 0 {
            let dim = data.dim();
            return Self {
                space,
                centroids: Matrix::new(Vec::new(), dim),
                offsets: vec![0],
                rows: data,
                ids: Vec::new(),
                codes: None,
                rerank: 0,
                positions: Vec::new(),
                samples: Matrix::new(Vec::new(), dim),
                sample_offsets: vec![0],
                first_cut_shift: 0.0,
            };
        }
        let lists = match params.lists {
            0 => (n as f64).sqrt().round() as usize,
            l => l,
        }
        .clamp(1, n.max(1));
        let sample_size = (lists * params.sample_per_list.max(1)).min(n);
        let step = n as f64 / sample_size.max(1) as f64;
        let sample = gather(&data, (0..sample_size).map(|i| (i as f64 * step) as usize));
        let init_step = sample_size as f64 / lists as f64;
        let mut centroids = gather(&sample, (0..lists).map(|i| (i as f64 * init_step) as usize));
        let sample_lifted = l2_as_dot(&sample, true);
        for _ in 0..params.iterations {
            let nearest = kernel::top_k_between(
                Metric::Dot,
                &sample_lifted,
                &l2_as_dot(&centroids, false),
                1,
            );
            let dim = data.dim();
            let mut sums = vec![0f64; lists * dim];
            let mut counts = vec![0usize; lists];
            for (r, best) in nearest.iter().enumerate() {
                let c = best[0].index as usize;
                counts[c] += 1;
                for (s, x) in sums[c * dim..(c + 1) * dim].iter_mut().zip(sample.row(r)) {
                    *s += f64::from(*x);
                }
            }
            let mut next = Vec::with_capacity(lists * dim);
            for c in 0..lists {
                if counts[c] == 0 {
                    next.extend_from_slice(centroids.row(c)); // empty: keep it where it was
                } else {
                    let mean = sums[c * dim..(c + 1) * dim].iter();
                    next.extend(mean.map(|s| (s / counts[c] as f64) as f32));
                }
            }
            centroids = Matrix::new(next, dim);
        }
        // Every row into its nearest centroid, then the rows regrouped cluster by cluster.
        let assigned = kernel::top_k_between(
            Metric::Dot,
            &l2_as_dot(&data, true),
            &l2_as_dot(&centroids, false),
            1,
        );
        let mut offsets = vec![0usize; lists + 1];
        for a in &assigned {
            offsets[a[0].index as usize + 1] += 1;
        }
        for c in 0..lists {
            offsets[c + 1] += offsets[c];
        }
        // Within a cluster, L2 rows by norm: the 8-bit pass bounds a panel of 16 neighbouring
        // rows by its largest bias (−‖y‖²), which is tight when their norms are alike.
        let norm = |r: usize| match space {
            Space::L2 => squared_norm(data.row(r)),
            Space::Dot | Space::L1 => 0.0,
        };
        let mut order: Vec<(u32, f32, usize)> =
            (0..n).map(|r| (assigned[r][0].index, norm(r), r)).collect();
        order.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        let order: Vec<usize> = order.into_iter().map(|(_, _, r)| r).collect();
        let data = gather(&data, order.iter().copied());
        let rerank = match params.rerank {
            Some(r) => r,
            None if crate::quant::pays_off(data.dim()) => DEFAULT_RERANK,
            None => 0,
        };
        let codes = match space {
            _ if rerank == 0 => None,
            Space::L1 => None,
            Space::L2 => Some(RowCodes::build(
                data.as_slice(),
                data.dim(),
                &offsets,
                |y| -squared_norm(y),
            )),
            Space::Dot => Some(RowCodes::build(
                data.as_slice(),
                data.dim(),
                &offsets,
                |_| 0.0,
            )),
        };
        let mut positions = vec![0u32; n];
        for (at, &id) in order.iter().enumerate() {
            positions[id] = at as u32;
        }
        let rows = match space {
            Space::L2 => l2_as_dot(&data, false),
            Space::Dot | Space::L1 => data,
        };
        // Round one's samples, only where the codes are (a search in f32 takes no cut).
        let sampled = |c: usize| (offsets[c]..offsets[c + 1]).step_by(SAMPLE_EVERY);
        let mut sample_offsets = vec![0];
        if codes.is_some() {
            for c in 0..lists {
                sample_offsets.push(sample_offsets[c] + sampled(c).len());
            }
        }
        let samples = gather(&rows, (0..sample_offsets.len() - 1).flat_map(sampled));
        Self {
            space,
            rows,
            ids: order,
            offsets,
            centroids,
            rerank: if codes.is_some() { rerank } else { 0 },
            codes,
            positions,
            samples,
            sample_offsets,
            first_cut_shift: 0.0,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Hits kept per query from the 8-bit pass; 0 when searches score in f32.
    pub fn rerank(&self) -> usize {
        self.rerank
    }

    /// Number of clusters.
    pub fn lists(&self) -> usize {
        self.centroids.rows()
    }

    /// Bytes held by the index (rows, ids, centroids, codes and round one's samples).
    pub fn memory_bytes(&self) -> usize {
        4 * (self.rows.rows() * self.rows.dim()
            + 3 * self.ids.len()
            + self.centroids.rows() * self.centroids.dim())
            + 4 * self.samples.rows() * self.samples.dim()
            + 8 * (self.offsets.len() + self.sample_offsets.len())
            + self.codes.as_ref().map_or(0, RowCodes::memory_bytes)
    }

    /// For each row of `queries`, the `k` best indexed rows (row id, score under the space),
    /// best first, among the members of its `probes` closest clusters; `skip(q)` names a row id
    /// that query `q` must not get (itself), if any.
    ///
    /// Works cluster by cluster: every query probing a cluster is scored against its rows in one
    /// blocked multiply of the exact kernel, so a cluster's rows are read once per search, not
    /// once per query (a per-query scan was bound by memory bandwidth).
    pub fn search_many(
        &self,
        queries: &Matrix,
        k: usize,
        probes: usize,
        skip: &(dyn Fn(usize) -> Option<usize> + Sync),
    ) -> Vec<Vec<Neighbour>> {
        if self.is_empty() || k == 0 {
            return vec![Vec::new(); queries.rows()];
        }
        assert_eq!(queries.dim(), self.centroids.dim(), "queries differ in dim");
        let probes = probes.clamp(1, self.lists());
        if let Some(codes) = &self.codes {
            return self.search_coded(codes, queries, k, probes, skip);
        }
        // Queries per cluster, in two rounds: each query's closest cluster first, so its list
        // holds good neighbours (a high k-th score) before the other clusters are folded in.
        let mut first: Vec<Vec<usize>> = vec![Vec::new(); self.lists()];
        let mut rest: Vec<Vec<usize>> = vec![Vec::new(); self.lists()];
        let nearest = nearest_centroids(self.space, queries, &self.centroids, probes);
        for (q, clusters) in nearest.iter().enumerate() {
            for (rank, c) in clusters.iter().enumerate() {
                let round = if rank == 0 { &mut first } else { &mut rest };
                round[c.index as usize].push(q);
            }
        }
        drop(nearest);
        let (kernel_queries, metric) = match self.space {
            Space::L2 => (l2_as_dot(queries, true), Metric::Dot),
            Space::Dot => (queries.clone(), Metric::Dot),
            Space::L1 => (queries.clone(), Metric::L1 { max_distance: 1.0 }),
        };
        let tops: Vec<Mutex<TopK>> = (0..queries.rows())
            .map(|_| Mutex::new(TopK::new(k)))
            .collect();
        let dim = self.rows.dim();
        let scan = |(c, members): (usize, &Vec<usize>)| {
            let (from, to) = (self.offsets[c], self.offsets[c + 1]);
            let rows = &self.rows.as_slice()[from * dim..to * dim];
            let ids = &self.ids[from..to];
            let mut scores = Vec::new();
            // L1: the cluster's rows transposed once (a run of values per column), so a query's
            // distances to the whole cluster are passes of independent lanes.
            let transposed = match metric {
                Metric::L1 { .. } => {
                    let mut t = vec![0f32; rows.len()];
                    for (j, row) in rows.chunks(dim).enumerate() {
                        for (d, &x) in row.iter().enumerate() {
                            t[d * ids.len() + j] = x;
                        }
                    }
                    t
                }
                Metric::Dot => Vec::new(),
            };
            for chunk in members.chunks(kernel::QUERY_BLOCK) {
                scores.resize(chunk.len() * ids.len(), 0.0);
                match metric {
                    Metric::Dot => {
                        let block = gather(&kernel_queries, chunk.iter().copied());
                        kernel::multiply_transposed(block.as_slice(), rows, dim, &mut scores)
                    }
                    Metric::L1 { .. } => {
                        let n = ids.len();
                        for (out, &q) in scores.chunks_mut(n).zip(chunk) {
                            out.fill(0.0);
                            for (d, &x) in kernel_queries.row(q).iter().enumerate() {
                                for (o, y) in out.iter_mut().zip(&transposed[d * n..(d + 1) * n]) {
                                    *o += (x - y).abs();
                                }
                            }
                            out.iter_mut().for_each(|o| *o = -*o);
                        }
                    }
                }
                // Folded straight into each query's running list: once it holds k good
                // neighbours, most of a cluster fails the k-th-score test in bulk.
                for (&q, row) in chunk.iter().zip(scores.chunks(ids.len())) {
                    let skip = skip(q).unwrap_or(usize::MAX);
                    let mut top = tops[q].lock().expect("no panics while merging");
                    top.fold_row(row, ids, skip);
                }
            }
        };
        first.par_iter().enumerate().for_each(scan);
        rest.par_iter().enumerate().for_each(scan);
        tops.into_iter()
            .enumerate()
            .map(|(q, top)| {
                let mut items = top.into_inner().expect("no panics while merging").items;
                items
                    .iter_mut()
                    .for_each(|n| n.score -= self.offset(queries.row(q)));
                items
            })
            .collect()
    }

    /// Back from the kernel's form to the space's score: what to subtract for this query.
    fn offset(&self, query: &[f32]) -> f32 {
        match self.space {
            Space::L2 => query.iter().map(|x| x * x).sum(),
            Space::L1 | Space::Dot => 0.0,
        }
    }

    /// [`Ivf::search_many`] over the 8-bit codes: query-major (each block of queries owns its
    /// lists, no locks), probes chosen by a sampled threshold, the approximate hits rescored
    /// exactly with the rows the float path multiplies.
    fn search_coded(
        &self,
        codes: &RowCodes,
        queries: &Matrix,
        k: usize,
        probes: usize,
        skip: &(dyn Fn(usize) -> Option<usize> + Sync),
    ) -> Vec<Vec<Neighbour>> {
        let factor = if self.space == Space::L2 { 2.0 } else { 1.0 };
        let coded = codes.code_queries(queries.as_slice(), factor);
        let (lifted_queries, lifted_centroids) = match self.space {
            Space::L2 => (l2_as_dot(queries, true), l2_as_dot(&self.centroids, false)),
            Space::Dot | Space::L1 => (queries.clone(), self.centroids.clone()),
        };
        let keep = k.max(self.rerank);
        let lists = self.lists();
        let dim = lifted_queries.dim();
        let starts: Vec<usize> = (0..queries.rows()).step_by(CODED_QUERY_BLOCK).collect();
        starts
            .par_iter()
            .flat_map_iter(|&start| {
                let block = start..(start + CODED_QUERY_BLOCK).min(queries.rows());
                // Each query's probed clusters, its nearest one first.
                let mut probed: Vec<Vec<u32>> = Vec::with_capacity(block.len());
                let mut scores = Vec::new();
                for sub in block
                    .clone()
                    .collect::<Vec<_>>()
                    .chunks(kernel::QUERY_BLOCK)
                {
                    let rows =
                        &lifted_queries.as_slice()[sub[0] * dim..(sub[sub.len() - 1] + 1) * dim];
                    scores.resize(sub.len() * lists, 0.0);
                    kernel::multiply_transposed(
                        rows,
                        lifted_centroids.as_slice(),
                        dim,
                        &mut scores,
                    );
                    probed.extend(scores.chunks(lists).map(|row| closest(row, probes)));
                }
                // Members per cluster: round one scans each query's nearest cluster, so its
                // list has a high k-th score before round two scans the rest.
                let rounds = [
                    Grouped::new(lists, probed.iter().enumerate().map(|(i, p)| (p[0], i))),
                    Grouped::new(
                        lists,
                        probed
                            .iter()
                            .enumerate()
                            .flat_map(|(i, p)| p[1..].iter().map(move |&c| (c, i))),
                    ),
                ];
                let nearest: Vec<u32> = probed.iter().map(|p| p[0]).collect();
                drop(probed);
                let skips: Vec<usize> = block
                    .clone()
                    .map(|q| skip(q).unwrap_or(usize::MAX))
                    .collect();
                let (mut members, mut hits, mut thresholds, mut found) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                // Cluster c against its queries (block positions `local`): (position, row id,
                // approximate score) of every row that reaches the query's threshold.
                let mut scan = |c: usize, local: &[u32], thresholds: &[f32], found: &mut Vec<_>| {
                    members.clear();
                    members.extend(local.iter().map(|&i| block.start + i as usize));
                    hits.clear();
                    codes.score_cluster(&coded, &members, thresholds, c, &mut hits);
                    let ids = &self.ids[self.offsets[c]..self.offsets[c + 1]];
                    found.clear();
                    for hit in &hits {
                        let i = local[hit.member as usize] as usize;
                        let id = ids[hit.row as usize];
                        if skips[i] != id {
                            found.push((i, id as u32, hit.score));
                        }
                    }
                };
                // Round one: a query's first cluster against a cut from a sample of its rows, set
                // so that about twice `keep` rows pass; the passing rows are cut to the best
                // `keep` by one selection each. Where fewer than `keep` pass, the cluster is
                // scanned again with no cut, so the lists are those of a scan with none (with
                // `keep` rows at or above the cut, no row below it can end in the best `keep`).
                let mut sample = Vec::new();
                let mut first_round = |grouped: &Grouped, sampled: bool, firsts: &mut [Vec<_>]| {
                    for (c, local) in grouped.groups() {
                        thresholds.clear();
                        for &i in local {
                            let i = i as usize;
                            thresholds.push(if sampled {
                                let lifted = lifted_queries.row(block.start + i);
                                self.first_cut(lifted, c, keep, skips[i], &mut sample)
                            } else {
                                firsts[i].clear();
                                f32::NEG_INFINITY
                            });
                        }
                        scan(c, local, &thresholds, &mut found);
                        for &(i, index, score) in &found {
                            firsts[i].push(Neighbour { index, score });
                        }
                    }
                };
                let mut firsts: Vec<Vec<Neighbour>> = vec![Vec::new(); block.len()];
                first_round(&rounds[0], true, &mut firsts);
                let short = (0..block.len())
                    .filter(|&i| firsts[i].len() < keep)
                    .map(|i| (nearest[i], i));
                first_round(&Grouped::new(lists, short), false, &mut firsts);
                let mut shortlists: Vec<Shortlist> = firsts
                    .into_iter()
                    .map(|first| Shortlist::new(keep, first))
                    .collect();
                for (c, local) in rounds[1].groups() {
                    thresholds.clear();
                    thresholds.extend(local.iter().map(|&i| shortlists[i as usize].threshold));
                    scan(c, local, &thresholds, &mut found);
                    for &(i, index, score) in &found {
                        shortlists[i].push(Neighbour { index, score });
                    }
                }
                let tops = shortlists.into_iter().map(Shortlist::best);
                block
                    .zip(tops)
                    .map(|(q, top)| {
                        self.rescore(lifted_queries.row(q), queries.row(q), &top.items, k)
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

impl Ivf {
    /// A score that about `2 · keep` rows of cluster `c` reach against the (lifted) query:
    /// the matching rank among the exact scores of its sampled rows, every
    /// [`SAMPLE_EVERY`]th (in L2, rows lie in norm order, so the sample spans the cluster's
    /// norms), `skip` left out. −∞ for clusters too small to sample. `sample` is scratch.
    fn first_cut(
        &self,
        lifted: &[f32],
        c: usize,
        keep: usize,
        skip: usize,
        sample: &mut Vec<f32>,
    ) -> f32 {
        let (from, to) = (self.sample_offsets[c], self.sample_offsets[c + 1]);
        // The sample that is the row `skip` names, if that row is one of this cluster's.
        let at = self
            .positions
            .get(skip)
            .map_or(usize::MAX, |&at| at as usize);
        let skipped = ((self.offsets[c]..self.offsets[c + 1]).contains(&at)
            && (at - self.offsets[c]).is_multiple_of(SAMPLE_EVERY))
        .then(|| from + (at - self.offsets[c]) / SAMPLE_EVERY);
        let rank = (2 * keep).div_ceil(SAMPLE_EVERY);
        sample.clear();
        sample.extend(
            (from..to)
                .filter(|&s| Some(s) != skipped)
                .map(|s| kernel::dot(lifted, self.samples.row(s))),
        );
        if sample.len() <= rank {
            return f32::NEG_INFINITY;
        }
        let (_, cut, _) = sample.select_nth_unstable_by(rank, |a, b| b.total_cmp(a));
        *cut + self.first_cut_shift
    }

    /// The `k` best of `hits` by their exact score (the rows the float path multiplies).
    fn rescore(
        &self,
        lifted: &[f32],
        query: &[f32],
        hits: &[Neighbour],
        k: usize,
    ) -> Vec<Neighbour> {
        let offset = self.offset(query);
        let mut exact = TopK::new(k);
        for hit in hits {
            let row = self.rows.row(self.positions[hit.index as usize] as usize);
            exact.push(hit.index, kernel::dot(lifted, row) - offset);
        }
        exact.items
    }
}

/// A query's best `keep` approximate hits, kept lazily: hits are appended and cut back to the
/// best `keep` (in [`TopK`]'s order) only when they reach twice that, so the threshold handed
/// to the scan lags a little behind the `keep`-th best score. The best `keep` at the end are
/// those a [`TopK`] would hold (any row among them reached every threshold it was tested
/// against), for a selection per `keep` hits instead of a sorted insertion per hit (a binary
/// search whose branches the CPU cannot predict).
struct Shortlist {
    keep: usize,
    items: Vec<Neighbour>,
    /// The score a hit must reach: the `keep`-th best at the last cut, −∞ before.
    threshold: f32,
}

impl Shortlist {
    fn new(keep: usize, items: Vec<Neighbour>) -> Self {
        let mut list = Self {
            keep,
            items,
            threshold: f32::NEG_INFINITY,
        };
        list.cut();
        list
    }

    fn push(&mut self, hit: Neighbour) {
        self.items.push(hit);
        if self.items.len() >= 2 * self.keep {
            self.cut();
        }
    }

    fn cut(&mut self) {
        let top = TopK::best_of(self.keep, std::mem::take(&mut self.items));
        self.threshold = top.threshold();
        self.items = top.items;
    }

    fn best(self) -> TopK {
        TopK::best_of(self.keep, self.items)
    }
}

/// Queries grouped by cluster, in one flat array (a list per cluster cost an allocation each).
struct Grouped {
    /// Cluster c's queries are `items[starts[c]..starts[c + 1]]`.
    starts: Vec<usize>,
    items: Vec<u32>,
}

impl Grouped {
    /// From (cluster, query) pairs; a cluster keeps its queries in the order given.
    fn new(lists: usize, pairs: impl Iterator<Item = (u32, usize)> + Clone) -> Self {
        let mut starts = vec![0usize; lists + 1];
        for (c, _) in pairs.clone() {
            starts[c as usize + 1] += 1;
        }
        for c in 0..lists {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut items = vec![0u32; starts[lists]];
        for (c, q) in pairs {
            items[next[c as usize]] = q as u32;
            next[c as usize] += 1;
        }
        Self { starts, items }
    }

    /// The clusters with queries, and their queries.
    fn groups(&self) -> impl Iterator<Item = (usize, &[u32])> {
        self.starts
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[1] > w[0])
            .map(|(c, w)| (c, &self.items[w[0]..w[1]]))
    }
}

/// Round one's cut samples every this many rows of a cluster ([`Ivf::first_cut`]).
const SAMPLE_EVERY: usize = 8;

/// Queries a coded search handles together: their probes are grouped by cluster, so each
/// cluster's codes are read once per block.
const CODED_QUERY_BLOCK: usize = 1024;

/// About the `probes` highest of `scores` (cluster indices), the highest first. The cut is the
/// `probes`-th best of an evenly spaced sample, so the count is approximate past 1,024 clusters.
fn closest(scores: &[f32], probes: usize) -> Vec<u32> {
    let best = (0..scores.len()).fold(0, |b, i| if scores[i] > scores[b] { i } else { b });
    if probes >= scores.len() {
        let mut all: Vec<u32> = (0..scores.len() as u32).collect();
        all.swap(0, best);
        return all;
    }
    let stride = scores.len().div_ceil(1024);
    let mut sample: Vec<f32> = scores.iter().step_by(stride).copied().collect();
    let at = (probes / stride).clamp(1, sample.len()) - 1;
    sample.select_nth_unstable_by(at, |a, b| b.total_cmp(a));
    let cut = sample[at];
    let mut out = vec![best as u32];
    out.extend(
        (0..scores.len())
            .filter(|&i| i != best && scores[i] >= cut)
            .map(|i| i as u32),
    );
    out
}

/// Top-k neighbours of every valid row of `embedding` (itself excluded) through an [`Ivf`] of
/// the candidate rows; the neighbours found are rescored exactly, best first.
pub fn top_k_all(embedding: &Embedding, k: usize, params: &Params) -> Vec<Vec<Neighbour>> {
    let n = embedding.valid.len();
    let ids: Vec<usize> = (0..n).filter(|&i| embedding.valid[i]).collect();
    let space = match embedding.metric {
        Metric::Dot => Space::Dot,
        Metric::L1 { .. } => Space::L1,
    };
    let index = Ivf::build(
        gather(embedding.candidate_matrix(), ids.iter().copied()),
        space,
        params,
    );
    let queries = gather(&embedding.queries, ids.iter().copied());
    let found = index.search_many(&queries, k, params.probes, &|q| Some(q));
    if let Some(sparse) = &embedding.sparse {
        // The dense part's approximate lists, completed with every row sharing a sparse column
        // and scored in full.
        let mut merged = sparse.merge(embedding, &ids, &ids, found, k).into_iter();
        return (0..n)
            .map(|i| match embedding.valid[i] {
                true => merged.next().expect("one list per valid row"),
                false => Vec::new(),
            })
            .collect();
    }
    let mut found = found.into_iter();
    (0..n)
        .map(|i| {
            if !embedding.valid[i] {
                return Vec::new();
            }
            let mut list: Vec<Neighbour> = found
                .next()
                .expect("one list per valid row")
                .into_iter()
                .map(|hit| {
                    let c = ids[hit.index as usize];
                    Neighbour {
                        index: c as u32,
                        score: embedding.score(i, c),
                    }
                })
                .collect();
            list.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.index.cmp(&b.index)));
            list
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
    /// From this many valid rows on, use the IVF index instead of the exact kernel.
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

/// Default [`Strategy::threshold`]: from 20,000 rows on, the index. On `hybrid`'s vectors of the
/// 4× bundled catalog (42,742 rows, 424 dense columns plus the sparse playlist columns) the
/// index found every exact neighbour (recall@10 1.0000) in about a seventh of the exact
/// kernel's time; below 20k rows the exact kernel stays (the bundled catalog's lists are exact,
/// at most a second or so of work). `seed`'s 6-column L1 rows cost about the same either way
/// at 4× and grow quadratically exact beyond (`bench/scale/README.md`).
pub const DEFAULT_THRESHOLD: usize = 20_000;

/// Which way [`Strategy::top_k_all`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The exact blocked kernel.
    Exact,
    /// The IVF index.
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

    /// 100 clusters of about 50 rows, 20 scanned: a fifth of the rows, so recall is not a given.
    const SMALL: Params = Params {
        lists: 100,
        probes: 20,
        iterations: 8,
        sample_per_list: 64,
        rerank: Some(0),
    };

    fn recall_against_exact(embedding: &Embedding, k: usize, params: &Params) -> f64 {
        let approx = top_k_all(embedding, k, params);
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
        recall(&approx, &exact)
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
            sparse: None,
        };
        let r = recall_against_exact(&embedding, 10, &SMALL);
        eprintln!("dot recall@10 {r:.4}"); // 0.906 measured
        assert!(r >= 0.8, "recall@10 {r}");
        let lists = top_k_all(&embedding, 10, &SMALL);
        assert!(lists[5].is_empty() && lists[106].is_empty());
        assert!(lists.iter().flatten().all(|n| n.index as usize % 101 != 5));
        // Scanning every cluster is exact.
        let all = Params {
            probes: usize::MAX,
            ..SMALL
        };
        assert_eq!(recall_against_exact(&embedding, 10, &all), 1.0);
    }

    /// The 8-bit first pass plus the exact rescoring loses almost nothing against scoring the
    /// same clusters in f32, on the path this machine takes for rows this wide (VNNI, AVX2 or
    /// portable; AMX from 32 columns, tested in `quant`).
    #[test]
    fn coded_search_keeps_the_float_search_recall() {
        let (n, dim) = (5000, 24);
        let rows = Matrix::new(random(n, dim, 5), dim);
        let coded = Params {
            rerank: Some(30),
            ..SMALL
        };
        let dot = Embedding::symmetric(Metric::Dot, rows.clone(), vec![true; n]);
        // Squared L2 in the Dot form the bench uses: queries [2x, −1], rows [y, ‖y‖²].
        let l2 = Embedding {
            metric: Metric::Dot,
            queries: l2_as_dot(&rows, true),
            candidates: Some(l2_as_dot(&rows, false)),
            valid: vec![true; n],
            sparse: None,
        };
        for (space, embedding) in [("dot", dot), ("l2", l2)] {
            let float = recall_against_exact(&embedding, 10, &SMALL);
            let approx = recall_against_exact(&embedding, 10, &coded);
            eprintln!("{space}: recall@10 float {float:.4}, coded {approx:.4}");
            assert!(approx >= float - 0.01, "{space}: {approx} vs {float}");
            let all = Params {
                probes: usize::MAX,
                ..coded
            };
            let r = recall_against_exact(&embedding, 10, &all);
            assert!(r >= 0.99, "{space}: every cluster, recall {r}");
        }
        // The L2 space itself (rows indexed raw, `Ivf::search_many`) finds each row first.
        let index = Ivf::build(rows.clone(), Space::L2, &coded);
        let hits = index.search_many(&rows, 3, 20, &|_| None);
        let first = hits
            .iter()
            .enumerate()
            .filter(|(q, h)| h[0].index as usize == *q);
        assert_eq!(first.count(), n);
        for (q, h) in hits.iter().enumerate() {
            let exact: f32 = -rows
                .row(q)
                .iter()
                .zip(rows.row(h[1].index as usize))
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f32>();
            assert!(
                (h[1].score - exact).abs() < 1e-3,
                "rescored exactly: {} vs {exact}",
                h[1].score
            );
        }
    }

    /// Round two's lazy shortlist ends with the best `keep` a sorted list fed hit by hit would
    /// hold, though it hands the scan lower thresholds: scores from 64 values (ties, decided by
    /// index; indices in no order), each batch filtered by the threshold its list gave before
    /// it, as the kernel does, and now and then a NaN pushed unfiltered.
    #[test]
    fn the_shortlist_keeps_what_a_sorted_list_keeps() {
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for keep in [1, 3, 24] {
            let first: Vec<Neighbour> = (0..5)
                .map(|i| Neighbour {
                    index: 1000 + i,
                    score: (next() % 64) as f32,
                })
                .collect();
            let mut lazy = Shortlist::new(keep, first.clone());
            let mut sorted = TopK::best_of(keep, first);
            let (mut count, mut filtered) = (0u32, 0);
            // About twice `keep` hits or more: the best `keep` reach well below the first scores.
            for _ in 0..(2 * keep).max(8) {
                let cuts = (lazy.threshold, sorted.threshold());
                for _ in 0..next() % 12 {
                    count += 1;
                    let index = count * 7919 % 100_003; // distinct, in no order
                    if next() % 23 == 0 {
                        lazy.push(Neighbour {
                            index,
                            score: f32::NAN,
                        });
                        sorted.push(index, f32::NAN);
                        continue;
                    }
                    let score = (next() % 64) as f32;
                    if score >= cuts.0 {
                        lazy.push(Neighbour { index, score });
                    }
                    if score >= cuts.1 {
                        sorted.push(index, score);
                    } else {
                        filtered += 1;
                    }
                }
            }
            assert!(filtered > 0, "keep {keep}: the thresholds did filter");
            assert_eq!(lazy.best().items, sorted.items, "keep {keep}");
        }
    }

    #[test]
    fn the_sampled_first_cut_changes_no_list() {
        // Tight clusters far apart: a query's first cluster holds its best rows, so a wrong cut
        // or a missing rescan there shows in the lists.
        let (n, dim) = (6000, 16);
        let mut data = random(n, dim, 9);
        for (r, row) in data.chunks_mut(dim).enumerate() {
            row[r % dim] += 8.0 * (1 + r % 7) as f32;
        }
        let rows = Matrix::new(data, dim);
        for space in [Space::L2, Space::Dot] {
            let coded = Params {
                rerank: Some(30),
                ..SMALL
            };
            let mut index = Ivf::build(rows.clone(), space, &coded);
            let search = |index: &Ivf| index.search_many(&rows, 10, 4, &|q| Some(q));
            let cut = search(&index);
            index.first_cut_shift = f32::NEG_INFINITY;
            let none = search(&index);
            index.first_cut_shift = f32::INFINITY;
            let rescanned = search(&index);
            for (q, ((a, b), c)) in cut.iter().zip(&none).zip(&rescanned).enumerate() {
                let ids = |l: &[Neighbour]| l.iter().map(|n| n.index).collect::<Vec<_>>();
                assert_eq!(ids(a), ids(b), "{space:?} query {q}: sampled cut vs none");
                assert_eq!(ids(c), ids(b), "{space:?} query {q}: rescan vs none");
                assert!(
                    !ids(a).contains(&(q as u32)),
                    "{space:?} query {q} skips itself"
                );
            }
        }
    }

    #[test]
    fn l1_recall_at_5k_is_close_to_exact() {
        let (n, dim) = (5000, 6);
        let m = Matrix::new(random(n, dim, 2), dim);
        let embedding = Embedding::symmetric(Metric::L1 { max_distance: 6.0 }, m, vec![true; n]);
        let r = recall_against_exact(&embedding, 10, &SMALL);
        eprintln!("l1 recall@10 {r:.4}"); // 0.999 measured
        assert!(r >= 0.95, "recall@10 {r}");
    }

    #[test]
    fn l2_search_finds_indexed_rows_and_handles_tiny_indexes() {
        let dim = 8;
        let data = Matrix::new(random(3000, dim, 3), dim);
        let index = Ivf::build(data.clone(), Space::L2, &Params::default());
        assert_eq!(index.lists(), 55, "√N by default");
        let hits = index.search_many(&data, 3, 8, &|_| None);
        let first = hits
            .iter()
            .enumerate()
            .filter(|(q, h)| h[0].index as usize == *q);
        assert_eq!(first.count(), 3000, "every row finds itself first");
        let empty = Ivf::build(Matrix::new(Vec::new(), dim), Space::L2, &Params::default());
        assert!(empty.search_many(&data, 3, 8, &|_| None)[0].is_empty());
        let one = Ivf::build(
            Matrix::new(data.row(0).to_vec(), dim),
            Space::L2,
            &Params::default(),
        );
        let hits = one.search_many(&data, 3, 8, &|_| None);
        assert_eq!(
            hits[0],
            vec![Neighbour {
                index: 0,
                score: 0.0
            }]
        );
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
        // Fewer clusters than probes: every cluster is scanned, so both agree.
        assert_eq!(
            recall(&approx.top_k_all(&e, 3), &exact.top_k_all(&e, 3)),
            1.0
        );
    }
}
