//! AVX-512 kernels of the rANS codec: the tile decoder, the encoder, the
//! dot products of the fused GEMV, and the folding CRC32C.

pub mod crc32c;
mod decode;
mod dot;
mod encode;

pub use decode::{decode_tile, decode_tiles, TileDst};
pub use dot::{dot_4rows_s8_f32, dot_4x_s8_f32, dot_s8_f32};
pub use encode::{encode_tile, EncVectors};
