import { type Op, apply, freshGrad } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { allocate, promote, type Storage } from '../storage/dtype.js';
import { fmt, shapesEqual } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';

/**
 * How a loss combines its elementwise terms: their mean, their sum, or none (the per-element tensor).
 *
 * @category Ops
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Mean squared error as one primitive. Composed from sub, pow and mean it would be three
 * forward passes and five backward ones over the prediction, with their intermediates kept
 * alive by the graph; fused, it is one pass. When a graph is recorded (and the reduction is
 * 'mean' or 'sum'), forward also writes the gradient for an incoming gradient of 1 from the
 * same reading of p and t (the WebAssembly kernel copies them into its memory once, not twice:
 * at M, 3.6 ms for both instead of 1.7 + 3.3), and backward hands it out when the incoming
 * gradient is 1, as it is for `loss.backward()`; otherwise backward recomputes p - t from the
 * inputs, which the graph holds anyway. On the blog's tiny model the saved graph nodes matter
 * even more than the passes.
 */
/** d(loss)/dp = (p - t) times this, for an incoming gradient of 1 (2/n for 'mean', else 2: 'none' scales by each element's g). */
const gradScale = (reduction: Reduction, n: number): number => (reduction === 'mean' ? 2 / n : 2);

export const MseLoss: Op<Reduction> = {
  name: 'mseLoss',
  forward: ([p, t], reduction, ctx) => {
    const dtype = promote(p!.dtype, t!.dtype);
    const n = p!.size;
    // One kernel pass (kernels/js/fused.ts: float32 rounds each difference, as the composed ops would).
    const out = allocate(dtype, reduction === 'none' ? n : 1);
    const [a, b] = ctx.inputs;
    if (reduction !== 'none' && isGradEnabled() && (a!.requiresGrad || b!.requiresGrad)) {
      const grad = allocate(dtype, n);
      kernels.mseForwardGrad(p!.contiguousStorage(), t!.contiguousStorage(), n, reduction, out, gradScale(reduction, n), grad);
      ctx.saved = grad;
    } else {
      kernels.mseForward(p!.contiguousStorage(), t!.contiguousStorage(), n, reduction, out);
    }
    return new TensorData(out, reduction === 'none' ? p!.shape : []);
  },
  // d/dp = 2 (p - t) · g (· 1/n for the mean); d/dt is its negative. One pass either way.
  saved: [0, 1],
  backward: (g, ctx) => {
    const [p, t] = ctx.inputs;
    if (isGradEnabled()) {
      // createGraph: the same formula from differentiable ops, so the gradient has a history.
      const n = p!.size;
      const scale = g.mul(gradScale(ctx.params, n)); // g is 0-d unless the reduction is 'none'
      const gd = p!.sub(t!).mul(scale);
      return [ctx.needsGrad(0) ? gd : null, ctx.needsGrad(1) ? gd.neg() : null];
    }
    const n = p!.size;
    const none = ctx.params === 'none';
    const g1 = none ? 0 : g.item();
    if (g1 === 1 && ctx.saved) {
      // forward's gradient (scale 2/n or 2, times 1: the bits mseBackward would write). Handed
      // out once: the tensor may become a .grad and be added to, so a second backward through
      // a retained graph recomputes.
      const gp = freshGrad(new TensorData(ctx.saved as Storage, p!.shape));
      ctx.saved = undefined;
      return [ctx.needsGrad(0) ? gp : null, ctx.needsGrad(1) ? gp.neg() : null];
    }
    const out = new TensorData(allocate(ctx.output.dtype, n), p!.shape);
    const scale = none ? 0 : gradScale(ctx.params, n) * g1;
    kernels.mseBackward(p!.tensorData.contiguousStorage(), t!.tensorData.contiguousStorage(), none ? g.tensorData.contiguousStorage() : null, scale, n, out.storage);
    const gp = freshGrad(out);
    return [ctx.needsGrad(0) ? gp : null, ctx.needsGrad(1) ? gp.neg() : null];
  },
};

/**
 * Like torch.nn.functional.mse_loss: prediction and target must have the same shape.
 *
 * @category Ops
 */
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
