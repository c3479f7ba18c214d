//! Property tests of QR and the thin SVD on every ISA path this CPU has:
//! matrices with known spectra built in f64 from random orthonormal
//! factors, checked for orthonormality, reconstruction and singular values
//! against the known ones (computed in f64, higher precision than the f32
//! runs and exact up to the construction's rounding for f64).

use super::gaussian::Xoshiro256;
use super::{qr_on, svd_on, LinalgReal};
use crate::error::ErrorKind;
use crate::gemm::{MatMut, MatRef};
use crate::runtime::Isa;
use crate::testutil::{for_each_isa, Rng};

/// A dense row-major f64 matrix for building inputs and checking outputs.
#[derive(Clone, Debug)]
pub(super) struct Dense {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Dense {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Dense {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }
    fn set(&mut self, i: usize, j: usize, v: f64) {
        self.data[i * self.cols + j] = v;
    }
    pub fn gaussian(rng: &mut Rng, rows: usize, cols: usize) -> Self {
        let mut m = Dense::zeros(rows, cols);
        Xoshiro256::new(rng.next_u64()).fill_gaussian(&mut m.data);
        m
    }
    pub fn cast<T: LinalgReal>(&self) -> Vec<T> {
        self.data.iter().map(|&x| T::from_f64(x)).collect()
    }
    pub fn from<T: LinalgReal>(rows: usize, cols: usize, data: &[T]) -> Self {
        Dense {
            rows,
            cols,
            data: data.iter().map(|x| x.to_f64()).collect(),
        }
    }
    pub fn t(&self) -> Dense {
        let mut t = Dense::zeros(self.cols, self.rows);
        for i in 0..self.rows {
            for j in 0..self.cols {
                t.set(j, i, self.at(i, j));
            }
        }
        t
    }
    pub fn mul(&self, b: &Dense) -> Dense {
        assert_eq!(self.cols, b.rows);
        let mut c = Dense::zeros(self.rows, b.cols);
        for i in 0..self.rows {
            for k in 0..self.cols {
                let a = self.at(i, k);
                for j in 0..b.cols {
                    c.data[i * b.cols + j] += a * b.at(k, j);
                }
            }
        }
        c
    }
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0, |m, x| m.max(x.abs()))
    }
    pub fn sub(&self, b: &Dense) -> Dense {
        let mut c = self.clone();
        for (x, y) in c.data.iter_mut().zip(&b.data) {
            *x -= y;
        }
        c
    }
    /// `||M^T M - I||_max` (columns orthonormal).
    pub fn orthonormality(&self) -> f64 {
        let g = self.t().mul(self);
        let mut worst = 0.0f64;
        for i in 0..g.rows {
            for j in 0..g.cols {
                let target = if i == j { 1.0 } else { 0.0 };
                worst = worst.max((g.at(i, j) - target).abs());
            }
        }
        worst
    }
}

/// `rows x cols` (`cols <= rows`) with orthonormal columns: modified
/// Gram–Schmidt, twice, on a Gaussian matrix (independent of the code
/// under test).
pub(super) fn orthonormal(rng: &mut Rng, rows: usize, cols: usize) -> Dense {
    let mut q = Dense::gaussian(rng, rows, cols);
    for _ in 0..2 {
        for j in 0..cols {
            for p in 0..j {
                let d: f64 = (0..rows).map(|i| q.at(i, p) * q.at(i, j)).sum();
                for i in 0..rows {
                    let v = q.at(i, j) - d * q.at(i, p);
                    q.set(i, j, v);
                }
            }
            let norm = (0..rows).map(|i| q.at(i, j).powi(2)).sum::<f64>().sqrt();
            for i in 0..rows {
                let v = q.at(i, j) / norm;
                q.set(i, j, v);
            }
        }
    }
    q
}

/// Spectra the tests use.
#[derive(Copy, Clone, Debug)]
pub(super) enum Spectrum {
    /// rank r: ones then zeros.
    LowRank(usize),
    /// 2^-i.
    FastDecay,
    /// 1 / (i + 1).
    SlowDecay,
    /// All ones.
    Flat,
}

