//! The K-pop track table (jcgnacpil/KpopSongRecommender, 2021-09; bundled, MIT; data from the
//! Spotify Web API): the top 10 tracks of 1,338 artists found in Spotify K-pop playlists, with
//! audio features, popularity and Spotify artist ids, but no release date, album, genre or
//! playlist.
//!
//! The reading rules are the TidyTuesday importer's ([`crate::dataset`]): columns by header name,
//! `NA` or blank is missing, a bad row is listed in the report with its line and never stops the
//! import. A track id seen twice keeps its first row. Artists get [`artist_id_for`] their name, as
//! in the TidyTuesday table, and their Spotify id (`artist_uri`) as a `spotify` source id, which
//! is what merging datasets matches first (see [`crate::bundled`]). An artist column names the
//! act whose top 10 the row is, Korean or not: which acts are Korean is decided by
//! [`crate::bundled::korean_acts`], not by the table.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use flate2::read::GzDecoder;
use soundalike_core::names::{artist_id_for, collapse_whitespace, normalize_name};
use soundalike_core::{Artist, AudioFeatures, Catalog, SourceId, Track};

use crate::dataset::{BadRowKind, Import, ImportError, read_table};

/// The bundled table, gzip-compressed (see `data/README.md` for origin and licence).
pub const BUNDLED_CSV_GZ: &[u8] =
    include_bytes!("../../../data/kpop_jcgnacpil_2021-09_tracks_top10_features.csv.gz");

/// Name of the bundled table, for reports.
pub const BUNDLED_NAME: &str = "bundled:kpop_jcgnacpil_2021-09/tracks_top10_features.csv";

/// The columns the reader uses (any order; others are ignored).
pub const COLUMNS: [&str; 18] = [
    "id",
    "track",
    "artist",
    "artist_uri",
    "popularity",
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
    "track_uri",
];

/// Import the bundled table.
pub fn import_bundled() -> Result<Import, ImportError> {
    import_reader(GzDecoder::new(BUNDLED_CSV_GZ), BUNDLED_NAME)
}

/// Import a table in the K-pop table's layout (plain CSV).
pub fn import_reader(reader: impl Read, source: &str) -> Result<Import, ImportError> {
    let mut catalog = Catalog::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut artists: HashMap<String, (Artist, Option<String>)> = HashMap::new();
    let report = read_table(reader, source, &COLUMNS, |row, report| {
        // A row without audio features has no `id`, but still its `track_uri`.
        let id = row
            .text(0)
            .or_else(|| {
                row.fields[17]
                    .and_then(|uri| uri.strip_prefix("spotify:track:"))
                    .map(str::to_string)
            })
            .ok_or((
                BadRowKind::MissingTrackId,
                "id and track_uri (the track id) are missing".to_string(),
            ))?;
        let features = AudioFeatures {
            danceability: row.float(5)?,
            energy: row.float(6)?,
            key: row.number(7)?,
            loudness: row.float(8)?,
            mode: row.number(9)?,
            speechiness: row.float(10)?,
            acousticness: row.float(11)?,
            instrumentalness: row.float(12)?,
            liveness: row.float(13)?,
            valence: row.float(14)?,
            tempo: row.float(15)?,
        };
        let popularity: Option<u8> = row.number(4)?;
        let duration_ms: Option<u32> = row.number(16)?;
        let spotify_id = match row.fields[3] {
            None => None,
            Some(uri) => Some(spotify_artist_id(uri).ok_or_else(|| {
                let shown: String = uri.chars().take(60).collect();
                (
                    BadRowKind::BadId,
                    format!("artist_uri is not a Spotify artist URI: {shown:?}"),
                )
            })?),
        };
        // Everything parsed: only now may the row change the catalog.
        if !seen.insert(id.clone()) {
            report.repeated_track_rows += 1;
            return Ok(());
        }
        let name = row.fields[2]
            .map(collapse_whitespace)
            .filter(|n| !n.is_empty());
        let artist_id = match name {
            Some(name) => {
                let key = normalize_name(&name);
                let (artist, _) = artists.entry(key).or_insert_with_key(|key| {
                    (
                        Artist {
                            id: artist_id_for(key),
                            name,
                            normalized_name: key.clone(),
                        },
                        spotify_id,
                    )
                });
                Some(artist.id.clone())
            }
            None => {
                report.tracks_without_artist += 1;
                None
            }
        };
        catalog.tracks.push(Track {
            id,
            name: row.text(1),
            artist_id,
            popularity,
            album_id: None,
            album_name: None,
            release_date: None,
            duration_ms,
            features,
        });
        Ok(())
    })?;
    for (artist, spotify_id) in artists.into_values() {
        if let Some(source_id) = spotify_id {
            catalog.source_ids.push(SourceId {
                artist_id: artist.id.clone(),
                source: "spotify".into(),
                source_id,
            });
        }
        catalog.artists.push(artist);
    }
    catalog.sort();
    Ok(Import { catalog, report })
}

