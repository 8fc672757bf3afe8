//! `hybrid`: the default algorithm. Each artist becomes one vector made of blocks, each block
//! unit-length and scaled by the square root of its weight, so the inner product of two artists is
//! the weighted sum of per-signal cosines; the candidate side then multiplies those blocks by a
//! presence factor and appends prior columns. Blocks with zero weight take no columns.
//!
//! | block | weight | what it holds | why |
//! |---|---|---|---|
//! | playlist | 1 | `ln(1 + tracks in playlist)` × IDF over artists, per playlist | co-membership is a collaborative signal: curators put related artists together |
//! | smooth | 0.35 | the unit playlist row projected on the 192 leading eigenvectors of the playlist co-occurrence matrix (LSA; a truncated randomized eigensolver, see [`Basis`]) | denoises sparse co-membership: artists in *related* playlists, not only the same ones, score |
//! | subgenre, genre | 0.35, 0.25 | share of the artist's playlist memberships per label | scene and style |
//! | audio | 0.2 | z-scored per-artist means of the nine continuous audio features | sound, for artists with little playlist evidence |
//! | era | 0.25 | mean release year over Gaussian bins (σ = 5 years) | listeners follow eras |
//! | debut era | 0.35 | earliest release year over the same bins | a generation of fans follows artists who started when they did; the mean year blurs that with later releases and re-issues |
//! | tags | 2 | the source genre lists of the artist ([`Profiles::tags`], e.g. Spotify's), one per genre | a source's own genre labels are finer than the playlist genres; empty (no columns) for the TidyTuesday table alone, so `eval` is unchanged; `k-pop` for the Korean acts of the merged bundled data; weight picked on the tune half with Spotify genre lists (`examples/tune.rs --artist-genres`) |
//! | credits | 0.15 | the artist and everyone named with it in a track title ("feat.", "with", "Remix"), hashed into 128 signed buckets | collaborators share fans |
//! | *boost* (candidate side) | 1.25 | similarity blocks × `1 + 1.25 · ln(1 + tracks) / ln(1 + most tracks)` | "fans also like" lists favour established artists, in proportion to how similar they are, so a popular but unrelated artist gains little |
//! | *popularity*, *peak* (candidate columns) | 0.5, 0.1 | mean and highest Spotify popularity / 100, met by the weight on the query side | a small additive prior toward well-known artists |
//! | *seniority* (candidate column) | 0.3 | `(2025 − earliest release year) / 75` | a small additive prior toward artists established for longer, who have had time to gather listeners |
//!
//! The playlist and tags blocks have a column per playlist or per source genre, so they are
//! kept as sparse columns of the [`Embedding`] ([`crate::sparse`]), not dense ones: the same
//! inner products, with rows as wide as the dense blocks only.
//!
//! Also available, and off by default because the tuning did not pick them: other term
//! frequencies ([`Tf`]), an IDF exponent, a playlist-size discount (`df_power`), a power on the
//! genre and subgenre counts (`label_power`), eigenvalue weighting of the smoothed block,
//! shrinking the audio blocks for artists with few tracks, spreads of the audio features, and
//! further additive or multiplicative priors (track count, playlist reach, albums).
//!
//! Tried on the tune half and left out, with their scores (other blocks, weightings, priors,
//! search stages, a learned re-ranker): `docs/experiments/hybrid.md`.
//!
//! The weights are chosen by `soundalike_eval::tune::search` on the tune half of the evaluation
//! only, with a guard that keeps at least 75% of the start's distinct recommendations (so the
//! priors cannot crowd every list with the same few artists), and a second stage that adds the
//! debut era and seniority while keeping 95% of the first stage's variety;
//! `crates/eval/examples/tune.rs` reproduces them.
//!
//! Current figures (HetRec 2011 Last.fm, nDCG@10): tune 0.5317, test 0.5479; with Spotify's
//! genre lists in the `tags` block 0.5672 / 0.5828 (the README's evaluation table).

use rayon::prelude::*;

use crate::kernel::{Embedding, Matrix, Metric, Vectors};
use crate::profile::{N_FEATURES, Profiles, Sparse};
use crate::sparse::{SparseEntry, SparseRows};

/// How an artist's count of tracks in one playlist becomes a term frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tf {
    /// The count itself.
    Raw,
    /// `ln(1 + count)`.
    Log,
    /// 1 for any membership.
    Binary,
    /// BM25-style saturation `count (k + 1) / (count + k)` with `k` = [`Weights::tf_k`].
    Saturating,
}

