import { type Op, apply } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import type { UnaryOp } from '../kernels/kernels.js';
import { allocate } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../util/options.js';
import { ge, le, tensorArg, tensorOrNumber } from './compare.js';
import { Maximum, Minimum } from './elementwise.js';

/*
 * Elementwise math beyond the primitives of elementwise.ts. Each op is one kernel pass
 * forward; each backward is written with Tensor ops (or with masks, which are constants), so
 * under createGraph the gradient is itself differentiable.
 */

/** @internal One pass of unary kernel `kop` over x into a new dense tensor of x's dtype. */
export function unaryData(kop: UnaryOp, x: TensorData, param = 0): TensorData {
  const out = allocate(x.dtype, x.size);
  kernels.unary(kop, x, out, param);
  return new TensorData(out, x.shape);
}

/** @internal A constant (no graph) tensor: unary kernel `kop` of t's values. */
export function unaryConst(kop: UnaryOp, t: Tensor, param = 0): Tensor {
  return new Tensor(unaryData(kop, t.tensorData, param));
}

const unaryForward = (kop: UnaryOp) => ([x]: readonly TensorData[], k: number): TensorData => unaryData(kop, x!, k);

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π, erf's derivative at 0

export const Rsqrt: Op<number> = {
  name: 'rsqrt',
  saved: ['output'],
  forward: unaryForward('rsqrt'),
  // d x^(-1/2) = -x^(-3/2)/2 = -y³/2 (torch's rule, from the result).
  backward: (g, ctx) => [g.mul(ctx.out().pow(3)).mul(-0.5)],
};

export const Reciprocal: Op<number> = {
  name: 'reciprocal',
  saved: ['output'],
  forward: unaryForward('reciprocal'),
  backward: (g, ctx) => {
    const y = ctx.out();
    return [g.mul(y.mul(y)).neg()];
  },
};

export const Sign: Op<number> = {
  name: 'sign',
  saved: [],
  forward: unaryForward('sign'),
  // Zero almost everywhere, and zero at 0 too (PyTorch's choice); a tensor of zeros, not null,
  // so a leaf still gets a .grad (as PyTorch gives one).
  backward: (g) => [new Tensor(TensorData.zeros(g.shape, g.dtype))],
};

export const Sin: Op<number> = {
  name: 'sin',
  saved: [0],
  forward: unaryForward('sin'),
  backward: (g, { inputs: [x] }) => [g.mul(x!.cos())],
};

export const Cos: Op<number> = {
  name: 'cos',
  saved: [0],
  forward: unaryForward('cos'),
  backward: (g, { inputs: [x] }) => [g.mul(x!.sin()).neg()],
};

export const Log1p: Op<number> = {
  name: 'log1p',
  saved: [0],
  forward: unaryForward('log1p'),
  backward: (g, { inputs: [x] }) => [g.div(x!.add(1))],
};

export const Expm1: Op<number> = {
  name: 'expm1',
  saved: ['output'],
  forward: unaryForward('expm1'),
  backward: (g, ctx) => [g.mul(ctx.out().add(1))],
};

export const Erf: Op<number> = {
  name: 'erf',
  saved: [0],
  forward: unaryForward('erf'),
  backward: (g, { inputs: [x] }) => [g.mul(x!.mul(x!).neg().exp().mul(TWO_OVER_SQRT_PI))],
};

interface ClampParams {
  min: number | undefined;
  max: number | undefined;
}

export const Clamp: Op<ClampParams> = {
  name: 'clamp',
  saved: [0],
  // One pass per given bound (clampImpl requires at least one); the second reads the first's output.
  forward: ([x], { min, max }) => {
    const lower = min === undefined ? x! : unaryData('clampMin', x!, min);
    return max === undefined ? lower : unaryData('clampMax', lower, max);
  },
  // 1 inside [min, max], bounds included (torch's clamp_backward); the mask is a constant.
  backward: (g, { inputs: [x], params: { min, max } }) => {
    // clamp refuses a call without a bound, so the mask is never null here.
    let mask: Tensor | null = null;
    if (min !== undefined) mask = ge(x!, min);
    if (max !== undefined) mask = mask === null ? le(x!, max) : mask.mul(le(x!, max));
    return [g.mul(mask!)];
  },
};

