/*
 * gemm_vs_blas: simdkern's sk_sgemm / sk_dgemm (and the Strassen variants)
 * against OpenBLAS (cblas_?gemm), BLIS (bli_?gemm, typed API) and oneDNN
 * (dnnl_sgemm; oneDNN's C API has no f64 GEMM), at 1 and 2 threads; then
 * simdkern's int8 GEMM (sk_gemm_u8s8s32) against oneDNN's dnnl_gemm_u8s8s32
 * and simdkern's own sk_sgemm on the same shapes (see run_i8_problem; its
 * results must be exact, else the driver exits with status 1); then
 * simdkern's quantized linear layer (sk_qlinear_forward_f32) against the f32
 * product it stands for, sk_sgemm and dnnl_sgemm on y = x W^T, with its
 * relative error (see run_q_problem).
 *
 * Every library computes the same row-major C = A * B (alpha = 1, beta = 0)
 * from the same A and B buffers into its own C buffer, so results can be
 * compared: each library's first call is checked against OpenBLAS's
 * result with a k * eps tolerance (see check()), and simdkern's 2-thread
 * result must equal its 1-thread result bit for bit (DESIGN.md: results do
 * not depend on the thread count).
 *
 * Timing: per (problem, type, threads), each library's calls are grouped in
 * batches of at least `target` seconds; the libraries' batches are
 * INTERLEAVED (round r starts with library r mod L, so the order rotates)
 * over several rounds and the median batch is reported as GFLOP/s =
 * 2 m n k / time. Drift (clock, other processes) then hits every library
 * alike instead of whichever ran last. A 5 ms pause before each batch lets
 * the previous library's worker threads stop spinning (see gap()). The
 * "others" column is the CPU other processes used while a row was timed
 * (/proc/stat minus this process): on this shared 2-core machine a row
 * with others near 1 is not a fair 2-thread comparison.
 *
 * Symbols: OpenBLAS and BLIS both export cblas_* (and BLAS sgemm_ ...). So
 * OpenBLAS is linked normally and BLIS is dlopen()ed with RTLD_LOCAL (its
 * symbols never enter the global scope, so cblas_sgemm can only be
 * OpenBLAS's) and called through its native typed API (bli_sgemm /
 * bli_dgemm, prototypes from blis.h). The library each entry point really
 * lives in is printed (dladdr).
 *
 * Yardsticks: the clock from a dependent add chain (as benches/peers/run.sh
 * and `simdkern bench`), and the f32 FMA peak of one core measured with 16
 * (AVX-512) or 12 (AVX2) independent FMA chains in inline assembly; the
 * 2-thread peak is twice that (a run on 2 threads at once is printed as a
 * check), and the f64 peak is half the f32 one. With AVX-512 VNNI, the
 * VPDPBUSD zmm peak of one core likewise (16 independent chains).
 *
 * Usage: gemm_vs_blas [--quick] [--int8] [--only sk,OB,BLIS,DNNL,str] [--sizes 16,32]
 *   (built and run by benches/peers/run_gemm.sh)
 *   --quick: no n = 4096, shorter batches, fewer rounds.
 *   --only:  just these libraries (OpenBLAS always runs: it is the reference).
 *   --sizes: just these square sizes (the neural-network shapes are left out).
 * Environment: SK_BLIS_LIB (default libblis.so.4) names the BLIS library.
 */
#define _GNU_SOURCE
/* OpenBLAS's cblas.h first: blis.h carries its own CBLAS prototypes behind
 * the same CBLAS_H include guard, so they are skipped here and every
 * cblas_* name in this file is OpenBLAS's declaration. */
#include <cblas.h>
#include <blis.h>
#include <oneapi/dnnl/dnnl.h>

#include <dlfcn.h>
#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"
#include "simdkern.h"

static void die(const char *msg) {
  fprintf(stderr, "gemm_vs_blas: %s\n", msg);
  exit(1);
}

/* ---- machine limits ---------------------------------------------------- */

/* FMA throughput: 16 (zmm) or 12 (ymm) independent chains acc = acc * a + b
 * in inline assembly, so the compiler can neither spill the accumulators nor
 * shorten the loop; each chain covers the 4-cycle FMA latency with 2 ports.
 * a just below 1 and b small keep the values finite and normal. */
#define FMA_Z(r) "vfmadd213ps %%zmm17, %%zmm16, %%zmm" #r "\n\t"
#define FMA_Y(r) "vfmadd213ps %%ymm13, %%ymm12, %%ymm" #r "\n\t"

__attribute__((target("avx512f"))) static void fma_zmm16(long iters) {
  const float a = 0.999999f, b = 1e-6f, one = 1.0f;
  __asm__ volatile(
      "vbroadcastss %[a], %%zmm16\n\t"
      "vbroadcastss %[b], %%zmm17\n\t"
      "vbroadcastss %[one], %%zmm0\n\t"
      "vmovaps %%zmm0, %%zmm1\n\t vmovaps %%zmm0, %%zmm2\n\t vmovaps %%zmm0, %%zmm3\n\t"
      "vmovaps %%zmm0, %%zmm4\n\t vmovaps %%zmm0, %%zmm5\n\t vmovaps %%zmm0, %%zmm6\n\t"
      "vmovaps %%zmm0, %%zmm7\n\t vmovaps %%zmm0, %%zmm8\n\t vmovaps %%zmm0, %%zmm9\n\t"
      "vmovaps %%zmm0, %%zmm10\n\t vmovaps %%zmm0, %%zmm11\n\t vmovaps %%zmm0, %%zmm12\n\t"
      "vmovaps %%zmm0, %%zmm13\n\t vmovaps %%zmm0, %%zmm14\n\t vmovaps %%zmm0, %%zmm15\n\t"
      "1:\n\t"
      FMA_Z(0) FMA_Z(1) FMA_Z(2) FMA_Z(3) FMA_Z(4) FMA_Z(5) FMA_Z(6) FMA_Z(7)
      FMA_Z(8) FMA_Z(9) FMA_Z(10) FMA_Z(11) FMA_Z(12) FMA_Z(13) FMA_Z(14) FMA_Z(15)
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "vzeroupper"
      : [n] "+r"(iters)
      : [a] "m"(a), [b] "m"(b), [one] "m"(one)
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17");
}

__attribute__((target("avx2,fma"))) static void fma_ymm12(long iters) {
  const float a = 0.999999f, b = 1e-6f, one = 1.0f;
  __asm__ volatile(
      "vbroadcastss %[a], %%ymm12\n\t"
      "vbroadcastss %[b], %%ymm13\n\t"
      "vbroadcastss %[one], %%ymm0\n\t"
      "vmovaps %%ymm0, %%ymm1\n\t vmovaps %%ymm0, %%ymm2\n\t vmovaps %%ymm0, %%ymm3\n\t"
      "vmovaps %%ymm0, %%ymm4\n\t vmovaps %%ymm0, %%ymm5\n\t vmovaps %%ymm0, %%ymm6\n\t"
      "vmovaps %%ymm0, %%ymm7\n\t vmovaps %%ymm0, %%ymm8\n\t vmovaps %%ymm0, %%ymm9\n\t"
      "vmovaps %%ymm0, %%ymm10\n\t vmovaps %%ymm0, %%ymm11\n\t"
      "1:\n\t"
      FMA_Y(0) FMA_Y(1) FMA_Y(2) FMA_Y(3) FMA_Y(4) FMA_Y(5)
      FMA_Y(6) FMA_Y(7) FMA_Y(8) FMA_Y(9) FMA_Y(10) FMA_Y(11)
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "vzeroupper"
      : [n] "+r"(iters)
      : [a] "m"(a), [b] "m"(b), [one] "m"(one)
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13");
}

static void fma_run(long iters);

static int g_fma_kind; /* 2: AVX-512 zmm x16, 1: AVX2 ymm x12, 0: none */
static const long FMA_ITERS = 1000000;

static double fma_flop_per_iter(void) { return g_fma_kind == 2 ? 16 * 16 * 2 : 12 * 8 * 2; }

static void fma_run(long iters) {
  if (g_fma_kind == 2)
    fma_zmm16(iters);
  else
    fma_ymm12(iters);
}

/* Best GFLOP/s of one thread over `reps` runs. */
static double fma_best_gflops(int reps) {
  double best = 0;
  fma_run(FMA_ITERS);
  for (int r = 0; r < reps; r++) {
    double t = now();
    fma_run(FMA_ITERS);
    double g = (double)FMA_ITERS * fma_flop_per_iter() / (now() - t) / 1e9;
    if (g > best) best = g;
  }
  return best;
}

typedef struct {
  pthread_barrier_t *bar;
  double seconds;
} fma_job;

static void *fma_thread(void *arg) {
  fma_job *j = arg;
  fma_run(FMA_ITERS / 4);
  pthread_barrier_wait(j->bar);
  double t = now();
  fma_run(FMA_ITERS);
  j->seconds = now() - t;
  return NULL;
}

/* Aggregate GFLOP/s of `threads` threads running the FMA loop at once (best
 * of `reps`; each run counts the slowest thread's time). */
static double fma_peak_gflops(int threads, int reps) {
  if (g_fma_kind == 0) return NAN;
  if (threads == 1) return fma_best_gflops(reps);
  double best = 0;
  for (int r = 0; r < reps; r++) {
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)threads);
    pthread_t tid[8];
    fma_job jobs[8];
    for (int i = 0; i < threads; i++) {
      jobs[i].bar = &bar;
      pthread_create(&tid[i], NULL, fma_thread, &jobs[i]);
    }
    double slowest = 0;
    for (int i = 0; i < threads; i++) {
      pthread_join(tid[i], NULL);
      if (jobs[i].seconds > slowest) slowest = jobs[i].seconds;
    }
    pthread_barrier_destroy(&bar);
    double g = threads * (double)FMA_ITERS * fma_flop_per_iter() / slowest / 1e9;
    if (g > best) best = g;
  }
  return best;
}

