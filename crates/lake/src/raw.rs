//! The raw zone: every live API response body, gzip-compressed, as received, under
//! `<root>/raw/<source>/<endpoint>/dt=YYYY-MM-DD/<nanos>-<pid>-<seq>.raw.gz`, written before the
//! body is parsed so parsing can always be replayed (`soundalike lake rebuild`).
//!
//! A file is one header line of JSON (`{"url": ...}`, the request URL without secrets) followed
//! by the body bytes unchanged. Files are written under a hidden name, fsynced and renamed, so a
//! reader never sees half a body. File names sort in write order.
//!
//! The storage calls are [`RawLake::put`] and [`RawLake::records`] only, so moving the raw zone
//! onto object storage touches these two functions.

use std::fs::{self, File};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::Partition;

/// One stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// `spotify`, `deezer`, ...
    pub source: String,
    /// The endpoint folder name.
    pub endpoint: String,
    /// The request URL (secrets left out).
    pub url: String,
    /// The body as received.
    pub body: Vec<u8>,
    /// Where it is stored.
    pub path: PathBuf,
}

/// The raw zone of a lake.
#[derive(Debug)]
pub struct RawLake {
    root: PathBuf,
    seq: AtomicU64,
}

impl Clone for RawLake {
    fn clone(&self) -> Self {
        Self::new(&self.root)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    url: String,
}

impl RawLake {
    /// The raw zone of the lake rooted at `lake_root` (`<lake_root>/raw`).
    pub fn new(lake_root: impl AsRef<Path>) -> Self {
        Self {
            root: lake_root.as_ref().join("raw"),
            seq: AtomicU64::new(0),
        }
    }

    /// Store one body. Names sort in write order within and across processes (nanosecond clock
    /// first, then process id and a sequence number).
    pub fn put(
        &self,
        source: &str,
        endpoint: &str,
        url: &str,
        body: &[u8],
    ) -> std::io::Result<PathBuf> {
        let dir = self
            .root
            .join(source)
            .join(endpoint)
            .join(Partition::today().dir_name());
        fs::create_dir_all(&dir)?;
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let name = format!("{nanos:020}-{:08}-{seq:08}.raw.gz", std::process::id());
        let temp = dir.join(format!(".{name}.tmp"));
        let mut gz = GzEncoder::new(File::create(&temp)?, Compression::default());
        let header = serde_json::to_string(&Header {
            url: url.to_string(),
        })?;
        gz.write_all(header.as_bytes())?;
        gz.write_all(b"\n")?;
        gz.write_all(body)?;
        let file = gz.finish()?;
        file.sync_all()?;
        drop(file);
        let path = dir.join(name);
        fs::rename(&temp, &path)?;
        File::open(&dir).and_then(|d| d.sync_all())?;
        Ok(path)
    }

    /// Every stored response, in write order. A file that cannot be read is returned in the
    /// second list with its error, never dropped silently.
    pub fn records(&self) -> (Vec<RawRecord>, Vec<(PathBuf, std::io::Error)>) {
        let mut files = Vec::new();
        for source in read_dirs(&self.root) {
            for endpoint in read_dirs(&source) {
                for day in read_dirs(&endpoint) {
                    for entry in fs::read_dir(&day).into_iter().flatten().flatten() {
                        let path = entry.path();
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if name.ends_with(".raw.gz") && !name.starts_with('.') {
                            files.push((name, path));
                        }
                    }
                }
            }
        }
        files.sort();
        let mut records = Vec::new();
        let mut errors = Vec::new();
        for (_, path) in files {
            match read_record(&path) {
                Ok(r) => records.push(r),
                Err(e) => errors.push((path, e)),
            }
        }
        (records, errors)
    }
}

fn read_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn read_record(path: &Path) -> std::io::Result<RawRecord> {
    let mut reader = std::io::BufReader::new(GzDecoder::new(File::open(path)?));
    let mut header = String::new();
    reader.read_line(&mut header)?;
    let header: Header = serde_json::from_str(header.trim_end())?;
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    let part = |up: usize| {
        path.ancestors()
            .nth(up)
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    Ok(RawRecord {
        source: part(3),
        endpoint: part(2),
        url: header.url,
        body,
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_in_write_order() {
        let dir = tempfile::tempdir().unwrap();
        let raw = RawLake::new(dir.path());
        raw.put("deezer", "artist", "https://x/artist/1", b"{\"id\":1}")
            .unwrap();
        raw.put("spotify", "search", "https://x/search?q=a", b"not json {")
            .unwrap();
        let (records, errors) = raw.records();
        assert!(errors.is_empty());
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].source, "deezer");
        assert_eq!(records[0].endpoint, "artist");
        assert_eq!(records[0].body, b"{\"id\":1}");
        assert_eq!(records[1].url, "https://x/search?q=a");
        assert_eq!(records[1].body, b"not json {");
    }
}
