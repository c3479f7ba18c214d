/*
 * Every documented error status of the level-1 kernels. Each failing call
 * must return the status, leave a message (checked by CHECK_STATUS) and
 * leave its output untouched: outputs are pre-filled with a sentinel.
 */
#include "check.h"
#include "tests.h"

#include <pthread.h>
#include <stdint.h>

/* n * inc overflows the address space for 4-byte elements and up. */
#define HUGE_N (SIZE_MAX / 2)

/* A pointer one byte past an aligned one. Forming it is outside strict ISO C,
 * but it is exactly what a buggy caller passes, and the library must refuse it. */
#define MISALIGNED(T, p) ((T *)(void *)((char *)(p) + 1))

/* sk_snrm2, sk_dnrm2, sk_sasum, sk_dasum, sk_isamax, sk_idamax. */
#define CHECK_REDUCE_ERRORS(fn, T, OutT, sentinel)                                  \
    do {                                                                            \
        T buf[8] = {0};                                                             \
        OutT out = (sentinel);                                                      \
        CHECK_STATUS(fn(4, NULL, 1, &out), SK_ERR_NULL_POINTER);                    \
        CHECK_STATUS(fn(4, buf, 1, NULL), SK_ERR_NULL_POINTER);                     \
        CHECK_STATUS(fn(4, buf, 0, &out), SK_ERR_INVALID_ARGUMENT);                 \
        CHECK_STATUS(fn(HUGE_N, buf, 4, &out), SK_ERR_INVALID_ARGUMENT);            \
        CHECK_STATUS(fn(HUGE_N, buf, -4, &out), SK_ERR_INVALID_ARGUMENT);           \
        CHECK_STATUS(fn(4, MISALIGNED(T, buf), 1, &out), SK_ERR_INVALID_ARGUMENT);  \
        CHECK(out == (sentinel));                                                   \
    } while (0)

/* sk_sdot, sk_ddot. */
#define CHECK_DOT_ERRORS(fn, T)                                                            \
    do {                                                                                   \
        T x[8] = {0}, y[8] = {0}, out = -777;                                              \
        CHECK_STATUS(fn(4, NULL, 1, y, 1, &out), SK_ERR_NULL_POINTER);                     \
        CHECK_STATUS(fn(4, x, 1, NULL, 1, &out), SK_ERR_NULL_POINTER);                     \
        CHECK_STATUS(fn(4, x, 1, y, 1, NULL), SK_ERR_NULL_POINTER);                        \
        CHECK_STATUS(fn(4, x, 0, y, 1, &out), SK_ERR_INVALID_ARGUMENT);                    \
        CHECK_STATUS(fn(4, x, 1, y, 0, &out), SK_ERR_INVALID_ARGUMENT);                    \
        CHECK_STATUS(fn(HUGE_N, x, 4, y, 1, &out), SK_ERR_INVALID_ARGUMENT);               \
        CHECK_STATUS(fn(HUGE_N, x, 1, y, -4, &out), SK_ERR_INVALID_ARGUMENT);              \
        CHECK_STATUS(fn(4, MISALIGNED(T, x), 1, y, 1, &out), SK_ERR_INVALID_ARGUMENT);     \
        CHECK_STATUS(fn(4, x, 1, MISALIGNED(T, y), 1, &out), SK_ERR_INVALID_ARGUMENT);     \
        CHECK(out == -777);                                                                \
    } while (0)

/* sk_saxpy, sk_daxpy: y must stay as it was after every failure. */
#define CHECK_AXPY_ERRORS(fn, T)                                                           \
    do {                                                                                   \
        T x[8] = {1, 1, 1, 1, 1, 1, 1, 1}, y[8] = {2, 2, 2, 2, 2, 2, 2, 2};                \
        T both[8] = {1, 1, 1, 1, 1, 1, 1, 1};                                              \
        int i, unchanged = 1;                                                              \
        CHECK_STATUS(fn(4, 1, NULL, 1, y, 1), SK_ERR_NULL_POINTER);                        \
        CHECK_STATUS(fn(4, 1, x, 1, NULL, 1), SK_ERR_NULL_POINTER);                        \
        CHECK_STATUS(fn(4, 1, x, 0, y, 1), SK_ERR_INVALID_ARGUMENT);                       \
        CHECK_STATUS(fn(4, 1, x, 1, y, 0), SK_ERR_INVALID_ARGUMENT);                       \
        CHECK_STATUS(fn(HUGE_N, 1, x, 4, y, 1), SK_ERR_INVALID_ARGUMENT);                  \
        CHECK_STATUS(fn(HUGE_N, 1, x, 1, y, -4), SK_ERR_INVALID_ARGUMENT);                 \
        CHECK_STATUS(fn(4, 1, MISALIGNED(T, x), 1, y, 1), SK_ERR_INVALID_ARGUMENT);        \
        CHECK_STATUS(fn(4, 1, x, 1, MISALIGNED(T, y), 1), SK_ERR_INVALID_ARGUMENT);        \
        CHECK_STATUS(fn(4, 1, both, 1, both + 1, 1), SK_ERR_INVALID_ARGUMENT); /* overlap */ \
        CHECK_STATUS(fn(4, 1, both, 1, both, 1), SK_ERR_INVALID_ARGUMENT);     /* alias */   \
        for (i = 0; i < 8; i++)                                                            \
            unchanged &= y[i] == 2 && both[i] == 1;                                        \
        CHECK(unchanged);                                                                  \
    } while (0)

