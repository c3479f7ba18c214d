//! Conversions: transpose, dense to CSR (with a magnitude threshold), CSR
//! to dense, and the count of non-zeros of a dense view.

use super::csr::MAX_INDEX;
use super::{Csr, SparseReal};
use crate::error::{Error, Result};
use crate::gemm::{MatMut, MatRef};
use crate::runtime::alloc::try_vec;

/// `Aᵀ` in canonical form (a counting sort by column; rows are visited in
/// order, so each row of the result comes out sorted).
/// `InvalidArgument` when A has more than 2^31 rows (they would not fit
/// the result's 32-bit column indices).
pub fn transpose<T: SparseReal>(a: &Csr<T>) -> Result<Csr<T>> {
    if a.rows() > MAX_INDEX + 1 {
        return Err(Error::invalid(format!(
            "a matrix of {} rows has no CSR transpose with 32-bit column indices",
            a.rows()
        )));
    }
    let (rows, nnz) = (a.cols(), a.nnz());
    let mut indptr = try_vec::<usize>(rows + 1, "row pointers of the transpose")?;
    for &c in a.indices() {
        indptr[c as usize + 1] += 1;
    }
    for i in 0..rows {
        indptr[i + 1] += indptr[i];
    }
    let mut next = try_vec::<usize>(rows, "the transpose's cursors")?;
    next.copy_from_slice(&indptr[..rows]);
    let mut indices = try_vec::<u32>(nnz, "column indices of the transpose")?;
    let mut values = try_vec::<T>(nnz, "values of the transpose")?;
    for i in 0..a.rows() {
        let (cols, vals) = a.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            let slot = &mut next[c as usize];
            indices[*slot] = i as u32;
            values[*slot] = v;
            *slot += 1;
        }
    }
    Ok(Csr::from_canonical(rows, a.rows(), indptr, indices, values))
}

/// Whether a dense entry is kept: `|x| > threshold`, and NaN (an unknown
/// value must not silently become zero).
#[inline(always)]
fn kept<T: SparseReal>(x: T, threshold: T) -> bool {
    x.is_nan() || x.abs() > threshold
}

/// The entries of a dense view with `|x| > threshold` (and every NaN) as a
/// canonical CSR matrix. `InvalidArgument` when the threshold is negative
/// or NaN, or the view has more than 2^31 columns.
pub fn from_dense<T: SparseReal>(m: MatRef<T>, threshold: T) -> Result<Csr<T>> {
    Ok(from_dense_capped(m, threshold, usize::MAX)?.expect("no cap"))
}

/// [`from_dense`] that gives up (`Ok(None)`) as soon as more than `cap`
/// entries are kept.
pub(crate) fn from_dense_capped<T: SparseReal>(
    m: MatRef<T>,
    threshold: T,
    cap: usize,
) -> Result<Option<Csr<T>>> {
    if threshold.is_nan() || threshold < T::ZERO {
        return Err(Error::invalid(format!(
            "threshold {threshold:?} must be a non-negative number"
        )));
    }
    if m.cols() > MAX_INDEX + 1 {
        return Err(Error::invalid(format!(
            "{} columns do not fit 32-bit column indices",
            m.cols()
        )));
    }
    let mut indptr = try_vec::<usize>(m.rows() + 1, "row pointers")?;
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    for i in 0..m.rows() {
        let before = indices.len();
        let mut keep = |j: usize, x: T| {
            if kept(x, threshold) {
                indices.push(j as u32);
                values.push(x);
            }
        };
        match m.row(i) {
            Some(row) => {
                // Blocks of 16 with nothing kept are skipped with one
                // branch: the test is branch-free and vectorizes, so a
                // sparse row is scanned at nearly memory speed.
                for (b, block) in row.chunks(16).enumerate() {
                    if block.iter().fold(false, |any, &x| any | kept(x, threshold)) {
                        block
                            .iter()
                            .enumerate()
                            .for_each(|(j, &x)| keep(16 * b + j, x));
                    }
                }
            }
            None => (0..m.cols()).for_each(|j| keep(j, m.at(i, j))),
        }
        if indices.len() > cap {
            return Ok(None);
        }
        indptr[i + 1] = indptr[i] + indices.len() - before;
    }
    Ok(Some(Csr::from_canonical(
        m.rows(),
        m.cols(),
        indptr,
        indices,
        values,
    )))
}

/// Writes A into the dense view `c` (zeros where A stores nothing).
/// `DimensionMismatch` when the shapes differ.
pub fn to_dense<T: SparseReal>(a: &Csr<T>, mut c: MatMut<T>) -> Result<()> {
    if c.rows() != a.rows() || c.cols() != a.cols() {
        return Err(Error::dimension(format!(
            "A is {}x{}, the dense output is {}x{}",
            a.rows(),
            a.cols(),
            c.rows(),
            c.cols()
        )));
    }
    for i in 0..a.rows() {
        match c.row_mut(i) {
            Some(row) => row.fill(T::ZERO),
            None => (0..a.cols()).for_each(|j| *c.at_mut(i, j) = T::ZERO),
        }
        let (cols, vals) = a.row(i);
        for (&j, &v) in cols.iter().zip(vals) {
            *c.at_mut(i, j as usize) = v;
        }
    }
    Ok(())
}

/// The number of entries of a dense view that are not zero (NaN counts).
pub fn density<T: SparseReal>(m: MatRef<T>) -> usize {
    let mut count = 0;
    for i in 0..m.rows() {
        count += match m.row(i) {
            Some(row) => row.iter().filter(|&&x| x != T::ZERO).count(),
            None => (0..m.cols()).filter(|&j| m.at(i, j) != T::ZERO).count(),
        };
    }
    count
}
