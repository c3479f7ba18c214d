//! Factorization rows of `simdkern bench`: thin QR, the thin SVD and the
//! randomized SVD through the safe Rust API (`simdkern::linalg`), on the
//! problems of the targets, one thread like the other sections.
//!
//! - Inputs: deterministic matrices with a known decaying spectrum plus
//!   small noise (`U0 diag(s) V0^T + noise`, U0 and V0 from the library's
//!   own QR of LCG data). The error column is `max |A - product| / max |A|`:
//!   for QR and the SVD a backward error (should be a small multiple of
//!   eps); for the rSVD, whose input has rank 2k, the size of what the
//!   rank-k approximation leaves out (about `s[k] / s[0]`), which shows
//!   that the approximation is the expected one, not that it is exact.
//! - Time: median of calibrated batches (timing.rs); these calls are long,
//!   so a batch is usually one call.

use crate::timing::{fmt_time, Timer};
use simdkern::gemm::{gemm, MatMut, MatRef};
use simdkern::linalg::{qr, rsvd, svd, LinalgReal, RsvdOptions};

/// The kernel names this section answers to in `--only`.
pub const NAMES: [&str; 3] = ["qr", "svd", "rsvd"];

/// Deterministic values in [-1, 1), row-major `rows x cols`.
fn lcg_mat<T: LinalgReal>(rows: usize, cols: usize, seed: u64) -> Vec<T> {
    crate::bench_gemm::random_mat::<T>(rows * cols, seed).to_vec()
}

/// An orthonormal `rows x cols` factor (row-major) from the library's QR.
fn orthonormal<T: LinalgReal>(rows: usize, cols: usize, seed: u64) -> Vec<T> {
    let a = lcg_mat::<T>(rows, cols, seed);
    let mut q = vec![T::ZERO; rows * cols];
    let mut r = vec![T::ZERO; cols * cols];
    qr(
        MatRef::row_major(&a, rows, cols).unwrap(),
        MatMut::row_major(&mut q, rows, cols).unwrap(),
        MatMut::row_major(&mut r, cols, cols).unwrap(),
    )
    .expect("qr of finite data");
    q
}

/// `U0 diag(s) V0^T + noise * lcg` with `s_i = 10^(-2 i / rank)`, `rank`
/// terms, row-major `m x n`.
fn low_rank_plus_noise<T: LinalgReal>(m: usize, n: usize, rank: usize, noise: f64) -> Vec<T> {
    let mut u = orthonormal::<T>(m, rank, 1);
    let v = orthonormal::<T>(n, rank, 2);
    for i in 0..m {
        for j in 0..rank {
            u[i * rank + j] *= T::from_f64(10f64.powf(-2.0 * j as f64 / rank as f64));
        }
    }
    let mut a = lcg_mat::<T>(m, n, 3);
    for x in &mut a {
        *x *= T::from_f64(noise);
    }
    gemm(
        T::ONE,
        MatRef::row_major(&u, m, rank).unwrap(),
        MatRef::row_major(&v, n, rank).unwrap().t(),
        T::ONE,
        MatMut::row_major(&mut a, m, n).unwrap(),
    )
    .unwrap();
    a
}

fn max_abs<T: LinalgReal>(x: &[T]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.to_f64().abs()))
}

/// `max |A - U diag(s) V^T| / max |A|`.
fn reconstruction<T: LinalgReal>(a: &[T], u: &[T], s: &[T], vt: &[T], m: usize, n: usize) -> f64 {
    let r = s.len();
    let mut us = u.to_vec();
    for i in 0..m {
        for j in 0..r {
            us[i * r + j] *= s[j];
        }
    }
    let mut diff = a.to_vec();
    gemm(
        -T::ONE,
        MatRef::row_major(&us, m, r).unwrap(),
        MatRef::row_major(vt, r, n).unwrap(),
        T::ONE,
        MatMut::row_major(&mut diff, m, n).unwrap(),
    )
    .unwrap();
    max_abs(&diff) / max_abs(a)
}

