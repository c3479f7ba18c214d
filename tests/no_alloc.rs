//! Level-1 kernels must not touch the heap after warm-up: a counting global
//! allocator sees every allocation made while they run.

mod common;

#[global_allocator]
static GLOBAL: common::Counting = common::Counting;

fn run_all(x: &[f32], y: &mut [f32], xd: &[f64], u: &[u8], s: &[i8]) {
    let _ = simdkern::dot(x, &y[..]).unwrap();
    let _ = simdkern::dot(xd, xd).unwrap();
    simdkern::axpy(0.5, x, &mut y[..]).unwrap();
    simdkern::scal(0.5f32, &mut y[..]);
    let _ = simdkern::nrm2(x) + simdkern::asum(x);
    let _ = simdkern::iamax(xd);
    let _ = simdkern::dot_u8s8(u, s).unwrap();
    let v = simdkern::Strided::new(x, x.len() / 3, -3).unwrap();
    let _ = simdkern::nrm2(v);
}

#[test]
fn level1_kernels_do_not_allocate_after_warm_up() {
    let x = vec![1.5f32; 10_000];
    let mut y = vec![0.25f32; 10_000];
    let xd = vec![2.0f64; 10_000];
    let u = vec![7u8; 100_000];
    let s = vec![-3i8; 100_000];
    run_all(&x, &mut y, &xd, &u, &s); // warm-up: CPU detection, lazy statics
    let before = common::allocations();
    for _ in 0..10 {
        run_all(&x, &mut y, &xd, &u, &s);
    }
    assert_eq!(common::allocations() - before, 0);
}
