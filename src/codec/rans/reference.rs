//! The scalar tile decoder: the oracle for the SIMD decoders and the path
//! for CPUs without them (and for lane counts they do not cover).

use super::format::STATE_LOW;
use crate::error::{Error, ErrorKind, Result};

/// The words of a tile and the position of the next one to read.
pub struct Words<'a> {
    /// The tile's 16-bit words as little-endian byte pairs.
    pub bytes: &'a [u8],
    /// Index of the next word.
    pub next: usize,
}

impl Words<'_> {
    /// Number of words in the tile.
    #[inline(always)]
    pub fn count(&self) -> usize {
        self.bytes.len() / 2
    }
}

/// `CorruptData` for tile `t`.
pub fn corrupt_tile(t: usize, what: &str) -> Error {
    Error::new(ErrorKind::CorruptData, format!("tile {t}: {what}"))
}

/// Splits a tile payload (already framed by the reader) into lane states
/// and words.
pub fn split(payload: &[u8], lanes: usize) -> ([u32; 64], Words<'_>) {
    let mut state = [STATE_LOW; 64];
    for (x, b) in state.iter_mut().zip(payload[..4 * lanes].chunks_exact(4)) {
        *x = u32::from_le_bytes(b.try_into().expect("4 bytes"));
    }
    (
        state,
        Words {
            bytes: &payload[4 * lanes..],
            next: 0,
        },
    )
}

/// Decodes symbols `from..out.len()` of a tile (symbol j in lane
/// `j % lanes`, `from` a multiple of `lanes`) one lane at a time,
/// continuing from `state` and `words`. Fails when a lane needs a word past
/// the end.
#[inline(always)]
pub fn decode_steps(
    t: usize,
    out: &mut [u8],
    from: usize,
    state: &mut [u32],
    words: &mut Words<'_>,
    table: &[u32],
    bits: u32,
) -> Result<()> {
    let mask = (1u32 << bits) - 1;
    let lanes = state.len();
    for step in out[from..].chunks_mut(lanes) {
        for (x, sym) in state.iter_mut().zip(step) {
            let e = table[(*x & mask) as usize];
            *sym = e as u8;
            // Cannot overflow for a state in [2^16, 2^32) and a table that
            // sums to 2^bits (see docs/FORMAT.md); wrapping keeps it
            // defined whatever the bytes.
            *x = ((e >> 8 & 0xFFF) + 1)
                .wrapping_mul(*x >> bits)
                .wrapping_add(e >> 20);
            if *x < STATE_LOW {
                let Some(w) = words.bytes.get(2 * words.next..2 * words.next + 2) else {
                    return Err(corrupt_tile(t, "a lane reads past the last word"));
                };
                *x = (*x << 16) | u16::from_le_bytes([w[0], w[1]]) as u32;
                words.next += 1;
            }
        }
    }
    Ok(())
}

/// The end-of-tile check: every word read and every lane back in the
/// state the encoder started from.
pub fn check_end(t: usize, state: &[u32], words: &Words<'_>) -> Result<()> {
    if words.next != words.count() {
        return Err(corrupt_tile(
            t,
            &format!(
                "{} of {} words left unread",
                words.count() - words.next,
                words.count()
            ),
        ));
    }
    if let Some(l) = state.iter().position(|&x| x != STATE_LOW) {
        return Err(corrupt_tile(
            t,
            &format!("lane {l} ends in state {:#x}, not 2^16", state[l]),
        ));
    }
    Ok(())
}

/// What a tile decoder needs: the tile's index (for messages), its
/// payload (framed by the reader: at least `4 * lanes` bytes), the lane
/// count, the decode table (`1 << bits` entries) and `bits`.
pub struct Tile<'a> {
    /// Index of the tile in the container.
    pub index: usize,
    /// The tile's bytes: lane states, then words.
    pub payload: &'a [u8],
    /// Interleaved lanes.
    pub lanes: usize,
    /// `freq::dec_table` of the container.
    pub table: &'a [u32],
    /// prob_bits.
    pub bits: u32,
}

/// Decodes the steps from `from` on one lane at a time, then checks the
/// end of the tile: the tail of every decoder.
pub fn finish_tile(
    tile: &Tile<'_>,
    out: &mut [u8],
    from: usize,
    state: &mut [u32],
    words: &mut Words<'_>,
) -> Result<()> {
    decode_steps(tile.index, out, from, state, words, tile.table, tile.bits)?;
    check_end(tile.index, state, words)
}

/// Decodes a whole tile into `out` (its length is the tile's weight
/// count).
pub fn decode_tile(tile: &Tile<'_>, out: &mut [u8]) -> Result<()> {
    let (mut state, mut words) = split(tile.payload, tile.lanes);
    finish_tile(tile, out, 0, &mut state[..tile.lanes], &mut words)
}

/// `sum q[c] * x[c]` in f32, left to right: the GEMV's scalar kernel and
/// the oracle of the SIMD ones. `x` is at least as long as `q`.
pub fn dot_s8_f32(q: &[i8], x: &[f32]) -> f32 {
    q.iter().zip(x).fold(0.0, |s, (&a, &b)| s + a as f32 * b)
}
