//! Answer a [`Request`] from the catalog: the candidate tracks (all, or those of the seeds'
//! nearest artists), the ones meeting every constraint, moved along the requested shifts, ranked
//! and spread over artists, each with one short reason.

use std::collections::HashSet;

use crate::music::{Axis, Music, Song};
use crate::request::Request;
use crate::vocab::{Bound, Fame, Meaning, Vocab};

/// Tracks per answer.
pub const TRACKS_PER_ANSWER: usize = 10;
/// Most tracks of one artist in one answer.
const PER_ARTIST: usize = 2;
/// Nearest artists whose tracks answer a seed.
const NEIGHBOURS: usize = 40;
/// Popularity (each table's own scale) at most for little-known tracks.
const LOW_FAME: [u8; 2] = [24, 19];

/// Why a track is in an answer: one or two facts from the catalog.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Sounds like a seed artist.
    LikeArtist(String),
    /// Sounds like a seed track.
    LikeSong(String),
    /// Carries a requested subgenre.
    Subgenre(String),
    /// Carries a requested genre.
    Genre(String),
    /// Feature values the request was about.
    Features(Vec<(Axis, f32)>),
    /// Its release year.
    Year(u16),
    /// Its popularity.
    Popularity(u8),
}

/// A recommended track.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    /// Position in [`Music::songs`].
    pub song: u32,
    /// Why, most specific first (one or two).
    pub reasons: Vec<Reason>,
}

/// The constraints of a request, resolved against the vocabulary.
#[derive(Debug, Default)]
struct Constraints {
    genres: u8,
    korean: bool,
    subgenres: u32,
    genre_names: Vec<String>,
    bounds: Vec<Bound>,
    years: Option<(u16, u16)>,
    fame: Option<Fame>,
}

fn constraints(music: &Music, request: &Request) -> Constraints {
    let vocab = Vocab::get();
    let mut out = Constraints::default();
    for name in &request.concepts {
        let Some(Meaning::Filter(f)) = vocab.concept(name).map(|c| &vocab.concepts[c].meaning)
        else {
            continue;
        };
        for g in &f.genres {
            if g == "k-pop" {
                out.korean = true;
            } else if let Some(i) = crate::music::GENRES.iter().position(|x| x == g) {
                out.genres |= 1 << i;
            }
            out.genre_names.push(g.clone());
        }
        for s in &f.subgenres {
            if let Some(i) = music.subgenres.iter().position(|x| x == s) {
                out.subgenres |= 1 << i;
            }
        }
        out.bounds.extend(f.bounds.iter().copied());
        if let Some((a, b)) = f.years {
            out.years = Some(match out.years {
                Some((x, y)) if a.max(x) <= b.min(y) => (a.max(x), b.min(y)),
                _ => (a, b),
            });
        }
        out.fame = f.fame.or(out.fame);
    }
    if request.years.is_some() {
        out.years = request.years;
    }
    out
}

/// Where the tracks a request may admit are all found.
enum Tracks<'m> {
    /// Within one bound (an [`Music::within`] range).
    Listed(&'m [u32]),
    /// In the genres asked for ([`Music::in_genres`]).
    InGenres,
    /// Anywhere.
    All,
}

impl Constraints {
    /// The shortest list that holds every track [`Constraints::admits`] passes: the genres'
    /// tracks, or those within the tightest bound, year range or popularity limit (`bounds`:
    /// the bounds count).
    fn narrowest<'m>(&self, music: &'m Music, bounds: bool) -> Tracks<'m> {
        let mut best = Tracks::All;
        let mut size = music.songs.len();
        if self.genres != 0 || self.korean {
            let n = music.in_genres_bound(self.genres, self.korean);
            if n < size {
                (best, size) = (Tracks::InGenres, n);
            }
        }
        let years = self
            .years
            .map(|(a, b)| music.within(Axis::Year, f32::from(a), f32::from(b)));
        let within = self.bounds.iter().filter(|_| bounds).map(|b| {
            if b.min {
                music.within(b.axis, b.value, f32::INFINITY)
            } else {
                music.within(b.axis, f32::NEG_INFINITY, b.value)
            }
        });
        let little_known = (self.fame == Some(Fame::Low)).then(|| {
            let most = LOW_FAME.iter().max().copied().unwrap_or(u8::MAX);
            music.within(Axis::Popularity, 0.0, f32::from(most))
        });
        for list in years.into_iter().chain(little_known).chain(within) {
            if list.len() < size {
                (best, size) = (Tracks::Listed(list), list.len());
            }
        }
        best
    }

    fn admits(&self, song: &Song, bounds: bool) -> bool {
        if (self.genres != 0 || self.korean)
            && song.genres & self.genres == 0
            && !(self.korean && song.korean)
        {
            return false;
        }
        if self.subgenres != 0 && song.subgenres & self.subgenres == 0 {
            return false;
        }
        if let Some((a, b)) = self.years
            && !song.year.is_some_and(|y| (a..=b).contains(&y))
        {
            return false;
        }
        if self.fame == Some(Fame::Low) && song.popularity > LOW_FAME[usize::from(song.korean)] {
            return false;
        }
        !bounds
            || self.bounds.iter().all(|b| match song.value(b.axis) {
                Some(v) if b.min => v >= b.value,
                Some(v) => v <= b.value,
                None => false,
            })
    }
}

