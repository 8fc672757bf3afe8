//! Spotify Web API, both tiers. Client-credentials token cached until shortly before expiry and
//! refreshed on 401. Capabilities that a development-mode app lacks (batch artists, top tracks,
//! related artists, audio features: 403/404) are marked unavailable the first time and not asked
//! again; a 400 "Invalid limit" on search drops the page size to 10 and pages with `offset`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::http::{Fetched, Request};
use crate::{FetchError, Http, Secret, decode};

/// The public API.
pub const DEFAULT_API_URL: &str = "https://api.spotify.com/v1";
/// The token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://accounts.spotify.com/api/token";
const SOURCE: &str = "spotify";
/// Batch sizes the API allows.
pub const ARTISTS_PER_CALL: usize = 50;
/// Audio features per call.
pub const FEATURES_PER_CALL: usize = 100;
const DEV_SEARCH_LIMIT: u32 = 10;

/// A full artist object. `popularity`/`followers` are absent for development-mode apps.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Artist {
    /// Base-62 id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Genres (may be empty).
    #[serde(default)]
    pub genres: Vec<String>,
    /// 0..100 (extended access only).
    #[serde(default)]
    pub popularity: Option<u8>,
}

/// The artist as a track lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct SimpleArtist {
    /// Id (absent for local files).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    pub name: String,
}

/// A track's album.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct Album {
    /// Id.
    #[serde(default)]
    pub id: Option<String>,
    /// Title.
    #[serde(default)]
    pub name: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub release_date: Option<String>,
}

/// A full track object.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Track {
    /// Id.
    pub id: String,
    /// Title.
    pub name: String,
    /// 0..100 (extended access only).
    #[serde(default)]
    pub popularity: Option<u8>,
    /// Length.
    #[serde(default)]
    pub duration_ms: Option<u32>,
    /// Performing artists, main first.
    #[serde(default)]
    pub artists: Vec<SimpleArtist>,
    /// Album.
    #[serde(default)]
    pub album: Option<Album>,
}

/// One audio-features row.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
pub struct AudioFeature {
    /// The track.
    pub id: String,
    /// The values.
    #[serde(flatten)]
    pub features: soundalike_core::AudioFeatures,
}

