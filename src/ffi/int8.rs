//! C ABI of the exact integer GEMM (same strides as `sk_sgemm`).

use super::gemm::gemm_views;
use super::{boundary, sk_status};
use crate::gemm::int8;

/// Largest k of `sk_gemm_u8s8s32` / `sk_gemm_s8s8s32`:
/// floor((2^31 - 1) / (255 * 128)); no int32 partial sum can overflow.
pub const SK_GEMM_INT8_MAX_K: usize = 65793;

/// Exact integer GEMM: `C = A * B` (beta == 0) or `C = A * B + C`
/// (beta == 1) with uint8 A (m x k), int8 B (k x n) and int32 C, BLIS-style
/// strides in elements. Uses VPDPBUSD on AVX-512 VNNI and exact int16
/// pair products elsewhere.
///
/// Every sum is exact: k may be at most `SK_GEMM_INT8_MAX_K` (65793 =
/// floor((2^31 - 1) / (255 * 128))), so no partial sum can overflow.
/// With beta == 1 the final addition of C wraps modulo 2^32. beta == 0
/// never reads C. Results do not depend on the thread count.
///
/// @return `SK_OK`, `SK_ERR_NULL_POINTER`, `SK_ERR_DIMENSION_MISMATCH`
///         (never: the shapes are implied), or `SK_ERR_INVALID_ARGUMENT`
///         (beta not 0 or 1, k above the limit, zero stride, size overflow,
///         C overlapping A or B, C strides that are not a (padded) row- or
///         column-major layout, as for `sk_sgemm`). Thread-safe for
///         disjoint outputs.
#[no_mangle]
pub extern "C" fn sk_gemm_u8s8s32(
    m: usize,
    n: usize,
    k: usize,
    a: *const u8,
    rsa: isize,
    csa: isize,
    b: *const i8,
    rsb: isize,
    csb: isize,
    beta: i32,
    c: *mut i32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_gemm_u8s8s32", {
        let views = gemm_views(
            (m, n, k),
            (a, rsa, csa),
            (b, rsb, csb),
            (c, rsc, csc),
            k > 0,
        );
        let (a, b, c) = views?;
        int8::gemm_u8s8s32(a, b, beta, c)
    })
}

/// Exact int8 x int8 GEMM into int32, computed as (A + 128) B minus 128
/// times B's column sums; arguments, limits and statuses as
/// `sk_gemm_u8s8s32`.
#[no_mangle]
pub extern "C" fn sk_gemm_s8s8s32(
    m: usize,
    n: usize,
    k: usize,
    a: *const i8,
    rsa: isize,
    csa: isize,
    b: *const i8,
    rsb: isize,
    csb: isize,
    beta: i32,
    c: *mut i32,
    rsc: isize,
    csc: isize,
) -> sk_status {
    boundary!("sk_gemm_s8s8s32", {
        let views = gemm_views(
            (m, n, k),
            (a, rsa, csa),
            (b, rsb, csb),
            (c, rsc, csc),
            k > 0,
        );
        let (a, b, c) = views?;
        int8::gemm_s8s8s32(a, b, beta, c)
    })
}
