//! `GET /openapi.json`: the document, built once at start-up.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::render::{JSON, bytes_with_type};
use crate::service::State;

pub(super) fn document(state: &State) -> Response<Full<Bytes>> {
    bytes_with_type(StatusCode::OK, state.openapi.clone(), JSON)
}
