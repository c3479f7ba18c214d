// C++ use of simdkern.h: the header must compile as C++ (extern "C", no C-only
// constructs) and every function must link and run. The thorough checks are
// in the C test; here each function is called at least once with a known
// answer.
#include "simdkern.h"

#include "check.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

int sk_test_passed, sk_test_failed;
char sk_test_ctx[160];

// The declarations keep the exact C types users depend on.
static_assert(std::is_same<sk_status, int32_t>::value, "sk_status is int32_t");
static_assert(std::is_same<decltype(&sk_sdot), sk_status (*)(size_t, const float *, ptrdiff_t,
                                                             const float *, ptrdiff_t, float *)>::value,
              "sk_sdot signature");
static_assert(SK_VERSION_NUMBER == SK_VERSION_MAJOR * 10000 + SK_VERSION_MINOR * 100 + SK_VERSION_PATCH,
              "version macros agree");

namespace {

// sk_alloc'd memory owned the C++ way.
using sk_buffer = std::unique_ptr<void, decltype(&sk_free)>;

sk_buffer allocate(size_t bytes)
{
    void *p = nullptr;
    CHECK_STATUS(sk_alloc(bytes, 64, &p), SK_OK);
    return sk_buffer(p, &sk_free);
}

void test_runtime()
{
    CHECK(sk_version_number() == SK_VERSION_NUMBER);
    CHECK(std::string(sk_status_str(SK_ERR_NULL_POINTER)).size() > 0);
    CHECK((sk_cpu_features() & ~uint64_t{0x1FF}) == 0);
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX2), SK_OK);
    CHECK(sk_active_isa() <= SK_ISA_AVX2);
    CHECK_STATUS(sk_set_max_isa(SK_ISA_AVX512_VNNI), SK_OK);
    CHECK_STATUS(sk_set_num_threads(3), SK_OK);
    CHECK(sk_get_num_threads() == 3);
    CHECK_STATUS(sk_set_num_threads(0), SK_OK);

    sk_buffer block = allocate(256);
    CHECK(block && reinterpret_cast<std::uintptr_t>(block.get()) % 64 == 0);

    // A failure leaves a message; the C++ caller can size a std::string from it.
    void *never = nullptr;
    CHECK_STATUS(sk_alloc(64, 3, &never), SK_ERR_INVALID_ARGUMENT);
    std::string msg(sk_last_error_message(nullptr, 0), '\0');
    CHECK(sk_last_error_message(&msg[0], msg.size() + 1) == msg.size() && !msg.empty());
    CHECK(never == nullptr);
}

