//! Per-artist profiles: everything the algorithms know about an artist, aggregated once.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use soundalike_core::names::normalize_name;
use soundalike_core::{Catalog, FEATURE_NAMES};

/// Number of continuous audio features ([`FEATURE_NAMES`]).
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// A sparse count vector: (dimension, count), sorted by dimension.
pub type Sparse = Vec<(u32, f32)>;

/// Profiles of every artist of a catalog, parallel to `catalog.artists`.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    /// Unique tracks per artist.
    pub track_counts: Vec<u32>,
    /// Per-artist mean of each continuous feature over its tracks (`None`: no track has it).
    pub feature_means: Vec<[Option<f32>; N_FEATURES]>,
    /// Per-artist standard deviation of each feature (0 for a single track).
    pub feature_stds: Vec<[Option<f32>; N_FEATURES]>,
    /// Minimum of each feature over all tracks of the catalog.
    pub track_min: [f32; N_FEATURES],
    /// Maximum of each feature over all tracks of the catalog.
    pub track_max: [f32; N_FEATURES],
    /// Playlist memberships of the artist's tracks, per playlist.
    pub playlists: Vec<Sparse>,
    /// Number of distinct playlists (the dimension of `playlists`).
    pub n_playlists: usize,
    /// Memberships per playlist genre.
    pub genres: Vec<Sparse>,
    /// Number of distinct genres.
    pub n_genres: usize,
    /// Memberships per playlist subgenre.
    pub subgenres: Vec<Sparse>,
    /// Number of distinct subgenres.
    pub n_subgenres: usize,
    /// Mean Spotify popularity (0..100) of the artist's tracks.
    pub popularity: Vec<Option<f32>>,
    /// Mean release year of the artist's tracks.
    pub mean_year: Vec<Option<f32>>,
    /// Highest Spotify popularity (0..100) among the artist's tracks.
    pub max_popularity: Vec<Option<f32>>,
    /// Distinct albums among the artist's tracks.
    pub album_counts: Vec<u32>,
    /// Earliest release year of the artist's tracks.
    pub first_year: Vec<Option<f32>>,
    /// Other catalog artists credited with this one in a track title ("feat. X", "(with X)",
    /// "X Remix"), either way round, with the number of such tracks; indices into the artists.
    pub credits: Vec<Sparse>,
    /// Genre lists sources give for the artist ([`Catalog::genres`], e.g. Spotify's), one 1 per
    /// distinct genre; empty for the bundled dataset.
    pub tags: Vec<Sparse>,
    /// Number of distinct source genres (the dimension of `tags`; 0 when no source gave any).
    pub n_tags: usize,
}

#[derive(Default)]
struct Moments {
    n: f64,
    sum: f64,
    sum_sq: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        self.sum += x;
        self.sum_sq += x * x;
    }
    fn mean(&self) -> Option<f32> {
        (self.n > 0.0).then(|| (self.sum / self.n) as f32)
    }
    fn std(&self) -> Option<f32> {
        let mean = self.sum / self.n;
        (self.n > 0.0).then(|| ((self.sum_sq / self.n - mean * mean).max(0.0)).sqrt() as f32)
    }
}

/// Ids for distinct values: their positions in sorted order (hashing each value once, then
/// sorting only the distinct ones).
fn dictionary<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<&'a str, u32> {
    let distinct: HashSet<&str> = values.collect();
    let mut names: Vec<&str> = distinct.into_iter().collect();
    names.sort_unstable();
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i as u32))
        .collect()
}

/// `counts` (dimension, count) summed per dimension, sorted by dimension.
fn summed(mut counts: Vec<(u32, f32)>) -> Sparse {
    counts.sort_unstable_by_key(|(d, _)| *d);
    let mut out: Sparse = Vec::with_capacity(counts.len());
    for (d, c) in counts {
        match out.last_mut() {
            Some((last, total)) if *last == d => *total += c,
            _ => out.push((d, c)),
        }
    }
    out
}

/// One artist's aggregates, computed independently of the others.
struct ArtistAggregate {
    tracks: u32,
    means: [Option<f32>; N_FEATURES],
    stds: [Option<f32>; N_FEATURES],
    popularity: Option<f32>,
    mean_year: Option<f32>,
    albums: u32,
    max_popularity: Option<f32>,
    first_year: Option<f32>,
    playlists: Sparse,
    genres: Sparse,
    subgenres: Sparse,
}

