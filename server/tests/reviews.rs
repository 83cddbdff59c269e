//! `GET|POST /v1/products/{id}/reviews` over HTTP: 201 with the API.md Review object,
//! 401 without a signed-in user, 404 for products the caller may not see, 409
//! `duplicate_review` for a second review, 422 naming each bad field, 400 for
//! malformed JSON, `verified_purchase` after a checkout, the product's `rating`, and
//! newest-first pages with no review shown twice.

mod common;

use std::collections::HashSet;

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

fn reviews_path(id: &str) -> String {
    format!("/v1/products/{id}/reviews")
}

fn good() -> Value {
    json!({"rating": 4, "title": "Does the job", "body": "Sturdy.\nWould buy again."})
}

fn post(server: &TestServer, id: &str, token: Option<&str>, body: &Value) -> common::Reply {
    server.call("POST", &reviews_path(id), token, body)
}

#[test]
fn a_signed_in_user_posts_a_review_and_the_product_shows_its_rating() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    let (token, user) = server.register("ada@example.com");
    let reply = post(&server, &id, Some(&token), &good());
    assert_eq!(
        reply.status,
        201,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let review = reply.json();
    assert!(
        review["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("rev_")),
        "{review}"
    );
    assert_eq!(review["product_id"], id.as_str());
    assert_eq!(review["user_id"], user["id"]);
    assert_eq!(review["rating"], 4);
    assert_eq!(review["title"], "Does the job");
    assert_eq!(review["body"], "Sturdy.\nWould buy again.");
    assert_eq!(review["verified_purchase"], false);
    assert!(
        review["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z')),
        "{review}"
    );
    let fields: HashSet<&str> = review
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected = [
        "id",
        "product_id",
        "user_id",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "created_at",
    ];
    assert_eq!(fields, expected.into_iter().collect());

    let (token, _) = server.register("bob@example.com");
    let body = json!({"rating": 1, "title": "Broke", "body": ""});
    assert_eq!(post(&server, &id, Some(&token), &body).status, 201);

    let product = server.get(&format!("/v1/products/{id}")).json();
    assert_eq!(product["rating"], json!({"average": 2.5, "count": 2}));
    let listed = server.get("/v1/products?limit=100").json();
    let entry = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|product| product["id"] == id.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(entry["rating"], json!({"average": 2.5, "count": 2}));
    let unrated = server
        .get(&format!("/v1/products/{}", product_id(&server, "SKU-04")))
        .json();
    assert_eq!(unrated["rating"], json!({"average": null, "count": 0}));

    let page = server.get(&reviews_path(&id)).json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["data"][0]["title"], "Broke", "newest first");
    assert_eq!(page["next_cursor"], Value::Null);
}

#[test]
fn anonymous_callers_and_refused_tokens_get_401() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    post(&server, &id, None, &good()).assert_error(401, "authentication", None);
    post(&server, &id, Some("emp_not-a-token"), &good()).assert_error(401, "authentication", None);
    // Reading is public.
    assert_eq!(server.get(&reviews_path(&id)).status, 200);
    assert_eq!(server.engine.rating(id.parse().expect("id")).count, 0);
}

#[test]
fn products_the_caller_may_not_see_are_404() {
    let server = TestServer::start();
    let (token, _) = server.register("ada@example.com");
    let unknown = emporium::ProductId::from_raw(987_654).to_string();
    let draft = product_id(&server, "DRAFT-1");
    for id in [
        unknown.as_str(),
        "prod_nonsense",
        "rev_0000000000000",
        draft.as_str(),
    ] {
        post(&server, id, Some(&token), &good()).assert_error(404, "not_found", None);
        server
            .get(&reviews_path(id))
            .assert_error(404, "not_found", None);
    }
    // An unknown product is 404 even when the body is also wrong.
    post(&server, &unknown, Some(&token), &json!({"rating": 9})).assert_error(
        404,
        "not_found",
        None,
    );
    // An admin sees a draft's (empty) list, as it sees the draft itself.
    let admin = server.admin_token();
    let reply = server.call("GET", &reviews_path(&draft), Some(&admin), &Value::Null);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"data": [], "next_cursor": null}));
}

#[test]
fn a_second_review_of_the_same_product_is_409() {
    let server = TestServer::start();
    let (mug, cup) = (product_id(&server, "SKU-03"), product_id(&server, "SKU-04"));
    let (token, _) = server.register("ada@example.com");
    assert_eq!(post(&server, &mug, Some(&token), &good()).status, 201);
    let again = post(
        &server,
        &mug,
        Some(&token),
        &json!({"rating": 1, "title": "Again", "body": ""}),
    );
    again.assert_error(409, "conflict", None);
    assert_eq!(again.json()["error"]["code"], "duplicate_review");
    assert_eq!(
        post(&server, &cup, Some(&token), &good()).status,
        201,
        "another product"
    );
    let page = server.get(&reviews_path(&mug)).json();
    assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["data"][0]["rating"], 4, "the first review stands");
}

