import { type Op, apply } from '../autograd/function.js';
import { allocate, resultType } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import type { Tensor } from '../tensor.js';
import { tensorArg } from './compare.js';
import { dimArg } from './reductions-extra.js';

/*
 * softmax and logSoftmax along one dim, each one pass forward (max, then exp and sum, then
 * scale) and one fused pass backward. The backward passes are ops too (SoftmaxBackward,
 * LogSoftmaxBackward) with rules of their own written in Tensor ops, so second and higher
 * derivatives are right.
 */

interface DimParams {
  dim: number;
}

/** Calls fn(base, n, stride) for every row along `dim` of a dense tensor of `shape`. */
function forEachRow(shape: readonly number[], dim: number, fn: (base: number, n: number, stride: number) => void): void {
  const n = shape[dim]!;
  let inner = 1;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  let outer = 1;
  // Stryker disable next-line EqualityOperator: more rows than there are only read and write past the end, which a typed array ignores
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  // (An empty dim calls fn with n = 0, which reads and writes nothing.)
  // Stryker disable next-line EqualityOperator: more rows than there are only read and write past the end, which a typed array ignores
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) fn(o * n * inner + k, n, inner);
}

/** The row's maximum; NaN if the row holds one (so NaN flows into the result). */
function rowMax(src: ArrayLike<number>, base: number, n: number, stride: number): number {
  let m = -Infinity;
  for (let i = 0, p = base; i < n; i++, p += stride) m = Math.max(m, src[p]!);
  return m;
}

export const Softmax: Op<DimParams> = {
  name: 'softmax',
  saved: ['output'],
  forward: ([x], { dim }) => {
    const src = x!.contiguousStorage();
    const out = allocate(x!.dtype, x!.size);
    const e = new Float64Array(x!.shape[dim] ?? 0);
    forEachRow(x!.shape, dim, (base, n, stride) => {
      const m = rowMax(src, base, n, stride);
      let s = 0;
      for (let i = 0, p = base; i < n; i++, p += stride) s += e[i] = Math.exp(src[p]! - m);
      // Stryker disable next-line EqualityOperator: one step more writes at the next row's first element, which that row then overwrites (or past the end, which a typed array ignores)
      for (let i = 0, p = base; i < n; i++, p += stride) out[p] = e[i]! / s;
    });
    return new TensorData(out, x!.shape);
  },
  backward: (g, ctx) => [apply(SoftmaxBackward, [g, ctx.out()], ctx.params)],
};

export const LogSoftmax: Op<DimParams> = {
  name: 'logSoftmax',
  saved: ['output'],
  forward: ([x], { dim }) => {
    const src = x!.contiguousStorage();
    const out = allocate(x!.dtype, x!.size);
    forEachRow(x!.shape, dim, (base, n, stride) => {
      const m = rowMax(src, base, n, stride);
      let s = 0;
      for (let i = 0, p = base; i < n; i++, p += stride) s += Math.exp(src[p]! - m);
      const ls = Math.log(s);
      // Stryker disable next-line EqualityOperator: one step more writes at the next row's first element, which that row then overwrites (or past the end, which a typed array ignores)
      for (let i = 0, p = base; i < n; i++, p += stride) out[p] = src[p]! - m - ls;
    });
    return new TensorData(out, x!.shape);
  },
  backward: (g, ctx) => [apply(LogSoftmaxBackward, [g, ctx.out()], ctx.params)],
};

/** Both inputs of a fused backward, dense, in one dtype-promoted output buffer. */
function pair([g, y]: readonly TensorData[]) {
  return { gs: g!.contiguousStorage(), ys: y!.contiguousStorage(), out: allocate(resultType(g!, y!), y!.size), shape: y!.shape };
}

/**
 * (g, y) ↦ y·(g - Σ g·y), softmax's vector-Jacobian product. Its own rule, for upstream h:
 * d/dg = the same map of (h, y); d/dy = h·(g - Σ g·y) - g·Σ h·y.
 */
