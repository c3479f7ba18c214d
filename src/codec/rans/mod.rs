//! Tiled rANS codec for int8 weights (docs/FORMAT.md is the byte-level
//! specification).
//!
//! A matrix is cut into tiles (256 x 256 by default); one frequency table,
//! normalized to 2^prob_bits, serves the whole matrix; each tile is coded
//! alone by `lanes` interleaved rANS coders (32-bit states, 16-bit words),
//! weight j of a tile (row-major in the tile) in lane `j % lanes`, so the
//! CPU's vectors and a GPU warp decode the same bytes the same way. Every
//! tile carries a CRC32C, so it can be checked and decoded alone.
//!
//! [`RansReader::open`] checks a container once (header, table, offsets,
//! every checksum, every lane's initial state); decoding then checks the
//! rANS invariants themselves: a lane never reads past its tile's words,
//! and at the end every word was read and every lane is back in its
//! initial state 2^16. Anything else is `CorruptData`.

mod crc32c;
mod encode;
pub mod format;
mod freq;
mod gemv;
mod reference;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86_64;

pub use crc32c::crc32c;
pub use format::{Layout, RansParams, TileShape};
pub use freq::entropy_bits;
pub use gemv::{gemv_s8_f32, gemv_s8_f32_with};

use crate::error::{Error, ErrorKind, Result};
use crate::gemm::{MatMut, MatRef};
use crate::runtime::threads::{num_threads, parallel_for, SharedMut};
use crate::runtime::{active_isa, Isa};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Largest container `encode_s8` or `qencode_f32` writes for a `rows x
/// cols` matrix (room for the row scales included).
pub fn encode_bound(rows: usize, cols: usize, params: &RansParams) -> Result<usize> {
    params.validate()?;
    Layout {
        rows,
        cols,
        params: *params,
        scales: true,
    }
    .bound()
}

/// Encodes an int8 matrix; returns the container's length in `dst`.
/// `BufferTooSmall` when `dst` is shorter than the container (at most
/// [`encode_bound`]); the bytes depend only on the weights and `params`.
pub fn encode_s8(w: MatRef<i8>, params: &RansParams, dst: &mut [u8]) -> Result<usize> {
    encode(active_isa(), w.as_bytes(), params, None, dst)
}

/// [`encode_s8`] with the ISA paths up to `isa` (the bytes are the same
/// on every path).
pub fn encode_s8_with(
    isa: Isa,
    w: MatRef<i8>,
    params: &RansParams,
    dst: &mut [u8],
) -> Result<usize> {
    encode(isa, w.as_bytes(), params, None, dst)
}

/// Quantizes each row of `w` to int8 (symmetric, `scale = max|w| / 127`,
/// as `quant::quantize_rows_s8`) and encodes the codes with the scales.
/// `InvalidArgument` for NaN or infinite weights.
pub fn qencode_f32(w: MatRef<f32>, params: &RansParams, dst: &mut [u8]) -> Result<usize> {
    params.validate()?;
    let (rows, cols) = (w.rows(), w.cols());
    let n = rows
        .checked_mul(cols)
        .ok_or_else(|| Error::invalid("rows x cols overflows"))?;
    let mut q = vec![0i8; n];
    let mut scales = vec![0f32; rows];
    crate::quant::quantize_rows_s8(w, MatMut::row_major(&mut q, rows, cols)?, &mut scales)?;
    let q = MatRef::row_major(&q, rows, cols)?;
    encode(active_isa(), q.as_bytes(), params, Some(&scales), dst)
}

