//! Packing of int8 panels: every lane gets 4 bytes per step, either 4
//! consecutive k values as bytes (VPDPBUSD) or 2 as int16 (VPMADDWD and
//! the portable kernel). k is zero-padded to whole steps and lanes to the
//! panel width, so padding adds nothing to any sum.

#[cfg(target_arch = "x86_64")]
use crate::gemm::x86_64::int8_pack::pack_bytes;

/// The packed form of one operand.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Format {
    /// k values per step: 4 (bytes) or 2 (int16).
    pub group: usize,
    /// The source bytes are int8 (sign-extended when widened); else uint8.
    pub signed: bool,
    /// XORed into every source byte first: 0x80 turns int8 into uint8
    /// plus 128 (the s8s8 shift), 0 leaves it.
    pub flip: u8,
}

impl Format {
    /// Steps of a panel of depth `kc`.
    pub fn steps(self, kc: usize) -> usize {
        kc.div_ceil(self.group)
    }

    /// The 4-byte lane word for values `vals` (`group` of them, missing
    /// ones zero).
    #[inline(always)]
    fn word(self, vals: [u8; 4], count: usize) -> [u8; 4] {
        let mut out = [0u8; 4];
        if self.group == 4 {
            for t in 0..count {
                out[t] = vals[t] ^ self.flip;
            }
        } else {
            for t in 0..count {
                let b = vals[t] ^ self.flip;
                let wide = if self.signed {
                    b as i8 as i16
                } else {
                    b as i16
                };
                out[2 * t..2 * t + 2].copy_from_slice(&wide.to_le_bytes());
            }
        }
        out
    }
}

/// Packs a `rows x kc` source (`src[i*rs + p*cs]`, rows <= width) into
/// `steps(kc)` steps of `width` lanes of 4 bytes at `out`.
///
/// # Safety
/// Every (i < rows, p < kc) source address is readable; `out` has
/// `steps(kc) * width * 4` writable bytes.
#[allow(clippy::too_many_arguments)]
pub unsafe fn pack_panel(
    src: *const u8,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    fmt: Format,
    out: *mut u8,
) {
    let g = fmt.group;
    let full = kc / g;
    // SAFETY: the caller's contract; every index below is (i < rows,
    // p < kc) in the source and < steps * width * 4 in out.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        if g == 4 && pack_bytes(src, rs, cs, rows, full, width, fmt.flip, out) {
            return pack_rest(src, rs, cs, rows, kc, width, fmt, full, out);
        }
        pack_generic(src, rs, cs, rows, kc, width, fmt, out)
    }
}

/// [`pack_panel`] one value at a time, for any strides: the fallback and
/// the reference of the vector packers.
///
/// # Safety
/// As for [`pack_panel`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn pack_generic(
    src: *const u8,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    fmt: Format,
    out: *mut u8,
) {
    let g = fmt.group;
    let full = kc / g;
    // SAFETY: as in pack_panel.
    unsafe {
        for s in 0..full {
            for i in 0..rows {
                let at = src.offset(i as isize * rs + (s * g) as isize * cs);
                let mut vals = [0u8; 4];
                for (t, v) in vals.iter_mut().enumerate().take(g) {
                    *v = *at.offset(t as isize * cs);
                }
                let w = fmt.word(vals, g);
                std::ptr::copy_nonoverlapping(w.as_ptr(), out.add((s * width + i) * 4), 4);
            }
            std::ptr::write_bytes(out.add((s * width + rows) * 4), 0, (width - rows) * 4);
        }
        pack_rest(src, rs, cs, rows, kc, width, fmt, full, out)
    }
}

/// The last, partial step (k values `full * group .. kc`), if any.
#[allow(clippy::too_many_arguments)]
unsafe fn pack_rest(
    src: *const u8,
    rs: isize,
    cs: isize,
    rows: usize,
    kc: usize,
    width: usize,
    fmt: Format,
    full: usize,
    out: *mut u8,
) {
    let p0 = full * fmt.group;
    if p0 == kc {
        return;
    }
    let step = out.add(full * width * 4);
    std::ptr::write_bytes(step, 0, width * 4);
    for i in 0..rows {
        let mut vals = [0u8; 4];
        for (t, v) in vals.iter_mut().enumerate().take(kc - p0) {
            *v = *src.offset(i as isize * rs + (p0 + t) as isize * cs);
        }
        let w = fmt.word(vals, kc - p0);
        std::ptr::copy_nonoverlapping(w.as_ptr(), step.add(i * 4), 4);
    }
}
