import { Tensor, bumpVersion, checkOptions, describeValue } from '@kindling/core';
import type { TensorData } from '@kindling/core';

/**
 * Options of {@link clipGradNorm}.
 *
 * @category Optimizers
 */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any number > 0, or `Infinity` for the largest |g| (default 2). */
  normType?: number;
  /** Throw instead of clipping when the total norm is NaN or infinite (default false, as PyTorch). */
  errorIfNonfinite?: boolean;
}

/** The parameters as a list: one tensor or an iterable of tensors, each once. */
function paramList(op: string, parameters: unknown): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (typeof parameters !== 'object' || parameters === null || typeof (parameters as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new Error(`${op}: parameters must be a Tensor or an iterable of Tensors, got ${describeValue(parameters)}`);
  }
  const list = Array.from(parameters as Iterable<unknown>);
  const seen = new Set<Tensor>();
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameters[${i}] is not a Tensor, got ${describeValue(p)}`);
    // PyTorch would count and scale a repeated parameter's gradient twice.
    if (seen.has(p)) throw new Error(`${op}: parameters[${i}] appears more than once`);
    seen.add(p);
  });
  return list as Tensor[];
}

/** Calls `f` with each element's position in the storage (views included). */
function eachIndex(td: TensorData, f: (at: number) => void): void {
  // Stryker disable next-line ConditionalExpression: the fast path; locate(i) gives the same positions
  if (td.isContiguous()) for (let i = 0; i < td.size; i++) f(td.offset + i);
  else for (let i = 0; i < td.size; i++) f(td.locate(i));
}

/**
 * Scales the gradients of `parameters` in place so that their total norm (the norm of all of them
 * concatenated into one vector) is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_: with
 * `total` the `normType`-norm of the per-gradient norms, every gradient is multiplied by
 * `min(maxNorm / (total + 1e-6), 1)`. Parameters without a gradient are skipped.
 *
 * Returns the total norm before clipping as a plain number (PyTorch returns a 0-d tensor; a number
 * is what one logs or compares in TypeScript), 0 when no parameter has a gradient. The norm is
 * accumulated in float64 even for float32 gradients (PyTorch uses float32 there, so the last bits
 * of the returned norm can differ); the scale applied to a float32 gradient is rounded to float32
 * first, as PyTorch's is. A non-finite norm scales by NaN or 0 as in PyTorch, unless
 * `errorIfNonfinite` makes it throw (before anything is changed). Gradients written to get their
 * version bumped; when the factor is exactly 1 they are left untouched (multiplying by 1 changes
 * no value).
 *
 * @param parameters - a tensor or an iterable of tensors (e.g. `model.parameters()`), each once
 * @param maxNorm - the largest total norm allowed, >= 0
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { clipGradNorm } from '@kindling/nn';
 * const w = tensor([1, 2], { requiresGrad: true });
 * w.mul(tensor([3, 4])).sum().backward();      // w.grad = [3, 4], norm 5
 * const total = clipGradNorm([w], 1);
 * console.log(total, w.grad!.toArray());        // 5 [0.59999988..., 0.79999984...] (scaled by 1 / (5 + 1e-6))
 * ```
 *
 * @category Optimizers
 */
export function clipGradNorm(parameters: Tensor | Iterable<Tensor>, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  const o = checkOptions(op, opts, ['normType', 'errorIfNonfinite']);
  const params = paramList(op, parameters);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) throw new Error(`${op}: maxNorm must be a number >= 0, got ${describeValue(maxNorm)}`);
  const p = o.normType ?? 2;
  if (typeof p !== 'number' || Number.isNaN(p) || p <= 0) {
    throw new Error(`${op}: normType must be a number > 0 or Infinity, got ${describeValue(p)}`);
  }
  const errorIfNonfinite = o.errorIfNonfinite ?? false;
  if (typeof errorIfNonfinite !== 'boolean') throw new Error(`${op}: errorIfNonfinite must be a boolean, got ${describeValue(errorIfNonfinite)}`);
  const grads = params.map((t) => t.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return 0;

  // PyTorch: the norm of each gradient, then the norm of those norms (max of maxes for Infinity).
  const norms = grads.map((g) => {
    const td = g.tensorData;
    const st = td.storage;
    let acc = 0;
    if (p === Infinity) {
      eachIndex(td, (at) => { acc = Math.max(acc, Math.abs(st[at]!)); }); // a NaN element makes it NaN
      return acc;
    }
    // The 2-norm by x·x and sqrt, correctly rounded in every engine; in V8 the general form below
    // gives the same numbers (|x| ** 2 is x·x, y ** 0.5 is sqrt y), which no test can tell apart.
    // Stryker disable next-line ConditionalExpression: the general form computes the same 2-norm in V8
    if (p === 2) {
      eachIndex(td, (at) => { acc += st[at]! * st[at]!; });
      return Math.sqrt(acc);
    }
    eachIndex(td, (at) => { acc += Math.abs(st[at]!) ** p; });
    return acc ** (1 / p);
  });
  let total: number;
  if (p === Infinity) total = Math.max(...norms); // NaN if any is
  else {
    // (A block, not `else if`: Stryker reads a directive only before a statement.)
    // Stryker disable next-line ConditionalExpression: the general form computes the same 2-norm in V8
    if (p === 2) total = Math.sqrt(norms.reduce((s, n) => s + n * n, 0));
    else total = norms.reduce((s, n) => s + n ** p, 0) ** (1 / p);
  }

  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(`${op}: the total norm of order ${p} of the gradients is ${total}, so it cannot be clipped; pass errorIfNonfinite: false to scale the gradients by the non-finite norm anyway`);
  }
  const coef = maxNorm / (total + 1e-6);
  const clamped = Math.min(coef, 1); // NaN stays NaN, as torch.clamp keeps it
  if (clamped === 1) return total;
  for (const g of grads) {
    const td = g.tensorData;
    const st = td.storage;
    const c = st instanceof Float32Array ? Math.fround(clamped) : clamped;
    eachIndex(td, (at) => { st[at] = st[at]! * c; });
    bumpVersion(g, op);
  }
  return total;
}

/**
 * Clamps every gradient element of `parameters` to [-clipValue, clipValue] in place, as
 * torch.nn.utils.clip_grad_value_. Parameters without a gradient are skipped; NaN stays NaN.
 * Gradients written to get their version bumped.
 *
 * @param parameters - a tensor or an iterable of tensors (e.g. `model.parameters()`), each once
 * @param clipValue - the largest |gradient element| allowed, >= 0
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { clipGradValue } from '@kindling/nn';
 * const w = tensor([1, 2, 3], { requiresGrad: true });
 * w.mul(tensor([0.5, -2, 4])).sum().backward();
 * clipGradValue([w], 1);
 * console.log(w.grad!.toArray()); // [0.5, -1, 1]
 * ```
 *
 * @category Optimizers
 */
export function clipGradValue(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  const params = paramList(op, parameters);
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0) {
    throw new Error(`${op}: clipValue must be a number >= 0, got ${describeValue(clipValue)}`);
  }
  for (const t of params) {
    const g = t.grad;
    if (g === null) continue;
    const td = g.tensorData;
    const st = td.storage;
    // torch.clamp; a float32 element ends as it would against float32(clipValue), and NaN stays NaN.
    eachIndex(td, (at) => { st[at] = Math.min(Math.max(st[at]!, -clipValue), clipValue); });
    bumpVersion(g, op);
  }
}
