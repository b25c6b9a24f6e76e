/** Whether ops record the graph. Off inside noGrad and during ordinary backward passes. */
let enabled = true;

/**
 * Whether ops currently record the graph (false inside {@link noGrad} and during backward passes without `createGraph`).
 *
 * @category Autograd
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal Sets recording on or off and returns the previous mode (for hot paths that restore it in a finally block). */
export function setGradEnabled(mode: boolean): boolean {
  const prev = enabled;
  enabled = mode;
  return prev;
}

/** @internal Runs fn with recording set to `mode`, restoring the previous mode afterwards. */
export function withGradMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * Runs fn without recording a graph (like `with torch.no_grad()`), and returns its result.
 * fn must be synchronous: recording would restart at an async function's first `await`, so a
 * returned Promise is an error (run the awaited work first, then call noGrad on the rest).
 *
 * @example
 * ```ts
 * import { noGrad, tensor } from '@kindling/core';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // no graph recorded
 * console.log(y.requiresGrad);      // false
 * ```
 *
 * @category Autograd
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`noGrad: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const result = withGradMode(false, fn);
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    // Keep the abandoned promise from surfacing as an unhandled rejection on top of this error.
    (result as unknown as Promise<unknown>).then(undefined, () => undefined);
    throw new Error(
      'noGrad: fn returned a Promise (an async function?); recording would restart after its first await, ' +
        'so only the code before it ran without a graph. Await the async work outside, then wrap the synchronous part: ' +
        'const data = await load(); const y = noGrad(() => model.forward(data));',
    );
  }
  return result;
}
