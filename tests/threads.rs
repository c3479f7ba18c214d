//! The pool size is a tuning knob, never an input: results are identical
//! bit for bit whatever `set_num_threads` says, and bad sizes are refused.

use simdkern::runtime::{num_threads, set_num_threads};
use simdkern::ErrorKind;

fn results() -> Vec<u64> {
    let x: Vec<f64> = (0..100_003)
        .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 - 0.5)
        .collect();
    let y: Vec<f64> = (0..100_003)
        .map(|i| ((i * 104_729) % 997) as f64 * 1e-2)
        .collect();
    let u: Vec<u8> = (0..100_003).map(|i| (i % 251) as u8).collect();
    let s: Vec<i8> = (0..100_003).map(|i| ((i % 13) as i8) - 6).collect();
    vec![
        simdkern::dot(&x[..], &y[..]).unwrap().to_bits(),
        simdkern::nrm2(&x[..]).to_bits(),
        simdkern::asum(&y[..]).to_bits(),
        simdkern::dot_u8s8(&u, &s).unwrap() as u64,
    ]
}

#[test]
fn results_do_not_depend_on_thread_count() {
    set_num_threads(1).unwrap();
    assert_eq!(num_threads(), 1);
    let one = results();
    set_num_threads(2).unwrap();
    assert_eq!(num_threads(), 2);
    assert_eq!(results(), one);
    set_num_threads(0).unwrap();
    assert!(num_threads() >= 1);
    assert_eq!(results(), one);
    let err = set_num_threads(100_000).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

fn factorizations() -> Vec<u64> {
    use simdkern::gemm::{MatMut, MatRef};
    let (m, n, k) = (300, 200, 20);
    let a: Vec<f64> = (0..m * n)
        .map(|i| ((i * 7919) % 1009) as f64 / 1009.0 - 0.5)
        .collect();
    let a = MatRef::row_major(&a, m, n).unwrap();
    let (mut u, mut s, mut vt) = (vec![0.0; m * n], vec![0.0; n], vec![0.0; n * n]);
    simdkern::linalg::svd(
        a,
        MatMut::row_major(&mut u, m, n).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, n, n).unwrap(),
    )
    .unwrap();
    let mut out: Vec<u64> = u.iter().chain(&s).chain(&vt).map(|x| x.to_bits()).collect();
    let opts = simdkern::linalg::RsvdOptions::default();
    let (mut u, mut s, mut vt) = (vec![0.0; m * k], vec![0.0; k], vec![0.0; k * n]);
    simdkern::linalg::rsvd(
        a,
        k,
        &opts,
        MatMut::row_major(&mut u, m, k).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, k, n).unwrap(),
    )
    .unwrap();
    out.extend(u.iter().chain(&s).chain(&vt).map(|x| x.to_bits()));
    out
}

#[test]
fn factorizations_do_not_depend_on_thread_count() {
    set_num_threads(1).unwrap();
    let one = factorizations();
    set_num_threads(2).unwrap();
    assert!(
        factorizations() == one,
        "svd / rsvd differ between 1 and 2 threads"
    );
    set_num_threads(0).unwrap();
}
