//! The conversation corpus (`tests/corpus/`, see its README) against the real engine: the
//! bundled pipeline builds the similarity marts once, then every single utterance and every
//! dialogue turn (with the context the previous reply returned) is answered and judged by the
//! returned tracks' catalog attributes, read here from the two tables, never by reply wording.
//! Prints the pass rate per category; fails below the acceptance floor.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;
use soundalike_chat::{Context, Engine, EngineConfig, Lang, Reply, ReplyBody};
use soundalike_core::names::loose_key;

/// Every category must reach this share of passing lines (the acceptance goal).
const FLOOR: f64 = 0.90;

/// What the corpus judges by: one track's catalog attributes.
#[derive(Debug, Default, Clone)]
struct Attributes {
    artist: String,
    title: String,
    korean: bool,
    genres: HashSet<String>,
    subgenres: HashSet<String>,
    year: Option<u16>,
    features: HashMap<&'static str, f64>,
}

fn catalog() -> HashMap<String, Attributes> {
    let mut out: HashMap<String, Attributes> = HashMap::new();
    let tidy = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    let kpop = soundalike_sources::kpop::import_bundled().unwrap().catalog;
    for (catalog, korean) in [(&tidy, false), (&kpop, true)] {
        let names: HashMap<_, _> = catalog.artists.iter().map(|a| (&a.id, &a.name)).collect();
        for t in &catalog.tracks {
            let entry = out.entry(t.id.clone()).or_default();
            entry.korean |= korean;
            entry.year = entry.year.or(t.release_year());
            if entry.artist.is_empty() {
                entry.artist = t
                    .artist_id
                    .as_ref()
                    .and_then(|a| names.get(a))
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                entry.title = t.name.clone().unwrap_or_default();
                let f = &t.features;
                for (name, v) in [
                    ("danceability", f.danceability),
                    ("energy", f.energy),
                    ("loudness", f.loudness),
                    ("speechiness", f.speechiness),
                    ("acousticness", f.acousticness),
                    ("instrumentalness", f.instrumentalness),
                    ("liveness", f.liveness),
                    ("valence", f.valence),
                    ("tempo", f.tempo),
                ] {
                    if let Some(v) = v {
                        entry.features.insert(name, f64::from(v));
                    }
                }
                if let Some(p) = t.popularity {
                    entry.features.insert("popularity", f64::from(p));
                }
            }
        }
    }
    for m in &tidy.memberships {
        if let Some(entry) = out.get_mut(&m.track_id) {
            entry.genres.extend(m.genre.clone());
            entry.subgenres.extend(m.subgenre.clone());
        }
    }
    for entry in out.values_mut() {
        if entry.korean {
            entry.genres.insert("k-pop".into());
        }
    }
    out
}

/// What a reply presents, as the judge sees it.
#[derive(Debug, Default)]
struct Seen {
    seeds: Vec<String>,
    seed_track: Option<(String, String)>,
    tracks: Vec<String>,
    choices: Vec<String>,
    unavailable: bool,
}

fn seen(reply: &Reply) -> Seen {
    match &reply.body {
        ReplyBody::Recommendation(r) => Seen {
            seeds: vec![r.artist.name.clone()],
            tracks: r
                .similar
                .iter()
                .flat_map(|s| s.artist.tracks.iter().map(|t| t.id.clone()))
                .collect(),
            ..Seen::default()
        },
        ReplyBody::Tracks(t) => Seen {
            seeds: t.seeds.clone(),
            seed_track: t.seed_track.clone(),
            tracks: t.tracks.iter().map(|p| p.id.clone()).collect(),
            ..Seen::default()
        },
        ReplyBody::Choices { options, .. } => Seen {
            choices: options.iter().map(|(_, a)| a.clone()).collect(),
            ..Seen::default()
        },
        ReplyBody::NotInCatalog { alternatives, .. } => Seen {
            unavailable: !alternatives.is_empty(),
            ..Seen::default()
        },
        _ => Seen::default(),
    }
}

fn same_song(a: &str, b: &str) -> bool {
    let base = |t: &str| {
        let mut end = t.len();
        for cut in [" - ", " (", " ["] {
            if let Some(at) = t.find(cut).filter(|&at| at > 0) {
                end = end.min(at);
            }
        }
        loose_key(&t[..end])
    };
    base(a) == base(b)
}

