//! The CSR matrix type: validation of caller arrays, the canonical form
//! (columns strictly increasing within each row, duplicates summed), and the
//! nnz-balanced row chunks the parallel kernels run over.

use super::SparseReal;
use crate::error::{Error, Result};
use crate::runtime::alloc::try_vec;

/// A compressed-sparse-row matrix in canonical form: within each row the
/// column indices strictly increase (duplicates of the input were summed, in
/// input order). Explicit zeros of the input are kept.
///
/// Column indices are stored as `u32` and are always below `2^31`, so they
/// convert losslessly to the C ABI's `int32_t`.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr<T> {
    rows: usize,
    cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<T>,
    /// Row boundaries of the work chunks, `0 = chunks[0] < ... = rows`:
    /// each chunk holds about [`CHUNK_WEIGHT`] of `nnz + rows`. Fixed by
    /// the matrix alone, so per-chunk choices never depend on the thread
    /// count.
    chunks: Vec<usize>,
}

/// Work (stored entries plus rows) per chunk: large enough that taking a
/// chunk from the pool's counter is negligible, small enough that a few
/// hundred chunks balance two to a few dozen threads.
const CHUNK_WEIGHT: usize = 1 << 14;

/// Largest column count whose indices fit `int32_t`; larger matrices are
/// accepted but their indices still must be below it.
pub(crate) const MAX_INDEX: usize = i32::MAX as usize;

impl<T: SparseReal> Csr<T> {
    /// Copies and validates caller arrays: `indptr` has `rows + 1` entries,
    /// starts at 0, never decreases and ends at `indices.len()`, which
    /// equals `values.len()`; every column index is in `0..cols`. Rows whose
    /// columns are not strictly increasing are sorted (stably) and their
    /// duplicates summed in input order.
    ///
    /// Errors: `InvalidArgument` naming the first bad position,
    /// `DimensionMismatch` when the array lengths disagree with the shape,
    /// `OutOfMemory`.
    pub fn new(
        rows: usize,
        cols: usize,
        indptr: &[i64],
        indices: &[i32],
        values: &[T],
    ) -> Result<Self> {
        let sorted = validate(rows, cols, indptr, indices, values.len())?;
        let nnz = indices.len();
        let mut ptr = try_vec::<usize>(rows + 1, "row pointers")?;
        if sorted {
            for (p, &q) in ptr.iter_mut().zip(indptr) {
                *p = q as usize;
            }
            let mut idx = try_vec::<u32>(nnz, "column indices")?;
            for (d, &s) in idx.iter_mut().zip(indices) {
                *d = s as u32;
            }
            let mut val = try_vec::<T>(nnz, "values")?;
            val.copy_from_slice(values);
            return Ok(Self::from_canonical(rows, cols, ptr, idx, val));
        }
        let (mut idx, mut val) = (
            try_vec::<u32>(nnz, "column indices")?,
            try_vec::<T>(nnz, "values")?,
        );
        let mut order: Vec<(u32, u32)> = Vec::new();
        let mut out = 0;
        for i in 0..rows {
            let (start, end) = (indptr[i] as usize, indptr[i + 1] as usize);
            let row = &indices[start..end];
            if row.windows(2).all(|w| w[0] < w[1]) {
                for (k, &c) in row.iter().enumerate() {
                    idx[out + k] = c as u32;
                    val[out + k] = values[start + k];
                }
                out += row.len();
            } else {
                // (column, position in row): sorting the pairs keeps equal
                // columns in input order, so duplicates sum in that order.
                order.clear();
                order.extend(row.iter().enumerate().map(|(k, &c)| (c as u32, k as u32)));
                order.sort_unstable();
                for (n, &(c, k)) in order.iter().enumerate() {
                    let v = values[start + k as usize];
                    if n > 0 && order[n - 1].0 == c {
                        val[out - 1] = val[out - 1] + v;
                    } else {
                        idx[out] = c;
                        val[out] = v;
                        out += 1;
                    }
                }
            }
            ptr[i + 1] = out;
        }
        idx.truncate(out);
        val.truncate(out);
        Ok(Self::from_canonical(rows, cols, ptr, idx, val))
    }

    /// Wraps arrays already in canonical form (checked in debug builds).
    pub(crate) fn from_canonical(
        rows: usize,
        cols: usize,
        indptr: Vec<usize>,
        indices: Vec<u32>,
        values: Vec<T>,
    ) -> Self {
        debug_assert_eq!(indptr.len(), rows + 1);
        debug_assert_eq!(indptr[rows], indices.len());
        debug_assert_eq!(indices.len(), values.len());
        debug_assert!((0..rows).all(|i| {
            let r = &indices[indptr[i]..indptr[i + 1]];
            r.windows(2).all(|w| w[0] < w[1]) && r.iter().all(|&c| (c as usize) < cols)
        }));
        let chunks = balanced_chunks(&indptr);
        Csr {
            rows,
            cols,
            indptr,
            indices,
            values,
            chunks,
        }
    }

