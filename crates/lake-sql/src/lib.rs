//! SQL over the lake with embedded DataFusion: the local Athena.
//!
//! [`LakeSql::open`] registers every catalog table (`artists`, `tracks`, `audio_features`,
//! `playlist_tracks`) as the union of its **committed** partitions (the files their manifests
//! name, never a writer's uncommitted file), each with the Hive partition column `dt`
//! (`YYYY-MM-DD` text, as Athena sees it). Queries are read-only: DDL, DML (`COPY`, `INSERT`) and
//! `SET` statements are refused.
//!
//! DataFusion brings its own Arrow version, so it reads the Parquet files itself; the only thing
//! shared with `soundalike-lake` is the `object_store` client, so S3 lakes work the same way.
//!
//! ```no_run
//! # async fn demo() -> Result<(), soundalike_lake_sql::SqlError> {
//! let lake = soundalike_lake::Lake::open("soundalike-data/lake")?;
//! let sql = soundalike_lake_sql::LakeSql::open(&lake).await?;
//! let text = sql
//!     .query_formatted("SELECT count(*) FROM artists", soundalike_lake_sql::Format::Table)
//!     .await?;
//! println!("{text}");
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use datafusion::execution::options::ParquetReadOptions;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::{DataFrame, SQLOptions, SessionContext, lit};
use soundalike_lake::{Lake, LakeError};

/// A failure of `sql`.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// Reading the lake's commits failed.
    #[error("lake")]
    Lake(#[from] LakeError),
    /// The query failed to plan or run (bad SQL, unknown column, a write statement...).
    #[error("{0}")]
    Query(#[from] Box<datafusion::error::DataFusionError>),
    /// Formatting the result failed.
    #[error("formatting the result")]
    Format(#[from] datafusion::arrow::error::ArrowError),
}

impl From<datafusion::error::DataFusionError> for SqlError {
    fn from(error: datafusion::error::DataFusionError) -> Self {
        Self::Query(Box::new(error))
    }
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An aligned text table.
    Table,
    /// A JSON array of row objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// A SQL session over one lake's committed partitions.
pub struct LakeSql {
    ctx: SessionContext,
}

/// The Hive partition column every table carries.
pub const PARTITION_COLUMN: &str = "dt";

impl LakeSql {
    /// Register the lake's tables as they are committed now.
    pub async fn open(lake: &Lake) -> Result<Self, SqlError> {
        let ctx = SessionContext::new();
        // Athena/Trino spell it `date('2026-01-01')`; DataFusion's is `to_date`.
        let to_date = datafusion::functions::datetime::to_date();
        ctx.register_udf(ScalarUDF::clone(&to_date).with_aliases(["date"]));
        let storage = lake.storage();
        if storage.local_root().is_none() {
            let (store, _) = storage.object_store();
            let url = url::Url::parse(storage.url()).map_err(|e| {
                SqlError::Query(Box::new(datafusion::error::DataFusionError::External(
                    Box::new(e),
                )))
            })?;
            let bucket_url = url::Url::parse(&format!(
                "{}://{}",
                url.scheme(),
                url.host_str().unwrap_or_default()
            ))
            .expect("scheme and host make a URL");
            ctx.register_object_store(&bucket_url, store);
        }
        for (table, lake_schema) in soundalike_lake::ddl::table_schemas() {
            let schema = engine_schema(&lake_schema);
            let mut union: Option<DataFrame> = None;
            for partition in lake.partitions(table).await? {
                let files: Vec<String> = lake
                    .committed_files(table, partition)
                    .await?
                    .iter()
                    .map(|f| storage.url_of(&f.key))
                    .collect();
                let options = ParquetReadOptions::default()
                    .schema(&schema)
                    .file_extension(".parquet");
                let frame = ctx
                    .read_parquet(files, options)
                    .await?
                    .with_column(PARTITION_COLUMN, lit(partition.to_string()))?;
                union = Some(match union {
                    None => frame,
                    Some(all) => all.union(frame)?,
                });
            }
            match union {
                Some(frame) => ctx.register_table(table, frame.into_view())?,
                None => {
                    let mut fields: Vec<Field> =
                        schema.fields().iter().map(|f| f.as_ref().clone()).collect();
                    fields.push(Field::new(PARTITION_COLUMN, DataType::Utf8, false));
                    let empty = MemTable::try_new(Arc::new(Schema::new(fields)), vec![vec![]])?;
                    ctx.register_table(table, Arc::new(empty))?
                }
            };
        }
        Ok(Self { ctx })
    }

    /// Run one read-only query; returns its schema and rows.
    pub async fn query(&self, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>), SqlError> {
        let read_only = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let frame = self.ctx.sql_with_options(sql, read_only).await?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let batches = frame.collect().await?;
        Ok((schema, batches))
    }

    /// Run one read-only query and format its result.
    pub async fn query_formatted(&self, sql: &str, format: Format) -> Result<String, SqlError> {
        let (schema, batches) = self.query(sql).await?;
        format_batches(&schema, &batches, format)
    }
}

/// Format rows as a text table, JSON or CSV.
pub fn format_batches(
    schema: &SchemaRef,
    batches: &[RecordBatch],
    format: Format,
) -> Result<String, SqlError> {
    use datafusion::arrow::{csv, json, util::pretty};
    Ok(match format {
        // No rows still prints the header.
        Format::Table if batches.is_empty() => {
            pretty::pretty_format_batches(&[RecordBatch::new_empty(schema.clone())])?.to_string()
        }
        Format::Table => pretty::pretty_format_batches(batches)?.to_string(),
        Format::Json => {
            let mut writer = json::ArrayWriter::new(Vec::new());
            writer.write_batches(&batches.iter().collect::<Vec<_>>())?;
            writer.finish()?;
            let text = String::from_utf8(writer.into_inner()).expect("JSON is UTF-8");
            if text.is_empty() { "[]".into() } else { text }
        }
        Format::Csv => {
            let mut writer = csv::WriterBuilder::new()
                .with_header(true)
                .build(Vec::new());
            if batches.is_empty() {
                writer.write(&RecordBatch::new_empty(schema.clone()))?;
            }
            for batch in batches {
                writer.write(batch)?;
            }
            String::from_utf8(writer.into_inner()).expect("CSV is UTF-8")
        }
    })
}

/// The lake's schema in DataFusion's Arrow version (the lake writes only these types).
fn engine_schema(lake: &soundalike_lake::ddl::LakeSchema) -> Schema {
    use soundalike_lake::ddl::LakeType;
    Schema::new(
        lake.iter()
            .map(|(name, kind, nullable)| {
                let kind = match kind {
                    LakeType::Text => DataType::Utf8,
                    LakeType::Int32 => DataType::Int32,
                    LakeType::Int64 => DataType::Int64,
                    LakeType::Float32 => DataType::Float32,
                    LakeType::Float64 => DataType::Float64,
                    LakeType::Boolean => DataType::Boolean,
                };
                Field::new(name.as_str(), kind, *nullable)
            })
            .collect::<Vec<_>>(),
    )
}
