//! SpMV and SpMM drivers: shape checks, the alpha == 0 shortcut, and the
//! split of the rows into the matrix's nnz-balanced chunks over the pool.
//! Each row is computed by one task in a fixed order, so results do not
//! depend on the thread count.

use super::kernels::{SparseKernels, SparseReal};
use super::{reference, Csr};
use crate::error::{Error, Result};
use crate::gemm::{MatMut, MatRef};
use crate::runtime::threads::{parallel_for, SharedMut};

/// Work (multiply-adds) below which a product stays on the calling thread:
/// a parallel region costs about a microsecond.
const PAR_MIN_WORK: usize = 1 << 15;

/// Runs `f` on every chunk of `a`, over the pool when the work is large.
fn for_chunks<T>(a: &Csr<T>, work: usize, f: &(dyn Fn(std::ops::Range<usize>) + Sync))
where
    T: SparseReal,
{
    let chunks = a.chunks();
    let run = |c: usize| f(chunks[c]..chunks[c + 1]);
    if work < PAR_MIN_WORK {
        (0..chunks.len() - 1).for_each(run);
    } else {
        parallel_for(chunks.len() - 1, &run);
    }
}

/// `y = alpha * A x + beta * y` on the kernels `k`.
pub(crate) fn spmv_on<T: SparseReal>(
    k: &SparseKernels<T>,
    a: &Csr<T>,
    alpha: T,
    x: &[T],
    beta: T,
    y: &mut [T],
) -> Result<()> {
    if x.len() != a.cols() || y.len() != a.rows() {
        return Err(Error::dimension(format!(
            "A is {}x{}, x has {} elements, y has {}",
            a.rows(),
            a.cols(),
            x.len(),
            y.len()
        )));
    }
    if alpha == T::ZERO {
        y.iter_mut()
            .for_each(|v| *v = reference::combine(T::ZERO, beta, *v));
        return Ok(());
    }
    let (indptr, indices, values) = (a.indptr(), a.indices(), a.values());
    let yp = SharedMut(y.as_mut_ptr());
    for_chunks(a, a.nnz(), &|r| {
        // SAFETY: chunks are disjoint row ranges inside y; the matrix is
        // canonical (indices below cols = x.len(), pointers in range).
        unsafe {
            let y = std::slice::from_raw_parts_mut(yp.get().add(r.start), r.len());
            let ptr = &indptr[r.start..r.end + 1];
            let long = (ptr[r.len()] - ptr[0]) >= k.long_row.saturating_mul(r.len());
            let spmv = if long {
                k.spmv
            } else {
                reference::spmv_rows::<T>
            };
            spmv(ptr, indices, values, x, alpha, beta, y);
        }
    });
    Ok(())
}

/// `C = alpha * A B + beta * C` on the kernels `k`.
pub(crate) fn spmm_on<T: SparseReal>(
    k: &SparseKernels<T>,
    a: &Csr<T>,
    alpha: T,
    b: MatRef<T>,
    beta: T,
    mut c: MatMut<T>,
) -> Result<()> {
    if b.rows() != a.cols() || c.rows() != a.rows() || c.cols() != b.cols() {
        return Err(Error::dimension(format!(
            "A is {}x{}, B is {}x{}, C is {}x{}",
            a.rows(),
            a.cols(),
            b.rows(),
            b.cols(),
            c.rows(),
            c.cols()
        )));
    }
    let n = b.cols();
    if n == 0 || a.rows() == 0 {
        return Ok(());
    }
    let (rsc, csc) = (c.rs(), c.cs());
    let cp = SharedMut(c.ptr());
    if alpha == T::ZERO {
        for i in 0..a.rows() {
            for j in 0..n {
                // SAFETY: (i, j) is inside C.
                unsafe {
                    let cij = cp.get().offset(i as isize * rsc + j as isize * csc);
                    *cij = reference::combine(T::ZERO, beta, *cij);
                }
            }
        }
        return Ok(());
    }
    let (indptr, indices, values) = (a.indptr(), a.indices(), a.values());
    let (bp, rsb, csb) = (b.ptr(), b.rs(), b.cs());
    let bp = SharedMut(bp.cast_mut());
    for_chunks(a, a.nnz().saturating_mul(n), &|r| {
        // SAFETY: chunks are disjoint row ranges of C; B has a.cols() rows
        // and every stored index is below that.
        unsafe {
            let ptr = &indptr[r.start..r.end + 1];
            let c = (cp.get().offset(r.start as isize * rsc), rsc, csc);
            let b = bp.get().cast_const();
            if csb == 1 || n == 1 {
                (k.spmm)(ptr, indices, values, (b, rsb), n, alpha, beta, c);
            } else {
                reference::spmm_rows(ptr, indices, values, (b, rsb, csb), n, alpha, beta, c);
            }
        }
    });
    Ok(())
}
