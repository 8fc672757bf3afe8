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

/// The service's metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    recommendations: AtomicU64,
    unknown_artists: AtomicU64,
}

impl Metrics {
    /// Count one request.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        *self
            .requests
            .lock()
            .expect("metrics lock")
            .entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        let seconds = took.as_secs_f64();
        let mut latency = self.latency.lock().expect("metrics lock");
        let h = latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
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
        out.push_str(
            "# HELP soundalike_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE soundalike_http_requests_total counter\n");
        for ((route, method, status), n) in self.requests.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "soundalike_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP soundalike_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE soundalike_http_request_duration_seconds histogram\n");
        for (route, h) in self.latency.lock().expect("metrics lock").iter() {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "soundalike_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "soundalike_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "soundalike_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "soundalike_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP soundalike_recommendations_total Answers that named an artist and its neighbours.\n");
        out.push_str("# TYPE soundalike_recommendations_total counter\n");
        let _ = writeln!(
            out,
            "soundalike_recommendations_total {}",
            self.recommendations.load(Ordering::Relaxed)
        );
        out.push_str("# HELP soundalike_unknown_artist_queries_total Queries no artist matched.\n");
        out.push_str("# TYPE soundalike_unknown_artist_queries_total counter\n");
        let _ = writeln!(
            out,
            "soundalike_unknown_artist_queries_total {}",
            self.unknown_artists.load(Ordering::Relaxed)
        );
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
}
