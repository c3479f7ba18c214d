/*
 * blas1_vs_openblas: simdkern's sk_sdot / sk_ddot against OpenBLAS's
 * cblas_sdot / cblas_ddot on one core, and sk_dot_u8s8 against sk_sdot.
 *
 * Both libraries run in this one process, on the same buffers, and are timed
 * INTERLEAVED: each round times one batch of each (the order flips every
 * round), and the median over rounds is reported. Machine drift (clock,
 * other processes) then hits both sides alike instead of whichever ran
 * second.
 *
 * Yardsticks, measured here the same way as `simdkern bench` does:
 *  - clock: a chain of dependent 1-cycle `add reg, reg` (inline asm; an
 *    immediate operand would be folded by the renamer of Golden Cove and
 *    later cores), best of many ~3 ms runs;
 *  - two loads per cycle: 2 x vector bytes (64 AVX-512, 32 AVX2) x clock,
 *    the L1 limit for a dot, which loads 2 elements per FMA;
 *  - memory read bandwidth: vector loads over a 512 MiB buffer with 8
 *    accumulators, read as 1, 2 and 4 concurrent streams, best of 5 runs
 *    each; used for the 64M (beyond cache) rows.
 *
 * Usage: blas1_vs_openblas [--quick]   (--quick: no 64M row, shorter batches)
 * Built and run by benches/peers/run.sh.
 */
#define _POSIX_C_SOURCE 200112L
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes.h"
#include "simdkern.h"

/* Declared by OpenBLAS's cblas.h; repeated so a netlib cblas.h still compiles
 * (the link against -lopenblas then provides it). */
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);
char *openblas_get_corename(void);

/* ---- machine limits ---------------------------------------------------- */

/* Pure-read loops over `streams` (1, 2 or 4) equal parts of the buffer walked
 * side by side, 8 vector loads per iteration into 8 accumulators: load i reads
 * part i / per at vector i % per, per = 8 / streams vectors per part. Only
 * whole iterations are read (the probe counts the bytes it read). Several
 * streams keep more misses in flight, as a dot over two arrays does. */
#define READ_LOOP(VEC, ZERO, LOAD, ADD, LANES)                                        \
  size_t per = 8 / streams, step = (size_t)(LANES) * per;                             \
  size_t part = words / streams / step * step;                                        \
  const uint64_t *q[8];                                                               \
  for (int i = 0; i < 8; i++) q[i] = p + (size_t)(i / per) * part + (i % per) * (LANES); \
  VEC a0 = ZERO, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;       \
  for (size_t j = 0; j < part; j += step) {                                           \
    a0 = ADD(a0, LOAD((const void *)(q[0] + j)));                                     \
    a1 = ADD(a1, LOAD((const void *)(q[1] + j)));                                     \
    a2 = ADD(a2, LOAD((const void *)(q[2] + j)));                                     \
    a3 = ADD(a3, LOAD((const void *)(q[3] + j)));                                     \
    a4 = ADD(a4, LOAD((const void *)(q[4] + j)));                                     \
    a5 = ADD(a5, LOAD((const void *)(q[5] + j)));                                     \
    a6 = ADD(a6, LOAD((const void *)(q[6] + j)));                                     \
    a7 = ADD(a7, LOAD((const void *)(q[7] + j)));                                     \
  }                                                                                   \
  *read = part * streams * 8;                                                         \
  a0 = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));

__attribute__((target("avx512f"))) static uint64_t sum_zmm(const uint64_t *p, size_t words,
                                                           size_t streams, size_t *read) {
  READ_LOOP(__m512i, _mm512_setzero_si512(), _mm512_load_si512, _mm512_add_epi64, 8)
  return (uint64_t)_mm512_reduce_add_epi64(a0);
}

__attribute__((target("avx2"))) static uint64_t sum_ymm(const uint64_t *p, size_t words,
                                                        size_t streams, size_t *read) {
  READ_LOOP(__m256i, _mm256_setzero_si256(), _mm256_load_si256, _mm256_add_epi64, 4)
  uint64_t l[4];
  _mm256_storeu_si256((__m256i *)l, a0);
  return l[0] + l[1] + l[2] + l[3];
}

