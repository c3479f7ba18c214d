//! `y = W x` and `Y = X Wᵀ` (a small batch) straight from a container:
//! each worker takes a band of tile rows, decodes its tiles (four at a
//! time where the ISA can) into buffers that stay in L2, and adds each
//! tile row's dot product with the matching piece of each x into the
//! band's sums; W is never materialized. The baseline `gemv_s8_f32` runs
//! the same dot kernel over an int8 matrix in memory.

use super::reference;
use super::{with_scratch, FirstError, RansReader, GROUP};
use crate::error::{Error, Result};
use crate::gemm::{MatMut, MatRef};
use crate::runtime::threads::{num_threads, parallel_for, SharedMut};
use crate::runtime::{active_isa, Isa};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `sum q[c] * x[c]` in f32.
pub(super) type DotFn = unsafe fn(&[i8], &[f32]) -> f32;

/// The dot kernel `isa` gives.
pub(super) fn dot_kernel(isa: Isa) -> DotFn {
    #[cfg(target_arch = "x86_64")]
    {
        if isa >= Isa::Avx512 {
            return super::x86_64::avx512::dot_s8_f32;
        }
        if isa >= Isa::Avx2 {
            return super::x86_64::avx2::dot_s8_f32;
        }
    }
    let _ = isa;
    reference_dot
}

unsafe fn reference_dot(q: &[i8], x: &[f32]) -> f32 {
    reference::dot_s8_f32(q, x)
}

/// Four dot products per call, each bitwise what the ISA's [`DotFn`]
/// gives: four rows of codes against one x (the GEMV: x loaded once for
/// four rows), or one row against four x (the batch: codes widened once
/// for four).
#[derive(Clone, Copy)]
pub(super) struct Dot4 {
    /// Four rows against one x.
    pub rows: unsafe fn([&[i8]; 4], &[f32]) -> [f32; 4],
    /// One row against four x.
    pub xs: unsafe fn(&[i8], [&[f32]; 4]) -> [f32; 4],
}

/// The four-at-once kernels `isa` has (`None`: one dot at a time).
pub(super) fn dot4_kernels(isa: Isa) -> Option<Dot4> {
    #[cfg(target_arch = "x86_64")]
    if isa >= Isa::Avx512 {
        return Some(Dot4 {
            rows: super::x86_64::avx512::dot_4rows_s8_f32,
            xs: super::x86_64::avx512::dot_4x_s8_f32,
        });
    }
    let _ = isa;
    None
}

/// Adds a decoded tile's products to the band's sums (for tile row `r`
/// and batch row `k`, `sums[k * band_rows + r] += dot(row r, x row k's
/// piece)`), four at a time where the ISA can: bitwise the same sums.
///
/// # Safety
/// The kernels are the CPU's; the batch's x rows reach the tile's
/// columns.
unsafe fn tile_dots(
    dot: DotFn,
    dot4: Option<Dot4>,
    b: &Batch<'_>,
    codes: &[i8],
    tile: super::format::TileShape,
    sums: &mut [f32],
    band_rows: usize,
) {
    let (cols, rows) = (tile.cols, tile.rows);
    let q = |r: usize| &codes[r * cols..(r + 1) * cols];
    let x = |k: usize| &b.x_row(k)[tile.col..tile.col + cols];
    if b.count == 1 {
        let mut r = 0;
        if let Some(d4) = dot4 {
            while r + 4 <= rows {
                let d = (d4.rows)(std::array::from_fn(|i| q(r + i)), x(0));
                for (i, d) in d.into_iter().enumerate() {
                    sums[r + i] += d;
                }
                r += 4;
            }
        }
        for (r, sum) in sums.iter_mut().enumerate().take(rows).skip(r) {
            *sum += dot(q(r), x(0));
        }
        return;
    }
    for r in 0..rows {
        let mut k = 0;
        if let Some(d4) = dot4 {
            while k + 4 <= b.count {
                let d = (d4.xs)(q(r), std::array::from_fn(|i| x(k + i)));
                for (i, d) in d.into_iter().enumerate() {
                    sums[(k + i) * band_rows + r] += d;
                }
                k += 4;
            }
        }
        for k in k..b.count {
            sums[k * band_rows + r] += dot(q(r), x(k));
        }
    }
}

/// The rows of X and Y of a batched product (shapes checked).
struct Batch<'a> {
    count: usize,
    x: &'a [f32],
    ldx: usize,
    y: SharedMut<f32>,
    y_strides: (isize, isize),
}

