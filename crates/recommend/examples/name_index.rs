//! The name index on the bundled catalog: build time over the artists and over the track titles
//! (what a snapshot reload pays), and time per query by kind, the longest inputs included.
//!   cargo run --release -p soundalike-recommend --example name_index [ROUNDS]
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use soundalike_core::NameIndex;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn build(names: &[(String, f64)], rounds: usize) -> (NameIndex, Duration) {
    let mut times = Vec::new();
    let mut index = None;
    for _ in 0..rounds {
        let started = Instant::now();
        index = Some(NameIndex::new(names.iter().map(|(n, w)| (n.as_str(), *w))));
        times.push(started.elapsed());
    }
    (index.expect("one round"), median(times))
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let catalog = soundalike_sources::dataset::import_bundled()
        .expect("the bundled dataset imports")
        .catalog;
    let mut counts = std::collections::HashMap::new();
    for t in &catalog.tracks {
        if let Some(a) = &t.artist_id {
            *counts.entry(a.clone()).or_insert(0.0) += 1.0;
        }
    }
    let artists: Vec<(String, f64)> = catalog
        .artists
        .iter()
        .map(|a| (a.name.clone(), counts.get(&a.id).copied().unwrap_or(0.0)))
        .collect();
    let titles: Vec<(String, f64)> = catalog
        .tracks
        .iter()
        .filter_map(|t| Some((t.name.clone()?, f64::from(t.popularity.unwrap_or(0)))))
        .collect();
    let distinct: BTreeSet<&str> = titles.iter().map(|(t, _)| t.as_str()).collect();
    let (index, artists_build) = build(&artists, rounds);
    let (title_index, titles_build) = build(&titles, rounds);
    println!("build (median of {rounds})");
    println!(
        "  artists  {:>6} names  {:>8.1} ms",
        artists.len(),
        artists_build.as_secs_f64() * 1e3
    );
    println!(
        "  titles   {:>6} names ({} distinct)  {:>8.1} ms",
        titles.len(),
        distinct.len(),
        titles_build.as_secs_f64() * 1e3
    );
    let long: String = (0..499)
        .map(|i| ['q', 'x', 'z', 'k', '가', 'w'][i % 6])
        .collect();
    let queries: [(&str, String); 9] = [
        ("exact", "Coldplay".into()),
        ("loose", "  COLD PLAY ".into()),
        ("typo", "Colplay".into()),
        ("typo, long name", "Red Hot Chili Pepers".into()),
        ("unknown (suggestions)", "zzqx unknown".into()),
        ("499 characters", long.clone()),
        ("60,000 characters", "Coldplay ".repeat(6667)),
        ("search: prefix", "cold".into()),
        ("search: one letter", "c".into()),
    ];
    println!("time per query (median of 200), artists / titles");
    for (name, q) in &queries {
        let per = |index: &NameIndex| {
            let times: Vec<Duration> = (0..200)
                .map(|_| {
                    let started = Instant::now();
                    if name.starts_with("search") {
                        std::hint::black_box(index.search(q, 10));
                    } else {
                        std::hint::black_box(index.resolve(q, 5));
                    }
                    started.elapsed()
                })
                .collect();
            median(times)
        };
        println!(
            "  {name:<24} {:>9.1} µs {:>9.1} µs",
            per(&index).as_secs_f64() * 1e6,
            per(&title_index).as_secs_f64() * 1e6
        );
    }
}
