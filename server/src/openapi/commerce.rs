//! The commerce operations (carts and checkout, orders, vouchers, stock adjustments)
//! and their schemas, with limits taken from the engine's own constants.

use emporium::{
    ADJUSTMENT_REASON_CHARS_MAX, CARD_DIGITS_MAX, CARD_DIGITS_MIN, ORDER_PAGE_LIMIT_DEFAULT,
    ORDER_PAGE_LIMIT_MAX, QUANTITY_MAX, VOUCHER_AMOUNT_MAX, VOUCHER_CODE_CHARS_MAX,
};
use serde_json::{Value, json};

use super::{
    BY_ID, WHITE_SPACE, created, error_response, id_pattern, if_match_schema, limit_param, linked,
    list_schema, nullable, ok, one_line, path_param, query_param, request_body, schema_ref,
    sku_param, sku_schema, timestamp_input, with_body, with_common,
};
use crate::routes::idempotency::CLIENT_KEY_CHARS_MAX;

pub(super) fn idempotency_header() -> Value {
    json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "A repeat with the same key and body returns the first response with \
            `Idempotent-Replayed: true`; another body is 409 `idempotency_conflict`; while the \
            first runs, 409 `idempotency_in_flight`. Scoped to the caller.",
        "schema": {"type": "string", "minLength": 1, "maxLength": CLIENT_KEY_CHARS_MAX, "pattern": "^[!-~]+$"},
    })
}

fn if_match_header() -> Value {
    json!({
        "name": "If-Match", "in": "header", "required": false,
        "description": "The cart's `version` (quotes tolerated, `*` for any); a stale one is 412 \
            `version_mismatch`, checked before anything else about the change; a value that is \
            no version is 422 naming `If-Match`.",
        "schema": if_match_schema(),
    })
}

fn keyed(mut responses: Value) -> Value {
    let conflict = responses
        .get("409")
        .and_then(|value| value["description"].as_str())
        .map(str::to_string);
    let text = match conflict {
        Some(text) => format!("{text} Or the idempotency key is in use (`idempotency_conflict`, `idempotency_in_flight`)."),
        None => "The idempotency key was used with another request (`idempotency_conflict`) or is in flight (`idempotency_in_flight`).".to_string(),
    };
    responses["409"] = error_response(&text);
    responses
}

fn cart_change(operation_id: &str, summary: &str, params: Vec<Value>, body: Option<&str>) -> Value {
    let mut parameters = vec![
        path_param("id", "The cart id (`cart_…`)."),
        if_match_header(),
    ];
    parameters.extend(params);
    let mut responses = json!({
        "200": ok("The cart.", "Cart"),
        "404": error_response("No such cart (unknown, malformed, or another user's), SKU or line."),
        "409": error_response("The cart is checked out (`cart_closed`), busy, or changed meanwhile."),
        "412": error_response("`If-Match` names another version (`version_mismatch`)."),
        "422": error_response("`If-Match` is not a version, or a field breaks a rule (`param` names it)."),
    });
    let mut spec = json!({"operationId": operation_id, "summary": summary, "tags": ["carts"]});
    if let Some(schema) = body {
        responses = with_body(responses);
        spec["requestBody"] = request_body(schema, true);
        responses = keyed(responses);
        parameters.push(idempotency_header());
    }
    spec["parameters"] = json!(parameters);
    spec["responses"] = with_common(responses);
    spec
}

pub(super) fn create_cart() -> Value {
    json!({
        "operationId": "createCart",
        "summary": "A new, empty cart; owned by the caller when signed in.",
        "tags": ["carts"],
        "parameters": [idempotency_header()],
        "responses": with_common(keyed(json!({
            "201": linked(created("The cart.", "Cart"), &[
                ("getCart", BY_ID), ("addCartItem", BY_ID), ("applyVoucher", BY_ID),
                ("removeVoucher", BY_ID), ("checkout", BY_ID),
            ]),
            "422": error_response("The `Idempotency-Key` is not valid."),
        }))),
    })
}

pub(super) fn get_cart() -> Value {
    json!({
        "operationId": "getCart",
        "summary": "A cart with its live holds and totals.",
        "tags": ["carts"],
        "parameters": [path_param("id", "The cart id (`cart_…`).")],
        "responses": with_common(json!({
            "200": ok("The cart.", "Cart"),
            "404": error_response("No such cart (unknown, malformed, or another user's)."),
        })),
    })
}

