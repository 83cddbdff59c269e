//! The OpenAPI 3.1 document of exactly the operations the server routes.
//!
//! Each operation is written out here (the users operations in `users.rs`, the admin
//! catalog writes in `admin.rs`) with its path and method, its parameters, its request
//! schema with the constraints the server enforces, and every status it can answer; a
//! test (`tests/openapi.rs`) fails when the document and the route table differ in any
//! operation, so neither can drift from the other.
//!
//! Who may call an operation is taken from the route table itself ([`Access`]): a
//! protected operation gets its `security` requirement and its 401 (and, for admins,
//! 403) here, in one place, rather than by hand in each operation.

mod admin;
mod analytics;
mod commerce;
mod notifications;
mod reviews;
mod users;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use emporium::search::{
    SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_QUERY_CHARS_MAX, SUGGEST_LIMIT_MAX,
};
use emporium::{PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX};

use crate::query::CURSOR_CHARS_MAX;
use crate::router::{Access, ROUTES};
use crate::routes::SUGGEST_LIMIT_DEFAULT;

/// No control characters (Unicode category Cc), as the engine's one-line rule.
const NO_CONTROLS: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";
/// No control characters and at least one character that is not white space.
const ONE_LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// White space as the engine counts it (Unicode's White_Space, Rust's
/// `char::is_whitespace`), for a character class. JSON Schema's `\s` is not quite the
/// same set: it has U+FEFF and lacks U+0085.
const WHITE_SPACE: &str = r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// The name of the bearer scheme in `components.securitySchemes`.
const BEARER: &str = "bearerAuth";

/// The public form of an id: the type prefix and 13 base-32 characters (Crockford's
/// alphabet in lower case), the first of which carries the top 4 of the 64 bits.
fn id_pattern(prefix: &str) -> String {
    format!("^{prefix}_[0-9a-f][0-9a-hjkmnp-tv-z]{{12}}$")
}

/// One documented operation.
#[derive(Debug)]
pub struct Operation {
    /// Upper-case method, as in the route table.
    pub method: &'static str,
    /// Path pattern with `{name}` parameters, as in the route table.
    pub path: &'static str,
    /// The OpenAPI operation object.
    pub spec: Value,
}

