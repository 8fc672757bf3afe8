//! The data lake: soundalike's tables as Parquet files under `<root>/<table>/dt=YYYY-MM-DD/`,
//! Hive style, so Athena, Trino, Spark, DuckDB or DataFusion read them unchanged. The root is a
//! local folder or an S3-compatible bucket ([`Storage`]).
//!
//! **Invariant:** a reader never sees a half-written table partition. A partition is committed by
//! its manifest, `_manifest.json`, which names its data files; the data file is written first
//! (content-addressed, `part-<hash>.zstd.parquet`, so a rewrite never overwrites the file a reader
//! may be reading), then the manifest replaces the old one in one PUT, then files the manifest does
//! not name (superseded versions, leftovers of killed writers) are deleted. soundalike's readers
//! and `soundalike sql` read only manifest-named files; `_`-prefixed names are hidden from
//! Hive-style engines. Writing a partition again replaces it, so a re-run of the same day
//! duplicates nothing, and the same data gives the same file names and bytes.
//!
//! **Invariant:** one writer at a time. The cleanup after a commit deletes every file the new
//! manifest does not name, which would include a concurrent writer's fresh file, so a write takes
//! the lake's writer lock first: an OS file lock on `_writer.lock` in a local lake (released
//! when the process dies, so a killed writer never blocks the next one), shared by the chat
//! server's background refresh, `pipeline run` and `ingest`. An S3 lake has no such lock: run
//! one writer per bucket prefix (one scheduler).
//!
//! ```no_run
//! # async fn demo(catalog: &soundalike_core::Catalog) -> Result<(), soundalike_lake::LakeError> {
//! let lake = soundalike_lake::Lake::open("soundalike-data/lake")?;
//! let day = soundalike_lake::Partition::today();
//! lake.write_catalog(day, catalog).await?;
//! let back = lake.read_catalog(Some(day)).await?;
//! assert_eq!(&back, catalog);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod catalog_tables;
pub mod ddl;
mod live_tables;
mod partition;
pub mod raw;
pub mod storage;
#[cfg(feature = "test-support")]
pub mod test_support;

use arrow_array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

pub use catalog_tables::{TABLES, catalog_batches};
pub use live_tables::{LIVE_TABLES, live_batches};
pub use partition::Partition;
pub use storage::Storage;

/// The commit marker of a table partition: the list of its data files.
pub const MANIFEST: &str = "_manifest.json";

