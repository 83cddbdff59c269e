//! The admin catalog writes over HTTP: every admin route refuses anonymous callers
//! (401) and customers (403); an admin creates categories and products that are
//! searchable the moment the write is answered (read-your-writes); duplicate SKUs,
//! unknown categories, stale `If-Match` versions and unknown ids get their statuses;
//! archiving hides a product from everyone but admins.

mod common;

use common::{Reply, TestServer};
use emporium_server::router::{Access, ROUTES};
use serde_json::{Value, json};

fn ok(reply: &Reply, status: u16) -> Value {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

fn new_product(sku: &str, name: &str, category_id: &str) -> Value {
    json!({
        "sku": sku, "name": name, "description": "Loose-leaf, first flush.",
        "brand": "Glenburn", "category_id": category_id,
        "price": {"amount": 1450, "currency": "EUR"}, "stock": 12,
        "attributes": {"origin": "Darjeeling"}, "images": ["https://img.example/t.jpg"]
    })
}

#[test]
fn every_admin_route_refuses_anonymous_callers_and_customers() {
    let server = TestServer::start();
    let (customer, _) = server.register("ada@example.com");
    let product = server
        .engine
        .product_by_sku("SKU-01")
        .expect("reads")
        .expect("exists");
    let admin_routes: Vec<_> = ROUTES
        .iter()
        .filter(|route| route.access == Access::Admin)
        .collect();
    assert_eq!(admin_routes.len(), 17);
    for route in admin_routes {
        let path = route
            .pattern
            .replace("{id}", &product.id.to_string())
            .replace("{sku}", "SKU-01");
        let method = route.method.as_str();
        let body = new_product("NEW-1", "Tea", "cat_0000000000000");
        server
            .call(method, &path, None, &body)
            .assert_error(401, "authentication", None);
        let forbidden = server.call(method, &path, Some(&customer), &body);
        forbidden.assert_error(403, "authorization", None);
        assert_eq!(forbidden.json()["error"]["code"], "admin_required");
    }
    let unchanged = server
        .engine
        .product(product.id)
        .expect("reads")
        .expect("exists");
    assert_eq!(unchanged.version, product.version, "nothing was written");
    assert!(
        server
            .engine
            .product_by_sku("NEW-1")
            .expect("reads")
            .is_none()
    );
}

#[test]
fn an_admin_creates_a_category_and_a_product_that_is_searchable_at_once() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let root = ok(
        &server.call(
            "POST",
            "/v1/categories",
            Some(&admin),
            &json!({"name": "Pantry"}),
        ),
        201,
    );
    assert!(root["parent_id"].is_null());
    let root_id = root["id"].as_str().expect("id");
    let tea = json!({"name": "Tea & Infusions", "parent_id": root_id});
    let tea = ok(
        &server.call("POST", "/v1/categories", Some(&admin), &tea),
        201,
    );
    assert_eq!(tea["path"], "Pantry/Tea & Infusions");
    let again = server.call(
        "POST",
        "/v1/categories",
        Some(&admin),
        &json!({"name": "Pantry"}),
    );
    again.assert_error(409, "conflict", Some("name"));
    let orphan = json!({"name": "Orphan", "parent_id": "cat_0000000000000"});
    server
        .call("POST", "/v1/categories", Some(&admin), &orphan)
        .assert_error(422, "invalid_request", Some("parent_id"));

    let tea_id = tea["id"].as_str().expect("id");
    let body = new_product("TEA-DJ-1", "Darjeeling Quokkablend", tea_id);
    let created = ok(
        &server.call("POST", "/v1/products", Some(&admin), &body),
        201,
    );
    assert_eq!(created["sku"], "TEA-DJ-1");
    assert_eq!(created["category_id"], tea_id);
    assert_eq!(
        created["stock"],
        json!({"on_hand": 12, "reserved": 0, "available": 12})
    );
    assert_eq!(created["version"], 1);
    // Read-your-writes: searchable and listed the moment the write was answered.
    let found = ok(&server.get("/v1/search?q=quokkablend"), 200);
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["data"][0]["product"]["id"], created["id"]);
    let listed = ok(
        &server.get(&format!("/v1/products?category={root_id}")),
        200,
    );
    assert_eq!(listed["data"][0]["id"], created["id"]);
    let suggested = ok(&server.get("/v1/autocomplete?q=darjeeling%20quo"), 200);
    assert_eq!(
        suggested["suggestions"][0]["text"],
        "Darjeeling Quokkablend"
    );

    let by_path = json!({"sku": "TEA-2", "name": "Sencha", "description": "", "category": "Pantry/Green Tea", "price": {"amount": 900, "currency": "EUR"}});
    let by_path = ok(
        &server.call("POST", "/v1/products", Some(&admin), &by_path),
        201,
    );
    assert_eq!(by_path["stock"]["on_hand"], 0);
}

