/*
 * The level-1 kernels against plain C loops, on every ISA the library can be
 * capped to, over lengths that hit each vector width's edges and increments
 * 1, 2, -1 and -3. Negative increments follow BLAS: the pointer is the lowest
 * address and element 0 sits at the highest one.
 */
#include "check.h"
#include "tests.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257, 1000, 4099};
static const ptrdiff_t incs[] = {1, 2, -1, -3};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Offset of logical element i of an n-vector with increment inc. */
static size_t at(size_t i, size_t n, ptrdiff_t inc)
{
    return inc > 0 ? i * (size_t)inc : (n - 1 - i) * (size_t)(-inc);
}

/* Elements an n-vector with increment inc spans (at least 1, so malloc never gets 0). */
static size_t span(size_t n, ptrdiff_t inc)
{
    return n == 0 ? 1 : 1 + (n - 1) * (size_t)(inc > 0 ? inc : -inc);
}

/* Deterministic values in [-1, 1). */
static double uniform(void)
{
    static uint64_t state = 0x9E3779B97F4A7C15u;
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (double)(state >> 11) / 4503599627370496.0 - 1.0; /* 2^52 */
}

static double *random_doubles(size_t len)
{
    double *v = (double *)malloc(len * sizeof *v);
    size_t i;
    for (i = 0; i < len; i++)
        v[i] = uniform();
    return v;
}

static float *random_floats(size_t len)
{
    float *v = (float *)malloc(len * sizeof *v);
    size_t i;
    for (i = 0; i < len; i++)
        v[i] = (float)uniform();
    return v;
}

/* |got - want| within rel * scale, plus a hair for results near zero. */
static int close_to(double got, double want, double rel, double scale)
{
    return fabs(got - want) <= rel * scale + 1e-300;
}

/* The single-precision kernels; bounds are eps times the length (order-free summation). */
static void check_float(size_t n, ptrdiff_t incx, ptrdiff_t incy)
{
    size_t sx = span(n, incx), sy = span(n, incy), i, idx;
    float *x = random_floats(sx), *y = random_floats(sy), *y0 = (float *)malloc(sy * sizeof *y0), *x0;
    const float alpha = 0.75f;
    double dot = 0, mag = 0, sq = 0, asum = 0, best = -1;
    size_t want_idx = n == 0 ? SIZE_MAX : 0;
    float out = -777;
    int ok = 1;

    memcpy(y0, y, sy * sizeof *y0);
    for (i = 0; i < n; i++) {
        double xi = x[at(i, n, incx)], yi = y[at(i, n, incy)];
        dot += xi * yi;
        mag += fabs(xi * yi);
        sq += xi * xi;
        asum += fabs(xi);
        if (fabs(xi) > best) {
            best = fabs(xi);
            want_idx = i;
        }
    }
    if (CHECK_STATUS(sk_sdot(n, x, incx, y, incy, &out), SK_OK))
        CHECK(close_to(out, dot, 2.0 * (double)(n + 1) * FLT_EPSILON, mag));
    if (CHECK_STATUS(sk_snrm2(n, x, incx, &out), SK_OK))
        CHECK(close_to(out, sqrt(sq), 2.0 * FLT_EPSILON, sqrt(sq)));
    if (CHECK_STATUS(sk_sasum(n, x, incx, &out), SK_OK))
        CHECK(close_to(out, asum, 2.0 * (double)(n + 1) * FLT_EPSILON, asum));
    idx = 12345;
    if (CHECK_STATUS(sk_isamax(n, x, incx, &idx), SK_OK))
        CHECK(idx == want_idx);

    /* axpy: one rounding, or none with FMA; elements between strides untouched. */
    if (CHECK_STATUS(sk_saxpy(n, alpha, x, incx, y, incy), SK_OK)) {
        for (i = 0; i < n; i++) {
            double xi = x[at(i, n, incx)], yi = y0[at(i, n, incy)];
            ok &= close_to(y[at(i, n, incy)], yi + alpha * xi, 2.0 * FLT_EPSILON, fabs(yi) + fabs(alpha * xi));
            y0[at(i, n, incy)] = y[at(i, n, incy)];
        }
        CHECK(ok && memcmp(y, y0, sy * sizeof *y) == 0);
    }
    /* scal: a single IEEE multiply, so exact; elements between strides untouched. */
    x0 = (float *)malloc(sx * sizeof *x0);
    memcpy(x0, x, sx * sizeof *x0);
    if (CHECK_STATUS(sk_sscal(n, -1.5f, x, incx), SK_OK)) {
        for (i = 0; i < n; i++)
            x0[at(i, n, incx)] *= -1.5f;
        CHECK(memcmp(x, x0, sx * sizeof *x) == 0);
    }
    free(x0);
    free(x);
    free(y);
    free(y0);
}

