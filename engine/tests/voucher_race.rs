//! Voucher limits hold under concurrent checkouts: 64 checkouts race for a voucher
//! with `max_uses = 10` on a durable store; exactly 10 orders use it, the other 54
//! fail with a clear voucher error, get their capture refunded, and keep their cart
//! open with its holds.

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use emporium::{
    CartError, CartStatus, Error, NewVoucher, PaymentProvider, Timestamp, VoucherError, VoucherKind,
};

#[test]
fn exactly_max_uses_checkouts_get_the_voucher() {
    const RACERS: usize = 64;
    const MAX_USES: u64 = 10;
    let dir = tempfile::tempdir().expect("tempdir");
    let provider = Arc::new(emporium::TestProvider::default());
    let engine = file_engine(dir.path(), &provider);
    let hot = product(&engine, "HOT", 1_000, 1_000);
    engine
        .create_voucher(NewVoucher {
            code: "TEN".into(),
            kind: VoucherKind::Percent,
            value: 50,
            min_subtotal: None,
            starts_at: None,
            ends_at: None,
            max_uses: Some(MAX_USES),
            max_uses_per_user: None,
        })
        .expect("voucher");
    let carts: Vec<_> = (0..RACERS)
        .map(|_| {
            let cart = cart_with(&engine, &[("HOT", 2)]);
            engine
                .apply_voucher(cart.id, None, None, "TEN")
                .expect("apply")
        })
        .collect();
    let barrier = Arc::new(Barrier::new(RACERS));
    let threads: Vec<_> = carts
        .iter()
        .map(|cart| {
            let (engine, barrier, id) = (engine.clone(), Arc::clone(&barrier), cart.id);
            std::thread::spawn(move || {
                barrier.wait();
                engine.checkout(id, None, good_card(), None)
            })
        })
        .collect();
    let outcomes: Vec<_> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(won as u64, MAX_USES);
    for (cart, outcome) in carts.iter().zip(&outcomes) {
        match outcome {
            Ok(order) => assert_eq!(order.order.totals.discount, usd(1_000)),
            Err(Error::Cart(CartError::Voucher(VoucherError::LimitReached { code }))) => {
                assert_eq!(code, "TEN");
                let after = engine.cart(cart.id, None).expect("cart");
                assert_eq!(after.status, CartStatus::Open);
                assert!(after.items[0].held, "holds kept");
            }
            Err(other) => panic!("unexpected failure: {other:?}"),
        }
    }
    assert_eq!(engine.vouchers().expect("vouchers")[0].uses, MAX_USES);
    let payments = provider
        .payments_since(Timestamp::EPOCH, 1_000)
        .expect("list");
    assert_eq!(payments.len(), RACERS);
    let kept: u64 = payments.iter().map(|p| p.outstanding()).sum();
    assert_eq!(kept, MAX_USES * 1_000, "every losing capture was refunded");
    let level = engine.stock(hot.id);
    assert_eq!(level.on_hand, 1_000 - 2 * MAX_USES);
    assert_eq!(level.reserved, 2 * (RACERS as u64 - MAX_USES));
}
