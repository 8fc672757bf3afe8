//! Local fakes of the outside music APIs soundalike reads (Spotify in both tiers, Deezer, Last.fm,
//! ReccoBeats, ListenBrainz), answering in their documented shapes
//! (`../shared/reference/music-apis.md`) over a generated artist graph, with switchable faults
//! (429 + `Retry-After`, 5xx bursts, hangs, malformed JSON, token expiry, Deezer quota errors in
//! 200 bodies, Last.fm single-object results, development-mode refusals) and a request log.
//!
//! One server on an ephemeral port serves every source under a path prefix
//! (`/spotify/v1`, `/spotify/token`, `/deezer`, `/lastfm/2.0/`, `/reccobeats/v1`,
//! `/listenbrainz`, `/listenbrainz-labs`); [`FakeApis::env`] gives the variables that point
//! soundalike at it.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The Spotify client id the fake accepts.
pub const SPOTIFY_CLIENT_ID: &str = "fake-client-id";
/// The Spotify client secret the fake accepts.
pub const SPOTIFY_CLIENT_SECRET: &str = "fake-client-secret-0123456789";
/// The Last.fm key the fake accepts.
pub const LASTFM_API_KEY: &str = "fake-lastfm-key-0123456789";

/// Which Spotify app tier the fake plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Everything works.
    #[default]
    Extended,
    /// 2026 development mode: no batch, top tracks, related, audio features; search limit ≤ 10;
    /// no popularity fields.
    Development,
}

/// Faults to inject. Counters count down per matching request; the token endpoint is exempt.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Only requests to this source (`spotify`, `deezer`, ...) are affected; `None`: all.
    pub target: Option<String>,
    /// Answer the next N requests with 429 and `Retry-After: retry_after_secs`.
    pub too_many: u32,
    /// The `Retry-After` value.
    pub retry_after_secs: u64,
    /// Answer the next N requests with 503.
    pub server_errors: u32,
    /// Answer the next N requests with 200 and a truncated JSON body.
    pub malformed: u32,
    /// Answer the next N Deezer requests with the quota error inside a 200 body.
    pub deezer_quota: u32,
    /// Sleep this long before answering every matching request (a hanging source).
    pub hang: Option<Duration>,
    /// Let the next N requests stall for 3 s before answering (client timeouts).
    pub timeouts: u32,
    /// Last.fm lists with one entry come as an object, not an array.
    pub lastfm_single: bool,
}

/// One logged request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// The source prefix.
    pub source: String,
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Status answered.
    pub status: u16,
}

/// One generated artist.
#[derive(Debug, Clone)]
pub struct FakeArtist {
    /// Name.
    pub name: String,
    /// Spotify id.
    pub spotify_id: String,
    /// Deezer id.
    pub deezer_id: u64,
    /// MusicBrainz id.
    pub mbid: String,
    /// Genres.
    pub genres: Vec<String>,
    /// Indices of related artists, most related first.
    pub related: Vec<usize>,
    /// Spotify track ids (10).
    pub tracks: Vec<String>,
}

/// The artist graph every fake answers from.
#[derive(Debug, Clone)]
pub struct World {
    /// Artists; index = position.
    pub artists: Vec<FakeArtist>,
}

const FAMOUS: [&str; 10] = [
    "IU",
    "BTS",
    "Coldplay",
    "BLACKPINK",
    "Daft Punk",
    "Radiohead",
    "NewJeans",
    "Adele",
    "Drake",
    "Taylor Swift",
];
const GENRES: [&str; 6] = ["k-pop", "rock", "edm", "hip hop", "indie", "r&b"];

