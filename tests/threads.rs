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

/// SpMV, SpMM and SpGEMM results (as bits) on matrices large enough for
/// the parallel paths, rows of uneven length so chunks differ in size.
fn sparse_products() -> Vec<u64> {
    use simdkern::gemm::{MatMut, MatRef};
    use simdkern::sparse::{spgemm, spmm, spmv, Csr};
    let (rows, cols) = (6000, 5000);
    let (mut indptr, mut indices, mut values) = (vec![0i64], Vec::new(), Vec::new());
    for i in 0..rows {
        let len = [3, 40, 0, 17, 120][i % 5];
        for j in 0..len {
            indices.push(((i * 7919 + j * 104_729) % cols) as i32);
            values.push(((i * 31 + j * 17) % 1000) as f64 / 500.0 - 1.0);
        }
        indptr.push(indices.len() as i64);
    }
    let a = Csr::new(rows, cols, &indptr, &indices, &values).unwrap();
    let x: Vec<f64> = (0..cols)
        .map(|j| ((j * 13) % 101) as f64 / 50.0 - 1.0)
        .collect();
    let mut y = vec![0.0; rows];
    spmv(&a, 1.5, &x, 0.0, &mut y).unwrap();
    let n = 19;
    let b: Vec<f64> = (0..cols * n)
        .map(|j| ((j * 7) % 97) as f64 / 48.0 - 1.0)
        .collect();
    let mut c = vec![0.0; rows * n];
    spmm(
        &a,
        0.5,
        MatRef::row_major(&b, cols, n).unwrap(),
        0.0,
        MatMut::row_major(&mut c, rows, n).unwrap(),
    )
    .unwrap();
    let t = simdkern::sparse::transpose(&a).unwrap();
    let p = spgemm(&a, &t).unwrap();
    let mut out: Vec<u64> = y
        .iter()
        .chain(&c)
        .chain(p.values())
        .map(|v| v.to_bits())
        .collect();
    out.extend(p.indices().iter().map(|&i| i as u64));
    out
}

#[test]
fn sparse_products_do_not_depend_on_thread_count() {
    set_num_threads(1).unwrap();
    let one = sparse_products();
    set_num_threads(2).unwrap();
    assert!(
        sparse_products() == one,
        "sparse products differ between 1 and 2 threads"
    );
    set_num_threads(3).unwrap();
    assert!(
        sparse_products() == one,
        "sparse products differ between 1 and 3 threads"
    );
    set_num_threads(0).unwrap();
}
