//! Arbitrary bytes through `sk_rans_open`, every decoder and the fused
//! GEMV and GEMM: open must
//! return a status, never crash, read out of bounds or hang; a container
//! it accepts must decode (whole, tile by tile, dequantized, on every ISA
//! rung) to the same matrix or fail with `SK_ERR_CORRUPT_DATA` on every
//! rung alike, and a matrix that decodes must encode (to the same bytes on
//! every encoder path) and decode again to itself.
//!
//! Input layout: one mode byte, then the container. Mode bit 0 set:
//! every checksum is recomputed first ("resealed"), so that mutations get
//! past the CRC32C checks and reach the rANS decoders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use simdkern::codec::rans::format::{Layout, RansParams, FREQ_BYTES, HEADER_BYTES};
use simdkern::codec::rans::{crc32c, encode_bound, encode_s8, encode_s8_with, RansReader};
use simdkern::gemm::{MatMut, MatRef};
use simdkern::runtime::Isa;
use simdkern::ErrorKind;

/// The little-endian integer of `n` bytes at `o` (0 past the end).
fn le(c: &[u8], n: usize, o: usize) -> u64 {
    c.get(o..o + n)
        .map_or(0, |b| b.iter().rev().fold(0, |v, &x| v << 8 | x as u64))
}

/// Recomputes the tile and metadata checksums of a container whose header
/// describes a layout small enough to check here.
fn reseal(c: &mut [u8]) {
    if c.len() < HEADER_BYTES {
        return;
    }
    let (rows, cols) = (le(c, 8, 8), le(c, 8, 16));
    if rows > 4096 || cols > 4096 {
        return;
    }
    let layout = Layout {
        rows: rows as usize,
        cols: cols as usize,
        params: RansParams {
            tile_rows: le(c, 4, 24) as u32,
            tile_cols: le(c, 4, 28) as u32,
            prob_bits: le(c, 2, 32) as u32,
            lanes: le(c, 2, 34) as u32,
        },
        scales: le(c, 2, 6) & 1 == 1,
    };
    if layout.params.validate().is_err() {
        return;
    }
    let Ok(meta) = layout.meta_bytes() else { return };
    if c.len() < meta {
        return;
    }
    let tiles = layout.tile_count();
    let offsets = HEADER_BYTES + FREQ_BYTES;
    let crcs = offsets + 8 * (tiles + 1);
    for t in 0..tiles {
        let (a, b) = (le(c, 8, offsets + 8 * t), le(c, 8, offsets + 8 * t + 8));
        let (a, b) = (a.saturating_add(meta as u64), b.saturating_add(meta as u64));
        if a <= b && b <= c.len() as u64 {
            let crc = crc32c(&c[a as usize..b as usize]);
            c[crcs + 4 * t..crcs + 4 * t + 4].copy_from_slice(&crc.to_le_bytes());
        }
    }
    let crc = crc32c(&c[..meta - 4]);
    c[meta - 4..meta].copy_from_slice(&crc.to_le_bytes());
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let mut c = bytes.to_vec();
    if mode & 1 == 1 {
        reseal(&mut c);
    }
    let Ok(r) = RansReader::open(&c) else {
        return;
    };
    let (rows, cols) = r.shape();
    if rows * cols > 1 << 22 {
        return; // a valid header can describe a huge matrix of constant tiles
    }
    let mut first: Option<Result<Vec<i8>, String>> = None;
    for isa in [Isa::Scalar, Isa::Avx2, Isa::Avx512] {
        if !isa.is_supported() {
            continue;
        }
        let mut w = vec![0i8; rows * cols];
        let got = r
            .decode_s8_with(isa, MatMut::row_major(&mut w, rows, cols).unwrap())
            .map(|()| w)
            .map_err(|e| {
                assert_eq!(e.kind(), ErrorKind::CorruptData, "{e}");
                e.message().to_string()
            });
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(&got, f, "{} disagrees with the scalar decoder", isa.name()),
        }
    }
    // The fused GEMV and the batched GEMM decode the same tiles: they fail
    // exactly when decoding does, with the same kind of error.
    let x = vec![1f32; cols];
    let mut y = vec![0f32; 2 * rows];
    let gemv = r.gemv_f32(&x, &mut y[..rows]);
    let xs = vec![1f32; 2 * cols];
    let gemm = r.gemm_f32(
        MatRef::row_major(&xs, 2, cols).unwrap(),
        MatMut::row_major(&mut y, 2, rows).unwrap(),
    );
    for got in [gemv, gemm] {
        match (&first, got) {
            (Some(Ok(_)), g) => g.unwrap(),
            (_, Err(e)) => assert_eq!(e.kind(), ErrorKind::CorruptData, "{e}"),
            (_, Ok(())) => panic!("the fused GEMV accepted a tile the decoders reject"),
        }
    }
    let Some(Ok(w)) = first else { return };
    // Tile by tile gives the same weights.
    for t in 0..r.layout().tile_count() {
        let s = r.layout().tile(t);
        let mut tile = vec![0i8; s.len()];
        r.decode_tile(t, &mut tile).unwrap();
        for i in 0..s.rows {
            assert_eq!(&tile[i * s.cols..(i + 1) * s.cols], &w[(s.row + i) * cols + s.col..][..s.cols]);
        }
    }
    if let Some(scales) = r.scales() {
        let mut f = vec![0f32; rows * cols];
        r.qdecode_f32(MatMut::row_major(&mut f, rows, cols).unwrap()).unwrap();
        for (k, &v) in f.iter().enumerate() {
            assert_eq!(v, scales[k / cols.max(1)] * w[k] as f32);
        }
    }
    // What decodes re-encodes and decodes to itself.
    let p = r.layout().params;
    let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
    let n = encode_s8(MatRef::row_major(&w, rows, cols).unwrap(), &p, &mut dst).unwrap();
    // Every encoder path writes the same bytes.
    for isa in [Isa::Scalar, Isa::Avx2, Isa::Avx512] {
        if isa.is_supported() {
            let mut other = vec![0u8; dst.len()];
            let m = encode_s8_with(isa, MatRef::row_major(&w, rows, cols).unwrap(), &p, &mut other);
            assert_eq!(&other[..m.unwrap()], &dst[..n], "{} encoder differs", isa.name());
        }
    }
    let again = RansReader::open(&dst[..n]).unwrap();
    let mut w2 = vec![0i8; rows * cols];
    again.decode_s8(MatMut::row_major(&mut w2, rows, cols).unwrap()).unwrap();
    assert_eq!(w, w2);
});
