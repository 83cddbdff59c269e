//! Outcomes and latencies per request kind, the thresholds, and the tables.
//!
//! Each worker records into its own [`Recorder`] (no sharing on the hot path); the
//! recorders are merged once the run is over. A reply is one of three outcomes: a
//! success (2xx), a sell-out (409 `insufficient_stock`, an expected business outcome
//! once popular products run out, reported apart and not counted as an error), or an
//! error, counted by status code or by transport failure.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::mix::RequestKind;

/// The usual stack's load-test thresholds, per request kind and overall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// p95 latency must be below this.
    pub p95_ms: f64,
    /// p99 latency must be below this.
    pub p99_ms: f64,
    /// Errors must be below this share of replies, in percent.
    pub error_percent_max: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            p95_ms: 500.0,
            p99_ms: 1_000.0,
            error_percent_max: 1.0,
        }
    }
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx reply.
    Ok,
    /// 409 `insufficient_stock`: sold out, expected in a long run.
    SoldOut,
    /// Anything else: a status code (`"500"`) or a transport failure (`"timeout"`).
    Error(String),
}

/// Latencies are kept in microseconds, up to an hour (a backlog can exceed any
/// request deadline), with 3 significant digits.
const LATENCY_US_MAX: u64 = 3_600_000_000;

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, LATENCY_US_MAX, 3).expect("constant bounds are valid")
}

/// Everything recorded for one request kind.
#[derive(Debug, Clone)]
pub struct KindStats {
    /// From the time the slot was due (corrected for coordinated omission), in µs.
    pub latency: Histogram<u64>,
    /// From the time the request was sent, in µs.
    pub service: Histogram<u64>,
    /// 2xx replies.
    pub ok: u64,
    /// 409 `insufficient_stock` replies.
    pub sold_out: u64,
    /// Errors by status code or transport failure.
    pub errors: BTreeMap<String, u64>,
}

impl KindStats {
    fn new() -> KindStats {
        KindStats {
            latency: histogram(),
            service: histogram(),
            ok: 0,
            sold_out: 0,
            errors: BTreeMap::new(),
        }
    }

    fn merge(&mut self, other: &KindStats) {
        self.latency
            .add(&other.latency)
            .expect("histograms share their bounds");
        self.service
            .add(&other.service)
            .expect("histograms share their bounds");
        self.ok += other.ok;
        self.sold_out += other.sold_out;
        for (label, count) in &other.errors {
            *self.errors.entry(label.clone()).or_insert(0) += count;
        }
    }

    fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    fn replies(&self) -> u64 {
        self.ok + self.sold_out + self.error_count()
    }
}

/// One worker's (or, merged, the whole run's) records.
#[derive(Debug, Clone)]
pub struct Recorder {
    kinds: Vec<KindStats>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            kinds: RequestKind::ALL.iter().map(|_| KindStats::new()).collect(),
        }
    }
}

impl Recorder {
    /// Records one request of `kind`.
    pub fn record(
        &mut self,
        kind: RequestKind,
        latency: Duration,
        service: Duration,
        outcome: Outcome,
    ) {
        let stats = &mut self.kinds[kind.index()];
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        stats.latency.saturating_record(micros(latency));
        stats.service.saturating_record(micros(service));
        match outcome {
            Outcome::Ok => stats.ok += 1,
            Outcome::SoldOut => stats.sold_out += 1,
            Outcome::Error(label) => *stats.errors.entry(label).or_insert(0) += 1,
        }
    }

    /// Adds `other`'s records to these.
    pub fn merge(&mut self, other: &Recorder) {
        for (mine, theirs) in self.kinds.iter_mut().zip(&other.kinds) {
            mine.merge(theirs);
        }
    }

    /// The records of `kind`.
    pub fn kind(&self, kind: RequestKind) -> &KindStats {
        &self.kinds[kind.index()]
    }

    /// Summaries per kind and for all requests, judged against `thresholds`, over a
    /// measured window of `elapsed`.
    pub fn summarize(&self, elapsed: Duration, thresholds: &Thresholds) -> Summary {
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        let kinds: Vec<KindSummary> = RequestKind::ALL
            .iter()
            .map(|&kind| KindSummary::new(kind.name(), self.kind(kind), seconds, thresholds))
            .collect();
        let mut all = KindStats::new();
        self.kinds.iter().for_each(|stats| all.merge(stats));
        let all = KindSummary::new("all", &all, seconds, thresholds);
        let pass = all.replies > 0
            && all.verdict.as_ref().is_some_and(Vec::is_empty)
            && kinds
                .iter()
                .all(|kind| kind.verdict.as_ref().is_none_or(Vec::is_empty));
        Summary {
            kinds,
            all,
            pass,
            elapsed_s: seconds,
            thresholds: *thresholds,
        }
    }
}

