//! `POST /v1/vouchers` and `GET /v1/vouchers` (admin). There are at most
//! `emporium::VOUCHERS_MAX` vouchers, listed in one reply (`next_cursor: null`).

use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_admin;
use crate::decode;
use crate::render::{List, VoucherView, json};
use crate::service::State;

/// 201 with the voucher (and its `uses`, 0); a code taken in any case is 409.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let new = decode::new_voucher(&json_body(state, request).await?)?;
    let voucher = blocking(state, move |engine| engine.create_voucher(new)).await?;
    let usage = emporium::VoucherUsage { voucher, uses: 0 };
    Ok(json(StatusCode::CREATED, &VoucherView::new(&usage)))
}

/// Every voucher with its committed uses, newest first.
pub(super) fn list(state: &State, ctx: &Ctx) -> Reply {
    require_admin(&ctx.caller)?;
    let vouchers = state.engine.vouchers()?;
    let list = List {
        data: vouchers.iter().map(VoucherView::new).collect(),
        next_cursor: None,
    };
    Ok(json(StatusCode::OK, &list))
}
