//! `soundalike sql "<query>"`.

use std::process::ExitCode;

use crate::cli::SqlArgs;
use crate::settings::Settings;

#[cfg(feature = "sql")]
pub async fn run(settings: &Settings, args: SqlArgs) -> anyhow::Result<ExitCode> {
    use soundalike_lake_sql::{Format, LakeSql};
    let format = match (args.json, args.csv) {
        (true, _) => Format::Json,
        (_, true) => Format::Csv,
        _ => Format::Table,
    };
    let lake = soundalike_lake::Lake::open(&settings.lake)?;
    let session = LakeSql::open(&lake).await?;
    let text = session.query_formatted(&args.query, format).await?;
    println!("{}", text.trim_end());
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "sql"))]
pub async fn run(_: &Settings, _: SqlArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this build has no `sql` (cargo feature `sql` of soundalike)")
}