/// Each seed's nearest artists: the marts' (`hint`) first, then the catalog's own likeness, up to
/// `k` of those. Work per seed is done once: a shorter list is a prefix of this one.
struct Nearest {
    hints: Vec<Vec<u32>>,
    likeness: Vec<Vec<u32>>,
}

impl Nearest {
    fn new(music: &Music, seeds: &[u32], hint: &dyn Fn(u32) -> Vec<u32>, k: usize) -> Self {
        Nearest {
            hints: seeds.iter().map(|&s| hint(s)).collect(),
            likeness: seeds.iter().map(|&s| music.neighbours(s, k)).collect(),
        }
    }
}

/// The seed artists' nearest artists, nearest first, with how near (1 = nearest), using the
/// catalog's likeness up to `k` artists per seed.
fn seed_pool(seeds: &[u32], nearest: &Nearest, k: usize) -> Vec<(u32, f32)> {
    let lists: Vec<Vec<u32>> = nearest
        .hints
        .iter()
        .zip(&nearest.likeness)
        .map(|(hint, likeness)| {
            let mut list = hint.clone();
            for &n in likeness.iter().take(k) {
                if !list.contains(&n) {
                    list.push(n);
                }
            }
            list
        })
        .collect();
    // Blend: round-robin over the seeds' lists.
    let mut out: Vec<(u32, f32)> = Vec::new();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    for rank in 0..longest {
        for list in &lists {
            if let Some(&a) = list.get(rank)
                && !seeds.contains(&a)
                && !out.iter().any(|(x, _)| *x == a)
            {
                out.push((a, 1.0 / (1.0 + rank as f32 / 8.0)));
            }
        }
    }
    out
}

fn distance(a: &Song, b: &Song) -> f32 {
    const SCALE: [f32; 8] = [1.0, 1.0, 20.0, 0.5, 1.0, 1.0, 1.0, 60.0];
    a.features
        .iter()
        .zip(&b.features)
        .zip(SCALE)
        .filter(|((x, y), _)| !x.is_nan() && !y.is_nan())
        .map(|((x, y), s)| ((x - y) / s).powi(2))
        .sum::<f32>()
        .sqrt()
}