fn encode(
    isa: Isa,
    w: MatRef<u8>,
    params: &RansParams,
    scales: Option<&[f32]>,
    dst: &mut [u8],
) -> Result<usize> {
    params.validate()?;
    let layout = Layout {
        rows: w.rows(),
        cols: w.cols(),
        params: *params,
        scales: scales.is_some(),
    };
    let bound = layout.bound()?;
    if dst.len() >= bound {
        return encode_in_place(isa, w, &layout, scales, dst);
    }
    // Encoding in place needs room for the worst case; a shorter buffer
    // gets the container through a temporary one (what a caller who sized
    // `dst` from a previous encode gets).
    let mut tmp = crate::runtime::alloc::try_vec::<u8>(bound, "the encoder's buffer")?;
    let n = encode_in_place(isa, w, &layout, scales, &mut tmp)?;
    if n > dst.len() {
        return Err(Error::new(
            ErrorKind::BufferTooSmall,
            format!(
                "the container needs {n} bytes, the buffer holds {}",
                dst.len()
            ),
        ));
    }
    dst[..n].copy_from_slice(&tmp[..n]);
    Ok(n)
}

/// Encodes into `dst` (at least `layout.bound()` bytes). The workers take
/// contiguous runs of tiles, balanced by count; each writes its tiles back
/// to back from where its first tile's worst case would start, so the
/// runs never meet, and the runs are moved down into place at the end
/// (nothing moves on one thread). Every tile's checksum is taken while
/// its bytes are still in cache.
fn encode_in_place(
    isa: Isa,
    w: MatRef<u8>,
    layout: &Layout,
    scales: Option<&[f32]>,
    dst: &mut [u8],
) -> Result<usize> {
    let counts = histogram(&w);
    let bits = layout.params.prob_bits;
    let freqs = freq::normalize(&counts, bits);
    let table = freq::enc_table(&freqs, bits);
    let lanes = layout.params.lanes as usize;
    #[cfg(target_arch = "x86_64")]
    let vectors = (isa >= Isa::Avx512 && lanes.is_multiple_of(16))
        .then(|| x86_64::avx512::EncVectors::new(&freqs));
    let tiles = layout.tile_count();
    let meta = layout.meta_bytes()?;
    let tile_bound = |t: usize| encode::tile_bound(lanes, layout.tile(t).len());
    // (length, checksum) by tile; where each run starts and ends.
    let mut written = vec![(0usize, 0u32); tiles];
    let runs = num_threads().min(tiles).max(1);
    let first = |r: usize| r * tiles / runs;
    let mut starts = vec![meta; runs];
    for r in 1..runs {
        starts[r] = starts[r - 1] + (first(r - 1)..first(r)).map(tile_bound).sum::<usize>();
    }
    let mut ends = starts.clone();
    let (out, lens, run_ends) = (
        SharedMut(dst.as_mut_ptr()),
        SharedMut(written.as_mut_ptr()),
        SharedMut(ends.as_mut_ptr()),
    );
    parallel_for(runs, &|r| {
        with_scratch(|s| {
            let mut at = starts[r];
            for t in first(r)..first(r + 1) {
                let tile = layout.tile(t);
                s.symbols.clear();
                for i in tile.row..tile.row + tile.rows {
                    s.symbols
                        .extend_from_slice(row_of(&w, i, tile.col, tile.cols, &mut s.row));
                }
                // SAFETY: run r owns dst[starts[r]..starts[r + 1]], which
                // holds the worst case of each of its tiles; tile t's slot
                // of `written` is this run's.
                let payload =
                    unsafe { std::slice::from_raw_parts_mut(out.get().add(at), tile_bound(t)) };
                #[cfg(target_arch = "x86_64")]
                let len = match &vectors {
                    // SAFETY: the CPU has AVX-512 (checked with the lanes
                    // above); every symbol of the matrix has a frequency.
                    Some(v) => unsafe {
                        x86_64::avx512::encode_tile(
                            &s.symbols,
                            lanes,
                            bits,
                            v,
                            &mut s.words,
                            payload,
                        )
                    },
                    None => {
                        encode::encode_tile(&s.symbols, lanes, bits, &table, &mut s.words, payload)
                    }
                };
                #[cfg(not(target_arch = "x86_64"))]
                let len =
                    encode::encode_tile(&s.symbols, lanes, bits, &table, &mut s.words, payload);
                unsafe { *lens.get().add(t) = (len, crc32c::crc32c(&payload[..len])) };
                at += len;
            }
            // SAFETY: slot r is this run's.
            unsafe { *run_ends.get().add(r) = at };
        })
    });
    let mut end = ends[0];
    for r in 1..runs {
        dst.copy_within(starts[r]..ends[r], end);
        end += ends[r] - starts[r];
    }
    format::write_meta(layout, &freqs, &written, scales, dst)?;
    Ok(end)
}

