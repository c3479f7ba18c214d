//! x86_64 SIMD paths of the rotation family: one vector abstraction,
//! [`RotVec`], and the fused sweep written once against it.
//!
//! The bodies are `#[inline(always)]` and carry no target features of
//! their own: each ISA module instantiates them inside `#[target_feature]`
//! wrappers, where the intrinsics inline.
//!
//! A sweep takes a strip of `N` vectors of columns down a block of rows,
//! keeping the carried row in registers, so each rotation loads and stores
//! one row of the strip; the whole block is processed in row blocks of
//! [`ROW_BLOCK`] rotations, strip after strip within each. Every element goes through the
//! same operations whichever strip or lane holds it: a forward rotation
//! computes `row_j = fma(c, x, s*y)` and `row_{j+1} = fma(-s, x, c*y)`
//! with `x` carried, a backward one `row_{j+1} = fma(c, y, -(s*x))` and
//! `row_j = fma(s, y, c*x)` with `y` carried. The carried value only goes
//! through one FMA per rotation, so the dependency chain is one FMA
//! latency per rotation, and `N` strips hide it.

pub mod avx2;
pub mod avx512;
mod wave;

use crate::blas1::Real;

/// Vector operations of one (ISA, element type) pair.
pub(crate) trait RotVec {
    /// Element type.
    type T: Real;
    /// Vector of `LANES` elements.
    type V: Copy;
    /// Lane mask for partial vectors.
    type M: Copy;
    /// Elements per vector.
    const LANES: usize;

