//! Time the conversation engine alone (no HTTP) on the corpus's single utterances, to see where a
//! turn's CPU goes: `cargo run --release -p soundalike-chat --example turns -- STORE [ROUNDS]`,
//! where STORE is the SQLite file a `soundalike pipeline run` published (the server's
//! `data/soundalike.sqlite`). Prints the mean, p50 and p99 per turn, split into the understanding
//! and answer stages, and the slowest utterances. Under `perf record` it shows the hot code.
//! With `TURNS_DUMP=FILE` it also writes every reply (Debug form) to FILE: two builds' files
//! must be equal when a change is meant to leave answers as they are.

use std::sync::Arc;
use std::time::{Duration, Instant};

use soundalike_chat::{Engine, EngineConfig, Lang};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let store = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: turns STORE.sqlite [ROUNDS]"))?;
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(20);

    let runtime = tokio::runtime::Runtime::new()?;
    let stores = runtime
        .block_on(soundalike_store::Locations::sqlite(std::path::Path::new(&store)).open())?;
    let recommender = runtime.block_on(soundalike_recommend::Recommender::load_from(stores))?;
    let engine = Engine::new(Arc::new(recommender), EngineConfig::default());

    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/singles.jsonl");
    let utterances: Vec<(String, Option<Lang>)> = std::fs::read_to_string(corpus)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            let text = v["text"].as_str().unwrap_or_default().to_string();
            Ok((text, v["lang"].as_str().and_then(Lang::from_tag)))
        })
        .collect::<anyhow::Result<_>>()?;

    if let Some(path) = std::env::var_os("TURNS_DUMP") {
        let mut out = String::new();
        for (text, lang) in &utterances {
            let lang = lang.unwrap_or_else(|| Lang::guess(text));
            let reply = runtime.block_on(engine.respond(engine.understand(text), lang))?;
            out.push_str(&format!("{text}\n{reply:?}\n\n"));
        }
        std::fs::write(path, out)?;
    }

    // Per utterance: the best of the rounds for each stage (the least disturbed).
    let mut best = vec![(Duration::MAX, Duration::MAX); utterances.len()];
    for _ in 0..rounds {
        for ((text, lang), best) in utterances.iter().zip(&mut best) {
            let start = Instant::now();
            let understood = engine.understand(text);
            let understood_at = start.elapsed();
            let lang = lang.unwrap_or_else(|| Lang::guess(text));
            let reply = runtime.block_on(engine.respond(understood, lang))?;
            std::hint::black_box(reply);
            let total = start.elapsed();
            best.0 = best.0.min(understood_at);
            best.1 = best.1.min(total - understood_at);
        }
    }

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mut totals: Vec<f64> = best.iter().map(|(u, a)| micros(*u + *a)).collect();
    totals.sort_by(f64::total_cmp);
    let n = totals.len() as f64;
    let mean = |f: &dyn Fn(&(Duration, Duration)) -> f64| best.iter().map(f).sum::<f64>() / n;
    println!(
        "{} utterances, best of {rounds} rounds: mean {:.0} µs (understand {:.0} µs, answer {:.0} µs), p50 {:.0} µs, p99 {:.0} µs",
        utterances.len(),
        mean(&|(u, a)| micros(*u + *a)),
        mean(&|(u, _)| micros(*u)),
        mean(&|(_, a)| micros(*a)),
        totals[totals.len() / 2],
        totals[(totals.len() * 99 / 100).min(totals.len() - 1)],
    );
    let mut slowest: Vec<usize> = (0..best.len()).collect();
    slowest.sort_by(|&a, &b| (best[b].0 + best[b].1).cmp(&(best[a].0 + best[a].1)));
    println!("slowest (understand µs, answer µs, utterance):");
    for &i in slowest.iter().take(
        std::env::var("TURNS_SHOW")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(15),
    ) {
        println!(
            "{:>8.0} {:>8.0}  {}",
            micros(best[i].0),
            micros(best[i].1),
            utterances[i].0
        );
    }
    Ok(())
}