void test_kernels()
{
    const size_t n = 100;
    std::vector<float> xf(n), yf(n);
    std::vector<double> xd(n), yd(n);
    std::vector<uint8_t> xu(n, 2);
    std::vector<int8_t> ys(n, -3);
    for (size_t i = 0; i < n; i++) {
        xf[i] = static_cast<float>(i % 7) - 3.0f; // small integers: sums are exact
        yf[i] = 2.0f;
        xd[i] = xf[i];
        yd[i] = 2.0;
    }
    xf[42] = xd[42] = -9; // the unique largest magnitude

    float f = 0, fdot_want = 0, fasum_want = 0, fsq = 0;
    for (size_t i = 0; i < n; i++) {
        fdot_want += xf[i] * 2.0f;
        fasum_want += std::fabs(xf[i]);
        fsq += xf[i] * xf[i];
    }
    double d = 0;
    int32_t dot8 = 0;
    size_t idx = 0;

    CHECK(sk_sdot(n, xf.data(), 1, yf.data(), 1, &f) == SK_OK && f == fdot_want);
    CHECK(sk_ddot(n, xd.data(), 1, yd.data(), 1, &d) == SK_OK && d == fdot_want);
    CHECK(sk_dot_u8s8(n, xu.data(), ys.data(), &dot8) == SK_OK && dot8 == -600);
    CHECK(sk_sasum(n, xf.data(), 1, &f) == SK_OK && f == fasum_want);
    CHECK(sk_dasum(n, xd.data(), 1, &d) == SK_OK && d == fasum_want);
    CHECK(sk_snrm2(n, xf.data(), 1, &f) == SK_OK && std::fabs(f - std::sqrt(fsq)) <= 1e-5f * f);
    CHECK(sk_dnrm2(n, xd.data(), 1, &d) == SK_OK && std::fabs(d - std::sqrt(double(fsq))) <= 1e-14 * d);
    CHECK(sk_isamax(n, xf.data(), 1, &idx) == SK_OK && idx == 42);
    CHECK(sk_idamax(n, xd.data(), 1, &idx) == SK_OK && idx == 42);
    // Negative increment: element 0 is the last in memory, so 42 becomes n-1-42.
    CHECK(sk_idamax(n, xd.data(), -1, &idx) == SK_OK && idx == n - 1 - 42);

    CHECK(sk_saxpy(n, 0.5f, xf.data(), 1, yf.data(), 1) == SK_OK && yf[42] == -2.5f);
    CHECK(sk_daxpy(n, 0.5, xd.data(), 1, yd.data(), 1) == SK_OK && yd[42] == -2.5);
    CHECK(sk_sscal(n, -2.0f, xf.data(), 1) == SK_OK && xf[42] == 18.0f);
    CHECK(sk_dscal(n, -2.0, xd.data(), 1) == SK_OK && xd[42] == 18.0);

    idx = 7;
    CHECK_STATUS(sk_isamax(n, xf.data(), 0, &idx), SK_ERR_INVALID_ARGUMENT);
    CHECK(idx == 7);
    CHECK(sk_idamax(0, nullptr, 1, &idx) == SK_OK && idx == std::numeric_limits<size_t>::max());
}

// The four GEMM entry points on a 2x3 times 3x2 product: row-major A and C,
// column-major B (BLIS-style strides), checked exactly (small integers).
void test_gemm()
{
    const float af[6] = {1, 2, 3, 4, 5, 6};      // A 2x3 row-major
    const float bf[6] = {1, 3, 5, 2, 4, 6};      // B 3x2 column-major: [[1,2],[3,4],[5,6]]
    const float want[4] = {22, 28, 49, 64};      // C = A B, row-major
    float cf[4];
    double cd[4];
    const double ad[6] = {1, 2, 3, 4, 5, 6}, bd[6] = {1, 3, 5, 2, 4, 6};
    CHECK(sk_sgemm(2, 2, 3, 1.0f, af, 3, 1, bf, 1, 3, 0.0f, cf, 2, 1) == SK_OK &&
          std::equal(cf, cf + 4, want));
    CHECK(sk_dgemm(2, 2, 3, 1.0, ad, 3, 1, bd, 1, 3, 0.0, cd, 2, 1) == SK_OK && cd[3] == 64.0);
    CHECK(sk_sgemm_strassen(2, 2, 3, 1.0f, af, 3, 1, bf, 1, 3, 0.0f, cf, 2, 1) == SK_OK &&
          std::equal(cf, cf + 4, want));
    CHECK(sk_dgemm_strassen(2, 2, 3, 1.0, ad, 3, 1, bd, 1, 3, 0.0, cd, 2, 1) == SK_OK &&
          cd[0] == 22.0);
    // Output overlapping an input is refused and leaves C untouched.
    float inout[6] = {1, 2, 3, 4, 5, 6};
    CHECK_STATUS(sk_sgemm(2, 2, 2, 1.0f, inout, 2, 1, bf, 1, 3, 0.0f, inout, 2, 1),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK(inout[0] == 1 && inout[3] == 4);
}

} // namespace

int main()
{
    test_runtime();
    test_kernels();
    test_gemm();
    return SK_TEST_SUMMARY("test_api_cpp");
}
