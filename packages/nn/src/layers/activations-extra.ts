import { type Tensor, checkOptions, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor, fmtShape } from '../util.js';
import { isFiniteNumber, isInteger } from './common.js';
import { pyFloat, pyNumber } from './repr.js';

/*
 * The activation layers beyond ReLU/Tanh/Sigmoid: thin modules over core's ops (softmax,
 * logSoftmax, gelu, leakyRelu, elu, silu, softplus), which carry the numerics and the gradients
 * of every order. What the modules add is PyTorch's constructor arguments, checked when the
 * layer is built, and PyTorch's str(module).
 */

function finiteArg(op: string, name: string, v: unknown): number {
  if (!isFiniteNumber(v)) throw new Error(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

function dimArg(op: string, dim: unknown): number {
  if (!isInteger(dim)) {
    // PyTorch still accepts dim=None with a deprecation warning and guesses a dim from the rank;
    // a guess that changes with the input's shape is a silent bug, so the dim is required here.
    throw new Error(`${op}: dim must be an integer (the dim to normalise over, e.g. 1 or -1), got ${describeValue(dim)}`);
  }
  return dim;
}

function checkDim(op: string, x: Tensor, dim: number): void {
  const n = Math.max(x.ndim, 1);
  if (dim < -n || dim >= n) throw new Error(`${op}: dim ${dim} is out of range for an input of shape ${fmtShape(x.shape)} (valid: ${-n}..${n - 1})`);
}

/**
 * torch.nn.Softmax: `exp(x) / Σ exp(x)` along `dim` (required), computed stably (core's
 * `softmax`).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { Softmax } from '@kindling/nn';
 * const sm = new Softmax(1);
 * console.log(sm.forward(tensor([[1, 1], [0, Math.log(3)]])).toArray(), String(sm)); // [[0.5, 0.5], [0.25, 0.75]] (to rounding) Softmax(dim=1)
 * ```
 *
 * @category Layers
 */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = dimArg('Softmax', dim);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Softmax', x);
    checkDim('Softmax', x, this.dim);
    return x.softmax(this.dim);
  }

  /** `dim=1`, as PyTorch prints it. */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * torch.nn.LogSoftmax: `x - log Σ exp(x)` along `dim` (required), computed stably (core's
 * `logSoftmax`); what NLLLoss takes.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { LogSoftmax } from '@kindling/nn';
 * const y = new LogSoftmax(-1).forward(tensor([1000, 1000]));
 * console.log(y.toArray()); // [-0.6931471805599453, -0.6931471805599453] (no overflow)
 * ```
 *
 * @category Layers
 */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = dimArg('LogSoftmax', dim);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('LogSoftmax', x);
    checkDim('LogSoftmax', x, this.dim);
    return x.logSoftmax(this.dim);
  }

  /** `dim=-1`, as PyTorch prints it. */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Options of {@link GELU}.
 *
 * @category Layers
 */
export interface GELUOptions {
  /** 'none' (default): x·Φ(x) with the exact normal CDF; 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

/**
 * torch.nn.GELU: x·Φ(x), Φ the standard normal CDF, or with `{ approximate: 'tanh' }`
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { GELU } from '@kindling/nn';
 * const gelu = new GELU({ approximate: 'tanh' });
 * console.log(String(gelu), gelu.forward(tensor([0, 1])).toArray()); // GELU(approximate='tanh') [0, 0.8411919906082768]
 * ```
 *
 * @category Layers
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(opts: GELUOptions = {}) {
    super();
    const o = checkOptions('GELU', opts, ['approximate']);
    const a = o.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got ${describeValue(a)}`);
    this.approximate = a;
  }

  override forward(x: Tensor): Tensor {
    checkTensor('GELU', x);
    return x.gelu({ approximate: this.approximate });
  }

  /** `approximate='none'`, as PyTorch prints it. */
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * torch.nn.LeakyReLU: x for x > 0, `negativeSlope`·x otherwise (default 0.01).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { LeakyReLU } from '@kindling/nn';
 * const act = new LeakyReLU(0.2);
 * console.log(act.forward(tensor([-1, 2])).toArray(), String(act)); // [-0.2, 2] LeakyReLU(negative_slope=0.2)
 * ```
 *
 * @category Layers
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = finiteArg('LeakyReLU', 'negativeSlope', negativeSlope);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('LeakyReLU', x);
    return x.leakyRelu(this.negativeSlope);
  }

  /** `negative_slope=0.01` (a Python float, as PyTorch's default is). */
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

/**
 * torch.nn.ELU: x for x > 0, `alpha`·(eˣ − 1) otherwise (default alpha 1).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { ELU } from '@kindling/nn';
 * const act = new ELU();
 * console.log(act.forward(tensor([2])).toArray(), String(act)); // [2] ELU(alpha=1.0)
 * ```
 *
 * @category Layers
 */
export class ELU extends Module {
  readonly alpha: number;

  constructor(alpha = 1) {
    super();
    this.alpha = finiteArg('ELU', 'alpha', alpha);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('ELU', x);
    return x.elu(this.alpha);
  }

  /** `alpha=1.0` (a Python float, as PyTorch's default is). */
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}

/**
 * torch.nn.SiLU (swish): x·sigmoid(x).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { SiLU } from '@kindling/nn';
 * console.log(new SiLU().forward(tensor([0, 1])).toArray()); // [0, 0.7310585786300049]
 * ```
 *
 * @category Layers
 */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    checkTensor('SiLU', x);
    return x.silu();
  }
}

/**
 * Options of {@link Softplus}.
 *
 * @category Layers
 */
export interface SoftplusOptions {
  /** Sharpness (default 1, positive): log(1 + e^(beta·x)) / beta. */
  beta?: number;
  /** Above beta·x > threshold the layer returns x itself (default 20), as PyTorch does. */
  threshold?: number;
}

/**
 * torch.nn.Softplus: log(1 + e^(beta·x)) / beta, and x where beta·x > threshold.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { Softplus } from '@kindling/nn';
 * const sp = new Softplus({ beta: 2 });
 * console.log(String(sp), sp.forward(tensor([0])).toArray()); // Softplus(beta=2, threshold=20) [0.34657359027997264]
 * ```
 *
 * @category Layers
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(opts: SoftplusOptions = {}) {
    super();
    const o = checkOptions('Softplus', opts, ['beta', 'threshold']);
    this.beta = finiteArg('Softplus', 'beta', o.beta ?? 1);
    // PyTorch takes any beta, but a negative one flips the curve into a smooth min(0, x) and
    // the threshold test with it; core's softplus takes positive betas only.
    if (this.beta <= 0) throw new Error(`Softplus: beta must be a positive number, got ${this.beta}`);
    this.threshold = finiteArg('Softplus', 'threshold', o.threshold ?? 20);
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Softplus', x);
    return x.softplus(this.beta, this.threshold);
  }

  /** `beta=1, threshold=20`: PyTorch's defaults are ints, so integers print without `.0`. */
  override extraRepr(): string {
    return `beta=${pyNumber(this.beta)}, threshold=${pyNumber(this.threshold)}`;
  }
}
