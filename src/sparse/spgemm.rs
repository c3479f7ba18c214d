//! SpGEMM, `C = A B` for two CSR matrices: Gustavson's row-by-row method
//! with a symbolic phase (count each row of C) and a numeric phase (fill it),
//! each row accumulated in a dense or a hash accumulator chosen by its flop
//! count, rows spread over the pool in flop-balanced chunks.
//!
//! Both accumulators add the contributions to an entry in the same order
//! (starting from zero, A's row in storage order, then B's row in storage
//! order), and rows are
//! independent, so the result depends neither on the thread count nor on
//! which accumulator a row took. The output is canonical: the dense
//! accumulator lists a row's columns in order from a two-level bitmap, the
//! hash accumulator sorts them.

use super::csr::{try_vec, uninit_vec};
use super::{Csr, SparseReal};
use crate::error::{Error, Result};
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
    if a.cols() != b.rows() {
        return Err(Error::dimension(format!(
            "A is {}x{}, B is {}x{}",
            a.rows(),
            a.cols(),
            b.rows(),
            b.cols()
        )));
    }
    let rows = a.rows();
    // Flops of each row, then chunks of about CHUNK_FLOPS.
    let mut flops = try_vec::<usize>(rows, "row flop counts")?;
    for (i, f) in flops.iter_mut().enumerate() {
        *f = a
            .row(i)
            .0
            .iter()
            .map(|&k| b.indptr()[k as usize + 1] - b.indptr()[k as usize])
            .sum();
    }
    let chunks = flop_chunks(&flops);
    let dense = b.cols() <= DENSE_MAX_COLS;

    // Symbolic phase: row lengths of C into indptr[i + 1].
    let mut indptr = try_vec::<usize>(rows + 1, "row pointers of the product")?;
    let lens = SharedMut(indptr.as_mut_ptr());
    over_chunks(&chunks, b.cols(), dense, &|acc: &mut Accumulator<T>, r| {
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
    if nnz > i64::MAX as usize {
        return Err(Error::invalid(format!("the product has {nnz} entries")));
    }

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
    over_chunks(&chunks, b.cols(), dense, &|acc: &mut Accumulator<T>, r| {
        for i in r {
            prefetch_ahead(a, b, i, true);
            let (start, len) = (ptr[i], ptr[i + 1] - ptr[i]);
            // SAFETY: rows own disjoint ranges of the output arrays, and
            // the symbolic phase sized each one.
            unsafe {
                acc.fill(
                    a,
                    b,
                    i,
                    flops[i],
                    ip.get().add(start),
                    vp.get().add(start),
                    len,
                )
            };
        }
    })?;
    // SAFETY: the numeric phase wrote all nnz elements of both arrays.
    unsafe {
        indices.set_len(nnz);
        values.set_len(nnz);
    }
    Ok(Csr::from_canonical(rows, b.cols(), indptr, indices, values))
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

/// Runs `f` on every chunk, one accumulator per worker, the workers taking
/// chunks from a shared counter.
fn over_chunks<T: SparseReal>(
    chunks: &[usize],
    cols: usize,
    dense: bool,
    f: &(dyn Fn(&mut Accumulator<T>, std::ops::Range<usize>) + Sync),
) -> Result<()> {
    let count = chunks.len() - 1;
    let workers = num_threads().min(count).max(1);
    let next = AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(None);
    parallel_for(workers, &|_| {
        let mut acc = match Accumulator::new(if dense { cols } else { 0 }) {
            Ok(acc) => acc,
            Err(e) => {
                *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                return;
            }
        };
        loop {
            let c = next.fetch_add(1, Ordering::Relaxed);
            if c >= count {
                break;
            }
            f(&mut acc, chunks[c]..chunks[c + 1]);
        }
    });
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
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

    /// Writes row `i` of A B, columns ascending, to the `len` elements
    /// (the row's [`Accumulator::count`]) at `cols` and `vals`.
    ///
    /// # Safety
    /// Both pointers are valid for `len` writes.
    #[allow(clippy::too_many_arguments)]
    unsafe fn fill(
        &mut self,
        a: &Csr<T>,
        b: &Csr<T>,
        i: usize,
        flops: usize,
        cols: *mut u32,
        vals: *mut T,
        len: usize,
    ) {
        if flops == 0 {
            return;
        }
        if self.use_hash(flops) {
            self.hash_row(a, b, i, flops, true);
            let keys = &self.keys;
            self.present.sort_unstable_by_key(|&h| keys[h]);
            assert_eq!(
                self.present.len(),
                len,
                "symbolic and numeric phases disagree"
            );
            for (k, &h) in self.present.iter().enumerate() {
                cols.add(k).write(self.keys[h]);
                vals.add(k).write(self.slots[h]);
            }
            self.hash_clear();
            return;
        }
        let (lo, hi, _) = self.mark_row(a, b, i, true);
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
                    assert!(k < len, "symbolic and numeric phases disagree");
                    cols.add(k).write(c as u32);
                    vals.add(k)
                        .write(std::mem::replace(&mut self.values[c], T::ZERO));
                    k += 1;
                }
            }
        }
        assert_eq!(k, len, "symbolic and numeric phases disagree");
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
