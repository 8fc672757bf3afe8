//! `soundalike ingest` and `soundalike lake rebuild`.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use soundalike_lake::raw::RawLake;
use soundalike_lake::{Lake, Partition};
use soundalike_live::crawl::{self, CrawlOptions, CrawlSummary, RebuildReport};
use soundalike_live::{HttpPolicy, LiveConfig, Sources};

use crate::cli::{IngestArgs, LakeRebuildArgs};
use crate::settings::Settings;

const KNOWN: [&str; 5] = ["spotify", "deezer", "lastfm", "reccobeats", "listenbrainz"];

/// The configured sources, narrowed to `only` when given.
pub fn sources(only: Option<&[String]>, raw: Option<RawLake>) -> anyhow::Result<Sources> {
    let mut sources = Sources::build(&LiveConfig::from_env(), HttpPolicy::default(), raw)?;
    if let Some(only) = only {
        for name in only {
            anyhow::ensure!(
                KNOWN.contains(&name.as_str()),
                "unknown source {name:?} (known: {})",
                KNOWN.join(", ")
            );
        }
        let keep = |name: &str| only.iter().any(|s| s == name);
        if !keep("spotify") {
            sources.spotify = None;
        }
        if !keep("deezer") {
            sources.deezer = None;
        }
        if !keep("lastfm") {
            sources.lastfm = None;
        }
        if !keep("reccobeats") {
            sources.reccobeats = None;
        }
        if !keep("listenbrainz") {
            sources.listenbrainz = None;
        }
        for name in only {
            let configured = match name.as_str() {
                "spotify" => sources.spotify.is_some(),
                "deezer" => sources.deezer.is_some(),
                "lastfm" => sources.lastfm.is_some(),
                "reccobeats" => sources.reccobeats.is_some(),
                _ => sources.listenbrainz.is_some(),
            };
            anyhow::ensure!(
                configured,
                "source {name} is not configured (see README: live sources)"
            );
        }
    }
    Ok(sources)
}

pub async fn run(settings: &Settings, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let (summary, report) = crawl_into_lake(settings, &args).await?;
    if args.json {
        println!("{}", to_json(&summary, &report));
    } else {
        print_crawl(&summary);
        print_rebuild(&report);
    }
    Ok(if summary.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Crawl, then derive the lake tables from the raw zone.
pub async fn crawl_into_lake(
    settings: &Settings,
    args: &IngestArgs,
) -> anyhow::Result<(CrawlSummary, RebuildReport)> {
    let raw_dir = settings.raw_dir();
    let partition = super::partition(args.date.as_deref())?;
    let sources = sources(args.source.as_deref(), Some(RawLake::new(&raw_dir)))?;
    let options = CrawlOptions {
        seeds: args
            .artists
            .iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        depth: args.depth,
        max_artists: args.max_artists,
        ttl: Duration::from_secs(args.ttl_hours * 3600),
        batch: !args.original_pattern,
        ..CrawlOptions::default()
    };
    let summary = crawl::crawl(&sources, &raw_dir, &options).await?;
    let report = rebuild_lake(settings, partition).await?;
    Ok((summary, report))
}

/// The lake tables of `partition`, derived from the raw zone (CPU work: off the async workers).
async fn rebuild_lake(settings: &Settings, partition: Partition) -> anyhow::Result<RebuildReport> {
    let raw = RawLake::new(settings.raw_dir());
    let lake = Lake::open(&settings.lake)?;
    let (_, report) = tokio::task::spawn_blocking(move || {
        tokio::runtime::Handle::current().block_on(crawl::rebuild(&raw, &lake, partition))
    })
    .await??;
    Ok(report)
}

pub async fn rebuild(settings: &Settings, args: LakeRebuildArgs) -> anyhow::Result<ExitCode> {
    let partition = super::partition(args.date.as_deref())?;
    let report = rebuild_lake(settings, partition).await?;
    if args.json {
        println!("{}", rebuild_json(&report));
    } else {
        print_rebuild(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn rebuild_json(r: &RebuildReport) -> serde_json::Value {
    json!({
        "raw_records": r.records,
        "artists": r.artists,
        "tracks": r.tracks,
        "related": r.related,
        "problems": r.problems.iter().map(|p| json!({"at": p.at, "error": p.error})).collect::<Vec<_>>(),
        "conflicts": r.conflicts,
    })
}

fn to_json(s: &CrawlSummary, r: &RebuildReport) -> serde_json::Value {
    json!({
        "fetched": s.fetched,
        "skipped_fresh": s.skipped_fresh,
        "resumed": s.resumed,
        "failures": s.failures,
        "unavailable": s.unavailable,
        "api_calls": s.total_requests(),
        "calls": s.calls.iter().map(|(k, c)| (k.clone(), json!({"requests": c.requests, "retries": c.retries, "failures": c.failures}))).collect::<serde_json::Map<_, _>>(),
        "rebuild": rebuild_json(r),
    })
}

fn print_crawl(s: &CrawlSummary) {
    println!(
        "crawl       {} artists fetched, {} fresh (skipped){}",
        s.fetched,
        s.skipped_fresh,
        if s.resumed { ", resumed" } else { "" }
    );
    for (source, c) in &s.calls {
        println!(
            "calls       {source:<12} {} requests, {} retries, {} failed",
            c.requests, c.retries, c.failures
        );
    }
    for u in &s.unavailable {
        println!("tier        {u}: not available to this app");
    }
    for f in &s.failures {
        println!("  failed    {f}");
    }
}

fn print_rebuild(r: &RebuildReport) {
    println!(
        "lake        {} raw bodies → {} artists, {} tracks, {} related edges",
        r.records, r.artists, r.tracks, r.related
    );
    for p in &r.problems {
        println!("  unusable  {}: {}", p.at, p.error);
    }
    for c in &r.conflicts {
        println!("  conflict  {c}");
    }
}
