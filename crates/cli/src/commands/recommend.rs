//! `soundalike recommend "<artist>"`.

use std::process::ExitCode;

use soundalike_recommend::{Answer, Recommender};

use crate::cli::RecommendArgs;
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: RecommendArgs) -> anyhow::Result<ExitCode> {
    let algorithm = settings.algorithm(args.algorithm.as_deref())?;
    let k = args.k.unwrap_or(settings.k);
    let recommender = Recommender::load_from(settings.stores.open().await?).await?;
    let answer = recommender.recommend(&args.artist, algorithm.name(), k)?;
    let code = match &answer {
        Answer::Found(_) => ExitCode::SUCCESS,
        Answer::Unknown { .. } => ExitCode::from(2),
    };
    if args.json {
        println!("{}", soundalike_server::wire::answer(&answer));
    } else {
        print_text(&answer);
    }
    Ok(code)
}

fn print_text(answer: &Answer) {
    match answer {
        Answer::Found(r) => {
            let note = if r.exact {
                String::new()
            } else {
                format!("  (for {:?})", r.query)
            };
            println!("{} — {} tracks{note}", r.artist.name, r.artist.track_count);
            for t in &r.artist.tracks {
                println!("    ♪ {}  {}", t.name, t.url);
            }
            println!("\nSimilar artists ({}):", r.algorithm);
            for s in &r.similar {
                println!("{:>3}. {}  (score {:.3})", s.rank, s.artist.name, s.score);
                for t in &s.artist.tracks {
                    println!("       ♪ {}  {}", t.name, t.url);
                }
            }
        }
        Answer::Unknown { query, suggestions } => {
            eprintln!("soundalike: no artist matches {query:?}");
            if !suggestions.is_empty() {
                eprintln!("Did you mean:");
                for s in suggestions {
                    eprintln!("  - {}", s.name);
                }
            }
        }
    }
}
