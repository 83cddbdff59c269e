//! Encoding replies: JSON bodies and the API.md shapes of objects and lists.
//!
//! The public shapes of products, users and addresses are spelled out field by field
//! here rather than derived from the engine's structs, so a field added inside the
//! engine (a password hash, say) never appears in the API by accident: the contract
//! changes only when this file does.

use std::collections::BTreeMap;

use bytes::Bytes;
use emporium::model::{AddressId, ReviewId};
use emporium::{
    Address, Authenticated, CategoryId, Currency, Money, Preferences, Product, ProductId,
    ProductStatus, RatingSummary, Review, Role, StockLevel, Timestamp, User, UserId,
};
use http_body_util::Full;
use hyper::header::{self, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

mod commerce;
mod product_cache;

pub use commerce::{CartView, InventoryView, OrderEventView, OrderView, VoucherView};
pub use product_cache::ProductBodies;

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

/// A reply with no body (`204 No Content`).
pub fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
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

/// A product's rating summary: `{average, count}`.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Rating {
    /// Mean of the ratings to two decimal places; `None` without any.
    pub average: Option<f64>,
    /// How many ratings.
    pub count: u64,
}

impl Rating {
    /// The public form of the engine's exact count and sum.
    pub fn of(summary: RatingSummary) -> Rating {
        Rating {
            // Hundredths are at most 500, so the division is exact to two places.
            average: summary
                .average_hundredths()
                .map(|hundredths| hundredths as f64 / 100.0),
            count: summary.count,
        }
    }
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

    /// `product` with its live `stock` and its `rating`.
    pub fn rated(
        product: &'a Product,
        stock: StockLevel,
        rating: RatingSummary,
    ) -> ProductView<'a> {
        ProductView {
            rating: Rating::of(rating),
            ..ProductView::new(product, stock)
        }
    }
}

/// The API.md Review object.
#[derive(Debug, Serialize)]
pub struct ReviewView<'a> {
    id: ReviewId,
    product_id: ProductId,
    user_id: UserId,
    rating: u8,
    title: &'a str,
    body: &'a str,
    verified_purchase: bool,
    created_at: Timestamp,
}

impl<'a> ReviewView<'a> {
    /// The public shape of `review`.
    pub fn new(review: &'a Review) -> ReviewView<'a> {
        ReviewView {
            id: review.id,
            product_id: review.product_id,
            user_id: review.user_id,
            rating: review.rating,
            title: &review.title,
            body: &review.body,
            verified_purchase: review.verified_purchase,
            created_at: review.created_at,
        }
    }
}

/// The API.md User object: never a password hash, never a token.
#[derive(Debug, Serialize)]
pub struct UserView<'a> {
    id: UserId,
    email: &'a str,
    name: &'a str,
    role: Role,
    preferences: PreferencesView<'a>,
    created_at: Timestamp,
}

impl<'a> UserView<'a> {
    /// The public shape of `user`.
    pub fn new(user: &'a User) -> UserView<'a> {
        UserView {
            id: user.id,
            email: &user.email,
            name: &user.name,
            role: user.role,
            preferences: PreferencesView::new(&user.preferences),
            created_at: user.created_at,
        }
    }
}

/// A user's `preferences`.
#[derive(Debug, Serialize)]
pub struct PreferencesView<'a> {
    email: bool,
    sms: bool,
    push: bool,
    marketing: bool,
    locale: Option<&'a str>,
    currency: Option<Currency>,
}

impl<'a> PreferencesView<'a> {
    fn new(preferences: &'a Preferences) -> PreferencesView<'a> {
        PreferencesView {
            email: preferences.email,
            sms: preferences.sms,
            push: preferences.push,
            marketing: preferences.marketing,
            locale: preferences.locale.as_deref(),
            currency: preferences.currency,
        }
    }
}

/// The reply of registration and sign-in: `{user, token}`.
#[derive(Debug, Serialize)]
pub struct AuthView<'a> {
    user: UserView<'a>,
    token: &'a str,
}

impl<'a> AuthView<'a> {
    /// The account and its new session token.
    pub fn new(authenticated: &'a Authenticated) -> AuthView<'a> {
        AuthView {
            user: UserView::new(&authenticated.user),
            token: authenticated.token.as_str(),
        }
    }
}

/// The API.md Address object.
#[derive(Debug, Serialize)]
pub struct AddressView<'a> {
    id: AddressId,
    name: &'a str,
    line1: &'a str,
    line2: Option<&'a str>,
    city: &'a str,
    region: Option<&'a str>,
    postal_code: &'a str,
    country: &'a str,
    is_default: bool,
}

impl<'a> AddressView<'a> {
    /// The public shape of `address`.
    pub fn new(address: &'a Address) -> AddressView<'a> {
        AddressView {
            id: address.id,
            name: &address.name,
            line1: &address.line1,
            line2: address.line2.as_deref(),
            city: &address.city,
            region: address.region.as_deref(),
            postal_code: &address.postal_code,
            country: &address.country,
            is_default: address.is_default,
        }
    }
}
