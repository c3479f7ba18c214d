//! The output of a product as the pool's threads see it.

/// Largest MR * NR of any micro-kernel (f32 32 x 12, int8 32 x 12): the
/// size of an edge-tile buffer.
pub(crate) const MAX_TILE: usize = 32 * 12;

/// An output matrix's element (0, 0) and strides, shareable across the
/// pool's threads; each task writes only elements no other task writes
/// (its tiles, rows or columns: each user says which).
#[derive(Copy, Clone)]
pub(crate) struct Out<T> {
    /// Element (0, 0).
    pub ptr: *mut T,
    /// Row stride in elements.
    pub rs: isize,
    /// Column stride in elements.
    pub cs: isize,
}
// SAFETY: tasks write disjoint elements (see above).
unsafe impl<T> Send for Out<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Out<T> {}

impl<T> Out<T> {
    /// The output `c`.
    pub fn of(c: &mut crate::gemm::MatMut<T>) -> Out<T> {
        Out {
            ptr: c.ptr(),
            rs: c.rs(),
            cs: c.cs(),
        }
    }

    /// The same output moved to element (i, j).
    ///
    /// # Safety
    /// (i, j) lies inside the output matrix.
    pub unsafe fn at(self, i: usize, j: usize) -> Out<T> {
        Out {
            ptr: self.ptr.offset(i as isize * self.rs + j as isize * self.cs),
            ..self
        }
    }
}