/// The byte counts of `w`, rows shared among the threads once there are
/// enough bytes (integer sums: the same counts on any thread count).
fn histogram(w: &MatRef<u8>) -> [u64; 256] {
    let (rows, cols) = (w.rows(), w.cols());
    let workers = if rows * cols >= 1 << 20 {
        num_threads().min(rows).max(1)
    } else {
        1
    };
    let total = std::sync::Mutex::new(freq::Histogram::default());
    parallel_for(workers, &|k| {
        let mut h = freq::Histogram::default();
        with_scratch(|s| {
            for i in k * rows / workers..(k + 1) * rows / workers {
                h.add(row_of(w, i, 0, cols, &mut s.row));
            }
        });
        total.lock().unwrap_or_else(|p| p.into_inner()).merge(h);
    });
    total
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .counts()
}

/// Columns `col..col + n` of row `i` as a slice (copied into `buf` when
/// the row is not contiguous).
fn row_of<'a>(
    w: &MatRef<'a, u8>,
    i: usize,
    col: usize,
    n: usize,
    buf: &'a mut Vec<u8>,
) -> &'a [u8] {
    if let Some(r) = w.row(i) {
        return &r[col..col + n];
    }
    buf.clear();
    buf.extend((col..col + n).map(|j| w.at(i, j)));
    buf
}

