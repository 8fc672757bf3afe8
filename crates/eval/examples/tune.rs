//! Tune `hybrid`'s weights on the tune half, then report tune and test once.
//!
//! ```text
//! CARGO_TARGET_DIR=target cargo run -p soundalike-eval --example tune --release [-- HETREC_DIR]
//! ```
//!
//! Loads the bundled catalog and the HetRec 2011 Last.fm ground truth (default
//! `/work/shared/datasets/ground_truth/hetrec2011-lastfm-2k`), runs [`soundalike_eval::tune::search`]
//! from [`soundalike_eval::tune::start`] (tune half only), prints every accepted step, the chosen
//! weights and their tune score; only then evaluates the chosen weights, the shipped default and
//! `seed` on both halves, once, and times `kernel::top_k_all` over the whole catalog.
//!
//! Takes about 1 m 45 s on a 2-core machine in release mode (after the build): ~0.5 s to load,
//! ~100 s for the search (about 1,700 settings, ~60 ms each, plus a ~1 s eigendecomposition per
//! distinct playlist transform), a few seconds for the final figures.
use std::path::PathBuf;
use std::time::Instant;

use soundalike_eval::tune::{self, Search};
use soundalike_eval::{GroundTruth, Protocol, Report, Setup};
use soundalike_similarity::{Algorithm, Profiles, hybrid, kernel};

fn line(name: &str, r: &Report) {
    println!(
        "{name:16} tune nDCG@10 {:.4} P@10 {:.4} ({} q) | test nDCG@10 {:.4} P@10 {:.4} ({} q) | distinct {}",
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
    let started = Instant::now();
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from("/work/shared/datasets/ground_truth/hetrec2011-lastfm-2k")
        });
    let catalog = soundalike_sources::dataset::import_bundled()?.catalog;
    let truth = GroundTruth::load(&dir)?;
    let setup = Setup::new(&catalog, &truth, Protocol::default());
    let profiles = Profiles::build(&catalog);
    println!(
        "{} artists, pool {}, queries {} (loaded in {:.1?})",
        profiles.len(),
        setup.pool.len(),
        setup.queries.len(),
        started.elapsed()
    );

    let searching = Instant::now();
    let outcome = tune::search(&setup, &profiles, tune::start(), &Search::default());
    println!(
        "start: tune nDCG@10 {:.4}, distinct (tune lists) {}",
        outcome.start.ndcg, outcome.distinct.0
    );
    for s in &outcome.steps {
        println!(
            "  round {} {:>13} = {:<6} -> tune nDCG@10 {:.4}, distinct {}",
            s.round, s.parameter, s.value, s.tune_ndcg, s.distinct
        );
    }
    println!(
        "chosen after {} evaluations in {:.1?}: {:#?}",
        outcome.evaluations,
        searching.elapsed(),
        outcome.weights
    );
    println!(
        "chosen: tune nDCG@10 {:.4} P@10 {:.4}, distinct (tune lists) {}",
        outcome.tune.ndcg, outcome.tune.precision, outcome.distinct.1
    );
    if outcome.weights != hybrid::Weights::default() {
        println!("note: the chosen weights differ from hybrid::Weights::default()");
    }

    // Final figures, computed once, after the choice.
    println!("--- final (both halves) ---");
    line(
        "tuned",
        &setup.evaluate(&hybrid::embed(&profiles, &outcome.weights)),
    );
    line(
        "start",
        &setup.evaluate(&hybrid::embed(&profiles, &tune::start())),
    );
    for algorithm in [Algorithm::Hybrid, Algorithm::Seed] {
        line(
            algorithm.name(),
            &setup.evaluate(&algorithm.embed(&profiles)),
        );
    }
    let embedding = Algorithm::Hybrid.embed(&profiles);
    let timing = Instant::now();
    let lists = kernel::top_k_all(&embedding, 10);
    println!(
        "hybrid full-catalog top-10: {} artists, dim {}, {:.2?}",
        lists.len(),
        embedding.queries.dim(),
        timing.elapsed()
    );
    println!("total {:.1?}", started.elapsed());
    Ok(())
}
