import { type Storage, type Tensor, checkOptions } from '@kindling/core';
import { bool, finite } from '../util.js';
import { Optimizer, type ParamsArg, allocateLike, importBuffer, tensorOf, stepCount } from './optimizer.js';

/**
 * The hyper-parameters of {@link RMSprop}, as torch.optim.RMSprop's (camelCase); the constructor takes any subset.
 *
 * @category Optimizers
 */
export interface RMSpropOptions {
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  momentum: number;
  /** Normalise by an estimate of the gradient's variance (the mean of squares minus the squared mean). */
  centered: boolean;
  maximize: boolean;
}

const RMSPROP_OPTIONS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'];

interface RMSpropState {
  step: number;
  squareAvg: Storage;
  momentumBuffer: Storage | null;
  gradAvg: Storage | null;
}

/**
 * torch.optim.RMSprop, following PyTorch 1.13's single-tensor implementation operation by
 * operation. Per parameter:
 *   g = grad (negated if maximize); if weightDecay: g = g + weightDecay · p
 *   s = s · alpha + ((1 - alpha) · g) · g
 *   centered: a = a · alpha + (1 - alpha) · g, avg = sqrt(s - a · a) + eps; else avg = sqrt(s) + eps
 *   momentum > 0: b = b · momentum + g / avg, p = p - lr · b; else p = p + (-lr · g) / avg
 * Buffers start at zero (the momentum buffer too, unlike SGD's), on the parameter's first update.
 * Defaults as PyTorch: lr 1e-2, alpha 0.99, eps 1e-8, everything else off.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Linear, MSELoss, RMSprop } from '@kindling/nn';
 * const model = new Linear(3, 1, { seed: 0 });
 * const opt = new RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 1], { seed: 2 });
 * opt.zeroGrad();
 * new MSELoss().forward(model.forward(x), y).backward();
 * opt.step();
 * ```
 *
 * @category Optimizers
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: ParamsArg<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    checkOptions('RMSprop', opts, RMSPROP_OPTIONS);
    super('RMSprop', params, {
      lr: opts.lr ?? 1e-2,
      alpha: opts.alpha ?? 0.99,
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      momentum: opts.momentum ?? 0,
      centered: opts.centered ?? false,
      maximize: opts.maximize ?? false,
    });
  }

  /**
   * torch.optim.RMSprop's checks (lr, eps, momentum, weightDecay and alpha >= 0), plus one
   * PyTorch does not make: alpha <= 1. The average is s·alpha + (1 - alpha)·g², so an alpha
   * above 1 gives the squared gradient a negative weight and s, then its square root, goes
   * negative (NaN parameters a few steps later).
   */
  protected checkHyperParameters(o: RMSpropOptions): void {
    const lr = finite('RMSprop', 'lr', o.lr);
    const alpha = finite('RMSprop', 'alpha', o.alpha);
    const eps = finite('RMSprop', 'eps', o.eps);
    const wd = finite('RMSprop', 'weightDecay', o.weightDecay);
    const momentum = finite('RMSprop', 'momentum', o.momentum);
    bool('RMSprop', 'centered', o.centered);
    bool('RMSprop', 'maximize', o.maximize);
    if (lr < 0) throw new Error(`RMSprop: invalid learning rate: ${lr} (must be >= 0)`);
    if (eps < 0) throw new Error(`RMSprop: invalid epsilon value: ${eps} (must be >= 0)`);
    if (momentum < 0) throw new Error(`RMSprop: invalid momentum value: ${momentum} (must be >= 0)`);
    if (wd < 0) throw new Error(`RMSprop: invalid weightDecay value: ${wd} (must be >= 0)`);
    if (alpha < 0) throw new Error(`RMSprop: invalid alpha value: ${alpha} (must be >= 0)`);
    if (alpha > 1) throw new Error(`RMSprop: invalid alpha value: ${alpha} (must be <= 1: the squared gradient gets the weight 1 - alpha, and a negative one drives the average below zero)`);
  }

  protected update(o: RMSpropOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = o;
    let s = this.states[index];
    if (s === undefined) {
      s = { step: 0, squareAvg: allocateLike(p, n), momentumBuffer: null, gradAvg: null };
      this.states[index] = s;
    }
    // Created when first needed: a group switched to momentum or centered later starts them at zero.
    if (momentum > 0 && s.momentumBuffer === null) s.momentumBuffer = allocateLike(p, n);
    if (centered && s.gradAvg === null) s.gradAvg = allocateLike(p, n);
    s.step++;
    const c = 1 - alpha;
    const sq = s.squareAvg;
    const ga = s.gradAvg;
    const buf = s.momentumBuffer;
    for (let i = 0; i < n; i++) {
      let d = maximize ? -g[go + i]! : g[go + i]!;
      if (weightDecay !== 0) d = d + weightDecay * p[po + i]!;
      sq[i] = sq[i]! * alpha + c * d * d;
      let avg: number;
      if (centered) {
        ga![i] = ga![i]! * alpha + c * d;
        avg = Math.sqrt(sq[i]! - ga![i]! * ga![i]!) + eps;
      } else {
        avg = Math.sqrt(sq[i]!) + eps;
      }
      if (momentum > 0) {
        buf![i] = buf![i]! * momentum + d / avg;
        p[po + i] = p[po + i]! - lr * buf![i]!;
      } else {
        p[po + i] = p[po + i]! + (-lr * d) / avg;
      }
    }
  }

  protected exportState(s: RMSpropState, p: Tensor): Record<string, Tensor | number> {
    const out: Record<string, Tensor | number> = { step: s.step, squareAvg: tensorOf(s.squareAvg, p.shape) };
    if (s.momentumBuffer) out.momentumBuffer = tensorOf(s.momentumBuffer, p.shape);
    if (s.gradAvg) out.gradAvg = tensorOf(s.gradAvg, p.shape);
    return out;
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): RMSpropState {
    // PyTorch's own names (square_avg, ...) would otherwise be skipped or fail as missing.
    checkOptions(where, saved, ['step', 'squareAvg', 'momentumBuffer', 'gradAvg']);
    const optional = (key: 'momentumBuffer' | 'gradAvg') => (saved[key] === undefined || saved[key] === null ? null : importBuffer(saved[key], p, where, key));
    return {
      step: stepCount(saved.step, where),
      squareAvg: importBuffer(saved.squareAvg, p, where, 'squareAvg'),
      momentumBuffer: optional('momentumBuffer'),
      gradAvg: optional('gradAvg'),
    };
  }
}
