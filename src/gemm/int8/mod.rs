//! Exact integer GEMM: `C (int32) = A B (+ C)` for uint8 x int8 (VPDPBUSD
//! on AVX-512 VNNI; int16 pairs through VPMADDWD on AVX-512BW and AVX2;
//! portable code otherwise) and int8 x int8 through a +128 shift.
//!
//! Exactness: every product is at most 255 * 128 = 32640 in magnitude, so
//! no partial sum over k <= [`MAX_K`] values leaves int32, whatever the
//! order. Longer k is refused. With beta == 1 the final addition of C
//! wraps modulo 2^32 like any int32 addition (as oneDNN's does).

mod driver;
mod kernels;
mod pack;
mod qlinear;
pub mod reference;
#[cfg(test)]
mod tests;

use super::matrix::{MatMut, MatRef};
use crate::error::{Error, Result};
use crate::runtime::Isa;
use driver::Operands;
pub use qlinear::QLinear;

/// The largest k for which no int32 partial sum can overflow:
/// floor((2^31 - 1) / (255 * 128)).
/// cbindgen:ignore
pub const MAX_K: usize = (i32::MAX / (255 * 128)) as usize;

/// `C = A B (+ C when beta == 1)` for uint8 A (m x k), int8 B (k x n).
pub fn gemm_u8s8s32(a: MatRef<u8>, b: MatRef<i8>, beta: i32, mut c: MatMut<i32>) -> Result<()> {
    check(a.rows(), a.cols(), &b, beta, &c)?;
    run(crate::runtime::active_isa(), a, 0, b, beta, &mut c);
    Ok(())
}

/// `C = A B (+ C when beta == 1)` for int8 A and B: computed as
/// (A + 128) B - 128 * (column sums of B), exactly.
pub fn gemm_s8s8s32(a: MatRef<i8>, b: MatRef<i8>, beta: i32, mut c: MatMut<i32>) -> Result<()> {
    check(a.rows(), a.cols(), &b, beta, &c)?;
    run(
        crate::runtime::active_isa(),
        a.as_bytes(),
        0x80,
        b,
        beta,
        &mut c,
    );
    shift_back(b, &mut c);
    Ok(())
}

/// Shapes, beta and the k limit.
fn check(m: usize, k: usize, b: &MatRef<i8>, beta: i32, c: &MatMut<i32>) -> Result<()> {
    if k != b.rows() || m != c.rows() || b.cols() != c.cols() {
        return Err(Error::dimension(format!(
            "A is {m}x{k}, B is {}x{}, C is {}x{}",
            b.rows(),
            b.cols(),
            c.rows(),
            c.cols()
        )));
    }
    if beta != 0 && beta != 1 {
        return Err(Error::invalid(format!("beta is {beta}; it must be 0 or 1")));
    }
    if k > MAX_K {
        return Err(Error::invalid(format!(
            "k = {k} exceeds {MAX_K}, the largest k whose int32 sums cannot overflow"
        )));
    }
    Ok(())
}

/// Runs the product with the kernels of `isa`; `flip` (0 or 0x80) is
/// XORed into A's bytes as they are packed.
pub(crate) fn run(
    isa: Isa,
    a: MatRef<u8>,
    flip: u8,
    b: MatRef<i8>,
    beta: i32,
    c: &mut MatMut<i32>,
) {
    let (m, n, k) = (c.rows(), c.cols(), a.cols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if beta == 0 {
            fill_zero(c);
        }
        return;
    }
    let kern = kernels::kernels(isa);
    let b = b.as_bytes();
    // The kernels store C's unit-stride dimension as vectors: for a
    // row-major C compute C^T = B^T A^T.
    if c.cs() == 1 && c.rs() != 1 {
        let ops = Operands {
            v: (b.t(), kern.format(true, 0)),
            w: (a.t(), kern.format(false, flip)),
            kernel: kern.signed_v,
            narrow: kern.signed_v_narrow,
        };
        return driver::run(kern, ops, beta, &mut c.rb_mut().t());
    }
    let ops = Operands {
        v: (a, kern.format(false, flip)),
        w: (b, kern.format(true, 0)),
        kernel: kern.unsigned_v,
        narrow: &[],
    };
    driver::run(kern, ops, beta, c)
}

/// C -= 128 * (column sums of B): undoes the +128 shift of A.
pub(crate) fn shift_back(b: MatRef<i8>, c: &mut MatMut<i32>) {
    for j in 0..c.cols() {
        let sum: i32 = (0..b.rows()).map(|p| b.at(p, j) as i32).sum();
        let fix = sum.wrapping_mul(128);
        for i in 0..c.rows() {
            let x = c.at_mut(i, j);
            *x = x.wrapping_sub(fix);
        }
    }
}

fn fill_zero(c: &mut MatMut<i32>) {
    for j in 0..c.cols() {
        for i in 0..c.rows() {
            *c.at_mut(i, j) = 0;
        }
    }
}
