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
/// `c >= 0`, r with the sign of f (LAPACK 3.10 `xLARTG`).
#[inline]
pub(crate) fn rotation<T: LinalgReal>(f: T, g: T) -> (T, T, T) {
    if g == T::ZERO {
        return (T::ONE, T::ZERO, f);
    }
    if f == T::ZERO {
        return (T::ZERO, sign(T::ONE, g), g.abs());
    }
    let d = f.hypot(g);
    let c = f.abs() / d;
    let r = sign(d, f);
    (c, g / r, r)
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
