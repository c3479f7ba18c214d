//! Sequences of plane rotations applied to consecutive rows: LAPACK's
//! `xLASR` with side 'L' and pivot 'V', the hot loop of the bidiagonal QR
//! SVD.
//!
//! A block of `count + 1` rows, row `r` starting at `rows[r * ld]` with
//! `len` elements used, takes `count` rotations; rotation `j` (cosine
//! `c[j]`, sine `s[j]`) acts on rows `j` and `j + 1`, column by column:
//!
//! ```text
//! x = row_j[i]; y = row_{j+1}[i];
//! row_j[i] = c*x + s*y;  row_{j+1}[i] = c*y - s*x;
//! ```
//!
//! As in `dlasr`, a rotation with `c == 1` and `s == 0` is skipped (so it
//! neither turns an infinity into NaN nor flips the sign of a zero).
//!
//! The SIMD kernels fuse the sequence: for a strip of columns they keep the
//! row that the next rotation also touches ("carried") in registers, so
//! each rotation costs one load and one store per element instead of two
//! and two, and the block streams through the cache once. Each column is
//! independent and computed with the same operations whatever its position
//! (AVX-512 and AVX2 tails go through masked loads and stores), so results
//! do not depend on the thread count. They may differ in the last bits
//! between ISA paths (the SIMD paths use FMA).

mod kernels;
pub(crate) mod log;
mod reference;
#[cfg(target_arch = "x86_64")]
mod x86_64;

#[cfg(test)]
mod tests;

use crate::blas1::Real;
use crate::runtime::{active_isa, Isa};
#[doc(hidden)]
pub use kernels::RotationKernels;

/// The order in which a rotation sequence is applied.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Rotations `0, 1, ..., count - 1` (`dlasr` DIRECT = 'F').
    Forward,
    /// Rotations `count - 1, ..., 1, 0` (`dlasr` DIRECT = 'B').
    Backward,
}

/// Element types with rotation kernels: `f32` and `f64`.
pub trait Rotate: Real {
    /// The kernel table for a rung the CPU is known to have.
    #[doc(hidden)]
    fn rotation_kernels(isa: Isa) -> &'static RotationKernels<Self>;
}

impl Rotate for f32 {
    #[inline]
    fn rotation_kernels(isa: Isa) -> &'static RotationKernels<f32> {
        kernels::select_f32(isa)
    }
}

impl Rotate for f64 {
    #[inline]
    fn rotation_kernels(isa: Isa) -> &'static RotationKernels<f64> {
        kernels::select_f64(isa)
    }
}

/// Applies the rotations `(c[j], s[j])`, `j < count = c.len()`, to rows
/// `j` and `j + 1` of the block of `count + 1` rows of `len` elements at
/// `rows[0]`, `rows[ld]`, `rows[2 * ld]`, ..., in the order `dir` says.
///
/// Elements of a row past `len` (up to `ld`) are neither read nor written.
/// Large blocks are split by columns over the thread pool; the result is
/// the same bit for bit whatever the thread count.
///
/// # Panics
/// If `c.len() != s.len()`, or, when `count > 0` and `len > 0`, if
/// `ld < len` or `rows.len() < count * ld + len`.
pub fn rotate_rows<T: Rotate>(
    dir: Direction,
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    rotate_rows_on(active_isa(), dir, c, s, rows, ld, len)
}

/// [`rotate_rows`] on a given ISA path, which the CPU must have.
pub(crate) fn rotate_rows_on<T: Rotate>(
    isa: Isa,
    dir: Direction,
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    if check_args(c, s, rows.len(), ld, len) {
        log::apply_sequences(isa, &[whole_block(dir, c.len())], c, s, rows, ld, len);
    }
}

/// One sequence over the whole block.
fn whole_block(dir: Direction, count: usize) -> log::Sequence {
    log::Sequence {
        first: 0,
        count,
        dir,
        start: 0,
    }
}

/// [`rotate_rows_on`] with the columns split into (at most) `parts` ranges,
/// each run as one task on the pool (tests pick `parts`).
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn rotate_rows_split<T: Rotate>(
    isa: Isa,
    parts: usize,
    dir: Direction,
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    if check_args(c, s, rows.len(), ld, len) {
        let seqs = [whole_block(dir, c.len())];
        log::apply_sequences_split(isa, parts, &seqs, c, s, rows, ld, len);
    }
}

/// Checks the arguments of a rotation call; `false` when there is nothing
/// to do.
fn check_args<T>(c: &[T], s: &[T], rows: usize, ld: usize, len: usize) -> bool {
    assert_eq!(
        c.len(),
        s.len(),
        "rotate_rows: {} cosines but {} sines",
        c.len(),
        s.len()
    );
    let count = c.len();
    if count == 0 || len == 0 {
        return false;
    }
    assert!(ld >= len, "rotate_rows: ld = {ld} < len = {len}");
    let need = count
        .checked_mul(ld)
        .and_then(|v| v.checked_add(len))
        .expect("rotate_rows: block size overflows usize");
    assert!(
        rows >= need,
        "rotate_rows: {} rows of stride {ld} and length {len} need {need} elements, got {rows}",
        count + 1
    );
    true
}
