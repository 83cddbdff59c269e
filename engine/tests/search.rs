//! Search through the engine: a product write is answered only once it is searchable
//! (read-your-writes), archiving removes it, stock filters follow live stock, the index
//! survives a restart and can be rebuilt, and autocomplete follows the catalog.

use std::collections::BTreeMap;
use std::time::Duration;

use emporium::search::SearchRequest;
use emporium::{CategoryRef, Currency, Engine, Money, NewProduct, ProductPatch, ProductStatus};

fn product(sku: &str, name: &str, brand: &str, stock: u64) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: name.into(),
        description: format!("{name} for everyday use."),
        brand: Some(brand.into()),
        category: CategoryRef::Path("Electronics/Audio".into()),
        price: Money::new(4_999, Currency::USD),
        attributes: BTreeMap::new(),
        images: Vec::new(),
        stock,
        status: ProductStatus::Active,
    }
}

fn search(engine: &Engine, q: &str) -> Vec<String> {
    let results = engine
        .search(&SearchRequest {
            q: q.into(),
            limit: 20,
            ..Default::default()
        })
        .expect("search");
    results
        .hits
        .iter()
        .map(|hit| {
            engine
                .product(hit.product_id)
                .expect("get")
                .expect("exists")
                .sku
                .clone()
        })
        .collect()
}

#[test]
fn writes_are_searchable_when_answered() {
    let engine = Engine::open_in_memory().expect("open");
    engine
        .create_product(product("A", "Studio Headphones Pro", "Acme Audio", 3))
        .expect("create");
    assert_eq!(
        search(&engine, "studio headphones"),
        ["A"],
        "visible at once"
    );
    assert_eq!(search(&engine, "studio headphnes"), ["A"], "typo tolerated");
    let id = engine.product_by_sku("A").expect("sku").expect("exists").id;
    let patch = ProductPatch {
        name: Some("Travel Earbuds".into()),
        description: Some("Small and light.".into()),
        ..Default::default()
    };
    engine.update_product(id, patch, None).expect("update");
    assert!(
        search(&engine, "studio").is_empty(),
        "the old name and description are gone at once"
    );
    assert_eq!(search(&engine, "earbuds"), ["A"]);
    engine.archive_product(id).expect("archive");
    assert!(
        search(&engine, "earbuds").is_empty(),
        "archived products are not searched"
    );
    assert!(engine.is_ready());
}

#[test]
fn stock_filter_and_total_follow_live_stock() {
    let engine = Engine::open_in_memory().expect("open");
    let report = engine
        .import_products(vec![
            product("S1", "Speaker One", "Acme", 2),
            product("S2", "Speaker Two", "Acme", 0),
            product("S3", "Speaker Three", "Kestrel", 1),
        ])
        .expect("import");
    assert_eq!(report.imported, 3);
    let in_stock = SearchRequest {
        q: "speaker".into(),
        in_stock: true,
        limit: 10,
        ..Default::default()
    };
    let results = engine.search(&in_stock).expect("search");
    assert_eq!(results.total, 2);
    let brands: BTreeMap<String, u64> = results
        .facets
        .brand
        .iter()
        .map(|f| (f.value.clone(), f.count))
        .collect();
    assert_eq!(
        brands,
        BTreeMap::from([("Acme".into(), 1), ("Kestrel".into(), 1)])
    );
    let all = SearchRequest {
        q: String::new(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        engine.search(&all).expect("search").total,
        3,
        "an empty query lists everything"
    );
}

#[test]
fn the_index_survives_restart_and_rebuilds() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let engine = Engine::open(dir.path()).expect("open");
        engine
            .create_product(product("P1", "Walnut Desk Organizer", "Kestrel", 5))
            .expect("create");
    }
    let engine = Engine::open(dir.path()).expect("reopen");
    assert!(engine.wait_until_ready(Duration::from_secs(30)));
    assert_eq!(search(&engine, "walnut"), ["P1"]);
    assert_eq!(engine.reindex().expect("reindex"), 1);
    assert_eq!(search(&engine, "organizer"), ["P1"]);
    engine
        .create_product(product("P2", "Walnut Wall Shelf", "Kestrel", 5))
        .expect("create");
    assert_eq!(search(&engine, "walnut").len(), 2);
}

#[test]
fn autocomplete_follows_the_catalog_and_keeps_to_the_prefix() {
    let engine = Engine::open_in_memory().expect("open");
    engine
        .create_product(product("H1", "Studio Headphones Pro", "Café Noir", 1))
        .expect("create");
    engine
        .create_product(product("H2", "Studio Monitor Speakers", "Acme", 1))
        .expect("create");
    let texts: Vec<String> = engine
        .autocomplete("studio head", 5)
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(texts, ["Studio Headphones Pro"]);
    let brands: Vec<String> = engine
        .autocomplete("cafe", 5)
        .into_iter()
        .map(|s| s.text)
        .collect();
    assert_eq!(brands, ["Café Noir"], "accents ignored");
    for suggestion in engine.autocomplete("STU", 10) {
        assert!(
            suggestion.text.to_lowercase().starts_with("stu"),
            "{}",
            suggestion.text
        );
    }
    let id = engine
        .product_by_sku("H1")
        .expect("sku")
        .expect("exists")
        .id;
    engine.archive_product(id).expect("archive");
    assert!(
        engine.autocomplete("studio head", 5).is_empty(),
        "archived names leave the trie"
    );
}