/* VPDPBUSD throughput: 16 independent zmm accumulators, as fma_zmm16; each
 * instruction is 64 u8 x s8 multiply-adds = 128 ops (2 m n k counting). The
 * sums wrap harmlessly. Best GOP/s of one thread over `reps` runs. */
#define DPB_Z(r) "vpdpbusd %%zmm17, %%zmm16, %%zmm" #r "\n\t"

__attribute__((target("avx512f,avx512vnni"))) static void vnni_zmm16(long iters) {
  __asm__ volatile(
      "vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t vmovdqa64 %%zmm16, %%zmm17\n\t"
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t vmovdqa64 %%zmm0, %%zmm1\n\t vmovdqa64 %%zmm0, %%zmm2\n\t"
      "vmovdqa64 %%zmm0, %%zmm3\n\t vmovdqa64 %%zmm0, %%zmm4\n\t vmovdqa64 %%zmm0, %%zmm5\n\t"
      "vmovdqa64 %%zmm0, %%zmm6\n\t vmovdqa64 %%zmm0, %%zmm7\n\t vmovdqa64 %%zmm0, %%zmm8\n\t"
      "vmovdqa64 %%zmm0, %%zmm9\n\t vmovdqa64 %%zmm0, %%zmm10\n\t vmovdqa64 %%zmm0, %%zmm11\n\t"
      "vmovdqa64 %%zmm0, %%zmm12\n\t vmovdqa64 %%zmm0, %%zmm13\n\t vmovdqa64 %%zmm0, %%zmm14\n\t"
      "vmovdqa64 %%zmm0, %%zmm15\n\t"
      "1:\n\t"
      DPB_Z(0) DPB_Z(1) DPB_Z(2) DPB_Z(3) DPB_Z(4) DPB_Z(5) DPB_Z(6) DPB_Z(7)
      DPB_Z(8) DPB_Z(9) DPB_Z(10) DPB_Z(11) DPB_Z(12) DPB_Z(13) DPB_Z(14) DPB_Z(15)
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "vzeroupper"
      : [n] "+r"(iters)
      :
      : "cc", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
        "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17");
}

static double vnni_best_gops(int reps) {
  const long iters = 500000;
  double best = 0;
  vnni_zmm16(iters);
  for (int r = 0; r < reps; r++) {
    double t = now();
    vnni_zmm16(iters);
    double g = (double)iters * 16 * 128 / (now() - t) / 1e9;
    if (g > best) best = g;
  }
  return best;
}

/* ---- the libraries ------------------------------------------------------- */

enum { L_SK, L_OB, L_BLIS, L_DNNL, L_STR, NLIB };
static const char *const lib_name[NLIB] = {"simdkern", "OpenBLAS", "BLIS", "oneDNN", "sk-strassen"};
static const char *const lib_short[NLIB] = {"sk", "OB", "BLIS", "DNNL", "str"};

/* BLIS, loaded with RTLD_LOCAL: its entry points through pointers. */
static __typeof__(bli_sgemm) *p_bli_sgemm;
static __typeof__(bli_dgemm) *p_bli_dgemm;
static __typeof__(bli_thread_set_num_threads) *p_bli_thread_set_num_threads;
static __typeof__(bli_info_get_version_str) *p_bli_info_get_version_str;
static __typeof__(bli_arch_query_id) *p_bli_arch_query_id;
static __typeof__(bli_arch_string) *p_bli_arch_string;

static void *must_sym(void *h, const char *name) {
  void *p = dlsym(h, name);
  if (!p) {
    fprintf(stderr, "gemm_vs_blas: BLIS lacks %s: %s\n", name, dlerror());
    exit(1);
  }
  return p;
}

static void load_blis(void) {
  const char *path = getenv("SK_BLIS_LIB");
  if (!path || !*path) path = "libblis.so.4";
  /* RTLD_LOCAL: BLIS's cblas_* / sgemm_ stay out of the global scope. */
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "gemm_vs_blas: cannot load BLIS (%s): %s; install libblis-dev\n", path,
            dlerror());
    exit(1);
  }
  p_bli_sgemm = (__typeof__(p_bli_sgemm))must_sym(h, "bli_sgemm");
  p_bli_dgemm = (__typeof__(p_bli_dgemm))must_sym(h, "bli_dgemm");
  p_bli_thread_set_num_threads =
      (__typeof__(p_bli_thread_set_num_threads))must_sym(h, "bli_thread_set_num_threads");
  p_bli_info_get_version_str =
      (__typeof__(p_bli_info_get_version_str))must_sym(h, "bli_info_get_version_str");
  p_bli_arch_query_id = (__typeof__(p_bli_arch_query_id))must_sym(h, "bli_arch_query_id");
  p_bli_arch_string = (__typeof__(p_bli_arch_string))must_sym(h, "bli_arch_string");
  /* Initialise before anything else: BLIS 0.9.0 loaded this way aborts
   * ("Accessed uninitialized context in gks") when BLIS_ARCH_TYPE is set
   * and bli_arch_query_id() runs before its first computation. */
  ((void (*)(void))must_sym(h, "bli_init"))();
}

static const char *lib_of(const void *fn) {
  Dl_info info;
  if (!fn || !dladdr(fn, &info) || !info.dli_fname) return "?";
  return info.dli_fname;
}

static const char *dnnl_isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}

static void set_threads(int t) {
  openblas_set_num_threads(t);
  p_bli_thread_set_num_threads((dim_t)t);
  omp_set_num_threads(t); /* oneDNN's OpenMP runtime reads it per call */
  if (sk_set_num_threads((size_t)t) != SK_OK) die("sk_set_num_threads failed");
}

/* ---- one problem ------------------------------------------------------- */

typedef struct {
  size_t m, n, k;
  int dbl;            /* 0: f32, 1: f64 */
  void *a, *b;        /* row-major m x k and k x n */
  void *c[NLIB];      /* row-major m x n, one per library */
  void *sk_1thread[2];/* simdkern's and Strassen's 1-thread results */
  double *arow, *bcol;/* 2-norms of A's rows and B's columns */
} prob_t;