export const SoftmaxBackward: Op<DimParams> = {
  name: 'softmaxBackward',
  saved: [0, 1],
  forward: (inputs, { dim }) => {
    const { gs, ys, out, shape } = pair(inputs);
    forEachRow(shape, dim, (base, n, stride) => {
      let s = 0;
      for (let i = 0, p = base; i < n; i++, p += stride) s += gs[p]! * ys[p]!;
      // Stryker disable next-line EqualityOperator: one step more writes at the next row's first element, which that row then overwrites (or past the end, which a typed array ignores)
      for (let i = 0, p = base; i < n; i++, p += stride) out[p] = ys[p]! * (gs[p]! - s);
    });
    return new TensorData(out, shape);
  },
  backward: (h, ctx) => {
    const [g, y] = ctx.inputs;
    const { dim } = ctx.params;
    return [
      ctx.needsGrad(0) ? apply(SoftmaxBackward, [h, y!], ctx.params) : null,
      ctx.needsGrad(1) ? h.mul(g!.sub(g!.mul(y!).sum(dim, true))).sub(g!.mul(h.mul(y!).sum(dim, true))) : null,
    ];
  },
};

/**
 * (g, y) ↦ g - e^y·Σ g, logSoftmax's vector-Jacobian product. Its own rule, for upstream h:
 * d/dg = h - Σ h·e^y; d/dy = -h·e^y·Σ g.
 */
export const LogSoftmaxBackward: Op<DimParams> = {
  name: 'logSoftmaxBackward',
  saved: [0, 1],
  forward: (inputs, { dim }) => {
    const { gs, ys, out, shape } = pair(inputs);
    forEachRow(shape, dim, (base, n, stride) => {
      let s = 0;
      for (let i = 0, p = base; i < n; i++, p += stride) s += gs[p]!;
      // Stryker disable next-line EqualityOperator: one step more writes at the next row's first element, which that row then overwrites (or past the end, which a typed array ignores)
      for (let i = 0, p = base; i < n; i++, p += stride) out[p] = gs[p]! - Math.exp(ys[p]!) * s;
    });
    return new TensorData(out, shape);
  },
  backward: (h, ctx) => {
    const [g, y] = ctx.inputs;
    const { dim } = ctx.params;
    const ey = y!.exp();
    return [
      ctx.needsGrad(0) ? h.sub(h.mul(ey).sum(dim, true)) : null,
      ctx.needsGrad(1) ? h.mul(ey).mul(g!.sum(dim, true)).neg() : null,
    ];
  },
};

function along(op: Op<DimParams>, name: string, x: Tensor, dim: unknown): Tensor {
  const d = dimArg(name, x, dim);
  // A 0-d tensor is one row of one element (dim 0 or -1, as in PyTorch).
  if (x.ndim === 0) return apply(op, [x.reshape([1])], { dim: 0 }).reshape([]);
  return apply(op, [x], { dim: d });
}

/** @internal softmax along a checked dim. */
export function softmaxImpl(x: Tensor, dim: unknown): Tensor {
  return along(Softmax, 'softmax', x, dim);
}

/** @internal logSoftmax along a checked dim. */
export function logSoftmaxImpl(x: Tensor, dim: unknown): Tensor {
  return along(LogSoftmax, 'logSoftmax', x, dim);
}

/**
 * `exp(x) / Σ exp(x)` along `dim` (torch.softmax; `dim` is required), computed after
 * subtracting each row's maximum, so large inputs do not overflow.
 *
 * @example
 * ```ts
 * import { softmax, tensor } from '@kindling/core';
 * softmax(tensor([[1000, 1000], [0, 0]]), 1).toArray(); // [[0.5, 0.5], [0.5, 0.5]]: no overflow
 * ```
 *
 * @category Ops
 */
export function softmax(input: Tensor, dim: number): Tensor {
  return softmaxImpl(tensorArg('softmax', input), dim);
}

/**
 * `x - log Σ exp(x)` along `dim` (torch.log_softmax; `dim` is required), stable for any input
 * scale; more accurate than `softmax(x, dim).log()` where probabilities are tiny.
 *
 * @example
 * ```ts
 * import { logSoftmax, tensor } from '@kindling/core';
 * logSoftmax(tensor([0, 0]), 0).toArray(); // [-0.6931471805599453, -0.6931471805599453]
 * ```
 *
 * @category Ops
 */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return logSoftmaxImpl(tensorArg('logSoftmax', input), dim);
}
