/*
 * C test of the GEMM entry points: sk_sgemm, sk_dgemm, sk_sgemm_strassen and
 * sk_dgemm_strassen against a naive triple loop in double.
 *
 * - Shapes: m, n, k in 0..40 (edge cases 0 and 1 first, then random ones),
 *   on every ISA the library can be capped to, plus a few larger products
 *   (blocking edges, and the Strassen recursion, which only starts at
 *   min(m, n, k) >= its crossover, 512 or 1024 today).
 * - Layouts (A, B and C each): row-major, column-major (the transposed view
 *   of a row-major matrix), both with padded leading dimensions, general
 *   non-unit strides, and three with negative strides (the pointer names
 *   element (0, 0), which is then not the lowest address).
 * - alpha / beta: (1, 0), (-0.5, 0.75), (2, 1), and alpha = 0 with A and B
 *   NULL, for beta 2 and beta 0. With beta == 0, C is pre-filled with NaN,
 *   which must not leak. Buffer cells outside the views are NaN in A and B
 *   (using them would show) and must stay untouched in C.
 * - Every documented error status, with C unchanged after each failure.
 * - Results that do not depend on the thread count (bit for bit).
 *
 * Tolerances. Classical: |c - want| <= 2 (k + 2) eps (|alpha| sum_p |a_ip
 * b_pj| + |beta c_ij|), twice the textbook gamma_k bound. Strassen-Winograd
 * is only normwise stable (sk_sgemm_strassen's doc): its results are held
 * to 16 times that bound in max-norm form, which catches a wrong block,
 * sign or peeled row, not the last bit.
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

/* ---- element types and entry points ------------------------------------- */

typedef enum { F32, F64 } elem_t;

static size_t elem_size(elem_t t) { return t == F32 ? sizeof(float) : sizeof(double); }
static double elem_eps(elem_t t) { return t == F32 ? FLT_EPSILON : DBL_EPSILON; }

static double get(elem_t t, const void *p, size_t i)
{
    return t == F32 ? (double)((const float *)p)[i] : ((const double *)p)[i];
}

static void set(elem_t t, void *p, size_t i, double v)
{
    if (t == F32)
        ((float *)p)[i] = (float)v;
    else
        ((double *)p)[i] = v;
}

/* The four entry points behind one signature. */
typedef struct {
    const char *name;
    elem_t type;
    int strassen;
} gemm_fn;

static const gemm_fn fns[] = {
    {"sk_sgemm", F32, 0},
    {"sk_dgemm", F64, 0},
    {"sk_sgemm_strassen", F32, 1},
    {"sk_dgemm_strassen", F64, 1},
};

static sk_status call(const gemm_fn *f, size_t m, size_t n, size_t k, double alpha, const void *a,
                      ptrdiff_t rsa, ptrdiff_t csa, const void *b, ptrdiff_t rsb, ptrdiff_t csb,
                      double beta, void *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    if (f->type == F32) {
        const float *fa = (const float *)a, *fb = (const float *)b;
        float *fc = (float *)c;
        return f->strassen
            ? sk_sgemm_strassen(m, n, k, (float)alpha, fa, rsa, csa, fb, rsb, csb, (float)beta, fc, rsc, csc)
            : sk_sgemm(m, n, k, (float)alpha, fa, rsa, csa, fb, rsb, csb, (float)beta, fc, rsc, csc);
    }
    {
        const double *da = (const double *)a, *db = (const double *)b;
        double *dc = (double *)c;
        return f->strassen
            ? sk_dgemm_strassen(m, n, k, alpha, da, rsa, csa, db, rsb, csb, beta, dc, rsc, csc)
            : sk_dgemm(m, n, k, alpha, da, rsa, csa, db, rsb, csb, beta, dc, rsc, csc);
    }
}

#include "views.h"

/* ---- data --------------------------------------------------------------- */

static uint64_t g_state = 0x9E3779B97F4A7C15u;
static uint64_t next_u64(void)
{
    g_state = g_state * 6364136223846793005u + 1442695040888963407u;
    return g_state >> 11;
}
static double uniform(void) { return (double)next_u64() / 4503599627370496.0 - 1.0; } /* [-1, 1) */
static size_t below(size_t n) { return (size_t)(next_u64() % n); }