static void call(int lib, prob_t *p) {
  const size_t m = p->m, n = p->n, k = p->k;
  const ptrdiff_t lda = (ptrdiff_t)k, ldb = (ptrdiff_t)n, ldc = (ptrdiff_t)n;
  sk_status st = SK_OK;
  if (!p->dbl) {
    float *a = p->a, *b = p->b, *c = p->c[lib], one = 1.0f, zero = 0.0f;
    switch (lib) {
      case L_SK: st = sk_sgemm(m, n, k, 1.0f, a, lda, 1, b, ldb, 1, 0.0f, c, ldc, 1); break;
      case L_STR: st = sk_sgemm_strassen(m, n, k, 1.0f, a, lda, 1, b, ldb, 1, 0.0f, c, ldc, 1); break;
      case L_OB:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                    1.0f, a, (blasint)lda, b, (blasint)ldb, 0.0f, c, (blasint)ldc);
        break;
      case L_BLIS:
        p_bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &one, a,
                    (inc_t)lda, 1, b, (inc_t)ldb, 1, &zero, c, (inc_t)ldc, 1);
        break;
      case L_DNNL:
        if (dnnl_sgemm('N', 'N', (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, 1.0f, a, lda, b, ldb,
                       0.0f, c, ldc) != dnnl_success)
          die("dnnl_sgemm failed");
        break;
    }
  } else {
    double *a = p->a, *b = p->b, *c = p->c[lib], one = 1.0, zero = 0.0;
    switch (lib) {
      case L_SK: st = sk_dgemm(m, n, k, 1.0, a, lda, 1, b, ldb, 1, 0.0, c, ldc, 1); break;
      case L_STR: st = sk_dgemm_strassen(m, n, k, 1.0, a, lda, 1, b, ldb, 1, 0.0, c, ldc, 1); break;
      case L_OB:
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)m, (blasint)n, (blasint)k,
                    1.0, a, (blasint)lda, b, (blasint)ldb, 0.0, c, (blasint)ldc);
        break;
      case L_BLIS:
        p_bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, (dim_t)m, (dim_t)n, (dim_t)k, &one, a,
                    (inc_t)lda, 1, b, (inc_t)ldb, 1, &zero, c, (inc_t)ldc, 1);
        break;
      default: die("no f64 GEMM for this library");
    }
  }
  if (st != SK_OK) {
    char msg[256];
    sk_last_error_message(msg, sizeof msg);
    fprintf(stderr, "gemm_vs_blas: simdkern failed: %s: %s\n", sk_status_str(st), msg);
    exit(1);
  }
}

/* Largest |C - R|_ij / (|A row i|_2 |B col j|_2), which bounds the error
 * relative to (|A||B|)_ij from below (Cauchy-Schwarz); NaN/Inf give +inf. */
static double scaled_diff(const prob_t *p, const void *c, const void *r) {
  double worst = 0;
  for (size_t i = 0; i < p->m; i++)
    for (size_t j = 0; j < p->n; j++) {
      size_t at = i * p->n + j;
      double x = p->dbl ? ((const double *)c)[at] : ((const float *)c)[at];
      double y = p->dbl ? ((const double *)r)[at] : ((const float *)r)[at];
      double scale = p->arow[i] * p->bcol[j];
      double d = fabs(x - y);
      if (!(d == d) || isinf(d)) return INFINITY;
      if (scale > 0) d /= scale;
      if (d > worst) worst = d;
    }
  return worst;
}

/* ---- timing ------------------------------------------------------------ */

static double batch(int lib, prob_t *p, long iters) {
  double t = now();
  for (long i = 0; i < iters; i++) call(lib, p);
  return now() - t;
}

static double batch_any(int who, void *prob, long iters) {
  return batch(who, (prob_t *)prob, iters);
}

/* Idle gap before every timed batch. Each library's worker threads spin
 * for a while after a call before they sleep (OpenBLAS: 2^OPENBLAS_THREAD_
 * TIMEOUT cycles, OpenMP: GOMP_SPINCOUNT, rayon: briefly); run_gemm.sh
 * shortens those spins to about a millisecond, and this gap lets them end,
 * so no library's batch shares the two cores with another's spinning
 * workers. Within a batch the calls follow each other closely, so every
 * library still gets its warm, spinning pool. */
static void gap(void) {
  struct timespec ts = {0, 5 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

/* CPU time (cores x seconds) used by OTHER processes since the last call:
 * busy time from /proc/stat minus this process's own (getrusage). On a
 * shared machine this says which rows were measured under load. */
static double cpu_busy_seconds(void) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return NAN;
  unsigned long long v[8] = {0};
  int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  if (got < 8) return NAN;
  /* user nice system idle iowait irq softirq steal: all but idle, iowait */
  double busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]);
  return busy / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* ---- data ---------------------------------------------------------------- */

static uint64_t g_lcg = 0x9E3779B97F4A7C15ull;
static double uniform(void) { /* [-1, 1) */
  g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(g_lcg >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static void *xalloc(size_t bytes) {
  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!p) die("out of memory");
  return p;
}

/* ---- main ------------------------------------------------------------------ */

typedef struct {
  size_t m, n, k;
  int square;
} shape_t;

#define MAX_ROUNDS 9

/* Most callers one table times side by side. */
#define MAX_CALLERS 8
_Static_assert(NLIB <= MAX_CALLERS, "timed_rounds holds NLIB callers");

/* One batch of `iters` calls of caller `who` on problem `prob`; seconds. */
typedef double (*batch_fn)(int who, void *prob, long iters);

/*
 * Times the L callers in `order` for `rounds` rounds, the order rotating
 * each round and a gap() before every batch; median[who] receives the
 * median time per call. Returns the cores other processes kept busy
 * meanwhile (the 'others' column).
 */
static double timed_rounds(batch_fn fn, void *prob, const int *order, int L, const long *iters,
                           int rounds, double *median) {
  double times[MAX_CALLERS][MAX_ROUNDS];
  double busy0 = cpu_busy_seconds(), self0 = self_cpu_seconds(), wall0 = now();
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < L; i++) {
      int who = order[(i + r) % L];
      gap();
      times[who][r] = fn(who, prob, iters[who]) / (double)iters[who];
    }
  double others = ((cpu_busy_seconds() - busy0) - (self_cpu_seconds() - self0)) / (now() - wall0);
  for (int i = 0; i < L; i++) {
    int who = order[i];
    qsort(times[who], (size_t)rounds, sizeof(double), cmp_double);
    median[who] = times[who][rounds / 2];
  }
  return others < 0 ? 0 : others;
}

/* Last measured GFLOP/s per library, type and thread count: projects the
 * cost of the next (larger) problem, so a library far slower than the rest
 * (e.g. a scalar fallback) is skipped instead of stalling the run. */
static double g_last_gflops[NLIB][2][2];

static double g_peak[3]; /* f32 FMA peak GFLOP/s for 1 and 2 threads */
static int g_only[NLIB] = {1, 1, 1, 1, 1}; /* --only: libraries to run */

typedef struct {
  double target;   /* seconds per batch */
  int rounds;      /* rounds when one call is short */
  double max_call; /* skip a library whose projected call exceeds this */
} cfg_t;

