import { type Storage, type Tensor, checkOptions } from '@kindling/core';
import { type AdamState, adamState, checkAdamHyperParameters, exportAdamState, importAdamState } from './adam.js';
import { Optimizer, type ParamsArg } from './optimizer.js';

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
export class AdamW extends Optimizer<AdamWOptions, AdamState> {
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
    checkAdamHyperParameters('AdamW', o);
  }

  protected update(o: AdamWOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = o;
    const [beta1, beta2] = o.betas;
    const s = (this.states[index] = adamState(this.states[index], p, n, amsgrad));
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

  protected exportState(s: AdamState, p: Tensor): Record<string, Tensor | number> {
    return exportAdamState(s, p);
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): AdamState {
    return importAdamState(saved, p, where);
  }
}
