import { type FusedKernels, type Storage, type Tensor, checkOptions, getKernel } from '@kindling/core';
import { bool, finite } from '../util.js';
import { Optimizer, type ParamsArg, allocateLike, importBuffer, tensorOf } from './optimizer.js';

/**
 * The hyper-parameters of {@link SGD}, as torch.optim.SGD's (camelCase); the constructor takes any subset.
 *
 * @category Optimizers
 */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

const SGD_OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'];

interface SGDState {
  momentumBuffer: Storage | null;
}

/**
 * torch.optim.SGD, as PyTorch implements it (not as its older docs describe). Per parameter:
 *   g = grad (negated if maximize); if weightDecay: g = g + weightDecay * p
 *   if momentum: b = g on the parameter's first step, else b = momentum * b + (1 - dampening) * g
 *                g = nesterov ? g + momentum * b : b
 *   p = p - lr * g
 * Defaults as PyTorch 2.x: lr 1e-3, everything else off.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Linear, MSELoss, SGD } from '@kindling/nn';
 * const model = new Linear(3, 1, { seed: 0 });
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const x = randn([16, 3], { seed: 1 }), y = randn([16, 1], { seed: 2 });
 * for (let step = 0; step < 10; step++) {
 *   opt.zeroGrad();
 *   new MSELoss().forward(model.forward(x), y).backward();
 *   opt.step();
 * }
 * ```
 *
 * @category Optimizers
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: ParamsArg<SGDOptions>, opts: Partial<SGDOptions> = {}) {
    checkOptions('SGD', opts, SGD_OPTIONS);
    super('SGD', params, {
      lr: opts.lr ?? 1e-3,
      momentum: opts.momentum ?? 0,
      dampening: opts.dampening ?? 0,
      weightDecay: opts.weightDecay ?? 0,
      nesterov: opts.nesterov ?? false,
      maximize: opts.maximize ?? false,
    });
  }

  /**
   * torch.optim.SGD's checks (lr, momentum and weightDecay >= 0; nesterov needs momentum > 0 and
   * zero dampening), plus one PyTorch does not make: dampening in [0, 1]. The buffer update is
   * b = momentum * b + (1 - dampening) * g, so a dampening above 1 adds the gradient with a
   * negative weight (every step after the first moves uphill) and one below 0 inflates it.
   */
  protected checkHyperParameters(o: SGDOptions): void {
    const lr = finite('SGD', 'lr', o.lr);
    const momentum = finite('SGD', 'momentum', o.momentum);
    const dampening = finite('SGD', 'dampening', o.dampening);
    const wd = finite('SGD', 'weightDecay', o.weightDecay);
    const nesterov = bool('SGD', 'nesterov', o.nesterov);
    bool('SGD', 'maximize', o.maximize);
    if (lr < 0) throw new Error(`SGD: invalid learning rate: ${lr} (must be >= 0)`);
    if (momentum < 0) throw new Error(`SGD: invalid momentum value: ${momentum} (must be >= 0)`);
    if (wd < 0) throw new Error(`SGD: invalid weightDecay value: ${wd} (must be >= 0)`);
    if (dampening < 0 || dampening > 1) {
      throw new Error(`SGD: invalid dampening value: ${dampening} (must be in [0, 1]: the momentum buffer adds (1 - dampening) * grad, so above 1 the steps move uphill and below 0 it amplifies the gradient instead of damping it)`);
    }
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error(`SGD: nesterov momentum requires a momentum > 0 and zero dampening (got momentum ${momentum}, dampening ${dampening})`);
    }
  }

  protected update(o: SGDOptions, index: number, p: Storage, po: number, g: Storage, go: number, n: number): void {
    let state = this.states[index];
    // With momentum, a parameter without a buffer (PyTorch: momentum_buffer None) starts one: its
    // first step copies the gradient in. Without momentum there is no buffer and no state.
    const first = o.momentum !== 0 && (state === undefined || state.momentumBuffer === null);
    if (first) {
      state = { momentumBuffer: allocateLike(p, n) };
      this.states[index] = state;
    }
    const buf = o.momentum !== 0 ? state!.momentumBuffer : null;
    // The loop is core's fused kernel: one pass, on whichever backend is in use.
    getKernel<FusedKernels['sgdUpdate']>('sgdUpdate', p instanceof Float32Array ? 'float32' : 'float64', n)(p, po, g, go, n, buf, first, o);
  }

  protected exportState(s: SGDState, p: Tensor): Record<string, Tensor | number> {
    return s.momentumBuffer ? { momentumBuffer: tensorOf(s.momentumBuffer, p.shape) } : {};
  }

  protected importState(saved: Record<string, unknown>, p: Tensor, where: string): SGDState {
    // PyTorch's own name, momentum_buffer, would otherwise be skipped and the momentum restart.
    checkOptions(where, saved, ['momentumBuffer']);
    if (saved.momentumBuffer === undefined || saved.momentumBuffer === null) return { momentumBuffer: null };
    return { momentumBuffer: importBuffer(saved.momentumBuffer, p, where, 'momentumBuffer') };
  }
}
