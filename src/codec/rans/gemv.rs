//! `y = W x` straight from a container: each worker takes a band of tile
//! rows, decodes its tiles (two at a time where the ISA can) into a
//! buffer that stays in L2, and adds each tile row's dot product with the
//! matching piece of x into the band's sums; W is never materialized.
//! The baseline `gemv_s8_f32` runs the same dot kernel over an int8
//! matrix in memory.

use super::reference;
use super::{with_scratch, FirstError, RansReader, GROUP};
use crate::error::{Error, Result};
use crate::gemm::MatRef;
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
        let layout = *self.layout();
        let (rows, cols) = (layout.rows, layout.cols);
        check_vectors(rows, cols, x, y)?;
        let (down, across) = layout.grid();
        let dot = dot_kernel(isa);
        let out = SharedMut(y.as_mut_ptr());
        let next = AtomicUsize::new(0);
        let failed = FirstError::default();
        parallel_for(num_threads().min(down).max(1), &|_| {
            with_scratch(|s| loop {
                let band = next.fetch_add(1, Ordering::Relaxed);
                if band >= down {
                    break;
                }
                let (first, end) = (band * across, band * across + across);
                s.sums.clear();
                s.sums.resize(layout.tile(first).rows, 0f32);
                for group in (first..end).step_by(GROUP) {
                    let group_end = (group + GROUP).min(end);
                    let (results, _) = self.decode_group(isa, group, group_end, s, None);
                    for (t, (r, buf)) in (group..group_end).zip(results.into_iter().zip(&s.tiles)) {
                        if let Err(e) = r {
                            failed.record(t, e);
                            continue;
                        }
                        let tile = layout.tile(t);
                        let xs = &x[tile.col..tile.col + tile.cols];
                        for (sum, q) in s.sums.iter_mut().zip(buf.chunks_exact(tile.cols)) {
                            // SAFETY: `dot_kernel` checked the ISA; xs is
                            // as long as the tile row.
                            *sum += unsafe { dot(q, xs) };
                        }
                    }
                }
                let row0 = band * layout.params.tile_rows as usize;
                for (r, &sum) in s.sums.iter().enumerate() {
                    let scale = self.scales().map_or(1.0, |sc| sc[row0 + r]);
                    // SAFETY: rows of this band are written by this worker
                    // only, and lie inside y (checked length).
                    unsafe { *out.get().add(row0 + r) = scale * sum };
                }
            })
        });
        failed.into_result()
    }
}
