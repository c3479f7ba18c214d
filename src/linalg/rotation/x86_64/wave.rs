//! Several rotation sequences in one pass over the rows: a wavefront
//! (Van Zee, van de Geijn and Quintana-Orti, "Restructuring the QR
//! algorithm for performance", ACM TOMS 2014).
//!
//! Applied one after the other, each sequence loads and stores every row
//! of the strip once per rotation; at two memory operations per four
//! arithmetic ones the kernel waits on the cache. Sequence `j + 1` may
//! rotate rows `i, i + 1` as soon as sequence `j` has done its rotation
//! `i + 1`, so `K` sequences can advance together with a lag of one row
//! each: `K + 1` rows live in registers, each row is loaded and stored
//! once per `K` sequences, and every rotation sees exactly the operands,
//! in exactly the order, that one-by-one application gives it (the result
//! is the same bit for bit).
//!
//! Backward sequences run the same loop over the rows in reverse order.
//!
//! Stored entries below `sqrt(MIN_POSITIVE)` in magnitude are flushed to
//! zero ([`FlushTiny`]). The bidiagonal QR's rotations multiply the
//! structurally-zero entries of its vector blocks by small sines again
//! and again, into subnormals, and every operation on a subnormal costs
//! a microcode assist: on a 512 x 512 f64 SVD with a graded spectrum the
//! rotations took twice as long. An entry that small in a unit vector is
//! below `eps * 1e-138` (f64; `eps * 1e-12` for f32) of its norm, far
//! below rounding, and a product of two flushed-or-larger values cannot
//! itself be subnormal. Apart from those entries, the result is the same
//! bit for bit as one-by-one application.

use super::{is_identity, load_strip, rotate, store_strip, RotVec};
use crate::linalg::rotation::log::Sequence;
use crate::linalg::rotation::Direction;

/// Vectors that can drop their tiny lanes.
pub(crate) trait FlushTiny: RotVec {
    /// `v` with every lane of magnitude below `sqrt(MIN_POSITIVE)` set to
    /// zero (NaN lanes kept).
    unsafe fn flush_tiny(v: Self::V) -> Self::V;
}

/// One sequence in the wave's coordinates: position `p` is row
/// `L + p` going forward (row `H - p` backward), and the sequence's
/// rotation at position `p`, on positions `p` and `p + 1`, exists for
/// `lo <= p < hi` with its parameters at `c[p * stride]`, `s[p * stride]`.
#[derive(Copy, Clone)]
struct Lane<T> {
    lo: isize,
    hi: isize,
    c: *const T,
    s: *const T,
    stride: isize,
}

/// Applies `seqs` (at most `K`, all in direction `FORWARD`, as checked by
/// the caller) to the `len` columns of the rows at `rows` (row `r` at
/// `rows + r * ld`), in strips of `W` vectors. `S` must be `K + 1`.
///
/// # Safety
/// Every row the sequences touch is valid for `len` elements and not
/// accessed by anyone else meanwhile; every sequence's parameters lie in
/// `c` and `s`; the CPU has the features of `V`.
#[inline(always)]
pub(crate) unsafe fn apply_wave<
    V: FlushTiny,
    const W: usize,
    const K: usize,
    const S: usize,
    const FORWARD: bool,
>(
    seqs: &[Sequence],
    c: &[V::T],
    s: &[V::T],
    rows: *mut V::T,
    ld: usize,
    len: usize,
) {
    const { assert!(S == K + 1 && W >= 1) };
    debug_assert!(seqs.len() <= K);
    debug_assert!(seqs
        .iter()
        .all(|q| (q.dir == Direction::Forward) == FORWARD));
    let Some(low) = seqs.iter().map(|q| q.first).min() else {
        return;
    };
    let high = seqs.iter().map(|q| q.first + q.count).max().unwrap_or(low);
    if high == low || len == 0 {
        return;
    }
    let empty = Lane {
        lo: 0,
        hi: 0,
        c: c.as_ptr(),
        s: s.as_ptr(),
        stride: 0,
    };
    let mut lanes = [empty; K];
    for (lane, q) in lanes.iter_mut().zip(seqs) {
        let (first, count, start) = (q.first as isize, q.count as isize, q.start as isize);
        // Parameter index of the rotation at position p: start + (i - first)
        // with i = low + p forward, i = high - 1 - p backward.
        let (lo, hi, origin, stride) = if FORWARD {
            let lo = first - low as isize;
            (lo, lo + count, start - lo, 1)
        } else {
            let lo = high as isize - first - count;
            (lo, lo + count, start + high as isize - 1 - first, -1)
        };
        *lane = Lane {
            lo,
            hi,
            c: c.as_ptr().wrapping_offset(origin),
            s: s.as_ptr().wrapping_offset(origin),
            stride,
        };
    }
    let (base, step) = if FORWARD {
        (rows.add(low * ld), ld as isize)
    } else {
        (rows.add(high * ld), -(ld as isize))
    };
    let last = (high - low) as isize;
    let strip = W * V::LANES;
    let full = V::mask(1);
    let mut col = 0;
    while col + strip <= len {
        wave_strip::<V, W, K, S, false, FORWARD>(&lanes, base.add(col), step, last, full);
        col += strip;
    }
    // The rest, one vector at a time (the last one partial).
    while col < len {
        let rest = len - col;
        if rest >= V::LANES {
            wave_strip::<V, 1, K, S, false, FORWARD>(&lanes, base.add(col), step, last, full);
        } else {
            let m = V::mask(rest);
            wave_strip::<V, 1, K, S, true, FORWARD>(&lanes, base.add(col), step, last, m);
        }
        col += V::LANES;
    }
}

