//! Strassen–Winograd must not touch the heap after warm-up: its workspace
//! is one per-thread buffer reused across calls. A counting global
//! allocator sees every allocation made while it runs.

use simdkern::gemm::{gemm, gemm_strassen, MatMut, MatRef};

mod common;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

/// Above the f64 crossover (1024) and odd, so that the recursion and the
/// peeling both run.
const N: usize = 1031;

fn strassen(alpha: f64, a: &[f64], b: &[f64], beta: f64, c: &mut [f64]) {
    let a = MatRef::row_major(a, N, N).unwrap();
    let b = MatRef::new(b, 0, N, N, 1, N as isize).unwrap(); // column-major
    gemm_strassen(alpha, a, b, beta, MatMut::row_major(c, N, N).unwrap()).unwrap();
}

#[test]
fn strassen_does_not_allocate_after_warm_up() {
    // One thread: GEMM then runs on the calling thread only, so the count
    // covers Strassen's workspace and that thread's packing buffers, not
    // the thread pool's job queues.
    simdkern::runtime::set_num_threads(1).unwrap();
    let a: Vec<f64> = (0..N * N)
        .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
        .collect();
    let b: Vec<f64> = (0..N * N)
        .map(|i| ((i * 104729) % 997) as f64 / 498.5 - 1.0)
        .collect();
    let mut c = vec![0.25; N * N];

    // Warm-up: both schedules (beta != 0 needs the larger workspace).
    strassen(1.0, &a, &b, 0.5, &mut c);
    strassen(1.0, &a, &b, 0.0, &mut c);

    let before = common::allocations();
    strassen(1.0, &a, &b, 0.0, &mut c);
    strassen(-2.0, &a, &b, 1.0, &mut c);
    strassen(0.5, &a, &b, 0.25, &mut c);
    assert_eq!(common::allocations() - before, 0);

    // The recursion really ran: below the crossover gemm_strassen is gemm
    // itself, bit for bit; above it the rounding differs somewhere.
    let mut classical = vec![0.0; N * N];
    let (ar, br) = (
        MatRef::row_major(&a, N, N).unwrap(),
        MatRef::new(&b, 0, N, N, 1, N as isize).unwrap(),
    );
    gemm(
        1.0,
        ar,
        br,
        0.0,
        MatMut::row_major(&mut classical, N, N).unwrap(),
    )
    .unwrap();
    strassen(1.0, &a, &b, 0.0, &mut c);
    assert!(
        c != classical,
        "{N} no longer recurses: raise N above the f64 crossover"
    );
}
