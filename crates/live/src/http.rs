//! The one HTTP policy every live client shares: a per-host rate limiter, bounded retries with
//! exponential backoff and jitter on 5xx, timeouts and connection resets, `Retry-After` on 429,
//! request timeouts, per-source call counts, and the raw-lake write of every body before parsing.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, StatusCode, Url};
use soundalike_lake::raw::RawLake;

use crate::FetchError;

/// How hard to try and how fast to go. Every field has a default that suits the public APIs.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// One request's time limit (connect + response).
    pub timeout: Duration,
    /// Tries per request, the first one included.
    pub max_attempts: u32,
    /// The first backoff; doubles per attempt, plus up to as much again of jitter.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one fails the request instead of stalling.
    pub max_retry_after: Duration,
    /// Least time between two requests to one host, per host (`host` → interval); hosts not
    /// listed use `default_interval`.
    pub host_intervals: HashMap<String, Duration>,
    /// Interval for hosts not in `host_intervals`.
    pub default_interval: Duration,
    /// The User-Agent sent everywhere (MusicBrainz and ListenBrainz ask for a meaningful one).
    pub user_agent: String,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            max_attempts: 5,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(120),
            host_intervals: HashMap::from([
                // Deezer: ~50 requests / 5 s; ListenBrainz/MusicBrainz: 1 request/s.
                ("api.deezer.com".into(), Duration::from_millis(110)),
                ("api.listenbrainz.org".into(), Duration::from_secs(1)),
                ("labs.api.listenbrainz.org".into(), Duration::from_secs(1)),
                ("musicbrainz.org".into(), Duration::from_secs(1)),
            ]),
            default_interval: Duration::from_millis(20),
            user_agent: format!(
                "soundalike/{} (https://example.invalid/soundalike)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

/// One answered request.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// HTTP status (2xx here; other statuses are [`FetchError::Status`]).
    pub status: u16,
    /// The body, exactly as received.
    pub body: Vec<u8>,
}

/// What one source's calls came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// Requests sent (retries included).
    pub requests: u64,
    /// Of those, retries.
    pub retries: u64,
    /// Requests that failed for good after their attempts.
    pub failures: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    failures: AtomicU64,
}

/// A body-level check: `true` when a 200 body is a rate-limit answer worth retrying (Deezer code 4,
/// Last.fm error 29).
pub type RetryBody = fn(&[u8]) -> bool;

/// The shared client: clone freely (one connection pool, one limiter, one set of counters).
#[derive(Clone)]
pub struct Http {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    policy: HttpPolicy,
    next_slot: Mutex<HashMap<String, Instant>>,
    counters: Mutex<HashMap<&'static str, Arc<Counters>>>,
    raw: Option<RawLake>,
    jitter: RandomState,
    jitter_seq: AtomicU64,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Http")
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// One request to send: the URL (for the raw lake and logs, with secrets already left out) and
/// a builder that makes the request (it may add secrets).
pub struct Request<'a> {
    /// `spotify`, `deezer`, ...
    pub source: &'static str,
    /// The endpoint name used for the raw lake folder (`artist`, `related`, ...).
    pub endpoint: &'static str,
    /// The URL as recorded: never holding a secret.
    pub url: &'a Url,
    /// Write a 2xx body to the raw lake before returning it.
    pub record: bool,
    /// Body-level retry check.
    pub retry_body: Option<RetryBody>,
}

