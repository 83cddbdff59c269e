//! Client events (`POST /v1/events`) and the admin analytics reads, with their schemas.
//! The report bodies are the engine's analytics snapshots; the schemas state their
//! top-level members and leave the nested report objects open.

use emporium::model::{
    CLIENT_EVENT_KEY_BYTES_MAX, CLIENT_EVENT_PROPERTIES_MAX, CLIENT_EVENT_TYPE_BYTES_MAX,
    CLIENT_EVENT_VALUE_CHARS_MAX, SESSION_ID_BYTES_MAX,
};
use serde_json::{Value, json};

use emporium::events::{RECOMMENDATIONS_LIMIT_DEFAULT, RECOMMENDATIONS_LIMIT_MAX};

use super::{
    error_response, id_pattern, limit_param, nullable, ok, path_param, query_param, request_body,
    timestamp_input, with_body, with_common,
};
use crate::routes::analytics::{ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX};

// An empty query parameter counts as absent (`?window=` is the default), as everywhere
// in the API, so the enums and times below admit "".

fn window_param(default: &str) -> Value {
    query_param(
        "window",
        "The window kind: tumbling 1 minute, 5 minutes, 1 hour, or sliding 10 minutes every 5.",
        json!({"type": "string", "enum": ["", "1m", "5m", "1h", "10m/5m"], "default": default}),
    )
}

fn time_param(name: &str, description: &str) -> Value {
    query_param(
        name,
        description,
        json!({"anyOf": [{"type": "string", "maxLength": 0}, timestamp_input()]}),
    )
}

fn bad_params(names: &str) -> Value {
    error_response(&format!("{names} is not valid (`param` names it)."))
}

pub(super) fn list_recommendations() -> Value {
    json!({
        "operationId": "listRecommendations",
        "summary": "Products to show beside one: bought together, also viewed, popular in its category.",
        "description": "`data` holds product objects as `GET /v1/products/{id}` answers them, \
            best first; `reasons[i]` says why `data[i]` was chosen. Only active products are \
            recommended. The token is optional (admins may ask about drafts and archived products).",
        "tags": ["catalog"],
        "security": [{}, {super::BEARER: []}],
        "parameters": [
            path_param("id", "The product id (`prod_…`)."),
            limit_param(RECOMMENDATIONS_LIMIT_DEFAULT, RECOMMENDATIONS_LIMIT_MAX),
        ],
        "responses": with_common(json!({
            "200": ok("The recommendations.", "Recommendations"),
            "404": error_response("No product the caller may see has this id (unknown and malformed ids alike)."),
            "422": bad_params("`limit`"),
        })),
    })
}

pub(super) fn record_event() -> Value {
    json!({
        "operationId": "recordEvent",
        "summary": "Record a client event (page view, product view, click) for analytics.",
        "description": "Accepted events are appended to the event log within about 100 ms \
            and feed the analytics windows and recommendations. `product_view` needs a \
            `product_id`. `at` defaults to now and may be up to 24 hours in the past (late \
            data) and 5 minutes in the future. The token is optional; `user_id`, when sent, \
            must be the signed-in user's. 429 when the event queue is full.",
        "tags": ["analytics"],
        "security": [{}, {super::BEARER: []}],
        "requestBody": request_body("ClientEvent", true),
        "responses": with_common(with_body(json!({
            "202": ok("Queued for the event log.", "EventAccepted"),
            "404": error_response("`product_id` names no product (`product_not_found`)."),
            "429": error_response("Too many events: the queue is full or the caller is over its rate; see `Retry-After`."),
        }))),
    })
}

pub(super) fn windows() -> Value {
    json!({
        "operationId": "analyticsWindows",
        "summary": "Window totals of one kind, oldest first.",
        "description": "Without `from`/`to`, the last hour's windows (by event time), the \
            open ones included; each window says whether it has fired and whether it is final.",
        "tags": ["analytics"],
        "parameters": [
            window_param("1m"),
            time_param("from", "Windows overlapping [from, to) only."),
            time_param("to", "Windows overlapping [from, to) only."),
        ],
        "responses": with_common(json!({
            "200": ok("The windows.", "AnalyticsWindows"),
            "422": bad_params("`window`, `from` or `to`"),
        })),
    })
}

