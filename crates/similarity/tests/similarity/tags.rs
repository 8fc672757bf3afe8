//! The source-genre (`tags`) block of `hybrid`: absent data changes nothing, present data counts.

use soundalike_core::ArtistGenre;
use soundalike_similarity::hybrid::{self, Weights};
use soundalike_similarity::{Profiles, kernel};

fn bundled() -> soundalike_core::Catalog {
    soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog
}

#[test]
fn no_genre_lists_leave_the_embedding_unchanged() {
    let catalog = bundled();
    assert!(catalog.genres.is_empty());
    let profiles = Profiles::build(&catalog);
    assert_eq!(profiles.n_tags, 0);
    let with = hybrid::embed(&profiles, &Weights::default());
    let without = hybrid::embed(
        &profiles,
        &Weights {
            tags: 0.0,
            ..Weights::default()
        },
    );
    assert!(Weights::default().tags > 0.0);
    assert_eq!(with.queries, without.queries);
    assert_eq!(with.candidates, without.candidates);
    assert_eq!(with.valid, without.valid);
    assert_eq!(with.sparse, without.sparse);
}

#[test]
fn a_shared_genre_list_brings_two_artists_together() {
    let mut catalog = bundled();
    let profiles = Profiles::build(&catalog);
    let base = hybrid::embed(&profiles, &Weights::default());
    // Two valid artists that are not each other's neighbours without genres.
    let lists = kernel::top_k_all(&base, 10);
    let a = (0..profiles.len()).find(|&a| base.valid[a]).unwrap();
    let b = (0..profiles.len())
        .rev()
        .find(|&b| base.valid[b] && b != a && lists[a].iter().all(|n| n.index as usize != b))
        .unwrap();
    for (artist, genres) in [(a, ["zolo", "shimmer pop"]), (b, ["zolo", "shimmer pop"])] {
        for genre in genres {
            catalog.genres.push(ArtistGenre {
                artist_id: catalog.artists[artist].id.clone(),
                source: "spotify".into(),
                genre: genre.into(),
            });
        }
    }
    // A third artist with an unrelated genre, so the dictionary has more than one list.
    catalog.genres.push(ArtistGenre {
        artist_id: catalog.artists[b - 1].id.clone(),
        source: "spotify".into(),
        genre: "polka".into(),
    });
    catalog.sort();
    let profiles = Profiles::build(&catalog);
    assert_eq!(profiles.n_tags, 3);
    let tagged = hybrid::embed(&profiles, &Weights::default());
    // Genre lists are sparse columns: the dense rows keep their width, the sparse part grows by
    // one entry per (artist, genre).
    assert_eq!(tagged.queries.dim(), base.queries.dim());
    let nnz = |e: &kernel::Embedding| e.sparse.as_ref().map_or(0, |s| s.nnz());
    assert_eq!(nnz(&tagged), nnz(&base) + 5);
    let score = |e: &kernel::Embedding| e.score(a, b);
    // Identical unit genre vectors add the full block weight (times b's presence factor).
    assert!(
        score(&tagged) >= score(&base) + Weights::default().tags,
        "{} vs {}",
        score(&tagged),
        score(&base)
    );
}