/* A buffer for view v: view elements random in [-1, 1) (or `fill` when
 * fill_all), every other cell `pad`. */
static void *make_buffer(elem_t t, const view_t *v, double pad, int fill_all, double fill)
{
    void *p = malloc(v->len * elem_size(t));
    size_t i, j;
    for (i = 0; i < v->len; i++)
        set(t, p, i, pad);
    for (i = 0; i < v->rows; i++)
        for (j = 0; j < v->cols; j++)
            set(t, p, at(v, i, j), fill_all ? fill : uniform());
    return p;
}

/* ---- one checked product -------------------------------------------------- */

typedef struct {
    double alpha, beta;
    int null_ab; /* pass A = B = NULL (only with alpha == 0) */
} scalars_t;

static const scalars_t scalars[] = {
    {1.0, 0.0, 0},   /* beta 0: C pre-filled with NaN */
    {-0.5, 0.75, 0}, /* general */
    {2.0, 1.0, 0},   /* accumulate */
    {0.0, 2.0, 1},   /* alpha 0: A, B never read, C = beta C */
    {0.0, 0.0, 1},   /* alpha 0, beta 0: C = 0 even over NaN */
};

/* Checks f on an m x n x k product with the given layouts and scalars;
 * every row_step-th row of C (and its last two rows) is compared with the
 * reference, all of them when row_step is 1. */
static void check_product(const gemm_fn *f, size_t m, size_t n, size_t k, int la, int lb, int lc,
                          const scalars_t *s, size_t row_step)
{
    const elem_t t = f->type;
    const double eps = elem_eps(t);
    const view_t va = make_view(la, m, k), vb = make_view(lb, k, n), vc = make_view(lc, m, n);
    void *a = make_buffer(t, &va, NAN, 0, 0);
    void *b = make_buffer(t, &vb, NAN, 0, 0);
    /* beta == 0: C holds NaN everywhere; otherwise values, NaN around them. */
    void *c = make_buffer(t, &vc, NAN, s->beta == 0.0, NAN);
    void *c0 = malloc(vc.len * elem_size(t));
    char *inside = (char *)calloc(vc.len, 1);
    /* Dense copies for the reference loop: A row-major, B transposed. */
    double *ad = (double *)malloc((m * k + 1) * sizeof *ad);
    double *bt = (double *)malloc((k * n + 1) * sizeof *bt);
    double worst = 0, scale_norm = 0;
    int ok_values = 1, ok_outside = 1;
    size_t i, j, p;

    memcpy(c0, c, vc.len * elem_size(t));
    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "%s isa %u m %zu n %zu k %zu A %s B %s C %s alpha %g beta %g%s", f->name,
             (unsigned)sk_active_isa(), m, n, k, layout_name[la], layout_name[lb],
             layout_name[lc], s->alpha, s->beta, s->null_ab ? " A=B=NULL" : "");

    if (!CHECK_STATUS(call(f, m, n, k, s->alpha, s->null_ab ? NULL : (char *)a + va.off * elem_size(t),
                           va.rs, va.cs, s->null_ab ? NULL : (char *)b + vb.off * elem_size(t), vb.rs,
                           vb.cs, s->beta, (char *)c + vc.off * elem_size(t), vc.rs, vc.cs),
                      SK_OK))
        goto done;

    for (i = 0; i < m; i++)
        for (p = 0; p < k; p++)
            ad[i * k + p] = get(t, a, at(&va, i, p));
    for (p = 0; p < k; p++)
        for (j = 0; j < n; j++)
            bt[j * k + p] = get(t, b, at(&vb, p, j));
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++)
            inside[at(&vc, i, j)] = 1;
    for (i = 0; i < m; i++) {
        if (i % row_step != 0 && i + 2 < m)
            continue;
        for (j = 0; j < n; j++) {
            double sum = 0, mag = 0, want, bound, got, cij = get(t, c0, at(&vc, i, j));
            const double *x = ad + i * k, *y = bt + j * k;
            for (p = 0; p < k && s->alpha != 0.0; p++) {
                sum += x[p] * y[p];
                mag += fabs(x[p] * y[p]);
            }
            /* beta == 0: C is not read, so its NaN contributes nothing. */
            want = s->alpha * sum + (s->beta != 0.0 ? s->beta * cij : 0.0);
            bound = fabs(s->alpha) * mag + (s->beta != 0.0 ? fabs(s->beta * cij) : 0.0);
            got = get(t, c, at(&vc, i, j));
            if (got != got)
                worst = INFINITY;
            else if (fabs(got - want) > worst)
                worst = fabs(got - want);
            if (!f->strassen && !(fabs(got - want) <= 2.0 * (double)(k + 2) * eps * bound + 1e-300))
                ok_values = 0; /* NaN fails too */
            if (s->alpha == 0.0 && s->beta == 0.0 && got != 0.0)
                ok_values = 0; /* exactly zero, whatever C held */
            if (bound > scale_norm)
                scale_norm = bound;
        }
    }
    /* Strassen: 16 times the classical bound, in max-norm form. */
    if (f->strassen && !(worst <= 16.0 * 2.0 * (double)(k + 2) * eps * scale_norm + 1e-300))
        ok_values = 0;
    if (!CHECK(ok_values))
        fprintf(stderr, "    largest |C - want| %.3g, largest bound term %.3g\n", worst, scale_norm);
    /* Cells between and around the view's elements are untouched (bitwise:
     * they hold NaN). */
    for (i = 0; i < vc.len; i++)
        if (!inside[i] && memcmp((char *)c + i * elem_size(t), (char *)c0 + i * elem_size(t),
                                 elem_size(t)) != 0)
            ok_outside = 0;
    CHECK(ok_outside);
