//! Shared state: settings, metrics, and the chat engine once the data is ready.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use soundalike_chat::{Engine, EngineConfig};
use soundalike_recommend::Recommender;
use soundalike_store::{Locations, Stores};

use crate::metrics::Metrics;
use crate::routes::{ClientLimiter, RenderedAnswers};

/// A secret value: compared in constant time, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Constant-time comparison with what a request carried.
    pub fn matches(&self, given: &[u8]) -> bool {
        let want = self.0.as_bytes();
        let mut diff = (want.len() != given.len()) as u8;
        for (i, w) in want.iter().enumerate() {
            diff |= w ^ given.get(i).copied().unwrap_or(0);
        }
        diff == 0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Who may call the Kakao skill endpoint.
#[derive(Debug, Clone)]
pub struct KakaoSecurity {
    /// Header that must carry the shared secret (set both or neither).
    pub secret_header: Option<String>,
    /// The shared secret.
    pub secret: Option<Secret>,
    /// Allowed `bot.id`s; empty allows every bot.
    pub bot_ids: Vec<String>,
    /// Hosts a `callbackUrl` may point at (the host itself or a subdomain of it). The URL comes
    /// from the request, so this keeps the server from POSTing wherever a caller says.
    pub callback_hosts: Vec<String>,
}

impl Default for KakaoSecurity {
    fn default() -> Self {
        Self {
            secret_header: None,
            secret: None,
            bot_ids: Vec::new(),
            callback_hosts: vec!["kakao.com".into()],
        }
    }
}

impl KakaoSecurity {
    /// Whether the server may POST an answer to `url`: https on an allowed host, or plain http
    /// on an allowed loopback host (local development and tests).
    pub fn callback_allowed(&self, url: &str) -> bool {
        let Ok(url) = reqwest::Url::parse(url) else {
            return false;
        };
        let Some(host) = url.host_str() else {
            return false;
        };
        let listed = self.callback_hosts.iter().any(|allowed| {
            host.eq_ignore_ascii_case(allowed)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", allowed.to_ascii_lowercase()))
        });
        let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
        listed && (url.scheme() == "https" || (url.scheme() == "http" && loopback))
    }
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Kakao endpoint protection.
    pub kakao: KakaoSecurity,
    /// Engine settings (algorithm, k, cards).
    pub engine: EngineConfig,
    /// Time an answer may take before it counts as late (Kakao: callback flow). Zero makes every
    /// answer late, which forces the callback flow whenever a request offers one.
    pub answer_budget: Duration,
    /// Largest accepted body in bytes.
    pub body_limit: usize,
    /// Time limits, connection and request caps.
    pub limits: Limits,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            kakao: KakaoSecurity::default(),
            engine: EngineConfig::default(),
            answer_budget: crate::ANSWER_BUDGET,
            body_limit: crate::BODY_LIMIT,
            limits: Limits::default(),
        }
    }
}

/// What one client or connection may hold: no request can stall the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time a connection may take to send a request's headers, counted from when the server
    /// starts waiting for them: on a new connection, and again after each response (so it is
    /// also the idle keep-alive timeout).
    pub header_read: Duration,
    /// Time a request body may take to arrive.
    pub body_read: Duration,
    /// Time a whole request may take (the Kakao answer budget and live lookups fit inside).
    pub request: Duration,
    /// Open connections at most; `None`: the open-files limit less a reserve
    /// ([`crate::FILES_RESERVED`]). Past it, new connections wait in the listen backlog.
    pub max_connections: Option<usize>,
    /// Requests handled at once (health and metrics aside); past it, 503 at once.
    pub max_in_flight: usize,
    /// `/api/v1/*` requests per second per client (average); 0 switches the limit off.
    pub per_client_per_second: u32,
    /// Requests a client may send at once before its rate counts.
    pub per_client_burst: u32,
    /// Proxies in front of the server whose `X-Forwarded-For` entry is trusted (0: none; the
    /// peer address is the client). See `routes::limits`.
    pub trusted_proxy_hops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(10),
            request: Duration::from_secs(15),
            max_connections: None,
            max_in_flight: 512,
            per_client_per_second: 20,
            per_client_burst: 60,
            trusted_proxy_hops: 0,
        }
    }
}

