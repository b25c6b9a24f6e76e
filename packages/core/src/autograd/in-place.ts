import { recordWrite } from '../storage/version.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';

/**
 * Tells the engine that `t`'s values were changed in place by `by` (e.g. `'SGD.step'`,
 * `'loadStateDict'`). Code that writes a tensor's storage directly (optimizers, loaders, custom
 * in-place methods) calls it, so that a backward pass through an op that saved the old values
 * throws instead of silently using the new ones. Views of the same storage are covered too.
 *
 * @example
 * ```ts
 * import { bumpVersion, tensor } from '@kindling/core';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const loss = w.mul(w).sum();
 * w.tensorData.storage[0] = 5;
 * bumpVersion(w, 'my update');
 * // loss.backward() now throws: "... was modified in place (my update) after the forward pass"
 * ```
 *
 * @category Custom ops
 */
export function bumpVersion(t: Tensor | TensorData, by: string): void {
  const td = t instanceof Tensor ? t.tensorData : t;
  if (!(td instanceof TensorData)) throw new Error('bumpVersion: expected a Tensor');
  recordWrite(td.storage, by);
}