done:
    free(a);
    free(b);
    free(c);
    free(c0);
    free(inside);
    free(ad);
    free(bt);
}

/* ---- the small random products, per ISA ------------------------------------ */

static void test_small(void)
{
    /* Edge cases first: empty dimensions, ones, a 1 x 1 x 1. */
    static const size_t edges[][3] = {
        {0, 0, 0}, {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {1, 1, 1}, {1, 7, 5}, {7, 1, 5},
        {7, 5, 1}, {1, 1, 9}, {2, 2, 2}, {40, 40, 40}, {33, 17, 1},
    };
    size_t shapes[64][3];
    size_t nshapes = 0, s, f, sc;
    uint32_t isa;
    int l;

    for (s = 0; s < COUNT(edges); s++, nshapes++)
        memcpy(shapes[nshapes], edges[s], sizeof edges[s]);
    while (nshapes < 48) {
        shapes[nshapes][0] = below(41);
        shapes[nshapes][1] = below(41);
        shapes[nshapes][2] = below(41);
        nshapes++;
    }
    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        CHECK_STATUS(sk_set_max_isa(isa), SK_OK);
        printf("gemm: max isa %u, active isa %u\n", (unsigned)isa, (unsigned)sk_active_isa());
        for (s = 0; s < nshapes; s++)
            for (l = 0; l < N_LAYOUTS; l++)
                for (f = 0; f < COUNT(fns); f++)
                    for (sc = 0; sc < COUNT(scalars); sc++) {
                        /* Every layout for A; B and C walk the layouts at
                         * other rates, so all pairs meet across shapes. */
                        int lb = (int)((size_t)l + s) % N_LAYOUTS;
                        int lc = (int)((size_t)l + 3 * s + sc) % N_LAYOUTS;
                        check_product(&fns[f], shapes[s][0], shapes[s][1], shapes[s][2], l, lb, lc,
                                      &scalars[sc], 1);
                    }
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK); /* back to the best */
    sk_test_ctx[0] = '\0';
}

/* Larger products: past the register and cache blocks (odd sizes, so every
 * edge kernel runs), and past the Strassen crossovers (f64 512, f32 1024;
 * odd sizes exercise its peeling). */
