//! One vector abstraction, [`SimdReal`], over (ISA, element type) pairs, and
//! the level-1 loop bodies written once against it.
//!
//! The bodies are `#[inline(always)]` and carry no target features of their
//! own: each ISA module instantiates them inside `#[target_feature]`
//! wrappers (see [`level1_wrappers`]), where the intrinsics inline.

use super::super::real::Real;

/// Vector operations of one (ISA, element type) pair.
pub(crate) trait SimdReal {
    /// Element type.
    type T: Real;
    /// Vector of `LANES` elements.
    type V: Copy;
    /// Vector of f64 accumulators for sums of squares.
    type W: Copy;
    /// Elements per vector.
    const LANES: usize;
    /// Bytes per vector: loads aligned to this never split a cache line.
    const BYTES: usize = Self::LANES * std::mem::size_of::<Self::T>();

    unsafe fn zero() -> Self::V;
    unsafe fn splat(v: Self::T) -> Self::V;
    unsafe fn load(p: *const Self::T) -> Self::V;
    /// Loads `rem < LANES` elements, zero-filling the rest.
    unsafe fn load_tail(p: *const Self::T, rem: usize) -> Self::V;
    unsafe fn store(p: *mut Self::T, v: Self::V);
    /// Stores the first `rem < LANES` lanes.
    unsafe fn store_tail(p: *mut Self::T, v: Self::V, rem: usize);
    /// `a * b + c` with one rounding.
    unsafe fn fmadd(a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    unsafe fn add(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn mul(a: Self::V, b: Self::V) -> Self::V;
    unsafe fn abs(a: Self::V) -> Self::V;
    /// Lane-wise maximum of non-negative values compared as unsigned
    /// integers: the float maximum, except that NaN ranks above +Inf, so a
    /// NaN is sticky without a separate test.
    unsafe fn max_bits(a: Self::V, b: Self::V) -> Self::V;
    /// Bit `i` set when lane `i` of `a` equals lane `i` of `b`.
    unsafe fn eq_bits(a: Self::V, b: Self::V) -> u32;
    unsafe fn hsum(a: Self::V) -> Self::T;
    /// Sum of every lane of four vectors. The final reduction is the
    /// latency short calls pay, so an ISA may override the tree.
    #[inline(always)]
    unsafe fn hsum4(a: [Self::V; 4]) -> Self::T {
        Self::hsum(Self::add(Self::add(a[0], a[1]), Self::add(a[2], a[3])))
    }
    /// Horizontal [`SimdReal::max_bits`].
    unsafe fn hmax_bits(a: Self::V) -> Self::T;
    unsafe fn wzero() -> Self::W;
    unsafe fn wsplat(v: f64) -> Self::W;
    unsafe fn wadd(a: Self::W, b: Self::W) -> Self::W;
    unsafe fn whsum(a: Self::W) -> f64;
    /// Adds the squares of `v * scale`, widened to f64, into `acc`.
    unsafe fn sq_acc(acc: [Self::W; 2], v: Self::V, scale: Self::W) -> [Self::W; 2];

    /// The dot's main loop: `acc[j] += x[4i + j] * y[4i + j]` (vectors)
    /// for the `blocks` blocks of four vectors at `xp` and `yp`.
    #[inline(always)]
    unsafe fn dot_blocks(
        acc: &mut [Self::V; 4],
        xp: *const Self::T,
        yp: *const Self::T,
        blocks: usize,
    ) {
        let l = Self::LANES;
        for b in 0..blocks {
            let (xb, yb) = (xp.add(4 * l * b), yp.add(4 * l * b));
            for (j, a) in acc.iter_mut().enumerate() {
                *a = Self::fmadd(Self::load(xb.add(j * l)), Self::load(yb.add(j * l)), *a);
            }
        }
    }
}

/// Independent accumulators for reductions: FMA latency (4 cycles) times
/// two FMA ports, so the loop is bound by loads, not by the FMA chain.
const ACC: usize = 8;

#[inline(always)]
unsafe fn tree_sum<S: SimdReal>(acc: [S::V; ACC]) -> S::V {
    let a = S::add(S::add(acc[0], acc[1]), S::add(acc[2], acc[3]));
    let b = S::add(S::add(acc[4], acc[5]), S::add(acc[6], acc[7]));
    S::add(a, b)
}

/// Elements before `p` reaches a vector boundary (at most `n`), so the main
/// loop's loads and stores never split a cache line: misaligned accesses
/// halve L1 bandwidth on AVX-512 cores, and `malloc` hands out 16-byte
/// aligned blocks. Only kernels whose result does not depend on the
/// grouping peel (axpy, scal, amax): peeling a floating-point reduction
/// would make its last bits depend on the buffer's address, so dot, asum
/// and nrm2 keep one fixed order and run fastest on 64-byte aligned input.
#[inline(always)]
fn head_len<S: SimdReal>(p: *const S::T, n: usize) -> usize {
    let size = std::mem::size_of::<S::T>();
    let misalign = p as usize % S::BYTES;
    if !misalign.is_multiple_of(size) {
        return 0; // not element-aligned: no peel can help
    }
    (((S::BYTES - misalign) % S::BYTES) / size).min(n)
}

#[inline(always)]
pub(crate) unsafe fn dot<S: SimdReal>(x: &[S::T], y: &[S::T]) -> S::T {
    let n = x.len().min(y.len());
    let (mut xp, mut yp) = (x.as_ptr(), y.as_ptr());
    let l = S::LANES;
    if n < 8 * l {
        return dot_short::<S>(n, xp, yp);
    }
    // Four chains cover the FMA latency at one load pair per cycle; more
    // would only lengthen the final reduction, which short calls pay for.
    let mut acc = [S::zero(); 4];
    let blocks = n / (4 * l);
    S::dot_blocks(&mut acc, xp, yp, blocks);
    xp = xp.add(blocks * 4 * l);
    yp = yp.add(blocks * 4 * l);
    let mut rem = n % (4 * l);
    for a in acc.iter_mut().take(3) {
        if rem >= l {
            *a = S::fmadd(S::load(xp), S::load(yp), *a);
            xp = xp.add(l);
            yp = yp.add(l);
            rem -= l;
        }
    }
    if rem > 0 {
        acc[3] = S::fmadd(S::load_tail(xp, rem), S::load_tail(yp, rem), acc[3]);
    }
    S::hsum4(acc)
}

/// Dot of fewer than eight vectors: two chains, so the final reduction
/// (which dominates the latency of short calls) is one add, not seven.
#[inline(always)]
unsafe fn dot_short<S: SimdReal>(n: usize, xp: *const S::T, yp: *const S::T) -> S::T {
    let l = S::LANES;
    let (mut a0, mut a1) = (S::zero(), S::zero());
    let mut i = 0;
    while i + 2 * l <= n {
        a0 = S::fmadd(S::load(xp.add(i)), S::load(yp.add(i)), a0);
        a1 = S::fmadd(S::load(xp.add(i + l)), S::load(yp.add(i + l)), a1);
        i += 2 * l;
    }
    if i + l <= n {
        a0 = S::fmadd(S::load(xp.add(i)), S::load(yp.add(i)), a0);
        i += l;
    }
    if i < n {
        a1 = S::fmadd(
            S::load_tail(xp.add(i), n - i),
            S::load_tail(yp.add(i), n - i),
            a1,
        );
    }
    S::hsum(S::add(a0, a1))
}

#[inline(always)]
pub(crate) unsafe fn asum<S: SimdReal>(x: &[S::T]) -> S::T {
    let n = x.len();
    let xp = x.as_ptr();
    let l = S::LANES;
    let mut acc = [S::zero(); ACC];
    let mut i = 0;
    while i + ACC * l <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = S::add(*a, S::abs(S::load(xp.add(i + j * l))));
        }
        i += ACC * l;
    }
    for a in acc.iter_mut() {
        if i + l <= n {
            *a = S::add(*a, S::abs(S::load(xp.add(i))));
            i += l;
        }
    }
    if i < n {
        acc[ACC - 1] = S::add(acc[ACC - 1], S::abs(S::load_tail(xp.add(i), n - i)));
    }
    S::hsum(tree_sum::<S>(acc))
}

