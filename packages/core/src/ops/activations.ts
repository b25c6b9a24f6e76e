import { type Op, apply } from '../autograd/function.js';
import type { UnaryOp } from '../kernels/kernels.js';
import type { Tensor } from '../tensor.js';
import { checkOptions, describeValue } from '../util/options.js';
import { lt, tensorArg } from './compare.js';
import { unaryConst, unaryData } from './math.js';

/*
 * Activation functions. Each forward is one kernel pass. Each backward multiplies the upstream
 * gradient by f'(x), which a second kernel evaluates as an op of its own ('<name>Grad'): one
 * pass more than a fused g·f'(x) kernel, but f'(x)'s op has a backward too (f''(x), written
 * with Tensor ops), so gradients of any order are right. Piecewise-linear activations
 * (leakyRelu) have a piecewise-constant f': a constant mask, no graph.
 */

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT_2_PI = 0.7978845608028654; // √(2/π)
const KAPPA = 0.044715;

/** An op computing f'(x) with kernel `kop`; `second(x, param)` is f''(x) in Tensor ops. */
function derivativeOp(kop: UnaryOp, second: (x: Tensor, param: number) => Tensor): Op<number> {
  return {
    name: kop,
    saved: [0],
    forward: ([x], k) => unaryData(kop, x!, k),
    backward: (g, { inputs: [x], params }) => [g.mul(second(x!, params))],
  };
}

function activationOp(kop: UnaryOp, derivative: Op<number>): Op<number> {
  return {
    name: kop,
    saved: [0],
    forward: ([x], k) => unaryData(kop, x!, k),
    backward: (g, { inputs: [x], params }) => [g.mul(apply(derivative, [x!], params))],
  };
}

// softplus on z = beta·x (beta is applied outside, as a mul): f' = sigmoid(z) up to the
// threshold and 1 above it; f'' = s(1 - s) below it, 0 at and above it (torch's
// softplus_double_backward tests z < threshold).
const SoftplusGrad = derivativeOp('softplusGrad', (z, threshold) => {
  const s = z.sigmoid();
  return s.mul(s.neg().add(1)).mul(lt(z, threshold));
});
export const Softplus = activationOp('softplus', SoftplusGrad);

// elu: f' = 1 above 0, alpha·e^x at or below it (torch: x <= 0); f'' = alpha·e^x below 0, and
// 0 at and above it (as torch's double backward gives at 0).
const EluGrad: Op<number> = derivativeOp('eluGrad', (x, alpha) => apply(EluGrad, [x], alpha).mul(lt(x, 0)));
export const Elu = activationOp('elu', EluGrad);

// silu = x·s: f' = s(1 + x(1 - s)), f'' = s(1 - s)(2 + x(1 - 2s)), s = sigmoid(x).
const SiluGrad = derivativeOp('siluGrad', (x) => {
  const s = x.sigmoid();
  return s.mul(s.neg().add(1)).mul(x.mul(s.mul(-2).add(1)).add(2));
});
export const Silu = activationOp('silu', SiluGrad);

// gelu = x·Φ(x): f' = Φ(x) + x·φ(x), f'' = φ(x)(2 - x²), φ the standard normal density.
const GeluGrad = derivativeOp('geluGrad', (x) => {
  const x2 = x.mul(x);
  return x2.mul(-0.5).exp().mul(INV_SQRT_2PI).mul(x2.neg().add(2));
});
export const Gelu = activationOp('gelu', GeluGrad);

// tanh-approximate gelu = x(1 + t)/2, t = tanh(u), u = k(x + κx³):
// f' = (1 + t)/2 + x(1 - t²)u'/2, f'' = (1 - t²)(u' + x(u'' - 2t·u'²)/2), u' = k(1 + 3κx²), u'' = 6kκx.
const GeluTanhGrad = derivativeOp('geluTanhGrad', (x) => {
  const x2 = x.mul(x);
  const t = x.add(x2.mul(x).mul(KAPPA)).mul(SQRT_2_PI).tanh();
  const du = x2.mul(3 * KAPPA).add(1).mul(SQRT_2_PI);
  const ddu = x.mul(6 * KAPPA * SQRT_2_PI);
  const inner = du.add(x.mul(ddu.sub(t.mul(du).mul(du).mul(2))).mul(0.5));
  return t.mul(t).neg().add(1).mul(inner);
});
export const GeluTanh = activationOp('geluTanh', GeluTanhGrad);

// leakyRelu: f' is 1 above 0 and the slope at or below it, a constant; f'' = 0.
export const LeakyRelu: Op<number> = {
  name: 'leakyRelu',
  saved: [0],
  forward: ([x], slope) => unaryData('leakyRelu', x!, slope),
  backward: (g, { inputs: [x], params: slope }) => [g.mul(unaryConst('leakyReluGrad', x!, slope))],
};