static uint64_t sum_scalar(const uint64_t *p, size_t words, size_t *read) {
  uint64_t s = 0;
  for (size_t i = 0; i < words; i++) s += p[i];
  *read = words * 8;
  return s;
}

/* Best of 5 runs for each of 1, 2 and 4 streams over a 512 MiB buffer. */
static double measure_mem_read_gbs(int vector_bytes, int *best_streams) {
  const size_t bytes = (size_t)512 << 20, words = bytes / 8;
  uint64_t *buf = aligned_alloc(64, bytes);
  if (!buf) return NAN;
  memset(buf, 1, bytes); /* map every page before timing */
  volatile uint64_t sink = 0;
  double best = 0;
  for (size_t streams = 1; streams <= 4; streams *= 2) {
    for (int r = 0; r < 6; r++) { /* run 0 is a warm-up */
      size_t read = 0;
      double t = now();
      if (vector_bytes == 64)
        sink += sum_zmm(buf, words, streams, &read);
      else if (vector_bytes == 32)
        sink += sum_ymm(buf, words, streams, &read);
      else
        sink += sum_scalar(buf, words, &read);
      double gbs = (double)read / (now() - t) / 1e9;
      if (r > 0 && gbs > best) best = gbs, *best_streams = (int)streams;
    }
  }
  free(buf);
  return best;
}

/* ---- kernels under test -------------------------------------------------- */

typedef struct {
  size_t n;
  const float *xs, *ys;
  const double *xd, *yd;
  const uint8_t *xu;
  const int8_t *ys8;
} args_t;

typedef double (*kern_t)(const args_t *a);

static double k_sk_sdot(const args_t *a) {
  float r = 0;
  if (sk_sdot(a->n, a->xs, 1, a->ys, 1, &r) != 0) abort();
  return r;
}
static double k_ob_sdot(const args_t *a) { return cblas_sdot((int)a->n, a->xs, 1, a->ys, 1); }
static double k_sk_ddot(const args_t *a) {
  double r = 0;
  if (sk_ddot(a->n, a->xd, 1, a->yd, 1, &r) != 0) abort();
  return r;
}
static double k_ob_ddot(const args_t *a) { return cblas_ddot((int)a->n, a->xd, 1, a->yd, 1); }
static double k_sk_u8s8(const args_t *a) {
  int32_t r = 0;
  if (sk_dot_u8s8(a->n, a->xu, a->ys8, &r) != 0) abort();
  return r;
}

/* ---- interleaved timing ------------------------------------------------ */

static volatile double g_sink;

static double batch(kern_t f, const args_t *a, long iters) {
  double s = 0, t = now();
  for (long i = 0; i < iters; i++) s += f(a);
  t = now() - t;
  g_sink += s;
  return t;
}

/* Calls per batch so that one batch lasts at least target seconds. */
static long calibrate(kern_t f, const args_t *a, double target) {
  long iters = 1;
  batch(f, a, 1); /* warm-up: pages, caches, dispatch */
  for (;;) {
    double t = batch(f, a, iters);
    if (t >= target) return iters;
    double grow = t > 0 ? 1.2 * target / t : 100;
    if (grow < 2) grow = 2;
    if (grow > 100) grow = 100;
    iters = (long)ceil((double)iters * grow);
  }
}

static int cmp_double(const void *p, const void *q) {
  double a = *(const double *)p, b = *(const double *)q;
  return (a > b) - (a < b);
}

#define MAX_ROUNDS 16

/* Median seconds per call of f and g, timed in alternating batches. */
static void interleaved(kern_t f, kern_t g, const args_t *a, double target, int rounds, double *tf,
                        double *tg) {
  long nf = calibrate(f, a, target), ng = calibrate(g, a, target);
  double sf[MAX_ROUNDS], sg[MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    if (r % 2 == 0) {
      sf[r] = batch(f, a, nf) / (double)nf;
      sg[r] = batch(g, a, ng) / (double)ng;
    } else {
      sg[r] = batch(g, a, ng) / (double)ng;
      sf[r] = batch(f, a, nf) / (double)nf;
    }
  }
  qsort(sf, (size_t)rounds, sizeof(double), cmp_double);
  qsort(sg, (size_t)rounds, sizeof(double), cmp_double);
  *tf = sf[rounds / 2];
  *tg = sg[rounds / 2];
}

