//! `GET /v1/categories`: every category in one reply (the tree is small: thousands of
//! nodes at most), ordered by path; `POST /v1/categories` (admin) adds one.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_admin;
use crate::decode;
use crate::render::{List, json};
use crate::service::State;

pub(super) fn list(state: &State) -> Response<Full<Bytes>> {
    let list = List {
        data: state.engine.categories(),
        next_cursor: None,
    };
    json(StatusCode::OK, &list)
}

/// 201 with the category. A sibling of the same name is 409 `duplicate_category`; an
/// unknown `parent_id` is 422 naming it.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let new = decode::new_category(&json_body(state, request).await?)?;
    let category = blocking(state, move |engine| {
        engine.create_category(&new.name, new.parent_id)
    })
    .await?;
    Ok(json(StatusCode::CREATED, &category))
}
