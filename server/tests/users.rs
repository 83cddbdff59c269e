//! Accounts over HTTP, end to end: registration, sign-in, sign-out (which must really
//! revoke the token), the profile and the address book with its one default; every
//! protected route refusing missing and bad tokens with 401; sign-in slowed by its own
//! limiter; and the request limiter keying valid callers by account.

mod common;

use common::{PASSWORD, Reply, TestServer};
use emporium_server::router::{Access, ROUTES};
use emporium_server::{LoginLimit, ServerConfig};
use serde_json::{Value, json};

fn address(name: &str) -> Value {
    json!({
        "name": name, "line1": "12 St James's Square", "city": "London",
        "postal_code": "SW1Y 4JH", "country": "GB"
    })
}

fn ok(reply: &Reply, status: u16) -> Value {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    }
}

#[test]
fn register_login_me_patch_and_an_address_book_with_one_default() {
    let server = TestServer::start();
    let (token, user) = server.register(" Ada@Example.COM ");
    assert_eq!(user["email"], "ada@example.com", "normalized");
    assert_eq!(user["role"], "customer");
    assert!(user["id"].as_str().is_some_and(|id| id.starts_with("usr_")));
    assert!(user.get("password_hash").is_none() && user.get("password").is_none());
    assert!(token.starts_with("emp_"));

    let login = json!({"email": "ADA@example.com", "password": PASSWORD});
    let signed_in = ok(&server.call("POST", "/v1/auth/login", None, &login), 200);
    assert_eq!(signed_in["user"]["id"], user["id"]);
    let second = signed_in["token"].as_str().expect("token");
    assert_ne!(second, token, "each sign-in is its own session");

    let me = ok(
        &server.call("GET", "/v1/me", Some(second), &Value::Null),
        200,
    );
    assert_eq!(me, user);
    let patch = json!({"name": "Ada L.", "preferences": {"marketing": true, "locale": "en-GB", "currency": "GBP"}});
    let patched = ok(&server.call("PATCH", "/v1/me", Some(&token), &patch), 200);
    assert_eq!(patched["name"], "Ada L.");
    assert_eq!(patched["preferences"]["marketing"], true);
    assert_eq!(
        patched["preferences"]["email"], true,
        "untouched fields stay"
    );
    assert_eq!(patched["preferences"]["currency"], "GBP");
    let cleared = json!({"preferences": {"locale": null}});
    let cleared = ok(&server.call("PATCH", "/v1/me", Some(&token), &cleared), 200);
    assert!(cleared["preferences"]["locale"].is_null());
    assert_eq!(
        ok(
            &server.call("PATCH", "/v1/me", Some(&token), &Value::Null),
            200
        )["name"],
        "Ada L."
    );

    address_book(&server, &token);
}

/// Create, list, patch and delete addresses, checking that exactly one is the default
/// at every step.
fn address_book(server: &TestServer, token: &str) {
    let list = |server: &TestServer| {
        let page = ok(
            &server.call("GET", "/v1/me/addresses", Some(token), &Value::Null),
            200,
        );
        assert!(page["next_cursor"].is_null());
        let data = page["data"].as_array().expect("data").clone();
        let defaults = data.iter().filter(|a| a["is_default"] == true).count();
        assert_eq!(
            defaults,
            usize::from(!data.is_empty()),
            "one default: {data:?}"
        );
        data
    };
    assert!(list(server).is_empty());
    let home = ok(
        &server.call("POST", "/v1/me/addresses", Some(token), &address("Home")),
        201,
    );
    assert_eq!(home["is_default"], true, "the first is the default");
    assert!(home["line2"].is_null() && home["region"].is_null());
    assert!(home["id"].as_str().is_some_and(|id| id.starts_with("adr_")));
    let work = ok(
        &server.call("POST", "/v1/me/addresses", Some(token), &address("Work")),
        201,
    );
    assert_eq!(work["is_default"], false);
    assert_eq!(list(server).len(), 2);

    let work_path = format!("/v1/me/addresses/{}", work["id"].as_str().expect("id"));
    let change = json!({"is_default": true, "region": "Greater London"});
    let work = ok(&server.call("PATCH", &work_path, Some(token), &change), 200);
    assert_eq!(
        (work["is_default"].clone(), work["region"].clone()),
        (json!(true), json!("Greater London"))
    );
    let listed = list(server);
    assert_eq!(listed[0]["id"], work["id"], "the default is listed first");

    let deleted = ok(
        &server.call("DELETE", &work_path, Some(token), &Value::Null),
        200,
    );
    assert_eq!(deleted["id"], work["id"]);
    let left = list(server);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], home["id"]);
    assert_eq!(
        left[0]["is_default"], true,
        "the default moved to the one left"
    );
    server
        .call("DELETE", &work_path, Some(token), &Value::Null)
        .assert_error(404, "not_found", None);
}

