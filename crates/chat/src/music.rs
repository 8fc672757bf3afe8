//! The track catalog the engine answers from: every track of the bundled tables with the
//! attributes requests are about (playlist genres and subgenres, release year, popularity, audio
//! features, Korean act or not), artist and title lookups, and artist likeness from the tracks.
//!
//! Built once per process from the merged bundled datasets (about 40k tracks;
//! `soundalike_sources::bundled`, whose parse `serve`'s first pipeline run shares); an artist is
//! a Korean act when the merge gave it the `k-pop` genre. Every answer reads it in memory.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use soundalike_core::names::loose_key;
use soundalike_core::{Catalog, NameIndex, Resolution};

/// A track attribute requests speak about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Axis {
    /// 0..1
    #[serde(rename = "d")]
    Danceability,
    /// 0..1
    #[serde(rename = "e")]
    Energy,
    /// dB
    #[serde(rename = "l")]
    Loudness,
    /// 0..1
    #[serde(rename = "s")]
    Speechiness,
    /// 0..1
    #[serde(rename = "a")]
    Acousticness,
    /// 0..1
    #[serde(rename = "i")]
    Instrumentalness,
    /// 0..1
    #[serde(rename = "v")]
    Valence,
    /// BPM
    #[serde(rename = "t")]
    Tempo,
    /// 0..100
    #[serde(rename = "p")]
    Popularity,
    /// Release year.
    #[serde(rename = "y")]
    Year,
}

impl Axis {
    /// Every axis.
    pub const ALL: [Axis; 10] = [
        Axis::Danceability,
        Axis::Energy,
        Axis::Loudness,
        Axis::Speechiness,
        Axis::Acousticness,
        Axis::Instrumentalness,
        Axis::Valence,
        Axis::Tempo,
        Axis::Popularity,
        Axis::Year,
    ];

    /// Its name in the vocabulary tables.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Danceability => "danceability",
            Axis::Energy => "energy",
            Axis::Loudness => "loudness",
            Axis::Speechiness => "speechiness",
            Axis::Acousticness => "acousticness",
            Axis::Instrumentalness => "instrumentalness",
            Axis::Valence => "valence",
            Axis::Tempo => "tempo",
            Axis::Popularity => "popularity",
            Axis::Year => "year",
        }
    }
}

/// Hangul spellings of titles: spelling, catalog title, artist (optional).
const TITLE_SPELLINGS: &str = include_str!("../vocab/titles.tsv");

/// The six playlist genres of the TidyTuesday table.
pub const GENRES: [&str; 6] = ["edm", "latin", "pop", "r&b", "rap", "rock"];

/// One track.
#[derive(Debug, Clone)]
pub struct Song {
    /// Spotify track id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Position of its artist.
    pub artist: u32,
    /// 0..100 on its table's scale.
    pub popularity: u8,
    /// Release year (TidyTuesday tracks).
    pub year: Option<u16>,
    /// A track by a Korean act.
    pub korean: bool,
    /// Bit per [`GENRES`] entry.
    pub genres: u8,
    /// Bit per [`Music::subgenres`] entry.
    pub subgenres: u32,
    /// Features in [`Axis::ALL`] order up to tempo; NaN when unknown.
    pub features: [f32; 8],
}

impl Song {
    /// The value of an axis, when known.
    pub fn value(&self, axis: Axis) -> Option<f32> {
        let v = match axis {
            Axis::Popularity => f32::from(self.popularity),
            Axis::Year => f32::from(self.year?),
            other => self.features[other as usize],
        };
        (!v.is_nan()).then_some(v)
    }
}

/// One artist.
#[derive(Debug, Clone)]
pub struct Act {
    /// Display name.
    pub name: String,
    /// Its tracks, most popular first.
    pub tracks: Vec<u32>,
    /// Mean features (scaled to about 0..1) then genre shares, for likeness.
    pub profile: Vec<f32>,
    /// A Korean act (see `soundalike_sources::bundled::korean_acts`).
    pub korean: bool,
}

