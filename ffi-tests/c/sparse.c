/*
 * C test of the sparse CSR entry points: sk_csr_new_f32/f64, sk_csr_free,
 * sk_csr_value_type, sk_csr_shape, sk_csr_export_*, sk_csr_spmv_*, sk_csr_spmm_*,
 * sk_csr_spgemm, sk_csr_transpose, sk_csr_from_dense_*,
 * sk_csr_to_dense_*, sk_density_* and sk_matmul_auto_*, in f64 and f32,
 * each against plain C loops on a dense copy of the matrix.
 *
 * - sk_csr_new_*: sorted input, unsorted rows with duplicates (summed in
 *   input order: the sum 1e16 + 1 - 1e16 (1e8 in f32) comes out 0 only in
 *   that order; the export shows sorted columns and the sums), explicit
 *   zeros kept, empty matrices (0x0, 0xN, Nx0, NxM with no entries; NULL
 *   arrays with nnz 0), 1x1, a single dense row and column, random
 *   matrices. Every malformed input (indptr[0] != 0, a decreasing indptr,
 *   an indptr past nnz, indptr[rows] != nnz, an index < 0 or >= cols) is
 *   SK_ERR_INVALID_ARGUMENT with a message naming the position
 *   ("indptr[i]" / "indices[p]") and *out untouched (pre-set to a
 *   sentinel); NULL indptr / indices / values / out are
 *   SK_ERR_NULL_POINTER.
 * - sk_csr_value_type (SK_CSR_F32 / SK_CSR_F64; NULL handle or output),
 *   sk_csr_shape (each output may be NULL), sk_csr_export_* round trips
 *   (structure exactly, values bit for bit), an f32 handle given to an
 *   f64 function (and the reverse) refused by export, spmv, spmm and
 *   to_dense.
 * - sk_csr_spmv_*: random matrices (row lengths 0..40 and 0..3, up to a
 *   few hundred rows and columns, and one large enough for the thread
 *   pool), on every ISA the library can be capped to; alpha / beta
 *   combinations, beta == 0 with y pre-filled with NaN, alpha == 0 with x
 *   all NaN (neither is read); cells around y untouched, NaN around x
 *   (a stray read would show). Tolerance 2 (len + 2) eps (|alpha|
 *   sum_j |a_ij x_j| + |beta y_i|), len the entries of the row.
 * - sk_csr_spmm_*: n in {1, 5, 32, 33, 70}; B and C each row-major and
 *   column-major, and padded / general / negative-stride views; the same
 *   scalars (beta == 0 over NaN); every ISA; cells of C's buffer outside
 *   the view untouched.
 * - sk_csr_spgemm: against the dense triple product: an entry is stored
 *   iff some product term exists (explicit zeros and cancellations
 *   included), values within 2 (terms + 1) eps sum |a_ik b_kj|; the output
 *   canonical; shapes that exercise the hash accumulator, the dense one
 *   (past one 4096-column bitmap group) and the thread split.
 * - sk_csr_transpose (exact, against the dense transpose),
 *   sk_csr_from_dense_* (keeps |x| > t and every NaN; -0, +-t and Inf
 *   around the cut; several layouts; negative and NaN thresholds refused),
 *   sk_csr_to_dense_* (row- and column-major and padded outputs over NaN),
 *   sk_density_* (count and fraction, -0 and NaN, density NULL).
 * - sk_matmul_auto_*: a 200x300 A with 1% non-zeros times a 300x20 B takes
 *   SK_MATMUL_SPARSE, a dense A SK_MATMUL_DENSE, each matching sk_dgemm /
 *   sk_sgemm and a naive loop (beta == 0 over NaN, row- and column-major B
 *   and C); the documented crossovers (n < 8 dense; at most 1.5% / 4% / 8%
 *   non-zeros for n in [8, 32) / [32, 128) / 128+: the cap itself sparse,
 *   one more dense), the 4096-element minimum, an all-zero A; path NULL;
 *   alpha == 0 with A and B NULL; errors with path untouched.
 * - The same SpMV, SpMM and SpGEMM with 1 and 3 threads: identical bits.
 * - sk_csr_free(NULL) is a no-op; every handle made here is freed.
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

/* sk_matmul_auto_* reports its path as SK_MATMUL_DENSE / SK_MATMUL_SPARSE.
 * Without them in the header this test still builds (with the values of
 * src/sparse/auto.rs) and fails one check in main. */
#if defined(SK_MATMUL_DENSE) && defined(SK_MATMUL_SPARSE)
#define HEADER_HAS_MATMUL_PATHS 1
#else
#define HEADER_HAS_MATMUL_PATHS 0
#ifndef SK_MATMUL_DENSE
#define SK_MATMUL_DENSE 0
#endif
#ifndef SK_MATMUL_SPARSE
#define SK_MATMUL_SPARSE 1
#endif
#endif

#include "views.h"

/* ---- element types and entry points ------------------------------------- */

typedef enum { F32, F64 } elem_t;

static const char *type_name(elem_t t) { return t == F32 ? "f32" : "f64"; }
static size_t elem_size(elem_t t) { return t == F32 ? sizeof(float) : sizeof(double); }
static double elem_eps(elem_t t) { return t == F32 ? FLT_EPSILON : DBL_EPSILON; }
static double elem_tiny(elem_t t) { return t == F32 ? FLT_MIN : DBL_MIN; }

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

/* Element i of a buffer of type t. */
static void *elem_at(elem_t t, void *p, size_t i) { return (char *)p + i * elem_size(t); }

/* v rounded to the type. */
static double round_to(elem_t t, double v) { return t == F32 ? (double)(float)v : v; }

/* Equal, or both NaN. */
static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }

static sk_status csr_new(elem_t t, size_t rows, size_t cols, size_t nnz, const int64_t *indptr,
                         const int32_t *indices, const void *values, sk_csr **out)
{
    return t == F32
        ? sk_csr_new_f32(rows, cols, nnz, indptr, indices, (const float *)values, out)
        : sk_csr_new_f64(rows, cols, nnz, indptr, indices, (const double *)values, out);
}

static sk_status csr_export(elem_t t, const sk_csr *a, int64_t *indptr, int32_t *indices,
                            void *values)
{
    return t == F32 ? sk_csr_export_f32(a, indptr, indices, (float *)values)
                    : sk_csr_export_f64(a, indptr, indices, (double *)values);
}

static sk_status csr_spmv(elem_t t, const sk_csr *a, double alpha, const void *x, double beta,
                          void *y)
{
    return t == F32
        ? sk_csr_spmv_f32(a, (float)alpha, (const float *)x, (float)beta, (float *)y)
        : sk_csr_spmv_f64(a, alpha, (const double *)x, beta, (double *)y);
}

static sk_status csr_spmm(elem_t t, const sk_csr *a, size_t n, double alpha, const void *b,
                          ptrdiff_t rsb, ptrdiff_t csb, double beta, void *c, ptrdiff_t rsc,
                          ptrdiff_t csc)
{
    return t == F32 ? sk_csr_spmm_f32(a, n, (float)alpha, (const float *)b, rsb, csb, (float)beta,
                                      (float *)c, rsc, csc)
                    : sk_csr_spmm_f64(a, n, alpha, (const double *)b, rsb, csb, beta, (double *)c,
                                      rsc, csc);
}

static sk_status csr_from_dense(elem_t t, size_t rows, size_t cols, const void *a, ptrdiff_t rsa,
                                ptrdiff_t csa, double threshold, sk_csr **out)
{
    return t == F32
        ? sk_csr_from_dense_f32(rows, cols, (const float *)a, rsa, csa, (float)threshold, out)
        : sk_csr_from_dense_f64(rows, cols, (const double *)a, rsa, csa, threshold, out);
}

static sk_status csr_to_dense(elem_t t, const sk_csr *a, void *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    return t == F32 ? sk_csr_to_dense_f32(a, (float *)c, rsc, csc)
                    : sk_csr_to_dense_f64(a, (double *)c, rsc, csc);
}

static sk_status density(elem_t t, size_t rows, size_t cols, const void *a, ptrdiff_t rsa,
                         ptrdiff_t csa, size_t *nonzeros, double *fraction)
{
    return t == F32 ? sk_density_f32(rows, cols, (const float *)a, rsa, csa, nonzeros, fraction)
                    : sk_density_f64(rows, cols, (const double *)a, rsa, csa, nonzeros, fraction);
}

static sk_status matmul_auto(elem_t t, size_t m, size_t n, size_t k, double alpha, const void *a,
                             ptrdiff_t rsa, ptrdiff_t csa, const void *b, ptrdiff_t rsb,
                             ptrdiff_t csb, double beta, void *c, ptrdiff_t rsc, ptrdiff_t csc,
                             uint32_t *path)
{
    return t == F32
        ? sk_matmul_auto_f32(m, n, k, (float)alpha, (const float *)a, rsa, csa, (const float *)b,
                             rsb, csb, (float)beta, (float *)c, rsc, csc, path)
        : sk_matmul_auto_f64(m, n, k, alpha, (const double *)a, rsa, csa, (const double *)b, rsb,
                             csb, beta, (double *)c, rsc, csc, path);
}

static sk_status gemm(elem_t t, size_t m, size_t n, size_t k, double alpha, const void *a,
                      ptrdiff_t rsa, ptrdiff_t csa, const void *b, ptrdiff_t rsb, ptrdiff_t csb,
                      double beta, void *c, ptrdiff_t rsc, ptrdiff_t csc)
{
    return t == F32 ? sk_sgemm(m, n, k, (float)alpha, (const float *)a, rsa, csa, (const float *)b,
                               rsb, csb, (float)beta, (float *)c, rsc, csc)
                    : sk_dgemm(m, n, k, alpha, (const double *)a, rsa, csa, (const double *)b, rsb,
                               csb, beta, (double *)c, rsc, csc);
}

/* ---- data --------------------------------------------------------------- */

static uint64_t g_state = 0xD1B54A32D192ED03u;
static uint64_t next_u64(void)
{
    g_state = g_state * 6364136223846793005u + 1442695040888963407u;
    return g_state >> 11;
}
static double uniform(void) { return (double)next_u64() / 4503599627370496.0 - 1.0; } /* [-1, 1) */
static size_t below(size_t n) { return (size_t)(next_u64() % n); }

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

/* Whether the calling thread's last error message contains needle;
 * prints the message when it does not. */
static int message_has(const char *needle)
{
    char msg[512] = "";
    sk_last_error_message(msg, sizeof msg);
    if (strstr(msg, needle))
        return 1;
    fprintf(stderr, "    last error \"%s\" does not contain \"%s\"\n", msg, needle);
    return 0;
}

/* A never-dereferenced handle value that failing constructors must leave in
 * *out. */
static char sentinel_storage[16];
#define SENTINEL ((sk_csr *)(void *)sentinel_storage)

