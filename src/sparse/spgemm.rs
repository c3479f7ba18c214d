//! SpGEMM, `C = A B` for two CSR matrices: Gustavson's row-by-row method,
//! each row accumulated in a dense or a hash accumulator chosen by its flop
//! count.
//!
//! One pass when it can: each row of C has at most `min(flops, cols)`
//! entries, so the output arrays are reserved at that bound (virtual
//! memory: only the pages written are ever touched), the rows are split
//! into one flop-balanced contiguous part per worker, each worker writes
//! its rows back to back from its part's bound offset, and the parts are
//! then moved down to close the gaps (nothing moves on one thread). When
//! the bound cannot be reserved, a symbolic phase counts each row first
//! and a numeric phase fills it, over flop-balanced chunks.
//!
//! Both accumulators add the contributions to an entry in the same order
//! (starting from zero, A's row in storage order, then B's row in storage
//! order), and rows are
//! independent, so the result depends neither on the thread count nor on
//! which accumulator a row took. The output is canonical: the dense
//! accumulator lists a row's columns in order from a two-level bitmap, the
//! hash accumulator sorts them.

use super::{Csr, SparseReal};
use crate::error::{Error, Result};
use crate::runtime::alloc::{try_vec, uninit_vec};
use crate::runtime::threads::{num_threads, parallel_for, SharedMut};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Flops (plus one per row) per work chunk.
const CHUNK_FLOPS: usize = 1 << 15;

/// Rows with at most this many flops take the hash accumulator: sorting a
/// few columns is cheaper than walking the dense accumulator's bitmap.
const HASH_MAX_FLOPS: usize = 32;

/// Widest B for which each worker keeps a dense accumulator (values and
/// bitmaps, about 32 MiB for f64); wider products hash every row.
const DENSE_MAX_COLS: usize = 1 << 22;

/// `C = A B`. `DimensionMismatch` when `A.cols() != B.rows()`,
/// `OutOfMemory` when the product does not fit.
pub fn spgemm<T: SparseReal>(a: &Csr<T>, b: &Csr<T>) -> Result<Csr<T>> {
    match one_pass(a, b)? {
        Some(c) => Ok(c),
        None => two_pass(a, b),
    }
}

/// The row flop counts (products per row of C), after the shape check.
fn row_flops<T: SparseReal>(a: &Csr<T>, b: &Csr<T>) -> Result<Vec<usize>> {
    if a.cols() != b.rows() {
        return Err(Error::dimension(format!(
            "A is {}x{}, B is {}x{}",
            a.rows(),
            a.cols(),
            b.rows(),
            b.cols()
        )));
    }
    let mut flops = try_vec::<usize>(a.rows(), "row flop counts")?;
    for (i, f) in flops.iter_mut().enumerate() {
        *f = a
            .row(i)
            .0
            .iter()
            .map(|&k| b.indptr()[k as usize + 1] - b.indptr()[k as usize])
            .sum();
    }
    Ok(flops)
}

/// Checks the product's size and wraps its arrays.
fn finish<T: SparseReal>(
    a: &Csr<T>,
    b: &Csr<T>,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<T>,
) -> Result<Csr<T>> {
    let nnz = indices.len();
    if nnz > i64::MAX as usize {
        return Err(Error::invalid(format!("the product has {nnz} entries")));
    }
    Ok(Csr::from_canonical(
        a.rows(),
        b.cols(),
        indptr,
        indices,
        values,
    ))
}

