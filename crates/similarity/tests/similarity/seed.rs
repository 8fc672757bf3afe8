//! `seed` against a small example computed by hand (see the comments for the arithmetic).

use soundalike_core::names::artist_id_for;
use soundalike_core::{Artist, AudioFeatures, Catalog, Track};
use soundalike_similarity::{Algorithm, Profiles, kernel};

/// (artist, danceability, energy, loudness, speechiness, acousticness, instrumentalness).
/// Liveness, valence and tempo get wild values: seed must ignore them.
const TRACKS: [(&str, [f32; 6]); 4] = [
    ("A", [0.2, 0.4, -10.0, 0.1, 0.5, 0.0]),
    ("A", [0.4, 0.6, -6.0, 0.3, 0.3, 0.2]),
    ("B", [0.8, 0.9, -4.0, 0.5, 0.1, 0.0]),
    ("C", [0.0, 0.2, -12.0, 0.1, 0.9, 0.6]),
];

fn catalog() -> Catalog {
    let mut c = Catalog::default();
    for name in ["A", "B", "C"] {
        c.artists.push(Artist {
            id: artist_id_for(name),
            name: name.into(),
            normalized_name: name.to_lowercase(),
        });
    }
    for (i, (artist, f)) in TRACKS.iter().enumerate() {
        c.tracks.push(Track {
            id: format!("t{i}"),
            name: None,
            artist_id: Some(artist_id_for(artist)),
            popularity: None,
            album_id: None,
            album_name: None,
            release_date: None,
            duration_ms: None,
            features: AudioFeatures {
                danceability: Some(f[0]),
                energy: Some(f[1]),
                loudness: Some(f[2]),
                speechiness: Some(f[3]),
                acousticness: Some(f[4]),
                instrumentalness: Some(f[5]),
                liveness: Some(if *artist == "C" { 0.0 } else { 1.0 }),
                valence: Some(i as f32),
                tempo: Some(60.0 * i as f32),
                key: None,
                mode: None,
            },
        });
    }
    c.sort();
    c
}

#[test]
fn seed_matches_the_hand_computed_example() {
    // Means: A = (0.3, 0.5, -8, 0.2, 0.4, 0.1), B and C = their one track.
    // Per-track ranges: dance 0..0.8, energy 0.2..0.9, loudness -12..-4, speech 0.1..0.5,
    // acoustic 0.1..0.9, instrumental 0..0.6. Scaled:
    //   A = (0.375, 0.428571, 0.5, 0.25, 0.375, 0.166667)
    //   B = (1, 1, 1, 1, 0, 0)      C = (0, 0, 0, 0, 1, 1)
    // L1: A–B = 2.988095, A–C = 3.011905, B–C = 6. Score = 1 - L1 / 6.
    let catalog = catalog();
    let embedding = Algorithm::Seed.embed(&Profiles::build(&catalog));
    let lists = kernel::top_k_all(&embedding, 10);
    let position = |name: &str| catalog.artists.iter().position(|a| a.name == name).unwrap();
    let (a, b, c) = (position("A"), position("B"), position("C"));
    let expect = |of: usize, want: &[(usize, f32)]| {
        let got = &lists[of];
        assert_eq!(got.len(), want.len());
        for (n, (index, score)) in got.iter().zip(want) {
            assert_eq!(n.index as usize, *index);
            assert!((n.score - score).abs() < 1e-5, "{} vs {score}", n.score);
        }
    };
    expect(a, &[(b, 1.0 - 2.988095 / 6.0), (c, 1.0 - 3.011905 / 6.0)]);
    expect(b, &[(a, 1.0 - 2.988095 / 6.0), (c, 0.0)]);
    expect(c, &[(a, 1.0 - 3.011905 / 6.0), (b, 0.0)]);
}

#[test]
fn artists_without_features_get_no_seed_neighbours() {
    let mut catalog = catalog();
    catalog.artists.push(Artist {
        id: artist_id_for("D"),
        name: "D".into(),
        normalized_name: "d".into(),
    });
    catalog.sort();
    let embedding = Algorithm::Seed.embed(&Profiles::build(&catalog));
    let lists = kernel::top_k_all(&embedding, 10);
    let d = catalog.artists.iter().position(|a| a.name == "D").unwrap();
    assert!(lists[d].is_empty());
    assert!(lists.iter().flatten().all(|n| n.index as usize != d));
}

#[test]
fn algorithms_parse_by_name() {
    assert_eq!("seed".parse::<Algorithm>().unwrap(), Algorithm::Seed);
    assert_eq!(" Hybrid ".parse::<Algorithm>().unwrap(), Algorithm::Hybrid);
    let err = "euclid".parse::<Algorithm>().unwrap_err();
    assert!(err.to_string().contains("known: hybrid, seed"));
}
