//! The tile encoder: interleaved rANS over a tile's weights, walked
//! backwards so that the decoder reads forwards.

use super::format::STATE_LOW;
use super::freq::EncSymbol;

/// Encodes one tile's symbols (row-major in the tile, symbol j in lane
/// `j % lanes`) into `out` (cleared first): the lanes' final states, then
/// the 16-bit words in the order the decoder reads them. `words` is
/// scratch, reused across tiles.
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
    out: &mut Vec<u8>,
) {
    let mut state = [STATE_LOW; 64];
    let state = &mut state[..lanes];
    // At most one word per symbol (see `Layout::bound`). Each symbol
    // writes a word unconditionally and keeps it only when the lane
    // renormalizes, so the coin-flip renormalization is no branch to
    // mispredict; one spare slot below takes the last unkept write.
    words.clear();
    words.resize(symbols.len() + 1, 0);
    let mut top = words.len();
    let w = words.as_mut_ptr();
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
    let kept = &words[top..];
    out.clear();
    out.resize(4 * lanes + 2 * kept.len(), 0);
    let (head, tail) = out.split_at_mut(4 * lanes);
    for (b, x) in head.chunks_exact_mut(4).zip(state.iter()) {
        b.copy_from_slice(&x.to_le_bytes());
    }
    for (b, w) in tail.chunks_exact_mut(2).zip(kept) {
        b.copy_from_slice(&w.to_le_bytes());
    }
}