pub(super) fn add_cart_item() -> Value {
    let mut spec = cart_change(
        "addCartItem",
        "Add units of a SKU (held for the cart); a SKU already in the cart adds to its line.",
        vec![],
        Some("CartItemInput"),
    );
    let line: &[(&str, &str)] = &[
        ("id", "$response.body#/id"),
        ("sku", "$response.body#/items/0/sku"),
    ];
    spec["responses"]["200"] = linked(
        ok("The cart.", "Cart"),
        &[
            ("updateCartItem", line),
            ("removeCartItem", line),
            ("checkout", BY_ID),
        ],
    );
    spec["responses"]["409"] = error_response(
        "Not enough stock (`insufficient_stock`, `param` is the SKU), the cart is closed or busy, or the idempotency key is in use.",
    );
    spec
}

pub(super) fn update_cart_item() -> Value {
    let mut spec = cart_change(
        "updateCartItem",
        "Set a line's quantity.",
        vec![sku_param()],
        Some("CartQuantityInput"),
    );
    // A PATCH is not a POST: no idempotency key.
    if let Some(params) = spec["parameters"].as_array_mut() {
        params.retain(|param| param["name"] != "Idempotency-Key");
    }
    if let Some(responses) = spec["responses"].as_object_mut() {
        responses.insert("409".into(), error_response("Not enough stock (`insufficient_stock`, `param` is the SKU), or the cart is closed or busy."));
    }
    spec
}

pub(super) fn remove_cart_item() -> Value {
    cart_change(
        "removeCartItem",
        "Remove a line and release its hold.",
        vec![sku_param()],
        None,
    )
}

pub(super) fn apply_voucher() -> Value {
    cart_change(
        "applyVoucher",
        "Apply a voucher code (any case).",
        vec![],
        Some("VoucherCodeInput"),
    )
}

pub(super) fn remove_voucher() -> Value {
    cart_change(
        "removeVoucher",
        "Take the voucher off the cart.",
        vec![],
        None,
    )
}

pub(super) fn checkout() -> Value {
    json!({
        "operationId": "checkout",
        "summary": "Check a cart out: 201 with the order (`paid` for card and wallet, `pending` for cod and bank transfer).",
        "description": "A failed checkout leaves the cart open with its holds. With `Idempotency-Key` the key is committed with the order, so a replay survives a restart.",
        "tags": ["carts"],
        "parameters": [path_param("id", "The cart id (`cart_…`)."), if_match_header(), idempotency_header()],
        "requestBody": request_body("CheckoutInput", true),
        "responses": with_common(with_body(json!({
            "201": linked(json!({
                "description": "The order; a replay carries `Idempotent-Replayed: true`.",
                "headers": {
                    "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
                    "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}},
                },
                "content": {"application/json": {"schema": schema_ref("Order")}},
            }), &[
                ("getOrder", BY_ID), ("listOrderEvents", BY_ID), ("cancelOrder", BY_ID),
                ("shipOrder", BY_ID), ("deliverOrder", BY_ID), ("refundOrder", BY_ID),
            ]),
            "402": error_response("The payment was declined (`payment_failed`; `code` is `card_declined` or `insufficient_funds`)."),
            "404": error_response("No such cart (unknown, malformed, or another user's) or saved address."),
            "409": error_response("Not enough stock (`insufficient_stock`, `param` is the SKU), the cart is already checked out (`cart_closed`), a product is no longer for sale, a voucher is used up, or the idempotency key is in use (`idempotency_conflict`, `idempotency_in_flight`)."),
            "412": error_response("`If-Match` names another version (`version_mismatch`)."),
            "503": error_response("Payments are unavailable (`payment_unavailable`), the request timed out or storage is unavailable; retry later."),
        }))),
    })
}

fn order_param() -> Value {
    path_param("id", "The order id (`ord_…`).")
}

fn not_found_order() -> Value {
    error_response("No such order (unknown, malformed, or another customer's).")
}

pub(super) fn list_orders() -> Value {
    json!({
        "operationId": "listOrders",
        "summary": "The caller's orders, newest first; an admin sees every order.",
        "tags": ["orders"],
        "parameters": [
            query_param("status", "Only orders with this status (empty: any status).", json!({"type": "string", "enum": ["", "pending", "paid", "shipped", "delivered", "cancelled", "refunded"]})),
            limit_param(ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX),
            query_param("cursor", "The `next_cursor` of the previous page: the last order id shown (empty: the first page).",
                json!({"type": "string", "pattern": format!("^$|{}", id_pattern("ord"))})),
        ],
        "responses": with_common(json!({
            "200": ok("A page of orders.", "OrderList"),
            "422": error_response("`status`, `limit` or `cursor` is not valid (`param` names it)."),
        })),
    })
}

