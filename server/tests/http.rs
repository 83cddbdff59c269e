//! The HTTP contract of the routes served now, end to end over a real socket: every
//! route's success shape, and every kind of bad input answered with the right 4xx and
//! the API.md error object (never a 500, never a reset).

mod common;

use std::collections::HashSet;
use std::io::Read;

use common::{ACTIVE_PRODUCTS, Reply, TestServer, connect, write_request};
use emporium_server::{ServerConfig, Startup};
use serde_json::Value;

fn ids_of(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|product| product["id"].as_str().expect("id").to_string())
        .collect()
}

fn category_id(server: &TestServer, path: &str) -> String {
    let categories = server.get("/v1/categories").json();
    categories["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|category| category["path"] == path)
        .and_then(|category| category["id"].as_str())
        .unwrap_or_else(|| panic!("no category {path}"))
        .to_string()
}

#[test]
fn healthz_and_readyz_answer() {
    let server = TestServer::start();
    let reply = server.get("/healthz");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), serde_json::json!({"status": "ok"}));
    assert_eq!(server.get("/readyz").status, 200);
}

#[test]
fn readyz_is_503_until_startup_finishes() {
    let startup = Startup::pending();
    let config = ServerConfig {
        startup: startup.clone(),
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(Vec::new(), config);
    assert_eq!(server.get("/readyz").status, 503);
    assert_eq!(server.get("/healthz").status, 200, "alive while starting");
    startup.finish();
    assert_eq!(server.get("/readyz").status, 200);
}

#[test]
fn categories_are_listed_in_one_reply_with_paths() {
    let server = TestServer::start();
    let reply = server.get("/v1/categories");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert!(body["next_cursor"].is_null());
    let paths: HashSet<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|category| category["path"].as_str().expect("path"))
        .collect();
    let expected = [
        "Home",
        "Home/Kitchen",
        "Home/Garden",
        "Electronics",
        "Electronics/Audio",
    ];
    assert_eq!(paths, expected.into_iter().collect());
    let kitchen = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|category| category["path"] == "Home/Kitchen")
        .expect("kitchen");
    assert_eq!(kitchen["name"], "Kitchen");
    assert_eq!(kitchen["parent_id"], category_id(&server, "Home").as_str());
}

#[test]
fn product_pages_follow_the_cursor_without_gaps_or_repeats() {
    let server = TestServer::start();
    let first = server.get("/v1/products").json();
    assert_eq!(ids_of(&first).len(), 20, "default limit");
    let mut seen: Vec<String> = ids_of(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_string);
    while let Some(next) = cursor {
        let page = server
            .get(&format!("/v1/products?limit=7&cursor={next}"))
            .json();
        seen.extend(ids_of(&page));
        cursor = page["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(
        seen.len(),
        ACTIVE_PRODUCTS,
        "every active product, the draft excluded"
    );
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        seen.len(),
        "no repeats"
    );
}

#[test]
fn product_filters_and_sorts() {
    let server = TestServer::start();
    let prices = |path: &str| -> Vec<u64> {
        let page = server.get(path).json();
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|product| product["price"]["amount"].as_u64().expect("amount"))
            .collect()
    };
    let ascending = prices("/v1/products?sort=price_asc&limit=100");
    assert!(ascending.windows(2).all(|pair| pair[0] <= pair[1]));
    let descending = prices("/v1/products?sort=price_desc&limit=5");
    assert_eq!(descending, vec![3000, 2900, 2800, 2700, 2600]);
    let window = prices("/v1/products?min_price=1000&max_price=1500&sort=price_asc");
    assert_eq!(window, vec![1000, 1100, 1200, 1300, 1400, 1500]);
    let home = category_id(&server, "Home");
    let in_home = server
        .get(&format!("/v1/products?category={home}&limit=100"))
        .json();
    assert_eq!(
        ids_of(&in_home).len(),
        21,
        "descendants included (10 + 10 + the odd SKU)"
    );
    let brand = server
        .get("/v1/products?brand=cafe%20noir&limit=100")
        .json();
    assert_eq!(
        ids_of(&brand).len(),
        10,
        "brand match ignores case and accents"
    );
    let stocked = server.get("/v1/products?in_stock=true&limit=100").json();
    assert_eq!(
        ids_of(&stocked).len(),
        25,
        "every fifth product has no stock"
    );
    let unknown = server.get("/v1/products?category=cat_0000000000000").json();
    assert!(
        ids_of(&unknown).is_empty(),
        "an unknown category lists nothing"
    );
    assert!(unknown["next_cursor"].is_null());
}

