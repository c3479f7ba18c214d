//! int8 quantization: per-row symmetric int8 for weights, dynamic
//! per-tensor asymmetric uint8 for activations, and their inverses (the
//! quantized linear layer built on them is `gemm::int8::QLinear`).
//!
//! Rounding is to nearest, ties to even, of `x * (1 / scale)`; results are
//! clamped to the type's range (int8 to ±127, so the grid is symmetric).
//! NaN or infinite inputs are refused: a scale derived from them would be
//! garbage for the whole row or tensor.

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};
use crate::gemm::{MatMut, MatRef};

/// Scale and zero point of a uint8 quantization: `x ≈ scale * (q - zero_point)`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct U8Params {
    /// Step between adjacent codes (positive, normal).
    pub scale: f32,
    /// The code of 0.0 (exactly representable).
    pub zero_point: u8,
}

/// Smallest scale used: a range of subnormals would otherwise give a zero
/// or subnormal scale whose reciprocal overflows.
const MIN_SCALE: f32 = f32::MIN_POSITIVE;

/// `x * inv` rounded to nearest even and clamped to `[lo, hi]` (integer
/// bounds, so clamping first gives the same code).
#[inline(always)]
fn code(x: f32, inv: f32, lo: f32, hi: f32) -> f32 {
    // Adding and removing 1.5 * 2^23 rounds any |v| <= 2^22 to the nearest
    // integer, ties to even, in the default rounding mode: the same result
    // as `round_ties_even`, which on baseline x86-64 is a call to rintf.
    const MAGIC: f32 = 12_582_912.0;
    ((x * inv).clamp(lo, hi) + MAGIC) - MAGIC
}

/// The largest |x| of a row (or tensor), or the error for a NaN/Inf at
/// column `j` of row `i`.
fn max_abs(x: &MatRef<f32>, i: usize) -> Result<f32> {
    let mut amax = 0.0f32;
    for j in 0..x.cols() {
        let v = x.at(i, j);
        if !v.is_finite() {
            return Err(non_finite(i, j, v));
        }
        amax = amax.max(v.abs());
    }
    Ok(amax)
}

#[cold]
fn non_finite(i: usize, j: usize, v: f32) -> Error {
    Error::invalid(format!(
        "element ({i}, {j}) is {v}; quantization needs finite values"
    ))
}

fn check_same_shape<A>(what: &str, a: &MatRef<A>, b_rows: usize, b_cols: usize) -> Result<()> {
    if (a.rows(), a.cols()) != (b_rows, b_cols) {
        return Err(Error::dimension(format!(
            "{what}: {}x{} against {b_rows}x{b_cols}",
            a.rows(),
            a.cols()
        )));
    }
    Ok(())
}

/// Per-row symmetric int8: `scales[i] = max_j |x[i][j]| / 127` (1.0 for an
/// all-zero row) and `q[i][j] = round(x[i][j] / scales[i])` in -127..=127.
pub fn quantize_rows_s8(x: MatRef<f32>, mut q: MatMut<i8>, scales: &mut [f32]) -> Result<()> {
    check_same_shape("x and q", &x, q.rows(), q.cols())?;
    if scales.len() < x.rows() {
        return Err(Error::dimension(format!(
            "{} scales for {} rows",
            scales.len(),
            x.rows()
        )));
    }
    // Check every value before writing anything (outputs are written
    // only on success), then find each row's range again while writing.
    for i in 0..x.rows() {
        max_abs(&x, i)?;
    }
    for (i, row_scale) in scales.iter_mut().enumerate().take(x.rows()) {
        let a = max_abs(&x, i)?;
        let scale = if a == 0.0 {
            1.0
        } else {
            (a / 127.0).max(MIN_SCALE)
        };
        let inv = 1.0 / scale;
        for j in 0..x.cols() {
            *q.at_mut(i, j) = code(x.at(i, j), inv, -127.0, 127.0) as i8;
        }
        *row_scale = scale;
    }
    Ok(())
}

/// `out[i][j] = scales[i] * q[i][j]`.
pub fn dequantize_rows_s8(q: MatRef<i8>, scales: &[f32], mut out: MatMut<f32>) -> Result<()> {
    check_same_shape("q and out", &q, out.rows(), out.cols())?;
    if scales.len() < q.rows() {
        return Err(Error::dimension(format!(
            "{} scales for {} rows",
            scales.len(),
            q.rows()
        )));
    }
    for (i, &scale) in scales.iter().enumerate().take(q.rows()) {
        for j in 0..q.cols() {
            *out.at_mut(i, j) = scale * q.at(i, j) as f32;
        }
    }
    Ok(())
}

/// The uint8 parameters of a tensor: its range widened to include 0,
/// split into 255 steps, 0 on a code. An all-zero (or empty) tensor gets
/// scale 1 and zero point 0.
pub fn params_u8(x: MatRef<f32>) -> Result<U8Params> {
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    for i in 0..x.rows() {
        for j in 0..x.cols() {
            let v = x.at(i, j);
            if !v.is_finite() {
                return Err(non_finite(i, j, v));
            }
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo == hi {
        return Ok(U8Params {
            scale: 1.0,
            zero_point: 0,
        });
    }
    // hi / 255 - lo / 255 rather than (hi - lo) / 255: no overflow.
    let scale = (hi / 255.0 - lo / 255.0).max(MIN_SCALE);
    let zero_point = code(-lo, 1.0 / scale, 0.0, 255.0) as u8;
    Ok(U8Params { scale, zero_point })
}

/// `q = round(x / scale) + zero_point`, clamped to 0..=255.
pub fn quantize_u8(x: MatRef<f32>, p: U8Params, mut q: MatMut<u8>) -> Result<()> {
    check_same_shape("x and q", &x, q.rows(), q.cols())?;
    check_params(p)?;
    let inv = 1.0 / p.scale;
    let (lo, hi) = (-(p.zero_point as f32), 255.0 - p.zero_point as f32);
    for i in 0..x.rows() {
        for j in 0..x.cols() {
            let v = x.at(i, j);
            if !v.is_finite() {
                return Err(non_finite(i, j, v));
            }
            *q.at_mut(i, j) = (code(v, inv, lo, hi) + p.zero_point as f32) as u8;
        }
    }
    Ok(())
}

/// `out = scale * (q - zero_point)`.
pub fn dequantize_u8(q: MatRef<u8>, p: U8Params, mut out: MatMut<f32>) -> Result<()> {
    check_same_shape("q and out", &q, out.rows(), out.cols())?;
    check_params(p)?;
    for i in 0..q.rows() {
        for j in 0..q.cols() {
            *out.at_mut(i, j) = p.scale * (q.at(i, j) as f32 - p.zero_point as f32);
        }
    }
    Ok(())
}

fn check_params(p: U8Params) -> Result<()> {
    if !(p.scale.is_finite() && p.scale > 0.0) {
        return Err(Error::invalid(format!(
            "scale {} must be positive and finite",
            p.scale
        )));
    }
    Ok(())
}
