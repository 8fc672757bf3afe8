//! Spotify genre lists per artist from the Kaggle "Spotify Dataset 1921-2020" `data_w_genres.csv`
//! (`/work/shared/datasets/artists/`), for evaluation only: its licence is unknown, so it is read
//! from where it lies and never bundled. In production live Spotify artist lookups fill
//! [`Catalog::genres`] instead.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use soundalike_core::names::normalize_name;
use soundalike_core::{ArtistGenre, Catalog};

/// The source name the genres are recorded under.
pub const SOURCE: &str = "spotify";

/// Why the genre file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArtistGenresError {
    /// Unreadable, or not CSV.
    #[error("cannot read {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: csv::Error,
    },
    /// The header lacks a column.
    #[error(
        "{path}: no `{column}` column (expected Kaggle data_w_genres.csv: artists, ..., genres)"
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
    },
    /// A genres cell is not a Python list of strings.
    #[error("{path}:{line}: genres {cell:?} is not a list like ['a', 'b']")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The cell.
        cell: String,
    },
}

/// Add the file's genres of every catalog artist (matched by normalised name) to
/// `catalog.genres` under [`SOURCE`], replacing earlier ones from that source. Returns how many
/// catalog artists got at least one genre.
pub fn load(path: &Path, catalog: &mut Catalog) -> Result<usize, ArtistGenresError> {
    let csv_error = |source| ArtistGenresError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(csv_error)?;
    let headers = reader.headers().map_err(csv_error)?.clone();
    let column = |column: &'static str| {
        headers
            .iter()
            .position(|h| h == column)
            .ok_or(ArtistGenresError::MissingColumn {
                path: path.to_owned(),
                column,
            })
    };
    let (name_at, genres_at) = (column("artists")?, column("genres")?);
    let ids: HashMap<&str, &soundalike_core::ArtistId> = catalog
        .artists
        .iter()
        .map(|a| (a.normalized_name.as_str(), &a.id))
        .collect();
    let mut found: Vec<ArtistGenre> = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let (Some(name), Some(cell)) = (record.get(name_at), record.get(genres_at)) else {
            continue;
        };
        let Some(&id) = ids.get(normalize_name(name).as_str()) else {
            continue;
        };
        let genres = parse_list(cell).ok_or_else(|| ArtistGenresError::Malformed {
            path: path.to_owned(),
            line: record.position().map_or(0, |p| p.line()),
            cell: cell.to_owned(),
        })?;
        for genre in genres {
            if seen.insert((id.clone(), genre.clone())) {
                found.push(ArtistGenre {
                    artist_id: id.clone(),
                    source: SOURCE.into(),
                    genre,
                });
            }
        }
    }
    let artists = found
        .iter()
        .map(|g| &g.artist_id)
        .collect::<HashSet<_>>()
        .len();
    catalog.genres.retain(|g| g.source != SOURCE);
    catalog.genres.extend(found);
    catalog.sort();
    Ok(artists)
}

/// The strings of a Python list literal such as `['art rock', "children's music"]`.
fn parse_list(cell: &str) -> Option<Vec<String>> {
    let inner = cell.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut out = Vec::new();
    let mut chars = inner.chars();
    loop {
        match chars.by_ref().find(|c| !c.is_whitespace() && *c != ',') {
            None => return Some(out),
            Some(quote @ ('\'' | '"')) => {
                let mut item = String::new();
                loop {
                    match chars.next()? {
                        '\\' => item.push(chars.next()?),
                        c if c == quote => break,
                        c => item.push(c),
                    }
                }
                let item = item.trim();
                if !item.is_empty() {
                    out.push(item.to_owned());
                }
            }
            Some(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_list;

    #[test]
    fn python_lists_parse() {
        assert_eq!(parse_list("[]"), Some(vec![]));
        assert_eq!(
            parse_list(r#"['antiviral pop', "children's music", 'a\'b']"#),
            Some(vec![
                "antiviral pop".to_owned(),
                "children's music".to_owned(),
                "a'b".to_owned()
            ])
        );
        assert_eq!(parse_list("rock"), None);
        assert_eq!(parse_list("['unterminated]"), None);
        assert_eq!(parse_list("[rock]"), None);
    }
}