/* The double-precision twins; the reference sums in long double. */
static void check_double(size_t n, ptrdiff_t incx, ptrdiff_t incy)
{
    size_t sx = span(n, incx), sy = span(n, incy), i, idx;
    double *x = random_doubles(sx), *y = random_doubles(sy), *y0 = (double *)malloc(sy * sizeof *y0), *x0;
    const double alpha = -0.3;
    long double dot = 0, mag = 0, sq = 0, asum = 0, best = -1;
    size_t want_idx = n == 0 ? SIZE_MAX : 0;
    double out = -777;
    int ok = 1;

    memcpy(y0, y, sy * sizeof *y0);
    for (i = 0; i < n; i++) {
        long double xi = x[at(i, n, incx)], yi = y[at(i, n, incy)];
        dot += xi * yi;
        mag += fabsl(xi * yi);
        sq += xi * xi;
        asum += fabsl(xi);
        if (fabsl(xi) > best) {
            best = fabsl(xi);
            want_idx = i;
        }
    }
    if (CHECK_STATUS(sk_ddot(n, x, incx, y, incy, &out), SK_OK))
        CHECK(close_to(out, (double)dot, 2.0 * (double)(n + 1) * DBL_EPSILON, (double)mag));
    if (CHECK_STATUS(sk_dnrm2(n, x, incx, &out), SK_OK))
        CHECK(close_to(out, (double)sqrtl(sq), (double)(n + 2) * DBL_EPSILON, (double)sqrtl(sq)));
    if (CHECK_STATUS(sk_dasum(n, x, incx, &out), SK_OK))
        CHECK(close_to(out, (double)asum, 2.0 * (double)(n + 1) * DBL_EPSILON, (double)asum));
    idx = 12345;
    if (CHECK_STATUS(sk_idamax(n, x, incx, &idx), SK_OK))
        CHECK(idx == want_idx);

    if (CHECK_STATUS(sk_daxpy(n, alpha, x, incx, y, incy), SK_OK)) {
        for (i = 0; i < n; i++) {
            double xi = x[at(i, n, incx)], yi = y0[at(i, n, incy)];
            ok &= close_to(y[at(i, n, incy)], yi + alpha * xi, 2.0 * DBL_EPSILON, fabs(yi) + fabs(alpha * xi));
            y0[at(i, n, incy)] = y[at(i, n, incy)];
        }
        CHECK(ok && memcmp(y, y0, sy * sizeof *y) == 0);
    }
    x0 = (double *)malloc(sx * sizeof *x0);
    memcpy(x0, x, sx * sizeof *x0);
    if (CHECK_STATUS(sk_dscal(n, 2.5, x, incx), SK_OK)) {
        for (i = 0; i < n; i++)
            x0[at(i, n, incx)] *= 2.5;
        CHECK(memcmp(x, x0, sx * sizeof *x) == 0);
    }
    free(x0);
    free(x);
    free(y);
    free(y0);
}

static void check_dot_u8s8(size_t n)
{
    uint8_t *x = (uint8_t *)malloc(n + 1);
    int8_t *y = (int8_t *)malloc(n + 1);
    int64_t want = 0;
    int32_t out = -777;
    size_t i;

    for (i = 0; i < n; i++) {
        x[i] = (uint8_t)((uniform() + 1.0) * 128.0);
        y[i] = (int8_t)(uniform() * 128.0);
        want += (int64_t)x[i] * y[i];
    }
    if (CHECK_STATUS(sk_dot_u8s8(n, x, y, &out), SK_OK))
        CHECK(out == want);
    free(x);
    free(y);
}

/*
 * Long inputs are summed exactly: halves of opposite sign (per 4-byte group,
 * the unit VPDPBUSD adds into one int32 lane) overflow any int32 lane or
 * partial sum many times over, yet the total is small and must come back.
 */
static void check_dot_u8s8_long(void)
{
    const size_t n = (size_t)1 << 24;
    uint8_t *x = (uint8_t *)malloc(n);
    int8_t *y = (int8_t *)malloc(n);
    int32_t out = -777;
    size_t i;

    memset(x, 255, n);
    for (i = 0; i < n; i++)
        y[i] = (i / 4) % 2 ? -127 : 127;
    y[0] = 126; /* total: -255 */
    if (CHECK_STATUS(sk_dot_u8s8(n, x, y, &out), SK_OK))
        CHECK(out == -255);
    for (i = 0; i < n; i++)
        y[i] = i < n / 2 ? 127 : -127;
    y[n - 1] = -126; /* total: +255 */
    if (CHECK_STATUS(sk_dot_u8s8(n, x, y, &out), SK_OK))
        CHECK(out == 255);
    free(x);
    free(y);
}

