//! Matrices as the pool's threads see them: element (0, 0) and strides.

/// Largest MR * NR of any micro-kernel (f32 32 x 12, int8 32 x 12): the
/// size of an edge-tile buffer.
pub(crate) const MAX_TILE: usize = 32 * 12;

/// A matrix's element (0, 0) (a raw pointer `P`) and strides, shareable
/// across the pool's threads; see [`Out`] and [`In`] for what makes that
/// sound.
#[derive(Copy, Clone)]
pub(crate) struct Shared<P> {
    /// Element (0, 0).
    pub ptr: P,
    /// Row stride in elements.
    pub rs: isize,
    /// Column stride in elements.
    pub cs: isize,
}

/// An output matrix: each task writes only elements no other task writes
/// (its tiles, rows or columns: each user says which).
pub(crate) type Out<T> = Shared<*mut T>;

/// An input matrix: tasks only read it, and the caller keeps it borrowed.
pub(crate) type In<T> = Shared<*const T>;

// SAFETY: tasks write disjoint elements of an `Out` and only read an `In`
// (see the aliases).
unsafe impl<P> Send for Shared<P> {}
// SAFETY: as above.
unsafe impl<P> Sync for Shared<P> {}

impl<P: Copy> Shared<P> {
    /// The transposed matrix (no copy).
    pub fn t(self) -> Self {
        Shared {
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

impl<T> Out<T> {
    /// The output `c`.
    pub fn of(c: &mut crate::gemm::MatMut<T>) -> Out<T> {
        Shared {
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
        Shared {
            ptr: self.ptr.offset(i as isize * self.rs + j as isize * self.cs),
            ..self
        }
    }
}

impl<T> In<T> {
    /// The input `a`.
    pub fn of(a: &crate::gemm::MatRef<T>) -> In<T> {
        Shared {
            ptr: a.ptr(),
            rs: a.rs(),
            cs: a.cs(),
        }
    }
}
