//! The catalog through the engine's public API: validation names the field, writes are
//! durable across reopen, listings paginate with no duplicates or gaps under every sort
//! and filter, and SKUs stay unique under concurrent creation.

use std::collections::{BTreeMap, HashSet};

use emporium::{
    CatalogError, CategoryRef, Currency, Engine, Error, Money, NewProduct, ProductId, ProductPatch,
    ProductQuery, ProductSort, ProductStatus,
};

fn product(sku: &str, name: &str, category: &str, price: u64) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: name.into(),
        description: format!("{name}, described."),
        brand: Some(if price % 2 == 0 { "Acme" } else { "Café Noir" }.into()),
        category: CategoryRef::Path(category.into()),
        price: Money::new(price, Currency::USD),
        attributes: BTreeMap::new(),
        images: Vec::new(),
        stock: price % 3,
        status: ProductStatus::Active,
    }
}

fn field(error: Error) -> String {
    match error {
        Error::Invalid(invalid) => invalid.field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn create_get_update_archive() {
    let engine = Engine::open_in_memory().expect("open");
    let created = engine
        .create_product(product("A-1", "Kettle", "Home/Kitchen", 2500))
        .expect("create");
    assert_eq!(created.version, 1);
    let path = engine.category(created.category_id).map(|c| c.path);
    assert_eq!(path.as_deref(), Some("Home/Kitchen"));
    let fetched = engine.product(created.id).expect("get").expect("exists");
    assert_eq!(*fetched, created);
    let by_sku = engine
        .product_by_sku("A-1")
        .expect("by sku")
        .expect("exists");
    assert_eq!(by_sku.id, created.id);

    let patch = ProductPatch {
        name: Some("Electric Kettle".into()),
        ..Default::default()
    };
    let updated = engine
        .update_product(created.id, patch, Some(1))
        .expect("update");
    assert_eq!(
        (updated.version, updated.name.as_str()),
        (2, "Electric Kettle")
    );
    assert_eq!(
        engine.product(created.id).expect("get").map(|p| p.version),
        Some(2)
    );

    let stale = ProductPatch {
        name: Some("Old".into()),
        ..Default::default()
    };
    match engine.update_product(created.id, stale, Some(1)) {
        Err(Error::Catalog(CatalogError::VersionMismatch {
            expected: 1,
            current: 2,
        })) => {}
        other => panic!("expected a version mismatch, got {other:?}"),
    }
    let archived = engine.archive_product(created.id).expect("archive");
    assert_eq!(archived.status, ProductStatus::Archived);
    let listed = engine
        .list_products(&ProductQuery {
            limit: 10,
            ..Default::default()
        })
        .expect("list");
    assert!(
        listed.products.is_empty(),
        "archived products are not listed"
    );
    assert!(
        engine.product(created.id).expect("get").is_some(),
        "but kept"
    );
}

#[test]
fn every_validation_error_names_its_field() {
    let engine = Engine::open_in_memory().expect("open");
    let base = || product("V-1", "Valid", "Tools", 100);
    let cases: Vec<(NewProduct, &str)> = vec![
        (
            NewProduct {
                sku: String::new(),
                ..base()
            },
            "sku",
        ),
        (
            NewProduct {
                sku: "a/b".into(),
                ..base()
            },
            "sku",
        ),
        (
            NewProduct {
                name: String::new(),
                ..base()
            },
            "name",
        ),
        (
            NewProduct {
                name: "x".repeat(201),
                ..base()
            },
            "name",
        ),
        (
            NewProduct {
                description: "x".repeat(10_001),
                ..base()
            },
            "description",
        ),
        (
            NewProduct {
                price: Money::new(0, Currency::USD),
                ..base()
            },
            "price.amount",
        ),
        (
            NewProduct {
                category: CategoryRef::Path("/".into()),
                ..base()
            },
            "category",
        ),
        (
            NewProduct {
                stock: 1_000_000_000_001,
                ..base()
            },
            "stock",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            field(engine.create_product(input).expect_err(expected)),
            expected
        );
    }
    let missing = NewProduct {
        category: CategoryRef::Id(emporium::CategoryId::from_raw(999)),
        ..base()
    };
    match engine.create_product(missing) {
        Err(Error::Catalog(CatalogError::CategoryNotFound {
            field: "category_id",
            ..
        })) => {}
        other => panic!("expected an unknown category, got {other:?}"),
    }
    let patch = ProductPatch {
        price: Some(Money::new(0, Currency::USD)),
        ..Default::default()
    };
    let id = engine.create_product(base()).expect("create").id;
    assert_eq!(
        field(
            engine
                .update_product(id, patch, None)
                .expect_err("zero price")
        ),
        "price.amount"
    );
    match engine.update_product(ProductId::from_raw(12345), ProductPatch::default(), None) {
        Err(Error::Catalog(CatalogError::ProductNotFound { .. })) => {}
        other => panic!("expected not found, got {other:?}"),
    }
    let (products, _) = (
        engine.list_products(&ProductQuery {
            limit: 100,
            ..Default::default()
        }),
        (),
    );
    assert_eq!(
        products.expect("list").products.len(),
        1,
        "refused writes change nothing"
    );
}

#[test]
fn duplicate_sku_is_refused_even_when_racing() {
    let engine = Engine::open_in_memory().expect("open");
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let engine = engine.clone();
            std::thread::spawn(move || {
                engine.create_product(product("RACE", &format!("Racer {i}"), "Toys", 100))
            })
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let created = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(created, 1);
    for outcome in outcomes.into_iter().filter_map(Result::err) {
        assert!(
            matches!(outcome, Error::Catalog(CatalogError::DuplicateSku { .. })),
            "{outcome:?}"
        );
    }
}

#[test]
fn categories_from_paths_are_shared_and_exact() {
    let engine = Engine::open_in_memory().expect("open");
    let a = engine
        .create_product(product("C-1", "A", "Home/Kitchen", 100))
        .expect("a");
    let b = engine
        .create_product(product("C-2", "B", "Home/Kitchen", 100))
        .expect("b");
    let c = engine
        .create_product(product("C-3", "C", "Home/kitchen", 100))
        .expect("c");
    assert_eq!(a.category_id, b.category_id);
    assert_ne!(
        a.category_id, c.category_id,
        "names are kept exactly as given"
    );
    let paths: Vec<String> = engine.categories().into_iter().map(|c| c.path).collect();
    assert_eq!(paths, ["Home", "Home/Kitchen", "Home/kitchen"]);
    let home = engine.categories()[0].id;
    let garden = engine
        .create_category("Garden", Some(home))
        .expect("category");
    assert_eq!(garden.path, "Home/Garden");
    match engine.create_category("Garden", Some(home)) {
        Err(Error::Catalog(CatalogError::DuplicateCategory { .. })) => {}
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

fn all_pages(engine: &Engine, query: ProductQuery) -> Vec<ProductId> {
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..1_000 {
        let page = engine
            .list_products(&ProductQuery {
                cursor: cursor.clone(),
                ..query.clone()
            })
            .expect("page");
        assert!(page.products.len() <= query.limit);
        seen.extend(page.products.iter().map(|p| p.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
    panic!("pagination did not end");
}

#[test]
fn pagination_has_no_duplicates_or_gaps_under_every_sort_and_filter() {
    let engine = Engine::open_in_memory().expect("open");
    let categories = ["Home/Kitchen", "Home/Garden", "Sports/Outdoor"];
    let inputs: Vec<NewProduct> = (0..157u64)
        .map(|i| {
            // Repeated prices and names force the id tie-break.
            let name = format!("Item {:03}", i % 40);
            product(
                &format!("P-{i}"),
                &name,
                categories[(i % 3) as usize],
                100 + (i % 17) * 10,
            )
        })
        .collect();
    let report = engine.import_products(inputs.clone()).expect("import");
    assert_eq!((report.imported, report.rejected.len()), (157, 0));
    let home = engine
        .categories()
        .into_iter()
        .find(|c| c.path == "Home")
        .expect("home")
        .id;
    let all: Vec<_> = all_pages(
        &engine,
        ProductQuery {
            limit: 100,
            ..Default::default()
        },
    );
    for sort in [
        ProductSort::PriceAsc,
        ProductSort::PriceDesc,
        ProductSort::Newest,
        ProductSort::Name,
    ] {
        for (category, brand, in_stock) in [
            (None, None, false),
            (Some(home), Some("acme"), false),
            (None, None, true),
        ] {
            let query = ProductQuery {
                category,
                brand: brand.map(String::from),
                min_price: Some(150),
                max_price: Some(230),
                in_stock,
                sort,
                limit: 7,
                cursor: None,
            };
            let ids = all_pages(&engine, query.clone());
            let unique: HashSet<_> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "no duplicates ({sort:?})");
            let expected = all
                .iter()
                .filter(|id| {
                    let p = engine.product(**id).expect("get").expect("exists");
                    let path = engine.category(p.category_id).expect("category").path;
                    (150..=230).contains(&p.price.amount)
                        && category.is_none_or(|_| path.starts_with("Home/"))
                        && brand.is_none_or(|_| p.brand.as_deref() == Some("Acme"))
                        && (!in_stock || engine.stock(p.id).available > 0)
                })
                .count();
            assert_eq!(
                ids.len(),
                expected,
                "no gaps ({sort:?}, {category:?}, {in_stock})"
            );
            let prices: Vec<u64> = ids
                .iter()
                .map(|id| engine.product(*id).expect("get").expect("e").price.amount)
                .collect();
            match sort {
                ProductSort::PriceAsc => assert!(prices.windows(2).all(|w| w[0] <= w[1])),
                ProductSort::PriceDesc => assert!(prices.windows(2).all(|w| w[0] >= w[1])),
                _ => {}
            }
        }
    }
}

#[test]
fn bad_cursors_and_limits_are_refused() {
    let engine = Engine::open_in_memory().expect("open");
    for i in 0..5 {
        engine
            .create_product(product(&format!("B-{i}"), "B", "X", 100 + i))
            .expect("create");
    }
    let page = engine
        .list_products(&ProductQuery {
            limit: 2,
            sort: ProductSort::PriceAsc,
            ..Default::default()
        })
        .expect("page");
    let cursor = page.next_cursor.expect("more pages");
    let cases = [
        ("zz".to_string(), ProductSort::PriceAsc),
        ("00".to_string(), ProductSort::PriceAsc),
        (format!("{cursor}00"), ProductSort::PriceAsc),
        (cursor.clone(), ProductSort::Name),
        ("é".repeat(3_000), ProductSort::PriceAsc),
    ];
    for (bad, sort) in cases {
        let query = ProductQuery {
            limit: 2,
            sort,
            cursor: Some(bad),
            ..Default::default()
        };
        assert_eq!(
            field(engine.list_products(&query).expect_err("bad cursor")),
            "cursor"
        );
    }
    for limit in [0, 101] {
        assert_eq!(
            field(
                engine
                    .list_products(&ProductQuery {
                        limit,
                        ..Default::default()
                    })
                    .expect_err("limit")
            ),
            "limit"
        );
    }
}

#[test]
fn reopening_a_store_keeps_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, category) = {
        let engine = Engine::open(dir.path()).expect("open");
        let created = engine
            .create_product(product("R-1", "Durable", "Home/Kitchen", 999))
            .expect("create");
        let patch = ProductPatch {
            price: Some(Money::new(899, Currency::USD)),
            ..Default::default()
        };
        engine
            .update_product(created.id, patch, None)
            .expect("update");
        (created.id, created.category_id)
    };
    let engine = Engine::open(dir.path()).expect("reopen");
    let product = engine.product(id).expect("get").expect("still there");
    assert_eq!((product.price.amount, product.version), (899, 2));
    assert_eq!(
        engine.category(category).map(|c| c.path).as_deref(),
        Some("Home/Kitchen")
    );
    assert_eq!(engine.stock(id).on_hand, 999 % 3);
    assert!(engine.sku_may_exist("R-1"));
    let next = engine
        .create_product(product_with_sku("R-2"))
        .expect("ids continue");
    assert_ne!(next.id, id);
    assert!(matches!(
        engine.create_product(product_with_sku("R-1")),
        Err(Error::Catalog(CatalogError::DuplicateSku { .. }))
    ));
}

fn product_with_sku(sku: &str) -> NewProduct {
    product(sku, "Another", "Home/Kitchen", 100)
}

#[test]
fn cache_counts_hits_and_misses_and_serves_the_latest_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let engine = Engine::open(dir.path()).expect("open");
        engine
            .create_product(product("H-1", "Hot", "X", 100))
            .expect("create")
            .id
    };
    let engine = Engine::open(dir.path()).expect("reopen");
    assert_eq!(engine.cache_counters(), (0, 0));
    engine.product(id).expect("miss");
    engine.product(id).expect("hit");
    assert_eq!(engine.cache_counters(), (1, 1));
    let patch = ProductPatch {
        name: Some("Hotter".into()),
        ..Default::default()
    };
    engine.update_product(id, patch, None).expect("update");
    assert_eq!(
        engine
            .product(id)
            .expect("get")
            .map(|p| p.name.clone())
            .as_deref(),
        Some("Hotter")
    );
}

#[test]
fn unknown_skus_are_rejected_by_the_bloom_filter() {
    let engine = Engine::open_in_memory().expect("open");
    let inputs: Vec<_> = (0..2_000)
        .map(|i| product(&format!("K-{i}"), "K", "X", 100))
        .collect();
    engine.import_products(inputs).expect("import");
    assert!((0..2_000).all(|i| engine.sku_may_exist(&format!("K-{i}"))));
    let false_positives = (0..20_000)
        .filter(|i| engine.sku_may_exist(&format!("UNKNOWN-{i}")))
        .count();
    assert!(
        false_positives <= 200,
        "{false_positives} false positives in 20,000"
    );
    assert!(
        engine
            .product_by_sku("UNKNOWN-1")
            .expect("lookup")
            .is_none()
    );
}

#[test]
fn import_reports_bad_lines_and_keeps_going() {
    let engine = Engine::open_in_memory().expect("open");
    let mut inputs: Vec<_> = (0..10)
        .map(|i| product(&format!("I-{i}"), "I", "X", 100))
        .collect();
    inputs[3].name = String::new();
    inputs[7].sku = "I-1".into();
    let report = engine.import_products(inputs).expect("import");
    assert_eq!(report.imported, 8);
    let indexes: Vec<usize> = report.rejected.iter().map(|r| r.index).collect();
    assert_eq!(indexes, [3, 7]);
}