function finiteArg(op: string, name: string, v: unknown, positive = false): number {
  // Number.isFinite is false for anything but a number, so no typeof check is needed.
  if (!Number.isFinite(v) || (positive && (v as number) <= 0)) {
    throw new Error(`${op}: ${name} must be a finite${positive ? ' positive' : ''} number, got ${describeValue(v)}`);
  }
  return v as number;
}

/** @internal softplus's checked implementation. */
export function softplusImpl(x: Tensor, beta: unknown, threshold: unknown): Tensor {
  const b = finiteArg('softplus', 'beta', beta, true);
  const th = finiteArg('softplus', 'threshold', threshold);
  // torch: x when beta·x > threshold, else log(1 + e^(beta·x)) / beta.
  return b === 1 ? apply(Softplus, [x], th) : apply(Softplus, [x.mul(b)], th).div(b);
}

/** @internal leakyRelu's checked implementation. */
export function leakyReluImpl(x: Tensor, negativeSlope: unknown): Tensor {
  return apply(LeakyRelu, [x], finiteArg('leakyRelu', 'negativeSlope', negativeSlope));
}

/** @internal elu's checked implementation. */
export function eluImpl(x: Tensor, alpha: unknown): Tensor {
  return apply(Elu, [x], finiteArg('elu', 'alpha', alpha));
}

/**
 * Options of {@link gelu}, as torch.nn.functional.gelu's keyword argument.
 *
 * @category Ops
 */
export interface GeluOptions {
  /** `'none'` (default): x·Φ(x) with the exact normal CDF; `'tanh'`: PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/** @internal gelu's checked implementation. */
export function geluImpl(x: Tensor, opts: unknown): Tensor {
  const { approximate = 'none' } = checkOptions('gelu', opts as GeluOptions | undefined, ['approximate']);
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got ${describeValue(approximate)}`);
  }
  return apply(approximate === 'none' ? Gelu : GeluTanh, [x], 0);
}

/** @internal silu's implementation. */
export function siluImpl(x: Tensor): Tensor {
  return apply(Silu, [x], 0);
}

/**
 * Softplus, a smooth relu: `log(1 + e^(beta·x)) / beta`, and `x` itself where
 * `beta·x > threshold` (torch.nn.functional.softplus, the same linear region). `beta` is a
 * finite positive number, `threshold` a finite number.
 *
 * @example
 * ```ts
 * import { softplus, tensor } from '@kindling/core';
 * softplus(tensor([0, 30])).toArray(); // [0.6931471805599453, 30]
 * softplus(tensor([1]), 2, 20).item(); // log(1 + e²) / 2 ≈ 1.0635
 * ```
 *
 * @category Ops
 */
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  return softplusImpl(tensorArg('softplus', input), beta, threshold);
}

/**
 * Leaky relu: `x` for x > 0, `negativeSlope·x` otherwise (torch.nn.functional.leaky_relu);
 * the gradient at 0 is `negativeSlope`, as in PyTorch.
 *
 * @example
 * ```ts
 * import { leakyRelu, tensor } from '@kindling/core';
 * leakyRelu(tensor([-2, 3]), 0.1).toArray(); // [-0.2, 3]
 * ```
 *
 * @category Ops
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return leakyReluImpl(tensorArg('leakyRelu', input), negativeSlope);
}

/**
 * ELU: `x` for x > 0, `alpha·(e^x - 1)` otherwise (torch.nn.functional.elu); the gradient at 0
 * is `alpha`, as in PyTorch.
 *
 * @example
 * ```ts
 * import { elu, tensor } from '@kindling/core';
 * elu(tensor([-1, 2])).toArray(); // [-0.6321205588285577, 2]
 * ```
 *
 * @category Ops
 */
export function elu(input: Tensor, alpha = 1): Tensor {
  return eluImpl(tensorArg('elu', input), alpha);
}

/**
 * GELU, `x·Φ(x)` with Φ the standard normal CDF (torch.nn.functional.gelu). Computed as
 * `x·erfc(-x/√2)/2`, so the left tail keeps its relative accuracy (PyTorch's
 * `x·(1 + erf(x/√2))/2` rounds to 0 there). `{ approximate: 'tanh' }` gives PyTorch's
 * `x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2`.
 *
 * @example
 * ```ts
 * import { gelu, tensor } from '@kindling/core';
 * gelu(tensor([-1, 0, 1])).toArray(); // [-0.158655253931457, 0, 0.841344746068543]
 * gelu(tensor([1]), { approximate: 'tanh' }).item(); // 0.8411919906082768
 * ```
 *
 * @category Ops
 */
export function gelu(input: Tensor, opts?: GeluOptions): Tensor {
  return geluImpl(tensorArg('gelu', input), opts);
}

/**
 * SiLU (swish): `x·sigmoid(x)` (torch.nn.functional.silu).
 *
 * @example
 * ```ts
 * import { silu, tensor } from '@kindling/core';
 * silu(tensor([0, 1])).toArray(); // [0, 0.7310585786300049]
 * ```
 *
 * @category Ops
 */
export function silu(input: Tensor): Tensor {
  return siluImpl(tensorArg('silu', input));
}