impl Spectrum {
    pub fn values(self, r: usize) -> Vec<f64> {
        (0..r)
            .map(|i| match self {
                Spectrum::LowRank(k) => {
                    if i < k {
                        1.0 + (k - i) as f64 / k as f64
                    } else {
                        0.0
                    }
                }
                Spectrum::FastDecay => 0.5f64.powi(i as i32),
                Spectrum::SlowDecay => 1.0 / (i + 1) as f64,
                Spectrum::Flat => 1.0,
            })
            .collect()
    }
}

/// `U0 diag(s) V0^T` with random orthonormal factors.
pub(super) fn with_spectrum(rng: &mut Rng, m: usize, n: usize, s: &[f64]) -> Dense {
    let r = s.len();
    let u0 = orthonormal(rng, m, r);
    let v0 = orthonormal(rng, n, r);
    let mut us = u0.clone();
    for i in 0..m {
        for (j, &sj) in s.iter().enumerate() {
            us.set(i, j, u0.at(i, j) * sj);
        }
    }
    us.mul(&v0.t())
}

/// Runs the thin SVD of `a` on `isa` and checks it; returns the values.
fn check_svd<T: LinalgReal>(isa: Isa, a: &Dense, known: Option<&[f64]>, what: &str) -> Vec<f64> {
    let (m, n) = (a.rows, a.cols);
    let r = m.min(n);
    let data: Vec<T> = a.cast();
    let (mut u, mut s, mut vt) = (vec![T::ZERO; m * r], vec![T::ZERO; r], vec![T::ZERO; r * n]);
    svd_on(
        isa,
        MatRef::row_major(&data, m, n).unwrap(),
        MatMut::row_major(&mut u, m, r).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, r, n).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{what} {isa:?}: {e}"));
    let eps = T::EPSILON.to_f64();
    let dim = m.max(n).max(1) as f64;
    let (u, vt, sv) = (
        Dense::from(m, r, &u),
        Dense::from(r, n, &vt),
        Dense::from(1, r, &s).data,
    );
    let a_t = Dense::from(m, n, &data);
    let sigma1 = sv.first().copied().unwrap_or(0.0);
    let ctx = format!("{what} {m}x{n} {} {isa:?}", std::any::type_name::<T>());
    assert!(
        u.orthonormality() <= 10.0 * dim * eps,
        "{ctx}: U^T U - I = {:e}",
        u.orthonormality()
    );
    assert!(
        vt.t().orthonormality() <= 10.0 * dim * eps,
        "{ctx}: V V^T - I = {:e}",
        vt.t().orthonormality()
    );
    for w in sv.windows(2) {
        assert!(w[0] >= w[1], "{ctx}: values not descending: {sv:?}");
    }
    assert!(sv.iter().all(|&x| x >= 0.0), "{ctx}: negative value");
    let mut us = u.clone();
    for i in 0..m {
        for (j, &sj) in sv.iter().enumerate() {
            us.set(i, j, u.at(i, j) * sj);
        }
    }
    let resid = a_t.sub(&us.mul(&vt)).max_abs();
    assert!(
        resid <= 10.0 * dim * eps * sigma1.max(f64::MIN_POSITIVE),
        "{ctx}: ||A - U S V^T|| = {resid:e}, sigma1 {sigma1:e}"
    );
    if let Some(known) = known {
        for (i, (&x, &y)) in sv.iter().zip(known).enumerate() {
            assert!(
                (x - y).abs() <= 10.0 * dim * eps * known[0],
                "{ctx}: sigma[{i}] = {x:e}, known {y:e}"
            );
        }
    }
    sv
}

fn svd_cases<T: LinalgReal>(test: &str) {
    for_each_isa(test, |isa| {
        let mut rng = Rng::new(0x5bd1);
        let shapes: [(usize, usize); 15] = [
            (1, 1),
            (1, 7),
            (7, 1),
            (2, 2),
            (3, 2),
            (2, 3),
            (17, 17),
            (40, 33),
            (33, 40),
            (64, 64),
            (100, 37),
            (37, 100),
            (120, 65),
            (300, 40),
            (40, 300),
        ];
        for &(m, n) in &shapes {
            let r = m.min(n);
            for spectrum in [
                Spectrum::LowRank(r.div_ceil(3)),
                Spectrum::FastDecay,
                Spectrum::SlowDecay,
                Spectrum::Flat,
            ] {
                let s = spectrum.values(r);
                let a = with_spectrum(&mut rng, m, n, &s);
                check_svd::<T>(isa, &a, Some(&s), &format!("{spectrum:?}"));
            }
            // Low rank plus noise: no exact spectrum, the other checks hold.
            let mut a = with_spectrum(&mut rng, m, n, &Spectrum::LowRank(r.div_ceil(4)).values(r));
            let noise = Dense::gaussian(&mut rng, m, n);
            for (x, e) in a.data.iter_mut().zip(&noise.data) {
                *x += 1e-3 * e;
            }
            check_svd::<T>(isa, &a, None, "low rank + noise");
            check_svd::<T>(isa, &Dense::zeros(m, n), Some(&vec![0.0; r]), "zero");
        }
    });
}

