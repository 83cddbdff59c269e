//! Every field error of every decoder, by field and code: the contract an importer's
//! report and an API client's `param` rely on.

use serde_json::{Value, json};

use super::*;

fn full() -> Value {
    json!({
        "sku": "HP-100",
        "name": "Studio Headphones Pro",
        "description": "Closed-back.",
        "brand": "Acme Audio",
        "category": "Electronics/Audio",
        "price": {"amount": 19900, "currency": "USD"},
        "attributes": {"color": "black"},
        "images": ["https://img.example/1.jpg"],
        "stock": 25,
        "status": "draft"
    })
}

/// `full()` with `key` set to `value` (or removed when `value` is `None`).
fn with(key: &str, value: Option<Value>) -> Value {
    let mut body = full();
    let map = body.as_object_mut().expect("object");
    match value {
        Some(value) => map.insert(key.to_string(), value),
        None => map.remove(key),
    };
    body
}

fn refusal(result: Result<impl std::fmt::Debug, ValidationError>) -> (String, &'static str) {
    let error = result.expect_err("must be refused");
    assert!(!error.message.is_empty());
    (error.field, error.code)
}

#[test]
fn decodes_every_field() {
    let product = new_product(&full()).expect("valid");
    assert_eq!(product.sku, "HP-100");
    assert_eq!(product.brand.as_deref(), Some("Acme Audio"));
    assert_eq!(
        product.category,
        CategoryRef::Path("Electronics/Audio".into())
    );
    assert_eq!(product.price, Money::new(19_900, Currency::USD));
    assert_eq!(product.attributes["color"], "black");
    assert_eq!(product.images.len(), 1);
    assert_eq!(product.stock, 25);
    assert_eq!(product.status, ProductStatus::Draft);
}

#[test]
fn optional_fields_default() {
    let body = json!({
        "sku": "A", "name": "n", "description": "", "category": "Home",
        "price": {"amount": 1, "currency": "EUR"}, "brand": null
    });
    let product = new_product(&body).expect("valid");
    assert_eq!(product.brand, None);
    assert!(product.attributes.is_empty() && product.images.is_empty());
    assert_eq!(product.stock, 0);
    assert_eq!(product.status, ProductStatus::Active);
}

#[test]
fn category_id_is_an_alternative_to_category() {
    let text = "cat_0123456789abc";
    let id = CategoryId::parse(text).expect("a well-formed id");
    let mut body = with("category", None);
    body["category_id"] = json!(text);
    let product = new_product(&body).expect("valid");
    assert_eq!(product.category, CategoryRef::Id(id));
}

#[test]
fn every_new_product_field_error_names_its_field() {
    #[rustfmt::skip]
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!([1]), "", "invalid_type"),
        (json!("text"), "", "invalid_type"),
        (with("sku", None), "sku", "required"),
        (with("sku", Some(Value::Null)), "sku", "required"),
        (with("sku", Some(json!(5))), "sku", "invalid_type"),
        (with("sku", Some(json!("a/b"))), "sku", "invalid"),
        (with("sku", Some(json!(""))), "sku", "too_short"),
        (with("name", None), "name", "required"),
        (with("name", Some(json!(["x"]))), "name", "invalid_type"),
        (with("name", Some(json!(" "))), "name", "too_short"),
        (with("name", Some(json!("n".repeat(201)))), "name", "too_long"),
        (with("description", None), "description", "required"),
        (with("description", Some(json!(1))), "description", "invalid_type"),
        (with("description", Some(json!("d".repeat(10_001)))), "description", "too_long"),
        (with("brand", Some(json!(true))), "brand", "invalid_type"),
        (with("brand", Some(json!(""))), "brand", "too_short"),
        (with("category", None), "category", "required"),
        (with("category", Some(json!(3))), "category", "invalid_type"),
        (with("category", Some(json!("Home//Kitchen"))), "category", "too_short"),
        (with("category_id", Some(json!("cat_x"))), "category", "conflicting_fields"),
        (with("price", None), "price", "required"),
        (with("price", Some(json!(1999))), "price", "invalid_type"),
        (with("price", Some(json!({"currency": "USD"}))), "price.amount", "required"),
        (with("price", Some(json!({"amount": "1", "currency": "USD"}))), "price.amount", "invalid_type"),
        (with("price", Some(json!({"amount": 1.5, "currency": "USD"}))), "price.amount", "invalid_type"),
        (with("price", Some(json!({"amount": -1, "currency": "USD"}))), "price.amount", "out_of_range"),
        (with("price", Some(json!({"amount": 0, "currency": "USD"}))), "price.amount", "out_of_range"),
        (with("price", Some(json!({"amount": 1e30, "currency": "USD"}))), "price.amount", "invalid_type"),
        (with("price", Some(json!({"amount": 1}))), "price.currency", "required"),
        (with("price", Some(json!({"amount": 1, "currency": "usd"}))), "price.currency", "invalid"),
        (with("price", Some(json!({"amount": 1, "currency": 840}))), "price.currency", "invalid_type"),
        (with("price", Some(json!({"amount": 1, "currency": "USD", "tax": 1}))), "price.tax", "unknown_field"),
        (with("attributes", Some(json!(["a"]))), "attributes", "invalid_type"),
        (with("attributes", Some(json!({"weight": 5}))), "attributes.weight", "invalid_type"),
        (with("attributes", Some(json!({"": "x"}))), "attributes", "too_short"),
        (with("attributes", Some(json!({"k": "v".repeat(1_001)}))), "attributes.k", "too_long"),
        (with("images", Some(json!("https://x"))), "images", "invalid_type"),
        (with("images", Some(json!(["https://x", 2]))), "images.1", "invalid_type"),
        (with("images", Some(json!([""]))), "images.0", "too_short"),
        (with("images", Some(json!(vec!["u"; 33]))), "images", "too_long"),
        (with("stock", Some(json!(-5))), "stock", "out_of_range"),
        (with("stock", Some(json!(-5.0))), "stock", "out_of_range"),
        (with("stock", Some(json!(2.5))), "stock", "invalid_type"),
        (with("stock", Some(json!("5"))), "stock", "invalid_type"),
        (with("stock", Some(json!(1_000_000_000_001u64))), "stock", "out_of_range"),
        (with("status", Some(json!("deleted"))), "status", "invalid"),
        (with("status", Some(json!(1))), "status", "invalid"),
        (with("categroy", Some(json!("Home"))), "categroy", "unknown_field"),
    ];
    for (body, field, code) in cases {
        assert_eq!(
            refusal(new_product(&body)),
            (field.to_string(), code),
            "{body}"
        );
    }
}

