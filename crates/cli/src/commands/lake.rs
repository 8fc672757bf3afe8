//! `soundalike lake ddl`.

use std::process::ExitCode;

use soundalike_lake::ddl::{Engine, ddl as statements};

use crate::cli::{DdlArgs, DdlEngine};
use crate::settings::Settings;

pub fn ddl(settings: &Settings, args: DdlArgs) -> anyhow::Result<ExitCode> {
    let engine = match args.engine {
        DdlEngine::Athena => Engine::Athena,
        DdlEngine::Trino => Engine::Trino,
        DdlEngine::Spark => Engine::Spark,
    };
    let location = match args.location {
        Some(location) => location,
        // The configured lake, as a URL another engine can use.
        None => soundalike_lake::Storage::open(&settings.lake)?
            .url()
            .to_string(),
    };
    anyhow::ensure!(
        !location.contains('\''),
        "--location {location:?} must not contain a quote"
    );
    anyhow::ensure!(
        !args.database.is_empty()
            && args
                .database
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "--database {:?} must be letters, digits and _",
        args.database
    );
    print!("{}", statements(engine, &location, &args.database));
    Ok(ExitCode::SUCCESS)
}