/// Answer a request: up to [`TRACKS_PER_ANSWER`] tracks not in `seen` (track handles).
/// `hint` gives other nearest artists of an artist (the similarity marts), tried first.
pub fn answer(
    music: &Music,
    request: &Request,
    seen: &HashSet<&str>,
    hint: &dyn Fn(u32) -> Vec<u32>,
) -> Vec<Pick> {
    let c = constraints(music, request);
    let seeds: Vec<u32> = request
        .artists
        .iter()
        .filter_map(|n| music.artist_exact(n))
        .collect();
    let seed_song = request.track.as_deref().and_then(|id| music.by_id(id));
    let excluded: HashSet<u32> = request
        .exclude
        .iter()
        .filter_map(|n| music.artist_exact(n))
        .collect();
    let unseen = |t: u32| seen.is_empty() || !seen.contains(music.handle(t));

    // Candidates with a closeness to the seeds (0..1).
    let mut seed_artists = seeds.clone();
    if let Some(s) = seed_song {
        seed_artists.insert(0, music.songs[s as usize].artist);
    }
    let nearest = if seed_artists.is_empty() {
        None
    } else {
        Some(Nearest::new(music, &seed_artists, hint, NEIGHBOURS * 5))
    };
    let gather = |k: usize, bounds: bool| -> Vec<(u32, f32)> {
        let admit = |t: u32| {
            let song = &music.songs[t as usize];
            !excluded.contains(&song.artist)
                && Some(t) != seed_song
                && unseen(t)
                && c.admits(song, bounds)
        };
        let Some(nearest) = &nearest else {
            let admitted = |tracks: &mut dyn Iterator<Item = u32>| -> Vec<(u32, f32)> {
                tracks.filter(|&t| admit(t)).map(|t| (t, 0.0)).collect()
            };
            return match c.narrowest(music, bounds) {
                Tracks::Listed(list) => admitted(&mut list.iter().copied()),
                Tracks::InGenres => admitted(&mut music.in_genres(c.genres, c.korean)),
                Tracks::All => admitted(&mut (0..music.songs.len() as u32)),
            };
        };
        let mut pool = seed_pool(&seed_artists, nearest, k);
        if let Some(s) = seed_song {
            // The song's own artist counts too, its other songs a little less near.
            pool.insert(0, (music.songs[s as usize].artist, 0.8));
        }
        let mut out = Vec::new();
        for (artist, near) in pool {
            for &t in &music.acts[artist as usize].tracks {
                if admit(t) {
                    let mut near = near;
                    if let Some(s) = seed_song {
                        near -= 0.5 * distance(&music.songs[s as usize], &music.songs[t as usize]);
                    }
                    out.push((t, near));
                }
            }
        }
        out
    };
    let mut candidates = gather(NEIGHBOURS, true);
    if !seed_artists.is_empty() && candidates.len() < 3 * TRACKS_PER_ANSWER {
        candidates = gather(NEIGHBOURS * 5, true);
    }
    if candidates.len() < TRACKS_PER_ANSWER / 2 {
        // Too few meet every bound: the nearest tracks, bounds aside, rather than nothing.
        candidates = gather(NEIGHBOURS * 5, false);
    }

    // Shifts: keep the part of the candidates past a quantile of the feature.
    for &(axis, step) in &request.shifts {
        let mut values: Vec<f32> = candidates
            .iter()
            .filter_map(|&(t, _)| music.songs[t as usize].value(axis))
            .collect();
        if values.len() < 2 * TRACKS_PER_ANSWER {
            continue;
        }
        values.sort_by(f32::total_cmp);
        let q = match step.unsigned_abs() {
            1 => 0.5,
            2 => 0.7,
            _ => 0.85,
        };
        let at = if step > 0 {
            ((values.len() - 1) as f32 * q) as usize
        } else {
            ((values.len() - 1) as f32 * (1.0 - q)) as usize
        };
        let cut = values[at];
        let kept: Vec<(u32, f32)> = candidates
            .iter()
            .copied()
            .filter(|&(t, _)| {
                music.songs[t as usize]
                    .value(axis)
                    .is_some_and(|v| if step > 0 { v >= cut } else { v <= cut })
            })
            .collect();
        if kept.len() >= TRACKS_PER_ANSWER {
            candidates = kept;
        }
    }

    // Well-known: the top of what is left, by each table's own scale.
    if c.fame == Some(Fame::High) {
        // The popularity at 4/5 of the candidates, from a histogram (popularity is a byte).
        let mut counts = [0usize; 256];
        for &(t, _) in &candidates {
            counts[usize::from(music.songs[t as usize].popularity)] += 1;
        }
        let rank = candidates.len() * 4 / 5;
        let mut below = 0;
        let cut = counts.iter().position(|&n| {
            below += n;
            below > rank
        });
        if let Some(cut) = cut {
            candidates.retain(|&(t, _)| usize::from(music.songs[t as usize].popularity) >= cut);
        }
    }

    let score = |&(t, near): &(u32, f32)| -> f32 {
        let song = &music.songs[t as usize];
        let fame = f32::from(song.popularity) / 100.0;
        // Margin past the bounds: a calm request prefers the calmest of the calm.
        let margin: f32 = c
            .bounds
            .iter()
            .filter_map(|b| {
                let v = song.value(b.axis)?;
                let scale = if b.axis == Axis::Tempo { 40.0 } else { 1.0 };
                Some(if b.min { v - b.value } else { b.value - v } / scale)
            })
            .sum();
        let fame_weight = if c.fame == Some(Fame::Low) { 0.3 } else { 1.0 };
        fame_weight * fame + 2.0 * near + 0.5 * margin.min(0.3)
    };
    let mut scored: Vec<(f32, u32)> = candidates.iter().map(|x| (score(x), x.0)).collect();
    let best_first = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    // Only the head is usually read: sort it alone, the rest only if the head runs out.
    let mut sorted = (TRACKS_PER_ANSWER * 20).min(scored.len());
    if sorted < scored.len() {
        scored.select_nth_unstable_by(sorted, best_first);
    }
    scored[..sorted].sort_by(best_first);

    // Spread over artists and over repeated titles (the same song in several versions).
    let mut picks: Vec<u32> = Vec::new();
    let mut per_artist: std::collections::HashMap<u32, usize> = Default::default();
    let mut titles: HashSet<String> = HashSet::new();
    for at in 0..scored.len() {
        if at == sorted {
            scored[at..].sort_by(best_first);
            sorted = scored.len();
        }
        let t = scored[at].1;
        let song = &music.songs[t as usize];
        let count = per_artist.entry(song.artist).or_default();
        let title = soundalike_core::names::loose_key(crate::music::base_title(&song.title));
        if *count >= PER_ARTIST || !titles.insert(format!("{}/{title}", song.artist)) {
            continue;
        }
        *count += 1;
        picks.push(t);
        if picks.len() == TRACKS_PER_ANSWER {
            break;
        }
    }
    picks
        .into_iter()
        .map(|t| Pick {
            song: t,
            reasons: reasons(music, request, &c, &seeds, seed_song, t),
        })
        .collect()
}

