//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) of the engine's fuzz
//! targets through the very functions the targets call (`emporium::fuzzing`), so that
//! `cargo test` on stable checks every seed and every input the fuzzer kept, crashes
//! found earlier included, without a fuzzer. A panic on any file fails the test and
//! names the file; an empty or missing corpus fails too, so the replay cannot pass by
//! finding nothing to replay.

use emporium::fuzzing;

/// Replays the corpus `name` of `fuzz/` at the workspace root.
fn replay(name: &str, target: fn(&[u8])) {
    let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    emporium::fuzzing::replay_corpus(&fuzz, name, target);
}

#[test]
fn record_codec_corpus() {
    replay("record_codec", fuzzing::record_codec);
}

#[test]
fn search_corpus() {
    replay("search", fuzzing::search);
}

#[test]
fn cursors_corpus() {
    replay("cursors", fuzzing::cursors);
}

#[test]
fn commerce_model_corpus() {
    replay("commerce_model", fuzzing::commerce_model);
}
