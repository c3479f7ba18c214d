//! The automatic sparse-or-dense product: `C = alpha * A B + beta * C` for
//! a dense A, through CSR SpMM when A is sparse enough and through dense
//! GEMM otherwise.

use super::convert::from_dense_capped;
use super::{spmm, SparseReal};
use crate::error::Result;
use crate::gemm::{self, GemmReal, MatMut, MatRef};

/// Which path [`matmul_auto`] took.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MatmulPath {
    /// Dense GEMM.
    Dense = 0,
    /// A converted to CSR, then SpMM.
    Sparse = 1,
}

/// Largest fraction of non-zeros in A for which the CSR path is taken with
/// `n` columns in B. Measured on the development machine (1024 x 1024 A,
/// one thread; `auto_crossover` in the sparse tests, table in
/// docs/PERFORMANCE.md): converting A costs about one pass over it, as
/// much as dense GEMV, so narrow products stay dense; the wider B is, the
/// more the dense GEMM's `2 m n k` flops outweigh the conversion (the
/// CSR path broke even near 2% at n = 16, 5% at n = 64, 10% at n = 256).
pub fn sparse_max_density(n: usize) -> f64 {
    match n {
        0..8 => 0.0,
        8..32 => 0.015,
        32..128 => 0.04,
        _ => 0.08,
    }
}

/// Smallest A (m * k elements) worth converting: below it dense GEMM's
/// unpacked small-matrix path is faster whatever the density.
const SPARSE_MIN_ELEMENTS: usize = 4096;

/// `C = alpha * A B + beta * C` (A m x k, B k x n, C m x n, all dense and
/// strided), through CSR when the share of non-zeros of A is at most
/// [`sparse_max_density`] of B's column count. A is scanned once: the conversion stops as soon
/// as it passes the crossover, and the dense path takes over. Both paths
/// have GEMM's semantics (`beta == 0` does not read C; NaN in A is a
/// non-zero). Returns the path taken.
pub fn matmul_auto<T: SparseReal + GemmReal>(
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: MatMut<T>,
) -> Result<MatmulPath> {
    gemm::check_shapes(&a, &b, &c)?;
    let elements = a.rows().saturating_mul(a.cols());
    if alpha != T::ZERO && elements >= SPARSE_MIN_ELEMENTS {
        let cap = (sparse_max_density(b.cols()) * elements as f64) as usize;
        if cap > 0 {
            if let Some(csr) = from_dense_capped(a, T::ZERO, cap)? {
                spmm(&csr, alpha, b, beta, c)?;
                return Ok(MatmulPath::Sparse);
            }
        }
    }
    gemm::gemm(alpha, a, b, beta, c)?;
    Ok(MatmulPath::Dense)
}
