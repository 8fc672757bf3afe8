//! The in-memory stages of the pipeline on a track table, timed one by one: import, profiles,
//! then per algorithm the embedding, top-10 through the IVF index, and (unless `ivf`) the exact
//! kernel with the index's recall@10 against it. For the threshold between them
//! (`ann::DEFAULT_THRESHOLD`) and `bench/scale`.
//!
//! ```text
//! cargo run --release -p soundalike-similarity --example stages -- [CSV|1x] [ivf|profiles]
//! ```
//! `1x` (the default) is the bundled data; a CSV in its layout comes from `bench/scale/gen.py`.
use std::time::Instant;

use soundalike_similarity::{Algorithm, Profiles, ann, kernel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args.next().unwrap_or_else(|| "1x".into());
    let until = args.next().unwrap_or_default();
    let started = Instant::now();
    let import = match input.as_str() {
        "1x" => soundalike_sources::dataset::import_bundled()?,
        path => soundalike_sources::dataset::import_path(std::path::Path::new(path))?,
    };
    let catalog = import.catalog;
    println!(
        "import      {:>9.2?}  {} artists, {} tracks, {} memberships",
        started.elapsed(),
        catalog.artists.len(),
        catalog.tracks.len(),
        catalog.memberships.len()
    );
    let started = Instant::now();
    let profiles = Profiles::build(&catalog);
    println!(
        "profiles    {:>9.2?}  {} playlists",
        started.elapsed(),
        profiles.n_playlists
    );
    if until == "profiles" {
        return Ok(());
    }
    for algorithm in Algorithm::ALL {
        let started = Instant::now();
        let embedding = algorithm.embed(&profiles);
        let sparse = embedding.sparse.as_ref();
        println!(
            "{algorithm:<6} embed {:>9.2?}  {} dense columns, {} sparse non-zeros",
            started.elapsed(),
            embedding.queries.dim(),
            sparse.map_or(0, |s| s.nnz())
        );
        let started = Instant::now();
        let approximate = ann::top_k_all(&embedding, 10, &ann::Params::default());
        println!("{algorithm:<6} ivf   {:>9.2?}", started.elapsed());
        if until == "ivf" {
            continue;
        }
        let started = Instant::now();
        let exact = kernel::top_k_all(&embedding, 10);
        println!(
            "{algorithm:<6} exact {:>9.2?}  recall@10 of the index {:.4}",
            started.elapsed(),
            ann::recall(&approximate, &exact)
        );
    }
    Ok(())
}
