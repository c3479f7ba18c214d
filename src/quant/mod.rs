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

/// Lanes of the row loops below, written so that they vectorize: no
/// early exit, one accumulator per lane.
const LANES: usize = 16;

/// `(min, max)` of a row with 0 included, and whether every value is
/// finite (`v * 0` is 0 for finite values and NaN for NaN and Inf).
fn finite_range(row: &[f32]) -> (f32, f32, bool) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512 F.
        return unsafe { finite_range_avx512(row) };
    }
    finite_range_body(row)
}

/// [`finite_range`] compiled for AVX-512 (the same code, wider vectors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn finite_range_avx512(row: &[f32]) -> (f32, f32, bool) {
    finite_range_body(row)
}

#[inline(always)]
fn finite_range_body(row: &[f32]) -> (f32, f32, bool) {
    let (mut lo, mut hi, mut nan) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    let chunks = row.chunks_exact(LANES);
    let tail = chunks.remainder();
    for chunk in chunks {
        for l in 0..LANES {
            let v = chunk[l];
            lo[l] = if v < lo[l] { v } else { lo[l] };
            hi[l] = if v > hi[l] { v } else { hi[l] };
            nan[l] += v * 0.0;
        }
    }
    for (l, &v) in tail.iter().enumerate() {
        lo[l] = if v < lo[l] { v } else { lo[l] };
        hi[l] = if v > hi[l] { v } else { hi[l] };
        nan[l] += v * 0.0;
    }
    let lo = lo.iter().fold(0.0f32, |a, &b| a.min(b));
    let hi = hi.iter().fold(0.0f32, |a, &b| a.max(b));
    (lo, hi, nan.iter().all(|&s| s == 0.0))
}

/// `dst = round(src * inv) + zero` clamped to the u8 codes (`lo`, `hi`:
/// the clamp bounds before adding `zero`).
fn quantize_row_u8(src: &[f32], dst: &mut [u8], inv: f32, (lo, hi): (f32, f32), zero: f32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512 F.
        return unsafe { quantize_row_u8_avx512(src, dst, inv, (lo, hi), zero) };
    }
    quantize_row_u8_body(src, dst, inv, (lo, hi), zero)
}

/// [`quantize_row_u8`] compiled for AVX-512.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn quantize_row_u8_avx512(
    src: &[f32],
    dst: &mut [u8],
    inv: f32,
    bounds: (f32, f32),
    zero: f32,
) {
    quantize_row_u8_body(src, dst, inv, bounds, zero)
}

#[inline(always)]
fn quantize_row_u8_body(src: &[f32], dst: &mut [u8], inv: f32, (lo, hi): (f32, f32), zero: f32) {
    // Codes are whole numbers in 0..=255 (the values were checked finite
    // and are clamped): an unchecked conversion through i32 vectorizes,
    // a saturating f32 -> u8 cast does not.
    for (c, &v) in dst.iter_mut().zip(src) {
        // SAFETY: the operand is finite and within 0..=255.
        *c = unsafe { (code(v, inv, lo, hi) + zero).to_int_unchecked::<i32>() } as u8;
    }
}

/// `(min, max)` of row `i` with 0 included, or the error naming its first
/// NaN/Inf.
fn row_range(x: &MatRef<f32>, i: usize) -> Result<(f32, f32)> {
    let first_bad = || {
        (0..x.cols())
            .find(|&j| !x.at(i, j).is_finite())
            .map(|j| non_finite(i, j, x.at(i, j)))
    };
    if let Some(row) = x.row(i) {
        let (lo, hi, finite) = finite_range(row);
        return match finite {
            true => Ok((lo, hi)),
            false => Err(first_bad().expect("a non-finite value")),
        };
    }
    if let Some(e) = first_bad() {
        return Err(e);
    }
    let (mut lo, mut hi) = (0.0f32, 0.0f32);
    for j in 0..x.cols() {
        lo = lo.min(x.at(i, j));
        hi = hi.max(x.at(i, j));
    }
    Ok((lo, hi))
}

/// The largest |x| of row `i`, or the error for its first NaN/Inf.
fn max_abs(x: &MatRef<f32>, i: usize) -> Result<f32> {
    let (lo, hi) = row_range(x, i)?;
    Ok(hi.max(-lo))
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
        let (row_lo, row_hi) = row_range(&x, i)?;
        lo = lo.min(row_lo);
        hi = hi.max(row_hi);
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
pub fn quantize_u8(x: MatRef<f32>, p: U8Params, q: MatMut<u8>) -> Result<()> {
    check_same_shape("x and q", &x, q.rows(), q.cols())?;
    check_params(p)?;
    // Check every value before writing anything (outputs are written
    // only on success).
    for i in 0..x.rows() {
        row_range(&x, i)?;
    }
    // SAFETY: every value was just checked finite; the shapes match.
    unsafe { write_u8(x, p, q) };
    Ok(())
}

/// Dynamic per-tensor quantization: [`params_u8`] of `x`, then `x`
/// quantized with them into `q`, checking the values once (the range pass
/// refuses NaN/Inf before anything is written).
pub fn quantize_tensor_u8(x: MatRef<f32>, q: MatMut<u8>) -> Result<U8Params> {
    check_same_shape("x and q", &x, q.rows(), q.cols())?;
    let p = params_u8(x)?;
    // SAFETY: params_u8 checked every value finite; the shapes match.
    unsafe { write_u8(x, p, q) };
    Ok(p)
}

/// The codes of [`quantize_u8`].
///
/// # Safety
/// Every value of `x` is finite (the conversion of codes is unchecked);
/// `q` has x's shape; `p.scale` is positive and finite.
unsafe fn write_u8(x: MatRef<f32>, p: U8Params, mut q: MatMut<u8>) {
    let inv = 1.0 / p.scale;
    let zero = p.zero_point as f32;
    let (lo, hi) = (-zero, 255.0 - zero);
    for i in 0..x.rows() {
        if let (Some(src), Some(dst)) = (x.row(i), q.row_mut(i)) {
            quantize_row_u8(src, dst, inv, (lo, hi), zero);
            continue;
        }
        for j in 0..x.cols() {
            *q.at_mut(i, j) = (code(x.at(i, j), inv, lo, hi) + zero) as u8;
        }
    }
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
