//! The record codec on arbitrary bytes: every stored record type must decode to an
//! error, never panic, and whatever decodes must re-encode to the same bytes.
#![no_main]

use emporium::store::codec::{decode, encode};
use emporium::{Category, EventRecord, Product};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(product) = decode::<Product>(bytes) {
        assert_eq!(decode::<Product>(&encode(&product)).ok(), Some(product));
    }
    if let Ok(category) = decode::<Category>(bytes) {
        assert_eq!(decode::<Category>(&encode(&category)).ok(), Some(category));
    }
    if let Ok(record) = decode::<EventRecord>(bytes) {
        assert_eq!(decode::<EventRecord>(&encode(&record)).ok(), Some(record));
    }
});
