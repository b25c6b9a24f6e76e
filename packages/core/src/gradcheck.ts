import { fmt } from './storage/shape.js';
import { TensorData } from './storage/tensor-data.js';
import { Tensor } from './tensor.js';
import { checkOptions } from './util/options.js';

/**
 * Tolerances of {@link gradcheck}: an element passes when |analytic - numeric| <= atol + rtol * |numeric|.
 *
 * @category Checking and debugging
 */
export interface GradcheckOptions {
  /** Central-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Checks autograd against central differences, in float64. Every input that requires grad is
 * copied to float64; for each of its elements the numeric derivative of every output element
 * (f(x + eps) - f(x - eps)) / 2eps is compared with the analytic Jacobian entry from one
 * backward pass per output element, so errors that cancel in a sum still show. Passing the
 * whole Jacobian implies the gradient of fn(...).sum() is right.
 * Returns true, or throws naming the input's position, the element, and both values.
 *
 * @example
 * ```ts
 * import { gradcheck, randn } from '@kindling/core';
 * const a = randn([3, 4], { seed: 0, requiresGrad: true });
 * const b = randn([4, 2], { seed: 1, requiresGrad: true });
 * gradcheck((a, b) => a.matmul(b).tanh(), [a, b]); // true, or throws naming the element
 * ```
 *
 * @category Checking and debugging
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  opts = checkOptions('gradcheck', opts, ['eps', 'atol', 'rtol']);
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  for (const [name, v] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) {
    // Number.isFinite is false for anything but a finite number (no coercion), '1' included.
    if (!Number.isFinite(v) || v < 0 || (name === 'eps' && v === 0)) {
      throw new Error(`gradcheck: ${name} must be a finite ${name === 'eps' ? 'positive' : 'non-negative'} number, got ${String(v)}`);
    }
  }
  if (typeof fn !== 'function') throw new Error('gradcheck: fn must be a function');
  if (!Array.isArray(inputs)) throw new Error('gradcheck: inputs must be an array of Tensors');
  inputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: input ${i} is not a Tensor`);
  });
  if (!inputs.some((t) => t.requiresGrad)) throw new Error('gradcheck: no input requires grad');

  const xs = inputs.map((t) => new Tensor(new TensorData(t.tensorData.copyTo(new Float64Array(t.size)), t.shape), t.requiresGrad));
  const evaluate = (): Float64Array => {
    const out = fn(...xs);
    if (!(out instanceof Tensor)) throw new Error('gradcheck: fn must return a Tensor');
    return out.tensorData.copyTo(new Float64Array(out.size));
  };

  // Analytic Jacobian, one row per output element: analytic[j][p] is d out[j] / d xs[p].
  const out = fn(...xs);
  if (!(out instanceof Tensor)) throw new Error('gradcheck: fn must return a Tensor');
  const m = out.size;
  const analytic: Float64Array[][] = Array.from({ length: m }, (_, j) => {
    for (const x of xs) x.grad = null;
    if (out.requiresGrad) {
      const seed = new Float64Array(m);
      seed[j] = 1;
      out.backward(new Tensor(new TensorData(seed, out.shape)));
    }
    return xs.map((x) => (x.grad ? x.grad.tensorData.copyTo(new Float64Array(x.size)) : new Float64Array(x.size)));
  });
  for (const x of xs) x.grad = null;

  // Recording stays on: fn may take gradients itself (gradgradcheck differentiates a gradient).
  {
    xs.forEach((x, p) => {
      if (!x.requiresGrad) return;
      const st = x.tensorData.storage;
      for (let i = 0; i < x.size; i++) {
        const orig = st[i]!;
        st[i] = orig + eps;
        const plus = evaluate();
        st[i] = orig - eps;
        const minus = evaluate();
        st[i] = orig;
        for (let j = 0; j < m; j++) {
          const numeric = (plus[j]! - minus[j]!) / (2 * eps);
          const a = analytic[j]![p]![i]!;
          const ok = Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric);
          if (!ok) {
            const where = m > 1 ? `, output element ${fmt(unravel(j, out.shape))}` : '';
            throw new Error(
              `gradcheck: gradient mismatch for input ${p} (shape ${fmt(x.shape)}), element ${fmt(unravel(i, x.shape))} (flat index ${i})${where}: analytic ${a} vs numeric ${numeric} (atol ${atol}, rtol ${rtol})`,
            );
          }
        }
      }
    });
  }
  return true;
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}
