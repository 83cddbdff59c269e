//! The entry point for the fuzz targets in `fuzz/` that reach the HTTP layer, and for
//! their replay tests (`server/tests/fuzz_replay.rs`): each function takes the raw
//! bytes of one fuzz input and panics exactly when the server would answer it with a
//! panic, a 500, or a refusal that breaks API.md (a 4xx without the field it blames).
//!
//! Not part of the server's API; it exists so the targets can call the crate-private
//! query parser through the same code paths a request takes.
//!
//! - [`request_body`]: a body kind on the first line, then the body bytes, through
//!   [`crate::body::read_json`] and the kind's decoder in [`crate::decode`], then the
//!   engine's own rules that the route applies to the decoded value.
//! - [`query_string`]: a raw query string through [`crate::query::Query`] and every
//!   typed getter the routes use (limits, prices, flags, categories, cursors, text).
#![doc(hidden)]

use std::sync::OnceLock;

use bytes::Bytes;
use emporium::model::validate_sku;
use emporium::{AddressInput, PaymentMethod, ValidationError, validate_card_number};
use http_body_util::Full;
use hyper::StatusCode;
use hyper::header::{self, HeaderMap, HeaderValue};
use serde_json::Value;

use crate::decode;
use crate::error::ApiError;
use crate::query::{CURSOR_CHARS_MAX, Query};

/// Body limit of the fuzzed reads: small, so that long inputs reach the 413 path.
pub const FUZZ_BODY_BYTES_MAX: usize = 2_048;

/// The body kinds [`request_body`] knows, by the name a seed puts on its first line.
pub const BODY_KINDS: &[&str] = &[
    "product",
    "product_patch",
    "import_line",
    "category",
    "register",
    "login",
    "user_patch",
    "address",
    "address_patch",
    "cart_item",
    "cart_quantity",
    "voucher_code",
    "checkout",
    "voucher",
    "refund",
    "stock_adjustment",
    "client_event",
];

/// One request body: the first line names its kind (one of [`BODY_KINDS`]; anything
/// else picks one from its first byte), the rest is the body as sent.
pub fn request_body(bytes: &[u8]) {
    let (line, body) = match bytes.iter().position(|&b| b == b'\n') {
        Some(end) => (&bytes[..end], &bytes[end + 1..]),
        None => (&bytes[..0], bytes),
    };
    let kind = BODY_KINDS
        .iter()
        .position(|kind| kind.as_bytes() == line)
        .unwrap_or_else(|| usize::from(line.first().copied().unwrap_or(0)) % BODY_KINDS.len());
    if BODY_KINDS[kind] == "import_line" {
        // The importer reads raw lines, without the HTTP body reader in front.
        let _ = check_refusal(decode::product_line(body).map(drop));
        return;
    }
    let value = match read_body(body) {
        Ok(value) => value,
        Err(error) => {
            let allowed = [
                StatusCode::BAD_REQUEST,
                StatusCode::PAYLOAD_TOO_LARGE,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ];
            assert!(allowed.contains(&error.status), "body refused: {error:?}");
            let _ = error.into_response();
            return;
        }
    };
    if BODY_KINDS[kind] == "client_event" {
        // Decoded by its route into an `ApiError` directly; the engine's own checks
        // (time, type word, properties) run in `record_client_event` and are
        // `ValidationError`s, checked here the same way.
        match crate::routes::analytics::client_event(&value, None) {
            Ok(event) => {
                let checked =
                    emporium::model::validate_client_event(&event.kind, &event.properties);
                let _ = check_refusal(checked);
            }
            Err(error) => {
                assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY, "{error:?}");
                let _ = error.into_response();
            }
        }
        return;
    }
    let _ = check_refusal(decode_kind(BODY_KINDS[kind], &value));
}

/// Reads `body` as the routes do, with a JSON content type.
fn read_body(body: &[u8]) -> Result<Value, ApiError> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime builds")
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let body = Full::new(Bytes::copy_from_slice(body));
    runtime.block_on(crate::body::read_json(&headers, body, FUZZ_BODY_BYTES_MAX))
}

