import { Generator, Tensor, checkOptions, describeValue, indexSelect, randperm, stack, tensor } from '@kindling/core';
import { fmtShape, isFiniteNumber, isInteger } from '../util.js';

/**
 * What a batch of samples of type `T` looks like once collated, as PyTorch's default_collate
 * builds it: tensors and numbers become one tensor with a new leading batch dimension, arrays
 * (tuples) and plain objects are collated field by field.
 *
 * @category Data
 */
export type Collated<T> = T extends Tensor ? Tensor
  : T extends number ? Tensor
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Collated<T[K]> }
  : T extends object ? { [K in keyof T]: Collated<T[K]> }
  : never;

/**
 * A map-style dataset, like torch.utils.data.Dataset: `length` samples, read with `get(i)`.
 * A dataset that can build a whole batch at once (as {@link TensorDataset} does with one
 * `indexSelect` per tensor) provides `getBatch`; {@link DataLoader} uses it when present, and
 * otherwise reads the samples one by one and collates them (see {@link collate}).
 *
 * @category Data
 */
export interface Dataset<T> {
  /** The number of samples. */
  readonly length: number;
  /** Sample `index`, for 0 <= index < length. */
  get(index: number): T;
  /** The samples at `indices`, already batched (optional fast path). */
  getBatch?(indices: readonly number[]): Collated<T>;
}

/** Throws unless `index` is an integer in [-length, length); returns it as a non-negative index. */
function checkIndex(op: string, index: unknown, length: number): number {
  if (!isInteger(index) || index < -length || index >= length) {
    throw new Error(`${op}: index ${describeValue(index)} is out of range for a dataset of ${length} sample(s)`);
  }
  return index < 0 ? index + length : index;
}

/** Checks a batch's indices (an array of in-range integers) and returns them non-negative. */
function checkIndices(op: string, indices: unknown, length: number): number[] {
  if (!Array.isArray(indices)) throw new Error(`${op}: indices must be an array of integers, got ${describeValue(indices)}`);
  return Array.from(indices as unknown[], (i) => checkIndex(op, i, length));
}

/**
 * Samples from tensors that share their first dimension, like torch.utils.data.TensorDataset:
 * sample i is the i-th row of each tensor (`get(i)` returns views, as PyTorch's indexing does).
 * Batches are built with one `indexSelect` along dim 0 per tensor, not row by row.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { TensorDataset } from '@kindling/nn';
 * const ds = new TensorDataset(randn([100, 3], { seed: 0 }), randn([100, 1], { seed: 1 }));
 * const [x, y] = ds.get(7);
 * console.log(ds.length, x.shape, y.shape); // 100 [3] [1]
 * ```
 *
 * @category Data
 */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, in the order given. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${i} is not a Tensor, got ${describeValue(t)}`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensor ${i} is 0-d; every tensor needs a first (sample) dimension`);
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new Error(`TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0]!.shape)} (${n} samples), tensor ${i} has shape ${fmtShape(t.shape)}; the first dimensions must match`);
      }
    });
    this.tensors = tensors;
  }

  /** The shared first dimension. */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /** Row `index` of each tensor (negative counts from the end). */
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.narrow(0, i, 1).squeeze(0));
  }

  /** Rows `indices` of each tensor: `indexSelect(t, 0, indices)`, one call per tensor. */
  getBatch(indices: readonly number[]): Tensor[] {
    const rows = checkIndices('TensorDataset.getBatch', indices, this.length);
    return this.tensors.map((t) => indexSelect(t, 0, rows));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset); what
 * {@link randomSplit} returns. Batches go through the parent's `getBatch` when it has one.
 *
 * @example
 * ```ts
 * import { arange } from '@kindling/core';
 * import { Subset, TensorDataset } from '@kindling/nn';
 * const evens = new Subset(new TensorDataset(arange(10)), [0, 2, 4]);
 * console.log(evens.length, evens.get(1)[0].item()); // 3 2
 * ```
 *
 * @category Data
 */
