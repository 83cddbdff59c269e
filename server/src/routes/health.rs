//! `GET /healthz` (the process answers) and `GET /readyz` (it can serve traffic).

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::json;

use crate::render::json;
use crate::service::State;

/// Always 200 while the process runs: a liveness probe must not depend on the store,
/// or a slow disk would get a healthy process restarted.
pub(super) fn healthz() -> Response<Full<Bytes>> {
    json(StatusCode::OK, &json!({"status": "ok"}))
}

/// 200 once the server's start-up work (the demo catalog) is done and search and
/// autocomplete include every committed change (API.md); else 503 naming what is
/// still pending.
pub(super) fn readyz(state: &State) -> Response<Full<Bytes>> {
    let mut waiting_for = Vec::new();
    if !state.config.startup.is_finished() {
        waiting_for.push("startup");
    }
    if !state.engine.is_ready() {
        waiting_for.push("search");
    }
    if waiting_for.is_empty() {
        json(StatusCode::OK, &json!({"status": "ready"}))
    } else {
        let body = json!({"status": "starting", "waiting_for": waiting_for});
        json(StatusCode::SERVICE_UNAVAILABLE, &body)
    }
}
