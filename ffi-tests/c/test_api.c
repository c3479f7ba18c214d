/*
 * C test of the whole simdkern C ABI: version, status text, error messages,
 * runtime controls, allocation and every documented error status. The
 * kernels' results are checked against plain loops in kernels.c, once per ISA.
 */
#define SK_TEST_DEFINE_COUNTERS
#include "check.h"
#include "tests.h"

#include <stdint.h>
#include <stdlib.h>

static void test_version(void)
{
    CHECK(sk_version_number() == SK_VERSION_NUMBER);
    CHECK(SK_VERSION_NUMBER == SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH);
#ifdef SK_TEST_CARGO_VERSION_NUMBER /* Cargo.toml's version, passed in by CMake */
    CHECK(SK_VERSION_NUMBER == SK_TEST_CARGO_VERSION_NUMBER);
#endif
}

static void test_status_str(void)
{
    sk_status s;
    for (s = SK_OK; s <= SK_ERR_INTERNAL; s++) {
        const char *text = sk_status_str(s);
        CHECK(text != NULL && text[0] != '\0' && strcmp(text, "unknown status") != 0);
    }
    CHECK(strcmp(sk_status_str(SK_ERR_INTERNAL + 1), "unknown status") == 0);
    CHECK(strcmp(sk_status_str(-1), "unknown status") == 0);
}

/* The highest SK_ISA_* rung the CPU supports, from the documented feature bits. */
static uint32_t best_isa(uint64_t f)
{
    const uint64_t avx2 = SK_CPU_AVX2 | SK_CPU_FMA | SK_CPU_POPCNT;
    const uint64_t avx512 = SK_CPU_AVX512F | SK_CPU_AVX512BW | SK_CPU_AVX512DQ | SK_CPU_AVX512VL;
    if ((f & avx2) != avx2)
        return SK_ISA_SCALAR;
    if ((f & avx512) != avx512)
        return SK_ISA_AVX2;
    return (f & SK_CPU_AVX512VNNI) ? SK_ISA_AVX512_VNNI : SK_ISA_AVX512;
}

static void test_runtime(void)
{
    uint64_t features = sk_cpu_features();
    uint32_t isa, before;
    size_t threads;

    CHECK((features & ~(uint64_t)0x1FF) == 0); /* only the 9 documented bits */
    printf("cpu features 0x%llx, best ISA %u\n", (unsigned long long)features,
           (unsigned)best_isa(features));
    for (isa = SK_ISA_SCALAR; isa <= SK_ISA_AVX512_VNNI; isa++) {
        uint32_t want = isa < best_isa(features) ? isa : best_isa(features);
        CHECK_STATUS(sk_set_max_isa(isa), SK_OK);
        CHECK(sk_active_isa() == want);
    }
    before = sk_active_isa();
    CHECK_STATUS(sk_set_max_isa(99), SK_ERR_INVALID_ARGUMENT);
    CHECK(sk_active_isa() == before);

    CHECK_STATUS(sk_set_num_threads(2), SK_OK);
    CHECK(sk_get_num_threads() == 2);
    CHECK_STATUS(sk_set_num_threads(100000), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_set_num_threads(1025), SK_ERR_INVALID_ARGUMENT);
    CHECK(sk_get_num_threads() == 2);
    CHECK_STATUS(sk_set_num_threads(0), SK_OK); /* one per core */
    threads = sk_get_num_threads();
    CHECK(threads >= 1 && threads <= 1024);
}

static void test_alloc(void)
{
    void *sentinel = (void *)&sentinel, *p = sentinel;

    CHECK_STATUS(sk_alloc(1000, 64, &p), SK_OK);
    CHECK(p != NULL && p != sentinel && (uintptr_t)p % 64 == 0);
    if (p != NULL && p != sentinel)
        memset(p, 0xAB, 1000); /* the whole block is usable */
    sk_free(p);

    p = sentinel;
    CHECK_STATUS(sk_alloc(24, 1, &p), SK_OK); /* align below sizeof(void *) is raised */
    CHECK(p != NULL && p != sentinel && (uintptr_t)p % sizeof(void *) == 0);
    sk_free(p);

    p = sentinel;
    CHECK_STATUS(sk_alloc(0, 64, &p), SK_OK);
    CHECK(p == NULL); /* size 0 stores NULL */
    sk_free(NULL);    /* does nothing */

    p = sentinel;
    CHECK_STATUS(sk_alloc(64, 3, &p), SK_ERR_INVALID_ARGUMENT);
    CHECK(p == sentinel);
    CHECK_STATUS(sk_alloc((size_t)PTRDIFF_MAX + 1, 64, &p), SK_ERR_INVALID_ARGUMENT);
    CHECK(p == sentinel);
    CHECK_STATUS(sk_alloc(64, 64, NULL), SK_ERR_NULL_POINTER);
}

int main(void)
{
    /* Before any failure on this thread, the message is empty. */
    char buf[4] = "xyz";
    CHECK(sk_last_error_message(NULL, 0) == 0);
    CHECK(sk_last_error_message(buf, sizeof buf) == 0 && buf[0] == '\0');

    test_version();
    test_status_str();
    test_runtime();
    test_alloc();
    test_errors();
    test_error_message_per_thread();
    test_kernels();
    return SK_TEST_SUMMARY("test_api_c");
}