/// A tile decoder: the tile, and an output of its length.
type DecodeFn = unsafe fn(&reference::Tile<'_>, &mut [u8]) -> Result<()>;

/// The decoder `isa` gives for `lanes` (SIMD paths need whole vectors of
/// lanes; others decode with the scalar reference).
fn decoder(isa: Isa, lanes: usize) -> DecodeFn {
    #[cfg(target_arch = "x86_64")]
    {
        if isa >= Isa::Avx512 && lanes.is_multiple_of(16) {
            return x86_64::avx512::decode_tile;
        }
        if isa >= Isa::Avx2 && lanes.is_multiple_of(8) {
            return x86_64::avx2::decode_tile;
        }
    }
    let _ = (isa, lanes);
    reference_decode
}

unsafe fn reference_decode(tile: &reference::Tile<'_>, out: &mut [u8]) -> Result<()> {
    reference::decode_tile(tile, out)
}

/// Tiles a worker decodes at once: one tile's steps are a dependency chain
/// (gather, multiply, renormalize) longer than a step's work, and four
/// tiles' independent steps fill it (`cargo test --release --lib
/// rans_kernel_throughput -- --ignored`: 1.6, 2.9 and 3.3 GB/s for one,
/// two and four tiles on one core).
const GROUP: usize = 4;

/// A row-major int8 matrix the decoders may store into directly: row `i`
/// starts at `base + i * rs`, and `rs` is at least the width.
#[derive(Clone, Copy)]
struct DirectOut {
    base: *mut u8,
    rs: usize,
}

// SAFETY: workers write disjoint tiles of the matrix through it.
unsafe impl Send for DirectOut {}
unsafe impl Sync for DirectOut {}

/// Per-thread buffers of the codec (a group of decoded tiles, a band's
/// row sums, the encoder's tile), kept across calls so that coding and
/// the fused GEMV do not allocate after warm-up.
#[derive(Default)]
struct Scratch {
    tiles: [Vec<i8>; GROUP],
    sums: Vec<f32>,
    /// The encoder's tile symbols, words, and a strided row.
    symbols: Vec<u8>,
    words: Vec<u16>,
    row: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` on this thread's scratch buffers.
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| f(&mut s.borrow_mut()))
}

/// The error of the lowest failing tile, whatever order the workers
/// finish in.
#[derive(Default)]
struct FirstError(std::sync::Mutex<Option<(usize, Error)>>);

impl FirstError {
    fn record(&self, t: usize, e: Error) {
        let mut f = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if f.as_ref().is_none_or(|(ft, _)| t < *ft) {
            *f = Some((t, e));
        }
    }

    fn into_result(self) -> Result<()> {
        match self.0.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}

/// `dst[c] = convert(src[c])`. Its own function so that the slices are
/// known not to overlap: inlined into its caller the copy went byte by
/// byte (`decode_s8` about 1.15 against 1.6 GB/s); here the int8 copy is
/// a `memmove`, as fast as 64-byte chunks of vector moves were in four
/// interleaved A/B runs (AVX2 decode 774-922 chunked, 849-1192 plain).
#[inline(never)]
fn convert_row<T: Copy>(dst: &mut [T], src: &[i8], convert: impl Fn(i8) -> T) {
    for (d, &q) in dst.iter_mut().zip(src) {
        *d = convert(q);
    }
}

/// The bytes of an int8 slice.
fn as_bytes(v: &mut [i8]) -> &mut [u8] {
    // SAFETY: i8 and u8 have the same size, alignment and validity.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast(), v.len()) }
}

/// A container validated once by [`RansReader::open`]; tile payloads are
/// read from the caller's bytes, which must not change while it lives.
#[derive(Debug)]
pub struct RansReader<'a> {
    src: &'a [u8],
    parsed: format::Parsed,
    table: Vec<u32>,
}

impl<'a> RansReader<'a> {
    /// Checks the whole container (`CorruptData` or `ChecksumMismatch`
    /// with the first problem).
    pub fn open(src: &'a [u8]) -> Result<Self> {
        let parsed = format::parse(src)?;
        let table = freq::dec_table(&parsed.freqs, parsed.layout.params.prob_bits);
        Ok(RansReader { src, parsed, table })
    }

    /// (rows, cols) of the matrix.
    pub fn shape(&self) -> (usize, usize) {
        (self.parsed.layout.rows, self.parsed.layout.cols)
    }

    /// Shape, tiles and parameters.
    pub fn layout(&self) -> &Layout {
        &self.parsed.layout
    }

    /// The stored row scales (`None` for `encode_s8` containers).
    pub fn scales(&self) -> Option<&[f32]> {
        self.parsed.scales.as_deref()
    }

    /// The normalized frequency table.
    pub fn freqs(&self) -> &[u16; 256] {
        &self.parsed.freqs
    }

    fn payload(&self, t: usize) -> &'a [u8] {
        let o = &self.parsed.offsets;
        &self.src[self.parsed.payload_start + o[t]..self.parsed.payload_start + o[t + 1]]
    }

    /// Decodes tile `t` (see [`Layout::tile`]) into `out`, row-major, with
    /// the ISA paths up to `isa`. `InvalidArgument` for a tile past the
    /// last, `DimensionMismatch` when `out` is not the tile's size.
    pub fn decode_tile_with(&self, isa: Isa, t: usize, out: &mut [i8]) -> Result<()> {
        let layout = &self.parsed.layout;
        if t >= layout.tile_count() {
            return Err(Error::invalid(format!(
                "tile {t}: the container has {}",
                layout.tile_count()
            )));
        }
        let len = layout.tile(t).len();
        if out.len() != len {
            return Err(Error::dimension(format!(
                "tile {t} holds {len} weights, the output {}",
                out.len()
            )));
        }
        // SAFETY: `decoder` checked the ISA and the lanes; `tile_job`
        // framed the tile.
        unsafe { decoder(isa, layout.params.lanes as usize)(&self.tile_job(t), as_bytes(out)) }
    }

    /// Tile `t` for a decoder: the parsed container framed its payload
    /// (at least 4 * lanes bytes) and the table has 2^prob_bits entries.
    fn tile_job(&self, t: usize) -> reference::Tile<'_> {
        reference::Tile {
            index: t,
            payload: self.payload(t),
            lanes: self.parsed.layout.params.lanes as usize,
            table: &self.table,
            bits: self.parsed.layout.params.prob_bits,
        }
    }

    /// Decodes tiles `first..end` (at most [`GROUP`]) into this thread's
    /// buffers `s.tiles[..]`, several at once where the ISA has a
    /// multi-tile decoder; result `k` belongs to tile `first + k` (`Ok`
    /// past `end`). With `direct`, the multi-tile decoder writes the tiles
    /// into that matrix instead, and the flag returned says it did.
    fn decode_group(
        &self,
        isa: Isa,
        first: usize,
        end: usize,
        s: &mut Scratch,
        direct: Option<DirectOut>,
    ) -> ([Result<()>; GROUP], bool) {
        let layout = &self.parsed.layout;
        let mut results = std::array::from_fn(|_| Ok(()));
        for (k, buf) in s.tiles.iter_mut().enumerate().take(end - first) {
            buf.resize(layout.tile(first + k).len(), 0);
        }
        #[cfg(target_arch = "x86_64")]
        {
            let lanes = layout.params.lanes as usize;
            if isa >= Isa::Avx512 && lanes.is_multiple_of(16) && end - first == GROUP {
                let jobs: [_; GROUP] = std::array::from_fn(|k| self.tile_job(first + k));
                let dsts = std::array::from_fn(|k| {
                    direct.map(|d| {
                        let tile = layout.tile(first + k);
                        x86_64::avx512::TileDst {
                            // SAFETY (of the add): the tile lies inside the
                            // matrix `d` describes.
                            ptr: unsafe { d.base.add(tile.row * d.rs + tile.col) },
                            cols: tile.cols,
                            stride: d.rs,
                        }
                    })
                });
                let [a, b, c, e] = &mut s.tiles;
                // SAFETY: the CPU has AVX-512 (the ISA ladder checked it);
                // `tile_job` framed the tiles; the buffers have their
                // sizes; the destinations are disjoint tiles of `direct`.
                let results = unsafe {
                    x86_64::avx512::decode_tiles::<GROUP>(
                        std::array::from_fn(|k| &jobs[k]),
                        [a, b, c, e].map(|buf| as_bytes(buf)),
                        dsts,
                    )
                };
                return (results, direct.is_some());
            }
            if isa >= Isa::Avx2 && lanes.is_multiple_of(8) && end - first == GROUP {
                let jobs: [_; GROUP] = std::array::from_fn(|k| self.tile_job(first + k));
                let [a, b, c, e] = &mut s.tiles;
                // Two tiles at a time: four tiles' states would not fit
                // AVX2's 16 registers (about 0.75, 0.85 and 0.80 GB/s for
                // one, two and four at a time on this machine).
                // SAFETY: the CPU has AVX2 and POPCNT (the ISA ladder
                // checked them); `tile_job` framed the tiles; the buffers
                // have their sizes.
                let [r0, r1] = unsafe {
                    x86_64::avx2::decode_tiles::<2>(
                        [&jobs[0], &jobs[1]],
                        [as_bytes(a), as_bytes(b)],
                    )
                };
                // SAFETY: as above.
                let [r2, r3] = unsafe {
                    x86_64::avx2::decode_tiles::<2>(
                        [&jobs[2], &jobs[3]],
                        [as_bytes(c), as_bytes(e)],
                    )
                };
                return ([r0, r1, r2, r3], false);
            }
        }
        let _ = direct;
        for (k, buf) in s.tiles.iter_mut().enumerate().take(end - first) {
            results[k] = self.decode_tile_with(isa, first + k, buf);
        }
        (results, false)
    }

    /// [`RansReader::decode_tile_with`] on the active ISA.
    pub fn decode_tile(&self, t: usize, out: &mut [i8]) -> Result<()> {
        self.decode_tile_with(active_isa(), t, out)
    }

    /// Decodes the matrix into `out` (any strides), tiles in parallel.
    /// `DimensionMismatch` when shapes differ; on `CorruptData` (bytes
    /// changed after `open`, or a crafted stream) `out` is partly written.
    pub fn decode_s8(&self, out: MatMut<i8>) -> Result<()> {
        self.decode_s8_with(active_isa(), out)
    }

    /// [`RansReader::decode_s8`] with the ISA paths up to `isa`.
    pub fn decode_s8_with(&self, isa: Isa, mut out: MatMut<i8>) -> Result<()> {
        // Rows of contiguous bytes that do not overlap can take the
        // decoder's stores directly.
        let direct = (out.cs() == 1 && out.rs() >= out.cols() as isize).then(|| DirectOut {
            base: out.ptr().cast(),
            rs: out.rs() as usize,
        });
        self.decode_into(isa, out, |_, q| q, direct)
    }

    /// Decodes and dequantizes (`scale[row] * code`) into `out`.
    /// `InvalidArgument` when the container has no row scales.
    pub fn qdecode_f32(&self, out: MatMut<f32>) -> Result<()> {
        let Some(scales) = self.scales() else {
            return Err(Error::invalid(
                "the container has no row scales (written by encode_s8, not qencode_f32)",
            ));
        };
        self.decode_into(active_isa(), out, |i, q| scales[i] * q as f32, None)
    }

    fn decode_into<T: Copy + Send>(
        &self,
        isa: Isa,
        mut out: MatMut<T>,
        convert: impl Fn(usize, i8) -> T + Sync,
        direct: Option<DirectOut>,
    ) -> Result<()> {
        let layout = &self.parsed.layout;
        if (out.rows(), out.cols()) != self.shape() {
            return Err(Error::dimension(format!(
                "the container is {}x{}, the output {}x{}",
                layout.rows,
                layout.cols,
                out.rows(),
                out.cols()
            )));
        }
        let tiles = layout.tile_count();
        let (rs, cs) = (out.rs(), out.cs());
        let base = SharedMut(out.ptr());
        let next = AtomicUsize::new(0);
        let put = |t: usize, buf: &[i8]| {
            let s = layout.tile(t);
            for (r, src) in buf.chunks_exact(s.cols).enumerate() {
                let i = s.row + r;
                // SAFETY: row i, columns s.col.. are inside the output,
                // whose shape was checked; tiles are disjoint.
                unsafe {
                    let at = base.get().offset(i as isize * rs + s.col as isize * cs);
                    if cs == 1 {
                        let dst = std::slice::from_raw_parts_mut(at, s.cols);
                        convert_row(dst, src, |q| convert(i, q));
                    } else {
                        for (c, &q) in src.iter().enumerate() {
                            *at.offset(c as isize * cs) = convert(i, q);
                        }
                    }
                }
            }
        };
        let failed = FirstError::default();
        let groups = tiles.div_ceil(GROUP);
        parallel_for(num_threads().min(groups).max(1), &|_| {
            with_scratch(|s| loop {
                let first = GROUP * next.fetch_add(1, Ordering::Relaxed);
                if first >= tiles {
                    break;
                }
                let end = (first + GROUP).min(tiles);
                let (results, written) = self.decode_group(isa, first, end, s, direct);
                for (t, (r, buf)) in (first..end).zip(results.into_iter().zip(&s.tiles)) {
                    match r {
                        Ok(()) if !written => put(t, buf),
                        Ok(()) => {}
                        Err(e) => failed.record(t, e),
                    }
                }
            })
        });
        failed.into_result()
    }
}
