//! GEMM as dot products (AVX-512), for skinny products whose A rows and
//! B columns are both contiguous along k: `y = x W^T` with a row-major
//! weight matrix W (`b` = W^T in place) and a few rows x. The outer-product
//! kernels would have to pack all of W (a transpose) to use it once; here
//! each element of C is a dot product of two unit-stride vectors, a tile
//! of R rows by C columns at a time, reduced across lanes at the end.
//!
//! Rows and columns past the real ones repeat the last real one (no load
//! leaves the matrices) and are not stored; the k tail is masked.

use core::arch::x86_64::*;

/// Defines `pub unsafe fn $name<const R: usize, const C: usize>(...)`: one
/// tile of at most `R` rows and `C` columns of `C = alpha * A * B + beta * C`.
macro_rules! dot_kernel {
    (
        $name:ident, $t:ty, $v:ty, $mask:ty, lanes = $lanes:expr,
        $setzero:ident, $loadu:ident, $maskz_loadu:ident, $fmadd:ident, $reduce:ident
    ) => {
        /// One dot-product tile; see the module docs.
        ///
        /// # Safety
        /// AVX-512 F/BW/DQ/VL present; `a` addresses `rows x k` values with
        /// unit column stride and row stride `rsa`; `b` addresses `k x cols`
        /// values with unit row stride and column stride `csb`; `c` a
        /// `rows x cols` tile with strides `rsc`, `csc`; `1 <= rows <= R`,
        /// `1 <= cols <= C`.
        #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name<const R: usize, const C: usize>(
            k: usize,
            alpha: $t,
            (a, rsa): (*const $t, isize),
            (b, csb): (*const $t, isize),
            beta: $t,
            (c, rsc, csc): (*mut $t, isize, isize),
            rows: usize,
            cols: usize,
        ) {
            const L: usize = $lanes;
            let a_rows: [*const $t; R] =
                core::array::from_fn(|i| a.offset(i.min(rows - 1) as isize * rsa));
            let b_cols: [*const $t; C] =
                core::array::from_fn(|j| b.offset(j.min(cols - 1) as isize * csb));
            let mut acc = [[$setzero(); C]; R];
            let full = k / L * L;
            for p in (0..full).step_by(L) {
                let bv: [$v; C] = core::array::from_fn(|j| $loadu(b_cols[j].add(p)));
                for i in 0..R {
                    let av = $loadu(a_rows[i].add(p));
                    for j in 0..C {
                        acc[i][j] = $fmadd(av, bv[j], acc[i][j]);
                    }
                }
            }
            if full < k {
                let m = ((1u64 << (k - full)) - 1) as $mask;
                let bv: [$v; C] = core::array::from_fn(|j| $maskz_loadu(m, b_cols[j].add(full)));
                for i in 0..R {
                    let av = $maskz_loadu(m, a_rows[i].add(full));
                    for j in 0..C {
                        acc[i][j] = $fmadd(av, bv[j], acc[i][j]);
                    }
                }
            }
            // Constant trip counts with early exits keep `acc` in registers.
            for i in 0..R {
                if i >= rows {
                    break;
                }
                for j in 0..C {
                    if j >= cols {
                        break;
                    }
                    let s = alpha * $reduce(acc[i][j]);
                    let p = c.offset(i as isize * rsc + j as isize * csc);
                    *p = if beta == 0.0 { s } else { s + beta * *p };
                }
            }
        }
    };
}

dot_kernel!(
    sgemm_dot,
    f32,
    __m512,
    __mmask16,
    lanes = 16,
    _mm512_setzero_ps,
    _mm512_loadu_ps,
    _mm512_maskz_loadu_ps,
    _mm512_fmadd_ps,
    _mm512_reduce_add_ps
);

dot_kernel!(
    dgemm_dot,
    f64,
    __m512d,
    __mmask8,
    lanes = 8,
    _mm512_setzero_pd,
    _mm512_loadu_pd,
    _mm512_maskz_loadu_pd,
    _mm512_fmadd_pd,
    _mm512_reduce_add_pd
);