impl Batch<'_> {
    /// Row `k` of X, from its start to the end of the slice.
    fn x_row(&self, k: usize) -> &[f32] {
        &self.x[k * self.ldx..]
    }

    /// `Y[k][i] = v`.
    ///
    /// # Safety
    /// `(k, i)` is inside the checked Y and no other thread writes it.
    unsafe fn put(&self, k: usize, i: usize, v: f32) {
        let (rs, cs) = self.y_strides;
        *self.y.get().offset(k as isize * rs + i as isize * cs) = v;
    }
}

fn check_vectors(rows: usize, cols: usize, x: &[f32], y: &[f32]) -> Result<()> {
    if x.len() != cols || y.len() != rows {
        return Err(Error::dimension(format!(
            "W is {rows}x{cols}, x has {} elements, y {}",
            x.len(),
            y.len()
        )));
    }
    Ok(())
}

/// `y[i] = scale[i] * sum_j w[i][j] x[j]` over an int8 matrix in memory
/// (scale 1 without `scales`), rows in parallel: the uncompressed
/// baseline of the fused GEMV, with the same dot kernel.
pub fn gemv_s8_f32(w: MatRef<i8>, scales: Option<&[f32]>, x: &[f32], y: &mut [f32]) -> Result<()> {
    gemv_s8_f32_with(active_isa(), w, scales, x, y)
}

/// [`gemv_s8_f32`] with the ISA paths up to `isa`.
pub fn gemv_s8_f32_with(
    isa: Isa,
    w: MatRef<i8>,
    scales: Option<&[f32]>,
    x: &[f32],
    y: &mut [f32],
) -> Result<()> {
    let (rows, cols) = (w.rows(), w.cols());
    check_vectors(rows, cols, x, y)?;
    if scales.is_some_and(|s| s.len() < rows) {
        return Err(Error::dimension(format!(
            "fewer scales than the {rows} rows"
        )));
    }
    let dot = dot_kernel(isa);
    let out = SharedMut(y.as_mut_ptr());
    const BAND: usize = 64;
    let bands = rows.div_ceil(BAND);
    let next = AtomicUsize::new(0);
    parallel_for(num_threads().min(bands).max(1), &|_| {
        let mut row = Vec::new();
        loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= bands {
                break;
            }
            for i in b * BAND..(b * BAND + BAND).min(rows) {
                let q = match w.row(i) {
                    Some(r) => r,
                    None => {
                        row.clear();
                        row.extend((0..cols).map(|j| w.at(i, j)));
                        &row[..]
                    }
                };
                // SAFETY: the kernel's ISA was checked by `dot_kernel`;
                // x holds cols elements; row i is written by this band only.
                unsafe {
                    let s = dot(q, x);
                    *out.get().add(i) = scales.map_or(1.0, |sc| sc[i]) * s;
                }
            }
        }
    });
    Ok(())
}

