//! `hybrid` with its truncated smoothing basis (what the pipeline uses) against the exact
//! decomposition of the same co-occurrence matrix: HetRec tune and test nDCG@10 of both, the
//! overlap of their top-10 lists over the whole catalog, and each basis's build time.
//!
//! ```text
//! cargo run -p soundalike-eval --example basis --release [-- HETREC_DIR]
//! ```
use std::path::PathBuf;
use std::time::Instant;

use soundalike_eval::{GroundTruth, Protocol, Report, Setup};
use soundalike_similarity::hybrid::{self, Basis, Weights};
use soundalike_similarity::{Profiles, kernel};

fn line(name: &str, r: &Report) {
    println!(
        "{name:10} tune nDCG@10 {:.4} P@10 {:.4} ({} q) | test nDCG@10 {:.4} P@10 {:.4} ({} q) | distinct {}",
        r.tune.ndcg,
        r.tune.precision,
        r.tune.queries,
        r.test.ndcg,
        r.test.precision,
        r.test.queries,
        r.distinct_recommended
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(
        || PathBuf::from("/work/shared/datasets/ground_truth/hetrec2011-lastfm-2k"),
        PathBuf::from,
    );
    let catalog = soundalike_sources::dataset::import_bundled()?.catalog;
    let truth = GroundTruth::load(&dir)?;
    let setup = Setup::new(&catalog, &truth, Protocol::default());
    let profiles = Profiles::build(&catalog);
    let w = Weights::default();
    let started = Instant::now();
    let truncated = Basis::build(&profiles, &w);
    let truncated_time = started.elapsed();
    let started = Instant::now();
    let exact = Basis::exact_over(&profiles, &w, &|_| true);
    let exact_time = started.elapsed();
    println!(
        "{} playlists, rank {}: truncated basis {truncated_time:.2?}, exact {exact_time:.2?}",
        profiles.n_playlists,
        truncated.values.len()
    );
    let worst = truncated
        .values
        .iter()
        .zip(&exact.values)
        .map(|(a, b)| (a - b).abs() / b.max(1e-12))
        .fold(0f64, f64::max);
    println!("largest relative eigenvalue difference {worst:.2e}");
    let with_truncated = hybrid::embed_with(&profiles, &w, Some(&truncated));
    let with_exact = hybrid::embed_with(&profiles, &w, Some(&exact));
    line("truncated", &setup.evaluate(&with_truncated));
    line("exact", &setup.evaluate(&with_exact));
    let (a, b) = (
        kernel::top_k_all(&with_truncated, 10),
        kernel::top_k_all(&with_exact, 10),
    );
    let (mut same, mut total) = (0usize, 0usize);
    for (x, y) in a.iter().zip(&b) {
        total += y.len();
        same += x
            .iter()
            .filter(|n| y.iter().any(|m| m.index == n.index))
            .count();
    }
    println!(
        "top-10 overlap over the catalog {:.4}",
        same as f64 / total.max(1) as f64
    );
    Ok(())
}
