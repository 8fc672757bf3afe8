//! The bundled datasets as one catalog: a registry of named inputs, each with its own reader
//! into the same [`Catalog`] tables, and the merge that makes one catalog of them.
//!
//! - [`DATASETS`] lists every bundled track table (`tidytuesday`, `kpop`); adding one is a
//!   reader and a row here. [`import`] reads the chosen ones (each at most once per process,
//!   see [`imported`], so `serve`'s first build and its chat catalog share one parse) and merges
//!   them in registry order.
//! - **Merge.** An artist of a later dataset is the earlier artist with the same Spotify id
//!   (`spotify` source id), else the one with the same normalised name; a track is the one with
//!   the same Spotify track id. The earlier record is kept and its missing fields are filled from
//!   the later one (a TidyTuesday track keeps its album and date, gains nothing it has). Playlist
//!   memberships, source ids and genres are united. [`MergeReport`] counts what merged.
//! - **Korean acts** ([`korean_acts`]) get the genre `k-pop` (source [`KOREAN_ACT_SOURCE`]),
//!   decided from data, not from which table an artist is in: the K-pop table also lists the
//!   Western acts featured in K-pop playlists (Ed Sheeran, Lauv, Dua Lipa).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use soundalike_core::{ArtistGenre, ArtistId, Catalog};

use crate::dataset::{Import, ImportError, ImportReport};
use crate::wikidata::{self, ArtistFacts};

/// One bundled dataset.
#[derive(Debug)]
pub struct Dataset {
    /// Short name, as `pipeline run --bundled` takes it.
    pub name: &'static str,
    /// What it is and its licence, for `--help` and reports.
    pub about: &'static str,
    /// Its reader over the bundled bytes.
    read: fn() -> Result<Import, ImportError>,
}

/// Every bundled dataset, in merge order (an earlier dataset's record wins).
pub static DATASETS: [Dataset; 2] = [
    Dataset {
        name: "tidytuesday",
        about: "TidyTuesday 2020-01-21 Spotify Songs (MIT; Spotify Web API data)",
        read: crate::dataset::import_bundled,
    },
    Dataset {
        name: "kpop",
        about: "jcgnacpil K-pop top-10 track table, 2021-09 (MIT; Spotify Web API data)",
        read: crate::kpop::import_bundled,
    },
];

/// The genre source of [`korean_acts`]' `k-pop` genre.
pub const KOREAN_ACT_SOURCE: &str = "soundalike";

/// The genre Korean acts get.
pub const KOREAN_ACT_GENRE: &str = "k-pop";

/// Why a selection cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum BundledError {
    /// A name that is no bundled dataset.
    #[error("no bundled dataset is called {name:?} (bundled: {})", names().join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// A bundled reader failed as a whole.
    #[error("bundled dataset {name}")]
    Import {
        /// Which.
        name: &'static str,
        /// Why.
        #[source]
        source: Arc<ImportError>,
    },
}

/// The names of every bundled dataset.
pub fn names() -> Vec<&'static str> {
    DATASETS.iter().map(|d| d.name).collect()
}

/// The bundled dataset called `name` (case-insensitive).
pub fn find(name: &str) -> Result<&'static Dataset, BundledError> {
    DATASETS
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| BundledError::Unknown {
            name: name.to_string(),
        })
}

/// The bundled dataset's import, read once per process and shared.
pub fn imported(dataset: &'static Dataset) -> Result<Arc<Import>, BundledError> {
    type Cell = OnceLock<Result<Arc<Import>, Arc<ImportError>>>;
    static CELLS: [Cell; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = DATASETS
        .iter()
        .position(|d| std::ptr::eq(d, dataset))
        .expect("a registry entry");
    CELLS[slot]
        .get_or_init(|| (dataset.read)().map(Arc::new).map_err(Arc::new))
        .clone()
        .map_err(|source| BundledError::Import {
            name: dataset.name,
            source,
        })
}

/// The bundled Wikidata artist facts, read once per process (empty if unreadable, with a
/// warning: they refine [`korean_acts`], they are not needed for an import).
pub fn wikidata_facts() -> Arc<Vec<ArtistFacts>> {
    static FACTS: OnceLock<Arc<Vec<ArtistFacts>>> = OnceLock::new();
    FACTS
        .get_or_init(|| match wikidata::import_bundled() {
            Ok(facts) => Arc::new(facts.artists),
            Err(error) => {
                tracing::warn!(%error, "bundled Wikidata facts unreadable");
                Arc::default()
            }
        })
        .clone()
}

/// One dataset's share of a merged import.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetImport {
    /// The registry name (or the file for a `--dataset` CSV).
    pub name: String,
    /// How reading went.
    pub report: ImportReport,
    /// Artists it has.
    pub artists: usize,
    /// Tracks it has.
    pub tracks: usize,
}

