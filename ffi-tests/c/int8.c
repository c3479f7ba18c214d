/*
 * C test of the int8 entry points: the exact integer GEMMs
 * (sk_gemm_u8s8s32, sk_gemm_s8s8s32), the quantizers and their inverses
 * (sk_quantize_rows_s8, sk_dequantize_rows_s8, sk_quantize_u8,
 * sk_dequantize_u8) and the quantized linear layer (sk_qlinear_*).
 *
 * - GEMM: against a naive int64 triple loop, exactly, on every ISA the
 *   library can be capped to; m, n, k over {0, 1, 3, 17, 33, 70}^3 plus
 *   random shapes and a few larger ones (blocking edges, the thread
 *   split); every layout of gemm.c (row/column-major, padded, general,
 *   negative strides) for A, B and C; beta 0 (C's view pre-filled with
 *   garbage) and beta 1 (with C values where the final addition wraps);
 *   random values, the extremes (0/255 for uint8, -128/127 for int8) and
 *   the largest-magnitude products. Cells of C's buffer outside the view
 *   must stay untouched. k = SK_GEMM_INT8_MAX_K with the largest products
 *   is exact; one more is refused. Every documented error status, with
 *   C unchanged.
 * - Quantization: round trips within half a step, all-zero rows/tensors,
 *   the zero point, NaN/Inf refused with the outputs untouched.
 * - qlinear: against the f32 product x W^T + bias (see the tolerance
 *   note above check_qlinear) and, tightly, against the same product on
 *   the dequantized operands; shapes, layouts of x and y, errors.
 */
#define SK_TEST_DEFINE_COUNTERS
#include "check.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A pointer one byte past an aligned one (see errors.c). */
#define MISALIGNED(p) ((void *)((char *)(p) + 1))

/* n * stride overflows the address space. */
#define HUGE_N (SIZE_MAX / 2)

#include "views.h"

/* ---- data --------------------------------------------------------------- */

static uint64_t g_state = 0x2545F4914F6CDD1Du;
static uint64_t next_u64(void)
{
    g_state = g_state * 6364136223846793005u + 1442695040888963407u;
    return g_state >> 11;
}
static double uniform(void) { return (double)next_u64() / 4503599627370496.0 - 1.0; } /* [-1, 1) */
static size_t below(size_t n) { return (size_t)(next_u64() % n); }

/* v modulo 2^32 as an int32 (portable: no implementation-defined conversion). */
static int32_t wrap32(int64_t v)
{
    uint32_t u = (uint32_t)((uint64_t)v & 0xFFFFFFFFu);
    return u <= (uint32_t)INT32_MAX ? (int32_t)u : (int32_t)(u - 2147483648u) - INT32_MAX - 1;
}
static int32_t random_i32(void) { return wrap32((int64_t)(next_u64() & 0xFFFFFFFFu)); }

/* v in -128..127 as an int8. */
static int8_t s8(int v) { return (int8_t)v; }

/* Caps the ISA at isa. 0 (skip) when the library refuses the cap, or
 * when the active ISA it gives was already run (*seen: a bit per ISA). */
static int use_isa(uint32_t isa, unsigned *seen, const char *what)
{
    uint32_t active;
    if (sk_set_max_isa(isa) != SK_OK)
        return 0;
    active = sk_active_isa();
    if (active < 32 && (*seen & (1u << active)))
        return 0;
    if (active < 32)
        *seen |= 1u << active;
    printf("%s: max isa %u, active isa %u\n", what, (unsigned)isa, (unsigned)active);
    return 1;
}

/* ======================================================================== */
/* GEMM                                                                     */
/* ======================================================================== */

enum { V_RANDOM, V_EXTREME, V_MAXMAG, N_MODES };
static const char *const mode_name[N_MODES] = {"random", "extremes", "max-magnitude"};

/* A value of A: uint8 (0..255) or, when signed_a, int8 (-128..127). */
static int a_value(int signed_a, int mode)
{
    switch (mode) {
    case V_RANDOM: return signed_a ? (int)below(256) - 128 : (int)below(256);
    case V_EXTREME: return below(2) ? (signed_a ? 127 : 255) : (signed_a ? -128 : 0);
    default: return signed_a ? -128 : 255; /* with B = -128: +16384 / -32640 */
    }
}

static int b_value(int mode)
{
    switch (mode) {
    case V_RANDOM: return (int)below(256) - 128;
    case V_EXTREME: return below(2) ? 127 : -128;
    default: return -128;
    }
}

/* A value of C's view for beta == 1: moderate, or (extreme modes) mostly
 * int32 extremes, where the documented final addition wraps. */
static int32_t c_value(int mode)
{
    static const int32_t ext[] = {INT32_MAX, INT32_MIN, 0, -1, INT32_MAX - 1000, INT32_MIN + 1000};
    if (mode == V_RANDOM)
        return (int32_t)((int64_t)below((size_t)1 << 31) - ((int64_t)1 << 30));
    return below(3) ? ext[below(COUNT(ext))] : random_i32();
}

static sk_status gemm_int8(int signed_a, size_t m, size_t n, size_t k, const uint8_t *a,
                           ptrdiff_t rsa, ptrdiff_t csa, const int8_t *b, ptrdiff_t rsb,
                           ptrdiff_t csb, int32_t beta, int32_t *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    return signed_a
        ? sk_gemm_s8s8s32(m, n, k, (const int8_t *)a, rsa, csa, b, rsb, csb, beta, c, rsc, csc)
        : sk_gemm_u8s8s32(m, n, k, a, rsa, csa, b, rsb, csb, beta, c, rsc, csc);
}

static const char *gemm_name(int signed_a) { return signed_a ? "sk_gemm_s8s8s32" : "sk_gemm_u8s8s32"; }

/* One checked product: A (uint8, or int8 stored as its bytes when
 * signed_a), B int8, C int32, each in its layout; exact comparison with an
 * int64 triple loop (plus C wrapped to int32 when beta == 1). The padding
 * of A and B holds random bytes, which a stray read would add in. */
