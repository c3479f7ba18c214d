/* A minimal simdkern user: one sdot with a known answer. */
#include <simdkern.h>
#include <stdio.h>

int main(void)
{
    const float x[5] = {1, 2, 3, 4, 5}, y[5] = {2, 2, 2, 2, 2};
    float out = 0;
    sk_status st = sk_sdot(5, x, 1, y, 1, &out);

    if (st != SK_OK || out != 30.0f) {
        fprintf(stderr, "sk_sdot: status %d (%s), result %g, expected 30\n", (int)st,
                sk_status_str(st), (double)out);
        return 1;
    }
    if (sk_version_number() != SK_VERSION_NUMBER) {
        fprintf(stderr, "header %d and library %u versions differ\n", SK_VERSION_NUMBER,
                (unsigned)sk_version_number());
        return 1;
    }
    printf("OK simdkern %u sdot = %g\n", (unsigned)sk_version_number(), (double)out);
    return 0;
}
