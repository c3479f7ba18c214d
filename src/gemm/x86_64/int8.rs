//! Integer GEMM micro-kernels: C (int32) += V * W over packed panels in
//! which every lane holds 4 bytes per step: 4 u8/s8 values for VPDPBUSD
//! (AVX-512 VNNI), or 2 int16 values for VPMADDWD (AVX-512BW, AVX2).
//!
//! VPMADDUBSW is not used: it saturates its int16 pair sums (255 * 127 * 2
//! does not fit), so it would not be exact. VPMADDWD on values widened to
//! int16 sums pairs into int32 exactly.

use core::arch::x86_64::*;

/// Defines `pub unsafe fn $name(steps, v, w, beta, c, rsc, csc)`: MV
/// vectors of packed V times NR broadcast 32-bit words of packed W per
/// step, combined by `$step`; then C = acc (beta == 0) or C += acc.
macro_rules! int8_kernel {
    (
        $name:ident, $features:literal, $vec:ty, lanes = $lanes:expr, mv = $mv:expr, nr = $nr:expr,
        $setzero:ident, $load:ident, $store:ident, $set1:ident, $add:ident,
        |$acc:ident, $va:ident, $wb:ident| $step:expr
    ) => {
        /// One tile of the integer GEMM; see the module docs.
        ///
        /// # Safety
        /// The CPU has the listed features; `v` holds `steps * MR * 4` and
        /// `w` `steps * NR * 4` readable bytes; the tile at `c` is valid
        /// for reads and writes with strides `rsc`, `csc`.
        #[target_feature(enable = $features)]
        #[allow(unused_braces)] // rustfmt wraps long `$step` closures in braces
        #[allow(unused_assignments)] // the last step advances the pointers too
        pub unsafe fn $name(
            steps: usize,
            v: *const u8,
            w: *const u8,
            beta: i32,
            c: *mut i32,
            rsc: isize,
            csc: isize,
        ) {
            const MV: usize = $mv;
            const NR: usize = $nr;
            const L: usize = $lanes;
            const V_AHEAD: usize = 8;
            let mut acc = [[$setzero(); NR]; MV];
            let (mut vp, mut wp) = (v, w.cast::<i32>());
            // One step into `$sum`: MV vectors of V times NR broadcasts.
            macro_rules! step {
                ($sum:ident) => {
                    // V streams from L2: fetch its lines a few steps ahead.
                    for h in 0..MV {
                        _mm_prefetch::<_MM_HINT_T0>(vp.add((V_AHEAD * MV + h) * L * 4).cast());
                    }
                    let mut av = [$setzero(); MV];
                    for (h, x) in av.iter_mut().enumerate() {
                        *x = $load(vp.add(h * L * 4).cast());
                    }
                    for j in 0..NR {
                        let $wb = $set1(wp.add(j).read_unaligned());
                        for h in 0..MV {
                            let $acc = $sum[h][j];
                            let $va = av[h];
                            $sum[h][j] = $step;
                        }
                    }
                    vp = vp.add(MV * L * 4);
                    wp = wp.add(NR);
                };
            }
            if NR < 4 {
                // Too few accumulators to hide the instruction's latency:
                // a second set takes every other step.
                let mut odd = [[$setzero(); NR]; MV];
                for _ in 0..steps / 2 {
                    step!(acc);
                    step!(odd);
                }
                if steps % 2 == 1 {
                    step!(acc);
                }
                for h in 0..MV {
                    for j in 0..NR {
                        acc[h][j] = $add(acc[h][j], odd[h][j]);
                    }
                }
            } else {
                for _ in 0..steps {
                    step!(acc);
                }
            }
            if rsc == 1 {
                for j in 0..NR {
                    let cj = c.offset(j as isize * csc);
                    for h in 0..MV {
                        let mut r = acc[h][j];
                        if beta != 0 {
                            r = $add(r, $load(cj.add(h * L).cast()));
                        }
                        $store(cj.add(h * L).cast(), r);
                    }
                }
            } else {
                // The registers go to a buffer in one short unrolled loop
                // first: indexing `acc` inside the scalar loops would keep
                // it in memory (zeroed, loaded and spilled on every call).
                let mut tile = [[[0i32; L]; MV]; NR];
                for j in 0..NR {
                    for h in 0..MV {
                        $store(tile[j][h].as_mut_ptr().cast(), acc[h][j]);
                    }
                }
                for (j, col) in tile.iter().enumerate() {
                    for (i, &x) in col.iter().flatten().enumerate() {
                        let p = c.offset(i as isize * rsc + j as isize * csc);
                        *p = if beta == 0 { x } else { x.wrapping_add(*p) };
                    }
                }
            }
        }
    };
}

