//! A failpoint for end-to-end crash tests: with `SOUNDALIKE_FAILPOINT=publish-before-commit:PATH`
//! a publish creates the file PATH once every row of its transaction is written, then waits
//! instead of committing, so a test can SIGKILL the process at exactly that moment. Unset (always,
//! outside tests) it costs one environment lookup per publish.

use std::time::Duration;

/// The environment variable that arms the failpoint.
pub const FAILPOINT_VAR: &str = "SOUNDALIKE_FAILPOINT";

const BEFORE_COMMIT: &str = "publish-before-commit:";

pub(crate) async fn before_commit() {
    let Some(marker) = std::env::var(FAILPOINT_VAR)
        .ok()
        .and_then(|spec| spec.strip_prefix(BEFORE_COMMIT).map(String::from))
    else {
        return;
    };
    tracing::warn!(%marker, "failpoint: pausing inside the publish transaction");
    if let Err(error) = std::fs::write(&marker, b"") {
        tracing::warn!(%marker, %error, "failpoint: cannot create the marker");
    }
    tokio::time::sleep(Duration::from_secs(600)).await;
}
