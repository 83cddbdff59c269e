//! `POST /v1/carts`, `GET /v1/carts/{id}`, the line and voucher changes, and
//! `POST /v1/carts/{id}/checkout`.
//!
//! A cart created by a signed-in user is theirs alone: anyone else gets 404, exactly
//! like an unknown id (the engine decides, from the caller it is handed). An anonymous
//! cart is reachable by its id, which is unguessable.
//!
//! Every change takes an optional `If-Match: <version>`; a stale one is 412, answered
//! before the body is looked at (a cached read here) and again, atomically, by the
//! engine's write. Writes and the checkout (which waits for the payment and the group
//! commit) run on the blocking pool.

use emporium::{Cart, CartId, IdempotencyKey, UserId, request_hash};
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use serde_json::Value;

use super::{Ctx, Reply, ReqBody, blocking, idempotency, if_match, json_body};
use crate::decode;
use crate::error::ApiError;
use crate::render::{CartView, OrderView, json};
use crate::service::State;

/// 201 with a new, empty cart, owned by the caller when signed in.
pub(super) async fn create(state: &State, ctx: &Ctx) -> Reply {
    let owner = owner(ctx);
    let cart = blocking(state, move |engine| engine.create_cart(owner)).await?;
    Ok(render(StatusCode::CREATED, &cart))
}

/// The cart with its live holds and totals (one snapshot read: inline).
pub(super) fn get(state: &State, ctx: &Ctx) -> Reply {
    let cart = state.engine.cart(cart_id(ctx)?, owner(ctx))?;
    Ok(render(StatusCode::OK, &cart))
}

/// 200 with the cart; a SKU already in it adds to its line, and the added units are
/// held for the cart.
pub(super) async fn add_item(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let (id, expected, body) = mutation(state, ctx, request).await?;
    let (sku, quantity) = decode::cart_item(&body)?;
    let owner = owner(ctx);
    let cart = blocking(state, move |engine| {
        engine.add_cart_item(id, owner, expected, &sku, quantity)
    })
    .await?;
    Ok(render(StatusCode::OK, &cart))
}

/// 200 with the cart, the line at its new quantity (and hold).
pub(super) async fn update_item(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let (id, expected, body) = mutation(state, ctx, request).await?;
    let quantity = decode::cart_quantity(&body)?;
    let (owner, sku) = (owner(ctx), ctx.params.get("sku").to_string());
    let cart = blocking(state, move |engine| {
        engine.set_cart_item_quantity(id, owner, expected, &sku, quantity)
    })
    .await?;
    Ok(render(StatusCode::OK, &cart))
}

/// 200 with the cart without the line; its hold is released.
pub(super) async fn remove_item(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let (id, expected, _) = mutation(state, ctx, request).await?;
    let (owner, sku) = (owner(ctx), ctx.params.get("sku").to_string());
    let cart = blocking(state, move |engine| {
        engine.remove_cart_item(id, owner, expected, &sku)
    })
    .await?;
    Ok(render(StatusCode::OK, &cart))
}

/// 200 with the cart and its discount.
pub(super) async fn apply_voucher(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let (id, expected, body) = mutation(state, ctx, request).await?;
    let code = decode::voucher_code(&body)?;
    let owner = owner(ctx);
    let cart = blocking(state, move |engine| {
        engine.apply_voucher(id, owner, expected, &code)
    })
    .await?;
    Ok(render(StatusCode::OK, &cart))
}

/// 200 with the cart without a voucher (also when it had none).
pub(super) async fn remove_voucher(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let (id, expected, _) = mutation(state, ctx, request).await?;
    let owner = owner(ctx);
    let cart = blocking(state, move |engine| {
        engine.remove_voucher(id, owner, expected)
    })
    .await?;
    Ok(render(StatusCode::OK, &cart))
}

/// 201 with the order. With `Idempotency-Key`, the engine commits the key with the
/// order, so a repeat (even after a restart) is the same order with
/// `Idempotent-Replayed: true`; the key is scoped to the caller (the account, or for
/// an anonymous shopper the cart) and the hash covers the body as parsed.
pub(super) async fn checkout(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let key = idempotency::client_key(request.headers())?;
    let (id, expected, body) = mutation(state, ctx, request).await?;
    let checkout = decode::checkout(&body, expected)?;
    let owner = owner(ctx);
    let key = key.map(|key| {
        let scope = owner.map_or_else(|| id.to_string(), |user| user.to_string());
        // Keys of a JSON object's members are sorted (serde_json's map), so the same
        // body hashes the same whatever its spacing or member order.
        let canonical = serde_json::to_vec(&body).unwrap_or_default();
        IdempotencyKey {
            key: format!("{scope}/{key}"),
            request_hash: request_hash(&canonical),
        }
    });
    let outcome = blocking(state, move |engine| {
        engine.checkout(id, owner, checkout, key)
    })
    .await?;
    let mut response = json(StatusCode::CREATED, &OrderView::new(&outcome.order));
    if outcome.replayed {
        response
            .headers_mut()
            .insert(idempotency::REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The common start of every change: the body (read first, so a refusal is not met by
/// a reset), the cart id, and `If-Match`, checked against the cart before the body's
/// fields are.
async fn mutation(
    state: &State,
    ctx: &Ctx,
    request: Request<ReqBody>,
) -> Result<(CartId, Option<u64>, Value), ApiError> {
    let expected = if_match(request.headers(), "cart");
    let body = json_body(state, request).await?;
    let (id, expected) = (cart_id(ctx)?, expected?);
    if let Some(expected) = expected {
        let current = state.engine.cart(id, owner(ctx))?;
        if current.version != expected {
            let message = format!("cart is at version {}, not {expected}", current.version);
            return Err(ApiError::version_mismatch(message));
        }
    }
    Ok((id, expected, body))
}

fn owner(ctx: &Ctx) -> Option<UserId> {
    ctx.caller.principal().map(|principal| principal.user_id)
}

fn render(status: StatusCode, cart: &Cart) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    json(status, &CartView::new(cart))
}

/// A malformed id names no cart: 404, never 400.
fn cart_id(ctx: &Ctx) -> Result<CartId, ApiError> {
    let text = ctx.params.get("id");
    CartId::parse(text)
        .ok_or_else(|| ApiError::not_found("cart_not_found", format!("no cart `{text}`")))
}