/// Rows of the AVX-512 tiles (two zmm of int32).
/// cbindgen:ignore
pub const AVX512_MR: usize = 32;
/// Columns of the AVX-512 tiles.
/// cbindgen:ignore
pub const AVX512_NR: usize = 12;
/// Rows of the AVX2 tile (two ymm of int32).
/// cbindgen:ignore
pub const AVX2_MR: usize = 16;
/// Columns of the AVX2 tile.
/// cbindgen:ignore
pub const AVX2_NR: usize = 6;

/// A 32 x 12 AVX-512 tile with the given per-step combination.
macro_rules! avx512_tile {
    ($name:ident, $features:literal, |$acc:ident, $va:ident, $wb:ident| $step:expr) => {
        avx512_tile!($name, $features, nr = 12, |$acc, $va, $wb| $step);
    };
    ($name:ident, $features:literal, nr = $nr:expr, |$acc:ident, $va:ident, $wb:ident| $step:expr) => {
        int8_kernel!(
            $name,
            $features,
            __m512i,
            lanes = 16,
            mv = 2,
            nr = $nr,
            _mm512_setzero_si512,
            _mm512_loadu_si512,
            _mm512_storeu_si512,
            _mm512_set1_epi32,
            _mm512_add_epi32,
            |$acc, $va, $wb| $step
        );
    };
}

// V holds unsigned bytes (A), W signed bytes (B).
avx512_tile!(
    vnni_32x12_uv,
    "avx512f,avx512bw,avx512vl,avx512vnni",
    |acc, v, w| _mm512_dpbusd_epi32(acc, v, w)
);

// V holds signed bytes (B^T), W unsigned bytes (A^T): the broadcast goes
// in VPDPBUSD's unsigned operand.
avx512_tile!(
    vnni_32x12_sv,
    "avx512f,avx512bw,avx512vl,avx512vnni",
    |acc, v, w| _mm512_dpbusd_epi32(acc, w, v)
);

// Narrow tiles of the signed-V kernel for a few broadcast columns (a
// quantized linear layer at small batches, a GEMM with few rows of a
// row-major C).
avx512_tile!(
    vnni_32x1_sv,
    "avx512f,avx512bw,avx512vl,avx512vnni",
    nr = 1,
    |acc, v, w| { _mm512_dpbusd_epi32(acc, w, v) }
);
avx512_tile!(
    vnni_32x4_sv,
    "avx512f,avx512bw,avx512vl,avx512vnni",
    nr = 4,
    |acc, v, w| { _mm512_dpbusd_epi32(acc, w, v) }
);
avx512_tile!(
    vnni_32x8_sv,
    "avx512f,avx512bw,avx512vl,avx512vnni",
    nr = 8,
    |acc, v, w| { _mm512_dpbusd_epi32(acc, w, v) }
);

// int16 pairs, either operand order.
avx512_tile!(avx512bw_32x12, "avx512f,avx512bw,avx512vl", |acc, v, w| {
    _mm512_add_epi32(acc, _mm512_madd_epi16(v, w))
});

int8_kernel!(
    avx2_16x6,
    "avx2,fma",
    __m256i,
    lanes = 8,
    mv = 2,
    nr = 6,
    _mm256_setzero_si256,
    _mm256_loadu_si256,
    _mm256_storeu_si256,
    _mm256_set1_epi32,
    _mm256_add_epi32,
    |acc, v, w| _mm256_add_epi32(acc, _mm256_madd_epi16(v, w))
);