export class Subset<T> implements Dataset<T> {
  /** The dataset sampled from. */
  readonly dataset: Dataset<T>;
  /** Positions in `dataset`. */
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: readonly number[]) {
    this.dataset = checkDataset('Subset', dataset);
    this.indices = checkIndices('Subset', indices, dataset.length);
  }

  /** How many indices the subset has. */
  get length(): number {
    return this.indices.length;
  }

  /** Sample `index` of the subset: `dataset.get(indices[index])`. */
  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.length)]!);
  }

  /** The batch at subset positions `indices`, through the parent's `getBatch` or {@link collate}. */
  getBatch(indices: readonly number[]): Collated<T> {
    const mapped = checkIndices('Subset.getBatch', indices, this.length).map((i) => this.indices[i]!);
    return batchOf(this.dataset, mapped);
  }
}

/** Throws unless `v` looks like a {@link Dataset}: a non-negative integer `length` and a `get` method. */
export function checkDataset<T>(op: string, v: unknown): Dataset<T> {
  const d = v as Dataset<T> | null;
  if (typeof d !== 'object' || d === null || typeof d.get !== 'function' || !Number.isSafeInteger(d.length) || d.length < 0) {
    throw new Error(`${op}: dataset must have a non-negative integer length and a get(index) method, got ${describeValue(v)}`);
  }
  return d;
}

/** A batch from `dataset`: its `getBatch` when it has one, else its samples collated. */
export function batchOf<T>(dataset: Dataset<T>, indices: readonly number[]): Collated<T> {
  if (typeof dataset.getBatch === 'function') return dataset.getBatch(indices);
  return collate(indices.map((i) => dataset.get(i)));
}

/**
 * Collates samples into a batch like PyTorch's default_collate: tensors are stacked along a new
 * first dimension (same shapes required), numbers become a 1-d float64 tensor, arrays and plain
 * objects are collated position by position or key by key. Anything else throws.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { collate } from '@kindling/nn';
 * const batch = collate([{ x: tensor([1, 2]), y: 0 }, { x: tensor([3, 4]), y: 1 }]);
 * console.log(batch.x.shape, batch.y.toArray()); // [2, 2] [0, 1]
 * ```
 *
 * @category Data
 */
export function collate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) throw new Error('collate: needs a non-empty array of samples');
  const list: unknown[] = Array.from(samples); // a hole becomes undefined, which no branch accepts
  const first = list[0];
  const same = (pred: (s: unknown) => boolean, what: string) => {
    list.forEach((s, i) => {
      if (!pred(s)) throw new Error(`collate: sample ${i} is ${describeValue(s)} but sample 0 is ${what}; samples must have the same structure`);
    });
  };
  if (first instanceof Tensor) {
    same((s) => s instanceof Tensor, 'a Tensor');
    const shape = first.shape;
    (list as Tensor[]).forEach((t, i) => {
      if (t.ndim !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new Error(`collate: sample ${i} has shape ${fmtShape(t.shape)} but sample 0 has shape ${fmtShape(shape)}; tensors stack only when their shapes match`);
      }
    });
    return stack(list as Tensor[], 0) as Collated<T>;
  }
  if (typeof first === 'number') {
    same((s) => typeof s === 'number', 'a number');
    return tensor(list as number[], { dtype: 'float64' }) as Collated<T>;
  }
  if (Array.isArray(first)) {
    same((s) => Array.isArray(s) && s.length === first.length, `an array of ${first.length}`);
    return Array.from(first, (_, k) => collate(list.map((s) => (s as unknown[])[k]))) as Collated<T>;
  }
  if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    same((s) => typeof s === 'object' && s !== null && Object.keys(s).length === keys.length && keys.every((k) => Object.hasOwn(s, k)), `an object with keys ${keys.join(', ')}`);
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = collate(list.map((s) => (s as Record<string, unknown>)[k]));
    return out as Collated<T>;
  }
  throw new Error(`collate: cannot batch ${describeValue(first)}; samples must be Tensors, numbers, or arrays / plain objects of them`);
}

/**
 * Where the randomness of a shuffle or split comes from.
 *
 * @category Data
 */
export interface RandomSource {
  /** A generator to draw from (advanced by each draw, so successive calls differ). */
  generator?: Generator;
  /** A seed for a private generator (same seed, same draws). */
  seed?: number;
}