/// The one-pass product (see the module comment), or `None` when the
/// output cannot be reserved at its bound.
pub(super) fn one_pass<T: SparseReal>(a: &Csr<T>, b: &Csr<T>) -> Result<Option<Csr<T>>> {
    let flops = row_flops(a, b)?;
    let room = |i: usize| flops[i].min(b.cols());
    let rows = a.rows();
    let Some(bound) = (0..rows).try_fold(0usize, |sum, i| sum.checked_add(room(i))) else {
        return Ok(None);
    };
    let (Ok(mut indices), Ok(mut values)) = (
        uninit_vec::<u32>(bound, "column indices of the product"),
        uninit_vec::<T>(bound, "values of the product"),
    ) else {
        return Ok(None);
    };
    let parts = flop_parts(&flops, num_threads());
    let mut part_start = vec![0; parts.len()];
    for p in 1..parts.len() {
        part_start[p] = part_start[p - 1] + (parts[p - 1]..parts[p]).map(room).sum::<usize>();
    }
    let mut part_len = vec![0usize; parts.len() - 1];
    let mut indptr = try_vec::<usize>(rows + 1, "row pointers of the product")?;
    let (lens, done) = (
        SharedMut(indptr.as_mut_ptr()),
        SharedMut(part_len.as_mut_ptr()),
    );
    let (ip, vp) = (
        SharedMut(indices.as_mut_ptr()),
        SharedMut(values.as_mut_ptr()),
    );
    on_workers(parts.len() - 1, b.cols(), &|acc: &mut Accumulator<T>, p| {
        let mut at = part_start[p];
        let rows = parts[p]..parts[p + 1];
        for (i, &f) in flops.iter().enumerate().take(rows.end).skip(rows.start) {
            prefetch_ahead(a, b, i, true);
            // SAFETY: part p owns the bound-sized range from part_start[p],
            // and each row writes at most its room, so rows and parts stay
            // disjoint; row i's length slot and part p's length slot are
            // written by this worker only.
            unsafe {
                let len = acc.write_row(
                    a,
                    b,
                    i,
                    f,
                    ip.get().add(at),
                    vp.get().add(at),
                    f.min(b.cols()),
                );
                *lens.get().add(i + 1) = len;
                at += len;
            }
        }
        // SAFETY: as above.
        unsafe { *done.get().add(p) = at - part_start[p] };
    })?;
    for i in 0..rows {
        indptr[i + 1] += indptr[i];
    }
    // Close the gaps: part p moves down to the end of part p - 1.
    let mut nnz = 0;
    for (&start, &len) in part_start.iter().zip(&part_len) {
        if start != nnz {
            // SAFETY: both ranges lie in the reservation, the source was
            // written above, and `copy` allows overlap.
            unsafe {
                std::ptr::copy(
                    indices.as_ptr().add(start),
                    indices.as_mut_ptr().add(nnz),
                    len,
                );
                std::ptr::copy(
                    values.as_ptr().add(start),
                    values.as_mut_ptr().add(nnz),
                    len,
                );
            }
        }
        nnz += len;
    }
    // SAFETY: the first nnz elements of both arrays were written.
    unsafe {
        indices.set_len(nnz);
        values.set_len(nnz);
    }
    // Give the unused tail of the reservation back.
    indices.shrink_to_fit();
    values.shrink_to_fit();
    finish(a, b, indptr, indices, values).map(Some)
}