#[test]
fn svd_f64_known_spectra_every_isa() {
    svd_cases::<f64>("svd_f64_known_spectra_every_isa");
}

#[test]
fn svd_f32_known_spectra_every_isa() {
    svd_cases::<f32>("svd_f32_known_spectra_every_isa");
}

#[test]
fn svd_graded_values_keep_relative_accuracy() {
    // Values from 1 down to 1e-12: the small ones are found to high
    // accuracy relative to sigma1 (normwise), and stay ordered.
    let mut rng = Rng::new(7);
    let s: Vec<f64> = (0..50)
        .map(|i| 10f64.powf(-12.0 * i as f64 / 49.0))
        .collect();
    let a = with_spectrum(&mut rng, 80, 50, &s);
    for_each_isa("svd_graded_values_keep_relative_accuracy", |isa| {
        check_svd::<f64>(isa, &a, Some(&s), "graded");
    });
}

#[test]
fn svd_handles_empty_and_strided_inputs() {
    let mut s: Vec<f64> = vec![];
    let none: [f64; 0] = [];
    let mut out: [f64; 0] = [];
    for (m, n) in [(0, 0), (0, 5), (5, 0)] {
        let mut u = vec![0.0; m * m.min(n)];
        let mut vt = vec![0.0; m.min(n) * n];
        let a = MatRef::new(&none, 0, m, n, n.max(1) as isize, 1).unwrap();
        super::svd(
            a,
            MatMut::row_major(&mut u, m, 0).unwrap(),
            &mut s,
            MatMut::row_major(&mut vt, 0, n).unwrap(),
        )
        .unwrap();
    }
    let _ = &mut out;
    // A column-major input with padding gives the same values as row-major.
    let mut rng = Rng::new(3);
    let a = Dense::gaussian(&mut rng, 9, 6);
    let mut padded = vec![f64::NAN; 12 * 6];
    for i in 0..9 {
        for j in 0..6 {
            padded[j * 12 + i] = a.at(i, j);
        }
    }
    let (mut u, mut sv, mut vt) = (vec![0.0; 54], vec![0.0; 6], vec![0.0; 36]);
    super::svd(
        MatRef::new(&padded, 0, 9, 6, 1, 12).unwrap(),
        MatMut::row_major(&mut u, 9, 6).unwrap(),
        &mut sv,
        MatMut::row_major(&mut vt, 6, 6).unwrap(),
    )
    .unwrap();
    let reference = check_svd::<f64>(crate::runtime::active_isa(), &a, None, "row-major");
    for (x, y) in sv.iter().zip(&reference) {
        assert!((x - y).abs() <= 1e-13 * reference[0]);
    }
}

#[test]
fn svd_rejects_bad_input() {
    let mut a = vec![1.0f64; 12];
    let (mut u, mut s, mut vt) = (vec![0.0; 12], vec![0.0; 3], vec![0.0; 9]);
    let run = |a: &[f64], u: &mut [f64], s: &mut [f64], vt: &mut [f64], ur: usize| {
        super::svd(
            MatRef::row_major(a, 4, 3).unwrap(),
            MatMut::row_major(u, ur, 3).unwrap(),
            s,
            MatMut::row_major(vt, 3, 3).unwrap(),
        )
    };
    assert_eq!(
        run(&a, &mut u, &mut s, &mut vt, 3).unwrap_err().kind(),
        ErrorKind::DimensionMismatch
    );
    a[7] = f64::NAN;
    let err = run(&a, &mut u, &mut s, &mut vt, 4).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("a[2][1]"), "{err}");
    a[7] = f64::INFINITY;
    assert_eq!(
        run(&a, &mut u, &mut s, &mut vt, 4).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert!(u.iter().all(|&x| x == 0.0), "outputs untouched on failure");
}

