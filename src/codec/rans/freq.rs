//! Symbol statistics: the histogram of a matrix, its normalization to
//! 2^prob_bits, and the encoder's and decoder's tables.

/// Counts of each byte value, over as many slices as given.
pub struct Histogram {
    /// Eight sub-histograms: consecutive equal bytes would otherwise
    /// serialize on one counter's store-to-load forwarding.
    sub: Box<[[u32; 256]; 8]>,
    /// Bytes counted into `sub` since the last flush (u32 counters must
    /// not wrap).
    pending: usize,
    counts: [u64; 256],
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            sub: Box::new([[0; 256]; 8]),
            pending: 0,
            counts: [0; 256],
        }
    }
}

impl Histogram {
    /// Counts `bytes`.
    pub fn add(&mut self, bytes: &[u8]) {
        if self.pending + bytes.len() > u32::MAX as usize / 2 {
            self.flush();
        }
        self.pending += bytes.len();
        let sub = &mut *self.sub;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            for (k, h) in sub.iter_mut().enumerate() {
                h[(v >> (8 * k) & 0xFF) as usize] += 1;
            }
        }
        for &b in chunks.remainder() {
            sub[0][b as usize] += 1;
        }
    }

    /// Moves the sub-histograms into the totals.
    fn flush(&mut self) {
        for (s, c) in self.counts.iter_mut().enumerate() {
            *c += self.sub.iter().map(|h| h[s] as u64).sum::<u64>();
        }
        *self.sub = [[0; 256]; 8];
        self.pending = 0;
    }

    /// Adds another histogram's counts to this one's.
    pub fn merge(&mut self, mut other: Histogram) {
        other.flush();
        self.flush();
        for (c, o) in self.counts.iter_mut().zip(other.counts) {
            *c += o;
        }
    }

    /// The counts by byte value.
    pub fn counts(mut self) -> [u64; 256] {
        self.flush();
        self.counts
    }
}

/// Frequencies summing to `1 << bits` (all zero when `counts` are), every
/// present symbol at least 1, each as close to its share as the sum
/// allows: start from the rounded shares, then move single units where
/// they cost the fewest bits (`count * log2` of the ratio) until the sum
/// is exact.
pub fn normalize(counts: &[u64; 256], bits: u32) -> [u16; 256] {
    let total: u64 = counts.iter().sum();
    let mut f = [0u16; 256];
    if total == 0 {
        return f;
    }
    let m = 1u64 << bits;
    let mut sum = 0i64;
    for s in 0..256 {
        if counts[s] > 0 {
            let share = (counts[s] as u128 * m as u128 + total as u128 / 2) / total as u128;
            f[s] = (share as u64).clamp(1, m) as u16;
            sum += f[s] as i64;
        }
    }
    let cost = |c: u64, from: u16, to: u16| c as f64 * (from as f64 / to as f64).log2();
    while sum > m as i64 {
        // Take one unit from the symbol that loses the fewest bits.
        let s = (0..256)
            .filter(|&s| f[s] > 1)
            .min_by(|&a, &b| {
                cost(counts[a], f[a], f[a] - 1).total_cmp(&cost(counts[b], f[b], f[b] - 1))
            })
            .expect("more than 2^bits units but every symbol at 1 is impossible: 256 <= 2^10");
        f[s] -= 1;
        sum -= 1;
    }
    while sum < m as i64 {
        // Give one unit to the symbol that gains the most bits.
        let s = (0..256)
            .filter(|&s| counts[s] > 0)
            .max_by(|&a, &b| {
                cost(counts[a], f[a] + 1, f[a]).total_cmp(&cost(counts[b], f[b] + 1, f[b]))
            })
            .expect("total > 0, so some symbol is present");
        f[s] += 1;
        sum += 1;
    }
    f
}

/// Order-0 entropy of the counts in bits per symbol (for reports).
pub fn entropy_bits(counts: &[u64; 256]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

/// One symbol's encoding constants.
#[derive(Clone, Copy, Default, Debug)]
pub struct EncSymbol {
    /// Frequency (0 when absent).
    pub freq: u32,
    /// Start of the symbol's range in `[0, 2^bits)`.
    pub cum: u32,
    /// `ceil(2^45 / freq)`: `x / freq == (x * magic) >> 45` for every
    /// 32-bit x (the error `x * (magic * freq - 2^45) < 2^32 * 2^12` stays
    /// below 2^45), so the encoder never divides.
    pub magic: u64,
    /// States at or above this emit a word before encoding the symbol:
    /// `freq << (32 - bits)`.
    pub renorm: u64,
}

/// Encoder table of a normalized frequency table.
pub fn enc_table(freqs: &[u16; 256], bits: u32) -> [EncSymbol; 256] {
    let mut t = [EncSymbol::default(); 256];
    let mut cum = 0u32;
    for s in 0..256 {
        let f = freqs[s] as u32;
        if f > 0 {
            t[s] = EncSymbol {
                freq: f,
                cum,
                magic: (1u64 << 45).div_ceil(f as u64),
                renorm: (f as u64) << (32 - bits),
            };
        }
        cum += f;
    }
    t
}

/// Decoder table: for each slot of `[0, 2^bits)`, `symbol | (freq - 1)
/// << 8 | (slot - cum) << 20` of the symbol owning the slot. Frequencies
/// go up to 2^12, so freq - 1 and the offset each fit 12 bits and the
/// entry 32: one load (or one gather lane) per decoded symbol. The symbol
/// sits in the low byte and the offset on top so that a vector decoder
/// gets each with one instruction (a byte truncation, a shift).
pub fn dec_table(freqs: &[u16; 256], bits: u32) -> Vec<u32> {
    let mut t = vec![0u32; 1 << bits];
    let mut slot = 0usize;
    for (s, &f) in freqs.iter().enumerate() {
        for k in 0..f as usize {
            t[slot] = s as u32 | (f as u32 - 1) << 8 | (k as u32) << 20;
            slot += 1;
        }
    }
    debug_assert!(slot == 0 || slot == t.len());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_keeps_rare_symbols_and_sums_exactly() {
        let mut c = [0u64; 256];
        c[0] = 1_000_000;
        c[1] = 1;
        c[255] = 3;
        for bits in 10..=12 {
            let f = normalize(&c, bits);
            assert_eq!(f.iter().map(|&x| x as u32).sum::<u32>(), 1 << bits);
            assert!(f[1] >= 1 && f[255] >= 1);
            assert_eq!(f[2], 0);
        }
        // All 256 symbols present and equally likely at 10 bits: 4 each.
        let f = normalize(&[7; 256], 10);
        assert!(f.iter().all(|&x| x == 4));
        // A single symbol takes the whole range.
        let mut one = [0u64; 256];
        one[77] = 5;
        assert_eq!(normalize(&one, 12)[77], 4096);
        assert_eq!(normalize(&[0; 256], 12), [0; 256]);
    }

    #[test]
    fn magic_division_is_exact() {
        for f in 1..=4096u64 {
            let magic = (1u64 << 45).div_ceil(f);
            let worst = (1u64 << 32) / f * f - 1; // the largest remainder near 2^32
            for x in [
                0u64,
                1,
                f - 1,
                f,
                f + 1,
                65535,
                65536,
                worst,
                (1 << 32) - 1,
                123_456_789,
            ] {
                let q = ((x as u128 * magic as u128) >> 45) as u64;
                assert_eq!(q, x / f, "x {x} f {f}");
            }
        }
    }
}
