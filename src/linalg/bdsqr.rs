//! Singular values and vectors of an upper bidiagonal matrix by implicit
//! zero-shift / shifted QR sweeps (Demmel and Kahan, "Accurate singular
//! values of bidiagonal matrices", 1990; the structure of LAPACK's
//! `xBDSQR`): every singular value is found to high relative accuracy, the
//! vectors by accumulating the sweeps' rotations.
//!
//! The rotations of each sweep are computed first (O(block) scalar work)
//! and recorded; the vectors are rotated later, in bulk, by
//! [`apply_sequences`], whose fused kernels carry one row in registers
//! through a whole sequence: that application is where the time goes,
//! `~12 n` flops per rotation.

use super::plane::{rotation, singular_values_2x2, svd_2x2};
use super::rotation::log::{apply_sequences, Sequence};
use super::rotation::Direction;
use super::LinalgReal;
use crate::error::{Error, Result};
use crate::runtime::Isa;

/// Vectors whose rows the sweeps rotate: `n` rows of `len` elements, row
/// i at `data[i * ld..]`.
pub(crate) struct Rows<'a, T> {
    pub isa: Isa,
    pub data: &'a mut [T],
    pub ld: usize,
    pub len: usize,
}

impl<T: LinalgReal> Rows<'_, T> {
    fn negate(&mut self, i: usize) {
        for x in &mut self.data[i * self.ld..i * self.ld + self.len] {
            *x = -*x;
        }
    }

    fn swap(&mut self, i: usize, j: usize) {
        let (ld, len) = (self.ld, self.len);
        let (lo, hi) = (i.min(j), i.max(j));
        let (a, b) = self.data.split_at_mut(hi * ld);
        a[lo * ld..lo * ld + len].swap_with_slice(&mut b[..len]);
    }
}

/// Rotations recorded before they are applied: bounds the log's memory
/// (4 values per rotation) while amortizing each pass over the vectors.
const LOG_BUDGET: usize = 1 << 18;

/// The rotations of a block of vectors, recorded and applied in bulk by
/// [`apply_sequences`] (see its module for why).
struct Deferred<'r, 'a, T> {
    rows: &'r mut Rows<'a, T>,
    seqs: Vec<Sequence>,
    c: Vec<T>,
    s: Vec<T>,
}

impl<'r, 'a, T: LinalgReal> Deferred<'r, 'a, T> {
    fn new(rows: &'r mut Rows<'a, T>) -> Self {
        Deferred {
            rows,
            seqs: Vec::new(),
            c: Vec::new(),
            s: Vec::new(),
        }
    }

    /// Records rotations `c, s` on rows `first..=first + c.len()`.
    fn rotate(&mut self, dir: Direction, first: usize, c: &[T], s: &[T]) {
        if self.rows.len == 0 || c.is_empty() {
            return;
        }
        self.seqs.push(Sequence {
            first,
            count: c.len(),
            dir,
            start: self.c.len(),
        });
        self.c.extend_from_slice(c);
        self.s.extend_from_slice(s);
        if self.c.len() >= LOG_BUDGET {
            self.flush();
        }
    }

    /// Applies and forgets everything recorded.
    fn flush(&mut self) {
        let r = &mut *self.rows;
        apply_sequences(r.isa, &self.seqs, &self.c, &self.s, r.data, r.ld, r.len);
        self.seqs.clear();
        self.c.clear();
        self.s.clear();
    }
}

/// Largest number of inner iterations per `n^2` before giving up (LAPACK).
const MAX_ITER_FACTOR: usize = 6;

