//! One module per command; each returns the process exit code.

mod eval;
mod ingest;
mod lake;
mod pipeline;
mod recommend;
mod serve;
mod sql;

use std::process::ExitCode;

use crate::cli::{Cli, Command, LakeCommand, PipelineCommand};
use crate::settings::Settings;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.global.config.as_deref(), &cli.global)?;
    match cli.command {
        Command::Eval(args) => eval::run(&settings, args),
        Command::Pipeline(PipelineCommand::Run(args)) => {
            runtime()?.block_on(pipeline::run(&settings, args))
        }
        Command::Recommend(args) => runtime()?.block_on(recommend::run(&settings, args)),
        Command::Serve(args) => runtime()?.block_on(serve::serve(&settings, args)),
        Command::Lambda(args) => runtime()?.block_on(serve::lambda(&settings, args)),
        Command::Sql(args) => runtime()?.block_on(sql::run(&settings, args)),
        Command::Ingest(args) => runtime()?.block_on(ingest::run(&settings, args)),
        Command::Lake(LakeCommand::Ddl(args)) => lake::ddl(&settings, args),
        Command::Lake(LakeCommand::Rebuild(args)) => {
            runtime()?.block_on(ingest::rebuild(&settings, args))
        }
    }
}

/// The catalog from `--dataset` or the bundled data.
pub fn import(
    dataset: Option<&std::path::Path>,
) -> anyhow::Result<soundalike_sources::dataset::Import> {
    Ok(match dataset {
        Some(path) => soundalike_sources::dataset::import_path(path)?,
        None => soundalike_sources::dataset::import_bundled()?,
    })
}

/// Parse `all` or one algorithm name.
pub fn algorithms(name: &str) -> anyhow::Result<Vec<soundalike_similarity::Algorithm>> {
    if name.eq_ignore_ascii_case("all") {
        Ok(soundalike_similarity::Algorithm::ALL.to_vec())
    } else {
        Ok(vec![name.parse()?])
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `--date` or today.
pub fn partition(date: Option<&str>) -> anyhow::Result<soundalike_lake::Partition> {
    use anyhow::Context;
    match date {
        Some(day) => soundalike_lake::Partition::parse(day)
            .with_context(|| format!("--date {day:?} is not YYYY-MM-DD")),
        None => Ok(soundalike_lake::Partition::today()),
    }
}