impl World {
    /// `n` artists (at least 10), each related to 5 others, each with 10 tracks.
    pub fn generate(n: usize) -> Self {
        let n = n.max(FAMOUS.len());
        let artists = (0..n)
            .map(|i| {
                let name = FAMOUS
                    .get(i)
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| format!("Artist {i:04}"));
                let mut related = Vec::new();
                for j in [i + 1, i * 3 + 2, i * 7 + 5, i + n / 2, i * 11 + 3] {
                    let j = j % n;
                    if j != i && !related.contains(&j) {
                        related.push(j);
                    }
                }
                FakeArtist {
                    name,
                    spotify_id: format!("sp{i:020}"),
                    deezer_id: 1000 + i as u64,
                    mbid: format!("00000000-0000-4000-8000-{i:012}"),
                    genres: vec![GENRES[i % GENRES.len()].to_string()],
                    related,
                    tracks: (0..10).map(|k| format!("tr{i:016}k{k:02}")).collect(),
                }
            })
            .collect();
        Self { artists }
    }

    fn by_spotify(&self, id: &str) -> Option<(usize, &FakeArtist)> {
        self.artists
            .iter()
            .enumerate()
            .find(|(_, a)| a.spotify_id == id)
    }

    fn by_deezer(&self, id: &str) -> Option<(usize, &FakeArtist)> {
        self.artists
            .iter()
            .enumerate()
            .find(|(_, a)| a.deezer_id.to_string() == id)
    }

    fn by_name(&self, name: &str) -> Option<(usize, &FakeArtist)> {
        let wanted = name.trim().to_lowercase();
        self.artists
            .iter()
            .enumerate()
            .find(|(_, a)| a.name.to_lowercase() == wanted)
    }

    fn track(&self, id: &str) -> Option<(usize, usize)> {
        let rest = id.strip_prefix("tr")?;
        let (i, k) = rest.split_once('k')?;
        let (i, k): (usize, usize) = (i.parse().ok()?, k.parse().ok()?);
        (i < self.artists.len() && k < 10).then_some((i, k))
    }
}

struct Shared {
    world: World,
    tier: Mutex<Tier>,
    faults: Mutex<Faults>,
    log: Mutex<Vec<Logged>>,
    tokens: Mutex<HashMap<String, Instant>>,
    token_ttl: Mutex<Duration>,
    issued: Mutex<u64>,
    base: String,
}

