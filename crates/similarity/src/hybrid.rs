//! `hybrid`: the default algorithm. Each artist becomes one vector made of blocks, each block
//! unit-length and scaled by the square root of its weight, so the inner product of two artists is
//! the weighted sum of per-signal cosines; the candidate side then multiplies those blocks by a
//! presence factor and appends prior columns. Blocks with zero weight take no columns.
//!
//! | block | weight | what it holds | why |
//! |---|---|---|---|
//! | playlist | 1 | `ln(1 + tracks in playlist)` × IDF over artists, per playlist | co-membership is a collaborative signal: curators put related artists together |
//! | smooth | 0.35 | the unit playlist row projected on the 192 leading eigenvectors of the playlist co-occurrence matrix (LSA, Jacobi in plain Rust) | denoises sparse co-membership: artists in *related* playlists, not only the same ones, score |
//! | subgenre, genre | 0.35, 0.25 | share of the artist's playlist memberships per label | scene and style |
//! | audio | 0.2 | z-scored per-artist means of the nine continuous audio features | sound, for artists with little playlist evidence |
//! | era | 0.25 | mean release year over Gaussian bins (σ = 5 years) | listeners follow eras |
//! | debut era | 0.35 | earliest release year over the same bins | a generation of fans follows artists who started when they did; the mean year blurs that with later releases and re-issues |
//! | tags | 2 | the source genre lists of the artist ([`Profiles::tags`], e.g. Spotify's), one per genre | a source's own genre labels are finer than the playlist genres; empty (no columns) for the bundled dataset, so its results are unchanged; weight picked on the tune half with Spotify genre lists (`examples/tune.rs --artist-genres`) |
//! | credits | 0.15 | the artist and everyone named with it in a track title ("feat.", "with", "Remix"), hashed into 128 signed buckets | collaborators share fans |
//! | *boost* (candidate side) | 1.25 | similarity blocks × `1 + 1.25 · ln(1 + tracks) / ln(1 + most tracks)` | "fans also like" lists favour established artists, in proportion to how similar they are, so a popular but unrelated artist gains little |
//! | *popularity*, *peak* (candidate columns) | 0.5, 0.1 | mean and highest Spotify popularity / 100, met by the weight on the query side | a small additive prior toward well-known artists |
//! | *seniority* (candidate column) | 0.3 | `(2025 − earliest release year) / 75` | a small additive prior toward artists established for longer, who have had time to gather listeners |
//!
//! Also available, and off by default because the tuning did not pick them: other term
//! frequencies ([`Tf`]), an IDF exponent, a playlist-size discount (`df_power`), a power on the
//! genre and subgenre counts (`label_power`), eigenvalue weighting of the smoothed block,
//! shrinking the audio blocks for artists with few tracks, spreads of the audio features, and
//! further additive or multiplicative priors (track count, playlist reach, albums).
//!
//! Measured on the tune half and left out (no gain): playlist counts weighted by track popularity
//! or by how many playlists hold the track, positive PMI of artist co-occurrence as a further block, a second smoothed block at
//! another rank, a basis fitted on well-connected artists only, words of playlist names, title
//! character trigrams, latest-year and year-histogram era blocks, shrinking the playlist blocks
//! of artists in few playlists, query-dependent boosts and popularity matching, two rerank
//! stages (neighbourhood query expansion, CSLS hubness correction), and whitened co-membership
//! (EASE, Steck 2019, in its dual form over the playlist eigenbasis: every weight and ridge tried
//! lowered the tune score, with or without EASE's candidate factor, while raising variety), and a
//! joint subgenre × release-decade block (no gain at any weight, with or without the subgenre
//! block),
//! album co-membership (the 213 bundled albums holding more than one artist: ±0.0006 at any
//! weight), and a random-walk block (RP3β: `P(playlist | query) · P(candidate | playlist)`, the
//! candidate divided by its playlist count to the power β; every α ∈ {0.5, 1}, β ∈ {0, 0.3, 0.6}
//! and weight lowered the tune score, 0.5319 → 0.5129–0.5303). Added to the tuned default at
//! weights 0.02–0.4, none lifted the tune score either (best 0.5316 against 0.5319): words of
//! the artist's name (hashed), key and mode shares, minor share with mean duration, keywords of
//! titles ("remix", "live", "acoustic", "remaster"…) and of album names ("greatest hits",
//! "deluxe", "soundtrack"…), the titles' language (stop words of six languages, Hangul, kana and
//! Han, Cyrillic); nor did weighting each playlist by its coherence (the spread of its release
//! years or audio features, or its artists per track) at exponents −0.5 to 1. A third, finer
//! search stage from the default (every numeric parameter but the smoothing rank and the tags
//! weight also at 0.6–1.5× its value, those at 0 also at 0.02 and 0.05, keeping 95 % of the
//! default's variety; an uncommitted variant of `examples/tune.rs`) gained 0.0007 (0.5319 →
//! 0.5326: seniority 0.27, audio spread 0.02, credits 0.225), so the weights sit at a local
//! optimum of these blocks and were kept; the test half was not scored for it. A joint random
//! search from the default (1,500 settings, one to four weights moved at once by a log-normal
//! step, 95 % of the variety kept) found +0.0003 (0.5322), one random half of the tune
//! queries up and the other down. Added to the default at weights 0.02–0.4, none of these
//! lifted the tune score by more than 0.0001 (most lowered it, by up to 0.025): audio
//! "words" (the artist's tracks softly assigned to 16 or 48 k-means clusters of the
//! standardised track features), a second era block over the mean or the debut year at
//! σ = 2.5, 10 or 15 years, and IDF-weighted or binary subgenre and genre blocks. Nor did a
//! per-query scaling of each block by `(σ / mean σ)^−α`, σ the spread of that block's scores
//! over all candidates (at α = 1 a z-score per query and block, whose centring would only
//! shift a query's scores): every block at α = 0.25, 0.5, 1 gave 0.5285, 0.5264, 0.5220, one
//! block at a time at α = −0.5, 0.5, 1 at most 0.5320. Other shapes of the priors (popularity
//! and seniority to a power of 0.5–2, the presence factor of the boost to a power of 0.5–2
//! with a boost of 0.8–1.8, the popularity weight 0.3–0.7; 405 settings) reached 0.5322 at
//! best (seniority squared): +0.0003, as small as the joint search's gain above, so the
//! default was kept. The worst tune queries are mostly artists with 5–7 HetRec listeners, or
//! a name shared by two acts (the catalog's "Plan B" is a reggaeton duo, HetRec's a British
//! rapper).
//!
//! A learned re-ranker was built and measured, then left out because its gain did not generalise:
//! LambdaMART trees (21 pair features: the hybrid score, the per-block cosines, the candidate's
//! popularity, track, playlist and album counts and years, and the gaps to the query) re-ordering
//! each artist's 100 nearest. Chosen by 5-fold cross-validation *within* the tune queries it
//! reached 0.5645 held out against the embedding's 0.5319, and 0.6035 on the test half. But the
//! halves share their candidates (every query ranks the same pool), and when the candidates were
//! split too — train on queries' lists restricted to one half of the pool, rank the other half
//! for held-out queries; LightGBM's lambdarank on the same features, which had matched the
//! in-crate trees under the plain cross-validation (0.5634) — the gain turned into a loss
//! (0.540 → 0.534 and 0.518 → 0.508; with the same candidates on both sides 0.540 → 0.591),
//! with or without the candidate's own figures among the features. The trees had learned which
//! pool artists 2011 Last.fm listeners favour, from their feature fingerprints: worthless for
//! the rest of the catalog. The tuned
//! weights above are a few global numbers and cannot memorise an artist that way.
//!
//! The weights are chosen by `soundalike_eval::tune::search` on the tune half of the evaluation
//! only, with a guard that keeps at least 75% of the start's distinct recommendations (so the
//! priors cannot crowd every list with the same few artists), and a second stage that adds the
//! debut era and seniority while keeping 95% of the first stage's variety;
//! `crates/eval/examples/tune.rs` reproduces them.

