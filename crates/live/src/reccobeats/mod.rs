//! ReccoBeats: audio features for Spotify track ids, no key. The answer does not echo the
//! Spotify id; it is read back from each row's `href` (`https://open.spotify.com/track/<id>`).
//! Ids it does not know are silently missing from the answer.

use reqwest::Url;
use serde::Deserialize;

use crate::spotify::AudioFeature;
use crate::{FetchError, Http, decode, endpoint_url};

/// The public API.
pub const DEFAULT_API_URL: &str = "https://api.reccobeats.com/v1";
const SOURCE: &str = "reccobeats";
/// Ids per call.
pub const IDS_PER_CALL: usize = 40;

/// One row: the Spotify track URL and the features.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// `https://open.spotify.com/track/<id>`.
    pub href: String,
    /// The values.
    #[serde(flatten)]
    pub features: soundalike_core::AudioFeatures,
}

/// `GET /audio-features?ids=`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Features {
    pub content: Vec<Row>,
}

/// The Spotify track id in an `href` such as `https://open.spotify.com/track/<id>?si=..`.
pub fn spotify_id(href: &str) -> Option<&str> {
    let rest = href.split("/track/").nth(1)?;
    let id = rest.split(['?', '/', '#']).next()?;
    (!id.is_empty()).then_some(id)
}

/// Rows mapped back to Spotify ids (rows whose `href` names none are dropped).
pub fn to_features(body: Features) -> Vec<AudioFeature> {
    body.content
        .into_iter()
        .filter_map(|r| {
            Some(AudioFeature {
                id: spotify_id(&r.href)?.to_string(),
                features: r.features,
            })
        })
        .collect()
}

/// The ReccoBeats client.
#[derive(Debug, Clone)]
pub struct ReccoBeats {
    http: Http,
    api: Url,
}

impl ReccoBeats {
    /// A client for `api`.
    pub fn new(http: Http, api: Url) -> Self {
        Self { http, api }
    }

    /// Audio features of the Spotify tracks `ids` it knows, [`IDS_PER_CALL`] per call.
    pub async fn audio_features(&self, ids: &[String]) -> Result<Vec<AudioFeature>, FetchError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_CALL) {
            let ids = chunk.join(",");
            let url = endpoint_url(&self.api, "audio-features", &[("ids", &ids)])?;
            let body = self
                .http
                .get(SOURCE, "audio-features", &url, &url, None)
                .await?;
            out.extend(to_features(decode(SOURCE, "audio-features", &body)?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn spotify_ids_come_back_from_href() {
        use super::spotify_id;
        assert_eq!(
            spotify_id("https://open.spotify.com/track/abc123"),
            Some("abc123")
        );
        assert_eq!(
            spotify_id("https://open.spotify.com/track/abc?si=x"),
            Some("abc")
        );
        assert_eq!(spotify_id("https://example.com/other"), None);
    }
}

#[cfg(test)]
mod client_tests {
    use crate::test_support::setup;

    #[tokio::test]
    async fn features_map_back_through_href_and_missing_ids_drop() {
        let s = setup(10).await;
        let recco = s.sources.reccobeats.as_ref().unwrap();
        let mut ids: Vec<String> = s.fake.world().artists[..5]
            .iter()
            .flat_map(|a| a.tracks.clone())
            .collect();
        ids.push("not-a-track".into());
        let features = recco.audio_features(&ids).await.unwrap();
        // 50 ids in 40 per call: 2 calls; the fake drops tracks with (i + k) % 7 == 3.
        assert_eq!(s.fake.calls("reccobeats"), 2);
        let expected = (0..5)
            .flat_map(|i| (0..10).map(move |k| (i, k)))
            .filter(|(i, k)| (i + k) % 7 != 3)
            .count();
        assert_eq!(features.len(), expected);
        assert!(features.iter().all(|f| ids.contains(&f.id)));
    }
}
