/*
 * Memory-bandwidth probe for benches/peers/sparse_peers.py (issue 6: the
 * banded SpMV's effective bandwidth is reported as a fraction of what one
 * core can stream). run_sparse.sh builds it with
 *
 *     cc -O3 -march=native -shared -fPIC stream_bw.c -o libstream_bw.so
 *
 * and the script loads it with ctypes (which releases the GIL during the
 * call, so two Python threads can run two halves at once).
 *
 *   sum_read(a, n)       reads n doubles: 32 independent accumulators, so
 *                        the loop vectorizes into several vector add chains
 *                        without -ffast-math; bytes moved = 8 n.
 *   copy(c, a, n)        c[i] = a[i]; STREAM counts 16 n bytes.
 *   triad(a, b, c, s, n) a[i] = b[i] + s * c[i]; STREAM counts 24 n bytes.
 *
 *   gather_dot(v, idx, nnz, x)
 *                        sum of v[i] * x[idx[i]]: the reads every CSR SpMV
 *                        of that matrix must make (values, indices, x at
 *                        random), without row pointers, row ends or y. Its
 *                        time is the floor the random SpMV is compared to.
 *
 *   gather_rows(v, idx, nnz, b, 32)
 *                        sum over i of v[i] * row idx[i] of the row-major
 *                        n x 32 matrix b: the reads of an SpMM with 32
 *                        columns (B's rows at random, prefetched 32 entries
 *                        ahead into L2 as simdkern does), without C.
 *
 * copy and triad use ordinary stores (no streaming stores), so the written
 * lines are also read first (write-allocate): the hardware moves more than
 * STREAM's byte count, which is why read is the highest figure of the three.
 */
#include <stddef.h>
#include <stdint.h>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#define ACC 32

double sum_read(const double *a, size_t n)
{
    double acc[ACC] = {0};
    size_t i = 0;
    for (; i + ACC <= n; i += ACC)
        for (int j = 0; j < ACC; j++)
            acc[j] += a[i + j];
    double s = 0.0;
    for (; i < n; i++)
        s += a[i];
    for (int j = 0; j < ACC; j++)
        s += acc[j];
    return s;
}

/* Keep GCC from turning the loop into a memcpy call (glibc's large-size
 * memcpy uses non-temporal stores, a different measurement). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void copy(double *restrict c, const double *restrict a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c[i] = a[i];
}

void triad(double *restrict a, const double *restrict b, const double *restrict c,
           double s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

double gather_dot(const double *v, const uint32_t *idx, size_t nnz, const double *x)
{
    double s = 0.0;
    size_t i = 0;
#ifdef __AVX512F__
    /* Four independent chains of 8-lane gathers, as a CSR kernel's rows
     * would be: enough to keep the gathers, not the adds, the limit. */
    __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(),
                      _mm512_setzero_pd()};
    for (; i + 32 <= nnz; i += 32) {
        /* The two streams 1 KiB (values) ahead, as simdkern's kernel does. */
        for (int j = 0; j < 4; j++)
            _mm_prefetch((const char *)(v + i + 128 + 8 * j), _MM_HINT_T0);
        for (int j = 0; j < 2; j++)
            _mm_prefetch((const char *)(idx + i + 128 + 16 * j), _MM_HINT_T0);
        for (int j = 0; j < 4; j++) {
            __m256i ix = _mm256_loadu_si256((const __m256i *)(idx + i + 8 * j));
            acc[j] = _mm512_fmadd_pd(_mm512_loadu_pd(v + i + 8 * j),
                                     _mm512_i32gather_pd(ix, x, 8), acc[j]);
        }
    }
    for (int j = 0; j < 4; j++)
        s += _mm512_reduce_add_pd(acc[j]);
#else
    double acc[ACC] = {0};
    for (; i + ACC <= nnz; i += ACC)
        for (int j = 0; j < ACC; j++)
            acc[j] += v[i + j] * x[idx[i + j]];
    for (int j = 0; j < ACC; j++)
        s += acc[j];
#endif
    for (; i < nnz; i++)
        s += v[i] * x[idx[i]];
    return s;
}

/* Returns the sum of the 32 accumulated columns (so nothing is optimized
 * away); ncols must be 32. */
double gather_rows(const double *v, const uint32_t *idx, size_t nnz, const double *b,
                   size_t ncols)
{
    double s = 0.0;
    if (ncols != 32)
        return 0.0;
#ifdef __AVX512F__
    __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(),
                      _mm512_setzero_pd()};
    for (size_t i = 0; i < nnz; i++) {
        if (i + 32 < nnz) {
            const char *ahead = (const char *)(b + (size_t)idx[i + 32] * 32);
            for (int l = 0; l < 4; l++)
                _mm_prefetch(ahead + 64 * l, _MM_HINT_T1);
        }
        __m512d a = _mm512_set1_pd(v[i]);
        const double *row = b + (size_t)idx[i] * 32;
        for (int j = 0; j < 4; j++)
            acc[j] = _mm512_fmadd_pd(a, _mm512_loadu_pd(row + 8 * j), acc[j]);
    }
    for (int j = 0; j < 4; j++)
        s += _mm512_reduce_add_pd(acc[j]);
#else
    double acc[32] = {0};
    for (size_t i = 0; i < nnz; i++)
        for (int j = 0; j < 32; j++)
            acc[j] += v[i] * b[(size_t)idx[i] * 32 + j];
    for (int j = 0; j < 32; j++)
        s += acc[j];
#endif
    return s;
}