fn qr_cases<T: LinalgReal>(test: &str) {
    for_each_isa(test, |isa| {
        let mut rng = Rng::new(0x9e);
        for &(m, n) in &[
            (0, 0),
            (0, 3),
            (3, 0),
            (1, 1),
            (1, 5),
            (5, 1),
            (31, 31),
            (32, 32),
            (33, 33),
            (65, 40),
            (40, 65),
            (130, 97),
            (200, 33),
        ] {
            let r = m.min(n);
            let a = Dense::gaussian(&mut rng, m, n);
            let data: Vec<T> = a.cast();
            let (mut q, mut rr) = (vec![T::ZERO; m * r], vec![T::ZERO; r * n]);
            qr_on(
                isa,
                MatRef::new(&data, 0, m, n, n.max(1) as isize, 1).unwrap(),
                MatMut::new(&mut q, 0, m, r, r.max(1) as isize, 1).unwrap(),
                MatMut::new(&mut rr, 0, r, n, n.max(1) as isize, 1).unwrap(),
            )
            .unwrap();
            let (q, rr) = (Dense::from(m, r, &q), Dense::from(r, n, &rr));
            let eps = T::EPSILON.to_f64();
            let dim = m.max(n).max(1) as f64;
            let ctx = format!("{m}x{n} {} {isa:?}", std::any::type_name::<T>());
            assert!(
                q.orthonormality() <= 10.0 * dim * eps,
                "{ctx}: Q^T Q - I = {:e}",
                q.orthonormality()
            );
            for i in 0..r {
                for j in 0..i.min(n) {
                    assert_eq!(rr.at(i, j), 0.0, "{ctx}: R not upper triangular");
                }
            }
            let a_t = Dense::from(m, n, &data);
            let resid = a_t.sub(&q.mul(&rr)).max_abs();
            assert!(
                resid <= 10.0 * dim * eps * a_t.max_abs().max(1.0),
                "{ctx}: ||A - QR|| = {resid:e}"
            );
        }
    });
}

#[test]
fn qr_f64_every_isa() {
    qr_cases::<f64>("qr_f64_every_isa");
}

#[test]
fn qr_f32_every_isa() {
    qr_cases::<f32>("qr_f32_every_isa");
}

/// Runs the randomized SVD on `isa`; returns (U, s, V^T) in f64.
fn run_rsvd<T: LinalgReal>(
    isa: Isa,
    a: &Dense,
    k: usize,
    opts: &super::RsvdOptions,
) -> (Dense, Vec<f64>, Dense) {
    let (m, n) = (a.rows, a.cols);
    let data: Vec<T> = a.cast();
    let (mut u, mut s, mut vt) = (vec![T::ZERO; m * k], vec![T::ZERO; k], vec![T::ZERO; k * n]);
    super::rsvd_on(
        isa,
        MatRef::row_major(&data, m, n).unwrap(),
        k,
        opts,
        MatMut::row_major(&mut u, m, k).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, k, n).unwrap(),
    )
    .unwrap();
    (
        Dense::from(m, k, &u),
        Dense::from(1, k, &s).data,
        Dense::from(k, n, &vt),
    )
}

/// Spectral norm through the (tested) f64 SVD.
fn spectral_norm(a: &Dense) -> f64 {
    let r = a.rows.min(a.cols);
    let (mut u, mut s, mut vt) = (vec![0.0; a.rows * r], vec![0.0; r], vec![0.0; r * a.cols]);
    super::svd(
        MatRef::row_major(&a.data, a.rows, a.cols).unwrap(),
        MatMut::row_major(&mut u, a.rows, r).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, r, a.cols).unwrap(),
    )
    .unwrap();
    s.first().copied().unwrap_or(0.0)
}

