//! `GET /v1/products` (a filtered, sorted page of active products) and
//! `GET /v1/products/{id}`.

use emporium::{
    PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, ProductId, ProductQuery, ProductSort, ProductStatus,
};
use hyper::StatusCode;

use super::Reply;
use crate::error::ApiError;
use crate::query::Query;
use crate::render::{List, ProductView, json};
use crate::service::State;

/// Longest `brand` filter, in characters (a brand is at most 100).
const BRAND_FILTER_CHARS_MAX: usize = 100;

pub(super) fn list(state: &State, query: &Query) -> Reply {
    let request = parse_list(query)?;
    let page = state.engine.list_products(&request)?;
    let data = page
        .products
        .iter()
        .map(|product| ProductView::new(product, state.engine.stock(product.id)))
        .collect();
    let list = List {
        data,
        next_cursor: page.next_cursor,
    };
    Ok(json(StatusCode::OK, &list))
}

fn parse_list(query: &Query) -> Result<ProductQuery, ApiError> {
    let sort = match query.raw("sort") {
        None => ProductSort::default(),
        Some(word) => ProductSort::parse(word).ok_or_else(|| {
            ApiError::invalid(
                "sort",
                "invalid",
                "`sort` must be one of `price_asc`, `price_desc`, `newest`, `name`",
            )
        })?,
    };
    Ok(ProductQuery {
        category: query.category("category")?,
        brand: query
            .text("brand", BRAND_FILTER_CHARS_MAX)?
            .map(str::to_string),
        min_price: query.u64("min_price", u64::MAX)?,
        max_price: query.u64("max_price", u64::MAX)?,
        in_stock: query.flag("in_stock")?,
        sort,
        limit: query.limit(PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX)?,
        cursor: query.cursor()?.map(str::to_string),
    })
}

/// Only active products exist for the public: a draft or archived one is 404, like an
/// unknown or malformed id.
pub(super) fn get(state: &State, id: &str) -> Reply {
    let product = ProductId::parse(id)
        .map(|id| state.engine.product(id))
        .transpose()?
        .flatten()
        .filter(|product| product.status == ProductStatus::Active)
        .ok_or_else(|| ApiError::not_found("product_not_found", format!("no product `{id}`")))?;
    let stock = state.engine.stock(product.id);
    Ok(json(StatusCode::OK, &ProductView::new(&product, stock)))
}
