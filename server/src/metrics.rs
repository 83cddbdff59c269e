//! Prometheus metrics: request counts and latency histograms per route.
//!
//! Every series is registered up front, one block of atomics per entry of the route
//! table plus one for requests that matched no route, so recording a request is a few
//! relaxed atomic adds: no lock, no allocation, no map lookup. The `route` label is the
//! pattern (`/v1/products/{id}`), never the raw path, so label cardinality is bounded
//! by the table whatever clients send.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::router::ROUTES;

/// Upper bounds of the latency buckets, in seconds (Prometheus' `le`).
const BUCKETS_SECONDS: [f64; 14] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];
/// Status codes are counted exactly across 100..=599.
const STATUS_FIRST: u16 = 100;
const STATUS_COUNT: usize = 500;

struct Series {
    route: &'static str,
    method: &'static str,
    statuses: Box<[AtomicU64]>,
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    sum_us: AtomicU64,
    count: AtomicU64,
}

impl Series {
    fn new(route: &'static str, method: &'static str) -> Series {
        Series {
            route,
            method,
            statuses: (0..STATUS_COUNT).map(|_| AtomicU64::new(0)).collect(),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_us: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

/// The server's metrics registry.
pub struct Metrics {
    /// One per route, then one for unmatched requests.
    series: Box<[Series]>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut series: Vec<Series> = ROUTES
            .iter()
            .map(|route| Series::new(route.pattern, route.method.as_str()))
            .collect();
        // Unknown paths and wrong methods: any method, so the label says so.
        series.push(Series::new("unmatched", "any"));
        Metrics {
            series: series.into(),
        }
    }
}

impl Metrics {
    /// Records one request answered with `status` after `elapsed`; `route` is its index
    /// in the route table, `None` if it matched none.
    pub fn record(&self, route: Option<usize>, status: u16, elapsed: Duration) {
        let index = route.unwrap_or(ROUTES.len()).min(self.series.len() - 1);
        let series = &self.series[index];
        let slot = usize::from(status.saturating_sub(STATUS_FIRST)).min(STATUS_COUNT - 1);
        series.statuses[slot].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        if let Some(bucket) = BUCKETS_SECONDS.iter().position(|le| seconds <= *le) {
            series.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        series.sum_us.fetch_add(micros, Ordering::Relaxed);
        series.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The HTTP series in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        out.push_str("# HELP emporium_http_requests_total HTTP requests answered, by route pattern, method and status.\n");
        out.push_str("# TYPE emporium_http_requests_total counter\n");
        for series in self.series.iter() {
            for (slot, counter) in series.statuses.iter().enumerate() {
                let count = counter.load(Ordering::Relaxed);
                if count > 0 {
                    let status = usize::from(STATUS_FIRST) + slot;
                    let _ = writeln!(
                        out,
                        "emporium_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {count}",
                        series.route, series.method
                    );
                }
            }
        }
        out.push_str("# HELP emporium_http_request_duration_seconds Time from request head to response, by route pattern.\n");
        out.push_str("# TYPE emporium_http_request_duration_seconds histogram\n");
        for series in self.series.iter() {
            render_histogram(out, series);
        }
    }
}

fn render_histogram(out: &mut String, series: &Series) {
    let labels = format!("route=\"{}\",method=\"{}\"", series.route, series.method);
    let mut cumulative = 0;
    for (le, bucket) in BUCKETS_SECONDS.iter().zip(&series.buckets) {
        cumulative += bucket.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "emporium_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
        );
    }
    let count = series.count.load(Ordering::Relaxed);
    let sum_seconds = series.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(
        out,
        "emporium_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(
        out,
        "emporium_http_request_duration_seconds_sum{{{labels}}} {sum_seconds}"
    );
    let _ = writeln!(
        out,
        "emporium_http_request_duration_seconds_count{{{labels}}} {count}"
    );
}

/// Appends one gauge or counter with its help line.
pub fn render_value(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_by_route_and_status_with_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.record(Some(0), 200, Duration::from_micros(50));
        metrics.record(Some(0), 200, Duration::from_millis(3));
        metrics.record(None, 404, Duration::from_micros(10));
        let mut text = String::new();
        metrics.render(&mut text);
        let route = ROUTES[0].pattern;
        assert!(text.contains(&format!(
            "emporium_http_requests_total{{route=\"{route}\",method=\"GET\",status=\"200\"}} 2"
        )));
        assert!(text.contains(
            "emporium_http_requests_total{route=\"unmatched\",method=\"any\",status=\"404\"} 1"
        ));
        assert!(text.contains(&format!(
            "emporium_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"GET\",le=\"0.0001\"}} 1"
        )));
        assert!(text.contains(&format!(
            "emporium_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"GET\",le=\"0.005\"}} 2"
        )));
        assert!(text.contains(&format!(
            "emporium_http_request_duration_seconds_count{{route=\"{route}\",method=\"GET\"}} 2"
        )));
    }
}
