//! C ABI of the rANS tile codec: parameters, the encoders and their bound,
//! and the `sk_rans_reader` handle over a validated container.

use super::gemm::{checked_mut, checked_ref};
use super::{boundary, disjoint, out, region, run_value, sk_status, slice};
use crate::codec::rans::{self, RansParams, RansReader};
use crate::error::{Error, ErrorKind, Result};
use crate::gemm::MatMut;
use std::ops::Range;

/// Encoder parameters; `sk_rans_params_default()` gives the defaults and a
/// NULL pointer means them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sk_rans_params {
    /// Rows of a tile (>= 1; default 256).
    pub tile_rows: u32,
    /// Columns of a tile (>= 1; at most 2^24 weights per tile; default 256).
    pub tile_cols: u32,
    /// Probability precision in bits, 10 to 12 (default 12).
    pub prob_bits: u32,
    /// Interleaved lanes per tile, a power of two from 1 to 64 (default 32).
    pub lanes: u32,
}

impl From<RansParams> for sk_rans_params {
    fn from(p: RansParams) -> Self {
        sk_rans_params {
            tile_rows: p.tile_rows,
            tile_cols: p.tile_cols,
            prob_bits: p.prob_bits,
            lanes: p.lanes,
        }
    }
}

/// The parameters behind a C pointer (NULL: the defaults).
fn params(p: *const sk_rans_params) -> RansParams {
    // SAFETY: a non-NULL pointer points to a caller's struct (documented).
    match unsafe { p.as_ref() } {
        None => RansParams::default(),
        Some(p) => RansParams {
            tile_rows: p.tile_rows,
            tile_cols: p.tile_cols,
            prob_bits: p.prob_bits,
            lanes: p.lanes,
        },
    }
}

/// The default parameters: 256 x 256 tiles, 12-bit probabilities, 32
/// lanes (docs/FORMAT.md says why). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_params_default() -> sk_rans_params {
    RansParams::default().into()
}

/// The largest container `sk_rans_encode_s8` or `sk_qrans_encode_f32` can
/// write for a `rows x cols` matrix with these parameters.
///
/// @param rows, cols  shape (either may be 0)
/// @param p           parameters, or NULL for the defaults
/// @param bound       receives the size in bytes
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` (`bound`), `SK_ERR_INVALID_ARGUMENT`
///         (parameters out of range, or a size that overflows). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_encode_bound(
    rows: usize,
    cols: usize,
    p: *const sk_rans_params,
    bound: *mut usize,
) -> sk_status {
    boundary!("sk_rans_encode_bound", {
        let bound = out("bound", bound)?;
        *bound = rans::encode_bound(rows, cols, &params(p))?;
        Ok(())
    })
}

/// The caller's output buffer, checked not to overlap the input.
fn dst_buffer<'a>(dst: *mut u8, cap: usize, input: &Range<usize>) -> Result<&'a mut [u8]> {
    let range = region(dst.cast_const(), cap).map_err(|f| f.error("dst"))?;
    disjoint(("dst", &range), ("w", input))?;
    Ok(if cap == 0 {
        &mut []
    } else {
        // SAFETY: checked above; the caller promises `cap` writable bytes.
        unsafe { std::slice::from_raw_parts_mut(dst, cap) }
    })
}

/// Encodes an int8 matrix (row `i` at `w + i * rs`, columns contiguous)
/// into a container (docs/FORMAT.md): one frequency table, tiles coded in
/// parallel, each with a CRC32C. The bytes depend only on the weights and
/// the parameters, not on the thread count.
///
/// @param rows, cols  shape
/// @param w           the weights
/// @param rs          row stride in elements (any non-zero value; unused
///                    when `rows <= 1`)
/// @param p           parameters, or NULL for the defaults
/// @param dst, cap    output buffer (`sk_rans_encode_bound` bytes always
///                    suffice)
/// @param written     receives the container's length
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (bad
///         parameters or stride, `dst` overlapping `w`),
///         `SK_ERR_BUFFER_TOO_SMALL` (nothing useful is in `dst` then),
///         `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn sk_rans_encode_s8(
    rows: usize,
    cols: usize,
    w: *const i8,
    rs: isize,
    p: *const sk_rans_params,
    dst: *mut u8,
    cap: usize,
    written: *mut usize,
) -> sk_status {
    boundary!("sk_rans_encode_s8", {
        let written = out("written", written)?;
        let (w, range) = checked_ref("w", (w, rows, cols, rs, 1))?;
        let dst = dst_buffer(dst, cap, &range)?;
        *written = rans::encode_s8(w, &params(p), dst)?;
        Ok(())
    })
}

