//! `GET /v1/products/{id}/recommendations`: products to show beside one, best first —
//! bought together, then viewed in the same sessions, then popular in its category.
//!
//! Each entry of `data` is the product object of `GET /v1/products/{id}`; `reasons`
//! says, position by position, why it was chosen. A product the caller may not see is
//! 404, as for `GET /v1/products/{id}`.

use emporium::events::{
    RECOMMENDATIONS_LIMIT_DEFAULT, RECOMMENDATIONS_LIMIT_MAX, RecommendationReason,
};
use hyper::StatusCode;
use serde::Serialize;

use super::{Ctx, Reply};
use crate::query::Query;
use crate::render::{ProductView, json};
use crate::service::State;

#[derive(Serialize)]
struct Recommended<'a> {
    data: Vec<ProductView<'a>>,
    reasons: Vec<RecommendationReason>,
}

/// The recommendations of the path's product.
pub(super) fn list(state: &State, ctx: &Ctx, query: &Query) -> Reply {
    let id = super::reviews::visible_product(state, ctx)?;
    let limit = query.limit(RECOMMENDATIONS_LIMIT_DEFAULT, RECOMMENDATIONS_LIMIT_MAX)?;
    let chosen = state.engine.recommendations(id, limit)?;
    let data = chosen
        .iter()
        .map(|(product, _)| {
            ProductView::rated(
                product,
                state.engine.stock(product.id),
                state.engine.rating(product.id),
            )
        })
        .collect();
    let reasons = chosen.iter().map(|(_, reason)| *reason).collect();
    Ok(json(StatusCode::OK, &Recommended { data, reasons }))
}
