//! The container's byte layout (docs/FORMAT.md is the specification):
//! parameters, sizes, writing and the one-time validation of a container.

use super::crc32c::crc32c;
use super::FirstError;
use crate::error::{Error, ErrorKind, Result};
use crate::runtime::threads::{num_threads, parallel_for};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The four bytes every container starts with.
pub const MAGIC: [u8; 4] = *b"SKRN";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
/// Flag bit: the container stores one f32 scale per row.
pub const FLAG_ROW_SCALES: u16 = 1;
/// Bytes of the fixed header, before the frequency table.
pub const HEADER_BYTES: usize = 48;
/// Bytes of the frequency table: 256 little-endian u16.
pub const FREQ_BYTES: usize = 512;
/// The state every lane starts encoding from and must end decoding in;
/// states live in `[STATE_LOW, 2^32)`.
pub const STATE_LOW: u32 = 1 << 16;

/// Encoder parameters (`sk_rans_params`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RansParams {
    /// Rows of a tile (>= 1).
    pub tile_rows: u32,
    /// Columns of a tile (>= 1); a tile holds at most 2^24 weights.
    pub tile_cols: u32,
    /// Probability precision in bits, 10 to 12: frequencies sum to
    /// 2^prob_bits.
    pub prob_bits: u32,
    /// Interleaved rANS lanes per tile: a power of two from 1 to 64.
    pub lanes: u32,
}

impl Default for RansParams {
    /// 256 x 256 tiles, 12-bit probabilities, 32 lanes. 12 bits: the
    /// finest precision whose decode-table entry (frequency - 1, offset in
    /// the symbol's range, symbol) still packs into 32 bits, so one gather
    /// per lane decodes; its 16 KiB table stays in L1 (and in a GPU's
    /// shared memory); rare symbols of heavy-tailed weights lose less to
    /// rounding than at 10 or 11 bits. 32 lanes: a GPU warp, two AVX-512
    /// or four AVX2 vectors of 32-bit states.
    fn default() -> Self {
        RansParams {
            tile_rows: 256,
            tile_cols: 256,
            prob_bits: 12,
            lanes: 32,
        }
    }
}

/// Largest number of weights in one tile.
pub const MAX_TILE_SYMBOLS: u64 = 1 << 24;

impl RansParams {
    /// `InvalidArgument` naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.tile_rows == 0 || self.tile_cols == 0 {
            return Err(Error::invalid(format!(
                "tile shape {}x{}: both must be at least 1",
                self.tile_rows, self.tile_cols
            )));
        }
        if self.tile_rows as u64 * self.tile_cols as u64 > MAX_TILE_SYMBOLS {
            return Err(Error::invalid(format!(
                "tile shape {}x{}: more than 2^24 weights",
                self.tile_rows, self.tile_cols
            )));
        }
        if !(10..=12).contains(&self.prob_bits) {
            return Err(Error::invalid(format!(
                "prob_bits {}: must be 10, 11 or 12",
                self.prob_bits
            )));
        }
        if !self.lanes.is_power_of_two() || self.lanes > 64 {
            return Err(Error::invalid(format!(
                "lanes {}: must be a power of two from 1 to 64",
                self.lanes
            )));
        }
        Ok(())
    }
}

/// The shape of a container: matrix, tiles, coding parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Matrix rows.
    pub rows: usize,
    /// Matrix columns.
    pub cols: usize,
    /// The parameters it was encoded with.
    pub params: RansParams,
    /// Whether per-row scales are stored.
    pub scales: bool,
}

/// Where one tile sits in the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TileShape {
    /// First row.
    pub row: usize,
    /// First column.
    pub col: usize,
    /// Rows in this tile (smaller at the bottom edge).
    pub rows: usize,
    /// Columns in this tile (smaller at the right edge).
    pub cols: usize,
}

impl TileShape {
    /// Weights in the tile.
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    /// Whether the tile holds no weight (never, in a valid container).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn overflow(what: &str) -> Error {
    Error::invalid(format!("{what} overflows the address space"))
}

