//! The scalar oracle of the integer GEMM.

use crate::gemm::matrix::{MatMut, MatRef};

/// `C = A B (+ C when beta == 1)` with int32 wrap-around, one product at
/// a time; `a_value` reads A's element as its integer value.
pub fn gemm<A: Copy>(
    a: MatRef<A>,
    a_value: impl Fn(A) -> i32,
    b: MatRef<i8>,
    beta: i32,
    c: &mut MatMut<i32>,
) {
    for i in 0..c.rows() {
        for j in 0..c.cols() {
            let mut sum = 0i32;
            for p in 0..a.cols() {
                sum = sum.wrapping_add(a_value(a.at(i, p)) * b.at(p, j) as i32);
            }
            let x = c.at_mut(i, j);
            *x = if beta == 0 { sum } else { sum.wrapping_add(*x) };
        }
    }
}
