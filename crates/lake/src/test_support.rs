//! For tests of every crate that writes or reads an S3 lake: the S3 test server that
//! `scripts/services/s3.sh` starts, read from `SOUNDALIKE_TEST_S3_*`.

use std::time::{SystemTime, UNIX_EPOCH};

/// An S3 lake location for one test, under its own prefix.
#[derive(Debug, Clone)]
pub struct S3Lake {
    /// `s3://bucket/<test>-<unique>`.
    pub url: String,
    /// Settings for [`crate::Lake::open_with`].
    pub settings: Vec<(String, String)>,
}

impl S3Lake {
    /// The `AWS_*` variables a child `soundalike` process needs to reach the same server.
    pub fn env(&self) -> Vec<(String, String)> {
        self.settings
            .iter()
            .map(|(k, v)| (k.to_ascii_uppercase(), v.clone()))
            .collect()
    }

    /// Open the lake.
    pub fn lake(&self) -> crate::Lake {
        crate::Lake::open_with(&self.url, &self.settings).expect("the S3 test lake opens")
    }
}

/// The S3 test server with a fresh prefix named after `test`; `None` with a notice when
/// `SOUNDALIKE_TEST_S3_URL` is unset, except under CI (`CI` set), where that is a failure.
pub fn s3_lake(test: &str) -> Option<S3Lake> {
    let Ok(base) = std::env::var("SOUNDALIKE_TEST_S3_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the S3 tests: source scripts/services.sh (SOUNDALIKE_TEST_S3_URL is unset)"
        );
        eprintln!("skipping {test}: SOUNDALIKE_TEST_S3_URL is unset (. scripts/services.sh)");
        return None;
    };
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is unset"));
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    let endpoint = var("SOUNDALIKE_TEST_S3_ENDPOINT");
    Some(S3Lake {
        url: format!(
            "{}/{test}-{}-{nanos}",
            base.trim_end_matches('/'),
            std::process::id()
        ),
        settings: vec![
            ("aws_endpoint_url_s3".into(), endpoint.clone()),
            (
                "aws_allow_http".into(),
                endpoint.starts_with("http:").to_string(),
            ),
            ("aws_region".into(), "us-east-1".into()),
            (
                "aws_access_key_id".into(),
                var("SOUNDALIKE_TEST_S3_ACCESS_KEY_ID"),
            ),
            (
                "aws_secret_access_key".into(),
                var("SOUNDALIKE_TEST_S3_SECRET_ACCESS_KEY"),
            ),
        ],
    })
}
