import { type Storage, type Tensor, checkOptions, describeValue } from '@kindling/core';
import { bool, finite } from '../util.js';
import { Optimizer, type ParamsArg, allocateLike, importBuffer, tensorOf } from './optimizer.js';

/**
 * The hyper-parameters of {@link AdamW}, as torch.optim.AdamW's (camelCase); the constructor takes any subset.
 *
 * @category Optimizers
 */
export interface AdamWOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  /** Decoupled decay: each step multiplies the parameter by 1 - lr·weightDecay (default 1e-2). */
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

const ADAMW_OPTIONS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'];

interface AdamWState {
  step: number;
  expAvg: Storage;
  expAvgSq: Storage;
  maxExpAvgSq: Storage | null;
}

/**
 * torch.optim.AdamW (Adam with decoupled weight decay, Loshchilov & Hutter), following PyTorch
 * 1.13's single-tensor implementation operation by operation. Per parameter, with t its own
 * step count (from 1):
 *   g = grad (negated if maximize)
 *   p = p · (1 - lr · weightDecay)                   (the decay never enters m or v, unlike Adam's)
 *   m = m · beta1 + (1 - beta1) · g
 *   v = v · beta2 + ((1 - beta2) · g) · g
 *   stepSize = lr / (1 - beta1^t); c2 = sqrt(1 - beta2^t)
 *   amsgrad: vmax = max(vmax, v), denom = sqrt(vmax) / c2 + eps; else denom = sqrt(v) / c2 + eps
 *   p = p + (-stepSize · m) / denom
 * Defaults as PyTorch: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 1e-2.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { AdamW, Linear, MSELoss } from '@kindling/nn';
 * const model = new Linear(3, 1, { seed: 0 });
 * const opt = new AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.05 });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 1], { seed: 2 });
 * for (let step = 0; step < 5; step++) {
 *   opt.zeroGrad();
 *   new MSELoss().forward(model.forward(x), y).backward();
 *   opt.step();
 * }
 * ```
 *
 * @category Optimizers
 */
export class AdamW extends Optimizer<AdamWOptions, AdamWState> {
  constructor(params: ParamsArg<AdamWOptions>, opts: Partial<AdamWOptions> = {}) {
    checkOptions('AdamW', opts, ADAMW_OPTIONS);
    super('AdamW', params, {
      lr: opts.lr ?? 1e-3,
      betas: opts.betas ?? [0.9, 0.999],
      eps: opts.eps ?? 1e-8,
      weightDecay: opts.weightDecay ?? 1e-2,
      amsgrad: opts.amsgrad ?? false,
      maximize: opts.maximize ?? false,
    });
  }

  /** torch.optim.AdamW's checks: lr >= 0, eps >= 0, 0 <= beta1, beta2 < 1, weightDecay >= 0. */
  protected checkHyperParameters(o: AdamWOptions): void {
    const lr = finite('AdamW', 'lr', o.lr);
    const eps = finite('AdamW', 'eps', o.eps);
    const wd = finite('AdamW', 'weightDecay', o.weightDecay);
    bool('AdamW', 'amsgrad', o.amsgrad);
    bool('AdamW', 'maximize', o.maximize);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`AdamW: betas must be a pair [beta1, beta2], got ${Array.isArray(o.betas) ? `[${o.betas.map(describeValue).join(', ')}]` : describeValue(o.betas)}`);
    if (lr < 0) throw new Error(`AdamW: invalid learning rate: ${lr} (must be >= 0)`);
    if (eps < 0) throw new Error(`AdamW: invalid epsilon value: ${eps} (must be >= 0)`);
    o.betas.forEach((b, i) => {
      finite('AdamW', `betas[${i}]`, b);
      if (b < 0 || b >= 1) throw new Error(`AdamW: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`);
    });
    if (wd < 0) throw new Error(`AdamW: invalid weightDecay value: ${wd} (must be >= 0)`);
  }

  protected update(o: AdamWOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = o;
    const [beta1, beta2] = o.betas;
    const dtype = p instanceof Float32Array ? 'float32' : 'float64';
    let s = this.states[index];
    if (s === undefined) {
      s = { step: 0, expAvg: allocateLike(dtype, n), expAvgSq: allocateLike(dtype, n), maxExpAvgSq: amsgrad ? allocateLike(dtype, n) : null };
      this.states[index] = s;
    }
    // amsgrad switched on after the first step: the running maximum starts from zeros, as a fresh one would.
    if (amsgrad && s.maxExpAvgSq === null) s.maxExpAvgSq = allocateLike(dtype, n);
    const step = ++s.step;
    const decay = 1 - lr * weightDecay;
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const m = s.expAvg;
    const v = s.expAvgSq;
    const vmax = s.maxExpAvgSq;
    for (let i = 0; i < n; i++) {
      const d = maximize ? -g[go + i]! : g[go + i]!;
      // Each line writes storage, so float32 parameters round where PyTorch's in-place ops do.
      p[po + i] = p[po + i]! * decay;
      m[i] = m[i]! * beta1 + c1 * d;
      v[i] = v[i]! * beta2 + c2 * d * d;
      let denom: number;
      if (amsgrad) {
        vmax![i] = Math.max(vmax![i]!, v[i]!);
        denom = Math.sqrt(vmax![i]!) / bc2Sqrt + eps;
      } else {
        denom = Math.sqrt(v[i]!) / bc2Sqrt + eps;
      }
      p[po + i] = p[po + i]! + (-stepSize * m[i]!) / denom;
    }
  }

  protected exportState(s: AdamWState, p: Tensor): Record<string, Tensor | number> {
    const out: Record<string, Tensor | number> = { step: s.step, expAvg: tensorOf(s.expAvg, p.shape), expAvgSq: tensorOf(s.expAvgSq, p.shape) };
    if (s.maxExpAvgSq) out.maxExpAvgSq = tensorOf(s.maxExpAvgSq, p.shape);
    return out;
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): AdamWState {
    // PyTorch's own names (exp_avg, ...) would otherwise be skipped or fail as missing.
    checkOptions(where, saved, ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    return {
      step: stepCount(saved.step, where),
      expAvg: importBuffer(saved.expAvg, p, where, 'expAvg'),
      expAvgSq: importBuffer(saved.expAvgSq, p, where, 'expAvgSq'),
      maxExpAvgSq: saved.maxExpAvgSq === undefined || saved.maxExpAvgSq === null ? null : importBuffer(saved.maxExpAvgSq, p, where, 'maxExpAvgSq'),
    };
  }
}

/** A saved step count: a non-negative integer. */
export function stepCount(step: unknown, where: string): number {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new Error(`${where}: 'step' must be a non-negative integer, got ${describeValue(step)}`);
  return step;
}