/// The catalog.
pub struct Music {
    /// Tracks.
    pub songs: Vec<Song>,
    /// Artists.
    pub acts: Vec<Act>,
    /// Subgenre labels.
    pub subgenres: Vec<String>,
    names: NameIndex,
    /// Loose key of each name and alias → artist (on a clash, the artist with more tracks).
    loose: HashMap<String, u32>,
    /// Loose key of each alias → artist.
    aliases: HashMap<String, u32>,
    /// Loose key of a title without version suffixes → tracks.
    titles: HashMap<String, Vec<u32>>,
    by_id: HashMap<String, u32>,
    /// Tracks per [`GENRES`] bit, then Korean acts': what a genre request reads instead of
    /// every track.
    by_genre: [Vec<u32>; GENRES.len() + 1],
    /// Per [`Axis::ALL`] entry, the tracks with a known value in the order of that value: a
    /// bounded request reads the tracks within its bound instead of every track.
    by_axis: Vec<AxisIndex>,
    /// Per artist, its profile in one flat record: the likeness pass reads them in a row.
    likeness: Vec<Likeness>,
}

/// Length of an artist profile: scaled mean features, then genre shares.
const PROFILE_LEN: usize = PROFILE_SCALE.len() + GENRES.len() + 1;

/// An artist's profile for [`Music::neighbours`].
#[derive(Clone, Copy)]
struct Likeness {
    profile: [f32; PROFILE_LEN],
    korean: bool,
    /// It has a profile.
    known: bool,
    /// It has a profile and at least two tracks: it may be someone's neighbour.
    comparable: bool,
}

impl Likeness {
    fn of(act: &Act) -> Likeness {
        let mut profile = [0.0; PROFILE_LEN];
        let known = act.profile.len() == PROFILE_LEN;
        if known {
            profile.copy_from_slice(&act.profile);
        }
        Likeness {
            profile,
            korean: act.korean,
            known,
            comparable: known && act.tracks.len() >= 2,
        }
    }
}

/// The tracks with a known value on one axis, sorted by it (ties by position).
#[derive(Default)]
struct AxisIndex {
    values: Vec<f32>,
    tracks: Vec<u32>,
}

impl AxisIndex {
    fn new(songs: &[Song], axis: Axis) -> AxisIndex {
        let mut pairs: Vec<(f32, u32)> = songs
            .iter()
            .enumerate()
            .filter_map(|(t, song)| Some((song.value(axis)?, t as u32)))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (values, tracks) = pairs.into_iter().unzip();
        AxisIndex { values, tracks }
    }
}

impl std::fmt::Debug for Music {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Music")
            .field("songs", &self.songs.len())
            .field("acts", &self.acts.len())
            .finish()
    }
}

/// A title without version suffixes: "Yesterday - Remastered 2009" and "Señorita (feat. X)"
/// are the songs "Yesterday" and "Señorita".
pub fn base_title(title: &str) -> &str {
    let mut end = title.len();
    for cut in [" - ", " (", " [", " – "] {
        if let Some(at) = title.find(cut).filter(|&at| at > 0) {
            end = end.min(at);
        }
    }
    title[..end].trim()
}

/// Features scaled for likeness: (index in `Song::features`, offset, scale).
const PROFILE_SCALE: [(usize, f32, f32); 7] = [
    (0, 0.0, 1.0),
    (1, 0.0, 1.0),
    (3, 0.0, 2.0),
    (4, 0.0, 1.0),
    (5, 0.0, 0.5),
    (6, 0.0, 1.0),
    (7, 60.0, 120.0),
];

