//! A small HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) for unique users and
//! sessions per window.
//!
//! 2^12 = 4,096 one-byte registers, so the relative standard error of an estimate is
//! 1.04 / sqrt(4096) ≈ 1.63 %. Keys are hashed to 64 bits (so the large-range
//! correction of the 32-bit original is not needed); below 2.5 × m the estimate
//! switches to linear counting, which is exact for a handful of keys. There is no
//! HLL++ bias table, so estimates just above the switch point (≈ 10,000 keys) are a
//! little less accurate than the stated error.

/// Bits of the hash that pick a register.
pub const HLL_PRECISION_BITS: u32 = 12;
/// Number of registers (m).
pub const HLL_REGISTERS: usize = 1 << HLL_PRECISION_BITS;
/// The relative standard error of an estimate, 1.04 / sqrt(m), in parts per million.
pub const HLL_STANDARD_ERROR_PPM: u64 = 16_250;

const _: () = assert!(HLL_REGISTERS == 4_096);

/// `2^-k` for every register value a 64-bit hash can produce.
const INVERSE_POWERS: [f64; 66] = {
    let mut table = [0.0; 66];
    let mut k = 0;
    let mut value = 1.0;
    while k < 66 {
        table[k] = value;
        value /= 2.0;
        k += 1;
    }
    table
};

/// A HyperLogLog sketch with [`HLL_REGISTERS`] registers.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct HyperLogLog {
    registers: Box<[u8]>,
}

impl std::fmt::Debug for HyperLogLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperLogLog")
            .field("estimate", &self.estimate())
            .finish()
    }
}

impl HyperLogLog {
    /// An empty sketch.
    pub(crate) fn new() -> HyperLogLog {
        HyperLogLog {
            registers: vec![0; HLL_REGISTERS].into_boxed_slice(),
        }
    }

    /// Adds an already well-mixed 64-bit hash (see [`mix64`]).
    #[inline]
    pub(crate) fn insert_hash(&mut self, hash: u64) {
        let index = (hash >> (64 - HLL_PRECISION_BITS)) as usize;
        // The guard bit caps the rank at 64 - p + 1 when the remaining bits are zero.
        let rest = (hash << HLL_PRECISION_BITS) | (1 << (HLL_PRECISION_BITS - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        let register = &mut self.registers[index];
        if rank > *register {
            *register = rank;
        }
    }

    /// The estimated number of distinct keys added, rounded to the nearest integer.
    pub(crate) fn estimate(&self) -> u64 {
        let m = HLL_REGISTERS as f64;
        let mut sum = 0.0;
        let mut zeros = 0u32;
        for &register in self.registers.iter() {
            sum += INVERSE_POWERS[usize::from(register)];
            zeros += u32::from(register == 0);
        }
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let raw = alpha * m * m / sum;
        let estimate = if raw <= 2.5 * m && zeros > 0 {
            m * (m / f64::from(zeros)).ln()
        } else {
            raw
        };
        estimate.round() as u64
    }

    /// Forgets every key, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.registers.fill(0);
    }

    /// The registers, for checkpoints.
    pub(crate) fn registers(&self) -> &[u8] {
        &self.registers
    }

    /// Rebuilds a sketch from checkpointed registers; `None` if they are not a sketch.
    pub(crate) fn from_registers(registers: &[u8]) -> Option<HyperLogLog> {
        let rank_max = (64 - HLL_PRECISION_BITS + 1) as u8;
        if registers.len() != HLL_REGISTERS || registers.iter().any(|&r| r > rank_max) {
            return None;
        }
        Some(HyperLogLog {
            registers: registers.into(),
        })
    }
}

/// The murmur3 64-bit finalizer: a bijection that spreads every input bit over the
/// whole output, so sequential ids land in unrelated registers. Stable across builds
/// and platforms, which checkpoints rely on.
#[inline]
pub(crate) fn mix64(mut key: u64) -> u64 {
    key ^= key >> 33;
    key = key.wrapping_mul(0xff51_afd7_ed55_8ccd);
    key ^= key >> 33;
    key = key.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    key ^ (key >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sets_are_counted_exactly() {
        let mut sketch = HyperLogLog::new();
        assert_eq!(sketch.estimate(), 0);
        for key in [1u64, 2, 3, 2, 1] {
            sketch.insert_hash(mix64(key));
        }
        assert_eq!(sketch.estimate(), 3);
        sketch.clear();
        assert_eq!(sketch.estimate(), 0);
    }

    #[test]
    fn estimates_within_three_standard_errors() {
        for distinct in [20_000u64, 100_000, 1_000_000] {
            let mut sketch = HyperLogLog::new();
            for key in 0..distinct {
                // Each key twice: duplicates must not count.
                sketch.insert_hash(mix64(key * 7 + 1));
                sketch.insert_hash(mix64(key * 7 + 1));
            }
            let estimate = sketch.estimate() as f64;
            let error = (estimate - distinct as f64).abs() / distinct as f64;
            let bound = 3.0 * HLL_STANDARD_ERROR_PPM as f64 / 1e6;
            assert!(
                error < bound,
                "{distinct}: estimate {estimate}, error {error}"
            );
        }
    }

    #[test]
    fn registers_round_trip_and_reject_garbage() {
        let mut sketch = HyperLogLog::new();
        sketch.insert_hash(mix64(42));
        let back = HyperLogLog::from_registers(sketch.registers()).expect("valid");
        assert_eq!(back, sketch);
        assert!(HyperLogLog::from_registers(&[0; 10]).is_none());
        assert!(HyperLogLog::from_registers(&[200; HLL_REGISTERS]).is_none());
    }
}
