//! ListenBrainz (open data): similar artists (labs API, one MusicBrainz id per call) and an
//! artist's top recordings. The shared policy paces both hosts at one request per second and
//! sends a meaningful User-Agent.

use reqwest::Url;
use serde::Deserialize;

use crate::{FetchError, Http, decode, endpoint_url};

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

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &'static str,
        url: &Url,
    ) -> Result<T, FetchError> {
        let body = self.http.get(SOURCE, endpoint, url, url, None).await?;
        decode(SOURCE, endpoint, &body)
    }

    /// Artists similar to the MusicBrainz artist `mbid`.
    pub async fn similar(&self, mbid: &str) -> Result<Vec<SimilarArtist>, FetchError> {
        let query = [("artist_mbids", mbid), ("algorithm", ALGORITHM)];
        let url = endpoint_url(&self.labs, "similar-artists/json", &query)?;
        self.get("similar-artists", &url).await
    }

    /// Top recordings of the MusicBrainz artist `mbid`.
    pub async fn top_recordings(&self, mbid: &str) -> Result<Vec<Recording>, FetchError> {
        let path = format!("1/popularity/top-recordings-for-artist/{mbid}");
        let url = endpoint_url(&self.api, &path, &[])?;
        self.get("top-recordings", &url).await
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