/// The wave over one strip of `N` vectors at `base` (position `p` at
/// `base + p * step`), positions `0..=last`.
#[inline(always)]
unsafe fn wave_strip<
    V: FlushTiny,
    const N: usize,
    const K: usize,
    const S: usize,
    const PARTIAL: bool,
    const FORWARD: bool,
>(
    lanes: &[Lane<V::T>; K],
    base: *mut V::T,
    step: isize,
    last: isize,
    m: V::M,
) {
    let zero = [V::splat(<V::T as crate::blas1::Real>::ZERO); N];
    // slot[k] holds position t - K + 1 + k during step t.
    let mut slot = [zero; S];
    slot[K] = load_strip::<V, N, PARTIAL>(base, m);
    // Steps at which every sequence has a rotation: there the range
    // checks are skipped (in the bidiagonal QR's logs that is nearly all).
    let (mut all_lo, mut all_hi) = (0, isize::MAX);
    for (j, lane) in lanes.iter().enumerate() {
        all_lo = all_lo.max(lane.lo + j as isize);
        all_hi = all_hi.min(lane.hi + j as isize);
    }
    for t in 0..last + K as isize {
        for k in 0..K {
            slot[k] = slot[k + 1];
        }
        if t < last {
            slot[K] = load_strip::<V, N, PARTIAL>(base.offset((t + 1) * step), m);
        }
        if all_lo <= t && t < all_hi {
            wave_step::<V, N, K, S, FORWARD, false>(lanes, &mut slot, t);
        } else {
            wave_step::<V, N, K, S, FORWARD, true>(lanes, &mut slot, t);
        }
        let done = t - K as isize + 1;
        if done >= 0 {
            let row = slot[0].map(|v| V::flush_tiny(v));
            store_strip::<V, N, PARTIAL>(base.offset(done * step), &row, m);
        }
    }
}

/// Step `t` of the wave: sequence `j` rotates positions `t - j` and
/// `t - j + 1` (slots `K - 1 - j` and `K - j`), if it has that rotation
/// (checked only when `CHECK`).
#[inline(always)]
unsafe fn wave_step<
    V: RotVec,
    const N: usize,
    const K: usize,
    const S: usize,
    const FORWARD: bool,
    const CHECK: bool,
>(
    lanes: &[Lane<V::T>; K],
    slot: &mut [[V::V; N]; S],
    t: isize,
) {
    for (j, lane) in lanes.iter().enumerate() {
        let p = t - j as isize;
        if CHECK && (p < lane.lo || p >= lane.hi) {
            continue;
        }
        let (cj, sj) = (
            *lane.c.offset(p * lane.stride),
            *lane.s.offset(p * lane.stride),
        );
        if is_identity(cj, sj) {
            continue;
        }
        let (cv, sv) = (V::splat(cj), V::splat(sj));
        // Position p is the row the rotation takes first: row i forward,
        // row i + 1 backward; `rotate` returns both rows in that order.
        let (a, b) = (K - 1 - j, K - j);
        let (head, tail) = slot.split_at_mut(b);
        for (x, y) in head[a].iter_mut().zip(tail[0].iter_mut()) {
            (*x, *y) = rotate::<V, FORWARD>(cv, sv, *x, *y);
        }
    }
}
