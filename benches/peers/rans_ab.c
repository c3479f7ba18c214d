/*
 * rans_ab: two or more builds of simdkern decoding the same rANS container
 * side by side in one process (the rANS twin of gemm_ab.c).
 *
 * Each library is dlopen()ed with RTLD_LOCAL. The container is a 4096 x
 * 4096 int8 matrix of rounded N(0, 30^2) values clamped to +-127 (about 7
 * bits per weight), encoded once by the first library with the default
 * parameters. A timed decode is what a user runs on a container from
 * elsewhere, as in run_rans.sh: sk_rans_open (which checks every CRC32C)
 * + sk_rans_decode_s8 + sk_rans_close, into one preallocated matrix.
 * Before the timing, each library decodes once into a zeroed matrix that
 * is compared with the input; then rounds rotate the order of the
 * libraries. Printed per library: the best and median
 * MB/s (millions of weights per second) and the median over rounds of its
 * speed relative to the first library, timed within the same round.
 *
 *   rans_ab ROUNDS THREADS ISA LIB1 LIB2 [LIB3 ...]
 *
 * ISA is an SK_ISA_* value passed to sk_set_max_isa (a cap; 255 for none).
 * run_gemm_ab.sh --rans builds the libraries from git revisions and runs
 * this.
 */
#include <dlfcn.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ab_common.h"

typedef int (*bound_fn)(size_t, size_t, const void *, size_t *);
typedef int (*encode_fn)(size_t, size_t, const int8_t *, ptrdiff_t, const void *, uint8_t *,
                         size_t, size_t *);
typedef int (*open_fn)(const uint8_t *, size_t, void **);
typedef int (*decode_fn)(const void *, int8_t *, ptrdiff_t);
typedef void (*close_fn)(void *);
typedef int (*threads_fn)(size_t);
typedef int (*isa_fn)(uint32_t);

enum { MAX_LIBS = 8, MAX_ROUNDS = 500, SIDE = 4096 };

struct lib {
  const char *path;
  open_fn open;
  decode_fn decode;
  close_fn close;
  double secs[MAX_ROUNDS];
};

static void *need(void *h, const char *name) {
  void *f = dlsym(h, name);
  if (!f) {
    fprintf(stderr, "rans_ab: %s missing\n", name);
    exit(1);
  }
  return f;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: rans_ab ROUNDS THREADS ISA LIB1 LIB2 [LIB3 ...]\n");
    return 2;
  }
  int rounds = atoi(argv[1]), threads = atoi(argv[2]), nlib = argc - 4;
  uint32_t isa = (uint32_t)atoi(argv[3]);
  if (rounds < 1 || rounds > MAX_ROUNDS || nlib > MAX_LIBS) {
    fprintf(stderr, "rans_ab: 1..%d rounds, at most %d libraries\n", MAX_ROUNDS, MAX_LIBS);
    return 2;
  }
  static struct lib libs[MAX_LIBS];
  bound_fn bound = NULL;
  encode_fn encode = NULL;
  for (int i = 0; i < nlib; i++) {
    void *h = dlopen(argv[4 + i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      fprintf(stderr, "rans_ab: %s\n", dlerror());
      return 1;
    }
    libs[i].path = argv[4 + i];
    libs[i].open = (open_fn)need(h, "sk_rans_open");
    libs[i].decode = (decode_fn)need(h, "sk_rans_decode_s8");
    libs[i].close = (close_fn)need(h, "sk_rans_close");
    ((threads_fn)need(h, "sk_set_num_threads"))((size_t)threads);
    if (isa != 255 && ((isa_fn)need(h, "sk_set_max_isa"))(isa) != 0) {
      fprintf(stderr, "rans_ab: sk_set_max_isa(%u) refused\n", isa);
      return 1;
    }
    if (i == 0) {
      bound = (bound_fn)need(h, "sk_rans_encode_bound");
      encode = (encode_fn)need(h, "sk_rans_encode_s8");
    }
  }
  size_t n = (size_t)SIDE * SIDE, cap = 0, len = 0;
  int8_t *w = malloc(n), *out = malloc(n);
  if (!w || !out || bound(SIDE, SIDE, NULL, &cap) != 0) {
    fprintf(stderr, "rans_ab: setup failed\n");
    return 1;
  }
  srand(1);
  for (size_t i = 0; i < n; i++) {
    double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (double)RAND_MAX;
    double z = 30.0 * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    w[i] = (int8_t)lrint(z > 127 ? 127 : z < -127 ? -127 : z);
  }
  uint8_t *blob = malloc(cap);
  if (!blob || encode(SIDE, SIDE, w, SIDE, NULL, blob, cap, &len) != 0) {
    fprintf(stderr, "rans_ab: encode failed\n");
    return 1;
  }
  /* Untimed check: each library decodes once into a zeroed matrix, so a
   * row it fails to write cannot pass on another library's output. */
  for (int i = 0; i < nlib; i++) {
    void *reader = NULL;
    memset(out, 0, n);
    if (libs[i].open(blob, len, &reader) != 0 || libs[i].decode(reader, out, SIDE) != 0) {
      fprintf(stderr, "rans_ab: %s failed to decode\n", libs[i].path);
      return 1;
    }
    libs[i].close(reader);
    if (memcmp(out, w, n) != 0) {
      fprintf(stderr, "rans_ab: %s decoded a different matrix\n", libs[i].path);
      return 1;
    }
  }
  for (int r = 0; r < rounds; r++) {
    for (int j = 0; j < nlib; j++) {
      struct lib *l = &libs[(r + j) % nlib];
      void *reader = NULL;
      double t0 = now();
      if (l->open(blob, len, &reader) != 0 || l->decode(reader, out, SIDE) != 0) {
        fprintf(stderr, "rans_ab: %s failed to decode\n", l->path);
        return 1;
      }
      l->close(reader);
      l->secs[r] = now() - t0;
    }
  }
  printf("container %zu bytes, %.3f bits per weight\n", len, 8.0 * (double)len / (double)n);
  for (int i = 0; i < nlib; i++) {
    double ratio[MAX_ROUNDS], sorted[MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
      ratio[r] = libs[0].secs[r] / libs[i].secs[r];
      sorted[r] = libs[i].secs[r];
    }
    double med = median(sorted, rounds), best = sorted[0];
    printf("decode thr=%d  best %7.0f  median %7.0f MB/s  speed vs first (median) %.3f  %s\n",
           threads, (double)n / best / 1e6, (double)n / med / 1e6, median(ratio, rounds),
           libs[i].path);
  }
  free(blob);
  free(w);
  free(out);
  return 0;
}
