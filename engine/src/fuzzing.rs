//! The entry point for the fuzz targets in `fuzz/` and for their replay tests
//! (`engine/tests/fuzz_replay.rs`): each function takes the raw bytes of one fuzz
//! input and panics exactly when the engine misbehaves on it, so a fuzzer and an
//! ordinary `cargo test` over the committed corpora run the same code.
//!
//! Not part of the engine's API: nothing here is stable, and nothing here is needed to
//! use Emporium. It lives in the crate only because the targets must reach the record
//! types and the codec's internal invariants.
//!
//! - [`record_codec`]: arbitrary bytes as every stored record type; an error, never a
//!   panic, and whatever decodes survives a write and a read unchanged.
//! - [`search`]: arbitrary text, filters, page sizes and cursors against a small
//!   indexed catalog, plus autocomplete; a refusal names a field, a result keeps its
//!   bounds, and a cursor the engine handed out always works.
//! - [`cursors`]: arbitrary and tampered cursors for every paged listing (products in
//!   each sort, orders, an order's log, the stock ledger); pages never repeat a row.
//! - [`commerce_model`]: a bounded sequence of catalog, inventory, cart, checkout and
//!   order operations ([`CommerceRun`]) applied to a fresh in-memory engine and to a
//!   plain model, compared after every step.
//! - [`replay_corpus`]: runs a target over every file of a committed corpus, for the
//!   replay tests of this crate and of the HTTP layer.

mod model;
mod reads;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cart::CartRecord;
use crate::orders::{LogRecord, OrderRecord, encode_body, encode_with_id};
use crate::store::codec::{decode, encode};
use crate::{
    Actor, Address, AddressInput, Category, CategoryRef, CheckoutRequest, Config, Currency, Engine,
    EventRecord, Money, NewAddress, NewProduct, PaymentInput, PaymentMethod, PaymentProvider,
    PaymentsConfig, Product, ProductStatus, StockAdjustment, StoreLocation, TestProvider, UserId,
};

pub use model::{
    Action, CommerceOp, CommerceRun, MODEL_CARTS, MODEL_OPS_MAX, MODEL_SKUS, Pay, commerce_model,
    run_commerce,
};
pub use reads::{cursors, search};

/// The administrator every fuzzed order action runs as.
const ADMIN: Actor = Actor::Admin(UserId::from_raw(1));

/// Runs `target` on every file of the corpus `fuzz/corpus/<name>/` under `fuzz_dir`,
/// and panics listing the files it panicked on. An empty or missing corpus panics too,
/// so that a replay test cannot pass by finding nothing to replay.
pub fn replay_corpus(fuzz_dir: &std::path::Path, name: &str, target: fn(&[u8])) {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    let dir = fuzz_dir.join("corpus").join(name);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("corpus {}: {error}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let bytes = std::fs::read(path).expect("corpus file");
            catch_unwind(AssertUnwindSafe(|| target(&bytes))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs of `{name}` panic: {failed:#?}",
        failed.len(),
        files.len()
    );
}

// ---------------------------------------------------------------------------------------
// The record codec.

/// Decodes `bytes` as every stored record type. Decoding must fail cleanly on garbage,
/// and a value that does decode must survive being written and read again unchanged
/// (the input bytes need not be the ones the codec would write for it).
pub fn record_codec(bytes: &[u8]) {
    round_trip::<Product>(bytes);
    round_trip::<Category>(bytes);
    round_trip::<EventRecord>(bytes);
    round_trip::<CartRecord>(bytes);
    round_trip::<LogRecord>(bytes);
    round_trip::<StockAdjustment>(bytes);
    round_trip::<Address>(bytes);
    if let Some(order) = round_trip::<OrderRecord>(bytes) {
        // Order writes splice a pre-encoded body behind the id instead of encoding
        // the whole record; both ways must give the same bytes.
        let spliced = encode_with_id(order.id, &encode_body(&order.body));
        assert_eq!(spliced, encode(&order), "spliced order encoding differs");
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let value = decode::<T>(bytes).ok()?;
    let encoded = encode(&value);
    let again = decode::<T>(&encoded).unwrap_or_else(|error| {
        panic!("{} does not read back: {error}", std::any::type_name::<T>())
    });
    assert_eq!(
        encode(&again),
        encoded,
        "{} changes when written and read again",
        std::any::type_name::<T>()
    );
    Some(value)
}

// ---------------------------------------------------------------------------------------
// Shared by the targets.

/// An in-memory engine without the hold sweeper (the model expires holds itself) and
/// with payment retries in milliseconds.
fn open_engine() -> Engine {
    let provider: Arc<dyn PaymentProvider> = Arc::new(TestProvider::default());
    let mut config = Config::new(StoreLocation::Memory);
    config.hold_sweep_interval_ms = 0;
    config.payments = PaymentsConfig {
        provider,
        attempts: 3,
        backoff_base_ms: 1,
        backoff_max_ms: 4,
        breaker_failures_max: 5,
        breaker_cooldown_ms: 60_000,
    };
    Engine::open_with(config).expect("an in-memory engine opens")
}

fn new_product(sku: &str, price: u64, stock: u64) -> NewProduct {
    NewProduct {
        sku: sku.into(),
        name: format!("Product {sku}"),
        description: String::new(),
        brand: None,
        category: CategoryRef::Path("Fuzz".into()),
        price: Money::new(price, Currency::USD),
        attributes: BTreeMap::new(),
        images: Vec::new(),
        stock,
        status: ProductStatus::Active,
    }
}

fn checkout_request(method: PaymentMethod, card_number: Option<&str>) -> CheckoutRequest {
    CheckoutRequest {
        payment: PaymentInput {
            method,
            card_number: card_number.map(String::from),
        },
        shipping_address: AddressInput::Inline(NewAddress {
            name: "Ada Lovelace".into(),
            line1: "12 St James's Square".into(),
            line2: None,
            city: "London".into(),
            region: None,
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
            is_default: false,
        }),
        expected_version: None,
    }
}

fn card(number: &str) -> CheckoutRequest {
    checkout_request(PaymentMethod::Card, Some(number))
}

fn cod() -> CheckoutRequest {
    checkout_request(PaymentMethod::Cod, None)
}
