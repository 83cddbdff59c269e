//! `GET /v1/categories`: every category in one reply (the tree is small: thousands of
//! nodes at most), ordered by path.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::render::{List, json};
use crate::service::State;

pub(super) fn list(state: &State) -> Response<Full<Bytes>> {
    let list = List {
        data: state.engine.categories(),
        next_cursor: None,
    };
    json(StatusCode::OK, &list)
}
