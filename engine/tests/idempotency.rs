//! Idempotency keys on checkout (API.md): a replay with the same key and body returns
//! the first order and does nothing twice; another body (or another cart) is a
//! conflict; a repeat while the first is running is "in flight"; keys survive a reopen
//! of a file store because they commit with the order. The generic store for other
//! POSTs replays stored responses the same way.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use emporium::{
    CheckoutError, Error, IdempotencyKey, IdempotencyStart, PaymentProvider, StoredResponse,
    Timestamp, request_hash,
};

fn key(key: &str, body: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        key: key.into(),
        request_hash: request_hash(body.as_bytes()),
    })
}

#[test]
fn a_replay_returns_the_first_order_and_a_new_body_conflicts() {
    let (engine, provider) = memory_engine();
    let a = product(&engine, "A", 500, 10);
    let cart = cart_with(&engine, &[("A", 2)]);
    let first = engine
        .checkout(cart.id, None, good_card(), key("k-1", "body"))
        .expect("checkout");
    assert!(!first.replayed);
    let calls = provider.calls();
    let again = engine
        .checkout(cart.id, None, good_card(), key("k-1", "body"))
        .expect("replay");
    assert!(again.replayed);
    assert_eq!(again.order, first.order);
    assert_eq!(provider.calls(), calls, "nothing charged twice");
    assert_eq!(engine.stock(a.id).on_hand, 8, "nothing sold twice");
    let conflict = engine.checkout(cart.id, None, good_card(), key("k-1", "other body"));
    assert!(
        matches!(
            conflict,
            Err(Error::Checkout(CheckoutError::IdempotencyConflict))
        ),
        "{conflict:?}"
    );
    let other_cart = cart_with(&engine, &[("A", 1)]);
    let elsewhere = engine.checkout(other_cart.id, None, good_card(), key("k-1", "body"));
    assert!(
        matches!(
            elsewhere,
            Err(Error::Checkout(CheckoutError::IdempotencyConflict))
        ),
        "keys are bound to their cart"
    );
    let invalid = engine.checkout(other_cart.id, None, good_card(), key("", "body"));
    assert!(matches!(invalid, Err(Error::Invalid(e)) if e.field == "idempotency_key"));
}

#[test]
fn a_failed_checkout_does_not_burn_its_key() {
    let (engine, _) = memory_engine();
    product(&engine, "A", 500, 10);
    let cart = cart_with(&engine, &[("A", 1)]);
    let declined = engine.checkout(
        cart.id,
        None,
        card(emporium::TEST_CARD_DECLINED),
        key("k", "b"),
    );
    assert!(declined.is_err());
    let paid = engine
        .checkout(cart.id, None, good_card(), key("k", "b"))
        .expect("same key, now paid");
    assert!(!paid.replayed);
}

#[test]
fn a_repeat_while_the_first_runs_is_in_flight() {
    let (engine, provider) = memory_engine();
    product(&engine, "A", 500, 10);
    let cart = cart_with(&engine, &[("A", 1)]);
    provider.set_latency_ms(300);
    let first = {
        let engine = engine.clone();
        std::thread::spawn(move || engine.checkout(cart.id, None, good_card(), key("slow", "b")))
    };
    std::thread::sleep(Duration::from_millis(100));
    let repeat = engine.checkout(cart.id, None, good_card(), key("slow", "b"));
    assert!(
        matches!(
            repeat,
            Err(Error::Checkout(CheckoutError::IdempotencyInFlight))
        ),
        "{repeat:?}"
    );
    let first = first.join().expect("thread").expect("first");
    provider.set_latency_ms(0);
    let replay = engine
        .checkout(cart.id, None, good_card(), key("slow", "b"))
        .expect("replay");
    assert!(replay.replayed);
    assert_eq!(replay.order.id, first.order.id);
}

#[test]
fn keys_survive_a_reopen_of_a_file_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let order = {
        let engine = file_engine(dir.path(), &provider);
        product(&engine, "A", 500, 10);
        let cart = cart_with(&engine, &[("A", 3)]);
        let order = engine
            .checkout(cart.id, None, good_card(), key("durable", "b"))
            .expect("checkout")
            .order;
        (cart.id, order)
    };
    let engine = file_engine(dir.path(), &provider);
    let replay = engine
        .checkout(order.0, None, good_card(), key("durable", "b"))
        .expect("replay");
    assert!(replay.replayed);
    assert_eq!(replay.order, order.1);
    let conflict = engine.checkout(order.0, None, cod(), key("durable", "another"));
    assert!(matches!(
        conflict,
        Err(Error::Checkout(CheckoutError::IdempotencyConflict))
    ));
    assert_eq!(
        provider
            .payments_since(Timestamp::EPOCH, 10)
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        engine.sweep_idempotency_keys(0).expect("sweep"),
        0,
        "kept at least 24 hours"
    );
}

#[test]
fn the_generic_store_replays_responses() {
    let (engine, _) = memory_engine();
    let request = IdempotencyKey {
        key: "usr_x/post-1".into(),
        request_hash: request_hash(b"{}"),
    };
    let IdempotencyStart::Proceed(guard) = engine.idempotency_begin(&request).expect("begin")
    else {
        panic!("first use proceeds");
    };
    let busy = engine.idempotency_begin(&request);
    assert!(matches!(
        busy,
        Err(Error::Checkout(CheckoutError::IdempotencyInFlight))
    ));
    guard.finish(201, b"{\"id\":1}".to_vec()).expect("finish");
    match engine.idempotency_begin(&request).expect("again") {
        IdempotencyStart::Replay(StoredResponse::Http { status, body }) => {
            assert_eq!((status, body.as_slice()), (201, b"{\"id\":1}".as_slice()));
        }
        other => panic!("expected a replay, got {other:?}"),
    }
    let other = IdempotencyKey {
        request_hash: request_hash(b"{\"a\":1}"),
        ..request
    };
    assert!(matches!(
        engine.idempotency_begin(&other),
        Err(Error::Checkout(CheckoutError::IdempotencyConflict))
    ));
}