/* ---- test matrices ------------------------------------------------------- */

/*
 * The caller arrays of one matrix (as given to sk_csr_new_*) and what the
 * library must make of them: the dense row-major copy of the canonical
 * values (duplicates summed in input order, in the element type), where the
 * canonical form stores entries, and the canonical CSR arrays.
 */
typedef struct {
    elem_t t;
    size_t rows, cols, nnz;
    int64_t *indptr;  /* rows + 1 */
    int32_t *indices; /* nnz */
    void *values;     /* nnz elements of type t */
    double *dense;    /* rows x cols */
    unsigned char *stored;
    size_t canon_nnz;
    size_t *cptr; /* canonical: rows + 1 */
    size_t *ccol; /* canonical: canon_nnz, increasing within each row */
    double *cval;
} mat_t;

static void mat_alloc(mat_t *m, elem_t t, size_t rows, size_t cols, size_t nnz)
{
    memset(m, 0, sizeof *m);
    m->t = t;
    m->rows = rows;
    m->cols = cols;
    m->nnz = nnz;
    m->indptr = (int64_t *)calloc(rows + 1, sizeof *m->indptr);
    m->indices = (int32_t *)calloc(nnz + 1, sizeof *m->indices);
    m->values = calloc(nnz + 1, elem_size(t));
}

/* Computes the dense copy and the canonical arrays from the caller arrays. */
static void mat_finish(mat_t *m)
{
    const size_t cells = m->rows * m->cols;
    size_t i, j, p, q = 0;
    m->dense = (double *)calloc(cells + 1, sizeof *m->dense);
    m->stored = (unsigned char *)calloc(cells + 1, 1);
    for (i = 0; i < m->rows; i++)
        for (p = (size_t)m->indptr[i]; p < (size_t)m->indptr[i + 1]; p++) {
            const size_t cell = i * m->cols + (size_t)m->indices[p];
            const double v = get(m->t, m->values, p);
            if (!m->stored[cell]) {
                m->stored[cell] = 1;
                m->dense[cell] = v;
            } else if (m->t == F32) {
                const float sum = (float)m->dense[cell] + (float)v;
                m->dense[cell] = sum;
            } else {
                m->dense[cell] += v;
            }
        }
    m->canon_nnz = 0;
    for (i = 0; i < cells; i++)
        m->canon_nnz += m->stored[i];
    m->cptr = (size_t *)calloc(m->rows + 1, sizeof *m->cptr);
    m->ccol = (size_t *)calloc(m->canon_nnz + 1, sizeof *m->ccol);
    m->cval = (double *)calloc(m->canon_nnz + 1, sizeof *m->cval);
    for (i = 0; i < m->rows; i++) {
        for (j = 0; j < m->cols; j++)
            if (m->stored[i * m->cols + j]) {
                m->ccol[q] = j;
                m->cval[q] = m->dense[i * m->cols + j];
                q++;
            }
        m->cptr[i + 1] = q;
    }
}

static void mat_free(mat_t *m)
{
    free(m->indptr);
    free(m->indices);
    free(m->values);
    free(m->dense);
    free(m->stored);
    free(m->cptr);
    free(m->ccol);
    free(m->cval);
    memset(m, 0, sizeof *m);
}

enum {
    M_SORTED,   /* strictly increasing columns: canonical as given */
    M_RANDOM,   /* random column order, duplicates where they fall */
    M_ZEROS,    /* as M_RANDOM, with about 1/8 explicit zeros */
};
static const char *const mode_name[] = {"sorted", "unsorted+dups", "unsorted+zeros"};

/* A random rows x cols matrix, row lengths uniform in 0..maxlen (at most
 * cols when sorted), values in [-1, 1). */
static void mat_random(mat_t *m, elem_t t, size_t rows, size_t cols, size_t maxlen, int mode)
{
    size_t *len = (size_t *)malloc((rows + 1) * sizeof *len);
    size_t i, p = 0, total = 0;
    for (i = 0; i < rows; i++) {
        len[i] = cols ? below(maxlen + 1) : 0;
        if (mode == M_SORTED && len[i] > cols)
            len[i] = cols;
        total += len[i];
    }
    mat_alloc(m, t, rows, cols, total);
    for (i = 0; i < rows; i++) {
        size_t j, q;
        if (mode == M_SORTED) {
            size_t need = len[i];
            for (j = 0; j < cols && need; j++) /* selection sampling: sorted, distinct */
                if (below(cols - j) < need) {
                    m->indices[p++] = (int32_t)j;
                    need--;
                }
        } else {
            for (q = 0; q < len[i]; q++)
                m->indices[p++] = (int32_t)below(cols);
        }
        m->indptr[i + 1] = (int64_t)p;
    }
    for (p = 0; p < total; p++)
        set(t, m->values, p, mode == M_ZEROS && below(8) == 0 ? 0.0 : uniform());
    free(len);
    mat_finish(m);
}

/* A handle of m, or NULL after a failed check. */
static sk_csr *mat_handle(const mat_t *m)
{
    sk_csr *h = NULL;
    if (!CHECK_STATUS(csr_new(m->t, m->rows, m->cols, m->nnz, m->indptr, m->indices, m->values, &h),
                      SK_OK))
        return NULL;
    CHECK(h != NULL);
    return h;
}

/*
 * Exports h (values of type t) and compares it with a rows x cols matrix
 * given densely: the shape, the structure exactly (an entry iff stored),
 * canonical order (indptr from 0 to nnz, never decreasing; columns strictly
 * increasing within each row), and the values bit for bit (NaN for NaN) or,
 * with tol, within tol per cell.
 */
static void check_handle(const sk_csr *h, elem_t t, size_t rows, size_t cols, const double *dense,
                         const unsigned char *stored, const double *tol)
{
    size_t r = 12345, c = 12345, nnz = 12345, want_nnz = 0, i, p;
    size_t bad_struct = 0, bad_val = 0, bi = 0, bj = 0;
    double bad_got = 0, bad_want = 0;
    int64_t *indptr;
    int32_t *indices;
    void *values;

    for (i = 0; i < rows * cols; i++)
        want_nnz += stored[i];
    if (!CHECK_STATUS(sk_csr_shape(h, &r, &c, &nnz), SK_OK))
        return;
    if (!CHECK(r == rows && c == cols && nnz == want_nnz)) {
        fprintf(stderr, "    shape %zux%zu nnz %zu, expected %zux%zu nnz %zu\n", r, c, nnz, rows,
                cols, want_nnz);
        if (r != rows || c != cols)
            return;
    }
    indptr = (int64_t *)malloc((rows + 1) * sizeof *indptr);
    indices = (int32_t *)malloc((nnz + 1) * sizeof *indices);
    values = malloc((nnz + 1) * elem_size(t));
    if (CHECK_STATUS(csr_export(t, h, indptr, indices, values), SK_OK)) {
        CHECK(indptr[0] == 0 && indptr[rows] == (int64_t)nnz);
        for (i = 0; i < rows && !bad_struct; i++) {
            if (indptr[i + 1] < indptr[i] || indptr[i + 1] > (int64_t)nnz) {
                bad_struct++;
                break;
            }
            for (p = (size_t)indptr[i]; p < (size_t)indptr[i + 1]; p++) {
                const int32_t j = indices[p];
                size_t cell;
                double v;
                if (j < 0 || (size_t)j >= cols || (p > (size_t)indptr[i] && j <= indices[p - 1])) {
                    bad_struct++;
                    continue;
                }
                cell = i * cols + (size_t)j;
                if (!stored[cell]) {
                    bad_struct++;
                    continue;
                }
                v = get(t, values, p);
                if ((tol ? !(fabs(v - dense[cell]) <= tol[cell]) : !same(v, dense[cell]))
                    && bad_val++ == 0) {
                    bi = i, bj = (size_t)j;
                    bad_got = v, bad_want = dense[cell];
                }
            }
        }
        CHECK(bad_struct == 0);
        if (!CHECK(bad_val == 0))
            fprintf(stderr, "    %zu wrong values; first (%zu, %zu) = %.17g, expected %.17g\n",
                    bad_val, bi, bj, bad_got, bad_want);
    }
    free(indptr);
    free(indices);
    free(values);
}

/* ======================================================================== */
/* sk_csr_new_*, shape, export                                              */
/* ======================================================================== */

/* A small matrix with every kind of row, spelled out: row 0 unsorted with
 * duplicates, one of them a sum that depends on its order; row 1 empty;
 * row 2 unsorted with an explicit zero; row 3 already sorted. */
static void test_new_handmade(elem_t t)
{
    /* ulp(1e16) = 2 in f64 and ulp(1e8) = 8 in f32: big + 1 rounds back to
     * big, so (big + 1) - big = 0 while big - big + 1 = 1. */
    const double big = t == F32 ? 1e8 : 1e16;
    static const int64_t indptr[] = {0, 8, 8, 10, 15};
    static const int32_t indices[] = {3, 1, 3, 0, 1, 2, 2, 2, 4, 0, 0, 1, 2, 3, 4};
    const double vals[] = {1, 2, 4, 8, 16, big, 1, -big, 0, 3, 0.5, 0.25, -1, 7, -3};
    static const int32_t want_idx[] = {0, 1, 2, 3, 0, 4, 0, 1, 2, 3, 4};
    const double want_val[] = {8, 18, 0, 5, 3, 0, 0.5, 0.25, -1, 7, -3};
    static const int64_t want_ptr[] = {0, 4, 4, 6, 11};
    mat_t m;
    sk_csr *h;
    size_t i;

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: handmade 4x5", type_name(t));
    mat_alloc(&m, t, 4, 5, COUNT(indices));
    memcpy(m.indptr, indptr, sizeof indptr);
    memcpy(m.indices, indices, sizeof indices);
    for (i = 0; i < COUNT(vals); i++)
        set(t, m.values, i, vals[i]);
    mat_finish(&m);
    CHECK(m.dense[2] == 0.0 && m.canon_nnz == 11); /* the reference sums in input order too */
    h = mat_handle(&m);
    if (h) {
        int64_t p[5];
        int32_t idx[11];
        double v64[11];
        float v32[11];
        void *v = t == F32 ? (void *)v32 : (void *)v64;
        check_handle(h, t, 4, 5, m.dense, m.stored, NULL);
        /* And literally: */
        if (CHECK_STATUS(csr_export(t, h, p, idx, v), SK_OK)) {
            CHECK(memcmp(p, want_ptr, sizeof p) == 0);
            CHECK(memcmp(idx, want_idx, sizeof idx) == 0);
            for (i = 0; i < 11; i++)
                if (!CHECK(get(t, v, i) == want_val[i]))
                    fprintf(stderr, "    value %zu = %.17g, expected %.17g\n", i, get(t, v, i),
                            want_val[i]);
        }
        sk_csr_free(h);
    }
    mat_free(&m);
    sk_test_ctx[0] = '\0';
}