use rayon::prelude::*;

use crate::kernel::{Embedding, Matrix, Metric};
use crate::profile::{N_FEATURES, Profiles, Sparse};

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

/// Eigenvectors of the playlist co-occurrence matrix `Σ_a x_aᵀ x_a` over unit TF-IDF rows:
/// the expensive part of the smoothed block, reusable across weights that share the transforms.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// The transforms it was built with: (tf, tf_k, idf_power, df_power).
    pub key: (Tf, f32, f32, f32),
    /// Eigenvalues, largest first.
    pub values: Vec<f64>,
    /// Eigenvectors as rows (parallel to `values`), each of length `n_playlists`.
    pub vectors: Vec<Vec<f64>>,
}

impl Basis {
    /// Build the basis for the transforms of `w`.
    pub fn build(p: &Profiles, w: &Weights) -> Self {
        Self::build_over(p, w, &|_| true)
    }

    /// Build the basis from the artists `fit` accepts only.
    pub fn build_over(p: &Profiles, w: &Weights, fit: &dyn Fn(usize) -> bool) -> Self {
        let m = p.n_playlists;
        let idf = playlist_idf(p, w, fit);
        let mut gram = vec![0f64; m * m];
        for (_, sparse) in p.playlists.iter().enumerate().filter(|(a, _)| fit(*a)) {
            let row = playlist_row(sparse, w, &idf);
            for &(i, a) in &row {
                for &(j, b) in &row {
                    gram[i as usize * m + j as usize] += f64::from(a) * f64::from(b);
                }
            }
        }
        let (values, vectors) = symmetric_eigen(gram, m);
        Self {
            key: basis_key(w),
            values,
            vectors,
        }
    }
}

