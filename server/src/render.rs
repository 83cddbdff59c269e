//! Encoding replies: JSON bodies and the API.md shapes of objects and lists.
//!
//! The public shape of a product is spelled out field by field here rather than derived
//! from the engine's struct, so a field added inside the engine never appears in the
//! API by accident: the contract changes only when this file does.

use std::collections::BTreeMap;

use bytes::Bytes;
use emporium::{CategoryId, Money, Product, ProductId, ProductStatus, StockLevel, Timestamp};
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The media type of every JSON reply.
pub const JSON: &str = "application/json";

/// A JSON reply with `status`.
pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Full<Bytes>> {
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes_with_type(status, bytes.into(), JSON),
        // Our reply types are plain data (string keys, no fallible Serialize impls), so
        // this cannot happen; answer without recursing into `json` again.
        Err(error) => {
            tracing::error!(%error, "reply failed to serialize");
            let body = r#"{"error":{"type":"internal","code":"internal","message":"reply failed to serialize","param":null}}"#;
            bytes_with_type(StatusCode::INTERNAL_SERVER_ERROR, body.into(), JSON)
        }
    }
}

/// A reply of `bytes` with `content_type`.
pub fn bytes_with_type(
    status: StatusCode,
    bytes: Bytes,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A list reply: `{"data": [...], "next_cursor": … | null}`.
#[derive(Debug, Serialize)]
pub struct List<T> {
    /// The page.
    pub data: Vec<T>,
    /// The cursor of the next page, `None` on the last.
    pub next_cursor: Option<String>,
}

/// A product's rating summary. Reviews do not exist yet, so every product has none.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Rating {
    /// Mean of the ratings; `None` without any.
    pub average: Option<f64>,
    /// How many ratings.
    pub count: u64,
}

/// The API.md Product object.
#[derive(Debug, Serialize)]
pub struct ProductView<'a> {
    id: ProductId,
    sku: &'a str,
    name: &'a str,
    description: &'a str,
    brand: Option<&'a str>,
    category_id: CategoryId,
    price: Money,
    attributes: &'a BTreeMap<String, String>,
    images: &'a [String],
    status: ProductStatus,
    stock: StockLevel,
    rating: Rating,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl<'a> ProductView<'a> {
    /// `product` with its live `stock`.
    pub fn new(product: &'a Product, stock: StockLevel) -> ProductView<'a> {
        ProductView {
            id: product.id,
            sku: &product.sku,
            name: &product.name,
            description: &product.description,
            brand: product.brand.as_deref(),
            category_id: product.category_id,
            price: product.price,
            attributes: &product.attributes,
            images: &product.images,
            status: product.status,
            stock,
            rating: Rating::default(),
            created_at: product.created_at,
            updated_at: product.updated_at,
            version: product.version,
        }
    }
}