fn rsvd_cases<T: LinalgReal>(test: &str) {
    for_each_isa(test, |isa| {
        let mut rng = Rng::new(0x75);
        for &(m, n, k) in &[(200, 150, 10), (150, 200, 10), (300, 60, 5), (120, 120, 40)] {
            let r = m.min(n);
            let decays: [(&str, Vec<f64>); 2] = [
                ("fast decay", Spectrum::FastDecay.values(r)),
                (
                    "1/i^2",
                    (0..r).map(|i| 1.0 / ((i + 1) * (i + 1)) as f64).collect(),
                ),
            ];
            for (what, s) in decays {
                let a = with_spectrum(&mut rng, m, n, &s);
                let (u, sv, vt) = run_rsvd::<T>(isa, &a, k, &super::RsvdOptions::default());
                let ctx = format!(
                    "{what} {m}x{n} k={k} {} {isa:?}",
                    std::any::type_name::<T>()
                );
                let eps = T::EPSILON.to_f64();
                let dim = m.max(n) as f64;
                assert!(
                    u.orthonormality() <= 10.0 * dim * eps,
                    "{ctx}: U^T U - I = {:e}",
                    u.orthonormality()
                );
                assert!(
                    vt.t().orthonormality() <= 10.0 * dim * eps,
                    "{ctx}: V V^T - I"
                );
                let mut us = u.clone();
                for i in 0..m {
                    for (x, &sj) in us.data[i * k..(i + 1) * k].iter_mut().zip(&sv) {
                        *x *= sj;
                    }
                }
                // Residual against the f64 matrix the input was rounded
                // from; the f32 rounding of A itself adds eps32 ||A||.
                let resid = spectral_norm(&a.sub(&us.mul(&vt)));
                let bound = 1.05 * s[k] + 20.0 * dim * eps * s[0];
                assert!(
                    resid <= bound,
                    "{ctx}: ||A - U S V^T||_2 = {resid:e} > {bound:e} (sigma_k+1 = {:e})",
                    s[k]
                );
                for (i, (&x, &y)) in sv.iter().zip(&s).enumerate() {
                    assert!(
                        (x - y).abs() <= 1e-2 * y + 20.0 * dim * eps * s[0],
                        "{ctx}: s[{i}] = {x:e}, known {y:e}"
                    );
                }
            }
        }
    });
}

#[test]
fn rsvd_f64_decaying_spectra_every_isa() {
    rsvd_cases::<f64>("rsvd_f64_decaying_spectra_every_isa");
}

#[test]
fn rsvd_f32_decaying_spectra_every_isa() {
    rsvd_cases::<f32>("rsvd_f32_decaying_spectra_every_isa");
}

#[test]
fn rsvd_exactly_low_rank_is_exact() {
    let mut rng = Rng::new(11);
    let s = Spectrum::LowRank(6).values(80);
    let a = with_spectrum(&mut rng, 100, 80, &s);
    let (_, sv, _) = run_rsvd::<f64>(
        crate::runtime::active_isa(),
        &a,
        6,
        &super::RsvdOptions::default(),
    );
    for (x, y) in sv.iter().zip(&s) {
        assert!((x - y).abs() <= 1e-12, "{x} vs {y}");
    }
}

#[test]
fn rsvd_same_seed_same_result_other_seed_other_basis() {
    let mut rng = Rng::new(12);
    let a = Dense::gaussian(&mut rng, 90, 70);
    let isa = crate::runtime::active_isa();
    let opts = super::RsvdOptions {
        seed: 5,
        ..Default::default()
    };
    let (u1, s1, v1) = run_rsvd::<f64>(isa, &a, 8, &opts);
    let (u2, s2, v2) = run_rsvd::<f64>(isa, &a, 8, &opts);
    assert_eq!(
        (u1.data.clone(), s1.clone(), v1.data.clone()),
        (u2.data, s2, v2.data)
    );
    let (u3, _, _) = run_rsvd::<f64>(isa, &a, 8, &super::RsvdOptions { seed: 6, ..opts });
    assert_ne!(u1.data, u3.data);
}

