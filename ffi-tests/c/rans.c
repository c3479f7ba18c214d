/*
 * C test of the rANS codec entry points: sk_rans_params_default,
 * sk_rans_encode_bound, sk_rans_encode_s8, sk_qrans_encode_f32,
 * sk_rans_open / sk_rans_close, sk_rans_shape, sk_rans_tile_count,
 * sk_rans_tile_shape, sk_rans_decode_tile_s8, sk_rans_decode_s8 and
 * sk_qrans_decode_f32.
 *
 * - Round trips (exact) of int8 matrices: a clamped Gaussian-like sum of
 *   uniforms, all 256 values, one constant value; shapes 1x1, 257x3,
 *   300x520; default parameters and small tiles with 8, 16 and 64 lanes;
 *   padded row strides on both sides (padding untouched); every ISA the
 *   library can be capped to decodes the same bytes; 1 and 3 threads
 *   encode the same bytes.
 * - Tiles one by one (sk_rans_tile_shape + sk_rans_decode_tile_s8) give the
 *   same matrix.
 * - sk_qrans_encode_f32 / sk_qrans_decode_f32: w[i][j] = scale_i * code,
 *   scale_i = max|row| / 127, codes within 0.5 of w / scale.
 * - sk_qrans_gemv_f32 against the decoded matrix times x in double
 *   (tolerance 2 (cols + 2) eps sum |w x|), on every ISA, identical bits
 *   at 1 and 3 threads; NULL and overlapping arguments.
 * - sk_qrans_gemm_f32: each row of Y bitwise the GEMV of its row of X
 *   (strided X and Y, two threads); an empty batch; NULL, overlapping
 *   rows of Y, Y overlapping X.
 * - Errors: NULL pointers, bad parameters, a short buffer
 *   (SK_ERR_BUFFER_TOO_SMALL), NaN input, a flipped byte in the metadata
 *   and in a tile (SK_ERR_CHECKSUM_MISMATCH), a truncated container
 *   (SK_ERR_CORRUPT_DATA), a wrong tile length, qdecode of an s8
 *   container; sk_rans_close(NULL) is a no-op.
 */
#define SK_TEST_DEFINE_COUNTERS
#include "check.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 42;

static uint32_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* Weights of one kind: 0 bell-shaped, 1 all byte values, 2 constant. */
static void fill(int8_t *w, size_t n, int kind)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (kind == 0) {
            int s = 0, k;
            for (k = 0; k < 4; k++)
                s += (int)(rng() % 61) - 30;
            w[i] = (int8_t)(s > 127 ? 127 : s < -128 ? -128 : s);
        } else if (kind == 1) {
            w[i] = (int8_t)(i < 256 ? i : rng());
        } else {
            w[i] = -3;
        }
    }
}

/* Encodes rows x cols at row stride rs; returns the container (malloc). */
static uint8_t *encode(const int8_t *w, size_t rows, size_t cols, ptrdiff_t rs,
                       const sk_rans_params *p, size_t *len)
{
    size_t bound = 0;
    uint8_t *dst;
    CHECK_STATUS(sk_rans_encode_bound(rows, cols, p, &bound), SK_OK);
    dst = malloc(bound + 1);
    *len = 0;
    CHECK_STATUS(sk_rans_encode_s8(rows, cols, w, rs, p, dst, bound, len), SK_OK);
    CHECK(*len <= bound);
    return dst;
}