static void check_int8(int signed_a, size_t m, size_t n, size_t k, int la, int lb, int lc,
                       int32_t beta, int mode)
{
    const view_t va = make_view(la, m, k), vb = make_view(lb, k, n), vc = make_view(lc, m, n);
    uint8_t *a = (uint8_t *)malloc(va.len);
    int8_t *b = (int8_t *)malloc(vb.len);
    int32_t *c = (int32_t *)malloc(vc.len * sizeof *c);
    int32_t *c0 = (int32_t *)malloc(vc.len * sizeof *c0);
    int *ad = (int *)malloc((m * k + 1) * sizeof *ad); /* A row-major */
    int *bt = (int *)malloc((k * n + 1) * sizeof *bt); /* B transposed */
    char *inside = inside_map(&vc);
    size_t i, j, p, bad = 0, bad_outside = 0, bi = 0, bj = 0;
    int32_t bad_got = 0, bad_want = 0;

    for (i = 0; i < va.len; i++)
        a[i] = (uint8_t)below(256);
    for (i = 0; i < vb.len; i++)
        b[i] = s8((int)below(256) - 128);
    for (i = 0; i < m; i++)
        for (p = 0; p < k; p++) {
            int v = a_value(signed_a, mode);
            a[at(&va, i, p)] = (uint8_t)v; /* int8 values as their two's complement byte */
            ad[i * k + p] = v;
        }
    for (p = 0; p < k; p++)
        for (j = 0; j < n; j++) {
            int v = b_value(mode);
            b[at(&vb, p, j)] = s8(v);
            bt[j * k + p] = v;
        }
    /* beta == 0: garbage everywhere (never read); beta == 1: values. */
    for (i = 0; i < vc.len; i++)
        c[i] = random_i32();
    if (beta == 1)
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++)
                c[at(&vc, i, j)] = c_value(mode);
    memcpy(c0, c, vc.len * sizeof *c);

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "%s isa %u m %zu n %zu k %zu A %s B %s C %s beta %d %s",
             gemm_name(signed_a), (unsigned)sk_active_isa(), m, n, k, layout_name[la],
             layout_name[lb], layout_name[lc], (int)beta, mode_name[mode]);

    if (CHECK_STATUS(gemm_int8(signed_a, m, n, k, a + va.off, va.rs, va.cs, b + vb.off, vb.rs,
                               vb.cs, beta, c + vc.off, vc.rs, vc.cs),
                     SK_OK)) {
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) {
                const int *x = ad + i * k, *y = bt + j * k;
                int64_t sum = 0;
                int32_t want, got = c[at(&vc, i, j)];
                for (p = 0; p < k; p++)
                    sum += (int64_t)x[p] * y[p];
                want = wrap32(sum + (beta == 1 ? c0[at(&vc, i, j)] : 0));
                if (got != want && bad++ == 0) {
                    bi = i, bj = j;
                    bad_got = got, bad_want = want;
                }
            }
        if (!CHECK(bad == 0))
            fprintf(stderr, "    %zu wrong elements; first C(%zu, %zu) = %ld, expected %ld\n", bad,
                    bi, bj, (long)bad_got, (long)bad_want);
    }
    /* Outside the view (and everywhere after a failure): untouched. */
    for (i = 0; i < vc.len; i++)
        if (!inside[i] && c[i] != c0[i])
            bad_outside++;
    CHECK(bad_outside == 0);

    free(a);
    free(b);
    free(c);
    free(c0);
    free(ad);
    free(bt);
    free(inside);
}

/* Small products: {0, 1, 3, 17, 33, 70}^3 and random shapes, every layout
 * and value mode, both functions, beta 0 and 1, per ISA. */
static void test_gemm_small(void)
{
    static const size_t dims[] = {0, 1, 3, 17, 33, 70};
    static size_t shapes[COUNT(dims) * COUNT(dims) * COUNT(dims) + 16][3];
    size_t nshapes = 0, x, y, z, s;
    unsigned seen = 0;
    uint32_t isa;
    int l, fn, beta;

    for (x = 0; x < COUNT(dims); x++)
        for (y = 0; y < COUNT(dims); y++)
            for (z = 0; z < COUNT(dims); z++, nshapes++) {
                shapes[nshapes][0] = dims[x];
                shapes[nshapes][1] = dims[y];
                shapes[nshapes][2] = dims[z];
            }
    for (s = 0; s < 8; s++, nshapes++) {
        shapes[nshapes][0] = 1 + below(100);
        shapes[nshapes][1] = 1 + below(100);
        shapes[nshapes][2] = 1 + below(100);
    }
    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        if (!use_isa(isa, &seen, "int8 gemm"))
            continue;
        for (s = 0; s < nshapes; s++)
            for (l = 0; l < N_LAYOUTS; l++)
                for (fn = 0; fn < 2; fn++)
                    for (beta = 0; beta <= 1; beta++) {
                        /* Every layout for A; B and C walk the layouts at
                         * other rates, the value modes with the shape. */
                        int lb = (int)(((size_t)l + s) % N_LAYOUTS);
                        int lc = (int)(((size_t)l + 3 * s + (size_t)beta + (size_t)fn) % N_LAYOUTS);
                        int mode = (int)(((size_t)l + s) % N_MODES);
                        check_int8(fn, shapes[s][0], shapes[s][1], shapes[s][2], l, lb, lc, beta,
                                   mode);
                    }
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK); /* back to the best */
    sk_test_ctx[0] = '\0';
}

/* Larger products: past the register and cache blocks and the threshold
 * of the thread split (2 * 128^3 multiply-adds). */
static void test_gemm_large(void)
{
    static const struct {
        size_t m, n, k;
        int la, lb, lc, mode;
    } cases[] = {
        {129, 67, 1100, L_ROW, L_ROW, L_ROW, V_RANDOM},
        {300, 200, 150, L_COL, L_ROW_PAD, L_NEG_ROWS, V_RANDOM},
        {67, 513, 300, L_GENERAL, L_NEG_BOTH, L_COL_PAD, V_EXTREME},
        {1, 1000, 2000, L_ROW, L_COL, L_ROW, V_MAXMAG},
        {1000, 1, 2000, L_NEG_COLS, L_ROW, L_COL, V_EXTREME},
    };
    size_t i;
    unsigned seen = 0;
    uint32_t isa;
    int fn, beta;

    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        if (!use_isa(isa, &seen, "int8 gemm (large)"))
            continue;
        for (i = 0; i < COUNT(cases); i++)
            for (fn = 0; fn < 2; fn++)
                for (beta = 0; beta <= 1; beta++)
                    check_int8(fn, cases[i].m, cases[i].n, cases[i].k, cases[i].la, cases[i].lb,
                               cases[i].lc, beta, cases[i].mode);
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK);
    sk_test_ctx[0] = '\0';
}

/* The same product with 1 and with 3 threads: identical results. */
static void test_gemm_threads(void)
{
    const size_t m = 300, n = 260, k = 280;
    uint8_t *a = (uint8_t *)malloc(m * k);
    int8_t *b = (int8_t *)malloc(k * n);
    int32_t *c1 = (int32_t *)malloc(m * n * sizeof *c1), *c3 = (int32_t *)malloc(m * n * sizeof *c3);
    size_t i;
    int fn;

    for (i = 0; i < m * k; i++)
        a[i] = (uint8_t)below(256);
    for (i = 0; i < k * n; i++)
        b[i] = s8((int)below(256) - 128);
    for (fn = 0; fn < 2; fn++) {
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "%s m %zu n %zu k %zu, 1 vs 3 threads",
                 gemm_name(fn), m, n, k);
        for (i = 0; i < m * n; i++)
            c1[i] = c3[i] = random_i32();
        CHECK_STATUS(sk_set_num_threads(1), SK_OK);
        CHECK_STATUS(gemm_int8(fn, m, n, k, a, (ptrdiff_t)k, 1, b, (ptrdiff_t)n, 1, 1, c1,
                               (ptrdiff_t)n, 1),
                     SK_OK);
        CHECK_STATUS(sk_set_num_threads(3), SK_OK);
        CHECK_STATUS(gemm_int8(fn, m, n, k, a, (ptrdiff_t)k, 1, b, (ptrdiff_t)n, 1, 1, c3,
                               (ptrdiff_t)n, 1),
                     SK_OK);
        CHECK(memcmp(c1, c3, m * n * sizeof *c1) == 0);
    }
    CHECK_STATUS(sk_set_num_threads(0), SK_OK);
    free(a);
    free(b);
    free(c1);
    free(c3);
    sk_test_ctx[0] = '\0';
}

/* k = SK_GEMM_INT8_MAX_K with the largest products is exact (the sums
 * come within 32768 of INT32_MIN); k + 1 is refused. */
