//! Arbitrary and tampered cursors for every paged listing (products in each sort,
//! orders, an order's log, the stock ledger): refused by name or followed, and two
//! pages never share a row.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium::fuzzing::cursors(bytes));
