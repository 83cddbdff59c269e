//! The one mapping from failures to HTTP: every engine error and every refusal of the
//! HTTP layer becomes a status code plus the API.md error object
//! `{"error": {"type", "code", "message", "param"}}`.
//!
//! Bad input is always a 4xx that names the field; a 500 is always a bug, so it is
//! logged with the details while the client sees only a generic message (internals
//! such as file paths never leak into a reply).

use bytes::Bytes;
use emporium::BackupError;
use emporium::search::SearchError;
use emporium::{
    CartError, CatalogError, CheckoutError, Error, InventoryError, OrderError, PaymentError,
    ReviewError, StoreError, UserError, ValidationError, VoucherError,
};
use http_body_util::Full;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;

/// The `type` of an error object: the family a client branches on (API.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    /// 400, 413, 415, 422: the request itself is wrong.
    InvalidRequest,
    /// 401: no valid credentials.
    Authentication,
    /// 403: valid credentials, not allowed.
    Authorization,
    /// 404: no such resource (unknown and malformed ids alike).
    NotFound,
    /// 409, 412: the request conflicts with the current state.
    Conflict,
    /// 402: the shopper's means of payment said no (`code` says why).
    PaymentFailed,
    /// 409: fewer units are available than asked for (`param` is the SKU).
    InsufficientStock,
    /// 429: too many requests; see `Retry-After`.
    RateLimited,
    /// 503: try again later.
    Unavailable,
    /// 500: a bug.
    Internal,
}

/// A refusal, ready to render: status, the error object, and any header it needs
/// (`Allow` on a 405, `Retry-After` on a 429).
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error family.
    pub kind: ErrorType,
    /// A stable machine word (`duplicate_sku`, `invalid_type`…).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The offending field or query parameter, where there is one.
    pub param: Option<String>,
    /// Extra response headers.
    pub headers: Vec<(HeaderName, String)>,
}