#[test]
fn registration_with_a_taken_email_is_409_naming_email() {
    let server = TestServer::start();
    server.register("ada@example.com");
    let again = json!({"email": "ADA@example.com ", "password": PASSWORD, "name": "Other"});
    let reply = server.call("POST", "/v1/auth/register", None, &again);
    reply.assert_error(409, "conflict", Some("email"));
    assert_eq!(reply.json()["error"]["code"], "email_taken");
}

#[test]
fn a_wrong_password_and_an_unknown_email_are_the_same_401() {
    let server = TestServer::start();
    server.register("ada@example.com");
    let mut bodies = Vec::new();
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
    ] {
        let reply = server.call(
            "POST",
            "/v1/auth/login",
            None,
            &json!({"email": email, "password": password}),
        );
        reply.assert_error(401, "authentication", None);
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|value| value.starts_with("Bearer"))
        );
        let mut body = reply.json();
        assert_eq!(body["error"]["code"], "invalid_credentials");
        body["error"]["message"] = Value::Null;
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "{bodies:?}"
    );
}

#[test]
fn logout_revokes_exactly_that_token() {
    let server = TestServer::start();
    let (token, _) = server.register("ada@example.com");
    let login = json!({"email": "ada@example.com", "password": PASSWORD});
    let other = ok(&server.call("POST", "/v1/auth/login", None, &login), 200)["token"]
        .as_str()
        .expect("token")
        .to_string();
    let reply = server.call("POST", "/v1/auth/logout", Some(&token), &Value::Null);
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    for (method, path) in [
        ("GET", "/v1/me"),
        ("POST", "/v1/auth/logout"),
        ("GET", "/v1/me/addresses"),
    ] {
        let refused = server.call(method, path, Some(&token), &Value::Null);
        refused.assert_error(401, "authentication", None);
        assert_eq!(refused.json()["error"]["code"], "token_invalid");
    }
    ok(
        &server.call("GET", "/v1/me", Some(&other), &Value::Null),
        200,
    );
}

#[test]
fn protected_routes_refuse_missing_and_bad_tokens() {
    let server = TestServer::start();
    let customer = server.register("ada@example.com").0;
    let revoked = server.register("bob@example.com").0;
    assert_eq!(
        server
            .call("POST", "/v1/auth/logout", Some(&revoked), &Value::Null)
            .status,
        204
    );
    let product = server
        .engine
        .product_by_sku("SKU-01")
        .expect("reads")
        .expect("exists")
        .id;
    let bad_tokens = [
        "garbage".to_string(),
        format!("emp_{}", "0".repeat(64)),
        revoked,
        customer[..customer.len() - 1].to_string(),
    ];
    for route in ROUTES.iter().filter(|route| route.access != Access::Public) {
        let path = route.pattern.replace("{id}", &product.to_string());
        let method = route.method.as_str();
        let anonymous = server.call(method, &path, None, &json!({}));
        anonymous.assert_error(401, "authentication", None);
        assert_eq!(
            anonymous.json()["error"]["code"],
            "missing_token",
            "{method} {path}"
        );
        assert!(anonymous.header("www-authenticate").is_some());
        for token in &bad_tokens {
            let refused = server.call(method, &path, Some(token), &json!({}));
            refused.assert_error(401, "authentication", None);
            assert_eq!(
                refused.json()["error"]["code"],
                "token_invalid",
                "{method} {path}"
            );
        }
        let basic = server.request(method, &path, &[("Authorization", "Basic YTpi")], b"");
        basic.assert_error(401, "authentication", None);
    }
}

