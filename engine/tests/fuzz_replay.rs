//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) of the engine's fuzz
//! targets through the very functions the targets call (`emporium::fuzzing`), so that
//! `cargo test` on stable checks every seed and every input the fuzzer kept, crashes
//! found earlier included, without a fuzzer. A panic on any file fails the test and
//! names the file; an empty or missing corpus fails too, so the replay cannot pass by
//! finding nothing to replay.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use emporium::fuzzing;

/// Runs `target` on every file of `fuzz/corpus/<name>/` and lists the files it
/// panicked on.
fn replay(name: &str, target: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("corpus {}: {error}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|path| {
            let bytes = std::fs::read(path).expect("corpus file");
            catch_unwind(AssertUnwindSafe(|| target(&bytes))).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} inputs of `{name}` panic: {failed:#?}",
        failed.len(),
        files.len()
    );
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
