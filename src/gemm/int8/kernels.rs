//! The integer micro-kernel of each ISA and the packed formats it reads.

use super::pack::Format;
use crate::runtime::Isa;

/// `C[0..MR, 0..NR] (+)= V * W` over `steps` packed steps; `beta == 0`
/// does not read C. See `x86_64::int8`.
pub type Int8Kernel = unsafe fn(usize, *const u8, *const u8, i32, *mut i32, isize, isize);

/// One ISA's integer kernels. V is the vector operand (its lanes run along
/// C's unit-stride dimension), W the broadcast one.
pub struct Int8Kernels {
    /// Tile rows (lanes of V per step).
    pub mr: usize,
    /// Tile columns (words of W per step).
    pub nr: usize,
    /// k values per step: 4 for VPDPBUSD, 2 for int16 pairs.
    pub group: usize,
    /// The kernel when V holds the unsigned operand (A) and W the signed.
    pub unsigned_v: Int8Kernel,
    /// The kernel when V holds the signed operand (B^T) and W the unsigned.
    pub signed_v: Int8Kernel,
    /// Narrower signed-V kernels `(nr, kernel)`, narrowest first, for
    /// products with few columns (may be empty).
    pub signed_v_narrow: &'static [(usize, Int8Kernel)],
}

impl Int8Kernels {
    /// The narrowest of `narrow` kernels at least `cols` wide, or the full
    /// one `(nr, full)`.
    pub fn fit(
        &self,
        narrow: &[(usize, Int8Kernel)],
        full: Int8Kernel,
        cols: usize,
    ) -> (usize, Int8Kernel) {
        narrow
            .iter()
            .copied()
            .find(|&(w, _)| w >= cols)
            .unwrap_or((self.nr, full))
    }

    /// The packed format of an operand (`signed`: int8 source), with
    /// `flip` XORed into its bytes first.
    pub fn format(&self, signed: bool, flip: u8) -> Format {
        Format {
            group: self.group,
            signed,
            flip,
        }
    }
}

/// The portable 4 x 4 kernel on int16 pairs (the scalar path).
unsafe fn scalar_4x4(
    steps: usize,
    v: *const u8,
    w: *const u8,
    beta: i32,
    c: *mut i32,
    rsc: isize,
    csc: isize,
) {
    let pair = |p: *const u8, lane: usize| {
        let at = p.add(lane * 4);
        let lo = i16::from_le_bytes([*at, *at.add(1)]) as i32;
        let hi = i16::from_le_bytes([*at.add(2), *at.add(3)]) as i32;
        (lo, hi)
    };
    let mut acc = [[0i32; 4]; 4];
    for s in 0..steps {
        let (vs, ws) = (v.add(s * 16), w.add(s * 16));
        for (j, col) in acc.iter_mut().enumerate() {
            let (w0, w1) = pair(ws, j);
            for (i, x) in col.iter_mut().enumerate() {
                let (v0, v1) = pair(vs, i);
                *x = x.wrapping_add(v0 * w0 + v1 * w1);
            }
        }
    }
    for (j, col) in acc.iter().enumerate() {
        for (i, &x) in col.iter().enumerate() {
            let p = c.offset(i as isize * rsc + j as isize * csc);
            *p = if beta == 0 { x } else { x.wrapping_add(*p) };
        }
    }
}

static SCALAR: Int8Kernels = Int8Kernels {
    mr: 4,
    nr: 4,
    group: 2,
    unsigned_v: scalar_4x4,
    signed_v: scalar_4x4,
    signed_v_narrow: &[],
};

#[cfg(target_arch = "x86_64")]
mod tables {
    use super::super::super::x86_64::int8::*;
    use super::Int8Kernels;
    pub static AVX2: Int8Kernels = Int8Kernels {
        mr: AVX2_MR,
        nr: AVX2_NR,
        group: 2,
        unsigned_v: avx2_16x6,
        signed_v: avx2_16x6,
        signed_v_narrow: &[],
    };
    pub static AVX512BW: Int8Kernels = Int8Kernels {
        mr: AVX512_MR,
        nr: AVX512_NR,
        group: 2,
        unsigned_v: avx512bw_32x12,
        signed_v: avx512bw_32x12,
        signed_v_narrow: &[],
    };
    pub static VNNI: Int8Kernels = Int8Kernels {
        mr: AVX512_MR,
        nr: AVX512_NR,
        group: 4,
        unsigned_v: vnni_32x12_uv,
        signed_v: vnni_32x12_sv,
        signed_v_narrow: &[(1, vnni_32x1_sv), (4, vnni_32x4_sv), (8, vnni_32x8_sv)],
    };
}

/// The kernels of `isa` (which the CPU must have).
pub fn kernels(isa: Isa) -> &'static Int8Kernels {
    #[cfg(target_arch = "x86_64")]
    {
        match isa {
            Isa::Scalar => &SCALAR,
            Isa::Avx2 => &tables::AVX2,
            Isa::Avx512 => &tables::AVX512BW,
            Isa::Avx512Vnni => &tables::VNNI,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = isa;
        &SCALAR
    }
}
