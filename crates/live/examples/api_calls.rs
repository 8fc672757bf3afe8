//! API calls per 1,000 artists for an extended-tier Spotify crawl, batched (soundalike) versus the
//! original project's per-artist pattern (search, top tracks, related artists and audio features
//! for every artist), counted on the fake server's request log.
//!
//! `cargo run --release -p soundalike-live --example api_calls -- [artists]` (default 1000).

use std::collections::HashMap;
use std::time::Duration;

use soundalike_fakes::{FakeApis, World};
use soundalike_lake::raw::RawLake;
use soundalike_live::crawl::{CrawlOptions, crawl};
use soundalike_live::{HttpPolicy, LiveConfig, Sources};

#[tokio::main]
async fn main() {
    let artists: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let fake = FakeApis::start(World::generate(artists * 2)).await;
    let vars: HashMap<&str, String> = fake.env().into_iter().collect();
    let config = LiveConfig::from_vars(|k| vars.get(k).cloned());
    let policy = HttpPolicy {
        default_interval: Duration::ZERO,
        ..HttpPolicy::default()
    };
    println!("| pattern | artists crawled | Spotify API calls | calls per 1,000 artists |");
    println!("|---|---:|---:|---:|");
    for (name, batch) in [
        ("original (per artist)", false),
        ("soundalike (batched)", true),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut sources = Sources::build(&config, policy.clone(), Some(RawLake::new(dir.path())))
            .expect("clients");
        sources.deezer = None;
        sources.lastfm = None;
        sources.reccobeats = None;
        sources.listenbrainz = None;
        fake.clear_log();
        let options = CrawlOptions {
            seeds: vec!["IU".into()],
            depth: u32::MAX,
            max_artists: artists,
            batch,
            ..CrawlOptions::default()
        };
        let summary = crawl(&sources, dir.path(), &options).await.expect("crawl");
        assert!(summary.failures.is_empty(), "{:?}", summary.failures);
        let calls = fake.calls("spotify");
        println!(
            "| {name} | {} | {calls} | {:.0} |",
            summary.fetched,
            calls as f64 * 1000.0 / summary.fetched as f64
        );
    }
}
