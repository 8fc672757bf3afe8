//! The importer on good, repeated and malformed input.

use std::io::Write;

use soundalike_core::names::artist_id_for;
use soundalike_sources::dataset::{COLUMNS, Import, ImportError, import_path, import_reader};

fn header() -> String {
    COLUMNS.join(",")
}

/// A data row with the given id, name, artist and playlist; the rest plausible.
fn row(track: &str, name: &str, artist: &str, playlist: &str, subgenre: &str) -> String {
    format!(
        "{track},{name},{artist},66,alb1,Album,2019-06-14,PL {playlist},{playlist},pop,{subgenre},\
         0.748,0.916,6,-2.634,1,0.0583,0.102,0,0.0653,0.518,122.036,194754"
    )
}

fn import(text: &str) -> Import {
    import_reader(text.as_bytes(), "test").expect("imports")
}

#[test]
fn repeated_tracks_keep_one_track_and_every_playlist() {
    let text = [
        header(),
        row("t1", "Song", "Ed Sheeran", "p1", "dance pop"),
        row("t1", "Song", "Ed Sheeran", "p2", "post-teen pop"),
        row("t1", "Song", "Ed Sheeran", "p2", "post-teen pop"), // same pair twice: one membership
        row("t2", "Other", "ed  SHEERAN", "p1", "dance pop"),
    ]
    .join("\n");
    let import = import(&text);
    assert_eq!(import.report.rows, 4);
    assert!(import.report.bad_rows.is_empty());
    assert_eq!(import.report.repeated_track_rows, 2);
    assert_eq!(import.catalog.tracks.len(), 2);
    assert_eq!(import.catalog.memberships.len(), 3);
    // Two spellings, one artist, named by the more frequent spelling.
    assert_eq!(import.catalog.artists.len(), 1);
    assert_eq!(import.catalog.artists[0].name, "Ed Sheeran");
    assert_eq!(import.catalog.artists[0].id, artist_id_for("ed sheeran"));
}

#[test]
fn quoted_fields_and_na_are_read_exactly() {
    let text = format!(
        "{}\n{}\n",
        header(),
        "t1,\"Hello, \"\"World\"\"\",NA,NA,alb,\"Line\nBreak\",2019,PL,p1,pop,dance pop,\
         NA,0.9,6,-2.6,1,0.05,0.1,0,0.06,0.5,122,194754"
    );
    let import = import(&text);
    assert!(
        import.report.bad_rows.is_empty(),
        "{:?}",
        import.report.bad_rows
    );
    let t = &import.catalog.tracks[0];
    assert_eq!(t.name.as_deref(), Some("Hello, \"World\""));
    assert_eq!(t.album_name.as_deref(), Some("Line\nBreak"));
    assert_eq!(t.artist_id, None);
    assert_eq!(t.popularity, None);
    assert_eq!(t.features.danceability, None);
    assert_eq!(t.features.energy, Some(0.9));
    assert_eq!(import.report.tracks_without_artist, 1);
    assert!(import.catalog.artists.is_empty());
}

#[test]
fn columns_may_come_in_any_order_with_extras() {
    let mut columns: Vec<&str> = COLUMNS.to_vec();
    columns.reverse();
    columns.push("extra");
    let values: Vec<String> = row("t9", "Song", "Keane", "p1", "indie poptimism")
        .split(',')
        .rev()
        .map(str::to_string)
        .chain(["x".to_string()])
        .collect();
    let import = import(&format!("{}\n{}\n", columns.join(","), values.join(",")));
    assert!(import.report.bad_rows.is_empty());
    assert_eq!(import.catalog.tracks[0].id, "t9");
    assert_eq!(import.catalog.artists[0].name, "Keane");
    assert_eq!(
        import.catalog.memberships[0].subgenre.as_deref(),
        Some("indie poptimism")
    );
}

#[test]
fn bad_rows_are_reported_with_lines_and_good_rows_kept() {
    let text = [
        header(),                                                           // line 1
        row("t1", "Fine", "A", "p1", "dance pop"),                          // line 2
        "t2,too,few,fields".to_string(),                                    // line 3
        row("t3", "Fine", "B", "p1", "dance pop").replace("0.748", "lots"), // line 4
        row("", "No id", "C", "p1", "dance pop"),                           // line 5
        row("t6", "Fine", "D", "p1", "dance pop"),                          // line 6
        row("t7", "NaN", "E", "p1", "dance pop").replace("0.748", "NaN"),   // line 7
        row("t8", "Neg", "F", "p1", "dance pop").replace(",66,", ",-5,"),   // line 8
    ]
    .join("\n");
    let import = import(&text);
    let lines: Vec<u64> = import.report.bad_rows.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 7, 8]);
    use soundalike_sources::dataset::BadRowKind::*;
    let kinds: Vec<_> = import.report.bad_rows.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        vec![FieldCount, BadNumber, MissingTrackId, NotFinite, BadNumber]
    );
    assert_eq!(
        import.report.bad_rows_by_kind(),
        vec![
            (BadNumber, 2),
            (FieldCount, 1),
            (MissingTrackId, 1),
            (NotFinite, 1)
        ]
    );
    assert!(
        import.report.bad_rows[0]
            .reason
            .contains("expected 23 fields, found 4")
    );
    assert!(import.report.bad_rows[1].reason.contains("danceability"));
    assert!(import.report.bad_rows[2].reason.contains("track_id"));
    let ids: Vec<&str> = import
        .catalog
        .tracks
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, vec!["t1", "t6"]);
    assert_eq!(import.report.rows, 7);
}

