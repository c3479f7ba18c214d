/*
 * Machine probes shared by the peer-comparison drivers in this folder: a
 * monotonic clock and the core clock from a chain of dependent adds.
 */
#ifndef SIMDKERN_PEERS_PROBES_H
#define SIMDKERN_PEERS_PROBES_H

#include <stdint.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* iters x 64 dependent adds: 64 cycles per iteration (dec/jnz run beside). */
static uint64_t add_chain(uint64_t iters) {
  uint64_t acc = 0, one = 1;
  if (iters == 0) iters = 1;
  __asm__ volatile(
      "1:\n\t"
      ".rept 64\n\t"
      "add %[one], %[acc]\n\t"
      ".endr\n\t"
      "dec %[n]\n\t"
      "jnz 1b"
      : [acc] "+r"(acc), [n] "+r"(iters)
      : [one] "r"(one)
      : "cc");
  return acc;
}

static double measure_clock_hz(void) {
  const uint64_t iters = 1u << 17; /* 8M cycles, about 3 ms */
  volatile uint64_t sink = add_chain(8 * iters); /* let the clock ramp up */
  double best = 0;
  for (int r = 0; r < 40; r++) {
    double t = now();
    sink += add_chain(iters);
    double hz = (double)(iters * 64) / (now() - t);
    if (hz > best) best = hz;
  }
  (void)sink;
  return best;
}

#endif
