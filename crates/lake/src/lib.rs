//! The data lake: soundalike's tables as Parquet files under `<root>/<table>/dt=YYYY-MM-DD/`,
//! Hive style, so Athena, Spark, DuckDB or DataFusion read them unchanged.
//!
//! **Invariant:** a reader never sees a half-written file. Each partition holds one data file,
//! `part-00000.zstd.parquet`, written under a hidden temporary name (`.`-prefixed names are ignored
//! by every Hive-style reader) and renamed into place. Writing a partition again replaces it, so a
//! re-run of the same day duplicates nothing.
//!
//! ```no_run
//! # fn demo(catalog: &soundalike_core::Catalog) -> Result<(), soundalike_lake::LakeError> {
//! let lake = soundalike_lake::Lake::new("soundalike-data/lake");
//! let day = soundalike_lake::Partition::today();
//! lake.write_catalog(day, catalog)?;
//! let back = lake.read_catalog(Some(day))?;
//! assert_eq!(&back, catalog);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod catalog_tables;
mod live_tables;
mod partition;
pub mod raw;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

pub use catalog_tables::{TABLES, catalog_batches};
pub use live_tables::{LIVE_TABLES, live_batches};
pub use partition::Partition;

/// The one data file of a partition.
pub const DATA_FILE: &str = "part-00000.zstd.parquet";

/// A lake failure, with the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// File system trouble.
    #[error("lake IO at {path}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Parquet encoding or decoding failed.
    #[error("parquet at {path}")]
    Parquet {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A file's columns are not what soundalike writes.
    #[error("table {table} at {path}: {reason}")]
    Schema {
        /// The table.
        table: String,
        /// The file.
        path: PathBuf,
        /// What did not match.
        reason: String,
    },
    /// No complete partition exists to read.
    #[error("the lake at {0} has no complete partition of every table; run the pipeline first")]
    Empty(PathBuf),
}

/// A lake rooted at a local folder.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LakeError + '_ {
    move |source| LakeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Lake {
    /// A lake at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder of one table partition.
    pub fn partition_dir(&self, table: &str, partition: Partition) -> PathBuf {
        self.root.join(table).join(partition.dir_name())
    }

    /// Write one table partition atomically, replacing what it held. Returns the bytes written.
    pub fn write_table(
        &self,
        table: &str,
        partition: Partition,
        batch: &RecordBatch,
    ) -> Result<u64, LakeError> {
        let dir = self.partition_dir(table, partition);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let final_path = dir.join(DATA_FILE);
        let temp_path = dir.join(format!(".{DATA_FILE}.{}.tmp", std::process::id()));
        let file = File::create(&temp_path).map_err(io(&temp_path))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("valid level"),
            ))
            .set_created_by(format!("soundalike {}", env!("CARGO_PKG_VERSION")))
            .build();
        let parquet = |source| LakeError::Parquet {
            path: temp_path.clone(),
            source,
        };
        let mut writer =
            ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(parquet)?;
        writer.write(batch).map_err(parquet)?;
        let mut file = writer.into_inner().map_err(parquet)?;
        file.flush().map_err(io(&temp_path))?;
        file.sync_all().map_err(io(&temp_path))?;
        let bytes = file.metadata().map_err(io(&temp_path))?.len();
        drop(file);
        fs::rename(&temp_path, &final_path).map_err(io(&final_path))?;
        // Make the rename itself durable.
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&dir))?;
        // Older or foreign data files in the folder would double the partition for readers.
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name != DATA_FILE && !name.starts_with('.') && name.ends_with(".parquet") {
                fs::remove_file(&path).map_err(io(&path))?;
            }
        }
        Ok(bytes)
    }

    /// Read one table partition (all its visible Parquet files) as record batches.
    pub fn read_table(
        &self,
        table: &str,
        partition: Partition,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let dir = self.partition_dir(table, partition);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(io(&dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name.ends_with(".parquet") && !name.starts_with('.') && !name.starts_with('_')
            })
            .collect();
        files.sort();
        let mut batches = Vec::new();
        for path in files {
            let file = File::open(&path).map_err(io(&path))?;
            let parquet = |source| LakeError::Parquet {
                path: path.clone(),
                source,
            };
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(parquet)?
                .build()
                .map_err(parquet)?;
            for batch in reader {
                batches.push(batch.map_err(|e| LakeError::Parquet {
                    path: path.clone(),
                    source: e.into(),
                })?);
            }
        }
        Ok(batches)
    }

    /// The partitions of a table, oldest first.
    pub fn partitions(&self, table: &str) -> Vec<Partition> {
        let mut out: Vec<Partition> = fs::read_dir(self.root.join(table))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join(DATA_FILE).is_file())
            .filter_map(|e| Partition::from_dir_name(e.file_name().to_str()?))
            .collect();
        out.sort();
        out
    }

    /// The newest partition that every catalog table has.
    pub fn latest_complete_partition(&self) -> Option<Partition> {
        let mut common: Option<Vec<Partition>> = None;
        for table in TABLES {
            let parts = self.partitions(table);
            common = Some(match common {
                None => parts,
                Some(prev) => prev.into_iter().filter(|p| parts.contains(p)).collect(),
            });
        }
        common.and_then(|c| c.into_iter().max())
    }
}