/// Figures for one request kind (or all of them).
#[derive(Debug, Clone)]
pub struct KindSummary {
    /// The kind's name, or `all`.
    pub name: &'static str,
    /// Replies (and failures) recorded.
    pub replies: u64,
    /// Replies per second over the window.
    pub per_s: f64,
    /// Successful replies per second over the window.
    pub ok_per_s: f64,
    /// Latency quantiles from the due time, in ms: p50, p95, p99, p99.9, max.
    pub latency_ms: [f64; 5],
    /// Service-time quantiles from the send, in ms: p50 and p99.
    pub service_ms: [f64; 2],
    /// 2xx replies.
    pub ok: u64,
    /// 409 `insufficient_stock` replies.
    pub sold_out: u64,
    /// Errors by status code or transport failure.
    pub errors: BTreeMap<String, u64>,
    /// Errors as a share of replies, in percent.
    pub error_percent: f64,
    /// `None` when nothing was sent; otherwise the thresholds missed (empty: PASS).
    pub verdict: Option<Vec<String>>,
}

impl KindSummary {
    fn new(name: &'static str, stats: &KindStats, seconds: f64, thresholds: &Thresholds) -> Self {
        let replies = stats.replies();
        let ms = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q) as f64 / 1_000.0;
        let latency_ms = [
            ms(&stats.latency, 0.50),
            ms(&stats.latency, 0.95),
            ms(&stats.latency, 0.99),
            ms(&stats.latency, 0.999),
            stats.latency.max() as f64 / 1_000.0,
        ];
        let errors = stats.error_count();
        let error_percent = if replies == 0 {
            0.0
        } else {
            errors as f64 * 100.0 / replies as f64
        };
        let verdict = (replies > 0).then(|| {
            let mut missed = Vec::new();
            if latency_ms[1] >= thresholds.p95_ms {
                missed.push(format!(
                    "p95 {:.1} ms ≥ {} ms",
                    latency_ms[1], thresholds.p95_ms
                ));
            }
            if latency_ms[2] >= thresholds.p99_ms {
                missed.push(format!(
                    "p99 {:.1} ms ≥ {} ms",
                    latency_ms[2], thresholds.p99_ms
                ));
            }
            if error_percent >= thresholds.error_percent_max {
                missed.push(format!(
                    "errors {error_percent:.2} % ≥ {} %",
                    thresholds.error_percent_max
                ));
            }
            missed
        });
        KindSummary {
            name,
            replies,
            per_s: replies as f64 / seconds,
            ok_per_s: stats.ok as f64 / seconds,
            latency_ms,
            service_ms: [ms(&stats.service, 0.50), ms(&stats.service, 0.99)],
            ok: stats.ok,
            sold_out: stats.sold_out,
            errors: stats.errors.clone(),
            error_percent,
            verdict,
        }
    }

    fn verdict_text(&self) -> String {
        match &self.verdict {
            None => "—".into(),
            Some(missed) if missed.is_empty() => "PASS".into(),
            Some(missed) => format!("FAIL ({})", missed.join("; ")),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "replies": self.replies,
            "per_s": round(self.per_s),
            "ok_per_s": round(self.ok_per_s),
            "p50_ms": round(self.latency_ms[0]),
            "p95_ms": round(self.latency_ms[1]),
            "p99_ms": round(self.latency_ms[2]),
            "p999_ms": round(self.latency_ms[3]),
            "max_ms": round(self.latency_ms[4]),
            "service_p50_ms": round(self.service_ms[0]),
            "service_p99_ms": round(self.service_ms[1]),
            "ok": self.ok,
            "sold_out": self.sold_out,
            "errors": self.errors,
            "error_percent": round(self.error_percent),
            "pass": self.verdict.as_ref().map(Vec::is_empty),
        })
    }
}

fn round(value: f64) -> f64 {
    (value * 1_000.0).round() / 1_000.0
}

/// The judged figures of one run.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Per request kind, in report order.
    pub kinds: Vec<KindSummary>,
    /// All requests together.
    pub all: KindSummary,
    /// Every kind sent and the whole passed the thresholds.
    pub pass: bool,
    /// The measured window in seconds.
    pub elapsed_s: f64,
    /// What was judged against.
    pub thresholds: Thresholds,
}

impl Summary {
    /// The kind's summary.
    pub fn kind(&self, kind: RequestKind) -> &KindSummary {
        &self.kinds[kind.index()]
    }