/// Every documented operation.
pub fn operations() -> Vec<Operation> {
    let op = |method, path, spec| Operation {
        method,
        path,
        spec: secure(method, path, spec),
    };
    vec![
        op("GET", "/healthz", healthz()),
        op("GET", "/readyz", readyz()),
        op("GET", "/metrics", metrics()),
        op("GET", "/openapi.json", openapi()),
        op("GET", "/v1/categories", list_categories()),
        op("POST", "/v1/categories", admin::create_category()),
        op("GET", "/v1/products", list_products()),
        op("POST", "/v1/products", admin::create_product()),
        op("GET", "/v1/products/{id}", get_product()),
        op("PATCH", "/v1/products/{id}", admin::update_product()),
        op("DELETE", "/v1/products/{id}", admin::archive_product()),
        op("GET", "/v1/inventory/{sku}", get_inventory()),
        op("GET", "/v1/search", search()),
        op("GET", "/v1/autocomplete", autocomplete()),
        op("POST", "/v1/auth/register", users::register()),
        op("POST", "/v1/auth/login", users::login()),
        op("POST", "/v1/auth/logout", users::logout()),
        op("GET", "/v1/me", users::get_me()),
        op("PATCH", "/v1/me", users::update_me()),
        op("GET", "/v1/me/addresses", users::list_addresses()),
        op("POST", "/v1/me/addresses", users::create_address()),
        op("PATCH", "/v1/me/addresses/{id}", users::update_address()),
        op("DELETE", "/v1/me/addresses/{id}", users::delete_address()),
        op(
            "GET",
            "/v1/me/notifications",
            notifications::list_notifications(),
        ),
        op("POST", "/v1/carts", commerce::create_cart()),
        op("GET", "/v1/carts/{id}", commerce::get_cart()),
        op("POST", "/v1/carts/{id}/items", commerce::add_cart_item()),
        op(
            "PATCH",
            "/v1/carts/{id}/items/{sku}",
            commerce::update_cart_item(),
        ),
        op(
            "DELETE",
            "/v1/carts/{id}/items/{sku}",
            commerce::remove_cart_item(),
        ),
        op("POST", "/v1/carts/{id}/voucher", commerce::apply_voucher()),
        op(
            "DELETE",
            "/v1/carts/{id}/voucher",
            commerce::remove_voucher(),
        ),
        op("POST", "/v1/carts/{id}/checkout", commerce::checkout()),
        op("GET", "/v1/orders", commerce::list_orders()),
        op("GET", "/v1/orders/{id}", commerce::get_order()),
        op(
            "GET",
            "/v1/orders/{id}/events",
            commerce::list_order_events(),
        ),
        op("POST", "/v1/orders/{id}/cancel", commerce::cancel_order()),
        op("POST", "/v1/orders/{id}/ship", commerce::ship_order()),
        op("POST", "/v1/orders/{id}/deliver", commerce::deliver_order()),
        op("POST", "/v1/orders/{id}/refund", commerce::refund_order()),
        op("POST", "/v1/vouchers", commerce::create_voucher()),
        op("GET", "/v1/vouchers", commerce::list_vouchers()),
        op(
            "POST",
            "/v1/inventory/{sku}/adjust",
            commerce::adjust_inventory(),
        ),
        op("GET", "/v1/products/{id}/reviews", reviews::list_reviews()),
        op(
            "POST",
            "/v1/products/{id}/reviews",
            reviews::create_review(),
        ),
        op("POST", "/v1/admin/backup", admin::create_backup()),
        op(
            "GET",
            "/v1/products/{id}/recommendations",
            analytics::list_recommendations(),
        ),
        op("POST", "/v1/events", analytics::record_event()),
        op("GET", "/v1/analytics/windows", analytics::windows()),
        op(
            "GET",
            "/v1/analytics/top-products",
            analytics::top_products(),
        ),
        op("GET", "/v1/analytics/funnel", analytics::funnel()),
        op("GET", "/v1/analytics/search", analytics::search()),
        op("GET", "/v1/analytics/anomalies", analytics::anomalies()),
        op("GET", "/v1/analytics/low-stock", analytics::low_stock()),
    ]
}

/// Adds what the route table says about who may call the operation: the `security`
/// requirement, 401 for a missing or refused token and, on admin routes, 403.
fn secure(method: &str, path: &str, mut spec: Value) -> Value {
    let access = ROUTES
        .iter()
        .find(|route| route.method.as_str() == method && route.pattern == path)
        .map_or(Access::Public, |route| route.access);
    if access == Access::Public {
        return spec;
    }
    spec["security"] = json!([{BEARER: []}]);
    let mut unauthenticated = error_response(
        "No token (`missing_token`), or one that is malformed, unknown, expired or revoked (`token_invalid`).",
    );
    unauthenticated["headers"]["WWW-Authenticate"] = users::www_authenticate();
    spec["responses"]["401"] = unauthenticated;
    if access == Access::Admin {
        spec["responses"]["403"] = error_response("The token is a customer's; this is for admins.");
    }
    spec
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in operations() {
        let item = paths
            .entry(operation.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(operation.method.to_ascii_lowercase(), operation.spec);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Emporium HTTP API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Catalog, search, inventory and accounts of an Emporium shop. \
                Every response carries `X-Request-Id`; errors are the `Error` object. \
                Sign in at `/v1/auth/login` and send the token as `Authorization: Bearer`; \
                admin operations answer 401 without a token and 403 with a customer's.",
        },
        "paths": paths,
        "components": components(),
    })
}

/// The document serialized once, for `GET /openapi.json`.
pub fn document_bytes() -> Bytes {
    serde_json::to_vec(&document())
        .map(Bytes::from)
        .unwrap_or_default()
}

fn healthz() -> Value {
    json!({
        "operationId": "healthz",
        "summary": "Liveness: 200 while the process runs.",
        "tags": ["operations"],
        "responses": with_common(json!({"200": ok("The process is alive.", "Health")})),
    })
}

