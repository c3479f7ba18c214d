//! A linear layer on int8 weights packed once: `y = x W^T + bias` for f32
//! rows x, through uint8 x int8 products.
//!
//! Weights are quantized per output row (symmetric int8, one f32 scale per
//! row) and packed as the vector operand of the integer kernels when the
//! layer is built. Each forward call quantizes x per tensor to uint8
//! (scale s_x, zero point z), runs the integer product and dequantizes in
//! the epilogue: y[b][o] = s_x * s_o * (acc[b][o] - z * rowsum_o) + bias_o,
//! where rowsum_o is the sum of row o's int8 weights (precomputed).

use super::driver::PARALLEL_MIN_MACS;
use super::kernels::{kernels, Int8Kernel, Int8Kernels};
use super::pack::{pack_panel, Format};
use super::MAX_K;
use crate::error::{Error, Result};
use crate::gemm::matrix::{MatMut, MatRef};
use crate::gemm::out::{Out, MAX_TILE};
use crate::gemm::workspace::{with_buffer, A_PACK, B_PACK};
use crate::quant::{params_u8, quantize_rows_s8, quantize_tensor_u8, U8Params};
use crate::runtime::alloc::{aligned_filled, AlignedVec};
use crate::runtime::{threads, Isa};

/// A quantized linear layer (see the module docs). Immutable once built,
/// so one layer may run forward calls from several threads at once.
pub struct QLinear {
    out_features: usize,
    in_features: usize,
    /// The ISA whose kernels the weights were packed for.
    isa: Isa,
    /// Weight panels of `mr` output rows, in the kernels' packed format.
    packed: AlignedVec<u8>,
    scales: Vec<f32>,
    rowsum: Vec<i32>,
    bias: Vec<f32>,
}

impl QLinear {
    /// Quantizes and packs `w` (out_features x in_features) with the kernels
    /// of the active ISA; `bias` has out_features values, or None for 0.
    pub fn new(w: MatRef<f32>, bias: Option<&[f32]>) -> Result<QLinear> {
        Self::with_isa(crate::runtime::active_isa(), w, bias)
    }

    /// [`QLinear::new`] with the kernels of `isa` (which the CPU must have).
    pub(crate) fn with_isa(isa: Isa, w: MatRef<f32>, bias: Option<&[f32]>) -> Result<QLinear> {
        let (out_features, in_features) = (w.rows(), w.cols());
        if in_features > MAX_K {
            return Err(Error::invalid(format!(
                "in_features = {in_features} exceeds {MAX_K}, the largest exact int32 depth"
            )));
        }
        let bias = match bias {
            Some(b) if b.len() != out_features => {
                return Err(Error::dimension(format!(
                    "{} bias values for {out_features} outputs",
                    b.len()
                )))
            }
            Some(b) => {
                if let Some(j) = b.iter().position(|v| !v.is_finite()) {
                    return Err(Error::invalid(format!("bias[{j}] is {}", b[j])));
                }
                b.to_vec()
            }
            None => vec![0.0; out_features],
        };
        let mut wq = vec![0i8; out_features * in_features];
        let mut scales = vec![0.0f32; out_features];
        let q = MatMut::new(
            &mut wq,
            0,
            out_features,
            in_features,
            in_features.max(1) as isize,
            1,
        )?;
        quantize_rows_s8(w, q, &mut scales)?;
        // Sum of each row's int8 weights (zero for rows of no inputs).
        let rowsum = (0..out_features)
            .map(|o| {
                wq[o * in_features..(o + 1) * in_features]
                    .iter()
                    .map(|&v| v as i32)
                    .sum()
            })
            .collect();
        let kern = kernels(isa);
        let fmt = kern.format(true, 0);
        let panel = fmt.steps(in_features) * kern.mr * 4;
        let panels = out_features.div_ceil(kern.mr);
        let mut packed = aligned_filled(panels * panel, 0u8);
        for q in 0..panels {
            let lanes = kern.mr.min(out_features - q * kern.mr);
            // SAFETY: rows q*mr .. q*mr+lanes of wq (row-major, in_features
            // columns) are inside it; the panel lies inside `packed`.
            unsafe {
                pack_panel(
                    wq.as_ptr().add(q * kern.mr * in_features).cast(),
                    in_features as isize,
                    1,
                    lanes,
                    in_features,
                    kern.mr,
                    fmt,
                    packed.as_mut_ptr().add(q * panel),
                )
            };
        }
        Ok(QLinear {
            out_features,
            in_features,
            isa,
            packed,
            scales,
            rowsum,
            bias,
        })
    }