/// What merging found in common.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Artists of a later dataset that were an earlier one's (by Spotify id or name).
    pub artists_merged: usize,
    /// Of those, matched by Spotify id.
    pub artists_by_spotify_id: usize,
    /// Tracks of a later dataset with an earlier one's Spotify track id.
    pub tracks_merged: usize,
    /// Artists given the genre `k-pop` by [`korean_acts`].
    pub korean_acts: usize,
}

/// Several datasets as one catalog.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The merged catalog, sorted.
    pub catalog: Catalog,
    /// Each dataset's report and counts, in merge order.
    pub datasets: Vec<DatasetImport>,
    /// What merged.
    pub merge: MergeReport,
}

/// Import and merge the bundled datasets called `names` (every one when empty).
pub fn import(names: &[String]) -> Result<Merged, BundledError> {
    let chosen: Vec<&'static Dataset> = if names.is_empty() {
        DATASETS.iter().collect()
    } else {
        let mut chosen = names
            .iter()
            .map(|n| find(n))
            .collect::<Result<Vec<_>, _>>()?;
        // Registry order whatever the flag's order, so the same selection merges the same way.
        chosen.sort_by_key(|d| DATASETS.iter().position(|x| std::ptr::eq(x, *d)));
        chosen.dedup_by(|a, b| std::ptr::eq(*a, *b));
        chosen
    };
    let imports = chosen
        .into_iter()
        .map(|d| Ok((d.name.to_string(), imported(d)?)))
        .collect::<Result<Vec<_>, BundledError>>()?;
    let parts: Vec<(String, &Import)> = imports.iter().map(|(n, i)| (n.clone(), &**i)).collect();
    Ok(merge(&parts, &wikidata_facts()))
}

/// Merge imports in order (see the module docs), then give Korean acts their genre.
pub fn merge(parts: &[(String, &Import)], facts: &[ArtistFacts]) -> Merged {
    let mut datasets = Vec::new();
    let mut report = MergeReport::default();
    let mut catalog = Catalog::default();
    let mut kpop_artists: HashSet<ArtistId> = HashSet::new();
    for (name, import) in parts {
        datasets.push(DatasetImport {
            name: name.clone(),
            report: import.report.clone(),
            artists: import.catalog.artists.len(),
            tracks: import.catalog.tracks.len(),
        });
        let renamed = merge_into(&mut catalog, &import.catalog, &mut report);
        if name == "kpop" {
            kpop_artists.extend(
                import
                    .catalog
                    .artists
                    .iter()
                    .map(|a| renamed.get(&a.id).unwrap_or(&a.id).clone()),
            );
        }
    }
    let korean = korean_acts(&catalog, &kpop_artists, facts);
    report.korean_acts = korean.len();
    catalog
        .genres
        .extend(korean.into_iter().map(|artist_id| ArtistGenre {
            artist_id,
            source: KOREAN_ACT_SOURCE.into(),
            genre: KOREAN_ACT_GENRE.into(),
        }));
    catalog.sort();
    catalog.genres.dedup();
    Merged {
        catalog,
        datasets,
        merge: report,
    }
}

