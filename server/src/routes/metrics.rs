//! `GET /metrics`: the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use emporium::store::CommitterStats;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::metrics::render_value;
use crate::render::bytes_with_type;
use crate::service::State;

const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(super) fn render(state: &State) -> Response<Full<Bytes>> {
    let mut text = String::with_capacity(16 * 1024);
    state.metrics.render(&mut text);
    let open = state
        .config
        .connections_max
        .max(1)
        .saturating_sub(state.connections.available_permits());
    render_value(
        &mut text,
        "emporium_http_connections_open",
        "gauge",
        "HTTP connections open now.",
        open as u64,
    );
    let (hits, misses) = state.engine.cache_counters();
    render_value(
        &mut text,
        "emporium_product_cache_hits_total",
        "counter",
        "Product reads answered from the hot-product cache.",
        hits,
    );
    render_value(
        &mut text,
        "emporium_product_cache_misses_total",
        "counter",
        "Product reads that went to the store.",
        misses,
    );
    render_committer(&mut text, state.engine.committer_stats());
    bytes_with_type(StatusCode::OK, text.into(), PROMETHEUS_TEXT)
}

/// The group committer: batch size is `commands / batches`, and the time per batch is
/// `commit_seconds / batches` (almost all of it the fsync), between two scrapes.
fn render_committer(text: &mut String, stats: &CommitterStats) {
    let counters = [
        (
            "emporium_committer_batches_total",
            "Write batches committed.",
            &stats.batches,
        ),
        (
            "emporium_committer_commands_total",
            "Write commands committed (all batches).",
            &stats.commands,
        ),
        (
            "emporium_committer_failed_batches_total",
            "Write batches that failed and were aborted.",
            &stats.failed_batches,
        ),
    ];
    for (name, help, counter) in counters {
        render_value(text, name, "counter", help, counter.load(Ordering::Relaxed));
    }
    let commit_us = stats.commit_us_total.load(Ordering::Relaxed);
    let _ = writeln!(
        text,
        "# HELP emporium_committer_commit_seconds_total Time spent committing batches (the fsync).\n\
         # TYPE emporium_committer_commit_seconds_total counter\n\
         emporium_committer_commit_seconds_total {}",
        commit_us as f64 / 1e6
    );
}