static void test_gemm_max_k(void)
{
    const size_t kmax = SK_GEMM_INT8_MAX_K, kbuf = SK_GEMM_INT8_MAX_K + 1;
    uint8_t *a = (uint8_t *)malloc(2 * kbuf);
    int8_t *b = (int8_t *)malloc(2 * kbuf);
    int32_t c[6], c0[6];
    unsigned seen = 0;
    uint32_t isa;
    size_t i;
    int col;

    CHECK((int64_t)255 * -128 * (int64_t)kmax >= INT32_MIN &&
          (int64_t)255 * -128 * (int64_t)(kmax + 1) < INT32_MIN); /* the header's value is the limit */
    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        if (!use_isa(isa, &seen, "int8 gemm (max k)"))
            continue;
        /* 2 x k times k x 2, row-major (col == 0) and column-major (col == 1). */
        for (col = 0; col <= 1; col++) {
            const ptrdiff_t rsa = col ? 1 : (ptrdiff_t)kmax, csa = col ? 2 : 1;
            const ptrdiff_t rsb = col ? 1 : 2, csb = col ? (ptrdiff_t)kmax : 1;
            const ptrdiff_t rsc = col ? 1 : 2, csc = col ? 2 : 1;
            int fn;
            for (fn = 0; fn < 2; fn++) {
                /* u8s8: 255 * -128; s8s8: 127 * -128 and -128 * -128 (the
                 * +128 shift then sees 255 * -128 and 0 * -128). */
                static const int avals_s8[] = {127, -128};
                int av, nav = fn ? 2 : 1;
                for (av = 0; av < nav; av++) {
                    const int aval = fn ? avals_s8[av] : 255;
                    const int32_t want = (int32_t)((int64_t)aval * -128 * (int64_t)kmax);
                    int beta;
                    memset(a, (uint8_t)aval, 2 * kbuf);
                    memset(b, 0x80, 2 * kbuf); /* -128 */
                    for (beta = 0; beta <= 1; beta++) {
                        for (i = 0; i < 6; i++)
                            c[i] = beta ? 0 : random_i32();
                        c[4] = c[5] = 0x5A5A5A5A; /* past the 2 x 2 view */
                        snprintf(sk_test_ctx, sizeof sk_test_ctx,
                                 "%s isa %u k = SK_GEMM_INT8_MAX_K, A = %d, B = -128, %s, beta %d",
                                 gemm_name(fn), (unsigned)sk_active_isa(), aval,
                                 col ? "column-major" : "row-major", beta);
                        if (CHECK_STATUS(gemm_int8(fn, 2, 2, kmax, a, rsa, csa, b, rsb, csb, beta,
                                                   c, rsc, csc),
                                         SK_OK) &&
                            !CHECK(c[0] == want && c[1] == want && c[2] == want && c[3] == want))
                            fprintf(stderr, "    C = %ld %ld %ld %ld, expected %ld\n", (long)c[0],
                                    (long)c[1], (long)c[2], (long)c[3], (long)want);
                        CHECK(c[4] == 0x5A5A5A5A && c[5] == 0x5A5A5A5A);
                    }
                    /* One more: refused, C untouched (buffers large enough). */
                    for (i = 0; i < 6; i++)
                        c0[i] = c[i] = random_i32();
                    snprintf(sk_test_ctx, sizeof sk_test_ctx, "%s isa %u k = SK_GEMM_INT8_MAX_K + 1, %s",
                             gemm_name(fn), (unsigned)sk_active_isa(),
                             col ? "column-major" : "row-major");
                    CHECK_STATUS(gemm_int8(fn, 2, 2, kbuf, a, col ? 1 : (ptrdiff_t)kbuf, csa, b, rsb,
                                           col ? (ptrdiff_t)kbuf : 1, 0, c, rsc, csc),
                                 SK_ERR_INVALID_ARGUMENT);
                    CHECK_STATUS(gemm_int8(fn, 2, 2, kbuf, a, col ? 1 : (ptrdiff_t)kbuf, csa, b, rsb,
                                           col ? (ptrdiff_t)kbuf : 1, 1, c, rsc, csc),
                                 SK_ERR_INVALID_ARGUMENT);
                    CHECK(memcmp(c, c0, sizeof c) == 0);
                }
            }
        }
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK);
    free(a);
    free(b);
    sk_test_ctx[0] = '\0';
}

static void test_gemm_errors(void)
{
    int fn;
    for (fn = 0; fn < 2; fn++) {
        /* a, b: 4 x 4 row-major (and spare); c: 4 x 4 row-major and spare
         * cells; both: int32 storage that A or B (bytes) and C share. */
        uint8_t a[64];
        int8_t b[64];
        int32_t c[40], cref[40], both[64];
        size_t i;

        for (i = 0; i < 64; i++) {
            a[i] = 3;
            b[i] = -2;
            both[i] = 0x01010101;
        }
        for (i = 0; i < 40; i++)
            c[i] = 7;
        memcpy(cref, c, sizeof c);
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "errors of %s", gemm_name(fn));

        /* beta other than 0 or 1. */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 2, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, -1, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, INT32_MIN, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);

        /* NULL: A or B with k > 0, C with m, n > 0. */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, NULL, 4, 1, b, 4, 1, 0, c, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, NULL, 4, 1, 0, c, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 1, NULL, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(gemm_int8(fn, 1, 1, 1, NULL, 1, 1, b, 1, 1, 1, c, 1, 1), SK_ERR_NULL_POINTER);

        /* A zero stride, in any of the six. */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 0, 1, b, 4, 1, 0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 0, b, 4, 1, 0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 0, 1, 0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 0, 0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 0, c, 0, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 0, c, 4, 0), SK_ERR_INVALID_ARGUMENT);

        /* C overlapping A or B: A's 16 bytes are both[0..4), B's both[8..12). */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, (const uint8_t *)both, 4, 1, b, 4, 1, 0, both + 2, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, (const uint8_t *)both, 4, 1, b, 4, 1, 1, both, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, (const int8_t *)(both + 8), 4, 1, 0, both + 11,
                               4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, (const uint8_t *)both + 12, -4, 1, b, 4, 1, 0, both + 3,
                               4, 1),
                     SK_ERR_INVALID_ARGUMENT); /* A (rows reversed) spans bytes 0..15, C 12.. */

        /* C strides that map two elements to one address. */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 0, c, 1, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 3, 3, 4, a, 4, 1, b, 3, 1, 0, c + 8, -2, -1),
                     SK_ERR_INVALID_ARGUMENT);

        /* Misaligned C; sizes whose extent overflows the address space. */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 4, a, 4, 1, b, 4, 1, 0, (int32_t *)MISALIGNED(c), 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, HUGE_N, 1, 4, a, 4, 1, b, 1, 1, 0, c, 1, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(gemm_int8(fn, 4, HUGE_N, 4, a, 4, 1, b, -4, 1, 0, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);

        /* C is untouched by every failure above (and so are A, B, both). */
        CHECK(memcmp(c, cref, sizeof c) == 0);
        CHECK(both[0] == 0x01010101 && both[2] == 0x01010101 && both[11] == 0x01010101);

        /* Not errors: NULL with no elements; k == 0. */
        CHECK_STATUS(gemm_int8(fn, 0, 4, 4, NULL, 4, 1, b, 4, 1, 0, c, 4, 1), SK_OK);
        CHECK_STATUS(gemm_int8(fn, 4, 0, 4, a, 4, 1, NULL, 1, 1, 0, NULL, 1, 1), SK_OK);
        CHECK_STATUS(gemm_int8(fn, 0, 0, 0, NULL, 1, 1, NULL, 1, 1, 1, NULL, 1, 1), SK_OK);
        CHECK(memcmp(c, cref, sizeof c) == 0);
        CHECK_STATUS(gemm_int8(fn, 4, 4, 0, NULL, 1, 1, NULL, 4, 1, 1, c, 4, 1), SK_OK);
        CHECK(memcmp(c, cref, sizeof c) == 0); /* k == 0, beta 1: C = C */
        CHECK_STATUS(gemm_int8(fn, 4, 4, 0, NULL, 1, 1, NULL, 4, 1, 0, c, 4, 1), SK_OK);
        CHECK(c[0] == 0 && c[15] == 0 && c[16] == 7); /* k == 0, beta 0: the view is 0 */
        /* A 1 x 1 x 1 product of the extremes, through the documented formula. */
        a[0] = fn ? (uint8_t)0x80 : 255; /* -128 or 255 */
        b[0] = -128;
        c[0] = INT32_MAX;
        CHECK_STATUS(gemm_int8(fn, 1, 1, 1, a, 1, 1, b, 1, 1, 1, c, 1, 1), SK_OK);
        CHECK(c[0] == wrap32((int64_t)INT32_MAX + (fn ? 16384 : -32640)));
    }
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* Quantization                                                             */
/* ======================================================================== */

