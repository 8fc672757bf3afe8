//! Settings in layers: built-in defaults, then `soundalike.toml`, then `SOUNDALIKE_*` variables,
//! then flags (clap folds the last two together).

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The optional settings file. Unknown keys are an error, so a typo fails at startup.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub data_dir: Option<PathBuf>,
    pub algorithm: Option<String>,
    pub k: Option<usize>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub algorithm: Option<String>,
    pub k: usize,
}

pub const DEFAULT_K: usize = 10;

impl Settings {
    pub fn load(config: Option<&Path>, data_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let file = match config {
            Some(path) => read_file(path)?,
            None if Path::new("soundalike.toml").is_file() => {
                read_file(Path::new("soundalike.toml"))?
            }
            None => FileSettings::default(),
        };
        Ok(Self {
            data_dir: data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("soundalike-data")),
            algorithm: file.algorithm,
            k: file.k.unwrap_or(DEFAULT_K),
        })
    }

    pub fn lake_dir(&self) -> PathBuf {
        self.data_dir.join("lake")
    }

    pub fn store_path(&self) -> PathBuf {
        self.data_dir.join("soundalike.sqlite")
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid settings file {}", path.display()))
}
