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