#[inline(always)]
pub(crate) unsafe fn axpy<S: SimdReal>(alpha: S::T, x: &[S::T], y: &mut [S::T]) {
    let n = x.len().min(y.len());
    let (xp, yp) = (x.as_ptr(), y.as_mut_ptr());
    let l = S::LANES;
    let a = S::splat(alpha);
    let mut i = head_len::<S>(yp, n);
    if i > 0 {
        let v = S::fmadd(a, S::load_tail(xp, i), S::load_tail(yp, i));
        S::store_tail(yp, v, i);
    }
    while i + 4 * l <= n {
        for j in 0..4 {
            let o = i + j * l;
            S::store(
                yp.add(o),
                S::fmadd(a, S::load(xp.add(o)), S::load(yp.add(o))),
            );
        }
        i += 4 * l;
    }
    while i + l <= n {
        S::store(
            yp.add(i),
            S::fmadd(a, S::load(xp.add(i)), S::load(yp.add(i))),
        );
        i += l;
    }
    if i < n {
        let r = n - i;
        let v = S::fmadd(a, S::load_tail(xp.add(i), r), S::load_tail(yp.add(i), r));
        S::store_tail(yp.add(i), v, r);
    }
}

#[inline(always)]
pub(crate) unsafe fn scal<S: SimdReal>(alpha: S::T, x: &mut [S::T]) {
    let n = x.len();
    let xp = x.as_mut_ptr();
    let l = S::LANES;
    let a = S::splat(alpha);
    let mut i = head_len::<S>(xp, n);
    if i > 0 {
        S::store_tail(xp, S::mul(S::load_tail(xp, i), a), i);
    }
    while i + 4 * l <= n {
        for j in 0..4 {
            let o = i + j * l;
            S::store(xp.add(o), S::mul(S::load(xp.add(o)), a));
        }
        i += 4 * l;
    }
    while i + l <= n {
        S::store(xp.add(i), S::mul(S::load(xp.add(i)), a));
        i += l;
    }
    if i < n {
        let r = n - i;
        S::store_tail(xp.add(i), S::mul(S::load_tail(xp.add(i), r), a), r);
    }
}

