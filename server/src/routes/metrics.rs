//! `GET /metrics`: the Prometheus text format.

use bytes::Bytes;
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
    bytes_with_type(StatusCode::OK, text.into(), PROMETHEUS_TEXT)
}