fn mean(catalog: &HashMap<String, Attributes>, tracks: &[String], feature: &str) -> Option<f64> {
    let values: Vec<f64> = tracks
        .iter()
        .filter_map(|t| catalog.get(t))
        .filter_map(|a| match feature {
            "year" => a.year.map(f64::from),
            f => a.features.get(f).copied(),
        })
        .collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Share of tracks (among those `counted`) meeting `test`; `None` when none can be counted.
fn share(
    catalog: &HashMap<String, Attributes>,
    tracks: &[String],
    counted: impl Fn(&Attributes) -> bool,
    test: impl Fn(&Attributes) -> bool,
) -> Option<f64> {
    let known: Vec<&Attributes> = tracks
        .iter()
        .filter_map(|t| catalog.get(t))
        .filter(|a| counted(a))
        .collect();
    (!known.is_empty())
        .then(|| known.iter().filter(|a| test(a)).count() as f64 / known.len() as f64)
}

/// Every broken expectation of one reply (empty: it passes).
fn judge(
    catalog: &HashMap<String, Attributes>,
    expect: &Value,
    now: &Seen,
    earlier: &HashSet<String>,
    previous: Option<&Seen>,
) -> Vec<String> {
    let mut failed = Vec::new();
    let Some(expect) = expect.as_object() else {
        return vec!["no expectation".into()];
    };
    let labels = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (key, want) in expect {
        let ok = match key.as_str() {
            "seed_artist" => now.seeds.iter().any(|s| Some(s.as_str()) == want.as_str()),
            "seed_artists" => labels(want).iter().all(|w| now.seeds.contains(w)),
            "seed_track" => now.seed_track.as_ref().is_some_and(|(title, artist)| {
                Some(artist.as_str()) == want["artist"].as_str()
                    && same_song(title, want["title"].as_str().unwrap_or_default())
            }),
            "choices" => {
                let distinct: HashSet<&String> = now.choices.iter().collect();
                distinct.len() >= 2
            }
            "genre" => {
                let wanted = labels(want);
                share(
                    catalog,
                    &now.tracks,
                    |_| true,
                    |a| wanted.iter().any(|w| a.genres.contains(w)),
                )
                .is_some_and(|s| s >= 0.7)
            }
            "subgenre" => {
                let wanted = labels(want);
                share(
                    catalog,
                    &now.tracks,
                    |_| true,
                    |a| wanted.iter().any(|w| a.subgenres.contains(w)),
                )
                .is_some_and(|s| s >= 0.7)
            }
            "features" => want.as_object().is_some_and(|bounds| {
                bounds.iter().all(|(feature, bound)| {
                    mean(catalog, &now.tracks, feature).is_some_and(|m| {
                        bound["min"].as_f64().is_none_or(|min| m >= min)
                            && bound["max"].as_f64().is_none_or(|max| m <= max)
                    })
                })
            }),
            "era" => {
                let (from, to) = (
                    want["from"].as_u64().unwrap_or(0) as u16,
                    want["to"].as_u64().unwrap_or(9999) as u16,
                );
                share(
                    catalog,
                    &now.tracks,
                    |a| a.year.is_some(),
                    |a| a.year.is_some_and(|y| (from..=to).contains(&y)),
                )
                .is_some_and(|s| s >= 0.7)
            }
            "korean" => {
                share(catalog, &now.tracks, |_| true, |a| a.korean).is_some_and(|s| s >= 0.7)
            }
            "no_tracks" => now.tracks.is_empty(),
            "unavailable" => now.unavailable && now.tracks.is_empty(),
            "not_artist" => {
                let name = want.as_str().unwrap_or_default();
                !now.tracks
                    .iter()
                    .filter_map(|t| catalog.get(t))
                    .any(|a| a.artist == name)
            }
            "new_tracks_min" => {
                let new = now.tracks.iter().filter(|t| !earlier.contains(*t)).count();
                new as u64 >= want.as_u64().unwrap_or(0)
            }
            "moves" => want.as_object().is_some_and(|moves| {
                moves.iter().all(|(feature, direction)| {
                    let before = previous.and_then(|p| mean(catalog, &p.tracks, feature));
                    let after = mean(catalog, &now.tracks, feature);
                    match (before, after, direction.as_str()) {
                        (Some(b), Some(a), Some("up")) => a > b,
                        (Some(b), Some(a), Some("down")) => a < b,
                        _ => false,
                    }
                })
            }),
            other => panic!("unknown expectation {other}"),
        };
        if !ok {
            failed.push(key.clone());
        }
    }
    failed
}

fn engine() -> Engine {
    let dir = tempfile::tempdir().unwrap();
    let stores = dir.path().join("soundalike.sqlite");
    let options = soundalike_pipeline::Options {
        input: soundalike_pipeline::Input::bundled(),
        lake: dir.path().join("lake").display().to_string(),
        stores: stores.clone().into(),
        algorithms: vec![soundalike_similarity::Algorithm::DEFAULT],
        k: 10,
        strategy: Default::default(),
        partition: soundalike_lake::Partition::today(),
        progress: false,
        guard: Default::default(),
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(soundalike_pipeline::run(options)).unwrap();
    let stores = runtime
        .block_on(soundalike_store::Locations::sqlite(&stores).open())
        .unwrap();
    let recommender = runtime
        .block_on(soundalike_recommend::Recommender::load_from(stores))
        .unwrap();
    // The data folder may go: the snapshot is in memory.
    std::mem::forget(dir);
    Engine::new(
        Arc::new(recommender),
        EngineConfig {
            algorithm: soundalike_similarity::Algorithm::DEFAULT.name().to_string(),
            ..EngineConfig::default()
        },
    )
}

fn lines(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn lang(line: &Value) -> Option<Lang> {
    line["lang"].as_str().and_then(Lang::from_tag)
}

#[test]
fn the_corpus_passes_in_every_category() {
    let engine = engine();
    let catalog = catalog();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let ask = |text: &str, lang: Option<Lang>, context: Option<Context>| {
        runtime
            .block_on(engine.reply_in(text, lang, context))
            .unwrap()
    };
    // category → (passed, total)
    let mut tally: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut failures: Vec<String> = Vec::new();
    for line in lines("singles.jsonl") {
        let category = line["category"].as_str().unwrap().to_string();
        let text = line["text"].as_str().unwrap();
        let reply = ask(text, lang(&line), None);
        let now = seen(&reply);
        let failed = judge(&catalog, &line["expect"], &now, &HashSet::new(), None);
        let entry = tally.entry(category).or_default();
        entry.1 += 1;
        if failed.is_empty() {
            entry.0 += 1;
        } else {
            failures.push(format!(
                "{} {text:?}: {failed:?} → {}",
                line["id"].as_str().unwrap_or_default(),
                reply
                    .text()
                    .replace('\n', " | ")
                    .chars()
                    .take(160)
                    .collect::<String>()
            ));
        }
    }
    for dialogue in lines("dialogues.jsonl") {
        let mut context: Option<Context> = None;
        let mut earlier: HashSet<String> = HashSet::new();
        let mut previous: Option<Seen> = None;
        let mut all_passed = true;
        for (turn, t) in dialogue["turns"].as_array().unwrap().iter().enumerate() {
            let text = t["text"].as_str().unwrap();
            let reply = ask(text, lang(&dialogue), context.take());
            let now = seen(&reply);
            let failed = judge(&catalog, &t["expect"], &now, &earlier, previous.as_ref());
            if !failed.is_empty() {
                all_passed = false;
                failures.push(format!(
                    "{} turn {turn} {text:?}: {failed:?} → {}",
                    dialogue["id"].as_str().unwrap_or_default(),
                    reply
                        .text()
                        .replace('\n', " | ")
                        .chars()
                        .take(160)
                        .collect::<String>()
                ));
            }
            earlier.extend(now.tracks.iter().cloned());
            // A reply without tracks keeps the previous tracks as what a move is judged from.
            if !now.tracks.is_empty() {
                previous = Some(now);
            }
            context = reply.context;
        }
        let entry = tally.entry("followup".into()).or_default();
        entry.1 += 1;
        entry.0 += usize::from(all_passed);
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    let (mut passed, mut total) = (0, 0);
    println!("{:<14} {:>7} {:>6}", "category", "passed", "rate");
    for (category, (p, n)) in &tally {
        println!(
            "{category:<14} {:>3}/{n:<3} {:>5.1}%",
            p,
            100.0 * *p as f64 / *n as f64
        );
        passed += p;
        total += n;
    }
    println!(
        "{:<14} {passed:>3}/{total:<3} {:>5.1}%",
        "all",
        100.0 * passed as f64 / total as f64
    );
    let below: Vec<&String> = tally
        .iter()
        .filter(|(_, (p, n))| (*p as f64) < FLOOR * *n as f64)
        .map(|(c, _)| c)
        .collect();
    assert!(below.is_empty(), "categories below {FLOOR}: {below:?}");
}
