//! A small HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007) for unique users and
//! sessions per window.
//!
//! 2^12 = 4,096 one-byte registers, so the relative standard error of an estimate is
//! 1.04 / sqrt(4096) ≈ 1.63 %. Keys are hashed to 64 bits (so the large-range
//! correction of the 32-bit original is not needed); below 2.5 × m the estimate
//! switches to linear counting, which is exact for a handful of keys. There is no
//! HLL++ bias table, so estimates just above the switch point (≈ 10,000 keys) are a
//! little less accurate than the stated error.
//!
//! The sketches of all windows live in one [`Sketches`] table, one lane per window
//! slot, interleaved by register: register `r` of every lane sits in the same few
//! bytes. A record lands in up to five windows and raises the same register in each,
//! so it touches one cache line instead of five.

/// Bits of the hash that pick a register.
pub const HLL_PRECISION_BITS: u32 = 12;
/// Number of registers (m).
pub const HLL_REGISTERS: usize = 1 << HLL_PRECISION_BITS;
/// The relative standard error of an estimate, 1.04 / sqrt(m), in parts per million.
pub const HLL_STANDARD_ERROR_PPM: u64 = 16_250;

const _: () = assert!(HLL_REGISTERS == 4_096);

/// The largest register value a 64-bit hash can produce.
const RANK_MAX: u8 = (64 - HLL_PRECISION_BITS + 1) as u8;

/// Lanes are allocated in groups of this many, so a register's lanes start on a
/// 16-byte boundary and the lanes of a small configuration share one cache line.
const LANE_GROUP: usize = 16;

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

/// What one key does to a sketch: the register it picks and the rank it offers.
/// Computed once per record and applied to every window the record lands in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    register: u16,
    rank: u8,
}

impl Mark {
    /// The mark of an already well-mixed 64-bit hash (see [`mix64`]).
    #[inline]
    pub(crate) fn of(hash: u64) -> Mark {
        let register = (hash >> (64 - HLL_PRECISION_BITS)) as u16;
        // The guard bit caps the rank at 64 - p + 1 when the remaining bits are zero.
        let rest = (hash << HLL_PRECISION_BITS) | (1 << (HLL_PRECISION_BITS - 1));
        Mark {
            register,
            rank: rest.leading_zeros() as u8 + 1,
        }
    }
}

/// One register of every lane, and the rank a key offers it.
#[derive(Debug)]
pub(crate) struct Register<'a> {
    lanes: &'a mut [u8],
    rank: u8,
}

impl Register<'_> {
    /// Raises the register of `lane` to the rank, if that is higher.
    #[inline]
    pub(crate) fn raise(&mut self, lane: usize) {
        let register = &mut self.lanes[lane];
        if self.rank > *register {
            *register = self.rank;
        }
    }
}

/// One HyperLogLog sketch per lane, interleaved by register (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Sketches {
    /// Bytes from one register to the next: the lane count rounded up to a group.
    stride: usize,
    registers: Box<[u8]>,
}

impl std::fmt::Debug for Sketches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sketches")
            .field("lanes", &self.stride)
            .finish()
    }
}

impl Sketches {
    /// `lanes` empty sketches.
    pub(crate) fn new(lanes: usize) -> Sketches {
        let stride = lanes.max(1).next_multiple_of(LANE_GROUP);
        Sketches {
            stride,
            registers: vec![0; HLL_REGISTERS * stride].into_boxed_slice(),
        }
    }

    /// The register `mark` picks, in every lane: a record marks the sketches of all
    /// its windows through one of these.
    #[inline]
    pub(crate) fn register(&mut self, mark: Mark) -> Register<'_> {
        let start = usize::from(mark.register) * self.stride;
        Register {
            lanes: &mut self.registers[start..start + self.stride],
            rank: mark.rank,
        }
    }

    fn lane(&self, lane: usize) -> impl Iterator<Item = u8> + '_ {
        self.registers[lane..].iter().step_by(self.stride).copied()
    }

    /// The estimated number of distinct keys in `lane`, rounded to the nearest
    /// integer.
    pub(crate) fn estimate(&self, lane: usize) -> u64 {
        let m = HLL_REGISTERS as f64;
        let mut sum = 0.0;
        let mut zeros = 0u32;
        // Registers are summed in index order, so the estimate is bit-for-bit stable.
        for register in self.lane(lane) {
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

    /// Forgets every key of `lane`.
    pub(crate) fn clear(&mut self, lane: usize) {
        for register in self.registers[lane..].iter_mut().step_by(self.stride) {
            *register = 0;
        }
    }

    /// The registers of `lane`, in index order, for checkpoints.
    pub(crate) fn registers(&self, lane: usize) -> Vec<u8> {
        self.lane(lane).collect()
    }

    /// Sets the registers of `lane` from a checkpoint; false (and nothing changed) if
    /// they are not a sketch.
    pub(crate) fn restore(&mut self, lane: usize, registers: &[u8]) -> bool {
        if registers.len() != HLL_REGISTERS || registers.iter().any(|&r| r > RANK_MAX) {
            return false;
        }
        let lanes = self.registers[lane..].iter_mut().step_by(self.stride);
        for (register, &value) in lanes.zip(registers) {
            *register = value;
        }
        true
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

    impl Sketches {
        fn insert(&mut self, lane: usize, mark: Mark) {
            self.register(mark).raise(lane);
        }
    }

    #[test]
    fn small_sets_are_counted_exactly() {
        let mut sketches = Sketches::new(3);
        assert_eq!(sketches.estimate(1), 0);
        for key in [1u64, 2, 3, 2, 1] {
            sketches.insert(1, Mark::of(mix64(key)));
        }
        assert_eq!(sketches.estimate(1), 3);
        assert_eq!(sketches.estimate(0), 0, "lanes are separate");
        assert_eq!(sketches.estimate(2), 0, "lanes are separate");
        sketches.clear(1);
        assert_eq!(sketches.estimate(1), 0);
    }

    #[test]
    fn estimates_within_three_standard_errors() {
        for distinct in [20_000u64, 100_000, 1_000_000] {
            let mut sketches = Sketches::new(20);
            for key in 0..distinct {
                // Each key twice: duplicates must not count.
                sketches.insert(17, Mark::of(mix64(key * 7 + 1)));
                sketches.insert(17, Mark::of(mix64(key * 7 + 1)));
            }
            let estimate = sketches.estimate(17) as f64;
            let error = (estimate - distinct as f64).abs() / distinct as f64;
            let bound = 3.0 * HLL_STANDARD_ERROR_PPM as f64 / 1e6;
            assert!(
                error < bound,
                "{distinct}: estimate {estimate}, error {error}"
            );
            assert_eq!(sketches.estimate(16), 0);
        }
    }

    #[test]
    fn registers_round_trip_and_reject_garbage() {
        let mut sketches = Sketches::new(2);
        sketches.insert(1, Mark::of(mix64(42)));
        let registers = sketches.registers(1);
        assert_eq!(registers.len(), HLL_REGISTERS);
        let mut back = Sketches::new(2);
        assert!(back.restore(1, &registers));
        assert_eq!(back, sketches);
        assert!(!back.restore(0, &[0; 10]));
        assert!(!back.restore(0, &[200; HLL_REGISTERS]));
        assert_eq!(back.estimate(0), 0, "a refused restore changes nothing");
    }

    #[test]
    fn ranks_stay_within_a_register() {
        assert_eq!(Mark::of(0).rank, RANK_MAX);
        assert_eq!(Mark::of(u64::MAX).rank, 1);
        assert_eq!(Mark::of(u64::MAX).register as usize, HLL_REGISTERS - 1);
    }
}
