//! Every route that takes a JSON body refuses bad bodies the same way, naming the field,
//! and never with a 500: unparseable JSON 400, a body over the limit 413, another
//! media type 415, and 422 for a body that is not an object, an unknown field, a field
//! of the wrong type, or a missing one.

mod common;

use common::TestServer;
use emporium_server::router::ROUTES;
use hyper::Method;
use serde_json::{Value, json};

/// One route's bad bodies: a field of the wrong type and a body missing a field, each
/// with the field the 422 must name.
struct Case {
    method: &'static str,
    path: String,
    token: Option<String>,
    wrong_type: (Value, &'static str),
    missing: Option<(Value, &'static str)>,
}

fn cases(server: &TestServer) -> Vec<Case> {
    let admin = Some(server.admin_token());
    let (customer, _) = server.register("ada@example.com");
    let address = json!({"name": "Ada", "line1": "1 Main St", "city": "London", "postal_code": "N1", "country": "GB"});
    let created = server
        .call("POST", "/v1/me/addresses", Some(&customer), &address)
        .json();
    let address_path = format!("/v1/me/addresses/{}", created["id"].as_str().expect("id"));
    let cart = server.engine.create_cart(None).expect("cart").id;
    let product = server
        .engine
        .product_by_sku("SKU-01")
        .expect("reads")
        .expect("exists");
    let customer = Some(customer);
    let price = json!({"amount": 100, "currency": "USD"});
    vec![
        Case {
            method: "POST",
            path: "/v1/auth/register".into(),
            token: None,
            wrong_type: (
                json!({"email": 5, "password": "password1", "name": "A"}),
                "email",
            ),
            missing: Some((json!({"password": "password1", "name": "A"}), "email")),
        },
        Case {
            method: "POST",
            path: "/v1/auth/login".into(),
            token: None,
            wrong_type: (
                json!({"email": "a@b.c", "password": 12_345_678}),
                "password",
            ),
            missing: Some((json!({"email": "a@b.c"}), "password")),
        },
        Case {
            method: "PATCH",
            path: "/v1/me".into(),
            token: customer.clone(),
            wrong_type: (json!({"preferences": {"sms": "yes"}}), "preferences.sms"),
            missing: None,
        },
        Case {
            method: "POST",
            path: "/v1/me/addresses".into(),
            token: customer.clone(),
            wrong_type: (
                json!({"name": "A", "line1": "l", "city": "c", "postal_code": "p", "country": 44}),
                "country",
            ),
            missing: Some((
                json!({"name": "A", "city": "c", "postal_code": "p", "country": "GB"}),
                "line1",
            )),
        },
        Case {
            method: "POST",
            path: format!("/v1/products/{}/reviews", product.id),
            token: customer.clone(),
            wrong_type: (json!({"rating": "5", "title": "t", "body": ""}), "rating"),
            missing: Some((json!({"rating": 5, "body": ""}), "title")),
        },
        Case {
            method: "PATCH",
            path: address_path,
            token: customer,
            wrong_type: (json!({"is_default": "yes"}), "is_default"),
            missing: None,
        },
        Case {
            method: "POST",
            path: "/v1/categories".into(),
            token: admin.clone(),
            wrong_type: (json!({"name": ["Tea"]}), "name"),
            missing: Some((json!({"parent_id": null}), "name")),
        },
        Case {
            method: "POST",
            path: "/v1/products".into(),
            token: admin.clone(),
            wrong_type: (
                json!({"sku": "N-1", "name": "n", "description": "", "category": "Home", "price": {"amount": "100", "currency": "USD"}}),
                "price.amount",
            ),
            missing: Some((
                json!({"sku": "N-1", "description": "", "category": "Home", "price": price}),
                "name",
            )),
        },
        Case {
            method: "PATCH",
            path: format!("/v1/products/{}", product.id),
            token: admin.clone(),
            wrong_type: (json!({"images": "https://img.example/1.jpg"}), "images"),
            missing: None,
        },
        Case {
            method: "POST",
            path: format!("/v1/carts/{cart}/items"),
            token: None,
            wrong_type: (json!({"sku": "SKU-01", "quantity": "2"}), "quantity"),
            missing: Some((json!({"quantity": 1}), "sku")),
        },
        Case {
            method: "PATCH",
            path: format!("/v1/carts/{cart}/items/SKU-01"),
            token: None,
            wrong_type: (json!({"quantity": true}), "quantity"),
            missing: Some((json!({}), "quantity")),
        },
        Case {
            method: "POST",
            path: format!("/v1/carts/{cart}/voucher"),
            token: None,
            wrong_type: (json!({"code": 5}), "code"),
            missing: Some((json!({}), "code")),
        },
        Case {
            method: "POST",
            path: format!("/v1/carts/{cart}/checkout"),
            token: None,
            wrong_type: (
                json!({"payment": {"method": 1}, "shipping_address": "adr_0000000000000"}),
                "payment.method",
            ),
            missing: Some((json!({"shipping_address": "adr_0000000000000"}), "payment")),
        },
        Case {
            method: "POST",
            path: "/v1/orders/ord_0000000000000/refund".into(),
            token: admin.clone(),
            wrong_type: (json!({"amount": "1"}), "amount"),
            missing: None,
        },
        Case {
            method: "POST",
            path: "/v1/vouchers".into(),
            token: admin.clone(),
            wrong_type: (json!({"code": "A", "kind": "fixed", "value": "1"}), "value"),
            missing: Some((json!({"kind": "fixed", "value": 1}), "code")),
        },
        Case {
            method: "POST",
            path: "/v1/inventory/SKU-01/adjust".into(),
            token: admin.clone(),
            wrong_type: (json!({"delta": 1.5, "reason": "r"}), "delta"),
            missing: Some((json!({"delta": 1}), "reason")),
        },
        Case {
            method: "POST",
            path: "/v1/events".into(),
            token: None,
            wrong_type: (json!({"type": 5, "session_id": "s"}), "type"),
            missing: Some((json!({"type": "view"}), "session_id")),
        },
        Case {
            method: "POST",
            path: "/v1/admin/backup".into(),
            token: admin,
            wrong_type: (json!({"to": 5}), "to"),
            // Every field is optional: `{}` backs up under a name from the clock.
            missing: None,
        },
    ]
}

#[test]
fn every_body_route_refuses_bad_bodies_by_status_and_field() {
    let server = TestServer::start();
    let cases = cases(&server);
    let body_routes = ROUTES
        .iter()
        .filter(|route| {
            [Method::POST, Method::PATCH].contains(&route.method)
                // These take no body (an empty or any body is ignored).
                && ![
                    "/v1/auth/logout",
                    "/v1/carts",
                    "/v1/orders/{id}/cancel",
                    "/v1/orders/{id}/ship",
                    "/v1/orders/{id}/deliver",
                ]
                .contains(&route.pattern)
        })
        .count();
    assert_eq!(
        cases.len(),
        body_routes,
        "a case for every route that takes a body"
    );
    for case in &cases {
        let what = format!("{} {}", case.method, case.path);
        let authorization = case.token.as_ref().map(|token| format!("Bearer {token}"));
        let send = |content_type: &str, body: &[u8]| {
            let mut headers = vec![("Content-Type", content_type)];
            if let Some(value) = &authorization {
                headers.push(("Authorization", value.as_str()));
            }
            let reply = server.request(case.method, &case.path, &headers, body);
            assert!(reply.status < 500, "{what}: {}", reply.status);
            reply
        };
        send("application/json", b"{\"name\": ").assert_error(400, "invalid_request", None);
        send("text/plain", b"{}").assert_error(415, "invalid_request", None);
        let large = format!("{{\"name\": \"{}\"}}", "x".repeat(2 << 20));
        send("application/json", large.as_bytes()).assert_error(413, "invalid_request", None);
        send("application/json", b"[1, 2]").assert_error(422, "invalid_request", None);
        send("application/json", b"{\"zzz\": 1}").assert_error(422, "invalid_request", Some("zzz"));
        let (body, field) = &case.wrong_type;
        let reply = send("application/json", body.to_string().as_bytes());
        reply.assert_error(422, "invalid_request", Some(field));
        if let Some((body, field)) = &case.missing {
            let reply = send("application/json", body.to_string().as_bytes());
            reply.assert_error(422, "invalid_request", Some(field));
        }
    }
}

/// Regression (found by schemathesis): JSON Schema counts `4.0` as an `integer`, and the
/// document says `integer`, so a whole float is taken as that number; a fraction is
/// still a 422 naming the field, and nothing changes.
#[test]
fn integers_written_as_whole_floats_are_accepted() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let adjust =
        |body: &Value| server.call("POST", "/v1/inventory/SKU-01/adjust", Some(&admin), body);
    let before = server.get("/v1/inventory/SKU-01").json()["on_hand"]
        .as_u64()
        .expect("on_hand");

    let reply = adjust(&json!({"delta": 4.0, "reason": "recount"}));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["on_hand"], before + 4);
    let reply = adjust(&json!({"delta": -2.0, "reason": "recount"}));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["on_hand"], before + 2);

    adjust(&json!({"delta": 4.5, "reason": "recount"})).assert_error(
        422,
        "invalid_request",
        Some("delta"),
    );
    assert_eq!(
        server.get("/v1/inventory/SKU-01").json()["on_hand"],
        before + 2
    );

    let cart = server.call("POST", "/v1/carts", None, &Value::Null).json();
    let items = format!("/v1/carts/{}/items", cart["id"].as_str().expect("cart id"));
    let reply = server.call(
        "POST",
        &items,
        None,
        &json!({"sku": "SKU-01", "quantity": 1.0}),
    );
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.json()["items"][0]["quantity"], 1);
    server
        .call(
            "POST",
            &items,
            None,
            &json!({"sku": "SKU-01", "quantity": 1.5}),
        )
        .assert_error(422, "invalid_request", Some("quantity"));
}