/// Block weights (relative; each block is a cosine in -1..=1) and the transforms they apply to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Playlist co-membership.
    pub playlist: f32,
    /// Term frequency of the playlist block (and of the smoothed block built from it).
    pub tf: Tf,
    /// Saturation constant of [`Tf::Saturating`].
    pub tf_k: f32,
    /// Exponent of the inverse document frequency (0: none, 1: plain smoothed IDF).
    pub idf_power: f32,
    /// Playlist columns are also scaled by `(artists in the playlist + 1)^-df_power`, so a
    /// shared large playlist counts less than a shared small one (1: resource allocation).
    pub df_power: f32,
    /// Smoothed playlist co-membership: the unit TF-IDF row projected on the leading
    /// eigenvectors of the playlist co-occurrence matrix.
    pub smooth: f32,
    /// Number of eigenvectors kept by the smoothed block (at most the number of playlists).
    pub smooth_rank: usize,
    /// Eigenvalue exponent of the smoothed block (0.5: second-order co-occurrence).
    pub smooth_power: f32,
    /// Playlist subgenre mix.
    pub subgenre: f32,
    /// Playlist genre mix.
    pub genre: f32,
    /// Exponent applied to the subgenre and genre membership counts (1: shares).
    pub label_power: f32,
    /// Standardised audio feature means.
    pub audio: f32,
    /// Pseudo-count of tracks discounting the audio blocks of artists with few tracks: each side
    /// scales its audio cosine by `tracks / (tracks + audio_shrink)` (a shrinkage of the means
    /// toward the catalog mean, where the cosine is undefined).
    pub audio_shrink: f32,
    /// Standardised audio feature standard deviations.
    pub audio_spread: f32,
    /// Release era.
    pub era: f32,
    /// Width of the era kernel in years.
    pub era_years: f32,
    /// Debut era: the earliest release year over the same bins.
    pub era_first: f32,
    /// Popularity prior (mean Spotify popularity / 100 of the candidate).
    pub popularity: f32,
    /// Catalog-presence prior (`ln(1 + tracks) / ln(1 + most tracks)` of the candidate).
    pub presence: f32,
    /// Peak-popularity prior (highest Spotify popularity / 100 among the candidate's tracks).
    pub peak: f32,
    /// Playlist-reach prior (`ln(1 + playlists) / ln(1 + most playlists)` of the candidate).
    pub reach: f32,
    /// Discography prior (`ln(1 + albums) / ln(1 + most albums)` of the candidate).
    pub albums: f32,
    /// Seniority prior: how early the candidate's earliest track is, `(2025 − year) / 75`.
    pub seniority: f32,
    /// Title credits: artists named together in a track title ("feat.", "with", "Remix").
    pub credits: f32,
    /// Source genre lists ([`Profiles::tags`]); the block takes no columns when no artist has one.
    pub tags: f32,
    /// Multiplicative presence prior: a candidate's similarity blocks are scaled by
    /// `1 + boost · presence`, so better-known artists gain in proportion to their similarity.
    pub boost: f32,
    /// Multiplicative popularity prior: similarity blocks also scaled by
    /// `1 + boost_popularity · mean popularity / 100`.
    pub boost_popularity: f32,
    /// Multiplicative reach prior: also scaled by `1 + boost_reach · reach`.
    pub boost_reach: f32,
    /// Multiplicative discography prior: also scaled by `1 + boost_albums · albums share`.
    pub boost_albums: f32,
}

impl Default for Weights {
    /// The weights chosen by `soundalike_eval::tune::search` on the tune half (see
    /// `crates/eval/examples/tune.rs`, which reproduces them).
    fn default() -> Self {
        Self {
            playlist: 1.0,
            tf: Tf::Log,
            tf_k: 1.2,
            idf_power: 1.0,
            df_power: 0.0,
            smooth: 0.35,
            smooth_rank: 192,
            smooth_power: 0.0,
            subgenre: 0.35,
            genre: 0.25,
            label_power: 1.0,
            audio: 0.2,
            audio_shrink: 0.0,
            audio_spread: 0.0,
            era: 0.25,
            era_years: 5.0,
            era_first: 0.35,
            popularity: 0.5,
            presence: 0.0,
            peak: 0.1,
            reach: 0.0,
            albums: 0.0,
            seniority: 0.3,
            credits: 0.15,
            tags: 2.0,
            boost: 1.25,
            boost_popularity: 0.0,
            boost_reach: 0.0,
            boost_albums: 0.0,
        }
    }
}

const ERA_FIRST: f32 = 1950.0;
const ERA_LAST: f32 = 2025.0;
const ERA_STEP: f32 = 2.5;

/// Width of the hashed credits block.
const CREDIT_DIM: usize = 128;

/// Bucket and sign of an artist in the hashed credits block (splitmix64 of its index).
fn credit_slot(artist: u32) -> (usize, f32) {
    let mut z = u64::from(artist).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    let sign = if z >> 63 == 0 { 1.0 } else { -1.0 };
    ((z % CREDIT_DIM as u64) as usize, sign)
}

fn era_bins() -> usize {
    ((ERA_LAST - ERA_FIRST) / ERA_STEP) as usize + 1
}

/// Write `values` scaled to unit length times `scale` into `out` (zeros stay zeros).
fn put_unit(out: &mut [f32], values: &[f32], scale: f32) {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (o, v) in out.iter_mut().zip(values) {
            *o = v / norm * scale;
        }
    }
}