impl Http {
    /// A client with `policy`, writing bodies to `raw` when given.
    pub fn new(policy: HttpPolicy, raw: Option<RawLake>) -> Result<Self, FetchError> {
        // reqwest is built without a default crypto provider; install ring once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .user_agent(policy.user_agent.clone())
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                policy,
                next_slot: Mutex::new(HashMap::new()),
                counters: Mutex::new(HashMap::new()),
                raw,
                jitter: RandomState::new(),
                jitter_seq: AtomicU64::new(0),
            }),
        })
    }

    /// The underlying reqwest client (to build requests).
    pub fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    /// The policy in force.
    pub fn policy(&self) -> &HttpPolicy {
        &self.inner.policy
    }

    /// Call counts per source so far.
    pub fn counts(&self) -> HashMap<&'static str, CallCounts> {
        let counters = self.inner.counters.lock().expect("counters lock");
        counters
            .iter()
            .map(|(source, c)| {
                (
                    *source,
                    CallCounts {
                        requests: c.requests.load(Ordering::Relaxed),
                        retries: c.retries.load(Ordering::Relaxed),
                        failures: c.failures.load(Ordering::Relaxed),
                    },
                )
            })
            .collect()
    }

    /// Total requests sent to every source.
    pub fn total_requests(&self) -> u64 {
        self.counts().values().map(|c| c.requests).sum()
    }

    fn counters(&self, source: &'static str) -> Arc<Counters> {
        self.inner
            .counters
            .lock()
            .expect("counters lock")
            .entry(source)
            .or_default()
            .clone()
    }

    /// Wait for this host's next free slot.
    async fn pace(&self, url: &Url) {
        let host = url.host_str().unwrap_or_default().to_string();
        let policy = &self.inner.policy;
        let interval = policy
            .host_intervals
            .get(&host)
            .copied()
            .unwrap_or(policy.default_interval);
        let wait = {
            let mut slots = self.inner.next_slot.lock().expect("limiter lock");
            let now = Instant::now();
            let slot = slots.entry(host).or_insert(now);
            let start = (*slot).max(now);
            *slot = start + interval;
            start - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.inner.policy.backoff * 2u32.saturating_pow(attempt.min(16));
        let seq = self.inner.jitter_seq.fetch_add(1, Ordering::Relaxed);
        let unit = (self.inner.jitter.hash_one(seq) % 1000) as u32;
        base + self.inner.policy.backoff * unit / 1000
    }

    /// GET `sent` under the policy, recorded (raw lake, logs) as `recorded`, which must hold no
    /// secret; the plain GET every JSON source makes.
    pub async fn get(
        &self,
        source: &'static str,
        endpoint: &'static str,
        sent: &Url,
        recorded: &Url,
        retry_body: Option<RetryBody>,
    ) -> Result<Vec<u8>, FetchError> {
        let request = Request {
            source,
            endpoint,
            url: recorded,
            record: true,
            retry_body,
        };
        Ok(self.send(request, |c| c.get(sent.clone())).await?.body)
    }

    /// Send `req` (made by `make`, called once per attempt) under the policy.
    pub async fn send(
        &self,
        req: Request<'_>,
        make: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Fetched, FetchError> {
        let counters = self.counters(req.source);
        let policy = &self.inner.policy;
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace(req.url).await;
            counters.requests.fetch_add(1, Ordering::Relaxed);
            let last = attempt >= policy.max_attempts;
            let outcome = self.once(&make).await;
            let wait = match outcome {
                Ok((status, body)) if status.is_success() => {
                    if let Some(raw) = self.inner.raw.as_ref().filter(|_| req.record) {
                        raw.put(req.source, req.endpoint, req.url.as_str(), &body.0)
                            .map_err(|e| FetchError::Raw(e.to_string()))?;
                    }
                    if req.retry_body.is_some_and(|check| check(&body.0)) && !last {
                        tracing::warn!(
                            source = req.source,
                            endpoint = req.endpoint,
                            attempt,
                            "rate limited in the body; backing off"
                        );
                        self.backoff(attempt)
                    } else {
                        return Ok(Fetched {
                            status: status.as_u16(),
                            body: body.0,
                        });
                    }
                }
                Ok((status, body)) if status == StatusCode::TOO_MANY_REQUESTS => {
                    let wait = retry_after(&body.1).unwrap_or_else(|| self.backoff(attempt));
                    if wait > policy.max_retry_after || last {
                        counters.failures.fetch_add(1, Ordering::Relaxed);
                        return Err(FetchError::RateLimited {
                            api: req.source,
                            retry_after: wait,
                        });
                    }
                    tracing::warn!(
                        source = req.source,
                        endpoint = req.endpoint,
                        wait_ms = wait.as_millis() as u64,
                        "429; waiting as told"
                    );
                    wait
                }
                Ok((status, _)) if status.is_server_error() && !last => {
                    tracing::warn!(
                        source = req.source,
                        endpoint = req.endpoint,
                        status = status.as_u16(),
                        attempt,
                        "server error; retrying"
                    );
                    self.backoff(attempt)
                }
                Ok((status, body)) => {
                    counters.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(FetchError::Status {
                        api: req.source,
                        endpoint: req.endpoint,
                        status: status.as_u16(),
                        body: String::from_utf8_lossy(&body.0[..body.0.len().min(512)])
                            .into_owned(),
                    });
                }
                Err(e) if !last => {
                    tracing::warn!(source = req.source, endpoint = req.endpoint, attempt, error = %e, "transport error; retrying");
                    self.backoff(attempt)
                }
                Err(e) => {
                    counters.failures.fetch_add(1, Ordering::Relaxed);
                    return Err(FetchError::Transport {
                        api: req.source,
                        endpoint: req.endpoint,
                        message: e.to_string(),
                    });
                }
            };
            counters.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    async fn once(
        &self,
        make: &impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<(StatusCode, Body), reqwest::Error> {
        let response = make(&self.inner.client).send().await?;
        let status = response.status();
        let retry = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.bytes().await?.to_vec();
        Ok((status, Body(body, retry)))
    }
}

/// A body and the `Retry-After` seconds that came with it.
struct Body(Vec<u8>, Option<u64>);

fn retry_after(seconds: &Option<u64>) -> Option<Duration> {
    seconds.map(Duration::from_secs)
}

/// A URL for logs and the raw lake: query values named like secrets are replaced by `***`.
pub fn redacted(url: &Url) -> Url {
    let mut out = url.clone();
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let hide = matches!(k.as_ref(), "api_key" | "token" | "client_secret");
                (
                    k.into_owned(),
                    if hide { "***".into() } else { v.into_owned() },
                )
            })
            .collect();
        out.query_pairs_mut().clear().extend_pairs(pairs);
    }
    out
}
