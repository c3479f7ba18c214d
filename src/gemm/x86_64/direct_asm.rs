//! The k loop of the full two-vector, 12-column unpacked tile, in assembly.
//!
//! Why assembly: B's twelve columns are read at `bp + j * csb`. Written
//! with intrinsics, LLVM's loop strength reduction turns those addresses
//! into a chain of a dozen integer adds per k step beside the 24 FMAs, and
//! no source-level rewrite kept it from doing so. Here each column is one
//! addressing mode, `bp + cJ * scale` with six loop-invariant multiples
//! of `csb` (1, 3, 5, 7, 9 and 11), so a k step costs two adds and the
//! loop counter, and A is prefetched eight steps ahead (`ap + 8 * csa`):
//! its columns may lie pages apart. With this loop the unpacked path
//! outruns packing up to n = 384 (docs/PERFORMANCE.md, tenth session);
//! the intrinsic loop lost to packing from n = 256.

use core::arch::x86_64::*;

/// Defines `unsafe fn $name(k, a, csa, b, rsb, csb) -> [[$v; 12]; 2]`: the
/// 24 accumulators of `sum_p A[0..2L, p] * B[p, 0..12]`.
macro_rules! direct_full_tile {
    ($name:ident, $t:ty, $v:ty, $bcast:literal, $fma:literal) => {
        /// The accumulators of one full tile (two vectors of A's rows by
        /// 12 columns of B) over k steps; see the module docs.
        ///
        /// # Safety
        /// AVX-512 F is present; `a` addresses `2 * lanes` contiguous
        /// values at each of `k` columns `csa` apart; `b` addresses `k x
        /// 12` values with strides `rsb`, `csb` (all strides in elements).
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
        pub unsafe fn $name(
            k: usize,
            a: *const $t,
            csa: isize,
            b: *const $t,
            rsb: isize,
            csb: isize,
        ) -> [[$v; 12]; 2] {
            let size = core::mem::size_of::<$t>() as isize;
            // (Byte strides: views are checked, so j * csb for j < 12
            // stays inside B and cannot overflow.)
            let c1 = csb * size;
            let acc: [[$v; 12]; 2];
            let (c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11);
            let (c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23);
            core::arch::asm!(
                "vpxord zmm0, zmm0, zmm0",
                "vpxord zmm1, zmm1, zmm1",
                "vpxord zmm2, zmm2, zmm2",
                "vpxord zmm3, zmm3, zmm3",
                "vpxord zmm4, zmm4, zmm4",
                "vpxord zmm5, zmm5, zmm5",
                "vpxord zmm6, zmm6, zmm6",
                "vpxord zmm7, zmm7, zmm7",
                "vpxord zmm8, zmm8, zmm8",
                "vpxord zmm9, zmm9, zmm9",
                "vpxord zmm10, zmm10, zmm10",
                "vpxord zmm11, zmm11, zmm11",
                "vpxord zmm12, zmm12, zmm12",
                "vpxord zmm13, zmm13, zmm13",
                "vpxord zmm14, zmm14, zmm14",
                "vpxord zmm15, zmm15, zmm15",
                "vpxord zmm16, zmm16, zmm16",
                "vpxord zmm17, zmm17, zmm17",
                "vpxord zmm18, zmm18, zmm18",
                "vpxord zmm19, zmm19, zmm19",
                "vpxord zmm20, zmm20, zmm20",
                "vpxord zmm21, zmm21, zmm21",
                "vpxord zmm22, zmm22, zmm22",
                "vpxord zmm23, zmm23, zmm23",
                "test {k}, {k}",
                "jz 3f",
                ".p2align 5",
                "2:",
                "prefetcht0 [{ap} + {csa} * 8]",
                "prefetcht0 [{ap} + {csa} * 8 + 64]",
                "vmovups zmm24, [{ap}]",
                "vmovups zmm25, [{ap} + 64]",
                concat!($bcast, " zmm26, [{bp}]"),
                concat!($fma, " zmm0, zmm24, zmm26"),
                concat!($fma, " zmm12, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c1}]"),
                concat!($fma, " zmm1, zmm24, zmm27"),
                concat!($fma, " zmm13, zmm25, zmm27"),
                concat!($bcast, " zmm26, [{bp} + {c1} * 2]"),
                concat!($fma, " zmm2, zmm24, zmm26"),
                concat!($fma, " zmm14, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c3}]"),
                concat!($fma, " zmm3, zmm24, zmm27"),
                concat!($fma, " zmm15, zmm25, zmm27"),
                concat!($bcast, " zmm26, [{bp} + {c1} * 4]"),
                concat!($fma, " zmm4, zmm24, zmm26"),
                concat!($fma, " zmm16, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c5}]"),
                concat!($fma, " zmm5, zmm24, zmm27"),
                concat!($fma, " zmm17, zmm25, zmm27"),
                concat!($bcast, " zmm26, [{bp} + {c3} * 2]"),
                concat!($fma, " zmm6, zmm24, zmm26"),
                concat!($fma, " zmm18, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c7}]"),
                concat!($fma, " zmm7, zmm24, zmm27"),
                concat!($fma, " zmm19, zmm25, zmm27"),
                concat!($bcast, " zmm26, [{bp} + {c1} * 8]"),
                concat!($fma, " zmm8, zmm24, zmm26"),
                concat!($fma, " zmm20, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c9}]"),
                concat!($fma, " zmm9, zmm24, zmm27"),
                concat!($fma, " zmm21, zmm25, zmm27"),
                concat!($bcast, " zmm26, [{bp} + {c5} * 2]"),
                concat!($fma, " zmm10, zmm24, zmm26"),
                concat!($fma, " zmm22, zmm25, zmm26"),
                concat!($bcast, " zmm27, [{bp} + {c11}]"),
                concat!($fma, " zmm11, zmm24, zmm27"),
                concat!($fma, " zmm23, zmm25, zmm27"),
                "add {ap}, {csa}",
                "add {bp}, {rsb}",
                "dec {k}",
                "jnz 2b",
                "3:",
                k = inout(reg) k => _,
                ap = inout(reg) a => _,
                bp = inout(reg) b => _,
                csa = in(reg) csa * size,
                rsb = in(reg) rsb * size,
                c1 = in(reg) c1,
                c3 = in(reg) 3 * c1,
                c5 = in(reg) 5 * c1,
                c7 = in(reg) 7 * c1,
                c9 = in(reg) 9 * c1,
                c11 = in(reg) 11 * c1,
                out("zmm0") c00, out("zmm1") c01, out("zmm2") c02, out("zmm3") c03,
                out("zmm4") c04, out("zmm5") c05, out("zmm6") c06, out("zmm7") c07,
                out("zmm8") c08, out("zmm9") c09, out("zmm10") c10, out("zmm11") c11,
                out("zmm12") c12, out("zmm13") c13, out("zmm14") c14, out("zmm15") c15,
                out("zmm16") c16, out("zmm17") c17, out("zmm18") c18, out("zmm19") c19,
                out("zmm20") c20, out("zmm21") c21, out("zmm22") c22, out("zmm23") c23,
                out("zmm24") _, out("zmm25") _, out("zmm26") _, out("zmm27") _,
                options(nostack, readonly),
            );
            acc = [
                [c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11],
                [c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23],
            ];
            acc
        }
    };
}

direct_full_tile!(sgemm_full_tile, f32, __m512, "vbroadcastss", "vfmadd231ps");
direct_full_tile!(dgemm_full_tile, f64, __m512d, "vbroadcastsd", "vfmadd231pd");