impl Music {
    /// Build from a catalog (the bundled datasets, merged).
    pub fn new(catalog: &Catalog, aliases: &[(String, String)]) -> Music {
        use soundalike_sources::bundled::{KOREAN_ACT_GENRE, KOREAN_ACT_SOURCE};
        let mut subgenres: Vec<String> = catalog
            .memberships
            .iter()
            .filter_map(|m| m.subgenre.clone())
            .collect();
        subgenres.sort();
        subgenres.dedup();
        let korean_acts: std::collections::HashSet<&str> = catalog
            .genres
            .iter()
            .filter(|g| g.source == KOREAN_ACT_SOURCE && g.genre == KOREAN_ACT_GENRE)
            .map(|g| g.artist_id.0.as_str())
            .collect();
        let mut acts: Vec<Act> = Vec::new();
        let mut act_of: HashMap<&str, u32> = HashMap::new();
        let mut songs: Vec<Song> = Vec::new();
        let mut by_id: HashMap<String, u32> = HashMap::new();
        let names: HashMap<&str, &str> = catalog
            .artists
            .iter()
            .map(|a| (a.id.0.as_str(), a.name.as_str()))
            .collect();
        for track in &catalog.tracks {
            let (Some(title), Some((id, artist))) = (
                track.name.as_deref(),
                track
                    .artist_id
                    .as_ref()
                    .and_then(|id| Some((id.0.as_str(), *names.get(id.0.as_str())?))),
            ) else {
                continue;
            };
            let korean = korean_acts.contains(id);
            let artist = *act_of.entry(id).or_insert_with(|| {
                acts.push(Act {
                    name: artist.to_string(),
                    tracks: Vec::new(),
                    profile: Vec::new(),
                    korean,
                });
                acts.len() as u32 - 1
            });
            let f = &track.features;
            let nan = |v: Option<f32>| v.unwrap_or(f32::NAN);
            by_id.insert(track.id.clone(), songs.len() as u32);
            songs.push(Song {
                id: track.id.clone(),
                title: title.to_string(),
                artist,
                popularity: track.popularity.unwrap_or(0),
                year: track.release_year(),
                korean,
                genres: 0,
                subgenres: 0,
                features: [
                    nan(f.danceability),
                    nan(f.energy),
                    nan(f.loudness),
                    nan(f.speechiness),
                    nan(f.acousticness),
                    nan(f.instrumentalness),
                    nan(f.valence),
                    nan(f.tempo),
                ],
            });
        }
        for m in &catalog.memberships {
            let Some(&t) = by_id.get(&m.track_id) else {
                continue;
            };
            let song = &mut songs[t as usize];
            if let Some(g) = m
                .genre
                .as_deref()
                .and_then(|g| GENRES.iter().position(|x| *x == g))
            {
                song.genres |= 1 << g;
            }
            if let Some(s) = m
                .subgenre
                .as_deref()
                .and_then(|s| subgenres.iter().position(|x| x == s))
            {
                song.subgenres |= 1 << s;
            }
        }
        for (t, song) in songs.iter().enumerate() {
            acts[song.artist as usize].tracks.push(t as u32);
        }
        for act in &mut acts {
            act.tracks.sort_by(|&a, &b| {
                songs[b as usize]
                    .popularity
                    .cmp(&songs[a as usize].popularity)
                    .then(a.cmp(&b))
            });
            act.profile = profile(&songs, &act.tracks);
        }
        let names = NameIndex::new(
            acts.iter()
                .map(|a| (a.name.as_str(), a.tracks.len() as f64)),
        );
        let mut loose: HashMap<String, u32> = HashMap::new();
        for (i, act) in acts.iter().enumerate() {
            let key = loose_key(&act.name);
            let keep = loose
                .get(&key)
                .is_some_and(|&o| acts[o as usize].tracks.len() >= act.tracks.len());
            if !key.is_empty() && !keep {
                loose.insert(key, i as u32);
            }
        }
        let aliases: Vec<(String, u32)> = aliases
            .iter()
            .filter_map(|(alias, name)| Some((loose_key(alias), *loose.get(&loose_key(name))?)))
            .collect();
        // An alias wins over a name with the same key (블핑 is BLACKPINK whatever else is).
        loose.extend(aliases.iter().cloned());
        let aliases: HashMap<String, u32> = aliases.into_iter().collect();
        let mut titles: HashMap<String, Vec<u32>> = HashMap::new();
        for (t, song) in songs.iter().enumerate() {
            let base = base_title(&song.title);
            let mut keys = vec![loose_key(base)];
            // "Galaxy 우주를 줄게", "예뻤어 You Were Beautiful": each script's part on its own.
            let hangul: String = base
                .chars()
                .filter(|c| crate::vocab::is_hangul(*c) || c.is_whitespace())
                .collect();
            let latin: String = base
                .chars()
                .filter(|c| !crate::vocab::is_hangul(*c))
                .collect();
            if !loose_key(&hangul).is_empty() && loose_key(&latin).chars().count() >= 2 {
                keys.push(loose_key(&hangul));
                keys.push(loose_key(&latin));
            }
            keys.dedup();
            for key in keys.into_iter().filter(|k| !k.is_empty()) {
                titles.entry(key).or_default().push(t as u32);
            }
        }
        // Hangul spellings of titles (vocab/titles.tsv).
        for line in TITLE_SPELLINGS.lines().filter(|l| !l.starts_with('#')) {
            let mut fields = line.split('\t');
            let (Some(spelling), Some(title)) = (fields.next(), fields.next()) else {
                continue;
            };
            let by = fields.next().filter(|a| !a.is_empty()).map(loose_key);
            let found: Vec<u32> = titles
                .get(&loose_key(title))
                .into_iter()
                .flatten()
                .copied()
                .filter(|&t| {
                    by.as_ref().is_none_or(|a| {
                        loose_key(&acts[songs[t as usize].artist as usize].name) == *a
                    })
                })
                .collect();
            if !found.is_empty() {
                let entry = titles.entry(loose_key(spelling)).or_default();
                entry.extend(found);
                entry.sort_unstable();
                entry.dedup();
            }
        }
        let mut by_genre: [Vec<u32>; GENRES.len() + 1] = Default::default();
        for (t, song) in songs.iter().enumerate() {
            for (g, list) in by_genre.iter_mut().enumerate() {
                let korean = g == GENRES.len();
                if (korean && song.korean) || (!korean && song.genres & (1 << g) != 0) {
                    list.push(t as u32);
                }
            }
        }
        let by_axis = Axis::ALL
            .iter()
            .map(|&a| AxisIndex::new(&songs, a))
            .collect();
        let likeness = acts.iter().map(Likeness::of).collect();
        Music {
            songs,
            acts,
            subgenres,
            names,
            loose,
            aliases,
            titles,
            by_id,
            by_genre,
            by_axis,
            likeness,
        }
    }