pub(super) fn get_order() -> Value {
    json!({
        "operationId": "getOrder",
        "summary": "One order (its owner or an admin).",
        "tags": ["orders"],
        "parameters": [order_param()],
        "responses": with_common(json!({"200": ok("The order.", "Order"), "404": not_found_order()})),
    })
}

pub(super) fn list_order_events() -> Value {
    json!({
        "operationId": "listOrderEvents",
        "summary": "An order's log, oldest first.",
        "tags": ["orders"],
        "parameters": [
            order_param(),
            limit_param(ORDER_PAGE_LIMIT_DEFAULT, ORDER_PAGE_LIMIT_MAX),
            query_param("cursor", "The `next_cursor` of the previous page: the last `seq` shown (empty: the first page).",
                json!({"type": "string", "pattern": "^[0-9]{0,19}$"})),
        ],
        "responses": with_common(json!({
            "200": ok("A page of events.", "OrderEventList"),
            "404": not_found_order(),
            "422": error_response("`limit` or `cursor` is not valid (`param` names it)."),
        })),
    })
}

fn order_move(operation_id: &str, summary: &str, body: Option<&str>) -> Value {
    let mut responses = json!({
        "200": ok("The order.", "Order"),
        "404": not_found_order(),
        "409": error_response("The move is out of turn (`invalid_transition`), the order is busy, or the idempotency key is in use."),
    });
    let mut spec = json!({
        "operationId": operation_id, "summary": summary, "tags": ["orders"],
        "parameters": [order_param(), idempotency_header()],
    });
    match body {
        Some(schema) => {
            responses = with_body(responses);
            spec["requestBody"] = request_body(schema, false);
        }
        None => {
            responses["422"] = error_response("The `Idempotency-Key` is not valid.");
        }
    }
    spec["responses"] = with_common(responses);
    spec
}

pub(super) fn cancel_order() -> Value {
    order_move(
        "cancelOrder",
        "Cancel an order before it ships (owner or admin): stock goes back, what was paid is refunded.",
        None,
    )
}

pub(super) fn ship_order() -> Value {
    order_move("shipOrder", "Ship a paid order.", None)
}

pub(super) fn deliver_order() -> Value {
    order_move(
        "deliverOrder",
        "Record the delivery of a shipped order.",
        None,
    )
}

pub(super) fn refund_order() -> Value {
    order_move(
        "refundOrder",
        "Refund part (`amount`) or all of what was paid; more than is refundable is 409.",
        Some("RefundInput"),
    )
}

pub(super) fn create_voucher() -> Value {
    json!({
        "operationId": "createVoucher",
        "summary": "Create a voucher.",
        "tags": ["vouchers"],
        "parameters": [idempotency_header()],
        "requestBody": request_body("VoucherInput", true),
        "responses": with_common(with_body(json!({
            "201": created("The voucher.", "Voucher"),
            "409": error_response("A voucher has this code in any case (`duplicate_code`), there are too many, or the idempotency key is in use."),
        }))),
    })
}

pub(super) fn list_vouchers() -> Value {
    json!({
        "operationId": "listVouchers",
        "summary": "Every voucher with its uses, newest first, in one reply.",
        "tags": ["vouchers"],
        "responses": with_common(json!({"200": ok("The vouchers.", "VoucherList")})),
    })
}

pub(super) fn adjust_inventory() -> Value {
    json!({
        "operationId": "adjustInventory",
        "summary": "Add (`delta` > 0) or remove units on hand, with a reason for the ledger.",
        "tags": ["inventory"],
        "parameters": [sku_param(), idempotency_header()],
        "requestBody": request_body("StockAdjustmentInput", true),
        "responses": with_common(with_body(json!({
            "200": ok("The stock after the adjustment.", "Inventory"),
            "404": error_response("No product has this SKU."),
            "409": error_response("On hand would leave its range or fall below the units held (`adjustment_out_of_range`), or the idempotency key is in use."),
        }))),
    })
}

