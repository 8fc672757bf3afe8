//! `CREATE EXTERNAL TABLE` statements for other engines (Athena, Trino, Spark), generated from the
//! same Arrow schemas the lake writes, so the DDL cannot drift from the Parquet files.
//!
//! Every table is partitioned by `dt` (text `YYYY-MM-DD`). Athena gets partition projection (no
//! partition maintenance); Trino and Spark get the statement that discovers partitions
//! (`system.sync_partition_metadata`, `MSCK REPAIR TABLE`), to run again after each new day.

use std::fmt::Write;

use arrow_schema::DataType;
use soundalike_core::Catalog;

use crate::{LIVE_TABLES, TABLES, catalog_batches, live_batches};

/// The engine a DDL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Amazon Athena (Hive DDL, partition projection on `dt`).
    Athena,
    /// Trino's Hive connector.
    Trino,
    /// Spark SQL with Hive support.
    Spark,
}

/// A column type the lake writes, independent of the Arrow version a reader uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LakeType {
    /// UTF-8 text.
    Text,
    /// 32-bit integer.
    Int32,
    /// 64-bit integer.
    Int64,
    /// 32-bit float.
    Float32,
    /// 64-bit float.
    Float64,
    /// Boolean.
    Boolean,
}

impl LakeType {
    /// The lake type of an Arrow type; `None` for a type the lake does not write.
    pub fn from_arrow(data_type: &DataType) -> Option<Self> {
        Some(match data_type {
            DataType::Utf8 => Self::Text,
            DataType::Int32 => Self::Int32,
            DataType::Int64 => Self::Int64,
            DataType::Float32 => Self::Float32,
            DataType::Float64 => Self::Float64,
            DataType::Boolean => Self::Boolean,
            _ => return None,
        })
    }
}

/// A table's columns: name, type, nullable.
pub type LakeSchema = Vec<(String, LakeType, bool)>;

/// Every lake table and its columns: [`TABLES`], then [`LIVE_TABLES`].
pub fn table_schemas() -> Vec<(&'static str, LakeSchema)> {
    let empty = Catalog::default();
    TABLES
        .iter()
        .zip(catalog_batches(&empty))
        .chain(LIVE_TABLES.iter().zip(live_batches(&empty)))
        .map(|(table, batch)| {
            let columns = batch
                .schema()
                .fields()
                .iter()
                .map(|f| {
                    let kind = LakeType::from_arrow(f.data_type()).unwrap_or_else(|| {
                        panic!("{table}.{} has a type the DDL does not know", f.name())
                    });
                    (f.name().clone(), kind, f.is_nullable())
                })
                .collect();
            (*table, columns)
        })
        .collect()
}

/// The engine's name for a lake column type.
pub fn column_type(engine: Engine, kind: LakeType) -> &'static str {
    let hive = engine != Engine::Trino;
    match kind {
        LakeType::Text if hive => "string",
        LakeType::Text => "varchar",
        LakeType::Int32 if hive => "int",
        LakeType::Int32 => "integer",
        LakeType::Int64 => "bigint",
        LakeType::Float32 if hive => "float",
        LakeType::Float32 => "real",
        LakeType::Float64 => "double",
        LakeType::Boolean => "boolean",
    }
}

/// The DDL of every catalog table at `location` (the lake root URL, e.g. `s3://bucket/lake`),
/// in `database`.
pub fn ddl(engine: Engine, location: &str, database: &str) -> String {
    let location = location.trim_end_matches('/');
    let mut out = String::new();
    if engine != Engine::Trino {
        writeln!(out, "CREATE DATABASE IF NOT EXISTS `{database}`;\n").expect("string write");
    }
    for (table, schema) in table_schemas() {
        let columns: Vec<(String, &str)> = schema
            .iter()
            .map(|(name, kind, _)| (name.clone(), column_type(engine, *kind)))
            .collect();
        let table_location = format!("{location}/{table}/");
        match engine {
            Engine::Athena | Engine::Spark => {
                writeln!(
                    out,
                    "CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{table}` ("
                )
                .expect("string write");
                let lines: Vec<String> = columns
                    .iter()
                    .map(|(name, kind)| format!("  `{name}` {kind}"))
                    .collect();
                writeln!(out, "{}\n)", lines.join(",\n")).expect("string write");
                writeln!(out, "PARTITIONED BY (`dt` string)").expect("string write");
                writeln!(out, "STORED AS PARQUET").expect("string write");
                writeln!(out, "LOCATION '{table_location}'").expect("string write");
                if engine == Engine::Athena {
                    writeln!(
                        out,
                        "TBLPROPERTIES (\n  'parquet.compression' = 'ZSTD',\n  \
                         'projection.enabled' = 'true',\n  \
                         'projection.dt.type' = 'date',\n  \
                         'projection.dt.format' = 'yyyy-MM-dd',\n  \
                         'projection.dt.range' = '2020-01-01,NOW',\n  \
                         'projection.dt.interval' = '1',\n  \
                         'projection.dt.interval.unit' = 'DAYS',\n  \
                         'storage.location.template' = '{table_location}dt=${{dt}}/'\n);\n"
                    )
                    .expect("string write");
                } else {
                    writeln!(out, "TBLPROPERTIES ('parquet.compression' = 'ZSTD');")
                        .expect("string write");
                    writeln!(out, "MSCK REPAIR TABLE `{database}`.`{table}`;\n")
                        .expect("string write");
                }
            }
            Engine::Trino => {
                writeln!(out, "CREATE TABLE IF NOT EXISTS {database}.{table} (")
                    .expect("string write");
                let lines: Vec<String> = columns
                    .iter()
                    .map(|(name, kind)| format!("  \"{name}\" {kind}"))
                    .chain(std::iter::once("  \"dt\" varchar".to_string()))
                    .collect();
                writeln!(out, "{}\n)", lines.join(",\n")).expect("string write");
                writeln!(
                    out,
                    "WITH (\n  format = 'PARQUET',\n  partitioned_by = ARRAY['dt'],\n  \
                     external_location = '{table_location}'\n);"
                )
                .expect("string write");
                writeln!(
                    out,
                    "CALL system.sync_partition_metadata('{database}', '{table}', 'ADD');\n"
                )
                .expect("string write");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_ddl_type_for_every_column() {
        // table_schemas panics on a type the DDL does not know.
        let schemas = table_schemas();
        assert_eq!(schemas.len(), (TABLES.len() + LIVE_TABLES.len()));
        assert!(schemas.iter().all(|(_, columns)| !columns.is_empty()));
    }

    #[test]
    fn athena_projects_dt_at_the_given_location() {
        let text = ddl(Engine::Athena, "s3://bucket/lake/", "db");
        assert!(
            text.contains("LOCATION 's3://bucket/lake/artists/'"),
            "{text}"
        );
        assert!(
            text.contains("'storage.location.template' = 's3://bucket/lake/artists/dt=${dt}/'"),
            "{text}"
        );
        assert_eq!(
            text.matches("CREATE EXTERNAL TABLE").count(),
            (TABLES.len() + LIVE_TABLES.len())
        );
        let spark = ddl(Engine::Spark, "s3://b/l", "db");
        assert_eq!(
            spark.matches("MSCK REPAIR TABLE").count(),
            (TABLES.len() + LIVE_TABLES.len())
        );
        let trino = ddl(Engine::Trino, "s3://b/l", "db");
        assert_eq!(
            trino.matches("sync_partition_metadata").count(),
            (TABLES.len() + LIVE_TABLES.len())
        );
    }
}
