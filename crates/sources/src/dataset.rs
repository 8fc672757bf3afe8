//! The track-table importer: TidyTuesday 2020-01-21 "Spotify Songs" (bundled, MIT; data from the
//! Spotify Web API) or any CSV with the same columns.
//!
//! The table has one row per (playlist, track): a track in three playlists appears three times.
//! The importer keeps one track (the first row's values) and every distinct playlist membership.
//! Artists have no ids in the table, so each gets [`artist_id_for`] its normalised name.
//!
//! Reading rules: RFC-4180 quoting, `NA` or an empty field is a missing value, column order is
//! free and extra columns are ignored, a `.gz` file is decompressed. A row that cannot be read
//! (wrong field count, invalid UTF-8, a number that is not one, no track id) is skipped and listed
//! in [`ImportReport::bad_rows`] with its line; it never stops the import. A file without the
//! required header is an [`ImportError`].

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use soundalike_core::names::{artist_id_for, normalize_name};
use soundalike_core::{Artist, ArtistId, AudioFeatures, Catalog, PlaylistMembership, Track};

/// The bundled dataset, gzip-compressed (see `data/README.md` for origin and licence).
pub const BUNDLED_CSV_GZ: &[u8] =
    include_bytes!("../../../data/tidytuesday_2020-01-21_spotify_songs.csv.gz");

/// Name of the bundled dataset, for reports.
pub const BUNDLED_NAME: &str = "bundled:tidytuesday_2020-01-21_spotify_songs.csv";

/// The columns every input must have (any order).
pub const COLUMNS: [&str; 23] = [
    "track_id",
    "track_name",
    "track_artist",
    "track_popularity",
    "track_album_id",
    "track_album_name",
    "track_album_release_date",
    "playlist_name",
    "playlist_id",
    "playlist_genre",
    "playlist_subgenre",
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
];

/// Why a whole input could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The path or source name.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The input has no header line at all.
    #[error("the input is empty: expected a CSV header with the columns {}", COLUMNS.join(","))]
    Empty,
    /// The header is not valid CSV or not UTF-8.
    #[error("the header line cannot be read: {0}")]
    BadHeader(String),
    /// Required columns are missing from the header.
    #[error("the header lacks required column(s): {}", .0.join(", "))]
    MissingColumns(Vec<String>),
}

/// Why a row was skipped, as a stable name to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BadRowKind {
    /// More or fewer fields than the header (often an unbalanced quote).
    FieldCount,
    /// A field is not valid UTF-8.
    NotUtf8,
    /// A number field does not parse as its type (text, a negative count, out of range).
    BadNumber,
    /// A feature is NaN or infinite.
    NotFinite,
    /// No track id.
    MissingTrackId,
    /// An id field is not in its source's format (a Spotify URI that is not one).
    BadId,
    /// No name where a record is known by its name.
    MissingName,
}

impl BadRowKind {
    /// `field_count`, `not_utf8`, `bad_number`, `not_finite`, `missing_track_id`, `bad_id` or
    /// `missing_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            BadRowKind::FieldCount => "field_count",
            BadRowKind::NotUtf8 => "not_utf8",
            BadRowKind::BadNumber => "bad_number",
            BadRowKind::NotFinite => "not_finite",
            BadRowKind::MissingTrackId => "missing_track_id",
            BadRowKind::BadId => "bad_id",
            BadRowKind::MissingName => "missing_name",
        }
    }
}

impl std::fmt::Display for BadRowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row that was skipped, with where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based line where the row starts (the header is line 1).
    pub line: u64,
    /// 1-based line where the row ends; more than `line` when a quote swallowed line breaks.
    pub end_line: u64,
    /// Why, to count by.
    pub kind: BadRowKind,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.end_line > self.line {
            write!(f, "lines {}-{}: {}", self.line, self.end_line, self.reason)
        } else {
            write!(f, "line {}: {}", self.line, self.reason)
        }
    }
}

/// What an import read and what it skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Where the data came from.
    pub source: String,
    /// Data rows read (good and bad).
    pub rows: u64,
    /// Rows skipped, in file order.
    pub bad_rows: Vec<BadRow>,
    /// Good rows whose track id was already seen (another playlist of the same track).
    pub repeated_track_rows: u64,
    /// Tracks the source names no artist for (kept, with no artist).
    pub tracks_without_artist: u64,
}

