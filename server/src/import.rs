//! The JSON Lines importer behind `emporium import` and the demo catalog.
//!
//! Three stages run at once, connected by bounded channels, so a million-line file
//! streams through in bounded memory and decoding overlaps committing:
//!
//! 1. a reader thread cuts the input into chunks of at most [`CHUNK_LINES_MAX`] lines
//!    and [`CHUNK_BYTES_MAX`] bytes (a line longer than [`LINE_BYTES_MAX`] is skipped
//!    without being buffered);
//! 2. a decoder thread decodes each chunk's lines in parallel on rayon, with the same
//!    decoder as `POST /v1/products` ([`crate::decode::product_line`]);
//! 3. the calling thread hands each chunk's products to `Engine::import_products`,
//!    which returns once they are committed.
//!
//! At most [`CHUNKS_IN_FLIGHT`] chunks wait between two stages. A refused line, by the
//! decoder or by the engine (a duplicate SKU), is reported with its 1-based line number
//! and skipped; the rest goes in.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use emporium::{Engine, NewProduct};
use rayon::prelude::*;

use crate::decode;
use crate::error::from_engine;

/// Most lines in one chunk: large enough that the engine commits big batches, small
/// enough that progress moves and a chunk's memory stays small.
pub const CHUNK_LINES_MAX: usize = 4_096;
/// Most bytes in one chunk (bounds memory when lines are long).
pub const CHUNK_BYTES_MAX: usize = 16 << 20;
/// Longest line accepted: the API's default body limit.
pub const LINE_BYTES_MAX: usize = crate::body::BODY_BYTES_MAX_DEFAULT;
/// Chunks waiting between two stages.
pub const CHUNKS_IN_FLIGHT: usize = 2;
const _: () = assert!(LINE_BYTES_MAX <= CHUNK_BYTES_MAX);

/// A line that was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRejection {
    /// 1-based line number in the input.
    pub line: u64,
    /// The offending field, if one is to blame.
    pub param: Option<String>,
    /// Why.
    pub message: String,
}

impl fmt::Display for LineRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(param) => write!(f, "line {}: {param}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ImportSummary {
    /// Lines read (blank ones included).
    pub lines: u64,
    /// Products created.
    pub imported: u64,
    /// Lines refused.
    pub rejected: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Why an import stopped before the end of its input.
#[derive(Debug)]
pub enum ImportError {
    /// Reading the input failed.
    Read(io::Error),
    /// The engine failed (storage); nothing after the failed chunk was imported.
    Engine(emporium::Error),
    /// The caller cancelled.
    Cancelled,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Read(error) => write!(f, "reading the input failed: {error}"),
            ImportError::Engine(error) => write!(f, "the engine refused the import: {error}"),
            ImportError::Cancelled => f.write_str("the import was cancelled"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Hears about an import as it runs; called from the import's threads.
pub trait ImportObserver: Sync {
    /// `bytes` more of the input were read.
    fn read(&self, bytes: u64);
    /// A line was refused.
    fn rejected(&self, rejection: &LineRejection);
}

struct RawLine {
    number: u64,
    /// `None` when the line was longer than [`LINE_BYTES_MAX`] and skipped.
    bytes: Option<Vec<u8>>,
}

struct Decoded {
    products: Vec<NewProduct>,
    /// The line number of each product.
    lines: Vec<u64>,
}

/// Imports every product of `input`. `cancel` stops it between chunks.
pub fn import_jsonl<R: BufRead + Send>(
    engine: &Engine,
    input: R,
    observer: &dyn ImportObserver,
    cancel: &AtomicBool,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let (raw_sender, raw_receiver) = sync_channel::<Vec<RawLine>>(CHUNKS_IN_FLIGHT);
    let (decoded_sender, decoded_receiver) = sync_channel::<Decoded>(CHUNKS_IN_FLIGHT);
    let (read, decode_rejected, committed) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_chunks(input, raw_sender, observer, cancel));
        let decoder = scope.spawn(move || decode_chunks(raw_receiver, decoded_sender, observer));
        let committed = commit_chunks(engine, decoded_receiver, observer, cancel);
        (join(reader.join()), join(decoder.join()), committed)
    });
    // A commit failure stops the other stages, so report it before their outcome.
    let (imported, engine_rejected) = committed?;
    let lines = read.map_err(ImportError::Read)?;
    if cancel.load(Ordering::Relaxed) {
        return Err(ImportError::Cancelled);
    }
    Ok(ImportSummary {
        lines,
        imported,
        rejected: decode_rejected + engine_rejected,
        elapsed: started.elapsed(),
    })
}