fn readyz() -> Value {
    json!({
        "operationId": "readyz",
        "summary": "Readiness: 200 once start-up work (the demo catalog) is done.",
        "tags": ["operations"],
        "responses": with_common(json!({
            "200": ok("Ready to serve.", "Health"),
            "503": ok("Still starting, or unavailable.", "Health"),
        })),
    })
}

fn metrics() -> Value {
    json!({
        "operationId": "metrics",
        "summary": "Prometheus metrics in the text exposition format.",
        "tags": ["operations"],
        "responses": with_common(json!({"200": {
            "description": "Metrics.",
            "headers": request_id_header(),
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }})),
    })
}

fn openapi() -> Value {
    json!({
        "operationId": "openapi",
        "summary": "This document.",
        "tags": ["operations"],
        "responses": with_common(json!({"200": {
            "description": "The OpenAPI 3.1 document.",
            "headers": request_id_header(),
            "content": {"application/json": {"schema": {"type": "object"}}},
        }})),
    })
}

fn list_categories() -> Value {
    json!({
        "operationId": "listCategories",
        "summary": "Every category, ordered by path, in one reply (`next_cursor` is null).",
        "tags": ["catalog"],
        "responses": with_common(json!({"200": ok("All categories.", "CategoryList")})),
    })
}

fn list_products() -> Value {
    json!({
        "operationId": "listProducts",
        "summary": "A page of active products, filtered and sorted.",
        "tags": ["catalog"],
        "parameters": [
            query_param("category", "Only this category and its descendants (an unknown id lists nothing).",
                json!({"type": "string", "pattern": id_pattern("cat")})),
            query_param("brand", "Only this brand (case- and accent-insensitive).",
                json!({"type": "string", "maxLength": 100})),
            query_param("min_price", "Lowest price in minor units, inclusive.", minor_units()),
            query_param("max_price", "Highest price in minor units, inclusive.", minor_units()),
            query_param("in_stock", "Only products with stock available.",
                json!({"type": "boolean", "default": false})),
            query_param("sort", "The order.", json!({
                "type": "string",
                "enum": ["newest", "price_asc", "price_desc", "name"],
                "default": "newest",
            })),
            limit_param(PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX),
            cursor_param(),
        ],
        "responses": with_common(json!({
            "200": ok("A page of products.", "ProductList"),
            "422": error_response("A query parameter is invalid (`param` names it)."),
        })),
    })
}

fn get_product() -> Value {
    json!({
        "operationId": "getProduct",
        "summary": "One active product; admins also see drafts and archived ones.",
        "description": "The token is optional: without one (or with one that is refused) \
            only active products exist.",
        "tags": ["catalog"],
        "security": [{}, {BEARER: []}],
        "parameters": [path_param("id", "The product id (`prod_…`).")],
        "responses": with_common(json!({
            "200": ok("The product.", "Product"),
            "404": error_response("No product the caller may see has this id (unknown and malformed ids alike)."),
        })),
    })
}

fn get_inventory() -> Value {
    json!({
        "operationId": "getInventory",
        "summary": "The live stock of one SKU.",
        "tags": ["inventory"],
        "parameters": [sku_param()],
        "responses": with_common(json!({
            "200": ok("The stock.", "Inventory"),
            "404": error_response("No product has this SKU."),
        })),
    })
}

fn search() -> Value {
    json!({
        "operationId": "search",
        "summary": "Full-text search over active products, with facet counts and an exact total.",
        "description": "`q` is plain text (no operator syntax) and is never refused for what it \
            contains; an empty `q` lists everything that matches the filters.",
        "tags": ["search"],
        "parameters": [
            query_param("q", "The words to search for.",
                json!({"type": "string", "maxLength": SEARCH_QUERY_CHARS_MAX, "default": ""})),
            query_param("category", "Only this category and its descendants.",
                json!({"type": "string", "pattern": id_pattern("cat")})),
            query_param("brand", "Only this brand (case- and accent-insensitive).",
                json!({"type": "string", "maxLength": 100})),
            query_param("min_price", "Lowest price in minor units, inclusive (at most `max_price`).", minor_units()),
            query_param("max_price", "Highest price in minor units, inclusive.", minor_units()),
            query_param("in_stock", "Only products with stock available.",
                json!({"type": "boolean", "default": false})),
            limit_param(SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX),
            cursor_param(),
        ],
        "responses": with_common(json!({
            "200": ok("A page of results, best first.", "SearchResults"),
            "422": error_response("A parameter is invalid (`param` names it), e.g. a cursor of another search."),
        })),
    })
}

