//! The tile encoder: interleaved rANS over a tile's weights, walked
//! backwards so that the decoder reads forwards.

use super::format::STATE_LOW;
use super::freq::EncSymbol;

/// Bytes a tile of `n` symbols can take: the lanes' states and at most
/// one word per symbol.
pub fn tile_bound(lanes: usize, n: usize) -> usize {
    4 * lanes + 2 * n
}

/// Encodes one tile's symbols (row-major in the tile, symbol j in lane
/// `j % lanes`) into `out` (at least [`tile_bound`] bytes): the lanes'
/// final states, then the 16-bit words in the order the decoder reads
/// them. Returns the payload's length. `words` is scratch, reused across
/// tiles.
///
/// The decoder takes step `t` (symbols `t * lanes ..`) lane by lane, and a
/// lane whose state fell below 2^16 after its symbol reads the next word.
/// So the encoder takes the steps last to first and the lanes last to
/// first, a lane emitting its word before encoding the symbol the decoder
/// reads it after, and fills `words` from the end: the last word emitted
/// is the first one read.
pub fn encode_tile(
    symbols: &[u8],
    lanes: usize,
    bits: u32,
    table: &[EncSymbol; 256],
    words: &mut Vec<u16>,
    out: &mut [u8],
) -> usize {
    let mut state = [STATE_LOW; 64];
    let state = &mut state[..lanes];
    // At most one word per symbol (see `Layout::bound`). Each symbol
    // writes a word unconditionally and keeps it only when the lane
    // renormalizes, so the coin-flip renormalization is no branch to
    // mispredict; one spare slot below takes the last unkept write.
    let len = symbols.len() + 1;
    let w = word_space(words, len);
    let mut top = len;
    for step in symbols.chunks(lanes).rev() {
        for (x, &s) in state.iter_mut().zip(step).rev() {
            let e = &table[s as usize];
            debug_assert!(e.freq > 0, "symbol {s} has no frequency");
            let emit = (*x as u64 >= e.renorm) as usize;
            // SAFETY: top starts one past the symbol count and drops at
            // most once per symbol, so top - 1 stays in the buffer.
            unsafe { w.add(top - 1).write(*x as u16) };
            top -= emit;
            *x >>= 16 * emit as u32;
            let q = ((*x as u128 * e.magic as u128) >> 45) as u32;
            *x = (q << bits) + (*x - q * e.freq) + e.cum;
        }
    }
    // SAFETY: every slot from top up was written (the kept words).
    let kept = unsafe { std::slice::from_raw_parts(w.add(top), len - top) };
    write_payload(state, kept, out)
}

/// Room for `len` words in `words` (reused, not cleared: the encoders
/// write each slot before they keep it).
pub fn word_space(words: &mut Vec<u16>, len: usize) -> *mut u16 {
    words.clear();
    words.reserve(len);
    words.spare_capacity_mut().as_mut_ptr().cast()
}

/// Writes a payload, the lanes' states then the words, little-endian,
/// into `out`; returns its length.
pub fn write_payload(state: &[u32], words: &[u16], out: &mut [u8]) -> usize {
    let len = 4 * state.len() + 2 * words.len();
    let (head, tail) = out[..len].split_at_mut(4 * state.len());
    for (b, x) in head.chunks_exact_mut(4).zip(state) {
        b.copy_from_slice(&x.to_le_bytes());
    }
    for (b, w) in tail.chunks_exact_mut(2).zip(words) {
        b.copy_from_slice(&w.to_le_bytes());
    }
    len
}
