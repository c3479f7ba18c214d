//! 2 x 2 building blocks of the bidiagonal QR iteration: plane rotations
//! and the singular values (and vectors) of a 2 x 2 upper triangular
//! matrix, after LAPACK's `xLARTG`, `xLAS2` and `xLASV2`.

use super::LinalgReal;

/// `|a|` with the sign of `b` (Fortran's SIGN: +0 counts as positive).
#[inline]
fn sign<T: LinalgReal>(a: T, b: T) -> T {
    if b >= T::ZERO {
        a.abs()
    } else {
        -a.abs()
    }
}

/// A rotation with `[c s; -s c] [f; g] = [r; 0]`: returns `(c, s, r)`,
/// `c >= 0`, r with the sign of f (LAPACK 3.10 `xLARTG`). When both
/// magnitudes lie well inside the exponent range, `sqrt(f^2 + g^2)` is
/// computed directly (the bidiagonal QR calls this twice per bulge step,
/// on its critical path, and libm's `hypot` measured 30% of that
/// iteration's scalar time); otherwise the operands are scaled first.
#[inline]
pub(crate) fn rotation<T: LinalgReal>(f: T, g: T) -> (T, T, T) {
    if g == T::ZERO {
        return (T::ONE, T::ZERO, f);
    }
    if f == T::ZERO {
        return (T::ZERO, sign(T::ONE, g), g.abs());
    }
    let safmin = T::MIN_POSITIVE;
    let safmax = T::ONE / safmin;
    let rtmin = safmin.sqrt();
    let rtmax = (safmax / (T::ONE + T::ONE)).sqrt();
    let (f1, g1) = (f.abs(), g.abs());
    if f1 > rtmin && f1 < rtmax && g1 > rtmin && g1 < rtmax {
        let d = (f * f + g * g).sqrt();
        let r = sign(d, f);
        (f1 / d, g / r, r)
    } else {
        let u = safmax.min(safmin.max(f1).max(g1));
        let (fs, gs) = (f / u, g / u);
        let d = (fs * fs + gs * gs).sqrt();
        let r = sign(d, f);
        (fs.abs() / d, gs / r, r * u)
    }
}

/// Singular values `(smin, smax)` of `[f g; 0 h]` (`xLAS2`).
pub(crate) fn singular_values_2x2<T: LinalgReal>(f: T, g: T, h: T) -> (T, T) {
    let (fa, ga, ha) = (f.abs(), g.abs(), h.abs());
    let (fhmn, fhmx) = (fa.min(ha), fa.max(ha));
    let one = T::ONE;
    let two = one + one;
    if fhmn == T::ZERO {
        let smax = if fhmx == T::ZERO {
            ga
        } else {
            let (lo, hi) = (fhmx.min(ga), fhmx.max(ga));
            hi * (one + (lo / hi) * (lo / hi)).sqrt()
        };
        return (T::ZERO, smax);
    }
    if ga < fhmx {
        let as_ = one + fhmn / fhmx;
        let at = (fhmx - fhmn) / fhmx;
        let au = (ga / fhmx) * (ga / fhmx);
        let c = two / ((as_ * as_ + au).sqrt() + (at * at + au).sqrt());
        (fhmn * c, fhmx / c)
    } else {
        let au = fhmx / ga;
        if au == T::ZERO {
            // Avoid underflow: fhmx / ga below the smallest normal.
            ((fhmn * fhmx) / ga, ga)
        } else {
            let as_ = one + fhmn / fhmx;
            let at = (fhmx - fhmn) / fhmx;
            let c = one
                / ((one + (as_ * au) * (as_ * au)).sqrt() + (one + (at * au) * (at * au)).sqrt());
            let smin = (fhmn * c) * au;
            (smin + smin, ga / (c + c))
        }
    }
}

/// The SVD of `[f g; 0 h]` (`xLASV2`):
/// `[csl snl; -snl csl] [f g; 0 h] [csr -snr; snr csr] = [ssmax 0; 0 ssmin]`.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Svd2x2<T> {
    pub ssmin: T,
    pub ssmax: T,
    pub snr: T,
    pub csr: T,
    pub snl: T,
    pub csl: T,
}

