//! The dataset importer on a valid header followed by any bytes: never panics, and every row
//! read is either kept or reported bad.
#![no_main]

use soundalike_sources::dataset::{COLUMNS, import_reader};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut input = COLUMNS.join(",").into_bytes();
    input.push(b'\n');
    input.extend_from_slice(data);
    if let Ok(import) = import_reader(input.as_slice(), "fuzz") {
        let report = import.report;
        assert!(report.bad_rows.len() as u64 <= report.rows);
        let good = report.rows - report.bad_rows.len() as u64;
        assert_eq!(
            import.catalog.tracks.len() as u64 + report.repeated_track_rows,
            good,
            "every good row is a track or a repeat of one"
        );
    }
});