/** A generator from the options: the given one, one seeded with `seed`, or null (the default generator). */
export function generatorFrom(op: string, o: RandomSource): Generator | null {
  if (o.generator !== undefined && o.seed !== undefined) throw new Error(`${op}: pass either generator or seed, not both`);
  if (o.generator !== undefined) {
    if (!(o.generator instanceof Generator)) throw new Error(`${op}: generator must be a Generator from @kindling/core, got ${describeValue(o.generator)}`);
    return o.generator;
  }
  if (o.seed !== undefined) {
    if (!Number.isSafeInteger(o.seed)) throw new Error(`${op}: seed must be a safe integer, got ${describeValue(o.seed)}`);
    return new Generator(o.seed);
  }
  return null;
}

/**
 * A random permutation of 0..n-1 from core's `randperm`, seeded by 53 bits drawn from `gen` (so
 * each call advances it and differs), or drawn from core's default generator (see `manualSeed`)
 * when `gen` is null, as PyTorch's RandomSampler draws a fresh seed per epoch.
 */
export function permutation(n: number, gen: Generator | null): number[] {
  const seed = gen === null ? undefined : gen.nextUint32() * 2 ** 21 + (gen.nextUint32() >>> 11);
  return Array.from(randperm(n, { dtype: 'float64', seed }).dataSync());
}

/**
 * Options of {@link randomSplit}: where the permutation's randomness comes from.
 *
 * @category Data
 */
export type RandomSplitOptions = RandomSource;

/**
 * Splits `dataset` into non-overlapping random subsets of the given lengths
 * (torch.utils.data.random_split, PyTorch >= 1.13): `lengths` are counts that sum to
 * `dataset.length`, or fractions that sum to 1, which become `floor(fraction · length)` each with
 * the remainder handed out one by one from the first split on. One random permutation of all the
 * indices is cut into consecutive pieces.
 *
 * Randomness: `seed` or `generator` make the split reproducible; without either it draws from
 * core's default generator (`manualSeed`). Kindling's random streams are its own, so a split
 * never matches PyTorch's for the same seed; its sizes do.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { TensorDataset, randomSplit } from '@kindling/nn';
 * const ds = new TensorDataset(randn([10, 2], { seed: 0 }));
 * const [train, val] = randomSplit(ds, [0.8, 0.2], { seed: 42 });
 * console.log(train.length, val.length); // 8 2
 * ```
 *
 * @category Data
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts: RandomSplitOptions = {}): Subset<T>[] {
  const op = 'randomSplit';
  const o = checkOptions(op, opts, ['generator', 'seed']);
  const ds = checkDataset<T>(op, dataset);
  const gen = generatorFrom(op, o);
  if (!Array.isArray(lengths)) throw new Error(`${op}: lengths must be an array of counts or fractions, got ${describeValue(lengths)}`);
  // Array.from: a hole in a sparse array becomes undefined and is rejected like any non-number.
  let counts = Array.from(lengths as unknown[], (v, i) => {
    if (!isFiniteNumber(v)) throw new Error(`${op}: lengths[${i}] must be a finite number, got ${describeValue(v)}`);
    return v;
  });
  const n = ds.length;
  const sum = counts.reduce((a, b) => a + b, 0);
  // PyTorch: fractions when math.isclose(sum, 1) (relative tolerance 1e-9, relative to 1 for any
  // sum that close) and sum <= 1.
  // Stryker disable next-line EqualityOperator: 1 - sum is a multiple of 2^-53 there and 1e-9 is not, so `<` and `<=` never differ
  const fractions = Math.abs(sum - 1) <= 1e-9;
  if (fractions && sum <= 1) {
    counts = counts.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new Error(`${op}: fraction at index ${i} is not between 0 and 1, got ${frac}`);
      return Math.floor(n * frac);
    });
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length]! += 1;
  }
  counts.forEach((c, i) => {
    if (!Number.isSafeInteger(c) || c < 0) throw new Error(`${op}: lengths[${i}] must be a non-negative integer count (or all lengths fractions summing to 1), got ${c}`);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n) throw new Error(`${op}: the lengths sum to ${total}, but the dataset has ${n} sample(s); counts must add up to its length (or fractions to 1)`);
  const perm = permutation(n, gen);
  let offset = 0;
  return counts.map((c) => {
    const part = new Subset(ds, perm.slice(offset, offset + c));
    offset += c;
    return part;
  });
}
