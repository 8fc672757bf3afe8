//! The batch pipeline: import datasets (every bundled one, merged, by default; see
//! `soundalike_sources::bundled`) → write them to the lake → read the lake back → build
//! profiles → compute every algorithm's top-k neighbours → publish to the store.
//!
//! **Invariant:** the lake is the source of truth downstream of import: similarity is computed
//! from what the lake holds, never from the importer's in-memory copy, so a re-run from the lake
//! gives the same mart.
//! **Invariant:** each stage either completes or leaves the previous good state: lake partitions
//! are replaced by rename, the store publishes in one transaction.
#![deny(missing_docs)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use soundalike_core::Catalog;
use soundalike_lake::{Lake, Partition};
use soundalike_similarity::ann::Strategy;
use soundalike_similarity::{Algorithm, Neighbour, Profiles};
use soundalike_sources::bundled::{self, DatasetImport, MergeReport};
use soundalike_sources::dataset::{self, BadRow, ImportReport};
use soundalike_store::{Locations, Mart, MartRow};

/// A pipeline failure: which stage, and why.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Import failed as a whole.
    #[error("import")]
    Import(#[from] dataset::ImportError),
    /// A bundled dataset is unknown or failed as a whole.
    #[error("import")]
    Bundled(#[from] bundled::BundledError),
    /// The lake failed.
    #[error("lake")]
    Lake(#[from] soundalike_lake::LakeError),
    /// The store failed.
    #[error("store")]
    Store(#[from] soundalike_store::StoreError),
    /// A worker thread died.
    #[error("a pipeline stage panicked: {0}")]
    Panicked(String),
    /// The input would replace good data with much less: nothing was written.
    #[error("publish guard")]
    Guard(#[from] GuardError),
}

/// Why a run stopped before writing anything: its input is empty or far smaller than what is
/// served now. The lake and the store keep the last good data.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// No row of the input could be used.
    #[error(
        "{input} yielded no valid rows ({rows} read, {bad} bad{reasons}); nothing was published, the last good data stays served"
    )]
    NoValidRows {
        /// The input.
        input: String,
        /// Rows read.
        rows: u64,
        /// Rows skipped.
        bad: usize,
        /// `: 3 field_count, 2 bad_number` or empty.
        reasons: String,
    },
    /// The new catalog is smaller than the configured share of the last publish.
    #[error(
        "the new catalog has {artists} artists and {tracks} tracks, below {share:.0}% of what is served now ({last_artists} artists, {last_tracks} tracks); nothing was published, the last good data stays served (pass --allow-shrink to publish it anyway)"
    )]
    Shrunk {
        /// Artists in the new catalog.
        artists: usize,
        /// Tracks in the new catalog.
        tracks: usize,
        /// The last publish's artists (the largest current mart's).
        last_artists: i64,
        /// Tracks the store holds.
        last_tracks: i64,
        /// The share required, in percent.
        share: f64,
    },
}

/// When a run may replace what is served.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guard {
    /// The new catalog must have at least this share of the last publish's artists and tracks
    /// (0.5: half). An empty input is refused whatever the share.
    pub min_share: f64,
    /// Publish even when the catalog shrank past `min_share`.
    pub allow_shrink: bool,
}

/// The share of the last publish a new catalog must reach by default.
pub const DEFAULT_MIN_SHARE: f64 = 0.5;

impl Default for Guard {
    fn default() -> Self {
        Self {
            min_share: DEFAULT_MIN_SHARE,
            allow_shrink: false,
        }
    }
}

impl Guard {
    /// Check a catalog read from `input` against what the store serves now.
    async fn check(
        &self,
        catalog: &Catalog,
        input: &[DatasetImport],
        stores: &Locations,
    ) -> Result<(), PipelineError> {
        let with_artist = catalog
            .tracks
            .iter()
            .filter(|t| t.artist_id.is_some())
            .count();
        if catalog.artists.is_empty() || with_artist == 0 {
            let report = ImportReport {
                bad_rows: input
                    .iter()
                    .flat_map(|d| d.report.bad_rows.iter().cloned())
                    .collect(),
                ..ImportReport::default()
            };
            let reasons = report
                .bad_rows_by_kind()
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(GuardError::NoValidRows {
                input: input
                    .iter()
                    .map(|d| d.report.source.as_str())
                    .collect::<Vec<_>>()
                    .join(" + "),
                rows: input.iter().map(|d| d.report.rows).sum(),
                bad: report.bad_rows.len(),
                reasons: if reasons.is_empty() {
                    reasons
                } else {
                    format!(": {reasons}")
                },
            }
            .into());
        }
        if self.allow_shrink {
            return Ok(());
        }
        let store = soundalike_store::Store::open_url(&stores.store).await?;
        let last_artists = store.marts().await?.iter().map(|m| m.artists).max();
        let (_, last_tracks, _, _) = store.counts().await?;
        store.close().await;
        let Some(last_artists) = last_artists else {
            return Ok(()); // nothing published yet
        };
        let below = |new: usize, last: i64| (new as f64) < self.min_share * last as f64;
        if below(catalog.artists.len(), last_artists) || below(catalog.tracks.len(), last_tracks) {
            return Err(GuardError::Shrunk {
                artists: catalog.artists.len(),
                tracks: catalog.tracks.len(),
                last_artists,
                last_tracks,
                share: self.min_share * 100.0,
            }
            .into());
        }
        Ok(())
    }
}