/// `ln(1 + x) / ln(1 + max)`: a count's share of the largest, on a log scale.
fn log_share_of(x: u32, max: u32) -> f32 {
    (1.0 + x as f32).ln() / (1.0 + max as f32).ln()
}

fn densify(sparse: &Sparse, dim: usize, weight_of: impl Fn(u32, f32) -> f32) -> Vec<f32> {
    let mut dense = vec![0.0; dim];
    for &(d, count) in sparse {
        dense[d as usize] = weight_of(d, count);
    }
    dense
}

/// Smoothed inverse document frequency of every playlist over the artists `fit` accepts.
fn playlist_idf(p: &Profiles, w: &Weights, fit: &dyn Fn(usize) -> bool) -> Vec<f32> {
    let mut df = vec![0f32; p.n_playlists];
    let mut n = 0usize;
    for (a, sparse) in p.playlists.iter().enumerate() {
        if !fit(a) {
            continue;
        }
        n += 1;
        for &(d, _) in sparse {
            df[d as usize] += 1.0;
        }
    }
    df.iter()
        .map(|&d| {
            ((n as f32 + 1.0) / (d + 1.0))
                .ln()
                .powf(w.idf_power.max(0.0))
                * (d + 1.0).powf(-w.df_power)
        })
        .collect()
}

/// The unit-length TF-IDF playlist row of one artist (sparse), under the weights' transforms.
fn playlist_row(sparse: &Sparse, w: &Weights, idf: &[f32]) -> Sparse {
    let mut row: Sparse = sparse
        .iter()
        .map(|&(d, c)| {
            let tf = match w.tf {
                Tf::Raw => c,
                Tf::Log => (1.0 + c).ln(),
                Tf::Binary => 1.0,
                Tf::Saturating => c * (w.tf_k + 1.0) / (c + w.tf_k),
            };
            (d, tf * idf[d as usize])
        })
        .collect();
    let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|(_, v)| *v /= norm);
    }
    row
}

/// Leading eigenvectors of the playlist co-occurrence matrix `C = Σ_a x_aᵀ x_a` over unit TF-IDF
/// rows: the expensive part of the smoothed block, reusable across weights that share the
/// transforms and the rank.
///
/// [`Basis::build`] finds only the `smooth_rank` leading pairs, by randomized subspace iteration
/// on the sparse `C` (Halko, Martinsson & Tropp 2011: a Gaussian start block of `rank +
/// oversampling` columns, a few power iterations each re-orthonormalised, then the small
/// projected problem solved exactly), so its cost is `O(nnz(C)·l + m·l²)` per iteration, not the
/// `O(m³)` of a full decomposition ([`Basis::exact_over`], kept to measure it against). A block
/// method rather than single-vector Lanczos: catalogs with repeated structure (e.g. copies) have
/// repeated eigenvalues, and one start vector spans only one direction of each eigenspace.
/// Deterministic: a fixed seed and a fixed summation order.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// The transforms and rank it was built for (see [`basis_key`]).
    pub key: BasisKey,
    /// Eigenvalues, largest first.
    pub values: Vec<f64>,
    /// Eigenvectors as rows (parallel to `values`), each of length `n_playlists`.
    pub vectors: Vec<Vec<f64>>,
}

/// What a [`Basis`] depends on: (tf, tf_k, idf_power, df_power, smooth_rank).
pub type BasisKey = (Tf, f32, f32, f32, usize);

/// Columns added to the rank in [`Basis::build`]'s subspace, as a share of the rank: the pairs
/// near the cut converge as `(λ_l / λ_rank)^(2q+1)`, so a wider block converges faster.
const OVERSAMPLING: f64 = 1.0;
/// Power iterations of [`Basis::build`].
const POWER_ITERATIONS: usize = 8;
/// Seed of the Gaussian start block.
const BASIS_SEED: u64 = 0x5eed_ba51_5000_0001;

impl Basis {
    /// Build the basis for the transforms and rank of `w`.
    pub fn build(p: &Profiles, w: &Weights) -> Self {
        Self::build_over(p, w, &|_| true)
    }

    /// Build the basis from the artists `fit` accepts only.
    pub fn build_over(p: &Profiles, w: &Weights, fit: &dyn Fn(usize) -> bool) -> Self {
        let gram = Cooccurrence::over(p, w, fit);
        let rank = w.smooth_rank.min(gram.m);
        let (values, vectors) = leading_eigen(&gram, rank);
        Self {
            key: basis_key(w),
            values,
            vectors,
        }
    }

    /// Every eigenpair by a dense decomposition (`O(m³)`): the reference the truncated
    /// [`Basis::build_over`] is measured against. Keeps the `smooth_rank` leading pairs.
    pub fn exact_over(p: &Profiles, w: &Weights, fit: &dyn Fn(usize) -> bool) -> Self {
        let gram = Cooccurrence::over(p, w, fit);
        let rank = w.smooth_rank.min(gram.m);
        let (values, vectors) = dense_eigen(&gram.to_dense(), rank);
        Self {
            key: basis_key(w),
            values,
            vectors,
        }
    }
}

