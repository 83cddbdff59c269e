//! `emporium-gen`: writes a deterministic Emporium catalog as JSON Lines.
//!
//! ```text
//! emporium-gen --count 1000000 [--seed 42] [--out /tmp/catalog-1m.jsonl]
//! ```
//!
//! Products are rendered in parallel (rayon) block by block and written in index
//! order, so the output is identical to a sequential run, byte for byte.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use rayon::prelude::*;

/// Products rendered by one rayon task: large enough to amortize scheduling, small
/// enough to balance across cores.
const BLOCK: u64 = 512;
/// Blocks rendered before writing: bounds memory (~10 MB of JSON) whatever `--count`.
const BLOCKS_PER_BATCH: u64 = 32;

/// Writes a deterministic Emporium product catalog as JSON Lines (one product per
/// line, shaped as the POST /v1/products body).
#[derive(Debug, Parser)]
#[command(name = "emporium-gen", version)]
struct Args {
    /// How many products to write (indices 0..COUNT).
    #[arg(long)]
    count: u64,
    /// Catalog seed: the same seed and count always give the same file.
    #[arg(long, default_value_t = emporium_data::DEFAULT_SEED)]
    seed: u64,
    /// Output file; standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // `emporium-gen … | head` closing the pipe early is not a failure.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let target = args
                .out
                .as_ref()
                .map_or("standard output".into(), |p| p.display().to_string());
            eprintln!("emporium-gen: cannot write {target}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Generates the catalog into the chosen output.
fn run(args: &Args) -> io::Result<()> {
    let sink: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(File::create(path)?),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let batch = BLOCK * BLOCKS_PER_BATCH;
    let mut start = 0;
    while start < args.count {
        let end = args.count.min(start + batch);
        let blocks: Vec<u64> = (start..end).step_by(BLOCK as usize).collect();
        // `collect` on an indexed parallel iterator keeps the blocks in order.
        let rendered: Vec<Vec<u8>> = blocks
            .par_iter()
            .map(|&first| render(args.seed, first, end.min(first + BLOCK)))
            .collect();
        for bytes in &rendered {
            out.write_all(bytes)?;
        }
        start = end;
    }
    // Flush explicitly: dropping a BufWriter would swallow a final write error.
    out.flush()
}

/// Products `first..end` as JSON Lines.
fn render(seed: u64, first: u64, end: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(((end - first) * 800) as usize);
    for index in first..end {
        let line = emporium_data::product(seed, index);
        serde_json::to_writer(&mut bytes, &line).expect("a product always serializes");
        bytes.push(b'\n');
    }
    bytes
}