/// Where the pipeline reads from.
#[derive(Debug, Clone)]
pub enum Input {
    /// The bundled datasets with these registry names (`soundalike_sources::bundled::DATASETS`),
    /// merged; every one when empty.
    Bundled(Vec<String>),
    /// A CSV file in the bundled layout.
    Dataset(PathBuf),
    /// Whatever the lake already holds (its newest complete partition), e.g. after
    /// `soundalike ingest`: the import and lake-write stages are skipped.
    Lake,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Input.
    pub input: Input,
    /// Lake location: a folder, `file://…` or `s3://bucket/prefix` (see `soundalike_lake::Storage`).
    pub lake: String,
    /// Where to publish: the relational store and the top-tracks store.
    pub stores: Locations,
    /// Algorithms to publish.
    pub algorithms: Vec<Algorithm>,
    /// Neighbours per artist.
    pub k: usize,
    /// Exact or approximate top-k, by catalog size.
    pub strategy: Strategy,
    /// Lake partition to write.
    pub partition: Partition,
    /// Draw progress on the terminal.
    pub progress: bool,
    /// When the run may replace what is served.
    pub guard: Guard,
}

/// One published mart.
#[derive(Debug, Clone, PartialEq)]
pub struct MartSummary {
    /// Algorithm.
    pub algorithm: String,
    /// Store version.
    pub version: i64,
    /// Rows.
    pub rows: usize,
    /// Share of artists with k neighbours.
    pub coverage: f64,
}

impl Input {
    /// Every bundled dataset.
    pub fn bundled() -> Self {
        Input::Bundled(Vec::new())
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Each input's report (rows, bad rows...) and counts, in merge order; one "lake" entry
    /// with no rows for [`Input::Lake`].
    pub datasets: Vec<DatasetImport>,
    /// What the same tracks and artists in several datasets merged into.
    pub merge: MergeReport,
    /// Artists, tracks and playlist memberships in the catalog.
    pub artists: usize,
    /// Tracks.
    pub tracks: usize,
    /// Playlist memberships.
    pub memberships: usize,
    /// Lake partition written.
    pub partition: Partition,
    /// Bytes written to the lake.
    pub lake_bytes: u64,
    /// Marts published.
    pub marts: Vec<MartSummary>,
    /// Wall time per stage, in order.
    pub stages: Vec<(String, Duration)>,
}

impl Summary {
    /// The bad rows of every input, with the input's name, for reporting.
    pub fn bad_rows(&self) -> impl Iterator<Item = (&str, &BadRow)> {
        self.datasets
            .iter()
            .flat_map(|d| d.report.bad_rows.iter().map(move |b| (d.name.as_str(), b)))
    }

    /// Data rows read over every input.
    pub fn rows(&self) -> u64 {
        self.datasets.iter().map(|d| d.report.rows).sum()
    }
}

struct Stages {
    bar: ProgressBar,
    times: Vec<(String, Duration)>,
    started: Instant,
    total: usize,
}

impl Stages {
    fn new(progress: bool, total: usize) -> Self {
        let bar = if progress {
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            )
            .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self {
            bar,
            times: Vec::new(),
            started: Instant::now(),
            total,
        }
    }

    fn start(&mut self, name: &str) {
        self.started = Instant::now();
        self.bar.set_message(name.to_string());
        tracing::info!(stage = name, "stage started");
    }

