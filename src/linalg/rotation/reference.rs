//! Plain scalar rotation kernels: the oracle in tests and the scalar path.
//!
//! This is `dlasr`'s loop as written (side 'L', pivot 'V'): one rotation at
//! a time over a pair of rows, skipping rotations with `c == 1 && s == 0`.

use crate::blas1::Real;

/// Applies `(c, s)` to the row pair `(a, b)`: `a = c*a + s*b`,
/// `b = c*b - s*a` (old values on the right), unless the rotation is the
/// identity (`c == 1`, `s == 0`), which `dlasr` skips.
#[inline]
pub fn rotate_pair<T: Real>(c: T, s: T, a: &mut [T], b: &mut [T]) {
    if c == T::ONE && s == T::ZERO {
        return;
    }
    for (x, y) in a.iter_mut().zip(b.iter_mut()) {
        let (xv, yv) = (*x, *y);
        *x = c * xv + s * yv;
        *y = c * yv - s * xv;
    }
}

/// The rotation sequence on a block of `c.len() + 1` rows of `len`
/// elements, row `r` starting at `rows[r * ld]`. Same contract (and panics)
/// as [`super::rotate_rows`]. The oracle of the tests.
#[cfg(test)]
pub fn rotate_rows<T: Real>(
    dir: super::Direction,
    c: &[T],
    s: &[T],
    rows: &mut [T],
    ld: usize,
    len: usize,
) {
    if !super::check_args(c, s, rows.len(), ld, len) {
        return;
    }
    let mut rotate = |j: usize| {
        let (head, tail) = rows.split_at_mut((j + 1) * ld);
        rotate_pair(
            c[j],
            s[j],
            &mut head[j * ld..j * ld + len],
            &mut tail[..len],
        );
    };
    match dir {
        super::Direction::Forward => (0..c.len()).for_each(&mut rotate),
        super::Direction::Backward => (0..c.len()).rev().for_each(&mut rotate),
    }
}

/// The row pair `(j, j + 1)` of a raw block.
///
/// # Safety
/// As for [`forward`]; `ld >= len` keeps the two slices disjoint.
#[inline]
unsafe fn pair<'a, T>(rows: *mut T, ld: usize, len: usize, j: usize) -> (&'a mut [T], &'a mut [T]) {
    let a = rows.add(j * ld);
    (
        std::slice::from_raw_parts_mut(a, len),
        std::slice::from_raw_parts_mut(a.add(ld), len),
    )
}

/// Scalar-path entry: the rotations in forward order on a raw block.
///
/// # Safety
/// `ld >= len`; for every `r <= c.len()` and `i < len`, `rows[r * ld + i]`
/// is valid for reads and writes and nothing else accesses it meanwhile.
pub(crate) unsafe fn forward<T: Real>(c: &[T], s: &[T], rows: *mut T, ld: usize, len: usize) {
    for (j, (&cj, &sj)) in c.iter().zip(s).enumerate() {
        let (a, b) = pair(rows, ld, len, j);
        rotate_pair(cj, sj, a, b);
    }
}

/// Scalar-path entry: the rotations in backward order on a raw block.
///
/// # Safety
/// As for [`forward`].
pub(crate) unsafe fn backward<T: Real>(c: &[T], s: &[T], rows: *mut T, ld: usize, len: usize) {
    for (j, (&cj, &sj)) in c.iter().zip(s).enumerate().rev() {
        let (a, b) = pair(rows, ld, len, j);
        rotate_pair(cj, sj, a, b);
    }
}
