//! Property tests: every ISA path this CPU has against `reference.rs`, for
//! every length 0..=300 (all SIMD tails and unroll remainders), a spread of
//! longer lengths up to 10000, four element misalignments and increments
//! +-1 and +-3.

use super::kernels::{dot_u8s8_kernel, Kernels};
use super::*;
use crate::testutil::{for_each_isa, Rng};

/// Lengths tested: all up to 300, then a spread to 10000.
fn lengths() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=300).collect();
    v.extend([
        383, 384, 385, 511, 512, 513, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 9999, 10000,
    ]);
    v
}

const INCS: [isize; 4] = [1, -1, 3, -3];

/// A buffer for a view of `n` elements with increment `inc`, starting
/// `offset` elements past a 64-byte boundary; padding is NaN so that a
/// kernel reading outside the view poisons its result.
fn buffer<T: Real>(rng: &mut Rng, n: usize, inc: isize, offset: usize) -> (Vec<T>, usize) {
    let span = strided::span(n, inc).unwrap();
    let mut v = vec![T::from_f64(f64::NAN); span + offset + 16];
    for x in &mut v[offset..offset + span] {
        // Mostly O(1) values, some spanning a few decades.
        let scale = if rng.below(8) == 0 { 1e3 } else { 1.0 };
        *x = T::from_f64(rng.signed_unit() * scale);
    }
    (v, offset)
}

fn view<T: Real>(buf: &[T], off: usize, n: usize, inc: isize) -> Strided<'_, T> {
    let span = strided::span(n, inc).unwrap();
    Strided::new(&buf[off..off + span], n, inc).unwrap()
}

/// Runs `check(kernels, n, incx, incy, offset)` over the whole grid.
fn grid<T: Real>(name: &str, mut check: impl FnMut(&Kernels<T>, usize, isize, isize, usize)) {
    for_each_isa(name, |isa| {
        let k = T::kernels(isa).unwrap();
        for n in lengths() {
            for (i, incx) in INCS.into_iter().enumerate() {
                // All increment pairs on short vectors, the diagonal on long ones.
                for incy in INCS.into_iter().filter(|&iy| n <= 64 || iy == INCS[i]) {
                    for offset in 0..4 {
                        check(k, n, incx, incy, offset);
                    }
                }
            }
        }
    });
}