#[test]
fn a_product_has_the_api_shape() {
    let server = TestServer::start();
    let sku = "SKU-07";
    let id = server
        .engine
        .product_by_sku(sku)
        .expect("reads")
        .expect("exists")
        .id;
    let reply = server.get(&format!("/v1/products/{id}"));
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let product = reply.json();
    let keys: HashSet<&str> = product
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let expected = [
        "id",
        "sku",
        "name",
        "description",
        "brand",
        "category_id",
        "price",
        "attributes",
        "images",
        "status",
        "stock",
        "rating",
        "created_at",
        "updated_at",
        "version",
    ];
    assert_eq!(keys, expected.into_iter().collect());
    assert_eq!(product["id"], id.to_string().as_str());
    assert_eq!(product["sku"], sku);
    assert_eq!(
        product["price"],
        serde_json::json!({"amount": 800, "currency": "USD"})
    );
    assert_eq!(
        product["stock"],
        serde_json::json!({"on_hand": 2, "reserved": 0, "available": 2})
    );
    assert_eq!(
        product["rating"],
        serde_json::json!({"average": null, "count": 0})
    );
    assert_eq!(product["status"], "active");
    assert_eq!(product["version"], 1);
    assert!(
        product["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert!(
        product["category_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("cat_"))
    );
}

#[test]
fn unknown_malformed_and_draft_products_are_404() {
    let server = TestServer::start();
    let draft = server
        .engine
        .product_by_sku("DRAFT-1")
        .expect("reads")
        .expect("exists");
    for path in [
        format!("/v1/products/{}", draft.id),
        "/v1/products/prod_0000000000000".to_string(),
        "/v1/products/not-an-id".to_string(),
        "/v1/products/%FF%FE".to_string(),
        format!("/v1/products/{}", "x".repeat(5_000)),
    ] {
        server.get(&path).assert_error(404, "not_found", None);
    }
}

#[test]
fn inventory_by_sku() {
    let server = TestServer::start();
    let reply = server.get("/v1/inventory/SKU-03");
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        serde_json::json!({"sku": "SKU-03", "on_hand": 3, "reserved": 0, "available": 3})
    );
    let odd = server.get("/v1/inventory/A+B.%C3%A9-1").json();
    assert_eq!(
        odd["sku"], "A+B.é-1",
        "`+` in a path is a plus, not a space"
    );
    for path in [
        "/v1/inventory/NOPE",
        "/v1/inventory/a%2Fb",
        "/v1/inventory/%20",
    ] {
        server.get(path).assert_error(404, "not_found", None);
    }
}

#[test]
fn bad_query_values_are_422_naming_the_parameter() {
    let server = TestServer::start();
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("min_price=-1", "min_price"),
        ("max_price=1.5", "max_price"),
        ("max_price=99999999999999999999999", "max_price"),
        ("in_stock=maybe", "in_stock"),
        ("sort=cheapest", "sort"),
        ("category=Home", "category"),
        ("category=cat_", "category"),
        ("cursor=garbage", "cursor"),
        ("cursor=00", "cursor"),
    ];
    for (query, param) in cases {
        let reply = server.get(&format!("/v1/products?{query}"));
        reply.assert_error(422, "invalid_request", Some(param));
    }
    let long_brand = format!("/v1/products?brand={}", "b".repeat(101));
    server
        .get(&long_brand)
        .assert_error(422, "invalid_request", Some("brand"));
}

