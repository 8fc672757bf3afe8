//! Tune `hybrid`'s weights on the tune half, then report tune and test once.
//!
//! ```text
//! CARGO_TARGET_DIR=target cargo run -p soundalike-eval --example tune --release [-- HETREC_DIR]
//! cargo run -p soundalike-eval --example tune --release -- --artist-genres \
//!     /work/shared/datasets/artists/spotify160k_data_w_genres_2020-09.csv
//! ```
//!
//! With `--artist-genres PATH` it adds that file's Spotify genre lists to the catalog
//! ([`soundalike_eval::artist_genres`]) and searches the `tags` weight only, from the shipped
//! default (the other weights were tuned without genres), then reports as below (~1 minute).
//!
//! Loads the bundled catalog and the HetRec 2011 Last.fm ground truth (default
//! `/work/shared/datasets/ground_truth/hetrec2011-lastfm-2k`), runs [`soundalike_eval::tune::search`]
//! (two stages) from [`soundalike_eval::tune::start`] (tune half only), prints every accepted step, the chosen
//! weights and their tune score; only then evaluates the chosen weights, the shipped default and
//! `seed` on both halves, once, and times `kernel::top_k_all` over the whole catalog.
//!
//! Takes about 3 m 40 s on a 2-core machine in release mode (after the build): ~0.7 s to load,
//! ~210 s for the two-stage search (about 2,800 settings, ~70 ms each, plus a ~1 s
//! truncated eigen-decomposition per distinct playlist transform and rank), a few seconds for the final figures.
use std::path::PathBuf;
use std::time::Instant;

use soundalike_eval::tune::{self, Search};
use soundalike_eval::{GroundTruth, Protocol, Report, Setup, artist_genres};
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
    let mut dir = PathBuf::from("/work/shared/datasets/ground_truth/hetrec2011-lastfm-2k");
    let mut genres = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--artist-genres" => genres = Some(PathBuf::from(args.next().ok_or("needs a path")?)),
            _ => dir = PathBuf::from(arg),
        }
    }
    let mut catalog = soundalike_sources::dataset::import_bundled()?.catalog;
    if let Some(path) = &genres {
        let artists = artist_genres::load(path, &mut catalog)?;
        println!("genre lists for {artists} catalog artists");
    }
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
    let outcome = if genres.is_some() {
        let tags: Vec<_> = tune::parameters()
            .into_iter()
            .filter(|p| p.name == "tags")
            .collect();
        let start = hybrid::Weights {
            tags: 0.0,
            ..hybrid::Weights::default()
        };
        tune::search_over(&setup, &profiles, start, &Search::default(), &tags)
    } else {
        tune::search(&setup, &profiles, tune::start(), &Search::default())
    };
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