/// A stage's outcome; a stage that panicked passes its panic on.
fn join<T>(result: std::thread::Result<T>) -> T {
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Stage 1: cuts the input into chunks; returns the number of lines read.
fn read_chunks<R: BufRead>(
    mut input: R,
    chunks: SyncSender<Vec<RawLine>>,
    observer: &dyn ImportObserver,
    cancel: &AtomicBool,
) -> io::Result<u64> {
    let mut number = 0;
    let mut chunk = Vec::with_capacity(CHUNK_LINES_MAX);
    let mut chunk_bytes = 0;
    loop {
        let mut line = Vec::new();
        let (consumed, complete) = read_line(&mut input, &mut line)?;
        if consumed == 0 {
            break;
        }
        number += 1;
        chunk_bytes += line.len();
        chunk.push(RawLine {
            number,
            bytes: complete.then_some(line),
        });
        observer.read(consumed as u64);
        if chunk.len() == CHUNK_LINES_MAX || chunk_bytes >= CHUNK_BYTES_MAX {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_LINES_MAX));
            chunk_bytes = 0;
            // A closed channel means a later stage stopped: its error is reported.
            if cancel.load(Ordering::Relaxed) || chunks.send(full).is_err() {
                return Ok(number);
            }
        }
    }
    if !chunk.is_empty() {
        let _ = chunks.send(chunk);
    }
    Ok(number)
}

/// Reads one line into `line` (without its line ending); returns the bytes consumed
/// and whether the line was kept (false: too long, skipped).
fn read_line<R: BufRead>(input: &mut R, line: &mut Vec<u8>) -> io::Result<(usize, bool)> {
    let limit = LINE_BYTES_MAX as u64 + 1;
    let mut consumed = input.by_ref().take(limit).read_until(b'\n', line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        return Ok((consumed, true));
    }
    if line.len() > LINE_BYTES_MAX {
        consumed += input.skip_until(b'\n')?;
        line.clear();
        return Ok((consumed, false));
    }
    // The last line, without a line ending.
    Ok((consumed, true))
}

/// Stage 2: decodes chunks in parallel; returns the number of lines refused.
fn decode_chunks(
    chunks: Receiver<Vec<RawLine>>,
    decoded: SyncSender<Decoded>,
    observer: &dyn ImportObserver,
) -> u64 {
    let mut rejected = 0;
    for chunk in chunks {
        let outcomes: Vec<(u64, Option<Result<NewProduct, LineRejection>>)> = chunk
            .into_par_iter()
            .map(|raw| (raw.number, decode_line(raw)))
            .collect();
        let mut products = Vec::with_capacity(outcomes.len());
        let mut lines = Vec::with_capacity(outcomes.len());
        for (number, outcome) in outcomes {
            match outcome {
                Some(Ok(product)) => {
                    products.push(product);
                    lines.push(number);
                }
                Some(Err(rejection)) => {
                    rejected += 1;
                    observer.rejected(&rejection);
                }
                None => {}
            }
        }
        if decoded.send(Decoded { products, lines }).is_err() {
            break;
        }
    }
    rejected
}