#[test]
fn each_bad_field_is_422_naming_it_and_malformed_json_is_400() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    let (token, _) = server.register("ada@example.com");
    let with = |field: &str, value: Value| {
        let mut body = good();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = good();
        body.as_object_mut().expect("object").remove(field);
        body
    };
    let cases = [
        (with("rating", json!(0)), "rating"),
        (with("rating", json!(6)), "rating"),
        (with("rating", json!(-3)), "rating"),
        (with("rating", json!(4.5)), "rating"),
        (with("rating", json!("5")), "rating"),
        (with("rating", Value::Null), "rating"),
        (without("rating"), "rating"),
        (with("title", json!("")), "title"),
        (with("title", json!("   ")), "title"),
        (with("title", json!("x".repeat(121))), "title"),
        (with("title", json!("two\nlines")), "title"),
        (with("title", json!(42)), "title"),
        (without("title"), "title"),
        (with("body", json!("x".repeat(5_001))), "body"),
        (with("body", json!("nul \u{0}")), "body"),
        (with("body", json!(["not", "text"])), "body"),
        (without("body"), "body"),
        (with("stars", json!(5)), "stars"),
    ];
    for (body, field) in cases {
        let reply = post(&server, &id, Some(&token), &body);
        reply.assert_error(422, "invalid_request", Some(field));
    }
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", &format!("Bearer {token}")),
    ];
    let path = reviews_path(&id);
    server
        .request("POST", &path, &headers, b"{\"rating\": 4,")
        .assert_error(400, "invalid_request", None);
    // Nothing was written by any refusal: the first good review still goes in.
    assert_eq!(post(&server, &id, Some(&token), &good()).status, 201);
}

#[test]
fn a_buyer_s_review_is_a_verified_purchase() {
    let server = TestServer::start();
    let (bought, other) = (product_id(&server, "SKU-03"), product_id(&server, "SKU-04"));
    let (token, _) = server.register("ada@example.com");
    server.buy(&token, &[("SKU-03", 1)]);
    let review = post(&server, &bought, Some(&token), &good()).json();
    assert_eq!(review["verified_purchase"], true, "{review}");
    let review = post(&server, &other, Some(&token), &good()).json();
    assert_eq!(review["verified_purchase"], false, "{review}");
}

#[test]
fn pages_are_newest_first_with_no_duplicates() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    let mut posted = Vec::new();
    for n in 0..7 {
        let (token, _) = server.register(&format!("user{n}@example.com"));
        let body = json!({"rating": 1 + n % 5, "title": format!("Review {n}"), "body": ""});
        let reply = post(&server, &id, Some(&token), &body);
        assert_eq!(reply.status, 201);
        posted.push(reply.json()["id"].as_str().expect("id").to_string());
    }
    let mut seen = Vec::new();
    let mut path = format!("{}?limit=3", reviews_path(&id));
    let mut pages = 0;
    loop {
        let page = server.get(&path).json();
        let data = page["data"].as_array().expect("data");
        assert!(data.len() <= 3);
        seen.extend(
            data.iter()
                .map(|review| review["id"].as_str().expect("id").to_string()),
        );
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{}?limit=3&cursor={cursor}", reviews_path(&id)),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no review twice: {seen:?}");
    posted.reverse();
    assert_eq!(seen, posted, "newest first");

    let first = server.get(&format!("{}?limit=3", reviews_path(&id))).json();
    let cursor = first["next_cursor"].as_str().expect("more").to_string();
    let other = product_id(&server, "SKU-04");
    server
        .get(&format!("{}?cursor={cursor}", reviews_path(&other)))
        .assert_error(422, "invalid_request", Some("cursor"));
    server
        .get(&format!("{}?cursor=zz", reviews_path(&id)))
        .assert_error(422, "invalid_request", Some("cursor"));
    for limit in ["0", "101", "x"] {
        server
            .get(&format!("{}?limit={limit}", reviews_path(&id)))
            .assert_error(422, "invalid_request", Some("limit"));
    }
}

#[test]
fn a_repeat_with_the_same_idempotency_key_is_the_first_reply_not_a_409() {
    let server = TestServer::start();
    let id = product_id(&server, "SKU-03");
    let (token, _) = server.register("ada@example.com");
    let authorization = format!("Bearer {token}");
    let send = |key: &str, body: &Value| {
        let headers = [
            ("Content-Type", "application/json"),
            ("Authorization", authorization.as_str()),
            ("Idempotency-Key", key),
        ];
        let bytes = serde_json::to_vec(body).expect("json");
        server.request("POST", &reviews_path(&id), &headers, &bytes)
    };
    let first = send("review-1", &good());
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let again = send("review-1", &good());
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.json(), first.json());
    // Another body under the same key is a conflict of keys; a new key meets the
    // one-review rule.
    let other = json!({"rating": 2, "title": "Other", "body": ""});
    let reply = send("review-1", &other);
    reply.assert_error(409, "conflict", None);
    assert_eq!(reply.json()["error"]["code"], "idempotency_conflict");
    let reply = send("review-2", &other);
    reply.assert_error(409, "conflict", None);
    assert_eq!(reply.json()["error"]["code"], "duplicate_review");
    assert_eq!(server.engine.rating(id.parse().expect("id")).count, 1);
}