/// Merge `newer` into `base`; returns the artists of `newer` that took another id.
fn merge_into(
    base: &mut Catalog,
    newer: &Catalog,
    report: &mut MergeReport,
) -> HashMap<ArtistId, ArtistId> {
    let spotify_of = |c: &Catalog| -> HashMap<String, ArtistId> {
        c.source_ids
            .iter()
            .filter(|s| s.source == "spotify")
            .map(|s| (s.source_id.clone(), s.artist_id.clone()))
            .collect()
    };
    let base_spotify = spotify_of(base);
    let base_ids: HashSet<ArtistId> = base.artists.iter().map(|a| a.id.clone()).collect();
    let mut renamed: HashMap<ArtistId, ArtistId> = HashMap::new();
    let newer_spotify: HashMap<&ArtistId, &str> = newer
        .source_ids
        .iter()
        .filter(|s| s.source == "spotify")
        .map(|s| (&s.artist_id, s.source_id.as_str()))
        .collect();
    let mut added = Vec::new();
    for artist in &newer.artists {
        let by_spotify = newer_spotify
            .get(&artist.id)
            .and_then(|s| base_spotify.get(*s));
        match by_spotify {
            Some(id) => {
                report.artists_merged += 1;
                report.artists_by_spotify_id += 1;
                if *id != artist.id {
                    renamed.insert(artist.id.clone(), id.clone());
                }
            }
            // Ids are the normalised name's: the same id is the same name.
            None if base_ids.contains(&artist.id) => report.artists_merged += 1,
            None => added.push(artist.clone()),
        }
    }
    let id_of = |id: &ArtistId| renamed.get(id).unwrap_or(id).clone();
    base.artists.extend(added);

    let track_index: HashMap<String, usize> = base
        .tracks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    for track in &newer.tracks {
        match track_index.get(&track.id) {
            Some(&i) => {
                report.tracks_merged += 1;
                let old = &mut base.tracks[i];
                old.name = old.name.take().or_else(|| track.name.clone());
                old.artist_id = old
                    .artist_id
                    .take()
                    .or_else(|| track.artist_id.as_ref().map(id_of));
                old.popularity = old.popularity.or(track.popularity);
                old.album_id = old.album_id.take().or_else(|| track.album_id.clone());
                old.album_name = old.album_name.take().or_else(|| track.album_name.clone());
                old.release_date = old
                    .release_date
                    .take()
                    .or_else(|| track.release_date.clone());
                old.duration_ms = old.duration_ms.or(track.duration_ms);
                if old.features == Default::default() {
                    old.features = track.features;
                }
            }
            None => {
                let mut track = track.clone();
                track.artist_id = track.artist_id.as_ref().map(id_of);
                base.tracks.push(track);
            }
        }
    }
    let memberships: HashSet<(String, String)> = base
        .memberships
        .iter()
        .map(|m| (m.playlist_id.clone(), m.track_id.clone()))
        .collect();
    base.memberships.extend(
        newer
            .memberships
            .iter()
            .filter(|m| !memberships.contains(&(m.playlist_id.clone(), m.track_id.clone())))
            .cloned(),
    );
    let sources: HashSet<(ArtistId, String)> = base
        .source_ids
        .iter()
        .map(|s| (s.artist_id.clone(), s.source.clone()))
        .collect();
    for s in &newer.source_ids {
        let artist_id = id_of(&s.artist_id);
        if !sources.contains(&(artist_id.clone(), s.source.clone())) {
            base.source_ids.push(soundalike_core::SourceId {
                artist_id,
                ..s.clone()
            });
        }
    }
    base.genres.extend(newer.genres.iter().map(|g| ArtistGenre {
        artist_id: id_of(&g.artist_id),
        ..g.clone()
    }));
    base.related.extend(newer.related.iter().cloned());
    base.sort();
    base.genres.dedup();
    renamed
}

