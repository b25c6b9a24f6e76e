import { type Op, type Tensor, TensorData, apply, checkOptions, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { isFiniteNumber } from '../util.js';
import { type Reduction, checkPair, checkReduction } from './reduction.js';

/**
 * Options of {@link HuberLoss}, as torch.nn.HuberLoss's (camelCase).
 *
 * @category Losses
 */
export interface HuberLossOptions {
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; > 0 (default 1). */
  delta?: number;
}

/**
 * Options of {@link SmoothL1Loss}, as torch.nn.SmoothL1Loss's (camelCase).
 *
 * @category Losses
 */
export interface SmoothL1LossOptions {
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear; >= 0, 0 being L1 (default 1). */
  beta?: number;
}

interface PiecewiseParams {
  kind: 'huber' | 'smoothL1';
  /** delta (Huber) or beta (SmoothL1), > 0. */
  k: number;
  reduction: Reduction;
}

/**
 * Huber and smooth-L1 as one primitive each way: with z = |x - t| and k = delta or beta,
 *   huber:    z < k ? z²/2 : k·(z - k/2)          d/dx = clamp(x - t, -k, k)
 *   smoothL1: z < k ? z²/2/k : z - k/2            d/dx = clamp(x - t, -k, k) / k
 * exactly PyTorch 1.13's CPU kernels (z = k takes the linear branch; the backward's clamp gives
 * ±k from |x - t| >= k, as its x <= -k / x >= k tests do). d/dt is the negative. The rule is a
 * clamp and a product, Tensor ops, so it can be differentiated again (second derivative 1 or
 * 1/k inside the band, 0 outside).
 */
const piecewise: Omit<Op<PiecewiseParams>, 'name'> = {
  saved: [0, 1],
  forward: ([x, t], { kind, k, reduction }) => {
    const xs = x!.contiguousStorage();
    const ts = t!.contiguousStorage();
    const f32 = x!.dtype === 'float32';
    const r = f32 ? Math.fround : (v: number) => v;
    const n = x!.size;
    const kk = r(k);
    const half = r(0.5 * kk);
    const loss = f32 ? new Float32Array(n) : new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(r(xs[i]! - ts[i]!));
      let l: number;
      if (kind === 'huber') {
        // Stryker disable next-line EqualityOperator: at z = k both branches are (k/2)·k to the last bit (z - k/2 = k/2 exactly), so `<=` changes nothing
        l = z < kk ? r(r(0.5 * z) * z) : r(kk * r(z - half));
      } else {
        l = z < kk ? r(r(r(0.5 * z) * z) / kk) : r(z - half);
      }
      if (reduction === 'none') loss[i] = l;
      else acc += l;
    }
    if (reduction === 'none') return new TensorData(loss, x!.shape);
    const out = f32 ? new Float32Array(1) : new Float64Array(1);
    out[0] = reduction === 'mean' ? acc / n : acc;
    return new TensorData(out, []);
  },
  backward: (g, ctx) => {
    const [x, t] = ctx.inputs;
    const { kind, k, reduction } = ctx.params;
    const ge = reduction === 'mean' ? g.div(x!.size) : g;
    const clamped = x!.sub(t!).clamp(-k, k);
    const gx = (kind === 'huber' ? clamped : clamped.div(k)).mul(ge);
    // gx is computed for either argument, so the input gets it unconditionally (the engine
    // drops a gradient for an input that needs none); the target's negation only when needed.
    return [gx, ctx.needsGrad(1) ? gx.neg() : null];
  },
};
const HuberOp: Op<PiecewiseParams> = { name: 'huberLoss', ...piecewise };
const SmoothL1Op: Op<PiecewiseParams> = { name: 'smoothL1Loss', ...piecewise };

function threshold(op: string, name: string, v: unknown, allowZero: boolean): number {
  if (!isFiniteNumber(v) || v < 0 || (!allowZero && v === 0)) {
    throw new Error(`${op}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${describeValue(v)}`);
  }
  return v;
}

/**
 * torch.nn.HuberLoss: per element, with z = |input - target|, `z²/2` for z < delta and
 * `delta·(z - delta/2)` beyond (quadratic near 0, linear in the tails, so outliers pull with a
 * bounded force); then mean (default), sum or none. Fused forward and backward; gradients for
 * the input and the target.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { HuberLoss } from '@kindling/nn';
 * const y = tensor([0.5, 3, -2], { requiresGrad: true });
 * const loss = new HuberLoss({ delta: 1 }).forward(y, tensor([0, 0, 0]));
 * console.log(loss.item()); // (0.125 + 2.5 + 1.5) / 3 = 1.375
 * loss.backward();         // y.grad: [0.5, 1, -1] / 3
 * ```
 *
 * @category Losses
 */
export class HuberLoss extends Module {
  readonly reduction: Reduction;
  readonly delta: number;

  constructor(opts: HuberLossOptions = {}) {
    super();
    const o = checkOptions('HuberLoss', opts, ['reduction', 'delta']);
    this.reduction = checkReduction('HuberLoss', o.reduction);
    // PyTorch: "huber_loss does not support non-positive values for delta."
    this.delta = threshold('HuberLoss', 'delta', o.delta ?? 1, false);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkPair('HuberLoss', input, target);
    return apply(HuberOp, [input, target], { kind: 'huber', k: this.delta, reduction: this.reduction });
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}', delta=${this.delta}`;
  }
}

/**
 * torch.nn.SmoothL1Loss: per element, with z = |input - target|, `z²/(2·beta)` for z < beta and
 * `z - beta/2` beyond; HuberLoss divided by beta (equal when beta = 1). `beta: 0` is exactly
 * L1Loss, as in PyTorch. Fused forward and backward; gradients for the input and the target.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { SmoothL1Loss } from '@kindling/nn';
 * const loss = new SmoothL1Loss({ beta: 0.5, reduction: 'none' }).forward(tensor([0.2, 2]), tensor([0, 0]));
 * console.log(loss.toArray()); // [0.04, 1.75]: 0.2²/(2·0.5), 2 - 0.25
 * ```
 *
 * @category Losses
 */
export class SmoothL1Loss extends Module {
  readonly reduction: Reduction;
  readonly beta: number;

  constructor(opts: SmoothL1LossOptions = {}) {
    super();
    const o = checkOptions('SmoothL1Loss', opts, ['reduction', 'beta']);
    this.reduction = checkReduction('SmoothL1Loss', o.reduction);
    // PyTorch: "smooth_l1_loss does not support negative values for beta."
    this.beta = threshold('SmoothL1Loss', 'beta', o.beta ?? 1, true);
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    checkPair('SmoothL1Loss', input, target);
    if (this.beta === 0) {
      // PyTorch 1.13 calls l1_loss here: |x - t| and abs's gradient, sign(x - t) (0 at a tie).
      const l = input.sub(target).abs();
      return this.reduction === 'none' ? l : this.reduction === 'sum' ? l.sum() : l.mean();
    }
    return apply(SmoothL1Op, [input, target], { kind: 'smoothL1', k: this.beta, reduction: this.reduction });
  }

  override extraRepr(): string {
    return `reduction='${this.reduction}', beta=${this.beta}`;
  }
}
