//! Publishing: idempotent, atomic on failure, and never a mixed mart for readers; on every
//! backend (SQLite always, MySQL/MariaDB when `SOUNDALIKE_TEST_MYSQL_URL` names a server).

use soundalike_core::names::artist_id_for;
use soundalike_core::{Artist, Catalog, Track};
use soundalike_store::testing::{ScratchDatabase, server_url};
use soundalike_store::{Mart, MartRow, Store};

const NAMES: [&str; 6] = [
    "아이유",
    "BTS",
    "Coldplay",
    "Beyoncé",
    "🎵 Emoji Band",
    "Keane",
];

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    for (i, name) in NAMES.iter().enumerate() {
        c.artists.push(Artist {
            id: artist_id_for(name),
            name: name.to_string(),
            normalized_name: soundalike_core::names::normalize_name(name),
        });
        c.tracks.push(Track {
            id: format!("track{i}"),
            name: Some(format!("노래 {i}")),
            artist_id: Some(artist_id_for(name)),
            popularity: Some(10 * i as u8),
            album_id: None,
            album_name: None,
            release_date: Some("2019".into()),
            duration_ms: Some(1000),
            features: Default::default(),
        });
    }
    c.sort();
    c
}

/// Every artist's k nearest = the next k artists, all with the same `score`.
fn mart(algorithm: &str, k: usize, score: f32) -> Mart {
    let c = catalog();
    let n = c.artists.len();
    let rows = (0..n)
        .flat_map(|a| {
            let c = &c;
            (1..=k).map(move |r| MartRow {
                artist_id: c.artists[a].id.clone(),
                other_id: c.artists[(a + r) % n].id.clone(),
                rank: r as u32,
                score,
            })
        })
        .collect();
    Mart {
        algorithm: algorithm.into(),
        k,
        rows,
    }
}

/// What a test's store lives in; [`Place::remove`] cleans it up.
enum Place {
    Dir(tempfile::TempDir),
    Database(ScratchDatabase),
}

impl Place {
    async fn remove(self) {
        match self {
            Place::Dir(dir) => dir.close().unwrap(),
            Place::Database(db) => db.drop().await.unwrap(),
        }
    }
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    MySql,
}

/// A fresh, empty store; `None` when the backend's server is not configured (outside CI).
async fn open(backend: Backend) -> Option<(Place, Store)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("nested/store.sqlite"))
                .await
                .unwrap();
            Some((Place::Dir(dir), store))
        }
        Backend::MySql => {
            let server = server_url("SOUNDALIKE_TEST_MYSQL_URL")?;
            let db = ScratchDatabase::create(&server).await.unwrap();
            let store = Store::open_url(&db.url).await.unwrap();
            assert_eq!(store.backend(), "mysql");
            Some((Place::Database(db), store))
        }
    }
}

/// `#[tokio::test]`s named `sqlite` and `mysql` in a module named after the check, each running
/// `check(&store)` on a fresh store of its backend.
macro_rules! on_every_backend {
    ($check:ident $(, $flavor:tt)?) => {
        mod $check {
            use super::*;
            #[tokio::test$($flavor)?]
            async fn sqlite() {
                run(Backend::Sqlite).await
            }
            #[tokio::test$($flavor)?]
            async fn mysql() {
                run(Backend::MySql).await
            }
            async fn run(backend: Backend) {
                let Some((place, store)) = open(backend).await else {
                    return;
                };
                super::$check(&store).await;
                store.close().await;
                place.remove().await;
            }
        }
    };
}

on_every_backend!(publishing_twice_duplicates_nothing);
async fn publishing_twice_duplicates_nothing(store: &Store) {
    store
        .publish(&catalog(), &[mart("hybrid", 3, 0.5), mart("seed", 2, 0.4)])
        .await
        .unwrap();
    let first = store.counts().await.unwrap();
    assert_eq!(first, (6, 6, 0, 6 * 3 + 6 * 2));
    let report = store
        .publish(&catalog(), &[mart("hybrid", 3, 0.5), mart("seed", 2, 0.4)])
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap(), first);
    let marts = store.marts().await.unwrap();
    assert_eq!(marts.len(), 2);
    assert_eq!(
        marts.iter().map(|m| m.version).collect::<Vec<_>>(),
        vec![report.marts[0].1, report.marts[1].1]
    );
}

