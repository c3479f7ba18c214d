//! GEMM must not touch the heap after warm-up, with one thread or several:
//! packing buffers are per thread and reused, and the pool hands out work
//! without allocating. A counting global allocator sees every allocation.

use simdkern::gemm::{gemm, MatMut, MatRef};

mod common;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

/// Products that take the unpacked path, the one-block path and the
/// threaded paths (row blocks, and column cuts of one row block).
fn products(a: &[f32], b: &[f32], c: &mut [f32]) {
    for (m, n, k) in [
        (40, 40, 40),
        (300, 200, 150),
        (700, 300, 500),
        (60, 900, 400),
    ] {
        let av = MatRef::row_major(&a[..m * k], m, k).unwrap();
        let bv = MatRef::new(&b[..k * n], 0, k, n, 1, k as isize).unwrap();
        gemm(
            1.0,
            av,
            bv,
            0.5,
            MatMut::row_major(&mut c[..m * n], m, n).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn gemm_does_not_allocate_after_warm_up() {
    let a: Vec<f32> = (0..700 * 500).map(|i| (i % 17) as f32 * 0.25).collect();
    let b: Vec<f32> = (0..900 * 500).map(|i| (i % 13) as f32 * 0.5).collect();
    let mut c = vec![1.0f32; 900 * 300];
    for threads in [1, 2] {
        simdkern::runtime::set_num_threads(threads).unwrap();
        // Warm-up: the pool starts and every thread sizes its buffers
        // (several calls, since which thread takes which block varies).
        for _ in 0..8 {
            products(&a, &b, &mut c);
        }
        let before = common::allocations();
        for _ in 0..10 {
            products(&a, &b, &mut c);
        }
        let after = common::allocations();
        assert_eq!(after - before, 0, "{threads} threads");
    }
}