impl Layout {
    /// Tiles down and across.
    pub fn grid(&self) -> (usize, usize) {
        if self.rows == 0 || self.cols == 0 {
            return (0, 0);
        }
        (
            self.rows.div_ceil(self.params.tile_rows as usize),
            self.cols.div_ceil(self.params.tile_cols as usize),
        )
    }

    /// Number of tiles (row-major over the grid); saturates at
    /// `usize::MAX` for shapes no container can hold, which
    /// [`Layout::meta_bytes`] then refuses.
    pub fn tile_count(&self) -> usize {
        let (down, across) = self.grid();
        down.saturating_mul(across)
    }

    /// Position and size of tile `t`.
    pub fn tile(&self, t: usize) -> TileShape {
        let (_, across) = self.grid();
        let (tr, tc) = (
            self.params.tile_rows as usize,
            self.params.tile_cols as usize,
        );
        let (row, col) = (t / across * tr, t % across * tc);
        TileShape {
            row,
            col,
            rows: tr.min(self.rows - row),
            cols: tc.min(self.cols - col),
        }
    }

    /// Bytes before the first tile payload: header, frequency table, tile
    /// offsets, tile checksums, row scales, metadata checksum.
    pub fn meta_bytes(&self) -> Result<usize> {
        let t = self.tile_count();
        let scales = if self.scales { self.rows } else { 0 };
        (|| {
            (HEADER_BYTES + FREQ_BYTES + 4)
                .checked_add(t.checked_add(1)?.checked_mul(8)?)?
                .checked_add(t.checked_mul(4)?)?
                .checked_add(scales.checked_mul(4)?)
        })()
        .ok_or_else(|| overflow("the container's tables"))
    }

    /// Largest container the encoder can write: each weight costs at most
    /// one 16-bit word, each tile its lanes' 32-bit states.
    pub fn bound(&self) -> Result<usize> {
        let t = self.tile_count();
        let symbols = self
            .rows
            .checked_mul(self.cols)
            .ok_or_else(|| overflow("rows x cols"))?;
        (|| {
            self.meta_bytes()
                .ok()?
                .checked_add(symbols.checked_mul(2)?)?
                .checked_add(t.checked_mul(4 * self.params.lanes as usize)?)
        })()
        .ok_or_else(|| overflow("the encode bound"))
    }
}

/// Writes a container's metadata into `dst[..layout.meta_bytes()]`:
/// `tiles[t]` is tile t's payload length and CRC32C; `freqs` the
/// normalized table; `scales` the row scales when the layout has them.
/// The payloads follow the metadata, back to back (the caller puts them
/// there). `dst` holds at least the metadata.
pub fn write_meta(
    layout: &Layout,
    freqs: &[u16; 256],
    tiles: &[(usize, u32)],
    scales: Option<&[f32]>,
    dst: &mut [u8],
) -> Result<()> {
    let meta = layout.meta_bytes()?;
    let payload_bytes: usize = tiles.iter().map(|t| t.0).sum();
    let p = &layout.params;
    let mut w = Writer { dst, at: 0 };
    w.put(&MAGIC);
    w.put(&VERSION.to_le_bytes());
    let flags = if layout.scales { FLAG_ROW_SCALES } else { 0 };
    w.put(&flags.to_le_bytes());
    w.put(&(layout.rows as u64).to_le_bytes());
    w.put(&(layout.cols as u64).to_le_bytes());
    w.put(&p.tile_rows.to_le_bytes());
    w.put(&p.tile_cols.to_le_bytes());
    w.put(&(p.prob_bits as u16).to_le_bytes());
    w.put(&(p.lanes as u16).to_le_bytes());
    w.put(&0u32.to_le_bytes());
    w.put(&(payload_bytes as u64).to_le_bytes());
    debug_assert_eq!(w.at, HEADER_BYTES);
    for f in freqs {
        w.put(&f.to_le_bytes());
    }
    let mut offset = 0u64;
    w.put(&offset.to_le_bytes());
    for &(len, _) in tiles {
        offset += len as u64;
        w.put(&offset.to_le_bytes());
    }
    for &(_, crc) in tiles {
        w.put(&crc.to_le_bytes());
    }
    if let Some(s) = scales {
        for v in &s[..layout.rows] {
            w.put(&v.to_le_bytes());
        }
    }
    let crc = crc32c(&w.dst[..w.at]);
    w.put(&crc.to_le_bytes());
    debug_assert_eq!(w.at, meta);
    Ok(())
}