#[test]
fn rsvd_edge_cases_and_bad_input() {
    let a = vec![1.0f64; 12];
    let opts = super::RsvdOptions::default();
    let view = || MatRef::row_major(&a, 4, 3).unwrap();
    // k = 0: valid, nothing written.
    let (mut u, mut vt) = (vec![0.0; 0], vec![0.0; 0]);
    super::rsvd(
        view(),
        0,
        &opts,
        MatMut::new(&mut u, 0, 4, 0, 1, 1).unwrap(),
        &mut [],
        MatMut::new(&mut vt, 0, 0, 3, 1, 1).unwrap(),
    )
    .unwrap();
    // Empty matrix, k = 0.
    super::rsvd(
        MatRef::new(&a, 0, 0, 3, 3, 1).unwrap(),
        0,
        &opts,
        MatMut::new(&mut u, 0, 0, 0, 1, 1).unwrap(),
        &mut [],
        MatMut::new(&mut vt, 0, 0, 3, 1, 1).unwrap(),
    )
    .unwrap();
    // k > min(m, n).
    let (mut u, mut s, mut vt) = (vec![0.0; 16], vec![0.0; 4], vec![0.0; 12]);
    let err = super::rsvd(
        view(),
        4,
        &opts,
        MatMut::row_major(&mut u, 4, 4).unwrap(),
        &mut s,
        MatMut::row_major(&mut vt, 4, 3).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    // NaN.
    let mut bad = a.clone();
    bad[5] = f64::NAN;
    let err = super::rsvd(
        MatRef::row_major(&bad, 4, 3).unwrap(),
        2,
        &opts,
        MatMut::row_major(&mut u[..8], 4, 2).unwrap(),
        &mut s[..2],
        MatMut::row_major(&mut vt[..6], 2, 3).unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    // Full rank request (k = min(m, n)) on a rank-one matrix works.
    super::rsvd(
        view(),
        3,
        &opts,
        MatMut::row_major(&mut u[..12], 4, 3).unwrap(),
        &mut s[..3],
        MatMut::row_major(&mut vt[..9], 3, 3).unwrap(),
    )
    .unwrap();
    assert!(
        (s[0] - 12f64.sqrt()).abs() < 1e-12 && s[1].abs() < 1e-12,
        "{s:?}"
    );
}

/// Where the time of a 512 x 512 f64 SVD goes, phase by phase, on 1 and 2
/// threads (ignored: prints timings). Run with
/// `cargo test --release --lib svd_phase_times -- --ignored --nocapture`.
#[test]
#[ignore]
fn svd_phase_times() {
    use super::bdsqr::{bidiagonal_svd, Rows};
    use super::bidiag::bidiagonalize;
    use super::dense::ColMat;
    let n = 512;
    let isa = crate::runtime::active_isa();
    let mut rng = Rng::new(0x71e);
    let graded: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-2.0 * i as f64 / (n - 1) as f64))
        .collect();
    let inputs = [
        ("gaussian", Dense::gaussian(&mut rng, n, n)),
        ("graded", with_spectrum(&mut rng, n, n, &graded)),
    ];
    for (threads, (name, a)) in [1, 1, 2, 2]
        .into_iter()
        .flat_map(|t| inputs.iter().map(move |i| (t, i)))
    {
        let view = MatRef::new(&a.data, 0, n, n, n as isize, 1).unwrap();
        crate::runtime::threads::set_num_threads(threads).unwrap();
        let t0 = std::time::Instant::now();
        let mut bd = bidiagonalize(isa, ColMat::from_view(view));
        let t1 = std::time::Instant::now();
        let ld = n + 8;
        let (mut ut, mut vt) = (
            ColMat::<f64>::identity(ld, n),
            ColMat::<f64>::identity(ld, n),
        );
        let rows = |data| Rows {
            isa,
            data,
            ld,
            len: n,
        };
        bidiagonal_svd(
            &mut bd.d,
            &mut bd.e,
            &mut rows(vt.data_mut()),
            &mut rows(ut.data_mut()),
        )
        .unwrap();
        let t2 = std::time::Instant::now();
        let mut u = ColMat::zeros(n, n);
        for j in 0..n {
            u.col_mut(j).copy_from_slice(&ut.col(j)[..n]);
        }
        bd.left().apply(&mut u, false, false);
        bd.right().apply(&mut u, false, false);
        let t3 = std::time::Instant::now();
        let ms = |a: std::time::Instant, b: std::time::Instant| (b - a).as_secs_f64() * 1e3;
        println!(
            "{name} {threads} thread(s): bidiagonalize {:.1} ms, bidiagonal QR {:.1} ms, back-transform (both sides) {:.1} ms",
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3)
        );
    }
}