/// The two-phase product (see the module comment).
pub(super) fn two_pass<T: SparseReal>(a: &Csr<T>, b: &Csr<T>) -> Result<Csr<T>> {
    let flops = row_flops(a, b)?;
    let rows = a.rows();
    let chunks = flop_chunks(&flops);

    // Symbolic phase: row lengths of C into indptr[i + 1].
    let mut indptr = try_vec::<usize>(rows + 1, "row pointers of the product")?;
    let lens = SharedMut(indptr.as_mut_ptr());
    over_chunks(&chunks, b.cols(), &|acc: &mut Accumulator<T>, r| {
        for i in r {
            prefetch_ahead(a, b, i, false);
            let len = acc.count(a, b, i, flops[i]);
            // SAFETY: each row's slot is written by the one task owning it.
            unsafe { *lens.get().add(i + 1) = len };
        }
    })?;
    for i in 0..rows {
        indptr[i + 1] += indptr[i];
    }
    let nnz = indptr[rows];

    // Numeric phase: each row's sorted columns and values at its offset.
    // Left uninitialized: zero-filling 100 MB costs as much as the numeric
    // phase (first-touch page faults), and every element is written below.
    let mut indices = uninit_vec::<u32>(nnz, "column indices of the product")?;
    let mut values = uninit_vec::<T>(nnz, "values of the product")?;
    let (ip, vp) = (
        SharedMut(indices.as_mut_ptr()),
        SharedMut(values.as_mut_ptr()),
    );
    let ptr = &indptr;
    over_chunks(&chunks, b.cols(), &|acc: &mut Accumulator<T>, r| {
        for i in r {
            prefetch_ahead(a, b, i, true);
            let (start, len) = (ptr[i], ptr[i + 1] - ptr[i]);
            // SAFETY: rows own disjoint ranges of the output arrays, and
            // the symbolic phase sized each one.
            let written = unsafe {
                acc.write_row(
                    a,
                    b,
                    i,
                    flops[i],
                    ip.get().add(start),
                    vp.get().add(start),
                    len,
                )
            };
            assert_eq!(written, len, "symbolic and numeric phases disagree");
        }
    })?;
    // SAFETY: the numeric phase wrote all nnz elements of both arrays.
    unsafe {
        indices.set_len(nnz);
        values.set_len(nnz);
    }
    finish(a, b, indptr, indices, values)
}

