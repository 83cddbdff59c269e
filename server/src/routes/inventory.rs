//! `GET /v1/inventory/{sku}`: the live stock of one SKU, and
//! `POST /v1/inventory/{sku}/adjust` (admin): units in or out, with a reason recorded
//! in the product's stock ledger.

use emporium::Actor;
use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_admin;
use crate::decode;
use crate::error::ApiError;
use crate::render::{InventoryView, json};
use crate::service::State;

/// Stock is answered for any SKU the catalog knows, whatever its product's status
/// (inventory is counted for drafts too); an unknown SKU is 404.
pub(super) fn get(state: &State, sku: &str) -> Reply {
    let level = state.engine.stock_by_sku(sku)?.ok_or_else(|| {
        ApiError::not_found("sku_not_found", format!("no product with SKU `{sku}`"))
    })?;
    Ok(json(StatusCode::OK, &InventoryView::new(sku, level)))
}

/// 200 with the stock after the adjustment. Taking on hand below zero, or below the
/// units held by carts, is 409 `adjustment_out_of_range`.
pub(super) async fn adjust(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let principal = require_admin(&ctx.caller)?;
    let (delta, reason) = decode::stock_adjustment(&json_body(state, request).await?)?;
    let sku = ctx.params.get("sku").to_string();
    let actor = Actor::Admin(principal.user_id);
    let adjusted = sku.clone();
    let level = blocking(state, move |engine| {
        engine.adjust_stock(&adjusted, delta, &reason, actor)
    })
    .await?;
    Ok(json(StatusCode::OK, &InventoryView::new(&sku, level)))
}