/* Documented special values and edge cases, independent of length. */
static void check_special(void)
{
    const float fnan = (float)NAN, finf = (float)INFINITY;
    float f[6] = {1, -4, 2, 4, 0, 3}, out = -777;
    double d[4] = {3e300, -4e300, 0, 0}, dout = -777;
    size_t idx = 12345;

    /* NULL with n == 0 is fine; empty results are 0, and SIZE_MAX for iamax. */
    CHECK(sk_sdot(0, NULL, 1, NULL, 1, &out) == SK_OK && out == 0);
    CHECK(sk_dnrm2(0, NULL, 1, &dout) == SK_OK && dout == 0);
    CHECK(sk_isamax(0, NULL, 1, &idx) == SK_OK && idx == SIZE_MAX);
    idx = 12345;
    CHECK(sk_idamax(0, NULL, 1, &idx) == SK_OK && idx == SIZE_MAX);
    CHECK(sk_saxpy(0, 1, NULL, 1, NULL, 1) == SK_OK && sk_dscal(0, 1, NULL, 1) == SK_OK);
    CHECK(sk_dot_u8s8(0, NULL, NULL, &(int32_t){-1}) == SK_OK);

    /* iamax: zero-based, first of ties (|-4| == |4|), first NaN wins. */
    CHECK(sk_isamax(6, f, 1, &idx) == SK_OK && idx == 1);
    CHECK(sk_isamax(6, f, -1, &idx) == SK_OK && idx == 2); /* element 0 is f[5] */
    f[4] = fnan;
    f[5] = fnan;
    CHECK(sk_isamax(6, f, 1, &idx) == SK_OK && idx == 4);
    d[2] = NAN;
    CHECK(sk_idamax(4, d, 1, &idx) == SK_OK && idx == 2);

    /* nrm2 neither overflows nor underflows; NaN beats Inf, Inf beats numbers. */
    d[2] = 0;
    CHECK(sk_dnrm2(4, d, 1, &dout) == SK_OK && close_to(dout, 5e300, 4 * DBL_EPSILON, 5e300));
    d[0] = 3e-300;
    d[1] = 4e-300;
    CHECK(sk_dnrm2(2, d, 1, &dout) == SK_OK && close_to(dout, 5e-300, 4 * DBL_EPSILON, 5e-300));
    f[0] = 3e30f;
    f[1] = -4e30f;
    CHECK(sk_snrm2(2, f, 1, &out) == SK_OK && close_to(out, 5e30, 2 * FLT_EPSILON, 5e30));
    f[2] = finf;
    CHECK(sk_snrm2(3, f, 1, &out) == SK_OK && out == finf);
    f[3] = fnan;
    CHECK(sk_snrm2(4, f, 1, &out) == SK_OK && isnan(out));

    /* scal is IEEE: 0 * NaN and 0 * Inf are NaN, not 0. */
    f[0] = fnan;
    f[1] = finf;
    CHECK(sk_sscal(2, 0.0f, f, 1) == SK_OK && isnan(f[0]) && isnan(f[1]));
}

void test_kernels(void)
{
    uint32_t isa;
    size_t s, i, j;

    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        CHECK_STATUS(sk_set_max_isa(isa), SK_OK);
        printf("kernels: max isa %u, active isa %u\n", (unsigned)isa, (unsigned)sk_active_isa());
        for (s = 0; s < COUNT(sizes); s++) {
            for (i = 0; i < COUNT(incs); i++) {
                for (j = 0; j < COUNT(incs); j++) {
                    snprintf(sk_test_ctx, sizeof sk_test_ctx, "max isa %u, n %zu, incx %td, incy %td",
                             (unsigned)isa, sizes[s], incs[i], incs[j]);
                    check_float(sizes[s], incs[i], incs[j]);
                    check_double(sizes[s], incs[i], incs[j]);
                }
            }
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "max isa %u, n %zu", (unsigned)isa, sizes[s]);
            check_dot_u8s8(sizes[s]);
        }
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "special values, max isa %u", (unsigned)isa);
        check_special();
        check_dot_u8s8_long();
    }
    sk_test_ctx[0] = '\0';
}