/// Software prefetch of B's rows for the rows after `i`: the row pointers
/// of row `i + 2`'s B rows, and the first lines of row `i + 1`'s B rows
/// (their pointers were fetched one row earlier). Each B row is a random
/// access; without this the core waits for one miss at a time (measured
/// 2.4x slower on 100k x 100k with 10 entries per row).
#[inline(always)]
fn prefetch_ahead<T: SparseReal>(a: &Csr<T>, b: &Csr<T>, i: usize, numeric: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bptr = b.indptr();
        if i + 2 < a.rows() {
            for &k in a.row(i + 2).0 {
                // SAFETY: prefetch never faults; the address is in bounds.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(bptr.as_ptr().add(k as usize).cast()) };
            }
        }
        if i + 1 < a.rows() {
            for &k in a.row(i + 1).0 {
                let start = bptr[k as usize];
                // SAFETY: as above (`start` may equal nnz: one past the end).
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>(b.indices().as_ptr().wrapping_add(start).cast());
                    if numeric {
                        _mm_prefetch::<_MM_HINT_T0>(b.values().as_ptr().wrapping_add(start).cast());
                    }
                }
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (a, b, i, numeric);
}

/// Row boundaries splitting `flops + rows` into chunks of about
/// [`CHUNK_FLOPS`].
fn flop_chunks(flops: &[usize]) -> Vec<usize> {
    let mut chunks = vec![0];
    let mut work = 0;
    for (i, &f) in flops.iter().enumerate() {
        work += f + 1;
        if work >= CHUNK_FLOPS {
            chunks.push(i + 1);
            work = 0;
        }
    }
    if *chunks.last().expect("starts with 0") != flops.len() {
        chunks.push(flops.len());
    }
    chunks
}

/// Row boundaries splitting `flops + rows` into `parts` contiguous parts
/// of about equal work (fewer when there are fewer rows).
pub(super) fn flop_parts(flops: &[usize], parts: usize) -> Vec<usize> {
    let parts = parts.clamp(1, flops.len().max(1));
    let total: usize = flops.iter().map(|&f| f + 1).sum();
    let mut bounds = vec![0];
    let mut work = 0;
    for (i, &f) in flops.iter().enumerate() {
        work += f + 1;
        if bounds.len() < parts && work * parts >= total * bounds.len() {
            bounds.push(i + 1);
        }
    }
    if *bounds.last().expect("starts with 0") != flops.len() || bounds.len() == 1 {
        bounds.push(flops.len());
    }
    bounds
}

/// Runs `f(accumulator, w)` for w in `0..workers` on the pool, each with an
/// accumulator of its own; the first allocation failure is returned.
fn on_workers<T: SparseReal>(
    workers: usize,
    cols: usize,
    f: &(dyn Fn(&mut Accumulator<T>, usize) + Sync),
) -> Result<()> {
    let dense_cols = if cols <= DENSE_MAX_COLS { cols } else { 0 };
    let failed = std::sync::Mutex::new(None);
    parallel_for(workers, &|w| match Accumulator::new(dense_cols) {
        Ok(mut acc) => f(&mut acc, w),
        Err(e) => *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e),
    });
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Runs `f` on every chunk, one accumulator per worker, the workers taking
/// chunks from a shared counter.
fn over_chunks<T: SparseReal>(
    chunks: &[usize],
    cols: usize,
    f: &(dyn Fn(&mut Accumulator<T>, std::ops::Range<usize>) + Sync),
) -> Result<()> {
    let count = chunks.len() - 1;
    let next = AtomicUsize::new(0);
    on_workers(num_threads().min(count).max(1), cols, &|acc, _| loop {
        let c = next.fetch_add(1, Ordering::Relaxed);
        if c >= count {
            break;
        }
        f(acc, chunks[c]..chunks[c + 1]);
    })
}

/// One worker's accumulators: a dense row of C (values plus a two-level
/// bitmap of the columns present, empty when B is too wide) and a hash
/// table that grows to the largest row it has held.
struct Accumulator<T> {
    values: Vec<T>,
    /// Bit `c` set when column `c` is present.
    bits: Vec<u64>,
    /// Bit `w` set when `bits[w]` is non-zero.
    words: Vec<u64>,
    keys: Vec<u32>,
    slots: Vec<T>,
    /// Slots in use in the hash table, in insertion order.
    present: Vec<usize>,
}

const EMPTY: u32 = u32::MAX;

impl<T: SparseReal> Accumulator<T> {
    fn new(dense_cols: usize) -> Result<Self> {
        let nbits = dense_cols.div_ceil(64);
        Ok(Accumulator {
            values: try_vec(dense_cols, "the dense accumulator")?,
            bits: try_vec(nbits, "the dense accumulator")?,
            words: try_vec(nbits.div_ceil(64), "the dense accumulator")?,
            keys: Vec::new(),
            slots: Vec::new(),
            present: Vec::new(),
        })
    }

    fn use_hash(&self, flops: usize) -> bool {
        flops <= HASH_MAX_FLOPS || self.values.is_empty()
    }

    /// The number of distinct columns in row `i` of A B.
    fn count(&mut self, a: &Csr<T>, b: &Csr<T>, i: usize, flops: usize) -> usize {
        if flops == 0 {
            return 0;
        }
        if self.use_hash(flops) {
            self.hash_row(a, b, i, flops, false);
            let n = self.present.len();
            self.hash_clear();
            return n;
        }
        let (lo, hi, n) = self.mark_row(a, b, i, false);
        for g in lo / 64..=hi / 64 {
            let mut group = std::mem::take(&mut self.words[g]);
            while group != 0 {
                self.bits[g * 64 + group.trailing_zeros() as usize] = 0;
                group &= group - 1;
            }
        }
        n
    }

    /// Writes row `i` of A B, columns ascending, at `cols` and `vals`, and
    /// returns its length, which must not exceed `room`.
    ///
    /// # Safety
    /// Both pointers are valid for `room` writes.
    #[allow(clippy::too_many_arguments)]
    unsafe fn write_row(
        &mut self,
        a: &Csr<T>,
        b: &Csr<T>,
        i: usize,
        flops: usize,
        cols: *mut u32,
        vals: *mut T,
        room: usize,
    ) -> usize {
        if flops == 0 {
            return 0;
        }
        if self.use_hash(flops) {
            self.hash_row(a, b, i, flops, true);
            let keys = &self.keys;
            self.present.sort_unstable_by_key(|&h| keys[h]);
            let len = self.present.len();
            assert!(len <= room, "row {i} of the product outgrew its room");
            for (k, &h) in self.present.iter().enumerate() {
                cols.add(k).write(self.keys[h]);
                vals.add(k).write(self.slots[h]);
            }
            self.hash_clear();
            return len;
        }
        let (lo, hi, len) = self.mark_row(a, b, i, true);
        // Checked before any write: the walk below writes `len` elements.
        assert!(len <= room, "row {i} of the product outgrew its room");
        let mut k = 0;
        for g in lo / 64..=hi / 64 {
            let mut group = std::mem::take(&mut self.words[g]);
            while group != 0 {
                let w = g * 64 + group.trailing_zeros() as usize;
                group &= group - 1;
                let mut word = std::mem::take(&mut self.bits[w]);
                while word != 0 {
                    let c = w * 64 + word.trailing_zeros() as usize;
                    word &= word - 1;
                    assert!(k < len, "the bitmap of row {i} disagrees with its count");
                    cols.add(k).write(c as u32);
                    vals.add(k)
                        .write(std::mem::replace(&mut self.values[c], T::ZERO));
                    k += 1;
                }
            }
        }
        assert_eq!(k, len, "the bitmap of row {i} disagrees with its count");
        len
    }

    /// Sets the bits of row `i`'s columns (and, with `numeric`, adds the
    /// products into `values`, which are zero where no bit is set); returns
    /// the lowest and highest bit word touched and the number of distinct
    /// columns. Branch-free per product, so the out-of-order core overlaps
    /// the cache misses of B's rows.
    fn mark_row(
        &mut self,
        a: &Csr<T>,
        b: &Csr<T>,
        i: usize,
        numeric: bool,
    ) -> (usize, usize, usize) {
        let (mut lo, mut hi, mut n) = (usize::MAX, 0, 0);
        let (acols, avals) = a.row(i);
        for (&k, &av) in acols.iter().zip(avals) {
            let (bcols, bvals) = b.row(k as usize);
            if let (Some(&first), Some(&last)) = (bcols.first(), bcols.last()) {
                lo = lo.min(first as usize / 64);
                hi = hi.max(last as usize / 64);
            }
            for &c in bcols {
                let (w, bit) = (c as usize / 64, 1u64 << (c % 64));
                let word = self.bits[w];
                n += (word & bit == 0) as usize;
                self.bits[w] = word | bit;
                self.words[w / 64] |= 1 << (w % 64);
            }
            if numeric {
                for (&c, &bv) in bcols.iter().zip(bvals) {
                    let v = &mut self.values[c as usize];
                    *v = *v + av * bv;
                }
            }
        }
        (lo, hi, n)
    }

    /// Slot of column `c` (present or the empty slot where it goes).
    #[inline(always)]
    fn find(&self, c: u32, mask: usize) -> usize {
        let mut h = (c.wrapping_mul(0x9E37_79B1) as usize) & mask;
        while self.keys[h] != c && self.keys[h] != EMPTY {
            h = (h + 1) & mask;
        }
        h
    }

    /// Inserts row `i`'s columns (and with `numeric` sums its products)
    /// into the hash table; `present` lists the columns.
    fn hash_row(&mut self, a: &Csr<T>, b: &Csr<T>, i: usize, flops: usize, numeric: bool) {
        let size = (2 * flops).next_power_of_two().max(16);
        if self.keys.len() < size {
            self.keys = vec![EMPTY; size];
            self.slots = vec![T::ZERO; size];
        }
        let mask = self.keys.len() - 1;
        let (acols, avals) = a.row(i);
        for (&k, &av) in acols.iter().zip(avals) {
            let (bcols, bvals) = b.row(k as usize);
            for (&c, &bv) in bcols.iter().zip(bvals) {
                let h = self.find(c, mask);
                if self.keys[h] == EMPTY {
                    self.keys[h] = c;
                    self.present.push(h);
                }
                if numeric {
                    self.slots[h] = self.slots[h] + av * bv;
                }
            }
        }
    }

    /// Empties the hash table (only the slots in use).
    fn hash_clear(&mut self) {
        for &h in &self.present {
            self.keys[h] = EMPTY;
            self.slots[h] = T::ZERO;
        }
        self.present.clear();
    }
}
