import { Generator, checkSeed, defaultGenerator } from './random/generator.js';
import { type DType, getDefaultDtype, isDType } from './storage/dtype.js';
import { allocateFor, checkShape, fmt } from './storage/shape.js';
import { TensorData } from './storage/tensor-data.js';
import { Tensor } from './tensor.js';
import type { TensorOptions } from './factories.js';
import { checkOptions, describeValue } from './util/options.js';

/*
 * More factories, PyTorch's: linspace, eye, randint, randperm, normal, bernoulli (arange, with
 * torch's argument order, is in factories.ts). The random ones draw like rand/randn: from their
 * own generator when `opts.seed` is given (the same seed gives the same values on every engine),
 * else from the default generator that manualSeed resets. The streams are Kindling's own
 * (xoshiro128**), so the values differ from PyTorch's for the same seed; what each draws is
 * documented per function, so a seed's result never changes silently.
 */

const PLAIN = ['requiresGrad', 'dtype'] as const;
const SEEDED = ['requiresGrad', 'dtype', 'seed'] as const;

function dtypeFrom(op: string, opts: TensorOptions, fallback: DType = getDefaultDtype()): DType {
  const d = opts.dtype ?? fallback;
  if (!isDType(d)) throw new Error(`${op}: unknown dtype '${typeof d === 'string' ? d : describeValue(d)}' (expected 'float64' or 'float32')`);
  return d;
}

function make(op: string, t: TensorData, opts: TensorOptions): Tensor {
  const rg = opts.requiresGrad ?? false;
  if (typeof rg !== 'boolean') throw new Error(`${op}: requiresGrad must be a boolean, got ${describeValue(rg)}`);
  return new Tensor(t, rg);
}

function generatorFor(op: string, opts: TensorOptions): Generator {
  if (opts.seed === undefined) return defaultGenerator;
  return new Generator(checkSeed(op, opts.seed));
}

// Number.isFinite and Number.isSafeInteger are false for anything but a number (they do not
// convert), so they check the type as well.
function finite(op: string, name: string, v: unknown): number {
  if (!Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v as number;
}

function count(op: string, name: string, v: unknown): number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new Error(`${op}: ${name} must be a non-negative integer, got ${describeValue(v)}`);
  return v as number;
}

