//! `soundalike eval`: the HetRec protocol over every chosen algorithm.

use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use soundalike_eval::{GroundTruth, Half, Protocol, Setup, artist_genres};
use soundalike_similarity::Profiles;

use crate::cli::EvalArgs;
use crate::settings::Settings;

pub fn run(_settings: &Settings, args: EvalArgs) -> anyhow::Result<ExitCode> {
    let algorithms = super::algorithms(&args.algorithm)?;
    let truth = GroundTruth::load(&args.ground_truth)
        .with_context(|| format!("loading ground truth from {}", args.ground_truth.display()))?;
    let mut catalog = super::import(args.dataset.as_deref())?.catalog;
    let with_genres = match &args.artist_genres {
        Some(path) => {
            let artists = artist_genres::load(path, &mut catalog)?;
            format!("; Spotify genre lists for {artists} catalog artists")
        }
        None => String::new(),
    };
    let protocol = Protocol::default();
    let setup = Setup::new(&catalog, &truth, protocol);
    let profiles = Profiles::build(&catalog);
    let counts = format!(
        "ground truth: {} artists with >= {} listeners; pool: {} artists in both catalogs; queries: {} (tune {}, test {}; {} without any listener overlap left out){with_genres}",
        truth.artists_with(protocol.min_listeners),
        protocol.min_listeners,
        setup.pool.len(),
        setup.queries.len(),
        setup.count(Half::Tune),
        setup.count(Half::Test),
        setup.queries_without_ground_truth,
    );
    let mut out = serde_json::Map::new();
    if !args.json {
        println!("{counts}");
        println!(
            "{:<10} {:>11} {:>9} {:>11} {:>9} {:>9}",
            "algorithm", "tune nDCG", "tune P", "test nDCG", "test P", "distinct"
        );
    } else {
        eprintln!("{counts}");
    }
    for algorithm in algorithms {
        let report = setup.evaluate(&algorithm.embed(&profiles));
        let half = |h: &soundalike_eval::HalfScore| json!({"ndcg10": h.ndcg, "p10": h.precision, "queries": h.queries});
        if args.json {
            out.insert(
                algorithm.name().into(),
                json!({"tune": half(&report.tune), "test": half(&report.test),
                       "distinct_recommended": report.distinct_recommended}),
            );
        } else {
            println!(
                "{:<10} {:>11.4} {:>9.4} {:>11.4} {:>9.4} {:>9}",
                algorithm.name(),
                report.tune.ndcg,
                report.tune.precision,
                report.test.ndcg,
                report.test.precision,
                report.distinct_recommended
            );
        }
    }
    if args.json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(ExitCode::SUCCESS)
}
