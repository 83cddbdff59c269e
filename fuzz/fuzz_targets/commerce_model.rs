//! The model-based target: a bounded sequence of catalog, inventory, cart, checkout
//! and order operations on a fresh in-memory engine and on a plain model, compared
//! after every step (stock, carts, orders, prices).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium::fuzzing::commerce_model(bytes));
