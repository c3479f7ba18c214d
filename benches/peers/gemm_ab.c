/*
 * gemm_ab: two or more builds of simdkern, side by side in one process.
 *
 * Each library is dlopen()ed with RTLD_LOCAL (its own sk_* symbols, its own
 * thread pool) and times sk_sgemm or sk_dgemm on the same square row-major
 * problem, C = A B. Rounds rotate the order of the libraries; each round
 * times a batch of about 20 ms per library. Printed per library: the best
 * and the median GFLOP/s over the rounds, and the median over rounds of
 * its speed relative to the first library (timed within the same round,
 * so a burst of load on this shared machine hits both sides of a ratio).
 *
 *   gemm_ab N s|d ROUNDS THREADS LIB1 LIB2 [LIB3 ...]
 *
 * run_gemm_ab.sh builds the libraries from git revisions and runs this.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ab_common.h"

typedef int (*sgemm_fn)(size_t, size_t, size_t, float, const float *, ptrdiff_t, ptrdiff_t,
                        const float *, ptrdiff_t, ptrdiff_t, float, float *, ptrdiff_t, ptrdiff_t);
typedef int (*dgemm_fn)(size_t, size_t, size_t, double, const double *, ptrdiff_t, ptrdiff_t,
                        const double *, ptrdiff_t, ptrdiff_t, double, double *, ptrdiff_t,
                        ptrdiff_t);
typedef int (*threads_fn)(size_t);

enum { MAX_LIBS = 8, MAX_ROUNDS = 500 };

static void die(const char *what, const char *detail) {
  fprintf(stderr, "gemm_ab: %s%s\n", what, detail ? detail : "");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 7) die("usage: gemm_ab N s|d ROUNDS THREADS LIB1 LIB2 [LIB3 ...]", NULL);
  const size_t n = (size_t)atol(argv[1]);
  const int f64 = argv[2][0] == 'd';
  const int rounds = atoi(argv[3]);
  const size_t threads = (size_t)atol(argv[4]);
  const int libs = argc - 5;
  if (n == 0 || rounds < 1 || rounds > MAX_ROUNDS || libs > MAX_LIBS)
    die("bad arguments (N > 0, 1 <= ROUNDS <= 500, at most 8 libraries)", NULL);

  sgemm_fn sgemm[MAX_LIBS];
  dgemm_fn dgemm[MAX_LIBS];
  for (int l = 0; l < libs; l++) {
    void *h = dlopen(argv[5 + l], RTLD_NOW | RTLD_LOCAL);
    if (!h) die("dlopen failed: ", dlerror());
    sgemm[l] = (sgemm_fn)dlsym(h, "sk_sgemm");
    dgemm[l] = (dgemm_fn)dlsym(h, "sk_dgemm");
    threads_fn set_threads = (threads_fn)dlsym(h, "sk_set_num_threads");
    if (!sgemm[l] || !dgemm[l] || !set_threads) die("missing sk_* symbols in ", argv[5 + l]);
    if (set_threads(threads) != 0) die("sk_set_num_threads failed in ", argv[5 + l]);
  }

  const size_t nn = n * n;
  float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
  double *ad = malloc(nn * sizeof *ad), *bd = malloc(nn * sizeof *bd), *cd = malloc(nn * sizeof *cd);
  if (!a || !b || !c || !ad || !bd || !cd) die("out of memory", NULL);
  srand(1);
  for (size_t i = 0; i < nn; i++) {
    ad[i] = (double)rand() / RAND_MAX - 0.5;
    bd[i] = (double)rand() / RAND_MAX - 0.5;
    a[i] = (float)ad[i];
    b[i] = (float)bd[i];
  }
  const double flops = 2.0 * (double)n * (double)n * (double)n;
  /* About 20 ms per batch at 150 GFLOP/s (f32) or 75 (f64). */
  const int reps = (int)(0.02 * (f64 ? 75e9 : 150e9) / flops) + 1;

  static double seconds[MAX_LIBS][MAX_ROUNDS];
  for (int r = 0; r < rounds; r++) {
    for (int q = 0; q < libs; q++) {
      const int l = (q + r) % libs;
      const double start = now();
      for (int i = 0; i < reps; i++) {
        int st = f64 ? dgemm[l](n, n, n, 1.0, ad, (ptrdiff_t)n, 1, bd, (ptrdiff_t)n, 1, 0.0, cd,
                                (ptrdiff_t)n, 1)
                     : sgemm[l](n, n, n, 1.0f, a, (ptrdiff_t)n, 1, b, (ptrdiff_t)n, 1, 0.0f, c,
                                (ptrdiff_t)n, 1);
        if (st != 0) die("GEMM call failed in ", argv[5 + l]);
      }
      seconds[l][r] = (now() - start) / reps;
    }
  }

  for (int l = 0; l < libs; l++) {
    double t[MAX_ROUNDS], speed[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
      t[r] = seconds[l][r];
      speed[r] = seconds[0][r] / seconds[l][r];
    }
    double best = t[0];
    for (int r = 1; r < rounds; r++) best = t[r] < best ? t[r] : best;
    const double med_speed = median(speed, rounds);
    printf("%s n=%zu thr=%zu  best %6.1f  median %6.1f GFLOP/s  speed vs first (median) %.3f  %s\n",
           f64 ? "f64" : "f32", n, threads, flops / best / 1e9, flops / median(t, rounds) / 1e9,
           med_speed, argv[5 + l]);
  }
  free(a), free(b), free(c), free(ad), free(bd), free(cd);
  return 0;
}
