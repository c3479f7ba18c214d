/*
 * Tiny assertion helpers shared by the C and C++ FFI tests (plain C that
 * also compiles as C++). A failed check prints file:line and goes on, so
 * one run reports every failure; main() ends with SK_TEST_SUMMARY.
 *
 * Exactly one translation unit defines SK_TEST_DEFINE_COUNTERS before
 * including this file.
 */
#ifndef SK_TEST_CHECK_H
#define SK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "simdkern.h"

#ifdef SK_TEST_DEFINE_COUNTERS
int sk_test_passed, sk_test_failed;
char sk_test_ctx[160]; /* printed with each failure, e.g. "isa 2 n 17 incx -3" */
#else
extern int sk_test_passed, sk_test_failed;
extern char sk_test_ctx[160];
#endif

/* Only the first failures are printed: a broken kernel fails thousands of cases. */
#define SK_TEST_MAX_PRINTED 40

static inline int sk_test_report(int ok, const char *what, const char *file, int line)
{
    if (ok) {
        sk_test_passed++;
        return 1;
    }
    if (sk_test_failed++ >= SK_TEST_MAX_PRINTED)
        return 0;
    if (sk_test_ctx[0])
        fprintf(stderr, "%s:%d: FAILED: %s  [%s]\n", file, line, what, sk_test_ctx);
    else
        fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    return 0;
}

#define CHECK(cond) sk_test_report((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/*
 * After a failed call, sk_last_error_message must hold a non-empty message,
 * report its full length whatever the cap, and truncate with a NUL.
 */
static inline int sk_test_error_message_ok(void)
{
    char small[8], full[1024];
    size_t len = sk_last_error_message(NULL, 0);
    size_t keep = len < sizeof small - 1 ? len : sizeof small - 1;
    memset(small, 'X', sizeof small);
    memset(full, 'X', sizeof full);
    return len > 0 && len < sizeof full
        && sk_last_error_message(small, sizeof small) == len
        && sk_last_error_message(full, sizeof full) == len
        && strlen(full) == len && strlen(small) == keep
        && memcmp(small, full, keep) == 0;
}

static inline int sk_test_status(sk_status got, sk_status want, const char *call,
                                 const char *file, int line)
{
    char what[512];
    if (got != want) {
        char msg[256] = "";
        sk_last_error_message(msg, sizeof msg);
        snprintf(what, sizeof what, "%s returned %d (%s), expected %d (%s); last error: %s",
                 call, (int)got, sk_status_str(got), (int)want, sk_status_str(want), msg);
        return sk_test_report(0, what, file, line);
    }
    if (want == SK_OK)
        return sk_test_report(1, call, file, line);
    snprintf(what, sizeof what, "error message after %s", call);
    return sk_test_report(sk_test_error_message_ok(), what, file, line);
}

/* CHECK_STATUS(sk_sdot(...), SK_ERR_NULL_POINTER): status, and on failure the message. */
#define CHECK_STATUS(call, want) sk_test_status((call), (want), #call, __FILE__, __LINE__)

/* Prints "NAME: P passed, F failed" and evaluates to the process exit code. */
#define SK_TEST_SUMMARY(name)                                                      \
    (printf("%s: %d passed, %d failed\n", (name), sk_test_passed, sk_test_failed), \
     sk_test_failed ? 1 : 0)

#endif /* SK_TEST_CHECK_H */
