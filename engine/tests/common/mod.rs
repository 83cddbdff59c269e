//! Helpers shared by the commerce tests: products, carts, checkout requests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use emporium::model::PaymentMethod;
use emporium::{
    AddressInput, Cart, CategoryRef, CheckoutRequest, Config, Currency, Engine, Money, NewAddress,
    NewProduct, PaymentInput, PaymentProvider, PaymentsConfig, Product, ProductStatus,
    StoreLocation, TEST_CARD_SUCCESS, TestProvider,
};

/// A config for tests: no sweeper thread unless asked, fast payment retries.
pub fn config(location: StoreLocation, provider: Arc<TestProvider>) -> Config {
    let mut config = Config::new(location);
    config.hold_sweep_interval_ms = 0;
    config.payments = PaymentsConfig {
        provider: provider as Arc<dyn PaymentProvider>,
        attempts: 3,
        backoff_base_ms: 1,
        backoff_max_ms: 4,
        breaker_failures_max: 5,
        breaker_cooldown_ms: 60_000,
    };
    config
}

pub fn memory_engine() -> (Engine, Arc<TestProvider>) {
    let provider = Arc::new(TestProvider::default());
    let engine =
        Engine::open_with(config(StoreLocation::Memory, Arc::clone(&provider))).expect("open");
    (engine, provider)
}

pub fn file_engine(dir: &Path, provider: &Arc<TestProvider>) -> Engine {
    Engine::open_with(config(
        StoreLocation::Directory(dir.to_path_buf()),
        Arc::clone(provider),
    ))
    .expect("open")
}

pub fn usd(amount: u64) -> Money {
    Money::new(amount, Currency::USD)
}

pub fn new_product(sku: &str, price: Money, stock: u64) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: format!("Product {sku}"),
        description: String::new(),
        brand: None,
        category: CategoryRef::Path("Test".into()),
        price,
        attributes: BTreeMap::new(),
        images: Vec::new(),
        stock,
        status: ProductStatus::Active,
    }
}

pub fn product(engine: &Engine, sku: &str, price: u64, stock: u64) -> Product {
    engine
        .create_product(new_product(sku, usd(price), stock))
        .expect("product")
}

pub fn address() -> AddressInput {
    AddressInput::Inline(NewAddress {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: None,
        city: "London".into(),
        region: None,
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
        is_default: false,
    })
}

pub fn pay_with(method: PaymentMethod, card: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        payment: PaymentInput {
            method,
            card_number: card.map(String::from),
        },
        shipping_address: address(),
        expected_version: None,
    }
}

pub fn card(number: &str) -> CheckoutRequest {
    pay_with(PaymentMethod::Card, Some(number))
}

pub fn good_card() -> CheckoutRequest {
    card(TEST_CARD_SUCCESS)
}

pub fn cod() -> CheckoutRequest {
    pay_with(PaymentMethod::Cod, None)
}

/// A new anonymous cart holding `lines`.
pub fn cart_with(engine: &Engine, lines: &[(&str, u64)]) -> Cart {
    let mut cart = engine.create_cart(None).expect("cart");
    for &(sku, quantity) in lines {
        cart = engine
            .add_cart_item(cart.id, None, None, sku, quantity)
            .expect("add");
    }
    cart
}