static void round_trip(size_t rows, size_t cols, int kind, const sk_rans_params *p)
{
    const ptrdiff_t rs = (ptrdiff_t)cols + 3;
    const uint32_t isas[] = {SK_ISA_SCALAR, SK_ISA_AVX2, SK_ISA_AVX512};
    int8_t *w = malloc(rows * (size_t)rs + 1), *out = malloc(rows * (size_t)rs + 1);
    size_t len, len2, i, j, r2, c2, tiles, t, ii;
    uint8_t *c, *c2buf;
    sk_rans_reader *r = NULL;
    int ok = 1;
    uint32_t before = sk_active_isa();
    fill(w, rows * (size_t)rs, kind);
    c = encode(w, rows, cols, rs, p, &len);
    /* Three threads write the same bytes. */
    CHECK_STATUS(sk_set_num_threads(3), SK_OK);
    c2buf = encode(w, rows, cols, rs, p, &len2);
    CHECK(len == len2 && memcmp(c, c2buf, len) == 0);
    CHECK_STATUS(sk_set_num_threads(1), SK_OK);
    free(c2buf);

    CHECK_STATUS(sk_rans_open(c, len, &r), SK_OK);
    CHECK_STATUS(sk_rans_shape(r, &r2, &c2), SK_OK);
    CHECK(r2 == rows && c2 == cols);
    for (ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        if (sk_set_max_isa(isas[ii]) != SK_OK)
            continue;
        memset(out, 0x55, rows * (size_t)rs);
        CHECK_STATUS(sk_rans_decode_s8(r, out, rs), SK_OK);
        for (i = 0; i < rows; i++)
            for (j = 0; j < (size_t)rs; j++)
                ok &= out[i * rs + j] == (j < cols ? w[i * rs + j] : 0x55);
    }
    sk_set_max_isa(before);
    if (!CHECK(ok))
        fprintf(stderr, "    %zux%zu kind %d lanes %u\n", rows, cols, kind, p ? p->lanes : 32);

    /* Tile by tile. */
    CHECK_STATUS(sk_rans_tile_count(r, &tiles), SK_OK);
    memset(out, 0, rows * (size_t)rs);
    for (t = 0; t < tiles; t++) {
        size_t row, col, h, wd;
        int8_t *tile;
        CHECK_STATUS(sk_rans_tile_shape(r, t, &row, &col, &h, &wd), SK_OK);
        tile = malloc(h * wd);
        CHECK_STATUS(sk_rans_decode_tile_s8(r, t, tile, h * wd), SK_OK);
        for (i = 0; i < h; i++)
            memcpy(out + (row + i) * rs + col, tile + i * wd, wd);
        free(tile);
    }
    ok = 1;
    for (i = 0; i < rows; i++)
        ok &= memcmp(out + i * rs, w + i * rs, cols) == 0;
    CHECK(ok);
    CHECK_STATUS(sk_rans_tile_shape(r, tiles, NULL, NULL, NULL, NULL), SK_ERR_INVALID_ARGUMENT);
    sk_rans_close(r);
    free(c);
    free(w);
    free(out);
}

static void test_round_trips(void)
{
    sk_rans_params p = sk_rans_params_default(), small[3];
    int kind;
    CHECK(p.tile_rows == 256 && p.tile_cols == 256 && p.prob_bits == 12 && p.lanes == 32);
    small[0] = p;
    small[0].tile_rows = 16, small[0].tile_cols = 16, small[0].lanes = 8, small[0].prob_bits = 10;
    small[1] = p;
    small[1].tile_rows = 64, small[1].tile_cols = 32, small[1].lanes = 16, small[1].prob_bits = 11;
    small[2] = p;
    small[2].tile_rows = 32, small[2].tile_cols = 64, small[2].lanes = 64;
    for (kind = 0; kind < 3; kind++) {
        int k;
        round_trip(1, 1, kind, NULL);
        round_trip(257, 3, kind, &p);
        round_trip(300, 520, kind, NULL);
        for (k = 0; k < 3; k++) {
            round_trip(257, 3, kind, &small[k]);
            round_trip(300, 520, kind, &small[k]);
        }
    }
}

static void test_qrans(void)
{
    const size_t rows = 40, cols = 70;
    float *w = malloc(rows * cols * sizeof *w), *out = malloc(rows * cols * sizeof *out);
    size_t bound, len, i, j;
    uint8_t *c;
    sk_rans_reader *r = NULL;
    int ok = 1;
    for (i = 0; i < rows * cols; i++)
        w[i] = ((float)(rng() % 2001) - 1000.0f) * powf(10.0f, (float)(i / cols % 5) - 2.0f);
    CHECK_STATUS(sk_rans_encode_bound(rows, cols, NULL, &bound), SK_OK);
    c = malloc(bound);
    CHECK_STATUS(sk_qrans_encode_f32(rows, cols, w, (ptrdiff_t)cols, NULL, c, bound, &len), SK_OK);
    CHECK_STATUS(sk_rans_open(c, len, &r), SK_OK);
    CHECK_STATUS(sk_qrans_decode_f32(r, out, (ptrdiff_t)cols), SK_OK);
    for (i = 0; i < rows; i++) {
        float m = 0.0f, scale;
        for (j = 0; j < cols; j++)
            m = fmaxf(m, fabsf(w[i * cols + j]));
        scale = m > 0.0f ? m / 127.0f : 1.0f;
        for (j = 0; j < cols; j++) {
            float q = out[i * cols + j] / scale;
            ok &= fabsf(q - roundf(q)) < 1e-3f && fabsf(q - w[i * cols + j] / scale) <= 0.5001f;
        }
    }
    CHECK(ok);
    sk_rans_close(r);
    /* NaN is refused. */
    w[5] = NAN;
    CHECK_STATUS(sk_qrans_encode_f32(rows, cols, w, (ptrdiff_t)cols, NULL, c, bound, &len),
                 SK_ERR_INVALID_ARGUMENT);
    free(c);
    free(w);
    free(out);
}