/// A running fake.
pub struct FakeApis {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeApis {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeApis {
    /// Serve `world` on an ephemeral port of 127.0.0.1.
    pub async fn start(world: World) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind an ephemeral port");
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            world,
            tier: Mutex::new(Tier::Extended),
            faults: Mutex::new(Faults::default()),
            log: Mutex::new(Vec::new()),
            tokens: Mutex::new(HashMap::new()),
            token_ttl: Mutex::new(Duration::from_secs(3600)),
            issued: Mutex::new(0),
            base: format!("http://{addr}"),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake server runs");
        });
        Self { addr, shared, task }
    }

    /// The world it answers from.
    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// Play a Spotify tier.
    pub fn set_tier(&self, tier: Tier) {
        *self.shared.tier.lock().unwrap() = tier;
    }

    /// Replace the faults.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        *self.shared.token_ttl.lock().unwrap() = ttl;
    }

    /// Expire every token issued so far (the next call gets a 401).
    pub fn expire_tokens(&self) {
        for until in self.shared.tokens.lock().unwrap().values_mut() {
            *until = Instant::now();
        }
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> u64 {
        *self.shared.issued.lock().unwrap()
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Requests to one source (token requests excluded).
    pub fn calls(&self, source: &str) -> usize {
        self.log()
            .iter()
            .filter(|l| l.source == source && !l.path.ends_with("/token"))
            .count()
    }

    /// Forget the log.
    pub fn clear_log(&self) {
        self.shared.log.lock().unwrap().clear();
    }

    /// The environment that points soundalike at this fake (every source, credentials included).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let b = &self.shared.base;
        vec![
            ("SOUNDALIKE_SPOTIFY_API_URL", format!("{b}/spotify/v1")),
            ("SOUNDALIKE_SPOTIFY_TOKEN_URL", format!("{b}/spotify/token")),
            ("SPOTIFY_CLIENT_ID", SPOTIFY_CLIENT_ID.into()),
            ("SPOTIFY_CLIENT_SECRET", SPOTIFY_CLIENT_SECRET.into()),
            ("SOUNDALIKE_DEEZER_API_URL", format!("{b}/deezer")),
            ("SOUNDALIKE_LASTFM_API_URL", format!("{b}/lastfm/2.0/")),
            ("LASTFM_API_KEY", LASTFM_API_KEY.into()),
            (
                "SOUNDALIKE_RECCOBEATS_API_URL",
                format!("{b}/reccobeats/v1"),
            ),
            (
                "SOUNDALIKE_LISTENBRAINZ_API_URL",
                format!("{b}/listenbrainz"),
            ),
            (
                "SOUNDALIKE_LISTENBRAINZ_LABS_URL",
                format!("{b}/listenbrainz-labs"),
            ),
        ]
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| {
            q.split('&')
                .filter_map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    Some((decode(k)?, decode(v)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Percent-decoding with `+` as space (form encoding).
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(T[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let source = segments.first().copied().unwrap_or_default().to_string();
    let source_name = source.trim_end_matches("-labs").to_string();
    let is_token = source == "spotify" && segments.get(1) == Some(&"token");
    let response = match (!is_token).then(|| inject(&shared, &source_name)) {
        Some(fault) => match fault.await {
            Some(r) => r,
            None => answer(&shared, &method, &uri, &headers, &segments).await,
        },
        None => answer(&shared, &method, &uri, &headers, &segments).await,
    };
    shared.log.lock().unwrap().push(Logged {
        source: source_name,
        method: method.to_string(),
        path: uri.path_and_query().map(|p| p.to_string()).unwrap_or(path),
        status: response.status().as_u16(),
    });
    response
}

/// The fault this request meets, if any.
async fn inject(shared: &Shared, source: &str) -> Option<Response> {
    let (hang, fault) = {
        let mut f = shared.faults.lock().unwrap();
        if f.target.as_deref().is_some_and(|t| t != source) {
            return None;
        }
        let fault = if f.too_many > 0 {
            f.too_many -= 1;
            Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", f.retry_after_secs.to_string())],
                    json!({"error": {"status": 429, "message": "API rate limit exceeded"}})
                        .to_string(),
                )
                    .into_response(),
            )
        } else if f.server_errors > 0 {
            f.server_errors -= 1;
            Some(json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": {"status": 503, "message": "Service unavailable"}}),
            ))
        } else if f.malformed > 0 {
            f.malformed -= 1;
            Some((StatusCode::OK, "{\"artists\": {\"items\": [{\"id\": ").into_response())
        } else if f.deezer_quota > 0 && source == "deezer" {
            f.deezer_quota -= 1;
            Some(json_response(
                StatusCode::OK,
                json!({"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}),
            ))
        } else {
            None
        };
        let hang = if fault.is_none() && f.timeouts > 0 {
            f.timeouts -= 1;
            Some(Duration::from_secs(3))
        } else {
            f.hang
        };
        (hang, fault)
    };
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    fault
}

fn spotify_error(status: StatusCode, message: &str) -> Response {
    json_response(
        status,
        json!({"error": {"status": status.as_u16(), "message": message}}),
    )
}

/// The comma-separated `ids` of a batch endpoint, or Spotify's refusal above `most` of them.
fn spotify_ids(q: &HashMap<String, String>, most: usize) -> Result<Vec<&str>, Box<Response>> {
    let ids: Vec<&str> = q
        .get("ids")
        .map(|s| s.split(',').collect())
        .unwrap_or_default();
    if ids.len() > most {
        return Err(Box::new(spotify_error(
            StatusCode::BAD_REQUEST,
            "Too many ids requested",
        )));
    }
    Ok(ids)
}

fn spotify_artist(a: &FakeArtist, i: usize, tier: Tier) -> Value {
    let mut v = json!({
        "id": a.spotify_id, "name": a.name, "type": "artist", "genres": a.genres,
        "uri": format!("spotify:artist:{}", a.spotify_id),
        "external_urls": {"spotify": format!("https://open.spotify.com/artist/{}", a.spotify_id)},
    });
    if tier == Tier::Extended {
        v["popularity"] = json!(90 - (i % 80) as u64);
        v["followers"] = json!({"href": null, "total": 1_000_000 - i as u64});
    }
    v
}

fn spotify_track(w: &World, i: usize, k: usize, tier: Tier) -> Value {
    let a = &w.artists[i];
    let mut v = json!({
        "id": a.tracks[k], "name": format!("{} song {}", a.name, k + 1), "type": "track",
        "duration_ms": 180_000 + (k as u64) * 1000,
        "artists": [{"id": a.spotify_id, "name": a.name}],
        "album": {"id": format!("al{i:018}"), "name": format!("{} album", a.name),
                  "release_date": format!("20{:02}-01-01", 10 + i % 15)},
    });
    if tier == Tier::Extended {
        v["popularity"] = json!(80 - k as u64);
    }
    v
}

fn feature(i: usize, k: usize) -> f64 {
    ((i * 31 + k * 17) % 100) as f64 / 100.0
}

fn spotify_features(w: &World, id: &str) -> Value {
    match w.track(id) {
        Some((i, k)) => json!({
            "id": id, "danceability": feature(i, k), "energy": feature(i + 1, k),
            "key": (i + k) % 12, "loudness": -5.0 - feature(i, k + 1) * 10.0, "mode": (i + k) % 2,
            "speechiness": feature(i + 2, k) / 4.0, "acousticness": feature(i + 3, k),
            "instrumentalness": feature(i + 4, k) / 10.0, "liveness": feature(i + 5, k) / 3.0,
            "valence": feature(i + 6, k), "tempo": 90.0 + feature(i, k) * 60.0,
            "type": "audio_features", "time_signature": 4, "duration_ms": 180000,
        }),
        None => Value::Null,
    }
}

async fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    segments: &[&str],
) -> Response {
    let q = query(uri);
    let w = &shared.world;
    match segments {
        ["spotify", "token"] => {
            let expected = format!(
                "Basic {}",
                base64(format!("{SPOTIFY_CLIENT_ID}:{SPOTIFY_CLIENT_SECRET}").as_bytes())
            );
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if method != Method::POST || auth != expected {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "invalid_client", "error_description": "Invalid client"}),
                );
            }
            let ttl = *shared.token_ttl.lock().unwrap();
            let mut issued = shared.issued.lock().unwrap();
            *issued += 1;
            let token = format!("fake-token-{}", *issued);
            shared
                .tokens
                .lock()
                .unwrap()
                .insert(token.clone(), Instant::now() + ttl);
            json_response(
                StatusCode::OK,
                json!({"access_token": token, "token_type": "Bearer", "expires_in": ttl.as_secs()}),
            )
        }
        ["spotify", "v1", rest @ ..] => {
            let bearer = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            let valid = shared
                .tokens
                .lock()
                .unwrap()
                .get(bearer)
                .is_some_and(|until| Instant::now() < *until);
            if !valid {
                return spotify_error(StatusCode::UNAUTHORIZED, "The access token expired");
            }
            let tier = *shared.tier.lock().unwrap();
            spotify(w, tier, rest, &q, &shared.base)
        }
        ["deezer", rest @ ..] => deezer(w, rest, &q),
        ["lastfm", ..] => lastfm(w, &q, shared.faults.lock().unwrap().lastfm_single),
        ["reccobeats", "v1", "audio-features"] => {
            let content: Vec<Value> = q
                .get("ids")
                .map(|s| s.split(',').collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|id| {
                    let (i, k) = w.track(id)?;
                    // ReccoBeats does not know every track; unknown ids are silently missing.
                    if (i + k) % 7 == 3 {
                        return None;
                    }
                    let mut f = spotify_features(w, id);
                    let obj = f.as_object_mut()?;
                    obj.remove("type");
                    obj.remove("time_signature");
                    obj.remove("duration_ms");
                    obj.insert("id".into(), json!(format!("rb-{i}-{k}")));
                    obj.insert(
                        "href".into(),
                        json!(format!("https://open.spotify.com/track/{id}")),
                    );
                    obj.insert("isrc".into(), json!(format!("XX{i:05}{k:05}")));
                    Some(f)
                })
                .collect();
            json_response(StatusCode::OK, json!({ "content": content }))
        }
        ["listenbrainz-labs", "similar-artists", "json"] => {
            let mbid = q.get("artist_mbids").cloned().unwrap_or_default();
            let rows: Vec<Value> = w
                .artists
                .iter()
                .find(|a| a.mbid == mbid)
                .map(|a| {
                    a.related
                        .iter()
                        .enumerate()
                        .map(|(r, j)| {
                            let b = &w.artists[*j];
                            json!({"artist_mbid": b.mbid, "name": b.name, "score": 1000 - r * 100, "reference_mbid": mbid})
                        })
                        .collect()
                })
                .unwrap_or_default();
            json_response(StatusCode::OK, json!(rows))
        }
        [
            "listenbrainz",
            "1",
            "popularity",
            "top-recordings-for-artist",
            mbid,
        ] => {
            let rows: Vec<Value> = w
                .artists
                .iter()
                .find(|a| a.mbid == *mbid)
                .map(|a| {
                    (0..10)
                        .map(|k| json!({"recording_mbid": format!("{}-{k}", a.mbid), "recording_name": format!("{} song {}", a.name, k + 1), "total_listen_count": 10_000 - k * 100, "artist_mbids": [a.mbid]}))
                        .collect()
                })
                .unwrap_or_default();
            json_response(StatusCode::OK, json!(rows))
        }
        _ => json_response(StatusCode::NOT_FOUND, json!({"error": "not found"})),
    }
}

fn spotify(
    w: &World,
    tier: Tier,
    rest: &[&str],
    q: &HashMap<String, String>,
    base: &str,
) -> Response {
    let dev = tier == Tier::Development;
    let refused = || spotify_error(StatusCode::FORBIDDEN, "Forbidden");
    match rest {
        ["search"] => {
            let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(20);
            let offset: usize = q.get("offset").and_then(|l| l.parse().ok()).unwrap_or(0);
            if limit == 0 || limit > if dev { 10 } else { 50 } {
                return spotify_error(StatusCode::BAD_REQUEST, "Invalid limit");
            }
            let text = q.get("q").cloned().unwrap_or_default();
            let kind = q.get("type").cloned().unwrap_or_default();
            let (key, items): (&str, Vec<Value>) = if kind == "track" {
                let name = text.trim_start_matches("artist:").trim_matches('"');
                let items = w
                    .by_name(name)
                    .map(|(i, _)| (0..10).map(|k| spotify_track(w, i, k, tier)).collect())
                    .unwrap_or_default();
                ("tracks", items)
            } else {
                let wanted = text.to_lowercase();
                let items = w
                    .artists
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| !wanted.is_empty() && a.name.to_lowercase().contains(&wanted))
                    .map(|(i, a)| spotify_artist(a, i, tier))
                    .collect();
                ("artists", items)
            };
            let total = items.len();
            let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
            let next = (offset + limit < total).then(|| {
                format!(
                    "{base}/spotify/v1/search?offset={}&limit={limit}",
                    offset + limit
                )
            });
            json_response(
                StatusCode::OK,
                json!({ key: {"href": "", "items": page, "limit": limit, "offset": offset, "total": total, "next": next, "previous": null} }),
            )
        }
        ["artists"] => {
            if dev {
                return refused();
            }
            let ids = match spotify_ids(q, 50) {
                Ok(ids) => ids,
                Err(refusal) => return *refusal,
            };
            let artists: Vec<Value> = ids
                .iter()
                .map(|id| match w.by_spotify(id) {
                    Some((i, a)) => spotify_artist(a, i, tier),
                    None => Value::Null,
                })
                .collect();
            json_response(StatusCode::OK, json!({ "artists": artists }))
        }
        ["artists", id] => match w.by_spotify(id) {
            Some((i, a)) => json_response(StatusCode::OK, spotify_artist(a, i, tier)),
            None => spotify_error(StatusCode::NOT_FOUND, "Resource not found"),
        },
        ["artists", id, "top-tracks"] => {
            if dev {
                return refused();
            }
            match w.by_spotify(id) {
                Some((i, _)) => json_response(
                    StatusCode::OK,
                    json!({"tracks": (0..10).map(|k| spotify_track(w, i, k, tier)).collect::<Vec<_>>()}),
                ),
                None => spotify_error(StatusCode::NOT_FOUND, "Resource not found"),
            }
        }
        ["artists", id, "related-artists"] => {
            if dev {
                return spotify_error(StatusCode::NOT_FOUND, "Resource not found");
            }
            match w.by_spotify(id) {
                Some((_, a)) => json_response(
                    StatusCode::OK,
                    json!({"artists": a.related.iter().map(|j| spotify_artist(&w.artists[*j], *j, tier)).collect::<Vec<_>>()}),
                ),
                None => spotify_error(StatusCode::NOT_FOUND, "Resource not found"),
            }
        }
        ["audio-features"] => {
            if dev {
                return refused();
            }
            let ids = match spotify_ids(q, 100) {
                Ok(ids) => ids,
                Err(refusal) => return *refusal,
            };
            json_response(
                StatusCode::OK,
                json!({"audio_features": ids.iter().map(|id| spotify_features(w, id)).collect::<Vec<_>>()}),
            )
        }
        ["tracks", id] => match w.track(id) {
            Some((i, k)) => json_response(StatusCode::OK, spotify_track(w, i, k, tier)),
            None => spotify_error(StatusCode::NOT_FOUND, "Resource not found"),
        },
        _ => spotify_error(StatusCode::NOT_FOUND, "Service not found"),
    }
}

