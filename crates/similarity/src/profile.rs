//! Per-artist profiles: everything the algorithms know about an artist, aggregated once.

use std::collections::HashMap;

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

fn dictionary<'a>(values: impl Iterator<Item = &'a str>) -> HashMap<&'a str, u32> {
    let mut names: Vec<&str> = values.collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i as u32))
        .collect()
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

    /// Aggregate a catalog.
    pub fn build(catalog: &Catalog) -> Self {
        let n = catalog.artists.len();
        let by_artist = catalog.tracks_by_artist();
        let playlists = dictionary(catalog.memberships.iter().map(|m| m.playlist_id.as_str()));
        let genres = dictionary(
            catalog
                .memberships
                .iter()
                .filter_map(|m| m.genre.as_deref()),
        );
        let subgenres = dictionary(
            catalog
                .memberships
                .iter()
                .filter_map(|m| m.subgenre.as_deref()),
        );
        let mut memberships_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, m) in catalog.memberships.iter().enumerate() {
            memberships_of
                .entry(m.track_id.as_str())
                .or_default()
                .push(i);
        }

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

        let mut p = Profiles {
            track_min,
            track_max,
            n_playlists: playlists.len(),
            n_genres: genres.len(),
            n_subgenres: subgenres.len(),
            ..Default::default()
        };
        for tracks in by_artist.iter().take(n) {
            let mut moments: [Moments; N_FEATURES] = Default::default();
            let mut popularity = Moments::default();
            let mut year = Moments::default();
            let mut pl: HashMap<u32, f32> = HashMap::new();
            let mut ge: HashMap<u32, f32> = HashMap::new();
            let mut sg: HashMap<u32, f32> = HashMap::new();
            for &t in tracks {
                let track = &catalog.tracks[t];
                for (k, v) in track.features.continuous().into_iter().enumerate() {
                    if let Some(v) = v {
                        moments[k].push(f64::from(v));
                    }
                }
                if let Some(pop) = track.popularity {
                    popularity.push(f64::from(pop));
                }
                if let Some(y) = track.release_year() {
                    year.push(f64::from(y));
                }
                for &m in memberships_of.get(track.id.as_str()).into_iter().flatten() {
                    let m = &catalog.memberships[m];
                    *pl.entry(playlists[m.playlist_id.as_str()]).or_default() += 1.0;
                    if let Some(g) = m.genre.as_deref() {
                        *ge.entry(genres[g]).or_default() += 1.0;
                    }
                    if let Some(s) = m.subgenre.as_deref() {
                        *sg.entry(subgenres[s]).or_default() += 1.0;
                    }
                }
            }
            p.track_counts.push(tracks.len() as u32);
            p.feature_means
                .push(std::array::from_fn(|k| moments[k].mean()));
            p.feature_stds
                .push(std::array::from_fn(|k| moments[k].std()));
            p.popularity.push(popularity.mean());
            p.mean_year.push(year.mean());
            p.playlists.push(to_sparse(pl));
            p.genres.push(to_sparse(ge));
            p.subgenres.push(to_sparse(sg));
        }
        p
    }
}