macro_rules! blas1_property_tests {
    ($t:ident) => {
        mod $t {
            use super::*;
            type T = $t;
            const EPS: f64 = <$t>::EPSILON as f64;

            #[test]
            fn dot_matches_reference() {
                let mut rng = Rng::new(1);
                grid::<T>("dot", |k, n, incx, incy, off| {
                    let (xb, xo) = buffer::<T>(&mut rng, n, incx, off);
                    let (yb, yo) = buffer::<T>(&mut rng, n, incy, 3 - off);
                    let (x, y) = (view(&xb, xo, n, incx), view(&yb, yo, n, incy));
                    let got = dot_on(k, x, y).unwrap().to_f64();
                    let exact: f64 = (0..n).map(|i| x.get(i).to_f64() * y.get(i).to_f64()).sum();
                    let mag: f64 = (0..n)
                        .map(|i| (x.get(i).to_f64() * y.get(i).to_f64()).abs())
                        .sum();
                    let tol = 2.0 * (n as f64 + 1.0) * EPS * mag;
                    assert!(
                        (got - exact).abs() <= tol,
                        "n={n} incs={incx},{incy} got {got} want {exact}"
                    );
                });
            }

            #[test]
            fn axpy_matches_reference() {
                let mut rng = Rng::new(2);
                grid::<T>("axpy", |k, n, incx, incy, off| {
                    let (xb, xo) = buffer::<T>(&mut rng, n, incx, off);
                    let (mut yb, yo) = buffer::<T>(&mut rng, n, incy, 3 - off);
                    let before = yb.clone();
                    let alpha = T::from_f64(rng.signed_unit());
                    let x = view(&xb, xo, n, incx);
                    let span = strided::span(n, incy).unwrap();
                    let y = StridedMut::new(&mut yb[yo..yo + span], n, incy).unwrap();
                    axpy_on(k, alpha, x, y).unwrap();
                    let y0 = view(&before, yo, n, incy);
                    let y1 = view(&yb, yo, n, incy);
                    for i in 0..n {
                        let want = y0.get(i).to_f64() + alpha.to_f64() * x.get(i).to_f64();
                        let tol = 2.0 * EPS * (y0.get(i).abs() + (alpha * x.get(i)).abs()).to_f64();
                        assert!((y1.get(i).to_f64() - want).abs() <= tol, "n={n} i={i}");
                    }
                    // Nothing outside the view changed (NaN padding compares by bits).
                    let inside =
                        |j: usize| j >= yo && j < yo + span && (j - yo) % incy.unsigned_abs() == 0;
                    for j in (0..yb.len()).filter(|&j| !inside(j)) {
                        assert_eq!(
                            yb[j].to_f64().to_bits(),
                            before[j].to_f64().to_bits(),
                            "wrote outside y at {j}"
                        );
                    }
                });
            }

            #[test]
            fn scal_asum_nrm2_iamax_match_reference() {
                let mut rng = Rng::new(3);
                grid::<T>("scal/asum/nrm2/iamax", |k, n, incx, incy, off| {
                    if incy != incx {
                        return; // single-vector kernels: one pass per increment
                    }
                    let (mut xb, xo) = buffer::<T>(&mut rng, n, incx, off);
                    // Ties and NaN for iamax: copy an element, sometimes plant a NaN.
                    let span = strided::span(n, incx).unwrap();
                    if n > 2 {
                        let step = incx.unsigned_abs();
                        let (a, b) = (rng.below(n) * step, rng.below(n) * step);
                        xb[xo + b] = xb[xo + a];
                    }
                    let x = view(&xb, xo, n, incx);

                    let asum_exact: f64 = (0..n).map(|i| x.get(i).abs().to_f64()).sum();
                    let got = asum_on(k, x).to_f64();
                    assert!(
                        (got - asum_exact).abs() <= (n as f64 + 1.0) * EPS * asum_exact,
                        "asum n={n}"
                    );

                    let nrm_exact = (0..n)
                        .map(|i| x.get(i).to_f64().powi(2))
                        .sum::<f64>()
                        .sqrt();
                    let got = nrm2_on(k, x).to_f64();
                    // Both sides sum n squares in f64, in different orders.
                    let tol = (2.0 * EPS + n as f64 * f64::EPSILON) * nrm_exact;
                    assert!(
                        (got - nrm_exact).abs() <= tol,
                        "nrm2 n={n} got {got:e} want {nrm_exact:e}"
                    );

                    assert_eq!(iamax_on(k, x), reference_iamax(x), "iamax n={n}");
                    if n > 0 && rng.below(4) == 0 {
                        let step = incx.unsigned_abs();
                        xb[xo + rng.below(n) * step] = T::from_f64(f64::NAN);
                        let x = view(&xb, xo, n, incx);
                        assert_eq!(iamax_on(k, x), reference_iamax(x), "iamax with NaN n={n}");
                        assert!(nrm2_on(k, x).is_nan());
                    }

                    let alpha = T::from_f64(rng.signed_unit());
                    let mut want = xb.clone();
                    let mut wv = StridedMut::new(&mut want[xo..xo + span], n, incx).unwrap();
                    reference::scal(alpha, &mut wv);
                    scal_on(
                        k,
                        alpha,
                        StridedMut::new(&mut xb[xo..xo + span], n, incx).unwrap(),
                    );
                    let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&xb), bits(&want), "scal n={n}");
                });
            }

            #[test]
            fn nrm2_neither_overflows_nor_underflows() {
                for_each_isa("nrm2 range", |isa| {
                    let k = T::kernels(isa).unwrap();
                    let max = <$t>::MAX as f64;
                    let tiny = <$t>::MIN_POSITIVE as f64 / 4.0; // subnormal
                    for (value, n) in [(max / 2.0, 4), (tiny, 9), (1.0, 100), (max, 1)] {
                        let x = vec![T::from_f64(value); n];
                        let want = T::from_f64(value).to_f64() * (n as f64).sqrt();
                        let got = nrm2_on(k, Strided::from(&x[..])).to_f64();
                        let tol = 4.0 * EPS * want;
                        assert!(
                            got.is_finite() && (got - want).abs() <= tol,
                            "{isa:?} {value:e} x{n}: {got:e}"
                        );
                    }
                    let inf = vec![T::from_f64(1.0), T::from_f64(f64::INFINITY)];
                    assert_eq!(nrm2_on(k, Strided::from(&inf[..])).to_f64(), f64::INFINITY);
                    let empty: [T; 0] = [];
                    assert_eq!(nrm2_on(k, Strided::from(&empty[..])).to_f64(), 0.0);
                });
            }

            /// The documented semantics, written independently of the kernels:
            /// first NaN if any, else first index of the largest magnitude.
            fn reference_iamax(x: Strided<T>) -> Option<usize> {
                if x.is_empty() {
                    return None;
                }
                if let Some(i) = (0..x.len()).find(|&i| x.get(i).is_nan()) {
                    return Some(i);
                }
                let mut best = 0;
                for i in 1..x.len() {
                    if x.get(i).abs() > x.get(best).abs() {
                        best = i;
                    }
                }
                Some(best)
            }
        }
    };
}