/* sk_sscal, sk_dscal. */
#define CHECK_SCAL_ERRORS(fn, T)                                                     \
    do {                                                                             \
        T x[8] = {3, 3, 3, 3, 3, 3, 3, 3};                                           \
        int i, unchanged = 1;                                                        \
        CHECK_STATUS(fn(4, 2, NULL, 1), SK_ERR_NULL_POINTER);                        \
        CHECK_STATUS(fn(4, 2, x, 0), SK_ERR_INVALID_ARGUMENT);                       \
        CHECK_STATUS(fn(HUGE_N, 2, x, 4), SK_ERR_INVALID_ARGUMENT);                  \
        CHECK_STATUS(fn(HUGE_N, 2, x, -4), SK_ERR_INVALID_ARGUMENT);                 \
        CHECK_STATUS(fn(4, 2, MISALIGNED(T, x), 1), SK_ERR_INVALID_ARGUMENT);        \
        for (i = 0; i < 8; i++)                                                      \
            unchanged &= x[i] == 3;                                                  \
        CHECK(unchanged);                                                            \
    } while (0)

static void test_dot_u8s8_errors(void)
{
    static uint8_t x[70000];
    static int8_t y[70000];
    int32_t out = -777;
    size_t i;

    CHECK_STATUS(sk_dot_u8s8(4, NULL, y, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dot_u8s8(4, x, NULL, &out), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dot_u8s8(4, x, y, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_dot_u8s8(SIZE_MAX, x, y, &out), SK_ERR_INVALID_ARGUMENT);

    /* 70000 * 255 * 127 = 2266950000 does not fit int32. */
    memset(x, 255, sizeof x);
    memset(y, 127, sizeof y);
    CHECK_STATUS(sk_dot_u8s8(70000, x, y, &out), SK_ERR_INVALID_ARGUMENT);
    CHECK(out == -777);

    /* The documented safe length at the extreme product still fits:
     * 65793 * 255 * -128 = -2147483520 >= INT32_MIN. */
    for (i = 0; i < SK_DOT_U8S8_SAFE_N; i++)
        y[i] = -128;
    CHECK_STATUS(sk_dot_u8s8(SK_DOT_U8S8_SAFE_N, x, y, &out), SK_OK);
    CHECK(out == (int32_t)(-65793LL * 32640));
}

void test_errors(void)
{
    int isa;
    /* Argument checks sit in front of the kernels, but run them on every
     * ISA anyway: a dispatch bug could skip them on one path. */
    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        sk_set_max_isa((uint32_t)isa);
        snprintf(sk_test_ctx, sizeof sk_test_ctx, "errors, max isa %d", isa);
        CHECK_DOT_ERRORS(sk_sdot, float);
        CHECK_DOT_ERRORS(sk_ddot, double);
        CHECK_AXPY_ERRORS(sk_saxpy, float);
        CHECK_AXPY_ERRORS(sk_daxpy, double);
        CHECK_SCAL_ERRORS(sk_sscal, float);
        CHECK_SCAL_ERRORS(sk_dscal, double);
        CHECK_REDUCE_ERRORS(sk_snrm2, float, float, -777.0f);
        CHECK_REDUCE_ERRORS(sk_dnrm2, double, double, -777.0);
        CHECK_REDUCE_ERRORS(sk_sasum, float, float, -777.0f);
        CHECK_REDUCE_ERRORS(sk_dasum, double, double, -777.0);
        CHECK_REDUCE_ERRORS(sk_isamax, float, size_t, (size_t)12345);
        CHECK_REDUCE_ERRORS(sk_idamax, double, size_t, (size_t)12345);
        test_dot_u8s8_errors();
    }
    sk_test_ctx[0] = '\0';
}

/* Runs in a second thread: its message starts empty, then it fails once. */
static void *fail_in_other_thread(void *arg)
{
    size_t *len_before = (size_t *)arg;
    *len_before = sk_last_error_message(NULL, 0);
    sk_set_max_isa(1000);
    return NULL;
}

void test_error_message_per_thread(void)
{
    char before[512], after[512];
    size_t other_len = 999;
    pthread_t t;

    CHECK_STATUS(sk_sdot(4, NULL, 1, NULL, 1, NULL), SK_ERR_NULL_POINTER);
    sk_last_error_message(before, sizeof before);
    CHECK(pthread_create(&t, NULL, fail_in_other_thread, &other_len) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    sk_last_error_message(after, sizeof after);
    CHECK(other_len == 0);
    CHECK(strcmp(before, after) == 0);
}
