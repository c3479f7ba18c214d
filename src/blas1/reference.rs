//! Plain scalar level-1 kernels: the oracle in tests and the scalar path.
//!
//! Everything here works on strided views; the contiguous entries of the
//! scalar kernel table wrap these.

use super::real::Real;
use super::strided::{Strided, StridedMut};

/// Sum of `x[i] * y[i]` in index order.
pub fn dot<T: Real>(x: Strided<T>, y: Strided<T>) -> T {
    (0..x.len()).fold(T::ZERO, |acc, i| acc + x.get(i) * y.get(i))
}

/// `y[i] += alpha * x[i]`.
pub fn axpy<T: Real>(alpha: T, x: Strided<T>, y: &mut StridedMut<T>) {
    for i in 0..x.len() {
        let v = y.get(i) + alpha * x.get(i);
        *y.get_mut(i) = v;
    }
}

/// `x[i] *= alpha`.
pub fn scal<T: Real>(alpha: T, x: &mut StridedMut<T>) {
    for i in 0..x.len() {
        let v = x.get(i) * alpha;
        *x.get_mut(i) = v;
    }
}

/// Sum of `|x[i]|`.
pub fn asum<T: Real>(x: Strided<T>) -> T {
    (0..x.len()).fold(T::ZERO, |acc, i| acc + x.get(i).abs())
}

/// Largest `|x[i]|` (0 for empty) and whether any element is NaN.
pub fn amax<T: Real>(x: Strided<T>) -> (T, bool) {
    (0..x.len()).fold((T::ZERO, false), |(m, nan), i| {
        let a = x.get(i).abs();
        (if a > m { a } else { m }, nan || a.is_nan())
    })
}

/// First index `i` with `|x[i]| == target`, or `x.len()` when none.
pub fn first_abs_eq<T: Real>(x: Strided<T>, target: T) -> usize {
    (0..x.len())
        .find(|&i| x.get(i).abs() == target)
        .unwrap_or(x.len())
}

/// First index of a NaN, or `x.len()` when none.
pub fn first_nan<T: Real>(x: Strided<T>) -> usize {
    (0..x.len()).find(|&i| x.get(i).is_nan()).unwrap_or(x.len())
}

/// Sum of `(x[i] * scale)^2` accumulated in f64.
pub fn sumsq<T: Real>(x: Strided<T>, scale: f64) -> f64 {
    (0..x.len()).fold(0.0, |acc, i| {
        let v = x.get(i).to_f64() * scale;
        acc + v * v
    })
}

/// Exact `sum x[i] * y[i]` of unsigned by signed bytes, in i64.
pub fn dot_u8s8(x: &[u8], y: &[i8]) -> i64 {
    x.iter()
        .zip(y)
        .map(|(&a, &b)| i64::from(a) * i64::from(b))
        .sum()
}
