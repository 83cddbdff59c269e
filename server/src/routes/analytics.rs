//! `POST /v1/events` (client events for analytics) and the admin analytics reads:
//! `GET /v1/analytics/windows|top-products|funnel|search|anomalies|low-stock`.
//!
//! The reads answer from the analytics read model under its read lock; they copy what
//! they need and render outside it. Windows follow event time, so "now" for the
//! defaults is the largest event time the model has seen, not the wall clock.

use emporium::analytics::{RankBy, TOP_K_MAX, WindowKind, WindowTotals};
use emporium::model::{ClientEvent, Visitor};
use emporium::{ProductId, Timestamp, UserId};
use hyper::{Request, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Ctx, Reply, ReqBody, json_body};
use crate::error::ApiError;
use crate::query::Query;
use crate::render::json;
use crate::service::State;

/// Fields a client event may have.
pub const EVENT_FIELDS: &[&str] = &[
    "type",
    "session_id",
    "user_id",
    "product_id",
    "properties",
    "at",
];
/// Most rows `limit` may ask for in rankings and lists.
pub const ANALYTICS_LIMIT_MAX: usize = TOP_K_MAX;
/// Rows answered without `limit`.
pub const ANALYTICS_LIMIT_DEFAULT: usize = 10;

#[derive(Serialize)]
struct Accepted {
    accepted: bool,
}

/// 202 once the event is queued for the log; 429 when the queue is full.
pub(super) async fn record_event(state: &State, ctx: &Ctx, request: Request<ReqBody>) -> Reply {
    let body = json_body(state, request).await?;
    let caller = ctx.caller.principal().map(|principal| principal.user_id);
    let event = client_event(&body, caller)?;
    if state.engine.record_client_event(event)? {
        Ok(json(StatusCode::ACCEPTED, &Accepted { accepted: true }))
    } else {
        Err(ApiError::rate_limited(1))
    }
}

/// Decodes a client event body; `caller` is the signed-in user, if any.
pub fn client_event(body: &Value, caller: Option<UserId>) -> Result<ClientEvent, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::invalid(
            "",
            "invalid_type",
            "the body must be a JSON object",
        ));
    };
    if let Some(key) = map.keys().find(|key| !EVENT_FIELDS.contains(&key.as_str())) {
        return Err(ApiError::invalid(
            key,
            "unknown_field",
            format!("unknown field `{key}`; expected one of {EVENT_FIELDS:?}"),
        ));
    }
    let kind = required_string(map, "type")?;
    let session_id = required_string(map, "session_id")?;
    let user_id = match optional_string(map, "user_id")? {
        None => caller,
        Some(text) => {
            let claimed = UserId::parse(text);
            if claimed.is_none() || claimed != caller {
                return Err(ApiError::invalid(
                    "user_id",
                    "invalid",
                    "`user_id` may only name the signed-in user (or be left out)",
                ));
            }
            claimed
        }
    };
    let product_id = match optional_string(map, "product_id")? {
        None => None,
        Some(text) => Some(ProductId::parse(text).ok_or_else(|| {
            ApiError::invalid(
                "product_id",
                "invalid",
                "`product_id` must be a product id (`prod_…`)",
            )
        })?),
    };
    let properties = match map.get("properties") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(properties)) => {
            let mut pairs = Vec::with_capacity(properties.len());
            for (key, value) in properties {
                let Value::String(value) = value else {
                    return Err(ApiError::invalid(
                        "properties",
                        "invalid_type",
                        "`properties` values must be strings",
                    ));
                };
                pairs.push((key.clone(), value.clone()));
            }
            pairs
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "properties",
                "invalid_type",
                "`properties` must be an object of strings",
            ));
        }
    };
    let at = match optional_string(map, "at")? {
        None => Timestamp::now(),
        Some(text) => Timestamp::parse_rfc3339(text).ok_or_else(|| {
            ApiError::invalid(
                "at",
                "invalid",
                "`at` must be an RFC 3339 time such as 2026-01-31T12:00:00Z",
            )
        })?,
    };
    let visitor = Visitor::new(user_id, Some(session_id))?;
    Ok(ClientEvent {
        kind: kind.to_string(),
        visitor,
        product_id,
        properties,
        at,
    })
}

fn required_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    optional_string(map, field)?
        .ok_or_else(|| ApiError::invalid(field, "required", format!("`{field}` is required")))
}

fn optional_string<'a>(
    map: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ApiError> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(ApiError::invalid(
            field,
            "invalid_type",
            format!("`{field}` must be a string"),
        )),
    }
}

/// `window=`: one of `1m`, `5m`, `1h`, `10m/5m` (default `1m`).
fn window(query: &Query) -> Result<WindowKind, ApiError> {
    match query.get("window") {
        None => Ok(WindowKind::Minute),
        Some(word) => WindowKind::parse(word).ok_or_else(|| {
            ApiError::invalid(
                "window",
                "invalid",
                "`window` must be one of 1m, 5m, 1h, 10m/5m",
            )
        }),
    }
}

