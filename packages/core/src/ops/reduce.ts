import { type Op } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import { allocate } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import type { Tensor } from '../tensor.js';
import { fused } from './elementwise.js';

/** Which axes to reduce (sorted, non-negative) and whether to keep them as size-1 dims. */
export interface ReduceParams {
  axes: readonly number[];
  keepdim: boolean;
}

function reduceForward(kop: 'sum' | 'max') {
  return ([x]: readonly TensorData[], { axes, keepdim }: ReduceParams): TensorData => {
    const kept: number[] = [];
    const reducedAxes = new Set(axes);
    for (let i = 0; i < x!.ndim; i++) if (!reducedAxes.has(i)) kept.push(i);
    // Moving the reduced axes last makes each output the fold of one run of elements.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: permuting axes that are already last only makes an identical view
    const moved = axes.length && axes[0] !== kept.length ? x!.permute([...kept, ...axes]) : x!;
    let reduced = 1;
    for (const a of axes) reduced *= x!.shape[a]!;
    const keptShape = kept.map((i) => x!.shape[i]!);
    const out = allocate(x!.dtype, keptShape.reduce((p, d) => p * d, 1));
    kernels.reduce(kop, moved, reduced, out);
    const shape = keepdim ? x!.shape.map((d, i) => (reducedAxes.has(i) ? 1 : d)) : keptShape;
    return new TensorData(out, shape);
  };
}

/** The gradient of a reduction, reshaped to keepdim form so it broadcasts over the input. */
function keepdimShape(inputShape: readonly number[], axes: readonly number[]): number[] {
  return inputShape.map((d, i) => (axes.includes(i) ? 1 : d));
}

export const Sum: Op<ReduceParams> = {
  name: 'sum',
  saved: [],
  forward: reduceForward('sum'),
  backward: (g, { inputs: [x], params }) => [g.reshape(keepdimShape(x!.shape, params.axes)).expand(x!.shape)],
};

export const Max: Op<ReduceParams> = {
  name: 'max',
  forward: reduceForward('max'),
  // Ties share the gradient equally (torch.amax's rule), so the result does not depend on
  // which of equal elements a kernel happened to meet first.
  backward: (g, ctx) => {
    const x = ctx.inputs[0]!;
    const shape = keepdimShape(x.shape, ctx.params.axes);
    const out = ctx.out().reshape(shape);
    let mask = fused('eq', x, out);
    // NaN wins the forward pass, but NaN == NaN is false: eq alone would leave a NaN slice with
    // an empty mask, and 0 * (g / 0) would put NaN on every element of it, finite ones included.
    // The NaN elements are what chose the result, so they share its gradient (torch.max()'s
    // rule, evenly_distribute_backward). Only outputs that hold a NaN pay for the extra passes.
    if (hasNaN(out)) mask = mask.add(isNaNMask(x).mul(isNaNMask(out)));
    const count = mask.sum(ctx.params.axes as number[], true);
    return [mask.mul(g.reshape(shape).div(count))];
  },
};

/** 1 where t is NaN, else 0: 1 - [t == t], from the fused 'eq' kernel, so no backend needs a new op. */
function isNaNMask(t: Tensor): Tensor {
  return fused('eq', t, t).neg().add(1);
}

function hasNaN(t: Tensor): boolean {
  const v = t.tensorData.contiguousStorage();
  for (const e of v) if (e !== e) return true;
  return false;
}