#[test]
fn a_cursor_from_another_sort_is_refused() {
    let server = TestServer::start();
    let page = server.get("/v1/products?sort=price_asc&limit=2").json();
    let cursor = page["next_cursor"].as_str().expect("more pages");
    let reply = server.get(&format!("/v1/products?sort=name&cursor={cursor}"));
    reply.assert_error(422, "invalid_request", Some("cursor"));
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405_with_allow() {
    let server = TestServer::start();
    for path in [
        "/index.html",
        "/v1",
        "/v1/products/",
        "/v1/nothing",
        "/healthz/x",
    ] {
        server.get(path).assert_error(404, "not_found", None);
    }
    for (method, path, allow) in [
        ("PUT", "/v1/products", "GET, POST"),
        ("POST", "/v1/products/x", "GET, PATCH, DELETE"),
        ("PUT", "/healthz", "GET"),
        ("GET", "/v1/auth/login", "POST"),
    ] {
        let reply = server.request(method, path, &[], b"");
        reply.assert_error(405, "invalid_request", None);
        assert_eq!(reply.header("allow"), Some(allow));
    }
}

/// A client sending a large body to a route that refuses it reads the refusal: the
/// body is drained rather than the connection reset under the client.
#[test]
fn a_refused_request_with_a_large_body_is_answered_not_reset() {
    let server = TestServer::start();
    let body = vec![b'x'; 3 << 20];
    let headers = [("Content-Type", "application/json")];
    let reply = server.request("PUT", "/v1/products", &headers, &body);
    reply.assert_error(405, "invalid_request", None);
    // Refused for want of a token, before the body is read: still an answer.
    let reply = server.request("POST", "/v1/products", &headers, &body);
    reply.assert_error(401, "authentication", None);
}

#[test]
fn request_ids_are_echoed_or_generated() {
    let server = TestServer::start();
    let echoed = server.request("GET", "/healthz", &[("X-Request-Id", "trace-42")], b"");
    assert_eq!(echoed.header("x-request-id"), Some("trace-42"));
    let long = "r".repeat(201);
    let replaced = server.request("GET", "/healthz", &[("X-Request-Id", &long)], b"");
    let generated = replaced.header("x-request-id").expect("generated");
    assert_ne!(generated, long);
    let other = server.get("/v1/nothing");
    let second = other.header("x-request-id").expect("on errors too");
    assert!(!second.is_empty() && second != generated);
}

#[test]
fn every_reply_carries_the_security_headers() {
    let server = TestServer::start();
    for reply in [
        server.get("/healthz"),
        server.get("/v1/nothing"),
        server.get("/metrics"),
    ] {
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("x-frame-options"), Some("DENY"));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        assert!(reply.header("x-request-id").is_some());
    }
}

#[test]
fn metrics_count_requests_by_route_pattern() {
    let server = TestServer::start();
    let id = server
        .engine
        .product_by_sku("SKU-01")
        .expect("reads")
        .expect("exists")
        .id;
    assert_eq!(server.get(&format!("/v1/products/{id}")).status, 200);
    assert_eq!(server.get("/v1/products/prod_0000000000000").status, 404);
    assert_eq!(server.get("/v1/unknown").status, 404);
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .is_some_and(|kind| kind.starts_with("text/plain"))
    );
    let text = String::from_utf8(reply.body).expect("text");
    for line in [
        r#"emporium_http_requests_total{route="/v1/products/{id}",method="GET",status="200"} 1"#,
        r#"emporium_http_requests_total{route="/v1/products/{id}",method="GET",status="404"} 1"#,
        r#"emporium_http_requests_total{route="unmatched",method="any",status="404"} 1"#,
        r#"emporium_http_request_duration_seconds_count{route="/v1/products/{id}",method="GET"} 2"#,
        "# TYPE emporium_product_cache_hits_total counter",
        "# TYPE emporium_http_connections_open gauge",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    assert!(
        !text.contains("prod_0000000000000"),
        "raw paths never become labels"
    );
}

#[test]
fn openapi_document_is_served() {
    let server = TestServer::start();
    let reply = server.get("/openapi.json");
    assert_eq!(reply.status, 200);
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["paths"]["/v1/products"]["get"].is_object());
}