impl ApiError {
    /// An error with no `param` and no extra header.
    pub fn new(
        status: StatusCode,
        kind: ErrorType,
        code: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            kind,
            code,
            message: message.into(),
            param: None,
            headers: Vec::new(),
        }
    }

    /// The same error, naming `param` (an empty name means none).
    pub fn with_param(mut self, param: impl Into<String>) -> ApiError {
        let param = param.into();
        self.param = (!param.is_empty()).then_some(param);
        self
    }

    /// 422: a field or query parameter broke a rule.
    pub fn invalid(param: &str, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::InvalidRequest,
            code,
            message,
        )
        .with_param(param)
    }

    /// 404 for a path that names nothing.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, ErrorType::NotFound, code, message)
    }

    /// 405 with the methods the path does accept.
    pub fn method_not_allowed(allow: &str) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorType::InvalidRequest,
            "method_not_allowed",
            format!("this path accepts {allow}"),
        );
        error.headers.push((header::ALLOW, allow.to_string()));
        error
    }

    /// 401 with the `WWW-Authenticate` challenge RFC 6750 asks for (`invalid_token`
    /// when a token was sent and refused).
    pub fn unauthenticated(code: &'static str, message: impl Into<String>) -> ApiError {
        let challenge = match code {
            "token_invalid" => r#"Bearer realm="emporium", error="invalid_token""#,
            _ => r#"Bearer realm="emporium""#,
        };
        let mut error = ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorType::Authentication,
            code,
            message,
        );
        error
            .headers
            .push((header::WWW_AUTHENTICATE, challenge.to_string()));
        error
    }

    /// 412: the `If-Match` version is not the current one.
    pub fn version_mismatch(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            ErrorType::Conflict,
            "version_mismatch",
            message,
        )
    }

    /// 429 after a limiter's `wait`, rounded up to whole seconds (at least 1).
    pub fn rate_limited_for(wait: std::time::Duration) -> ApiError {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::rate_limited(seconds.max(1))
    }

    /// 429 with the seconds to wait.
    pub fn rate_limited(retry_after_seconds: u64) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorType::RateLimited,
            "rate_limited",
            format!("too many requests; retry in {retry_after_seconds} s"),
        );
        error
            .headers
            .push((header::RETRY_AFTER, retry_after_seconds.to_string()));
        error
    }

    /// 500: a bug. The details go to the log, not to the client.
    pub fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Internal,
            "internal",
            "an unexpected error occurred; the request id identifies it in the server log",
        )
    }

    /// 503: the server cannot answer now.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::Unavailable,
            code,
            message,
        )
    }

    /// The reply: status, JSON error object, and the error's headers.
    pub fn into_response(self) -> Response<Full<Bytes>> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Object<'a>,
        }
        #[derive(Serialize)]
        struct Object<'a> {
            #[serde(rename = "type")]
            kind: ErrorType,
            code: &'a str,
            message: &'a str,
            param: Option<&'a str>,
        }
        let body = Body {
            error: Object {
                kind: self.kind,
                code: self.code,
                message: &self.message,
                param: self.param.as_deref(),
            },
        };
        let mut response = crate::render::json(self.status, &body);
        for (name, value) in self.headers {
            // Values are built here from digits and method names, so always valid.
            if let Ok(value) = HeaderValue::try_from(value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> ApiError {
        ApiError::invalid(&error.field, error.code, error.message)
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        from_engine(error)
    }
}

/// The one mapping from engine errors to HTTP (DESIGN.md: each kind to one status).
pub fn from_engine(error: Error) -> ApiError {
    match error {
        Error::Invalid(error) => error.into(),
        Error::Catalog(error) => from_catalog(error),
        Error::Store(error) => from_store(error),
        Error::Search(error) => from_search(error),
        Error::Users(error) => from_users(error),
        Error::Cart(error) => from_cart(error),
        Error::Inventory(error) => from_inventory(error),
        Error::Payment(error) => from_payment(error),
        Error::Order(error) => from_order(error),
        Error::Checkout(error) => from_checkout(error),
        Error::Review(error) => from_review(error),
        // `Error` is non_exhaustive: a kind this server does not know yet is a bug here.
        other => ApiError::internal(&other),
    }
}

fn from_catalog(error: CatalogError) -> ApiError {
    let message = error.to_string();
    match error {
        CatalogError::ProductNotFound { .. } => ApiError::not_found("product_not_found", message),
        // A category is only ever named by a request field (a body's `category_id`, a
        // `parent_id`), so an unknown one is a field that fails validation.
        CatalogError::CategoryNotFound { field, .. } => {
            ApiError::invalid(field, "category_not_found", message)
        }
        CatalogError::DuplicateSku { .. } => conflict("duplicate_sku", message).with_param("sku"),
        CatalogError::DuplicateCategory { .. } => {
            conflict("duplicate_category", message).with_param("name")
        }
        CatalogError::VersionMismatch { .. } => ApiError::version_mismatch(message),
        other => ApiError::internal(&other),
    }
}

/// Every [`UserError`] keeps the engine's own [`UserError::code`].
fn from_users(error: UserError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        UserError::EmailTaken { .. } => conflict(code, message).with_param("email"),
        UserError::InvalidCredentials | UserError::TokenInvalid => {
            ApiError::unauthenticated(code, message)
        }
        UserError::UserNotFound { .. } | UserError::AddressNotFound { .. } => {
            ApiError::not_found(code, message)
        }
        UserError::TooManyAddresses { .. } => conflict(code, message),
        // Crypto (the RNG or the hasher failed) and kinds this server does not know yet.
        other => ApiError::internal(&other),
    }
}

/// Every [`CartError`] keeps the engine's own [`CartError::code`].
fn from_cart(error: CartError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        CartError::NotFound { .. }
        | CartError::SkuNotFound { .. }
        | CartError::LineNotFound { .. } => ApiError::not_found(code, message),
        CartError::VersionMismatch { .. } => ApiError::version_mismatch(message),
        CartError::Closed { .. } | CartError::Busy | CartError::Changed => conflict(code, message),
        CartError::ProductUnavailable { sku } => conflict(code, message).with_param(sku),
        CartError::TooManyLines { .. } => ApiError::invalid("sku", code, message),
        CartError::CurrencyMismatch { .. } => ApiError::invalid("sku", code, message),
        CartError::Empty => ApiError::invalid("", code, message),
        CartError::Voucher(error) => from_voucher(error),
        other => ApiError::internal(&other),
    }
}