    /// Output features (rows of W).
    pub fn out_features(&self) -> usize {
        self.out_features
    }

    /// Input features (columns of W).
    pub fn in_features(&self) -> usize {
        self.in_features
    }

    /// `y = x W^T + bias` for `x` (batch x in_features) into `y` (batch x
    /// out_features). x is quantized per call (per tensor, uint8).
    pub fn forward(&self, x: MatRef<f32>, mut y: MatMut<f32>) -> Result<()> {
        let batch = x.rows();
        if x.cols() != self.in_features || y.rows() != batch || y.cols() != self.out_features {
            return Err(Error::dimension(format!(
                "layer is {} -> {}, x is {}x{}, y is {}x{}",
                self.in_features,
                self.out_features,
                batch,
                x.cols(),
                y.rows(),
                y.cols()
            )));
        }
        if batch == 0 || self.out_features == 0 {
            // Nothing to compute, but x is still checked for NaN/Inf.
            return params_u8(x).map(|_| ());
        }
        let kern = kernels(self.isa);
        let k = self.in_features;
        let xq_len = batch * k.max(1);
        with_buffer(&A_PACK, xq_len, xq_len, |xq: &mut [u8]| {
            let q = MatMut::new(xq, 0, batch, k, k.max(1) as isize, 1)?;
            let p = quantize_tensor_u8(x, q)?;
            let fmt = kern.format(false, 0);
            let out = Out::of(&mut y);
            let most = Chunks::new(kern, BATCH_BLOCK.min(batch)).packed_len(fmt, k);
            // Blocks of the batch, so that packed x stays in L2.
            for b0 in (0..batch).step_by(BATCH_BLOCK) {
                let rows = BATCH_BLOCK.min(batch - b0);
                let chunks = Chunks::new(kern, rows);
                let len = chunks.packed_len(fmt, k);
                with_buffer(&B_PACK, len, most, |xpack: &mut [u8]| {
                    chunks.pack(&xq[b0 * k..], k, fmt, xpack);
                    // SAFETY: row b0 exists in y.
                    let out = unsafe { out.at(b0, 0) };
                    self.run_panels(kern, &chunks, xpack, p, out, rows);
                });
            }
            Ok(())
        })
    }