/// Quantizes each row of an f32 matrix to int8 (symmetric: `scale =
/// max|w| / 127`, 1 for an all-zero row) and encodes the codes with the
/// row scales (`sk_qrans_decode_f32` gives back `scale * code`).
///
/// @param rows, cols, w, rs, p, dst, cap, written  as `sk_rans_encode_s8`
/// @return as `sk_rans_encode_s8`, and `SK_ERR_INVALID_ARGUMENT` for NaN or
///         infinite weights. Thread-safe.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn sk_qrans_encode_f32(
    rows: usize,
    cols: usize,
    w: *const f32,
    rs: isize,
    p: *const sk_rans_params,
    dst: *mut u8,
    cap: usize,
    written: *mut usize,
) -> sk_status {
    boundary!("sk_qrans_encode_f32", {
        let written = out("written", written)?;
        let (w, range) = checked_ref("w", (w, rows, cols, rs, 1))?;
        let dst = dst_buffer(dst, cap, &range)?;
        *written = rans::qencode_f32(w, &params(p), dst)?;
        Ok(())
    })
}

/// A validated view of a container, from `sk_rans_open`, released with
/// `sk_rans_close`. It reads the tiles from the caller's bytes, which must
/// stay valid and unchanged until `sk_rans_close`. Immutable: one reader
/// may decode from several threads at once.
pub struct sk_rans_reader {
    // 'static stands for "until sk_rans_close", the caller's promise.
    inner: RansReader<'static>,
    src: Range<usize>,
}

/// The reader behind a C pointer.
fn reader<'a>(r: *const sk_rans_reader) -> Result<&'a sk_rans_reader> {
    // SAFETY: a non-NULL reader comes from sk_rans_open (documented).
    unsafe { r.as_ref() }.ok_or_else(|| Error::new(ErrorKind::NullPointer, "r is NULL"))
}

/// Checks a whole container once: header, parameters, sizes, metadata
/// checksum, frequency table, tile offsets, every tile's CRC32C and
/// framing. Decoding later checks each tile's rANS invariants.
///
/// @param src, len  the container; it must stay valid and unchanged until
///                  `sk_rans_close`
/// @param out       receives the reader
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_CORRUPT_DATA` (the
///         message says what and where), `SK_ERR_CHECKSUM_MISMATCH`,
///         `SK_ERR_OUT_OF_MEMORY`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_open(
    src: *const u8,
    len: usize,
    out: *mut *mut sk_rans_reader,
) -> sk_status {
    boundary!("sk_rans_open", {
        let handle_out = super::out("out", out)?;
        // SAFETY: the caller promises `len` readable bytes that outlive
        // the reader.
        let bytes: &'static [u8] = unsafe { slice("src", src, len)? };
        let range = region(src, len).map_err(|f| f.error("src"))?;
        let inner = RansReader::open(bytes)?;
        *handle_out = Box::into_raw(Box::new(sk_rans_reader { inner, src: range }));
        Ok(())
    })
}

/// Releases a reader; NULL does nothing. No other thread may be using it.
#[no_mangle]
pub extern "C" fn sk_rans_close(r: *mut sk_rans_reader) {
    run_value("sk_rans_close", (), || {
        if !r.is_null() {
            // SAFETY: a non-NULL reader comes from Box::into_raw in
            // sk_rans_open and is closed once (documented contract).
            drop(unsafe { Box::from_raw(r) });
        }
    })
}

/// The matrix shape of a container.
///
/// @param r           the reader
/// @param rows, cols  receive the shape; each may be NULL (skipped)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` (`r`). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_shape(
    r: *const sk_rans_reader,
    rows: *mut usize,
    cols: *mut usize,
) -> sk_status {
    boundary!("sk_rans_shape", {
        let (m, n) = reader(r)?.inner.shape();
        for (p, v) in [(rows, m), (cols, n)] {
            if !p.is_null() {
                *out("shape", p)? = v;
            }
        }
        Ok(())
    })
}

