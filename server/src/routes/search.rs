//! `GET /v1/search`: full-text search over active products with filters, facet counts
//! over the whole result set, highlights and an exact total.
//!
//! A search scores and counts every match (facets, `total`), which on a large catalog
//! takes milliseconds rather than microseconds, so it runs on the blocking pool instead
//! of holding a runtime thread that other connections are waiting on.

use std::collections::BTreeMap;

use emporium::search::{
    Facets, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SearchRequest, SearchResults,
};
use hyper::StatusCode;
use serde::Serialize;

use emporium::model::Visitor;
use hyper::HeaderMap;

use super::{Ctx, Reply};
use crate::error::ApiError;
use crate::query::Query;
use crate::render::{ProductView, json};
use crate::service::State;

#[derive(Serialize)]
struct Hit<'a> {
    product: ProductView<'a>,
    score: f32,
    highlights: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Page<'a> {
    data: Vec<Hit<'a>>,
    facets: &'a Facets,
    total: u64,
    next_cursor: Option<&'a str>,
    took_us: u64,
}

/// Searches on the blocking pool, records the search for analytics (with the
/// caller's `X-Session-Id`, when it is a valid session id), and renders the page.
pub(super) async fn search(state: &State, ctx: &Ctx, headers: &HeaderMap, query: &Query) -> Reply {
    let request = parse(query)?;
    let engine = state.engine.clone();
    let results = tokio::task::spawn_blocking(move || {
        engine.search(&request).map(|results| (request, results))
    })
    .await
    .map_err(|error| ApiError::internal(&format!("search task failed: {error}")))??;
    let (request, results) = results;
    // Only first pages count as searches: a next page is the same search, browsed.
    if request.cursor.is_none() {
        let session = headers
            .get(SESSION_HEADER)
            .and_then(|value| value.to_str().ok());
        let user = ctx.caller.principal().map(|principal| principal.user_id);
        let visitor = Visitor::new(user, session).unwrap_or(Visitor {
            user_id: user,
            session_id: None,
        });
        state
            .engine
            .record_search(&request.q, results.total, results.took_us, visitor);
    }
    render(state, &results)
}

/// The header a storefront sends its visitor session id in, so searches count per
/// session in analytics (client events send it in their body instead).
pub const SESSION_HEADER: &str = "x-session-id";

/// Range checks (limit, lengths, prices, cursors) are the engine's, which names the
/// field; here only what cannot be expressed as a `SearchRequest` is refused.
fn parse(query: &Query) -> Result<SearchRequest, ApiError> {
    Ok(SearchRequest {
        q: query.get("q").unwrap_or_default().to_string(),
        category: query.category("category")?,
        brand: query.get("brand").map(str::to_string),
        min_price: query.u64("min_price", u64::MAX)?,
        max_price: query.u64("max_price", u64::MAX)?,
        in_stock: query.flag("in_stock")?,
        limit: query.limit(SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX)?,
        cursor: query.cursor()?.map(str::to_string),
    })
}

fn render(state: &State, results: &SearchResults) -> Reply {
    // A hit archived between the search and this read is left out rather than shown.
    let mut products = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        if let Some(product) = state.engine.product(hit.product_id)? {
            products.push((product, hit));
        }
    }
    let data = products
        .iter()
        .map(|(product, hit)| Hit {
            product: ProductView::rated(
                product,
                state.engine.stock(product.id),
                state.engine.rating(product.id),
            ),
            score: hit.score,
            highlights: &hit.highlights,
        })
        .collect();
    let page = Page {
        data,
        facets: &results.facets,
        total: results.total,
        next_cursor: results.next_cursor.as_deref(),
        took_us: results.took_us,
    };
    Ok(json(StatusCode::OK, &page))
}