/// Diagonalizes the upper bidiagonal `B` (diagonal `d`, superdiagonal `e`,
/// `e.len() == d.len() - 1`): on success `d` holds the singular values in
/// descending order, the rows of `vt` have been multiplied by the right
/// rotations (`VT <- Vb^T VT`) and the rows of `ut` by the left ones, so
/// that with identities on entry `B = ut^T diag(d) vt`.
/// `Error::NotConverged` when the iteration limit (`6 n^2` inner steps) is
/// reached.
pub(crate) fn bidiagonal_svd<T: LinalgReal>(
    d: &mut [T],
    e: &mut [T],
    vt: &mut Rows<T>,
    ut: &mut Rows<T>,
) -> Result<()> {
    let n = d.len();
    debug_assert_eq!(e.len(), n.saturating_sub(1));
    if n == 0 {
        return Ok(());
    }
    if d.iter().chain(e.iter()).any(|x| !x.is_finite()) {
        return Err(Error::new(
            crate::error::ErrorKind::NotConverged,
            "the bidiagonal has a non-finite entry (overflow in the reduction)",
        ));
    }
    if n > 1 {
        iterate(d, e, vt, ut)?;
    }
    // Non-negative values, then descending order.
    for (i, x) in d.iter_mut().enumerate() {
        if *x < T::ZERO {
            *x = -*x;
            vt.negate(i);
        }
    }
    for i in 0..n {
        let mut best = i;
        for j in i + 1..n {
            if d[j] > d[best] {
                best = j;
            }
        }
        if best != i {
            d.swap(i, best);
            vt.swap(i, best);
            ut.swap(i, best);
        }
    }
    Ok(())
}

/// Rotation parameters of one sweep: (c, s) for VT and for U.
struct Sweep<T> {
    c1: Vec<T>,
    s1: Vec<T>,
    c2: Vec<T>,
    s2: Vec<T>,
}

fn iterate<T: LinalgReal>(
    d: &mut [T],
    e: &mut [T],
    vt: &mut Rows<T>,
    ut: &mut Rows<T>,
) -> Result<()> {
    let (mut vt, mut ut) = (Deferred::new(vt), Deferred::new(ut));
    let result = sweep_until_converged(d, e, &mut vt, &mut ut);
    vt.flush();
    ut.flush();
    result
}