    /// The tracks whose `axis` value is known and within `low..=high`, each once.
    pub fn within(&self, axis: Axis, low: f32, high: f32) -> &[u32] {
        let index = &self.by_axis[axis as usize];
        let start = index.values.partition_point(|&v| v < low);
        let end = index.values.partition_point(|&v| v <= high);
        &index.tracks[start..end.max(start)]
    }

    /// At least as many as [`Music::in_genres`] yields for the same arguments.
    pub fn in_genres_bound(&self, genres: u8, korean: bool) -> usize {
        self.by_genre
            .iter()
            .enumerate()
            .filter(|&(g, _)| {
                if g == GENRES.len() {
                    korean
                } else {
                    genres & (1 << g) != 0
                }
            })
            .map(|(_, list)| list.len())
            .sum()
    }

    /// Every track with a [`GENRES`] bit of `genres` or, when `korean`, by a Korean act;
    /// each once.
    pub fn in_genres(&self, genres: u8, korean: bool) -> impl Iterator<Item = u32> + '_ {
        self.by_genre
            .iter()
            .enumerate()
            .filter(move |&(g, _)| {
                if g == GENRES.len() {
                    korean
                } else {
                    genres & (1 << g) != 0
                }
            })
            .flat_map(move |(g, list)| {
                list.iter().copied().filter(move |&t| {
                    // A track in several of the genres asked for comes from the first one.
                    let shared = self.songs[t as usize].genres & genres;
                    if g == GENRES.len() {
                        shared == 0
                    } else {
                        shared.trailing_zeros() as usize == g
                    }
                })
            })
    }

    /// The catalog of every bundled dataset, built once per process (from the parse the
    /// pipeline shares, see `soundalike_sources::bundled::imported`).
    pub fn bundled() -> Arc<Music> {
        static MUSIC: OnceLock<Arc<Music>> = OnceLock::new();
        MUSIC
            .get_or_init(|| {
                let started = std::time::Instant::now();
                let catalog = match soundalike_sources::bundled::import(&[]) {
                    Ok(merged) => merged.catalog,
                    Err(error) => {
                        tracing::error!(%error, "bundled datasets unreadable: no track catalog");
                        Catalog::default()
                    }
                };
                let aliases: Vec<(String, String)> = soundalike_recommend::alias_pairs()
                    .map(|(a, n)| (a.to_string(), n.to_string()))
                    .collect();
                let music = Music::new(&catalog, &aliases);
                tracing::info!(
                    tracks = music.songs.len(),
                    artists = music.acts.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "track catalog built"
                );
                Arc::new(music)
            })
            .clone()
    }

    /// The artist a text names exactly (case, spacing, accents, punctuation forgiven) or
    /// through an alias.
    pub fn artist_exact(&self, text: &str) -> Option<u32> {
        // One letter is a word, a digit, an initial: never a name on its own (a one-syllable
        // Korean name counts only through the alias table: 퀸, 딘).
        let key = loose_key(text);
        if key.chars().nth(1).is_none() {
            return self.aliases.get(&key).copied();
        }
        self.loose.get(&key).copied()
    }

    /// The artist a text names within a few typos, for texts long enough that a typo match is
    /// not a different short word (`min_chars` letters at least).
    pub fn artist_forgiving(&self, text: &str, min_chars: usize) -> Option<u32> {
        if loose_key(text).chars().count() < min_chars {
            return None;
        }
        match self.names.resolve(text, 0) {
            Resolution::Found { entry, .. } => Some(entry as u32),
            Resolution::Unknown { .. } => None,
        }
    }

    /// The best-known artist whose name starts with the text's words ("kendrick" → Kendrick
    /// Lamar), for texts of `min_chars` letters or more.
    pub fn artist_by_first_words(&self, text: &str, min_chars: usize) -> Option<u32> {
        if loose_key(text).chars().count() < min_chars {
            return None;
        }
        let prefix = format!("{} ", soundalike_core::names::normalize_name(text));
        self.names
            .search(text, 8)
            .into_iter()
            .filter(|h| h.kind == soundalike_core::resolve::MatchKind::Prefix)
            .map(|h| h.entry as u32)
            .find(|&a| {
                soundalike_core::names::normalize_name(&self.acts[a as usize].name)
                    .starts_with(&prefix)
            })
    }

    /// Tracks whose title (without version suffixes) is the text.
    pub fn titled(&self, text: &str) -> &[u32] {
        self.titles
            .get(&loose_key(text))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The track with a Spotify id.
    pub fn by_id(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The track with an id starting with a short handle (what contexts carry).
    pub fn handle(&self, song: u32) -> &str {
        handle_of(&self.songs[song as usize].id)
    }

    /// Up to `k` artists most like `act` (by mean features and genre shares), nearest first.
    pub fn neighbours(&self, act: u32, k: usize) -> Vec<u32> {
        let me = &self.likeness[act as usize];
        if !me.known {
            return Vec::new();
        }
        let mut scored: Vec<(f32, u32)> = self
            .likeness
            .iter()
            .enumerate()
            .filter(|(i, other)| *i as u32 != act && other.comparable)
            .map(|(i, other)| {
                let mut d: f32 = me
                    .profile
                    .iter()
                    .zip(&other.profile)
                    .map(|(x, y)| (x - y) * (x - y))
                    .sum();
                if other.korean != me.korean {
                    d += 0.6;
                }
                (d, i as u32)
            })
            .collect();
        let k = k.min(scored.len());
        if k == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        scored.truncate(k);
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, a)| a).collect()
    }

    /// The playlist genres of a track (with `k-pop` for a Korean act's).
    pub fn genre_labels(&self, song: &Song) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = GENRES
            .iter()
            .enumerate()
            .filter(|(g, _)| song.genres & (1 << g) != 0)
            .map(|(_, g)| *g)
            .collect();
        if song.korean {
            out.push("k-pop");
        }
        out
    }

    /// The subgenres of a track.
    pub fn subgenre_labels<'a>(&'a self, song: &Song) -> impl Iterator<Item = &'a str> {
        let bits = song.subgenres;
        self.subgenres
            .iter()
            .enumerate()
            .filter(move |(s, _)| bits & (1 << s) != 0)
            .map(|(_, s)| s.as_str())
    }
}