#[test]
fn an_unbalanced_quote_is_one_bad_row_spanning_its_lines() {
    let text = [
        header(),
        row("t1", "Fine", "A", "p1", "dance pop"),
        row("t2", "\"Broken", "B", "p1", "dance pop"),
        row("t3", "Swallowed", "C", "p1", "dance pop"),
    ]
    .join("\n");
    let import = import(&text);
    assert_eq!(import.report.bad_rows.len(), 1);
    let bad = &import.report.bad_rows[0];
    assert_eq!((bad.line, bad.end_line), (3, 4));
    assert!(bad.to_string().starts_with("lines 3-4:"), "{bad}");
    assert_eq!(import.catalog.tracks.len(), 1);
}

#[test]
fn non_utf8_bytes_make_a_bad_row_not_a_failure() {
    let mut bytes = format!("{}\n", header()).into_bytes();
    bytes.extend(
        row("t1", "Caf\u{FFFD}", "A", "p1", "dance pop")
            .replace('\u{FFFD}', "\u{1}")
            .bytes(),
    );
    let at = bytes.iter().rposition(|b| *b == 1).unwrap();
    bytes[at] = 0xE9; // Latin-1 é: invalid UTF-8
    bytes.push(b'\n');
    bytes.extend(row("t2", "Good", "B", "p1", "dance pop").bytes());
    let import = import_reader(&bytes[..], "latin1").unwrap();
    assert_eq!(import.report.bad_rows.len(), 1);
    assert_eq!(import.report.bad_rows[0].line, 2);
    assert!(
        import.report.bad_rows[0]
            .reason
            .contains("track_name is not valid UTF-8")
    );
    assert_eq!(import.catalog.tracks.len(), 1);
}

#[test]
fn missing_columns_and_empty_input_are_clear_errors() {
    let partial = COLUMNS[..20].join(",");
    match import_reader(format!("{partial}\n").as_bytes(), "t") {
        Err(ImportError::MissingColumns(missing)) => {
            assert_eq!(missing, vec!["valence", "tempo", "duration_ms"])
        }
        other => panic!("expected missing columns, got {other:?}"),
    }
    for empty in ["", "\n", "   "] {
        let err = import_reader(empty.as_bytes(), "t").unwrap_err();
        assert!(matches!(err, ImportError::Empty), "{empty:?}: {err:?}");
        assert!(err.to_string().contains("track_id"));
    }
}

#[test]
fn files_plain_gzip_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}\n{}\n", header(), row("t1", "S", "A", "p1", "dance pop"));
    let plain = dir.path().join("songs.csv");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("songs.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert_eq!(
        import_path(&plain).unwrap().catalog,
        import_path(&gz).unwrap().catalog
    );
    let err = import_path(&dir.path().join("nope.csv")).unwrap_err();
    assert!(err.to_string().contains("nope.csv"));
}

#[test]
fn the_bundled_dataset_imports_cleanly() {
    let import = soundalike_sources::dataset::import_bundled().unwrap();
    let r = &import.report;
    // Figures documented in shared/datasets/SOURCES.md: 32,833 rows, 28,356 unique track ids.
    assert_eq!(r.rows, 32_833);
    assert!(r.bad_rows.is_empty());
    assert_eq!(import.catalog.tracks.len(), 28_356);
    assert_eq!(r.repeated_track_rows, 32_833 - 28_356);
    // 10,693 raw names; a few differ only in case or width and merge.
    let artists = import.catalog.artists.len();
    assert!((10_600..=10_693).contains(&artists), "{artists}");
    assert_eq!(
        import.catalog.memberships.len() as u64 + dup_pairs(),
        32_833
    );
}

/// (playlist, track) pairs the bundled data lists twice, counted independently of the importer.
fn dup_pairs() -> u64 {
    let mut seen = std::collections::HashSet::new();
    let raw =
        std::fs::read("../../../shared/datasets/tracks/tidytuesday_2020-01-21_spotify_songs.csv")
            .or_else(|_| {
                use std::io::Read;
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(soundalike_sources::dataset::BUNDLED_CSV_GZ)
                    .read_to_end(&mut out)
                    .map(|_| out)
            })
            .unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(&raw[..]);
    let mut dups = 0;
    for record in reader.records() {
        let r = record.unwrap();
        if !seen.insert((r[8].to_string(), r[0].to_string())) {
            dups += 1;
        }
    }
    dups
}
