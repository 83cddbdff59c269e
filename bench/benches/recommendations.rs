//! Recommendation queries through the engine's public API: `Engine::recommendations`
//! for Zipf-popular products of a 10,000-product catalog whose read model was fed
//! 2,000 orders of 1–3 lines and 60,000 product views in 6,000 sessions, the products
//! Zipf-skewed (s = 1). The query ranks bought-together neighbours, then also-viewed
//! ones, then its category's most popular products, and loads each product shown (a
//! hot-cache read), as `GET /v1/products/{id}/recommendations` does.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use emporium::model::{PaymentMethod, Visitor};
use emporium::{AddressInput, CheckoutRequest, Engine, PaymentInput, ProductId};
use emporium_bench::{Zipf, catalog};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const PRODUCTS: u64 = 10_000;
const ORDERS: usize = 2_000;
const SESSIONS: usize = 6_000;
const VIEWS_PER_SESSION: usize = 10;

fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        payment: PaymentInput {
            method: PaymentMethod::Cod,
            card_number: None,
        },
        shipping_address: AddressInput::Inline(emporium::NewAddress {
            name: "Bench".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: None,
            postal_code: "12345".into(),
            country: "US".into(),
            is_default: false,
        }),
        expected_version: None,
    }
}

fn fed_engine() -> (Engine, Vec<ProductId>) {
    let engine = Engine::open_in_memory().expect("open");
    let report = engine.import_products(catalog(PRODUCTS)).expect("import");
    assert_eq!(report.imported as u64, PRODUCTS);
    let page = engine
        .list_products(&emporium::ProductQuery {
            limit: emporium::PAGE_LIMIT_MAX,
            ..Default::default()
        })
        .expect("list");
    let mut ids: Vec<ProductId> = page.products.iter().map(|p| p.id).collect();
    let mut cursor = page.next_cursor;
    while let Some(next) = cursor {
        let page = engine
            .list_products(&emporium::ProductQuery {
                limit: emporium::PAGE_LIMIT_MAX,
                cursor: Some(next),
                ..Default::default()
            })
            .expect("list");
        ids.extend(page.products.iter().map(|p| p.id));
        cursor = page.next_cursor;
    }
    let zipf = Zipf::new(ids.len(), 1.0);
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..ORDERS {
        let cart = engine.create_cart(None).expect("cart");
        for _ in 0..rng.random_range(1..=3) {
            let product = ids[zipf.rank(rng.random())];
            let sku = engine
                .product(product)
                .expect("read")
                .expect("product")
                .sku
                .clone();
            // Stock may run out on the hottest products; the order goes on without them.
            let _ = engine.add_cart_item(cart.id, None, None, &sku, 1);
        }
        let _ = engine.checkout(cart.id, None, checkout_request(), None);
    }
    for session in 0..SESSIONS {
        let visitor = Visitor::new(None, Some(&format!("bench-{session}"))).expect("session");
        for _ in 0..VIEWS_PER_SESSION {
            let product = ids[zipf.rank(rng.random())];
            engine
                .record_product_view(product, visitor.clone(), None)
                .expect("view");
        }
        if session % 1_000 == 999 {
            engine.flush_activity();
        }
    }
    let seq = engine.flush_activity();
    assert!(engine.wait_read_models(seq, Duration::from_secs(120)));
    (engine, ids)
}

fn recommendations(c: &mut Criterion) {
    let (engine, ids) = fed_engine();
    let zipf = Zipf::new(ids.len(), 1.0);
    let mut rng = StdRng::seed_from_u64(11);
    let mut group = c.benchmark_group("recommendations");
    group.bench_function("zipf_product_8", |b| {
        b.iter(|| {
            let product = ids[zipf.rank(rng.random())];
            black_box(engine.recommendations(product, 8).expect("recommendations"))
        })
    });
    group.bench_function("hottest_product_8", |b| {
        b.iter(|| black_box(engine.recommendations(ids[0], 8).expect("recommendations")))
    });
    group.finish();
}

criterion_group!(benches, recommendations);
criterion_main!(benches);
