//! Live music sources: typed clients for Spotify (both API tiers), Deezer, Last.fm, ReccoBeats and
//! ListenBrainz over one shared HTTP policy ([`http`]), and the resumable breadth-first crawl
//! ([`crawl`]) that stores every response in the raw lake before parsing it and derives catalog
//! tables from the raw zone ([`merge`]).
//!
//! **Invariant:** every response body a crawl parses was first written to the raw lake, so the
//! derived tables are a pure function of the raw zone (`soundalike lake rebuild`).
//! **Invariant:** secrets come from the environment or config only, sit in [`Secret`] (whose
//! `Debug` prints `***`), and never reach a log line or a raw-lake URL.
//!
//! ```no_run
//! # async fn demo() -> Result<(), soundalike_live::FetchError> {
//! let config = soundalike_live::LiveConfig::from_env();
//! let sources = soundalike_live::Sources::build(&config, Default::default(), None)?;
//! if let Some(deezer) = &sources.deezer {
//!     let found = deezer.search_artist("IU").await?;
//!     println!("{} hits", found.len());
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod crawl;
pub mod deezer;
pub mod http;
pub mod lastfm;
pub mod listenbrainz;
pub mod merge;
pub mod reccobeats;
pub mod spotify;
#[cfg(test)]
mod test_support;

use std::time::Duration;

pub use http::{CallCounts, Http, HttpPolicy};
use soundalike_lake::raw::RawLake;

/// A secret value: printed as `***` by `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// A live-source failure.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Client(String),
    /// A URL could not be formed from the configured base.
    #[error("bad base URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A non-retryable status (or a retryable one after the last attempt).
    #[error("{source_name} {endpoint}: HTTP {status}: {body}", source_name = .api)]
    Status {
        /// Source.
        api: &'static str,
        /// Endpoint.
        endpoint: &'static str,
        /// Status code.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// 429 with a wait longer than the policy allows, or 429 on the last attempt.
    #[error("{source_name}: rate limited (retry after {retry_after:?})", source_name = .api)]
    RateLimited {
        /// Source.
        api: &'static str,
        /// The wait asked for.
        retry_after: Duration,
    },
    /// Timeouts, resets or refused connections on every attempt.
    #[error("{source_name} {endpoint}: {message}", source_name = .api)]
    Transport {
        /// Source.
        api: &'static str,
        /// Endpoint.
        endpoint: &'static str,
        /// The last error.
        message: String,
    },
    /// A 2xx body that is not the documented shape (it stays in the raw lake).
    #[error("{source_name} {endpoint}: unreadable body: {message}", source_name = .api)]
    Parse {
        /// Source.
        api: &'static str,
        /// Endpoint.
        endpoint: &'static str,
        /// The decoder's complaint.
        message: String,
    },
    /// An error the API reported inside a 2xx body (Deezer, Last.fm).
    #[error("{source_name} {endpoint}: API error {code}: {message}", source_name = .api)]
    Api {
        /// Source.
        api: &'static str,
        /// Endpoint.
        endpoint: &'static str,
        /// The API's error code.
        code: i64,
        /// The API's message.
        message: String,
    },
    /// The capability is not available to this app (Spotify development mode).
    #[error("{source_name} {endpoint}: not available to this app", source_name = .api)]
    Unavailable {
        /// Source.
        api: &'static str,
        /// Endpoint.
        endpoint: &'static str,
    },
    /// Writing the raw lake failed; nothing is parsed that was not stored.
    #[error("raw lake: {0}")]
    Raw(String),
}

/// Decode a body into `T`, as a [`FetchError::Parse`] on failure.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    source: &'static str,
    endpoint: &'static str,
    body: &[u8],
) -> Result<T, FetchError> {
    serde_json::from_slice(body).map_err(|e| FetchError::Parse {
        api: source,
        endpoint,
        message: e.to_string(),
    })
}