/* Empty shapes, NULL arrays with nnz 0. */
static void test_new_empty(elem_t t)
{
    static const size_t shapes[][2] = {{0, 0}, {0, 7}, {7, 0}, {3, 4}, {1, 1}};
    static const int64_t zeros[8] = {0};
    size_t s;
    for (s = 0; s < COUNT(shapes); s++) {
        const size_t rows = shapes[s][0], cols = shapes[s][1];
        sk_csr *h = NULL, *tr = NULL;
        size_t r = 99, c = 99, nnz = 99;
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: empty %zux%zu", type_name(t),
                 rows, cols);
        if (!CHECK_STATUS(csr_new(t, rows, cols, 0, zeros, NULL, NULL, &h), SK_OK))
            continue;
        CHECK_STATUS(sk_csr_shape(h, &r, &c, &nnz), SK_OK);
        CHECK(r == rows && c == cols && nnz == 0);
        {
            int64_t p[8];
            memset(p, 0x55, sizeof p);
            CHECK_STATUS(csr_export(t, h, p, NULL, NULL), SK_OK);
            CHECK(memcmp(p, zeros, (rows + 1) * sizeof *p) == 0);
        }
        /* Products with nothing to read: NULL where a length is zero. */
        {
            double y[8], x[8];
            float yf[8], xf[8];
            void *yv = t == F32 ? (void *)yf : (void *)y, *xv = t == F32 ? (void *)xf : (void *)x;
            size_t i;
            for (i = 0; i < 8; i++) {
                set(t, yv, i, NAN);
                set(t, xv, i, 1.0);
            }
            CHECK_STATUS(csr_spmv(t, h, 1.0, cols ? xv : NULL, 0.0, rows ? yv : NULL), SK_OK);
            for (i = 0; i < rows; i++)
                CHECK(get(t, yv, i) == 0.0); /* an empty row sums to 0; NaN not read */
            CHECK_STATUS(csr_spmm(t, h, 0, 1.0, NULL, 1, 1, 0.0, NULL, 1, 1), SK_OK);
        }
        CHECK_STATUS(sk_csr_transpose(h, &tr), SK_OK);
        r = c = nnz = 99;
        CHECK_STATUS(sk_csr_shape(tr, &r, &c, &nnz), SK_OK);
        CHECK(r == cols && c == rows && nnz == 0);
        sk_csr_free(tr);
        sk_csr_free(h);
    }
    sk_test_ctx[0] = '\0';
}

/* 1x1, a single dense row (columns given in reverse) and column, and random
 * matrices of every input mode. */
static void test_new_shapes(elem_t t)
{
    static const struct {
        size_t rows, cols, maxlen;
        int mode;
    } cases[] = {
        {1, 1, 1, M_SORTED},       {1, 1, 3, M_RANDOM},      {17, 5, 12, M_RANDOM},
        {40, 300, 40, M_SORTED},   {40, 300, 40, M_RANDOM},  {300, 40, 40, M_ZEROS},
        {250, 250, 3, M_RANDOM},   {100, 2, 6, M_ZEROS},
    };
    mat_t m;
    sk_csr *h;
    size_t c, j, n = 64;

    /* 1 x 64, every column, given from the last to the first. */
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: dense row 1x%zu", type_name(t), n);
    mat_alloc(&m, t, 1, n, n);
    m.indptr[1] = (int64_t)n;
    for (j = 0; j < n; j++) {
        m.indices[j] = (int32_t)(n - 1 - j);
        set(t, m.values, j, uniform());
    }
    mat_finish(&m);
    if ((h = mat_handle(&m)) != NULL) {
        check_handle(h, t, 1, n, m.dense, m.stored, NULL);
        sk_csr_free(h);
    }
    mat_free(&m);

    /* 64 x 1: one entry per row. */
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: dense column %zux1", type_name(t), n);
    mat_alloc(&m, t, n, 1, n);
    for (j = 0; j < n; j++) {
        m.indptr[j + 1] = (int64_t)j + 1;
        set(t, m.values, j, uniform());
    }
    mat_finish(&m);
    if ((h = mat_handle(&m)) != NULL) {
        check_handle(h, t, n, 1, m.dense, m.stored, NULL);
        sk_csr_free(h);
    }
    mat_free(&m);

    for (c = 0; c < COUNT(cases); c++) {
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: %zux%zu rows of 0..%zu %s",
                 type_name(t), cases[c].rows, cases[c].cols, cases[c].maxlen,
                 mode_name[cases[c].mode]);
        mat_random(&m, t, cases[c].rows, cases[c].cols, cases[c].maxlen, cases[c].mode);
        if ((h = mat_handle(&m)) != NULL) {
            check_handle(h, t, m.rows, m.cols, m.dense, m.stored, NULL);
            sk_csr_free(h);
        }
        mat_free(&m);
    }
    sk_test_ctx[0] = '\0';
}