on_every_backend!(unicode_names_round_trip);
async fn unicode_names_round_trip(store: &Store) {
    store
        .publish(&catalog(), &[mart("hybrid", 2, 0.5)])
        .await
        .unwrap();
    let mut names: Vec<String> = store
        .artists()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    names.sort();
    let mut want: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(names, want);
    let iu = artist_id_for("아이유");
    let tracks = store.top_tracks_of_all(3).await.unwrap();
    let (_, track) = tracks.iter().find(|(artist, _)| *artist == iu.0).unwrap();
    assert!(track.name.as_deref().unwrap().starts_with("노래"));
    let ranks: Vec<i64> = neighbours(store, "hybrid", &iu.0)
        .await
        .iter()
        .map(|n| n.0)
        .collect();
    assert_eq!(ranks, vec![1, 2]);
}

/// One artist's (rank, score) list from the current mart, through the read the server uses.
async fn neighbours(store: &Store, algorithm: &str, artist: &str) -> Vec<(i64, f64)> {
    let rows = store.mart_rows(algorithm).await.unwrap();
    rows.into_iter()
        .filter(|r| r.0 == artist)
        .map(|r| (r.2, r.3))
        .collect()
}

async fn name_of(store: &Store, artist: &str) -> String {
    let artists = store.artists().await.unwrap();
    artists
        .into_iter()
        .find(|a| a.artist_id == artist)
        .unwrap()
        .name
}

on_every_backend!(a_publish_failing_midway_leaves_the_previous_state);
async fn a_publish_failing_midway_leaves_the_previous_state(store: &Store) {
    store
        .publish(&catalog(), &[mart("hybrid", 3, 0.5)])
        .await
        .unwrap();
    let before = store.counts().await.unwrap();
    let marts_before = store.marts().await.unwrap();

    // A changed catalog and a good new mart, then a mart the database rejects part-way
    // (a repeated (artist, rank) in its last chunk): nothing of the publish may remain.
    let mut changed = catalog();
    changed.artists[0].name = "Renamed".into();
    changed.artists.push(Artist {
        id: artist_id_for("New"),
        name: "New".into(),
        normalized_name: "new".into(),
    });
    let mut bad = mart("seed", 2, 0.9);
    let last = bad.rows.last().unwrap().clone();
    bad.rows.push(last);
    let err = store
        .publish(&changed, &[mart("hybrid", 3, 0.7), bad])
        .await
        .unwrap_err();
    let message = err.to_string().to_lowercase();
    assert!(
        message.contains("unique") || message.contains("duplicate"),
        "{err}"
    );

    assert_eq!(store.counts().await.unwrap(), before);
    assert_eq!(store.marts().await.unwrap(), marts_before);
    let id = &catalog().artists[0].id.0;
    assert_eq!(name_of(store, id).await, catalog().artists[0].name);
    let scores: Vec<f64> = neighbours(store, "hybrid", id)
        .await
        .iter()
        .map(|n| n.1)
        .collect();
    assert_eq!(scores, vec![0.5; 3]);
    // And the next good publish goes through.
    store
        .publish(&changed, &[mart("hybrid", 3, 0.7)])
        .await
        .unwrap();
    assert_eq!(name_of(store, id).await, "Renamed");
}