/// Decode a 2xx body that may carry the API's own error instead of data (Deezer, Last.fm):
/// `body_error` reads that error (code, message) first, then the body is decoded into `T`.
pub(crate) fn decode_or_api_error<T: serde::de::DeserializeOwned>(
    source: &'static str,
    endpoint: &'static str,
    body: &[u8],
    body_error: impl Fn(&[u8]) -> Option<(i64, String)>,
) -> Result<T, FetchError> {
    if let Some((code, message)) = body_error(body) {
        return Err(FetchError::Api {
            api: source,
            endpoint,
            code,
            message,
        });
    }
    decode(source, endpoint, body)
}

/// `base` joined with `path`, plus `query`, as a [`FetchError::Url`] on failure.
pub(crate) fn endpoint_url(
    base: &reqwest::Url,
    path: &str,
    query: &[(&str, &str)],
) -> Result<reqwest::Url, FetchError> {
    let mut url = base.join(path).map_err(|e| FetchError::Url {
        url: path.to_string(),
        reason: e.to_string(),
    })?;
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(url)
}

/// Base URLs and credentials for every live source, from the environment.
#[derive(Debug, Clone, Default)]
pub struct LiveConfig {
    /// `SOUNDALIKE_SPOTIFY_API_URL` (default `https://api.spotify.com/v1`).
    pub spotify_api_url: Option<String>,
    /// `SOUNDALIKE_SPOTIFY_TOKEN_URL` (default `https://accounts.spotify.com/api/token`).
    pub spotify_token_url: Option<String>,
    /// `SPOTIFY_CLIENT_ID`.
    pub spotify_client_id: Option<String>,
    /// `SPOTIFY_CLIENT_SECRET`.
    pub spotify_client_secret: Option<Secret>,
    /// `SOUNDALIKE_DEEZER_API_URL` (default `https://api.deezer.com`). Deezer needs no key; it is
    /// on when this is set or `deezer` is listed in `SOUNDALIKE_LIVE_SOURCES`.
    pub deezer_api_url: Option<String>,
    /// `SOUNDALIKE_LASTFM_API_URL` (default `https://ws.audioscrobbler.com/2.0/`).
    pub lastfm_api_url: Option<String>,
    /// `LASTFM_API_KEY`.
    pub lastfm_api_key: Option<Secret>,
    /// `SOUNDALIKE_RECCOBEATS_API_URL` (default `https://api.reccobeats.com/v1`).
    pub reccobeats_api_url: Option<String>,
    /// `SOUNDALIKE_LISTENBRAINZ_API_URL` (default `https://api.listenbrainz.org`).
    pub listenbrainz_api_url: Option<String>,
    /// `SOUNDALIKE_LISTENBRAINZ_LABS_URL` (default `https://labs.api.listenbrainz.org`).
    pub listenbrainz_labs_url: Option<String>,
    /// `SOUNDALIKE_LIVE_SOURCES`: keyless sources to switch on with default URLs
    /// (`deezer,reccobeats,listenbrainz`).
    pub keyless: Vec<String>,
}

impl LiveConfig {
    /// Read the environment.
    pub fn from_env() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// Read variables through `lookup` (the environment, or a test's map).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let var = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        Self {
            spotify_api_url: var("SOUNDALIKE_SPOTIFY_API_URL"),
            spotify_token_url: var("SOUNDALIKE_SPOTIFY_TOKEN_URL"),
            spotify_client_id: var("SPOTIFY_CLIENT_ID"),
            spotify_client_secret: var("SPOTIFY_CLIENT_SECRET").map(Secret),
            deezer_api_url: var("SOUNDALIKE_DEEZER_API_URL"),
            lastfm_api_url: var("SOUNDALIKE_LASTFM_API_URL"),
            lastfm_api_key: var("LASTFM_API_KEY").map(Secret),
            reccobeats_api_url: var("SOUNDALIKE_RECCOBEATS_API_URL"),
            listenbrainz_api_url: var("SOUNDALIKE_LISTENBRAINZ_API_URL"),
            listenbrainz_labs_url: var("SOUNDALIKE_LISTENBRAINZ_LABS_URL"),
            keyless: var("SOUNDALIKE_LIVE_SOURCES")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_lowercase())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn keyless_on(&self, name: &str, url: &Option<String>) -> bool {
        url.is_some() || self.keyless.iter().any(|k| k == name)
    }
}

