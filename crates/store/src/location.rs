//! Where the stores live, as URLs, and opening them together.

use std::path::Path;

use crate::{Store, StoreError, TopTracks};

/// The relational store's URL and, when the top tracks live elsewhere, the tracks store's.
#[derive(Clone, PartialEq)]
pub struct Locations {
    /// `sqlite://PATH` or `mysql://USER:PASSWORD@HOST:PORT/DB`.
    pub store: String,
    /// `dynamodb://TABLE`; `None` = the relational store.
    pub tracks: Option<String>,
}

impl std::fmt::Debug for Locations {
    // By hand: a URL may carry a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locations")
            .field("store", &redact(&self.store))
            .field("tracks", &self.tracks.as_deref().map(redact))
            .finish()
    }
}

impl Locations {
    /// An SQLite file holding everything.
    pub fn sqlite(path: &Path) -> Self {
        Self {
            store: format!("sqlite://{}", path.display()),
            tracks: None,
        }
    }

    /// Open both stores (migrating the relational one, creating a missing tracks table).
    pub async fn open(&self) -> Result<Stores, StoreError> {
        let store = Store::open_url(&self.store).await?;
        let tracks = TopTracks::open(self.tracks.as_deref(), &store, &self.store).await?;
        Ok(Stores { store, tracks })
    }
}

impl From<&Path> for Locations {
    fn from(path: &Path) -> Self {
        Self::sqlite(path)
    }
}

impl From<std::path::PathBuf> for Locations {
    fn from(path: std::path::PathBuf) -> Self {
        Self::sqlite(&path)
    }
}

/// The opened stores.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Artists, tracks, genres, marts.
    pub store: Store,
    /// Top tracks.
    pub tracks: TopTracks,
}

impl Stores {
    /// Close the relational store's connections.
    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// A URL with any password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "mysql://root:s3cr3t@db:3306/x",
                "mysql://root:***@db:3306/x",
            ),
            ("mysql://root@db/x", "mysql://root@db/x"),
            ("mysql://u:p@ss@db/x", "mysql://u:***@db/x"),
            ("sqlite://data/a@b.sqlite", "sqlite://data/a@b.sqlite"),
            ("dynamodb://tracks", "dynamodb://tracks"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
    }
}
