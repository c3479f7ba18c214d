//! Decoding a rANS container, the fused GEMV and the batched GEMM (rows of
//! X contiguous) must not touch the heap
//! after warm-up, with one thread or several: tile buffers are per thread
//! and reused. A counting global allocator sees every allocation.

use simdkern::codec::rans::{encode_bound, encode_s8, RansParams, RansReader};
use simdkern::gemm::{MatMut, MatRef};

mod common;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

#[test]
fn decode_and_gemv_do_not_allocate_after_warm_up() {
    let (rows, cols) = (300, 700);
    let w: Vec<i8> = (0..rows * cols)
        .map(|i| ((i * 7919 % 61) as i32 - 30) as i8)
        .collect();
    // Small tiles: many of them, odd counts per band, edge tiles.
    let p = RansParams {
        tile_rows: 64,
        tile_cols: 96,
        ..RansParams::default()
    };
    let mut dst = vec![0u8; encode_bound(rows, cols, &p).unwrap()];
    let n = encode_s8(MatRef::row_major(&w, rows, cols).unwrap(), &p, &mut dst).unwrap();
    let r = RansReader::open(&dst[..n]).unwrap();
    let mut out = vec![0i8; rows * cols];
    let x: Vec<f32> = (0..cols).map(|j| (j % 5) as f32 - 2.0).collect();
    let mut y = vec![0f32; rows];
    let xs: Vec<f32> = (0..3 * cols).map(|j| (j % 7) as f32 - 3.0).collect();
    let mut ys = vec![0f32; 3 * rows];
    let mut calls = || {
        r.decode_s8(MatMut::row_major(&mut out, rows, cols).unwrap())
            .unwrap();
        r.gemv_f32(&x, &mut y).unwrap();
        r.gemm_f32(
            MatRef::row_major(&xs, 3, cols).unwrap(),
            MatMut::row_major(&mut ys, 3, rows).unwrap(),
        )
        .unwrap();
    };
    for threads in [1, 2] {
        simdkern::runtime::set_num_threads(threads).unwrap();
        // Warm-up: the pool starts and every thread sizes its buffers.
        for _ in 0..8 {
            calls();
        }
        let before = common::allocations();
        for _ in 0..10 {
            calls();
        }
        let after = common::allocations();
        assert_eq!(after - before, 0, "{threads} threads");
    }
    assert_eq!(out, w);
}