    /// An empty (all-zero) `rows x cols` matrix.
    pub fn zeros(rows: usize, cols: usize) -> Result<Self> {
        let ptr = try_vec::<usize>(rows + 1, "row pointers")?;
        Ok(Self::from_canonical(
            rows,
            cols,
            ptr,
            Vec::new(),
            Vec::new(),
        ))
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row pointers: row `i` is `indptr[i]..indptr[i + 1]`.
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }

    /// Column indices, strictly increasing within each row.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Stored values, aligned with [`Csr::indices`].
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// Columns and values of row `i`.
    #[inline(always)]
    pub fn row(&self, i: usize) -> (&[u32], &[T]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    /// Row boundaries of the nnz-balanced work chunks.
    pub(crate) fn chunks(&self) -> &[usize] {
        &self.chunks
    }

    /// Writes the canonical arrays into caller buffers of exactly
    /// `rows + 1`, `nnz` and `nnz` elements (`DimensionMismatch` otherwise).
    pub fn export(&self, indptr: &mut [i64], indices: &mut [i32], values: &mut [T]) -> Result<()> {
        let nnz = self.nnz();
        if indptr.len() != self.rows + 1 || indices.len() != nnz || values.len() != nnz {
            return Err(Error::dimension(format!(
                "export of a {}x{} matrix with {nnz} entries needs {} row pointers and {nnz} \
                 indices and values, got {}, {} and {}",
                self.rows,
                self.cols,
                self.rows + 1,
                indptr.len(),
                indices.len(),
                values.len()
            )));
        }
        for (d, &s) in indptr.iter_mut().zip(&self.indptr) {
            *d = s as i64;
        }
        for (d, &s) in indices.iter_mut().zip(&self.indices) {
            *d = s as i32;
        }
        values.copy_from_slice(&self.values);
        Ok(())
    }
}

/// Checks caller CSR arrays; returns whether every row is already strictly
/// increasing (then they are canonical as given).
fn validate(
    rows: usize,
    cols: usize,
    indptr: &[i64],
    indices: &[i32],
    nvalues: usize,
) -> Result<bool> {
    let nnz = indices.len();
    if rows.checked_add(1) != Some(indptr.len()) {
        return Err(Error::dimension(format!(
            "indptr has {} entries, a matrix of {rows} rows needs {}",
            indptr.len(),
            rows.wrapping_add(1)
        )));
    }
    if nvalues != nnz {
        return Err(Error::dimension(format!(
            "{nnz} column indices but {nvalues} values"
        )));
    }
    if indptr[0] != 0 {
        return Err(Error::invalid(format!(
            "indptr[0] is {}, must be 0",
            indptr[0]
        )));
    }
    for i in 0..rows {
        if indptr[i + 1] < indptr[i] {
            return Err(Error::invalid(format!(
                "indptr[{}] = {} is below indptr[{i}] = {} (row pointers must not decrease)",
                i + 1,
                indptr[i + 1],
                indptr[i]
            )));
        }
        if indptr[i + 1] as u64 > nnz as u64 {
            return Err(Error::invalid(format!(
                "indptr[{}] = {} exceeds nnz = {nnz}",
                i + 1,
                indptr[i + 1]
            )));
        }
    }
    if indptr[rows] as u64 != nnz as u64 {
        return Err(Error::invalid(format!(
            "indptr[{rows}] = {} differs from nnz = {nnz}",
            indptr[rows]
        )));
    }
    // Indices: one pass that checks range and order together. The range
    // test on `as u32` also rejects negatives (they wrap above 2^31).
    let limit = cols.min(MAX_INDEX + 1) as u64;
    let mut sorted = true;
    for i in 0..rows {
        let row = &indices[indptr[i] as usize..indptr[i + 1] as usize];
        let mut prev = -1i64;
        for (k, &c) in row.iter().enumerate() {
            if c as u32 as u64 >= limit {
                let at = indptr[i] as usize + k;
                return Err(Error::invalid(format!(
                    "indices[{at}] = {c} (row {i}) is outside 0..{cols}"
                )));
            }
            sorted &= c as i64 > prev;
            prev = c as i64;
        }
    }
    Ok(sorted)
}

/// Row boundaries splitting `rows + nnz` into chunks of about
/// [`CHUNK_WEIGHT`] (a row heavier than that is a chunk of its own).
fn balanced_chunks(indptr: &[usize]) -> Vec<usize> {
    let rows = indptr.len() - 1;
    let mut chunks = vec![0];
    let mut start = 0;
    while start < rows {
        // The first row `end` past `start` whose weight reaches the target:
        // weight(start..end) = (end - start) + indptr[end] - indptr[start].
        let base = indptr[start] + start;
        let target = base + CHUNK_WEIGHT;
        let (mut lo, mut hi) = (start + 1, rows);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if indptr[mid] + mid >= target {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        chunks.push(lo);
        start = lo;
    }
    chunks
}
