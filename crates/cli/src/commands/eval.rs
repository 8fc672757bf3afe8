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
    let mut catalog = if args.bundled.is_empty() {
        super::import(args.dataset.as_deref())?.catalog
    } else {
        soundalike_sources::bundled::import(&args.bundled)?.catalog
    };
    let korean = korean_queries(&catalog);
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
        let embedding = algorithm.embed(&profiles);
        let report = setup.evaluate(&embedding);
        let kpop = (!korean.1.is_empty()).then(|| {
            soundalike_eval::korean::korean_neighbours(
                &catalog, &embedding, &korean.0, &korean.1, protocol.k,
            )
        });
        if let Some(f) = &kpop {
            let text = format!(
                "{algorithm}: K-pop check: {} Korean acts (K-pop table, Wikidata KR): {:.1}% of their top-{} neighbours are Korean acts (chance {:.1}%)",
                f.queries,
                f.share * 100.0,
                protocol.k,
                f.chance * 100.0
            );
            if args.json {
                eprintln!("{text}");
            } else {
                println!("{text}");
            }
        }
        let half = |h: &soundalike_eval::HalfScore| json!({"ndcg10": h.ndcg, "p10": h.precision, "queries": h.queries});
        if args.json {
            out.insert(
                algorithm.name().into(),
                json!({"tune": half(&report.tune), "test": half(&report.test),
                       "distinct_recommended": report.distinct_recommended,
                       "korean_neighbours": kpop.map(|f| json!({"queries": f.queries, "share": f.share, "chance": f.chance}))}),
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

/// Per catalog artist, whether it is a Korean act (the bundled merge's `k-pop` genre); and the
/// K-pop check's queries: Korean acts of the K-pop table (a `spotify` id) whose Wikidata country
/// is KR.
fn korean_queries(catalog: &soundalike_core::Catalog) -> (Vec<bool>, Vec<usize>) {
    use soundalike_sources::bundled::{KOREAN_ACT_GENRE, KOREAN_ACT_SOURCE, wikidata_facts};
    use std::collections::{HashMap, HashSet};
    let korean_ids: HashSet<&str> = catalog
        .genres
        .iter()
        .filter(|g| g.source == KOREAN_ACT_SOURCE && g.genre == KOREAN_ACT_GENRE)
        .map(|g| g.artist_id.0.as_str())
        .collect();
    let korean: Vec<bool> = catalog
        .artists
        .iter()
        .map(|a| korean_ids.contains(a.id.0.as_str()))
        .collect();
    let facts = wikidata_facts();
    let kr: HashSet<&str> = facts
        .iter()
        .filter(|f| f.countries.iter().any(|c| c == "KR"))
        .filter_map(|f| f.spotify_id.as_deref())
        .collect();
    let spotify: HashMap<&str, &str> = catalog
        .source_ids
        .iter()
        .filter(|s| s.source == "spotify")
        .map(|s| (s.artist_id.0.as_str(), s.source_id.as_str()))
        .collect();
    let queries = catalog
        .artists
        .iter()
        .enumerate()
        .filter(|(i, a)| korean[*i] && spotify.get(a.id.0.as_str()).is_some_and(|s| kr.contains(s)))
        .map(|(i, _)| i)
        .collect();
    (korean, queries)
}