/*
 * Round-trip tolerance: half a step, plus the f32 rounding of x * (1 /
 * scale) (a few ulps of a value up to 255 in magnitude, < 1e-4 of a
 * step, which can move a value across a rounding tie) and of the
 * dequantizing product (an ulp of a value up to 255 steps).
 */
#define HALF_STEP (0.5 + 1e-4)

/* rows x cols of x in view vx: random, row i scaled by 10^(i % 7 - 3),
 * except every fifth row (from row 1) all zero (signed zeros), and
 * every fifth (from row 2) with a single non-zero. */
static void fill_rows(float *x, const view_t *vx)
{
    size_t i, j;
    for (i = 0; i < vx->len; i++)
        x[i] = NAN; /* padding: a stray read would poison a scale */
    for (i = 0; i < vx->rows; i++) {
        double mag = pow(10.0, (double)(i % 7) - 3.0);
        for (j = 0; j < vx->cols; j++) {
            float v = (float)(mag * uniform());
            if (i % 5 == 1)
                v = (j % 2) ? -0.0f : 0.0f;
            else if (i % 5 == 2)
                v = j == i % vx->cols ? (float)-mag : 0.0f;
            x[at(vx, i, j)] = v;
        }
    }
}

static void test_quantize_rows_s8(void)
{
    static const size_t shapes[][2] = {
        {0, 0}, {0, 5}, {5, 0}, {1, 1}, {3, 1}, {7, 33}, {40, 17}, {12, 300},
    };
    size_t s;
    int l;

    for (s = 0; s < COUNT(shapes); s++)
        for (l = 0; l < N_LAYOUTS; l++) {
            const size_t rows = shapes[s][0], cols = shapes[s][1];
            const int lq = (int)(((size_t)l + 3 + s) % N_LAYOUTS);
            const int lo = (int)(((size_t)l + 5) % N_LAYOUTS);
            const view_t vx = make_view(l, rows, cols), vq = make_view(lq, rows, cols);
            const view_t vo = make_view(lo, rows, cols);
            float *x = (float *)malloc(vx.len * sizeof *x);
            int8_t *q = (int8_t *)malloc(vq.len), *q0 = (int8_t *)malloc(vq.len);
            float *scales = (float *)malloc((rows + 2) * sizeof *scales);
            float *out = (float *)malloc(vo.len * sizeof *out);
            float *out0 = (float *)malloc(vo.len * sizeof *out0);
            char *qin = inside_map(&vq), *oin = inside_map(&vo);
            size_t i, j, bad_scale = 0, bad_code = 0, bad_trip = 0, bad_deq = 0, bad_out = 0;

            fill_rows(x, &vx);
            memset(q, 0x55, vq.len);
            memcpy(q0, q, vq.len);
            for (i = 0; i < rows + 2; i++)
                scales[i] = -1.0f;
            for (i = 0; i < vo.len; i++)
                out[i] = out0[i] = -7.0f;
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_quantize_rows_s8 %zu x %zu x %s q %s out %s",
                     rows, cols, layout_name[l], layout_name[lq], layout_name[lo]);
            if (CHECK_STATUS(sk_quantize_rows_s8(rows, cols, x + vx.off, vx.rs, vx.cs, q + vq.off,
                                                 vq.rs, vq.cs, scales),
                             SK_OK)) {
                for (i = 0; i < rows; i++) {
                    double amax = 0, scale = scales[i];
                    for (j = 0; j < cols; j++)
                        amax = fmax(amax, fabs((double)x[at(&vx, i, j)]));
                    /* scales[i] = max |x| / 127, or 1.0 for an all-zero row. */
                    if (amax == 0 ? scales[i] != 1.0f : !(fabs(scale - amax / 127) <= 1e-6 * amax / 127))
                        bad_scale++;
                    for (j = 0; j < cols; j++) {
                        const double v = x[at(&vx, i, j)];
                        const int code = q[at(&vq, i, j)];
                        if (code < -127 || code > 127 || !(fabs(code - v / scale) <= HALF_STEP) ||
                            (amax == 0 && code != 0) ||
                            (fabs(v) == amax && amax > 0 && abs(code) != 127))
                            bad_code++;
                    }
                }
                CHECK(bad_scale == 0);
                CHECK(bad_code == 0);
                for (i = 0; i < vq.len; i++)
                    if (!qin[i] && q[i] != q0[i])
                        bad_out++;
                CHECK(bad_out == 0);
                CHECK(scales[rows] == -1.0f && scales[rows + 1] == -1.0f);

                /* Back: out = scales[i] * q exactly; within half a step of x. */
                snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_dequantize_rows_s8 %zu x %zu q %s out %s",
                         rows, cols, layout_name[lq], layout_name[lo]);
                if (CHECK_STATUS(sk_dequantize_rows_s8(rows, cols, q + vq.off, vq.rs, vq.cs, scales,
                                                       out + vo.off, vo.rs, vo.cs),
                                 SK_OK)) {
                    for (i = 0; i < rows; i++)
                        for (j = 0; j < cols; j++) {
                            const float got = out[at(&vo, i, j)];
                            if (got != scales[i] * (float)q[at(&vq, i, j)])
                                bad_deq++;
                            if (!(fabs((double)got - x[at(&vx, i, j)]) <= HALF_STEP * scales[i]))
                                bad_trip++;
                        }
                    CHECK(bad_deq == 0);
                    CHECK(bad_trip == 0);
                    bad_out = 0;
                    for (i = 0; i < vo.len; i++)
                        if (!oin[i] && out[i] != out0[i])
                            bad_out++;
                    CHECK(bad_out == 0);
                }
            }
            free(x);
            free(q);
            free(q0);
            free(scales);
            free(out);
            free(out0);
            free(qin);
            free(oin);
        }
    sk_test_ctx[0] = '\0';
}

