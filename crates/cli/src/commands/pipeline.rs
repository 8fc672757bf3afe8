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
        [one] if one == "dataset" => args.dataset.clone().map_or(Input::Bundled, Input::Dataset),
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
    json!({
        "source": s.import.source,
        "rows": s.import.rows,
        "bad_rows": s.bad_rows().iter().map(|b| json!({"line": b.line, "end_line": b.end_line, "kind": b.kind.as_str(), "reason": b.reason})).collect::<Vec<_>>(),
        "bad_rows_by_kind": s.import.bad_rows_by_kind().iter().map(|(kind, n)| (kind.as_str().to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "repeated_track_rows": s.import.repeated_track_rows,
        "tracks_without_artist": s.import.tracks_without_artist,
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
    println!("source      {}", s.import.source);
    println!(
        "rows        {} read, {} bad, {} repeated track rows (extra playlists), {} tracks without an artist",
        s.import.rows,
        s.bad_rows().len(),
        s.import.repeated_track_rows,
        s.import.tracks_without_artist
    );
    if !s.bad_rows().is_empty() {
        let kinds: Vec<String> = s
            .import
            .bad_rows_by_kind()
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        println!("  bad rows  by reason: {}", kinds.join(", "));
    }
    for bad in s.bad_rows().iter().take(SHOWN_BAD_ROWS) {
        println!("  bad row   {bad}");
    }
    if s.bad_rows().len() > SHOWN_BAD_ROWS {
        println!(
            "  ... and {} more bad rows (see --json)",
            s.bad_rows().len() - SHOWN_BAD_ROWS
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
