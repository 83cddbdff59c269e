//! `GET /v1/me` and `PATCH /v1/me`: one's own account.

use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_user;
use crate::decode;
use crate::render::{UserView, json};
use crate::service::State;

/// The caller's account (one store read: inline).
pub(super) fn get(state: &State, ctx: &Ctx) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let user = state.engine.me(principal.user_id)?;
    Ok(json(StatusCode::OK, &UserView::new(&user)))
}

/// Changes the name or preferences (merged field by field); `{}` changes nothing.
pub(super) async fn update(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let patch = decode::user_patch(&json_body(state, request).await?)?;
    let user = blocking(state, move |engine| {
        engine.update_me(principal.user_id, patch)
    })
    .await?;
    Ok(json(StatusCode::OK, &UserView::new(&user)))
}