/* NaN / Inf refused with the outputs untouched; other statuses. */
static void test_quantize_rows_s8_errors(void)
{
    static const float bad[] = {NAN, INFINITY, -INFINITY};
    float x[24], scales[4], out[24], qstore[6]; /* qstore: q, aligned for floats */
    int8_t *const q = (int8_t *)(void *)qstore, q0[24];
    size_t t, i;
    const size_t where[] = {23, 12, 0}; /* last, middle, first element */

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_quantize_rows_s8 errors");
    for (t = 0; t < COUNT(bad); t++) {
        for (i = 0; i < 24; i++)
            x[i] = (float)uniform();
        x[where[t]] = bad[t];
        memset(q, 0x33, sizeof q0);
        memcpy(q0, q, sizeof q0);
        for (i = 0; i < 4; i++)
            scales[i] = -5.0f;
        CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, q, 6, 1, scales), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 1, 4, q, 1, 4, scales), SK_ERR_INVALID_ARGUMENT);
        CHECK(memcmp(q, q0, sizeof q0) == 0);
        CHECK(scales[0] == -5.0f && scales[1] == -5.0f && scales[2] == -5.0f && scales[3] == -5.0f);
    }
    for (i = 0; i < 24; i++)
        x[i] = (float)uniform();
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, NULL, 6, 1, q, 6, 1, scales), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, NULL, 6, 1, scales), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, q, 6, 1, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 0, 1, q, 6, 1, scales), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, q, 6, 0, scales), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, q, 6, 1, (float *)(void *)(q + 4)),
                 SK_ERR_INVALID_ARGUMENT); /* scales overlapping q */
    CHECK_STATUS(sk_quantize_rows_s8(4, 6, x, 6, 1, (int8_t *)(void *)(x + 2), 6, 1, scales),
                 SK_ERR_INVALID_ARGUMENT); /* q overlapping x */
    CHECK(memcmp(q, q0, sizeof q0) == 0);
    CHECK(scales[0] == -5.0f);

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_dequantize_rows_s8 errors");
    for (i = 0; i < 24; i++)
        out[i] = -9.0f;
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, NULL, 6, 1, scales, out, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, q, 6, 1, NULL, out, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, q, 6, 1, scales, NULL, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, q, 0, 1, scales, out, 6, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, q, 6, 1, scales, out, 6, 0), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_dequantize_rows_s8(4, 6, q, 6, 1, out + 20, out, 6, 1), SK_ERR_INVALID_ARGUMENT);
    for (i = 0; i < 24; i++)
        CHECK(out[i] == -9.0f);
    sk_test_ctx[0] = '\0';
}

/* x values: 0 mixed signs (with exact zeros), 1 all positive, 2 all
 * negative, 3 all zero. */
static void fill_tensor(float *x, const view_t *vx, int kind)
{
    size_t i, j, n = 0;
    for (i = 0; i < vx->len; i++)
        x[i] = NAN;
    for (i = 0; i < vx->rows; i++)
        for (j = 0; j < vx->cols; j++, n++) {
            double u = uniform();
            float v;
            switch (kind) {
            case 0: v = n % 7 == 3 ? 0.0f : (float)(4.0 * u + 1.0); break; /* [-3, 5) */
            case 1: v = (float)(1.25 + 0.75 * u); break;                  /* [0.5, 2) */
            case 2: v = (float)(-1.25 + 0.75 * u); break;
            default: v = n % 2 ? -0.0f : 0.0f; break;
            }
            x[at(vx, i, j)] = v;
        }
}

static void test_quantize_u8(void)
{
    static const size_t shapes[][2] = {{1, 1}, {3, 7}, {16, 33}, {50, 2}, {1, 500}};
    size_t s;
    int l, kind;

    for (s = 0; s < COUNT(shapes); s++)
        for (l = 0; l < N_LAYOUTS; l++)
            for (kind = 0; kind < 4; kind++) {
                const size_t rows = shapes[s][0], cols = shapes[s][1];
                const int lq = (int)(((size_t)l + 1 + s) % N_LAYOUTS);
                const int lo = (int)(((size_t)l + 6 + (size_t)kind) % N_LAYOUTS);
                const view_t vx = make_view(l, rows, cols), vq = make_view(lq, rows, cols);
                const view_t vo = make_view(lo, rows, cols);
                float *x = (float *)malloc(vx.len * sizeof *x);
                uint8_t *q = (uint8_t *)malloc(vq.len), *q0 = (uint8_t *)malloc(vq.len);
                float *out = (float *)malloc(vo.len * sizeof *out);
                float *out0 = (float *)malloc(vo.len * sizeof *out0);
                char *qin = inside_map(&vq), *oin = inside_map(&vo);
                float scale = -1.0f;
                uint8_t zp = 77;
                double lo_x = 0, hi_x = 0;
                size_t i, j, bad_code = 0, bad_trip = 0, bad_deq = 0, bad_zero = 0, bad_out = 0;

                fill_tensor(x, &vx, kind);
                for (i = 0; i < rows; i++)
                    for (j = 0; j < cols; j++) {
                        lo_x = fmin(lo_x, x[at(&vx, i, j)]);
                        hi_x = fmax(hi_x, x[at(&vx, i, j)]);
                    }
                memset(q, 0xA5, vq.len);
                memcpy(q0, q, vq.len);
                for (i = 0; i < vo.len; i++)
                    out[i] = out0[i] = -7.0f;
                snprintf(sk_test_ctx, sizeof sk_test_ctx,
                         "sk_quantize_u8 %zu x %zu kind %d x %s q %s out %s", rows, cols, kind,
                         layout_name[l], layout_name[lq], layout_name[lo]);
                if (!CHECK_STATUS(sk_quantize_u8(rows, cols, x + vx.off, vx.rs, vx.cs, q + vq.off,
                                                 vq.rs, vq.cs, &scale, &zp),
                                  SK_OK))
                    goto next;
                /* The range widened to 0, in 255 steps; 0 on a code. */
                CHECK(scale > 0 && scale < INFINITY);
                if (kind == 3)
                    CHECK(scale == 1.0f && zp == 0);
                else
                    CHECK(fabs(scale - (hi_x - lo_x) / 255) <= 1e-5 * (hi_x - lo_x) / 255);
                if (kind == 1)
                    CHECK(zp == 0);
                if (kind == 2)
                    CHECK(zp == 255);
                for (i = 0; i < rows; i++)
                    for (j = 0; j < cols; j++) {
                        const double v = x[at(&vx, i, j)];
                        const int code = q[at(&vq, i, j)];
                        if (!(fabs(code - zp - v / scale) <= HALF_STEP))
                            bad_code++;
                        if (v == 0 && code != zp)
                            bad_zero++;
                    }
                CHECK(bad_code == 0);
                CHECK(bad_zero == 0);
                for (i = 0; i < vq.len; i++)
                    if (!qin[i] && q[i] != q0[i])
                        bad_out++;
                CHECK(bad_out == 0);

                snprintf(sk_test_ctx, sizeof sk_test_ctx,
                         "sk_dequantize_u8 %zu x %zu kind %d q %s out %s", rows, cols, kind,
                         layout_name[lq], layout_name[lo]);
                if (!CHECK_STATUS(sk_dequantize_u8(rows, cols, q + vq.off, vq.rs, vq.cs, scale, zp,
                                                   out + vo.off, vo.rs, vo.cs),
                                  SK_OK))
                    goto next;
                bad_zero = 0;
                for (i = 0; i < rows; i++)
                    for (j = 0; j < cols; j++) {
                        const float got = out[at(&vo, i, j)], v = x[at(&vx, i, j)];
                        /* out = scale * (q - zero_point), exactly. */
                        if (got != scale * ((float)q[at(&vq, i, j)] - (float)zp))
                            bad_deq++;
                        if (!(fabs((double)got - v) <= HALF_STEP * scale))
                            bad_trip++;
                        if (v == 0 && got != 0.0f)
                            bad_zero++; /* 0.0 comes back exactly */
                    }
                CHECK(bad_deq == 0);
                CHECK(bad_trip == 0);
                CHECK(bad_zero == 0);
                bad_out = 0;
                for (i = 0; i < vo.len; i++)
                    if (!oin[i] && out[i] != out0[i])
                        bad_out++;
                CHECK(bad_out == 0);
            next:
                free(x);
                free(q);
                free(q0);
                free(out);
                free(out0);
                free(qin);
                free(oin);
            }
    sk_test_ctx[0] = '\0';
}

