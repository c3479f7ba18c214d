//! Plain triple-loop GEMM: the oracle in tests and the scalar path's
//! reference semantics (beta == 0 never reads C; alpha == 0 never reads A
//! or B).

use super::matrix::{MatMut, MatRef};
use crate::blas1::Real;

/// `C = alpha * A * B + beta * C`, accumulating each element in `T` in
/// k order.
pub fn gemm<T: Real>(alpha: T, a: MatRef<T>, b: MatRef<T>, beta: T, c: &mut MatMut<T>) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    for i in 0..m {
        for j in 0..n {
            let ab = if alpha == T::ZERO {
                T::ZERO
            } else {
                (0..k).fold(T::ZERO, |acc, p| acc + a.at(i, p) * b.at(p, j)) * alpha
            };
            let cij = c.at_mut(i, j);
            *cij = if beta == T::ZERO {
                ab
            } else {
                ab + beta * *cij
            };
        }
    }
}