/// Names credited in a track title: the text after "feat.", "ft.", "featuring" or "with" at the
/// start of a bracketed or dash-separated part (or after an inline "feat." in the title itself),
/// and the text before such a part's closing "remix", split on ",", "&", " and ", " x ".
/// Lower-cased by `normalize_name` first.
pub fn credited_names(title: &str) -> Vec<String> {
    let title = normalize_name(title);
    let mut names = Vec::new();
    let parts = title
        .split(['(', ')', '[', ']'])
        .flat_map(|p| p.split(" - "))
        .enumerate();
    for (i, part) in parts {
        let part = part.trim();
        let prefixes = ["feat. ", "feat ", "ft. ", "featuring ", "with "];
        let list = if i == 0 {
            // The song title itself: only an inline "feat." credit, never "with" or "remix".
            match [" feat. ", " ft. ", " featuring "]
                .iter()
                .find_map(|p| part.split_once(p))
            {
                Some((_, rest)) => rest,
                None => continue,
            }
        } else if let Some(rest) = prefixes.iter().find_map(|p| part.strip_prefix(p)) {
            rest
        } else if let Some(rest) = part.strip_suffix(" remix") {
            rest
        } else {
            continue;
        };
        for name in list
            .split([',', '&'])
            .flat_map(|n| n.split(" and "))
            .flat_map(|n| n.split(" x "))
        {
            let name = name.trim();
            if !name.is_empty() {
                names.push(name.to_string());
            }
        }
    }
    names
}

fn to_sparse(counts: HashMap<u32, f32>) -> Sparse {
    let mut v: Sparse = counts.into_iter().collect();
    v.sort_unstable_by_key(|(d, _)| *d);
    v
}

impl Profiles {
    /// Number of artists.
    pub fn len(&self) -> usize {
        self.track_counts.len()
    }

    /// True when there are no artists.
    pub fn is_empty(&self) -> bool {
        self.track_counts.is_empty()
    }