fn autocomplete() -> Value {
    json!({
        "operationId": "autocomplete",
        "summary": "Product names and brands that start with `q` (case- and accent-insensitive).",
        "tags": ["search"],
        "parameters": [
            query_param("q", "The prefix typed so far.", json!({"type": "string", "default": ""})),
            limit_param(SUGGEST_LIMIT_DEFAULT, SUGGEST_LIMIT_MAX),
        ],
        "responses": with_common(json!({
            "200": ok("Suggestions, best first.", "Suggestions"),
            "422": error_response("`limit` is out of range."),
        })),
    })
}

/// Adds the statuses every operation can answer: 429 when rate limiting is on (an
/// operation with a limit of its own describes its 429 itself), 503 when a request
/// times out or storage is unavailable.
fn with_common(mut responses: Value) -> Value {
    if let Value::Object(map) = &mut responses {
        let limited = map
            .entry("429")
            .or_insert_with(|| error_response("Too many requests from this client."));
        limited["headers"]["Retry-After"] = json!({
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 1},
        });
        map.entry("503").or_insert_with(|| {
            error_response("The request timed out or storage is unavailable; retry later.")
        });
    }
    responses
}

/// Adds the refusals of a JSON body: 400 (not JSON), 413 (too large), 415 (not
/// `application/json`) and 422 (a field breaks a rule).
fn with_body(mut responses: Value) -> Value {
    let refusals = [
        ("400", "The body is not valid JSON."),
        (
            "413",
            "The body is larger than the configured limit (default 1 MiB).",
        ),
        ("415", "The body is not `application/json`."),
        (
            "422",
            "A field is missing, of the wrong type, unknown, or breaks a rule (`param` names it).",
        ),
    ];
    for (status, description) in refusals {
        responses[status] = error_response(description);
    }
    responses
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "headers": request_id_header(),
        "content": {"application/json": {"schema": schema_ref(schema)}},
    })
}

fn created(description: &str, schema: &str) -> Value {
    ok(description, schema)
}

/// The link parameters of an operation on the object a response returned (its `id`).
const BY_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];

/// `response` with OpenAPI links to the operations that act on what it returned, each
/// named by its `operationId` with its parameters as runtime expressions
/// (`$response.body#/id`): the next steps a client (or a stateful test) can take.
fn linked(mut response: Value, targets: &[(&str, &[(&str, &str)])]) -> Value {
    for (operation_id, parameters) in targets {
        let parameters: Map<String, Value> = parameters
            .iter()
            .map(|(name, expression)| (name.to_string(), json!(expression)))
            .collect();
        response["links"][*operation_id] =
            json!({"operationId": operation_id, "parameters": parameters});
    }
    response
}

fn no_content(description: &str) -> Value {
    json!({"description": description, "headers": request_id_header()})
}

fn schema_ref(schema: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{schema}")})
}

/// A JSON request body of `schema`. An empty body counts as `{}`, so `required` only
/// says whether `{}` could ever be accepted.
fn request_body(schema: &str, required: bool) -> Value {
    json!({
        "required": required,
        "description": "JSON; an empty body counts as `{}`. Unknown fields are refused.",
        "content": {"application/json": {"schema": schema_ref(schema)}},
    })
}

/// `schema`, or `null`.
fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

/// One line of `min..=max` characters (not bytes), no control characters, not blank.
fn one_line(min: usize, max: usize) -> Value {
    json!({"type": "string", "minLength": min, "maxLength": max, "pattern": ONE_LINE})
}

fn error_response(description: &str) -> Value {
    ok(description, "Error")
}