/* sk_qrans_gemm_f32: three rows of X with strides; each row of Y is the
 * GEMV of its row of X, bit for bit; the gaps of Y are not written. */
static void test_gemm(const sk_rans_reader *r, size_t rows, size_t cols)
{
    const size_t batch = 3, ldx = cols + 5, ldy = rows + 2;
    float *x = malloc(batch * ldx * sizeof *x), *y = malloc(batch * ldy * sizeof *y);
    float *g = malloc(rows * sizeof *g);
    size_t b, i;
    int same = 1;
    for (i = 0; i < batch * ldx; i++)
        x[i] = ((float)(rng() % 201) - 100.0f) / 100.0f;
    for (i = 0; i < batch * ldy; i++)
        y[i] = -7.0f;
    CHECK_STATUS(sk_set_num_threads(2), SK_OK);
    CHECK_STATUS(sk_qrans_gemm_f32(r, batch, x, (ptrdiff_t)ldx, y, (ptrdiff_t)ldy), SK_OK);
    CHECK_STATUS(sk_set_num_threads(1), SK_OK);
    for (b = 0; b < batch; b++) {
        CHECK_STATUS(sk_qrans_gemv_f32(r, x + b * ldx, g), SK_OK);
        same &= memcmp(g, y + b * ldy, rows * sizeof *g) == 0;
        same &= y[b * ldy + rows] == -7.0f && y[b * ldy + rows + 1] == -7.0f;
    }
    CHECK(same);
    CHECK_STATUS(sk_qrans_gemm_f32(r, 0, NULL, (ptrdiff_t)cols, NULL, (ptrdiff_t)rows), SK_OK);
    CHECK_STATUS(sk_qrans_gemm_f32(r, 1, x, 0, y, (ptrdiff_t)ldy), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qrans_gemm_f32(NULL, 1, x, (ptrdiff_t)ldx, y, (ptrdiff_t)ldy), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qrans_gemm_f32(r, 1, NULL, (ptrdiff_t)ldx, y, (ptrdiff_t)ldy), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qrans_gemm_f32(r, 2, x, (ptrdiff_t)ldx, y, 1), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qrans_gemm_f32(r, 2, x, (ptrdiff_t)ldx, x + 7, (ptrdiff_t)ldy), SK_ERR_INVALID_ARGUMENT);
    free(x), free(y), free(g);
}

