//! Reproducible tuning of [`hybrid::Weights`] on the *tune* half only.
//!
//! A steepest-ascent coordinate search: starting from some weights, each round sets every
//! parameter in turn to every value of its fixed grid (the others held) and applies the single
//! best change, if it beats the current tune-half nDCG@k by at least [`Search::min_gain`]. Rounds
//! repeat until no change helps or [`Search::rounds`] is reached. Every score comes from [`Setup::evaluate_half`] with
//! [`Half::Tune`], so the test half's queries are never even ranked here.
//!
//! A diversity guard keeps the popularity priors from crowding every list: a candidate setting
//! is admissible only if the number of distinct artists across the tune queries' top-k lists stays
//! at least [`Search::min_distinct_share`] of the starting weights' number.
//!
//! [`search`] runs in two stages: first over the parameters the search began with
//! ([`FIRST_STAGE`]), then from that optimum over every parameter. The first stage reproduces
//! the weights shipped before the later parameters existed; the second adds them where they
//! help, keeping at least [`Search::second_stage_distinct_share`] of the first stage's variety.

use soundalike_similarity::Profiles;
use soundalike_similarity::hybrid::{self, Basis, Tf, Weights};

use crate::{Half, HalfScore, Setup};

/// Search options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Search {
    /// Most moves (each round tries every value of every parameter and applies the best one).
    pub rounds: usize,
    /// Smallest tune nDCG improvement that counts as one.
    pub min_gain: f64,
    /// Admissible settings keep at least this share of the start's distinct tune recommendations.
    pub min_distinct_share: f64,
    /// An absolute floor of distinct tune recommendations instead of the share, when set.
    pub min_distinct: Option<usize>,
    /// The second stage of [`search`] keeps at least this share of the distinct tune
    /// recommendations the first stage ended with.
    pub second_stage_distinct_share: f64,
}

impl Default for Search {
    fn default() -> Self {
        Self {
            rounds: 40,
            min_gain: 1e-4,
            min_distinct_share: 0.75,
            min_distinct: None,
            second_stage_distinct_share: 0.95,
        }
    }
}

/// One accepted change.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Round number (from 1).
    pub round: usize,
    /// Parameter name.
    pub parameter: &'static str,
    /// The new value.
    pub value: f64,
    /// Tune nDCG@k after the change.
    pub tune_ndcg: f64,
    /// Distinct artists across the tune lists after the change.
    pub distinct: usize,
}

/// The search's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The starting weights' tune score.
    pub start: HalfScore,
    /// The chosen weights.
    pub weights: Weights,
    /// Their tune score.
    pub tune: HalfScore,
    /// Distinct artists across the tune lists (start, chosen).
    pub distinct: (usize, usize),
    /// Accepted changes, in order.
    pub steps: Vec<Step>,
    /// Settings evaluated.
    pub evaluations: usize,
}

/// A searchable parameter: its name, grid and setter.
pub struct Parameter {
    /// Name (the field of [`Weights`]).
    pub name: &'static str,
    /// Values tried.
    pub grid: Vec<f64>,
    /// Write a value into weights.
    pub set: fn(&mut Weights, f64),
}

const TFS: [Tf; 4] = [Tf::Raw, Tf::Log, Tf::Binary, Tf::Saturating];

/// The parameters searched, in order. The playlist weight stays 1 as the unit of scale.
pub fn parameters() -> Vec<Parameter> {
    // A parameter that is one f32 field of `Weights`, named after it.
    macro_rules! float {
        ($field:ident, $grid:expr) => {
            Parameter {
                name: stringify!($field),
                grid: $grid,
                set: |w, v| w.$field = v as f32,
            }
        };
    }
    let weights = vec![
        0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0,
    ];
    let boosts = vec![0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0];
    let priors = vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.25, 1.5];
    vec![
        Parameter {
            name: "tf",
            grid: vec![0.0, 1.0, 2.0, 3.0],
            set: |w, v| w.tf = TFS[v as usize],
        },
        float!(tf_k, vec![0.5, 1.2, 2.0, 4.0]),
        float!(idf_power, vec![0.0, 0.5, 1.0, 1.5, 2.0]),
        float!(df_power, vec![0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0]),
        float!(smooth, weights.clone()),
        Parameter {
            name: "smooth_rank",
            grid: vec![8.0, 16.0, 32.0, 64.0, 128.0, 192.0, 256.0],
            set: |w, v| w.smooth_rank = v as usize,
        },
        float!(smooth_power, vec![0.0, 0.5, 1.0]),
        float!(subgenre, weights.clone()),
        float!(genre, weights.clone()),
        float!(label_power, vec![0.25, 0.5, 0.75, 1.0, 1.5]),
        float!(audio, weights.clone()),
        float!(audio_shrink, vec![0.0, 1.0, 3.0, 10.0]),
        float!(audio_spread, weights.clone()),
        float!(era, weights.clone()),
        float!(era_years, vec![2.5, 5.0, 7.5, 10.0]),
        float!(era_first, weights),
        float!(popularity, priors.clone()),
        float!(presence, priors.clone()),
        float!(peak, priors.clone()),
        float!(reach, priors.clone()),
        float!(albums, priors.clone()),
        float!(seniority, priors),
        float!(
            credits,
            vec![0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.7, 1.0]
        ),
        float!(tags, vec![0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0]),
        float!(boost, boosts.clone()),
        float!(boost_popularity, boosts.clone()),
        float!(boost_reach, boosts.clone()),
        float!(boost_albums, boosts),
    ]
}

/// Tune-half scorer with a cache of smoothing bases.
pub struct Scorer<'a> {
    setup: &'a Setup,
    profiles: &'a Profiles,
    bases: Vec<Basis>,
    /// Settings evaluated so far.
    pub evaluations: usize,
}

