//! `GET /v1/products` (a filtered, sorted page of active products),
//! `GET /v1/products/{id}`, and the admin writes: `POST /v1/products`,
//! `PATCH /v1/products/{id}` (with optional `If-Match`) and `DELETE /v1/products/{id}`
//! (archives). A write is answered once it is durable and searchable (the engine waits
//! for the index), so a client reads its own write in `/v1/search` at once.

use bytes::Bytes;
use emporium::{
    PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, Product, ProductId, ProductQuery, ProductSort,
    ProductStatus,
};
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};

use super::{Ctx, Reply, ReqBody, blocking, if_match, json_body};
use crate::auth::require_admin;
use crate::decode;
use crate::error::ApiError;
use crate::query::Query;
use crate::render::{JSON, List, ProductView, bytes_with_type, json};
use crate::service::State;

/// Longest `brand` filter, in characters (a brand is at most 100).
const BRAND_FILTER_CHARS_MAX: usize = 100;

pub(super) fn list(state: &State, query: &Query) -> Reply {
    let request = parse_list(query)?;
    let page = state.engine.list_products(&request)?;
    let data = page
        .products
        .iter()
        .map(|product| {
            let (stock, rating) = (
                state.engine.stock(product.id),
                state.engine.rating(product.id),
            );
            ProductView::rated(product, stock, rating)
        })
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
/// unknown or malformed id. Admins see every product.
pub(super) fn get(state: &State, ctx: &Ctx) -> Reply {
    let id = ctx.params.get("id");
    let product = ProductId::parse(id)
        .map(|id| state.engine.product(id))
        .transpose()?
        .flatten()
        .filter(|product| product.status == ProductStatus::Active || ctx.caller.is_admin())
        .ok_or_else(|| not_found(id))?;
    let stock = state.engine.stock(product.id);
    let rating = state.engine.rating(product.id);
    // Cached bodies are keyed by record and stock only, so they carry no rating: a
    // reviewed product is rendered afresh.
    let cached = (rating.count == 0)
        .then(|| state.product_bodies.body(&product, stock))
        .flatten();
    Ok(match cached {
        Some(body) => bytes_with_type(StatusCode::OK, body, JSON),
        None => json(StatusCode::OK, &ProductView::rated(&product, stock, rating)),
    })
}

/// 201 with the product (`decode::new_product` names any bad field). A duplicate SKU is
/// 409; an unknown `category_id` 422 naming it.
pub(super) async fn create(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let new = decode::new_product(&json_body(state, request).await?)?;
    let product = blocking(state, move |engine| engine.create_product(new)).await?;
    Ok(render(state, StatusCode::CREATED, &product))
}

/// 200 with the changed product. With `If-Match: <version>`, a product at another
/// version is 412 `version_mismatch`, checked before the body's fields (API.md) and
/// again, atomically, by the engine's write; an `If-Match` that is no version is 422.
pub(super) async fn update(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    require_admin(&ctx.caller)?;
    let expected = if_match(request.headers(), "product");
    let body = json_body(state, request).await?;
    let (id, expected) = (product_id(ctx)?, expected?);
    if let Some(expected) = expected {
        // A cached read, so a stale client hears 412 even when its body is also wrong.
        let current = state
            .engine
            .product(id)?
            .ok_or_else(|| not_found(ctx.params.get("id")))?;
        if current.version != expected {
            let message = format!("product is at version {}, not {expected}", current.version);
            return Err(ApiError::version_mismatch(message));
        }
    }
    let patch = decode::product_patch(&body)?;
    let product = blocking(state, move |engine| {
        engine.update_product(id, patch, expected)
    })
    .await?;
    Ok(render(state, StatusCode::OK, &product))
}

/// 200 with the product, now archived: no longer listed, searched or sold. Archiving it
/// again is another 200 (a repeated DELETE is harmless).
pub(super) async fn archive(state: &State, ctx: &Ctx) -> Reply {
    require_admin(&ctx.caller)?;
    let id = product_id(ctx)?;
    let product = blocking(state, move |engine| engine.archive_product(id)).await?;
    Ok(render(state, StatusCode::OK, &product))
}

fn render(state: &State, status: StatusCode, product: &Product) -> Response<Full<Bytes>> {
    let stock = state.engine.stock(product.id);
    json(
        status,
        &ProductView::rated(product, stock, state.engine.rating(product.id)),
    )
}

fn product_id(ctx: &Ctx) -> Result<ProductId, ApiError> {
    let text = ctx.params.get("id");
    ProductId::parse(text).ok_or_else(|| not_found(text))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("product_not_found", format!("no product `{id}`"))
}