    /// Aggregate a catalog. Artists are aggregated in parallel, each on its own; the result does
    /// not depend on the thread count.
    pub fn build(catalog: &Catalog) -> Self {
        let n = catalog.artists.len();
        let by_artist = catalog.tracks_by_artist();
        let memberships = &catalog.memberships;
        let playlists = dictionary(memberships.iter().map(|m| m.playlist_id.as_str()));
        let genres = dictionary(memberships.iter().filter_map(|m| m.genre.as_deref()));
        let subgenres = dictionary(memberships.iter().filter_map(|m| m.subgenre.as_deref()));
        // Each track's memberships as (playlist, genre, subgenre) ids, CSR by track index.
        let track_index: HashMap<&str, u32> = catalog
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.as_str(), i as u32))
            .collect();
        const NONE: u32 = u32::MAX;
        let mut keyed: Vec<(u32, [u32; 3])> = Vec::with_capacity(memberships.len());
        let mut previous: Option<(&str, u32)> = None;
        for m in memberships {
            let Some(&t) = track_index.get(m.track_id.as_str()) else {
                continue;
            };
            // Memberships come sorted by playlist: one dictionary lookup per playlist run.
            let playlist = match previous {
                Some((id, p)) if id == m.playlist_id => p,
                _ => playlists[m.playlist_id.as_str()],
            };
            previous = Some((m.playlist_id.as_str(), playlist));
            let genre = m.genre.as_deref().map_or(NONE, |g| genres[g]);
            let subgenre = m.subgenre.as_deref().map_or(NONE, |g| subgenres[g]);
            keyed.push((t, [playlist, genre, subgenre]));
        }
        // Stable: a track's memberships keep catalog order.
        keyed.sort_by_key(|(t, _)| *t);
        let mut starts = vec![0usize; catalog.tracks.len() + 1];
        for (t, _) in &keyed {
            starts[*t as usize + 1] += 1;
        }
        for t in 0..catalog.tracks.len() {
            starts[t + 1] += starts[t];
        }
        let labels: Vec<[u32; 3]> = keyed.into_iter().map(|(_, l)| l).collect();

        let mut track_min = [f32::INFINITY; N_FEATURES];
        let mut track_max = [f32::NEG_INFINITY; N_FEATURES];
        for track in &catalog.tracks {
            for (k, v) in track.features.continuous().into_iter().enumerate() {
                if let Some(v) = v {
                    track_min[k] = track_min[k].min(v);
                    track_max[k] = track_max[k].max(v);
                }
            }
        }

        let by_name: HashMap<&str, usize> = catalog
            .artists
            .iter()
            .enumerate()
            .map(|(i, a)| (a.normalized_name.as_str(), i))
            .collect();
        // Title parsing (Unicode normalisation per title) in parallel; the counting after it
        // adds whole numbers, so its order does not matter.
        let by_name = &by_name;
        let named: Vec<(usize, Vec<usize>)> = by_artist
            .par_iter()
            .enumerate()
            .take(n)
            .flat_map_iter(|(a, tracks)| {
                tracks.iter().filter_map(move |&t| {
                    let title = catalog.tracks[t].name.as_deref()?;
                    let others: Vec<usize> = credited_names(title)
                        .iter()
                        .filter_map(|name| by_name.get(name.as_str()).copied())
                        .filter(|&b| b != a)
                        .collect();
                    (!others.is_empty()).then_some((a, others))
                })
            })
            .collect();
        let mut credits: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n];
        for (a, others) in named {
            for b in others {
                *credits[a].entry(b as u32).or_default() += 1.0;
                *credits[b].entry(a as u32).or_default() += 1.0;
            }
        }

        let tag_ids = dictionary(catalog.genres.iter().map(|g| g.genre.as_str()));
        let mut tags: Vec<HashMap<u32, f32>> = vec![HashMap::new(); n];
        let index = catalog.artist_index();
        for g in &catalog.genres {
            if let Some(&a) = index.get(&g.artist_id) {
                // Several sources naming one genre count once.
                tags[a].insert(tag_ids[g.genre.as_str()], 1.0);
            }
        }

        let aggregates: Vec<ArtistAggregate> = by_artist
            .par_iter()
            .take(n)
            .map(|tracks| {
                let mut moments: [Moments; N_FEATURES] = Default::default();
                let mut popularity = Moments::default();
                let mut year = Moments::default();
                let (mut pl, mut ge, mut sg) = (Vec::new(), Vec::new(), Vec::new());
                let mut albums: Vec<&str> = Vec::new();
                let mut max_pop: Option<f32> = None;
                let mut first_year: Option<f32> = None;
                for &t in tracks {
                    let track = &catalog.tracks[t];
                    for (k, v) in track.features.continuous().into_iter().enumerate() {
                        if let Some(v) = v {
                            moments[k].push(f64::from(v));
                        }
                    }
                    if let Some(pop) = track.popularity {
                        popularity.push(f64::from(pop));
                        max_pop = Some(max_pop.unwrap_or(0.0).max(f32::from(pop)));
                    }
                    if let Some(y) = track.release_year() {
                        year.push(f64::from(y));
                        first_year = Some(first_year.unwrap_or(f32::INFINITY).min(f32::from(y)));
                    }
                    if let Some(album) = track.album_id.as_deref() {
                        albums.push(album);
                    }
                    for &[playlist, genre, subgenre] in &labels[starts[t]..starts[t + 1]] {
                        pl.push((playlist, 1.0));
                        if genre != NONE {
                            ge.push((genre, 1.0));
                        }
                        if subgenre != NONE {
                            sg.push((subgenre, 1.0));
                        }
                    }
                }
                albums.sort_unstable();
                albums.dedup();
                ArtistAggregate {
                    tracks: tracks.len() as u32,
                    means: std::array::from_fn(|k| moments[k].mean()),
                    stds: std::array::from_fn(|k| moments[k].std()),
                    popularity: popularity.mean(),
                    mean_year: year.mean(),
                    albums: albums.len() as u32,
                    max_popularity: max_pop,
                    first_year,
                    playlists: summed(pl),
                    genres: summed(ge),
                    subgenres: summed(sg),
                }
            })
            .collect();

        let mut p = Profiles {
            track_min,
            track_max,
            n_playlists: playlists.len(),
            n_genres: genres.len(),
            n_subgenres: subgenres.len(),
            n_tags: tag_ids.len(),
            ..Default::default()
        };
        p.credits = credits.into_iter().map(to_sparse).collect();
        p.tags = tags.into_iter().map(to_sparse).collect();
        for a in aggregates {
            p.track_counts.push(a.tracks);
            p.feature_means.push(a.means);
            p.feature_stds.push(a.stds);
            p.popularity.push(a.popularity);
            p.mean_year.push(a.mean_year);
            p.album_counts.push(a.albums);
            p.max_popularity.push(a.max_popularity);
            p.first_year.push(a.first_year);
            p.playlists.push(a.playlists);
            p.genres.push(a.genres);
            p.subgenres.push(a.subgenres);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::credited_names;

    #[test]
    fn credits_from_titles() {
        assert_eq!(
            credited_names("Beautiful People (feat. Khalid) - Jack Wins Remix"),
            ["khalid", "jack wins"]
        );
        assert_eq!(
            credited_names("Cross Me (feat. Chance the Rapper & PnB Rock)"),
            ["chance the rapper", "pnb rock"]
        );
        assert_eq!(
            credited_names("Close To Me (with Diplo) (feat. Swae Lee)"),
            ["diplo", "swae lee"]
        );
        assert!(credited_names("Bohemian Rhapsody - Remastered 2011").is_empty());
        assert!(credited_names("With or Without You").is_empty());
        assert_eq!(credited_names("Lean On feat. MØ"), ["mø"]);
    }
}