#[test]
fn a_malformed_category_id_is_refused_on_its_field() {
    let mut body = with("category", None);
    body["category_id"] = json!("Home");
    assert_eq!(
        refusal(new_product(&body)),
        ("category_id".into(), "invalid")
    );
    body["category_id"] = json!(12);
    assert_eq!(
        refusal(new_product(&body)),
        ("category_id".into(), "invalid_type")
    );
}

#[test]
fn import_lines_report_json_errors_without_a_field() {
    assert_eq!(
        refusal(product_line(b"{\"sku\": ")),
        (String::new(), "invalid_json")
    );
    assert_eq!(refusal(product_line(b"")), (String::new(), "invalid_json"));
    let line = serde_json::to_vec(&full()).expect("serializes");
    assert!(product_line(&line).is_ok());
}

#[test]
fn the_sample_catalog_shape_decodes() {
    let line = emporium_data::product(emporium_data::DEFAULT_SEED, 0);
    let bytes = serde_json::to_vec(&line).expect("serializes");
    let product = product_line(&bytes).expect("the generator writes valid lines");
    assert_eq!(product.sku, line.sku);
}

#[test]
fn patches_keep_absent_fields_and_remove_a_null_brand() {
    let patch = product_patch(&json!({})).expect("valid");
    assert!(patch.is_empty());
    let patch = product_patch(&json!({"brand": null, "name": "New"})).expect("valid");
    assert_eq!(patch.brand, Some(None));
    assert_eq!(patch.name.as_deref(), Some("New"));
    let patch =
        product_patch(&json!({"price": {"amount": 5, "currency": "GBP"}, "status": "archived"}))
            .expect("valid");
    assert_eq!(patch.price.map(|price| price.amount), Some(5));
    assert_eq!(patch.status, Some(ProductStatus::Archived));
}

#[test]
fn every_patch_field_error_names_its_field() {
    #[rustfmt::skip]
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!(null), "", "invalid_type"),
        (json!({"sku": "B"}), "sku", "immutable"),
        (json!({"stock": 5}), "stock", "immutable"),
        (json!({"name": null}), "name", "invalid_type"),
        (json!({"name": ""}), "name", "too_short"),
        (json!({"description": 5}), "description", "invalid_type"),
        (json!({"brand": 5}), "brand", "invalid_type"),
        (json!({"category": null}), "category", "invalid_type"),
        (json!({"category_id": "nope"}), "category_id", "invalid"),
        (json!({"category_id": "x", "category": "y"}), "category", "conflicting_fields"),
        (json!({"price": {"amount": 0, "currency": "USD"}}), "price.amount", "out_of_range"),
        (json!({"attributes": {"a": 1}}), "attributes.a", "invalid_type"),
        (json!({"images": [null]}), "images.0", "invalid_type"),
        (json!({"status": "gone"}), "status", "invalid"),
        (json!({"colour": "red"}), "colour", "unknown_field"),
    ];
    for (body, field, code) in cases {
        assert_eq!(
            refusal(product_patch(&body)),
            (field.to_string(), code),
            "{body}"
        );
    }
}

