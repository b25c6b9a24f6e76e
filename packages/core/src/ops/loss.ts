import { type Op, apply } from '../autograd/function.js';
import { allocate, promote } from '../storage/dtype.js';
import { fmt, shapesEqual } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';

/** How a loss combines its elementwise terms: their mean, their sum, or none (the per-element tensor). */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Mean squared error as one primitive. Composed from sub, pow and mean it would be three
 * forward passes and five backward ones over the prediction; fused, forward is one pass
 * (the difference, kept for backward, and the sum of its squares) and backward is one
 * scaling pass.
 * On the blog's tiny model the saved graph nodes matter even more than the passes.
 */
export const MseLoss: Op<Reduction> = {
  name: 'mseLoss',
  forward: ([p, t], reduction, ctx) => {
    const dtype = promote(p!.dtype, t!.dtype);
    const pd = p!.contiguousStorage();
    const td = t!.contiguousStorage();
    const n = p!.size;
    const diff = allocate(dtype, n);
    ctx.saved = diff;
    const sq = reduction === 'none' ? allocate(dtype, n) : null;
    // One pass: the difference (kept for backward) and its square. Squares are taken of the
    // stored, dtype-rounded difference so float32 and float64 follow their own arithmetic.
    let acc = 0;
    for (let i = 0; i < n; i++) {
      diff[i] = pd[i]! - td[i]!;
      const d = diff[i]!;
      acc += d * d;
      if (sq) sq[i] = d * d;
    }
    if (sq) return new TensorData(sq, p!.shape);
    const out = allocate(dtype, 1);
    out[0] = reduction === 'mean' ? acc / n : acc;
    return new TensorData(out, []);
  },
  // d/dp = 2 (p - t) · g (· 1/n for the mean); d/dt is its negative. One pass either way.
  backward: (g, ctx) => {
    const diff = ctx.saved as Float32Array | Float64Array;
    const shape = ctx.inputs[0]!.shape;
    const out = new TensorData(allocate(diff instanceof Float32Array ? 'float32' : 'float64', diff.length), shape);
    const o = out.storage;
    if (ctx.params === 'none') {
      const gd = g.tensorData.contiguousStorage();
      for (let i = 0; i < diff.length; i++) o[i] = 2 * diff[i]! * gd[i]!;
    } else {
      const scale = (ctx.params === 'mean' ? 2 / diff.length : 2) * g.item();
      for (let i = 0; i < diff.length; i++) o[i] = diff[i]! * scale;
    }
    const gp = new Tensor(out);
    return [ctx.needsGrad(0) ? gp : null, ctx.needsGrad(1) ? gp.neg() : null];
  },
};

/** Like torch.nn.functional.mse_loss: prediction and target must have the same shape. */
export function mseLoss(prediction: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (!(prediction instanceof Tensor) || !(target instanceof Tensor)) throw new Error('mseLoss: prediction and target must be Tensors');
  if (!shapesEqual(prediction.shape, target.shape)) {
    throw new Error(`mseLoss: prediction shape ${fmt(prediction.shape)} and target shape ${fmt(target.shape)} must match`);
  }
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`mseLoss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  return apply(MseLoss, [prediction, target], reduction);
}
