//! The shopper's flow over HTTP: carts with holds and `If-Match`, checkout with the
//! test cards (declined, insufficient funds, success), idempotent replays, orders and
//! their log, cancellation restoring stock, admin moves and their refusals.

mod common;

use common::{Reply, TestServer};
use serde_json::{Value, json};

const GOOD: &str = "4242424242424242";
const DECLINED: &str = "4000000000000002";
const NO_FUNDS: &str = "4000000000009995";

fn ok(reply: &Reply, status: u16) -> Value {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn checkout_body(card: &str) -> Value {
    json!({
        "payment": {"method": "card", "card_number": card},
        "shipping_address": {"name": "Ada", "line1": "1 Main St", "city": "Springfield",
            "postal_code": "12345", "country": "US"},
    })
}

fn with_headers(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
    body: &Value,
) -> Reply {
    let authorization = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(value) = &authorization {
        headers.push(("Authorization", value.as_str()));
    }
    headers.extend_from_slice(extra);
    server.request(
        method,
        path,
        &headers,
        &serde_json::to_vec(body).expect("json"),
    )
}

fn available(server: &TestServer, sku: &str) -> u64 {
    ok(&server.get(&format!("/v1/inventory/{sku}")), 200)["available"]
        .as_u64()
        .expect("n")
}

#[test]
fn a_shopper_fills_a_cart_and_checks_out() {
    let server = TestServer::start();
    let (token, user) = server.register("shopper@example.com");
    let cart = ok(
        &server.call("POST", "/v1/carts", Some(&token), &Value::Null),
        201,
    );
    assert_eq!(cart["user_id"], user["id"]);
    let id = cart["id"].as_str().expect("id").to_string();
    let items = format!("/v1/carts/{id}/items");
    let before = available(&server, "SKU-04");
    let cart = ok(
        &server.call(
            "POST",
            &items,
            Some(&token),
            &json!({"sku": "SKU-04", "quantity": 2}),
        ),
        200,
    );
    let line = &cart["items"][0];
    assert_eq!(
        (line["held"].as_bool(), line["quantity"].as_u64()),
        (Some(true), Some(2))
    );
    assert!(line["reserved_until"].is_string());
    assert_eq!(available(&server, "SKU-04"), before - 2);
    assert_eq!(cart["totals"]["subtotal"]["amount"], 1000);

    // Another user and anonymous callers do not see an owned cart.
    let (other, _) = server.register("other@example.com");
    ok(
        &server.call(
            "GET",
            &format!("/v1/carts/{id}"),
            Some(&other),
            &Value::Null,
        ),
        404,
    );
    ok(&server.get(&format!("/v1/carts/{id}")), 404);

    // A stale If-Match is 412, even with a bad body.
    let stale = with_headers(
        &server,
        "POST",
        &items,
        Some(&token),
        &[("If-Match", "\"1\"")],
        &json!({"sku": 5}),
    );
    stale.assert_error(412, "conflict", None);
    let version = cart["version"].as_u64().expect("version").to_string();
    let patched = with_headers(
        &server,
        "PATCH",
        &format!("{items}/SKU-04"),
        Some(&token),
        &[("If-Match", &version)],
        &json!({"quantity": 3}),
    );
    assert_eq!(ok(&patched, 200)["items"][0]["quantity"], 3);
    ok(
        &server.call(
            "POST",
            &items,
            Some(&token),
            &json!({"sku": "SKU-04", "quantity": 0}),
        ),
        422,
    );
    server
        .call(
            "POST",
            &items,
            Some(&token),
            &json!({"sku": "NOPE", "quantity": 1}),
        )
        .assert_error(404, "not_found", None);
    let short = server.call(
        "POST",
        &items,
        Some(&token),
        &json!({"sku": "SKU-01", "quantity": 99}),
    );
    short.assert_error(409, "insufficient_stock", Some("SKU-01"));

    // Declined and insufficient funds: 402, the cart stays open with its holds.
    let checkout = format!("/v1/carts/{id}/checkout");
    let declined = server.call("POST", &checkout, Some(&token), &checkout_body(DECLINED));
    declined.assert_error(402, "payment_failed", None);
    assert_eq!(declined.json()["error"]["code"], "card_declined");
    let poor = server.call("POST", &checkout, Some(&token), &checkout_body(NO_FUNDS));
    assert_eq!(poor.json()["error"]["code"], "insufficient_funds");
    let cart = ok(
        &server.call(
            "GET",
            &format!("/v1/carts/{id}"),
            Some(&token),
            &Value::Null,
        ),
        200,
    );
    assert_eq!(cart["items"][0]["held"], true);

    // Bad inputs name the field.
    let mut bad = checkout_body(GOOD);
    bad["payment"]["method"] = json!("cheque");
    server
        .call("POST", &checkout, Some(&token), &bad)
        .assert_error(422, "invalid_request", Some("payment.method"));
    let mut bad = checkout_body(GOOD);
    bad["shipping_address"]["city"] = json!("");
    server
        .call("POST", &checkout, Some(&token), &bad)
        .assert_error(422, "invalid_request", Some("shipping_address.city"));

    // Success, with a key: the replay is the same order; another body is a conflict.
    let key = [("Idempotency-Key", "order-1")];
    let first = with_headers(
        &server,
        "POST",
        &checkout,
        Some(&token),
        &key,
        &checkout_body(GOOD),
    );
    let order = ok(&first, 201);
    assert_eq!(order["status"], "paid");
    assert_eq!(order["payment"]["status"], "captured");
    let again = with_headers(
        &server,
        "POST",
        &checkout,
        Some(&token),
        &key,
        &checkout_body(GOOD),
    );
    assert_eq!(ok(&again, 201)["id"], order["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let mut other_body = checkout_body(GOOD);
    other_body["payment"]["method"] = json!("cod");
    let conflict = with_headers(&server, "POST", &checkout, Some(&token), &key, &other_body);
    conflict.assert_error(409, "conflict", None);
    assert_eq!(conflict.json()["error"]["code"], "idempotency_conflict");
    let closed = server.call("POST", &checkout, Some(&token), &checkout_body(GOOD));
    assert_eq!(closed.json()["error"]["code"], "cart_closed");
    assert_eq!(closed.status, 409);

    // Orders: list, get, events; another customer sees nothing.
    let order_id = order["id"].as_str().expect("id").to_string();
    let list = ok(
        &server.call("GET", "/v1/orders", Some(&token), &Value::Null),
        200,
    );
    assert_eq!(list["data"][0]["id"], order["id"]);
    assert!(list["next_cursor"].is_null());
    ok(
        &server.call(
            "GET",
            &format!("/v1/orders/{order_id}"),
            Some(&token),
            &Value::Null,
        ),
        200,
    );
    ok(
        &server.call(
            "GET",
            &format!("/v1/orders/{order_id}"),
            Some(&other),
            &Value::Null,
        ),
        404,
    );
    let events = ok(
        &server.call(
            "GET",
            &format!("/v1/orders/{order_id}/events"),
            Some(&token),
            &Value::Null,
        ),
        200,
    );
    assert_eq!(events["data"][0]["seq"], 1);
    assert_eq!(events["data"][0]["order_id"], order["id"]);
    ok(&server.call("GET", "/v1/orders", None, &Value::Null), 401);

    // Admin moves: deliver before ship is 409; ship, deliver, refund.
    let admin = server.admin_token();
    let deliver = format!("/v1/orders/{order_id}/deliver");
    let early = server.call("POST", &deliver, Some(&admin), &Value::Null);
    assert_eq!(
        (early.status, early.json()["error"]["code"].clone()),
        (409, json!("invalid_transition"))
    );
    server
        .call(
            "POST",
            &format!("/v1/orders/{order_id}/ship"),
            Some(&token),
            &Value::Null,
        )
        .assert_error(403, "authorization", None);
    assert_eq!(
        ok(
            &server.call(
                "POST",
                &format!("/v1/orders/{order_id}/ship"),
                Some(&admin),
                &Value::Null
            ),
            200
        )["status"],
        "shipped"
    );
    let cancel = server.call(
        "POST",
        &format!("/v1/orders/{order_id}/cancel"),
        Some(&token),
        &Value::Null,
    );
    assert_eq!(cancel.status, 409);
    assert_eq!(
        ok(
            &server.call("POST", &deliver, Some(&admin), &Value::Null),
            200
        )["status"],
        "delivered"
    );
    let refund = format!("/v1/orders/{order_id}/refund");
    let too_much = server.call(
        "POST",
        &refund,
        Some(&admin),
        &json!({"amount": 10_000_000}),
    );
    assert_eq!(too_much.status, 409);
    let partial = ok(
        &server.call("POST", &refund, Some(&admin), &json!({"amount": 100})),
        200,
    );
    assert_eq!(partial["payment"]["refunded"]["amount"], 100);
    assert_eq!(
        ok(
            &server.call("POST", &refund, Some(&admin), &Value::Null),
            200
        )["status"],
        "refunded"
    );
    let all = ok(
        &server.call(
            "GET",
            "/v1/orders?status=refunded",
            Some(&admin),
            &Value::Null,
        ),
        200,
    );
    assert_eq!(all["data"][0]["id"], order["id"]);
}

#[test]
fn cod_orders_are_pending_and_cancelling_restores_stock() {
    let server = TestServer::start();
    let (token, _) = server.register("cod@example.com");
    let before = available(&server, "SKU-09");
    let cart = ok(
        &server.call("POST", "/v1/carts", Some(&token), &Value::Null),
        201,
    );
    let id = cart["id"].as_str().expect("id");
    ok(
        &server.call(
            "POST",
            &format!("/v1/carts/{id}/items"),
            Some(&token),
            &json!({"sku": "SKU-09", "quantity": 3}),
        ),
        200,
    );
    let mut body = checkout_body(GOOD);
    body["payment"] = json!({"method": "cod"});
    let order = ok(
        &server.call(
            "POST",
            &format!("/v1/carts/{id}/checkout"),
            Some(&token),
            &body,
        ),
        201,
    );
    assert_eq!(order["status"], "pending");
    assert_eq!(
        ok(&server.get("/v1/inventory/SKU-09"), 200)["on_hand"].as_u64(),
        Some(before - 3)
    );
    let order_id = order["id"].as_str().expect("id");
    let cancelled = ok(
        &server.call(
            "POST",
            &format!("/v1/orders/{order_id}/cancel"),
            Some(&token),
            &Value::Null,
        ),
        200,
    );
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(available(&server, "SKU-09"), before);
}

#[test]
fn anonymous_carts_vouchers_inventory_and_generic_idempotency() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let (customer, _) = server.register("c@example.com");
    let voucher = json!({"code": "TEN", "kind": "percent", "value": 10});
    server
        .call("POST", "/v1/vouchers", None, &voucher)
        .assert_error(401, "authentication", None);
    server
        .call("POST", "/v1/vouchers", Some(&customer), &voucher)
        .assert_error(403, "authorization", None);
    let key = [("Idempotency-Key", "v-1")];
    let created = with_headers(
        &server,
        "POST",
        "/v1/vouchers",
        Some(&admin),
        &key,
        &voucher,
    );
    assert_eq!(ok(&created, 201)["code"], "TEN");
    let replay = with_headers(
        &server,
        "POST",
        "/v1/vouchers",
        Some(&admin),
        &key,
        &voucher,
    );
    assert_eq!(ok(&replay, 201)["id"], created.json()["id"]);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    let other = with_headers(
        &server,
        "POST",
        "/v1/vouchers",
        Some(&admin),
        &key,
        &json!({"code": "X", "kind": "fixed", "value": 1}),
    );
    assert_eq!(other.json()["error"]["code"], "idempotency_conflict");
    let list = ok(
        &server.call("GET", "/v1/vouchers", Some(&admin), &Value::Null),
        200,
    );
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    server
        .call(
            "POST",
            "/v1/vouchers",
            Some(&admin),
            &json!({"code": "B", "kind": "half", "value": 1}),
        )
        .assert_error(422, "invalid_request", Some("kind"));

    let cart = ok(&server.call("POST", "/v1/carts", None, &Value::Null), 201);
    assert!(cart["user_id"].is_null());
    let id = cart["id"].as_str().expect("id");
    ok(
        &server.call(
            "POST",
            &format!("/v1/carts/{id}/items"),
            None,
            &json!({"sku": "SKU-04", "quantity": 1}),
        ),
        200,
    );
    let discounted = ok(
        &server.call(
            "POST",
            &format!("/v1/carts/{id}/voucher"),
            None,
            &json!({"code": "ten"}),
        ),
        200,
    );
    assert_eq!(discounted["totals"]["discount"]["amount"], 50);
    let plain = ok(
        &server.call(
            "DELETE",
            &format!("/v1/carts/{id}/voucher"),
            None,
            &Value::Null,
        ),
        200,
    );
    assert_eq!(plain["totals"]["discount"]["amount"], 0);
    ok(
        &server.call("GET", "/v1/carts/cart_nonsense", None, &Value::Null),
        404,
    );

    let adjust = "/v1/inventory/SKU-03/adjust";
    server
        .call(
            "POST",
            adjust,
            Some(&customer),
            &json!({"delta": 1, "reason": "x"}),
        )
        .assert_error(403, "authorization", None);
    let level = ok(
        &server.call(
            "POST",
            adjust,
            Some(&admin),
            &json!({"delta": 10, "reason": "restock"}),
        ),
        200,
    );
    assert_eq!(level["on_hand"], 13);
    assert_eq!(
        server
            .call(
                "POST",
                adjust,
                Some(&admin),
                &json!({"delta": -100, "reason": "loss"})
            )
            .status,
        409
    );
    server
        .call(
            "POST",
            adjust,
            Some(&admin),
            &json!({"delta": "x", "reason": "r"}),
        )
        .assert_error(422, "invalid_request", Some("delta"));
}