impl<'a> Scorer<'a> {
    /// A scorer over one setup and the catalog's profiles.
    pub fn new(setup: &'a Setup, profiles: &'a Profiles) -> Self {
        Self {
            setup,
            profiles,
            bases: Vec::new(),
            evaluations: 0,
        }
    }

    /// Tune-half score and distinct tune recommendations of some weights.
    pub fn score(&mut self, w: &Weights) -> (HalfScore, usize) {
        let key = hybrid::basis_key(w);
        if w.smooth > 0.0 && !self.bases.iter().any(|b| b.key == key) {
            self.bases.push(Basis::build(self.profiles, w));
        }
        let basis = self.bases.iter().find(|b| b.key == key);
        self.evaluations += 1;
        let embedding = hybrid::embed_with(self.profiles, w, basis);
        self.setup.evaluate_half(&embedding, Half::Tune)
    }
}

/// The parameters of the first stage of [`search`]: those it had before `df_power`,
/// `label_power`, `era_first` and `seniority` were added.
pub const FIRST_STAGE: [&str; 24] = [
    "tf",
    "tf_k",
    "idf_power",
    "smooth",
    "smooth_rank",
    "smooth_power",
    "subgenre",
    "genre",
    "audio",
    "audio_shrink",
    "audio_spread",
    "era",
    "era_years",
    "popularity",
    "presence",
    "peak",
    "reach",
    "albums",
    "credits",
    "tags",
    "boost",
    "boost_popularity",
    "boost_reach",
    "boost_albums",
];

/// Coordinate search from `start` in two stages (see the module documentation); reads
/// tune-half scores only.
pub fn search(setup: &Setup, profiles: &Profiles, start: Weights, options: &Search) -> Outcome {
    let (first, _): (Vec<Parameter>, Vec<Parameter>) = parameters()
        .into_iter()
        .partition(|p| FIRST_STAGE.contains(&p.name));
    let first = search_over(setup, profiles, start, options, &first);
    let second_options = Search {
        min_distinct: Some(
            (first.distinct.1 as f64 * options.second_stage_distinct_share).ceil() as usize,
        ),
        ..*options
    };
    let second = search_over(
        setup,
        profiles,
        first.weights,
        &second_options,
        &parameters(),
    );
    let rounds = first.steps.len();
    let steps = first
        .steps
        .into_iter()
        .chain(second.steps.into_iter().map(|s| Step {
            round: s.round + rounds,
            ..s
        }))
        .collect();
    Outcome {
        start: first.start,
        weights: second.weights,
        tune: second.tune,
        distinct: (first.distinct.0, second.distinct.1),
        steps,
        evaluations: first.evaluations + second.evaluations,
    }
}

/// Coordinate search from `start` over the given parameters only (e.g. one block's weight, the
/// others held); reads tune-half scores only.
pub fn search_over(
    setup: &Setup,
    profiles: &Profiles,
    start: Weights,
    options: &Search,
    parameters: &[Parameter],
) -> Outcome {
    let mut scorer = Scorer::new(setup, profiles);
    let (start_score, start_distinct) = scorer.score(&start);
    let floor = options
        .min_distinct
        .unwrap_or_else(|| (start_distinct as f64 * options.min_distinct_share).ceil() as usize);
    let (mut best, mut best_score, mut best_distinct) = (start, start_score, start_distinct);
    let mut steps = Vec::new();
    for round in 1..=options.rounds {
        // Steepest ascent: try every value of every parameter, apply the single best move.
        let mut pick: Option<(Weights, HalfScore, usize, &'static str, f64)> = None;
        for parameter in parameters {
            for &value in &parameter.grid {
                let mut w = best;
                (parameter.set)(&mut w, value);
                if w == best {
                    continue;
                }
                let (score, distinct) = scorer.score(&w);
                let to_beat = pick
                    .as_ref()
                    .map_or(best_score.ndcg + options.min_gain, |p| p.1.ndcg);
                if distinct >= floor && score.ndcg > to_beat {
                    pick = Some((w, score, distinct, parameter.name, value));
                }
            }
        }
        let Some((w, score, distinct, parameter, value)) = pick else {
            break;
        };
        best = w;
        best_score = score;
        best_distinct = distinct;
        steps.push(Step {
            round,
            parameter,
            value,
            tune_ndcg: score.ndcg,
            distinct,
        });
    }
    Outcome {
        start: start_score,
        weights: best,
        tune: best_score,
        distinct: (start_distinct, best_distinct),
        steps,
        evaluations: scorer.evaluations,
    }
}

/// Where the search starts: the weights `hybrid` shipped with before tuning (playlist TF-IDF,
/// subgenre, genre, audio means, era, mean-popularity prior; every newer block off).
pub fn start() -> Weights {
    Weights {
        playlist: 1.0,
        tf: Tf::Log,
        tf_k: 1.2,
        idf_power: 1.0,
        df_power: 0.0,
        smooth: 0.0,
        smooth_rank: 64,
        smooth_power: 0.0,
        subgenre: 0.5,
        genre: 0.25,
        label_power: 1.0,
        audio: 0.25,
        audio_shrink: 0.0,
        audio_spread: 0.0,
        era: 0.25,
        era_years: 5.0,
        era_first: 0.0,
        popularity: 0.1,
        presence: 0.0,
        peak: 0.0,
        reach: 0.0,
        albums: 0.0,
        seniority: 0.0,
        credits: 0.0,
        tags: 0.0,
        boost: 0.0,
        boost_popularity: 0.0,
        boost_reach: 0.0,
        boost_albums: 0.0,
    }
}
