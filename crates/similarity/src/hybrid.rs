//! `hybrid`: the default algorithm. Each artist becomes one vector made of blocks, each block
//! unit-length and scaled by the square root of its weight, so the inner product of two artists is
//! the weighted sum of per-signal cosines:
//!
//! | block | what it holds | why |
//! |---|---|---|
//! | playlist | TF-IDF of the artist's tracks per playlist | co-membership is a collaborative signal: curators put related artists together |
//! | subgenre, genre | share of the artist's playlist memberships per label | scene and style |
//! | audio | z-scored per-artist means of the nine continuous audio features | sound, for artists with little playlist evidence |
//! | era | mean release year, spread over Gaussian year bins | listeners follow eras |
//!
//! The candidate side carries one extra column, popularity, met by a constant on the query side:
//! a small prior toward better-known artists, which is what "fans also like" lists show.
//! Weights are tuned on the tune half of `soundalike eval` only (see the README's results).

use crate::kernel::{Embedding, Matrix, Metric};
use crate::profile::{N_FEATURES, Profiles, Sparse};

/// Block weights (relative; each block is a cosine in -1..=1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Playlist co-membership.
    pub playlist: f32,
    /// Playlist subgenre mix.
    pub subgenre: f32,
    /// Playlist genre mix.
    pub genre: f32,
    /// Standardised audio feature means.
    pub audio: f32,
    /// Release era.
    pub era: f32,
    /// Width of the era kernel in years.
    pub era_years: f32,
    /// Popularity prior (mean Spotify popularity / 100 of the candidate).
    pub popularity: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            playlist: 1.0,
            subgenre: 0.5,
            genre: 0.25,
            audio: 0.25,
            era: 0.25,
            era_years: 5.0,
            popularity: 0.1,
        }
    }
}

const ERA_FIRST: f32 = 1950.0;
const ERA_LAST: f32 = 2025.0;
const ERA_STEP: f32 = 2.5;

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

fn densify(sparse: &Sparse, dim: usize, weight_of: impl Fn(u32, f32) -> f32) -> Vec<f32> {
    let mut dense = vec![0.0; dim];
    for &(d, count) in sparse {
        dense[d as usize] = weight_of(d, count);
    }
    dense
}

/// The hybrid vectors of every artist.
pub fn embed(p: &Profiles, w: &Weights) -> Embedding {
    let n = p.len();
    let bins = era_bins();
    let dim = p.n_playlists + p.n_subgenres + p.n_genres + N_FEATURES + bins + 1;

    // Inverse document frequency of each playlist over artists.
    let mut df = vec![0f32; p.n_playlists];
    for sparse in &p.playlists {
        for &(d, _) in sparse {
            df[d as usize] += 1.0;
        }
    }
    let idf: Vec<f32> = df
        .iter()
        .map(|&d| ((n as f32 + 1.0) / (d + 1.0)).ln())
        .collect();

    // Mean and spread of each feature over artists, for z-scores.
    let (mut mean, mut std) = ([0f64; N_FEATURES], [0f64; N_FEATURES]);
    for k in 0..N_FEATURES {
        let values: Vec<f64> = p
            .feature_means
            .iter()
            .filter_map(|m| m[k])
            .map(f64::from)
            .collect();
        let count = values.len().max(1) as f64;
        mean[k] = values.iter().sum::<f64>() / count;
        std[k] = (values.iter().map(|v| (v - mean[k]).powi(2)).sum::<f64>() / count).sqrt();
    }

    let mut queries = vec![0f32; n * dim];
    let mut candidates = vec![0f32; n * dim];
    let mut valid = vec![false; n];
    for a in 0..n {
        if p.track_counts[a] == 0 {
            continue;
        }
        valid[a] = true;
        let row = &mut queries[a * dim..(a + 1) * dim];
        let mut at = 0;
        let mut block = |len: usize, values: &[f32], weight: f32| {
            put_unit(&mut row[at..at + len], values, weight.max(0.0).sqrt());
            at += len;
        };
        let playlist = densify(&p.playlists[a], p.n_playlists, |d, c| {
            (1.0 + c).ln() * idf[d as usize]
        });
        block(p.n_playlists, &playlist, w.playlist);
        block(
            p.n_subgenres,
            &densify(&p.subgenres[a], p.n_subgenres, |_, c| c),
            w.subgenre,
        );
        block(
            p.n_genres,
            &densify(&p.genres[a], p.n_genres, |_, c| c),
            w.genre,
        );
        let audio: Vec<f32> = (0..N_FEATURES)
            .map(|k| match p.feature_means[a][k] {
                Some(x) if std[k] > 0.0 => ((f64::from(x) - mean[k]) / std[k]) as f32,
                _ => 0.0,
            })
            .collect();
        block(N_FEATURES, &audio, w.audio);
        let era: Vec<f32> = match p.mean_year[a] {
            Some(year) => (0..bins)
                .map(|b| {
                    let center = ERA_FIRST + b as f32 * ERA_STEP;
                    (-((year - center) / w.era_years).powi(2) / 2.0).exp()
                })
                .collect(),
            None => vec![0.0; bins],
        };
        block(bins, &era, w.era);
        debug_assert_eq!(at, dim - 1);
        candidates[a * dim..(a + 1) * dim].copy_from_slice(row);
        row[dim - 1] = w.popularity;
        candidates[a * dim + dim - 1] = p.popularity[a].unwrap_or(0.0) / 100.0;
    }
    Embedding {
        metric: Metric::Dot,
        queries: Matrix::new(queries, dim),
        candidates: Some(Matrix::new(candidates, dim)),
        valid,
    }
}
