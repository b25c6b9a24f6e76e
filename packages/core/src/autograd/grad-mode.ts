/** Whether ops record the graph. Off inside noGrad and while a backward pass runs. */
let enabled = true;

/** Whether ops currently record the graph (false inside {@link noGrad} and during backward passes). */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs fn without recording a graph (like `with torch.no_grad()`), and returns its result.
 *
 * @example
 * ```ts
 * import { noGrad, tensor } from '@kindling/core';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // no graph recorded
 * console.log(y.requiresGrad);      // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