impl RansReader<'_> {
    /// `y = W x` with `W[i][j] = scale[i] * code[i][j]` (scale 1 in a
    /// container without row scales), decoding tile by tile. The sums
    /// run tile by tile, left to right, so the result does not depend on
    /// the thread count. `DimensionMismatch` for wrong lengths,
    /// `CorruptData` as the decoders.
    pub fn gemv_f32(&self, x: &[f32], y: &mut [f32]) -> Result<()> {
        self.gemv_f32_with(active_isa(), x, y)
    }

    /// [`RansReader::gemv_f32`] with the ISA paths up to `isa`.
    pub fn gemv_f32_with(&self, isa: Isa, x: &[f32], y: &mut [f32]) -> Result<()> {
        let (rows, cols) = self.shape();
        check_vectors(rows, cols, x, y)?;
        self.batched(
            isa,
            Batch {
                count: 1,
                x,
                ldx: cols,
                y: SharedMut(y.as_mut_ptr()),
                y_strides: (rows as isize, 1),
            },
        )
    }

    /// `Y = X Wᵀ` for a small batch: X is `batch x cols`, Y `batch x
    /// rows` (any strides; X rows that are not contiguous are copied once
    /// per call), W as in [`RansReader::gemv_f32`]. Each tile is decoded
    /// once for the whole batch, and every row of Y is bitwise the GEMV of
    /// its row of X. `DimensionMismatch` when the shapes do not agree,
    /// `CorruptData` as the decoders.
    pub fn gemm_f32(&self, x: MatRef<f32>, y: MatMut<f32>) -> Result<()> {
        self.gemm_f32_with(active_isa(), x, y)
    }

    /// [`RansReader::gemm_f32`] with the ISA paths up to `isa`.
    pub fn gemm_f32_with(&self, isa: Isa, x: MatRef<f32>, mut y: MatMut<f32>) -> Result<()> {
        let (rows, cols) = self.shape();
        if x.cols() != cols || y.cols() != rows || y.rows() != x.rows() {
            return Err(Error::dimension(format!(
                "W is {rows}x{cols}: X ({}x{}) must be batch x {cols} and Y ({}x{}) batch x {rows}",
                x.rows(),
                x.cols(),
                y.rows(),
                y.cols()
            )));
        }
        let batch = x.rows();
        if batch == 0 {
            return Ok(());
        }
        let packed: Vec<f32>;
        let rows_in_order = batch == 1 || x.rs() >= cols as isize;
        let (xs, ldx) = if (x.cs() == 1 || cols <= 1) && rows_in_order {
            // SAFETY: the view's rows are contiguous and follow each other
            // `rs >= cols` apart: from row 0 on, the view covers
            // (batch - 1) * rs + cols elements.
            let ldx = if batch > 1 { x.rs() as usize } else { cols };
            let len = (batch - 1) * ldx + cols;
            (unsafe { std::slice::from_raw_parts(x.ptr(), len) }, ldx)
        } else {
            packed = (0..batch)
                .flat_map(|b| (0..cols).map(move |j| x.at(b, j)))
                .collect();
            (&packed[..], cols)
        };
        let (rs, cs) = (y.rs(), y.cs());
        self.batched(
            isa,
            Batch {
                count: batch,
                x: xs,
                ldx,
                y: SharedMut(y.ptr()),
                y_strides: (rs, cs),
            },
        )
    }

    /// The GEMV and the small-batch GEMM: each worker takes a band of tile
    /// rows, decodes its tiles a group at a time, and adds each tile row's
    /// dot product with each batch row's piece of x into the band's sums,
    /// so that the sums run tile by tile, left to right, whatever the
    /// thread count.
    fn batched(&self, isa: Isa, b: Batch<'_>) -> Result<()> {
        let layout = *self.layout();
        if layout.cols == 0 {
            // No tiles, and every product is an empty sum.
            for k in 0..b.count {
                for i in 0..layout.rows {
                    // SAFETY: inside the checked Y; one thread.
                    unsafe { b.put(k, i, 0.0) };
                }
            }
            return Ok(());
        }
        let (down, across) = layout.grid();
        let (dot, dot4) = (dot_kernel(isa), dot4_kernels(isa));
        let next = AtomicUsize::new(0);
        let failed = FirstError::default();
        parallel_for(num_threads().min(down).max(1), &|_| {
            with_scratch(|s| loop {
                let band = next.fetch_add(1, Ordering::Relaxed);
                if band >= down {
                    break;
                }
                let (first, end) = (band * across, band * across + across);
                let band_rows = layout.tile(first).rows;
                s.sums.clear();
                s.sums.resize(b.count * band_rows, 0f32);
                for group in (first..end).step_by(GROUP) {
                    let group_end = (group + GROUP).min(end);
                    let (results, _) = self.decode_group(isa, group, group_end, s, None);
                    for (t, (r, buf)) in (group..group_end).zip(results.into_iter().zip(&s.tiles)) {
                        if let Err(e) = r {
                            failed.record(t, e);
                            continue;
                        }
                        let tile = layout.tile(t);
                        // SAFETY: the kernels' ISA was checked; every x
                        // piece is as long as the tile row.
                        unsafe { tile_dots(dot, dot4, &b, buf, tile, &mut s.sums, band_rows) };
                    }
                }
                let row0 = band * layout.params.tile_rows as usize;
                for (k, sums) in s.sums.chunks_exact(band_rows).enumerate() {
                    for (r, &sum) in sums.iter().enumerate() {
                        let scale = self.scales().map_or(1.0, |sc| sc[row0 + r]);
                        // SAFETY: rows of this band are written by this
                        // worker only, and lie inside y (checked lengths).
                        unsafe { b.put(k, row0 + r, scale * sum) };
                    }
                }
            })
        });
        failed.into_result()
    }
}
