//! Query strings through the server's percent-decoding, parser and typed getters
//! (limits, prices, flags, categories, cursors, text): every refusal is a 422 that
//! names its parameter, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium_server::fuzzing::query_string(bytes));