static void test_quantize_u8_errors(void)
{
    static const float bad[] = {NAN, INFINITY, -INFINITY};
    static const float bad_scales[] = {0.0f, -0.0f, -1.0f, NAN, INFINITY};
    float x[24], out[24], scale;
    uint8_t q[24], q0[24], zp;
    size_t t, i;

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_quantize_u8 errors");
    for (t = 0; t < COUNT(bad); t++) {
        for (i = 0; i < 24; i++)
            x[i] = (float)uniform();
        x[23 - 11 * t] = bad[t];
        memset(q, 0x33, sizeof q);
        memcpy(q0, q, sizeof q);
        scale = -5.0f;
        zp = 99;
        CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, q, 6, 1, &scale, &zp), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_quantize_u8(4, 6, x, 1, 4, q, -1, -4, &scale, &zp), SK_ERR_INVALID_ARGUMENT);
        CHECK(memcmp(q, q0, sizeof q) == 0);
        CHECK(scale == -5.0f && zp == 99);
    }
    for (i = 0; i < 24; i++)
        x[i] = (float)uniform();
    CHECK_STATUS(sk_quantize_u8(4, 6, NULL, 6, 1, q, 6, 1, &scale, &zp), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, NULL, 6, 1, &scale, &zp), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, q, 6, 1, NULL, &zp), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, q, 6, 1, &scale, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 0, 1, q, 6, 1, &scale, &zp), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, q, 6, 0, &scale, &zp), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_quantize_u8(4, 6, x, 6, 1, (uint8_t *)(void *)(x + 3), 6, 1, &scale, &zp),
                 SK_ERR_INVALID_ARGUMENT); /* q overlapping x */
    CHECK(memcmp(q, q0, sizeof q) == 0);
    CHECK(scale == -5.0f && zp == 99);

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_dequantize_u8 errors");
    for (i = 0; i < 24; i++)
        out[i] = -9.0f;
    for (t = 0; t < COUNT(bad_scales); t++)
        CHECK_STATUS(sk_dequantize_u8(4, 6, q, 6, 1, bad_scales[t], 3, out, 6, 1),
                     SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_dequantize_u8(4, 6, NULL, 6, 1, 0.5f, 3, out, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dequantize_u8(4, 6, q, 6, 1, 0.5f, 3, NULL, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dequantize_u8(4, 6, q, 0, 1, 0.5f, 3, out, 6, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_dequantize_u8(4, 6, q, 6, 1, 0.5f, 3, out, 6, 0), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_dequantize_u8(4, 6, (const uint8_t *)(const void *)(out + 1), 6, 1, 0.5f, 3, out,
                                  6, 1),
                 SK_ERR_INVALID_ARGUMENT); /* out overlapping q */
    for (i = 0; i < 24; i++)
        CHECK(out[i] == -9.0f);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* qlinear                                                                  */
/* ======================================================================== */
/*
 * Tolerances of the forward pass, three of them.
 *
 * 1. Against the f32 product y = x W^T + bias, relative (the brief's
 *    bound): |y - y_f32| <= 0.05 sum_i |x_i||w_oi| + 1e-6. W is quantized
 *    per row (step s_o = max_i |w_oi| / 127, error <= s_o / 2) and x per
 *    tensor to uint8 (step s_x = (max x - min x) / 255, error <= s_x / 2),
 *    so the error of sum_i x_i w_oi is at most
 *        (s_x / 2) sum_i |w_oi| + (s_o / 2) sum_i |x_i| (+ a product term),
 *    every rounding error at its worst and all of one sign. Here x is
 *    uniform in [-1.5, 2.5) (s_x / 2 = 4 / 510 ~ 0.0078, E|x| ~ 1.06) and
 *    W in [-1, 1) (s_o / 2 <= 1 / 254, E|w| = 0.5): the bound is about
 *    (0.0078 * 0.5 + 0.0039 * 1.06) n ~ 0.008 n against sum_i |x_i||w_oi|
 *    ~ 0.53 n, i.e. 0.015 of it: 0.05 holds the worst case with a margin
 *    above 3 (typical errors are O(sqrt(n)) smaller), yet catches a wrong
 *    scale, zero point, row or column, which are errors of the order of
 *    the sum itself (smaller slips, such as a dropped bias, are for check
 *    3). The averaging needs many inputs: with
 *    in_features = 1 a lone x near 0 keeps its absolute error s_x / 2, so
 *    this check is made for in_features >= 32 only.
 * 2. The same bound computed exactly for each element from s_x (of the
 *    batch, by sk_quantize_u8) and s_o (by sk_quantize_rows_s8), for every
 *    shape:
 *        h s_x sum_i |w_oi| + h s_o sum_i |x_i| + h^2 s_x s_o n,
 *    h = HALF_STEP, plus the epilogue's f32 rounding of 3.
 * 3. Tight: against the same product on the dequantized operands
 *    (sk_quantize_rows_s8 of W, sk_quantize_u8 of the whole x, as the layer
 *    documents), in double. The integer part is exact, so only the f32
 *    epilogue differs: a few ulps of sum_i |x^_i||w^_oi| + |bias_o|; 1e-5
 *    of it is over 100 ulps.
 */
#define QLINEAR_REL_TOL 0.05
#define QLINEAR_REL_MIN_IN 32
#define QLINEAR_DEQ_TOL 1e-5

typedef struct {
    size_t out_f, in_f;
    int w_col; /* W stored column-major (W^T row-major) */
    int bias;
    size_t max_batch;
} qcase_t;

/* The references of one batch, per (b, o), dense: the f32 product and
 * sum |x||w| (ref, mag), the a-priori bound (prior), the product of the
 * dequantized operands and its sum of magnitudes (qref, qmag). */
typedef struct {
    const double *ref, *mag, *prior, *qref, *qmag;
} qrefs_t;

/* Runs forward on layer for the first `batch` rows of x (dense row-major,
 * max_batch x in_f) in the given layouts of x and y, and compares. */
static void check_forward(const sk_qlinear *layer, const qcase_t *qc, size_t batch, const float *xd,
                          int lx, int ly, const qrefs_t *r)
{
    const view_t vx = make_view(lx, batch, qc->in_f), vy = make_view(ly, batch, qc->out_f);
    float *x = (float *)malloc(vx.len * sizeof *x);
    float *y = (float *)malloc(vy.len * sizeof *y), *y0 = (float *)malloc(vy.len * sizeof *y);
    char *yin = inside_map(&vy);
    size_t b, o, i, bad_rel = 0, bad_prior = 0, bad_q = 0, bad_out = 0, bb = 0, bo = 0;
    double worst_rel = 0, worst_q = 0;
    const int use_rel = qc->in_f >= QLINEAR_REL_MIN_IN;

    for (i = 0; i < vx.len; i++)
        x[i] = NAN; /* padding: a stray read would poison the scale */
    for (b = 0; b < batch; b++)
        for (i = 0; i < qc->in_f; i++)
            x[at(&vx, b, i)] = xd[b * qc->in_f + i];
    for (i = 0; i < vy.len; i++)
        y[i] = y0[i] = NAN;
    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "sk_qlinear_forward_f32 isa %u %zu -> %zu W %s%s batch %zu x %s y %s",
             (unsigned)sk_active_isa(), qc->in_f, qc->out_f, qc->w_col ? "col" : "row",
             qc->bias ? " +bias" : "", batch, layout_name[lx], layout_name[ly]);
    if (CHECK_STATUS(sk_qlinear_forward_f32(layer, batch, x + vx.off, vx.rs, vx.cs, y + vy.off,
                                            vy.rs, vy.cs),
                     SK_OK)) {
        for (b = 0; b < batch; b++)
            for (o = 0; o < qc->out_f; o++) {
                const size_t k = b * qc->out_f + o;
                const double got = y[at(&vy, b, o)];
                const double err = fabs(got - r->ref[k]), err_q = fabs(got - r->qref[k]);
                const double rel = err / (r->mag[k] + 1e-30), rel_q = err_q / (r->qmag[k] + 1e-30);
                if (!(err <= QLINEAR_REL_TOL * r->mag[k] + 1e-6) && use_rel && bad_rel++ == 0)
                    bb = b, bo = o;
                if (!(err <= r->prior[k]))
                    bad_prior++;
                if (!(err_q <= QLINEAR_DEQ_TOL * r->qmag[k] + 1e-30))
                    bad_q++;
                if (!(rel <= worst_rel))
                    worst_rel = rel; /* NaN too */
                if (!(rel_q <= worst_q))
                    worst_q = rel_q;
            }
        if (!CHECK(bad_rel == 0))
            fprintf(stderr,
                    "    %zu outside 0.05 sum|x||w|; first y(%zu, %zu) = %.9g, f32 product %.9g, "
                    "sum|x||w| %.9g\n",
                    bad_rel, bb, bo, (double)y[at(&vy, bb, bo)], r->ref[bb * qc->out_f + bo],
                    r->mag[bb * qc->out_f + bo]);
        if (!CHECK(bad_prior == 0))
            fprintf(stderr, "    %zu outside the a-priori quantization bound\n", bad_prior);
        if (!CHECK(bad_q == 0))
            fprintf(stderr, "    %zu off the dequantized product; worst relative error %.3g\n",
                    bad_q, worst_q);
        if (use_rel && worst_rel > 0.02)
            fprintf(stderr, "    note: worst |y - y_f32| / sum|x||w| = %.3g\n", worst_rel);
    }
    for (i = 0; i < vy.len; i++)
        if (!yin[i] && memcmp(&y[i], &y0[i], sizeof *y) != 0)
            bad_out++;
    CHECK(bad_out == 0);
    free(x);
    free(y);
    free(y0);
    free(yin);
}

static void check_qlinear(const qcase_t *qc)
{
    const size_t out_f = qc->out_f, in_f = qc->in_f, mb = qc->max_batch;
    const ptrdiff_t ld = (ptrdiff_t)(in_f ? in_f : 1);
    const view_t vw = make_view(qc->w_col ? L_COL : L_ROW, out_f, in_f);
    float *w = (float *)malloc(vw.len * sizeof *w);
    float *bias = (float *)malloc((out_f + 1) * sizeof *bias);
    float *xd = (float *)malloc((mb * in_f + 1) * sizeof *xd);
    double *ref = (double *)malloc((mb * out_f + 1) * sizeof *ref);
    double *mag = (double *)malloc((mb * out_f + 1) * sizeof *mag);
    double *prior = (double *)malloc((mb * out_f + 1) * sizeof *prior);
    double *qref = (double *)malloc((mb * out_f + 1) * sizeof *qref);
    double *qmag = (double *)malloc((mb * out_f + 1) * sizeof *qmag);
    double *wsum = (double *)malloc((out_f + 1) * sizeof *wsum); /* sum_i |w_oi| */
    double *xsum = (double *)malloc((mb + 1) * sizeof *xsum);    /* sum_i |x_bi| */
    int8_t *wq = (int8_t *)malloc(out_f * in_f + 1);
    float *wscale = (float *)malloc((out_f + 1) * sizeof *wscale);
    uint8_t *xq = (uint8_t *)malloc(mb * in_f + 1);
    static const size_t batches[] = {1, 3, 13, 250};
    const qrefs_t refs = {ref, mag, prior, qref, qmag};
    size_t i, o, b, t;
    unsigned seen = 0;
    uint32_t isa;

    for (i = 0; i < vw.len; i++)
        w[i] = NAN;
    for (o = 0; o < out_f; o++) {
        wsum[o] = 0;
        for (i = 0; i < in_f; i++) {
            w[at(&vw, o, i)] = (float)uniform();
            wsum[o] += fabs((double)w[at(&vw, o, i)]);
        }
        bias[o] = qc->bias ? (float)(0.5 * uniform()) : 0.0f;
    }
    for (b = 0; b < mb; b++) {
        xsum[b] = 0;
        for (i = 0; i < in_f; i++) {
            xd[b * in_f + i] = (float)(2.0 * uniform() + 0.5); /* [-1.5, 2.5): zero point inside */
            xsum[b] += fabs((double)xd[b * in_f + i]);
        }
    }
    /* The f32 product (in double) for the largest batch: row b's does not
     * depend on the batch. */
    for (b = 0; b < mb; b++)
        for (o = 0; o < out_f; o++) {
            double s = bias[o], m = 0;
            for (i = 0; i < in_f; i++) {
                s += (double)xd[b * in_f + i] * w[at(&vw, o, i)];
                m += fabs((double)xd[b * in_f + i] * w[at(&vw, o, i)]);
            }
            ref[b * out_f + o] = s;
            mag[b * out_f + o] = m;
        }
    /* W per row, as the layer quantizes it. */
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "qlinear %zu -> %zu: reference quantization", in_f, out_f);
    CHECK_STATUS(sk_quantize_rows_s8(out_f, in_f, w + vw.off, vw.rs, vw.cs, wq, ld, 1, wscale), SK_OK);

    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        sk_qlinear *layer = NULL;
        size_t got_out = 12345, got_in = 12345;
        if (!use_isa(isa, &seen, "qlinear"))
            continue;
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_qlinear_new isa %u %zu -> %zu W %s%s",
                 (unsigned)sk_active_isa(), in_f, out_f, qc->w_col ? "col" : "row",
                 qc->bias ? " +bias" : "");
        if (!CHECK_STATUS(sk_qlinear_new(out_f, in_f, w + vw.off, vw.rs, vw.cs,
                                         qc->bias ? bias : NULL, &layer),
                          SK_OK))
            continue;
        CHECK(layer != NULL);
        CHECK_STATUS(sk_qlinear_shape(layer, &got_out, &got_in), SK_OK);
        CHECK(got_out == out_f && got_in == in_f);
        got_out = got_in = 12345;
        CHECK_STATUS(sk_qlinear_shape(layer, &got_out, NULL), SK_OK);
        CHECK_STATUS(sk_qlinear_shape(layer, NULL, &got_in), SK_OK);
        CHECK(got_out == out_f && got_in == in_f);
        CHECK_STATUS(sk_qlinear_shape(layer, NULL, NULL), SK_OK);

        for (t = 0; t < COUNT(batches); t++) {
            const size_t batch = batches[t];
            float xs = -1.0f;
            uint8_t zp = 0;
            int lx, ly;
            if (batch > mb)
                continue;
            /* x is quantized per call, over the whole batch. */
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "qlinear batch %zu: reference quantization",
                     batch);
            CHECK_STATUS(sk_quantize_u8(batch, in_f, xd, ld, 1, xq, ld, 1, &xs, &zp), SK_OK);
            for (b = 0; b < batch; b++)
                for (o = 0; o < out_f; o++) {
                    const size_t k = b * out_f + o;
                    double s = 0, m = 0;
                    for (i = 0; i < in_f; i++) {
                        double xv = (double)xs * ((int)xq[b * in_f + i] - (int)zp);
                        double wv = (double)wscale[o] * wq[o * in_f + i];
                        s += xv * wv;
                        m += fabs(xv * wv);
                    }
                    qref[k] = s + bias[o];
                    qmag[k] = m + fabs((double)bias[o]);
                    prior[k] = HALF_STEP * ((double)xs * wsum[o] + (double)wscale[o] * xsum[b])
                        + HALF_STEP * HALF_STEP * (double)xs * wscale[o] * (double)in_f
                        + QLINEAR_DEQ_TOL * qmag[k] + 1e-6;
                }
            /* x and y: row-major and column-major each, then reversed / strided. */
            for (lx = 0; lx < 2; lx++)
                for (ly = 0; ly < 2; ly++)
                    check_forward(layer, qc, batch, xd, lx ? L_COL : L_ROW, ly ? L_COL : L_ROW, &refs);
            check_forward(layer, qc, batch, xd, L_NEG_BOTH, L_GENERAL, &refs);
        }
        sk_qlinear_free(layer);
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK);
    free(w);
    free(bias);
    free(xd);
    free(ref);
    free(mag);
    free(prior);
    free(qref);
    free(qmag);
    free(wsum);
    free(xsum);
    free(wq);
    free(wscale);
    free(xq);
    sk_test_ctx[0] = '\0';
}

