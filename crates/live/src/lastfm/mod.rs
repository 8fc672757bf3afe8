//! Last.fm: `artist.getSimilar` and `artist.getTopTracks`. Numbers arrive as strings, a single
//! result may be an object instead of an array, and errors are `{"error": N, "message"}` bodies
//! (29, rate limited, is retried with backoff). The API key travels in the query and is left out
//! of every recorded URL.

use reqwest::Url;
use serde::{Deserialize, Deserializer};

use crate::http::redacted;
use crate::{FetchError, Http, Secret, decode_or_api_error};

/// The public API.
pub const DEFAULT_API_URL: &str = "https://ws.audioscrobbler.com/2.0/";
const SOURCE: &str = "lastfm";
const RATE_LIMITED: i64 = 29;

/// A number Last.fm may send as a string.
fn lenient_f32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        F(f32),
    }
    Ok(match Option::<N>::deserialize(d)? {
        Some(N::F(f)) => Some(f),
        Some(N::S(s)) => s.trim().parse().ok(),
        None => None,
    })
}

/// One item or a list of them.
fn one_or_many<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(d)? {
        Some(OneOrMany::Many(v)) => v,
        Some(OneOrMany::One(t)) => vec![t],
        None => Vec::new(),
    })
}

/// One similar artist.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct SimilarArtist {
    pub name: String,
    #[serde(default)]
    pub mbid: Option<String>,
    #[serde(default, deserialize_with = "lenient_f32")]
    pub r#match: Option<f32>,
}

/// `artist.getSimilar`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Similar {
    pub similarartists: SimilarList,
}

/// The list inside.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct SimilarList {
    #[serde(default, deserialize_with = "one_or_many")]
    pub artist: Vec<SimilarArtist>,
}

/// One top track.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[allow(missing_docs)]
pub struct TopTrack {
    pub name: String,
    #[serde(default, deserialize_with = "lenient_f32")]
    pub playcount: Option<f32>,
    #[serde(default, deserialize_with = "lenient_f32")]
    pub listeners: Option<f32>,
}

/// `artist.getTopTracks`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TopTracks {
    pub toptracks: TopTrackList,
}

/// The list inside.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TopTrackList {
    #[serde(default, deserialize_with = "one_or_many")]
    pub track: Vec<TopTrack>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: i64,
    #[serde(default)]
    message: String,
}

/// Whether a body is the "rate limit exceeded" error (29).
pub fn rate_limited(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorBody>(body).is_ok_and(|e| e.error == RATE_LIMITED)
}

/// Decode a Last.fm body: its in-body error first, then the shape.
pub fn parse<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    body: &[u8],
) -> Result<T, FetchError> {
    decode_or_api_error(SOURCE, endpoint, body, |body| {
        serde_json::from_slice::<ErrorBody>(body)
            .ok()
            .map(|e| (e.error, e.message))
    })
}

/// The Last.fm client.
#[derive(Debug, Clone)]
pub struct LastFm {
    http: Http,
    api: Url,
    key: Secret,
}

impl LastFm {
    /// A client for `api` with `key`.
    pub fn new(http: Http, api: Url, key: Secret) -> Self {
        Self { http, api, key }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &'static str,
        method: &str,
        artist: &str,
    ) -> Result<T, FetchError> {
        let mut url = self.api.clone();
        url.query_pairs_mut()
            .append_pair("method", method)
            .append_pair("artist", artist)
            .append_pair("autocorrect", "1")
            .append_pair("format", "json");
        let recorded = redacted(&url);
        let mut keyed = url.clone();
        keyed
            .query_pairs_mut()
            .append_pair("api_key", self.key.expose());
        let body = self
            .http
            .get(SOURCE, endpoint, &keyed, &recorded, Some(rate_limited))
            .await?;
        parse(endpoint, &body)
    }

    /// Artists similar to `artist` (by name).
    pub async fn similar(&self, artist: &str) -> Result<Vec<SimilarArtist>, FetchError> {
        Ok(self
            .call::<Similar>("similar", "artist.getSimilar", artist)
            .await?
            .similarartists
            .artist)
    }

    /// Top tracks of `artist` (by name).
    pub async fn top_tracks(&self, artist: &str) -> Result<Vec<TopTrack>, FetchError> {
        Ok(self
            .call::<TopTracks>("top-tracks", "artist.getTopTracks", artist)
            .await?
            .toptracks
            .track)
    }
}

#[cfg(test)]
mod tests {
    use soundalike_fakes::Faults;

    use crate::FetchError;
    use crate::test_support::setup;

    #[tokio::test]
    async fn numbers_as_strings_and_lists() {
        let s = setup(20).await;
        let lastfm = s.sources.lastfm.as_ref().unwrap();
        let similar = lastfm.similar("IU").await.unwrap();
        assert_eq!(similar.len(), s.fake.world().artists[0].related.len());
        assert_eq!(similar[0].r#match, Some(1.0));
        assert_eq!(similar[1].r#match, Some(0.9));
        let top = lastfm.top_tracks("IU").await.unwrap();
        assert_eq!(top.len(), 10);
        assert_eq!(top[0].playcount, Some(100_000.0));
    }

    #[tokio::test]
    async fn a_single_result_may_be_an_object() {
        let s = setup(20).await;
        s.fake.set_faults(Faults {
            lastfm_single: true,
            ..Faults::default()
        });
        let lastfm = s.sources.lastfm.as_ref().unwrap();
        let similar = lastfm.similar("IU").await.unwrap();
        assert_eq!(similar.len(), 1);
        assert_eq!(
            similar[0].name,
            s.fake.world().artists[s.fake.world().artists[0].related[0]].name
        );
        assert_eq!(lastfm.top_tracks("IU").await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn body_errors_are_typed() {
        let s = setup(20).await;
        let lastfm = s.sources.lastfm.as_ref().unwrap();
        let err = lastfm.similar("Nobody Knows Me").await.unwrap_err();
        assert!(matches!(err, FetchError::Api { code: 6, .. }), "{err}");
    }
}
