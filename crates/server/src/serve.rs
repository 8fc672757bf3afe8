//! The accept loop: HTTP/1.1 connections served by hyper with a header-read (and idle
//! keep-alive) timeout, at most a fixed number of them open at once, and graceful shutdown.
//!
//! `axum::serve` exposes none of these settings; this is its loop with them. HTTP/1.1 only:
//! Kakao, ALB, API Gateway and browsers all speak it to an origin, and a connection that never
//! says which protocol it speaks cannot wait here forever.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::Limits;

/// Open files kept free for everything but client connections (store, lake, logs, outgoing
/// requests) when the connection cap is derived from the open-files limit.
pub const FILES_RESERVED: usize = 256;

/// How long shutdown waits for in-flight requests before it stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Raise the open-files soft limit to the hard limit (a server's usual first step) and return
/// the connection cap: `configured`, or what the limit allows less [`FILES_RESERVED`].
pub fn connection_cap(configured: Option<usize>) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(%error, "cannot read the open-files limit; assuming 1024");
            1024
        }
    };
    let allowed = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(FILES_RESERVED)
        .max(16);
    match configured {
        Some(cap) if cap > allowed => {
            tracing::warn!(
                cap,
                allowed,
                "connection cap above the open-files limit; lowered"
            );
            allowed
        }
        Some(cap) => cap.max(1),
        None => allowed,
    }
}

/// Serve `router` on `listener` until `shutdown` resolves, then let in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .keep_alive(true);
    tracing::info!(max_connections, header_read = ?limits.header_read, "accepting connections");
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of files or memory: back off instead of spinning; connections that
                    // finish meanwhile free what is missing.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::http::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                });
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(grace = ?SHUTDOWN_GRACE, "connections still open after the grace period");
    }
    Ok(())
}