static void test_gemv(void)
{
    const size_t rows = 300, cols = 520;
    const uint32_t isas[] = {SK_ISA_SCALAR, SK_ISA_AVX2, SK_ISA_AVX512};
    float *w = malloc(rows * cols * sizeof *w), *d = malloc(rows * cols * sizeof *d);
    float *x = malloc(cols * sizeof *x), *y = malloc(rows * sizeof *y), *y3 = malloc(rows * sizeof *y3);
    sk_rans_params p = sk_rans_params_default();
    size_t bound, len, i, j, ii;
    uint8_t *c;
    sk_rans_reader *r = NULL;
    uint32_t before = sk_active_isa();
    int ok = 1;
    p.tile_rows = 64, p.tile_cols = 128;
    for (i = 0; i < rows * cols; i++)
        w[i] = ((float)(rng() % 2001) - 1000.0f) * powf(10.0f, (float)(i / cols % 4) - 3.0f);
    for (j = 0; j < cols; j++)
        x[j] = ((float)(rng() % 201) - 100.0f) / 100.0f;
    CHECK_STATUS(sk_rans_encode_bound(rows, cols, &p, &bound), SK_OK);
    c = malloc(bound);
    CHECK_STATUS(sk_qrans_encode_f32(rows, cols, w, (ptrdiff_t)cols, &p, c, bound, &len), SK_OK);
    CHECK_STATUS(sk_rans_open(c, len, &r), SK_OK);
    CHECK_STATUS(sk_qrans_decode_f32(r, d, (ptrdiff_t)cols), SK_OK);
    for (ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        if (sk_set_max_isa(isas[ii]) != SK_OK)
            continue;
        CHECK_STATUS(sk_set_num_threads(1), SK_OK);
        CHECK_STATUS(sk_qrans_gemv_f32(r, x, y), SK_OK);
        CHECK_STATUS(sk_set_num_threads(3), SK_OK);
        CHECK_STATUS(sk_qrans_gemv_f32(r, x, y3), SK_OK);
        CHECK(memcmp(y, y3, rows * sizeof *y) == 0);
        for (i = 0; i < rows; i++) {
            double exact = 0.0, mag = 0.0;
            for (j = 0; j < cols; j++) {
                exact += (double)d[i * cols + j] * x[j];
                mag += fabs((double)d[i * cols + j] * x[j]);
            }
            ok &= fabs(y[i] - exact) <= 2.0 * (cols + 2) * FLT_EPSILON * mag;
        }
    }
    sk_set_max_isa(before);
    CHECK_STATUS(sk_set_num_threads(1), SK_OK);
    CHECK(ok);
    CHECK_STATUS(sk_qrans_gemv_f32(NULL, x, y), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qrans_gemv_f32(r, NULL, y), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qrans_gemv_f32(r, x, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_qrans_gemv_f32(r, w, w + 10), SK_ERR_INVALID_ARGUMENT);
    test_gemm(r, rows, cols);
    sk_rans_close(r);
    free(c), free(w), free(d), free(x), free(y), free(y3);
}

static void test_errors(void)
{
    int8_t w[64 * 64];
    size_t bound, len = 0, tiles;
    uint8_t *c;
    sk_rans_reader *r = NULL;
    sk_rans_params bad = sk_rans_params_default();
    float *f = malloc(64 * 64 * sizeof *f);
    fill(w, sizeof w, 0);
    CHECK_STATUS(sk_rans_encode_bound(64, 64, NULL, NULL), SK_ERR_NULL_POINTER);
    bad.prob_bits = 13;
    CHECK_STATUS(sk_rans_encode_bound(64, 64, &bad, &bound), SK_ERR_INVALID_ARGUMENT);
    bad = sk_rans_params_default();
    bad.lanes = 24;
    CHECK_STATUS(sk_rans_encode_bound(64, 64, &bad, &bound), SK_ERR_INVALID_ARGUMENT);
    bad = sk_rans_params_default();
    bad.tile_rows = 0;
    CHECK_STATUS(sk_rans_encode_bound(64, 64, &bad, &bound), SK_ERR_INVALID_ARGUMENT);

    CHECK_STATUS(sk_rans_encode_bound(64, 64, NULL, &bound), SK_OK);
    c = malloc(bound);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, NULL, 64, NULL, c, bound, &len), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 64, NULL, NULL, bound, &len), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 64, NULL, c, bound, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 0, NULL, c, bound, &len), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 64, NULL, c, 10, &len), SK_ERR_BUFFER_TOO_SMALL);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 64, NULL, (uint8_t *)w, bound, &len),
                 SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_rans_encode_s8(64, 64, w, 64, NULL, c, bound, &len), SK_OK);

    CHECK_STATUS(sk_rans_open(NULL, len, &r), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_open(c, len, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_open(c, len - 1, &r), SK_ERR_CORRUPT_DATA);
    CHECK_STATUS(sk_rans_open(c, 3, &r), SK_ERR_CORRUPT_DATA);
    c[20] ^= 1; /* metadata (the column count) */
    CHECK_STATUS(sk_rans_open(c, len, &r), SK_ERR_CORRUPT_DATA);
    c[20] ^= 1;
    c[100] ^= 4; /* the frequency table */
    CHECK_STATUS(sk_rans_open(c, len, &r), SK_ERR_CHECKSUM_MISMATCH);
    c[100] ^= 4;
    c[len - 5] ^= 0x10; /* the tile */
    CHECK_STATUS(sk_rans_open(c, len, &r), SK_ERR_CHECKSUM_MISMATCH);
    c[len - 5] ^= 0x10;
    CHECK(r == NULL);

    CHECK_STATUS(sk_rans_open(c, len, &r), SK_OK);
    CHECK_STATUS(sk_rans_shape(NULL, NULL, NULL), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_shape(r, NULL, NULL), SK_OK);
    CHECK_STATUS(sk_rans_tile_count(r, &tiles), SK_OK);
    CHECK(tiles == 1);
    CHECK_STATUS(sk_rans_decode_tile_s8(r, 0, w, 64 * 64 - 1), SK_ERR_DIMENSION_MISMATCH);
    CHECK_STATUS(sk_rans_decode_tile_s8(r, 1, w, 64 * 64), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_rans_decode_s8(r, NULL, 64), SK_ERR_NULL_POINTER);
    CHECK_STATUS(sk_rans_decode_s8(r, (int8_t *)c, 64), SK_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(sk_qrans_decode_f32(r, f, 64), SK_ERR_INVALID_ARGUMENT);
    sk_rans_close(r);
    sk_rans_close(NULL);
    free(c);
    free(f);
}

int main(void)
{
    CHECK_STATUS(sk_set_num_threads(1), SK_OK);
    test_round_trips();
    test_qrans();
    test_gemv();
    test_errors();
    return SK_TEST_SUMMARY("test_rans_c");
}
