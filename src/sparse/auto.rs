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

/// Largest fraction of non-zeros in A for which the CSR path is taken
/// (measured on the development machine, see docs/PERFORMANCE.md: the
/// SpMM plus the conversion beat dense GEMM below it for n from 1 to 256).
pub const SPARSE_MAX_DENSITY: f64 = 0.05;

/// Smallest A (m * k elements) worth converting: below it dense GEMM's
/// unpacked small-matrix path is faster whatever the density.
const SPARSE_MIN_ELEMENTS: usize = 4096;

/// `C = alpha * A B + beta * C` (A m x k, B k x n, C m x n, all dense and
/// strided), through CSR when the share of non-zeros of A is at most
/// [`SPARSE_MAX_DENSITY`]. A is scanned once: the conversion stops as soon
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
    if alpha != T::ZERO && b.cols() > 0 && elements >= SPARSE_MIN_ELEMENTS {
        let cap = (SPARSE_MAX_DENSITY * elements as f64) as usize;
        if let Some(csr) = from_dense_capped(a, T::ZERO, cap)? {
            spmm(&csr, alpha, b, beta, c)?;
            return Ok(MatmulPath::Sparse);
        }
    }
    gemm::gemm(alpha, a, b, beta, c)?;
    Ok(MatmulPath::Dense)
}