#[test]
fn duplicate_skus_are_409_and_unknown_categories_422() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let duplicate = json!({"sku": "SKU-01", "name": "Copy", "description": "", "category": "Home", "price": {"amount": 1, "currency": "USD"}});
    let reply = server.call("POST", "/v1/products", Some(&admin), &duplicate);
    reply.assert_error(409, "conflict", Some("sku"));
    assert_eq!(reply.json()["error"]["code"], "duplicate_sku");
    let unknown = new_product("NEW-2", "Tea", "cat_0000000000000");
    server
        .call("POST", "/v1/products", Some(&admin), &unknown)
        .assert_error(422, "invalid_request", Some("category_id"));
    let malformed = new_product("NEW-3", "Tea", "kitchen");
    server
        .call("POST", "/v1/products", Some(&admin), &malformed)
        .assert_error(422, "invalid_request", Some("category_id"));
}

#[test]
fn patch_honours_if_match_and_unknown_ids_are_404() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let product = server
        .engine
        .product_by_sku("SKU-02")
        .expect("reads")
        .expect("exists");
    let path = format!("/v1/products/{}", product.id);
    let patch =
        json!({"name": "Product Two, renamed", "price": {"amount": 4242, "currency": "USD"}});
    let authorization = format!("Bearer {admin}");
    let with_if_match = |version: &str, body: &Value| {
        let headers = [
            ("Content-Type", "application/json"),
            ("If-Match", version),
            ("Authorization", authorization.as_str()),
        ];
        server.request("PATCH", &path, &headers, body.to_string().as_bytes())
    };
    let updated = ok(&with_if_match("\"1\"", &patch), 200);
    assert_eq!(
        (
            updated["version"].clone(),
            updated["price"]["amount"].clone()
        ),
        (json!(2), json!(4242))
    );
    for stale in ["1", "W/\"1\"", " 1 "] {
        let reply = with_if_match(stale, &json!({"name": "Never"}));
        reply.assert_error(412, "conflict", None);
        assert_eq!(reply.json()["error"]["code"], "version_mismatch", "{stale}");
    }
    for malformed in ["abc", "1, 2", "\"\"", "-1", "{}"] {
        let reply = with_if_match(malformed, &json!({"name": "Never"}));
        reply.assert_error(422, "invalid_request", Some("If-Match"));
    }
    // Checked before the body's fields.
    with_if_match("1", &json!({"name": ""})).assert_error(412, "conflict", None);
    with_if_match("2", &json!({"name": ""})).assert_error(422, "invalid_request", Some("name"));
    ok(&with_if_match("*", &json!({"brand": null})), 200);
    let unconditional = ok(
        &server.call(
            "PATCH",
            &path,
            Some(&admin),
            &json!({"description": "New."}),
        ),
        200,
    );
    assert_eq!(unconditional["version"], 4);
    assert!(unconditional["brand"].is_null());
    let found = ok(&server.get("/v1/search?q=renamed"), 200);
    assert_eq!(found["total"], 1, "the change is searchable at once");

    for id in ["prod_0000000000000", "nope", "%FF"] {
        let path = format!("/v1/products/{id}");
        server
            .call("PATCH", &path, Some(&admin), &json!({"name": "x"}))
            .assert_error(404, "not_found", None);
        server
            .call("DELETE", &path, Some(&admin), &Value::Null)
            .assert_error(404, "not_found", None);
    }
    let immutable = server.call("PATCH", &path, Some(&admin), &json!({"sku": "OTHER"}));
    immutable.assert_error(422, "invalid_request", Some("sku"));
}

#[test]
fn archiving_hides_a_product_from_everyone_but_admins() {
    let server = TestServer::start();
    let admin = server.admin_token();
    let (customer, _) = server.register("ada@example.com");
    let product = server
        .engine
        .product_by_sku("SKU-03")
        .expect("reads")
        .expect("exists");
    let path = format!("/v1/products/{}", product.id);
    let found = |server: &TestServer| {
        let search = ok(&server.get("/v1/search?q=product&limit=100"), 200);
        let id = product.id.to_string();
        search["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|hit| hit["product"]["id"] == id.as_str())
    };
    assert!(found(&server));
    let archived = ok(
        &server.call("DELETE", &path, Some(&admin), &Value::Null),
        200,
    );
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["id"], product.id.to_string().as_str());
    assert!(!found(&server), "archived products are not searched");
    server.get(&path).assert_error(404, "not_found", None);
    server
        .call("GET", &path, Some(&customer), &Value::Null)
        .assert_error(404, "not_found", None);
    assert_eq!(
        ok(&server.call("GET", &path, Some(&admin), &Value::Null), 200)["status"],
        "archived"
    );
    assert_eq!(
        ok(
            &server.call("DELETE", &path, Some(&admin), &Value::Null),
            200
        )["status"],
        "archived"
    );
    // Drafts, too, are the admins' to see.
    let draft = server
        .engine
        .product_by_sku("DRAFT-1")
        .expect("reads")
        .expect("exists");
    let draft_path = format!("/v1/products/{}", draft.id);
    assert_eq!(
        ok(
            &server.call("GET", &draft_path, Some(&admin), &Value::Null),
            200
        )["status"],
        "draft"
    );
    server
        .call("GET", &draft_path, Some(&customer), &Value::Null)
        .assert_error(404, "not_found", None);
}