fn svd_row<T: LinalgReal>(timer: Timer, m: usize, n: usize) {
    let a = low_rank_plus_noise::<T>(m, n, m.min(n), 1e-3);
    let r = m.min(n);
    let (mut u, mut s, mut vt) = (vec![T::ZERO; m * r], vec![T::ZERO; r], vec![T::ZERO; r * n]);
    let mut call = || {
        svd(
            MatRef::row_major(&a, m, n).unwrap(),
            MatMut::row_major(&mut u, m, r).unwrap(),
            &mut s,
            MatMut::row_major(&mut vt, r, n).unwrap(),
        )
        .expect("svd")
    };
    let secs = timer.per_call(&mut call);
    let err = reconstruction(&a, &u, &s, &vt, m, n);
    println!(
        "| svd {} | {m}x{n} | {} | {err:.1e} |",
        std::any::type_name::<T>(),
        fmt_time(secs)
    );
}

fn rsvd_row<T: LinalgReal>(timer: Timer, m: usize, n: usize, k: usize) {
    let a = low_rank_plus_noise::<T>(m, n, 2 * k, 1e-4);
    let (mut u, mut s, mut vt) = (vec![T::ZERO; m * k], vec![T::ZERO; k], vec![T::ZERO; k * n]);
    let opts = RsvdOptions::default();
    let mut call = || {
        rsvd(
            MatRef::row_major(&a, m, n).unwrap(),
            k,
            &opts,
            MatMut::row_major(&mut u, m, k).unwrap(),
            &mut s,
            MatMut::row_major(&mut vt, k, n).unwrap(),
        )
        .expect("rsvd")
    };
    let secs = timer.per_call(&mut call);
    let err = reconstruction(&a, &u, &s, &vt, m, n);
    println!(
        "| rsvd {} k={k} | {m}x{n} | {} | {err:.1e} |",
        std::any::type_name::<T>(),
        fmt_time(secs)
    );
}

fn qr_row<T: LinalgReal>(timer: Timer, m: usize, n: usize) {
    let a = lcg_mat::<T>(m, n, 9);
    let (mut q, mut r) = (vec![T::ZERO; m * n], vec![T::ZERO; n * n]);
    let mut call = || {
        qr(
            MatRef::row_major(&a, m, n).unwrap(),
            MatMut::row_major(&mut q, m, n).unwrap(),
            MatMut::row_major(&mut r, n, n).unwrap(),
        )
        .expect("qr")
    };
    let secs = timer.per_call(&mut call);
    let mut diff = a.clone();
    gemm(
        -T::ONE,
        MatRef::row_major(&q, m, n).unwrap(),
        MatRef::row_major(&r, n, n).unwrap(),
        T::ONE,
        MatMut::row_major(&mut diff, m, n).unwrap(),
    )
    .unwrap();
    println!(
        "| qr {} | {m}x{n} | {} | {:.1e} |",
        std::any::type_name::<T>(),
        fmt_time(secs),
        max_abs(&diff) / max_abs(&a)
    );
}

/// Prints the factorization table (the kernels `wants` accepts).
pub fn tables(timer: Timer, quick: bool, wants: impl Fn(&str) -> bool) {
    if !NAMES.iter().any(|k| wants(k)) {
        return;
    }
    let before = simdkern::runtime::num_threads();
    simdkern::runtime::set_num_threads(1).expect("one thread is always valid");
    println!();
    println!("Factorizations (one thread; error: max|A - product| / max|A|):");
    println!("| kernel | shape | time | error |");
    println!("|---|---|---|---|");
    if wants("qr") {
        qr_row::<f64>(timer, 1024, 256);
        qr_row::<f32>(timer, 1024, 256);
    }
    if wants("svd") {
        svd_row::<f64>(timer, 512, 512);
        svd_row::<f32>(timer, 512, 512);
        if !quick {
            svd_row::<f64>(timer, 1024, 256);
        }
    }
    if wants("rsvd") {
        rsvd_row::<f64>(timer, 512, 512, 32);
        rsvd_row::<f64>(timer, 2048, 2048, 64);
        rsvd_row::<f32>(timer, 2048, 2048, 64);
    }
    simdkern::runtime::set_num_threads(before).expect("the previous count was valid");
}
