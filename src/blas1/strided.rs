//! Strided vector views with BLAS increment semantics.
//!
//! A view of `n` elements with increment `inc` covers
//! `(n - 1) * |inc| + 1` elements of its slice. As in BLAS, a negative
//! increment walks the slice backwards: element 0 is the *last* covered
//! element of the slice and element `n - 1` is `data[0]`.

use crate::error::{Error, Result};

/// Number of slice elements a view of `n` elements with increment `inc`
/// covers, or an error when the increment is zero or the span overflows.
#[inline]
pub fn span(n: usize, inc: isize) -> Result<usize> {
    if inc == 0 {
        return Err(Error::invalid("increment must not be zero"));
    }
    if n == 0 {
        return Ok(0);
    }
    (n - 1)
        .checked_mul(inc.unsigned_abs())
        .and_then(|s| s.checked_add(1))
        .ok_or_else(|| Error::invalid(format!("n = {n} times increment {inc} overflows")))
}

#[inline]
fn check_len(len: usize, n: usize, inc: isize) -> Result<()> {
    let need = span(n, inc)?;
    if len < need {
        return Err(Error::dimension(format!(
            "a view of {n} elements with increment {inc} needs {need} slice elements, got {len}"
        )));
    }
    Ok(())
}

/// Offset in the slice of logical element `i`.
#[inline(always)]
fn offset(n: usize, inc: isize, i: usize) -> usize {
    let step = inc.unsigned_abs();
    if inc > 0 {
        i * step
    } else {
        (n - 1 - i) * step
    }
}

/// A read-only strided view.
#[derive(Copy, Clone, Debug)]
pub struct Strided<'a, T> {
    data: &'a [T],
    n: usize,
    inc: isize,
}

impl<'a, T: Copy> Strided<'a, T> {
    /// A view of `n` elements of `data`, `inc` apart (BLAS semantics).
    #[inline]
    pub fn new(data: &'a [T], n: usize, inc: isize) -> Result<Self> {
        check_len(data.len(), n, inc)?;
        Ok(Strided { data, n, inc })
    }

    /// Number of logical elements.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the view is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The increment.
    pub fn inc(&self) -> isize {
        self.inc
    }

    /// Logical element `i` (panics when out of range).
    #[inline(always)]
    pub fn get(&self, i: usize) -> T {
        self.data[offset(self.n, self.inc, i)]
    }

    /// The covered elements in memory order when `|inc| == 1`.
    pub(crate) fn unit(&self) -> Option<&'a [T]> {
        (self.inc.unsigned_abs() == 1).then(|| &self.data[..self.n])
    }
}

impl<'a, T: Copy> From<&'a [T]> for Strided<'a, T> {
    fn from(data: &'a [T]) -> Self {
        Strided {
            data,
            n: data.len(),
            inc: 1,
        }
    }
}

/// A mutable strided view.
#[derive(Debug)]
pub struct StridedMut<'a, T> {
    data: &'a mut [T],
    n: usize,
    inc: isize,
}

impl<'a, T: Copy> StridedMut<'a, T> {
    /// A mutable view of `n` elements of `data`, `inc` apart (BLAS semantics).
    #[inline]
    pub fn new(data: &'a mut [T], n: usize, inc: isize) -> Result<Self> {
        check_len(data.len(), n, inc)?;
        Ok(StridedMut { data, n, inc })
    }

    /// Number of logical elements.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the view is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The increment.
    pub fn inc(&self) -> isize {
        self.inc
    }

    /// Logical element `i` (panics when out of range).
    #[inline(always)]
    pub fn get(&self, i: usize) -> T {
        self.data[offset(self.n, self.inc, i)]
    }

    /// Mutable logical element `i` (panics when out of range).
    #[inline(always)]
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.data[offset(self.n, self.inc, i)]
    }

    /// The covered elements in memory order when `|inc| == 1`.
    pub(crate) fn unit_mut(&mut self) -> Option<&mut [T]> {
        (self.inc.unsigned_abs() == 1).then(|| &mut self.data[..self.n])
    }

    /// A read-only view of the same elements.
    pub fn as_strided(&self) -> Strided<'_, T> {
        Strided {
            data: self.data,
            n: self.n,
            inc: self.inc,
        }
    }
}

impl<'a, T: Copy> From<&'a mut [T]> for StridedMut<'a, T> {
    fn from(data: &'a mut [T]) -> Self {
        let n = data.len();
        StridedMut { data, n, inc: 1 }
    }
}