/// A paging object.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Paging<T> {
    pub items: Vec<T>,
    #[serde(default)]
    pub total: Option<u32>,
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /search?type=artist`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct ArtistSearch {
    pub artists: Paging<Artist>,
}

/// `GET /search?type=track`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TrackSearch {
    pub tracks: Paging<Track>,
}

/// `GET /artists?ids=`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Artists {
    pub artists: Vec<Option<Artist>>,
}

/// `GET /artists/{id}/top-tracks`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct TopTracks {
    pub tracks: Vec<Track>,
}

/// `GET /artists/{id}/related-artists`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Related {
    pub artists: Vec<Artist>,
}

/// `GET /audio-features?ids=`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct AudioFeatures {
    pub audio_features: Vec<Option<AudioFeature>>,
}

#[derive(Deserialize)]
struct Token {
    access_token: String,
    expires_in: u64,
}

/// What this app may call; learnt from answers and remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// `GET /artists?ids=`.
    BatchArtists = 0,
    /// `GET /artists/{id}/top-tracks`.
    TopTracks = 1,
    /// `GET /artists/{id}/related-artists`.
    Related = 2,
    /// `GET /audio-features`.
    AudioFeatures = 3,
}

const UNKNOWN: u8 = 0;
const AVAILABLE: u8 = 1;
const UNAVAILABLE: u8 = 2;

/// The Spotify client.
#[derive(Clone)]
pub struct Spotify {
    http: Http,
    api: Url,
    token_url: Url,
    client_id: String,
    client_secret: Secret,
    token: Arc<Mutex<Option<(String, Instant)>>>,
    caps: Arc<[AtomicU8; 4]>,
    search_limit: Arc<AtomicU32>,
}

impl std::fmt::Debug for Spotify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spotify")
            .field("api", &self.api.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

impl Spotify {
    /// A client for `api` authenticating at `token_url`.
    pub fn new(http: Http, api: Url, token_url: Url, client_id: String, secret: Secret) -> Self {
        Self {
            http,
            api,
            token_url,
            client_id,
            client_secret: secret,
            token: Arc::default(),
            caps: Arc::new([const { AtomicU8::new(UNKNOWN) }; 4]),
            search_limit: Arc::new(AtomicU32::new(50)),
        }
    }

    /// Whether `cap` is known available (`Some(true)`), known missing, or not tried yet.
    pub fn capability(&self, cap: Capability) -> Option<bool> {
        match self.caps[cap as usize].load(Ordering::Relaxed) {
            AVAILABLE => Some(true),
            UNAVAILABLE => Some(false),
            _ => None,
        }
    }

    fn usable(&self, cap: Capability) -> bool {
        self.capability(cap) != Some(false)
    }

    fn mark(&self, cap: Capability, available: bool) {
        let value = if available { AVAILABLE } else { UNAVAILABLE };
        if self.caps[cap as usize].swap(value, Ordering::Relaxed) != value && !available {
            tracing::info!(capability = ?cap, "spotify: not available to this app (development mode); using what works");
        }
    }

    /// The search page size in use (10 once the API refused a larger one).
    pub fn search_limit(&self) -> u32 {
        self.search_limit.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, FetchError> {
        crate::endpoint_url(&self.api, path, query)
    }

    async fn token(&self, refresh: bool) -> Result<String, FetchError> {
        let mut slot = self.token.lock().await;
        if let Some((token, until)) = slot.as_ref()
            && !refresh
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let fetched = self
            .http
            .send(
                Request {
                    source: SOURCE,
                    endpoint: "token",
                    url: &self.token_url,
                    record: false,
                    retry_body: None,
                },
                |c| {
                    c.post(self.token_url.clone())
                        .basic_auth(&self.client_id, Some(self.client_secret.expose()))
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body("grant_type=client_credentials")
                },
            )
            .await?;
        let token: Token = decode(SOURCE, "token", &fetched.body)?;
        let ttl = Duration::from_secs(token.expires_in);
        // Renew a little early: a token must not expire between the check and the call.
        let until = Instant::now() + ttl - (ttl / 10).min(Duration::from_secs(60));
        *slot = Some((token.access_token.clone(), until));
        Ok(token.access_token)
    }

    /// GET with the bearer token; one refresh and retry on 401.
    async fn get(&self, endpoint: &'static str, url: &Url) -> Result<Fetched, FetchError> {
        let mut refreshed = false;
        loop {
            let token = self.token(refreshed).await?;
            let result = self
                .http
                .send(
                    Request {
                        source: SOURCE,
                        endpoint,
                        url,
                        record: true,
                        retry_body: None,
                    },
                    |c| c.get(url.clone()).bearer_auth(&token),
                )
                .await;
            match result {
                Err(FetchError::Status { status: 401, .. }) if !refreshed => {
                    tracing::info!("spotify: token refused; fetching a new one");
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    /// GET a capability-gated endpoint: 403/404 marks it unavailable.
    async fn gated(
        &self,
        cap: Capability,
        endpoint: &'static str,
        url: &Url,
    ) -> Result<Fetched, FetchError> {
        if !self.usable(cap) {
            return Err(FetchError::Unavailable {
                api: SOURCE,
                endpoint,
            });
        }
        match self.get(endpoint, url).await {
            Err(FetchError::Status {
                status: 403 | 404, ..
            }) => {
                self.mark(cap, false);
                Err(FetchError::Unavailable {
                    api: SOURCE,
                    endpoint,
                })
            }
            Ok(f) => {
                self.mark(cap, true);
                Ok(f)
            }
            Err(e) => Err(e),
        }
    }

    async fn search_page(
        &self,
        kind: &str,
        q: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Fetched, FetchError> {
        let mut limit = limit.min(self.search_limit());
        loop {
            let (l, o) = (limit.to_string(), offset.to_string());
            let url = self.url(
                "search",
                &[("q", q), ("type", kind), ("limit", &l), ("offset", &o)],
            )?;
            match self.get("search", &url).await {
                Err(FetchError::Status {
                    status: 400, body, ..
                }) if body.contains("Invalid limit") && limit > DEV_SEARCH_LIMIT => {
                    tracing::info!("spotify: search limit refused; paging by 10");
                    self.search_limit.store(DEV_SEARCH_LIMIT, Ordering::Relaxed);
                    limit = DEV_SEARCH_LIMIT;
                }
                other => return other,
            }
        }
    }

    /// Artists matching `q`, up to `want`, paging with `offset` when the page size is capped.
    pub async fn search_artists(&self, q: &str, want: usize) -> Result<Vec<Artist>, FetchError> {
        let mut out = Vec::new();
        while out.len() < want {
            let page = self
                .search_page("artist", q, (want - out.len()) as u32, out.len() as u32)
                .await?;
            let page: ArtistSearch = decode(SOURCE, "search", &page.body)?;
            let done = page.artists.next.is_none() || page.artists.items.is_empty();
            out.extend(page.artists.items);
            if done {
                break;
            }
        }
        out.truncate(want);
        Ok(out)
    }

    /// Tracks by `artist_name` through search (what works in development mode), up to 10.
    pub async fn search_tracks_by(&self, artist_name: &str) -> Result<Vec<Track>, FetchError> {
        let q = format!("artist:\"{artist_name}\"");
        let page = self.search_page("track", &q, DEV_SEARCH_LIMIT, 0).await?;
        Ok(decode::<TrackSearch>(SOURCE, "search", &page.body)?
            .tracks
            .items)
    }

    /// One artist.
    pub async fn artist(&self, id: &str) -> Result<Artist, FetchError> {
        let url = self.url(&format!("artists/{id}"), &[])?;
        decode(SOURCE, "artist", &self.get("artist", &url).await?.body)
    }

    /// Several artists: 50 per call when the app may batch, one by one otherwise.
    pub async fn artists(&self, ids: &[String]) -> Result<Vec<Artist>, FetchError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(ARTISTS_PER_CALL) {
            if self.usable(Capability::BatchArtists) {
                let joined = chunk.join(",");
                let url = self.url("artists", &[("ids", &joined)])?;
                match self.gated(Capability::BatchArtists, "artists", &url).await {
                    Ok(f) => {
                        let batch: Artists = decode(SOURCE, "artists", &f.body)?;
                        out.extend(batch.artists.into_iter().flatten());
                        continue;
                    }
                    Err(FetchError::Unavailable { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            for id in chunk {
                out.push(self.artist(id).await?);
            }
        }
        Ok(out)
    }

    /// Top tracks in `market`, or [`FetchError::Unavailable`].
    pub async fn top_tracks(&self, id: &str, market: &str) -> Result<Vec<Track>, FetchError> {
        let url = self.url(&format!("artists/{id}/top-tracks"), &[("market", market)])?;
        let f = self
            .gated(Capability::TopTracks, "top-tracks", &url)
            .await?;
        Ok(decode::<TopTracks>(SOURCE, "top-tracks", &f.body)?.tracks)
    }

    /// Related artists, or [`FetchError::Unavailable`].
    pub async fn related(&self, id: &str) -> Result<Vec<Artist>, FetchError> {
        let url = self.url(&format!("artists/{id}/related-artists"), &[])?;
        let f = self
            .gated(Capability::Related, "related-artists", &url)
            .await?;
        Ok(decode::<Related>(SOURCE, "related-artists", &f.body)?.artists)
    }

    /// Audio features, 100 ids per call, or [`FetchError::Unavailable`].
    pub async fn audio_features(&self, ids: &[String]) -> Result<Vec<AudioFeature>, FetchError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(FEATURES_PER_CALL) {
            let joined = chunk.join(",");
            let url = self.url("audio-features", &[("ids", &joined)])?;
            let f = self
                .gated(Capability::AudioFeatures, "audio-features", &url)
                .await?;
            let rows: AudioFeatures = decode(SOURCE, "audio-features", &f.body)?;
            out.extend(rows.audio_features.into_iter().flatten());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