static void run_problem(const cfg_t *cfg, const shape_t *s, int dbl, double *worst_err,
                        char worst_where[NLIB][64]) {
  const size_t m = s->m, n = s->n, k = s->k, es = dbl ? sizeof(double) : sizeof(float);
  const double flop = 2.0 * (double)m * (double)n * (double)k;
  const double eps = dbl ? DBL_EPSILON : FLT_EPSILON;
  prob_t p = {0};
  p.m = m, p.n = n, p.k = k, p.dbl = dbl;
  p.a = xalloc(m * k * es);
  p.b = xalloc(k * n * es);
  p.arow = calloc(m, sizeof(double));
  p.bcol = calloc(n, sizeof(double));
  for (size_t i = 0; i < m * k; i++) {
    double v = uniform();
    if (dbl) ((double *)p.a)[i] = v; else ((float *)p.a)[i] = (float)v;
    p.arow[i / k] += v * v;
  }
  for (size_t i = 0; i < k * n; i++) {
    double v = uniform();
    if (dbl) ((double *)p.b)[i] = v; else ((float *)p.b)[i] = (float)v;
    p.bcol[i % n] += v * v;
  }
  for (size_t i = 0; i < m; i++) p.arow[i] = sqrt(p.arow[i]);
  for (size_t j = 0; j < n; j++) p.bcol[j] = sqrt(p.bcol[j]);

  int has[NLIB] = {0};
  has[L_SK] = has[L_OB] = has[L_BLIS] = 1;
  has[L_DNNL] = !dbl;
  has[L_STR] = s->square && n >= 1024;
  for (int l = 0; l < NLIB; l++)
    if (has[l]) {
      p.c[l] = xalloc(m * n * es);
      memset(p.c[l], 0, m * n * es);
    }
  p.sk_1thread[0] = xalloc(m * n * es);
  p.sk_1thread[1] = xalloc(m * n * es);
  int sk_saved[2] = {0, 0};

  for (int t = 1; t <= 2; t++) {
    set_threads(t);
    /* OpenBLAS first: its result is the reference for the others. */
    int order[NLIB], L = 0;
    int run[NLIB] = {0};
    static const int pref[NLIB] = {L_OB, L_SK, L_BLIS, L_DNNL, L_STR};
    for (int i = 0; i < NLIB; i++) {
      int l = pref[i];
      if (!has[l] || (!g_only[l] && l != L_OB)) continue;
      /* The faster of its 1- and 2-thread rates: a library whose 2-thread
       * rate collapsed under load is not skipped for that reason. */
      double last = fmax(g_last_gflops[l][dbl][0], g_last_gflops[l][dbl][1]);
      if (l != L_OB && last > 0 && flop / (last * 1e9) > cfg->max_call) continue; /* too slow */
      run[l] = 1;
      order[L++] = l;
    }
    double single[NLIB] = {0};
    long iters[NLIB] = {0};
    for (int i = 0; i < L; i++) {
      int l = order[i];
      double tw = batch(l, &p, 1); /* warm-up: first touch of C, packing buffers, dispatch */
      if (l != L_OB) {
        double err = scaled_diff(&p, p.c[l], p.c[L_OB]);
        /* Classical products: each result is within gamma_k (|A||B|)_ij of
         * the exact one, so two differ by at most 2 k eps (|A||B|)_ij <=
         * 2 k eps |a_i| |b_j|. Strassen-Winograd's bound is normwise and
         * grows with the recursion depth: allow 16x more. */
        double tol = 2.0 * (double)(k ? k : 1) * eps * (l == L_STR ? 16.0 : 1.0);
        if (err > tol)
          fprintf(stderr,
                  "WARNING: %s %s m=%zu n=%zu k=%zu threads=%d: max |C - C_OpenBLAS| / "
                  "(|a_i| |b_j|) = %.3g > %.3g (%.0f eps)\n",
                  lib_name[l], dbl ? "f64" : "f32", m, n, k, t, err, tol, tol / eps);
        if (err / eps > worst_err[l]) {
          worst_err[l] = err / eps;
          snprintf(worst_where[l], 64, "%s %zux%zux%zu t%d", dbl ? "f64" : "f32", m, n, k, t);
        }
      }
      if (l == L_SK || l == L_STR) {
        int w = l == L_STR;
        if (t == 1) {
          memcpy(p.sk_1thread[w], p.c[l], m * n * es);
          sk_saved[w] = 1;
        } else if (sk_saved[w] && memcmp(p.sk_1thread[w], p.c[l], m * n * es) != 0) {
          fprintf(stderr,
                  "WARNING: %s %s m=%zu n=%zu k=%zu: the 2-thread result differs from the "
                  "1-thread one (max scaled diff %.3g eps)\n",
                  lib_name[l], dbl ? "f64" : "f32", m, n, k,
                  scaled_diff(&p, p.c[l], p.sk_1thread[w]) / eps);
        }
      }
      /* Calls per batch from one timed call (the warm-up's time when that
       * alone exceeds a batch: page faults are noise at that size). */
      double t1 = tw >= cfg->target ? tw : batch(l, &p, 1);
      single[l] = t1;
      iters[l] = t1 >= cfg->target ? 1 : (long)ceil(cfg->target / (t1 > 1e-9 ? t1 : 1e-9));
    }
    double longest = 0;
    for (int i = 0; i < L; i++)
      if (single[order[i]] > longest) longest = single[order[i]];
    int rounds = longest > 0.5 ? (cfg->rounds < 3 ? cfg->rounds : 3) : cfg->rounds;
    double med[NLIB];
    double others = timed_rounds(batch_any, &p, order, L, iters, rounds, med);
    double gf[NLIB];
    for (int l = 0; l < NLIB; l++) gf[l] = NAN;
    for (int i = 0; i < L; i++) {
      int l = order[i];
      gf[l] = flop / med[l] / 1e9;
      g_last_gflops[l][dbl][t - 1] = gf[l];
    }

    /* One row. */
    char label[40];
    if (s->square)
      snprintf(label, sizeof label, "n=%zu", n);
    else
      snprintf(label, sizeof label, "m=%zu k=%zu n=%zu", m, k, n);
    char cell[NLIB][16];
    for (int l = 0; l < NLIB; l++) {
      if (!has[l] && l == L_DNNL)
        snprintf(cell[l], 16, "n/a");
      else if (!has[l])
        cell[l][0] = '\0';
      else if (!run[l] && !g_only[l] && l != L_OB)
        snprintf(cell[l], 16, "off");
      else if (!run[l])
        snprintf(cell[l], 16, "skip");
      else
        snprintf(cell[l], 16, "%.1f", gf[l]);
    }
    char ratio[3][12];
    const int peer[3] = {L_OB, L_BLIS, L_DNNL};
    for (int i = 0; i < 3; i++) {
      if (run[L_SK] && run[peer[i]])
        snprintf(ratio[i], 12, gf[L_SK] / gf[peer[i]] < 100 ? "%.2f" : ">99",
                 gf[L_SK] / gf[peer[i]]);
      else
        snprintf(ratio[i], 12, "-");
    }
    double peak = (dbl ? 0.5 : 1.0) * g_peak[t];
    int best = -1;
    for (int l = 0; l < NLIB; l++)
      if (run[l] && l != L_STR && (best < 0 || gf[l] > gf[best])) best = l;
    int best_peer = -1;
    for (int i = 0; i < 3; i++)
      if (run[peer[i]] && (best_peer < 0 || gf[peer[i]] > gf[best_peer])) best_peer = peer[i];
    char skp[12] = "-", bpp[12] = "-", strr[12] = "";
    if (run[L_SK] && peak > 0) snprintf(skp, 12, "%.0f%%", 100.0 * gf[L_SK] / peak);
    if (best_peer >= 0 && peak > 0) snprintf(bpp, 12, "%.0f%%", 100.0 * gf[best_peer] / peak);
    if (run[L_STR] && run[L_SK]) snprintf(strr, 12, "%.2f", gf[L_STR] / gf[L_SK]);
    printf("%-22s %3d  %8s %8s %8s %8s  %6s %7s %7s  %5s %7s  %-7s %6.1f  %8s %6s\n", label, t,
           cell[L_SK], cell[L_OB], cell[L_BLIS], cell[L_DNNL], ratio[0], ratio[1], ratio[2], skp,
           bpp, best >= 0 ? lib_short[best] : "-", others, cell[L_STR], strr);
    fflush(stdout);
  }
  for (int l = 0; l < NLIB; l++) free(p.c[l]);
  free(p.sk_1thread[0]), free(p.sk_1thread[1]);
  free(p.a), free(p.b), free(p.arow), free(p.bcol);
}

/* ---- int8 GEMM ------------------------------------------------------------- */