/// See [`Svd2x2`].
pub(crate) fn svd_2x2<T: LinalgReal>(f: T, g: T, h: T) -> Svd2x2<T> {
    let one = T::ONE;
    let two = one + one;
    let four = two + two;
    let half = one / two;
    let (mut ft, mut fa, mut ht, mut ha) = (f, f.abs(), h, h.abs());
    // pmax: which of f, g, h has the largest magnitude (1, 2, 3).
    let mut pmax = 1;
    let swap = ha > fa;
    if swap {
        pmax = 3;
        std::mem::swap(&mut ft, &mut ht);
        std::mem::swap(&mut fa, &mut ha);
    }
    let gt = g;
    let ga = gt.abs();
    let (mut clt, mut crt, mut slt, mut srt);
    let (mut ssmin, mut ssmax);
    if ga == T::ZERO {
        ssmin = ha;
        ssmax = fa;
        clt = one;
        crt = one;
        slt = T::ZERO;
        srt = T::ZERO;
    } else {
        let mut gasmal = true;
        // Placeholders, set on every path below.
        clt = one;
        crt = one;
        slt = T::ZERO;
        srt = T::ZERO;
        ssmin = T::ZERO;
        ssmax = T::ZERO;
        if ga > fa {
            pmax = 2;
            if fa / ga < T::EPSILON {
                // Very large g.
                gasmal = false;
                ssmax = ga;
                ssmin = if ha > one {
                    fa / (ga / ha)
                } else {
                    (fa / ga) * ha
                };
                clt = one;
                slt = ht / gt;
                srt = one;
                crt = ft / gt;
            }
        }
        if gasmal {
            let d = fa - ha;
            let mut l = if d == fa { one } else { d / fa };
            let m = gt / ft;
            let mut t = two - l;
            let mm = m * m;
            let tt = t * t;
            let s = (tt + mm).sqrt();
            let r = if l == T::ZERO {
                m.abs()
            } else {
                (l * l + mm).sqrt()
            };
            let a = half * (s + r);
            ssmin = ha / a;
            ssmax = fa * a;
            if mm == T::ZERO {
                t = if l == T::ZERO {
                    sign(two, ft) * sign(one, gt)
                } else {
                    gt / sign(d, ft) + m / t
                };
            } else {
                t = (m / (s + t) + m / (r + l)) * (one + a);
            }
            l = (t * t + four).sqrt();
            crt = two / l;
            srt = t / l;
            clt = (crt + srt * m) / a;
            slt = (ht / ft) * srt / a;
        }
    }
    let (csl, snl, csr, snr) = if swap {
        (srt, crt, slt, clt)
    } else {
        (clt, slt, crt, srt)
    };
    let tsign = match pmax {
        1 => sign(one, csr) * sign(one, csl) * sign(one, f),
        2 => sign(one, snr) * sign(one, csl) * sign(one, g),
        _ => sign(one, snr) * sign(one, snl) * sign(one, h),
    };
    ssmax = sign(ssmax, tsign);
    ssmin = sign(ssmin, tsign * sign(one, f) * sign(one, h));
    Svd2x2 {
        ssmin,
        ssmax,
        snr,
        csr,
        snl,
        csl,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    /// `rotation` zeroes g and keeps r's sign and magnitude, in the safe
    /// range and far outside it (tiny, huge, subnormal, mixed scales),
    /// with the edge cases `xLARTG` defines.
    #[test]
    fn rotation_annihilates_across_the_exponent_range() {
        let mut rng = Rng::new(0x9a7e);
        let scales = [1.0, 1e-300, 1e300, 1e-160, 1e160, 5e-320, f64::MAX / 4.0];
        for &sf in &scales {
            for &sg in &scales {
                for _ in 0..20 {
                    let (f, g) = (rng.signed_unit() * sf, rng.signed_unit() * sg);
                    let (c, s, r) = rotation(f, g);
                    assert!(c >= 0.0 && r.is_finite(), "f={f:e} g={g:e}: c={c} r={r}");
                    assert!(
                        (c * c + s * s - 1.0).abs() <= 4.0 * f64::EPSILON,
                        "f={f:e} g={g:e}"
                    );
                    // |r| = sqrt(f^2 + g^2): compare in the larger's units.
                    let big = f.abs().max(g.abs());
                    let exact = big * ((f / big).powi(2) + (g / big).powi(2)).sqrt();
                    assert!(((r.abs() - exact) / exact).abs() <= 4.0 * f64::EPSILON);
                    assert!(f == 0.0 || r.is_sign_negative() == f.is_sign_negative());
                    // The rotated second component vanishes to rounding.
                    let second = c * (g / big) - s * (f / big);
                    assert!(
                        second.abs() <= 4.0 * f64::EPSILON,
                        "f={f:e} g={g:e}: {second:e}"
                    );
                }
            }
        }
        assert_eq!(rotation(3.0, 0.0), (1.0, 0.0, 3.0));
        assert_eq!(rotation(0.0, -2.0), (0.0, -1.0, 2.0));
        let (c, s, r) = rotation(-3.0f32, 4.0);
        assert_eq!((c, s, r), (0.6, -0.8, -5.0));
    }
}
