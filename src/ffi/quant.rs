//! C ABI of int8 quantization and of the quantized linear layer.

use super::gemm::{checked_mut, checked_ref};
use super::{boundary, disjoint, out, region, run_value, sk_status, slice};
use crate::error::{Error, ErrorKind, Result};
use crate::gemm::int8::QLinear;
use crate::quant::{self, U8Params};

/// Per-row symmetric int8 quantization of a rows x cols f32 matrix:
/// `scales[i] = max_j |x[i][j]| / 127` (1.0 for an all-zero row) and
/// `q[i][j] = round(x[i][j] / scales[i])` (ties to even) in -127..=127.
///
/// @param x       input, strides `rsx`, `csx` in elements
/// @param q       output codes, strides `rsq`, `csq`
/// @param scales  output, `rows` values
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (NaN or Inf in x, naming the element; zero stride; overlapping
///         outputs). Outputs are written only on success. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_quantize_rows_s8(
    rows: usize,
    cols: usize,
    x: *const f32,
    rsx: isize,
    csx: isize,
    q: *mut i8,
    rsq: isize,
    csq: isize,
    scales: *mut f32,
) -> sk_status {
    boundary!("sk_quantize_rows_s8", {
        let (x, xr) = checked_ref("x", (x, rows, cols, rsx, csx))?;
        let (q, qr) = checked_mut("q", (q, rows, cols, rsq, csq))?;
        let sr = region(scales.cast_const(), rows).map_err(|f| f.error("scales"))?;
        disjoint(("q", &qr), ("x", &xr))?;
        disjoint(("scales", &sr), ("x", &xr))?;
        disjoint(("scales", &sr), ("q", &qr))?;
        // SAFETY: checked above; the caller promises it is writable.
        let scales = unsafe { std::slice::from_raw_parts_mut(scales, rows) };
        quant::quantize_rows_s8(x, q, scales)
    })
}

/// `out[i][j] = scales[i] * q[i][j]`: the inverse of `sk_quantize_rows_s8`.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (zero stride, out overlapping q or scales). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_dequantize_rows_s8(
    rows: usize,
    cols: usize,
    q: *const i8,
    rsq: isize,
    csq: isize,
    scales: *const f32,
    out: *mut f32,
    rso: isize,
    cso: isize,
) -> sk_status {
    boundary!("sk_dequantize_rows_s8", {
        let (q, qr) = checked_ref("q", (q, rows, cols, rsq, csq))?;
        // SAFETY: slice() checks the region; the caller promises it is readable.
        let s = unsafe { slice("scales", scales, rows)? };
        let (o, or) = checked_mut("out", (out, rows, cols, rso, cso))?;
        disjoint(("out", &or), ("q", &qr))?;
        disjoint(
            ("out", &or),
            ("scales", &region(scales, rows).unwrap_or(0..0)),
        )?;
        quant::dequantize_rows_s8(q, s, o)
    })
}

/// Dynamic per-tensor uint8 quantization (activations): the range of x,
/// widened to include 0, in 255 steps with 0 on a code; `q = round(x /
/// scale) + zero_point` clamped to 0..=255. An all-zero tensor gets scale
/// 1 and zero point 0.
///
/// @param scale       output: the step (positive)
/// @param zero_point  output: the code of 0.0
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (NaN or Inf in x; zero stride; q overlapping x). Outputs are
///         written only on success. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_quantize_u8(
    rows: usize,
    cols: usize,
    x: *const f32,
    rsx: isize,
    csx: isize,
    q: *mut u8,
    rsq: isize,
    csq: isize,
    scale: *mut f32,
    zero_point: *mut u8,
) -> sk_status {
    boundary!("sk_quantize_u8", {
        let (x, xr) = checked_ref("x", (x, rows, cols, rsx, csx))?;
        let (q, qr) = checked_mut("q", (q, rows, cols, rsq, csq))?;
        disjoint(("q", &qr), ("x", &xr))?;
        let (scale, zero_point) = (out("scale", scale)?, out("zero_point", zero_point)?);
        let p = quant::params_u8(x)?;
        quant::quantize_u8(x, p, q)?;
        *scale = p.scale;
        *zero_point = p.zero_point;
        Ok(())
    })
}

