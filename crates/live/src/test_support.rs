//! Test helpers: the fake APIs on a local port, clients pointed at them, a fresh lake.

use std::collections::HashMap;
use std::time::Duration;

use soundalike_fakes::{FakeApis, World};
use soundalike_lake::raw::RawLake;

use crate::{HttpPolicy, LiveConfig, Sources};

pub struct Setup {
    pub fake: FakeApis,
    pub sources: Sources,
    pub dir: tempfile::TempDir,
}

/// A quick policy: no pacing, short backoff, short timeout.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy {
        timeout: Duration::from_millis(500),
        max_attempts: 4,
        backoff: Duration::from_millis(5),
        host_intervals: HashMap::new(),
        default_interval: Duration::ZERO,
        ..HttpPolicy::default()
    }
}

pub fn config(fake: &FakeApis) -> LiveConfig {
    let vars: HashMap<&str, String> = fake.env().into_iter().collect();
    LiveConfig::from_vars(|k| vars.get(k).cloned())
}

pub async fn setup(artists: usize) -> Setup {
    setup_with(artists, fast_policy()).await
}

pub async fn setup_with(artists: usize, policy: HttpPolicy) -> Setup {
    let fake = FakeApis::start(World::generate(artists)).await;
    let dir = tempfile::tempdir().unwrap();
    let sources = Sources::build(&config(&fake), policy, Some(RawLake::new(dir.path()))).unwrap();
    Setup { fake, sources, dir }
}

impl Setup {
    pub fn raw_zone(&self) -> RawLake {
        RawLake::new(self.dir.path())
    }

    /// The lake in the same folder as the raw zone.
    pub fn lake(&self) -> soundalike_lake::Lake {
        soundalike_lake::Lake::open(self.dir.path().to_str().unwrap()).unwrap()
    }

    pub fn raw(&self) -> Vec<soundalike_lake::raw::RawRecord> {
        let (records, errors) = RawLake::new(self.dir.path()).records();
        assert!(errors.is_empty(), "{errors:?}");
        records
    }
}