#[test]
fn public_routes_ignore_a_bad_token() {
    let server = TestServer::start();
    for path in ["/v1/products", "/v1/search?q=product", "/v1/categories"] {
        let reply = server.request("GET", path, &[("Authorization", "Bearer expired")], b"");
        assert_eq!(reply.status, 200, "{path}");
    }
}

#[test]
fn unknown_malformed_and_foreign_address_ids_are_404() {
    let server = TestServer::start();
    let (ada, _) = server.register("ada@example.com");
    let (bob, _) = server.register("bob@example.com");
    let bobs = ok(
        &server.call("POST", "/v1/me/addresses", Some(&bob), &address("Bob")),
        201,
    );
    let foreign = bobs["id"].as_str().expect("id").to_string();
    for id in [
        foreign.as_str(),
        "adr_0000000000000",
        "not-an-id",
        "prod_0000000000000",
        "%FF",
    ] {
        let path = format!("/v1/me/addresses/{id}");
        server
            .call("PATCH", &path, Some(&ada), &json!({"city": "Paris"}))
            .assert_error(404, "not_found", None);
        server
            .call("DELETE", &path, Some(&ada), &Value::Null)
            .assert_error(404, "not_found", None);
    }
    let still = ok(
        &server.call("GET", "/v1/me/addresses", Some(&bob), &Value::Null),
        200,
    );
    assert_eq!(
        still["data"][0]["city"], "London",
        "Bob's address is untouched"
    );
}

#[test]
fn the_address_book_is_bounded() {
    let server = TestServer::start();
    let (token, _) = server.register("ada@example.com");
    for n in 0..emporium::ADDRESSES_PER_USER_MAX {
        ok(
            &server.call(
                "POST",
                "/v1/me/addresses",
                Some(&token),
                &address(&format!("A{n}")),
            ),
            201,
        );
    }
    let reply = server.call(
        "POST",
        "/v1/me/addresses",
        Some(&token),
        &address("One more"),
    );
    reply.assert_error(409, "conflict", None);
    assert_eq!(reply.json()["error"]["code"], "too_many_addresses");
}

#[test]
fn repeated_failed_logins_are_answered_429_with_retry_after() {
    let server = TestServer::start();
    server.register("ada@example.com");
    let limit = LoginLimit::default();
    let wrong = json!({"email": "ada@example.com", "password": "not the password"});
    for _ in 0..limit.burst {
        server
            .call("POST", "/v1/auth/login", None, &wrong)
            .assert_error(401, "authentication", None);
    }
    let limited = server.call("POST", "/v1/auth/login", None, &wrong);
    limited.assert_error(429, "rate_limited", None);
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
    let retry_after: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // The right password waits too: the limit is on attempts, not on wrong ones seen.
    let right = json!({"email": "ada@example.com", "password": PASSWORD});
    server
        .call("POST", "/v1/auth/login", None, &right)
        .assert_error(429, "rate_limited", None);
}

#[test]
fn successful_logins_do_not_use_up_the_login_limit() {
    let config = ServerConfig {
        login_limit: LoginLimit {
            per_minute: 1,
            burst: 2,
        },
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(Vec::new(), config);
    server.register("ada@example.com");
    let right = json!({"email": "ada@example.com", "password": PASSWORD});
    for _ in 0..6 {
        ok(&server.call("POST", "/v1/auth/login", None, &right), 200);
    }
}

#[test]
fn the_request_limit_counts_valid_callers_by_account() {
    let config = ServerConfig {
        rate_limit_per_second: 1,
        ..ServerConfig::default()
    };
    let server = TestServer::with_config(Vec::new(), config);
    let (token, _) = server.register("ada@example.com");
    // The registration took the address's one token a second.
    let statuses: Vec<u16> = (0..3).map(|_| server.get("/healthz").status).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    // Made-up tokens count as the address: no fresh bucket for each.
    let made_up = server.request(
        "GET",
        "/healthz",
        &[("Authorization", "Bearer emp_made_up")],
        b"",
    );
    made_up.assert_error(429, "rate_limited", None);
    // The account has its own bucket.
    ok(
        &server.call("GET", "/v1/me", Some(&token), &Value::Null),
        200,
    );
}
