//! Sparse matrices in compressed-sparse-row form: a validated canonical
//! type ([`Csr`]), SpMV, SpMM, SpGEMM, transpose, conversions from and to
//! dense views, and a product that chooses between CSR and dense GEMM from
//! the measured density of A.
//!
//! Every kernel splits rows into the matrix's nnz-balanced chunks and
//! computes each row in a fixed order, so results do not depend on the
//! thread count. SpMV and SpMM take the AVX-512 / AVX2 kernels of the
//! active ISA (gathers for SpMV rows, vectors across the dense columns for
//! SpMM) and the scalar reference otherwise.

mod auto;
mod convert;
mod csr;
pub mod kernels;
mod product;
pub mod reference;
mod spgemm;

#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

use crate::blas1::real::Real;
use crate::error::Result;
use crate::gemm::{MatMut, MatRef};
use crate::runtime::active_isa;

pub use auto::{matmul_auto, sparse_max_density, MatmulPath};
pub use convert::{density, from_dense, to_dense, transpose};
pub use csr::Csr;
pub use kernels::SparseReal;
pub use spgemm::spgemm;

/// `y = alpha * A x + beta * y`. `beta == 0` does not read y; `alpha == 0`
/// does not read A or x. `DimensionMismatch` when `x.len() != A.cols()` or
/// `y.len() != A.rows()`.
pub fn spmv<T: SparseReal>(a: &Csr<T>, alpha: T, x: &[T], beta: T, y: &mut [T]) -> Result<()> {
    product::spmv_on(T::sparse_kernels(active_isa()), a, alpha, x, beta, y)
}

/// `C = alpha * A B + beta * C` with dense strided B (`A.cols() x n`) and C
/// (`A.rows() x n`). `beta == 0` does not read C; `alpha == 0` does not read
/// A or B. Vectorized across the columns when B's rows are contiguous
/// (unit column stride); other layouts of B take the scalar loop.
pub fn spmm<T: SparseReal>(
    a: &Csr<T>,
    alpha: T,
    b: MatRef<T>,
    beta: T,
    c: MatMut<T>,
) -> Result<()> {
    product::spmm_on(T::sparse_kernels(active_isa()), a, alpha, b, beta, c)
}