struct Writer<'a> {
    dst: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.dst[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}

/// A container checked once, everything a decoder needs copied out of the
/// metadata; tile payloads stay in the caller's bytes.
#[derive(Debug)]
pub struct Parsed {
    /// Shape and parameters.
    pub layout: Layout,
    /// Normalized frequencies, summing to 2^prob_bits (all zero for an
    /// empty matrix).
    pub freqs: [u16; 256],
    /// Tile t's payload is `payload[offsets[t]..offsets[t + 1]]`.
    pub offsets: Vec<usize>,
    /// Row scales, when stored.
    pub scales: Option<Vec<f32>>,
    /// Where the payloads start in the container.
    pub payload_start: usize,
}

fn corrupt(msg: String) -> Error {
    Error::new(ErrorKind::CorruptData, msg)
}

struct Reader<'a> {
    src: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.src.len());
        let Some(end) = end else {
            return Err(corrupt(format!(
                "truncated: {what} needs bytes {}..{}, the container has {}",
                self.at,
                self.at.saturating_add(n),
                self.src.len()
            )));
        };
        let s = &self.src[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(
            self.take(2, what)?.try_into().expect("2"),
        ))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4, what)?.try_into().expect("4"),
        ))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8, what)?.try_into().expect("8"),
        ))
    }
}