function shapeArg(op: string, shape: unknown): number[] {
  return checkShape(op, typeof shape === 'number' ? [shape] : shape).slice();
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (torch.linspace). Element i
 * is `start + i * step` in the first half and `end - (steps - 1 - i) * step` in the second, with
 * `step = (end - start) / (steps - 1)`, as PyTorch computes it, so both ends are exact.
 *
 * @example
 * ```ts
 * import { linspace } from '@kindling/core';
 * linspace(0, 1, 5).toArray(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 *
 * @category Factories
 */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  const o = checkOptions('linspace', opts, PLAIN);
  const a = finite('linspace', 'start', start);
  const b = finite('linspace', 'end', end);
  const n = count('linspace', 'steps', steps);
  const dtype = dtypeFrom('linspace', o);
  const out = allocateFor('linspace', dtype, [n]);
  if (n === 1) out[0] = a;
  else {
    // (steps = 0 runs no iteration)
    const step = (b - a) / (n - 1);
    const half = Math.floor(n / 2);
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored)
    for (let i = 0; i < n; i++) {
      out[i] = i < half ? a + i * step : b - (n - 1 - i) * step;
    }
  }
  return make('linspace', new TensorData(out, [n]), o);
}

/**
 * The `n` x `m` identity matrix (ones on the main diagonal; `m` defaults to `n`), torch.eye.
 *
 * @example
 * ```ts
 * import { eye } from '@kindling/core';
 * eye(2, 3).toArray(); // [[1, 0, 0], [0, 1, 0]]
 * ```
 *
 * @category Factories
 */
export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (typeof m === 'object' && m !== null && opts === undefined) {
    opts = m;
    m = undefined;
  }
  const o = checkOptions('eye', opts, PLAIN);
  const rows = count('eye', 'n', n);
  const cols = m === undefined ? rows : count('eye', 'm', m);
  const out = allocateFor('eye', dtypeFrom('eye', o), [rows, cols]);
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
  return make('eye', new TensorData(out, [rows, cols]), o);
}

/** A uniform integer in [0, n) for n <= 2^32: one 53-bit uniform draw, scaled and floored. */
function below(gen: Generator, n: number): number {
  return Math.floor(gen.uniform() * n);
}

/**
 * Integers drawn uniformly from [low, high) (torch.randint), stored as floats (core has no
 * integer dtype). Both overloads of PyTorch: `randint(low, high, shape, opts?)` and
 * `randint(high, shape, opts?)` (low = 0; the shape is an array in this form). `high - low` is at most 2^32. Each element takes
 * one 53-bit uniform draw u of the generator, row-major: `low + floor(u * (high - low))`.
 *
 * @example
 * ```ts
 * import { randint } from '@kindling/core';
 * const dice = randint(1, 7, [4], { seed: 0 });
 * console.log((dice.toArray() as number[]).every((v) => v >= 1 && v <= 6)); // true
 * ```
 *
 * @category Factories
 */
export function randint(low: number, high: number | readonly number[], shape?: readonly number[] | number | TensorOptions, opts?: TensorOptions): Tensor {
  if (Array.isArray(high)) {
    // randint(high, shape, opts?): the shape must be an array here, or randint(3, 5) would be ambiguous.
    if (opts !== undefined) throw new Error(`randint: unexpected argument ${describeValue(opts)} after randint(high, shape, opts)`);
    opts = shape as TensorOptions | undefined;
    shape = high as readonly number[];
    high = low;
    low = 0;
  }
  const o = checkOptions('randint', opts, SEEDED);
  const lo = finite('randint', 'low', low);
  const hi = finite('randint', 'high', high);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw new Error(`randint: low and high must be integers, got [${lo}, ${hi})`);
  if (hi <= lo) throw new Error(`randint: the range [${lo}, ${hi}) is empty (high must be greater than low)`);
  if (hi - lo > 2 ** 32) throw new Error(`randint: the range [${lo}, ${hi}) has ${hi - lo} values, more than 2^32`);
  const s = shapeArg('randint', shape);
  const gen = generatorFor('randint', o);
  const out = allocateFor('randint', dtypeFrom('randint', o), s);
  if (out instanceof Float32Array && (Math.abs(lo) > 2 ** 24 || Math.abs(hi - 1) > 2 ** 24)) {
    throw new Error(`randint: float32 holds integers exactly only up to 2^24 in magnitude; [${lo}, ${hi}) needs float64`);
  }
  for (let i = 0; i < out.length; i++) out[i] = lo + below(gen, hi - lo);
  return make('randint', new TensorData(out, s), o);
}

/**
 * A random permutation of 0, 1, ..., n-1 (torch.randperm), as floats. Drawn by Fisher-Yates:
 * for i from n-1 down to 1, swap element i with element `floor(u * (i + 1))`, one uniform draw
 * u per step.
 *
 * @example
 * ```ts
 * import { randperm } from '@kindling/core';
 * const p = randperm(5, { seed: 1 }).toArray() as number[];
 * console.log([...p].sort()); // [0, 1, 2, 3, 4]
 * ```
 *
 * @category Factories
 */
export function randperm(n: number, opts?: TensorOptions): Tensor {
  const o = checkOptions('randperm', opts, SEEDED);
  const len = count('randperm', 'n', n);
  const dtype = dtypeFrom('randperm', o);
  if (dtype === 'float32' && len > 2 ** 24) throw new Error(`randperm: float32 holds integers exactly only up to 2^24; n = ${len} needs float64`);
  const gen = generatorFor('randperm', o);
  const out = allocateFor('randperm', dtype, [len]);
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored)
  for (let i = 0; i < len; i++) out[i] = i;
  for (let i = len - 1; i > 0; i--) {
    const j = below(gen, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return make('randperm', new TensorData(out, [len]), o);
}

/**
 * Normal with mean `mean` and standard deviation `std` (torch.normal with float mean and std and
 * a size): `mean + std * z` with z the generator's standard normals (as randn draws them).
 *
 * @example
 * ```ts
 * import { normal } from '@kindling/core';
 * const x = normal(10, 0.5, [1000], { seed: 3 });
 * console.log(Math.abs(x.mean().item() - 10) < 0.1); // true
 * ```
 *
 * @category Factories
 */
export function normal(mean: number, std: number, shape: readonly number[] | number, opts?: TensorOptions): Tensor {
  const o = checkOptions('normal', opts, SEEDED);
  const mu = finite('normal', 'mean', mean);
  const sigma = finite('normal', 'std', std);
  if (sigma < 0) throw new Error(`normal: std must be non-negative, got ${sigma}`);
  const s = shapeArg('normal', shape);
  const gen = generatorFor('normal', o);
  const out = allocateFor('normal', dtypeFrom('normal', o), s);
  for (let i = 0; i < out.length; i++) out[i] = mu + sigma * gen.normal();
  return make('normal', new TensorData(out, s), o);
}

/**
 * Draws 1 with probability p and 0 otherwise (torch.bernoulli): `bernoulli(probs, opts?)` takes a
 * tensor of probabilities and gives its shape and dtype; `bernoulli(p, shape, opts?)` one
 * probability for every element. Each element takes one uniform draw u, row-major, and is
 * `u < p ? 1 : 0`. Probabilities must lie in [0, 1]. The result never requires grad by
 * itself (sampling has no gradient; opts.requiresGrad may ask for a leaf).
 *
 * @example
 * ```ts
 * import { bernoulli, tensor } from '@kindling/core';
 * bernoulli(tensor([0, 1, 1, 0]), { seed: 5 }).toArray(); // [0, 1, 1, 0]
 * const mask = bernoulli(0.8, [2, 3], { seed: 7 });       // dropout-style keep mask
 * ```
 *
 * @category Factories
 */
export function bernoulli(p: Tensor | number, shape?: readonly number[] | number | TensorOptions, opts?: TensorOptions): Tensor {
  let probs: ArrayLike<number>;
  let s: number[];
  let fallback: DType | undefined;
  if (p instanceof Tensor) {
    if (opts !== undefined) throw new Error(`bernoulli: unexpected argument ${describeValue(opts)}; with a probability tensor the call is bernoulli(probs, opts)`);
    if (shape !== undefined && (typeof shape !== 'object' || Array.isArray(shape))) {
      throw new Error(`bernoulli: a probability tensor gives the shape (${fmt(p.shape)}); got the extra argument ${describeValue(shape)}`);
    }
    opts = shape as TensorOptions | undefined;
    probs = p.tensorData.contiguousStorage();
    s = p.shape.slice();
    fallback = p.dtype;
  } else {
    if (typeof p !== 'number') throw new Error(`bernoulli: p must be a Tensor of probabilities or a number, got ${describeValue(p)}`);
    if (shape === undefined || (typeof shape === 'object' && !Array.isArray(shape))) {
      throw new Error('bernoulli: with a number p, a shape must follow: bernoulli(p, shape, opts?)');
    }
    s = shapeArg('bernoulli', shape);
    probs = [p];
  }
  const o = checkOptions('bernoulli', opts, SEEDED);
  for (let i = 0; i < probs.length; i++) {
    const v = probs[i]!;
    if (!(v >= 0 && v <= 1)) throw new Error(`bernoulli: probabilities must be in [0, 1], got ${describeValue(v)}${probs.length > 1 ? ` at element ${i}` : ''}`);
  }
  const gen = generatorFor('bernoulli', o);
  const out = allocateFor('bernoulli', dtypeFrom('bernoulli', o, fallback), s);
  // A number p is the one probability of every element (probs is [p]).
  const one = !(p instanceof Tensor);
  for (let i = 0; i < out.length; i++) out[i] = gen.uniform() < probs[one ? 0 : i]! ? 1 : 0;
  return make('bernoulli', new TensorData(out, s), o);
}
