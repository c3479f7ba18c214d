//! x86_64 SIMD paths of the rotation family: one vector abstraction,
//! [`RotVec`], and the fused sweep written once against it.
//!
//! The bodies are `#[inline(always)]` and carry no target features of
//! their own: each ISA module instantiates them inside `#[target_feature]`
//! wrappers, where the intrinsics inline.
//!
//! A sweep takes a strip of `N` vectors of columns down the whole block,
//! keeping the carried row in registers. Every element goes through the
//! same operations whichever strip or lane holds it: a forward rotation
//! computes `row_j = fma(c, x, s*y)` and `row_{j+1} = fma(-s, x, c*y)`
//! with `x` carried, a backward one `row_{j+1} = fma(c, y, -(s*x))` and
//! `row_j = fma(s, y, c*x)` with `y` carried. The carried value only goes
//! through one FMA per rotation, so the dependency chain is one FMA
//! latency per rotation, and `N` strips hide it.

pub mod avx2;
pub mod avx512;

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

/// Forward rotations on one strip of `N` vectors (the last partial when
/// `PARTIAL`, with lanes `m`) starting at column pointer `p`.
#[inline(always)]
unsafe fn sweep_forward<V: RotVec, const N: usize, const PARTIAL: bool>(
    c: &[V::T],
    s: &[V::T],
    mut p: *mut V::T,
    ld: usize,
    m: V::M,
) {
    let mut x = [V::splat(V::T::ZERO); N];
    for (k, xk) in x.iter_mut().enumerate() {
        *xk = load_k::<V, N, PARTIAL>(p, k, m);
    }
    for (&cj, &sj) in c.iter().zip(s) {
        let q = p.add(ld);
        if is_identity(cj, sj) {
            for (k, xk) in x.iter_mut().enumerate() {
                store_k::<V, N, PARTIAL>(p, k, *xk, m);
                *xk = load_k::<V, N, PARTIAL>(q, k, m);
            }
        } else {
            let (cv, sv) = (V::splat(cj), V::splat(sj));
            for (k, xk) in x.iter_mut().enumerate() {
                let y = load_k::<V, N, PARTIAL>(q, k, m);
                store_k::<V, N, PARTIAL>(p, k, V::fmadd(cv, *xk, V::mul(sv, y)), m);
                *xk = V::fnmadd(sv, *xk, V::mul(cv, y));
            }
        }
        p = q;
    }
    for (k, xk) in x.iter().enumerate() {
        store_k::<V, N, PARTIAL>(p, k, *xk, m);
    }
}

/// Backward rotations on one strip (see [`sweep_forward`]); `p` points at
/// row 0 of the strip.
#[inline(always)]
unsafe fn sweep_backward<V: RotVec, const N: usize, const PARTIAL: bool>(
    c: &[V::T],
    s: &[V::T],
    p: *mut V::T,
    ld: usize,
    m: V::M,
) {
    let mut p = p.add(c.len() * ld);
    let mut y = [V::splat(V::T::ZERO); N];
    for (k, yk) in y.iter_mut().enumerate() {
        *yk = load_k::<V, N, PARTIAL>(p, k, m);
    }
    for (&cj, &sj) in c.iter().zip(s).rev() {
        let q = p.sub(ld);
        if is_identity(cj, sj) {
            for (k, yk) in y.iter_mut().enumerate() {
                store_k::<V, N, PARTIAL>(p, k, *yk, m);
                *yk = load_k::<V, N, PARTIAL>(q, k, m);
            }
        } else {
            let (cv, sv) = (V::splat(cj), V::splat(sj));
            for (k, yk) in y.iter_mut().enumerate() {
                let x = load_k::<V, N, PARTIAL>(q, k, m);
                store_k::<V, N, PARTIAL>(p, k, V::fmsub(cv, *yk, V::mul(sv, x)), m);
                *yk = V::fmadd(sv, *yk, V::mul(cv, x));
            }
        }
        p = q;
    }
    for (k, yk) in y.iter().enumerate() {
        store_k::<V, N, PARTIAL>(p, k, *yk, m);
    }
}

/// One strip of `N` vectors in the direction `FORWARD`.
#[inline(always)]
unsafe fn sweep<V: RotVec, const N: usize, const PARTIAL: bool, const FORWARD: bool>(
    c: &[V::T],
    s: &[V::T],
    p: *mut V::T,
    ld: usize,
    m: V::M,
) {
    if FORWARD {
        sweep_forward::<V, N, PARTIAL>(c, s, p, ld, m)
    } else {
        sweep_backward::<V, N, PARTIAL>(c, s, p, ld, m)
    }
}

/// The whole block: strips of `W` vectors, then one narrower strip of
/// `ceil(rest / LANES)` vectors whose last one may be partial. `W <= 8`.
///
/// # Safety
/// As for `kernels::RotateFn`, and the CPU has the features of `V`.
#[inline(always)]
pub(crate) unsafe fn apply<V: RotVec, const W: usize, const FORWARD: bool>(
    c: &[V::T],
    s: &[V::T],
    rows: *mut V::T,
    ld: usize,
    len: usize,
) {
    let count = c.len().min(s.len());
    let (c, s) = (&c[..count], &s[..count]);
    if count == 0 || len == 0 {
        return;
    }
    let strip = W * V::LANES;
    let mut col = 0;
    // An unused mask for full strips (one lane).
    let full = V::mask(1);
    while col + strip <= len {
        sweep::<V, W, false, FORWARD>(c, s, rows.add(col), ld, full);
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
                    ($n, false) if $n < W => sweep::<V, $n, false, FORWARD>(c, s, p, ld, m),
                    ($n, true) if $n <= W => sweep::<V, $n, true, FORWARD>(c, s, p, ld, m),
                )*
                _ => unreachable!("narrow strip of {vecs} vectors"),
            }
        };
    }
    narrow!(1 2 3 4 5 6 7 8);
}
