//! ListenBrainz (open data): similar artists (labs API, one MusicBrainz id per call) and an
//! artist's top recordings. The shared policy paces both hosts at one request per second and
//! sends a meaningful User-Agent.

use reqwest::Url;
use serde::Deserialize;

use crate::http::Request;
use crate::{FetchError, Http, decode};

/// The main API.
pub const DEFAULT_API_URL: &str = "https://api.listenbrainz.org";
/// The labs API (similar artists).
pub const DEFAULT_LABS_URL: &str = "https://labs.api.listenbrainz.org";
const SOURCE: &str = "listenbrainz";
const ALGORITHM: &str =
    "session_based_days_7500_session_300_contribution_5_threshold_10_limit_100_filter_True_skip_30";

/// One similar artist.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct SimilarArtist {
    pub artist_mbid: String,
    pub name: String,
    #[serde(default)]
    pub score: Option<f32>,
}

/// One top recording.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct Recording {
    #[serde(default)]
    pub recording_mbid: Option<String>,
    pub recording_name: String,
    #[serde(default)]
    pub total_listen_count: Option<u64>,
}

/// The ListenBrainz client.
#[derive(Debug, Clone)]
pub struct ListenBrainz {
    http: Http,
    api: Url,
    labs: Url,
}

impl ListenBrainz {
    /// A client for the two hosts.
    pub fn new(http: Http, api: Url, labs: Url) -> Self {
        Self { http, api, labs }
    }

    async fn get(&self, endpoint: &'static str, url: Url) -> Result<Vec<u8>, FetchError> {
        Ok(self
            .http
            .send(
                Request {
                    source: SOURCE,
                    endpoint,
                    url: &url,
                    record: true,
                    retry_body: None,
                },
                |c| c.get(url.clone()),
            )
            .await?
            .body)
    }

    /// Artists similar to the MusicBrainz artist `mbid`.
    pub async fn similar(&self, mbid: &str) -> Result<Vec<SimilarArtist>, FetchError> {
        let mut url = self.labs.join("similar-artists/json").map_err(url_err)?;
        url.query_pairs_mut()
            .append_pair("artist_mbids", mbid)
            .append_pair("algorithm", ALGORITHM);
        decode(
            SOURCE,
            "similar-artists",
            &self.get("similar-artists", url).await?,
        )
    }

    /// Top recordings of the MusicBrainz artist `mbid`.
    pub async fn top_recordings(&self, mbid: &str) -> Result<Vec<Recording>, FetchError> {
        let url = self
            .api
            .join(&format!("1/popularity/top-recordings-for-artist/{mbid}"))
            .map_err(url_err)?;
        decode(
            SOURCE,
            "top-recordings",
            &self.get("top-recordings", url).await?,
        )
    }
}

fn url_err(e: impl std::fmt::Display) -> FetchError {
    FetchError::Url {
        url: "listenbrainz".into(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::setup;

    #[tokio::test]
    async fn similar_artists_and_top_recordings() {
        let s = setup(10).await;
        let lb = s.sources.listenbrainz.as_ref().unwrap();
        let mbid = s.fake.world().artists[1].mbid.clone();
        let similar = lb.similar(&mbid).await.unwrap();
        assert_eq!(similar.len(), s.fake.world().artists[1].related.len());
        assert_eq!(lb.top_recordings(&mbid).await.unwrap().len(), 10);
        assert!(s.fake.log().iter().all(|l| l.status == 200));
    }
}