/* simdkern's sk_gemm_u8s8s32 against oneDNN's dnnl_gemm_u8s8s32: uint8 A
 * (0..255), int8 B (-128..127), exact int32 C = A B, row-major. simdkern's
 * own sk_sgemm on the same shape (A and B converted to f32) is timed in the
 * same interleaved batches: "sk i8/sgemm" is the int8 path's GOP/s over
 * sk_sgemm's GFLOP/s, both counted as 2 m n k. Exactness: simdkern's C must
 * equal oneDNN's element for element at every thread count, and an int64
 * naive reference on the small problems (m = 1, 8; n = 256). */
enum { I_SK, I_DNNL, I_SGEMM, NI8 };

typedef struct {
  size_t m, n, k;
  uint8_t *a;          /* m x k */
  int8_t *b;           /* k x n */
  float *af, *bf, *cf; /* the same A and B in f32, and sk_sgemm's C */
  int32_t *c[2];       /* simdkern's and oneDNN's C, m x n */
} i8prob_t;

typedef struct {
  size_t vs_dnnl, n_dnnl; /* simdkern != oneDNN: mismatches, elements compared */
  size_t vs_ref, n_ref;   /* simdkern != int64 reference */
  size_t dnnl_vs_ref;     /* oneDNN != int64 reference (information) */
} i8check_t;

static uint64_t g_lcg8 = 0x2545F4914F6CDD1Dull; /* int8 data: its own fixed seed */
static uint8_t rand_byte(void) {
  g_lcg8 = g_lcg8 * 6364136223846793005ull + 1442695040888963407ull;
  return (uint8_t)(g_lcg8 >> 56);
}

static void sk_check(sk_status st, const char *what) {
  if (st == SK_OK) return;
  char msg[256];
  sk_last_error_message(msg, sizeof msg);
  fprintf(stderr, "gemm_vs_blas: %s failed: %s: %s\n", what, sk_status_str(st), msg);
  exit(1);
}

