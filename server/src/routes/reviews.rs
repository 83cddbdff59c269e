//! `GET /v1/products/{id}/reviews` (public, newest first, `limit`/`cursor` pages) and
//! `POST /v1/products/{id}/reviews` (a signed-in user; one review per user per product,
//! a second is 409 `duplicate_review`).
//!
//! A product the caller may not see (unknown, malformed id, or not active for a
//! non-admin) is 404 for both, exactly as `GET /v1/products/{id}` answers.

use emporium::{ProductId, ProductStatus, REVIEW_PAGE_LIMIT_DEFAULT, REVIEW_PAGE_LIMIT_MAX};
use hyper::{Request, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, json_body};
use crate::auth::require_user;
use crate::decode;
use crate::error::ApiError;
use crate::query::Query;
use crate::render::{List, ReviewView, json};
use crate::service::State;

/// A page of the product's reviews (snapshot reads: inline).
pub(super) fn list(state: &State, ctx: &Ctx, query: &Query) -> Reply {
    let id = visible_product(state, ctx)?;
    let limit = query.limit(REVIEW_PAGE_LIMIT_DEFAULT, REVIEW_PAGE_LIMIT_MAX)?;
    let cursor = query.cursor()?;
    let page = state.engine.reviews(id, limit, cursor)?;
    let list = List {
        data: page.reviews.iter().map(ReviewView::new).collect(),
        next_cursor: page.next_cursor,
    };
    Ok(json(StatusCode::OK, &list))
}

/// 201 with the review. The body is read first (see `routes`), then the product is
/// checked, then the fields: an unknown product is 404 whatever the body says.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let principal = require_user(&ctx.caller)?;
    let body = json_body(state, request).await?;
    let id = visible_product(state, ctx)?;
    let new = decode::new_review(&body)?;
    let review = blocking(state, move |engine| {
        engine.post_review(id, principal.user_id, new)
    })
    .await?;
    Ok(json(StatusCode::CREATED, &ReviewView::new(&review)))
}

/// The product of the path, if the caller may see it (a cached read).
pub(super) fn visible_product(state: &State, ctx: &Ctx) -> Result<ProductId, ApiError> {
    let text = ctx.params.get("id");
    let not_found = || ApiError::not_found("product_not_found", format!("no product `{text}`"));
    let id = ProductId::parse(text).ok_or_else(not_found)?;
    let product = state.engine.product(id)?.ok_or_else(not_found)?;
    if product.status != ProductStatus::Active && !ctx.caller.is_admin() {
        return Err(not_found());
    }
    Ok(id)
}