static void test_large(void)
{
    static const struct {
        size_t m, n, k;
        int la, lb, lc;
    } cases[] = {
        {129, 67, 300, L_ROW, L_ROW, L_ROW},
        {67, 129, 531, L_COL, L_ROW_PAD, L_NEG_ROWS},
        {257, 33, 97, L_GENERAL, L_NEG_BOTH, L_COL_PAD},
    };
    static const struct {
        size_t m, n, k;
        int la, lb, lc;
    } strassen_cases[] = {
        {521, 515, 513, L_ROW, L_ROW, L_ROW},         /* f64: one level, odd: peeling */
        {520, 530, 516, L_COL, L_NEG_ROWS, L_ROW_PAD}, /* f64, strided views */
        {1027, 1025, 1031, L_ROW, L_ROW, L_ROW},      /* f32: one level */
    };
    size_t i, f, sc;

    for (i = 0; i < COUNT(cases); i++)
        for (f = 0; f < COUNT(fns); f++)
            for (sc = 0; sc < 3; sc++)
                check_product(&fns[f], cases[i].m, cases[i].n, cases[i].k, cases[i].la, cases[i].lb,
                              cases[i].lc, &scalars[sc], 1);
    for (i = 0; i < COUNT(strassen_cases); i++) {
        const gemm_fn *f32 = &fns[2], *f64 = &fns[3];
        const gemm_fn *fn = strassen_cases[i].m > 1000 ? f32 : f64;
        /* beta 0 (overwrite schedule) and beta != 0 (accumulate schedule). */
        for (sc = 0; sc < 2; sc++)
            check_product(fn, strassen_cases[i].m, strassen_cases[i].n, strassen_cases[i].k,
                          strassen_cases[i].la, strassen_cases[i].lb, strassen_cases[i].lc,
                          &scalars[sc], 7); /* rows 0, 7, ..., and the last two */
    }
    sk_test_ctx[0] = '\0';
}

/* The same product with 1 and with 2 threads: identical bits. */
static void test_thread_count(void)
{
    static const size_t dims[][3] = {{300, 200, 250}, {600, 520, 530}};
    size_t d, f;

    for (d = 0; d < COUNT(dims); d++) {
        for (f = 0; f < COUNT(fns); f++) {
            const gemm_fn *fn = &fns[f];
            size_t m = dims[d][0], n = dims[d][1], k = dims[d][2], es = elem_size(fn->type), i;
            void *a = malloc(m * k * es), *b = malloc(k * n * es);
            void *c1 = malloc(m * n * es), *c2 = malloc(m * n * es);
            for (i = 0; i < m * k; i++)
                set(fn->type, a, i, uniform());
            for (i = 0; i < k * n; i++)
                set(fn->type, b, i, uniform());
            for (i = 0; i < m * n; i++) {
                double v = uniform();
                set(fn->type, c1, i, v);
                set(fn->type, c2, i, v);
            }
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "%s m %zu n %zu k %zu, 1 vs 2 threads",
                     fn->name, m, n, k);
            CHECK_STATUS(sk_set_num_threads(1), SK_OK);
            CHECK_STATUS(call(fn, m, n, k, 0.5, a, (ptrdiff_t)k, 1, b, (ptrdiff_t)n, 1, 0.25, c1,
                              (ptrdiff_t)n, 1),
                         SK_OK);
            CHECK_STATUS(sk_set_num_threads(2), SK_OK);
            CHECK_STATUS(call(fn, m, n, k, 0.5, a, (ptrdiff_t)k, 1, b, (ptrdiff_t)n, 1, 0.25, c2,
                              (ptrdiff_t)n, 1),
                         SK_OK);
            CHECK(memcmp(c1, c2, m * n * es) == 0);
            free(a);
            free(b);
            free(c1);
            free(c2);
        }
    }
    CHECK_STATUS(sk_set_num_threads(0), SK_OK);
    sk_test_ctx[0] = '\0';
}

/* ---- error statuses -------------------------------------------------------- */

/* n * stride overflows the address space for 4-byte elements and up. */
#define HUGE_N (SIZE_MAX / 2)