/// The number of tiles (row-major over the tile grid).
///
/// @param r      the reader
/// @param count  receives the count
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_tile_count(r: *const sk_rans_reader, count: *mut usize) -> sk_status {
    boundary!("sk_rans_tile_count", {
        let count = out("count", count)?;
        *count = reader(r)?.inner.layout().tile_count();
        Ok(())
    })
}

/// Where tile `t` sits: its first row and column and its size.
///
/// @param r                     the reader
/// @param t                     tile index, below `sk_rans_tile_count`
/// @param row, col, rows, cols  receive the placement; each may be NULL
/// @return `SK_OK`, `SK_ERR_NULL_POINTER` (`r`), `SK_ERR_INVALID_ARGUMENT`
///         (`t` out of range). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_tile_shape(
    r: *const sk_rans_reader,
    t: usize,
    row: *mut usize,
    col: *mut usize,
    rows: *mut usize,
    cols: *mut usize,
) -> sk_status {
    boundary!("sk_rans_tile_shape", {
        let layout = reader(r)?.inner.layout();
        if t >= layout.tile_count() {
            return Err(Error::invalid(format!(
                "tile {t}: the container has {}",
                layout.tile_count()
            )));
        }
        let s = layout.tile(t);
        for (p, v) in [(row, s.row), (col, s.col), (rows, s.rows), (cols, s.cols)] {
            if !p.is_null() {
                *out("tile shape", p)? = v;
            }
        }
        Ok(())
    })
}

/// Decodes one tile, row-major (`rows * cols` of `sk_rans_tile_shape`),
/// for streaming or for decoding tiles on the caller's own threads.
///
/// @param r    the reader
/// @param t    tile index
/// @param dst  output
/// @param len  elements of `dst`; must equal the tile's size
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (`t`
///         out of range, `dst` overlapping the container),
///         `SK_ERR_DIMENSION_MISMATCH` (`len`), `SK_ERR_CORRUPT_DATA` (the
///         tile breaks the rANS invariants; `dst` is then partly written).
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_decode_tile_s8(
    r: *const sk_rans_reader,
    t: usize,
    dst: *mut i8,
    len: usize,
) -> sk_status {
    boundary!("sk_rans_decode_tile_s8", {
        let r = reader(r)?;
        let range = region(dst.cast_const(), len).map_err(|f| f.error("dst"))?;
        disjoint(("dst", &range), ("the container", &r.src))?;
        let dst: &mut [i8] = if len == 0 {
            &mut []
        } else {
            // SAFETY: checked above; the caller promises `len` writable
            // elements.
            unsafe { std::slice::from_raw_parts_mut(dst, len) }
        };
        r.inner.decode_tile(t, dst)
    })
}

/// The reader and its checked output matrix (the container's shape, row
/// stride `rs`, not overlapping the container).
fn decode_target<'a, T>(
    r: *const sk_rans_reader,
    w: *mut T,
    rs: isize,
) -> Result<(&'a RansReader<'static>, MatMut<'a, T>)> {
    let r = reader(r)?;
    let (m, n) = r.inner.shape();
    let (w, range) = checked_mut("w", (w, m, n, rs, 1))?;
    disjoint(("w", &range), ("the container", &r.src))?;
    Ok((&r.inner, w))
}

/// Decodes the whole matrix (row `i` at `w + i * rs`), tiles in parallel.
///
/// @param r   the reader
/// @param w   output, `rows x cols` of `sk_rans_shape`
/// @param rs  row stride in elements (non-zero when rows > 1)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (stride,
///         `w` overlapping the container), `SK_ERR_CORRUPT_DATA` (a tile
///         breaks the rANS invariants; `w` is then partly written).
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_rans_decode_s8(r: *const sk_rans_reader, w: *mut i8, rs: isize) -> sk_status {
    boundary!("sk_rans_decode_s8", {
        let (r, w) = decode_target(r, w, rs)?;
        r.decode_s8(w)
    })
}

