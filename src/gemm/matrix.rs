//! Strided matrix views (BLIS style): a pointer to element (0, 0), a row
//! stride and a column stride in elements, any non-zero values. Row-major,
//! column-major, transposed and sub-matrix views are all the same type.

use crate::error::{Error, Result};
use std::marker::PhantomData;

/// Offsets (in elements, relative to element (0, 0)) of the lowest and the
/// highest element a `rows x cols` view with strides `rs`, `cs` touches, or
/// an error when a stride is zero or the extent overflows.
#[inline(always)]
pub fn extent(rows: usize, cols: usize, rs: isize, cs: isize) -> Result<(isize, isize)> {
    if rs == 0 || cs == 0 {
        return Err(Error::invalid("matrix strides must not be zero"));
    }
    if rows == 0 || cols == 0 {
        return Ok((0, 0));
    }
    let span = |n: usize, s: isize| isize::try_from(n - 1).ok().and_then(|n| n.checked_mul(s));
    let bounds = span(rows, rs).zip(span(cols, cs)).and_then(|(r, c)| {
        Some((
            r.min(0).checked_add(c.min(0))?,
            r.max(0).checked_add(c.max(0))?,
        ))
    });
    bounds.ok_or_else(|| extent_overflow(rows, cols, rs, cs))
}

#[cold]
#[inline(never)]
fn extent_overflow(rows: usize, cols: usize, rs: isize, cs: isize) -> Error {
    Error::invalid(format!(
        "{rows}x{cols} matrix with strides {rs}, {cs} overflows"
    ))
}

/// The shape accessors both view types share.
macro_rules! shape_accessors {
    () => {
        /// Number of rows.
        pub fn rows(&self) -> usize {
            self.rows
        }
        /// Number of columns.
        pub fn cols(&self) -> usize {
            self.cols
        }
        /// Row stride in elements.
        pub fn rs(&self) -> isize {
            self.rs
        }
        /// Column stride in elements.
        pub fn cs(&self) -> isize {
            self.cs
        }
    };
}

/// A read-only strided matrix view.
#[derive(Copy, Clone, Debug)]
pub struct MatRef<'a, T> {
    ptr: *const T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    _data: PhantomData<&'a [T]>,
}

// SAFETY: a MatRef is a shared borrow of `T`s.
unsafe impl<T: Sync> Send for MatRef<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for MatRef<'_, T> {}

impl<'a, T> MatRef<'a, T> {
    /// A `rows x cols` view of `data` whose element (0, 0) is `data[origin]`
    /// and element (i, j) is `data[origin + i * rs + j * cs]`; every element
    /// must lie inside `data`.
    pub fn new(
        data: &'a [T],
        origin: usize,
        rows: usize,
        cols: usize,
        rs: isize,
        cs: isize,
    ) -> Result<Self> {
        check_inside(data.len(), origin, rows, cols, rs, cs)?;
        // SAFETY: origin <= len (checked); a one-past-the-end pointer is fine.
        let ptr = unsafe { data.as_ptr().add(origin.min(data.len())) };
        Ok(MatRef {
            ptr,
            rows,
            cols,
            rs,
            cs,
            _data: PhantomData,
        })
    }

