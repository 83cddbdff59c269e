//! Store format compatibility: a store written by an earlier release of the format
//! opens and reads correctly with this binary. `fixtures/store-v1/` was written by
//! format version 1 (see `write_fixture`, run by hand with `--ignored` only when a new
//! format version is introduced, to add a fixture for it; old fixtures are never
//! rewritten).

use std::collections::BTreeMap;
use std::path::Path;

use emporium::{CategoryRef, Currency, Engine, Money, NewProduct, ProductQuery, ProductStatus};

const FIXTURE_V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/store-v1");

fn fixture_products() -> Vec<NewProduct> {
    (0..3)
        .map(|i| NewProduct {
            sku: format!("FIX-{i}"),
            name: format!("Fixture Product {i}"),
            description: "Written by store format version 1.".into(),
            brand: Some("Müller & Söhne".into()),
            category: CategoryRef::Path("Home/Kitchen".into()),
            price: Money::new(1000 + i, Currency::USD),
            attributes: BTreeMap::from([("color".into(), "red".into())]),
            images: vec![format!("https://img.example/{i}.jpg")],
            stock: 10 + i,
            status: ProductStatus::Active,
        })
        .collect()
}

#[test]
#[ignore = "writes the fixture; run by hand when a format version is added"]
fn write_fixture() {
    let dir = Path::new(FIXTURE_V1);
    let _ = std::fs::remove_dir_all(dir);
    let engine = Engine::open(dir).expect("open");
    let report = engine.import_products(fixture_products()).expect("import");
    assert_eq!(report.imported, 3);
}

#[test]
fn a_version_1_store_opens_and_reads() {
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(FIXTURE_V1).expect("fixture exists") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copy");
        }
    }
    let engine = Engine::open(copy.path()).expect("a version 1 store opens");
    let page = engine
        .list_products(&ProductQuery {
            limit: 10,
            sort: emporium::ProductSort::PriceAsc,
            ..Default::default()
        })
        .expect("list");
    let names: Vec<&str> = page.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Fixture Product 0",
            "Fixture Product 1",
            "Fixture Product 2"
        ]
    );
    let first = &page.products[0];
    assert_eq!(first.brand.as_deref(), Some("Müller & Söhne"));
    assert_eq!(
        engine
            .category(first.category_id)
            .map(|c| c.path)
            .as_deref(),
        Some("Home/Kitchen")
    );
    assert_eq!(engine.stock(first.id).on_hand, 10);
    let next = engine.create_product(NewProduct {
        sku: "NEW".into(),
        ..fixture_products().remove(0)
    });
    assert!(next.is_ok(), "and takes new writes");
}