fn time(query: &Query, name: &str) -> Result<Option<u64>, ApiError> {
    match query.get(name) {
        None => Ok(None),
        Some(text) => Timestamp::parse_rfc3339(text)
            .map(|at| Some(at.as_millis()))
            .ok_or_else(|| {
                ApiError::invalid(
                    name,
                    "invalid",
                    format!("`{name}` must be an RFC 3339 time such as 2026-01-31T12:00:00Z"),
                )
            }),
    }
}

#[derive(Serialize)]
struct Windows {
    window: WindowKind,
    data: Vec<WindowTotals>,
}

/// Windows of one kind: in `[from, to)` when given, else the last hour's (open ones
/// included), oldest first.
pub(super) fn windows(state: &State, query: &Query) -> Reply {
    let kind = window(query)?;
    let from = time(query, "from")?;
    let to = time(query, "to")?;
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::invalid(
            "from",
            "invalid",
            "`from` must not be after `to`",
        ));
    }
    let data = state.engine.analytics(|analytics| match (from, to) {
        (None, None) => analytics.recent_windows(kind),
        (from, to) => analytics.windows(kind, from.unwrap_or(0), to.unwrap_or(u64::MAX)),
    });
    Ok(json(StatusCode::OK, &Windows { window: kind, data }))
}

/// The best products of the newest window of a kind, `by` views (default),
/// purchases or revenue.
pub(super) fn top_products(state: &State, query: &Query) -> Reply {
    let kind = window(query)?;
    let by = match query.get("by") {
        None => RankBy::Views,
        Some(word) => RankBy::parse(word).ok_or_else(|| {
            ApiError::invalid(
                "by",
                "invalid",
                "`by` must be one of views, purchases, revenue",
            )
        })?,
    };
    let limit = query.limit(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)?;
    let currency = match query.get("currency") {
        None => None,
        Some(code) => Some(emporium::Currency::parse(code).ok_or_else(|| {
            ApiError::invalid(
                "currency",
                "invalid",
                "`currency` must be a supported ISO 4217 code such as USD",
            )
        })?),
    };
    let top = state
        .engine
        .analytics(|analytics| analytics.top_products(kind, by, limit, currency));
    Ok(match top {
        Some(top) => json(StatusCode::OK, &top),
        // Nothing counted yet in any window of this kind.
        None => json(
            StatusCode::OK,
            &serde_json::json!({"window": null, "by": by, "currency": currency, "data": []}),
        ),
    })
}

/// The purchase funnel of the newest window of a kind.
pub(super) fn funnel(state: &State, query: &Query) -> Reply {
    let kind = window(query)?;
    let funnel = state.engine.analytics(|analytics| analytics.funnel(kind));
    Ok(match funnel {
        Some(funnel) => json(StatusCode::OK, &funnel),
        None => json(
            StatusCode::OK,
            &serde_json::json!({"window": null, "funnel": null}),
        ),
    })
}

/// Top and zero-result queries of the newest window of a kind (default `1h`).
pub(super) fn search(state: &State, query: &Query) -> Reply {
    let kind = match query.get("window") {
        None => WindowKind::Hour,
        Some(_) => window(query)?,
    };
    let limit = query.limit(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)?;
    let report = state
        .engine
        .analytics(|analytics| analytics.search(kind, limit));
    Ok(match report {
        Some(report) => json(StatusCode::OK, &report),
        None => json(
            StatusCode::OK,
            &serde_json::json!({
                "window": null,
                "searches": 0,
                "zero_result_searches": 0,
                "top_queries": [],
                "zero_result_queries": [],
                "latency_us": null,
            }),
        ),
    })
}

#[derive(Serialize)]
struct Data<T> {
    data: Vec<T>,
}

/// Recent anomalies, newest first.
pub(super) fn anomalies(state: &State, query: &Query) -> Reply {
    let limit = query.limit(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)?;
    let data = state
        .engine
        .analytics(|analytics| analytics.anomalies(limit));
    Ok(json(StatusCode::OK, &Data { data }))
}

#[derive(Serialize)]
struct LowStockRow {
    product_id: ProductId,
    sku: String,
    on_hand: u64,
    available: u64,
    reserved: u64,
    threshold: u64,
    at: Timestamp,
}

/// Products at or below their low-stock threshold, newest alert first.
pub(super) fn low_stock(state: &State, query: &Query) -> Reply {
    let limit = query.limit(ANALYTICS_LIMIT_DEFAULT, ANALYTICS_LIMIT_MAX)?;
    let mut data = Vec::new();
    for (alert, level) in state.engine.low_stock_alerts().into_iter().take(limit) {
        let sku = state
            .engine
            .product(alert.product_id)?
            .map(|product| product.sku.clone())
            .unwrap_or_default();
        data.push(LowStockRow {
            product_id: alert.product_id,
            sku,
            on_hand: level.on_hand,
            available: level.available,
            reserved: level.reserved,
            threshold: alert.threshold,
            at: alert.at,
        });
    }
    Ok(json(StatusCode::OK, &Data { data }))
}