/// Every [`VoucherError`] keeps the engine's own [`VoucherError::code`]; the field a
/// voucher refusal names is always the `code` the client sent.
fn from_voucher(error: VoucherError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        VoucherError::NotFound { .. } => ApiError::not_found(code, message),
        VoucherError::DuplicateCode { .. }
        | VoucherError::LimitReached { .. }
        | VoucherError::UserLimitReached { .. } => conflict(code, message).with_param("code"),
        VoucherError::TooMany => conflict(code, message),
        VoucherError::NotActive { .. }
        | VoucherError::MinSubtotal { .. }
        | VoucherError::RequiresAccount { .. } => ApiError::invalid("code", code, message),
        other => ApiError::internal(&other),
    }
}

/// Insufficient stock is its own `type` (API.md), with the SKU short of units as
/// `param` so a storefront can point at the line.
fn from_inventory(error: InventoryError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        InventoryError::Insufficient { sku, .. } => ApiError::new(
            StatusCode::CONFLICT,
            ErrorType::InsufficientStock,
            code,
            message,
        )
        .with_param(sku),
        InventoryError::SkuNotFound { .. } | InventoryError::UnknownProduct { .. } => {
            ApiError::not_found(code, message)
        }
        InventoryError::AdjustmentOutOfRange { .. } => conflict(code, message).with_param("delta"),
        InventoryError::Busy => conflict(code, message),
        InventoryError::TooManyLines => ApiError::invalid("", code, message),
        other => ApiError::internal(&other),
    }
}

/// A decline is 402 `payment_failed` with the decline's code; a provider that cannot
/// be reached (or an open circuit) is 503, so the shopper may retry later.
fn from_payment(error: PaymentError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        PaymentError::Declined { .. } => ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            ErrorType::PaymentFailed,
            code,
            message,
        ),
        PaymentError::Unavailable { .. } => ApiError::unavailable(code, message),
        PaymentError::Rejected { .. } => conflict(code, message),
        other => ApiError::internal(&other),
    }
}

/// Every [`OrderError`] keeps the engine's own [`OrderError::code`].
fn from_order(error: OrderError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        OrderError::NotFound { .. } => ApiError::not_found(code, message),
        OrderError::InvalidTransition { .. } => conflict(code, message),
        OrderError::RefundExceedsPaid { .. } => conflict(code, message).with_param("amount"),
        OrderError::Forbidden { .. } => ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorType::Authorization,
            code,
            message,
        ),
        OrderError::HistoryFull { .. } | OrderError::Busy => conflict(code, message),
        other => ApiError::internal(&other),
    }
}

fn from_checkout(error: CheckoutError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        CheckoutError::IdempotencyConflict | CheckoutError::IdempotencyInFlight => {
            conflict(code, message)
        }
        // An injected fault (tests only) and kinds this server does not know yet.
        other => ApiError::internal(&other),
    }
}

/// Every [`ReviewError`] keeps the engine's own [`ReviewError::code`].
fn from_review(error: ReviewError) -> ApiError {
    let code = error.code();
    let message = error.to_string();
    match error {
        ReviewError::Duplicate { .. } => conflict(code, message),
        other => ApiError::internal(&other),
    }
}

fn conflict(code: &'static str, message: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, ErrorType::Conflict, code, message)
}

fn from_search(error: SearchError) -> ApiError {
    let message = error.to_string();
    match error {
        SearchError::InvalidCursor => ApiError::invalid("cursor", "invalid_cursor", message),
        SearchError::InvalidRequest { field, .. } => ApiError::invalid(field, "invalid", message),
        SearchError::Store(error) => from_store(error),
        other => {
            // The index failed (I/O, corruption): it can be rebuilt from the store, and
            // the client may retry; the operator needs the details.
            tracing::error!(error = %other, "search index error");
            ApiError::unavailable("search_unavailable", "search is unavailable; retry later")
        }
    }
}

