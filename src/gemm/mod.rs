//! Dense matrix multiplication: `C = alpha * A * B + beta * C` on strided
//! views, and Strassen–Winograd on top of it.
//!
//! Semantics (shared by every path): `beta == 0` never reads C, so NaN or
//! Inf already there cannot leak; `alpha == 0` never reads A or B; k == 0
//! scales C by beta. Results do not depend on the thread count.

mod driver;
pub mod int8;
pub mod kernels;
pub mod matrix;
mod out;
mod pack;
pub mod reference;
mod strassen;
pub(crate) mod workspace;

#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;

use crate::error::{Error, Result};
pub use kernels::GemmReal;
pub use matrix::{MatMut, MatRef};

/// Checks that the shapes of A (m x k), B (k x n) and C (m x n) agree.
#[inline(always)]
pub(crate) fn check_shapes<T>(a: &MatRef<T>, b: &MatRef<T>, c: &MatMut<T>) -> Result<()> {
    if a.cols() != b.rows() || a.rows() != c.rows() || b.cols() != c.cols() {
        return Err(shape_error(a, b, c));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn shape_error<T>(a: &MatRef<T>, b: &MatRef<T>, c: &MatMut<T>) -> Error {
    Error::dimension(format!(
        "A is {}x{}, B is {}x{}, C is {}x{}",
        a.rows(),
        a.cols(),
        b.rows(),
        b.cols(),
        c.rows(),
        c.cols()
    ))
}

/// `C = alpha * A * B + beta * C`.
#[inline(always)]
pub fn gemm<T: GemmReal>(
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: MatMut<T>,
) -> Result<()> {
    gemm_on(crate::runtime::active_isa(), alpha, a, b, beta, c)
}

/// [`gemm`] on the kernels of `isa` (which the CPU must have): for
/// families whose property tests run every ISA path.
#[inline(always)]
pub(crate) fn gemm_on<T: GemmReal>(
    isa: crate::runtime::Isa,
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    mut c: MatMut<T>,
) -> Result<()> {
    check_shapes(&a, &b, &c)?;
    driver::gemm(isa, alpha, &a, &b, beta, &mut c);
    Ok(())
}

/// `C = alpha * A * B + beta * C` through Strassen–Winograd recursion.
pub fn gemm_strassen<T: GemmReal>(
    alpha: T,
    a: MatRef<T>,
    b: MatRef<T>,
    beta: T,
    c: MatMut<T>,
) -> Result<()> {
    strassen::gemm_strassen(alpha, a, b, beta, c)
}
