//! Scalar sparse kernels: the oracle of the tests, the path of CPUs without
//! AVX2, and the short-row path of every ISA (a gather does not pay for
//! itself on rows of a few entries).

use super::Real;

/// `y[i] = alpha * (A x)[i] + beta * y[i]` for the rows whose pointers are
/// `indptr` (`y.len() + 1` entries, offsets into `indices` and `values`);
/// `beta == 0` does not read y. Each row is summed in storage order.
///
/// # Safety
/// Every index the rows hold is below `x.len()`, and the pointers are in
/// range for `indices` and `values`.
pub unsafe fn spmv_rows<T: Real>(
    indptr: &[usize],
    indices: &[u32],
    values: &[T],
    x: &[T],
    alpha: T,
    beta: T,
    y: &mut [T],
) {
    for (i, yi) in y.iter_mut().enumerate() {
        let mut acc = T::ZERO;
        for p in indptr[i]..indptr[i + 1] {
            acc = acc
                + *values.get_unchecked(p) * *x.get_unchecked(*indices.get_unchecked(p) as usize);
        }
        *yi = combine(alpha * acc, beta, *yi);
    }
}

/// `ax + beta * y`, without reading `y` when `beta == 0`.
#[inline(always)]
pub fn combine<T: Real>(ax: T, beta: T, y: T) -> T {
    if beta == T::ZERO {
        ax
    } else {
        ax + beta * y
    }
}

/// `C[i][j] = alpha * (A B)[i][j] + beta * C[i][j]` for the rows of
/// `indptr` (as [`spmv_rows`]) and the `n` columns of B and C, given as
/// pointers with element strides; `beta == 0` does not read C. Each entry is
/// summed in storage order.
///
/// # Safety
/// Every index the rows hold is a valid row of B; B's and C's strides
/// address valid, and for C distinct, elements.
#[allow(clippy::too_many_arguments)]
pub unsafe fn spmm_rows<T: Real>(
    indptr: &[usize],
    indices: &[u32],
    values: &[T],
    (b, rsb, csb): (*const T, isize, isize),
    n: usize,
    alpha: T,
    beta: T,
    (c, rsc, csc): (*mut T, isize, isize),
) {
    for i in 0..indptr.len() - 1 {
        for j in 0..n {
            let mut acc = T::ZERO;
            for p in indptr[i]..indptr[i + 1] {
                let row = *indices.get_unchecked(p) as isize;
                acc = acc + *values.get_unchecked(p) * *b.offset(row * rsb + j as isize * csb);
            }
            let cij = c.offset(i as isize * rsc + j as isize * csc);
            *cij = combine(alpha * acc, beta, *cij);
        }
    }
}
