import { noGrad } from '../autograd/grad-mode.js';
import { kernels } from '../kernels/backend.js';
import type { BinaryOp, UnaryOp } from '../kernels/kernels.js';
import { allocate } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../util/options.js';
import { fused } from './elementwise.js';

/*
 * Comparisons and masks. Kindling has no boolean dtype: a comparison gives a float tensor of
 * 0s and 1s, in the dtype an arithmetic op on the same operands would have (float32 with
 * float32, float64 once a dimensioned float64 joins, a plain number never promotes). Masks
 * are piecewise constant, so they carry no gradient: the result never requires grad, as in
 * PyTorch, and it multiplies straight into arithmetic (`x.mul(x.gt(0))`).
 */

/** @internal Throws `op: expected a Tensor, got ...` unless t is a Tensor. */
export function tensorArg(op: string, t: unknown, what = 'a Tensor'): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected ${what}, got ${describeValue(t)}`);
  return t;
}

/** @internal A Tensor, or a plain number as a 0-d tensor of `like`'s dtype (so it never promotes). */
export function tensorOrNumber(op: string, like: Tensor, other: unknown): Tensor {
  if (other instanceof Tensor) return other;
  if (typeof other !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${describeValue(other)}`);
  const s = allocate(like.dtype, 1);
  s[0] = other;
  return new Tensor(new TensorData(s, []));
}

function compare(kop: BinaryOp, a: unknown, b: unknown): Tensor {
  const x = tensorArg(kop, a);
  const y = tensorOrNumber(kop, x, b);
  // The fused op's backward gives no gradient; recording it would only make the mask look differentiable.
  return noGrad(() => fused(kop, x, y));
}

function mask(kop: UnaryOp, a: unknown): Tensor {
  const x = tensorArg(kop, a);
  const out = allocate(x.dtype, x.size);
  kernels.unary(kop, x.tensorData, out, 0);
  return new Tensor(new TensorData(out, x.shape));
}

/**
 * `input == other` elementwise with broadcasting (torch.eq): 1 where equal, else 0, as a float
 * tensor (Kindling has no boolean dtype) that never requires grad. NaN equals nothing.
 *
 * @example
 * ```ts
 * import { eq, tensor } from '@kindling/core';
 * eq(tensor([1, 2, 3]), 2).toArray(); // [0, 1, 0]
 * ```
 *
 * @category Ops
 */
export function eq(input: Tensor, other: Tensor | number): Tensor {
  return compare('eq', input, other);
}

/**
 * `input != other` elementwise with broadcasting (torch.ne): a 0/1 float tensor; NaN differs
 * from everything, itself included.
 *
 * @example
 * ```ts
 * import { ne, tensor } from '@kindling/core';
 * ne(tensor([1, 2, NaN]), tensor([1, 0, NaN])).toArray(); // [0, 1, 1]
 * ```
 *
 * @category Ops
 */
export function ne(input: Tensor, other: Tensor | number): Tensor {
  return compare('ne', input, other);
}

/**
 * `input < other` elementwise with broadcasting (torch.lt): a 0/1 float tensor.
 *
 * @example
 * ```ts
 * import { lt, tensor } from '@kindling/core';
 * lt(tensor([[1, 5]]), tensor([[2], [5]])).toArray(); // [[1, 0], [1, 0]]
 * ```
 *
 * @category Ops
 */
export function lt(input: Tensor, other: Tensor | number): Tensor {
  return compare('lt', input, other);
}

/**
 * `input <= other` elementwise with broadcasting (torch.le): a 0/1 float tensor.
 *
 * @example
 * ```ts
 * import { le, tensor } from '@kindling/core';
 * le(tensor([1, 2, 3]), 2).toArray(); // [1, 1, 0]
 * ```
 *
 * @category Ops
 */
export function le(input: Tensor, other: Tensor | number): Tensor {
  return compare('le', input, other);
}

/**
 * `input > other` elementwise with broadcasting (torch.gt): a 0/1 float tensor.
 *
 * @example
 * ```ts
 * import { gt, tensor } from '@kindling/core';
 * const x = tensor([-1, 2, -3, 4]);
 * x.mul(gt(x, 0)).toArray(); // [-0, 2, -0, 4]: a mask multiplies into arithmetic
 * ```
 *
 * @category Ops
 */
export function gt(input: Tensor, other: Tensor | number): Tensor {
  return compare('gt', input, other);
}

/**
 * `input >= other` elementwise with broadcasting (torch.ge): a 0/1 float tensor.
 *
 * @example
 * ```ts
 * import { ge, tensor } from '@kindling/core';
 * ge(tensor([1, 2, 3]), 2).toArray(); // [0, 1, 1]
 * ```
 *
 * @category Ops
 */
export function ge(input: Tensor, other: Tensor | number): Tensor {
  return compare('ge', input, other);
}

/**
 * 1 where the element is NaN, else 0 (torch.isnan), in the input's dtype; no gradient.
 *
 * @example
 * ```ts
 * import { isnan, tensor } from '@kindling/core';
 * isnan(tensor([1, NaN, Infinity])).toArray(); // [0, 1, 0]
 * ```
 *
 * @category Ops
 */
export function isnan(input: Tensor): Tensor {
  return mask('isnan', input);
}

/**
 * 1 where the element is finite (neither ±Infinity nor NaN), else 0 (torch.isfinite), in the
 * input's dtype; no gradient.
 *
 * @example
 * ```ts
 * import { isfinite, tensor } from '@kindling/core';
 * isfinite(tensor([1, NaN, -Infinity])).toArray(); // [1, 0, 0]
 * ```
 *
 * @category Ops
 */
export function isfinite(input: Tensor): Tensor {
  return mask('isfinite', input);
}