#[test]
fn the_rate_limit_answers_429_with_retry_after() {
    let config = ServerConfig {
        rate_limit_per_second: 3,
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(Vec::new(), config);
    let replies: Vec<Reply> = (0..6).map(|_| server.get("/healthz")).collect();
    assert!(replies[0].status == 200);
    let limited = replies
        .iter()
        .find(|reply| reply.status == 429)
        .expect("some limited");
    limited.assert_error(429, "rate_limited", None);
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|value| value.parse().ok())
        .expect("Retry-After seconds");
    assert!(retry_after >= 1);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start();
    let mut stream = connect(server.address);
    for _ in 0..3 {
        write_request(&mut stream, "GET", "/healthz", &[], b"", false);
        let mut buffer = vec![0; 4096];
        let read = stream.read(&mut buffer).expect("reply");
        let reply = Reply::parse(&buffer[..read]);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("connection"), None, "kept alive");
    }
}

#[test]
fn search_finds_highlights_and_counts_facets() {
    let server = TestServer::start();
    let reply = server.get("/v1/search?q=odd");
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let body = reply.json();
    assert_eq!(body["total"], 1);
    assert!(body["next_cursor"].is_null());
    assert!(body["took_us"].is_u64());
    let hit = &body["data"][0];
    assert_eq!(hit["product"]["sku"], "A+B.é-1");
    assert_eq!(
        hit["product"]["stock"]["on_hand"], 7,
        "the full product object"
    );
    assert!(hit["score"].as_f64().is_some_and(|score| score > 0.0));
    let name = hit["highlights"]["name"]
        .as_str()
        .expect("name highlighted");
    assert!(name.contains("<mark>Odd</mark>"), "{name}");
    let facets = &body["facets"];
    let home = category_id(&server, "Home");
    let categories = facets["category"].as_array().expect("category facet");
    assert!(
        categories
            .iter()
            .any(|facet| facet["value"] == home.as_str() && facet["count"] == 1),
        "ancestors are counted: {categories:?}"
    );
    assert_eq!(
        facets["brand"],
        serde_json::json!([{"value": "Acme", "count": 1}])
    );
    let buckets = facets["price"].as_array().expect("price facet");
    assert_eq!(
        buckets
            .iter()
            .map(|bucket| bucket["count"].as_u64().unwrap_or(0))
            .sum::<u64>(),
        1
    );
}

#[test]
fn an_empty_search_lists_every_match_of_the_filters_page_by_page() {
    let server = TestServer::start();
    let mut seen = HashSet::new();
    let mut path = "/v1/search?brand=zenith&limit=4".to_string();
    loop {
        let body = server.get(&path).json();
        assert_eq!(body["total"], 10, "the exact total on every page");
        for hit in body["data"].as_array().expect("data") {
            assert_eq!(hit["product"]["brand"], "Zenith");
            seen.insert(hit["product"]["id"].as_str().expect("id").to_string());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/search?brand=zenith&limit=4&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 10);
    let stocked = server.get("/v1/search?in_stock=true&limit=100").json();
    assert_eq!(stocked["total"], 25);
}

#[test]
fn search_refuses_bad_parameters_by_name_but_never_the_text() {
    let server = TestServer::start();
    let cases = [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=garbage", "cursor"),
        ("min_price=10&max_price=5", "min_price"),
        ("category=Home", "category"),
        ("in_stock=perhaps", "in_stock"),
    ];
    for (query, param) in cases {
        let reply = server.get(&format!("/v1/search?{query}"));
        reply.assert_error(422, "invalid_request", Some(param));
    }
    let long = "q".repeat(501);
    server
        .get(&format!("/v1/search?q={long}"))
        .assert_error(422, "invalid_request", Some("q"));
    for text in [
        "%22AND%20(foo*%20OR",
        "%00%01",
        "-",
        "title:x%20^2~",
        "%F0%9F%9B%92",
        "%FF",
    ] {
        let reply = server.get(&format!("/v1/search?q={text}"));
        assert_eq!(
            reply.status,
            200,
            "{text}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
    let page = server.get("/v1/search?q=product&limit=2").json();
    let cursor = page["next_cursor"].as_str().expect("more pages");
    let other = server.get(&format!("/v1/search?q=kettle&limit=2&cursor={cursor}"));
    other.assert_error(422, "invalid_request", Some("cursor"));
}

#[test]
fn autocomplete_suggests_names_and_brands_by_prefix() {
    let server = TestServer::start();
    let reply = server.get("/v1/autocomplete?q=PROD");
    assert_eq!(reply.status, 200);
    let suggestions = reply.json()["suggestions"]
        .as_array()
        .expect("suggestions")
        .clone();
    assert_eq!(suggestions.len(), 10, "the default limit");
    for suggestion in &suggestions {
        assert!(
            suggestion["text"]
                .as_str()
                .is_some_and(|text| text.starts_with("Product"))
        );
        assert_eq!(suggestion["kind"], "product");
    }
    let brand = server.get("/v1/autocomplete?q=cafe&limit=3").json();
    assert_eq!(brand["suggestions"][0]["text"], "Café Noir");
    assert_eq!(brand["suggestions"][0]["kind"], "brand");
    assert_eq!(
        server.get("/v1/autocomplete").status,
        200,
        "an empty prefix is not an error"
    );
    let long = format!("/v1/autocomplete?q={}", "a".repeat(1_000));
    assert_eq!(
        server.get(&long).json()["suggestions"],
        serde_json::json!([])
    );
    for limit in ["0", "21", "x"] {
        let reply = server.get(&format!("/v1/autocomplete?q=p&limit={limit}"));
        reply.assert_error(422, "invalid_request", Some("limit"));
    }
}

#[test]
fn concurrent_clients_are_all_answered() {
    let server = TestServer::start();
    let paths = [
        "/v1/products?limit=5",
        "/v1/search?q=product",
        "/v1/autocomplete?q=p",
        "/v1/categories",
    ];
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let server = &server;
            scope.spawn(move || {
                for round in 0..25 {
                    let path = paths[(thread + round) % paths.len()];
                    assert_eq!(server.get(path).status, 200, "{path}");
                }
            });
        }
    });
}