fn request_id_header() -> Value {
    json!({"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// A SKU as the engine accepts it (`validate_sku`): printable, no white space, no `/`.
fn sku_schema() -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": emporium::model::SKU_CHARS_MAX,
        "pattern": format!(r"^[^/{WHITE_SPACE}\x00-\x1f\x7f-\x9f]+$"),
    })
}

/// The `{sku}` path parameter. A SKU the engine would refuse to create cannot name a
/// line or a stock cell, so the schema says so rather than letting a client find out.
fn sku_param() -> Value {
    json!({
        "name": "sku", "in": "path", "required": true,
        "description": "The SKU, percent-encoded.", "schema": sku_schema(),
    })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true, "description": description,
        "schema": {"type": "string", "minLength": 1},
    })
}

fn limit_param(default: usize, max: usize) -> Value {
    query_param(
        "limit",
        "How many results at most.",
        json!({"type": "integer", "minimum": 1, "maximum": max, "default": default}),
    )
}

/// An `If-Match` header as the server reads it: a version (a bare integer, quotes and
/// a weak `W/` tolerated) or `*`, with optional blanks around it. Anything else is a
/// 422 naming the header, so the pattern states it.
fn if_match_schema() -> Value {
    json!({"type": "string", "pattern": r#"^[ \t]*(\*|(W/)?"?[0-9]{1,19}"?)[ \t]*$"#})
}

/// An RFC 3339 date-time that a request may carry: the engine keeps times as
/// milliseconds since 1970, so an earlier year is refused (422), and the pattern says so.
fn timestamp_input() -> Value {
    json!({
        "type": "string",
        "format": "date-time",
        "pattern": "^(19[7-9][0-9]|[2-9][0-9]{3})-",
        "description": "RFC 3339, from 1970 on, e.g. `2030-01-01T00:00:00Z`.",
    })
}

fn cursor_param() -> Value {
    query_param(
        "cursor",
        "The `next_cursor` of the previous page of the same listing. Opaque and \
         tamper-checked: any other value, however well-formed, is a 422 on `cursor`.",
        json!({"type": "string", "pattern": "^[0-9a-f]*$", "maxLength": CURSOR_CHARS_MAX}),
    )
}

fn minor_units() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})
}

fn components() -> Value {
    let mut schemas = schemas();
    for (name, schema) in users::schemas()
        .into_iter()
        .chain(admin::schemas())
        .chain(analytics::schemas())
        .chain(commerce::schemas())
        .chain(reviews::schemas())
    {
        schemas[name] = schema;
    }
    json!({
        "headers": {"X-Request-Id": {
            "description": "The client's own request id when it sent a sane one (1–200 visible ASCII characters), else one made by the server.",
            "schema": {"type": "string"},
        }},
        "securitySchemes": {BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "A session token from `/v1/auth/register` or `/v1/auth/login` \
                (`emp_` and 64 hex digits). It lasts 30 days unless signed out.",
        }},
        "schemas": schemas,
    })
}

fn schemas() -> Value {
    let id = |prefix: &str| json!({"type": "string", "pattern": id_pattern(prefix)});
    json!({
        "Error": error_schema(),
        "Health": {"type": "object", "required": ["status"], "properties": {
            "status": {"type": "string"},
            "waiting_for": {"type": "array", "items": {"type": "string"}},
        }},
        "Money": {"type": "object", "required": ["amount", "currency"], "properties": {
            "amount": {"type": "integer", "minimum": 0, "description": "Minor units."},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        }},
        "Stock": {"type": "object", "required": ["on_hand", "reserved", "available"], "properties": {
            "on_hand": {"type": "integer", "minimum": 0},
            "reserved": {"type": "integer", "minimum": 0},
            "available": {"type": "integer", "minimum": 0},
        }},
        "Inventory": {"type": "object", "required": ["sku", "on_hand", "reserved", "available"], "properties": {
            "sku": {"type": "string"},
            "on_hand": {"type": "integer", "minimum": 0},
            "reserved": {"type": "integer", "minimum": 0},
            "available": {"type": "integer", "minimum": 0},
        }},
        "Category": {"type": "object", "required": ["id", "name", "parent_id", "path"], "properties": {
            "id": id("cat"),
            "name": {"type": "string"},
            "parent_id": {"oneOf": [id("cat"), {"type": "null"}]},
            "path": {"type": "string"},
        }},
        "CategoryList": list_schema("Category"),
        "Product": product_schema(),
        "ProductList": list_schema("Product"),
        "SearchResults": search_results_schema(),
        "Suggestions": suggestions_schema(),
    })
}

