//! Prometheus text metrics: requests and latency per route, recommendations and unknown artists.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency histogram bucket bounds, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// One route's numbers: requests by method and status, and the latency histogram.
#[derive(Default)]
struct RouteStats {
    requests: BTreeMap<String, BTreeMap<u16, u64>>,
    latency: Histogram,
}

/// The service's metrics. One lock per request, and no allocation once a route, method and
/// status have been seen: this runs on every request.
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<String, RouteStats>>,
    recommendations: AtomicU64,
    unknown_artists: AtomicU64,
}

/// The entry for `key`, created on first use.
fn entry<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

/// A metric family's `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Methods counted under their own name; any other (made-up methods are unbounded) is `other`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The label of a route: one of the router's routes, else `other`.
fn route_label(route: &str) -> &str {
    if crate::routes::ROUTES.iter().any(|(_, path)| *path == route) {
        route
    } else {
        "other"
    }
}

fn method_label(method: &str) -> &str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

impl Metrics {
    /// Count one request. Labels come only from known routes and methods (anything else counts
    /// as `other`), so the exposition stays the same size whatever clients send.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        let (route, method) = (route_label(route), method_label(method));
        let seconds = took.as_secs_f64();
        let mut routes = self.routes.lock().expect("metrics lock");
        let stats = entry(&mut routes, route);
        *entry(&mut stats.requests, method)
            .entry(status)
            .or_default() += 1;
        let h = &mut stats.latency;
        for (count, bound) in h.counts.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Count what a reply was: a recommendation or an unknown-artist answer.
    pub fn replied(&self, body: &soundalike_chat::ReplyBody) {
        match body {
            soundalike_chat::ReplyBody::Recommendation(_)
            | soundalike_chat::ReplyBody::Tracks(_) => self.recommendation(),
            soundalike_chat::ReplyBody::Unknown { .. } => self.unknown_artist(),
            _ => {}
        }
    }

    /// Count one recommendation answered.
    pub fn recommendation(&self) {
        self.recommendations.fetch_add(1, Ordering::Relaxed);
    }

    /// Count one query for an unknown artist.
    pub fn unknown_artist(&self) {
        self.unknown_artists.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let routes = self.routes.lock().expect("metrics lock");
        let requests = "soundalike_http_requests_total";
        family(
            &mut out,
            requests,
            "counter",
            "HTTP requests by route, method and status.",
        );
        for (route, stats) in routes.iter() {
            for (method, statuses) in &stats.requests {
                for (status, n) in statuses {
                    let _ = writeln!(
                        out,
                        "{requests}{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
                    );
                }
            }
        }
        let latency = "soundalike_http_request_duration_seconds";
        family(&mut out, latency, "histogram", "Request latency by route.");
        for (route, stats) in routes.iter() {
            let h = &stats.latency;
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "{latency}_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "{latency}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "{latency}_sum{{route=\"{route}\"}} {}", h.sum);
            let _ = writeln!(out, "{latency}_count{{route=\"{route}\"}} {}", h.count);
        }
        drop(routes);
        for (name, help, value) in [
            (
                "soundalike_recommendations_total",
                "Answers that named an artist and its neighbours.",
                &self.recommendations,
            ),
            (
                "soundalike_unknown_artist_queries_total",
                "Queries no artist matched.",
                &self.unknown_artists,
            ),
        ] {
            family(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("/healthz", "GET", 200, Duration::from_micros(300));
        m.observe("/healthz", "GET", 200, Duration::from_millis(30));
        m.recommendation();
        let text = m.render();
        assert!(text.contains(
            "soundalike_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "soundalike_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "soundalike_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.05\"} 2"
        ));
        assert!(text.contains("soundalike_recommendations_total 1"));
        assert!(text.contains("soundalike_unknown_artist_queries_total 0"));
    }

    #[test]
    fn unknown_routes_and_methods_share_one_label() {
        let m = Metrics::default();
        m.observe("/healthz", "GET", 200, Duration::from_micros(300));
        let before = m.render().len();
        m.observe("/healthz", "GET", 200, Duration::from_micros(300));
        for i in 0..1000 {
            let method = format!("MADEUP{i}{}", "X".repeat(1000));
            m.observe("/healthz", &method, 200, Duration::from_micros(300));
            m.observe(
                &format!("/no/such/{i}"),
                "GET",
                200,
                Duration::from_micros(300),
            );
        }
        let text = m.render();
        assert!(!text.contains("MADEUP") && !text.contains("/no/such"));
        assert!(text.contains(r#"route="/healthz",method="other",status="200"} 1000"#));
        assert!(text.contains(r#"route="other",method="GET",status="200"} 1000"#));
        // Two new series (healthz/other, other/GET) and one histogram; nothing per request.
        assert!(text.len() < before + 2048, "{} -> {}", before, text.len());
    }
}