#[test]
fn cors_is_off_unless_origins_are_configured() {
    let server = TestServer::start();
    let reply = server.request(
        "GET",
        "/healthz",
        &[("Origin", "https://shop.example")],
        b"",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let preflight = [
        ("Origin", "https://shop.example"),
        ("Access-Control-Request-Method", "POST"),
    ];
    let reply = server.request("OPTIONS", "/v1/products", &preflight, b"");
    reply.assert_error(405, "invalid_request", None);
}

#[test]
fn cors_answers_preflights_and_marks_replies_for_allowed_origins() {
    let config = ServerConfig {
        cors_origins: vec!["https://shop.example".to_string()],
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(common::catalog(), config);
    let preflight = [
        ("Origin", "https://shop.example"),
        ("Access-Control-Request-Method", "PATCH"),
        ("Access-Control-Request-Headers", "authorization, if-match"),
    ];
    let reply = server.request(
        "OPTIONS",
        "/v1/products/prod_0000000000000",
        &preflight,
        b"",
    );
    assert_eq!(reply.status, 204);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET, PATCH, DELETE")
    );
    let allowed = reply
        .header("access-control-allow-headers")
        .expect("allowed headers");
    for name in [
        "Authorization",
        "Content-Type",
        "If-Match",
        "Idempotency-Key",
        "X-Request-Id",
    ] {
        assert!(allowed.contains(name), "{allowed}");
    }
    assert!(reply.header("access-control-max-age").is_some());

    // Errors carry the headers too, or a browser would hide the real status.
    let reply = server.request("GET", "/v1/me", &[("Origin", "https://shop.example")], b"");
    reply.assert_error(401, "authentication", None);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let exposed = reply
        .header("access-control-expose-headers")
        .expect("exposed");
    assert!(exposed.contains("X-Request-Id") && exposed.contains("Idempotent-Replayed"));
    assert_eq!(
        reply.header("x-frame-options"),
        Some("DENY"),
        "security headers stay"
    );

    let foreign = [
        ("Origin", "https://evil.example"),
        ("Access-Control-Request-Method", "POST"),
    ];
    let reply = server.request("OPTIONS", "/v1/products", &foreign, b"");
    assert_ne!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let reply = server.request(
        "GET",
        "/healthz",
        &[("Origin", "https://evil.example")],
        b"",
    );
    assert_eq!(reply.header("access-control-allow-origin"), None);
    assert_eq!(reply.header("vary"), Some("Origin"));
}
