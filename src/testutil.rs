//! Helpers shared by the unit tests of every family: a seeded generator and
//! the loop over ISA paths.

use crate::runtime::Isa;

/// SplitMix64: tiny, seedable, good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    pub fn signed_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Runs `body` once for every ISA rung this CPU has, and prints
/// `skipped: CPU lacks ...` for each rung it lacks, so a missing path is
/// visible in the test output rather than passing silently.
pub fn for_each_isa(test: &str, mut body: impl FnMut(Isa)) {
    for isa in Isa::ALL {
        if isa.is_supported() {
            body(isa);
        } else {
            println!(
                "{test}: {} skipped: CPU lacks {}",
                isa.name(),
                isa.missing_features().join(", ")
            );
        }
    }
}
