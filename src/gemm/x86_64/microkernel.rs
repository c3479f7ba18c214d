//! The register-blocked micro-kernel, written once as a macro and
//! instantiated per (ISA, element type) with that pair's intrinsics.
//!
//! A kernel computes one MR x NR tile of C from a packed A micro-panel
//! (MR values per k step, contiguous) and a packed B micro-panel (NR values
//! per k step): MV vectors of A times NR broadcasts of B into MV * NR
//! accumulator registers, an outer product per k step.

/// Defines `pub unsafe fn $name(k, alpha, a, b, beta, c, rsc, csc)`.
///
/// `beta == 0` stores without reading C. With `rsc == 1` (a column-major
/// tile) C columns are loaded and stored as vectors; any other stride goes
/// through a scalar scatter.
macro_rules! microkernel {
    (
        $name:ident, $features:literal, $t:ty, $v:ty, lanes = $lanes:expr, mv = $mv:expr, nr = $nr:expr,
        $setzero:ident, $set1:ident, $loadu:ident, $storeu:ident, $fmadd:ident, $mul:ident
    ) => {
        /// The MR x NR micro-kernel of this (ISA, type) pair; see the module docs.
        ///
        /// # Safety
        /// The CPU has the listed features; `a` holds `k * MR` and `b`
        /// `k * NR` readable values; the tile at `c` is valid for reads and
        /// writes with strides `rsc`, `csc`.
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
            k: usize,
            alpha: $t,
            a: *const $t,
            b: *const $t,
            beta: $t,
            c: *mut $t,
            rsc: isize,
            csc: isize,
        ) {
            const MV: usize = $mv;
            const NR: usize = $nr;
            const L: usize = $lanes;
            const A_AHEAD: usize = 8;
            let mut acc = [[$setzero(); NR]; MV];
            if rsc == 1 {
                // Warm the tile's cache lines while the k loop runs.
                for j in 0..NR {
                    let cj = c.offset(j as isize * csc);
                    _mm_prefetch::<_MM_HINT_T0>(cj.cast());
                    _mm_prefetch::<_MM_HINT_T0>(cj.add(MV * L - 1).cast());
                }
            }
            let (mut ap, mut bp) = (a, b);
            for _ in 0..k {
                // A streams from L2 (the packed block): fetch its lines a
                // few steps ahead; B's micro-panel is already in L1.
                for h in 0..MV {
                    _mm_prefetch::<_MM_HINT_T0>(ap.add(A_AHEAD * MV * L + h * L).cast());
                }
                let mut av = [$setzero(); MV];
                for (h, v) in av.iter_mut().enumerate() {
                    *v = $loadu(ap.add(h * L));
                }
                for j in 0..NR {
                    let bj = $set1(*bp.add(j));
                    for h in 0..MV {
                        acc[h][j] = $fmadd(av[h], bj, acc[h][j]);
                    }
                }
                ap = ap.add(MV * L);
                bp = bp.add(NR);
            }
            let va = $set1(alpha);
            if rsc == 1 {
                let vb = $set1(beta);
                for j in 0..NR {
                    let cj = c.offset(j as isize * csc);
                    for h in 0..MV {
                        let mut r = $mul(acc[h][j], va);
                        if beta != 0.0 {
                            r = $fmadd($loadu(cj.add(h * L)), vb, r);
                        }
                        $storeu(cj.add(h * L), r);
                    }
                }
            } else {
                // The registers go to a buffer in one short unrolled loop
                // first: indexing `acc` inside the scalar loops would keep
                // it in memory (zeroed, loaded and spilled on every call).
                let mut tile = [[[0.0 as $t; L]; MV]; NR];
                for j in 0..NR {
                    for h in 0..MV {
                        $storeu(tile[j][h].as_mut_ptr(), $mul(acc[h][j], va));
                    }
                }
                for (j, col) in tile.iter().enumerate() {
                    for (i, &v) in col.iter().flatten().enumerate() {
                        let p = c.offset(i as isize * rsc + j as isize * csc);
                        *p = if beta == 0.0 { v } else { v + beta * *p };
                    }
                }
            }
        }
    };
}
pub(crate) use microkernel;
