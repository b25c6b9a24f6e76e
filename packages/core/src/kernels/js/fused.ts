import type { Storage } from '../../storage/dtype.js';
import type { TensorData } from '../../storage/tensor-data.js';
import type { AdamHyper, MseReduction, SgdHyper } from '../kernels.js';

/*
 * The fused kernels of a training step that used to be loops inside ops, the engine and the
 * optimizers: the MSE loss and its gradient, gradient accumulation, and the SGD and Adam
 * updates. Each is one pass over its buffers (the composed ops would be several passes and
 * temporaries). These are the reference ('js') implementations; the loops are those the
 * callers had, so results are unchanged to the bit.
 */

/** See FusedKernels.mseForward. */
export function mseForward(p: Storage, t: Storage, n: number, reduction: MseReduction, out: Storage): void {
  // The difference is rounded to the op's dtype before squaring, so float32 follows float32
  // arithmetic as the composed ops would; a sum is kept in float64. (Two loops rather than a
  // rounding callback: a call per element would cost more than the arithmetic.)
  const f32 = out instanceof Float32Array;
  if (reduction === 'none') {
    for (let i = 0; i < n; i++) {
      const d = f32 ? Math.fround(p[i]! - t[i]!) : p[i]! - t[i]!;
      out[i] = d * d;
    }
    return;
  }
  let acc = 0;
  if (f32) {
    for (let i = 0; i < n; i++) {
      const d = Math.fround(p[i]! - t[i]!);
      acc += d * d;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = p[i]! - t[i]!;
      acc += d * d;
    }
  }
  out[0] = reduction === 'mean' ? acc / n : acc;
}

/** See FusedKernels.mseBackward. */
export function mseBackward(p: Storage, t: Storage, g: Storage | null, scale: number, n: number, out: Storage): void {
  if (g !== null) for (let i = 0; i < n; i++) out[i] = 2 * (p[i]! - t[i]!) * g[i]!;
  else for (let i = 0; i < n; i++) out[i] = (p[i]! - t[i]!) * scale;
}

/** See FusedKernels.mseForwardGrad: the two kernels above, so the reference is their composition by definition. */
export function mseForwardGrad(p: Storage, t: Storage, n: number, reduction: MseReduction, out: Storage, scale: number, grad: Storage): void {
  mseForward(p, t, n, reduction, out);
  mseBackward(p, t, null, scale, n, grad);
}

/** See FusedKernels.copy. A dense view is one typed-array set(), which converts dtypes natively. */
export function copy(x: TensorData, out: Storage): void {
  // Stryker disable next-line ConditionalExpression: a fast path; copyTo writes the same values
  if (x.isContiguous()) out.set(x.storage.subarray(x.offset, x.offset + x.size));
  else x.copyTo(out);
}

/** See FusedKernels.accumulate. */
export function accumulate(dst: Storage, src: Storage, srcOffset: number, n: number): void {
  for (let i = 0; i < n; i++) dst[i] += src[srcOffset + i]!;
}

/** See FusedKernels.sgdUpdate. */
export function sgdUpdate(p: Storage, po: number, g: Storage, go: number, n: number, buf: Storage | null, first: boolean, h: SgdHyper): void {
  const { lr, momentum, weightDecay, nesterov, maximize } = h;
  const keep = 1 - h.dampening;
  if (buf === null) {
    for (let i = 0; i < n; i++) {
      let d = maximize ? -g[go + i]! : g[go + i]!;
      if (weightDecay !== 0) d = d + weightDecay * p[po + i]!;
      p[po + i] = p[po + i]! - lr * d;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[go + i]! : g[go + i]!;
    if (weightDecay !== 0) d = d + weightDecay * p[po + i]!;
    buf[i] = first ? d : momentum * buf[i]! + keep * d;
    const b = buf[i]!; // read back: the buffer has the parameter's precision, as in PyTorch
    d = nesterov ? d + momentum * b : b;
    p[po + i] = p[po + i]! - lr * d;
  }
}

/** The per-step constants of an Adam update, computed once per call (the WebAssembly kernel takes the same ones). */
export function adamConstants(h: AdamHyper): { stepSize: number; bc2Sqrt: number; w: number; smallWeight: boolean; c2: number } {
  const biasCorrection1 = 1 - h.beta1 ** h.step;
  const biasCorrection2 = 1 - h.beta2 ** h.step;
  const w = 1 - h.beta1;
  return { stepSize: h.lr / biasCorrection1, bc2Sqrt: Math.sqrt(biasCorrection2), w, smallWeight: Math.abs(w) < 0.5, c2: 1 - h.beta2 };
}

/** See FusedKernels.adamUpdate. */
export function adamUpdate(p: Storage, po: number, g: Storage, go: number, n: number, m: Storage, v: Storage, vmax: Storage | null, h: AdamHyper): void {
  const { beta2, eps, weightDecay, maximize } = h;
  const { stepSize, bc2Sqrt, w, smallWeight, c2 } = adamConstants(h);
  for (let i = 0; i < n; i++) {
    let d = maximize ? -g[go + i]! : g[go + i]!;
    if (weightDecay !== 0) d = d + weightDecay * p[po + i]!;
    const m0 = m[i]!;
    // torch.lerp's two forms: m + w (g - m) for small weights, g - (g - m)(1 - w) otherwise.
    m[i] = smallWeight ? m0 + w * (d - m0) : d - (d - m0) * (1 - w);
    v[i] = v[i]! * beta2 + c2 * d * d;
    let denom: number;
    if (vmax !== null) {
      vmax[i] = Math.max(vmax[i]!, v[i]!);
      denom = Math.sqrt(vmax[i]!) / bc2Sqrt + eps;
    } else {
      denom = Math.sqrt(v[i]!) / bc2Sqrt + eps;
    }
    p[po + i] = p[po + i]! + (-stepSize * m[i]!) / denom;
  }
}
