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
/// first; a lane emits its word before encoding the symbol the decoder
/// reads it after, and the words, reversed at the end, come out in the
/// decoder's order.
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
    words.clear();
    // At most one word per symbol (see `Layout::bound`).
    words.reserve(symbols.len());
    for step in symbols.chunks(lanes).rev() {
        for (x, &s) in state.iter_mut().zip(step).rev() {
            let e = &table[s as usize];
            debug_assert!(e.freq > 0, "symbol {s} has no frequency");
            if *x as u64 >= e.renorm {
                words.push(*x as u16);
                *x >>= 16;
            }
            let q = ((*x as u128 * e.magic as u128) >> 45) as u32;
            *x = (q << bits) + (*x - q * e.freq) + e.cum;
        }
    }
    out.clear();
    out.reserve(4 * lanes + 2 * words.len());
    for x in state.iter() {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for w in words.iter().rev() {
        out.extend_from_slice(&w.to_le_bytes());
    }
}