/* Malformed arrays: INVALID_ARGUMENT naming the position, *out untouched. */
static void test_new_errors(elem_t t)
{
    static const struct {
        const char *what;
        size_t rows, cols, nnz;
        int64_t indptr[4];
        int32_t indices[3];
        const char *needle;
    } bad[] = {
        {"indptr[0] = 1", 2, 3, 2, {1, 1, 2}, {0, 1}, "indptr[0]"},
        {"indptr[0] = -1", 2, 3, 2, {-1, 1, 2}, {0, 1}, "indptr[0]"},
        {"indptr decreasing at 2", 3, 3, 3, {0, 2, 1, 3}, {0, 1, 2}, "indptr[2]"},
        {"indptr decreasing at 1 (negative)", 2, 3, 2, {0, -1, 2}, {0, 1}, "indptr[1]"},
        {"indptr[1] past nnz", 2, 3, 2, {0, 3, 3}, {0, 1}, "indptr[1]"},
        {"indptr[rows] < nnz", 2, 3, 3, {0, 1, 2}, {0, 1, 2}, "indptr[2]"},
        {"indptr[rows] > nnz", 2, 3, 2, {0, 1, 3}, {0, 1}, "indptr[2]"},
        {"index -1", 2, 3, 3, {0, 2, 3}, {0, -1, 2}, "indices[1]"},
        {"index INT32_MIN", 2, 3, 3, {0, 2, 3}, {0, 1, INT32_MIN}, "indices[2]"},
        {"index == cols", 2, 3, 3, {0, 2, 3}, {0, 1, 3}, "indices[2]"},
        {"index past cols, unsorted row", 1, 3, 3, {0, 3}, {2, 7, 0}, "indices[1]"},
        {"index in a 0-column matrix", 1, 0, 1, {0, 1}, {0}, "indices[0]"},
    };
    static const int64_t ok_ptr[] = {0, 1, 2};
    static const int32_t ok_idx[] = {0, 2};
    double v64[4] = {1, 2, 3, 4};
    float v32[4] = {1, 2, 3, 4};
    const void *vals = t == F32 ? (const void *)v32 : (const void *)v64;
    size_t i;
    sk_csr *out;

    for (i = 0; i < COUNT(bad); i++) {
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: %s", type_name(t), bad[i].what);
        out = SENTINEL;
        CHECK_STATUS(csr_new(t, bad[i].rows, bad[i].cols, bad[i].nnz, bad[i].indptr,
                             bad[i].indices, vals, &out),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK(message_has(bad[i].needle));
        CHECK(out == SENTINEL);
    }

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_new_%s: NULL / misaligned / overflow",
             type_name(t));
    out = SENTINEL;
    CHECK_STATUS(csr_new(t, 2, 3, 2, NULL, ok_idx, vals, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(csr_new(t, 0, 3, 0, NULL, NULL, NULL, &out), SK_ERR_NULL_POINTER); /* 1 entry */
    CHECK_STATUS(csr_new(t, 2, 3, 2, ok_ptr, NULL, vals, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(csr_new(t, 2, 3, 2, ok_ptr, ok_idx, NULL, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(csr_new(t, 2, 3, 2, ok_ptr, ok_idx, vals, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(csr_new(t, 2, 3, 2, (const int64_t *)MISALIGNED(ok_ptr), ok_idx, vals, &out),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(csr_new(t, SIZE_MAX, 3, 2, ok_ptr, ok_idx, vals, &out), SK_ERR_INVALID_ARGUMENT);
    CHECK(out == SENTINEL);

    /* The same arrays, well formed, are accepted. */
    out = NULL;
    CHECK_STATUS(csr_new(t, 2, 3, 2, ok_ptr, ok_idx, vals, &out), SK_OK);
    sk_csr_free(out);
    sk_csr_free(NULL); /* a no-op */
    sk_test_ctx[0] = '\0';
}

/* sk_csr_shape with NULL outputs; export errors and type mismatches. */
static void test_shape_export(void)
{
    static const int64_t ptr[] = {0, 2, 3};
    static const int32_t idx[] = {2, 0, 1};
    static const double v64[] = {1.5, -2, 4};
    static const float v32[] = {1.5f, -2, 4};
    sk_csr *h64 = NULL, *h32 = NULL;
    size_t r = 99, c = 99, nnz = 99;
    int64_t p[3] = {7, 7, 7}, big[8];
    int32_t ix[3] = {7, 7, 7};
    double d[3] = {7, 7, 7};
    float f[3] = {7, 7, 7};

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_shape");
    CHECK_STATUS(sk_csr_new_f64(2, 4, 3, ptr, idx, v64, &h64), SK_OK);
    CHECK_STATUS(sk_csr_new_f32(2, 4, 3, ptr, idx, v32, &h32), SK_OK);
    if (!h64 || !h32) {
        sk_csr_free(h64);
        sk_csr_free(h32);
        return;
    }
    CHECK_STATUS(sk_csr_shape(h64, NULL, NULL, NULL), SK_OK);
    CHECK_STATUS(sk_csr_shape(h64, &r, NULL, NULL), SK_OK);
    CHECK(r == 2 && c == 99 && nnz == 99);
    CHECK_STATUS(sk_csr_shape(h32, NULL, &c, NULL), SK_OK);
    CHECK(r == 2 && c == 4 && nnz == 99);
    CHECK_STATUS(sk_csr_shape(h32, NULL, NULL, &nnz), SK_OK);
    CHECK(r == 2 && c == 4 && nnz == 3);
    r = c = nnz = 99;
    CHECK_STATUS(sk_csr_shape(NULL, &r, &c, &nnz), SK_ERR_NULL_POINTER);
    CHECK(r == 99 && c == 99 && nnz == 99);

    {
        uint32_t type = 99;
        CHECK_STATUS(sk_csr_value_type(h32, &type), SK_OK);
        CHECK(type == SK_CSR_F32);
        CHECK_STATUS(sk_csr_value_type(h64, &type), SK_OK);
        CHECK(type == SK_CSR_F64);
        type = 99;
        CHECK_STATUS(sk_csr_value_type(NULL, &type), SK_ERR_NULL_POINTER);
        CHECK(type == 99);
        CHECK_STATUS(sk_csr_value_type(h64, NULL), SK_ERR_NULL_POINTER);
    }

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_export errors");
    CHECK_STATUS(sk_csr_export_f64(h32, p, ix, d), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("holds f32 values, this function takes f64"));
    CHECK_STATUS(sk_csr_export_f32(h64, p, ix, f), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("holds f64 values, this function takes f32"));
    CHECK_STATUS(sk_csr_export_f64(NULL, p, ix, d), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_export_f64(h64, NULL, ix, d), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_export_f64(h64, p, NULL, d), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_export_f64(h64, p, ix, NULL), SK_ERR_NULL_POINTER);
    /* indices on top of indptr */
    CHECK_STATUS(sk_csr_export_f64(h64, big, (int32_t *)(void *)&big[1], d),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("overlap"));
    CHECK(p[0] == 7 && p[2] == 7 && ix[0] == 7 && d[0] == 7 && f[0] == 7);

    /* The round trip itself: sorted row 0, values as given. */
    CHECK_STATUS(sk_csr_export_f32(h32, p, ix, f), SK_OK);
    CHECK(p[0] == 0 && p[1] == 2 && p[2] == 3);
    CHECK(ix[0] == 0 && ix[1] == 2 && ix[2] == 1);
    CHECK(f[0] == -2 && f[1] == 1.5f && f[2] == 4);
    CHECK_STATUS(sk_csr_export_f64(h64, p, ix, d), SK_OK);
    CHECK(d[0] == -2 && d[1] == 1.5 && d[2] == 4);

    sk_csr_free(h64);
    sk_csr_free(h32);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* SpMV                                                                     */
/* ======================================================================== */

typedef struct {
    double alpha, beta;
} scalars_t;

static const scalars_t scalars[] = {
    {1.0, 0.0},   /* beta 0: y / C pre-filled with NaN */
    {-0.5, 0.75}, /* general */
    {2.0, 1.0},   /* accumulate */
    {0.0, 2.0},   /* alpha 0: y = beta y (x all NaN for SpMV) */
    {0.0, 0.0},   /* alpha 0, beta 0: zeros over NaN */
};

/* y = alpha A x + beta y for m's handle h; y has two guard cells on each
 * side (must stay), x NaN guards (must not be read). */
static void check_spmv(const mat_t *m, const sk_csr *h, double alpha, double beta)
{
    const elem_t t = m->t;
    const double eps = elem_eps(t), tiny = elem_tiny(t);
    const size_t rows = m->rows, cols = m->cols;
    void *xb = malloc((cols + 4) * elem_size(t));
    void *yb = malloc((rows + 4) * elem_size(t)), *y0 = malloc((rows + 4) * elem_size(t));
    void *x = elem_at(t, xb, 2), *y = elem_at(t, yb, 2);
    size_t i, p, bad = 0, bi = 0;
    double bad_got = 0, bad_want = 0;

    for (i = 0; i < cols + 4; i++)
        set(t, xb, i, NAN);
    if (alpha != 0.0)
        for (i = 0; i < cols; i++)
            set(t, x, i, uniform());
    for (i = 0; i < rows + 4; i++)
        set(t, yb, i, 777.0);
    for (i = 0; i < rows; i++)
        set(t, y, i, beta == 0.0 ? NAN : uniform());
    memcpy(y0, yb, (rows + 4) * elem_size(t));

    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "sk_csr_spmv_%s isa %u %zux%zu nnz %zu alpha %g beta %g", type_name(t),
             (unsigned)sk_active_isa(), rows, cols, m->canon_nnz, alpha, beta);
    if (CHECK_STATUS(csr_spmv(t, h, alpha, x, beta, y), SK_OK)) {
        for (i = 0; i < rows; i++) {
            const double yi0 = get(t, y0, i + 2), got = get(t, y, i);
            double s = 0, mag = 0, want, tol;
            const size_t len = m->cptr[i + 1] - m->cptr[i];
            if (alpha != 0.0)
                for (p = m->cptr[i]; p < m->cptr[i + 1]; p++) {
                    const double prod = m->cval[p] * get(t, x, m->ccol[p]);
                    s += prod;
                    mag += fabs(prod);
                }
            want = alpha * s + (beta != 0.0 ? beta * yi0 : 0.0);
            tol = 2.0 * (double)(len + 2) * eps
                    * (fabs(alpha) * mag + (beta != 0.0 ? fabs(beta * yi0) : 0.0))
                + tiny;
            if (!(fabs(got - want) <= tol) && bad++ == 0) {
                bi = i;
                bad_got = got, bad_want = want;
            }
        }
        if (!CHECK(bad == 0))
            fprintf(stderr, "    %zu wrong rows; first y[%zu] = %.17g, expected %.17g\n", bad, bi,
                    bad_got, bad_want);
    }
    CHECK(get(t, yb, 0) == 777.0 && get(t, yb, 1) == 777.0 && get(t, yb, rows + 2) == 777.0
          && get(t, yb, rows + 3) == 777.0);
    free(xb);
    free(yb);
    free(y0);
}

static const struct {
    size_t rows, cols, maxlen;
    int mode;
} spmv_cases[] = {
    {1, 1, 1, M_SORTED},      {1, 64, 64, M_SORTED},   /* a dense row */
    {64, 1, 1, M_SORTED},     {0, 9, 4, M_RANDOM},     {9, 0, 4, M_RANDOM},
    {120, 90, 40, M_RANDOM},  {300, 250, 40, M_ZEROS}, /* long rows: gathers */
    {250, 300, 3, M_SORTED},  {77, 500, 40, M_SORTED}, /* short rows: scalar blocks */
    {33, 17, 40, M_RANDOM},   {2000, 400, 40, M_RANDOM}, /* the thread pool */
};

static void test_spmv(void)
{
    unsigned seen = 0;
    uint32_t isa;
    size_t c, s;
    int ti;

    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        if (!use_isa(isa, &seen, "spmv"))
            continue;
        for (ti = 0; ti < 2; ti++)
            for (c = 0; c < COUNT(spmv_cases); c++) {
                mat_t m;
                sk_csr *h;
                mat_random(&m, ti ? F64 : F32, spmv_cases[c].rows, spmv_cases[c].cols,
                           spmv_cases[c].maxlen, spmv_cases[c].mode);
                if ((h = mat_handle(&m)) != NULL) {
                    for (s = 0; s < COUNT(scalars); s++)
                        check_spmv(&m, h, scalars[s].alpha, scalars[s].beta);
                    sk_csr_free(h);
                }
                mat_free(&m);
            }
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK); /* back to the best */
    sk_test_ctx[0] = '\0';
}

static void test_spmv_errors(void)
{
    static const int64_t ptr[] = {0, 2, 3, 4};
    static const int32_t idx[] = {0, 2, 1, 2};
    static const double v64[] = {1, 2, 3, 4};
    static const float v32[] = {1, 2, 3, 4};
    sk_csr *h64 = NULL, *h32 = NULL;
    double buf[8], buf0[8];
    float fx[3] = {1, 1, 1}, fy[3] = {5, 5, 5};
    size_t i;

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_spmv errors");
    CHECK_STATUS(sk_csr_new_f64(3, 3, 4, ptr, idx, v64, &h64), SK_OK);
    CHECK_STATUS(sk_csr_new_f32(3, 3, 4, ptr, idx, v32, &h32), SK_OK);
    for (i = 0; i < 8; i++)
        buf[i] = buf0[i] = (double)i + 0.5;
    CHECK_STATUS(sk_csr_spmv_f64(NULL, 1.0, buf, 0.0, buf + 4), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, NULL, 0.0, buf + 4), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, buf, 0.0, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmv_f64(h32, 1.0, buf, 0.0, buf + 4), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("f32"));
    CHECK_STATUS(sk_csr_spmv_f32(h64, 1.0f, fx, 0.0f, fy), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("f64"));
    /* y overlapping x, both ways round, and y == x. */
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, buf, 0.0, buf + 2), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("overlap"));
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, buf + 2, 0.0, buf), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, buf, 0.0, buf), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, (const double *)MISALIGNED(buf), 0.0, buf + 4),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(memcmp(buf, buf0, sizeof buf) == 0);
    CHECK(fy[0] == 5 && fy[1] == 5 && fy[2] == 5);
    /* Adjacent but disjoint is fine. */
    CHECK_STATUS(sk_csr_spmv_f64(h64, 1.0, buf, 0.0, buf + 3), SK_OK);
    CHECK(buf[3] == 1 * 0.5 + 2 * 2.5 && buf[4] == 3 * 1.5 && buf[5] == 4 * 2.5);
    sk_csr_free(h64);
    sk_csr_free(h32);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* SpMM                                                                     */
/* ======================================================================== */

/* C = alpha A B + beta C with B (cols x n) and C (rows x n) in views lb,
 * lc: B's padding NaN (must not be read), C's padding must stay. */
static void check_spmm(const mat_t *m, const sk_csr *h, size_t n, int lb, int lc, double alpha,
                       double beta)
{
    const elem_t t = m->t;
    const double eps = elem_eps(t), tiny = elem_tiny(t);
    const size_t rows = m->rows, cols = m->cols;
    const view_t vb = make_view(lb, cols, n), vc = make_view(lc, rows, n);
    void *b = malloc(vb.len * elem_size(t));
    void *c = malloc(vc.len * elem_size(t)), *c0 = malloc(vc.len * elem_size(t));
    char *inside = inside_map(&vc);
    size_t i, j, p, bad = 0, bad_outside = 0, bi = 0, bj = 0;
    double bad_got = 0, bad_want = 0;

    for (i = 0; i < vb.len; i++)
        set(t, b, i, NAN);
    for (i = 0; i < cols; i++)
        for (j = 0; j < n; j++)
            set(t, b, at(&vb, i, j), uniform());
    for (i = 0; i < vc.len; i++)
        set(t, c, i, 555.0);
    for (i = 0; i < rows; i++)
        for (j = 0; j < n; j++)
            set(t, c, at(&vc, i, j), beta == 0.0 ? NAN : uniform());
    memcpy(c0, c, vc.len * elem_size(t));

    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "sk_csr_spmm_%s isa %u %zux%zu nnz %zu n %zu B %s C %s alpha %g beta %g",
             type_name(t), (unsigned)sk_active_isa(), rows, cols, m->canon_nnz, n,
             layout_name[lb], layout_name[lc], alpha, beta);
    if (CHECK_STATUS(csr_spmm(t, h, n, alpha, elem_at(t, b, vb.off), vb.rs, vb.cs, beta,
                              elem_at(t, c, vc.off), vc.rs, vc.cs),
                     SK_OK)) {
        for (i = 0; i < rows; i++)
            for (j = 0; j < n; j++) {
                const double cij0 = get(t, c0, at(&vc, i, j)), got = get(t, c, at(&vc, i, j));
                const size_t len = m->cptr[i + 1] - m->cptr[i];
                double s = 0, mag = 0, want, tol;
                for (p = m->cptr[i]; p < m->cptr[i + 1]; p++) {
                    const double prod = m->cval[p] * get(t, b, at(&vb, m->ccol[p], j));
                    s += prod;
                    mag += fabs(prod);
                }
                want = alpha * s + (beta != 0.0 ? beta * cij0 : 0.0);
                tol = 2.0 * (double)(len + 2) * eps
                        * (fabs(alpha) * mag + (beta != 0.0 ? fabs(beta * cij0) : 0.0))
                    + tiny;
                if (!(fabs(got - want) <= tol) && bad++ == 0) {
                    bi = i, bj = j;
                    bad_got = got, bad_want = want;
                }
            }
        if (!CHECK(bad == 0))
            fprintf(stderr, "    %zu wrong elements; first C(%zu, %zu) = %.17g, expected %.17g\n",
                    bad, bi, bj, bad_got, bad_want);
    }
    for (i = 0; i < vc.len; i++)
        if (!inside[i] && memcmp(elem_at(t, c, i), elem_at(t, c0, i), elem_size(t)) != 0)
            bad_outside++;
    CHECK(bad_outside == 0);
    free(b);
    free(c);
    free(c0);
    free(inside);
}

static void test_spmm(void)
{
    static const struct {
        size_t rows, cols, maxlen;
        int mode;
    } cases[] = {
        {60, 45, 40, M_RANDOM}, {37, 200, 3, M_SORTED}, {1, 64, 64, M_SORTED},
        {64, 1, 1, M_ZEROS},    {0, 5, 3, M_RANDOM},    {5, 0, 3, M_RANDOM},
    };
    static const size_t ns[] = {1, 5, 32, 33, 70};
    /* (B, C) layouts: row/col-major pairs, then padded, general and
     * negative strides. */
    static const int layouts[][2] = {
        {L_ROW, L_ROW}, {L_ROW, L_COL}, {L_COL, L_ROW}, {L_COL, L_COL},
        {L_ROW_PAD, L_NEG_BOTH}, {L_NEG_ROWS, L_GENERAL}, {L_GENERAL, L_COL_PAD},
    };
    unsigned seen = 0;
    uint32_t isa;
    size_t c, ni, l;
    int ti;

    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        if (!use_isa(isa, &seen, "spmm"))
            continue;
        for (ti = 0; ti < 2; ti++)
            for (c = 0; c < COUNT(cases); c++) {
                mat_t m;
                sk_csr *h;
                mat_random(&m, ti ? F64 : F32, cases[c].rows, cases[c].cols, cases[c].maxlen,
                           cases[c].mode);
                if ((h = mat_handle(&m)) != NULL) {
                    for (ni = 0; ni < COUNT(ns); ni++)
                        for (l = 0; l < COUNT(layouts); l++) {
                            /* Every scalar pair on the row/col-major layouts,
                             * one per the others. */
                            size_t s, s0 = l < 4 ? 0 : (l + ni) % COUNT(scalars);
                            size_t s1 = l < 4 ? COUNT(scalars) : s0 + 1;
                            for (s = s0; s < s1; s++)
                                check_spmm(&m, h, ns[ni], layouts[l][0], layouts[l][1],
                                           scalars[s].alpha, scalars[s].beta);
                        }
                    sk_csr_free(h);
                }
                mat_free(&m);
            }
    }
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK);
    sk_test_ctx[0] = '\0';
}

