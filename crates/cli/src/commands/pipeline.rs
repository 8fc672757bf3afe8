//! `soundalike pipeline run`.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;
use soundalike_lake::Partition;
use soundalike_pipeline::{Input, Options, Summary};
use soundalike_similarity::ann::Strategy;

use crate::cli::PipelineRunArgs;
use crate::settings::Settings;

/// Bad rows listed in the text summary; the rest are counted.
const SHOWN_BAD_ROWS: usize = 20;

pub fn options(settings: &Settings, args: &PipelineRunArgs) -> anyhow::Result<Options> {
    let algorithm = args
        .algorithm
        .clone()
        .or(settings.algorithm.clone())
        .unwrap_or("all".into());
    let partition = match &args.date {
        Some(day) => {
            Partition::parse(day).with_context(|| format!("--date {day:?} is not YYYY-MM-DD"))?
        }
        None => Partition::today(),
    };
    let input = match args.source.as_slice() {
        [one] if one == "dataset" => match &args.dataset {
            Some(path) => Input::Dataset(path.clone()),
            None => {
                // An unknown name fails here, before anything runs.
                for name in &args.bundled {
                    soundalike_sources::bundled::find(name)?;
                }
                Input::Bundled(args.bundled.clone())
            }
        },
        // Live sources crawl into the lake first (see `run`), then continue from it.
        _ => Input::Lake,
    };
    Ok(Options {
        input,
        lake: settings.lake.clone(),
        stores: settings.stores.clone(),
        algorithms: super::algorithms(&algorithm)?,
        k: args.k.unwrap_or(settings.k),
        strategy: Strategy {
            threshold: args.ann_threshold.unwrap_or(settings.ann_threshold),
            ..Strategy::default()
        },
        partition,
        progress: std::io::stderr().is_terminal(),
        guard: soundalike_pipeline::Guard {
            min_share: args.min_share,
            allow_shrink: args.allow_shrink,
        },
    })
}

pub async fn run(settings: &Settings, args: PipelineRunArgs) -> anyhow::Result<ExitCode> {
    let options = options(settings, &args)?;
    let live = !matches!(args.source.as_slice(), [one] if one == "dataset" || one == "lake");
    if live {
        anyhow::ensure!(
            !args.artists.is_empty(),
            "--source {} needs --artists",
            args.source.join(",")
        );
        let ingest = crate::cli::IngestArgs {
            source: Some(args.source.clone()),
            artists: args.artists.clone(),
            depth: args.depth,
            max_artists: args.max_artists,
            ttl_hours: 168,
            original_pattern: false,
            date: args.date.clone(),
            json: false,
        };
        super::ingest::crawl_into_lake(settings, &ingest).await?;
    }
    let summary = soundalike_pipeline::run(options).await?;
    if args.json {
        println!("{}", to_json(&summary));
    } else {
        print_text(&summary);
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(s: &Summary) -> serde_json::Value {
    let mut by_kind = std::collections::BTreeMap::<&str, u64>::new();
    for (_, bad) in s.bad_rows() {
        *by_kind.entry(bad.kind.as_str()).or_default() += 1;
    }
    json!({
        "rows": s.rows(),
        "bad_rows": s.bad_rows().map(|(dataset, b)| json!({"dataset": dataset, "line": b.line, "end_line": b.end_line, "kind": b.kind.as_str(), "reason": b.reason})).collect::<Vec<_>>(),
        "bad_rows_by_kind": by_kind,
        "datasets": s.datasets.iter().map(|d| json!({
            "name": d.name,
            "source": d.report.source,
            "rows": d.report.rows,
            "bad_rows": d.report.bad_rows.len(),
            "repeated_track_rows": d.report.repeated_track_rows,
            "tracks_without_artist": d.report.tracks_without_artist,
            "artists": d.artists,
            "tracks": d.tracks,
        })).collect::<Vec<_>>(),
        "merged": {
            "artists": s.merge.artists_merged,
            "artists_by_spotify_id": s.merge.artists_by_spotify_id,
            "tracks": s.merge.tracks_merged,
            "korean_acts": s.merge.korean_acts,
        },
        "artists": s.artists,
        "tracks": s.tracks,
        "playlist_memberships": s.memberships,
        "partition": s.partition.to_string(),
        "lake_bytes": s.lake_bytes,
        "marts": s.marts.iter().map(|m| json!({"algorithm": m.algorithm, "version": m.version, "rows": m.rows, "coverage": m.coverage})).collect::<Vec<_>>(),
        "stages_ms": s.stages.iter().map(|(name, d)| json!({"stage": name, "ms": d.as_secs_f64() * 1000.0})).collect::<Vec<_>>(),
    })
}

fn print_text(s: &Summary) {
    for d in &s.datasets {
        let r = &d.report;
        println!("source      {}", r.source);
        println!(
            "rows        {} read, {} bad, {} repeated track rows, {} tracks without an artist; {} artists, {} tracks",
            r.rows,
            r.bad_rows.len(),
            r.repeated_track_rows,
            r.tracks_without_artist,
            d.artists,
            d.tracks
        );
        if !r.bad_rows.is_empty() {
            let kinds: Vec<String> = r
                .bad_rows_by_kind()
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            println!("  bad rows  by reason: {}", kinds.join(", "));
        }
    }
    let bad = s.bad_rows().count();
    for (dataset, row) in s.bad_rows().take(SHOWN_BAD_ROWS) {
        println!("  bad row   {dataset}: {row}");
    }
    if bad > SHOWN_BAD_ROWS {
        println!(
            "  ... and {} more bad rows (see --json)",
            bad - SHOWN_BAD_ROWS
        );
    }
    if s.datasets.len() > 1 {
        println!(
            "merged      {} artists ({} by Spotify id, the rest by name) and {} tracks in more than one dataset; {} Korean acts",
            s.merge.artists_merged,
            s.merge.artists_by_spotify_id,
            s.merge.tracks_merged,
            s.merge.korean_acts
        );
    }
    println!(
        "catalog     {} artists, {} tracks, {} playlist memberships",
        s.artists, s.tracks, s.memberships
    );
    println!(
        "lake        partition {}, {} bytes",
        s.partition, s.lake_bytes
    );
    for m in &s.marts {
        println!(
            "mart        {} v{}: {} rows, {:.1}% of artists with a full list",
            m.algorithm,
            m.version,
            m.rows,
            m.coverage * 100.0
        );
    }
    let total: f64 = s.stages.iter().map(|(_, d)| d.as_secs_f64()).sum();
    for (name, d) in &s.stages {
        println!(
            "time        {name:<22} {:>8.1} ms",
            d.as_secs_f64() * 1000.0
        );
    }
    println!("time        {:<22} {:>8.1} ms", "total", total * 1000.0);
}