    /// The weight panels (over the pool when large), each against every
    /// chunk of packed x, with the dequantizing epilogue.
    fn run_panels(
        &self,
        kern: &Int8Kernels,
        chunks: &Chunks,
        xpack: &[u8],
        p: U8Params,
        out: Out<f32>,
        batch: usize,
    ) {
        let fmt = kern.format(true, 0);
        let steps = fmt.steps(self.in_features);
        let panel = steps * kern.mr * 4;
        let panels = self.out_features.div_ceil(kern.mr);
        let one = |q: usize| {
            let out: Out<f32> = out; // capture the Sync wrapper, not its raw field
            let mut tile = [0i32; MAX_TILE];
            let v = self.packed[q * panel..].as_ptr();
            let o0 = q * kern.mr;
            let outs = kern.mr.min(self.out_features - o0);
            for c in 0..chunks.count() {
                let (b0, rows, _, run) = chunks.chunk(c);
                let w = xpack[c * steps * chunks.nr * 4..].as_ptr();
                // SAFETY: the weight panel holds `steps` steps of mr lanes,
                // the x chunk `steps` steps of nr lanes; tile holds mr x nr.
                unsafe { run(steps, v, w, 0, tile.as_mut_ptr(), 1, kern.mr as isize) };
                for j in 0..rows {
                    let col = &tile[j * kern.mr..j * kern.mr + outs];
                    // SAFETY: row b0 + j and columns o0..o0+outs are in y.
                    let row = unsafe {
                        out.ptr
                            .offset((b0 + j) as isize * out.rs + o0 as isize * out.cs)
                    };
                    let values = col
                        .iter()
                        .zip(&self.scales[o0..o0 + outs])
                        .zip(&self.rowsum[o0..o0 + outs])
                        .zip(&self.bias[o0..o0 + outs])
                        .map(|(((&acc, &s), &sum), &b)| {
                            // sum_i (x_i - z) w_i fits int32 (|.| <= 255 * 127
                            // * k, k <= MAX_K), so wrapping arithmetic gives
                            // it exactly.
                            let exact = acc.wrapping_sub((p.zero_point as i32).wrapping_mul(sum));
                            p.scale * s * exact as f32 + b
                        });
                    if out.cs == 1 {
                        // SAFETY: as above; y's elements are distinct.
                        let dst = unsafe { std::slice::from_raw_parts_mut(row, outs) };
                        dst.iter_mut().zip(values).for_each(|(d, v)| *d = v);
                    } else {
                        for (i, v) in values.enumerate() {
                            // SAFETY: as above.
                            unsafe { *row.offset(i as isize * out.cs) = v };
                        }
                    }
                }
            }
        };
        if batch * self.out_features * self.in_features >= PARALLEL_MIN_MACS && panels > 1 {
            threads::parallel_for(panels, &one);
        } else {
            (0..panels).for_each(one);
        }
    }
}

/// Rows of x packed and run together (a multiple of every kernel's nr).
const BATCH_BLOCK: usize = 240;

/// How `rows` of x are cut into column chunks of the signed-V kernels:
/// full chunks of `nr`, then one chunk for the rest on the narrowest
/// kernel that holds it.
struct Chunks {
    nr: usize,
    rows: usize,
    full: Int8Kernel,
    /// Width and kernel of the last, partial chunk.
    last: (usize, Int8Kernel),
}

impl Chunks {
    fn new(kern: &Int8Kernels, rows: usize) -> Chunks {
        let last = kern.fit(kern.signed_v_narrow, kern.signed_v, rows % kern.nr);
        Chunks {
            nr: kern.nr,
            rows,
            full: kern.signed_v,
            last,
        }
    }

    fn count(&self) -> usize {
        self.rows.div_ceil(self.nr)
    }

    /// (first row, rows, width, kernel) of chunk `c`; chunks are laid out
    /// `nr` wide in the packed buffer whatever their width.
    fn chunk(&self, c: usize) -> (usize, usize, usize, Int8Kernel) {
        let b0 = c * self.nr;
        let rows = self.nr.min(self.rows - b0);
        if rows == self.nr {
            (b0, rows, self.nr, self.full)
        } else {
            (b0, rows, self.last.0, self.last.1)
        }
    }

    fn packed_len(&self, fmt: Format, k: usize) -> usize {
        self.count() * fmt.steps(k) * self.nr * 4
    }

    /// Packs each chunk of `xq` (row-major, k columns) at its slot.
    fn pack(&self, xq: &[u8], k: usize, fmt: Format, dst: &mut [u8]) {
        let slot = fmt.steps(k) * self.nr * 4;
        assert!(dst.len() >= self.count() * slot && xq.len() >= self.rows * k);
        for c in 0..self.count() {
            let (b0, rows, width, _) = self.chunk(c);
            // SAFETY: rows b0..b0+rows of xq are inside it (asserted); the
            // slot holds steps * width * 4 <= slot bytes.
            unsafe {
                pack_panel(
                    xq.as_ptr().add(b0 * k),
                    k as isize,
                    1,
                    rows,
                    k,
                    width,
                    fmt,
                    dst.as_mut_ptr().add(c * slot),
                )
            };
        }
    }
}
