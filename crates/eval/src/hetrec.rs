//! Loading the HetRec 2011 Last.fm 2K folder (`artists.dat`, `user_artists.dat`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use soundalike_core::names::normalize_name;

/// Why the ground truth could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GroundTruthError {
    /// A file is missing or unreadable.
    #[error("cannot read {path} (expected a HetRec 2011 Last.fm 2K folder)")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not in the documented shape.
    #[error("{path}:{line}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}

/// Listener sets by normalised artist name.
#[derive(Debug, Clone, Default)]
pub struct GroundTruth {
    listeners: HashMap<String, Vec<u32>>,
}

impl GroundTruth {
    /// Load from a HetRec folder.
    pub fn load(dir: &Path) -> Result<Self, GroundTruthError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path)
                .map(|bytes| (String::from_utf8_lossy(&bytes).into_owned(), path.clone()))
                .map_err(|source| GroundTruthError::Io { path, source })
        };
        let (artists_text, artists_path) = read("artists.dat")?;
        let (plays_text, plays_path) = read("user_artists.dat")?;
        let malformed = |path: &PathBuf, line: usize, reason: &str| GroundTruthError::Malformed {
            path: path.clone(),
            line,
            reason: reason.to_string(),
        };

        let mut names: HashMap<u32, String> = HashMap::new();
        for (n, line) in artists_text.lines().enumerate().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let mut fields = line.split('\t');
            let id = fields.next().and_then(|f| f.parse::<u32>().ok());
            let name = fields.next();
            match (id, name) {
                (Some(id), Some(name)) => {
                    names.insert(id, normalize_name(name));
                }
                _ => return Err(malformed(&artists_path, n + 1, "expected id<TAB>name")),
            }
        }
        let mut listeners: HashMap<String, Vec<u32>> = HashMap::new();
        for (n, line) in plays_text.lines().enumerate().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let mut fields = line.split('\t').map(str::parse::<u32>);
            let (Some(Ok(user)), Some(Ok(artist))) = (fields.next(), fields.next()) else {
                return Err(malformed(
                    &plays_path,
                    n + 1,
                    "expected userID<TAB>artistID<TAB>weight",
                ));
            };
            // A play of an artist missing from artists.dat has no name to match: skip it.
            if let Some(name) = names.get(&artist) {
                listeners.entry(name.clone()).or_default().push(user);
            }
        }
        for set in listeners.values_mut() {
            set.sort_unstable();
            set.dedup();
        }
        Ok(Self { listeners })
    }

    /// The sorted listener ids of an artist, by normalised name.
    pub fn listeners(&self, normalized_name: &str) -> Option<&[u32]> {
        self.listeners.get(normalized_name).map(Vec::as_slice)
    }

    /// Number of artists with at least `min` listeners.
    pub fn artists_with(&self, min: usize) -> usize {
        self.listeners.values().filter(|s| s.len() >= min).count()
    }
}
