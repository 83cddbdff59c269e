//! Search and autocomplete with arbitrary text, filters, page sizes and cursors over a
//! small catalog: a refusal names a field, never a panic; pages keep their bounds; a
//! cursor the engine gave always works.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| emporium::fuzzing::search(bytes));
