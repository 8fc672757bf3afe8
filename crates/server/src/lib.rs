//! The HTTP service: Kakao skill webhook, web chat page, REST API, health and metrics, one axum
//! router served locally ([`Application`]) or on AWS Lambda ([`lambda`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use soundalike_server::{AppState, Application, ServerConfig};
//! let state = AppState::new(ServerConfig::default());
//! let app = Application::build("127.0.0.1:0".parse().unwrap(), state.clone()).await?;
//! println!("listening on port {}", app.port());
//! app.run_until_stopped().await
//! # }
//! ```
//!
//! **Invariant:** handlers never build SQL or touch the store directly; they ask the chat engine
//! or the recommender. **Invariant:** the Kakao endpoint checks the shared secret before reading
//! the body, and the bot allow-list before any lookup.
#![deny(missing_docs)]

pub mod lambda;
pub mod live;
mod metrics;
mod openapi;
mod routes;
mod serve;
mod state;
pub mod wire;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

pub use metrics::Metrics;
pub use openapi::openapi_json;
pub use routes::{ROUTES, router};
pub use serve::{FILES_RESERVED, connection_cap};
pub use state::{AppState, KakaoSecurity, Limits, Secret, ServerConfig, warm_up, watch_store};

/// A bound, not yet serving, server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    port: u16,
    limits: Limits,
    max_connections: usize,
}

impl Application {
    /// Bind `addr` (port 0 picks a free port) and build the router. Raises the open-files soft
    /// limit to the hard one; the connection cap sits below it ([`Limits::max_connections`]).
    pub async fn build(addr: SocketAddr, state: AppState) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let port = listener.local_addr()?.port();
        let limits = state.config().limits.clone();
        Ok(Self {
            listener,
            router: router(state),
            port,
            max_connections: connection_cap(limits.max_connections),
            limits,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections served at once at most.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Serve until Ctrl-C or SIGTERM, then finish in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port, "serving");
        serve::serve(
            self.listener,
            self.router,
            &self.limits,
            self.max_connections,
            shutdown_signal(),
        )
        .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Default time an answer may take before the Kakao endpoint gives up on it (Kakao waits 5 s).
pub const ANSWER_BUDGET: Duration = Duration::from_millis(3500);
/// Largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