/// The transforms a [`Basis`] depends on.
pub fn basis_key(w: &Weights) -> (Tf, f32, f32, f32) {
    (w.tf, w.tf_k, w.idf_power, w.df_power)
}

/// Eigen-decomposition of a symmetric `m × m` matrix by cyclic Jacobi rotations. Returns the
/// eigenvalues (descending) and the matching unit eigenvectors.
fn symmetric_eigen(mut a: Vec<f64>, m: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    // v holds eigenvectors as rows: v[k*m + i].
    let mut v = vec![0f64; m * m];
    for i in 0..m {
        v[i * m + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..50 {
        let mut off = 0.0;
        for p in 0..m {
            for q in p + 1..m {
                off += a[p * m + q] * a[p * m + q];
            }
        }
        if off <= 1e-22 * total.max(1e-300) {
            break;
        }
        for p in 0..m {
            for q in p + 1..m {
                let apq = a[p * m + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let (app, aqq) = (a[p * m + p], a[q * m + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                // Rotate rows/columns p and q of the symmetric matrix.
                for k in 0..m {
                    let (akp, akq) = (a[k * m + p], a[k * m + q]);
                    a[k * m + p] = c * akp - s * akq;
                    a[k * m + q] = s * akp + c * akq;
                }
                for k in 0..m {
                    let (apk, aqk) = (a[p * m + k], a[q * m + k]);
                    a[p * m + k] = c * apk - s * aqk;
                    a[q * m + k] = s * apk + c * aqk;
                }
                let (vp, vq) = (p * m, q * m);
                for k in 0..m {
                    let (x, y) = (v[vp + k], v[vq + k]);
                    v[vp + k] = c * x - s * y;
                    v[vq + k] = s * x + c * y;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| a[j * m + j].total_cmp(&a[i * m + i]).then(i.cmp(&j)));
    let values = order.iter().map(|&i| a[i * m + i].max(0.0)).collect();
    let vectors = order
        .iter()
        .map(|&i| v[i * m..(i + 1) * m].to_vec())
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
    /// The smoothing basis's leading eigenvectors, each scaled by its eigenvalue weight.
    smooth: Vec<Vec<f64>>,
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
        let smooth: Vec<Vec<f64>> = match basis {
            Some(b) if w.smooth > 0.0 => {
                assert_eq!(b.key, basis_key(w), "basis built for other transforms");
                (0..rank)
                    .map(|r| {
                        let scale = b.values[r].powf(f64::from(w.smooth_power));
                        b.vectors[r].iter().map(|v| v * scale).collect()
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let rank = smooth.len();
        // Blocks with zero weight take no columns.
        let on = |weight: f32, len: usize| if weight > 0.0 { len } else { 0 };
        let dim = (on(w.playlist, p.n_playlists)
            + on(w.smooth, rank)
            + on(w.subgenre, p.n_subgenres)
            + on(w.genre, p.n_genres)
            + on(w.audio, N_FEATURES)
            + on(w.audio_spread, N_FEATURES)
            + on(w.era, bins)
            + on(w.era_first, bins)
            + on(w.credits, CREDIT_DIM)
            + on(w.tags, p.n_tags)
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
            n_playlists: p.n_playlists,
            n_subgenres: p.n_subgenres,
            n_genres: p.n_genres,
            n_tags: p.n_tags,
            dim,
        }
    }

    /// Columns of every row.
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
        queries
            .par_chunks_mut(dim)
            .zip(candidates.par_chunks_mut(dim))
            .enumerate()
            .filter(|(a, _)| valid[*a])
            .for_each(|(a, (row, cand))| self.write_row(p, a, row, cand));
        Embedding {
            metric: Metric::Dot,
            queries: Matrix::new(queries, dim),
            candidates: Some(Matrix::new(candidates, dim)),
            valid,
        }
    }

    /// Query-side and candidate-side vectors of artist `a` of `p` (zeros when it has no track).
    pub fn row(&self, p: &Profiles, a: usize) -> (Vec<f32>, Vec<f32>) {
        let mut row = vec![0f32; self.dim];
        let mut cand = vec![0f32; self.dim];
        if p.track_counts[a] > 0 {
            self.write_row(p, a, &mut row, &mut cand);
        }
        (row, cand)
    }

    fn write_row(&self, p: &Profiles, a: usize, row: &mut [f32], cand: &mut [f32]) {
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
        let playlist_row = playlist_row(&p.playlists[a], w, &self.idf);
        let playlist = densify(&playlist_row, p.n_playlists, |_, v| v);
        block(p.n_playlists, &playlist, w.playlist);
        let smooth: Vec<f32> = self
            .smooth
            .iter()
            .map(|vector| {
                let dot: f64 = playlist_row
                    .iter()
                    .map(|&(d, v)| f64::from(v) * vector[d as usize])
                    .sum();
                dot as f32
            })
            .collect();
        block(smooth.len(), &smooth, w.smooth);
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
        block(p.n_tags, &densify(&p.tags[a], p.n_tags, |_, v| v), w.tags);
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

    #[test]
    fn jacobi_recovers_eigenpairs() {
        // A small symmetric matrix; check A v = λ v for every pair, order and orthonormality.
        let m = 4;
        let a = vec![
            4.0, 1.0, 0.5, 0.0, //
            1.0, 3.0, 0.2, 0.1, //
            0.5, 0.2, 2.0, 0.3, //
            0.0, 0.1, 0.3, 1.0,
        ];
        let (values, vectors) = symmetric_eigen(a.clone(), m);
        assert!(values.windows(2).all(|w| w[0] >= w[1]));
        for (l, v) in values.iter().zip(&vectors) {
            for i in 0..m {
                let av: f64 = (0..m).map(|j| a[i * m + j] * v[j]).sum();
                assert!((av - l * v[i]).abs() < 1e-9, "{av} vs {}", l * v[i]);
            }
            let norm: f64 = v.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-9);
        }
        let dot: f64 = vectors[0].iter().zip(&vectors[1]).map(|(x, y)| x * y).sum();
        assert!(dot.abs() < 1e-9);
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