static void test_qlinear(void)
{
    static const qcase_t cases[] = {
        {70, 45, 0, 1, 250},
        {70, 45, 1, 0, 13},
        {1536, 384, 0, 1, 13},
        {1536, 384, 1, 0, 13},
        {1, 1, 0, 1, 13},
        {33, 1, 1, 1, 13},
        {3, 0, 0, 1, 3},  /* no inputs: y = bias */
        {0, 5, 0, 0, 3},  /* no outputs */
    };
    size_t i;
    for (i = 0; i < COUNT(cases); i++)
        check_qlinear(&cases[i]);
}

static void test_qlinear_errors(void)
{
    float w[6 * 4], bias[6], x[3 * 4], y[3 * 6], y0[3 * 6];
    float *wide = (float *)malloc((SK_GEMM_INT8_MAX_K + 1) * sizeof *wide);
    sk_qlinear *const sentinel = (sk_qlinear *)(void *)&w[0]; /* never dereferenced */
    sk_qlinear *layer = sentinel, *good = NULL;
    size_t i, n_out = 99, n_in = 99;

    for (i = 0; i < 24; i++)
        w[i] = (float)uniform();
    for (i = 0; i < 6; i++)
        bias[i] = (float)uniform();
    for (i = 0; i < 12; i++)
        x[i] = (float)uniform();
    for (i = 0; i <= SK_GEMM_INT8_MAX_K; i++)
        wide[i] = 0.5f;

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_qlinear_new errors");
    w[23] = INFINITY; /* the last weight */
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, bias, &layer), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, NULL, &layer), SK_ERR_INVALID_ARGUMENT);
    w[23] = -INFINITY;
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 1, 6, NULL, &layer), SK_ERR_INVALID_ARGUMENT);
    w[23] = NAN;
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, NULL, &layer), SK_ERR_INVALID_ARGUMENT);
    w[23] = 0.25f;
    bias[5] = NAN;
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, bias, &layer), SK_ERR_INVALID_ARGUMENT);
    bias[5] = INFINITY;
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, bias, &layer), SK_ERR_INVALID_ARGUMENT);
    bias[5] = 0.125f;
    CHECK_STATUS(sk_qlinear_new(1, SK_GEMM_INT8_MAX_K + 1, wide, SK_GEMM_INT8_MAX_K + 1, 1, NULL,
                                &layer),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 0, 1, bias, &layer), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 0, bias, &layer), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_new(6, 4, NULL, 4, 1, bias, &layer), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, bias, NULL), SK_ERR_NULL_POINTER);
    CHECK(layer == sentinel); /* *out untouched by every failure */

    /* The largest in_features is accepted. */
    layer = NULL;
    CHECK_STATUS(sk_qlinear_new(1, SK_GEMM_INT8_MAX_K, wide, SK_GEMM_INT8_MAX_K, 1, NULL, &layer),
                 SK_OK);
    sk_qlinear_free(layer);

    CHECK_STATUS(sk_qlinear_new(6, 4, w, 4, 1, bias, &good), SK_OK);
    sk_qlinear_free(NULL); /* a no-op */

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_qlinear_shape / forward errors");
    CHECK_STATUS(sk_qlinear_shape(NULL, &n_out, &n_in), SK_ERR_NULL_POINTER);
    CHECK(n_out == 99 && n_in == 99);
    for (i = 0; i < 18; i++)
        y[i] = y0[i] = -3.0f;
    CHECK_STATUS(sk_qlinear_forward_f32(NULL, 3, x, 4, 1, y, 6, 1), SK_ERR_NULL_POINTER);
    x[11] = NAN;
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 6, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 1, 3, y, 1, 3), SK_ERR_INVALID_ARGUMENT);
    x[11] = -INFINITY;
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 6, 1), SK_ERR_INVALID_ARGUMENT);
    x[0] = INFINITY;
    x[11] = 0.5f;
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 6, 1), SK_ERR_INVALID_ARGUMENT);
    x[0] = 0.5f;
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, NULL, 4, 1, y, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, NULL, 6, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 0, 1, y, 6, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 6, 0), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 1, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK(memcmp(y, y0, sizeof y) == 0); /* y untouched by every failure */
    {
        float xy[3 * 4 + 3 * 6];
        for (i = 0; i < COUNT(xy); i++)
            xy[i] = 0.5f;
        CHECK_STATUS(sk_qlinear_forward_f32(good, 3, xy, 4, 1, xy + 8, 6, 1),
                     SK_ERR_INVALID_ARGUMENT); /* y overlapping x */
        for (i = 0; i < COUNT(xy); i++)
            CHECK(xy[i] == 0.5f);
    }
    /* Not errors: an empty batch, with NULL x and y. */
    CHECK_STATUS(sk_qlinear_forward_f32(good, 0, NULL, 4, 1, NULL, 6, 1), SK_OK);
    CHECK_STATUS(sk_qlinear_forward_f32(good, 3, x, 4, 1, y, 6, 1), SK_OK);
    sk_qlinear_free(good);
    free(wide);
    sk_test_ctx[0] = '\0';
}

int main(void)
{
    test_gemm_errors();
    test_gemm_small();
    test_gemm_large();
    test_gemm_threads();
    test_gemm_max_k();
    test_quantize_rows_s8();
    test_quantize_rows_s8_errors();
    test_quantize_u8();
    test_quantize_u8_errors();
    test_qlinear_errors();
    test_qlinear();
    return SK_TEST_SUMMARY("test_int8_c");
}
