//! The seeded Gaussian test matrices of the randomized SVD: xoshiro256++
//! (Blackman and Vigna) seeded through SplitMix64, and Box–Muller pairs.
//! Generated on one thread in a fixed order, so a seed gives the same
//! matrix whatever the thread count, and the same values (rounded) in f32
//! and f64.

/// xoshiro256++: fast, 256 bits of state, passes BigCrush.
pub(crate) struct Xoshiro256 {
    s: [u64; 4],
}

impl Xoshiro256 {
    /// A generator whose state is four SplitMix64 outputs of `seed` (never
    /// all zero).
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        Xoshiro256 {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    #[inline]
    fn open_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Fills `out` with standard normal samples (Box–Muller, both values of
    /// each pair used).
    pub fn fill_gaussian(&mut self, out: &mut [f64]) {
        let mut chunks = out.chunks_exact_mut(2);
        for pair in &mut chunks {
            let (z0, z1) = self.pair();
            pair[0] = z0;
            pair[1] = z1;
        }
        if let [last] = chunks.into_remainder() {
            *last = self.pair().0;
        }
    }

    #[inline]
    fn pair(&mut self) -> (f64, f64) {
        let r = (-2.0 * self.open_unit().ln()).sqrt();
        let (sin, cos) = (std::f64::consts::TAU * self.open_unit()).sin_cos();
        (r * cos, r * sin)
    }
}

#[cfg(test)]
mod tests {
    use super::Xoshiro256;

    #[test]
    fn gaussian_moments_and_reproducibility() {
        let mut a = vec![0.0; 100_001];
        Xoshiro256::new(42).fill_gaussian(&mut a);
        let n = a.len() as f64;
        let mean = a.iter().sum::<f64>() / n;
        let var = a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        let kurt = a.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n / (var * var);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        assert!((kurt - 3.0).abs() < 0.1, "kurtosis {kurt}");
        assert!(a.iter().all(|x| x.is_finite()));
        let mut b = vec![0.0; 100_001];
        Xoshiro256::new(42).fill_gaussian(&mut b);
        assert_eq!(a, b, "same seed, same samples");
        Xoshiro256::new(43).fill_gaussian(&mut b);
        assert_ne!(a, b);
    }
}
