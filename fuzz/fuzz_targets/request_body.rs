//! Request bodies of every kind through the server's body reader, its decoders and the
//! engine rules the routes apply: the first line names the kind (`product`,
//! `checkout`…), the rest is the body. Refusals are 400/413/415/422, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium_server::fuzzing::request_body(bytes));
