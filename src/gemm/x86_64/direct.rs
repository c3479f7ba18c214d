//! GEMM without packing (AVX-512), for small products and for skinny ones
//! (few columns of C): the micro-kernel reads A straight from a
//! column-major layout and broadcasts B from any strides. For m, n, k up to
//! about 64 packing costs as much as the product itself, and with a dozen
//! columns or fewer (GEMV-like shapes) packing A would copy the whole
//! matrix to use it once. Edge rows are masked; tiles are instantiated for
//! 1, 2, 4, 8, 12 and (one vector tall) 16 columns, and a row strip is
//! covered by tiles of exactly those widths (15 columns = 12 + 2 + 1), so
//! no tile reads or writes a column outside C. The full two-vector,
//! 12-column tile (most of any product past 32 x 12) runs its k loop in
//! assembly (`direct_asm`), which made this path faster than packing up to
//! n = 384 (f32) and 256 (f64).

use core::arch::x86_64::*;

/// Defines `pub unsafe fn $name<const MV: usize>(...)`: one tile of at most
/// `MV * lanes` rows and `NR` columns of `C = alpha * A * B + beta * C`.
macro_rules! direct_kernel {
    (
        $name:ident, $t:ty, $v:ty, $mask:ty, lanes = $lanes:expr, full = $full:path,
        $setzero:ident, $set1:ident, $maskz_loadu:ident, $mask_storeu:ident, $fmadd:ident, $mul:ident
    ) => {
        /// One direct tile; see the module docs.
        ///
        /// # Safety
        /// AVX-512 F/BW/DQ/VL present; `a` addresses `rows x k` values with
        /// unit row stride and column stride `csa`; `b` addresses `k x cols`
        /// values with strides `rsb`, `csb`; `c` a `rows x cols` tile with
        /// unit row stride and column stride `csc`; `1 <= rows <= MV * lanes`,
        /// `cols == NR` (the argument keeps the signature of the tile table).
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name<const MV: usize, const NR: usize>(
            k: usize,
            alpha: $t,
            (a, csa): (*const $t, isize),
            (b, rsb, csb): (*const $t, isize, isize),
            beta: $t,
            (c, csc): (*mut $t, isize),
            rows: usize,
            cols: usize,
        ) {
            const L: usize = $lanes;
            debug_assert!(NR <= 16 && cols == NR);
            let _ = cols;
            let mut masks = [0 as $mask; MV];
            for (h, m) in masks.iter_mut().enumerate() {
                let live = rows.saturating_sub(h * L).min(L);
                *m = ((1u64 << live) - 1) as $mask;
            }
            let mut acc: [[$v; NR]; MV] = if MV == 2 && NR == 12 && rows == MV * L {
                // The full tile, the bulk of any product above 32 x 12:
                // its k loop in assembly (see `direct_asm`). The types are
                // the same here; transmute_copy only spells that out for
                // the generic (MV, NR).
                core::mem::transmute_copy(&$full(k, a, csa, b, rsb, csb))
            } else {
                // Column groups of four: B's column j is read at g[j / 4] +
                // off[j % 4], so the k loop needs NR / 4 moving pointers and
                // three loop-invariant offsets; sixteen separate column
                // offsets do not fit the general registers and were
                // reloaded from the stack on every step.
                let groups = NR.div_ceil(4);
                let mut ap = a;
                let off = [0, csb, 2 * csb, 3 * csb];
                let mut g = [b; 4];
                for (q, gq) in g.iter_mut().enumerate().take(groups) {
                    *gq = b.offset(4 * q as isize * csb);
                }
                let mut acc = [[$setzero(); NR]; MV];
                for _ in 0..k {
                    let mut av = [$setzero(); MV];
                    for h in 0..MV {
                        av[h] = $maskz_loadu(masks[h], ap.add(h * L));
                    }
                    for j in 0..NR {
                        let bj = $set1(*g[j / 4].offset(off[j % 4]));
                        for h in 0..MV {
                            acc[h][j] = $fmadd(av[h], bj, acc[h][j]);
                        }
                    }
                    ap = ap.offset(csa);
                    for gq in g.iter_mut().take(groups) {
                        *gq = gq.offset(rsb);
                    }
                }
                acc
            };
            let (va, vb) = ($set1(alpha), $set1(beta));
            if alpha != 1.0 {
                // (Skipped for alpha == 1, the common case: one multiply
                // per accumulator is a visible share of a 16 x 16 tile.)
                for col in acc.iter_mut() {
                    for v in col.iter_mut() {
                        *v = $mul(*v, va);
                    }
                }
            }
            for j in 0..NR {
                let cj = c.offset(j as isize * csc);
                for h in 0..MV {
                    let mut r = acc[h][j];
                    if beta != 0.0 {
                        r = $fmadd($maskz_loadu(masks[h], cj.add(h * L)), vb, r);
                    }
                    $mask_storeu(cj.add(h * L), masks[h], r);
                }
            }
        }
    };
}

direct_kernel!(
    sgemm_direct,
    f32,
    __m512,
    __mmask16,
    lanes = 16,
    full = super::direct_asm::sgemm_full_tile,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_maskz_loadu_ps,
    _mm512_mask_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_mul_ps
);

direct_kernel!(
    dgemm_direct,
    f64,
    __m512d,
    __mmask8,
    lanes = 8,
    full = super::direct_asm::dgemm_full_tile,
    _mm512_setzero_pd,
    _mm512_set1_pd,
    _mm512_maskz_loadu_pd,
    _mm512_mask_storeu_pd,
    _mm512_fmadd_pd,
    _mm512_mul_pd
);