function boundArg(op: string, name: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${op}: ${name} must be a number or undefined, got ${describeValue(v)}`);
  return v;
}

/** @internal clamp's checked implementation (Tensor.clamp and clamp() both land here). */
export function clampImpl(x: Tensor, min: unknown, max: unknown): Tensor {
  const lo = boundArg('clamp', 'min', min);
  const hi = boundArg('clamp', 'max', max);
  if (lo === undefined && hi === undefined) throw new Error('clamp: at least one of min and max must be given');
  // The bounds as x's dtype holds them, so the forward pass and the gradient's mask agree.
  const round = (v: number | undefined) => (v === undefined || x.dtype === 'float64' ? v : Math.fround(v));
  return apply(Clamp, [x], { min: round(lo), max: round(hi) });
}

/**
 * Elementwise minimum of two tensors with broadcasting (torch.minimum); a plain number is a
 * 0-d tensor of `input`'s dtype. NaN wins. On a tie each operand gets half the gradient, as
 * in PyTorch.
 *
 * @example
 * ```ts
 * import { minimum, tensor } from '@kindling/core';
 * minimum(tensor([1, 5, 3]), tensor([2, 4, 3])).toArray(); // [1, 4, 3]
 * ```
 *
 * @category Ops
 */
export function minimum(input: Tensor, other: Tensor | number): Tensor {
  const x = tensorArg('minimum', input);
  return apply(Minimum, [x, tensorOrNumber('minimum', x, other)], undefined);
}

/**
 * Elementwise maximum of two tensors with broadcasting (torch.maximum); a plain number is a
 * 0-d tensor of `input`'s dtype. NaN wins. On a tie each operand gets half the gradient.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from '@kindling/core';
 * maximum(tensor([[1, 5]]), 2).toArray(); // [[2, 5]]
 * ```
 *
 * @category Ops
 */
export function maximum(input: Tensor, other: Tensor | number): Tensor {
  const x = tensorArg('maximum', input);
  return apply(Maximum, [x, tensorOrNumber('maximum', x, other)], undefined);
}

/**
 * Clamps every element into [min, max] (torch.clamp); either bound may be omitted (undefined
 * or null), not both. The gradient is 1 where min <= x <= max (bounds included, as PyTorch)
 * and 0 outside. With min > max every element becomes max. NaN stays NaN.
 *
 * @example
 * ```ts
 * import { clamp, tensor } from '@kindling/core';
 * clamp(tensor([-2, 0.5, 3]), 0, 1).toArray(); // [0, 0.5, 1]
 * clamp(tensor([-2, 0.5, 3]), undefined, 1).toArray(); // [-2, 0.5, 1]
 * ```
 *
 * @category Ops
 */
export function clamp(input: Tensor, min?: number | null, max?: number | null): Tensor {
  return clampImpl(tensorArg('clamp', input), min, max);
}

/**
 * `input²` elementwise (torch.square; the same op as `pow(2)`).
 *
 * @example
 * ```ts
 * import { square, tensor } from '@kindling/core';
 * square(tensor([-3, 0.5])).toArray(); // [9, 0.25]
 * ```
 *
 * @category Ops
 */
export function square(input: Tensor): Tensor {
  return tensorArg('square', input).pow(2);
}

/**
 * `1 / √input` elementwise (torch.rsqrt); Infinity at 0, NaN below.
 *
 * @example
 * ```ts
 * import { rsqrt, tensor } from '@kindling/core';
 * rsqrt(tensor([4, 0.25])).toArray(); // [0.5, 2]
 * ```
 *
 * @category Ops
 */
export function rsqrt(input: Tensor): Tensor {
  return apply(Rsqrt, [tensorArg('rsqrt', input)], 0);
}

/**
 * `1 / input` elementwise (torch.reciprocal).
 *
 * @example
 * ```ts
 * import { reciprocal, tensor } from '@kindling/core';
 * reciprocal(tensor([2, -0.5])).toArray(); // [0.5, -2]
 * ```
 *
 * @category Ops
 */
export function reciprocal(input: Tensor): Tensor {
  return apply(Reciprocal, [tensorArg('reciprocal', input)], 0);
}

/**
 * The sign of each element: -1, 0 or 1 (torch.sign); NaN stays NaN (IEEE's and NumPy's rule;
 * PyTorch 1.13 gives 0). The gradient is 0 everywhere.
 *
 * @example
 * ```ts
 * import { sign, tensor } from '@kindling/core';
 * sign(tensor([-2, 0, 3])).toArray(); // [-1, 0, 1]
 * ```
 *
 * @category Ops
 */
export function sign(input: Tensor): Tensor {
  return apply(Sign, [tensorArg('sign', input)], 0);
}

/**
 * Elementwise sine, in radians (torch.sin).
 *
 * @example
 * ```ts
 * import { sin, tensor } from '@kindling/core';
 * sin(tensor([0, Math.PI / 2])).toArray(); // [0, 1]
 * ```
 *
 * @category Ops
 */
export function sin(input: Tensor): Tensor {
  return apply(Sin, [tensorArg('sin', input)], 0);
}

/**
 * Elementwise cosine, in radians (torch.cos).
 *
 * @example
 * ```ts
 * import { cos, tensor } from '@kindling/core';
 * cos(tensor([0, Math.PI])).toArray(); // [1, -1]
 * ```
 *
 * @category Ops
 */
export function cos(input: Tensor): Tensor {
  return apply(Cos, [tensorArg('cos', input)], 0);
}

/**
 * `log(1 + input)` elementwise, accurate for small inputs (torch.log1p).
 *
 * @example
 * ```ts
 * import { log1p, tensor } from '@kindling/core';
 * log1p(tensor([1e-20, Math.E - 1])).toArray(); // [1e-20, 1]
 * ```
 *
 * @category Ops
 */
export function log1p(input: Tensor): Tensor {
  return apply(Log1p, [tensorArg('log1p', input)], 0);
}

/**
 * `exp(input) - 1` elementwise, accurate for small inputs (torch.expm1).
 *
 * @example
 * ```ts
 * import { expm1, tensor } from '@kindling/core';
 * expm1(tensor([1e-20, 0])).toArray(); // [1e-20, 0]
 * ```
 *
 * @category Ops
 */
export function expm1(input: Tensor): Tensor {
  return apply(Expm1, [tensorArg('expm1', input)], 0);
}

/**
 * The error function `2/√π ∫₀ˣ e^(-t²) dt` elementwise (torch.erf), to full float64 accuracy
 * (W. J. Cody's rational approximations; within a few ulps).
 *
 * @example
 * ```ts
 * import { erf, tensor } from '@kindling/core';
 * erf(tensor([0, 1, -Infinity])).toArray(); // [0, 0.8427007929497148, -1] (exact: ...149)
 * ```
 *
 * @category Ops
 */
export function erf(input: Tensor): Tensor {
  return apply(Erf, [tensorArg('erf', input)], 0);
}