    /// A row-major `rows x cols` view of `data` (row stride `cols`).
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        Self::new(data, 0, rows, cols, cols.max(1) as isize, 1)
    }

    /// A view from raw parts.
    ///
    /// # Safety
    /// Every element `ptr + i * rs + j * cs` must be valid for reads for `'a`.
    pub unsafe fn from_raw(ptr: *const T, rows: usize, cols: usize, rs: isize, cs: isize) -> Self {
        MatRef {
            ptr,
            rows,
            cols,
            rs,
            cs,
            _data: PhantomData,
        }
    }

    shape_accessors!();
    /// Pointer to element (0, 0).
    pub fn ptr(&self) -> *const T {
        self.ptr
    }

    /// Element (i, j); panics when out of range.
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> T
    where
        T: Copy,
    {
        assert!(
            i < self.rows && j < self.cols,
            "({i}, {j}) outside {}x{}",
            self.rows,
            self.cols
        );
        // SAFETY: in range, and the constructor checked every element.
        unsafe { *self.ptr.offset(i as isize * self.rs + j as isize * self.cs) }
    }

    /// Row `i` as a slice when its elements are contiguous (unit column
    /// stride); panics when out of range.
    pub fn row(&self, i: usize) -> Option<&'a [T]> {
        assert!(i < self.rows, "row {i} outside {} rows", self.rows);
        if self.cols == 0 {
            return Some(&[]);
        }
        if self.cs != 1 && self.cols > 1 {
            return None;
        }
        // SAFETY: the constructor checked every element; row i's are
        // `cols` consecutive values.
        Some(unsafe {
            std::slice::from_raw_parts(self.ptr.offset(i as isize * self.rs), self.cols)
        })
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        MatRef {
            ptr: self.ptr,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            _data: PhantomData,
        }
    }

    /// The `rows x cols` block starting at (i, j); panics when out of range.
    pub fn block(self, i: usize, j: usize, rows: usize, cols: usize) -> Self {
        assert!(
            i + rows <= self.rows && j + cols <= self.cols,
            "block outside the matrix"
        );
        let ptr = self
            .ptr
            .wrapping_offset(block_offset(i, j, rows, cols, self.rs, self.cs));
        MatRef {
            ptr,
            rows,
            cols,
            rs: self.rs,
            cs: self.cs,
            _data: PhantomData,
        }
    }
}

impl<'a> MatRef<'a, i8> {
    /// The same view read as unsigned bytes (the integer kernels pack
    /// bytes and choose the signedness in the packed format).
    pub fn as_bytes(self) -> MatRef<'a, u8> {
        MatRef {
            ptr: self.ptr.cast(),
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
            _data: PhantomData,
        }
    }
}

/// A mutable strided matrix view. Its elements must be pairwise distinct
/// (no two (i, j) at the same address).
#[derive(Debug)]
pub struct MatMut<'a, T> {
    ptr: *mut T,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    _data: PhantomData<&'a mut [T]>,
}

// SAFETY: a MatMut is an exclusive borrow of `T`s.
unsafe impl<T: Send> Send for MatMut<'_, T> {}
// SAFETY: shared access only reads.
unsafe impl<T: Sync> Sync for MatMut<'_, T> {}

impl<'a, T> MatMut<'a, T> {
    /// A mutable `rows x cols` view of `data` (see [`MatRef::new`]); the
    /// strides must not map two elements to the same place.
    pub fn new(
        data: &'a mut [T],
        origin: usize,
        rows: usize,
        cols: usize,
        rs: isize,
        cs: isize,
    ) -> Result<Self> {
        check_inside(data.len(), origin, rows, cols, rs, cs)?;
        check_distinct(rows, cols, rs, cs)?;
        // SAFETY: origin <= len (checked).
        let ptr = unsafe { data.as_mut_ptr().add(origin.min(data.len())) };
        Ok(MatMut {
            ptr,
            rows,
            cols,
            rs,
            cs,
            _data: PhantomData,
        })
    }

    /// A row-major `rows x cols` view of `data`.
    pub fn row_major(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self> {
        Self::new(data, 0, rows, cols, cols.max(1) as isize, 1)
    }

    /// A view from raw parts.
    ///
    /// # Safety
    /// Every element must be valid for reads and writes for `'a`, not
    /// aliased elsewhere, and distinct elements must not share an address.
    pub unsafe fn from_raw(ptr: *mut T, rows: usize, cols: usize, rs: isize, cs: isize) -> Self {
        MatMut {
            ptr,
            rows,
            cols,
            rs,
            cs,
            _data: PhantomData,
        }
    }

    shape_accessors!();
    /// Pointer to element (0, 0).
    pub fn ptr(&mut self) -> *mut T {
        self.ptr
    }

    /// A read-only view of the same elements.
    pub fn rb(&self) -> MatRef<'_, T> {
        MatRef {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
            _data: PhantomData,
        }
    }

