import { type Op, apply } from '../autograd/function.js';
import { type DType, allocate, getDefaultDtype, resultType } from '../storage/dtype.js';
import { broadcastShapes, sizeOf } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../util/options.js';

/** The condition, copied when the op was called (so later in-place writes cannot change a gradient), as 0/1 values. */
export interface WhereParams {
  cond: TensorData;
}

/**
 * `out = cond ? a : b` elementwise, broadcasting all three. Its backward sends the gradient
 * through the same selection: `where(cond, g, 0)` to `a`, `where(cond, 0, g)` to `b` (the engine
 * sums each back to its input's shape), which is this op again, so every order works.
 */
export const Where: Op<WhereParams> = {
  name: 'where',
  saved: [],
  forward: ([a, b], { cond }) => {
    const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a!.shape), b!.shape);
    const dtype = resultType(a!, b!);
    const n = sizeOf(shape);
    const c = cond.expand(shape).copyTo(new Float64Array(n));
    const av = a!.expand(shape).copyTo(allocate(dtype, n));
    const bv = b!.expand(shape).copyTo(allocate(dtype, n));
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let i = 0; i < n; i++) if (!c[i]) av[i] = bv[i]!;
    return new TensorData(av, shape);
  },
  backward: (g, ctx) => {
    const zero = new Tensor(TensorData.zeros([], g.dtype));
    return [
      ctx.needsGrad(0) ? apply(Where, [g, zero], ctx.params) : null,
      ctx.needsGrad(1) ? apply(Where, [zero, g], ctx.params) : null,
    ];
  },
};

function operand(what: string, v: unknown, dtype: DType): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number') throw new Error(`where: ${what} must be a Tensor or a number, got ${describeValue(v)}`);
  const t = new Tensor(TensorData.zeros([], dtype));
  t.tensorData.storage[0] = v;
  return t;
}

/**
 * Elementwise `condition ? input : other` (torch.where), broadcasting the three together.
 * `condition` is a tensor of 0s and 1s, such as a comparison returns (core has no boolean
 * dtype); any other value in it throws, naming the value and its position. `input` and `other`
 * may be plain numbers, which take the other operand's dtype (the default dtype when both are
 * numbers). The gradient flows only to the branch each element took: the other branch gets 0.
 * As in PyTorch, that 0 still meets the other branch's own derivative, and 0 times an infinite
 * one is NaN: `where(m, x.log(), 0)` at x = 0 has a NaN gradient. Guard the input instead,
 * `where(m, where(m, x, 1).log(), 0)`, so the untaken branch is evaluated somewhere harmless.
 *
 * @example
 * ```ts
 * import { tensor, where } from '@kindling/core';
 * const x = tensor([-1, 2, -3], { requiresGrad: true });
 * const mask = tensor([0, 1, 0]);
 * const y = where(mask, x.mul(10), 0);
 * y.sum().backward();
 * console.log(y.toArray(), x.grad?.toArray()); // [0, 20, 0] [0, 10, 0]
 * ```
 *
 * @category Indexing and joining
 */
export function where(condition: Tensor, input: Tensor | number, other: Tensor | number): Tensor {
  if (!(condition instanceof Tensor)) throw new Error(`where: condition must be a Tensor of 0s and 1s, got ${describeValue(condition)}`);
  const fallback = input instanceof Tensor ? input.dtype : other instanceof Tensor ? other.dtype : getDefaultDtype();
  const a = operand('input', input, fallback);
  const b = operand('other', other, fallback);
  const vals = condition.tensorData.contiguousStorage();
  const mask = new Float64Array(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (v !== 0 && v !== 1) {
      const at = condition.shape.map((_, d) => Math.floor(i / sizeOf(condition.shape.slice(d + 1))) % condition.shape[d]!);
      throw new Error(`where: condition must hold only 0 and 1 (a mask such as a comparison returns), but the element at [${at.join(', ')}] is ${describeValue(v)}`);
    }
    mask[i] = v;
  }
  return apply(Where, [a, b], { cond: new TensorData(mask, condition.shape) });
}