static void test_spmm_errors(void)
{
    static const int64_t ptr[] = {0, 2, 3, 4};
    static const int32_t idx[] = {0, 2, 1, 2};
    static const double v64[] = {1, 2, 3, 4};
    static const float v32[] = {1, 2, 3, 4};
    sk_csr *h64 = NULL, *h32 = NULL;
    double b[3 * 4], c[3 * 4], c0[3 * 4], buf[32], buf0[32];
    float fb[12], fc[12];
    size_t i;

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_spmm errors");
    CHECK_STATUS(sk_csr_new_f64(3, 3, 4, ptr, idx, v64, &h64), SK_OK);
    CHECK_STATUS(sk_csr_new_f32(3, 3, 4, ptr, idx, v32, &h32), SK_OK);
    for (i = 0; i < 12; i++) {
        b[i] = (double)i;
        c[i] = c0[i] = -1.0 - (double)i;
        fb[i] = fc[i] = 1.0f;
    }
    for (i = 0; i < 32; i++)
        buf[i] = buf0[i] = (double)i;
    /* A 3x3, B 3x4, C 3x4 row-major. */
    CHECK_STATUS(sk_csr_spmm_f64(NULL, 4, 1.0, b, 4, 1, 0.0, c, 4, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, NULL, 4, 1, 0.0, c, 4, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, b, 4, 1, 0.0, NULL, 4, 1), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spmm_f64(h32, 4, 1.0, b, 4, 1, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("f32"));
    CHECK_STATUS(sk_csr_spmm_f32(h64, 4, 1.0f, fb, 4, 1, 0.0f, fc, 4, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, b, 0, 1, 0.0, c, 4, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, b, 4, 1, 0.0, c, 4, 0), SK_ERR_INVALID_ARGUMENT);
    /* Strides that make two elements of C share an address. */
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, b, 4, 1, 0.0, c, 1, 1), SK_ERR_INVALID_ARGUMENT);
    /* C overlapping B: C starts inside B, and C's last row over B's first. */
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, buf, 4, 1, 0.0, buf + 8, 4, 1),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(message_has("overlap"));
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, buf + 8, 4, 1, 0.0, buf, 4, 1),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(memcmp(c, c0, sizeof c) == 0);
    CHECK(memcmp(buf, buf0, sizeof buf) == 0);
    for (i = 0; i < 12; i++)
        CHECK(fc[i] == 1.0f);
    /* Adjacent but disjoint is fine. */
    CHECK_STATUS(sk_csr_spmm_f64(h64, 4, 1.0, buf, 4, 1, 0.0, buf + 12, 4, 1), SK_OK);
    sk_csr_free(h64);
    sk_csr_free(h32);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* SpGEMM                                                                   */
/* ======================================================================== */

static void check_spgemm(const mat_t *a, const mat_t *b)
{
    const elem_t t = a->t;
    const size_t m = a->rows, k = a->cols, n = b->cols, cells = m * n;
    double *want = (double *)calloc(cells + 1, sizeof *want);
    double *tol = (double *)calloc(cells + 1, sizeof *tol);
    size_t *terms = (size_t *)calloc(cells + 1, sizeof *terms);
    unsigned char *stored = (unsigned char *)calloc(cells + 1, 1);
    sk_csr *ha, *hb, *hc = SENTINEL;
    size_t i, p, q;

    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "sk_csr_spgemm %s %zux%zu (nnz %zu) x %zux%zu (nnz %zu)", type_name(t), m, k,
             a->canon_nnz, b->rows, n, b->canon_nnz);
    for (i = 0; i < m; i++)
        for (p = a->cptr[i]; p < a->cptr[i + 1]; p++) {
            const size_t kk = a->ccol[p];
            for (q = b->cptr[kk]; q < b->cptr[kk + 1]; q++) {
                const size_t cell = i * n + b->ccol[q];
                const double prod = a->cval[p] * b->cval[q];
                stored[cell] = 1;
                want[cell] += prod;
                tol[cell] += fabs(prod);
                terms[cell]++;
            }
        }
    for (i = 0; i < cells; i++)
        tol[i] = 2.0 * (double)(terms[i] + 1) * elem_eps(t) * tol[i] + elem_tiny(t);
    ha = mat_handle(a);
    hb = mat_handle(b);
    if (ha && hb && CHECK_STATUS(sk_csr_spgemm(ha, hb, &hc), SK_OK)) {
        check_handle(hc, t, m, n, want, stored, tol);
        sk_csr_free(hc);
    }
    sk_csr_free(ha);
    sk_csr_free(hb);
    free(want);
    free(tol);
    free(terms);
    free(stored);
}

static void test_spgemm(void)
{
    static const struct {
        size_t m, k, n, maxlen_a, maxlen_b;
        int mode_a, mode_b;
    } cases[] = {
        {0, 0, 0, 1, 1, M_SORTED, M_SORTED},
        {0, 5, 3, 2, 2, M_RANDOM, M_RANDOM},
        {4, 0, 3, 2, 2, M_RANDOM, M_RANDOM},
        {5, 3, 0, 2, 2, M_RANDOM, M_RANDOM},
        {1, 1, 1, 1, 1, M_SORTED, M_SORTED},
        {30, 40, 50, 40, 40, M_ZEROS, M_RANDOM},    /* dense accumulator */
        {200, 300, 250, 5, 5, M_RANDOM, M_ZEROS},   /* hash accumulator (<= 32 flops) */
        {150, 100, 120, 40, 6, M_SORTED, M_RANDOM}, /* both, row by row */
        {50, 40, 5000, 10, 100, M_RANDOM, M_SORTED}, /* past one bitmap group */
        {300, 300, 300, 40, 40, M_RANDOM, M_RANDOM}, /* several chunks */
        {64, 1, 64, 1, 64, M_SORTED, M_SORTED},     /* outer product: dense */
        {1, 64, 1, 64, 1, M_SORTED, M_SORTED},      /* inner product */
    };
    size_t c;
    int ti;

    for (ti = 0; ti < 2; ti++)
        for (c = 0; c < COUNT(cases); c++) {
            mat_t a, b;
            mat_random(&a, ti ? F64 : F32, cases[c].m, cases[c].k, cases[c].maxlen_a,
                       cases[c].mode_a);
            mat_random(&b, ti ? F64 : F32, cases[c].k, cases[c].n, cases[c].maxlen_b,
                       cases[c].mode_b);
            check_spgemm(&a, &b);
            mat_free(&a);
            mat_free(&b);
        }

    /* Structure, not values: a cancellation and explicit zeros are stored. */
    for (ti = 0; ti < 2; ti++) {
        const elem_t t = ti ? F64 : F32;
        static const int64_t pa[] = {0, 2, 3}, pb[] = {0, 1, 2};
        static const int32_t ia[] = {0, 1, 1}, ib[] = {0, 0};
        static const double va[] = {1, 1, 0}, vb[] = {1, -1};
        mat_t a, b;
        size_t i;
        mat_alloc(&a, t, 2, 2, 3);
        mat_alloc(&b, t, 2, 1, 2);
        memcpy(a.indptr, pa, sizeof pa);
        memcpy(a.indices, ia, sizeof ia);
        memcpy(b.indptr, pb, sizeof pb);
        memcpy(b.indices, ib, sizeof ib);
        for (i = 0; i < 3; i++)
            set(t, a.values, i, va[i]);
        for (i = 0; i < 2; i++)
            set(t, b.values, i, vb[i]);
        mat_finish(&a);
        mat_finish(&b);
        /* [[1 1] [0 0]] [[1] [-1]] = [[0] [0]], both stored */
        check_spgemm(&a, &b);
        mat_free(&a);
        mat_free(&b);
    }
    sk_test_ctx[0] = '\0';
}

