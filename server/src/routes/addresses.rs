//! `GET|POST /v1/me/addresses` and `PATCH|DELETE /v1/me/addresses/{id}`: the caller's
//! saved addresses (at most `emporium::ADDRESSES_PER_USER_MAX`, so listed in one reply).
//! Whenever there are any, exactly one is the default; the engine keeps that so.
//!
//! Another user's address is 404, exactly like one that does not exist: ids are not
//! secrets, but whether one is in use is none of the caller's business.

use emporium::model::AddressId;
use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_user;
use crate::decode;
use crate::error::ApiError;
use crate::render::{AddressView, List, json};
use crate::service::State;

/// Every address, the default first (one store read: inline).
pub(super) fn list(state: &State, ctx: &Ctx) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let addresses = state.engine.addresses(principal.user_id)?;
    let list = List {
        data: addresses.iter().map(AddressView::new).collect(),
        next_cursor: None,
    };
    Ok(json(StatusCode::OK, &list))
}

/// 201 with the new address; the first one, or one with `is_default`, is the default.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let new = decode::new_address(&json_body(state, request).await?)?;
    let address = blocking(state, move |engine| {
        engine.create_address(principal.user_id, new)
    })
    .await?;
    Ok(json(StatusCode::CREATED, &AddressView::new(&address)))
}

/// 200 with the changed address.
pub(super) async fn update(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let body = json_body(state, request).await?;
    let id = address_id(ctx)?;
    let patch = decode::address_patch(&body)?;
    let address = blocking(state, move |engine| {
        engine.update_address(principal.user_id, id, patch)
    })
    .await?;
    Ok(json(StatusCode::OK, &AddressView::new(&address)))
}

/// 200 with the deleted address; if it was the default, the oldest left becomes it.
pub(super) async fn delete(state: &State, ctx: &Ctx) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let id = address_id(ctx)?;
    let address = blocking(state, move |engine| {
        engine.delete_address(principal.user_id, id)
    })
    .await?;
    Ok(json(StatusCode::OK, &AddressView::new(&address)))
}

/// A malformed id names no address: 404, never 400.
fn address_id(ctx: &Ctx) -> Result<AddressId, ApiError> {
    let text = ctx.params.get("id");
    AddressId::parse(text)
        .ok_or_else(|| ApiError::not_found("address_not_found", format!("no address `{text}`")))
}
