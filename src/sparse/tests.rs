//! Sparse family tests: validation and canonical form, and every kernel on
//! every ISA path this CPU has against a dense reference accumulated in f64.

use super::kernels::SparseReal;
use super::product::{spmm_on, spmv_on};
use super::*;
use crate::error::ErrorKind;
use crate::gemm::{MatMut, MatRef};
use crate::runtime::Isa;
use crate::testutil::{for_each_isa, Rng};

/// A random `rows x cols` CSR matrix (canonical) whose row lengths cycle
/// through `lens` (capped at `cols`), values in [-1, 1).
fn random_csr<T: SparseReal>(rows: usize, cols: usize, lens: &[usize], seed: u64) -> Csr<T> {
    let mut rng = Rng::new(seed);
    let (mut indptr, mut indices, mut values) = (vec![0i64], Vec::new(), Vec::new());
    for i in 0..rows {
        let len = lens[i % lens.len()].min(cols);
        let mut cols_in_row: Vec<i32> = Vec::new();
        while cols_in_row.len() < len {
            let c = rng.below(cols) as i32;
            if !cols_in_row.contains(&c) {
                cols_in_row.push(c);
            }
        }
        cols_in_row.sort_unstable();
        for c in cols_in_row {
            indices.push(c);
            values.push(T::from_f64(rng.signed_unit()));
        }
        indptr.push(indices.len() as i64);
    }
    Csr::new(rows, cols, &indptr, &indices, &values).unwrap()
}

/// A's entries as a dense row-major f64 matrix.
fn dense_of<T: SparseReal>(a: &Csr<T>) -> Vec<f64> {
    let mut d = vec![0.0; a.rows() * a.cols()];
    for i in 0..a.rows() {
        let (cols, vals) = a.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            d[i * a.cols() + c as usize] += v.to_f64();
        }
    }
    d
}

/// Tolerance of a sum of `len` products whose magnitudes add to `mag`.
fn tol<T: SparseReal>(len: usize, mag: f64) -> f64 {
    4.0 * (len as f64 + 2.0) * T::EPSILON.to_f64() * mag + 1e-300
}

#[test]
fn validation_names_the_first_bad_position() {
    let ok = |p: &[i64], i: &[i32], v: &[f64]| Csr::new(2, 3, p, i, v);
    let kind = |r: crate::error::Result<Csr<f64>>| r.unwrap_err();
    let e = kind(ok(&[1, 1, 2], &[0, 1], &[1.0, 2.0]));
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("indptr[0]"), "{}", e.message());
    let e = kind(ok(&[0, 2, 1], &[0, 1], &[1.0, 2.0]));
    assert!(e.message().contains("indptr[2]"), "{}", e.message());
    let e = kind(ok(&[0, 1, 3], &[0, 1], &[1.0, 2.0]));
    assert!(e.message().contains("indptr[2] = 3"), "{}", e.message());
    let e = kind(ok(&[0, 1, 1], &[0, 1], &[1.0, 2.0]));
    assert!(e.message().contains("differs from nnz"), "{}", e.message());
    let e = kind(ok(&[0, 1, 2], &[0, 3], &[1.0, 2.0]));
    assert!(
        e.message().contains("indices[1] = 3 (row 1)"),
        "{}",
        e.message()
    );
    let e = kind(ok(&[0, 1, 2], &[-1, 0], &[1.0, 2.0]));
    assert!(
        e.message().contains("indices[0] = -1 (row 0)"),
        "{}",
        e.message()
    );
    let e = kind(ok(&[0, 2], &[0, 1], &[1.0, 2.0]));
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let e = kind(ok(&[0, 1, 2], &[0, 1], &[1.0]));
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let e = kind(Csr::new(2, 3, &[0, -1, 0], &[], &[]));
    assert!(e.message().contains("indptr[1] = -1"), "{}", e.message());
    // Valid corner cases.
    assert_eq!(Csr::<f64>::new(0, 0, &[0], &[], &[]).unwrap().nnz(), 0);
    assert_eq!(Csr::<f64>::new(0, 7, &[0], &[], &[]).unwrap().cols(), 7);
    assert_eq!(
        Csr::<f64>::new(3, 0, &[0, 0, 0, 0], &[], &[])
            .unwrap()
            .rows(),
        3
    );
}

