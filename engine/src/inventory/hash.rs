//! A fast hasher for the engine's integer keys. The std SipHash resists hash flooding,
//! which these maps do not need: their keys are ids the engine handed out itself, not
//! strings chosen by clients, and SipHash would be most of the cost of a reservation.

use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate mixing of integer writes (FxHash's scheme).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct IdHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(SEED);
    }
}

/// Builds [`IdHasher`]s.
pub(crate) type IdBuildHasher = BuildHasherDefault<IdHasher>;
