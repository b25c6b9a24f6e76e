import { grad } from './autograd/grad.js';
import { type GradcheckOptions, gradcheck } from './gradcheck.js';
import { randn } from './factories.js';
import { fmt } from './storage/shape.js';
import { TensorData } from './storage/tensor-data.js';
import { Tensor } from './tensor.js';
import { checkOptions } from './util/options.js';

/**
 * Options of {@link gradgradcheck}: gradcheck's tolerances, plus the upstream gradient.
 *
 * @category Checking and debugging
 */
export interface GradgradcheckOptions extends GradcheckOptions {
  /** d(loss)/d(output) to differentiate through; default: standard normal drawn with `seed`. */
  gradOutputs?: Tensor;
  /** Seed of the default gradOutputs (default 0). */
  seed?: number;
}

/**
 * Checks second derivatives (torch.autograd.gradgradcheck): for an upstream gradient v, the map
 * (inputs, v) ↦ grad(fn(inputs), inputs, { gradOutputs: v, createGraph: true }) is itself
 * gradchecked, so autograd's derivative of each gradient, with respect to every input and to v,
 * is compared with central differences. Returns true, or throws naming which gradient, which
 * input and which element disagree.
 *
 * @example
 * ```ts
 * import { gradgradcheck, randn } from '@kindling/core';
 * const x = randn([3], { seed: 0, requiresGrad: true });
 * gradgradcheck((x) => x.tanh().mul(x), [x]); // true
 * ```
 *
 * @category Checking and debugging
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts?: GradgradcheckOptions): true {
  const o = checkOptions('gradgradcheck', opts, ['eps', 'atol', 'rtol', 'gradOutputs', 'seed']);
  if (typeof fn !== 'function') throw new Error('gradgradcheck: fn must be a function');
  if (!Array.isArray(inputs) || inputs.some((t) => !(t instanceof Tensor))) throw new Error('gradgradcheck: inputs must be an array of Tensors');
  const diff = inputs.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  if (!diff.length) throw new Error('gradgradcheck: no input requires grad');
  const y = fn(...inputs);
  if (!(y instanceof Tensor)) throw new Error('gradgradcheck: fn must return a Tensor');
  let v: Tensor;
  if (o.gradOutputs !== undefined) {
    if (!(o.gradOutputs instanceof Tensor) || o.gradOutputs.shape.length !== y.shape.length || o.gradOutputs.shape.some((d, k) => d !== y.shape[k])) {
      throw new Error(`gradgradcheck: gradOutputs must be a Tensor of the output's shape ${fmt(y.shape)}`);
    }
    v = new Tensor(o.gradOutputs.tensorData, true);
  } else v = randn(y.shape, { seed: o.seed ?? 0, requiresGrad: true });
  // Passed on as given: gradcheck reads an undefined tolerance as its default.
  const tolerances: GradcheckOptions = { eps: o.eps, atol: o.atol, rtol: o.rtol };
  const n = inputs.length;
  for (const k of diff) {
    const gradOf = (...args: Tensor[]): Tensor => {
      const xs = args.slice(0, n);
      const out = fn(...xs);
      const wanted = diff.map((i) => xs[i]!);
      // No path from input k to the output: its gradient is zeros (xs are gradcheck's float64 copies).
      if (!out.requiresGrad) return new Tensor(TensorData.zeros(xs[k]!.shape, xs[k]!.dtype));
      const gs = grad(out, wanted, { gradOutputs: args[n]!, createGraph: true, allowUnused: true });
      return gs[diff.indexOf(k)] ?? new Tensor(TensorData.zeros(xs[k]!.shape, xs[k]!.dtype));
    };
    try {
      gradcheck(gradOf, [...inputs, v], tolerances);
    } catch (e) {
      const msg = (e as Error).message.replace(/^gradcheck: /, '');
      const which = (e as Error).message.includes(`input ${n} `) ? 'the upstream gradient (gradOutputs)' : 'the inputs';
      throw new Error(`gradgradcheck: the gradient of input ${k} differentiated with respect to ${which}: ${msg}`);
    }
  }
  return true;
}