/// The transforms and rank a [`Basis`] depends on.
pub fn basis_key(w: &Weights) -> BasisKey {
    (w.tf, w.tf_k, w.idf_power, w.df_power, w.smooth_rank)
}

/// The symmetric `m × m` co-occurrence matrix, sparse (rows of sorted columns).
struct Cooccurrence {
    m: usize,
    offsets: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f64>,
}

impl Cooccurrence {
    /// `Σ_a x_aᵀ x_a` over the unit TF-IDF rows of the artists `fit` accepts. Each row is summed
    /// by one thread in artist order, so the result does not depend on the thread count.
    fn over(p: &Profiles, w: &Weights, fit: &dyn Fn(usize) -> bool) -> Self {
        let m = p.n_playlists;
        let idf = playlist_idf(p, w, fit);
        let fitted: Vec<bool> = (0..p.len()).map(fit).collect();
        let rows: Vec<Sparse> = (0..p.len())
            .into_par_iter()
            .map(|a| match fitted[a] {
                true => playlist_row(&p.playlists[a], w, &idf),
                false => Vec::new(),
            })
            .collect();
        Self::from_rows(&rows, m)
    }

    /// `Σ_a x_aᵀ x_a` over sparse rows of width `m`.
    fn from_rows(rows: &[Sparse], m: usize) -> Self {
        // The rows by playlist: (artist, value), artists ascending.
        let mut starts = vec![0usize; m + 1];
        for row in rows {
            for &(d, _) in row {
                starts[d as usize + 1] += 1;
            }
        }
        for d in 0..m {
            starts[d + 1] += starts[d];
        }
        let mut fill = starts.clone();
        let mut members = vec![(0u32, 0f32); starts[m]];
        for (a, row) in rows.iter().enumerate() {
            for &(d, v) in row {
                members[fill[d as usize]] = (a as u32, v);
                fill[d as usize] += 1;
            }
        }
        let per_row: Vec<(Vec<u32>, Vec<f64>)> = (0..m)
            .into_par_iter()
            .map_init(
                || (vec![0f64; m], vec![false; m], Vec::<u32>::new()),
                |(acc, seen, touched), i| {
                    for &(a, xi) in &members[starts[i]..starts[i + 1]] {
                        for &(j, xj) in &rows[a as usize] {
                            if !seen[j as usize] {
                                seen[j as usize] = true;
                                touched.push(j);
                            }
                            acc[j as usize] += f64::from(xi) * f64::from(xj);
                        }
                    }
                    touched.sort_unstable();
                    let values = touched.iter().map(|&j| acc[j as usize]).collect();
                    for &j in touched.iter() {
                        acc[j as usize] = 0.0;
                        seen[j as usize] = false;
                    }
                    (std::mem::take(touched), values)
                },
            )
            .collect();
        let mut gram = Self {
            m,
            offsets: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
        };
        for (columns, values) in per_row {
            gram.columns.extend(columns);
            gram.values.extend(values);
            gram.offsets.push(gram.columns.len());
        }
        gram
    }

    /// `C · X` for a row-major `m × l` block `x`.
    fn apply(&self, x: &[f64], l: usize) -> Vec<f64> {
        let mut out = vec![0f64; self.m * l];
        out.par_chunks_mut(l.max(1))
            .enumerate()
            .for_each(|(i, row)| {
                for at in self.offsets[i]..self.offsets[i + 1] {
                    let (j, v) = (self.columns[at] as usize, self.values[at]);
                    for (o, x) in row.iter_mut().zip(&x[j * l..(j + 1) * l]) {
                        *o += v * x;
                    }
                }
            });
        out
    }

    fn to_dense(&self) -> faer::Mat<f64> {
        let mut dense = faer::Mat::<f64>::zeros(self.m, self.m);
        for i in 0..self.m {
            for at in self.offsets[i]..self.offsets[i + 1] {
                dense[(i, self.columns[at] as usize)] = self.values[at];
            }
        }
        dense
    }
}

/// A row-major `rows × cols` block as a faer matrix, and back.
fn to_mat(x: &[f64], rows: usize, cols: usize) -> faer::Mat<f64> {
    faer::Mat::from_fn(rows, cols, |i, j| x[i * cols + j])
}

fn from_mat(m: faer::MatRef<'_, f64>) -> Vec<f64> {
    let (rows, cols) = (m.nrows(), m.ncols());
    let mut out = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        out.extend((0..cols).map(|j| m[(i, j)]));
    }
    out
}