    unsafe fn splat(v: Self::T) -> Self::V;
    unsafe fn load(p: *const Self::T) -> Self::V;
    unsafe fn store(p: *mut Self::T, v: Self::V);
    /// The mask of the first `rem` lanes, `0 < rem < LANES`.
    unsafe fn mask(rem: usize) -> Self::M;
    /// Loads the masked lanes (zero elsewhere); other lanes are not read.
    unsafe fn load_mask(p: *const Self::T, m: Self::M) -> Self::V;
    /// Stores the masked lanes only.
    unsafe fn store_mask(p: *mut Self::T, v: Self::V, m: Self::M);
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, one rounding.
    unsafe fn fmadd(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `a * b - c`, one rounding.
    unsafe fn fmsub(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `c - a * b`, one rounding.
    unsafe fn fnmadd(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
}

/// Loads vector `k` of an `N`-vector strip at `p`; the last one is partial
/// when `PARTIAL`.
#[inline(always)]
unsafe fn load_k<V: RotVec, const N: usize, const PARTIAL: bool>(
    p: *const V::T,
    k: usize,
    m: V::M,
) -> V::V {
    let q = p.add(k * V::LANES);
    if PARTIAL && k == N - 1 {
        V::load_mask(q, m)
    } else {
        V::load(q)
    }
}

/// Stores vector `k` of an `N`-vector strip at `p` (see [`load_k`]).
#[inline(always)]
unsafe fn store_k<V: RotVec, const N: usize, const PARTIAL: bool>(
    p: *mut V::T,
    k: usize,
    v: V::V,
    m: V::M,
) {
    let q = p.add(k * V::LANES);
    if PARTIAL && k == N - 1 {
        V::store_mask(q, v, m)
    } else {
        V::store(q, v)
    }
}

#[inline(always)]
fn is_identity<T: Real>(c: T, s: T) -> bool {
    c == T::ONE && s == T::ZERO
}

/// One rotation on a vector of the carried row `a` and the incoming row
/// `b`: the value to store at the carried row's place, and the new carry.
/// Forward, `a` is row `j` and `b` row `j + 1`; backward, the other way.
#[inline(always)]
unsafe fn rotate<V: RotVec, const FORWARD: bool>(
    cv: V::V,
    sv: V::V,
    a: V::V,
    b: V::V,
) -> (V::V, V::V) {
    if FORWARD {
        // row_j = c*a + s*b, row_{j+1} = c*b - s*a
        (
            V::fmadd(cv, a, V::mul(sv, b)),
            V::fnmadd(sv, a, V::mul(cv, b)),
        )
    } else {
        // row_{j+1} = c*a - s*b, row_j = c*b + s*a
        (
            V::fmsub(cv, a, V::mul(sv, b)),
            V::fmadd(sv, a, V::mul(cv, b)),
        )
    }
}

/// Loads the `N`-vector strip at `p`.
#[inline(always)]
unsafe fn load_strip<V: RotVec, const N: usize, const PARTIAL: bool>(
    p: *const V::T,
    m: V::M,
) -> [V::V; N] {
    let mut v = [V::splat(V::T::ZERO); N];
    for (k, vk) in v.iter_mut().enumerate() {
        *vk = load_k::<V, N, PARTIAL>(p, k, m);
    }
    v
}

/// Stores the `N`-vector strip `v` at `p`.
#[inline(always)]
unsafe fn store_strip<V: RotVec, const N: usize, const PARTIAL: bool>(
    p: *mut V::T,
    v: &[V::V; N],
    m: V::M,
) {
    for (k, &vk) in v.iter().enumerate() {
        store_k::<V, N, PARTIAL>(p, k, vk, m);
    }
}

/// All rotations on one strip of `N` vectors (the last partial when
/// `PARTIAL`, with lanes `m`) whose row 0 starts at `rows`, in the
/// direction `FORWARD`. With `AHEAD > 0` the row each rotation needs is
/// loaded `AHEAD` rotations early, ahead of the stores in between, so a
/// load never queues behind a store to the same 4 KiB offset (power-of-two
/// strides); measured up to 10% on AVX-512 f32 there, and AVX2 keeps 0 for
/// lack of registers.
#[inline(always)]
unsafe fn sweep<
    V: RotVec,
    const N: usize,
    const PARTIAL: bool,
    const FORWARD: bool,
    const AHEAD: usize,
>(
    c: &[V::T],
    s: &[V::T],
    rows: *mut V::T,
    ld: usize,
    m: V::M,
) {
    let count = c.len();
    let step = if FORWARD { ld as isize } else { -(ld as isize) };
    let mut p = if FORWARD { rows } else { rows.add(count * ld) };
    let mut a = load_strip::<V, N, PARTIAL>(p, m);
    let mut ring = [[V::splat(V::T::ZERO); N]; AHEAD];
    for (d, r) in ring.iter_mut().enumerate() {
        if d < count {
            *r = load_strip::<V, N, PARTIAL>(p.offset((d as isize + 1) * step), m);
        }
    }
    for j in 0..count {
        let i = if FORWARD { j } else { count - 1 - j };
        let (cj, sj) = (*c.get_unchecked(i), *s.get_unchecked(i));
        let q = p.offset(step);
        let b = if AHEAD == 0 {
            load_strip::<V, N, PARTIAL>(q, m)
        } else {
            let b = ring[0];
            for d in 1..AHEAD {
                ring[d - 1] = ring[d];
            }
            if j + AHEAD < count {
                if let Some(last) = ring.last_mut() {
                    *last = load_strip::<V, N, PARTIAL>(q.offset(AHEAD as isize * step), m);
                }
            }
            b
        };
        if is_identity(cj, sj) {
            store_strip::<V, N, PARTIAL>(p, &a, m);
            a = b;
        } else {
            let (cv, sv) = (V::splat(cj), V::splat(sj));
            for (k, (ak, &bk)) in a.iter_mut().zip(&b).enumerate() {
                let (out, carry) = rotate::<V, FORWARD>(cv, sv, *ak, bk);
                store_k::<V, N, PARTIAL>(p, k, out, m);
                *ak = carry;
            }
        }
        p = q;
    }
    store_strip::<V, N, PARTIAL>(p, &a, m);
}

/// Rotations per row block. The sweep of one strip through a row block
/// touches `ROW_BLOCK + 1` rows; with a row stride that is a multiple of
/// 4 KiB they all fall in the same L1 sets, and 7 rows fit the 8 ways of
/// Zen 4's L1 (12 on Golden Cove). Blocking also lets the hardware
/// prefetchers see each row read left to right, strip after strip.
/// Measured on a Xeon (Emerald Rapids), 512 x 512 f64 with stride 512:
/// 17 GFLOP/s unblocked, 27 with blocks of 4 to 8; no loss on other strides.
const ROW_BLOCK: usize = 6;

/// The whole block, in row blocks of [`ROW_BLOCK`] rotations (the last
/// row of one is the first of the next), each swept strip by strip in
/// strips of `W` vectors, with `AHEAD` rows loaded early (see [`sweep`]).
/// The carried row goes through memory between row blocks unchanged, so
/// the blocking does not change any result.
///
/// # Safety
/// As for `kernels::RotateFn`, and the CPU has the features of `V`.
#[inline(always)]
pub(crate) unsafe fn apply<V: RotVec, const W: usize, const AHEAD: usize, const FORWARD: bool>(
    c: &[V::T],
    s: &[V::T],
    rows: *mut V::T,
    ld: usize,
    len: usize,
) {
    let count = c.len().min(s.len());
    if count == 0 || len == 0 {
        return;
    }
    let rb = ROW_BLOCK;
    let blocks = count.div_ceil(rb);
    for b in 0..blocks {
        let (j0, j1) = if FORWARD {
            (b * rb, ((b + 1) * rb).min(count))
        } else {
            (count.saturating_sub((b + 1) * rb), count - b * rb)
        };
        let (c, s, p) = (&c[j0..j1], &s[j0..j1], rows.add(j0 * ld));
        apply_rows::<V, W, AHEAD, FORWARD>(c, s, p, ld, len);
    }
}

/// One row block: strips of `W` vectors, then one narrower strip of
/// `ceil(rest / LANES)` vectors whose last one may be partial. `W <= 4`.
#[inline(always)]
unsafe fn apply_rows<V: RotVec, const W: usize, const AHEAD: usize, const FORWARD: bool>(
    c: &[V::T],
    s: &[V::T],
    rows: *mut V::T,
    ld: usize,
    len: usize,
) {
    const { assert!(W >= 1 && W <= 4) };
    let strip = W * V::LANES;
    let mut col = 0;
    // An unused mask for full strips (one lane).
    let full = V::mask(1);
    while col + strip <= len {
        sweep::<V, W, false, FORWARD, AHEAD>(c, s, rows.add(col), ld, full);
        col += strip;
    }
    let rest = len - col;
    if rest == 0 {
        return;
    }
    let p = rows.add(col);
    let vecs = rest.div_ceil(V::LANES);
    let partial = rest % V::LANES;
    let m = if partial == 0 { full } else { V::mask(partial) };
    macro_rules! narrow {
        ($($n:literal)*) => {
            match (vecs, partial != 0) {
                $(
                    ($n, false) if $n < W => sweep::<V, $n, false, FORWARD, AHEAD>(c, s, p, ld, m),
                    ($n, true) if $n <= W => sweep::<V, $n, true, FORWARD, AHEAD>(c, s, p, ld, m),
                )*
                _ => unreachable!("narrow strip of {vecs} vectors"),
            }
        };
    }
    narrow!(1 2 3 4);
}
