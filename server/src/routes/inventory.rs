//! `GET /v1/inventory/{sku}`: the live stock of one SKU.

use hyper::StatusCode;
use serde::Serialize;

use super::Reply;
use crate::error::ApiError;
use crate::render::json;
use crate::service::State;

#[derive(Serialize)]
struct Inventory<'a> {
    sku: &'a str,
    on_hand: u64,
    reserved: u64,
    available: u64,
}

/// Stock is answered for any SKU the catalog knows, whatever its product's status
/// (inventory is counted for drafts too); an unknown SKU is 404.
pub(super) fn get(state: &State, sku: &str) -> Reply {
    let level = state.engine.stock_by_sku(sku)?.ok_or_else(|| {
        ApiError::not_found("sku_not_found", format!("no product with SKU `{sku}`"))
    })?;
    let body = Inventory {
        sku,
        on_hand: level.on_hand,
        reserved: level.reserved,
        available: level.available,
    };
    Ok(json(StatusCode::OK, &body))
}