static void test_spgemm_errors(void)
{
    mat_t a64, b64, a32;
    sk_csr *ha64, *hb64, *ha32, *out = SENTINEL;
    mat_random(&a64, F64, 4, 5, 3, M_RANDOM);
    mat_random(&b64, F64, 4, 6, 3, M_RANDOM);
    mat_random(&a32, F32, 5, 4, 3, M_RANDOM);
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_spgemm errors");
    ha64 = mat_handle(&a64);
    hb64 = mat_handle(&b64);
    ha32 = mat_handle(&a32);
    /* 4x5 x 4x6; then 4x5 x 5x4 and 5x4 x 4x5, shapes fine, f64 x f32. */
    CHECK_STATUS(sk_csr_spgemm(ha64, hb64, &out), SK_ERR_DIMENSION_MISMATCH);
    CHECK_STATUS(sk_csr_spgemm(ha64, ha32, &out), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spgemm(ha32, ha64, &out), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_csr_spgemm(NULL, hb64, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_csr_spgemm(ha64, NULL, &out), SK_ERR_NULL_POINTER);
    CHECK(out == SENTINEL);
    CHECK_STATUS(sk_csr_spgemm(ha32, ha32, &out), SK_ERR_DIMENSION_MISMATCH); /* 5x4 x 5x4 */
    CHECK(out == SENTINEL);
    CHECK_STATUS(sk_csr_spgemm(ha64, ha64, NULL), SK_ERR_NULL_POINTER);
    /* A matching pair is fine. */
    out = NULL;
    CHECK_STATUS(sk_csr_transpose(ha64, &out), SK_OK);
    {
        sk_csr *prod = NULL;
        size_t r = 0, c = 0;
        CHECK_STATUS(sk_csr_spgemm(ha64, out, &prod), SK_OK); /* A A^T: 4x4 */
        CHECK_STATUS(sk_csr_shape(prod, &r, &c, NULL), SK_OK);
        CHECK(r == 4 && c == 4);
        sk_csr_free(prod);
    }
    sk_csr_free(out);
    sk_csr_free(ha64);
    sk_csr_free(hb64);
    sk_csr_free(ha32);
    mat_free(&a64);
    mat_free(&b64);
    mat_free(&a32);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* Transpose, dense conversions, density                                    */
/* ======================================================================== */

static void test_transpose(void)
{
    static const struct {
        size_t rows, cols, maxlen;
        int mode;
    } cases[] = {
        {0, 0, 1, M_SORTED},   {0, 6, 1, M_SORTED},   {6, 0, 1, M_SORTED},
        {1, 1, 1, M_SORTED},   {1, 64, 64, M_SORTED}, {70, 90, 40, M_ZEROS},
        {300, 5, 8, M_RANDOM}, {5, 300, 100, M_RANDOM},
    };
    size_t c, i, j;
    int ti;
    for (ti = 0; ti < 2; ti++)
        for (c = 0; c < COUNT(cases); c++) {
            mat_t m;
            sk_csr *h, *tr = SENTINEL, *back = NULL;
            double *dt;
            unsigned char *st;
            const elem_t t = ti ? F64 : F32;
            mat_random(&m, t, cases[c].rows, cases[c].cols, cases[c].maxlen, cases[c].mode);
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_transpose %s %zux%zu %s",
                     type_name(t), m.rows, m.cols, mode_name[cases[c].mode]);
            dt = (double *)calloc(m.rows * m.cols + 1, sizeof *dt);
            st = (unsigned char *)calloc(m.rows * m.cols + 1, 1);
            for (i = 0; i < m.rows; i++)
                for (j = 0; j < m.cols; j++) {
                    dt[j * m.rows + i] = m.dense[i * m.cols + j];
                    st[j * m.rows + i] = m.stored[i * m.cols + j];
                }
            if ((h = mat_handle(&m)) != NULL) {
                if (CHECK_STATUS(sk_csr_transpose(h, &tr), SK_OK)) {
                    check_handle(tr, t, m.cols, m.rows, dt, st, NULL);
                    if (CHECK_STATUS(sk_csr_transpose(tr, &back), SK_OK)) {
                        check_handle(back, t, m.rows, m.cols, m.dense, m.stored, NULL);
                        sk_csr_free(back);
                    }
                    sk_csr_free(tr);
                }
                sk_csr_free(h);
            }
            free(dt);
            free(st);
            mat_free(&m);
        }
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_transpose errors");
    {
        sk_csr *out = SENTINEL;
        CHECK_STATUS(sk_csr_transpose(NULL, &out), SK_ERR_NULL_POINTER);
        CHECK(out == SENTINEL);
    }
    sk_test_ctx[0] = '\0';
}

/* A value for the dense conversions: zeros (+0, -0), values at and near
 * the threshold, NaN, infinities, and random ones. */
static double dense_value(double threshold)
{
    switch (below(12)) {
    case 0: case 1: case 2: return 0.0;
    case 3: return -0.0;
    case 4: return NAN;
    case 5: return below(2) ? INFINITY : -INFINITY;
    case 6: return below(2) ? threshold : -threshold;
    default: return uniform();
    }
}

/* from_dense of a rows x cols view (layout l, padding NaN: a stray read
 * would be kept) with the threshold, then to_dense of the handle into
 * views of every output layout (padding must stay). */
static void check_from_to_dense(elem_t t, size_t rows, size_t cols, int l, double threshold)
{
    const view_t v = make_view(l, rows, cols);
    void *a = malloc(v.len * elem_size(t));
    double *dense = (double *)calloc(rows * cols + 1, sizeof *dense);
    unsigned char *stored = (unsigned char *)calloc(rows * cols + 1, 1);
    static const int outs[] = {L_ROW, L_COL, L_ROW_PAD, L_NEG_BOTH};
    sk_csr *h = SENTINEL;
    size_t i, j, o;

    for (i = 0; i < v.len; i++)
        set(t, a, i, NAN);
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) {
            const double x = round_to(t, dense_value(threshold));
            set(t, a, at(&v, i, j), x);
            dense[i * cols + j] = x;
            stored[i * cols + j] = isnan(x) || fabs(x) > threshold;
        }
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_from_dense_%s %zux%zu %s threshold %g",
             type_name(t), rows, cols, layout_name[l], threshold);
    if (!CHECK_STATUS(csr_from_dense(t, rows, cols, elem_at(t, a, v.off), v.rs, v.cs, threshold,
                                     &h),
                      SK_OK)) {
        free(a);
        free(dense);
        free(stored);
        return;
    }
    check_handle(h, t, rows, cols, dense, stored, NULL);

    for (o = 0; o < COUNT(outs); o++) {
        const view_t vc = make_view(outs[o], rows, cols);
        void *c = malloc(vc.len * elem_size(t));
        char *inside = inside_map(&vc);
        size_t bad = 0, bad_outside = 0;
        for (i = 0; i < vc.len; i++)
            set(t, c, i, inside[i] ? NAN : 555.0);
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_to_dense_%s %zux%zu to %s threshold %g",
                 type_name(t), rows, cols, layout_name[outs[o]], threshold);
        if (CHECK_STATUS(csr_to_dense(t, h, elem_at(t, c, vc.off), vc.rs, vc.cs), SK_OK)) {
            for (i = 0; i < rows; i++)
                for (j = 0; j < cols; j++) {
                    const double want = stored[i * cols + j] ? dense[i * cols + j] : 0.0;
                    if (!same(get(t, c, at(&vc, i, j)), want))
                        bad++;
                }
            if (!CHECK(bad == 0))
                fprintf(stderr, "    %zu wrong elements\n", bad);
        }
        for (i = 0; i < vc.len; i++)
            if (!inside[i] && get(t, c, i) != 555.0)
                bad_outside++;
        CHECK(bad_outside == 0);
        free(c);
        free(inside);
    }
    sk_csr_free(h);
    free(a);
    free(dense);
    free(stored);
}

