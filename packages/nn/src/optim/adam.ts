import { type FusedKernels, type Storage, type Tensor, checkOptions, describeValue, getKernel } from '@kindling/core';
import { bool, finite } from '../util.js';
import { Optimizer, type ParamsArg, allocateLike, importBuffer, stepCount, tensorOf } from './optimizer.js';

/**
 * The hyper-parameters of {@link Adam}, as torch.optim.Adam's (camelCase); the constructor takes any subset.
 *
 * @category Optimizers
 */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** L2 penalty added to the gradient (Adam's, not AdamW's decoupled decay). */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

const ADAM_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'];

export interface AdamState {
  step: number;
  expAvg: Storage;
  expAvgSq: Storage;
  maxExpAvgSq: Storage | null;
}

/**
 * torch.optim.Adam, following PyTorch's single-tensor implementation operation by operation.
 * Per parameter, with t its own step count (from 1):
 *   g = grad (negated if maximize); if weightDecay: g = g + weightDecay * p
 *   m = lerp(m, g, 1 - beta1)                         (m + w (g - m), or g - (g - m)(1 - w) for w >= 0.5)
 *   v = v * beta2 + ((1 - beta2) * g) * g
 *   stepSize = lr / (1 - beta1^t); c2 = sqrt(1 - beta2^t)
 *   amsgrad: vmax = max(vmax, v), denom = sqrt(vmax) / c2 + eps; else denom = sqrt(v) / c2 + eps
 *   p = p + (-stepSize * m) / denom
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Adam, Linear, MSELoss } from '@kindling/nn';
 * const model = new Linear(3, 1, { seed: 0 });
 * const opt = new Adam(model.parameters(), { lr: 1e-2, betas: [0.9, 0.999] });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 1], { seed: 2 });
 * opt.zeroGrad();
 * new MSELoss().forward(model.forward(x), y).backward();
 * opt.step();
 * ```
 *
 * @category Optimizers
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    checkOptions('Adam', opts, ADAM_OPTIONS);
    super('Adam', params, {
      lr: opts.lr ?? 1e-3,
      betas: opts.betas ?? [0.9, 0.999],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 0,
      amsgrad: opts.amsgrad ?? false,
      maximize: opts.maximize ?? false,
    });
  }

  /** torch.optim.Adam's checks: lr >= 0, eps >= 0, 0 <= beta1, beta2 < 1, weightDecay >= 0. */
  protected checkHyperParameters(o: AdamOptions): void {
    checkAdamHyperParameters('Adam', o);
  }

  protected update(o: AdamOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = o;
    const [beta1, beta2] = o.betas;
    const s = (this.states[index] = adamState(this.states[index], p, n, amsgrad));
    const step = ++s.step;
    // The loop is core's fused kernel: one pass, on whichever backend is in use.
    getKernel<FusedKernels['adamUpdate']>('adamUpdate', p instanceof Float32Array ? 'float32' : 'float64', n)(
      p, po, g, go, n, s.expAvg, s.expAvgSq, amsgrad ? s.maxExpAvgSq : null, { lr, beta1, beta2, eps, weightDecay, maximize, step },
    );
  }

  protected exportState(s: AdamState, p: Tensor): Record<string, Tensor | number> {
    return exportAdamState(s, p);
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): AdamState {
    return importAdamState(saved, p, where);
  }
}

// ---- shared by Adam and AdamW: same hyper-parameter rules, same state, different update --------

/** The checks torch.optim.Adam and AdamW make, with messages naming the optimizer. */
export function checkAdamHyperParameters(name: string, o: AdamOptions): void {
  const lr = finite(name, 'lr', o.lr);
  const eps = finite(name, 'eps', o.eps);
  const wd = finite(name, 'weightDecay', o.weightDecay);
  bool(name, 'amsgrad', o.amsgrad);
  bool(name, 'maximize', o.maximize);
  if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`${name}: betas must be a pair [beta1, beta2], got ${Array.isArray(o.betas) ? `[${o.betas.map(describeValue).join(', ')}]` : describeValue(o.betas)}`);
  if (lr < 0) throw new Error(`${name}: invalid learning rate: ${lr} (must be >= 0)`);
  if (eps < 0) throw new Error(`${name}: invalid epsilon value: ${eps} (must be >= 0)`);
  o.betas.forEach((b, i) => {
    finite(name, `betas[${i}]`, b);
    if (b < 0 || b >= 1) throw new Error(`${name}: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`);
  });
  if (wd < 0) throw new Error(`${name}: invalid weightDecay value: ${wd} (must be >= 0)`);
}

/** A parameter's Adam state, created on its first step; amsgrad switched on later starts its maximum from zeros. */
export function adamState(s: AdamState | undefined, p: Storage, n: number, amsgrad: boolean): AdamState {
  if (s === undefined) return { step: 0, expAvg: allocateLike(p, n), expAvgSq: allocateLike(p, n), maxExpAvgSq: amsgrad ? allocateLike(p, n) : null };
  if (amsgrad && s.maxExpAvgSq === null) s.maxExpAvgSq = allocateLike(p, n);
  return s;
}

export function exportAdamState(s: AdamState, p: Tensor): Record<string, Tensor | number> {
  const out: Record<string, Tensor | number> = { step: s.step, expAvg: tensorOf(s.expAvg, p.shape), expAvgSq: tensorOf(s.expAvgSq, p.shape) };
  if (s.maxExpAvgSq) out.maxExpAvgSq = tensorOf(s.maxExpAvgSq, p.shape);
  return out;
}

export function importAdamState(saved: Record<string, unknown>, p: Tensor, where: string): AdamState {
  // PyTorch's own names (exp_avg, ...) would otherwise be skipped or fail as missing.
  checkOptions(where, saved, ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
  return {
    step: stepCount(saved.step, where),
    expAvg: importBuffer(saved.expAvg, p, where, 'expAvg'),
    expAvgSq: importBuffer(saved.expAvgSq, p, where, 'expAvgSq'),
    maxExpAvgSq: saved.maxExpAvgSq === undefined || saved.maxExpAvgSq === null ? null : importBuffer(saved.maxExpAvgSq, p, where, 'maxExpAvgSq'),
  };
}
