//! Shared pieces of Emporium's benchmarks and load tools: catalog fixtures from the
//! generator in `data/`, a Zipf sampler for skewed popularity, and process
//! measurements (resident memory, on-disk size).

use std::path::Path;

use emporium::{CategoryRef, Currency, Money, NewProduct, ProductStatus};
use emporium_data::ProductLine;

pub mod load;

/// The generator's line as the engine's creation input.
pub fn new_product(line: ProductLine) -> NewProduct {
    NewProduct {
        sku: line.sku,
        name: line.name,
        description: line.description,
        brand: Some(line.brand),
        category: CategoryRef::Path(line.category),
        price: Money::new(
            line.price.amount,
            Currency::parse(&line.price.currency).unwrap_or(Currency::USD),
        ),
        attributes: line.attributes,
        images: line.images,
        stock: line.stock,
        status: ProductStatus::Active,
    }
}

/// `count` generated products (seed 42, the sample's seed), made in parallel.
pub fn catalog(count: u64) -> Vec<NewProduct> {
    use rayon::prelude::*;
    (0..count)
        .into_par_iter()
        .map(|index| new_product(emporium_data::product(emporium_data::DEFAULT_SEED, index)))
        .collect()
}

/// Samples ranks `0..n` with probability ∝ 1/(rank+1)^s, by inverting a precomputed
/// cumulative table (O(log n) per sample, exact for the given n).
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    /// A sampler over `n` ranks with exponent `s` (about 1.0 for web popularity).
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n.max(1))
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        let scale = 1.0 / total;
        Zipf {
            cumulative: cumulative.into_iter().map(|c| c * scale).collect(),
        }
    }

    /// The rank for a uniform `u` in `[0, 1)`.
    pub fn rank(&self, u: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c <= u)
            .min(self.cumulative.len() - 1)
    }
}

/// This process's resident memory in bytes (Linux `/proc/self/status`), if known.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes on disk under `dir` (allocated blocks, so sparse files count what they use).
pub fn disk_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => disk_bytes(&entry.path()),
            Ok(meta) => meta.blocks() * 512,
            Err(_) => 0,
        })
        .sum()
}

/// CPU time (user + system, in ms) of this process's threads named `thread` (as
/// `/proc` shows names: cut to 15 bytes), and of the whole process; zeros where
/// `/proc` is missing (not Linux).
pub fn cpu_ms(thread: &str) -> (u64, u64) {
    let named = cpu_ms_by_thread()
        .into_iter()
        .filter(|(name, _)| name == thread)
        .map(|(_, ms)| ms)
        .sum();
    let all = parse_cpu_ms(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default());
    (named, all)
}

/// CPU time (user + system, in ms) of each live thread of this process, summed by
/// thread name; empty where `/proc` is missing. Threads that ended are not listed
/// (their time is only in the process's total).
pub fn cpu_ms_by_thread() -> std::collections::BTreeMap<String, u64> {
    let mut by_name = std::collections::BTreeMap::new();
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            *by_name.entry(comm.trim().to_string()).or_default() += parse_cpu_ms(&stat);
        }
    }
    by_name
}

/// User + system time in a `/proc/.../stat` line, in ms.
fn parse_cpu_ms(stat: &str) -> u64 {
    // USER_HZ is 100 on Linux.
    const TICK_MS: u64 = 10;
    // Fields after the command (which may contain spaces) end with ')'.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let field = |n: usize| {
        fields
            .get(n)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field(11) + field(12)) * TICK_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_prefers_low_ranks_and_covers_the_range() {
        let zipf = Zipf::new(1_000, 1.0);
        assert_eq!(zipf.rank(0.0), 0);
        assert_eq!(zipf.rank(0.999_999_999), 999);
        let mut counts = [0u32; 1_000];
        for i in 0..100_000 {
            counts[zipf.rank(f64::from(i) / 100_000.0)] += 1;
        }
        assert!(counts[0] > counts[10] && counts[10] > counts[500]);
    }

    #[test]
    fn generated_lines_are_valid_products() {
        for product in catalog(500) {
            assert_eq!(product.validate(), Ok(()), "{}", product.sku);
        }
    }
}
