//! Artist similarity: per-artist [`Profiles`] from a catalog, algorithms that turn profiles into
//! vectors ([`Embedding`]), and an exact top-k [`kernel`] that ranks every artist's neighbours.
//!
//! Algorithms, by name ([`Algorithm`]):
//! - `seed`: the original project's method, kept for comparison — per-artist means of six audio
//!   features, min-max scaled by the per-track minimum and maximum, ranked by L1 distance.
//! - `hybrid` (default): collaborative and descriptive signals in one dot product — playlist
//!   co-membership (TF-IDF and its low-rank smoothing), genre and subgenre mix, standardised audio
//!   features, release era, title credits, plus popularity priors. See [`hybrid`].
//!
//! **Invariant:** pure computation. No IO, no SQL, no HTTP; inputs are [`soundalike_core`] types.
//!
//! ```
//! use soundalike_similarity::{Algorithm, Profiles, kernel};
//! let import = soundalike_core::Catalog::default();
//! let profiles = Profiles::build(&import);
//! let embedding = Algorithm::Seed.embed(&profiles);
//! assert!(kernel::top_k_all(&embedding, 10).is_empty());
//! ```
#![deny(missing_docs)]

pub mod ann;
pub mod hybrid;
pub mod incremental;
pub mod kernel;
pub mod profile;
mod quant;
pub mod related;
pub mod seed;
pub mod sparse;

pub use kernel::{Embedding, Metric, Neighbour, Vectors};
pub use profile::Profiles;

/// A similarity algorithm, selectable by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Algorithm {
    /// The original project's method (L1 over min-max scaled mean audio features).
    Seed,
    /// The default: playlist co-membership, genres, audio, era, credits and popularity priors.
    Hybrid,
}

impl Algorithm {
    /// Every algorithm, default first.
    pub const ALL: [Algorithm; 2] = [Algorithm::Hybrid, Algorithm::Seed];

    /// The default algorithm.
    pub const DEFAULT: Algorithm = Algorithm::Hybrid;

    /// The algorithm's name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Seed => "seed",
            Algorithm::Hybrid => "hybrid",
        }
    }

    /// Vectors for every artist in `profiles`.
    pub fn embed(self, profiles: &Profiles) -> Embedding {
        match self {
            Algorithm::Seed => seed::embed(profiles),
            Algorithm::Hybrid => hybrid::embed(profiles, &hybrid::Weights::default()),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown algorithm name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm(pub String);

impl std::fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = Algorithm::ALL.iter().map(|a| a.name()).collect();
        write!(
            f,
            "unknown algorithm {:?} (known: {})",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownAlgorithm {}

impl std::str::FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownAlgorithm(s.to_string()))
    }
}