#[inline(always)]
pub(crate) unsafe fn amax<S: SimdReal>(x: &[S::T]) -> (S::T, bool) {
    let n = x.len();
    let xp = x.as_ptr();
    let l = S::LANES;
    let mut acc = [S::zero(); 4];
    let mut i = head_len::<S>(xp, n);
    if i > 0 {
        acc[2] = S::abs(S::load_tail(xp, i));
    }
    while i + 4 * l <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = S::max_bits(*a, S::abs(S::load(xp.add(i + j * l))));
        }
        i += 4 * l;
    }
    for a in acc.iter_mut().take(3) {
        if i + l <= n {
            *a = S::max_bits(*a, S::abs(S::load(xp.add(i))));
            i += l;
        }
    }
    if i < n {
        // Zero-filled lanes cannot raise a maximum of magnitudes.
        acc[3] = S::max_bits(acc[3], S::abs(S::load_tail(xp.add(i), n - i)));
    }
    let m = S::max_bits(S::max_bits(acc[0], acc[1]), S::max_bits(acc[2], acc[3]));
    let m = S::hmax_bits(m);
    (m, m.is_nan())
}

#[inline(always)]
pub(crate) unsafe fn first_abs_eq<S: SimdReal>(x: &[S::T], target: S::T) -> usize {
    let n = x.len();
    let xp = x.as_ptr();
    let l = S::LANES;
    let t = S::splat(target);
    let mut i = 0;
    while i + l <= n {
        let bits = S::eq_bits(S::abs(S::load(xp.add(i))), t);
        if bits != 0 {
            return i + bits.trailing_zeros() as usize;
        }
        i += l;
    }
    if i < n {
        let r = n - i;
        // Zero-filled lanes would match a zero target: keep only real lanes.
        let bits = S::eq_bits(S::abs(S::load_tail(xp.add(i), r)), t) & ((1u32 << r) - 1);
        if bits != 0 {
            return i + bits.trailing_zeros() as usize;
        }
    }
    n
}

#[inline(always)]
pub(crate) unsafe fn sumsq<S: SimdReal>(x: &[S::T], scale: f64) -> f64 {
    let n = x.len();
    let xp = x.as_ptr();
    let l = S::LANES;
    let s = S::wsplat(scale);
    let mut acc = [[S::wzero(); 2]; 4];
    let mut i = 0;
    while i + 4 * l <= n {
        for (j, a) in acc.iter_mut().enumerate() {
            *a = S::sq_acc(*a, S::load(xp.add(i + j * l)), s);
        }
        i += 4 * l;
    }
    while i + l <= n {
        acc[0] = S::sq_acc(acc[0], S::load(xp.add(i)), s);
        i += l;
    }
    if i < n {
        acc[1] = S::sq_acc(acc[1], S::load_tail(xp.add(i), n - i), s);
    }
    let total = acc
        .iter()
        .fold(S::wzero(), |t, a| S::wadd(t, S::wadd(a[0], a[1])));
    S::whsum(total)
}

/// Instantiates the level-1 bodies for one (ISA, type) pair inside
/// `#[target_feature]` wrappers and collects them in `KERNELS`.
macro_rules! level1_wrappers {
    ($features:literal, $simd:ty, $t:ty) => {
        use super::super::simd;
        use $crate::blas1::kernels::Kernels;

        #[target_feature(enable = $features)]
        unsafe fn dot(x: &[$t], y: &[$t]) -> $t {
            simd::dot::<$simd>(x, y)
        }
        #[target_feature(enable = $features)]
        unsafe fn axpy(a: $t, x: &[$t], y: &mut [$t]) {
            simd::axpy::<$simd>(a, x, y)
        }
        #[target_feature(enable = $features)]
        unsafe fn scal(a: $t, x: &mut [$t]) {
            simd::scal::<$simd>(a, x)
        }
        #[target_feature(enable = $features)]
        unsafe fn asum(x: &[$t]) -> $t {
            simd::asum::<$simd>(x)
        }
        #[target_feature(enable = $features)]
        unsafe fn amax(x: &[$t]) -> ($t, bool) {
            simd::amax::<$simd>(x)
        }
        #[target_feature(enable = $features)]
        unsafe fn first_abs_eq(x: &[$t], t: $t) -> usize {
            simd::first_abs_eq::<$simd>(x, t)
        }
        #[target_feature(enable = $features)]
        unsafe fn sumsq(x: &[$t], s: f64) -> f64 {
            simd::sumsq::<$simd>(x, s)
        }

        /// The level-1 kernel table of this (ISA, type) pair.
        pub static KERNELS: Kernels<$t> = Kernels {
            dot,
            axpy,
            scal,
            asum,
            amax,
            first_abs_eq,
            sumsq,
        };
    };
}
pub(crate) use level1_wrappers;
