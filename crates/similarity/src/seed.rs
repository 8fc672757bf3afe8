//! `seed`: the original project's similarity, reproduced exactly.
//!
//! The original (Athena + Python) averaged six audio features per artist — danceability, energy,
//! loudness, speechiness, acousticness, instrumentalness — scaled each mean with the minimum and
//! maximum over all *tracks* (`(x - min) / (max - min)`), and ranked other artists by the sum of
//! absolute differences. Its write-up called this Euclidean distance; it is L1. Our score is
//! `1 - distance / 6`, which keeps the order and reads as a similarity in `0..=1`.

use crate::kernel::{Embedding, Matrix, Metric};
use crate::profile::Profiles;

/// Indices of the six seed features in [`soundalike_core::FEATURE_NAMES`].
pub const SEED_FEATURES: [usize; 6] = [0, 1, 2, 3, 4, 5];

/// The seed vectors: min-max scaled means; artists lacking any of the six have no vector.
pub fn embed(profiles: &Profiles) -> Embedding {
    let n = profiles.len();
    let mut data = Vec::with_capacity(n * SEED_FEATURES.len());
    let mut valid = Vec::with_capacity(n);
    for means in &profiles.feature_means {
        let scaled: Option<Vec<f32>> = SEED_FEATURES
            .iter()
            .map(|&k| {
                let (lo, hi) = (profiles.track_min[k], profiles.track_max[k]);
                means[k].map(|x| if hi > lo { (x - lo) / (hi - lo) } else { 0.0 })
            })
            .collect();
        valid.push(scaled.is_some());
        data.extend(scaled.unwrap_or_else(|| vec![0.0; SEED_FEATURES.len()]));
    }
    let m = Matrix::new(data, SEED_FEATURES.len());
    Embedding::symmetric(
        Metric::L1 {
            max_distance: SEED_FEATURES.len() as f32,
        },
        m,
        valid,
    )
}