fn from_store(error: StoreError) -> ApiError {
    match error {
        StoreError::Closed => ApiError::unavailable("shutting_down", "the server is shutting down"),
        // Only `POST /v1/admin/backup` reaches these; the message leaves out the path.
        StoreError::Backup(BackupError::DestinationNotEmpty { .. }) => conflict(
            "backup_exists",
            "a backup with this name already exists; choose another `to`".into(),
        )
        .with_param("to"),
        StoreError::Backup(BackupError::NoDataDirectory) => conflict(
            "store_in_memory",
            "the store is in memory: there is no data directory to keep backups in".into(),
        ),
        other => {
            // Operating trouble (disk full, I/O): the operation did not happen, so the
            // client may retry; the operator needs the details.
            tracing::error!(error = %other, "store error");
            ApiError::unavailable("store_unavailable", "storage is unavailable; retry later")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn body_of(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = collect_body(response.into_body());
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    fn collect_body(body: Full<Bytes>) -> Bytes {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(body.collect())
            .map(|collected| collected.to_bytes())
            .unwrap_or_default()
    }

    #[test]
    fn validation_is_422_naming_the_field() {
        let error = Error::Invalid(ValidationError::new("price.amount", "out_of_range", "m"));
        let (status, body) = body_of(from_engine(error));
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"]["type"], "invalid_request");
        assert_eq!(body["error"]["code"], "out_of_range");
        assert_eq!(body["error"]["param"], "price.amount");
    }

    #[test]
    fn catalog_errors_have_their_statuses() {
        let cases = [
            (
                CatalogError::ProductNotFound { id: "x".into() },
                404,
                "not_found",
                "product_not_found",
            ),
            (
                CatalogError::DuplicateSku { sku: "A".into() },
                409,
                "conflict",
                "duplicate_sku",
            ),
            (
                CatalogError::VersionMismatch {
                    expected: 1,
                    current: 2,
                },
                412,
                "conflict",
                "version_mismatch",
            ),
            (
                CatalogError::CategoryNotFound {
                    id: "cat_x".into(),
                    field: "category_id",
                },
                422,
                "invalid_request",
                "category_not_found",
            ),
        ];
        for (error, status, kind, code) in cases {
            let (got, body) = body_of(from_engine(Error::Catalog(error)));
            assert_eq!(got.as_u16(), status);
            assert_eq!(body["error"]["type"], kind);
            assert_eq!(body["error"]["code"], code);
        }
    }

    #[test]
    fn user_errors_have_their_statuses_and_codes() {
        let cases = [
            (
                UserError::EmailTaken {
                    email: "a@b.c".into(),
                },
                409,
                "conflict",
                Some("email"),
            ),
            (UserError::InvalidCredentials, 401, "authentication", None),
            (UserError::TokenInvalid, 401, "authentication", None),
            (
                UserError::UserNotFound { id: "usr_x".into() },
                404,
                "not_found",
                None,
            ),
            (
                UserError::AddressNotFound { id: "adr_x".into() },
                404,
                "not_found",
                None,
            ),
            (
                UserError::TooManyAddresses { max: 50 },
                409,
                "conflict",
                None,
            ),
            (
                UserError::Crypto {
                    message: "rng".into(),
                },
                500,
                "internal",
                None,
            ),
        ];
        for (error, status, kind, param) in cases {
            let code = error.code();
            let response = from_engine(Error::Users(error)).into_response();
            assert_eq!(
                response.status() == StatusCode::UNAUTHORIZED,
                response.headers().contains_key(header::WWW_AUTHENTICATE)
            );
            let (got, body) = (response.status(), {
                let bytes = collect_body(response.into_body());
                serde_json::from_slice::<serde_json::Value>(&bytes).expect("json")
            });
            assert_eq!(got.as_u16(), status, "{code}");
            assert_eq!(body["error"]["type"], kind, "{code}");
            assert_eq!(body["error"]["param"].as_str(), param, "{code}");
            if status != 500 {
                assert_eq!(body["error"]["code"], code);
            }
        }
    }

    #[test]
    fn store_errors_are_503_without_details() {
        let io = std::io::Error::other("/secret/path failed");
        let (status, body) = body_of(from_engine(Error::Store(StoreError::Io(io.into()))));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["type"], "unavailable");
        assert!(!body.to_string().contains("secret"));
    }

    #[test]
    fn extra_headers_are_set() {
        let response = ApiError::method_not_allowed("GET").into_response();
        assert_eq!(response.headers()[header::ALLOW], "GET");
        let response = ApiError::rate_limited(3).into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "3");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
