//! CRC32C (Castagnoli), the container's checksum.
//!
//! Chosen over XXH3 because x86-64 computes it in hardware (SSE4.2 `crc32`,
//! 8 bytes per instruction, three independent streams here; with
//! AVX-512 VPCLMULQDQ, carry-less folding of 256 bytes per step, in
//! `x86_64::avx512::crc32c`, which leaves `sk_rans_open` bound by the
//! cache or memory the container comes from), a
//! CUDA decoder can compute it
//! with a 1 KiB table, it is the checksum of iSCSI, ext4 and Btrfs with
//! published test vectors, and it detects every single-bit and every
//! burst error up to 32 bits, which is what a flipped or torn tile looks
//! like. XXH3 is faster in software but would need a dependency or a long
//! reimplementation, with no such guarantee.

/// CRC32C of `data` (initial value all ones, final complement, reflected:
/// the iSCSI convention; `crc32c(b"123456789") == 0xE306_9283`).
pub fn crc32c(data: &[u8]) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        use super::x86_64::avx512::crc32c as folded;
        if data.len() >= folded::MIN_LEN && folding_available() {
            // SAFETY: folding_available checked every feature it needs.
            return unsafe { folded::crc32c(data) };
        }
        if std::arch::is_x86_feature_detected!("sse4.2") {
            // SAFETY: the CPU has SSE4.2.
            return unsafe { hardware(data) };
        }
    }
    software(data)
}

/// Whether the carry-less multiplication path may run: the CPU has its
/// features and the ISA cap (`sk_set_max_isa`) allows AVX-512.
#[cfg(target_arch = "x86_64")]
fn folding_available() -> bool {
    crate::runtime::active_isa() >= crate::runtime::Isa::Avx512
        && std::arch::is_x86_feature_detected!("vpclmulqdq")
        && std::arch::is_x86_feature_detected!("pclmulqdq")
        && std::arch::is_x86_feature_detected!("sse4.2")
}

/// The reflected Castagnoli polynomial.
const POLY: u32 = 0x82F6_3B78;

/// Byte-at-a-time table, built at compile time.
const TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// The portable path (and the test oracle for the hardware one).
pub(crate) fn software(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// Bytes per stream in one round of the hardware path: three streams of
/// this length run side by side.
const BLOCK: usize = 2048;

/// The CRC register advanced over `BLOCK` zero bytes, a linear map of the
/// register, as four byte tables (`shift(c) = T0[c & 0xFF] ^ T1[..] ^
/// T2[..] ^ T3[c >> 24]`): it moves a block's CRC past the next block.
fn shift_tables() -> &'static [[u32; 256]; 4] {
    static TABLES: std::sync::OnceLock<Box<[[u32; 256]; 4]>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let advance = |mut c: u32| {
            for _ in 0..BLOCK {
                c = TABLE[(c & 0xFF) as usize] ^ (c >> 8);
            }
            c
        };
        let basis: Vec<u32> = (0..32).map(|bit| advance(1 << bit)).collect();
        let mut t = Box::new([[0u32; 256]; 4]);
        for (k, table) in t.iter_mut().enumerate() {
            for (b, entry) in table.iter_mut().enumerate() {
                *entry = (0..8)
                    .filter(|bit| b >> bit & 1 == 1)
                    .fold(0, |acc, bit| acc ^ basis[8 * k + bit]);
            }
        }
        t
    })
}

/// The register `c` advanced over `BLOCK` zero bytes.
#[inline(always)]
fn shift(t: &[[u32; 256]; 4], c: u32) -> u32 {
    t[0][(c & 0xFF) as usize]
        ^ t[1][(c >> 8 & 0xFF) as usize]
        ^ t[2][(c >> 16 & 0xFF) as usize]
        ^ t[3][(c >> 24) as usize]
}

/// SSE4.2 `crc32`: three independent streams over consecutive blocks
/// (the instruction's latency is three times its throughput), combined by
/// linearity, `crc(s, A B C) = shift(shift(crc(s, A)) ^ crc(0, B)) ^
/// crc(0, C)`; then one stream for the rest.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.2")]
unsafe fn hardware(data: &[u8]) -> u32 {
    use std::arch::x86_64::{_mm_crc32_u64, _mm_crc32_u8};
    let word = |p: &[u8], i: usize| u64::from_le_bytes(p[8 * i..8 * i + 8].try_into().expect("8"));
    let mut c = !0u32;
    let mut rest = data;
    if rest.len() >= 3 * BLOCK {
        let t = shift_tables();
        while rest.len() >= 3 * BLOCK {
            let (a, b, d) = (
                &rest[..BLOCK],
                &rest[BLOCK..2 * BLOCK],
                &rest[2 * BLOCK..3 * BLOCK],
            );
            let (mut ca, mut cb, mut cd) = (c as u64, 0u64, 0u64);
            for i in 0..BLOCK / 8 {
                ca = _mm_crc32_u64(ca, word(a, i));
                cb = _mm_crc32_u64(cb, word(b, i));
                cd = _mm_crc32_u64(cd, word(d, i));
            }
            c = shift(t, shift(t, ca as u32) ^ cb as u32) ^ cd as u32;
            rest = &rest[3 * BLOCK..];
        }
    }
    let mut c = c as u64;
    let mut words = rest.chunks_exact(8);
    for w in &mut words {
        c = _mm_crc32_u64(c, u64::from_le_bytes(w.try_into().expect("8 bytes")));
    }
    let mut c = c as u32;
    for &b in words.remainder() {
        c = _mm_crc32_u8(c, b);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn folding_path_matches_the_table() {
        if !folding_available() {
            eprintln!("skipped: no AVX-512 with VPCLMULQDQ (or capped below AVX-512)");
            return;
        }
        use crate::codec::rans::x86_64::avx512::crc32c as folded;
        let data: Vec<u8> = (0..5008u32).map(|i| (i * 131 + i / 251) as u8).collect();
        // Every tail length after the 256-byte steps, the 64- and 16-byte
        // ones, and offsets that misalign the loads.
        for len in (folded::MIN_LEN..1400).chain([2047, 2048, 4099, 4999]) {
            for start in [0, 1, 7] {
                let part = &data[start..start + len];
                // SAFETY: folding_available checked the features.
                let got = unsafe { folded::crc32c(part) };
                assert_eq!(got, software(part), "length {len} from {start}");
            }
        }
        assert_eq!(crc32c(&[0u8; 256]), software(&[0u8; 256]));
    }

    #[test]
    fn known_vectors_and_paths_agree() {
        assert_eq!(software(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // RFC 3720 B.4: 32 bytes of zeros.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(crc32c(&data[..len]), software(&data[..len]), "length {len}");
        }
        // Lengths around one and two rounds of three streams.
        let data: Vec<u8> = (0..7 * BLOCK as u32)
            .map(|i| (i * 31 + i / 977) as u8)
            .collect();
        for len in [
            3 * BLOCK - 1,
            3 * BLOCK,
            3 * BLOCK + 5,
            6 * BLOCK,
            7 * BLOCK - 3,
        ] {
            assert_eq!(crc32c(&data[..len]), software(&data[..len]), "length {len}");
            // The three-stream path, which crc32c skips where folding runs.
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("sse4.2") {
                // SAFETY: the CPU has SSE4.2.
                let streams = unsafe { hardware(&data[1..len]) };
                assert_eq!(
                    streams,
                    software(&data[1..len]),
                    "crc32 streams, length {len} - 1"
                );
            }
            assert_eq!(
                crc32c(&data[1..len]),
                software(&data[1..len]),
                "length {len} - 1"
            );
        }
    }
}
