//! `CREATE EXTERNAL TABLE` statements for other engines (Athena, Trino, Spark), and the Glue
//! tables of the AWS template (`glue_resources`), generated from the same Arrow schemas the lake
//! writes, so neither can drift from the Parquet files.
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
                    let properties: Vec<String> = athena_properties(&table_location, "${dt}")
                        .iter()
                        .map(|(key, value)| format!("  '{key}' = '{value}'"))
                        .collect();
                    writeln!(out, "TBLPROPERTIES (\n{}\n);\n", properties.join(",\n"))
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

/// Athena's table properties for a table at `table_location` (ending in `/`): ZSTD Parquet and
/// partition projection on `dt`, so no partition needs adding. `dt` is how the location
/// template names the partition value (`${dt}`; `${!dt}` inside a CloudFormation `!Sub`).
fn athena_properties(table_location: &str, dt: &str) -> Vec<(&'static str, String)> {
    vec![
        ("parquet.compression", "ZSTD".into()),
        ("projection.enabled", "true".into()),
        ("projection.dt.type", "date".into()),
        ("projection.dt.format", "yyyy-MM-dd".into()),
        ("projection.dt.range", "2020-01-01,NOW".into()),
        ("projection.dt.interval", "1".into()),
        ("projection.dt.interval.unit", "DAYS".into()),
        (
            "storage.location.template",
            format!("{table_location}dt={dt}/"),
        ),
    ]
}

/// The CloudFormation logical id of a lake table's Glue resource: `artist_genres` →
/// `LakeArtistGenresTable`.
pub fn glue_logical_id(table: &str) -> String {
    let camel: String = table
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Lake{camel}Table")
}

/// Every lake table as an `AWS::Glue::Table` resource of a CloudFormation template (YAML,
/// indented to sit under `Resources:`), for Athena: the same columns, types, `dt` partition and
/// projection as the Athena DDL. `database` is the logical id of the template's
/// `AWS::Glue::Database`; `location` is the lake root as a `!Sub` string (e.g.
/// `s3://${LakeBucket}/lake`). `deploy/aws/template.yaml` holds this text verbatim, and the
/// lake's tests fail when the two differ.
pub fn glue_resources(database: &str, location: &str) -> String {
    let location = location.trim_end_matches('/');
    let quoted = |value: &str| {
        assert!(
            !value.contains(['"', '\\']),
            "a Glue value with a quote or backslash: {value}"
        );
        format!("\"{value}\"")
    };
    let mut out = String::new();
    for (table, schema) in table_schemas() {
        let table_location = format!("{location}/{table}/");
        let lines = [
            format!("  {}:", glue_logical_id(table)),
            "    Type: AWS::Glue::Table".into(),
            "    Properties:".into(),
            "      CatalogId: !Ref AWS::AccountId".into(),
            format!("      DatabaseName: !Ref {database}"),
            "      TableInput:".into(),
            format!("        Name: {table}"),
            "        TableType: EXTERNAL_TABLE".into(),
            "        Parameters:".into(),
            "          classification: parquet".into(),
        ];
        for line in lines {
            writeln!(out, "{line}").expect("string write");
        }
        for (key, value) in athena_properties(&table_location, "${!dt}") {
            let value = if value.contains("${") {
                format!("!Sub {}", quoted(&value))
            } else {
                quoted(&value)
            };
            writeln!(out, "          {key}: {value}").expect("string write");
        }
        let lines = [
            "        PartitionKeys:".to_string(),
            "          - Name: dt".into(),
            format!(
                "            Type: {}",
                column_type(Engine::Athena, LakeType::Text)
            ),
            "        StorageDescriptor:".into(),
            format!("          Location: !Sub {}", quoted(&table_location)),
            "          InputFormat: org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
                .into(),
            "          OutputFormat: org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
                .into(),
            "          SerdeInfo:".into(),
            "            SerializationLibrary: \
             org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                .into(),
            "          Columns:".into(),
        ];
        for line in lines {
            writeln!(out, "{line}").expect("string write");
        }
        for (name, kind, _) in &schema {
            writeln!(out, "            - Name: {name}").expect("string write");
            writeln!(
                out,
                "              Type: {}",
                column_type(Engine::Athena, *kind)
            )
            .expect("string write");
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