/// Characters of a track id kept in a context (collisions among 40k ids are negligible).
pub const HANDLE_CHARS: usize = 8;

/// The handle of a track id: its first [`HANDLE_CHARS`] characters.
pub fn handle_of(id: &str) -> &str {
    id.char_indices()
        .nth(HANDLE_CHARS)
        .map_or(id, |(end, _)| &id[..end])
}

fn profile(songs: &[Song], tracks: &[u32]) -> Vec<f32> {
    let mut sums = [0.0f32; PROFILE_SCALE.len()];
    let mut counts = [0u32; PROFILE_SCALE.len()];
    let mut genres = [0.0f32; GENRES.len() + 1];
    for &t in tracks {
        let song = &songs[t as usize];
        for (slot, (feature, offset, scale)) in PROFILE_SCALE.iter().enumerate() {
            let v = song.features[*feature];
            if !v.is_nan() {
                sums[slot] += ((v - offset) / scale).clamp(-1.0, 2.0);
                counts[slot] += 1;
            }
        }
        for (g, share) in genres.iter_mut().take(GENRES.len()).enumerate() {
            if song.genres & (1 << g) != 0 {
                *share += 1.0;
            }
        }
        if song.korean {
            genres[GENRES.len()] += 1.0;
        }
    }
    if counts.iter().all(|&c| c == 0) {
        return Vec::new();
    }
    let n = tracks.len().max(1) as f32;
    sums.iter()
        .zip(counts)
        .map(|(s, c)| if c == 0 { 0.5 } else { s / c as f32 })
        .chain(genres.iter().map(|g| 0.5 * g / n))
        .collect()
}