    /// The table (Markdown), one row per kind sent and one for all.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| request | replies | per s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms \
             | service p50 / p99 ms | ok | sold out | errors | verdict |\n\
             |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        );
        let row = |name: String, kind: &KindSummary| {
            let [p50, p95, p99, p999, max] = kind.latency_ms;
            format!(
                "| {name} | {} | {:.1} | {p50:.2} | {p95:.2} | {p99:.2} | {p999:.2} | {max:.1} \
                 | {:.2} / {:.2} | {} | {} | {} | {} |\n",
                kind.replies,
                kind.per_s,
                kind.service_ms[0],
                kind.service_ms[1],
                kind.ok,
                kind.sold_out,
                kind.errors.values().sum::<u64>(),
                kind.verdict_text(),
            )
        };
        for (kind, summary) in RequestKind::ALL.iter().zip(&self.kinds) {
            if summary.replies > 0 {
                out.push_str(&row(format!("`{}`", kind.route()), summary));
            }
        }
        out.push_str(&row("**all**".into(), &self.all));
        out
    }

    /// Errors by status code or failure, all kinds together; empty when none.
    pub fn errors_line(&self) -> String {
        let mut by_label: BTreeMap<&str, u64> = BTreeMap::new();
        for kind in &self.kinds {
            for (label, count) in &kind.errors {
                *by_label.entry(label).or_insert(0) += count;
            }
        }
        by_label
            .iter()
            .map(|(label, count)| format!("{label}: {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The verdict line.
    pub fn verdict_line(&self) -> String {
        let t = &self.thresholds;
        format!(
            "overall: {} (thresholds per request kind and overall: p95 < {} ms, p99 < {} ms, errors < {} %)",
            if self.pass { "PASS" } else { "FAIL" },
            t.p95_ms,
            t.p99_ms,
            t.error_percent_max
        )
    }

    /// The figures as JSON, for scripts.
    pub fn to_json(&self) -> Value {
        let kinds: serde_json::Map<String, Value> = self
            .kinds
            .iter()
            .filter(|kind| kind.replies > 0)
            .map(|kind| (kind.name.to_string(), kind.to_json()))
            .collect();
        json!({
            "pass": self.pass,
            "elapsed_s": round(self.elapsed_s),
            "thresholds": {
                "p95_ms": self.thresholds.p95_ms,
                "p99_ms": self.thresholds.p99_ms,
                "error_percent_max": self.thresholds.error_percent_max,
            },
            "all": self.all.to_json(),
            "requests": kinds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn sold_out_is_not_an_error_and_errors_are_counted_by_label() {
        let mut recorder = Recorder::default();
        for _ in 0..98 {
            recorder.record(RequestKind::CartAdd, ms(2), ms(1), Outcome::Ok);
        }
        recorder.record(RequestKind::CartAdd, ms(2), ms(1), Outcome::SoldOut);
        recorder.record(
            RequestKind::CartAdd,
            ms(2),
            ms(1),
            Outcome::Error("500".into()),
        );
        let summary = recorder.summarize(Duration::from_secs(10), &Thresholds::default());
        let add = summary.kind(RequestKind::CartAdd);
        assert_eq!((add.replies, add.ok, add.sold_out), (100, 98, 1));
        assert_eq!(add.errors.get("500"), Some(&1));
        assert!((add.error_percent - 1.0).abs() < 1e-9);
        // 1 % is not below 1 %.
        assert!(!summary.pass);
        assert_eq!(summary.errors_line(), "500: 1");
        assert!((add.per_s - 10.0).abs() < 1e-9);
    }

    #[test]
    fn latency_thresholds_fail_the_kind_and_the_run() {
        let mut recorder = Recorder::default();
        for n in 0..100 {
            let latency = if n < 90 { ms(10) } else { ms(700) };
            recorder.record(RequestKind::Search, latency, ms(5), Outcome::Ok);
            recorder.record(RequestKind::Product, ms(1), ms(1), Outcome::Ok);
        }
        let summary = recorder.summarize(Duration::from_secs(1), &Thresholds::default());
        let search = summary.kind(RequestKind::Search);
        assert!(
            search
                .verdict
                .as_ref()
                .is_some_and(|missed| missed.len() == 1)
        );
        assert!(search.verdict_text().starts_with("FAIL (p95"));
        assert_eq!(summary.kind(RequestKind::Product).verdict_text(), "PASS");
        assert_eq!(summary.kind(RequestKind::Checkout).verdict, None);
        assert!(!summary.pass);
        assert!(summary.table().contains("GET /v1/search?q="));
        assert!(!summary.table().contains("checkout"));
    }

    #[test]
    fn a_quiet_run_passes_and_an_empty_one_does_not() {
        let mut recorder = Recorder::default();
        recorder.record(RequestKind::Browse, ms(3), ms(3), Outcome::Ok);
        let thresholds = Thresholds::default();
        assert!(recorder.summarize(Duration::from_secs(1), &thresholds).pass);
        assert!(
            !Recorder::default()
                .summarize(Duration::from_secs(1), &thresholds)
                .pass
        );
    }

    #[test]
    fn merged_recorders_add_up() {
        let mut a = Recorder::default();
        let mut b = Recorder::default();
        a.record(RequestKind::Checkout, ms(30), ms(20), Outcome::Ok);
        b.record(
            RequestKind::Checkout,
            ms(40),
            ms(20),
            Outcome::Error("timeout".into()),
        );
        a.merge(&b);
        let checkout = a.kind(RequestKind::Checkout);
        assert_eq!((checkout.ok, checkout.latency.len()), (1, 2));
        assert_eq!(checkout.errors.get("timeout"), Some(&1));
    }
}
