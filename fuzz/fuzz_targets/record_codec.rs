//! The record codec on arbitrary bytes: every stored record type must decode to an
//! error, never panic, and whatever decodes must survive a write and a read unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium::fuzzing::record_codec(bytes));
