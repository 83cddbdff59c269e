//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) of the HTTP layer's
//! fuzz targets through the very functions the targets call
//! (`emporium_server::fuzzing`), so that `cargo test` on stable checks every seed and
//! every input the fuzzer kept, crashes found earlier included, without a fuzzer. A
//! panic on any file fails the test and names the file; an empty or missing corpus
//! fails too, so the replay cannot pass by finding nothing to replay.

use emporium_server::fuzzing;

/// Replays the corpus `name` of `fuzz/` at the workspace root.
fn replay(name: &str, target: fn(&[u8])) {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    emporium::fuzzing::replay_corpus(&fuzz, name, target);
}

#[test]
fn request_body_corpus() {
    replay("request_body", fuzzing::request_body);
}

#[test]
fn query_string_corpus() {
    replay("query_string", fuzzing::query_string);
}
