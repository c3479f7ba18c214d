//! Sparse rows of `simdkern bench`: SpMV, SpMM and SpGEMM through the safe
//! Rust API (`simdkern::sparse`) on the problems of the targets,
//! one thread like the other sections.
//!
//! - SpMV bytes are the nominal ones: values (8 B) and column indices
//!   (4 B) per entry, row pointers (8 B per row), x and y (8 B each per
//!   row); the banded row compares them with the measured memory read
//!   bandwidth (x is then read nearly in order, so the kernel streams).
//! - The 0.1%-density row times SpMM on a 4096 x 4096 CSR matrix against
//!   dense GEMM of the same shape (A stored dense) and prints the ratio.

use crate::bench::lcg;
use crate::limits::Limits;
use crate::timing::{fmt_time, Timer};
use simdkern::gemm::{gemm, MatMut, MatRef};
use simdkern::sparse::{spgemm, spmm, spmv, Csr};

/// The kernel names this section answers to in `--only`.
pub const NAMES: [&str; 3] = ["spmv", "spmm", "spgemm"];

/// `rows x cols` with `per_row` entries per row at columns from `col(i, j,
/// random)`, values in [-1, 1).
fn build(
    rows: usize,
    cols: usize,
    per_row: usize,
    col: impl Fn(usize, usize, u64) -> i64,
) -> Csr<f64> {
    let mut s = 1u64;
    let (mut indptr, mut indices, mut values) = (vec![0i64], Vec::new(), Vec::new());
    for i in 0..rows {
        for j in 0..per_row {
            s = lcg(s);
            let c = col(i, j, s >> 11);
            if (0..cols as i64).contains(&c) {
                indices.push(c as i32);
                values.push((s >> 40) as f64 / (1u64 << 23) as f64 - 1.0);
            }
        }
        indptr.push(indices.len() as i64);
    }
    Csr::new(rows, cols, &indptr, &indices, &values).expect("valid CSR")
}

fn random(n: usize, per_row: usize) -> Csr<f64> {
    build(n, n, per_row, |_, _, r| (r % n as u64) as i64)
}

fn spmv_row(timer: Timer, limits: &Limits, name: &str, a: &Csr<f64>) {
    let x: Vec<f64> = (0..a.cols()).map(|j| (j % 7) as f64 - 3.0).collect();
    let mut y = vec![0.0; a.rows()];
    let secs = timer.per_call(|| spmv(a, 1.0, &x, 0.0, &mut y).expect("spmv"));
    let bytes = 12 * a.nnz() + 8 * (a.rows() + 1) + 8 * a.cols() + 8 * a.rows();
    let gbs = bytes as f64 / secs / 1e9;
    println!(
        "| spmv f64 {name} | {}x{}, {} nnz | {} | {gbs:.1} GB/s, {:.0}% of memory read |",
        a.rows(),
        a.cols(),
        a.nnz(),
        fmt_time(secs),
        100.0 * gbs / limits.mem_read_gbs
    );
}

fn spmm_row(timer: Timer, a: &Csr<f64>, n: usize) -> f64 {
    let b: Vec<f64> = (0..a.cols() * n).map(|j| (j % 5) as f64 - 2.0).collect();
    let mut c = vec![0.0; a.rows() * n];
    let secs = timer.per_call(|| {
        spmm(
            a,
            1.0,
            MatRef::row_major(&b, a.cols(), n).unwrap(),
            0.0,
            MatMut::row_major(&mut c, a.rows(), n).unwrap(),
        )
        .expect("spmm")
    });
    println!(
        "| spmm f64 n={n} | {}x{}, {} nnz | {} | {:.2} GFLOP/s |",
        a.rows(),
        a.cols(),
        a.nnz(),
        fmt_time(secs),
        2.0 * (a.nnz() * n) as f64 / secs / 1e9
    );
    secs
}

fn dense_vs_sparse(timer: Timer) {
    let (m, k, n) = (4096, 4096, 64);
    let a = build(m, k, 4, |_, _, r| (r % k as u64) as i64);
    let mut dense = vec![0.0; m * k];
    simdkern::sparse::to_dense(&a, MatMut::row_major(&mut dense, m, k).unwrap()).unwrap();
    let sparse_secs = spmm_row(timer, &a, n);
    let b: Vec<f64> = (0..k * n).map(|j| (j % 5) as f64 - 2.0).collect();
    let mut c = vec![0.0; m * n];
    let dense_secs = timer.per_call(|| {
        gemm(
            1.0,
            MatRef::row_major(&dense, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            0.0,
            MatMut::row_major(&mut c, m, n).unwrap(),
        )
        .expect("gemm")
    });
    println!(
        "| dgemm, same A dense | {m}x{k}x{n} | {} | sparse {:.0}x faster |",
        fmt_time(dense_secs),
        dense_secs / sparse_secs
    );
}

/// Prints the sparse table (the kernels `wants` accepts).
pub fn tables(limits: &Limits, timer: Timer, quick: bool, wants: impl Fn(&str) -> bool) {
    if !NAMES.iter().any(|k| wants(k)) {
        return;
    }
    let before = simdkern::runtime::num_threads();
    simdkern::runtime::set_num_threads(1).expect("one thread is always valid");
    let n = if quick { 200_000 } else { 1_000_000 };
    println!();
    println!("Sparse CSR (one thread):");
    println!("| kernel | shape | time | rate |");
    println!("|---|---|---|---|");
    let a = random(n, 16);
    if wants("spmv") {
        spmv_row(timer, limits, "random", &a);
        let banded = build(n, n, 16, |i, j, _| i as i64 + j as i64 - 8);
        spmv_row(timer, limits, "banded", &banded);
    }
    if wants("spmm") {
        spmm_row(timer, &a, 32);
        dense_vs_sparse(timer);
    }
    drop(a);
    if wants("spgemm") {
        let s = random(n / 10, 10);
        let secs = timer.per_call(|| drop(spgemm(&s, &s).expect("spgemm")));
        println!(
            "| spgemm f64 A*A | {}x{}, {} nnz | {} | |",
            s.rows(),
            s.cols(),
            s.nnz(),
            fmt_time(secs)
        );
    }
    simdkern::runtime::set_num_threads(before).expect("the previous count was valid");
}
