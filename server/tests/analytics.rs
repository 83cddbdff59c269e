//! `POST /v1/events` and `GET /v1/analytics/*` over HTTP: client events and a checkout
//! show up in the windows, the funnel, the rankings and the search report; bad events
//! are 422 naming the field (404 for an unknown product); the reads are admin-only.

mod common;

use std::time::Duration;

use common::TestServer;
use serde_json::{Value, json};

fn product_id(server: &TestServer, sku: &str) -> String {
    server
        .engine
        .product_by_sku(sku)
        .expect("read")
        .expect("seeded")
        .id
        .to_string()
}

/// Waits until analytics has everything recorded so far.
fn settle(server: &TestServer) {
    let seq = server.engine.flush_activity();
    assert!(server.engine.wait_read_models(seq, Duration::from_secs(30)));
}

#[test]
fn events_and_a_checkout_reach_every_analytics_read() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let (token, _) = server.register("ada@example.com");
    let id = product_id(&server, "SKU-03");
    for session in ["sess-a", "sess-b"] {
        let view = json!({"type": "product_view", "session_id": session, "product_id": id});
        let reply = server.call("POST", "/v1/events", None, &view);
        assert_eq!(
            reply.status,
            202,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let page = json!({"type": "page_view", "session_id": session, "properties": {"path": "/"}});
        assert_eq!(server.call("POST", "/v1/events", None, &page).status, 202);
    }
    let searched = server.request(
        "GET",
        "/v1/search?q=nothingmatchesthis",
        &[("X-Session-Id", "sess-a")],
        b"",
    );
    assert_eq!(searched.status, 200);
    server.buy(&token, &[("SKU-03", 2)]);
    settle(&server);

    let windows = server.call(
        "GET",
        "/v1/analytics/windows?window=1h",
        Some(&admin),
        &Value::Null,
    );
    assert_eq!(
        windows.status,
        200,
        "{}",
        String::from_utf8_lossy(&windows.body)
    );
    let windows = windows.json();
    assert_eq!(windows["window"], "1h");
    let data = windows["data"].as_array().expect("windows");
    let sum = |field: &str| {
        data.iter()
            .map(|w| w[field].as_u64().unwrap_or(0))
            .sum::<u64>()
    };
    assert_eq!(sum("views"), 2);
    assert_eq!(sum("page_views"), 2);
    assert_eq!(sum("orders"), 1);
    assert_eq!(sum("add_to_carts"), 1);
    assert_eq!(sum("checkouts"), 1);
    assert_eq!(sum("zero_result_searches"), 1);

    let top = server.call(
        "GET",
        "/v1/analytics/top-products?window=1h&by=purchases",
        Some(&admin),
        &Value::Null,
    );
    assert_eq!(top.status, 200);
    let top = top.json();
    assert_eq!(top["by"], "purchases");
    assert_eq!(top["data"][0]["product_id"], id.as_str(), "{top}");

    let funnel = server.call(
        "GET",
        "/v1/analytics/funnel?window=1h",
        Some(&admin),
        &Value::Null,
    );
    assert_eq!(funnel.status, 200);
    assert!(
        funnel.json()["funnel"]["steps"].is_array(),
        "{}",
        funnel.json()
    );

    let search = server.call("GET", "/v1/analytics/search", Some(&admin), &Value::Null);
    assert_eq!(search.status, 200);
    let search = search.json();
    assert_eq!(
        search["zero_result_queries"][0]["query"], "nothingmatchesthis",
        "{search}"
    );

    for path in ["/v1/analytics/anomalies", "/v1/analytics/low-stock"] {
        let reply = server.call("GET", path, Some(&admin), &Value::Null);
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.json()["data"].is_array(), "{path}");
    }
}

#[test]
fn bad_events_are_refused_naming_the_field() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    let cases = [
        (json!({"session_id": "s"}), 422, Some("type")),
        (json!({"type": "page_view"}), 422, Some("session_id")),
        (
            json!({"type": "Page View", "session_id": "s"}),
            422,
            Some("type"),
        ),
        (
            json!({"type": "page_view", "session_id": ""}),
            422,
            Some("session_id"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "extra": 1}),
            422,
            Some("extra"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "at": "yesterday"}),
            422,
            Some("at"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "at": "2001-01-01T00:00:00Z"}),
            422,
            Some("at"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "properties": {"a": 1}}),
            422,
            Some("properties"),
        ),
        (
            json!({"type": "product_view", "session_id": "s"}),
            422,
            Some("product_id"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "product_id": "nope"}),
            422,
            Some("product_id"),
        ),
        (
            json!({"type": "page_view", "session_id": "s", "user_id": "usr_0000000000001"}),
            422,
            Some("user_id"),
        ),
        (json!([1, 2]), 422, None),
    ];
    for (body, status, param) in cases {
        let reply = server.call("POST", "/v1/events", None, &body);
        assert_eq!(
            reply.status,
            status,
            "{body}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        if let Some(param) = param {
            assert_eq!(reply.json()["error"]["param"], param, "{body}");
        }
    }
    let unknown = json!({"type": "product_view", "session_id": "s",
        "product_id": id.replace(&id[id.len() - 1..], if id.ends_with('z') { "y" } else { "z" })});
    assert_eq!(
        server.call("POST", "/v1/events", None, &unknown).status,
        404
    );
}

#[test]
fn analytics_reads_are_for_admins_and_check_their_parameters() {
    let server = TestServer::start();
    let (token, _) = server.register("bob@example.com");
    let admin = server.admin_token();
    for path in [
        "/v1/analytics/windows",
        "/v1/analytics/top-products",
        "/v1/analytics/funnel",
        "/v1/analytics/search",
        "/v1/analytics/anomalies",
        "/v1/analytics/low-stock",
    ] {
        assert_eq!(
            server.call("GET", path, None, &Value::Null).status,
            401,
            "{path}"
        );
        assert_eq!(
            server.call("GET", path, Some(&token), &Value::Null).status,
            403,
            "{path}"
        );
        let reply = server.call("GET", path, Some(&admin), &Value::Null);
        assert_eq!(
            reply.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    for (path, param) in [
        ("/v1/analytics/windows?window=2m", "window"),
        ("/v1/analytics/windows?from=soon", "from"),
        (
            "/v1/analytics/windows?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        ("/v1/analytics/top-products?by=likes", "by"),
        ("/v1/analytics/top-products?currency=xx", "currency"),
        ("/v1/analytics/anomalies?limit=0", "limit"),
    ] {
        let reply = server.call("GET", path, Some(&admin), &Value::Null);
        assert_eq!(reply.status, 422, "{path}");
        assert_eq!(reply.json()["error"]["param"], param, "{path}");
    }
}

#[test]
fn recommendations_show_what_was_bought_together() {
    let server = TestServer::start();
    let (token, _) = server.register("cleo@example.com");
    server.buy(&token, &[("SKU-01", 1), ("SKU-02", 1)]);
    settle(&server);

    let first = product_id(&server, "SKU-01");
    let reply = server.get(&format!("/v1/products/{first}/recommendations?limit=3"));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = reply.json();
    assert_eq!(body["data"][0]["sku"], "SKU-02", "{body}");
    assert_eq!(body["reasons"][0], "bought_together");
    assert!(body["data"].as_array().expect("data").len() <= 3);
    assert!(body["data"][0]["stock"].is_object(), "full product objects");

    assert_eq!(
        server.get("/v1/products/prod_nope/recommendations").status,
        404
    );
    let bad = server.get(&format!("/v1/products/{first}/recommendations?limit=0"));
    bad.assert_error(422, "invalid_request", Some("limit"));
}