pub(super) fn top_products() -> Value {
    json!({
        "operationId": "analyticsTopProducts",
        "summary": "The best products of the newest window of a kind.",
        "tags": ["analytics"],
        "parameters": [
            window_param("1m"),
            query_param("by", "The ranking.", json!({"type": "string", "enum": ["", "views", "purchases", "revenue"], "default": "views"})),
            query_param("currency", "The currency of a revenue ranking (default: the one with the most orders).", json!({"type": "string", "enum": currency_codes()})),
            limit_param(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX),
        ],
        "responses": with_common(json!({
            "200": ok("The ranking (`window` null while nothing is counted).", "TopProducts"),
            "422": bad_params("`window`, `by`, `currency` or `limit`"),
        })),
    })
}

pub(super) fn funnel() -> Value {
    json!({
        "operationId": "analyticsFunnel",
        "summary": "The purchase funnel (view → add to cart → checkout → purchase) of the newest window.",
        "tags": ["analytics"],
        "parameters": [window_param("1m")],
        "responses": with_common(json!({
            "200": ok("The funnel (`window` null while nothing is counted).", "FunnelReport"),
            "422": bad_params("`window`"),
        })),
    })
}

pub(super) fn search() -> Value {
    json!({
        "operationId": "analyticsSearch",
        "summary": "Top queries and zero-result queries of the newest window.",
        "tags": ["analytics"],
        "parameters": [window_param("1h"), limit_param(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)],
        "responses": with_common(json!({
            "200": ok("The search report (`window` null while nothing is counted).", "SearchReport"),
            "422": bad_params("`window` or `limit`"),
        })),
    })
}

pub(super) fn anomalies() -> Value {
    json!({
        "operationId": "analyticsAnomalies",
        "summary": "Recent anomalies: event bursts and overlong sessions, bursts of failed payments.",
        "tags": ["analytics"],
        "parameters": [limit_param(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)],
        "responses": with_common(json!({
            "200": ok("Newest first.", "Anomalies"),
            "422": bad_params("`limit`"),
        })),
    })
}