fn search_results_schema() -> Value {
    let facet = json!({"type": "object", "required": ["value", "count"], "properties": {
        "value": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
    }});
    let bucket = json!({"type": "object", "required": ["min", "max", "count"], "properties": {
        "min": {"type": "integer", "minimum": 0, "description": "Inclusive, minor units."},
        "max": {"type": ["integer", "null"], "description": "Exclusive; null for the last bucket."},
        "count": {"type": "integer", "minimum": 0},
    }});
    json!({
        "type": "object",
        "required": ["data", "facets", "total", "next_cursor", "took_us"],
        "properties": {
            "data": {"type": "array", "items": {
                "type": "object",
                "required": ["product", "score", "highlights"],
                "properties": {
                    "product": {"$ref": "#/components/schemas/Product"},
                    "score": {"type": "number"},
                    "highlights": {
                        "type": "object",
                        "description": "Field → HTML snippet with matched words in <mark>.",
                        "additionalProperties": {"type": "string"},
                    },
                },
            }},
            "facets": {"type": "object", "required": ["category", "brand", "price"], "properties": {
                "category": {"type": "array", "items": facet},
                "brand": {"type": "array", "items": facet},
                "price": {"type": "array", "items": bucket},
            }},
            "total": {"type": "integer", "minimum": 0, "description": "The exact number of matches."},
            "next_cursor": {"type": ["string", "null"]},
            "took_us": {"type": "integer", "minimum": 0},
        },
    })
}

fn suggestions_schema() -> Value {
    json!({
        "type": "object",
        "required": ["suggestions"],
        "properties": {"suggestions": {"type": "array", "items": {
            "type": "object",
            "required": ["text", "kind", "score"],
            "properties": {
                "text": {"type": "string"},
                "kind": {"type": "string", "enum": ["product", "brand"]},
                "score": {"type": "integer", "minimum": 0},
            },
        }}},
    })
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": {"error": {
            "type": "object",
            "required": ["type", "code", "message", "param"],
            "properties": {
                "type": {"type": "string", "enum": [
                    "invalid_request", "authentication", "authorization", "not_found",
                    "conflict", "payment_failed", "insufficient_stock", "rate_limited",
                    "unavailable", "internal",
                ]},
                "code": {"type": "string", "description": "A stable machine word."},
                "message": {"type": "string"},
                "param": {"type": ["string", "null"], "description": "The offending field or parameter."},
            },
        }},
    })
}

fn product_schema() -> Value {
    json!({
        "type": "object",
        "required": [
            "id", "sku", "name", "description", "brand", "category_id", "price", "attributes",
            "images", "status", "stock", "rating", "created_at", "updated_at", "version",
        ],
        "properties": {
            "id": {"type": "string", "pattern": id_pattern("prod")},
            "sku": {"type": "string", "minLength": 1, "maxLength": 100},
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "description": {"type": "string", "maxLength": 10_000},
            "brand": {"type": ["string", "null"]},
            "category_id": {"type": "string", "pattern": id_pattern("cat")},
            "price": {"$ref": "#/components/schemas/Money"},
            "attributes": {"type": "object", "additionalProperties": {"type": "string"}},
            "images": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "enum": ["active", "draft", "archived"]},
            "stock": {"$ref": "#/components/schemas/Stock"},
            "rating": {"type": "object", "required": ["average", "count"], "properties": {
                "average": {"type": ["number", "null"]},
                "count": {"type": "integer", "minimum": 0},
            }},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "version": {"type": "integer", "minimum": 1},
        },
    })
}

fn list_schema(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
            "next_cursor": {"type": ["string", "null"]},
        },
    })
}