struct Inner {
    config: ServerConfig,
    metrics: Metrics,
    // The engine and the Kakao answers rendered from its snapshot change together.
    engine: RwLock<Option<(Engine, Arc<RenderedAnswers>)>>,
    http: reqwest::Client,
    clients: ClientLimiter,
}

/// State shared by every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// State with no engine yet (`/readyz` says 503 until [`AppState::set_engine`]).
    pub fn new(config: ServerConfig) -> Self {
        // One TLS provider for the process; a second install (tests) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The callback client: the URL comes from the request, so a redirect could lead it
        // anywhere; it follows none, retries nothing (an answer is posted at most once), and
        // each POST gets the time left before Kakao's deadline (`kakao::deliver`).
        let http = reqwest::Client::builder()
            .user_agent(concat!("soundalike/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .expect("an HTTP client with the ring TLS provider");
        let engine = RwLock::new(None);
        let clients = ClientLimiter::new(
            config.limits.per_client_per_second,
            config.limits.per_client_burst,
            config.limits.trusted_proxy_hops,
        );
        Self {
            inner: Arc::new(Inner {
                config,
                metrics: Metrics::default(),
                engine,
                http,
                clients,
            }),
        }
    }

    /// The per-client rate limiter.
    pub(crate) fn clients(&self) -> &ClientLimiter {
        &self.inner.clients
    }

    /// Settings.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The outgoing HTTP client (Kakao callbacks): no redirects, no retries.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The engine, once ready.
    pub fn engine(&self) -> Option<Engine> {
        self.snapshot().map(|(engine, _)| engine)
    }

    /// The engine with the Kakao answers already rendered from its snapshot.
    pub(crate) fn snapshot(&self) -> Option<(Engine, Arc<RenderedAnswers>)> {
        self.inner.engine.read().expect("engine lock").clone()
    }

    /// Install (or replace) the engine: the service is ready from now on. Answers rendered from
    /// the previous snapshot are dropped with it.
    pub fn set_engine(&self, engine: Engine) {
        *self.inner.engine.write().expect("engine lock") =
            Some((engine, Arc::new(RenderedAnswers::default())));
    }

    /// Load the recommender from the stores and install an engine over it.
    pub async fn load(&self, stores: Stores) -> Result<(), soundalike_recommend::RecommendError> {
        let recommender = Recommender::load_from(stores).await?;
        tracing::info!(artists = recommender.artist_count(), "recommender loaded");
        self.set_engine(Engine::new(
            Arc::new(recommender),
            self.config().engine.clone(),
        ));
        Ok(())
    }
}

/// Make the service ready: open the stores (an SQLite path or [`Locations`]); when they have no
/// similarity mart yet and `first_build` is given, run that pipeline first (the "first start" of
/// `serve`); then load.
pub async fn warm_up(
    state: AppState,
    locations: impl Into<Locations>,
    first_build: Option<soundalike_pipeline::Options>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let locations = locations.into();
    let mut stores = locations.open().await?;
    if stores.store.marts().await?.is_empty()
        && let Some(options) = first_build
    {
        tracing::warn!(
            "no similarity data yet: building it from the bundled dataset (first start)"
        );
        stores.close().await;
        let summary = soundalike_pipeline::run(options).await?;
        tracing::info!(
            artists = summary.artists,
            tracks = summary.tracks,
            "first build done"
        );
        stores = locations.open().await?;
    }
    state.load(stores).await?;
    Ok(())
}

/// Reload the snapshot whenever a newer mart is published (a `pipeline run` next to a running
/// server), checking every `every`. Runs until the process ends.
pub async fn watch_store(state: AppState, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(engine) = state.engine() else {
            continue;
        };
        let recommender = engine.recommender();
        match recommender.is_stale().await {
            Ok(true) => match state.load(recommender.stores().clone()).await {
                Ok(()) => tracing::info!("reloaded the similarity data after a new publish"),
                Err(error) => tracing::warn!(%error, "reload failed; serving the previous data"),
            },
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not check for a new publish"),
        }
    }
}