/// The Korean acts of a catalog. The rule, from data only:
///
/// 1. Where the bundled Wikidata facts know the artist's country (matched by Spotify id, else by
///    normalised name), it is a Korean act exactly when KR is one of its countries (BTS, IU,
///    BLACKPINK: KR; Ed Sheeran: GB; Lauv: US).
/// 2. Otherwise it must be an artist of the K-pop table (`kpop_artists`), and, if it also has
///    rows in the TidyTuesday playlists, at least half of them must be in "K-pop playlists":
///    playlists where most rows are by K-pop table artists ("K-Party Dance Mix"; MAMAMOO, GOT7
///    yes; Aqua in "90s Dance Hits", the rock band Rainbow, Why Don't We: no), or one of its
///    titles must be in Hangul (Don Mills). A name the TidyTuesday table also uses for another
///    act (DEAN, BoA) is not told apart: such an act counts as not Korean.
pub fn korean_acts(
    catalog: &Catalog,
    kpop_artists: &HashSet<ArtistId>,
    facts: &[ArtistFacts],
) -> Vec<ArtistId> {
    if kpop_artists.is_empty() {
        return Vec::new();
    }
    let by_spotify: HashMap<&str, &ArtistFacts> = facts
        .iter()
        .filter_map(|f| Some((f.spotify_id.as_deref()?, f)))
        .collect();
    let by_name: HashMap<&str, &ArtistFacts> = facts
        .iter()
        .rev() // the first row of a name wins
        .map(|f| (f.normalized_name.as_str(), f))
        .collect();
    let spotify: HashMap<&ArtistId, &str> = catalog
        .source_ids
        .iter()
        .filter(|s| s.source == "spotify")
        .map(|s| (&s.artist_id, s.source_id.as_str()))
        .collect();

    // Playlist rows per artist, and which playlists are mostly K-pop table artists'.
    let artist_of: HashMap<&str, &ArtistId> = catalog
        .tracks
        .iter()
        .filter_map(|t| Some((t.id.as_str(), t.artist_id.as_ref()?)))
        .collect();
    let mut playlist_rows: HashMap<&str, (u32, u32)> = HashMap::new();
    for m in &catalog.memberships {
        let entry = playlist_rows.entry(m.playlist_id.as_str()).or_default();
        entry.0 += 1;
        if artist_of
            .get(m.track_id.as_str())
            .is_some_and(|a| kpop_artists.contains(*a))
        {
            entry.1 += 1;
        }
    }
    let kpop_playlist = |p: &str| playlist_rows.get(p).is_some_and(|&(n, k)| 2 * k > n);
    let mut artist_rows: HashMap<&ArtistId, (u32, u32)> = HashMap::new();
    for m in &catalog.memberships {
        if let Some(a) = artist_of.get(m.track_id.as_str()) {
            let entry = artist_rows.entry(*a).or_default();
            entry.0 += 1;
            if kpop_playlist(&m.playlist_id) {
                entry.1 += 1;
            }
        }
    }

    let hangul_titles: HashSet<&ArtistId> = catalog
        .tracks
        .iter()
        .filter(|t| {
            t.name
                .as_deref()
                .is_some_and(|n| n.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c)))
        })
        .filter_map(|t| t.artist_id.as_ref())
        .collect();
    let mut out: Vec<ArtistId> = catalog
        .artists
        .iter()
        .filter(|a| {
            let known = spotify
                .get(&a.id)
                .and_then(|s| by_spotify.get(s))
                .or_else(|| by_name.get(a.normalized_name.as_str()))
                .filter(|f| !f.countries.is_empty());
            match known {
                Some(f) => f.countries.iter().any(|c| c == "KR"),
                None => {
                    kpop_artists.contains(&a.id)
                        && (artist_rows.get(&a.id).is_none_or(|&(n, k)| 2 * k >= n)
                            || hangul_titles.contains(&a.id))
                }
            }
        })
        .map(|a| a.id.clone())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use soundalike_core::names::{artist_id_for, normalize_name};
    use soundalike_core::{Artist, PlaylistMembership, SourceId, Track};

    fn artist(name: &str) -> Artist {
        Artist {
            id: artist_id_for(name),
            name: name.into(),
            normalized_name: normalize_name(name),
        }
    }

    fn track(id: &str, by: &str, date: Option<&str>) -> Track {
        Track {
            id: id.into(),
            name: Some(format!("song {id}")),
            artist_id: Some(artist_id_for(by)),
            popularity: None,
            album_id: None,
            album_name: None,
            release_date: date.map(str::to_string),
            duration_ms: None,
            features: Default::default(),
        }
    }

    fn member(playlist: &str, track: &str) -> PlaylistMembership {
        PlaylistMembership {
            playlist_id: playlist.into(),
            playlist_name: None,
            genre: Some("pop".into()),
            subgenre: None,
            track_id: track.into(),
        }
    }

    fn spotify(name: &str, id: &str) -> SourceId {
        SourceId {
            artist_id: artist_id_for(name),
            source: "spotify".into(),
            source_id: id.into(),
        }
    }

    fn wrap(catalog: Catalog) -> Import {
        Import {
            catalog,
            report: ImportReport::default(),
        }
    }

    #[test]
    fn merges_by_spotify_id_then_name_and_tags_korean_acts_from_data() {
        let tidy = Catalog {
            artists: ["Ed Sheeran", "MAMAMOO", "Aqua", "Coldplay"]
                .map(artist)
                .to_vec(),
            tracks: vec![
                track("ed1", "Ed Sheeran", Some("2017-01-06")),
                track("mm1", "MAMAMOO", Some("2018-11-29")),
                track("aq1", "Aqua", Some("1997")),
                track("cp1", "Coldplay", Some("2000")),
            ],
            memberships: vec![
                member("kparty", "mm1"),
                member("pop", "ed1"),
                member("pop", "cp1"),
                member("90s", "aq1"),
                member("90s", "cp1"),
            ],
            ..Catalog::default()
        };
        // The K-pop table spells IU's id-bearing record "IU" and lists Western collaborators.
        let mut kpop = Catalog {
            artists: ["Ed Sheeran", "MAMAMOO", "Aqua", "IU", "Lucid Band"]
                .map(artist)
                .to_vec(),
            tracks: vec![
                track("ed1", "Ed Sheeran", None),
                track("mm2", "MAMAMOO", None),
                track("aq2", "Aqua", None),
                track("iu1", "IU", None),
                track("lb1", "Lucid Band", None),
            ],
            source_ids: vec![
                spotify("Ed Sheeran", "6eUKZXaKkcviH0Ku9w2n3V"),
                spotify("IU", "3HqSLMAZ3g3d5poNaI7GOU"),
            ],
            ..Catalog::default()
        };
        kpop.tracks[0].popularity = Some(90);
        let facts = vec![
            ArtistFacts {
                normalized_name: "ed sheeran".into(),
                spotify_id: Some("6eUKZXaKkcviH0Ku9w2n3V".into()),
                countries: vec!["GB".into()],
                start: Some(2004),
                end: None,
            },
            ArtistFacts {
                normalized_name: "아이유".into(),
                spotify_id: Some("3HqSLMAZ3g3d5poNaI7GOU".into()),
                countries: vec!["KR".into()],
                start: Some(2008),
                end: None,
            },
        ];
        let (tidy, kpop) = (wrap(tidy), wrap(kpop));
        let merged = merge(
            &[("tidytuesday".into(), &tidy), ("kpop".into(), &kpop)],
            &facts,
        );
        assert_eq!(
            merged.merge,
            MergeReport {
                artists_merged: 3,
                artists_by_spotify_id: 0,
                tracks_merged: 1,
                korean_acts: 3,
            }
        );
        let c = &merged.catalog;
        assert_eq!(c.artists.len(), 6);
        assert_eq!(c.tracks.len(), 8);
        let ed = c.tracks.iter().find(|t| t.id == "ed1").unwrap();
        assert_eq!(ed.release_date.as_deref(), Some("2017-01-06"));
        assert_eq!(ed.popularity, Some(90), "a missing field is filled");
        let korean: Vec<&str> = c
            .genres
            .iter()
            .filter(|g| g.genre == KOREAN_ACT_GENRE)
            .map(|g| {
                c.artists
                    .iter()
                    .find(|a| a.id == g.artist_id)
                    .unwrap()
                    .name
                    .as_str()
            })
            .collect();
        let mut korean = korean;
        korean.sort();
        // IU by Wikidata; MAMAMOO by its K-pop playlist; Lucid Band by the K-pop table alone.
        // Not Ed Sheeran (GB), not Aqua (its TidyTuesday rows are in a playlist of other acts).
        assert_eq!(korean, ["IU", "Lucid Band", "MAMAMOO"]);

        // A later dataset's artist with a known Spotify id under another name is the same artist.
        let renamed = wrap(Catalog {
            artists: vec![artist("아이유")],
            tracks: vec![track("iu2", "아이유", None)],
            source_ids: vec![spotify("아이유", "3HqSLMAZ3g3d5poNaI7GOU")],
            ..Catalog::default()
        });
        let again = merge(
            &[
                ("tidytuesday".into(), &tidy),
                ("kpop".into(), &kpop),
                ("more".into(), &renamed),
            ],
            &facts,
        );
        assert_eq!(again.merge.artists_by_spotify_id, 1);
        assert_eq!(again.catalog.artists.len(), 6);
        let iu2 = again.catalog.tracks.iter().find(|t| t.id == "iu2").unwrap();
        assert_eq!(iu2.artist_id, Some(artist_id_for("IU")));
    }

    #[test]
    fn selections_read_by_name_and_unknown_names_are_errors() {
        assert!(matches!(
            import(&["nope".into()]),
            Err(BundledError::Unknown { .. })
        ));
        let kpop = import(&["KPOP".into()]).unwrap();
        assert_eq!(kpop.datasets.len(), 1);
        assert_eq!(kpop.merge.artists_merged, 0);
        let both = import(&[]).unwrap();
        assert_eq!(both.datasets.len(), DATASETS.len());
        let sum: usize = both.datasets.iter().map(|d| d.tracks).sum();
        assert_eq!(both.catalog.tracks.len() + both.merge.tracks_merged, sum);
        assert!(both.merge.artists_merged >= 90, "{:?}", both.merge);
        let named = |name: &str| {
            let id = artist_id_for(name);
            both.catalog
                .genres
                .iter()
                .any(|g| g.artist_id == id && g.genre == KOREAN_ACT_GENRE)
        };
        for korean in ["IU", "BTS", "BLACKPINK", "MAMAMOO", "Epik High", "EXO"] {
            assert!(named(korean), "{korean}");
        }
        for western in ["Ed Sheeran", "Lauv", "Dua Lipa", "Coldplay", "Rainbow"] {
            assert!(!named(western), "{western}");
        }
    }
}