fn deezer_artist(a: &FakeArtist, i: usize) -> Value {
    json!({"id": a.deezer_id, "name": a.name, "link": format!("https://www.deezer.com/artist/{}", a.deezer_id),
           "picture_medium": "", "nb_album": 5, "nb_fan": 100_000 - i as u64, "type": "artist"})
}

fn deezer_no_data() -> Response {
    json_response(
        StatusCode::OK,
        json!({"error": {"type": "DataException", "message": "no data", "code": 800}}),
    )
}

fn deezer(w: &World, rest: &[&str], q: &HashMap<String, String>) -> Response {
    let list = |data: Vec<Value>| {
        let total = data.len();
        json_response(StatusCode::OK, json!({"data": data, "total": total}))
    };
    match rest {
        ["search", "artist"] => {
            let wanted = q.get("q").map(|s| s.to_lowercase()).unwrap_or_default();
            list(
                w.artists
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| !wanted.is_empty() && a.name.to_lowercase().contains(&wanted))
                    .take(25)
                    .map(|(i, a)| deezer_artist(a, i))
                    .collect(),
            )
        }
        ["artist", id] => match w.by_deezer(id) {
            Some((i, a)) => json_response(StatusCode::OK, deezer_artist(a, i)),
            None => deezer_no_data(),
        },
        ["artist", id, "related"] => match w.by_deezer(id) {
            Some((_, a)) => list(
                a.related
                    .iter()
                    .map(|j| deezer_artist(&w.artists[*j], *j))
                    .collect(),
            ),
            None => deezer_no_data(),
        },
        ["artist", id, "top"] => match w.by_deezer(id) {
            Some((i, a)) => {
                let limit: usize = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(5);
                list(
                    (0..limit.min(10))
                        .map(|k| json!({"id": 5_000_000 + i * 100 + k, "title": format!("{} song {}", a.name, k + 1),
                                        "duration": 180 + k, "rank": 900_000 - k * 1000, "preview": "",
                                        "artist": {"id": a.deezer_id, "name": a.name},
                                        "album": {"id": 7_000_000 + i, "title": format!("{} album", a.name), "cover_medium": ""}}))
                        .collect(),
                )
            }
            None => deezer_no_data(),
        },
        _ => deezer_no_data(),
    }
}