static void test_dense_conversions(void)
{
    static const size_t shapes[][2] = {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {1, 70}, {70, 1}, {33, 47}};
    static const int layouts[] = {L_ROW, L_COL, L_GENERAL, L_NEG_ROWS, L_NEG_COLS};
    static const double thresholds[] = {0.0, 0.25, 0.5, INFINITY};
    size_t s, l, th;
    int ti;

    for (ti = 0; ti < 2; ti++)
        for (s = 0; s < COUNT(shapes); s++)
            for (l = 0; l < COUNT(layouts); l++)
                for (th = 0; th < COUNT(thresholds); th++)
                    check_from_to_dense(ti ? F64 : F32, shapes[s][0], shapes[s][1], layouts[l],
                                        thresholds[th]);

    /* to_dense of random handles: explicit zeros, summed duplicates. */
    for (ti = 0; ti < 2; ti++) {
        const elem_t t = ti ? F64 : F32;
        mat_t m;
        sk_csr *h;
        mat_random(&m, t, 45, 38, 30, M_ZEROS);
        if ((h = mat_handle(&m)) != NULL) {
            const view_t vc = make_view(L_COL_PAD, m.rows, m.cols);
            void *c = malloc(vc.len * elem_size(t));
            size_t i, j, bad = 0;
            for (i = 0; i < vc.len; i++)
                set(t, c, i, NAN);
            snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_to_dense_%s 45x38 random",
                     type_name(t));
            if (CHECK_STATUS(csr_to_dense(t, h, elem_at(t, c, vc.off), vc.rs, vc.cs), SK_OK)) {
                for (i = 0; i < m.rows; i++)
                    for (j = 0; j < m.cols; j++)
                        if (get(t, c, at(&vc, i, j)) != m.dense[i * m.cols + j])
                            bad++; /* 0 where nothing is stored */
                CHECK(bad == 0);
            }
            free(c);
            sk_csr_free(h);
        }
        mat_free(&m);
    }

    /* Errors. */
    {
        double a[6] = {1, 0, 2, 0, 0, 3}, c[6], c0[6];
        float fc[6] = {0.5f, 0, 0, 0, 0, 0};
        sk_csr *h = SENTINEL, *h64 = NULL, *h32 = NULL;
        size_t i;
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_csr_from_dense / to_dense errors");
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 3, 1, -1.0, &h), SK_ERR_INVALID_ARGUMENT);
        CHECK(message_has("threshold"));
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 3, 1, -0.0 - 1e-300, &h),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_from_dense_f32(2, 3, (const float *)(const void *)a, 3, 1, -0.5f, &h),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 3, 1, NAN, &h), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 0, 1, 0.0, &h), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, NULL, 3, 1, 0.0, &h), SK_ERR_NULL_POINTER);
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 3, 1, 0.0, NULL), SK_ERR_NULL_POINTER);
        /* More than 2^31 columns (no rows, so no memory): refused. */
        CHECK_STATUS(sk_csr_from_dense_f64(0, (size_t)INT32_MAX + 2, NULL, 1, 1, 0.0, &h),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK(h == SENTINEL);
        h = NULL;
        CHECK_STATUS(sk_csr_from_dense_f64(0, (size_t)INT32_MAX + 1, NULL, 1, 1, 0.0, &h), SK_OK);
        sk_csr_free(h);
        h = SENTINEL;
        h = NULL;
        /* -0.0 is not negative: a valid threshold. */
        CHECK_STATUS(sk_csr_from_dense_f64(2, 3, a, 3, 1, -0.0, &h64), SK_OK);
        CHECK_STATUS(sk_csr_from_dense_f32(1, 1, fc, 1, 1, 0.0f, &h32), SK_OK);
        for (i = 0; i < 6; i++)
            c[i] = c0[i] = 9.0;
        CHECK_STATUS(sk_csr_to_dense_f64(NULL, c, 3, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(sk_csr_to_dense_f64(h64, NULL, 3, 1), SK_ERR_NULL_POINTER);
        CHECK_STATUS(sk_csr_to_dense_f64(h64, c, 0, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_to_dense_f64(h64, c, 1, 1), SK_ERR_INVALID_ARGUMENT); /* aliasing */
        CHECK_STATUS(sk_csr_to_dense_f64(h32, c, 1, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK_STATUS(sk_csr_to_dense_f32(h64, fc, 3, 1), SK_ERR_INVALID_ARGUMENT);
        CHECK(message_has("f64"));
        CHECK(memcmp(c, c0, sizeof c) == 0);
        CHECK_STATUS(sk_csr_to_dense_f64(h64, c, 1, 2), SK_OK); /* column-major */
        CHECK(c[0] == 1 && c[1] == 0 && c[2] == 0 && c[3] == 0 && c[4] == 2 && c[5] == 3);
        sk_csr_free(h64);
        sk_csr_free(h32);
    }
    sk_test_ctx[0] = '\0';
}

static void check_density(elem_t t, size_t rows, size_t cols, int l)
{
    const view_t v = make_view(l, rows, cols);
    void *a = malloc(v.len * elem_size(t));
    size_t i, j, want = 0, nz = 12345;
    double frac = -1, want_frac;
    for (i = 0; i < v.len; i++)
        set(t, a, i, 1.0); /* padding non-zero: a stray read would count */
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) {
            double x;
            switch (below(16)) {
            case 0: x = -0.0; break;
            case 1: x = NAN; break;
            case 2: case 3: x = uniform(); break;
            case 4: x = 1e-300; break; /* 0 in f32 */
            default: x = 0.0; break;
            }
            x = round_to(t, x);
            set(t, a, at(&v, i, j), x);
            want += x != 0.0; /* NaN too */
        }
    want_frac = rows && cols ? (double)want / ((double)rows * (double)cols) : 0.0;
    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_density_%s %zux%zu %s", type_name(t), rows, cols,
             layout_name[l]);
    CHECK_STATUS(density(t, rows, cols, elem_at(t, a, v.off), v.rs, v.cs, &nz, &frac), SK_OK);
    if (!CHECK(nz == want && frac == want_frac))
        fprintf(stderr, "    %zu (%.17g), expected %zu (%.17g)\n", nz, frac, want, want_frac);
    nz = 12345;
    CHECK_STATUS(density(t, rows, cols, elem_at(t, a, v.off), v.rs, v.cs, &nz, NULL), SK_OK);
    CHECK(nz == want);
    free(a);
}

static void test_density(void)
{
    static const size_t shapes[][2] = {{0, 0}, {0, 4}, {4, 0}, {1, 1}, {1, 100}, {57, 31}};
    static const int layouts[] = {L_ROW, L_COL, L_ROW_PAD, L_NEG_BOTH};
    double a[4] = {0, 1, NAN, -0.0};
    size_t s, l, nz = 77;
    double frac = -1;
    int ti;
    for (ti = 0; ti < 2; ti++)
        for (s = 0; s < COUNT(shapes); s++)
            for (l = 0; l < COUNT(layouts); l++)
                check_density(ti ? F64 : F32, shapes[s][0], shapes[s][1], layouts[l]);

    snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_density errors");
    CHECK_STATUS(sk_density_f64(2, 2, a, 2, 1, &nz, &frac), SK_OK);
    CHECK(nz == 2 && frac == 0.5);
    nz = 77, frac = -1;
    CHECK_STATUS(sk_density_f64(2, 2, a, 2, 1, NULL, &frac), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_density_f64(2, 2, NULL, 2, 1, &nz, &frac), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_density_f64(2, 2, a, 0, 1, &nz, &frac), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_density_f32(2, 2, (const float *)(const void *)a, 2, 0, &nz, &frac),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(nz == 77 && frac == -1);
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* matmul_auto                                                              */
/* ======================================================================== */

/* C = alpha A B + beta C through sk_matmul_auto_* with an m x k A holding
 * exactly nnz_a non-zeros (all when nnz_a >= m * k): the path and the
 * result against a naive loop and against sk_dgemm / sk_sgemm on the same
 * operands. */
static void check_auto(elem_t t, size_t m, size_t n, size_t k, size_t nnz_a, int lb, int lc,
                       double alpha, double beta, uint32_t want_path, int null_path)
{
    const double eps = elem_eps(t);
    const view_t vb = make_view(lb, k, n), vc = make_view(lc, m, n);
    void *a = calloc(m * k + 1, elem_size(t));
    void *b = malloc(vb.len * elem_size(t));
    void *c = malloc(vc.len * elem_size(t)), *cg = malloc(vc.len * elem_size(t));
    void *c0 = malloc(vc.len * elem_size(t));
    size_t i, j, p, need = nnz_a < m * k ? nnz_a : m * k, bad = 0, bad_gemm = 0, bi = 0, bj = 0;
    uint32_t path = 0xDEAD;
    double bad_got = 0, bad_want = 0;

    for (p = 0; p < m * k && need; p++) /* need of the m k cells, uniformly */
        if (below(m * k - p) < need) {
            double x;
            do
                x = round_to(t, uniform());
            while (x == 0.0);
            set(t, a, p, x);
            need--;
        }
    for (i = 0; i < vb.len; i++)
        set(t, b, i, NAN);
    for (i = 0; i < k; i++)
        for (j = 0; j < n; j++)
            set(t, b, at(&vb, i, j), uniform());
    for (i = 0; i < vc.len; i++)
        set(t, c, i, 555.0);
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++)
            set(t, c, at(&vc, i, j), beta == 0.0 ? NAN : uniform());
    memcpy(cg, c, vc.len * elem_size(t));
    memcpy(c0, c, vc.len * elem_size(t));

    snprintf(sk_test_ctx, sizeof sk_test_ctx,
             "sk_matmul_auto_%s %zux%zux%zu nnz(A) %zu B %s C %s alpha %g beta %g%s",
             type_name(t), m, n, k, nnz_a < m * k ? nnz_a : m * k, layout_name[lb],
             layout_name[lc], alpha, beta, null_path ? " path NULL" : "");
    if (CHECK_STATUS(matmul_auto(t, m, n, k, alpha, a, (ptrdiff_t)(k ? k : 1), 1,
                                 elem_at(t, b, vb.off), vb.rs, vb.cs, beta, elem_at(t, c, vc.off),
                                 vc.rs, vc.cs, null_path ? NULL : &path),
                     SK_OK)) {
        char *inside = inside_map(&vc);
        size_t bad_outside = 0;
        if (!null_path && !CHECK(path == want_path))
            fprintf(stderr, "    path %u, expected %u\n", (unsigned)path, (unsigned)want_path);
        CHECK_STATUS(gemm(t, m, n, k, alpha, a, (ptrdiff_t)(k ? k : 1), 1, elem_at(t, b, vb.off),
                          vb.rs, vb.cs, beta, elem_at(t, cg, vc.off), vc.rs, vc.cs),
                     SK_OK);
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) {
                const double cij0 = get(t, c0, at(&vc, i, j)), got = get(t, c, at(&vc, i, j));
                const double got_gemm = get(t, cg, at(&vc, i, j));
                double s = 0, mag = 0, want, tol;
                for (p = 0; p < k; p++) {
                    const double prod = get(t, a, i * k + p) * get(t, b, at(&vb, p, j));
                    s += prod;
                    mag += fabs(prod);
                }
                want = alpha * s + (beta != 0.0 ? beta * cij0 : 0.0);
                tol = 2.0 * (double)(k + 2) * eps
                        * (fabs(alpha) * mag + (beta != 0.0 ? fabs(beta * cij0) : 0.0))
                    + elem_tiny(t);
                if (!(fabs(got - want) <= tol) && bad++ == 0) {
                    bi = i, bj = j;
                    bad_got = got, bad_want = want;
                }
                if (!(fabs(got - got_gemm) <= 2.0 * tol))
                    bad_gemm++;
            }
        if (!CHECK(bad == 0))
            fprintf(stderr, "    %zu wrong elements; first C(%zu, %zu) = %.17g, expected %.17g\n",
                    bad, bi, bj, bad_got, bad_want);
        if (!CHECK(bad_gemm == 0))
            fprintf(stderr, "    %zu elements off the dense GEMM's\n", bad_gemm);
        for (i = 0; i < vc.len; i++)
            if (!inside[i] && get(t, c, i) != 555.0)
                bad_outside++;
        CHECK(bad_outside == 0);
        free(inside);
    }
    free(a);
    free(b);
    free(c);
    free(cg);
    free(c0);
}

static void test_matmul_auto(void)
{
    int ti;
    for (ti = 0; ti < 2; ti++) {
        const elem_t t = ti ? F64 : F32;
        size_t s;
        /* 1% of 200 x 300: sparse, in every layout pair and scalar pair. */
        for (s = 0; s < COUNT(scalars); s++) {
            if (scalars[s].alpha == 0.0)
                continue; /* alpha == 0 has nothing to convert */
            check_auto(t, 200, 20, 300, 600, L_ROW, L_ROW, scalars[s].alpha, scalars[s].beta,
                       SK_MATMUL_SPARSE, 0);
            check_auto(t, 200, 20, 300, 600, L_COL, L_COL, scalars[s].alpha, scalars[s].beta,
                       SK_MATMUL_SPARSE, 0);
            check_auto(t, 200, 20, 300, 600, L_ROW, L_COL, scalars[s].alpha, scalars[s].beta,
                       SK_MATMUL_SPARSE, 0);
            check_auto(t, 200, 20, 300, 600, L_COL_PAD, L_NEG_ROWS, scalars[s].alpha,
                       scalars[s].beta, SK_MATMUL_SPARSE, 0);
        }
        check_auto(t, 200, 20, 300, 600, L_ROW, L_ROW, 1.0, 0.0, SK_MATMUL_SPARSE, 1);
        /* n < 8 always takes GEMM, even for an all-zero A. */
        check_auto(t, 200, 1, 300, 600, L_ROW, L_ROW, 1.0, 0.0, SK_MATMUL_DENSE, 0);
        check_auto(t, 200, 7, 300, 0, L_COL, L_COL, 0.5, -1.5, SK_MATMUL_DENSE, 0);
        /* Dense A. */
        check_auto(t, 200, 20, 300, SIZE_MAX, L_ROW, L_ROW, 1.0, 0.0, SK_MATMUL_DENSE, 0);
        check_auto(t, 200, 20, 300, SIZE_MAX, L_COL, L_ROW, -0.5, 0.75, SK_MATMUL_DENSE, 0);
        check_auto(t, 200, 20, 300, SIZE_MAX, L_ROW, L_ROW, 1.0, 0.0, SK_MATMUL_DENSE, 1);
        /* The documented crossovers on a 100 x 100 A: at most 1.5% (150
         * non-zeros) for 8 <= n < 32, 4% for 32 <= n < 128, 8% from 128. */
        {
            static const struct {
                size_t n, cap;
            } cross[] = {{8, 150}, {31, 150}, {32, 400}, {127, 400}, {128, 800}};
            size_t x;
            for (x = 0; x < COUNT(cross); x++) {
                check_auto(t, 100, cross[x].n, 100, cross[x].cap, L_ROW, L_ROW, 1.0, 0.0,
                           SK_MATMUL_SPARSE, 0);
                check_auto(t, 100, cross[x].n, 100, cross[x].cap + 1, L_ROW, L_ROW, 1.0, 0.0,
                           SK_MATMUL_DENSE, 0);
            }
        }
        /* The smallest A converted has 4096 elements. */
        check_auto(t, 64, 20, 64, 1, L_ROW, L_ROW, 1.0, 0.5, SK_MATMUL_SPARSE, 0);
        check_auto(t, 63, 20, 65, 1, L_ROW, L_ROW, 1.0, 0.5, SK_MATMUL_DENSE, 0);
        /* An all-zero A is the sparsest of all. */
        check_auto(t, 100, 20, 100, 0, L_ROW, L_ROW, 1.0, 0.0, SK_MATMUL_SPARSE, 0);
    }

    /* Errors: the statuses of sk_dgemm, path untouched. */
    {
        double a[16], b[16], c[16];
        uint32_t path = 0xDEAD;
        size_t i;
        for (i = 0; i < 16; i++)
            a[i] = b[i] = c[i] = 1.0;
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_matmul_auto errors");
        CHECK_STATUS(sk_matmul_auto_f64(4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, a, 4, 1, &path),
                     SK_ERR_INVALID_ARGUMENT); /* C on A */
        CHECK_STATUS(sk_matmul_auto_f64(4, 4, 4, 1.0, NULL, 4, 1, b, 4, 1, 0.0, c, 4, 1, &path),
                     SK_ERR_NULL_POINTER);
        CHECK_STATUS(sk_matmul_auto_f64(4, 4, 4, 1.0, a, 4, 1, b, 4, 1, 0.0, NULL, 4, 1, &path),
                     SK_ERR_NULL_POINTER);
        CHECK_STATUS(sk_matmul_auto_f64(4, 4, 4, 1.0, a, 0, 1, b, 4, 1, 0.0, c, 4, 1, &path),
                     SK_ERR_INVALID_ARGUMENT);
        CHECK(path == 0xDEAD);
        for (i = 0; i < 16; i++)
            CHECK(a[i] == 1.0 && c[i] == 1.0);
        /* As sk_dgemm: alpha == 0 reads neither A nor B (NULL), C = beta C. */
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "sk_matmul_auto alpha 0, A and B NULL");
        for (i = 0; i < 16; i++)
            c[i] = (double)i;
        CHECK_STATUS(sk_matmul_auto_f64(4, 4, 4, 0.0, NULL, 4, 1, NULL, 4, 1, 2.0, c, 4, 1, &path),
                     SK_OK);
        CHECK(path == SK_MATMUL_DENSE || path == SK_MATMUL_SPARSE);
        for (i = 0; i < 16; i++)
            CHECK(c[i] == 2.0 * (double)i);
        {
            float fc[4] = {NAN, NAN, NAN, NAN};
            CHECK_STATUS(sk_matmul_auto_f32(2, 2, 64, 0.0f, NULL, 64, 1, NULL, 2, 1, 0.0f, fc, 2, 1,
                                            NULL),
                         SK_OK);
            CHECK(fc[0] == 0 && fc[1] == 0 && fc[2] == 0 && fc[3] == 0);
        }
    }
    sk_test_ctx[0] = '\0';
}

/* ======================================================================== */
/* Thread count independence                                                */
/* ======================================================================== */

static void test_threads(void)
{
    int ti;
    for (ti = 0; ti < 2; ti++) {
        const elem_t t = ti ? F64 : F32;
        const size_t es = elem_size(t), n = 33;
        mat_t m, s;
        sk_csr *h, *hs;
        void *x, *y1, *y3, *b, *c1, *c3;
        size_t i;

        mat_random(&m, t, 3000, 400, 40, M_RANDOM); /* about 60000 entries: several chunks */
        mat_random(&s, t, 300, 300, 40, M_RANDOM);
        h = mat_handle(&m);
        hs = mat_handle(&s);
        x = malloc(m.cols * es);
        y1 = malloc(m.rows * es);
        y3 = malloc(m.rows * es);
        b = malloc(m.cols * n * es);
        c1 = malloc(m.rows * n * es);
        c3 = malloc(m.rows * n * es);
        for (i = 0; i < m.cols; i++)
            set(t, x, i, uniform());
        for (i = 0; i < m.cols * n; i++)
            set(t, b, i, uniform());
        for (i = 0; i < m.rows; i++)
            set(t, y1, i, uniform());
        memcpy(y3, y1, m.rows * es);
        for (i = 0; i < m.rows * n; i++)
            set(t, c1, i, uniform());
        memcpy(c3, c1, m.rows * n * es);

        snprintf(sk_test_ctx, sizeof sk_test_ctx, "%s: 1 vs 3 threads", type_name(t));
        if (h && hs) {
            sk_csr *p1 = NULL, *p3 = NULL;
            CHECK_STATUS(sk_set_num_threads(1), SK_OK);
            CHECK_STATUS(csr_spmv(t, h, 0.5, x, -1.0, y1), SK_OK);
            CHECK_STATUS(csr_spmm(t, h, n, 0.5, b, (ptrdiff_t)n, 1, -1.0, c1, (ptrdiff_t)n, 1),
                         SK_OK);
            CHECK_STATUS(sk_csr_spgemm(hs, hs, &p1), SK_OK);
            CHECK_STATUS(sk_set_num_threads(3), SK_OK);
            CHECK_STATUS(csr_spmv(t, h, 0.5, x, -1.0, y3), SK_OK);
            CHECK_STATUS(csr_spmm(t, h, n, 0.5, b, (ptrdiff_t)n, 1, -1.0, c3, (ptrdiff_t)n, 1),
                         SK_OK);
            CHECK_STATUS(sk_csr_spgemm(hs, hs, &p3), SK_OK);
            CHECK(memcmp(y1, y3, m.rows * es) == 0);
            CHECK(memcmp(c1, c3, m.rows * n * es) == 0);
            if (p1 && p3) {
                size_t n1 = 0, n3 = 1;
                CHECK_STATUS(sk_csr_shape(p1, NULL, NULL, &n1), SK_OK);
                CHECK_STATUS(sk_csr_shape(p3, NULL, NULL, &n3), SK_OK);
                if (CHECK(n1 == n3)) {
                    int64_t *ptr1 = (int64_t *)malloc((s.rows + 1) * sizeof *ptr1);
                    int64_t *ptr3 = (int64_t *)malloc((s.rows + 1) * sizeof *ptr3);
                    int32_t *idx1 = (int32_t *)malloc((n1 + 1) * sizeof *idx1);
                    int32_t *idx3 = (int32_t *)malloc((n1 + 1) * sizeof *idx3);
                    void *v1 = malloc((n1 + 1) * es), *v3 = malloc((n1 + 1) * es);
                    CHECK_STATUS(csr_export(t, p1, ptr1, idx1, v1), SK_OK);
                    CHECK_STATUS(csr_export(t, p3, ptr3, idx3, v3), SK_OK);
                    CHECK(memcmp(ptr1, ptr3, (s.rows + 1) * sizeof *ptr1) == 0
                          && memcmp(idx1, idx3, n1 * sizeof *idx1) == 0
                          && memcmp(v1, v3, n1 * es) == 0);
                    free(ptr1);
                    free(ptr3);
                    free(idx1);
                    free(idx3);
                    free(v1);
                    free(v3);
                }
            }
            sk_csr_free(p1);
            sk_csr_free(p3);
            CHECK_STATUS(sk_set_num_threads(0), SK_OK);
        }
        sk_csr_free(h);
        sk_csr_free(hs);
        free(x);
        free(y1);
        free(y3);
        free(b);
        free(c1);
        free(c3);
        mat_free(&m);
        mat_free(&s);
    }
    sk_test_ctx[0] = '\0';
}

int main(void)
{
    int ti;
    /* The path values must come from the header (see the top of the file). */
    if (!CHECK(HEADER_HAS_MATMUL_PATHS))
        fprintf(stderr, "    simdkern.h does not define SK_MATMUL_DENSE / SK_MATMUL_SPARSE\n");
    for (ti = 0; ti < 2; ti++) {
        test_new_handmade(ti ? F64 : F32);
        test_new_empty(ti ? F64 : F32);
        test_new_shapes(ti ? F64 : F32);
        test_new_errors(ti ? F64 : F32);
    }
    test_shape_export();
    test_spmv_errors();
    test_spmv();
    test_spmm_errors();
    test_spmm();
    test_spgemm_errors();
    test_spgemm();
    test_transpose();
    test_dense_conversions();
    test_density();
    test_matmul_auto();
    test_threads();
    return SK_TEST_SUMMARY("test_sparse_c");
}