    fn done(&mut self, name: &str) {
        let took = self.started.elapsed();
        tracing::info!(stage = name, ms = took.as_millis() as u64, "stage done");
        self.times.push((name.to_string(), took));
        self.bar.inc(1);
        if self.times.len() == self.total {
            self.bar.finish_and_clear();
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PipelineError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PipelineError::Panicked(e.to_string()))
}

/// Run the pipeline.
pub async fn run(options: Options) -> Result<Summary, PipelineError> {
    let from_lake = matches!(options.input, Input::Lake);
    let fixed_stages = if from_lake { 2 } else { 4 };
    let mut stages = Stages::new(options.progress, fixed_stages + options.algorithms.len());
    let lake = Lake::open(&options.lake)?;

    let (datasets, merge, lake_bytes, partition) = if from_lake {
        let partition = lake
            .latest_complete_partition()
            .await?
            .ok_or_else(|| soundalike_lake::LakeError::Empty(lake.storage().url().to_string()))?;
        let name = format!("lake {}", lake.storage().url());
        let input = DatasetImport {
            report: ImportReport {
                source: name.clone(),
                ..ImportReport::default()
            },
            name,
            artists: 0,
            tracks: 0,
        };
        (vec![input], MergeReport::default(), 0, partition)
    } else {
        stages.start("import");
        let input = options.input.clone();
        let imported = blocking(move || -> Result<_, PipelineError> {
            Ok(match input {
                Input::Bundled(names) => bundled::import(&names)?,
                Input::Dataset(path) => {
                    let import = dataset::import_path(&path)?;
                    bundled::Merged {
                        datasets: vec![DatasetImport {
                            name: path.display().to_string(),
                            report: import.report,
                            artists: import.catalog.artists.len(),
                            tracks: import.catalog.tracks.len(),
                        }],
                        catalog: import.catalog,
                        merge: MergeReport::default(),
                    }
                }
                Input::Lake => unreachable!("handled above"),
            })
        })
        .await??;
        stages.done("import");
        // Before the lake write: a refused input leaves the lake's partition as it was too.
        options
            .guard
            .check(&imported.catalog, &imported.datasets, &options.stores)
            .await?;

        stages.start("lake write");
        let (lake, partition) = (lake.clone(), options.partition);
        // Parquet encoding is CPU work: keep it off the async workers.
        let bundled::Merged {
            catalog,
            datasets,
            merge,
        } = imported;
        let lake_bytes = blocking(move || {
            tokio::runtime::Handle::current().block_on(lake.write_catalog(partition, &catalog))
        })
        .await??;
        stages.done("lake write");
        (datasets, merge, lake_bytes, options.partition)
    };

    stages.start("lake read");
    let catalog = blocking(move || {
        tokio::runtime::Handle::current().block_on(lake.read_catalog(Some(partition)))
    })
    .await??;
    stages.done("lake read");
    if from_lake {
        options
            .guard
            .check(&catalog, &datasets, &options.stores)
            .await?;
    }

    stages.start("profiles");
    let (catalog, profiles) = blocking(move || {
        let profiles = Profiles::build(&catalog);
        (catalog, profiles)
    })
    .await?;
    stages.done("profiles");

    let catalog = std::sync::Arc::new(catalog);
    let profiles = std::sync::Arc::new(profiles);
    let mut marts = Vec::new();
    for &algorithm in &options.algorithms {
        let stage = format!("similarity ({algorithm})");
        stages.start(&stage);
        let (c, p, k, strategy) = (
            catalog.clone(),
            profiles.clone(),
            options.k,
            options.strategy,
        );
        let mart = blocking(move || {
            let embedding = algorithm.embed(&p);
            let method = strategy.method(&embedding);
            tracing::info!(%algorithm, ?method, "top-k");
            let mut lists = strategy.top_k_all(&embedding, k);
            if algorithm == Algorithm::Hybrid && !c.related.is_empty() {
                soundalike_similarity::related::lead_with_named(
                    &embedding,
                    &mut lists,
                    &related_indices(&c),
                    k,
                );
            }
            to_mart(&c, algorithm, k, &lists)
        })
        .await?;
        stages.done(&stage);
        marts.push(mart);
    }

    stages.start("publish");
    let stores = options.stores.open().await?;
    // Tracks first: once the new mart is current, its artists' tracks are already readable.
    stores.tracks.publish(&catalog).await?;
    let report = stores.store.publish(&catalog, &marts).await?;
    stores.close().await;
    stages.done("publish");

    let n = catalog.artists.len().max(1) as f64;
    Ok(Summary {
        datasets,
        merge,
        artists: catalog.artists.len(),
        tracks: catalog.tracks.len(),
        memberships: catalog.memberships.len(),
        partition,
        lake_bytes,
        marts: marts
            .iter()
            .zip(&report.marts)
            .map(|(mart, (algorithm, version, rows))| {
                let full = count_full_lists(mart);
                MartSummary {
                    algorithm: algorithm.clone(),
                    version: *version,
                    rows: *rows,
                    coverage: full as f64 / n,
                }
            })
            .collect(),
        stages: stages.times,
    })
}

fn count_full_lists(mart: &Mart) -> usize {
    mart.rows
        .iter()
        .filter(|r| r.rank as usize == mart.k)
        .count()
}

/// Per artist, the catalog indices of the artists live sources name as related to it.
fn related_indices(catalog: &Catalog) -> Vec<Vec<u32>> {
    let index = catalog.artist_index();
    let mut named = vec![Vec::new(); catalog.artists.len()];
    for edge in &catalog.related {
        if let (Some(&a), Some(&o)) = (index.get(&edge.artist_id), index.get(&edge.other_id)) {
            named[a].push(o as u32);
        }
    }
    named
}

/// Neighbour lists as mart rows, ranks from 1.
pub fn to_mart(
    catalog: &Catalog,
    algorithm: Algorithm,
    k: usize,
    lists: &[Vec<Neighbour>],
) -> Mart {
    let rows = lists
        .iter()
        .enumerate()
        .flat_map(|(a, list)| {
            list.iter().enumerate().map(move |(r, n)| MartRow {
                artist_id: catalog.artists[a].id.clone(),
                other_id: catalog.artists[n.index as usize].id.clone(),
                rank: r as u32 + 1,
                score: n.score,
            })
        })
        .collect();
    Mart {
        algorithm: algorithm.name().to_string(),
        k,
        rows,
    }
}
