//! The K-pop track table (jcgnacpil/KpopSongRecommender, 2021-09; bundled, MIT; data from the
//! Spotify Web API): the top 10 tracks of 1,338 artists found in Spotify K-pop playlists, with
//! audio features and popularity, but no release date, album, genre or playlist.
//!
//! Rows are read by header name, so column order is free. A track id seen twice keeps its first
//! row. A row without a track id or artist, or with a number that is not one, is skipped and
//! counted: it never stops the import. Artists get [`artist_id_for`] their name, as in the
//! TidyTuesday table, so an act present in both tables is one artist.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use flate2::read::GzDecoder;
use soundalike_core::names::{artist_id_for, normalize_name};
use soundalike_core::{Artist, AudioFeatures, Catalog, Track};

use crate::dataset::ImportError;

/// The bundled table, gzip-compressed (see `data/README.md` for origin and licence).
pub const BUNDLED_CSV_GZ: &[u8] =
    include_bytes!("../../../data/kpop_jcgnacpil_2021-09_tracks_top10_features.csv.gz");

/// Name of the bundled table, for reports.
pub const BUNDLED_NAME: &str = "bundled:kpop_jcgnacpil_2021-09/tracks_top10_features.csv";

/// A K-pop import: the tracks and artists read, and how many rows were skipped.
#[derive(Debug, Clone, Default)]
pub struct KpopImport {
    /// Artists and tracks (no memberships: the table has no playlists per track).
    pub catalog: Catalog,
    /// Rows that could not be read.
    pub skipped_rows: usize,
}

/// Import the bundled table.
pub fn import_bundled() -> Result<KpopImport, ImportError> {
    import_reader(GzDecoder::new(BUNDLED_CSV_GZ), BUNDLED_NAME)
}

/// Import a table in the K-pop table's layout (plain CSV).
pub fn import_reader(reader: impl Read, source: &str) -> Result<KpopImport, ImportError> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = csv
        .headers()
        .map_err(|e| ImportError::BadHeader(format!("{source}: {e}")))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
    };
    let required = ["artist", "track", "id"];
    let missing: Vec<String> = required
        .iter()
        .filter(|c| column(c).is_none())
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns(missing));
    }
    let [artist_col, track_col, id_col] = required.map(|c| column(c).expect("checked"));
    let features: [Option<usize>; 11] = [
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
    ]
    .map(column);
    let popularity_col = column("popularity");
    let duration_col = column("duration_ms");

    let mut out = KpopImport::default();
    let mut seen = HashSet::new();
    let mut artists: HashMap<String, Artist> = HashMap::new();
    for record in csv.records() {
        let Ok(record) = record else {
            out.skipped_rows += 1;
            continue;
        };
        let field = |c: Option<usize>| {
            c.and_then(|c| record.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "NA")
        };
        let (Some(id), Some(artist), title) = (
            field(Some(id_col)),
            field(Some(artist_col)),
            field(Some(track_col)),
        ) else {
            out.skipped_rows += 1;
            continue;
        };
        let float = |c: Option<usize>| field(c).map(str::parse::<f32>).transpose();
        let int = |c: Option<usize>| {
            field(c)
                .map(|v| v.parse::<f64>().map(|x| x as i64))
                .transpose()
        };
        let parsed = (|| -> Result<_, std::num::ParseFloatError> {
            Ok((
                AudioFeatures {
                    danceability: float(features[0])?,
                    energy: float(features[1])?,
                    key: int(features[2])?.map(|k| k as i32),
                    loudness: float(features[3])?,
                    mode: int(features[4])?.map(|m| m as i32),
                    speechiness: float(features[5])?,
                    acousticness: float(features[6])?,
                    instrumentalness: float(features[7])?,
                    liveness: float(features[8])?,
                    valence: float(features[9])?,
                    tempo: float(features[10])?,
                },
                int(popularity_col)?.map(|p| p.clamp(0, 100) as u8),
                int(duration_col)?.map(|d| d.clamp(0, u32::MAX as i64) as u32),
            ))
        })();
        let Ok((features, popularity, duration_ms)) = parsed else {
            out.skipped_rows += 1;
            continue;
        };
        if !seen.insert(id.to_string()) {
            continue;
        }
        let artist_id = artist_id_for(artist);
        artists
            .entry(artist_id.0.clone())
            .or_insert_with(|| Artist {
                id: artist_id.clone(),
                name: artist.to_string(),
                normalized_name: normalize_name(artist),
            });
        out.catalog.tracks.push(Track {
            id: id.to_string(),
            name: title.map(str::to_string),
            artist_id: Some(artist_id),
            popularity,
            album_id: None,
            album_name: None,
            release_date: None,
            duration_ms,
            features,
        });
    }
    out.catalog.artists = artists.into_values().collect();
    out.catalog.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_by_header_skips_bad_rows_and_repeats() {
        let csv = "track,artist,id,popularity,energy,tempo\n\
                   Palette,IU,t1,70,0.5,120.5\n\
                   Palette,IU,t1,70,0.5,120.5\n\
                   Broken,IU,t2,70,loud,120\n\
                   ,,t3,1,0.1,1\n\
                   Dynamite,BTS,t4,NA,0.76,114\n";
        let import = import_reader(csv.as_bytes(), "test").unwrap();
        assert_eq!(import.skipped_rows, 2);
        let ids: Vec<&str> = import
            .catalog
            .tracks
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, ["t1", "t4"]);
        assert_eq!(import.catalog.artists.len(), 2);
        assert_eq!(import.catalog.tracks[0].features.tempo, Some(120.5));
        assert_eq!(import.catalog.tracks[1].popularity, None);
        assert!(matches!(
            import_reader("name\nx\n".as_bytes(), "test"),
            Err(ImportError::MissingColumns(_))
        ));
    }

    #[test]
    fn the_bundled_table_has_the_big_acts() {
        let import = import_bundled().unwrap();
        assert!(import.catalog.tracks.len() > 11_000);
        assert!(import.catalog.artists.iter().any(|a| a.name == "IU"));
    }
}
