//! Artist facts from Wikidata (CC0; bundled as `data/wikidata_soundgraph_artists.csv.gz`, built by
//! SaveFnk/SoundGraph_DB2 from Wikidata by Spotify artist id, P1902): country and career years
//! of 2,079 artists, keyed by Spotify artist id and name.
//!
//! The reading rules are the track tables' ([`crate::dataset`]), with `_` also meaning missing;
//! countries are ISO 3166 alpha-2 codes separated by `+` or `|`. A row without a name, or with a
//! year that is not one, is listed in the report and skipped.

use std::io::Read;

use flate2::read::GzDecoder;
use soundalike_core::names::normalize_name;

use crate::dataset::{BadRowKind, ImportError, ImportReport, read_table};

/// The bundled file, gzip-compressed (see `data/README.md` for origin and licence).
pub const BUNDLED_CSV_GZ: &[u8] =
    include_bytes!("../../../data/wikidata_soundgraph_artists.csv.gz");

/// Name of the bundled file, for reports.
pub const BUNDLED_NAME: &str = "bundled:wikidata_soundgraph_artists.csv";

/// The columns the reader uses.
pub const COLUMNS: [&str; 5] = ["Artist", "Url_spotify", "start", "end", "country_codes"];

/// What Wikidata says of one artist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtistFacts {
    /// [`normalize_name`] of the name.
    pub normalized_name: String,
    /// Spotify artist id, when given.
    pub spotify_id: Option<String>,
    /// ISO 3166 alpha-2 codes, upper case; empty when unknown.
    pub countries: Vec<String>,
    /// Career start year.
    pub start: Option<u16>,
    /// Career end year.
    pub end: Option<u16>,
}

/// The facts read and the report.
#[derive(Debug, Clone)]
pub struct Facts {
    /// One per good row.
    pub artists: Vec<ArtistFacts>,
    /// How reading went.
    pub report: ImportReport,
}

/// Read the bundled file.
pub fn import_bundled() -> Result<Facts, ImportError> {
    import_reader(GzDecoder::new(BUNDLED_CSV_GZ), BUNDLED_NAME)
}

/// Read a file in the same layout (plain CSV).
pub fn import_reader(reader: impl Read, source: &str) -> Result<Facts, ImportError> {
    let mut artists = Vec::new();
    let report = read_table(reader, source, &COLUMNS, |row, _| {
        let known = |c: usize| row.fields[c].filter(|v| v.trim() != "_");
        let name = known(0)
            .map(normalize_name)
            .filter(|n| !n.is_empty())
            .ok_or((BadRowKind::MissingName, "Artist is missing".to_string()))?;
        let year = |c: usize| -> Result<Option<u16>, (BadRowKind, String)> {
            match known(c) {
                None => Ok(None),
                Some(_) => row.number::<u16>(c),
            }
        };
        let (start, end) = (year(2)?, year(3)?);
        let countries = known(4)
            .map(|codes| {
                codes
                    .split(['+', '|'])
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| c.len() == 2)
                    .collect()
            })
            .unwrap_or_default();
        artists.push(ArtistFacts {
            normalized_name: name,
            spotify_id: known(1).map(str::to_string),
            countries,
            start,
            end,
        });
        Ok(())
    })?;
    Ok(Facts { artists, report })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_countries_and_years_and_lists_bad_rows() {
        let csv = "Artist,Url_spotify,artistLabel,start,end,country_codes\n\
                   IU,3HqSLMAZ3g3d5poNaI7GOU,IU,2008,_,KR\n\
                   \"Earth, Wind & Fire\",4QQgXkCYTt3BlENzhyNETg,x,1971,_,US+GB\n\
                   _,x,x,2000,_,US\n\
                   Someone,_,x,soon,_,_\n";
        let facts = import_reader(csv.as_bytes(), "test").unwrap();
        assert_eq!(facts.artists.len(), 2);
        assert_eq!(facts.artists[0].countries, ["KR"]);
        assert_eq!(facts.artists[0].start, Some(2008));
        assert_eq!(facts.artists[1].countries, ["US", "GB"]);
        let kinds: Vec<(u64, BadRowKind)> = facts
            .report
            .bad_rows
            .iter()
            .map(|b| (b.line, b.kind))
            .collect();
        assert_eq!(
            kinds,
            [(4, BadRowKind::MissingName), (5, BadRowKind::BadNumber)]
        );
    }

    #[test]
    fn the_bundled_file_reads_whole() {
        let facts = import_bundled().unwrap();
        assert_eq!(facts.report.rows, 2_079);
        assert!(
            facts.report.bad_rows.is_empty(),
            "{:?}",
            facts.report.bad_rows
        );
        assert!(
            facts
                .artists
                .iter()
                .any(|a| a.normalized_name == "iu" && a.countries == ["KR"])
        );
    }
}
