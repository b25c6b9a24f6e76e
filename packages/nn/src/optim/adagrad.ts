import { type Storage, type Tensor, checkOptions } from '@kindling/core';
import { bool, finite } from '../util.js';
import { Optimizer, type ParamsArg, allocateLike, importBuffer, tensorOf, stepCount } from './optimizer.js';

/**
 * The hyper-parameters of {@link Adagrad}, as torch.optim.Adagrad's (camelCase); the constructor takes any subset.
 *
 * @category Optimizers
 */
export interface AdagradOptions {
  lr: number;
  /** The step size at step t is lr / (1 + (t - 1) · lrDecay). */
  lrDecay: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Where each parameter's sum of squared gradients starts (constructor options only, not per group). */
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

const ADAGRAD_OPTIONS = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'];

interface AdagradState {
  step: number;
  sum: Storage;
}

/**
 * torch.optim.Adagrad, following PyTorch 1.13's single-tensor implementation operation by
 * operation. Per parameter, with t its own step count (from 1):
 *   g = grad (negated if maximize); if weightDecay: g = g + weightDecay · p
 *   clr = lr / (1 + (t - 1) · lrDecay)
 *   sum = sum + g · g
 *   p = p + (-clr · g) / (sqrt(sum) + eps)
 * As in PyTorch, every parameter's state exists from construction (step 0, sum filled with the
 * constructor's initialAccumulatorValue), so `stateDict()` lists it before the first step; a
 * parameter group may not set its own initialAccumulatorValue (PyTorch ignores one silently).
 * Defaults as PyTorch: lr 1e-2, eps 1e-10, everything else 0.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Adagrad, Linear, MSELoss } from '@kindling/nn';
 * const model = new Linear(3, 1, { seed: 0 });
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, initialAccumulatorValue: 0.1 });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 1], { seed: 2 });
 * opt.zeroGrad();
 * new MSELoss().forward(model.forward(x), y).backward();
 * opt.step();
 * console.log(opt.stateDict().state['0']?.step); // 1
 * ```
 *
 * @category Optimizers
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: ParamsArg<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    checkOptions('Adagrad', opts, ADAGRAD_OPTIONS);
    super('Adagrad', params, {
      lr: opts.lr ?? 1e-2,
      lrDecay: opts.lrDecay ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
      eps: opts.eps ?? 1e-10,
      maximize: opts.maximize ?? false,
    });
    // PyTorch fills every parameter's sum with the constructor's initial_accumulator_value and
    // never reads a group's own: a group overriding it would be silently ignored there, so here
    // it is an error rather than a different result.
    this.paramGroups.forEach((group, gi) => {
      if (group.initialAccumulatorValue !== this.defaults.initialAccumulatorValue) {
        throw new Error(`Adagrad: parameter group ${gi} sets initialAccumulatorValue ${group.initialAccumulatorValue}, but every sum starts at the constructor's value (${this.defaults.initialAccumulatorValue}), as in PyTorch, which ignores a group's own; pass it in the options instead`);
      }
    });
    let k = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) this.states[k++] = this.initialState(p.tensorData.storage, p.size);
    }
  }

  /** Step 0 and a sum of `n` elements, of the parameter storage's type, all initialAccumulatorValue. */
  private initialState(like: Storage, n: number): AdagradState {
    const sum = allocateLike(like, n);
    sum.fill(this.defaults.initialAccumulatorValue);
    return { step: 0, sum };
  }

  /** torch.optim.Adagrad's checks: lr, lrDecay, weightDecay, initialAccumulatorValue and eps >= 0. */
  protected checkHyperParameters(o: AdagradOptions): void {
    const lr = finite('Adagrad', 'lr', o.lr);
    const lrDecay = finite('Adagrad', 'lrDecay', o.lrDecay);
    const wd = finite('Adagrad', 'weightDecay', o.weightDecay);
    const init = finite('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    const eps = finite('Adagrad', 'eps', o.eps);
    bool('Adagrad', 'maximize', o.maximize);
    if (lr < 0) throw new Error(`Adagrad: invalid learning rate: ${lr} (must be >= 0)`);
    if (lrDecay < 0) throw new Error(`Adagrad: invalid lrDecay value: ${lrDecay} (must be >= 0)`);
    if (wd < 0) throw new Error(`Adagrad: invalid weightDecay value: ${wd} (must be >= 0)`);
    if (init < 0) throw new Error(`Adagrad: invalid initialAccumulatorValue value: ${init} (must be >= 0)`);
    if (eps < 0) throw new Error(`Adagrad: invalid epsilon value: ${eps} (must be >= 0)`);
  }

  protected update(o: AdagradOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = o;
    // A state dict without this parameter's entry (or loaded from one) starts it as construction does.
    let s = this.states[index];
    if (s === undefined) {
      s = this.initialState(p, n);
      this.states[index] = s;
    }
    const step = ++s.step;
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = s.sum;
    for (let i = 0; i < n; i++) {
      let d = maximize ? -g[go + i]! : g[go + i]!;
      if (weightDecay !== 0) d = d + weightDecay * p[po + i]!;
      sum[i] = sum[i]! + d * d;
      p[po + i] = p[po + i]! + (-clr * d) / (Math.sqrt(sum[i]!) + eps);
    }
  }

  protected exportState(s: AdagradState, p: Tensor): Record<string, Tensor | number> {
    return { step: s.step, sum: tensorOf(s.sum, p.shape) };
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): AdagradState {
    checkOptions(where, saved, ['step', 'sum']);
    return { step: stepCount(saved.step, where), sum: importBuffer(saved.sum, p, where, 'sum') };
  }
}
