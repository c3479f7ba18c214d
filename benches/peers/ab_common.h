/*
 * Helpers shared by the side-by-side drivers gemm_ab.c and rans_ab.c:
 * a monotonic clock and the median of a sample.
 */
#ifndef SIMDKERN_AB_COMMON_H
#define SIMDKERN_AB_COMMON_H

#include <stdlib.h>
#include <time.h>

static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int by_value(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* Sorts v (n values) and returns its middle value. */
static inline double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_value);
  return v[n / 2];
}

#endif