    /// A reborrow.
    pub fn rb_mut(&mut self) -> MatMut<'_, T> {
        MatMut {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
            _data: PhantomData,
        }
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        MatMut {
            ptr: self.ptr,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            _data: PhantomData,
        }
    }

    /// Mutable element (i, j); panics when out of range.
    #[inline(always)]
    pub fn at_mut(&mut self, i: usize, j: usize) -> &mut T {
        assert!(
            i < self.rows && j < self.cols,
            "({i}, {j}) outside {}x{}",
            self.rows,
            self.cols
        );
        // SAFETY: in range; the constructor checked every element.
        unsafe { &mut *self.ptr.offset(i as isize * self.rs + j as isize * self.cs) }
    }

    /// Row `i` as a mutable slice when its elements are contiguous (unit
    /// column stride); panics when out of range.
    pub fn row_mut(&mut self, i: usize) -> Option<&mut [T]> {
        assert!(i < self.rows, "row {i} outside {} rows", self.rows);
        if self.cols == 0 {
            return Some(&mut []);
        }
        if self.cs != 1 && self.cols > 1 {
            return None;
        }
        // SAFETY: the constructor checked every element (and that they are
        // distinct); row i's are `cols` consecutive values.
        Some(unsafe {
            std::slice::from_raw_parts_mut(self.ptr.offset(i as isize * self.rs), self.cols)
        })
    }

    /// The mutable `rows x cols` block starting at (i, j).
    pub fn block_mut(&mut self, i: usize, j: usize, rows: usize, cols: usize) -> MatMut<'_, T> {
        assert!(
            i + rows <= self.rows && j + cols <= self.cols,
            "block outside the matrix"
        );
        let ptr = self
            .ptr
            .wrapping_offset(block_offset(i, j, rows, cols, self.rs, self.cs));
        MatMut {
            ptr,
            rows,
            cols,
            rs: self.rs,
            cs: self.cs,
            _data: PhantomData,
        }
    }
}

/// Offset of the block at (i, j) from element (0, 0): zero for an empty
/// block (whose origin may lie past the view), else that of element (i, j).
fn block_offset(i: usize, j: usize, rows: usize, cols: usize, rs: isize, cs: isize) -> isize {
    if rows == 0 || cols == 0 {
        0
    } else {
        i as isize * rs + j as isize * cs
    }
}

fn check_inside(
    len: usize,
    origin: usize,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
) -> Result<()> {
    let (lo, hi) = extent(rows, cols, rs, cs)?;
    if rows == 0 || cols == 0 {
        return if origin <= len {
            Ok(())
        } else {
            Err(Error::dimension("origin past the end of the data"))
        };
    }
    let origin = isize::try_from(origin).map_err(|_| Error::invalid("origin overflows"))?;
    let inside = origin.checked_add(lo).is_some_and(|l| l >= 0)
        && origin.checked_add(hi).is_some_and(|h| (h as usize) < len);
    if !inside {
        return Err(Error::dimension(format!(
            "a {rows}x{cols} view with strides {rs}, {cs} at {origin} does not fit in {len} elements"
        )));
    }
    Ok(())
}

/// Accepts the output strides of a (possibly padded) row- or column-major
/// layout, `|rs| * rows <= |cs|` or `|cs| * cols <= |rs|`, which can never
/// map two elements to one address; rejects everything else. That is
/// stricter than distinctness (rows 3 with strides 2 and 3 interleave
/// without colliding, and are refused), in exchange for a constant-time
/// test. Colliding outputs (e.g. `rs == cs` with more than one row and
/// column) would make the result depend on the order of stores.
#[inline(always)]
pub fn check_distinct(rows: usize, cols: usize, rs: isize, cs: isize) -> Result<()> {
    if rows <= 1 || cols <= 1 {
        return Ok(());
    }
    // The smaller stride times its extent must stay below the larger one,
    // the layout every row- or column-major (sub)matrix has.
    let (small, small_n, large) = if rs.unsigned_abs() <= cs.unsigned_abs() {
        (rs.unsigned_abs(), rows, cs.unsigned_abs())
    } else {
        (cs.unsigned_abs(), cols, rs.unsigned_abs())
    };
    if small.checked_mul(small_n).is_none_or(|span| span > large) {
        return Err(Error::invalid(format!(
            "output strides {rs}, {cs} make elements of a {rows}x{cols} matrix overlap"
        )));
    }
    Ok(())
}
