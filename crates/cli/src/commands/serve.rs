//! `soundalike serve` and `soundalike lambda`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use soundalike_chat::EngineConfig;
use soundalike_lake::Partition;
use soundalike_pipeline::{Input, Options};
use soundalike_server::{
    AppState, Application, KakaoSecurity, Limits, Secret, ServerConfig, warm_up, watch_store,
};
use soundalike_similarity::Algorithm;

use crate::cli::ServeArgs;
use crate::settings::Settings;

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// How often `serve` looks for a newer published mart.
const RELOAD_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

fn config(settings: &Settings, args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let file = &settings.file;
    let secret_header = args
        .kakao_secret_header
        .clone()
        .or(file.kakao_secret_header.clone());
    let secret = args
        .kakao_secret
        .clone()
        .or(file.kakao_secret.clone())
        .map(Secret::new);
    anyhow::ensure!(
        secret_header.is_some() == secret.is_some(),
        "set both SOUNDALIKE_KAKAO_SECRET_HEADER and SOUNDALIKE_KAKAO_SECRET, or neither"
    );
    let algorithm = settings.algorithm(args.algorithm.as_deref())?;
    let bot_ids = args
        .kakao_bot_ids
        .clone()
        .or(file.kakao_bot_ids.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect();
    Ok(ServerConfig {
        kakao: KakaoSecurity {
            secret_header,
            secret,
            bot_ids,
            callback_hosts: args
                .kakao_callback_hosts
                .clone()
                .or(file.kakao_callback_hosts.clone())
                .unwrap_or_else(|| KakaoSecurity::default().callback_hosts),
        },
        engine: EngineConfig {
            algorithm: algorithm.name().into(),
            k: settings.k,
            ..EngineConfig::default()
        },
        limits: limits(args),
        ..ServerConfig::default()
    })
}

fn limits(args: &ServeArgs) -> Limits {
    let default = Limits::default();
    let per_second = args.rate_limit.unwrap_or(default.per_client_per_second);
    Limits {
        per_client_per_second: per_second,
        per_client_burst: default.per_client_burst.max(per_second.saturating_mul(3)),
        trusted_proxy_hops: args.trusted_proxy_hops.unwrap_or(0),
        max_connections: args.max_connections,
        ..default
    }
}

/// The pipeline a first start runs: every bundled dataset, every algorithm.
fn first_build(settings: &Settings) -> Options {
    Options {
        input: Input::bundled(),
        lake: settings.lake.clone(),
        stores: settings.stores.clone(),
        algorithms: Algorithm::ALL.to_vec(),
        // Chat answers show up to the engine's k neighbours: build at least that many.
        k: settings.k.max(EngineConfig::default().k),
        strategy: soundalike_similarity::ann::Strategy {
            threshold: settings.ann_threshold,
            ..Default::default()
        },
        partition: Partition::today(),
        progress: std::io::stderr().is_terminal(),
        guard: Default::default(),
    }
}

/// Live sources for unknown artists, when any is configured in the environment.
fn live(settings: &Settings) -> anyhow::Result<Option<soundalike_chat::Live>> {
    let raw_dir = settings.raw_dir();
    let sources = super::ingest::sources(None, Some(soundalike_lake::raw::RawLake::new(&raw_dir)))?;
    if !sources.any() {
        return Ok(None);
    }
    tracing::info!("live sources configured: unknown artists are looked up live");
    Ok(Some(soundalike_chat::Live {
        lookup: std::sync::Arc::new(soundalike_server::live::LiveArtists::start(
            sources,
            raw_dir,
            // Found artists join the served data: the same pipeline, over the lake.
            Some(first_build(settings)),
        )),
        budget: soundalike_chat::LIVE_BUDGET,
    }))
}

pub async fn serve(settings: &Settings, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = config(settings, &args)?;
    config.engine.live = live(settings)?;
    let addr: SocketAddr = match args.addr.or(settings.file.addr) {
        Some(addr) => addr,
        None => DEFAULT_ADDR.parse().expect("valid default address"),
    };
    let state = AppState::new(config);
    let app = Application::build(addr, state.clone())
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    eprintln!(
        "soundalike: serving on http://{}:{}/ (Ctrl-C to stop)",
        addr.ip(),
        app.port()
    );
    let (stores, build) = (settings.stores.clone(), first_build(settings));
    tokio::spawn(async move {
        match warm_up(state.clone(), stores, Some(build)).await {
            Ok(()) => {
                eprintln!("soundalike: ready");
                watch_store(state, RELOAD_CHECK).await;
            }
            Err(error) => {
                tracing::error!(%error, "could not load the similarity data; /readyz stays 503")
            }
        }
    });
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn lambda(settings: &Settings, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let state = AppState::new(config(settings, &args)?);
    warm_up(
        state.clone(),
        settings.stores.clone(),
        Some(first_build(settings)),
    )
    .await
    .map_err(|e| anyhow::anyhow!(e))?;
    soundalike_server::lambda::run(state)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    Ok(ExitCode::SUCCESS)
}