on_every_backend!(
    readers_see_the_old_mart_or_the_new_never_a_mix,
    (flavor = "multi_thread", worker_threads = 2)
);
async fn readers_see_the_old_mart_or_the_new_never_a_mix(store: &Store) {
    store
        .publish(&catalog(), &[mart("hybrid", 5, 0.0)])
        .await
        .unwrap();
    let publishing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = {
        let (store, publishing) = (store.clone(), publishing.clone());
        tokio::spawn(async move {
            let mut seen = std::collections::BTreeSet::new();
            // Read the whole mart, as the server's snapshot does, until the publishing stops.
            loop {
                let done = !publishing.load(std::sync::atomic::Ordering::SeqCst);
                let rows = store.mart_rows("hybrid").await.unwrap();
                assert_eq!(rows.len(), 6 * 5, "a mart is always complete");
                let first = rows[0].3;
                assert!(
                    rows.iter().all(|r| r.3 == first),
                    "mixed versions: {rows:?}"
                );
                seen.insert((first * 100.0).round() as i64);
                if done {
                    return seen;
                }
            }
        })
    };
    for round in 1..=30 {
        store
            .publish(&catalog(), &[mart("hybrid", 5, round as f32 / 100.0)])
            .await
            .unwrap();
    }
    publishing.store(false, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    // The reads overlapped the publishes: more than one version was seen, and the last one.
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(seen.contains(&30), "{seen:?}");
    assert_eq!(store.counts().await.unwrap().3, 6 * 5);
}

on_every_backend!(invalid_marts_are_refused_before_writing);
async fn invalid_marts_are_refused_before_writing(store: &Store) {
    let mut m = mart("hybrid", 2, 0.5);
    m.rows[0].score = f32::NAN;
    assert!(store.publish(&catalog(), &[m]).await.is_err());
    assert_eq!(store.counts().await.unwrap(), (0, 0, 0, 0));
}

on_every_backend!(case_and_accent_variants_stay_distinct);
/// Keys that differ only in case or accents are different keys (binary collation), and titles
/// with emoji and combining marks come back byte for byte.
async fn case_and_accent_variants_stay_distinct(store: &Store) {
    let mut c = catalog();
    let titles = ["Beyoncé 🐝", "Beyonce\u{301} 🐝", "BEYONCÉ", "💜 봄날"];
    for (i, title) in titles.iter().enumerate() {
        c.tracks.push(Track {
            id: format!("variant{i}"),
            name: Some(title.to_string()),
            artist_id: Some(artist_id_for("Keane")),
            popularity: Some(90 - i as u8),
            album_id: None,
            album_name: None,
            release_date: None,
            duration_ms: None,
            features: Default::default(),
        });
    }
    for (i, genre) in ["pop", "Pop", "POP", "popé", "pope\u{301}"]
        .iter()
        .enumerate()
    {
        c.memberships.push(soundalike_core::PlaylistMembership {
            playlist_id: format!("p{i}"),
            playlist_name: None,
            genre: Some(genre.to_string()),
            subgenre: Some("k-pop 🇰🇷".into()),
            track_id: "variant0".into(),
        });
    }
    c.sort();
    let report = store.publish(&c, &[mart("hybrid", 2, 0.5)]).await.unwrap();
    assert_eq!(report.genres, 5);
    assert_eq!(
        store.counts().await.unwrap().2,
        5,
        "five distinct genre keys"
    );
    let keane = artist_id_for("Keane").0;
    let got: Vec<String> = store
        .top_tracks_of_all(5)
        .await
        .unwrap()
        .into_iter()
        .filter(|(artist, _)| *artist == keane)
        .filter_map(|(_, t)| t.name)
        .collect();
    assert_eq!(got[..4], titles.map(String::from));
}

on_every_backend!(top_tracks_in_memory_match_the_stores_order);
/// `top_tracks` (what a separate tracks store is given) ranks exactly as the store's read does:
/// popularity descending, unknown popularity last, ties by track id.
async fn top_tracks_in_memory_match_the_stores_order(store: &Store) {
    let mut c = catalog();
    for (i, popularity) in [Some(50), None, Some(70), Some(50), None, Some(0)]
        .into_iter()
        .enumerate()
    {
        c.tracks.push(Track {
            id: format!("z{}", 9 - i),
            name: Some(format!("t{i}")),
            artist_id: Some(artist_id_for("BTS")),
            popularity,
            album_id: None,
            album_name: None,
            release_date: None,
            duration_ms: None,
            features: Default::default(),
        });
    }
    c.sort();
    store.publish(&c, &[]).await.unwrap();
    for limit in [1, 3, 10] {
        let from_store: Vec<(String, String)> = store
            .top_tracks_of_all(limit)
            .await
            .unwrap()
            .into_iter()
            .map(|(artist, t)| (artist, t.track_id))
            .collect();
        let in_memory: Vec<(String, String)> = soundalike_store::top_tracks(&c, limit)
            .into_iter()
            .map(|(_, t)| (t.artist_id.clone().unwrap().0, t.id.clone()))
            .collect();
        assert_eq!(from_store, in_memory, "limit {limit}");
    }
}