/// One line's product; `None` for a blank line (skipped silently).
fn decode_line(raw: RawLine) -> Option<Result<NewProduct, LineRejection>> {
    let Some(bytes) = raw.bytes else {
        return Some(Err(LineRejection {
            line: raw.number,
            param: None,
            message: format!("the line is longer than {LINE_BYTES_MAX} bytes"),
        }));
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(decode::product_line(&bytes).map_err(|error| LineRejection {
        line: raw.number,
        param: (!error.field.is_empty()).then_some(error.field),
        message: error.message,
    }))
}

/// Stage 3: commits chunks; returns (imported, refused by the engine).
fn commit_chunks(
    engine: &Engine,
    chunks: Receiver<Decoded>,
    observer: &dyn ImportObserver,
    cancel: &AtomicBool,
) -> Result<(u64, u64), ImportError> {
    let (mut imported, mut rejected) = (0, 0);
    for chunk in chunks {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        if chunk.products.is_empty() {
            continue;
        }
        let report = engine
            .import_products(chunk.products)
            .map_err(ImportError::Engine)?;
        imported += report.imported as u64;
        for refusal in report.rejected {
            rejected += 1;
            let error = from_engine(refusal.error);
            observer.rejected(&LineRejection {
                line: chunk.lines.get(refusal.index).copied().unwrap_or(0),
                param: error.param,
                message: error.message,
            });
        }
    }
    Ok((imported, rejected))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Recorder {
        bytes: Mutex<u64>,
        rejections: Mutex<Vec<String>>,
    }

    impl ImportObserver for Recorder {
        fn read(&self, bytes: u64) {
            *self.bytes.lock().expect("not poisoned") += bytes;
        }
        fn rejected(&self, rejection: &LineRejection) {
            let mut rejections = self.rejections.lock().expect("not poisoned");
            rejections.push(rejection.to_string());
        }
    }

    fn line(sku: &str) -> String {
        format!(
            r#"{{"sku":"{sku}","name":"Kettle","description":"","category":"Home/Kitchen","price":{{"amount":2500,"currency":"USD"}},"stock":3}}"#
        )
    }

    #[test]
    fn reports_bad_lines_by_number_and_imports_the_rest() {
        let engine = Engine::open_in_memory().expect("engine");
        let long = format!(r#"{{"sku":"{}"}}"#, "x".repeat(LINE_BYTES_MAX));
        let input = [
            line("A-1"),
            "{not json".to_string(),
            String::new(),
            line("A-1"),
            line("A/2"),
            long,
            line("A-3"),
        ]
        .join("\r\n");
        let recorder = Recorder::default();
        let summary = import_jsonl(
            &engine,
            input.as_bytes(),
            &recorder,
            &AtomicBool::new(false),
        )
        .expect("imports");
        assert_eq!(
            (summary.lines, summary.imported, summary.rejected),
            (7, 2, 4)
        );
        assert_eq!(*recorder.bytes.lock().expect("lock"), input.len() as u64);
        let mut rejections = recorder.rejections.lock().expect("lock").clone();
        rejections.sort();
        assert!(
            rejections[0].starts_with("line 2: invalid JSON"),
            "{rejections:?}"
        );
        assert!(rejections[1].starts_with("line 4: sku: "), "{rejections:?}");
        assert!(rejections[2].starts_with("line 5: sku: "), "{rejections:?}");
        assert!(
            rejections[3].starts_with("line 6: the line is longer"),
            "{rejections:?}"
        );
        assert!(engine.product_by_sku("A-3").expect("reads").is_some());
    }

    #[test]
    fn many_chunks_keep_line_numbers() {
        let engine = Engine::open_in_memory().expect("engine");
        let count = CHUNK_LINES_MAX * 2 + 10;
        let mut lines: Vec<String> = (0..count)
            .map(|index| line(&format!("S-{index}")))
            .collect();
        lines[CHUNK_LINES_MAX + 4] = line("S-0");
        let input = lines.join("\n") + "\n";
        let recorder = Recorder::default();
        let summary = import_jsonl(
            &engine,
            input.as_bytes(),
            &recorder,
            &AtomicBool::new(false),
        )
        .expect("imports");
        assert_eq!(summary.imported, count as u64 - 1);
        let rejections = recorder.rejections.lock().expect("lock").clone();
        let expected = format!("line {}: sku: ", CHUNK_LINES_MAX + 5);
        assert!(rejections[0].starts_with(&expected), "{rejections:?}");
    }
}
