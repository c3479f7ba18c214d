/*
 * Strided matrix views shared by the C tests of the matrix entry points
 * (gemm.c, int8.c): the layouts every test walks, and where element (i, j)
 * of a view sits in its buffer.
 */
#ifndef SK_TEST_VIEWS_H
#define SK_TEST_VIEWS_H

#include <stddef.h>
#include <stdlib.h>

enum {
    L_ROW,      /* row-major: rs = cols, cs = 1 */
    L_COL,      /* column-major = transposed view of a row-major cols x rows */
    L_ROW_PAD,  /* row-major, leading dimension cols + 3 */
    L_COL_PAD,  /* column-major, leading dimension rows + 5 */
    L_GENERAL,  /* rs = 2, cs = 2 rows + 1: neither stride is 1 */
    L_NEG_ROWS, /* row-major with the rows reversed: rs = -cols */
    L_NEG_BOTH, /* column-major with rows and columns reversed */
    L_NEG_COLS, /* row-major with the columns reversed: cs = -1 */
    N_LAYOUTS
};
static const char *const layout_name[N_LAYOUTS] = {
    "row", "col", "row+pad", "col+pad", "general", "-rows", "-both", "-cols",
};

/* A rows x cols view in a buffer of len elements whose element (i, j) is
 * buf[off + i * rs + j * cs]; two spare cells sit before and after it. */
typedef struct {
    size_t rows, cols;
    ptrdiff_t rs, cs;
    size_t off, len;
} view_t;

static inline view_t make_view(int kind, size_t rows, size_t cols)
{
    ptrdiff_t r = (ptrdiff_t)(rows ? rows : 1), c = (ptrdiff_t)(cols ? cols : 1);
    ptrdiff_t lo = 0, hi = 0;
    view_t v;
    v.rows = rows;
    v.cols = cols;
    switch (kind) {
    case L_ROW: v.rs = c, v.cs = 1; break;
    case L_COL: v.rs = 1, v.cs = r; break;
    case L_ROW_PAD: v.rs = c + 3, v.cs = 1; break;
    case L_COL_PAD: v.rs = 1, v.cs = r + 5; break;
    case L_GENERAL: v.rs = 2, v.cs = 2 * r + 1; break;
    case L_NEG_ROWS: v.rs = -c, v.cs = 1; break;
    case L_NEG_BOTH: v.rs = -1, v.cs = -r; break;
    default: v.rs = c, v.cs = -1; break;
    }
    if (rows > 0 && cols > 0) {
        ptrdiff_t ri = (ptrdiff_t)(rows - 1) * v.rs, cj = (ptrdiff_t)(cols - 1) * v.cs;
        lo = (ri < 0 ? ri : 0) + (cj < 0 ? cj : 0);
        hi = (ri > 0 ? ri : 0) + (cj > 0 ? cj : 0);
    }
    v.off = (size_t)(2 - lo);
    v.len = (size_t)(hi - lo + 1) + 4;
    return v;
}

static inline size_t at(const view_t *v, size_t i, size_t j)
{
    return (size_t)((ptrdiff_t)v->off + (ptrdiff_t)i * v->rs + (ptrdiff_t)j * v->cs);
}

/* A calloc'd map of v.len bytes, 1 at the cells of v's elements (the
 * caller frees it): cells outside a view must stay untouched. */
static inline char *inside_map(const view_t *v)
{
    char *inside = (char *)calloc(v->len, 1);
    size_t i, j;
    if (!inside)
        return NULL;
    for (i = 0; i < v->rows; i++)
        for (j = 0; j < v->cols; j++)
            inside[at(v, i, j)] = 1;
    return inside;
}

#endif