/// Validates a whole container: header fields, metadata checksum,
/// frequency sum, offsets, every tile's checksum and size, every tile's
/// initial lane states. `CorruptData` or `ChecksumMismatch` with the first
/// problem found.
pub fn parse(src: &[u8]) -> Result<Parsed> {
    let mut r = Reader { src, at: 0 };
    if r.take(4, "the magic")? != MAGIC {
        return Err(corrupt("not a simdkern rANS container (bad magic)".into()));
    }
    let version = r.u16("the version")?;
    if version != VERSION {
        return Err(corrupt(format!(
            "format version {version}; this build reads version {VERSION}"
        )));
    }
    let flags = r.u16("the flags")?;
    if flags & !FLAG_ROW_SCALES != 0 {
        return Err(corrupt(format!("unknown flags {flags:#06x}")));
    }
    let rows = r.u64("the row count")?;
    let cols = r.u64("the column count")?;
    let tile_rows = r.u32("the tile rows")?;
    let tile_cols = r.u32("the tile columns")?;
    let prob_bits = r.u16("prob_bits")? as u32;
    let lanes = r.u16("the lane count")? as u32;
    if r.u32("the reserved field")? != 0 {
        return Err(corrupt("reserved header field is not zero".into()));
    }
    let payload_bytes = r.u64("the payload size")?;
    let params = RansParams {
        tile_rows,
        tile_cols,
        prob_bits,
        lanes,
    };
    params
        .validate()
        .map_err(|e| corrupt(format!("header: {}", e.message())))?;
    let (Ok(rows), Ok(cols)) = (usize::try_from(rows), usize::try_from(cols)) else {
        return Err(corrupt(format!("shape {rows}x{cols} too large")));
    };
    let layout = Layout {
        rows,
        cols,
        params,
        scales: flags & FLAG_ROW_SCALES != 0,
    };
    let meta = layout
        .bound()
        .and_then(|_| layout.meta_bytes())
        .map_err(|_| corrupt(format!("shape {rows}x{cols} too large")))?;
    // The metadata checksum first: every later check can then trust it.
    if src.len() < meta {
        return Err(corrupt(format!(
            "truncated: the metadata of a {rows}x{cols} container takes {meta} bytes, \
             the container has {}",
            src.len()
        )));
    }
    let stored = u32::from_le_bytes(src[meta - 4..meta].try_into().expect("4"));
    let computed = crc32c(&src[..meta - 4]);
    if stored != computed {
        return Err(Error::new(
            ErrorKind::ChecksumMismatch,
            format!("metadata checksum {stored:#010x}, computed {computed:#010x}"),
        ));
    }
    let mut freqs = [0u16; 256];
    for f in freqs.iter_mut() {
        *f = r.u16("the frequency table")?;
    }
    let sum: u32 = freqs.iter().map(|&f| f as u32).sum();
    let symbols = rows as u128 * cols as u128;
    let want = if symbols == 0 { 0 } else { 1u32 << prob_bits };
    if sum != want {
        return Err(corrupt(format!(
            "frequencies sum to {sum}, expected {want}"
        )));
    }
    let tiles = layout.tile_count();
    let mut offsets = Vec::with_capacity(tiles + 1);
    for t in 0..=tiles {
        let o = r.u64("the tile offsets")?;
        let prev = offsets.last().copied().unwrap_or(0);
        if (t == 0 && o != 0) || (o as u128) < prev as u128 || o > payload_bytes {
            return Err(corrupt(format!(
                "tile offset {t} is {o} (previous {prev}, payload {payload_bytes} bytes)"
            )));
        }
        offsets.push(o as usize);
    }
    if offsets[tiles] as u64 != payload_bytes {
        return Err(corrupt(format!(
            "tile offsets end at {}, the payload has {payload_bytes} bytes",
            offsets[tiles]
        )));
    }
    let expected_len = (meta as u128) + payload_bytes as u128;
    if src.len() as u128 != expected_len {
        return Err(corrupt(format!(
            "the container is {} bytes, its header says {expected_len}",
            src.len()
        )));
    }
    let mut crcs = Vec::with_capacity(tiles);
    for _ in 0..tiles {
        crcs.push(r.u32("the tile checksums")?);
    }
    let scales = if layout.scales {
        let mut s = Vec::with_capacity(rows);
        for i in 0..rows {
            let v = f32::from_le_bytes(r.take(4, "the row scales")?.try_into().expect("4"));
            if !v.is_finite() {
                return Err(corrupt(format!("row scale {i} is {v}")));
            }
            s.push(v);
        }
        Some(s)
    } else {
        None
    };
    let payload_start = meta;
    let payload = &src[payload_start..];
    let check = |t: usize| {
        let bytes = &payload[offsets[t]..offsets[t + 1]];
        let computed = crc32c(bytes);
        if computed != crcs[t] {
            return Err(Error::new(
                ErrorKind::ChecksumMismatch,
                format!(
                    "tile {t}: checksum {:#010x}, computed {computed:#010x}",
                    crcs[t]
                ),
            ));
        }
        check_tile_frame(t, bytes, lanes as usize)
    };
    // Tiles in parallel once there is enough to share (the checksums run
    // at about 20 GB/s on one core); the error is the lowest tile's.
    let workers = if payload.len() >= 1 << 20 {
        num_threads().min(tiles).max(1)
    } else {
        1
    };
    let next = AtomicUsize::new(0);
    let failed = FirstError::default();
    parallel_for(workers, &|_| loop {
        let t = next.fetch_add(1, Ordering::Relaxed);
        if t >= tiles {
            break;
        }
        if let Err(e) = check(t) {
            failed.record(t, e);
        }
    });
    failed.into_result()?;
    Ok(Parsed {
        layout,
        freqs,
        offsets,
        scales,
        payload_start,
    })
}

/// A tile payload is `lanes` u32 states in `[STATE_LOW, 2^32)` followed by
/// whole 16-bit words.
fn check_tile_frame(t: usize, bytes: &[u8], lanes: usize) -> Result<()> {
    if bytes.len() < 4 * lanes || !(bytes.len() - 4 * lanes).is_multiple_of(2) {
        return Err(corrupt(format!(
            "tile {t}: {} bytes is not {lanes} states and whole 16-bit words",
            bytes.len()
        )));
    }
    for (l, s) in bytes[..4 * lanes].chunks_exact(4).enumerate() {
        let s = u32::from_le_bytes(s.try_into().expect("4"));
        if s < STATE_LOW {
            return Err(corrupt(format!(
                "tile {t}: lane {l} starts in state {s:#x}, below 2^16"
            )));
        }
    }
    Ok(())
}