/// The commerce schemas, for `components.schemas`.
pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let id = |prefix: &str| json!({"type": "string", "pattern": id_pattern(prefix)});
    let money = schema_ref("Money");
    let timestamp = json!({"type": "string", "format": "date-time"});
    let nullable_time = json!({"oneOf": [timestamp.clone(), {"type": "null"}]});
    let totals = json!({"type": "object", "required": ["subtotal", "discount", "shipping", "total"], "properties": {
        "subtotal": money, "discount": money, "shipping": money, "tax": money, "total": money,
    }});
    let quantity = json!({"type": "integer", "minimum": 1, "maximum": QUANTITY_MAX});
    // One line without white space, as the engine checks codes (also when applied).
    let voucher_code = json!({
        "type": "string", "minLength": 1, "maxLength": VOUCHER_CODE_CHARS_MAX,
        "pattern": format!(r"^[^{WHITE_SPACE}\x00-\x1f\x7f-\x9f]+$"),
    });
    let amount = json!({"type": "integer", "minimum": 0, "maximum": VOUCHER_AMOUNT_MAX});
    let statuses = json!([
        "pending",
        "paid",
        "shipped",
        "delivered",
        "cancelled",
        "refunded"
    ]);
    vec![
        (
            "Cart",
            json!({"type": "object", "required": ["id", "user_id", "version", "items", "voucher", "totals", "created_at", "updated_at"], "properties": {
                "id": id("cart"),
                "user_id": {"oneOf": [id("usr"), {"type": "null"}]},
                "version": {"type": "integer", "minimum": 1},
                "items": {"type": "array", "items": {"type": "object", "required": ["sku", "product_id", "name", "quantity", "unit_price", "line_total", "held", "reserved_until"], "properties": {
                    "sku": {"type": "string"}, "product_id": id("prod"), "name": {"type": "string"},
                    "quantity": quantity, "unit_price": money, "line_total": money,
                    "held": {"type": "boolean"}, "reserved_until": nullable_time,
                }}},
                "voucher": {"type": ["string", "null"]},
                "totals": totals,
                "created_at": timestamp, "updated_at": timestamp,
            }}),
        ),
        (
            "CartItemInput",
            json!({"type": "object", "additionalProperties": false, "required": ["sku", "quantity"], "properties": {
                "sku": sku_schema(),
                "quantity": quantity,
            }}),
        ),
        (
            "CartQuantityInput",
            json!({"type": "object", "additionalProperties": false, "required": ["quantity"], "properties": {"quantity": quantity}}),
        ),
        (
            "VoucherCodeInput",
            json!({"type": "object", "additionalProperties": false, "required": ["code"], "properties": {"code": voucher_code}}),
        ),
        (
            "CheckoutInput",
            json!({"type": "object", "additionalProperties": false, "required": ["payment", "shipping_address"], "properties": {
                "payment": {
                    "type": "object", "additionalProperties": false, "required": ["method"],
                    "properties": {
                        "method": {"type": "string", "enum": ["card", "wallet", "bank_transfer", "cod"]},
                        "card_number": nullable(json!({"type": "string", "description": "Required for `card`: Luhn-valid digits (a failed Luhn check is 422 on `payment.card_number`).", "pattern": format!("^[0-9]{{{CARD_DIGITS_MIN},{CARD_DIGITS_MAX}}}$")})),
                    },
                    "if": {"required": ["method"], "properties": {"method": {"const": "card"}}},
                    "then": {"required": ["card_number"], "properties": {"card_number": {"type": "string"}}},
                },
                "shipping_address": {"oneOf": [schema_ref("ShippingAddressInput"), id("adr")]},
            }}),
        ),
        ("ShippingAddressInput", shipping_address_input()),
        (
            "ShippingAddress",
            json!({"type": "object", "additionalProperties": false, "required": ["name", "line1", "city", "postal_code", "country"], "properties": {
                "name": {"type": "string"}, "line1": {"type": "string"}, "line2": {"type": ["string", "null"]},
                "city": {"type": "string"}, "region": {"type": ["string", "null"]},
                "postal_code": {"type": "string"}, "country": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
            }}),
        ),
        (
            "Order",
            json!({"type": "object", "required": ["id", "user_id", "status", "items", "totals", "total", "payment", "shipping_address", "created_at", "updated_at"], "properties": {
                "id": id("ord"),
                "user_id": {"oneOf": [id("usr"), {"type": "null"}]},
                "status": {"type": "string", "enum": statuses},
                "items": {"type": "array", "items": {"type": "object", "required": ["sku", "product_id", "name", "quantity", "unit_price", "line_total"], "properties": {
                    "sku": {"type": "string"}, "product_id": id("prod"), "name": {"type": "string"},
                    "quantity": quantity, "unit_price": money, "line_total": money,
                }}},
                "totals": totals, "total": money,
                "voucher": {"type": ["string", "null"]},
                "payment": {"type": "object", "required": ["id", "method", "status", "amount", "refunded"], "properties": {
                    "id": id("pay"),
                    "method": {"type": "string", "enum": ["card", "wallet", "bank_transfer", "cod"]},
                    "status": {"type": "string", "enum": ["authorized", "captured", "voided", "refunded", "partially_refunded", "pending", "failed"]},
                    "amount": money, "refunded": money,
                }},
                "shipping_address": schema_ref("ShippingAddress"),
                "created_at": timestamp, "updated_at": timestamp,
            }}),
        ),
        ("OrderList", list_schema("Order")),
        (
            "OrderEvent",
            json!({"type": "object", "required": ["seq", "order_id", "type", "from_status", "to_status", "actor", "at", "data"], "properties": {
                "seq": {"type": "integer", "minimum": 1},
                "order_id": id("ord"),
                "type": {"type": "string", "enum": ["created", "paid", "shipped", "delivered", "cancelled", "refunded", "partially_refunded"]},
                "from_status": {"oneOf": [{"type": "string", "enum": statuses}, {"type": "null"}]},
                "to_status": {"type": "string", "enum": statuses},
                "actor": {"type": "string", "description": "`usr_…` or `system`."},
                "at": timestamp,
                "data": {"type": "object"},
            }}),
        ),
        ("OrderEventList", list_schema("OrderEvent")),
        (
            "RefundInput",
            json!({"type": "object", "additionalProperties": false, "properties": {
                "amount": {"type": "integer", "minimum": 1, "maximum": u64::MAX, "description": "Minor units; everything refundable when absent; more than is refundable is a 409."},
            }}),
        ),
        (
            "VoucherInput",
            json!({
                "type": "object", "additionalProperties": false, "required": ["code", "kind", "value"],
                "description": "`ends_at`, when given with `starts_at`, must be after it (else 422 on `ends_at`).",
                "properties": {
                    "code": voucher_code,
                    "kind": {"type": "string", "enum": ["percent", "fixed"]},
                    "value": {"type": "integer", "minimum": 1, "maximum": VOUCHER_AMOUNT_MAX,
                        "description": "Whole percent (1–100) or minor units."},
                    "min_subtotal": nullable(amount.clone()),
                    "starts_at": nullable(timestamp_input()), "ends_at": nullable(timestamp_input()),
                    "max_uses": nullable(json!({"type": "integer", "minimum": 1, "maximum": u64::MAX})),
                    "max_uses_per_user": nullable(json!({"type": "integer", "minimum": 1, "maximum": u64::MAX})),
                },
                "if": {"required": ["kind"], "properties": {"kind": {"const": "percent"}}},
                "then": {"properties": {"value": {"maximum": 100}}},
            }),
        ),
        (
            "Voucher",
            json!({"type": "object", "required": ["id", "code", "kind", "value", "uses", "created_at"], "properties": {
                "id": id("vch"), "code": {"type": "string"},
                "kind": {"type": "string", "enum": ["percent", "fixed"]},
                "value": {"type": "integer"}, "min_subtotal": {"type": ["integer", "null"]},
                "starts_at": nullable_time, "ends_at": nullable_time,
                "max_uses": {"type": ["integer", "null"]}, "max_uses_per_user": {"type": ["integer", "null"]},
                "uses": {"type": "integer", "minimum": 0}, "created_at": timestamp,
            }}),
        ),
        ("VoucherList", list_schema("Voucher")),
        (
            "StockAdjustmentInput",
            json!({"type": "object", "additionalProperties": false, "required": ["delta", "reason"], "properties": {
                "delta": {"type": "integer", "not": {"const": 0}, "minimum": -1_000_000_000_000i64, "maximum": 1_000_000_000_000i64},
                "reason": one_line(1, ADJUSTMENT_REASON_CHARS_MAX),
            }}),
        ),
    ]
}

/// A checkout's inline address: a new address's fields and rules, without `is_default`
/// (it is not saved).
fn shipping_address_input() -> Value {
    let mut schema = super::users::address_input_schema(true);
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.remove("is_default");
    }
    schema
}