fn reasons(
    music: &Music,
    request: &Request,
    c: &Constraints,
    seeds: &[u32],
    seed_song: Option<u32>,
    t: u32,
) -> Vec<Reason> {
    let song = &music.songs[t as usize];
    let mut out = Vec::new();
    if let Some(s) = seed_song {
        out.push(Reason::LikeSong(music.songs[s as usize].title.clone()));
    } else if let Some(&s) = seeds.first() {
        out.push(Reason::LikeArtist(music.acts[s as usize].name.clone()));
    }
    let bound_axes: Vec<Axis> = {
        let mut axes: Vec<Axis> = c.bounds.iter().map(|b| b.axis).collect();
        axes.extend(request.shifts.iter().map(|(a, _)| *a));
        axes.dedup();
        axes
    };
    if c.subgenres != 0
        && let Some(label) = music.subgenre_labels(song).find(|l| {
            music
                .subgenres
                .iter()
                .position(|x| x == l)
                .is_some_and(|i| c.subgenres & (1 << i) != 0)
        })
    {
        out.push(Reason::Subgenre(label.to_string()));
    } else if !c.genre_names.is_empty()
        && let Some(label) = music
            .genre_labels(song)
            .into_iter()
            .find(|g| c.genre_names.iter().any(|n| n == g))
    {
        out.push(Reason::Genre(label.to_string()));
    }
    let features: Vec<(Axis, f32)> = bound_axes
        .iter()
        .filter(|a| !matches!(a, Axis::Popularity | Axis::Year))
        .filter_map(|&a| Some((a, song.value(a)?)))
        .take(2)
        .collect();
    if !features.is_empty() {
        out.push(Reason::Features(features));
    }
    if (c.years.is_some() || bound_axes.contains(&Axis::Year))
        && let Some(y) = song.year
    {
        out.push(Reason::Year(y));
    }
    if c.fame.is_some() || bound_axes.contains(&Axis::Popularity) {
        out.push(Reason::Popularity(song.popularity));
    }
    if out.is_empty() {
        match music.subgenre_labels(song).next() {
            Some(label) => out.push(Reason::Subgenre(label.to_string())),
            None => out.push(Reason::Popularity(song.popularity)),
        }
    }
    out.truncate(2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every track a request admits is in the list it reads instead of the whole catalog, for
    /// each filter concept alone, with a decade, and with another concept.
    #[test]
    fn narrowest_list_holds_every_admitted_track() {
        let music = Music::bundled();
        let vocab = Vocab::get();
        let filters: Vec<&str> = vocab
            .concepts
            .iter()
            .filter(|c| matches!(c.meaning, Meaning::Filter(_)))
            .map(|c| c.name)
            .collect();
        let mut requests: Vec<Request> = Vec::new();
        for (i, &name) in filters.iter().enumerate() {
            let request = |concepts: Vec<&str>, years| Request {
                concepts: concepts.into_iter().map(String::from).collect(),
                years,
                ..Request::default()
            };
            requests.push(request(vec![name], None));
            requests.push(request(vec![name], Some((1990, 1999))));
            requests.push(request(
                vec![name, filters[(i * 7 + 3) % filters.len()]],
                None,
            ));
        }
        for request in &requests {
            let c = constraints(&music, request);
            for bounds in [true, false] {
                let listed: HashSet<u32> = match c.narrowest(&music, bounds) {
                    Tracks::Listed(list) => list.iter().copied().collect(),
                    Tracks::InGenres => music.in_genres(c.genres, c.korean).collect(),
                    Tracks::All => continue,
                };
                for (t, song) in music.songs.iter().enumerate() {
                    if c.admits(song, bounds) {
                        assert!(
                            listed.contains(&(t as u32)),
                            "{:?} (bounds {bounds}) admits {} but does not list it",
                            request.concepts,
                            song.title
                        );
                    }
                }
            }
        }
    }
}