/// A lake failure, with the location it concerns.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// Local file system trouble.
    #[error("lake IO at {location}")]
    Io {
        /// Where.
        location: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The object store (local folder or S3) refused or failed.
    #[error("lake storage at {location}")]
    Store {
        /// Where.
        location: String,
        /// Why.
        #[source]
        source: Box<object_store::Error>,
    },
    /// A lake location that cannot be opened.
    #[error("lake location {location:?}: {reason}")]
    Location {
        /// What was given.
        location: String,
        /// Why it does not work.
        reason: String,
    },
    /// Parquet encoding or decoding failed.
    #[error("parquet at {location}")]
    Parquet {
        /// Where.
        location: String,
        /// Why.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A file's columns are not what soundalike writes.
    #[error("table {table} at {location}: {reason}")]
    Schema {
        /// The table.
        table: String,
        /// The partition.
        location: String,
        /// What did not match.
        reason: String,
    },
    /// A manifest that is not one soundalike writes.
    #[error("manifest at {location}: {reason}")]
    Manifest {
        /// Where.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A table partition that has no commit (never written, or its writer died first).
    #[error("table {table} has no committed partition {partition} at {location}")]
    NotCommitted {
        /// The table.
        table: String,
        /// The day.
        partition: Partition,
        /// The lake.
        location: String,
    },
    /// No complete partition exists to read.
    #[error("the lake at {0} has no complete partition of every table; run the pipeline first")]
    Empty(String),
}

/// The lake's writer lock file, in a local lake's root (`_`: hidden from Hive-style engines).
pub const WRITER_LOCK: &str = "_writer.lock";

/// Proof of holding the lake's writer lock ([`Lake::lock_writer`]); dropping it releases the lock.
#[derive(Debug)]
#[must_use = "the lock is released when the guard is dropped"]
pub struct WriterLock {
    _file: Option<std::fs::File>,
}

/// One committed data file of a table partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Key relative to the lake root, e.g. `artists/dt=2026-01-01/part-….zstd.parquet`.
    pub key: String,
    /// Rows in the file.
    pub rows: u64,
    /// Bytes in the file.
    pub bytes: u64,
}

/// A lake on some [`Storage`].
#[derive(Debug, Clone)]
pub struct Lake {
    storage: Storage,
}

impl Lake {
    /// The lake at `location`: `s3://bucket/prefix`, `file:///abs/path` or a folder path.
    pub fn open(location: &str) -> Result<Self, LakeError> {
        Ok(Self::new(Storage::open(location)?))
    }

    /// The lake at `location`, with S3 settings that override the environment
    /// (see [`Storage::open_with`]).
    pub fn open_with(location: &str, s3_settings: &[(String, String)]) -> Result<Self, LakeError> {
        Ok(Self::new(Storage::open_with(location, s3_settings)?))
    }

    /// A lake on `storage`.
    pub fn new(storage: Storage) -> Self {
        Self { storage }
    }

    /// Where the bytes live.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The key prefix of one table partition, `table/dt=YYYY-MM-DD`.
    pub fn partition_key(table: &str, partition: Partition) -> String {
        format!("{table}/{}", partition.dir_name())
    }

    /// Take the writer lock (see the crate docs), waiting while another process or task holds it;
    /// a no-op for an S3 lake. Held until the guard is dropped.
    pub fn lock_writer(&self) -> Result<WriterLock, LakeError> {
        let Some(root) = self.storage.local_root() else {
            return Ok(WriterLock { _file: None });
        };
        let path = root.join(WRITER_LOCK);
        let io = |source| LakeError::Io {
            location: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(root).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::info!(lock = %path.display(), "another writer holds the lake; waiting");
                file.lock().map_err(io)?;
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
        Ok(WriterLock { _file: Some(file) })
    }

    /// Write one table partition and commit it, replacing what it held. Returns the bytes written.
    /// The caller holds [`Lake::lock_writer`].
    pub async fn write_table(
        &self,
        table: &str,
        partition: Partition,
        batch: &RecordBatch,
    ) -> Result<u64, LakeError> {
        let dir = Self::partition_key(table, partition);
        let bytes = encode(batch).map_err(|source| LakeError::Parquet {
            location: self.storage.url_of(&dir),
            source,
        })?;
        let hash = Sha256::digest(&bytes);
        let name: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
        let file = DataFile {
            key: format!("{dir}/part-{name}.zstd.parquet"),
            rows: batch.num_rows() as u64,
            bytes: bytes.len() as u64,
        };
        self.storage.put(&file.key, bytes).await?;
        let manifest = manifest_json(table, partition, std::slice::from_ref(&file));
        self.storage
            .put(&format!("{dir}/{MANIFEST}"), manifest.into())
            .await?;
        self.remove_uncommitted(&dir, std::slice::from_ref(&file))
            .await?;
        tracing::debug!(
            key = file.key,
            bytes = file.bytes,
            "committed lake partition"
        );
        Ok(file.bytes)
    }

    /// Delete what a committed partition does not name: superseded data files and leftovers of
    /// killed writers. Assumes one writer per partition at a time (the pipeline).
    async fn remove_uncommitted(&self, dir: &str, keep: &[DataFile]) -> Result<(), LakeError> {
        let manifest = format!("{dir}/{MANIFEST}");
        for object in self.storage.list(&format!("{dir}/")).await? {
            if object.key != manifest && !keep.iter().any(|f| f.key == object.key) {
                self.storage.delete(&object.key).await?;
            }
        }
        // Staged writes of the local backend (`name#N`) and older hidden temp files are not listed.
        if let Some(root) = self.storage.local_root() {
            let folder = root.join(dir);
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let staged = name
                    .rsplit_once('#')
                    .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if staged || (name.starts_with('.') && name.ends_with(".tmp")) {
                    let path = entry.path();
                    std::fs::remove_file(&path).map_err(|source| LakeError::Io {
                        location: path.display().to_string(),
                        source,
                    })?;
                }
            }
        }
        Ok(())
    }

    /// The committed data files of one table partition (empty when it is not committed).
    pub async fn committed_files(
        &self,
        table: &str,
        partition: Partition,
    ) -> Result<Vec<DataFile>, LakeError> {
        let key = format!("{}/{MANIFEST}", Self::partition_key(table, partition));
        match self.storage.get(&key).await? {
            Some(bytes) => parse_manifest(&bytes).map_err(|reason| LakeError::Manifest {
                location: self.storage.url_of(&key),
                reason,
            }),
            None => Ok(Vec::new()),
        }
    }

    /// Read one committed table partition as record batches.
    pub async fn read_table(
        &self,
        table: &str,
        partition: Partition,
    ) -> Result<Vec<RecordBatch>, LakeError> {
        let files = self.committed_files(table, partition).await?;
        if files.is_empty() {
            return Err(LakeError::NotCommitted {
                table: table.to_string(),
                partition,
                location: self.storage.url().to_string(),
            });
        }
        let mut batches = Vec::new();
        for file in files {
            let location = self.storage.url_of(&file.key);
            let bytes = self
                .storage
                .get(&file.key)
                .await?
                .ok_or_else(|| LakeError::Manifest {
                    location: location.clone(),
                    reason: "names a data file that is missing".into(),
                })?;
            let parquet = |source| LakeError::Parquet {
                location: location.clone(),
                source,
            };
            let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
                .map_err(parquet)?
                .build()
                .map_err(parquet)?;
            for batch in reader {
                batches.push(batch.map_err(|e| parquet(e.into()))?);
            }
        }
        Ok(batches)
    }

    /// The committed partitions of a table, oldest first.
    pub async fn partitions(&self, table: &str) -> Result<Vec<Partition>, LakeError> {
        let mut out = Vec::new();
        for dir in self.storage.list_dirs(table).await? {
            let Some(partition) = Partition::from_dir_name(&dir) else {
                continue;
            };
            let manifest = format!("{table}/{dir}/{MANIFEST}");
            if self.storage.get(&manifest).await?.is_some() {
                out.push(partition);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The newest partition that every catalog table has committed.
    pub async fn latest_complete_partition(&self) -> Result<Option<Partition>, LakeError> {
        let mut common: Option<Vec<Partition>> = None;
        for table in TABLES {
            let parts = self.partitions(table).await?;
            common = Some(match common {
                None => parts,
                Some(prev) => prev.into_iter().filter(|p| parts.contains(p)).collect(),
            });
        }
        Ok(common.and_then(|c| c.into_iter().max()))
    }
}

/// Parquet bytes of one batch: zstd level 3, no timestamps, so the same data gives the same bytes.
fn encode(batch: &RecordBatch) -> Result<Bytes, parquet::errors::ParquetError> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .set_created_by(format!("soundalike {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), batch.schema(), Some(props))?;
    writer.write(batch)?;
    Ok(writer.into_inner()?.into())
}

fn manifest_json(table: &str, partition: Partition, files: &[DataFile]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::json!({"key": f.key, "rows": f.rows, "bytes": f.bytes}))
        .collect();
    serde_json::json!({
        "format": 1,
        "table": table,
        "partition": partition.to_string(),
        "files": files,
    })
    .to_string()
}

fn parse_manifest(bytes: &[u8]) -> Result<Vec<DataFile>, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if value["format"] != 1 {
        return Err(format!("unknown format {}", value["format"]));
    }
    let files = value["files"].as_array().ok_or("no files list")?;
    files
        .iter()
        .map(|f| {
            Ok(DataFile {
                key: f["key"].as_str().ok_or("a file without a key")?.to_string(),
                rows: f["rows"].as_u64().ok_or("a file without rows")?,
                bytes: f["bytes"].as_u64().ok_or("a file without bytes")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_round_trip_and_reject_what_is_not_one() {
        let day = Partition::parse("2026-01-02").unwrap();
        let files = vec![DataFile {
            key: "artists/dt=2026-01-02/part-00.zstd.parquet".into(),
            rows: 3,
            bytes: 120,
        }];
        let text = manifest_json("artists", day, &files);
        assert_eq!(parse_manifest(text.as_bytes()).unwrap(), files);
        assert!(parse_manifest(b"{\"format\":2,\"files\":[]}").is_err());
        assert!(parse_manifest(b"{\"format\":1,\"files\":[{\"key\":1}]}").is_err());
        assert!(parse_manifest(b"not json").is_err());
    }
}
