//! Deezer: search, artist, related artists, top tracks. No key. Errors arrive inside HTTP 200
//! bodies (`{"error":{"type","message","code"}}`); code 4 ("Quota limit exceeded") is retried
//! with backoff by the shared policy, other codes become [`FetchError::Api`].

use reqwest::Url;
use serde::Deserialize;

use crate::{FetchError, Http, decode_or_api_error, endpoint_url};

/// The public API.
pub const DEFAULT_API_URL: &str = "https://api.deezer.com";
const SOURCE: &str = "deezer";
/// The error code of "Quota limit exceeded".
pub const QUOTA: i64 = 4;

/// An artist.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct Artist {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub nb_fan: Option<u64>,
}

/// A track's artist or album reference.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct Ref {
    pub id: u64,
    #[serde(default, alias = "title")]
    pub name: Option<String>,
}

/// A track.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct Track {
    pub id: u64,
    pub title: String,
    /// Seconds.
    #[serde(default)]
    pub duration: Option<u32>,
    #[serde(default)]
    pub rank: Option<u64>,
    pub artist: Ref,
    #[serde(default)]
    pub album: Option<Ref>,
}

/// A list answer.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct List<T> {
    pub data: Vec<T>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ApiError,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

/// The body's error, when it carries one.
pub fn body_error(body: &[u8]) -> Option<(i64, String)> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|e| (e.error.code, e.error.message))
}

fn quota(body: &[u8]) -> bool {
    body_error(body).is_some_and(|(code, _)| code == QUOTA)
}

/// Decode a Deezer body: its in-body error first, then the shape.
pub fn parse<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    body: &[u8],
) -> Result<T, FetchError> {
    decode_or_api_error(SOURCE, endpoint, body, body_error)
}

/// The Deezer client.
#[derive(Debug, Clone)]
pub struct Deezer {
    http: Http,
    api: Url,
}

impl Deezer {
    /// A client for `api`.
    pub fn new(http: Http, api: Url) -> Self {
        Self { http, api }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, FetchError> {
        let url = endpoint_url(&self.api, path, query)?;
        let body = self
            .http
            .get(SOURCE, endpoint, &url, &url, Some(quota))
            .await?;
        parse(endpoint, &body)
    }

    /// Artists matching `q`.
    pub async fn search_artist(&self, q: &str) -> Result<Vec<Artist>, FetchError> {
        Ok(self
            .get::<List<Artist>>("search-artist", "search/artist", &[("q", q)])
            .await?
            .data)
    }

    /// One artist.
    pub async fn artist(&self, id: u64) -> Result<Artist, FetchError> {
        self.get("artist", &format!("artist/{id}"), &[]).await
    }

    /// Related artists.
    pub async fn related(&self, id: u64) -> Result<Vec<Artist>, FetchError> {
        Ok(self
            .get::<List<Artist>>("related", &format!("artist/{id}/related"), &[])
            .await?
            .data)
    }

    /// Top tracks (`limit` of them).
    pub async fn top(&self, id: u64, limit: u32) -> Result<Vec<Track>, FetchError> {
        let limit = limit.to_string();
        Ok(self
            .get::<List<Track>>("top", &format!("artist/{id}/top"), &[("limit", &limit)])
            .await?
            .data)
    }
}

#[cfg(test)]
mod tests {
    use soundalike_fakes::Faults;

    use crate::FetchError;
    use crate::test_support::setup;

    #[tokio::test]
    async fn search_related_and_top_in_documented_shapes() {
        let s = setup(20).await;
        let deezer = s.sources.deezer.as_ref().unwrap();
        let hits = deezer.search_artist("Coldplay").await.unwrap();
        assert_eq!(hits[0].name, "Coldplay");
        let related = deezer.related(hits[0].id).await.unwrap();
        assert_eq!(related.len(), s.fake.world().artists[2].related.len());
        let top = deezer.top(hits[0].id, 10).await.unwrap();
        assert_eq!(top.len(), 10);
        assert_eq!(top[0].artist.id, hits[0].id);
    }

    #[tokio::test]
    async fn a_quota_error_inside_a_200_body_is_retried() {
        let s = setup(20).await;
        s.fake.set_faults(Faults {
            deezer_quota: 2,
            ..Faults::default()
        });
        let deezer = s.sources.deezer.as_ref().unwrap();
        assert_eq!(deezer.search_artist("BTS").await.unwrap()[0].name, "BTS");
        assert_eq!(s.sources.http.counts()["deezer"].retries, 2);
        // Quota errors past the attempts surface as the API's error.
        s.fake.set_faults(Faults {
            deezer_quota: 50,
            ..Faults::default()
        });
        let err = deezer.search_artist("BTS").await.unwrap_err();
        assert!(matches!(err, FetchError::Api { code: 4, .. }), "{err}");
    }

    #[tokio::test]
    async fn other_body_errors_are_reported_not_retried() {
        let s = setup(20).await;
        let deezer = s.sources.deezer.as_ref().unwrap();
        let err = deezer.artist(999_999).await.unwrap_err();
        assert!(matches!(err, FetchError::Api { code: 800, .. }), "{err}");
        assert_eq!(s.fake.calls("deezer"), 1);
    }
}