/* ---- data ---------------------------------------------------------------- */

static uint64_t g_lcg = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* [-1, 1) */
  g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(g_lcg >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void *xalloc(size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) {
    fprintf(stderr, "blas1_vs_openblas: cannot allocate %zu bytes\n", bytes);
    exit(1);
  }
  return p;
}

static const char *fmt_n(size_t n, char *buf) {
  if (n >= (1u << 20) && n % (1u << 20) == 0)
    sprintf(buf, "%zuM", n >> 20);
  else if (n >= 1024 && n % 1024 == 0)
    sprintf(buf, "%zuK", n >> 10);
  else
    sprintf(buf, "%zu", n);
  return buf;
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
  openblas_set_num_threads(1);
  sk_set_num_threads(1); /* level-1 runs on the caller anyway; for symmetry */

  const size_t cache_sizes[] = {256, 1024, 4096, 16384, 65536};
  const int n_cache = 5;
  const size_t big = (size_t)64 << 20;
  const size_t max_n = quick ? 65536 : big;
  const double target = quick ? 0.01 : 0.02; /* seconds per batch */
  const int rounds = quick ? 5 : 9;

  uint32_t isa = sk_active_isa();
  int vbytes = isa >= SK_ISA_AVX512 ? 64 : isa >= SK_ISA_AVX2 ? 32 : 8;
  double hz = measure_clock_hz();
  double two_loads = 2.0 * vbytes * hz / 1e9;
  int mem_streams = 0;
  double mem = quick ? NAN : measure_mem_read_gbs(vbytes, &mem_streams);

  printf("simdkern %u (active ISA %u) vs OpenBLAS (%s; kernels for %s), 1 thread each\n",
         sk_version_number(), isa, openblas_get_config(), openblas_get_corename());
  printf("clock (dependent add chain)      %8.3f GHz\n", hz / 1e9);
  printf("two loads/cycle (2 x %2d B x clk) %8.1f GB/s\n", vbytes, two_loads);
  if (!quick)
    printf("memory read, 512 MiB buffer      %8.1f GB/s  (best of 1, 2, 4 streams: %d)\n", mem,
           mem_streams);
  printf("interleaved batches of >= %.0f ms, median of %d rounds; GFLOP/s = 2n / time\n",
         target * 1e3, rounds);

  args_t a = {0};
  float *xs = xalloc(max_n * sizeof(float)), *ys = xalloc(max_n * sizeof(float));
  double *xd = xalloc(max_n * sizeof(double)), *yd = xalloc(max_n * sizeof(double));
  uint8_t *xu = xalloc(65536);
  int8_t *ys8 = xalloc(65536);
  for (size_t i = 0; i < max_n; i++) {
    xs[i] = (float)uniform();
    ys[i] = (float)uniform();
    xd[i] = uniform();
    yd[i] = uniform();
  }
  for (size_t i = 0; i < 65536; i++) {
    xu[i] = (uint8_t)((uniform() + 1.0) * 127.99);
    ys8[i] = (int8_t)lround(uniform() * 127.0);
  }
  a.xs = xs, a.ys = ys, a.xd = xd, a.yd = yd, a.xu = xu, a.ys8 = ys8;

  size_t sizes[6];
  int n_sizes = 0;
  for (int i = 0; i < n_cache; i++) sizes[n_sizes++] = cache_sizes[i];
  if (!quick) sizes[n_sizes++] = big;

  printf("\n%-5s %5s  %10s  %10s  %6s  %8s  %8s  %s\n", "", "n", "simdkern", "OpenBLAS", "sk/OB",
         "sk %", "OB %", "of limit");
  printf("%-5s %5s  %10s  %10s  %6s  %8s  %8s\n", "", "", "GFLOP/s", "GFLOP/s", "", "", "");
  for (int k = 0; k < 2; k++) {
    const char *name = k == 0 ? "sdot" : "ddot";
    size_t elem = k == 0 ? sizeof(float) : sizeof(double);
    for (int s = 0; s < n_sizes; s++) {
      size_t n = sizes[s];
      a.n = n;
      double r_sk = k == 0 ? k_sk_sdot(&a) : k_sk_ddot(&a);
      double r_ob = k == 0 ? k_ob_sdot(&a) : k_ob_ddot(&a);
      /* Both sum in their own order; a loose bound (about 100 eps per
       * element of sum |x y| ~ n/4) still catches a wrong kernel. */
      double tol = (k == 0 ? 1e-5 : 1e-13) * (double)n;
      if (fabs(r_sk - r_ob) > tol)
        fprintf(stderr, "warning: %s n=%zu: simdkern %.9g, OpenBLAS %.9g\n", name, n, r_sk, r_ob);
      double t_sk, t_ob;
      interleaved(k == 0 ? k_sk_sdot : k_sk_ddot, k == 0 ? k_ob_sdot : k_ob_ddot, &a, target, rounds,
                  &t_sk, &t_ob);
      int in_cache = n * 2 * elem <= ((size_t)2 << 20); /* fits L2 */
      double limit = in_cache ? two_loads : mem;
      double bytes = 2.0 * (double)(n * elem);
      char nb[32];
      printf("%-5s %5s  %10.2f  %10.2f  %6.2f  %7.1f%%  %7.1f%%  %s\n", name, fmt_n(n, nb),
             2.0 * (double)n / t_sk / 1e9, 2.0 * (double)n / t_ob / 1e9, t_ob / t_sk,
             100.0 * bytes / t_sk / 1e9 / limit, 100.0 * bytes / t_ob / 1e9 / limit,
             in_cache ? "2 loads/cycle" : "memory read BW");
    }
  }

  /* Fixed cost per call: at n = 16 the arithmetic is a few cycles, so
   * the time is argument checking, dispatch and reduction overhead. */
  printf("\nfixed cost per call at n = 16 (ns):");
  {
    const size_t tiny = 16;
    double t_sk, t_ob, t_skd, t_obd, t_u8, t_s;
    a.n = tiny;
    interleaved(k_sk_sdot, k_ob_sdot, &a, target, rounds, &t_sk, &t_ob);
    interleaved(k_sk_ddot, k_ob_ddot, &a, target, rounds, &t_skd, &t_obd);
    interleaved(k_sk_u8s8, k_sk_sdot, &a, target, rounds, &t_u8, &t_s);
    printf(" sk_sdot %.1f, cblas_sdot %.1f, sk_ddot %.1f, cblas_ddot %.1f, sk_dot_u8s8 %.1f\n",
           t_sk * 1e9, t_ob * 1e9, t_skd * 1e9, t_obd * 1e9, t_u8 * 1e9);
  }

  printf("\nsk_dot_u8s8 vs sk_sdot (elements per second; u8s8 loads 2 B/element, sdot 8 B)\n");
  printf("%5s  %12s  %12s  %8s  %10s\n", "n", "u8s8 Gel/s", "sdot Gel/s", "u8s8/sdot",
         "u8s8 % 2ld");
  for (int s = 0; s < n_cache; s++) {
    size_t n = cache_sizes[s];
    a.n = n;
    double t_u8, t_s;
    interleaved(k_sk_u8s8, k_sk_sdot, &a, target, rounds, &t_u8, &t_s);
    char nb[32];
    printf("%5s  %12.2f  %12.2f  %8.2fx  %9.1f%%\n", fmt_n(n, nb), (double)n / t_u8 / 1e9,
           (double)n / t_s / 1e9, t_s / t_u8, 100.0 * 2.0 * (double)n / t_u8 / 1e9 / two_loads);
  }
  free(xs), free(ys), free(xd), free(yd), free(xu), free(ys8);
  return 0;
}
