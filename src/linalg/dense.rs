//! The factorizations' working storage: an owned column-major matrix, and
//! the level-1 helpers the unblocked loops use on its columns.

use super::LinalgReal;
use crate::blas1;
use crate::gemm::{MatMut, MatRef};
use crate::runtime::Isa;

/// An owned `rows x cols` column-major matrix (column j is contiguous).
#[derive(Clone, Debug)]
pub(crate) struct ColMat<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T: LinalgReal> ColMat<T> {
    /// A matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        ColMat {
            data: vec![T::ZERO; rows * cols],
            rows,
            cols,
        }
    }

    /// The first `cols` columns of the `rows x rows` identity.
    pub fn identity(rows: usize, cols: usize) -> Self {
        let mut m = Self::zeros(rows, cols);
        for i in 0..rows.min(cols) {
            m.set(i, i, T::ONE);
        }
        m
    }

    /// A column-major copy of a strided view.
    pub fn from_view(a: MatRef<T>) -> Self {
        let mut m = Self::zeros(a.rows(), a.cols());
        if a.cs().unsigned_abs() < a.rs().unsigned_abs() {
            // Row-major source: read rows in memory order.
            let rows = m.rows;
            for i in 0..a.rows() {
                for j in 0..a.cols() {
                    m.data[j * rows + i] = a.at(i, j);
                }
            }
        } else {
            for j in 0..a.cols() {
                for (i, x) in m.col_mut(j).iter_mut().enumerate() {
                    *x = a.at(i, j);
                }
            }
        }
        m
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Column j.
    #[inline(always)]
    pub fn col(&self, j: usize) -> &[T] {
        &self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// Column j, mutable.
    #[inline(always)]
    pub fn col_mut(&mut self, j: usize) -> &mut [T] {
        &mut self.data[j * self.rows..(j + 1) * self.rows]
    }

    /// Element (i, j).
    #[inline(always)]
    pub fn at(&self, i: usize, j: usize) -> T {
        self.data[j * self.rows + i]
    }

    /// Sets element (i, j).
    #[inline(always)]
    pub fn set(&mut self, i: usize, j: usize, v: T) {
        self.data[j * self.rows + i] = v;
    }

    /// The whole matrix as a strided view.
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef::new(
            &self.data,
            0,
            self.rows,
            self.cols,
            1,
            self.rows.max(1) as isize,
        )
        .expect("a column-major matrix fits its storage")
    }

    /// The whole matrix as a mutable strided view.
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        let ld = self.rows.max(1) as isize;
        MatMut::new(&mut self.data, 0, self.rows, self.cols, 1, ld)
            .expect("a column-major matrix fits its storage")
    }

    /// The storage, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }
}

/// `x . y` on equal-length slices.
#[inline]
pub(crate) fn dot<T: LinalgReal>(isa: Isa, x: &[T], y: &[T]) -> T {
    blas1::dot_on(T::select(isa), x.into(), y.into()).expect("callers pass equal lengths")
}

/// `y += alpha x` on equal-length slices.
#[inline]
pub(crate) fn axpy<T: LinalgReal>(isa: Isa, alpha: T, x: &[T], y: &mut [T]) {
    blas1::axpy_on(T::select(isa), alpha, x.into(), y.into()).expect("callers pass equal lengths")
}

/// `x *= alpha`.
#[inline]
pub(crate) fn scal<T: LinalgReal>(isa: Isa, alpha: T, x: &mut [T]) {
    blas1::scal_on(T::select(isa), alpha, x.into())
}

/// Euclidean norm without undue overflow or underflow.
#[inline]
pub(crate) fn nrm2<T: LinalgReal>(isa: Isa, x: &[T]) -> T {
    blas1::nrm2_on(T::select(isa), x.into())
}