/// Decodes `value` as a body of `kind`, then applies the engine's rules that the
/// route's engine call would apply to it before touching any state.
fn decode_kind(kind: &str, value: &Value) -> Result<(), ValidationError> {
    match kind {
        "product" => decode::new_product(value).map(drop),
        "product_patch" => decode::product_patch(value).map(drop),
        "category" => decode::new_category(value).map(drop),
        "register" => decode::new_user(value)?.validate().map(drop),
        "login" => decode::credentials(value).map(drop),
        "user_patch" => decode::user_patch(value).map(drop),
        "address" => decode::new_address(value)?.normalized().map(drop),
        "address_patch" => decode::address_patch(value)?.normalized().map(drop),
        "cart_item" => validate_sku(&decode::cart_item(value)?.0),
        "cart_quantity" => decode::cart_quantity(value).map(drop),
        "voucher_code" => decode::voucher_code(value).map(drop),
        "checkout" => {
            let request = decode::checkout(value, None)?;
            if request.payment.method == PaymentMethod::Card {
                if let Some(number) = &request.payment.card_number {
                    validate_card_number(number)?;
                }
            }
            match request.shipping_address {
                AddressInput::Inline(address) => address.normalized().map(drop),
                AddressInput::Saved(_) => Ok(()),
            }
        }
        "voucher" => decode::new_voucher(value)?.validate(),
        "refund" => decode::refund_amount(value).map(drop),
        "stock_adjustment" => decode::stock_adjustment(value).map(drop),
        other => unreachable!("`{other}` is not one of BODY_KINDS"),
    }
}

/// A refusal must be a 422 that renders; returns whether the value was accepted.
fn check_refusal(result: Result<(), ValidationError>) -> bool {
    let Err(error) = result else {
        return true;
    };
    assert!(
        !error.code.is_empty(),
        "a refusal without a code: {error:?}"
    );
    let api = ApiError::from(error);
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{api:?}");
    let status = api.status;
    assert_eq!(api.into_response().status(), status);
    false
}

/// One query string (the bytes after `?`, made UTF-8 as hyper's URI would have it)
/// through the parser and every typed getter; each refusal must name its parameter.
pub fn query_string(bytes: &[u8]) {
    let raw = String::from_utf8_lossy(bytes);
    for plus_is_space in [true, false] {
        let decoded = crate::query::percent_decode(&raw, plus_is_space);
        if !raw.contains(['%', '+']) {
            assert_eq!(decoded, raw, "text without escapes must pass unchanged");
        }
    }
    let query = match Query::parse(Some(&raw)) {
        Ok(query) => query,
        Err(error) => {
            assert_eq!(error.code, "too_many_parameters", "{error:?}");
            return;
        }
    };
    refused_by_name("min_price", query.u64("min_price", u64::MAX));
    refused_by_name("max_price", query.u64("max_price", 1_000_000));
    refused_by_name("in_stock", query.flag("in_stock"));
    refused_by_name("category", query.category("category"));
    if let Some(limit) = refused_by_name("limit", query.limit(20, 100)) {
        assert!((1..=100).contains(&limit), "limit {limit} accepted");
    }
    if let Some(Some(cursor)) = refused_by_name("cursor", query.cursor()) {
        assert!(cursor.len() <= CURSOR_CHARS_MAX);
        assert!(
            cursor
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
    }
    if let Some(Some(brand)) = refused_by_name("brand", query.text("brand", 100)) {
        assert!(brand.chars().count() <= 100 && !brand.is_empty());
    }
    if let Some(q) = query.get("q") {
        assert_eq!(query.raw("q"), Some(q));
    }
}

/// The value of an accepted parameter; a refusal must be a 422 naming `name`.
fn refused_by_name<T>(name: &str, result: Result<T, ApiError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY, "{error:?}");
            assert_eq!(error.param.as_deref(), Some(name), "{error:?}");
            None
        }
    }
}
