import { type Op, apply } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { type DType, type Storage, allocate } from '../storage/dtype.js';
import { fmt } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { checkOptions, describeValue } from '../util/options.js';
import { ne, tensorArg } from './compare.js';
import { unaryData } from './math.js';
import { Max, type ReduceParams } from './reduce.js';

/*
 * Reductions beyond sum and max. Each takes the axes already normalized and sorted (the Tensor
 * methods check them, naming the op). Forward passes that need a loop of their own (prod,
 * logsumexp, cumsum, argmax) read the reduced elements as dense runs: the reduced axes are
 * permuted last and copied once, so run o holds the n elements that fold into output o.
 */

/** The reduced axes moved last, dense: run o is src[o*n .. (o+1)*n). */
function runsOf(x: TensorData, axes: readonly number[]): { src: Storage; n: number; count: number; perm: number[]; movedShape: readonly number[] } {
  const kept: number[] = [];
  for (let i = 0; i < x.ndim; i++) if (!axes.includes(i)) kept.push(i);
  const perm = [...kept, ...axes];
  const moved = x.permute(perm);
  let n = 1;
  for (const a of axes) n *= x.shape[a]!;
  let count = 1;
  for (const k of kept) count *= x.shape[k]!;
  return { src: moved.contiguousStorage(), n, count, perm, movedShape: moved.shape };
}