fn sweep_until_converged<T: LinalgReal>(
    d: &mut [T],
    e: &mut [T],
    vt: &mut Deferred<T>,
    ut: &mut Deferred<T>,
) -> Result<()> {
    let n = d.len();
    let one = T::ONE;
    let eps = T::EPSILON * T::from_f64(0.5);
    let tolmul = T::from_f64(eps.to_f64().powf(-0.125).clamp(10.0, 100.0));
    let tol = tolmul * eps;
    let hundredth = T::from_f64(0.01);
    // Threshold for negligible superdiagonal entries: tol times an
    // estimate of the smallest singular value (relative accuracy).
    let mut sminoa = d[0].abs();
    if sminoa != T::ZERO {
        let mut mu = sminoa;
        for i in 1..n {
            mu = d[i].abs() * (mu / (mu + e[i - 1].abs()));
            sminoa = sminoa.min(mu);
            if sminoa == T::ZERO {
                break;
            }
        }
    }
    sminoa = sminoa / T::from_usize(n).sqrt();
    let nn = T::from_usize(n);
    let thresh = (tol * sminoa).max(T::from_usize(MAX_ITER_FACTOR) * (nn * (nn * T::MIN_POSITIVE)));
    let max_iter = MAX_ITER_FACTOR * n * n;
    let mut sweep = Sweep {
        c1: vec![T::ZERO; n],
        s1: vec![T::ZERO; n],
        c2: vec![T::ZERO; n],
        s2: vec![T::ZERO; n],
    };
    let mut iter = 0usize;
    let (mut oldll, mut oldm): (Option<usize>, Option<usize>) = (None, None);
    let mut forward = true;
    // m: index of the bottom of the unconverged part.
    let mut m = n - 1;
    'main: while m > 0 {
        if iter > max_iter {
            return Err(Error::new(
                crate::error::ErrorKind::NotConverged,
                format!(
                    "bidiagonal QR did not converge in {max_iter} steps ({} of {n} values left)",
                    m + 1
                ),
            ));
        }
        // The block ll..=m whose superdiagonal is all non-negligible.
        let mut smax = d[m].abs();
        let mut split = None;
        for l in (0..m).rev() {
            let (abss, abse) = (d[l].abs(), e[l].abs());
            if abse <= thresh {
                split = Some(l);
                break;
            }
            smax = smax.max(abss).max(abse);
        }
        let ll = match split {
            Some(l) => {
                e[l] = T::ZERO;
                if l == m - 1 {
                    // The bottom value has converged.
                    m -= 1;
                    continue;
                }
                l + 1
            }
            None => 0,
        };
        if ll == m - 1 {
            // A 2 x 2 block: solved directly.
            let sv = svd_2x2(d[m - 1], e[m - 1], d[m]);
            d[m - 1] = sv.ssmax;
            e[m - 1] = T::ZERO;
            d[m] = sv.ssmin;
            vt.rotate(Direction::Forward, m - 1, &[sv.csr], &[sv.snr]);
            ut.rotate(Direction::Forward, m - 1, &[sv.csl], &[sv.snl]);
            if m < 2 {
                break;
            }
            m -= 2;
            continue;
        }
        // A new block: chase the bulge from the larger end.
        if oldm.is_none_or(|om| ll > om) || oldll.is_none_or(|ol| m < ol) {
            forward = d[ll].abs() >= d[m].abs();
        }
        // Convergence tests on the block.
        let mut sminl;
        if forward {
            if e[m - 1].abs() <= tol * d[m].abs() {
                e[m - 1] = T::ZERO;
                continue;
            }
            let mut mu = d[ll].abs();
            sminl = mu;
            for l in ll..m {
                if e[l].abs() <= tol * mu {
                    e[l] = T::ZERO;
                    continue 'main;
                }
                mu = d[l + 1].abs() * (mu / (mu + e[l].abs()));
                sminl = sminl.min(mu);
            }
        } else {
            if e[ll].abs() <= tol * d[ll].abs() {
                e[ll] = T::ZERO;
                continue;
            }
            let mut mu = d[m].abs();
            sminl = mu;
            for l in (ll..m).rev() {
                if e[l].abs() <= tol * mu {
                    e[l] = T::ZERO;
                    continue 'main;
                }
                mu = d[l].abs() * (mu / (mu + e[l].abs()));
                sminl = sminl.min(mu);
            }
        }
        oldll = Some(ll);
        oldm = Some(m);
        // Shift: zero when it would spoil the relative accuracy of the
        // smallest value, else the smaller singular value of the 2 x 2 at
        // the far end.
        let shift = if nn * tol * (sminl / smax) <= eps.max(hundredth * tol) {
            T::ZERO
        } else {
            let (sll, (s, _)) = if forward {
                (d[ll].abs(), singular_values_2x2(d[m - 1], e[m - 1], d[m]))
            } else {
                (d[m].abs(), singular_values_2x2(d[ll], e[ll], d[ll + 1]))
            };
            if sll > T::ZERO && (s / sll) * (s / sll) < eps {
                T::ZERO
            } else {
                s
            }
        };
        iter += m - ll;
        let count = m - ll;
        let w = &mut sweep;
        match (shift == T::ZERO, forward) {
            (true, true) => {
                let (mut cs, mut oldcs, mut oldsn) = (one, one, T::ZERO);
                for i in ll..m {
                    let (c, s, r) = rotation(d[i] * cs, e[i]);
                    cs = c;
                    if i > ll {
                        e[i - 1] = oldsn * r;
                    }
                    let (oc, os, di) = rotation(oldcs * r, d[i + 1] * s);
                    (oldcs, oldsn, d[i]) = (oc, os, di);
                    let j = i - ll;
                    (w.c1[j], w.s1[j], w.c2[j], w.s2[j]) = (c, s, oc, os);
                }
                let h = d[m] * cs;
                d[m] = h * oldcs;
                e[m - 1] = h * oldsn;
                vt.rotate(Direction::Forward, ll, &w.c1[..count], &w.s1[..count]);
                ut.rotate(Direction::Forward, ll, &w.c2[..count], &w.s2[..count]);
                if e[m - 1].abs() <= thresh {
                    e[m - 1] = T::ZERO;
                }
            }
            (true, false) => {
                let (mut cs, mut oldcs, mut oldsn) = (one, one, T::ZERO);
                for i in (ll + 1..=m).rev() {
                    let (c, s, r) = rotation(d[i] * cs, e[i - 1]);
                    cs = c;
                    if i < m {
                        e[i] = oldsn * r;
                    }
                    let (oc, os, di) = rotation(oldcs * r, d[i - 1] * s);
                    (oldcs, oldsn, d[i]) = (oc, os, di);
                    let j = i - ll - 1;
                    (w.c1[j], w.s1[j], w.c2[j], w.s2[j]) = (c, -s, oc, -os);
                }
                let h = d[ll] * cs;
                d[ll] = h * oldcs;
                e[ll] = h * oldsn;
                vt.rotate(Direction::Backward, ll, &w.c2[..count], &w.s2[..count]);
                ut.rotate(Direction::Backward, ll, &w.c1[..count], &w.s1[..count]);
                if e[ll].abs() <= thresh {
                    e[ll] = T::ZERO;
                }
            }
            (false, true) => {
                let sgn = if d[ll] >= T::ZERO { one } else { -one };
                let mut f = (d[ll].abs() - shift) * (sgn + shift / d[ll]);
                let mut g = e[ll];
                for i in ll..m {
                    let (cosr, sinr, r) = rotation(f, g);
                    if i > ll {
                        e[i - 1] = r;
                    }
                    f = cosr * d[i] + sinr * e[i];
                    e[i] = cosr * e[i] - sinr * d[i];
                    g = sinr * d[i + 1];
                    d[i + 1] = cosr * d[i + 1];
                    let (cosl, sinl, r) = rotation(f, g);
                    d[i] = r;
                    f = cosl * e[i] + sinl * d[i + 1];
                    d[i + 1] = cosl * d[i + 1] - sinl * e[i];
                    if i + 1 < m {
                        g = sinl * e[i + 1];
                        e[i + 1] = cosl * e[i + 1];
                    }
                    let j = i - ll;
                    (w.c1[j], w.s1[j], w.c2[j], w.s2[j]) = (cosr, sinr, cosl, sinl);
                }
                e[m - 1] = f;
                vt.rotate(Direction::Forward, ll, &w.c1[..count], &w.s1[..count]);
                ut.rotate(Direction::Forward, ll, &w.c2[..count], &w.s2[..count]);
                if e[m - 1].abs() <= thresh {
                    e[m - 1] = T::ZERO;
                }
            }
            (false, false) => {
                let sgn = if d[m] >= T::ZERO { one } else { -one };
                let mut f = (d[m].abs() - shift) * (sgn + shift / d[m]);
                let mut g = e[m - 1];
                for i in (ll + 1..=m).rev() {
                    let (cosr, sinr, r) = rotation(f, g);
                    if i < m {
                        e[i] = r;
                    }
                    f = cosr * d[i] + sinr * e[i - 1];
                    e[i - 1] = cosr * e[i - 1] - sinr * d[i];
                    g = sinr * d[i - 1];
                    d[i - 1] = cosr * d[i - 1];
                    let (cosl, sinl, r) = rotation(f, g);
                    d[i] = r;
                    f = cosl * e[i - 1] + sinl * d[i - 1];
                    d[i - 1] = cosl * d[i - 1] - sinl * e[i - 1];
                    if i > ll + 1 {
                        g = sinl * e[i - 2];
                        e[i - 2] = cosl * e[i - 2];
                    }
                    let j = i - ll - 1;
                    (w.c1[j], w.s1[j], w.c2[j], w.s2[j]) = (cosr, -sinr, cosl, -sinl);
                }
                e[ll] = f;
                if e[ll].abs() <= thresh {
                    e[ll] = T::ZERO;
                }
                vt.rotate(Direction::Backward, ll, &w.c2[..count], &w.s2[..count]);
                ut.rotate(Direction::Backward, ll, &w.c1[..count], &w.s1[..count]);
            }
        }
    }
    Ok(())
}