impl ImportReport {
    /// Bad rows counted by why, most frequent first (ties by name).
    pub fn bad_rows_by_kind(&self) -> Vec<(BadRowKind, u64)> {
        let mut counts = std::collections::BTreeMap::new();
        for row in &self.bad_rows {
            *counts.entry(row.kind).or_insert(0u64) += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
        counts
    }
}

/// An import's result: the catalog and the report.
#[derive(Debug, Clone)]
pub struct Import {
    /// What was read.
    pub catalog: Catalog,
    /// How reading went.
    pub report: ImportReport,
}

/// Import the bundled dataset.
pub fn import_bundled() -> Result<Import, ImportError> {
    import_reader(GzDecoder::new(BUNDLED_CSV_GZ), BUNDLED_NAME)
}

/// Import a CSV file (plain or gzip, detected by its first bytes).
pub fn import_path(path: &Path) -> Result<Import, ImportError> {
    let io_err = |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut file = BufReader::new(File::open(path).map_err(io_err)?);
    let mut magic = [0u8; 2];
    let gz = match file.get_mut().read(&mut magic) {
        Ok(2) => magic == [0x1f, 0x8b],
        Ok(_) => false,
        Err(e) => return Err(io_err(e)),
    };
    let file = File::open(path).map_err(io_err)?;
    let name = path.display().to_string();
    if gz {
        import_reader(GzDecoder::new(BufReader::new(file)), &name)
    } else {
        import_reader(BufReader::new(file), &name)
    }
}

/// Column positions of the required fields.
struct Layout(Vec<usize>);

impl Layout {
    fn from_header(header: &csv::ByteRecord, columns: &[&str]) -> Result<Self, ImportError> {
        let names = header
            .iter()
            .map(|f| {
                std::str::from_utf8(f)
                    .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
                    .map_err(|_| ImportError::BadHeader("not UTF-8".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut positions = Vec::with_capacity(columns.len());
        let mut missing = Vec::new();
        for column in columns {
            match names.iter().position(|n| n == column) {
                Some(p) => positions.push(p),
                None => missing.push(column.to_string()),
            }
        }
        if missing.is_empty() {
            Ok(Layout(positions))
        } else {
            Err(ImportError::MissingColumns(missing))
        }
    }
}

/// Why a row is bad: its kind and a message.
pub(crate) type Bad = (BadRowKind, String);

/// One row's typed fields in the reader's column order, all optional (missing is `NA` or empty).
pub(crate) struct Row<'a> {
    pub(crate) fields: Vec<Option<&'a str>>,
    columns: &'static [&'static str],
}

impl Row<'_> {
    pub(crate) fn text(&self, column: usize) -> Option<String> {
        self.fields[column].map(str::to_string)
    }

    pub(crate) fn number<T: std::str::FromStr>(&self, column: usize) -> Result<Option<T>, Bad> {
        match self.fields[column] {
            None => Ok(None),
            Some(raw) => raw.parse::<T>().map(Some).or_else(|_| {
                // R and pandas write some integers as doubles ("1.9e5", "66.0").
                raw.parse::<f64>()
                    .ok()
                    .filter(|v| v.fract() == 0.0)
                    .and_then(|v| format!("{v}").parse::<T>().ok())
                    .map(Some)
                    .ok_or_else(|| {
                        let shown: String = raw.chars().take(40).collect();
                        (
                            BadRowKind::BadNumber,
                            format!(
                                "column {} is not a valid number: {shown:?}",
                                self.columns[column]
                            ),
                        )
                    })
            }),
        }
    }

    pub(crate) fn float(&self, column: usize) -> Result<Option<f32>, Bad> {
        let value = self.number::<f32>(column)?;
        match value {
            Some(v) if !v.is_finite() => Err((
                BadRowKind::NotFinite,
                format!("column {} is not a finite number", self.columns[column]),
            )),
            _ => Ok(value),
        }
    }
}

struct Builder {
    catalog: Catalog,
    /// Track ids seen, numbered in first-seen order (each id stored once).
    tracks: HashMap<String, u32>,
    /// Playlist ids seen, numbered likewise.
    playlists: HashMap<String, u32>,
    /// (playlist, track) numbers of the memberships kept.
    seen_memberships: HashSet<(u32, u32)>,
    /// normalised name → the artist's id and its spellings (spelling → (count, first row)).
    spellings: HashMap<String, Spellings>,
}

struct Spellings {
    id: ArtistId,
    counts: HashMap<String, (u64, u64)>,
}

/// The number of `key` in `seen` (a new one when absent) and whether it was new.
fn number(seen: &mut HashMap<String, u32>, key: &str) -> (u32, bool) {
    match seen.get(key) {
        Some(&n) => (n, false),
        None => {
            let n = seen.len() as u32;
            seen.insert(key.to_string(), n);
            (n, true)
        }
    }
}

impl Builder {
    fn add(&mut self, row: &Row<'_>, report: &mut ImportReport) -> Result<(), Bad> {
        let row_number = report.rows;
        let track_id = row.text(0).ok_or((
            BadRowKind::MissingTrackId,
            "track_id is missing".to_string(),
        ))?;
        let features = AudioFeatures {
            danceability: row.float(11)?,
            energy: row.float(12)?,
            key: row.number(13)?,
            loudness: row.float(14)?,
            mode: row.number(15)?,
            speechiness: row.float(16)?,
            acousticness: row.float(17)?,
            instrumentalness: row.float(18)?,
            liveness: row.float(19)?,
            valence: row.float(20)?,
            tempo: row.float(21)?,
        };
        let popularity: Option<u8> = row.number(3)?;
        let duration_ms: Option<u32> = row.number(22)?;

        // Everything parsed: only now may the row change the catalog.
        let (track, new_track) = number(&mut self.tracks, &track_id);
        if let Some(playlist_id) = row.fields[8] {
            let (playlist, _) = number(&mut self.playlists, playlist_id);
            if self.seen_memberships.insert((playlist, track)) {
                self.catalog.memberships.push(PlaylistMembership {
                    playlist_id: playlist_id.to_string(),
                    playlist_name: row.text(7),
                    genre: row.text(9),
                    subgenre: row.text(10),
                    track_id: track_id.clone(),
                });
            }
        }
        if !new_track {
            report.repeated_track_rows += 1;
            return Ok(());
        }
        let artist_name = row.fields[2].map(soundalike_core::names::collapse_whitespace);
        let artist_id = match artist_name.filter(|n| !n.is_empty()) {
            Some(name) => {
                let key = normalize_name(&name);
                // The id of the normalised name (normalising is idempotent): once per artist.
                let artist = self
                    .spellings
                    .entry(key)
                    .or_insert_with_key(|key| Spellings {
                        id: artist_id_for(key),
                        counts: HashMap::new(),
                    });
                artist.counts.entry(name).or_insert((0, row_number)).0 += 1;
                Some(artist.id.clone())
            }
            None => {
                report.tracks_without_artist += 1;
                None
            }
        };
        self.catalog.tracks.push(Track {
            id: track_id,
            name: row.text(1),
            artist_id,
            popularity,
            album_id: row.text(4),
            album_name: row.text(5),
            release_date: row.text(6),
            duration_ms,
            features,
        });
        Ok(())
    }