/// Standard normal values from a fixed seed (splitmix64 + Box–Muller).
fn gaussian(count: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        // In (0, 1]: never 0, so the logarithm is finite.
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    };
    (0..count)
        .map(|_| {
            let (u, v) = (uniform(), uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

/// The `rank` leading eigenpairs of the symmetric positive semi-definite `gram`, by randomized
/// subspace iteration (see [`Basis`]).
fn leading_eigen(gram: &Cooccurrence, rank: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let m = gram.m;
    let l = (rank + (rank as f64 * OVERSAMPLING).ceil() as usize).min(m);
    if rank == 0 {
        return (Vec::new(), Vec::new());
    }
    if l == m {
        // The subspace would be the whole space: the dense decomposition is the same work.
        return dense_eigen(&gram.to_dense(), rank);
    }
    let orthonormal = |y: &[f64]| from_mat(to_mat(y, m, l).qr().compute_thin_Q().as_ref());
    let mut q = orthonormal(&gram.apply(&gaussian(m * l, BASIS_SEED), l));
    for _ in 0..POWER_ITERATIONS {
        q = orthonormal(&gram.apply(&q, l));
    }
    // The projected problem B = Qᵀ C Q (l × l), solved exactly; V = Q U.
    let q_mat = to_mat(&q, m, l);
    let cq = to_mat(&gram.apply(&q, l), m, l);
    let b = q_mat.transpose() * &cq;
    let b = faer::Mat::from_fn(l, l, |i, j| (b[(i, j)] + b[(j, i)]) / 2.0);
    let (values, small) = dense_eigen(&b, rank);
    let small = faer::Mat::from_fn(l, rank, |i, j| small[j][i]);
    let v = &q_mat * &small;
    let vectors = (0..rank)
        .map(|j| (0..m).map(|i| v[(i, j)]).collect())
        .collect();
    (values, vectors)
}

/// The `rank` leading eigenpairs of a dense symmetric matrix (values clamped at 0, largest
/// first; ties in the order the decomposition gives).
fn dense_eigen(a: &faer::Mat<f64>, rank: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.nrows();
    let eigen = a
        .self_adjoint_eigen(faer::Side::Lower)
        .expect("the eigen-decomposition of a finite symmetric matrix converges");
    let (s, u) = (eigen.S().column_vector(), eigen.U());
    // Nondecreasing order: the leading pairs are the last ones.
    let values = (0..rank).map(|r| s[n - 1 - r].max(0.0)).collect();
    let vectors = (0..rank)
        .map(|r| (0..n).map(|i| u[(i, n - 1 - r)]).collect())
        .collect();
    (values, vectors)
}

/// The hybrid vectors of every artist.
pub fn embed(p: &Profiles, w: &Weights) -> Embedding {
    let basis = (w.smooth > 0.0).then(|| Basis::build(p, w));
    embed_with(p, w, basis.as_ref())
}

/// The hybrid vectors of every artist, with a prebuilt [`Basis`] for the smoothed block (built
/// here when missing or built for other transforms).
pub fn embed_with(p: &Profiles, w: &Weights, basis: Option<&Basis>) -> Embedding {
    let owned;
    let basis = match basis {
        Some(b) if b.key == basis_key(w) => Some(b),
        _ if w.smooth > 0.0 => {
            owned = Basis::build(p, w);
            Some(&owned)
        }
        _ => None,
    };
    Model::fit(p, w, basis, &|_| true).embed(p)
}

/// Everything `hybrid` learns from the whole catalog (IDF, feature moments, largest counts, the
/// smoothing basis), so one more artist can be embedded consistently without refitting
/// ([`Model::row`]).
#[derive(Debug, Clone)]
pub struct Model {
    weights: Weights,
    idf: Vec<f32>,
    /// Per feature (mean, std) over artists' means, then over their standard deviations.
    means: Moments,
    spreads: Moments,
    max_tracks: u32,
    max_playlists: u32,
    max_albums: u32,
    /// The smoothing basis's leading eigenvectors, each scaled by its eigenvalue weight, by
    /// playlist: `smooth[d * rank + r]` is vector r's value at playlist d.
    smooth: Vec<f64>,
    rank: usize,
    n_playlists: usize,
    n_subgenres: usize,
    n_genres: usize,
    n_tags: usize,
    dim: usize,
}

type Moments = ([f64; N_FEATURES], [f64; N_FEATURES]);

/// Mean and spread over the artists `fit` accepts (with tracks) of one per-artist feature value.
fn moments(
    p: &Profiles,
    fit: &dyn Fn(usize) -> bool,
    values: &dyn Fn(usize, usize) -> Option<f32>,
) -> Moments {
    let (mut mean, mut std) = ([0f64; N_FEATURES], [0f64; N_FEATURES]);
    for k in 0..N_FEATURES {
        let xs: Vec<f64> = (0..p.len())
            .filter(|&a| p.track_counts[a] > 0 && fit(a))
            .filter_map(|a| values(a, k))
            .map(f64::from)
            .collect();
        let count = xs.len().max(1) as f64;
        mean[k] = xs.iter().sum::<f64>() / count;
        std[k] = (xs.iter().map(|v| (v - mean[k]).powi(2)).sum::<f64>() / count).sqrt();
    }
    (mean, std)
}

impl Model {
    /// Fit on the artists `fit` accepts (the others can be embedded later with the result).
    /// `basis` must be built for the transforms of `w` (see [`basis_key`]) when `w.smooth > 0`.
    pub fn fit(
        p: &Profiles,
        w: &Weights,
        basis: Option<&Basis>,
        fit: &dyn Fn(usize) -> bool,
    ) -> Self {
        let bins = era_bins();
        // A catalog without playlists (live sources) has no co-occurrence basis to smooth over.
        let rank = if w.smooth > 0.0 && p.n_playlists > 0 {
            w.smooth_rank.clamp(1, p.n_playlists)
        } else {
            0
        };
        let rank = match basis {
            Some(b) if w.smooth > 0.0 => {
                assert_eq!(b.key, basis_key(w), "basis built for other transforms");
                rank.min(b.vectors.len())
            }
            _ => 0,
        };
        let mut smooth = vec![0f64; p.n_playlists * rank];
        if let Some(b) = basis.filter(|_| rank > 0) {
            for r in 0..rank {
                let scale = b.values[r].powf(f64::from(w.smooth_power));
                for (d, v) in b.vectors[r].iter().enumerate() {
                    smooth[d * rank + r] = v * scale;
                }
            }
        }
        // Blocks with zero weight take no columns; the playlist and tags blocks are sparse.
        let on = |weight: f32, len: usize| if weight > 0.0 { len } else { 0 };
        let dim = (on(w.smooth, rank)
            + on(w.subgenre, p.n_subgenres)
            + on(w.genre, p.n_genres)
            + on(w.audio, N_FEATURES)
            + on(w.audio_spread, N_FEATURES)
            + on(w.era, bins)
            + on(w.era_first, bins)
            + on(w.credits, CREDIT_DIM)
            + prior_weights(w).iter().filter(|&&x| x > 0.0).count())
        .max(1);
        let most = |count: &dyn Fn(usize) -> u32| {
            (0..p.len())
                .filter(|&a| fit(a))
                .map(count)
                .max()
                .unwrap_or(1)
                .max(1)
        };
        Self {
            weights: *w,
            idf: playlist_idf(p, w, fit),
            means: moments(p, fit, &|a, k| p.feature_means[a][k]),
            spreads: moments(p, fit, &|a, k| p.feature_stds[a][k]),
            max_tracks: most(&|a| p.track_counts[a]),
            max_playlists: most(&|a| p.playlists[a].len() as u32),
            max_albums: most(&|a| p.album_counts[a]),
            smooth,
            rank,
            n_playlists: p.n_playlists,
            n_subgenres: p.n_subgenres,
            n_genres: p.n_genres,
            n_tags: p.n_tags,
            dim,
        }
    }

    /// Dense columns of every row (the playlist and tags blocks are sparse columns).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Vectors for every artist of `p` (which must have the labels the model was fitted on).
    pub fn embed(&self, p: &Profiles) -> Embedding {
        let n = p.len();
        let dim = self.dim;
        let mut queries = vec![0f32; n * dim];
        let mut candidates = vec![0f32; n * dim];
        let valid: Vec<bool> = p.track_counts.iter().map(|&c| c > 0).collect();
        let sparse: Vec<Vec<SparseEntry>> = queries
            .par_chunks_mut(dim)
            .zip(candidates.par_chunks_mut(dim))
            .enumerate()
            .map(|(a, (row, cand))| match valid[a] {
                true => self.write_row(p, a, row, cand),
                false => Vec::new(),
            })
            .collect();
        Embedding {
            metric: Metric::Dot,
            queries: Matrix::new(queries, dim),
            candidates: Some(Matrix::new(candidates, dim)),
            valid,
            sparse: Some(SparseRows::from_rows(sparse)),
        }
    }

    /// The vectors of artist `a` of `p` (zeros when it has no track), for [`Embedding::push`].
    pub fn row(&self, p: &Profiles, a: usize) -> Vectors {
        let mut query = vec![0f32; self.dim];
        let mut candidate = vec![0f32; self.dim];
        let mut sparse = Vec::new();
        if p.track_counts[a] > 0 {
            sparse = self.write_row(p, a, &mut query, &mut candidate);
        }
        Vectors {
            query,
            candidate,
            sparse,
        }
    }

    /// Writes artist `a`'s dense rows and returns its sparse entries.
    fn write_row(
        &self,
        p: &Profiles,
        a: usize,
        row: &mut [f32],
        cand: &mut [f32],
    ) -> Vec<SparseEntry> {
        assert!(
            p.n_playlists == self.n_playlists
                && p.n_subgenres == self.n_subgenres
                && p.n_genres == self.n_genres
                && p.n_tags == self.n_tags,
            "profiles have labels the model was not fitted on"
        );
        let w = &self.weights;
        let bins = era_bins();
        let mut at = 0;
        let mut block = |len: usize, values: &[f32], weight: f32| {
            if weight <= 0.0 {
                return;
            }
            put_unit(&mut row[at..at + len], values, weight.max(0.0).sqrt());
            at += len;
        };
        // Sparse blocks: (column, unit value × √weight); the candidate side is scaled below.
        let mut sparse: Vec<SparseEntry> = Vec::new();
        let mut sparse_block = |offset: usize, values: &Sparse, weight: f32| {
            if weight <= 0.0 {
                return;
            }
            let norm = values.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                let scale = weight.sqrt();
                sparse.extend(values.iter().filter(|(_, v)| *v != 0.0).map(|&(d, v)| {
                    let value = v / norm * scale;
                    SparseEntry {
                        column: (offset + d as usize) as u32,
                        query: value,
                        candidate: value,
                    }
                }));
            }
        };
        let playlist_row = playlist_row(&p.playlists[a], w, &self.idf);
        sparse_block(0, &playlist_row, w.playlist);
        sparse_block(p.n_playlists, &p.tags[a], w.tags);
        let rank = self.rank;
        let mut smooth = vec![0f64; rank];
        for &(d, v) in &playlist_row {
            let vector = &self.smooth[d as usize * rank..(d as usize + 1) * rank];
            for (s, x) in smooth.iter_mut().zip(vector) {
                *s += f64::from(v) * x;
            }
        }
        let smooth: Vec<f32> = smooth.into_iter().map(|x| x as f32).collect();
        block(rank, &smooth, w.smooth);
        block(
            p.n_subgenres,
            &densify(&p.subgenres[a], p.n_subgenres, |_, c| c.powf(w.label_power)),
            w.subgenre,
        );
        block(
            p.n_genres,
            &densify(&p.genres[a], p.n_genres, |_, c| c.powf(w.label_power)),
            w.genre,
        );
        let tracks = p.track_counts[a] as f32;
        let shrink = tracks / (tracks + w.audio_shrink.max(0.0));
        let standardise = |value: Option<f32>, (mean, std): (f64, f64)| match value {
            Some(x) if std > 0.0 => ((f64::from(x) - mean) / std) as f32,
            _ => 0.0,
        };
        let audio: Vec<f32> = (0..N_FEATURES)
            .map(|k| standardise(p.feature_means[a][k], (self.means.0[k], self.means.1[k])))
            .collect();
        let shrink = shrink * shrink;
        block(N_FEATURES, &audio, w.audio * shrink);
        let spread: Vec<f32> = (0..N_FEATURES)
            .map(|k| {
                let value = p.feature_stds[a][k].filter(|_| p.track_counts[a] > 1);
                standardise(value, (self.spreads.0[k], self.spreads.1[k]))
            })
            .collect();
        block(N_FEATURES, &spread, w.audio_spread * shrink);
        let era_of = |year: Option<f32>| match year {
            Some(year) => (0..bins)
                .map(|b| {
                    let center = ERA_FIRST + b as f32 * ERA_STEP;
                    (-((year - center) / w.era_years).powi(2) / 2.0).exp()
                })
                .collect(),
            None => vec![0.0; bins],
        };
        block(bins, &era_of(p.mean_year[a]), w.era);
        block(bins, &era_of(p.first_year[a]), w.era_first);
        let mut credit = vec![0f32; CREDIT_DIM];
        if !p.credits[a].is_empty() {
            let (slot, sign) = credit_slot(a as u32);
            credit[slot] += sign;
            for &(b, count) in &p.credits[a] {
                let (slot, sign) = credit_slot(b);
                credit[slot] += sign * (1.0 + count).ln() / 2f32.ln();
            }
        }
        block(CREDIT_DIM, &credit, w.credits);
        // Shares are capped at 1: an artist larger than any the model saw counts as the largest.
        let log_share = |x: u32, max: u32| log_share_of(x, max).min(1.0);
        let presence = log_share(p.track_counts[a], self.max_tracks);
        let reach = log_share(p.playlists[a].len() as u32, self.max_playlists);
        let albums = log_share(p.album_counts[a], self.max_albums);
        let popularity = p.popularity[a].unwrap_or(0.0) / 100.0;
        let factor = (1.0 + w.boost * presence)
            * (1.0 + w.boost_popularity * popularity)
            * (1.0 + w.boost_reach * reach)
            * (1.0 + w.boost_albums * albums);
        for (c, r) in cand[..at].iter_mut().zip(&row[..at]) {
            *c = r * factor;
        }
        for e in &mut sparse {
            e.candidate = e.query * factor;
        }
        let seniority = p.first_year[a].map_or(0.0, |year| {
            ((ERA_LAST - year) / (ERA_LAST - ERA_FIRST)).clamp(0.0, 1.0)
        });
        let priors = [
            popularity,
            presence,
            p.max_popularity[a].unwrap_or(0.0) / 100.0,
            reach,
            albums,
            seniority,
        ];
        for (weight, value) in prior_weights(w).into_iter().zip(priors) {
            if weight > 0.0 {
                row[at] = weight;
                cand[at] = value;
                at += 1;
            }
        }
        debug_assert!(at == self.dim || (at == 0 && self.dim == 1));
        sparse
    }
}

/// Weights of the prior columns, in column order.
fn prior_weights(w: &Weights) -> [f32; 6] {
    [
        w.popularity,
        w.presence,
        w.peak,
        w.reach,
        w.albums,
        w.seniority,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sparse rows from a small generator: `n` rows over `m` columns, a few entries each, like
    /// playlists: most of a row's columns in one of 12 groups, larger groups more often, so the
    /// co-occurrence spectrum decays as a catalog's does.
    fn random_rows(n: usize, m: usize, seed: u64) -> Vec<Sparse> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let width = m / 12;
        (0..n)
            .map(|_| {
                let group = (next() % 12).min(next() % 12);
                let mut row: Sparse = (0..1 + next() % 4)
                    .map(|_| {
                        let column = match next() % 10 {
                            0 => next() % m,
                            _ => group * width + next() % width,
                        };
                        (column as u32, 0.1 + (next() % 100) as f32 / 100.0)
                    })
                    .collect();
                row.sort_by_key(|e| e.0);
                row.dedup_by_key(|e| e.0);
                row
            })
            .collect()
    }

    /// Distance between the spans of two sets of orthonormal vectors: the largest entry of the
    /// difference of their projectors.
    fn span_distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
        let m = a[0].len();
        let projector =
            |v: &[Vec<f64>], i: usize, j: usize| -> f64 { v.iter().map(|x| x[i] * x[j]).sum() };
        let mut worst = 0f64;
        for i in 0..m {
            for j in 0..m {
                worst = worst.max((projector(a, i, j) - projector(b, i, j)).abs());
            }
        }
        worst
    }

    /// The truncated pairs against the dense decomposition: the leading half's eigenvalues to
    /// 1e-3 of the largest, every one to 1e-2 (the pairs next to the cut converge slowest; these
    /// random matrices have a flatter spectrum than a catalog's), unit vectors with residuals
    /// `‖A v − λ v‖` under 1e-2 of the largest.
    fn check_against_dense(gram: &Cooccurrence, rank: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let (values, vectors) = leading_eigen(gram, rank);
        let dense = gram.to_dense();
        let (exact_values, exact_vectors) = dense_eigen(&dense, rank);
        let top = exact_values[0];
        assert!(values.windows(2).all(|w| w[0] >= w[1]));
        for (r, (a, b)) in values.iter().zip(&exact_values).enumerate() {
            let bound = if r < rank / 2 { 1e-3 } else { 1e-2 };
            assert!((a - b).abs() <= bound * top, "pair {r}: {a} vs {b}");
        }
        let m = gram.m;
        for (r, (l, v)) in values.iter().zip(&vectors).enumerate().take(rank / 2) {
            let norm: f64 = v.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-9);
            let residual: f64 = (0..m)
                .map(|i| ((0..m).map(|j| dense[(i, j)] * v[j]).sum::<f64>() - l * v[i]).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(residual < 1e-2 * top, "pair {r}: residual {residual}");
        }
        // Deterministic.
        assert_eq!(leading_eigen(gram, rank), (values, vectors.clone()));
        (vectors, exact_vectors)
    }

    #[test]
    fn truncated_basis_matches_the_dense_decomposition() {
        let m = 120;
        // The rank at the generator's 12 groups: a gap in the spectrum, as a catalog's has.
        check_against_dense(&Cooccurrence::from_rows(&random_rows(2000, m, 7), m), 12);
    }

    #[test]
    fn repeated_eigenvalues_keep_their_whole_eigenspace() {
        // Four disjoint copies of one block: every eigenvalue repeats four times, and the
        // leading four vectors must span the leading direction of every copy (a single-vector
        // Krylov method would find one of them).
        let (m, copies) = (30, 4);
        let block = random_rows(300, m, 3);
        let rows: Vec<Sparse> = (0..copies)
            .flat_map(|c| {
                block.iter().map(move |row| {
                    row.iter()
                        .map(|&(d, v)| (d + (c * m) as u32, v))
                        .collect::<Sparse>()
                })
            })
            .collect();
        let gram = Cooccurrence::from_rows(&rows, m * copies);
        let (vectors, exact) = check_against_dense(&gram, 8 * copies);
        assert!(span_distance(&vectors[..copies], &exact[..copies]) < 1e-4);
    }

    #[test]
    fn credit_slots_are_stable_and_in_range() {
        for artist in 0..1000 {
            let (slot, sign) = credit_slot(artist);
            assert!(slot < CREDIT_DIM);
            assert!(sign == 1.0 || sign == -1.0);
            assert_eq!(credit_slot(artist), (slot, sign));
        }
    }
}