pub(super) fn low_stock() -> Value {
    json!({
        "operationId": "analyticsLowStock",
        "summary": "Products at or below their low-stock threshold, newest alert first.",
        "tags": ["analytics"],
        "parameters": [limit_param(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)],
        "responses": with_common(json!({
            "200": ok("Open alerts with the stock now.", "LowStockList"),
            "422": bad_params("`limit`"),
        })),
    })
}

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let window = json!({
        "type": "object",
        "required": ["kind", "start", "end", "fired", "final"],
        "properties": {
            "kind": {"type": "string", "enum": ["1m", "5m", "1h", "10m/5m"]},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "fired": {"type": "boolean"},
            "final": {"type": "boolean"},
        },
    });
    let count = json!({"type": "integer", "minimum": 0});
    let client_event = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["type", "session_id"],
        "properties": {
            "type": {"type": "string", "pattern": format!("^[a-z0-9_]{{1,{CLIENT_EVENT_TYPE_BYTES_MAX}}}$")},
            "session_id": {"type": "string", "pattern": format!("^[!-~]{{1,{SESSION_ID_BYTES_MAX}}}$")},
            "user_id": nullable(json!({"type": "string", "pattern": id_pattern("usr")})),
            "product_id": nullable(json!({"type": "string", "pattern": id_pattern("prod")})),
            "properties": nullable(json!({
                "type": "object",
                "maxProperties": CLIENT_EVENT_PROPERTIES_MAX,
                "propertyNames": {"pattern": format!("^[!-~]{{1,{CLIENT_EVENT_KEY_BYTES_MAX}}}$")},
                "additionalProperties": {"type": "string", "maxLength": CLIENT_EVENT_VALUE_CHARS_MAX},
            })),
            "at": nullable(timestamp_input()),
        },
    });
    vec![
        (
            "Recommendations",
            json!({
                "type": "object",
                "required": ["data", "reasons"],
                "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
                    "reasons": {"type": "array", "items": {"type": "string", "enum": ["bought_together", "also_viewed", "popular_in_category"]}},
                },
            }),
        ),
        ("ClientEvent", client_event),
        (
            "EventAccepted",
            json!({"type": "object", "required": ["accepted"], "properties": {"accepted": {"type": "boolean"}}}),
        ),
        ("AnalyticsWindow", window.clone()),
        (
            "AnalyticsWindows",
            json!({
                "type": "object",
                "required": ["window", "data"],
                "properties": {
                    "window": {"type": "string", "enum": ["1m", "5m", "1h", "10m/5m"]},
                    "data": {"type": "array", "items": {
                        "type": "object",
                        "required": ["window", "events", "views", "add_to_carts", "checkouts", "orders", "searches", "unique_users", "unique_sessions", "currencies", "funnel"],
                        "properties": {
                            "window": window,
                            "events": count, "late_events": count, "views": count,
                            "page_views": count, "add_to_carts": count,
                            "removes_from_cart": count, "checkouts": count, "orders": count,
                            "cancellations": count, "searches": count,
                            "zero_result_searches": count, "payment_failures": count,
                            "signups": count, "logins": count, "unique_users": count,
                            "unique_sessions": count,
                            "currencies": {"type": "array", "items": {"type": "object"}},
                            "funnel": {"type": "object"},
                            "search_latency_us": {"type": "object"},
                        },
                    }},
                },
            }),
        ),
        (
            "TopProducts",
            json!({
                "type": "object",
                "required": ["window", "by", "data"],
                "properties": {
                    "window": nullable(json!({"$ref": "#/components/schemas/AnalyticsWindow"})),
                    "by": {"type": "string", "enum": ["views", "purchases", "revenue"]},
                    "currency": nullable(json!({"type": "string"})),
                    "data": {"type": "array", "items": {"type": "object"}},
                },
            }),
        ),
        (
            "FunnelReport",
            json!({
                "type": "object",
                "required": ["window", "funnel"],
                "properties": {
                    "window": nullable(json!({"$ref": "#/components/schemas/AnalyticsWindow"})),
                    "funnel": nullable(json!({"type": "object"})),
                },
            }),
        ),
        (
            "SearchReport",
            json!({
                "type": "object",
                "required": ["window", "searches", "zero_result_searches", "top_queries", "zero_result_queries"],
                "properties": {
                    "window": nullable(json!({"$ref": "#/components/schemas/AnalyticsWindow"})),
                    "searches": count,
                    "zero_result_searches": count,
                    "top_queries": {"type": "array", "items": {"type": "object"}},
                    "zero_result_queries": {"type": "array", "items": {"type": "object"}},
                    "latency_us": nullable(json!({"type": "object"})),
                },
            }),
        ),
        (
            "Anomalies",
            json!({
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": {
                    "type": "object",
                    "required": ["kind", "at", "count", "duration_ms"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["session_event_burst", "long_session", "payment_failure_burst"]},
                        "at": {"type": "string", "format": "date-time"},
                        "count": count,
                        "duration_ms": count,
                    },
                }}},
            }),
        ),
        (
            "LowStockList",
            json!({
                "type": "object",
                "required": ["data"],
                "properties": {"data": {"type": "array", "items": {
                    "type": "object",
                    "required": ["product_id", "sku", "on_hand", "available", "reserved", "threshold", "at"],
                    "properties": {
                        "product_id": {"type": "string", "pattern": id_pattern("prod")},
                        "sku": {"type": "string"},
                        "on_hand": count, "available": count, "reserved": count,
                        "threshold": count,
                        "at": {"type": "string", "format": "date-time"},
                    },
                }}},
            }),
        ),
    ]
}

/// The currencies the server knows, and "" (no currency given).
fn currency_codes() -> Vec<&'static str> {
    std::iter::once("")
        .chain(emporium::Currency::KNOWN.iter().map(|(code, _)| *code))
        .collect()
}