fn lastfm(w: &World, q: &HashMap<String, String>, single: bool) -> Response {
    if q.get("api_key").map(String::as_str) != Some(LASTFM_API_KEY) {
        return json_response(
            StatusCode::FORBIDDEN,
            json!({"error": 10, "message": "Invalid API key - You must be granted a valid key by last.fm"}),
        );
    }
    let name = q.get("artist").cloned().unwrap_or_default();
    let Some((i, a)) = w.by_name(&name) else {
        return json_response(
            StatusCode::OK,
            json!({"error": 6, "message": "The artist you supplied could not be found"}),
        );
    };
    let shape = |items: Vec<Value>| {
        if single && items.len() == 1 {
            items.into_iter().next().unwrap()
        } else if single {
            // Single-object mode answers with just the first entry, as an object.
            items.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(items)
        }
    };
    match q.get("method").map(String::as_str) {
        Some("artist.getSimilar") => {
            let items = a
                .related
                .iter()
                .enumerate()
                .map(|(r, j)| {
                    let b = &w.artists[*j];
                    json!({"name": b.name, "mbid": b.mbid, "match": format!("{:.6}", 1.0 - r as f64 * 0.1),
                           "url": format!("https://www.last.fm/music/{}", b.name), "image": []})
                })
                .collect();
            json_response(
                StatusCode::OK,
                json!({"similarartists": {"artist": shape(items), "@attr": {"artist": a.name}}}),
            )
        }
        Some("artist.getTopTracks") => {
            let items = (0..10)
                .map(|k| json!({"name": format!("{} song {}", a.name, k + 1), "playcount": format!("{}", 100_000 - i * 10 - k),
                                "listeners": format!("{}", 10_000 - k), "mbid": "", "url": "", "artist": {"name": a.name, "mbid": a.mbid}}))
                .collect();
            json_response(
                StatusCode::OK,
                json!({"toptracks": {"track": shape(items), "@attr": {"artist": a.name}}}),
            )
        }
        _ => json_response(
            StatusCode::OK,
            json!({"error": 3, "message": "Invalid Method - No method with that name in this package"}),
        ),
    }
}