/// A small catalog for unit tests: a few artists, titles, genres and features.
#[cfg(test)]
pub(crate) fn tiny() -> Music {
    use soundalike_core::names::{artist_id_for, normalize_name};
    use soundalike_core::{Artist, AudioFeatures, PlaylistMembership, Track};
    let artist = |name: &str| Artist {
        id: artist_id_for(name),
        name: name.into(),
        normalized_name: normalize_name(name),
    };
    let track = |id: &str, title: &str, by: &str, popularity: u8, energy: f32, tempo: f32| Track {
        id: id.into(),
        name: Some(title.into()),
        artist_id: Some(artist_id_for(by)),
        popularity: Some(popularity),
        album_id: None,
        album_name: None,
        release_date: Some("2015-01-01".into()),
        duration_ms: None,
        features: AudioFeatures {
            energy: Some(energy),
            tempo: Some(tempo),
            danceability: Some(0.6),
            valence: Some(0.5),
            acousticness: Some(0.2),
            ..AudioFeatures::default()
        },
    };
    let tidy = Catalog {
        artists: [
            "Coldplay",
            "Taio Cruz",
            "Post Malone",
            "Lana Del Rey",
            "Lorde",
        ]
        .map(artist)
        .to_vec(),
        tracks: vec![
            track("tc000001", "Dynamite", "Taio Cruz", 77, 0.8, 120.0),
            track("pm000001", "Circles", "Post Malone", 90, 0.7, 120.0),
            track("cp000001", "Yellow - Remastered", "Coldplay", 80, 0.4, 88.0),
            track("cp000002", "Clocks", "Coldplay", 75, 0.6, 130.0),
            track(
                "ld000001",
                "Summertime Sadness",
                "Lana Del Rey",
                80,
                0.5,
                112.0,
            ),
            track("lo000001", "Royals", "Lorde", 80, 0.4, 85.0),
        ],
        memberships: vec![PlaylistMembership {
            playlist_id: "p".into(),
            playlist_name: None,
            genre: Some("rock".into()),
            subgenre: Some("permanent wave".into()),
            track_id: "cp000002".into(),
        }],
        ..Catalog::default()
    };
    let mut catalog = tidy;
    catalog.artists.extend(["BTS", "IU", "TWICE"].map(artist));
    catalog.tracks.extend([
        track("bt000001", "Dynamite", "BTS", 86, 0.76, 114.0),
        track("iu000001", "Palette", "IU", 70, 0.5, 120.0),
        track("tw000001", "Fancy", "TWICE", 75, 0.9, 120.0),
    ]);
    catalog.genres.extend(
        ["BTS", "IU", "TWICE"].map(|name| soundalike_core::ArtistGenre {
            artist_id: artist_id_for(name),
            source: soundalike_sources::bundled::KOREAN_ACT_SOURCE.into(),
            genre: soundalike_sources::bundled::KOREAN_ACT_GENRE.into(),
        }),
    );
    catalog.sort();
    let aliases = [
        ("아이유", "IU"),
        ("트와이스", "TWICE"),
        ("콜플", "Coldplay"),
    ]
    .map(|(a, n)| (a.to_string(), n.to_string()));
    Music::new(&catalog, &aliases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genre_lists_give_each_matching_track_once() {
        let music = tiny();
        for genres in 0..(1u8 << GENRES.len()) {
            for korean in [false, true] {
                let mut got: Vec<u32> = music.in_genres(genres, korean).collect();
                got.sort_unstable();
                let want: Vec<u32> = (0..music.songs.len() as u32)
                    .filter(|&t| {
                        let song = &music.songs[t as usize];
                        song.genres & genres != 0 || (korean && song.korean)
                    })
                    .collect();
                assert_eq!(got, want, "genres {genres:b}, korean {korean}");
            }
        }
    }

    #[test]
    fn axis_ranges_give_each_track_within_once() {
        let music = tiny();
        for axis in Axis::ALL {
            let mut values: Vec<f32> = music.songs.iter().filter_map(|s| s.value(axis)).collect();
            values.extend([f32::NEG_INFINITY, f32::INFINITY]);
            for &low in &values {
                for &high in &values {
                    let mut got = music.within(axis, low, high).to_vec();
                    got.sort_unstable();
                    let want: Vec<u32> = (0..music.songs.len() as u32)
                        .filter(|&t| {
                            music.songs[t as usize]
                                .value(axis)
                                .is_some_and(|v| low <= v && v <= high)
                        })
                        .collect();
                    assert_eq!(got, want, "{axis:?} {low}..={high}");
                }
            }
        }
    }

    #[test]
    fn names_aliases_and_titles_resolve() {
        let music = tiny();
        let name = |a: Option<u32>| a.map(|a| music.acts[a as usize].name.as_str());
        assert_eq!(
            name(music.artist_exact("lana del rey")),
            Some("Lana Del Rey")
        );
        assert_eq!(name(music.artist_exact("아이유")), Some("IU"));
        assert_eq!(name(music.artist_exact("i")), None);
        assert_eq!(music.titled("yellow").len(), 1);
        assert_eq!(music.titled("Dynamite").len(), 2);
        assert!(music.songs.iter().any(|s| s.korean && s.title == "Fancy"));
    }

    #[test]
    fn base_titles_drop_version_suffixes() {
        assert_eq!(base_title("Yesterday - Remastered 2009"), "Yesterday");
        assert_eq!(base_title("Señorita (feat. Someone)"), "Señorita");
        assert_eq!(base_title("(Intro)"), "(Intro)");
    }
}