static void test_errors(void)
{
    size_t f, i;
    for (f = 0; f < COUNT(fns); f++) {
        const gemm_fn *fn = &fns[f];
        const size_t es = elem_size(fn->type);
        /* double arrays: aligned for either type. a, b and c hold 4 x 4
         * row-major matrices (and spare cells); both is shared by two. */
        double abuf[40], bbuf[40], cbuf[40], cref[40], both[64];
        void *a = abuf, *b = bbuf, *c = cbuf;

        for (i = 0; i < 40; i++) {
            set(fn->type, a, i, 1.0);
            set(fn->type, b, i, 2.0);
            set(fn->type, c, i, 7.0);
        }
        for (i = 0; i < 64; i++)
            set(fn->type, both, i, 3.0);
        memcpy(cref, cbuf, sizeof cbuf);
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "errors of %s", fn->name);

        /* NULL: A or B with alpha != 0 and k > 0, and C with m, n > 0. */
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, NULL, 4, 1, b, 4, 1, 0.0, c, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, NULL, 4, 1, 0.0, c, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 1.0, NULL, 4, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(call(fn, 4, 4, 4, 0.0, NULL, 4, 1, NULL, 4, 1, 1.0, NULL, 4, 1),
                     SK_ERR_NULL_POINTER);

        /* A zero stride, in any of the six. */
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 0, 1, b, 4, 1, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 0, b, 4, 1, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 0, 1, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 0, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, c, 0, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, c, 4, 0), SK_ERR_INVALID_ARGUMENT);

        /* C overlapping A or B (partly, or the same buffer). */
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, both, 4, 1, b, 4, 1, 0.0, (char *)both + 8 * es, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, both, 4, 1, 0.0, (char *)both + 15 * es, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, both, 4, 1, b, 4, 1, 1.0, both, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, (char *)both + 12 * es, -4, 1, b, 4, 1, 0.0,
                          (char *)both + 14 * es, 4, 1),
                     SK_ERR_INVALID_ARGUMENT); /* A (rows reversed) spans 0..15, C 14..29 */

        /* C strides that map two elements to one address. */
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, c, 1, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 2, 2, 4, 1.0, a, 4, 1, b, 2, 1, 0.0, c, 3, 3), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 3, 3, 4, 1.0, a, 4, 1, b, 3, 1, 0.0, c, 1, 2), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 3, 3, 4, 1.0, a, 4, 1, b, 3, 1, 0.0, (char *)c + 8 * es, -2, -1),
                     SK_ERR_INVALID_ARGUMENT);

        /* Misaligned A, B or C. */
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, MISALIGNED(a), 4, 1, b, 4, 1, 0.0, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, MISALIGNED(b), 4, 1, 0.0, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, MISALIGNED(c), 4, 1),
                     SK_ERR_INVALID_ARGUMENT);

        /* Sizes whose extent overflows the address space. */
        CHECK_STATUS(call(fn, HUGE_N, 1, 4, 1.0, a, 4, 1, b, 1, 1, 0.0, c, 1, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, 4, HUGE_N, 1.0, a, 4, 1, b, 4, 1, 0.0, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(call(fn, 4, HUGE_N, 4, 1.0, a, 4, 1, b, -4, 1, 0.0, c, 4, 1),
                     SK_ERR_INVALID_ARGUMENT);

        /* C is untouched by every failure above. */
        CHECK(memcmp(cbuf, cref, sizeof cbuf) == 0);

        /* Not errors: NULL with no elements, NULL A and B with alpha 0, k 0. */
        CHECK_STATUS(call(fn, 0, 4, 4, 1.0, NULL, 4, 1, b, 4, 1, 0.0, c, 4, 1), SK_OK);
        CHECK_STATUS(call(fn, 4, 0, 4, 1.0, a, 4, 1, NULL, 1, 1, 0.0, NULL, 1, 1), SK_OK);
        CHECK(memcmp(cbuf, cref, sizeof cbuf) == 0);
        CHECK_STATUS(call(fn, 4, 4, 0, 1.0, NULL, 1, 1, NULL, 4, 1, 2.0, c, 4, 1), SK_OK);
        CHECK(get(fn->type, c, 0) == 14.0 && get(fn->type, c, 15) == 14.0 &&
              get(fn->type, c, 16) == 7.0); /* k == 0: C = beta C, only the view */
        CHECK_STATUS(call(fn, 4, 4, 4, 0.0, NULL, 4, 1, NULL, 4, 1, 0.5, c, 4, 1), SK_OK);
        CHECK(get(fn->type, c, 5) == 7.0);
    }
    sk_test_ctx[0] = '\0';
}

int main(void)
{
    test_errors();
    test_small();
    test_large();
    test_thread_count();
    return SK_TEST_SUMMARY("test_gemm_c");
}