#[test]
fn categories_decode_and_refuse_by_field() {
    let parent_text = "cat_1000000000000";
    let parent = CategoryId::parse(parent_text).expect("a well-formed id");
    let category =
        new_category(&json!({"name": "Kitchen", "parent_id": parent_text})).expect("valid");
    assert_eq!(category.name, "Kitchen");
    assert_eq!(category.parent_id, Some(parent));
    let root = new_category(&json!({"name": "Home", "parent_id": null})).expect("valid");
    assert_eq!(root.parent_id, None);
    #[rustfmt::skip]
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "name", "required"),
        (json!({"name": 1}), "name", "invalid_type"),
        (json!({"name": "a/b"}), "name", "invalid"),
        (json!({"name": ""}), "name", "too_short"),
        (json!({"name": "A", "parent_id": "cat_"}), "parent_id", "invalid"),
        (json!({"name": "A", "parent": "x"}), "parent", "unknown_field"),
    ];
    for (body, field, code) in cases {
        assert_eq!(
            refusal(new_category(&body)),
            (field.to_string(), code),
            "{body}"
        );
    }
}

/// JSON Schema's `integer` includes `100.0`; the OpenAPI document says `integer`, so
/// the decoder takes whole floats too (exactly representable ones).
#[test]
fn whole_floats_are_whole_numbers() {
    let body = with("price", Some(json!({"amount": 1999.0, "currency": "USD"})));
    assert_eq!(new_product(&body).expect("valid").price.amount, 1999);
    let body = with("stock", Some(json!(12.0)));
    assert_eq!(new_product(&body).expect("valid").stock, 12);
    let beyond_exact = with("stock", Some(json!(1e16)));
    assert_eq!(
        refusal(new_product(&beyond_exact)),
        ("stock".to_string(), "invalid_type")
    );
}

/// Regression: `{"delta": 4.0}` was refused as "not a whole number" although the
/// document says `integer`, which in JSON Schema includes `4.0` (found by schemathesis).
#[test]
fn a_whole_float_delta_is_a_whole_number() {
    let adjust = |delta: Value| stock_adjustment(&json!({"delta": delta, "reason": "count"}));
    assert_eq!(adjust(json!(4.0)).expect("valid").0, 4);
    assert_eq!(adjust(json!(-4.0)).expect("valid").0, -4);
    assert_eq!(adjust(json!(-7)).expect("valid").0, -7);
    assert_eq!(
        refusal(adjust(json!(4.5))),
        ("delta".to_string(), "invalid_type")
    );
    assert_eq!(
        refusal(adjust(json!(-0.25))),
        ("delta".to_string(), "invalid_type")
    );
    // Past 2^53 a float no longer says which whole number was sent.
    assert_eq!(
        refusal(adjust(json!(1e16))),
        ("delta".to_string(), "invalid_type")
    );
    assert_eq!(
        refusal(adjust(json!(u64::MAX))),
        ("delta".to_string(), "out_of_range")
    );
    assert_eq!(
        refusal(adjust(json!("4"))),
        ("delta".to_string(), "invalid_type")
    );
}

/// Every decoder that takes an integer takes it written as a whole float too.
#[test]
fn whole_floats_are_whole_numbers_in_every_body() {
    assert_eq!(
        cart_item(&json!({"sku": "A", "quantity": 3.0})).expect("valid"),
        ("A".to_string(), 3)
    );
    assert_eq!(cart_quantity(&json!({"quantity": 2.0})).expect("valid"), 2);
    assert_eq!(
        refund_amount(&json!({"amount": 150.0})).expect("valid"),
        Some(150)
    );
    // The schema's bound: every u64 is an amount (a 409 later if it is more than is
    // refundable), one past it is not a number the decoder can hold.
    assert_eq!(
        refund_amount(&json!({"amount": u64::MAX})).expect("valid"),
        Some(u64::MAX)
    );
    let error =
        refund_amount(&json!({"amount": 18_446_744_073_709_551_616.0})).expect_err("too big");
    assert_eq!(error.field, "amount");
    let voucher = new_voucher(&json!({
        "code": "SAVE10", "kind": "percent", "value": 10.0, "min_subtotal": 1000.0,
        "max_uses": 5.0, "max_uses_per_user": 1.0,
    }))
    .expect("valid");
    assert_eq!(
        (voucher.value, voucher.min_subtotal, voucher.max_uses),
        (10, Some(1000), Some(5))
    );
    assert_eq!(
        refusal(cart_quantity(&json!({"quantity": 2.5}))),
        ("quantity".to_string(), "invalid_type")
    );
    assert_eq!(
        refusal(new_voucher(
            &json!({"code": "X", "kind": "fixed", "value": 0.5})
        )),
        ("value".to_string(), "invalid_type")
    );
}
