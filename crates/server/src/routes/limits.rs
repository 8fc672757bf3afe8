//! Per-client rate limits on the public API (`/api/v1/*`).
//!
//! A client is its IP address (IPv6 by /64, what one host usually gets). Behind a proxy (ALB,
//! API Gateway, CloudFront) every request comes from the proxy, so with `trusted_proxy_hops` = N
//! the client is the N-th address from the right of `X-Forwarded-For`: the one the outermost
//! trusted proxy saw (each proxy appends the address it received from; entries further left are
//! whatever the client claimed). With N = 0 (the default) the header is ignored: anyone can
//! write it. Requests with no known client address (Lambda) are not limited here; API Gateway's
//! own throttling covers them. The Kakao webhook is not limited per client: all of Kakao's users
//! arrive from Kakao's few servers; the shared secret, the bot allow-list and the global limit
//! guard it.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::AppState;
use crate::wire::ApiError;

/// How often (in checks) idle clients are forgotten.
const SWEEP_EVERY: u64 = 4096;

/// The per-client limiter of one server.
pub(crate) struct ClientLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_hops: usize,
    checks: AtomicU64,
}

impl ClientLimiter {
    /// `per_second` requests per client on average, bursts up to `burst`; 0 switches it off.
    pub(crate) fn new(per_second: u32, burst: u32, trusted_hops: usize) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
            DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            trusted_hops,
            checks: AtomicU64::new(0),
        }
    }

    /// The client a request comes from, if known.
    fn client(&self, request: &Request) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = if self.trusted_hops == 0 {
            peer
        } else {
            forwarded_client(request, self.trusted_hops).or(peer)
        }?;
        Some(match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let mut segments = v6.segments();
                    segments[4..].fill(0);
                    IpAddr::V6(Ipv6Addr::from(segments))
                }
            },
            v4 => v4,
        })
    }

    /// `Err(seconds to wait)` when the client is over its limit.
    fn check(&self, request: &Request) -> Result<(), u64> {
        let (Some(limiter), Some(client)) = (&self.limiter, self.client(request)) else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&client).map(|_| ()).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// The N-th address from the right of `X-Forwarded-For` (all its lines, in order).
fn forwarded_client(request: &Request, hops: usize) -> Option<IpAddr> {
    let entries: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entry = entries.get(entries.len().checked_sub(hops)?)?;
    entry.parse::<IpAddr>().ok().or_else(|| {
        // `1.2.3.4:5678` or `[::1]:5678`.
        entry.parse::<SocketAddr>().ok().map(|s| s.ip())
    })
}

/// Middleware: refuse a client over its rate with a JSON 429 and `Retry-After`.
pub(crate) async fn per_client(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match state.clients().check(&request) {
        Ok(()) => next.run(request).await,
        Err(wait) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many requests from this client; try again in {wait} s"),
        )
        .retry_after(wait)
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: &[&str]) -> Request {
        let mut builder = axum::http::Request::builder().uri("/api/v1/artists?q=x");
        for f in forwarded {
            builder = builder.header("x-forwarded-for", *f);
        }
        let mut request = builder.body(axum::body::Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    }

    #[test]
    fn the_client_is_the_peer_unless_proxies_are_trusted() {
        let open = ClientLimiter::new(1, 1, 0);
        let r = request("10.0.0.9:5000", &["6.6.6.6"]);
        assert_eq!(open.client(&r), Some("10.0.0.9".parse().unwrap()));
        let behind_alb = ClientLimiter::new(1, 1, 1);
        // The client claims 6.6.6.6; the ALB appended what it saw: 203.0.113.7.
        let r = request("10.0.0.9:5000", &["6.6.6.6, 203.0.113.7"]);
        assert_eq!(behind_alb.client(&r), Some("203.0.113.7".parse().unwrap()));
        let two = ClientLimiter::new(1, 1, 2);
        let r = request("10.0.0.9:5000", &["6.6.6.6", "198.51.100.1, 10.0.0.2"]);
        assert_eq!(two.client(&r), Some("198.51.100.1".parse().unwrap()));
        // Fewer entries than trusted hops: the peer.
        let r = request("10.0.0.9:5000", &[]);
        assert_eq!(behind_alb.client(&r), Some("10.0.0.9".parse().unwrap()));
        // IPv6 clients by /64.
        let r = request("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", &[]);
        assert_eq!(open.client(&r), Some("2001:db8:1:2::".parse().unwrap()));
    }

    #[test]
    fn a_client_over_its_rate_waits_and_others_do_not() {
        let limiter = ClientLimiter::new(1, 3, 0);
        let a = request("192.0.2.1:1", &[]);
        let b = request("192.0.2.2:1", &[]);
        for _ in 0..3 {
            assert!(limiter.check(&a).is_ok());
        }
        assert!(limiter.check(&a).is_err());
        assert!(limiter.check(&b).is_ok());
        let off = ClientLimiter::new(0, 0, 0);
        for _ in 0..100 {
            assert!(off.check(&a).is_ok());
        }
    }
}
