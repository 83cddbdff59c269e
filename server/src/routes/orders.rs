//! `GET /v1/orders` (one's own; an admin sees every order, `?status=`),
//! `GET /v1/orders/{id}`, `GET /v1/orders/{id}/events`, and the moves of an order:
//! `cancel` (owner or admin), `ship`, `deliver`, `refund` (admin).
//!
//! Another customer's order is 404, exactly like one that does not exist; the engine
//! decides from the [`Actor`] it is handed. A move out of turn is 409
//! `invalid_transition` and changes nothing.

use emporium::{
    Actor, ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX, Order, OrderId, OrderStatus,
};
use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::{require_admin, require_user};
use crate::decode;
use crate::error::ApiError;
use crate::query::{CURSOR_CHARS_MAX, Query};
use crate::render::{List, OrderEventView, OrderView, json};
use crate::service::State;

/// A page of orders, newest first: the caller's own, or for an admin every order
/// (only those with `status` when given). A customer's `status` filters their page,
/// so such a page may hold fewer than `limit` orders and still have a `next_cursor`.
pub(super) fn list(state: &State, ctx: &Ctx, query: &Query) -> Reply {
    let actor = actor(ctx)?;
    let status = match query.get("status") {
        None => None,
        Some(word) => Some(OrderStatus::parse(word).ok_or_else(|| {
            ApiError::invalid(
                "status",
                "invalid",
                "`status` must be one of `pending`, `paid`, `shipped`, `delivered`, `cancelled`, `refunded`",
            )
        })?),
    };
    let limit = query.limit(ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX)?;
    let cursor = query.text("cursor", CURSOR_CHARS_MAX)?;
    let page = match actor {
        Actor::Customer(user) => {
            let mut page = state.engine.orders_of_user(user, limit, cursor)?;
            page.orders
                .retain(|order| status.is_none_or(|status| order.status == status));
            page
        }
        _ => state.engine.orders(status, limit, cursor)?,
    };
    let list = List {
        data: page.orders.iter().map(OrderView::new).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(json(StatusCode::OK, &list))
}

/// The order (one snapshot read: inline).
pub(super) fn get(state: &State, ctx: &Ctx) -> Reply {
    let order = state.engine.order(order_id(ctx)?, actor(ctx)?)?;
    Ok(render(&order))
}

/// The order's log, oldest first: `{data, next_cursor}`.
pub(super) fn events(state: &State, ctx: &Ctx, query: &Query) -> Reply {
    let (id, actor) = (order_id(ctx)?, actor(ctx)?);
    let limit = query.limit(ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX)?;
    let cursor = query.text("cursor", CURSOR_CHARS_MAX)?;
    let page = state.engine.order_events(id, actor, limit, cursor)?;
    let list = List {
        data: page.events.iter().map(OrderEventView::new).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(json(StatusCode::OK, &list))
}

/// 200 with the cancelled order: its stock is back on hand and what was paid is
/// refunded, in one commit.
pub(super) async fn cancel(state: &State, ctx: &Ctx) -> Reply {
    let (id, actor) = (order_id(ctx)?, actor(ctx)?);
    let order = blocking(state, move |engine| engine.cancel_order(id, actor)).await?;
    Ok(render(&order))
}

/// 200 with the shipped order.
pub(super) async fn ship(state: &State, ctx: &Ctx) -> Reply {
    let (id, actor) = admin_move(ctx)?;
    let order = blocking(state, move |engine| engine.ship_order(id, actor)).await?;
    Ok(render(&order))
}

/// 200 with the delivered order.
pub(super) async fn deliver(state: &State, ctx: &Ctx) -> Reply {
    let (id, actor) = admin_move(ctx)?;
    let order = blocking(state, move |engine| engine.deliver_order(id, actor)).await?;
    Ok(render(&order))
}

/// 200 with the order after refunding `amount` minor units (everything refundable when
/// absent); more than is refundable is 409 `invalid_transition`.
pub(super) async fn refund(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let body = json_body(state, request).await?;
    let (id, actor) = admin_move(ctx)?;
    let amount = decode::refund_amount(&body)?;
    let order = blocking(state, move |engine| {
        // The refund is in the order's own currency, which only the engine knows.
        let amount = match amount {
            None => None,
            Some(amount) => {
                let order = engine.order(id, actor)?;
                Some(emporium::Money::new(amount, order.total.currency))
            }
        };
        engine.refund_order(id, actor, amount)
    })
    .await?;
    Ok(render(&order))
}

fn admin_move(ctx: &Ctx) -> Result<(OrderId, Actor), ApiError> {
    require_admin(&ctx.caller)?;
    Ok((order_id(ctx)?, actor(ctx)?))
}

/// The signed-in caller as the engine's [`Actor`].
fn actor(ctx: &Ctx) -> Result<Actor, ApiError> {
    let principal = require_user(&ctx.caller)?;
    Ok(if principal.is_admin() {
        Actor::Admin(principal.user_id)
    } else {
        Actor::Customer(principal.user_id)
    })
}

fn render(order: &Order) -> hyper::Response<http_body_util::Full<bytes::Bytes>> {
    json(StatusCode::OK, &OrderView::new(order))
}

/// A malformed id names no order: 404, never 400.
fn order_id(ctx: &Ctx) -> Result<OrderId, ApiError> {
    let text = ctx.params.get("id");
    OrderId::parse(text)
        .ok_or_else(|| ApiError::not_found("order_not_found", format!("no order `{text}`")))
}
