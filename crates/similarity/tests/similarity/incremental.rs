//! Incremental update on the bundled catalog: an artist held out of the fitted `hybrid` model,
//! then inserted, gets the same neighbours and enters the same lists as a full recompute.

use soundalike_similarity::hybrid::{Basis, Model, Weights};
use soundalike_similarity::{Neighbour, Profiles, incremental, kernel};

const K: usize = 10;

/// Same indices in the same order, except where scores tie (or differ by rounding).
fn assert_same(row: usize, got: &[Neighbour], want: &[Neighbour]) {
    assert_eq!(got.len(), want.len(), "row {row}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            g.index == w.index || (g.score - w.score).abs() <= 1e-5,
            "row {row}: {got:?} vs {want:?}"
        );
    }
}

#[test]
fn inserted_artist_matches_full_recompute() {
    let catalog = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    let profiles = Profiles::build(&catalog);
    let w = Weights::default();

    // The held-out artist: the one with most tracks (the presence boost puts it in many lists,
    // so the reverse update has real work to do).
    let held = (0..profiles.len())
        .max_by_key(|&a| (profiles.track_counts[a], std::cmp::Reverse(a)))
        .unwrap();

    // A model fitted without it; "before" is the catalog without its row.
    let fit = |a: usize| a != held;
    let basis = Basis::build_over(&profiles, &w, &fit);
    let model = Model::fit(&profiles, &w, Some(&basis), &fit);
    let mut embedding = model.embed(&profiles);
    embedding.valid[held] = false;
    let mut lists = kernel::top_k_all(&embedding, K);
    assert!(lists.iter().flatten().all(|n| n.index as usize != held));

    // The artist arrives: its vectors from the fitted model, then the incremental insert.
    let vectors = model.row(&profiles, held);
    assert_eq!(vectors.query.as_slice(), embedding.queries.row(held));
    embedding.valid[held] = true;
    let changed = incremental::insert(&embedding, &mut lists, held, K);

    let full = kernel::top_k_all(&embedding, K);
    for (row, (got, want)) in lists.iter().zip(&full).enumerate() {
        assert_same(row, got, want);
    }
    let entered = full
        .iter()
        .filter(|l| l.iter().any(|n| n.index as usize == held))
        .count();
    assert!(entered >= 3, "held-out artist entered {entered} lists");
    assert_eq!(
        changed.len(),
        entered + 1,
        "changed: the new list plus each list it entered"
    );

    // Against a refit that includes the artist (what a nightly full run would give): the model
    // moves a little (IDF, moments, basis), so lists agree mostly, not exactly.
    let refit = kernel::top_k_all(&soundalike_similarity::hybrid::embed(&profiles, &w), K);
    let (mut same, mut total) = (0usize, 0usize);
    for (a, b) in lists.iter().zip(&refit) {
        total += b.len();
        same += a
            .iter()
            .filter(|x| b.iter().any(|y| y.index == x.index))
            .count();
    }
    let overlap = same as f64 / total as f64;
    eprintln!("overlap with a full refit: {overlap:.4}");
    assert!(overlap >= 0.9, "overlap with a full refit {overlap}");

    // The same through `Embedding::push` (rows appended at the end): the appended artist is a
    // copy of the held-out one, so it must enter the lists right after it.
    let mut grown = embedding.clone();
    grown.push(&vectors, true);
    let mut grown_lists = full.clone();
    let copy = profiles.len();
    incremental::insert(&grown, &mut grown_lists, copy, K);
    assert_same(copy, &grown_lists[copy][1..], &full[held][..K - 1]);
    assert_eq!(grown_lists[copy][0].index as usize, held);
}