/// `spotify:artist:<id>` (or a bare base-62 id) → the id.
fn spotify_artist_id(uri: &str) -> Option<String> {
    let id = uri.strip_prefix("spotify:artist:").unwrap_or(uri);
    (id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "artist,artist_uri,track,track_uri,popularity,danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,id,duration_ms\n";

    #[test]
    fn reads_by_header_and_lists_bad_rows_with_their_lines() {
        let csv = format!(
            "{HEADER}\
             IU,spotify:artist:3HqSLMAZ3g3d5poNaI7GOU,Palette,,70,0.5,0.5,1,-5,1,0.1,0.1,0,0.1,0.5,120.5,t1,200000\n\
             IU,spotify:artist:3HqSLMAZ3g3d5poNaI7GOU,Palette,,70,0.5,0.5,1,-5,1,0.1,0.1,0,0.1,0.5,120.5,t1,200000\n\
             IU,spotify:artist:3HqSLMAZ3g3d5poNaI7GOU,Broken,,70,0.5,loud,1,-5,1,0.1,0.1,0,0.1,0.5,120,t2,1\n\
             BTS,spotify:artist:nope,Dynamite,,86,0.7,0.7,1,-5,1,0.1,0.1,0,0.1,0.5,114,t3,1\n\
             ,,,spotify:track:t4,1,0.1,0.1,1,-5,1,0.1,0.1,0,0.1,0.5,1,,1\n\
             BTS,spotify:artist:3Nrfpe0tUJi4K4DXYWgMUX,Dynamite,spotify:track:t5,NA,0.7,0.7,1,-5,1,0.1,0.1,0,0.1,0.5,114,t5,1\n\
             too,few\n"
        );
        let import = import_reader(csv.as_bytes(), "test").unwrap();
        let report = &import.report;
        assert_eq!(report.rows, 7);
        let bad: Vec<(u64, BadRowKind)> =
            report.bad_rows.iter().map(|b| (b.line, b.kind)).collect();
        assert_eq!(
            bad,
            [
                (4, BadRowKind::BadNumber),
                (5, BadRowKind::BadId),
                (8, BadRowKind::FieldCount)
            ]
        );
        assert_eq!(report.repeated_track_rows, 1);
        assert_eq!(report.tracks_without_artist, 1);
        // Nothing lost: every row is a kept track, a repeat or a listed bad row.
        assert_eq!(
            import.catalog.tracks.len() as u64
                + report.repeated_track_rows
                + report.bad_rows.len() as u64,
            report.rows
        );
        let ids: Vec<&str> = import
            .catalog
            .tracks
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(ids, ["t1", "t4", "t5"]);
        assert_eq!(import.catalog.tracks[0].features.tempo, Some(120.5));
        assert_eq!(import.catalog.tracks[0].duration_ms, Some(200_000));
        assert_eq!(import.catalog.tracks[2].popularity, None);
        assert_eq!(import.catalog.artists.len(), 2);
        let spotify: Vec<&str> = import
            .catalog
            .source_ids
            .iter()
            .map(|s| s.source_id.as_str())
            .collect();
        assert_eq!(spotify.len(), 2);
        assert!(spotify.contains(&"3HqSLMAZ3g3d5poNaI7GOU"));
        assert!(matches!(
            import_reader("name\nx\n".as_bytes(), "test"),
            Err(ImportError::MissingColumns(_))
        ));
        assert!(matches!(
            import_reader("".as_bytes(), "test"),
            Err(ImportError::MissingColumns(c)) if c.len() == COLUMNS.len()
        ));
    }

    #[test]
    fn the_bundled_table_reads_whole() {
        let import = import_bundled().unwrap();
        let report = &import.report;
        assert_eq!(report.rows, 11_850);
        assert!(report.bad_rows.is_empty(), "{:?}", report.bad_rows);
        assert_eq!(
            import.catalog.tracks.len(),
            11_367,
            "11,366 ids and a row with only its track_uri"
        );
        assert!(import.catalog.artists.iter().any(|a| a.name == "IU"));
        assert!(import.catalog.source_ids.len() >= 1_330);
    }
}