function inversePerm(perm: readonly number[]): number[] {
  // Stryker disable next-line ArrayDeclaration: every slot is assigned below; the length only preallocates
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** The result shape of reducing `axes` of `shape`. */
function reducedShape(shape: readonly number[], axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** A reduction's gradient reshaped to keepdim form, so that it broadcasts over the input. */
function keepdimShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function toDType(values: Float64Array, dtype: DType): Storage {
  return dtype === 'float64' ? values : Float32Array.from(values);
}

// ---- min ------------------------------------------------------------------------------------

/**
 * @internal min over normalized axes: -max(-x), so it inherits max's rules exactly: ties share
 * the gradient equally (torch.amin), NaN wins and sends its gradient to the NaN elements.
 */
export function minImpl(x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  for (const a of axes) {
    if (x.shape[a] === 0) throw new Error(`min: cannot reduce over axis ${a} of size 0 (shape ${fmt(x.shape)})`);
  }
  return apply(Max, [x.neg()], { axes, keepdim }).neg();
}

// ---- argmax / argmin ------------------------------------------------------------------------

/** @internal argmax / argmin: one dim or the flattened tensor; float64 indices, first on ties, NaN wins. */
export function argImpl(op: 'argmax' | 'argmin', x: Tensor, dim: unknown, keepdim: unknown): Tensor {
  if (typeof keepdim !== 'boolean') throw new Error(`${op}: keepdim must be a boolean, got ${describeValue(keepdim)}`);
  let axes: number[];
  if (dim === undefined || dim === null) {
    if (x.size === 0) throw new Error(`${op}: cannot take the ${op} of an empty tensor (shape ${fmt(x.shape)}) without a dim`);
    axes = x.shape.map((_, i) => i);
  } else {
    // Number.isInteger is false for anything but a number, so no typeof check is needed.
    if (!Number.isInteger(dim)) throw new Error(`${op}: dim must be an integer, got ${describeValue(dim)}`);
    const di = dim as number;
    // A 0-d tensor has one implicit dim: 0 or -1 (as in PyTorch).
    const nd = Math.max(x.ndim, 1);
    if (di < -nd || di >= nd) throw new Error(`${op}: dim ${di} is out of range for a tensor with ${x.ndim} dimension(s)`);
    axes = x.ndim === 0 ? [] : [di < 0 ? di + nd : di];
    if (axes.length && x.shape[axes[0]!] === 0) {
      throw new Error(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmt(x.shape)})`);
    }
  }
  const { src, n, count } = runsOf(x.tensorData, axes);
  const out = new Float64Array(count);
  const better = op === 'argmax' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
  for (let o = 0; o < count; o++) {
    const base = o * n;
    let best = src[base]!;
    let at = 0;
    // Strict comparison keeps the first of equal elements; the first NaN wins and stops the scan.
    for (let i = 1; i < n && best === best; i++) {
      const v = src[base + i]!;
      if (better(v, best) || v !== v) {
        best = v;
        at = i;
      }
    }
    out[o] = at;
  }
  const shape = reducedShape(x.shape, axes, keepdim); // without a dim, axes holds every dim
  return new Tensor(new TensorData(out, shape));
}

// ---- prod -----------------------------------------------------------------------------------

export const Prod: Op<ReduceParams> = {
  name: 'prod',
  saved: [0, 'output'],
  forward: ([x], { axes, keepdim }) => {
    const { src, n, count } = runsOf(x!, axes);
    const out = allocate(x!.dtype, count);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let o = 0; o < count; o++) {
      let p = 1;
      for (let i = o * n, end = i + n; i < end; i++) p *= src[i]!;
      out[o] = p;
    }
    return new TensorData(out, reducedShape(x!.shape, axes, keepdim));
  },
  // d prod / d x_i = the product of the other elements of x_i's group, computed so that zeros
  // are exact: one zero gives its element the product of the rest and the others 0; two or
  // more zeros give 0 everywhere (torch's prod_backward).
  backward: (g, ctx) => {
    const x = ctx.inputs[0]!;
    const shape = keepdimShape(x.shape, ctx.params.axes);
    return [g.reshape(shape).mul(productOfOthers(x, ctx.params.axes, () => ctx.out().reshape(shape)))];
  },
};

/**
 * P[i] = the product of the elements of i's group other than x[i]. Not recording: prefix and
 * suffix products, one pass, exact with zeros. Recording (createGraph): a differentiable form,
 * out / x when x has no zero, else prod over a row-per-element copy with x[i] replaced by 1.
 */
function productOfOthers(x: Tensor, axes: readonly number[], out: () => Tensor): Tensor {
  if (!isGradEnabled()) {
    const { src, n, count, perm, movedShape } = runsOf(x.tensorData, axes);
    const p = new Float64Array(x.size);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let o = 0; o < count; o++) {
      const base = o * n;
      let acc = 1;
      // Stryker disable next-line EqualityOperator: one step more sets the next group's first slot, which that group's own pass sets again first (or writes past the end)
      for (let i = 0; i < n; i++) {
        p[base + i] = acc;
        acc *= src[base + i]!;
      }
      acc = 1;
      for (let i = n - 1; i >= 0; i--) {
        p[base + i] *= acc;
        acc *= src[base + i]!;
      }
    }
    return new Tensor(new TensorData(toDType(p, x.dtype), movedShape).permute(inversePerm(perm)));
  }
  const xs = x.tensorData.contiguousStorage();
  if (!xs.includes(0)) return out().div(x);
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const keptShape = kept.map((i) => x.shape[i]!);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const eye = new Float64Array(n * n);
  // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const id = new Tensor(new TensorData(toDType(eye, x.dtype), [n, n]));
  // rows[..., i, k] = x_k for k != i, 1 for k == i; its product over k is P[i].
  const rows = x.permute(perm).reshape([...keptShape, 1, n]).mul(id.neg().add(1)).add(id);
  // Stryker disable next-line BooleanLiteral: the result is reshaped next, so a kept size-1 dim changes nothing
  const p = apply(Prod, [rows], { axes: [rows.ndim - 1], keepdim: false });
  return p.reshape([...keptShape, ...axes.map((a) => x.shape[a]!)]).permute(inversePerm(perm));
}

/** @internal prod over normalized axes. */
export function prodImpl(x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  return apply(Prod, [x], { axes, keepdim });
}

// ---- logsumexp ------------------------------------------------------------------------------

export const LogSumExp: Op<ReduceParams> = {
  name: 'logsumexp',
  saved: [0, 'output'],
  forward: ([x], { axes, keepdim }) => {
    const { src, n, count } = runsOf(x!, axes);
    const out = allocate(x!.dtype, count);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let o = 0; o < count; o++) {
      const base = o * n;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, src[base + i]!); // NaN wins
      // Shift by the max so no exp overflows; an infinite max shifts by 0 (torch's rule), so a
      // slice of -Infinity gives -Infinity and one holding +Infinity gives +Infinity.
      const shift = Number.isFinite(m) ? m : 0;
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(src[base + i]! - shift);
      out[o] = Math.log(s) + shift;
    }
    return new TensorData(out, reducedShape(x!.shape, axes, keepdim));
  },
  // d lse / d x_i = e^(x_i - lse): the softmax, from the result, so differentiable again.
  backward: (g, ctx) => {
    const x = ctx.inputs[0]!;
    const shape = keepdimShape(x.shape, ctx.params.axes);
    return [g.reshape(shape).mul(x.sub(ctx.out().reshape(shape)).exp())];
  },
};

/** @internal logsumexp over normalized axes. */
export function logsumexpImpl(x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  return apply(LogSumExp, [x], { axes, keepdim });
}

// ---- var, std, norm -------------------------------------------------------------------------

/**
 * sqrt with a gradient of 0 where the result is 0 (torch's rule for std and the 2-norm, whose
 * subgradient at 0 it takes as 0): g / (2y) elsewhere.
 */
export const SafeSqrt: Op<number> = {
  name: 'sqrt',
  saved: ['output'],
  forward: ([x]) => unaryData('sqrt', x!),
  backward: (g, ctx) => {
    const y = ctx.out();
    const nz = ne(y, 0);
    return [g.mul(nz).div(y.mul(2).add(nz.neg().add(1)))];
  },
};

/**
 * Options of {@link Tensor.var} and {@link Tensor.std}, as torch.var's keyword argument.
 *
 * @category Ops
 */
export interface VarOptions {
  /** The divisor is `N - correction` (at least 0): 1 (default) is Bessel's correction, 0 the population variance. */
  correction?: number;
}

function correctionOf(op: string, opts: unknown): number {
  const { correction = 1 } = checkOptions(op, opts as VarOptions | undefined, ['correction']);
  // Number.isFinite is false for anything but a number, so no typeof check is needed.
  if (!Number.isFinite(correction) || (correction as number) < 0) {
    throw new Error(`${op}: correction must be a finite non-negative number, got ${describeValue(correction)}`);
  }
  return correction as number;
}

/**
 * @internal var over normalized axes: Σ(x - mean)² / max(N - correction, 0), two passes (mean,
 * then squared deviations), composed of differentiable ops.
 */
export function varImpl(x: Tensor, axes: readonly number[], keepdim: boolean, opts: unknown, op = 'var'): Tensor {
  const correction = correctionOf(op, opts);
  let n = 1;
  for (const a of axes) n *= x.shape[a]!;
  const d = x.sub(x.mean(axes as number[], true));
  return d.mul(d).sum(axes as number[], keepdim).div(Math.max(n - correction, 0));
}

/** @internal std over normalized axes: sqrt(var), gradient 0 where std is 0. */
export function stdImpl(x: Tensor, axes: readonly number[], keepdim: boolean, opts: unknown): Tensor {
  return apply(SafeSqrt, [varImpl(x, axes, keepdim, opts, 'std')], 0);
}

/** @internal the p-norm (p = 1, 2 or Infinity) over normalized axes. */
export function normImpl(x: Tensor, p: unknown, axes: readonly number[], keepdim: boolean): Tensor {
  if (p !== 1 && p !== 2 && p !== Infinity) throw new Error(`norm: p must be 1, 2 or Infinity, got ${describeValue(p)}`);
  if (p === 1) return x.abs().sum(axes as number[], keepdim);
  if (p === 2) return apply(SafeSqrt, [x.mul(x).sum(axes as number[], keepdim)], 0);
  for (const a of axes) {
    if (x.shape[a] === 0) throw new Error(`norm: the Infinity-norm cannot reduce over axis ${a} of size 0 (shape ${fmt(x.shape)})`);
  }
  return apply(Max, [x.abs()], { axes, keepdim });
}

// ---- cumsum ---------------------------------------------------------------------------------

interface CumsumParams {
  dim: number;
  /** Sum from the end: the adjoint of a forward cumsum (its gradient), and vice versa. */
  reverse: boolean;
}

export const Cumsum: Op<CumsumParams> = {
  name: 'cumsum',
  saved: [],
  forward: ([x], { dim, reverse }) => {
    const src = x!.contiguousStorage();
    const shape = x!.shape;
    const n = shape[dim]!;
    let inner = 1;
    for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
    // NaN for an empty tensor (0 / 0), and then the loop runs no iteration.
    // Stryker disable next-line ArithmeticOperator: a larger count only adds iterations whose indices are all past the end, where a typed array ignores writes
    const outer = x!.size / (n * inner);
    const out = allocate(x!.dtype, x!.size);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * n * inner + k;
        let acc = 0;
        for (let j = 0; j < n; j++) {
          const idx = base + (reverse ? n - 1 - j : j) * inner;
          acc += src[idx]!;
          out[idx] = acc;
        }
      }
    }
    return new TensorData(out, shape);
  },
  backward: (g, { params: { dim, reverse } }) => [apply(Cumsum, [g], { dim, reverse: !reverse })],
};

/** @internal A dim argument for ops over one dim; a 0-d tensor accepts 0 and -1 (PyTorch's rule). */
export function dimArg(op: string, x: Tensor, dim: unknown): number {
  // Number.isInteger is false for anything but a number, so no typeof check is needed.
  if (!Number.isInteger(dim)) throw new Error(`${op}: dim must be an integer, got ${describeValue(dim)}`);
  const d = dim as number;
  const nd = Math.max(x.ndim, 1);
  if (d < -nd || d >= nd) throw new Error(`${op}: dim ${d} is out of range for a tensor with ${x.ndim} dimension(s)`);
  return d < 0 ? d + nd : d;
}

/** @internal cumsum along dim (checked). */
export function cumsumImpl(x: Tensor, dim: unknown): Tensor {
  const d = dimArg('cumsum', x, dim);
  if (x.ndim === 0) return cumsumImpl(x.reshape([1]), 0).reshape([]);
  return apply(Cumsum, [x], { dim: d, reverse: false });
}

// ---- the functions --------------------------------------------------------------------------

type Axis = number | readonly number[];

/**
 * Minimum values over `axis` (torch.amin; every axis when omitted, giving a 0-d tensor);
 * `keepdim` keeps the reduced dims with size 1. Ties share the gradient equally; NaN wins.
 *
 * @example
 * ```ts
 * import { min, tensor } from '@kindling/core';
 * min(tensor([[3, 1], [2, 5]]), 1).toArray(); // [1, 2]
 * ```
 *
 * @category Ops
 */
export function min(input: Tensor, axis?: Axis, keepdim = false): Tensor {
  return tensorArg('min', input).min(axis, keepdim);
}

/**
 * Index of the largest element along `dim` (torch.argmax), or in the flattened tensor when
 * `dim` is omitted. The first index wins on ties, and a NaN counts as the largest, as in
 * PyTorch. Indices come back as a float64 tensor of integers (Kindling has no integer dtype);
 * no gradient.
 *
 * @example
 * ```ts
 * import { argmax, tensor } from '@kindling/core';
 * argmax(tensor([[1, 9, 9], [7, 2, 3]]), 1).toArray(); // [1, 0]
 * argmax(tensor([[1, 9], [7, 2]])).item(); // 1 (flat index)
 * ```
 *
 * @category Ops
 */
export function argmax(input: Tensor, dim?: number, keepdim = false): Tensor {
  return argImpl('argmax', tensorArg('argmax', input), dim, keepdim);
}

/**
 * Index of the smallest element along `dim` (torch.argmin), or in the flattened tensor when
 * `dim` is omitted: first index on ties, NaN counts as the smallest; a float64 tensor of
 * integer indices, no gradient.
 *
 * @example
 * ```ts
 * import { argmin, tensor } from '@kindling/core';
 * argmin(tensor([[4, 1, 1], [0, 2, 3]]), 1, true).toArray(); // [[1], [0]]
 * ```
 *
 * @category Ops
 */
export function argmin(input: Tensor, dim?: number, keepdim = false): Tensor {
  return argImpl('argmin', tensorArg('argmin', input), dim, keepdim);
}

/**
 * Product over `axis` (torch.prod; every axis when omitted). The gradient of each element is
 * the product of the others in its group, exact when the group holds zeros.
 *
 * @example
 * ```ts
 * import { prod, tensor } from '@kindling/core';
 * const x = tensor([[2, 0, 3], [1, 2, 3]], { requiresGrad: true });
 * const p = prod(x, 1); // [0, 6]
 * p.sum().backward();
 * console.log(x.grad?.toArray()); // [[0, 6, 0], [6, 3, 2]]
 * ```
 *
 * @category Ops
 */
export function prod(input: Tensor, axis?: Axis, keepdim = false): Tensor {
  return tensorArg('prod', input).prod(axis, keepdim);
}

/**
 * `log(Σ exp(x))` over `axis` (torch.logsumexp; every axis when omitted), computed after
 * shifting by the maximum so that it neither overflows nor underflows.
 *
 * @example
 * ```ts
 * import { logsumexp, tensor } from '@kindling/core';
 * logsumexp(tensor([1000, 1000])).item(); // 1000.6931471805599
 * ```
 *
 * @category Ops
 */
export function logsumexp(input: Tensor, axis?: Axis, keepdim = false): Tensor {
  return tensorArg('logsumexp', input).logsumexp(axis, keepdim);
}

/**
 * Variance over `axis` (torch.var; every axis when omitted): `Σ(x - mean)² / (N - correction)`
 * with `correction` 1 by default (Bessel's). Exported as `var`, a reserved word in JavaScript:
 * import it renamed (`import { var as variance } from '@kindling/core'`) or call the method.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * tensor([1, 2, 3, 4]).var().item(); // 1.6666666666666667
 * tensor([1, 2, 3, 4]).var(0, false, { correction: 0 }).item(); // 1.25
 * ```
 *
 * @category Ops
 */
export function variance(input: Tensor, axis?: Axis, keepdim = false, opts?: VarOptions): Tensor {
  return tensorArg('var', input).var(axis, keepdim, opts);
}

/**
 * Standard deviation over `axis` (torch.std): the square root of {@link variance}, with the
 * same `correction` option; its gradient is 0 where it is 0 (a constant slice), as in PyTorch.
 *
 * @example
 * ```ts
 * import { std, tensor } from '@kindling/core';
 * std(tensor([[1, 3], [2, 2]]), 1).toArray(); // [1.4142135623730951, 0]
 * ```
 *
 * @category Ops
 */
export function std(input: Tensor, axis?: Axis, keepdim = false, opts?: VarOptions): Tensor {
  return tensorArg('std', input).std(axis, keepdim, opts);
}

/**
 * The vector p-norm over `axis` (torch.linalg.vector_norm; every element when omitted), for
 * p = 2 (default), 1 or Infinity. At 0 the gradient is 0 (PyTorch's subgradient for each p).
 *
 * @example
 * ```ts
 * import { norm, tensor } from '@kindling/core';
 * norm(tensor([3, -4])).item(); // 5
 * norm(tensor([[3, -4], [1, 1]]), 1, 1).toArray(); // [7, 2]
 * norm(tensor([3, -4]), Infinity).item(); // 4
 * ```
 *
 * @category Ops
 */
export function norm(input: Tensor, p = 2, axis?: Axis, keepdim = false): Tensor {
  return tensorArg('norm', input).norm(p, axis, keepdim);
}

/**
 * Cumulative sum along `dim` (torch.cumsum): element i is the sum of elements 0..i. Its
 * gradient is the cumulative sum from the other end.
 *
 * @example
 * ```ts
 * import { cumsum, tensor } from '@kindling/core';
 * cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(); // [[1, 3, 6], [4, 9, 15]]
 * ```
 *
 * @category Ops
 */
export function cumsum(input: Tensor, dim: number): Tensor {
  return cumsumImpl(tensorArg('cumsum', input), dim);
}