    fn finish(mut self, report: ImportReport) -> Import {
        for (key, spellings) in self.spellings {
            let (name, _) = spellings
                .counts
                .into_iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
                .expect("an artist has at least one spelling");
            self.catalog.artists.push(Artist {
                id: spellings.id,
                name,
                normalized_name: key,
            });
        }
        self.catalog.sort();
        Import {
            catalog: self.catalog,
            report,
        }
    }
}

/// Import from any reader; `source` names it in the report.
pub fn import_reader(reader: impl Read, source: &str) -> Result<Import, ImportError> {
    let mut builder = Builder {
        catalog: Catalog::default(),
        tracks: HashMap::new(),
        playlists: HashMap::new(),
        seen_memberships: HashSet::new(),
        spellings: HashMap::new(),
    };
    let report = read_table(reader, source, &COLUMNS, |row, report| {
        builder.add(row, report)
    })?;
    Ok(builder.finish(report))
}

/// The reading rules every track-table reader shares: the header names `columns` (any order,
/// extra columns ignored), each data row is handed to `add` with its fields in `columns` order
/// (`NA` or blank is missing); a row with the wrong field count, invalid UTF-8 or an `add` error
/// is listed in the report with its lines and never stops the import.
pub(crate) fn read_table(
    reader: impl Read,
    source: &str,
    columns: &'static [&'static str],
    mut add: impl FnMut(&Row<'_>, &mut ImportReport) -> Result<(), Bad>,
) -> Result<ImportReport, ImportError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let header_read = csv
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(e, source))?;
    if !header_read || (record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)) {
        return Err(if columns == COLUMNS {
            ImportError::Empty
        } else {
            ImportError::MissingColumns(columns.iter().map(|c| c.to_string()).collect())
        });
    }
    let layout = Layout::from_header(&record, columns)?;
    let width = record.len();
    let mut report = ImportReport {
        source: source.to_string(),
        ..Default::default()
    };
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, source)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let end_line = line + record.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line is not a row
        }
        report.rows += 1;
        let outcome = if record.len() != width {
            Err((
                BadRowKind::FieldCount,
                format!(
                    "expected {width} fields, found {} (an unbalanced quote?)",
                    record.len()
                ),
            ))
        } else {
            read_fields(&record, &layout, columns)
                .and_then(|fields| add(&Row { fields, columns }, &mut report))
        };
        if let Err((kind, reason)) = outcome {
            tracing::warn!(source, line, %reason, "skipping bad row");
            report.bad_rows.push(BadRow {
                line,
                end_line,
                kind,
                reason,
            });
        }
    }
    Ok(report)
}

fn read_fields<'r>(
    record: &'r csv::ByteRecord,
    layout: &Layout,
    columns: &[&str],
) -> Result<Vec<Option<&'r str>>, Bad> {
    layout
        .0
        .iter()
        .zip(columns)
        .map(|(&position, column)| {
            let raw = std::str::from_utf8(&record[position]).map_err(|_| {
                (
                    BadRowKind::NotUtf8,
                    format!("column {column} is not valid UTF-8"),
                )
            })?;
            // Values are kept byte for byte; only `NA` and blank mean missing.
            Ok((!raw.trim().is_empty() && raw != "NA").then_some(raw))
        })
        .collect()
}

fn csv_error(error: csv::Error, source: &str) -> ImportError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => ImportError::Io {
            path: source.to_string(),
            source: e,
        },
        other => ImportError::BadHeader(format!("{other:?}")),
    }
}