blas1_property_tests!(f32);
blas1_property_tests!(f64);

#[test]
fn dot_u8s8_is_exact_on_every_path() {
    let mut rng = Rng::new(4);
    for_each_isa("dot_u8s8", |isa| {
        let kernel = dot_u8s8_kernel(isa).unwrap();
        for n in lengths() {
            for offset in 0..4 {
                let mut xb = vec![0u8; n + offset];
                let mut yb = vec![0i8; n + 4];
                xb.iter_mut().for_each(|a| *a = rng.next_u64() as u8);
                yb.iter_mut().for_each(|b| *b = rng.next_u64() as i8);
                let (x, y) = (&xb[offset..], &yb[(offset + 1) % 4..][..n]);
                let want = reference::dot_u8s8(x, y);
                assert_eq!(i64::from(dot_u8s8_on(kernel, x, y).unwrap()), want, "n={n}");
            }
        }
        // Extremes: the largest safe length at both signs, then overflow.
        let n = DOT_U8S8_SAFE_N;
        let x = vec![255u8; n + 1000];
        let neg = vec![-128i8; n + 1000];
        let pos = vec![127i8; n + 1000];
        assert_eq!(
            dot_u8s8_on(kernel, &x[..n], &neg[..n]).unwrap(),
            -(n as i32) * 32640
        );
        assert_eq!(
            dot_u8s8_on(kernel, &x[..n], &pos[..n]).unwrap(),
            n as i32 * 255 * 127
        );
        let err = dot_u8s8_on(kernel, &x, &neg).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
        // Long inputs whose sum fits are exact, across chunk boundaries.
        let long = 200_000;
        let x: Vec<u8> = (0..long).map(|i| (i % 256) as u8).collect();
        let y: Vec<i8> = (0..long).map(|i| if i % 2 == 0 { 1 } else { -1 }).collect();
        assert_eq!(
            i64::from(dot_u8s8_on(kernel, &x, &y).unwrap()),
            reference::dot_u8s8(&x, &y)
        );
        assert_eq!(
            dot_u8s8_on(kernel, &x[..3], &y[..4]).unwrap_err().kind(),
            crate::ErrorKind::DimensionMismatch
        );
    });
}

#[test]
fn mismatched_lengths_are_reported() {
    let (a, b) = ([1.0f32; 3], [1.0f32; 4]);
    assert_eq!(
        dot(&a[..], &b[..]).unwrap_err().kind(),
        crate::ErrorKind::DimensionMismatch
    );
    let mut c = [0.0f64; 2];
    assert_eq!(
        axpy(1.0, &[1.0f64; 3][..], &mut c[..]).unwrap_err().kind(),
        crate::ErrorKind::DimensionMismatch
    );
    assert!(Strided::new(&a[..], 2, 0).is_err());
    assert!(Strided::new(&a[..], 2, 3).is_err());
    assert!(Strided::new(&a[..], 2, -2).is_ok());
}

/// The same values at a different address give the same bits: the
/// floating-point reductions never peel to an alignment boundary.
#[test]
fn reductions_do_not_depend_on_address() {
    let mut rng = Rng::new(5);
    let vals: Vec<f64> = (0..1000).map(|_| rng.signed_unit() * 1e3).collect();
    for_each_isa("address independence", |isa| {
        let k = f64::kernels(isa).unwrap();
        let fk = f32::kernels(isa).unwrap();
        let mut first = None;
        for offset in 0..16 {
            let mut buf = vec![0.0f64; 1000 + offset];
            buf[offset..].copy_from_slice(&vals);
            let x = Strided::from(&buf[offset..]);
            let fbuf: Vec<f32> = buf.iter().map(|&v| v as f32).collect();
            let fx = Strided::from(&fbuf[offset..]);
            let bits = [
                dot_on(k, x, x).unwrap().to_bits(),
                asum_on(k, x).to_bits(),
                nrm2_on(k, x).to_bits(),
                u64::from(dot_on(fk, fx, fx).unwrap().to_bits()),
                u64::from(asum_on(fk, fx).to_bits()),
                u64::from(nrm2_on(fk, fx).to_bits()),
            ];
            assert_eq!(*first.get_or_insert(bits), bits, "{isa:?} offset {offset}");
        }
    });
}