static void call_i8(int w, i8prob_t *p) {
  const size_t m = p->m, n = p->n, k = p->k;
  const ptrdiff_t lda = (ptrdiff_t)k, ldb = (ptrdiff_t)n, ldc = (ptrdiff_t)n;
  static const int32_t co = 0; /* offsetc 'F': one C offset for all */
  switch (w) {
    case I_SK:
      sk_check(sk_gemm_u8s8s32(m, n, k, p->a, lda, 1, p->b, ldb, 1, 0, p->c[I_SK], ldc, 1),
               "sk_gemm_u8s8s32");
      break;
    case I_DNNL:
      if (dnnl_gemm_u8s8s32('N', 'N', 'F', (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, 1.0f,
                            p->a, lda, 0, p->b, ldb, 0, 0.0f, p->c[I_DNNL], ldc,
                            &co) != dnnl_success)
        die("dnnl_gemm_u8s8s32 failed");
      break;
    case I_SGEMM:
      sk_check(sk_sgemm(m, n, k, 1.0f, p->af, lda, 1, p->bf, ldb, 1, 0.0f, p->cf, ldc, 1),
               "sk_sgemm");
      break;
  }
}

static double batch_i8(int w, i8prob_t *p, long iters) {
  double t = now();
  for (long i = 0; i < iters; i++) call_i8(w, p);
  return now() - t;
}

static double batch_i8_any(int who, void *prob, long iters) {
  return batch_i8(who, (i8prob_t *)prob, iters);
}

static size_t count_mismatch(const int32_t *x, const int32_t *y, size_t len) {
  size_t bad = 0;
  for (size_t i = 0; i < len; i++) bad += x[i] != y[i];
  return bad;
}

static size_t count_mismatch_ref(const int32_t *x, const int64_t *ref, size_t len) {
  size_t bad = 0;
  for (size_t i = 0; i < len; i++) bad += (int64_t)x[i] != ref[i];
  return bad;
}

static double g_last_i8[NI8][2]; /* last GOP/s per entry and thread count */

static void run_i8_problem(const cfg_t *cfg, const shape_t *s, i8check_t *chk) {
  const size_t m = s->m, n = s->n, k = s->k;
  const double ops = 2.0 * (double)m * (double)n * (double)k;
  i8prob_t p = {0};
  p.m = m, p.n = n, p.k = k;
  p.a = xalloc(m * k);
  p.b = xalloc(k * n);
  p.af = xalloc(m * k * sizeof(float));
  p.bf = xalloc(k * n * sizeof(float));
  p.cf = xalloc(m * n * sizeof(float));
  for (size_t i = 0; i < m * k; i++) p.af[i] = (float)(p.a[i] = rand_byte());
  for (size_t i = 0; i < k * n; i++) p.bf[i] = (float)(p.b[i] = (int8_t)rand_byte());
  for (int w = 0; w < 2; w++) {
    p.c[w] = xalloc(m * n * sizeof(int32_t));
    memset(p.c[w], 0, m * n * sizeof(int32_t));
  }
  memset(p.cf, 0, m * n * sizeof(float));

  /* int64 naive reference on the small problems. */
  int64_t *ref = NULL;
  if (m <= 8 || (s->square && n <= 256)) {
    ref = calloc(m * n, sizeof(int64_t));
    if (!ref) die("out of memory");
    for (size_t i = 0; i < m; i++)
      for (size_t l = 0; l < k; l++) {
        int64_t x = p.a[i * k + l];
        for (size_t j = 0; j < n; j++) ref[i * n + j] += x * p.b[l * n + j];
      }
  }

  int has[NI8];
  has[I_SK] = has[I_SGEMM] = g_only[L_SK];
  has[I_DNNL] = g_only[L_DNNL];
  for (int t = 1; t <= 2; t++) {
    set_threads(t);
    int order[NI8], L = 0, run[NI8] = {0};
    for (int w = 0; w < NI8; w++) {
      if (!has[w]) continue;
      double last = fmax(g_last_i8[w][0], g_last_i8[w][1]);
      if (w != I_SK && last > 0 && ops / (last * 1e9) > cfg->max_call) continue; /* too slow */
      run[w] = 1;
      order[L++] = w;
    }
    double single[NI8] = {0};
    long iters[NI8] = {0};
    for (int i = 0; i < L; i++) {
      int w = order[i];
      double tw = batch_i8(w, &p, 1); /* warm-up */
      double t1 = tw >= cfg->target ? tw : batch_i8(w, &p, 1);
      single[w] = t1;
      iters[w] = t1 >= cfg->target ? 1 : (long)ceil(cfg->target / (t1 > 1e-9 ? t1 : 1e-9));
    }
    /* Exactness, on the results of the calls above. */
    size_t bad_dnnl = 0, bad_ref = 0;
    if (run[I_SK] && run[I_DNNL]) {
      bad_dnnl = count_mismatch(p.c[I_SK], p.c[I_DNNL], m * n);
      chk->vs_dnnl += bad_dnnl, chk->n_dnnl += m * n;
    }
    if (ref && run[I_SK]) {
      bad_ref = count_mismatch_ref(p.c[I_SK], ref, m * n);
      chk->vs_ref += bad_ref, chk->n_ref += m * n;
    }
    if (ref && run[I_DNNL]) chk->dnnl_vs_ref += count_mismatch_ref(p.c[I_DNNL], ref, m * n);
    if (bad_dnnl || bad_ref)
      fprintf(stderr,
              "WARNING: int8 m=%zu n=%zu k=%zu threads=%d: simdkern differs from oneDNN in %zu "
              "and from the int64 reference in %zu of %zu elements\n",
              m, n, k, t, bad_dnnl, bad_ref, m * n);

    double longest = 0;
    for (int i = 0; i < L; i++)
      if (single[order[i]] > longest) longest = single[order[i]];
    int rounds = longest > 0.5 ? (cfg->rounds < 3 ? cfg->rounds : 3) : cfg->rounds;
    double med[NI8];
    double others = timed_rounds(batch_i8_any, &p, order, L, iters, rounds, med);
    double g[NI8];
    for (int w = 0; w < NI8; w++) g[w] = NAN;
    for (int i = 0; i < L; i++) {
      int w = order[i];
      g[w] = ops / med[w] / 1e9;
      g_last_i8[w][t - 1] = g[w];
    }

    char label[40];
    if (s->square)
      snprintf(label, sizeof label, "n=%zu", n);
    else
      snprintf(label, sizeof label, "m=%zu k=%zu n=%zu", m, k, n);
    char cell[NI8][16];
    for (int w = 0; w < NI8; w++) {
      if (!has[w])
        snprintf(cell[w], 16, "off");
      else if (!run[w])
        snprintf(cell[w], 16, "skip");
      else
        snprintf(cell[w], 16, "%.1f", g[w]);
    }
    char r_dnnl[12] = "-", r_sg[12] = "-";
    if (run[I_SK] && run[I_DNNL]) snprintf(r_dnnl, 12, "%.2f", g[I_SK] / g[I_DNNL]);
    if (run[I_SK] && run[I_SGEMM]) snprintf(r_sg, 12, "%.2f", g[I_SK] / g[I_SGEMM]);
    printf("%-22s %3d  %8s %8s  %7s  %11s  %8s %6.1f\n", label, t, cell[I_SK], cell[I_DNNL],
           r_dnnl, r_sg, cell[I_SGEMM], others);
    fflush(stdout);
  }
  free(ref);
  free(p.c[0]), free(p.c[1]);
  free(p.a), free(p.b), free(p.af), free(p.bf), free(p.cf);
}

/* ---- quantized linear layer ------------------------------------------------ */

/* simdkern's quantized linear layer (sk_qlinear: int8 weights quantized per
 * output row and packed once, x quantized per call to uint8 per tensor,
 * exact int32 product, f32 epilogue with the bias) against the f32 product
 * it replaces: y = x W^T with x batch x in and W out x in, row-major, both
 * from the same random f32 data. sk_sgemm and oneDNN's dnnl_sgemm compute
 * it with m = batch, n = out, k = in and B = W^T read in place (sk_sgemm:
 * b = w, rsb = 1, csb = in; dnnl_sgemm: transb 'T', ldb = in). The layer is
 * built once per shape (sk_qlinear_new, not timed); each timed forward call
 * quantizes x again. Rates are GFLOP/s-equivalent, 2 batch in out / time,
 * for all three, in the same interleaved batches as the tables above.
 * "rel err" is |y_ql - bias - y_sgemm|_F / |y_sgemm|_F: the quantization
 * error of the layer's product against sk_sgemm's f32 one. */
enum { Q_QL, Q_SG, Q_DNNL, NQ };

typedef struct {
  size_t batch, in, out;
  sk_qlinear *layer;
  float *w;       /* out x in */
  float *bias;    /* out */
  float *x;       /* batch x in */
  float *y[NQ];   /* batch x out, one per entry */
} qprob_t;

static void call_q(int w, qprob_t *p) {
  const size_t b = p->batch, in = p->in, out = p->out;
  switch (w) {
    case Q_QL:
      sk_check(sk_qlinear_forward_f32(p->layer, b, p->x, (ptrdiff_t)in, 1, p->y[Q_QL],
                                      (ptrdiff_t)out, 1),
               "sk_qlinear_forward_f32");
      break;
    case Q_SG:
      sk_check(sk_sgemm(b, out, in, 1.0f, p->x, (ptrdiff_t)in, 1, p->w, 1, (ptrdiff_t)in, 0.0f,
                        p->y[Q_SG], (ptrdiff_t)out, 1),
               "sk_sgemm");
      break;
    case Q_DNNL:
      if (dnnl_sgemm('N', 'T', (dnnl_dim_t)b, (dnnl_dim_t)out, (dnnl_dim_t)in, 1.0f, p->x,
                     (dnnl_dim_t)in, p->w, (dnnl_dim_t)in, 0.0f, p->y[Q_DNNL],
                     (dnnl_dim_t)out) != dnnl_success)
        die("dnnl_sgemm failed");
      break;
  }
}

static double batch_q(int w, qprob_t *p, long iters) {
  double t = now();
  for (long i = 0; i < iters; i++) call_q(w, p);
  return now() - t;
}

static double batch_q_any(int who, void *prob, long iters) {
  return batch_q(who, (qprob_t *)prob, iters);
}

/* |y - bias - r|_F / |r|_F over batch x out (y carries the bias, r not). */
static double rel_frobenius(const qprob_t *p, const float *y, const float *r) {
  double num = 0, den = 0;
  for (size_t i = 0; i < p->batch; i++)
    for (size_t j = 0; j < p->out; j++) {
      double d = (double)y[i * p->out + j] - (double)p->bias[j] - (double)r[i * p->out + j];
      num += d * d;
      den += (double)r[i * p->out + j] * r[i * p->out + j];
    }
  return den > 0 ? sqrt(num / den) : (num > 0 ? INFINITY : 0.0);
}

/* Largest relative error seen and where (printed after the table). */
typedef struct {
  double worst_err, worst_dnnl;
  char where[64];
  size_t thread_diffs; /* shapes whose 2-thread y differs from the 1-thread y */
} qcheck_t;

static void run_q_problem(const cfg_t *cfg, const shape_t *s, qcheck_t *chk) {
  const size_t batch = s->m, in = s->k, out = s->n;
  const double flop = 2.0 * (double)batch * (double)in * (double)out;
  qprob_t p = {0};
  p.batch = batch, p.in = in, p.out = out;
  p.w = xalloc(out * in * sizeof(float));
  p.bias = xalloc(out * sizeof(float));
  p.x = xalloc(batch * in * sizeof(float));
  for (size_t i = 0; i < out * in; i++) p.w[i] = (float)uniform();
  for (size_t i = 0; i < out; i++) p.bias[i] = (float)uniform();
  for (size_t i = 0; i < batch * in; i++) p.x[i] = (float)uniform();
  for (int w = 0; w < NQ; w++) {
    p.y[w] = xalloc(batch * out * sizeof(float));
    memset(p.y[w], 0, batch * out * sizeof(float));
  }
  float *y1 = xalloc(batch * out * sizeof(float)); /* the layer's 1-thread y */
  sk_check(sk_qlinear_new(out, in, p.w, (ptrdiff_t)in, 1, p.bias, &p.layer), "sk_qlinear_new");

  int has[NQ];
  has[Q_QL] = has[Q_SG] = g_only[L_SK];
  has[Q_DNNL] = g_only[L_DNNL];
  for (int t = 1; t <= 2; t++) {
    set_threads(t);
    int order[NQ], L = 0;
    for (int w = 0; w < NQ; w++)
      if (has[w]) order[L++] = w;
    long iters[NQ] = {0};
    double longest = 0;
    for (int i = 0; i < L; i++) {
      int w = order[i];
      double tw = batch_q(w, &p, 1); /* warm-up */
      double t1 = tw >= cfg->target ? tw : batch_q(w, &p, 1);
      iters[w] = t1 >= cfg->target ? 1 : (long)ceil(cfg->target / (t1 > 1e-9 ? t1 : 1e-9));
      if (t1 > longest) longest = t1;
    }
    /* Accuracy, on the results of the calls above. */
    double err = NAN, err_dnnl = NAN;
    if (has[Q_QL]) {
      err = rel_frobenius(&p, p.y[Q_QL], p.y[Q_SG]);
      if (isnan(err) || err > chk->worst_err) {
        chk->worst_err = err;
        snprintf(chk->where, sizeof chk->where, "batch=%zu %zu->%zu t%d", batch, in, out, t);
      }
      if (has[Q_DNNL]) {
        err_dnnl = rel_frobenius(&p, p.y[Q_QL], p.y[Q_DNNL]);
        if (isnan(err_dnnl) || err_dnnl > chk->worst_dnnl) chk->worst_dnnl = err_dnnl;
      }
      if (!(err < 0.02))
        fprintf(stderr,
                "WARNING: qlinear batch=%zu %zu->%zu threads=%d: relative Frobenius error "
                "%.3g against sk_sgemm\n",
                batch, in, out, t, err);
      if (t == 1)
        memcpy(y1, p.y[Q_QL], batch * out * sizeof(float));
      else if (memcmp(y1, p.y[Q_QL], batch * out * sizeof(float)) != 0) {
        chk->thread_diffs++;
        fprintf(stderr,
                "WARNING: qlinear batch=%zu %zu->%zu: the 2-thread y differs from the "
                "1-thread one\n",
                batch, in, out);
      }
    }

    int rounds = longest > 0.5 ? (cfg->rounds < 3 ? cfg->rounds : 3) : cfg->rounds;
    double med[NQ];
    double others = timed_rounds(batch_q_any, &p, order, L, iters, rounds, med);
    double g[NQ];
    for (int w = 0; w < NQ; w++) g[w] = NAN;
    for (int i = 0; i < L; i++) {
      int w = order[i];
      g[w] = flop / med[w] / 1e9;
    }

    char label[40];
    snprintf(label, sizeof label, "batch=%zu %zu->%zu", batch, in, out);
    char cell[NQ][16];
    for (int w = 0; w < NQ; w++) {
      if (!has[w])
        snprintf(cell[w], 16, "off");
      else
        snprintf(cell[w], 16, "%.1f", g[w]);
    }
    char r_sg[12] = "-", r_dnnl[12] = "-", e[16] = "-";
    if (has[Q_QL]) {
      snprintf(r_sg, 12, "%.2f", g[Q_QL] / g[Q_SG]);
      snprintf(e, 16, "%.2e", err);
    }
    if (has[Q_QL] && has[Q_DNNL]) snprintf(r_dnnl, 12, "%.2f", g[Q_QL] / g[Q_DNNL]);
    printf("%-22s %3d  %8s %8s %8s  %8s %7s  %9s %6.1f\n", label, t, cell[Q_QL], cell[Q_SG],
           cell[Q_DNNL], r_sg, r_dnnl, e, others);
    fflush(stdout);
  }
  sk_qlinear_free(p.layer);
  for (int w = 0; w < NQ; w++) free(p.y[w]);
  free(y1), free(p.w), free(p.bias), free(p.x);
}

int main(int argc, char **argv) {
  int quick = 0, int8_only = 0;
  size_t only_sizes[16];
  int n_only_sizes = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) {
      quick = 1;
    } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
      /* Comma-separated square sizes; the neural-network shapes are left out. */
      for (char *tok = strtok(argv[++i], ","); tok && n_only_sizes < 16; tok = strtok(NULL, ","))
        only_sizes[n_only_sizes++] = (size_t)strtoul(tok, NULL, 10);
    } else if (strcmp(argv[i], "--int8") == 0) {
      /* Only the int8 GEMM and quantized linear layer tables. */
      int8_only = 1;
    } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      /* Comma-separated short names (sk, OB, BLIS, DNNL, str); OpenBLAS
       * always runs, as the reference. */
      char *list = argv[++i];
      for (int l = 0; l < NLIB; l++) g_only[l] = 0;
      for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        int found = 0;
        for (int l = 0; l < NLIB; l++)
          if (strcasecmp(tok, lib_short[l]) == 0) g_only[l] = found = 1;
        if (!found) {
          fprintf(stderr, "gemm_vs_blas: unknown library '%s' (sk, OB, BLIS, DNNL, str)\n", tok);
          return 2;
        }
      }
    } else {
      fprintf(stderr, "usage: gemm_vs_blas [--quick] [--int8] [--only sk,OB,BLIS,DNNL,str] "
                      "[--sizes 16,32,...]\n");
      return 2;
    }
  }
  double start = now();

  cfg_t cfg = quick ? (cfg_t){0.03, 3, 1.0} : (cfg_t){0.2, 5, 4.0};

  __builtin_cpu_init();
  uint32_t isa = sk_active_isa();
  g_fma_kind = isa >= SK_ISA_AVX512 && __builtin_cpu_supports("avx512f") ? 2
               : isa >= SK_ISA_AVX2 && __builtin_cpu_supports("fma")   ? 1
                                                                        : 0;
  double hz = measure_clock_hz();
  /* Best of many ~3 ms runs: on a shared machine most runs are disturbed.
   * The 2-thread yardstick is twice the 1-thread peak; the run of two
   * threads at once is printed beside it as a check (it comes out low when
   * the vCPUs share a physical core, or when the machine is busy). */
  g_peak[1] = fma_peak_gflops(1, quick ? 60 : 150);
  double peak2_measured = fma_peak_gflops(2, quick ? 20 : 50);
  g_peak[2] = 2.0 * g_peak[1];

  /* BLIS 0.9 picks its skx (AVX-512) sub-config only on CPU models whose
   * FMA-unit count it knows, and falls back to haswell (AVX2) kernels on
   * newer Xeons such as Sapphire Rapids. As for OPENBLAS_CORETYPE in the
   * script: unless the caller chose, give it the best sub-config the
   * measured FMA throughput supports: more than one 512-bit FMA unit's 32
   * f32 FLOP/cycle means two units, BLIS's own criterion for skx. The
   * threshold sits well above 32 and well below 64, as the probe reads low
   * when the core is shared (a busy SMT sibling on the host). */
  const char *blis_arch_note = "detected by BLIS";
  const char *user_arch = getenv("BLIS_ARCH_TYPE");
  if (user_arch && *user_arch)
    blis_arch_note = "BLIS_ARCH_TYPE set by the caller";
  else if (g_fma_kind == 2 && g_peak[1] * 1e9 / hz >= 40.0) {
    setenv("BLIS_ARCH_TYPE", "skx", 1);
    blis_arch_note = "BLIS_ARCH_TYPE=skx: 2 AVX-512 FMA units measured";
  }
  load_blis();

  const dnnl_version_t *dv = dnnl_version();
  printf("GEMM: simdkern %u (active ISA %u) vs OpenBLAS, BLIS, oneDNN; row-major C = A B, "
         "alpha 1, beta 0\n",
         sk_version_number(), isa);
  printf("  simdkern  sk_sgemm     from %s\n", lib_of((const void *)sk_sgemm));
  printf("  OpenBLAS  cblas_sgemm  from %s\n            (%s; kernels for %s)\n",
         lib_of((const void *)cblas_sgemm), openblas_get_config(), openblas_get_corename());
  printf("            global cblas_sgemm resolves to %s\n",
         lib_of(dlsym(RTLD_DEFAULT, "cblas_sgemm")));
  printf("  BLIS      bli_sgemm    from %s\n            (%s, sub-config %s (%s); dlopen "
         "RTLD_LOCAL)\n",
         lib_of((const void *)p_bli_sgemm), p_bli_info_get_version_str(),
         p_bli_arch_string(p_bli_arch_query_id()), blis_arch_note);
  printf("  oneDNN    dnnl_sgemm   from %s\n            (%d.%d.%d, ISA %s; no f64 GEMM in "
         "its C API: n/a)\n",
         lib_of((const void *)dnnl_sgemm), dv->major, dv->minor, dv->patch,
         dnnl_isa_name(dnnl_get_effective_cpu_isa()));
  if (strstr(lib_of((const void *)cblas_sgemm), "openblas") == NULL ||
      strstr(lib_of(dlsym(RTLD_DEFAULT, "cblas_sgemm")), "openblas") == NULL)
    fprintf(stderr, "WARNING: cblas_sgemm does not come from OpenBLAS\n");
  if (strstr(lib_of((const void *)p_bli_sgemm), "blis") == NULL)
    fprintf(stderr, "WARNING: bli_sgemm does not come from BLIS\n");
  printf("clock (dependent add chain)   %8.3f GHz\n", hz / 1e9);
  if (g_fma_kind)
    printf("f32 FMA peak (%s)  %8.1f GFLOP/s on 1 thread (%.1f FLOP/cycle); 2 threads: "
           "%.1f (2x; measured at once: %.1f); f64 = half\n",
           g_fma_kind == 2 ? "AVX-512, 16 chains" : "AVX2, 12 chains", g_peak[1],
           g_peak[1] * 1e9 / hz, g_peak[2], peak2_measured);
  else
    printf("f32 FMA peak: n/a (no AVX2+FMA)\n");
  if (g_fma_kind) {
    double per_cycle = g_peak[1] * 1e9 / hz, full = g_fma_kind == 2 ? 64.0 : 32.0;
    if (per_cycle < 0.85 * full && per_cycle > 0.5 * full)
      printf("  note: %.1f FLOP/cycle is well below the %.0f of two FMA units: the core is "
             "probably shared right now\n  (busy SMT sibling on the host), so %%pk reads high; "
             "the peak is measured again at the end.\n",
             per_cycle, full);
  }
  if (__builtin_cpu_supports("avx512vnni")) {
    double gops = vnni_best_gops(quick ? 30 : 80);
    printf("VPDPBUSD zmm peak (16 chains) %8.1f GOP/s on 1 thread (%.1f op/cycle); 2 threads: "
           "%.1f (2x)\n",
           gops, gops * 1e9 / hz, 2.0 * gops);
  } else {
    printf("VPDPBUSD zmm peak: n/a (the CPU lacks avx512_vnni)\n");
  }
  printf("interleaved batches of >= %.0f ms (order rotates), median of %d rounds (3 when a call "
         "takes > 0.5 s);\nGFLOP/s = 2mnk / time. sk%%pk / best%%pk: simdkern / the fastest peer "
         "against the FMA peak of that many threads.\n",
         cfg.target * 1e3, cfg.rounds);
  printf("'skip': projected call > %.0f s from the previous size. 'fastest' excludes Strassen; "
         "str/sk = Strassen / classical simdkern.\n'others': cores used by other processes while "
         "the row was timed (above ~0.2 the row, 2-thread rows most, is unreliable).\n",
         cfg.max_call);
  const char *envs[] = {"OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT",
                        "GOMP_SPINCOUNT", "OMP_WAIT_POLICY", "BLIS_ARCH_TYPE", "SIMDKERN_MAX_ISA"};
  printf("environment:");
  for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++)
    if (getenv(envs[i])) printf(" %s=%s", envs[i], getenv(envs[i]));
  printf("\n");

  shape_t shapes[32];
  int ns = 0;
  const size_t squares[] = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  for (int i = 0; i < 9 && !n_only_sizes; i++) {
    if (quick && squares[i] > 2048) continue;
    shapes[ns++] = (shape_t){squares[i], squares[i], squares[i], 1};
  }
  for (int i = 0; i < n_only_sizes; i++)
    shapes[ns++] = (shape_t){only_sizes[i], only_sizes[i], only_sizes[i], 1};
  const size_t ms[] = {1, 8, 64};
  const size_t kn[2][2] = {{384, 1536}, {1536, 384}};
  for (int i = 0; i < 3 && !n_only_sizes; i++)
    for (int j = 0; j < 2; j++) shapes[ns++] = (shape_t){ms[i], kn[j][1], kn[j][0], 0};

  double worst_err[NLIB] = {0};
  char worst_where[NLIB][64] = {{0}};
  for (int dbl = 0; dbl <= 1 && !int8_only; dbl++) {
    printf("\n%s GEMM, GFLOP/s (noisy: shared 2-core machine)\n", dbl ? "f64 (dgemm)" : "f32 (sgemm)");
    printf("%-22s %3s  %8s %8s %8s %8s  %6s %7s %7s  %5s %7s  %-7s %6s  %8s %6s\n", "problem",
           "thr", "simdkern", "OpenBLAS", "BLIS", "oneDNN", "sk/OB", "sk/BLIS", "sk/DNNL", "sk%pk",
           "best%pk", "fastest", "others", "strassen", "str/sk");
    for (int i = 0; i < ns; i++) run_problem(&cfg, &shapes[i], dbl, worst_err, worst_where);
  }

  /* int8: square n = 256 .. 2048 and the m = 1, 8, 64 shapes above. */
  i8check_t chk = {0};
  if (g_only[L_SK] || g_only[L_DNNL]) {
    printf("\nint8 GEMM (u8 x s8 -> s32), GOP/s = 2mnk / time (noisy: shared 2-core machine)\n");
    printf("  simdkern  sk_gemm_u8s8s32    from %s\n  oneDNN    dnnl_gemm_u8s8s32  from %s\n",
           lib_of((const void *)sk_gemm_u8s8s32), lib_of((const void *)dnnl_gemm_u8s8s32));
    printf("sk i8/sgemm: simdkern's int8 GOP/s / its own sk_sgemm GFLOP/s (column 'sgemm'; same "
           "shape, threads, interleaved batches)\n");
    printf("%-22s %3s  %8s %8s  %7s  %11s  %8s %6s\n", "problem", "thr", "simdkern", "oneDNN",
           "sk/DNNL", "sk i8/sgemm", "sgemm", "others");
    for (int i = 0; i < ns; i++)
      if (!shapes[i].square || (shapes[i].n >= 256 && shapes[i].n <= 2048))
        run_i8_problem(&cfg, &shapes[i], &chk);
    printf("int8 exactness: simdkern vs oneDNN %zu mismatches in %zu elements; simdkern vs int64 "
           "reference %zu mismatches in %zu elements (oneDNN vs reference: %zu)\n",
           chk.vs_dnnl, chk.n_dnnl, chk.vs_ref, chk.n_ref, chk.dnnl_vs_ref);
  }

  /* Quantized linear layer: the m = 1, 8, 64 shapes above as batch, in = k,
   * out = n. */
  if (g_only[L_SK]) {
    qcheck_t qchk = {0};
    printf("\nquantized linear layer y = x W^T + bias (sk_qlinear, int8 weights per row, x "
           "uint8 per tensor) vs the f32 product;\nGFLOP/s-equivalent = 2 batch in out / time "
           "(noisy: shared 2-core machine)\n");
    printf("  simdkern  sk_qlinear_forward_f32  from %s\n",
           lib_of((const void *)sk_qlinear_forward_f32));
    printf("sgemm: sk_sgemm, oneDNN: dnnl_sgemm on y = x W^T (m = batch, n = out, k = in, B = "
           "W^T in place); ql/sgemm, ql/DNNL: speed ratios;\nrel err: |y_ql - bias - "
           "y_sgemm|_F / |y_sgemm|_F (uniform [-1, 1) data)\n");
    printf("%-22s %3s  %8s %8s %8s  %8s %7s  %9s %6s\n", "problem", "thr", "qlinear", "sgemm",
           "oneDNN", "ql/sgemm", "ql/DNNL", "rel err", "others");
    int nq = 0;
    for (int i = 0; i < ns; i++)
      if (!shapes[i].square) run_q_problem(&cfg, &shapes[i], &qchk), nq++;
    printf("qlinear accuracy: largest relative Frobenius error %.3g against sk_sgemm (%s)",
           qchk.worst_err, qchk.where[0] ? qchk.where : "not run");
    if (g_only[L_DNNL]) printf(", %.3g against dnnl_sgemm", qchk.worst_dnnl);
    printf("; 2-thread y != 1-thread y in %zu of %d shapes\n", qchk.thread_diffs, nq);
  }

  printf("\nlargest difference from OpenBLAS, max |C - C_OB| / (|a_i| |b_j|) in eps of the type "
         "(tolerance 2k eps, Strassen 32k eps):\n");
  for (int l = 0; l < NLIB; l++)
    if (l != L_OB)
      printf("  %-12s %8.2f eps  (%s)\n", lib_name[l], worst_err[l],
             worst_where[l][0] ? worst_where[l] : "not run");
  if (g_fma_kind)
    printf("\nf32 FMA peak measured again at the end: %.1f GFLOP/s on 1 thread (start: %.1f)\n",
           fma_peak_gflops(1, quick ? 60 : 150), g_peak[1]);
  printf("\ntotal %.1f s\n", now() - start);
  if (chk.vs_dnnl || chk.vs_ref) {
    fprintf(stderr, "gemm_vs_blas: int8 results are not exact (see 'int8 exactness')\n");
    return 1;
  }
  return 0;
}
