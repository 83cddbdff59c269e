//! The demo catalog: the repository's `data/sample.jsonl` (10,000 products), built
//! into the binary so `emporium serve` shows a shop on first start wherever it runs.

use std::sync::atomic::AtomicBool;

use emporium::Engine;

use crate::import::{ImportError, ImportObserver, ImportSummary, LineRejection, import_jsonl};

/// The sample catalog, as JSON Lines in the `POST /v1/products` shape.
pub const SAMPLE_CATALOG: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/sample.jsonl"));

/// Imports the sample catalog into `engine`; `cancel` stops it between chunks.
pub fn load_sample(engine: &Engine, cancel: &AtomicBool) -> Result<ImportSummary, ImportError> {
    import_jsonl(engine, SAMPLE_CATALOG.as_bytes(), &LogRejections, cancel)
}

/// The sample is generated and checked by tests, so a refused line is a bug in the
/// data or the decoder: log it loudly but keep going, as any import does.
struct LogRejections;

impl ImportObserver for LogRejections {
    fn read(&self, _bytes: u64) {}

    fn rejected(&self, rejection: &LineRejection) {
        tracing::warn!(%rejection, "sample catalog line refused");
    }
}