/// The clients the configuration allows, sharing one [`Http`].
#[derive(Debug, Clone)]
pub struct Sources {
    /// The shared HTTP policy and counters.
    pub http: Http,
    /// Spotify, when client id and secret are set.
    pub spotify: Option<spotify::Spotify>,
    /// Deezer, when its URL is set or it is listed as keyless.
    pub deezer: Option<deezer::Deezer>,
    /// Last.fm, when `LASTFM_API_KEY` is set.
    pub lastfm: Option<lastfm::LastFm>,
    /// ReccoBeats, when its URL is set or it is listed as keyless.
    pub reccobeats: Option<reccobeats::ReccoBeats>,
    /// ListenBrainz, when its URL is set or it is listed as keyless.
    pub listenbrainz: Option<listenbrainz::ListenBrainz>,
}

fn base(url: Option<&String>, default: &str) -> Result<reqwest::Url, FetchError> {
    let text = url.map(String::as_str).unwrap_or(default);
    // A trailing slash makes `join` append instead of replacing the last segment.
    let with_slash = if text.ends_with('/') {
        text.to_string()
    } else {
        format!("{text}/")
    };
    reqwest::Url::parse(&with_slash).map_err(|e| FetchError::Url {
        url: text.to_string(),
        reason: e.to_string(),
    })
}

impl Sources {
    /// Build every configured client over one HTTP policy, writing bodies to `raw` when given.
    pub fn build(
        config: &LiveConfig,
        policy: HttpPolicy,
        raw: Option<RawLake>,
    ) -> Result<Self, FetchError> {
        let http = Http::new(policy, raw)?;
        let spotify = match (&config.spotify_client_id, &config.spotify_client_secret) {
            (Some(id), Some(secret)) => Some(spotify::Spotify::new(
                http.clone(),
                base(config.spotify_api_url.as_ref(), spotify::DEFAULT_API_URL)?,
                reqwest::Url::parse(
                    config
                        .spotify_token_url
                        .as_deref()
                        .unwrap_or(spotify::DEFAULT_TOKEN_URL),
                )
                .map_err(|e| FetchError::Url {
                    url: "SOUNDALIKE_SPOTIFY_TOKEN_URL".into(),
                    reason: e.to_string(),
                })?,
                id.clone(),
                secret.clone(),
            )),
            _ => None,
        };
        let deezer = config
            .keyless_on("deezer", &config.deezer_api_url)
            .then(|| base(config.deezer_api_url.as_ref(), deezer::DEFAULT_API_URL))
            .transpose()?
            .map(|b| deezer::Deezer::new(http.clone(), b));
        let lastfm = match &config.lastfm_api_key {
            Some(key) => Some(lastfm::LastFm::new(
                http.clone(),
                base(config.lastfm_api_url.as_ref(), lastfm::DEFAULT_API_URL)?,
                key.clone(),
            )),
            None => None,
        };
        let reccobeats = config
            .keyless_on("reccobeats", &config.reccobeats_api_url)
            .then(|| {
                base(
                    config.reccobeats_api_url.as_ref(),
                    reccobeats::DEFAULT_API_URL,
                )
            })
            .transpose()?
            .map(|b| reccobeats::ReccoBeats::new(http.clone(), b));
        let listenbrainz = if config.keyless_on("listenbrainz", &config.listenbrainz_api_url) {
            Some(listenbrainz::ListenBrainz::new(
                http.clone(),
                base(
                    config.listenbrainz_api_url.as_ref(),
                    listenbrainz::DEFAULT_API_URL,
                )?,
                base(
                    config.listenbrainz_labs_url.as_ref(),
                    listenbrainz::DEFAULT_LABS_URL,
                )?,
            ))
        } else {
            None
        };
        Ok(Self {
            http,
            spotify,
            deezer,
            lastfm,
            reccobeats,
            listenbrainz,
        })
    }

    /// Whether any source that can name an artist is configured.
    pub fn any(&self) -> bool {
        self.spotify.is_some() || self.deezer.is_some() || self.lastfm.is_some()
    }
}
