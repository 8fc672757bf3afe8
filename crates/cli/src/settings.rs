//! Settings in layers: built-in defaults, then `soundalike.toml`, then `SOUNDALIKE_*` variables,
//! then flags (clap folds the last two together).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The optional settings file. Unknown keys are an error, so a typo fails at startup.
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub lake: Option<String>,
    pub store: Option<String>,
    pub tracks_store: Option<String>,
    pub algorithm: Option<String>,
    pub k: Option<usize>,
    pub ann_threshold: Option<usize>,
    pub addr: Option<std::net::SocketAddr>,
    pub kakao_secret_header: Option<String>,
    pub kakao_secret: Option<String>,
    pub kakao_bot_ids: Option<Vec<String>>,
    pub kakao_callback_hosts: Option<Vec<String>>,
}

impl std::fmt::Debug for FileSettings {
    // Written by hand so the Kakao secret never reaches a log or an error message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSettings")
            .field("data_dir", &self.data_dir)
            .field("lake", &self.lake)
            .field(
                "store",
                &self.store.as_deref().map(soundalike_store::redact),
            )
            .field("tracks_store", &self.tracks_store)
            .field("algorithm", &self.algorithm)
            .field("k", &self.k)
            .field("ann_threshold", &self.ann_threshold)
            .field("addr", &self.addr)
            .field("kakao_secret_header", &self.kakao_secret_header)
            .field("kakao_secret", &self.kakao_secret.as_ref().map(|_| "***"))
            .field("kakao_bot_ids", &self.kakao_bot_ids)
            .field("kakao_callback_hosts", &self.kakao_callback_hosts)
            .finish()
    }
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// The lake location: a folder, `file://…` or `s3://bucket/prefix`.
    pub lake: String,
    /// Where the stores live (flag/env, else file, else SQLite in the data folder).
    pub stores: soundalike_store::Locations,
    pub algorithm: Option<String>,
    pub k: usize,
    /// From this many artists on, similarity uses the IVF index instead of exact top-k.
    pub ann_threshold: usize,
    /// The file's server settings; flags and env override them in `commands::serve`.
    pub file: FileSettings,
}

pub const DEFAULT_K: usize = 10;

impl Settings {
    pub fn load(config: Option<&Path>, global: &crate::cli::GlobalArgs) -> anyhow::Result<Self> {
        let file = match config {
            Some(path) => read_file(path)?,
            None if Path::new("soundalike.toml").is_file() => {
                read_file(Path::new("soundalike.toml"))?
            }
            None => FileSettings::default(),
        };
        let data_dir = global
            .data_dir
            .clone()
            .or(file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("soundalike-data"));
        let stores = soundalike_store::Locations {
            store: global
                .store
                .clone()
                .or(file.store.clone())
                .unwrap_or_else(|| {
                    soundalike_store::Locations::sqlite(&data_dir.join("soundalike.sqlite")).store
                }),
            tracks: global.tracks_store.clone().or(file.tracks_store.clone()),
        };
        check_store_folder(&stores.store, &data_dir)?;
        Ok(Self {
            lake: global
                .lake
                .clone()
                .or(file.lake.clone())
                .unwrap_or_else(|| data_dir.join("lake").display().to_string()),
            data_dir,
            stores,
            algorithm: file.algorithm.clone(),
            k: file.k.unwrap_or(DEFAULT_K),
            ann_threshold: file
                .ann_threshold
                .unwrap_or(soundalike_similarity::ann::DEFAULT_THRESHOLD),
            file,
        })
    }

    /// The algorithm that answers: the flag (or `SOUNDALIKE_ALGORITHM`), else the file, else the
    /// default.
    pub fn algorithm(
        &self,
        flag: Option<&str>,
    ) -> anyhow::Result<soundalike_similarity::Algorithm> {
        match flag.or(self.algorithm.as_deref()) {
            Some(name) => Ok(name.parse()?),
            None => Ok(soundalike_similarity::Algorithm::DEFAULT),
        }
    }

    /// The local folder of the raw zone and crawl checkpoints: the lake itself when it is a
    /// folder, else `<data-dir>/lake` (tables then go to the object store, raw bodies stay local).
    pub fn raw_dir(&self) -> PathBuf {
        match soundalike_lake::Storage::local_folder(&self.lake) {
            Some(folder) => folder,
            None => self.data_dir.join("lake"),
        }
    }
}

/// An SQLite store's folder must exist, unless it is the data folder (made on first use): a
/// mistyped `--store sqlite:///x/y.db` must not create folders anywhere.
fn check_store_folder(url: &str, data_dir: &Path) -> anyhow::Result<()> {
    let Some(path) = url
        .strip_prefix("sqlite://")
        .filter(|p| !p.is_empty() && !p.contains('?') && !p.starts_with(':'))
    else {
        return Ok(());
    };
    let Some(folder) = Path::new(path)
        .parent()
        .filter(|f| !f.as_os_str().is_empty())
    else {
        return Ok(());
    };
    if folder.is_dir() || same_folder(folder, data_dir) {
        return Ok(());
    }
    anyhow::bail!(
        "the store's folder {} does not exist: create it, or choose another --store (only the data folder {} is created when missing)",
        folder.display(),
        data_dir.display()
    )
}

/// Whether two paths name the same folder, compared as written after removing `.` parts (the
/// data folder may not exist yet, so it cannot be canonicalised).
fn same_folder(a: &Path, b: &Path) -> bool {
    fn parts(p: &Path) -> Vec<std::path::Component<'_>> {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    }
    parts(a) == parts(b)
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid settings file {}", path.display()))
}