/// `out = scale * (q - zero_point)`: the inverse of `sk_quantize_u8`.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, or `SK_ERR_INVALID_ARGUMENT`
///         (scale not positive and finite, zero stride, out overlapping q).
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_dequantize_u8(
    rows: usize,
    cols: usize,
    q: *const u8,
    rsq: isize,
    csq: isize,
    scale: f32,
    zero_point: u8,
    out: *mut f32,
    rso: isize,
    cso: isize,
) -> sk_status {
    boundary!("sk_dequantize_u8", {
        let (q, qr) = checked_ref("q", (q, rows, cols, rsq, csq))?;
        let (o, or) = checked_mut("out", (out, rows, cols, rso, cso))?;
        disjoint(("out", &or), ("q", &qr))?;
        quant::dequantize_u8(q, U8Params { scale, zero_point }, o)
    })
}

/// A linear layer `y = x W^T + bias` on int8 weights quantized per output
/// row and packed once for the CPU's integer kernels (VPDPBUSD on AVX-512
/// VNNI). Built by `sk_qlinear_new`, released by `sk_qlinear_free`; a
/// layer is immutable, so several threads may call `sk_qlinear_forward_f32`
/// on it at once.
pub struct sk_qlinear(QLinear);

/// Quantizes and packs the weights `w` (out_features x in_features, strides
/// `rsw`, `csw`) and copies `bias` (out_features values, or NULL for none).
/// The layer uses the kernels of the ISA active when it is built.
///
/// @param out  receives the new layer (written only on success)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (NaN
///         or Inf in w or bias, in_features > `SK_GEMM_INT8_MAX_K`, zero
///         stride), `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_qlinear_new(
    out_features: usize,
    in_features: usize,
    w: *const f32,
    rsw: isize,
    csw: isize,
    bias: *const f32,
    out: *mut *mut sk_qlinear,
) -> sk_status {
    boundary!("sk_qlinear_new", {
        let out = super::out("out", out)?;
        let (w, _) = checked_ref("w", (w, out_features, in_features, rsw, csw))?;
        let bias = if bias.is_null() {
            None
        } else {
            // SAFETY: slice() checks the region; the caller promises it is readable.
            Some(unsafe { slice("bias", bias, out_features)? })
        };
        let layer = QLinear::new(w, bias)?;
        *out = Box::into_raw(Box::new(sk_qlinear(layer)));
        Ok(())
    })
}

/// Releases a layer from `sk_qlinear_new`; NULL does nothing.
#[no_mangle]
pub extern "C" fn sk_qlinear_free(layer: *mut sk_qlinear) {
    if !layer.is_null() {
        run_value("sk_qlinear_free", (), || {
            // SAFETY: the caller passes a layer from sk_qlinear_new, once.
            drop(unsafe { Box::from_raw(layer) })
        })
    }
}

/// Shape of a layer: `out_features` and `in_features` (either may be NULL).
///
/// @return `SK_OK` or `SK_ERR_NULL_POINTER` (layer NULL).
#[no_mangle]
pub extern "C" fn sk_qlinear_shape(
    layer: *const sk_qlinear,
    out_features: *mut usize,
    in_features: *mut usize,
) -> sk_status {
    boundary!("sk_qlinear_shape", {
        let l = layer_ref(layer)?;
        if !out_features.is_null() {
            *out("out_features", out_features)? = l.out_features();
        }
        if !in_features.is_null() {
            *out("in_features", in_features)? = l.in_features();
        }
        Ok(())
    })
}

/// `y = x W^T + bias` for `batch` rows: x is batch x in_features (strides
/// `rsx`, `csx`), y batch x out_features (strides `rsy`, `csy`). x is
/// quantized per call to uint8 (per tensor), multiplied exactly in int32
/// and dequantized in the epilogue.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (NaN
///         or Inf in x, zero stride, y overlapping x). y is written only on
///         success. Thread-safe (the layer is read-only).
#[no_mangle]
pub extern "C" fn sk_qlinear_forward_f32(
    layer: *const sk_qlinear,
    batch: usize,
    x: *const f32,
    rsx: isize,
    csx: isize,
    y: *mut f32,
    rsy: isize,
    csy: isize,
) -> sk_status {
    boundary!("sk_qlinear_forward_f32", {
        let l = layer_ref(layer)?;
        let (x, xr) = checked_ref("x", (x, batch, l.in_features(), rsx, csx))?;
        let (y, yr) = checked_mut("y", (y, batch, l.out_features(), rsy, csy))?;
        disjoint(("y", &yr), ("x", &xr))?;
        l.forward(x, y)
    })
}

fn layer_ref<'a>(layer: *const sk_qlinear) -> Result<&'a QLinear> {
    if layer.is_null() {
        return Err(Error::new(ErrorKind::NullPointer, "layer is NULL"));
    }
    // SAFETY: non-null; the caller passes a live layer from sk_qlinear_new.
    Ok(unsafe { &(*layer).0 })
}