#[test]
fn unsorted_rows_are_sorted_and_duplicates_summed_in_input_order() {
    // Row 0: columns 2, 0, 2, 1; row 1 empty; row 2: 1, 1.
    let indptr = [0i64, 4, 4, 6];
    let indices = [2, 0, 2, 1, 1, 1];
    let values = [1.0, 2.0, 3.0, 4.0, 1e16, 1.0];
    let a = Csr::<f64>::new(3, 3, &indptr, &indices, &values).unwrap();
    assert_eq!(a.indptr(), &[0, 3, 3, 4]);
    assert_eq!(a.indices(), &[0, 1, 2, 1]);
    assert_eq!(a.values(), &[2.0, 4.0, 4.0, 1e16 + 1.0]);
    let (mut p, mut i, mut v) = (vec![0i64; 4], vec![0i32; 4], vec![0.0; 4]);
    a.export(&mut p, &mut i, &mut v).unwrap();
    assert_eq!((p, i), (vec![0, 3, 3, 4], vec![0, 1, 2, 1]));
    assert_eq!(v, a.values());
    let mut short = vec![0i64; 3];
    let e = a
        .export(&mut short, &mut [0; 4], &mut [0.0; 4])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    // A random shuffled input with duplicates equals its dense sum.
    let mut rng = Rng::new(5);
    let (rows, cols) = (40, 30);
    let mut dense = vec![0.0; rows * cols];
    let (mut indptr, mut indices, mut values) = (vec![0i64], vec![], vec![]);
    for i in 0..rows {
        for _ in 0..rng.below(20) {
            let c = rng.below(cols);
            let v = rng.signed_unit();
            dense[i * cols + c] += v;
            indices.push(c as i32);
            values.push(v);
        }
        indptr.push(indices.len() as i64);
    }
    let a = Csr::new(rows, cols, &indptr, &indices, &values).unwrap();
    for (x, y) in dense_of(&a).iter().zip(&dense) {
        assert!((x - y).abs() <= 1e-15, "{x} vs {y}");
    }
    for i in 0..rows {
        assert!(a.row(i).0.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn chunks_cover_the_rows_and_balance_the_work() {
    let a = random_csr::<f64>(5000, 4000, &[0, 1, 30, 7, 200], 9);
    let ch = a.chunks();
    assert_eq!((ch[0], *ch.last().unwrap()), (0, 5000));
    assert!(ch.windows(2).all(|w| w[0] < w[1]));
    assert!(ch.len() > 3);
    let empty = Csr::<f64>::zeros(0, 4).unwrap();
    assert_eq!(empty.chunks(), &[0]);
}

fn check_spmv<T: SparseReal>(isa: Isa, a: &Csr<T>, seed: u64) {
    let k = T::sparse_kernels(isa);
    let mut rng = Rng::new(seed);
    let x: Vec<T> = (0..a.cols())
        .map(|_| T::from_f64(rng.signed_unit()))
        .collect();
    let y0: Vec<T> = (0..a.rows())
        .map(|_| T::from_f64(rng.signed_unit()))
        .collect();
    let d = dense_of(a);
    for &(alpha, beta) in &[(1.0, 0.0), (-0.5, 2.0), (0.0, 0.5), (0.0, 0.0), (1.5, 1.0)] {
        let (alpha_t, beta_t) = (T::from_f64(alpha), T::from_f64(beta));
        let mut y = y0.clone();
        if beta == 0.0 {
            y.iter_mut().for_each(|v| *v = T::from_f64(f64::NAN));
        }
        let mut xs = x.clone();
        if alpha == 0.0 && !xs.is_empty() {
            xs[0] = T::from_f64(f64::NAN);
        }
        spmv_on(k, a, alpha_t, &xs, beta_t, &mut y).unwrap();
        for i in 0..a.rows() {
            let row = &d[i * a.cols()..(i + 1) * a.cols()];
            let ax: f64 = row.iter().zip(&x).map(|(p, q)| p * q.to_f64()).sum();
            let mag: f64 = row
                .iter()
                .zip(&x)
                .map(|(p, q)| (p * q.to_f64()).abs())
                .sum();
            let b = if beta == 0.0 {
                0.0
            } else {
                beta * y0[i].to_f64()
            };
            let want = alpha * ax + b;
            let got = y[i].to_f64();
            let bound = tol::<T>(a.row(i).0.len(), alpha.abs() * mag + b.abs());
            assert!(
                (got - want).abs() <= bound,
                "{} row {i}: {got} vs {want} (alpha {alpha}, beta {beta})",
                isa.name()
            );
        }
    }
}

#[test]
fn spmv_matches_dense_reference_on_every_isa() {
    for_each_isa("spmv", |isa| {
        // Row lengths around the vector widths, empty rows, long rows, and
        // chunks of both kinds (short-row and long-row).
        let lens = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 100];
        for (rows, cols) in [(1, 1), (57, 40), (300, 257), (3000, 700)] {
            check_spmv(isa, &random_csr::<f64>(rows, cols, &lens, 1), 2);
            check_spmv(isa, &random_csr::<f32>(rows, cols, &lens, 3), 4);
        }
        check_spmv(isa, &random_csr::<f64>(20_000, 5000, &[1, 2, 0], 5), 6);
        check_spmv(isa, &random_csr::<f32>(500, 3, &[3], 7), 8);
        check_spmv(isa, &Csr::<f64>::zeros(0, 0).unwrap(), 9);
        check_spmv(isa, &Csr::<f32>::zeros(5, 0).unwrap(), 9);
        check_spmv(isa, &Csr::<f32>::zeros(0, 5).unwrap(), 9);
        // A single dense row.
        check_spmv(isa, &random_csr::<f64>(1, 1000, &[1000], 10), 11);
        // The vector kernel on every row length (not only long blocks).
        let a = random_csr::<f64>(200, 100, &lens, 12);
        let x: Vec<f64> = (0..100).map(|j| j as f64 * 0.25 - 3.0).collect();
        let (mut y, mut r) = (vec![0.0; 200], vec![0.0; 200]);
        let k = f64::sparse_kernels(isa);
        unsafe {
            (k.spmv)(a.indptr(), a.indices(), a.values(), &x, 1.0, 0.0, &mut y);
            reference::spmv_rows(a.indptr(), a.indices(), a.values(), &x, 1.0, 0.0, &mut r);
        }
        for (i, (p, q)) in y.iter().zip(&r).enumerate() {
            // Exact small integers times quarters: both sums are exact.
            let _ = i;
            assert!((p - q).abs() <= 1e-12 * (1.0 + q.abs()), "{p} vs {q}");
        }
    });
}

fn check_spmm<T: SparseReal>(isa: Isa, a: &Csr<T>, n: usize, layouts: (bool, bool), seed: u64) {
    let k = T::sparse_kernels(isa);
    let (b_rows, c_rows) = layouts;
    let mut rng = Rng::new(seed);
    let (p, q) = (a.cols(), a.rows());
    let b: Vec<T> = (0..p * n).map(|_| T::from_f64(rng.signed_unit())).collect();
    let c0: Vec<T> = (0..q * n).map(|_| T::from_f64(rng.signed_unit())).collect();
    // B element (r, j) at r * rsb + j * csb.
    let (rsb, csb) = if b_rows {
        (n.max(1) as isize, 1)
    } else {
        (1, p.max(1) as isize)
    };
    let (rsc, csc) = if c_rows {
        (n.max(1) as isize, 1)
    } else {
        (1, q.max(1) as isize)
    };
    let bv = MatRef::new(&b, 0, p, n, rsb, csb).unwrap();
    let d = dense_of(a);
    for &(alpha, beta) in &[(1.0, 0.0), (0.75, -1.0), (0.0, 2.0)] {
        let mut c = c0.clone();
        if beta == 0.0 {
            c.iter_mut().for_each(|v| *v = T::from_f64(f64::NAN));
        }
        let cv = MatMut::new(&mut c, 0, q, n, rsc, csc).unwrap();
        spmm_on(k, a, T::from_f64(alpha), bv, T::from_f64(beta), cv).unwrap();
        for i in 0..q {
            for j in 0..n {
                let (mut s, mut mag) = (0.0, 0.0);
                for r in 0..p {
                    let t = d[i * p + r] * bv.at(r, j).to_f64();
                    s += t;
                    mag += t.abs();
                }
                let at = (i as isize * rsc + j as isize * csc) as usize;
                let old = if beta == 0.0 {
                    0.0
                } else {
                    beta * c0[at].to_f64()
                };
                let want = alpha * s + old;
                let got = c[at].to_f64();
                let bound = tol::<T>(a.row(i).0.len(), alpha.abs() * mag + old.abs());
                assert!(
                    (got - want).abs() <= bound,
                    "{} ({i}, {j}) n {n} {layouts:?}: {got} vs {want}",
                    isa.name()
                );
            }
        }
    }
}

#[test]
fn spmm_with_b_beyond_the_caches_matches_the_reference() {
    // B of 70,000 x 16 f64 (8.5 MiB, beyond L2, where the kernel's B-row
    // prefetch matters), long and empty rows; against an f64 sum over
    // A's entries on every ISA.
    let (q, p, n) = (150, 70_000, 16);
    let a = random_csr::<f64>(q, p, &[0, 3, 17, 60], 31);
    let mut rng = Rng::new(32);
    let b: Vec<f64> = (0..p * n).map(|_| rng.signed_unit()).collect();
    for_each_isa("spmm far", |isa| {
        let k = f64::sparse_kernels(isa);
        let mut c = vec![f64::NAN; q * n];
        let bv = MatRef::row_major(&b, p, n).unwrap();
        spmm_on(
            k,
            &a,
            1.5,
            bv,
            0.0,
            MatMut::row_major(&mut c, q, n).unwrap(),
        )
        .unwrap();
        for i in 0..q {
            let (cols, vals) = a.row(i);
            for j in 0..n {
                let terms = cols
                    .iter()
                    .zip(vals)
                    .map(|(&r, &v)| v * b[r as usize * n + j]);
                let (s, mag) = terms.fold((0.0, 0.0), |(s, m), t| (s + t, m + t.abs()));
                let bound = tol::<f64>(cols.len(), 1.5 * mag);
                let got = c[i * n + j];
                assert!((got - 1.5 * s).abs() <= bound, "{} ({i}, {j})", isa.name());
            }
        }
    });
}

#[test]
fn spmm_matches_dense_reference_on_every_isa() {
    for_each_isa("spmm", |isa| {
        let lens = [0, 1, 5, 16, 40];
        for n in [1, 3, 8, 16, 17, 32, 33, 64, 70] {
            for layouts in [(true, true), (true, false), (false, true)] {
                check_spmm(
                    isa,
                    &random_csr::<f64>(37, 29, &lens, n as u64),
                    n,
                    layouts,
                    1,
                );
                check_spmm(
                    isa,
                    &random_csr::<f32>(37, 29, &lens, n as u64),
                    n,
                    layouts,
                    2,
                );
            }
        }
        check_spmm(
            isa,
            &random_csr::<f64>(2000, 300, &[3, 20], 3),
            32,
            (true, true),
            4,
        );
        check_spmm(isa, &Csr::<f64>::zeros(0, 4).unwrap(), 5, (true, true), 5);
        check_spmm(isa, &Csr::<f64>::zeros(4, 0).unwrap(), 5, (true, true), 5);
        check_spmm(isa, &random_csr::<f32>(6, 6, &[2], 6), 0, (true, true), 6);
    });
}

#[test]
fn shape_mismatches_are_reported() {
    let a = random_csr::<f64>(4, 3, &[2], 1);
    let mut y = vec![0.0; 4];
    let e = spmv(&a, 1.0, &[0.0; 4], 0.0, &mut y).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let e = spmv(&a, 1.0, &[0.0; 3], 0.0, &mut y[..3]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let b = vec![0.0; 8];
    let mut c = vec![0.0; 8];
    let e = spmm(
        &a,
        1.0,
        MatRef::row_major(&b, 4, 2).unwrap(),
        0.0,
        MatMut::row_major(&mut c, 4, 2).unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let e = spgemm(&a, &a).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
    let mut d = vec![0.0; 9];
    let e = to_dense(&a, MatMut::row_major(&mut d, 3, 3).unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
}

fn check_spgemm<T: SparseReal>(a: &Csr<T>, b: &Csr<T>) {
    let c = spgemm(a, b).unwrap();
    // The two-phase fallback (taken when the one-pass bound cannot be
    // reserved) gives the same arrays.
    let c2 = super::spgemm::two_pass(a, b).unwrap();
    assert_eq!(c.indptr(), c2.indptr());
    assert_eq!(c.indices(), c2.indices());
    assert!(c.values() == c2.values(), "values differ");
    assert_eq!((c.rows(), c.cols()), (a.rows(), b.cols()));
    let (da, db, dc) = (dense_of(a), dense_of(b), dense_of(&c));
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    for i in 0..m {
        let (cols, _) = c.row(i);
        assert!(
            cols.windows(2).all(|w| w[0] < w[1]),
            "row {i} not canonical"
        );
        for j in 0..n {
            let (mut s, mut mag, mut touched) = (0.0, 0.0, false);
            for r in 0..k {
                let t = da[i * k + r] * db[r * n + j];
                touched |= a.row(i).0.contains(&(r as u32)) && b.row(r).0.contains(&(j as u32));
                s += t;
                mag += t.abs();
            }
            let got = dc[i * n + j];
            assert!(
                (got - s).abs() <= tol::<T>(k, mag),
                "({i}, {j}): {got} vs {s}"
            );
            // Structure: stored exactly where some product term exists.
            assert_eq!(cols.contains(&(j as u32)), touched, "({i}, {j}) structure");
        }
    }
}

#[test]
fn spgemm_matches_dense_reference() {
    // Row flop counts below and above the hash/dense switch, empty rows
    // and columns, rectangular shapes.
    let a = random_csr::<f64>(60, 50, &[0, 1, 3, 8, 20, 50], 1);
    let b = random_csr::<f64>(50, 70, &[0, 2, 9, 30], 2);
    check_spgemm(&a, &b);
    let a = random_csr::<f32>(33, 200, &[4, 40], 3);
    let b = random_csr::<f32>(200, 10, &[1, 5], 4);
    check_spgemm(&a, &b);
    let sq = random_csr::<f64>(120, 120, &[10], 5);
    check_spgemm(&sq, &sq);
    check_spgemm(
        &Csr::<f64>::zeros(3, 0).unwrap(),
        &Csr::zeros(0, 4).unwrap(),
    );
    check_spgemm(
        &Csr::<f64>::zeros(0, 3).unwrap(),
        &random_csr(3, 5, &[2], 6),
    );
    let one = Csr::<f64>::new(1, 1, &[0, 1], &[0], &[3.0]).unwrap();
    assert_eq!(spgemm(&one, &one).unwrap().values(), &[9.0]);
}

#[test]
fn spgemm_parts_split_work_evenly() {
    use super::spgemm::flop_parts;
    assert_eq!(flop_parts(&[], 2), [0, 0]);
    assert_eq!(flop_parts(&[5], 3), [0, 1]);
    assert_eq!(flop_parts(&[1, 1, 1, 1], 2), [0, 2, 4]);
    assert_eq!(flop_parts(&[1, 1, 1, 1, 1, 1], 3), [0, 2, 4, 6]);
    // One row holding most of the work: one part.
    assert_eq!(flop_parts(&[0, 0, 100], 2), [0, 3]);
    assert_eq!(flop_parts(&[100, 0, 0, 0], 2), [0, 1, 4]);
}

#[test]
fn spgemm_large_rows_sum_in_a_fixed_order() {
    // Both accumulators add in A-row then B-row order: a product whose
    // rows straddle the switch equals the same product computed row by
    // row through single-row matrices (which are independent of chunking).
    let a = random_csr::<f64>(400, 300, &[1, 3, 12, 40, 90], 7);
    let b = random_csr::<f64>(300, 500, &[2, 7, 30], 8);
    let c = spgemm(&a, &b).unwrap();
    for i in (0..400).step_by(37) {
        let (cols, vals) = a.row(i);
        let p: Vec<i64> = vec![0, cols.len() as i64];
        let ci: Vec<i32> = cols.iter().map(|&c| c as i32).collect();
        let row = Csr::new(1, 300, &p, &ci, vals).unwrap();
        let r = spgemm(&row, &b).unwrap();
        assert_eq!(r.indices(), c.row(i).0);
        assert_eq!(r.values(), c.row(i).1);
    }
}

#[test]
fn transpose_and_dense_round_trips() {
    let a = random_csr::<f64>(70, 45, &[0, 3, 9, 45], 1);
    let t = transpose(&a).unwrap();
    assert_eq!((t.rows(), t.cols(), t.nnz()), (45, 70, a.nnz()));
    let (da, dt) = (dense_of(&a), dense_of(&t));
    for i in 0..70 {
        for j in 0..45 {
            assert_eq!(da[i * 45 + j], dt[j * 70 + i]);
        }
    }
    assert_eq!(transpose(&t).unwrap(), a);
    // Dense out (row- and column-major) and back.
    let mut d = vec![f64::NAN; 70 * 45];
    to_dense(&a, MatMut::new(&mut d, 0, 70, 45, 1, 70).unwrap()).unwrap();
    let back = from_dense(MatRef::new(&d, 0, 70, 45, 1, 70).unwrap(), 0.0).unwrap();
    assert_eq!(back, a);
    assert_eq!(density(MatRef::new(&d, 0, 70, 45, 1, 70).unwrap()), a.nnz());
    let mut d = vec![f64::NAN; 70 * 45];
    to_dense(&a, MatMut::row_major(&mut d, 70, 45).unwrap()).unwrap();
    assert_eq!(
        from_dense(MatRef::row_major(&d, 70, 45).unwrap(), 0.0).unwrap(),
        a
    );
}

#[test]
fn from_dense_threshold_keeps_large_entries_and_nan() {
    let d = [0.5, -0.1, 0.0, f64::NAN, 0.2, -0.3];
    let m = MatRef::row_major(&d, 2, 3).unwrap();
    let a = from_dense(m, 0.2).unwrap();
    assert_eq!(a.indices(), &[0, 0, 2]);
    assert_eq!(a.indptr(), &[0, 1, 3]);
    assert!(a.values()[1].is_nan());
    assert_eq!(density(m), 5);
    let e = from_dense(m, -1.0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    let e = from_dense(m, f64::NAN).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn matmul_auto_picks_csr_for_sparse_a_and_gemm_for_dense_a() {
    let (m, k, n) = (128, 96, 20);
    let mut rng = Rng::new(3);
    let mut a = vec![0.0f64; m * k];
    for _ in 0..(m * k / 100) {
        a[rng.below(m * k)] = rng.signed_unit();
    }
    let b: Vec<f64> = (0..k * n).map(|_| rng.signed_unit()).collect();
    let (av, bv) = (
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
    );
    let mut want = vec![0.0; m * n];
    crate::gemm::gemm(
        1.5,
        av,
        bv,
        0.0,
        MatMut::row_major(&mut want, m, n).unwrap(),
    )
    .unwrap();
    let mut c = vec![f64::NAN; m * n];
    let path = matmul_auto(1.5, av, bv, 0.0, MatMut::row_major(&mut c, m, n).unwrap()).unwrap();
    assert_eq!(path, MatmulPath::Sparse);
    for (x, y) in c.iter().zip(&want) {
        assert!((x - y).abs() <= 1e-13, "{x} vs {y}");
    }
    let dense: Vec<f64> = (0..m * k).map(|_| rng.signed_unit()).collect();
    let dv = MatRef::row_major(&dense, m, k).unwrap();
    let path = matmul_auto(1.0, dv, bv, 0.0, MatMut::row_major(&mut c, m, n).unwrap()).unwrap();
    assert_eq!(path, MatmulPath::Dense);
    let e = matmul_auto(
        1.0,
        dv,
        bv,
        0.0,
        MatMut::row_major(&mut c[..m * 19], m, 19).unwrap(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::DimensionMismatch);
}

/// Throughput of SpMV / SpMM / SpGEMM on the problem shapes, one
/// thread: `cargo test --release --lib sparse_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn sparse_throughput() {
    use std::time::Instant;
    let best = |f: &mut dyn FnMut()| {
        (0..7)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min)
    };
    crate::runtime::threads::set_num_threads(1).unwrap();
    let n = 1_000_000;
    let a = random_csr::<f64>(n, n, &[16], 1);
    let x: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
    let mut y = vec![0.0; n];
    for isa in [Isa::Scalar, Isa::Avx2, Isa::Avx512] {
        if isa.is_supported() {
            let k = f64::sparse_kernels(isa);
            let t = best(&mut || spmv_on(k, &a, 1.0, &x, 0.0, &mut y).unwrap());
            println!("spmv random 1M 16/row {}: {t:.2} ms", isa.name());
        }
    }
    // B and C on 2 MiB pages, as numpy allocates them: B's rows are read
    // at random, and 4 KiB pages would time page walks.
    let mut b = crate::runtime::alloc::uninit_vec::<f64>(n * 32, "B").unwrap();
    b.extend((0..n * 32).map(|i| (i % 5) as f64));
    let mut c = crate::runtime::alloc::try_vec::<f64>(n * 32, "C").unwrap();
    let t = best(&mut || {
        spmm(
            &a,
            1.0,
            MatRef::row_major(&b, n, 32).unwrap(),
            0.0,
            MatMut::row_major(&mut c, n, 32).unwrap(),
        )
        .unwrap()
    });
    println!("spmm random 1M 16/row x 32: {t:.1} ms");
    let s = random_csr::<f64>(100_000, 100_000, &[10], 2);
    let t = best(&mut || drop(spgemm(&s, &s).unwrap()));
    println!("spgemm 100k 10/row squared: {t:.1} ms");
}

/// The crossover of `matmul_auto`: dense GEMM against conversion + SpMM
/// on random A of several densities, one thread:
/// `cargo test --release --lib auto_crossover -- --ignored --nocapture`.
#[test]
#[ignore]
fn auto_crossover() {
    use std::time::Instant;
    crate::runtime::threads::set_num_threads(1).unwrap();
    let best = |f: &mut dyn FnMut()| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (m, k) = (1024, 1024);
    for n in [1, 16, 64, 256] {
        for density in [0.005, 0.01, 0.02, 0.05, 0.1, 0.2] {
            let mut rng = Rng::new(1);
            let a: Vec<f64> = (0..m * k)
                .map(|_| {
                    let keep = (rng.next_u64() as f64 / u64::MAX as f64) < density;
                    if keep {
                        rng.signed_unit()
                    } else {
                        0.0
                    }
                })
                .collect();
            let b: Vec<f64> = (0..k * n).map(|_| rng.signed_unit()).collect();
            let mut c = vec![0.0; m * n];
            let (av, bv) = (
                MatRef::row_major(&a, m, k).unwrap(),
                MatRef::row_major(&b, k, n).unwrap(),
            );
            let dense = best(&mut || {
                crate::gemm::gemm(1.0, av, bv, 0.0, MatMut::row_major(&mut c, m, n).unwrap())
                    .unwrap()
            });
            let sparse = best(&mut || {
                let s = from_dense(av, 0.0).unwrap();
                spmm(&s, 1.0, bv, 0.0, MatMut::row_major(&mut c, m, n).unwrap()).unwrap()
            });
            println!(
                "n {n:3} density {density:5.3}: dense {dense:7.3} ms, csr {sparse:7.3} ms, dense/csr {:5.2}",
                dense / sparse
            );
        }
    }
}
