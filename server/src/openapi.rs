//! The OpenAPI 3.1 document of exactly the operations the server routes.
//!
//! Each operation is written out here with its path and method, its parameters and the
//! constraints the server enforces on them, and every status it can answer; a test
//! (`tests/openapi.rs`) fails when the document and the route table differ in any
//! operation, so neither can drift from the other.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use emporium::search::{
    SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_QUERY_CHARS_MAX, SUGGEST_LIMIT_MAX,
};
use emporium::{PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX};

use crate::query::CURSOR_CHARS_MAX;
use crate::routes::SUGGEST_LIMIT_DEFAULT;

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
    let op = |method, path, spec| Operation { method, path, spec };
    vec![
        op("GET", "/healthz", healthz()),
        op("GET", "/readyz", readyz()),
        op("GET", "/metrics", metrics()),
        op("GET", "/openapi.json", openapi()),
        op("GET", "/v1/categories", list_categories()),
        op("GET", "/v1/products", list_products()),
        op("GET", "/v1/products/{id}", get_product()),
        op("GET", "/v1/inventory/{sku}", get_inventory()),
        op("GET", "/v1/search", search()),
        op("GET", "/v1/autocomplete", autocomplete()),
    ]
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
            "description": "Catalog, search and inventory of an Emporium shop. \
                Every response carries `X-Request-Id`; errors are the `Error` object.",
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
        "summary": "One active product.",
        "tags": ["catalog"],
        "parameters": [path_param("id", "The product id (`prod_…`).")],
        "responses": with_common(json!({
            "200": ok("The product.", "Product"),
            "404": error_response("No active product has this id (unknown and malformed ids alike)."),
        })),
    })
}

fn get_inventory() -> Value {
    json!({
        "operationId": "getInventory",
        "summary": "The live stock of one SKU.",
        "tags": ["inventory"],
        "parameters": [path_param("sku", "The SKU, percent-encoded.")],
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

/// Adds the statuses every operation can answer: 429 when rate limiting is on, 503
/// when a request times out or storage is unavailable.
fn with_common(mut responses: Value) -> Value {
    if let Value::Object(map) = &mut responses {
        let mut limited = error_response("Too many requests from this client.");
        limited["headers"]["Retry-After"] = json!({
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 1},
        });
        map.insert("429".into(), limited);
        map.entry("503").or_insert_with(|| {
            error_response("The request timed out or storage is unavailable; retry later.")
        });
    }
    responses
}

fn ok(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "headers": request_id_header(),
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
    })
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
    json!({
        "headers": {"X-Request-Id": {
            "description": "The client's own request id when it sent a sane one (1–200 visible ASCII characters), else one made by the server.",
            "schema": {"type": "string"},
        }},
        "schemas": schemas(),
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
                    "conflict", "rate_limited", "unavailable", "internal",
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