/// Decodes and dequantizes a container written by `sk_qrans_encode_f32`:
/// `w[i][j] = scale[i] * code[i][j]`.
///
/// @param r, w, rs  as `sk_rans_decode_s8`, with f32 output
/// @return as `sk_rans_decode_s8`, and `SK_ERR_INVALID_ARGUMENT` when the
///         container has no row scales. Thread-safe.
#[no_mangle]
pub extern "C" fn sk_qrans_decode_f32(
    r: *const sk_rans_reader,
    w: *mut f32,
    rs: isize,
) -> sk_status {
    boundary!("sk_qrans_decode_f32", {
        let (r, w) = decode_target(r, w, rs)?;
        r.qdecode_f32(w)
    })
}

/// `y = W x` straight from the container, W never materialized: each
/// thread decodes a band of tiles into cache and multiplies as it goes.
/// `W[i][j] = scale[i] * code[i][j]` (scale 1 for a container from
/// `sk_rans_encode_s8`). The result does not depend on the thread count.
///
/// @param r  the reader
/// @param x  `cols` elements
/// @param y  `rows` elements, written (not read)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT` (`y`
///         overlapping `x` or the container), `SK_ERR_CORRUPT_DATA` (a tile
///         breaks the rANS invariants; `y` is then partly written).
///         Thread-safe.
#[no_mangle]
pub extern "C" fn sk_qrans_gemv_f32(
    r: *const sk_rans_reader,
    x: *const f32,
    y: *mut f32,
) -> sk_status {
    boundary!("sk_qrans_gemv_f32", {
        let r = reader(r)?;
        let (m, n) = r.inner.shape();
        let xr = region(x, n).map_err(|f| f.error("x"))?;
        let yr = region(y.cast_const(), m).map_err(|f| f.error("y"))?;
        disjoint(("y", &yr), ("x", &xr))?;
        disjoint(("y", &yr), ("the container", &r.src))?;
        // SAFETY: checked above; the caller promises the lengths.
        let (x, y) = unsafe {
            (
                slice("x", x, n)?,
                if m == 0 {
                    &mut [][..]
                } else {
                    std::slice::from_raw_parts_mut(y, m)
                },
            )
        };
        r.inner.gemv_f32(x, y)
    })
}

/// `Y = X Wᵀ` for a small batch of rows (a linear layer's forward pass on
/// compressed weights): each thread decodes a band of tiles into cache
/// once for the whole batch. Row `b` of Y is bitwise what
/// `sk_qrans_gemv_f32` gives for row `b` of X, whatever the thread count.
///
/// @param r      the reader (W is `rows x cols` of `sk_rans_shape`)
/// @param batch  rows of X and Y (0: nothing is done)
/// @param x      `batch x cols`, row `b` at `x + b * ldx`
/// @param ldx    row stride of X in elements (non-zero)
/// @param y      `batch x rows`, row `b` at `y + b * ldy`, written (not read)
/// @param ldy    row stride of Y in elements (non-zero; rows of Y must not
///               overlap)
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_INVALID_ARGUMENT`
///         (strides, `y` overlapping `x` or the container),
///         `SK_ERR_CORRUPT_DATA` (a tile breaks the rANS invariants; `y` is
///         then partly written). Thread-safe.
#[no_mangle]
pub extern "C" fn sk_qrans_gemm_f32(
    r: *const sk_rans_reader,
    batch: usize,
    x: *const f32,
    ldx: isize,
    y: *mut f32,
    ldy: isize,
) -> sk_status {
    boundary!("sk_qrans_gemm_f32", {
        let r = reader(r)?;
        let (m, n) = r.inner.shape();
        let (xv, xr) = checked_ref("x", (x, batch, n, ldx, 1))?;
        let (yv, yr) = checked_mut("y", (y, batch, m, ldy, 1))?;
        disjoint(("y", &yr), ("x", &xr))?;
        disjoint(("y", &yr), ("the container", &r.src))?;
        r.inner.gemm_f32(xv, yv)
    })
}
