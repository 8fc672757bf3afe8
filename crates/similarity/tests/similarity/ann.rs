//! The IVF path on the real embeddings of the bundled catalog, against the exact kernel.

use soundalike_similarity::{Algorithm, Profiles, ann, kernel};

#[test]
fn ann_recall_on_the_bundled_catalog() {
    let catalog = soundalike_sources::dataset::import_bundled()
        .unwrap()
        .catalog;
    let profiles = Profiles::build(&catalog);
    for (algorithm, bound) in [(Algorithm::Hybrid, 0.95), (Algorithm::Seed, 0.95)] {
        let embedding = algorithm.embed(&profiles);
        let started = std::time::Instant::now();
        let approx = ann::top_k_all(&embedding, 10, &ann::Params::default());
        let ann_time = started.elapsed();
        let exact = kernel::top_k_all(&embedding, 10);
        let recall = ann::recall(&approx, &exact);
        eprintln!("{algorithm}: recall@10 {recall:.4}, IVF build + search {ann_time:.2?}");
        assert!(recall >= bound, "{algorithm}: recall@10 {recall}");
    }
}
