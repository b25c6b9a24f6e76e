import { checkOptions, describeValue, type Generator } from '@kindling/core';
import { type Collated, type Dataset, type RandomSource, batchOf, checkDataset, generatorFrom, permutation } from './dataset.js';

/**
 * Options of {@link DataLoader}, torch.utils.data.DataLoader's that apply (camelCase).
 *
 * @category Data
 */
export interface DataLoaderOptions extends RandomSource {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new random order every epoch (default false: the dataset's order). */
  shuffle?: boolean;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * Batches of a dataset, like torch.utils.data.DataLoader (single process): iterate it with
 * `for (const batch of loader)` once per epoch. A batch from a {@link TensorDataset} is an array
 * with one tensor per dataset tensor, each of shape `[batchSize, ...]`, gathered with one
 * `indexSelect` per tensor; other datasets' samples are collated (see {@link collate}).
 * `length` is the number of batches per epoch: `ceil(n / batchSize)`, or `floor(n / batchSize)`
 * with `dropLast`.
 *
 * Shuffling: every iteration (epoch) draws a new permutation with core's `randperm`, seeded from
 * the loader's generator: `seed` (reproducible: the same seed gives the same sequence of epochs),
 * `generator` (shared, advanced by each epoch), or, with neither, core's default generator (so
 * `manualSeed` makes a run reproducible, as `torch.manual_seed` does). Each epoch visits every
 * sample exactly once. Kindling's random streams are not PyTorch's, so the order never matches
 * torch's for the same seed; batch sizes and contents-per-order do.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { DataLoader, Linear, MSELoss, SGD, TensorDataset } from '@kindling/nn';
 * const ds = new TensorDataset(randn([100, 3], { seed: 0 }), randn([100, 1], { seed: 1 }));
 * const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 0 });
 * const model = new Linear(3, 1, { seed: 2 });
 * const opt = new SGD(model.parameters(), { lr: 0.1 });
 * console.log(loader.length); // 4 batches: 32, 32, 32, 4
 * for (let epoch = 0; epoch < 2; epoch++) {
 *   for (const [x, y] of loader) {
 *     opt.zeroGrad();
 *     new MSELoss().forward(model.forward(x), y).backward();
 *     opt.step();
 *   }
 * }
 * ```
 *
 * @category Data
 */
export class DataLoader<T> implements Iterable<Collated<T>> {
  /** The dataset batched. */
  readonly dataset: Dataset<T>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch has a new random order. */
  readonly shuffle: boolean;
  /** Whether a short last batch is skipped. */
  readonly dropLast: boolean;
  private readonly generator: Generator | null;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions = {}) {
    const op = 'DataLoader';
    const o = checkOptions(op, opts, ['batchSize', 'shuffle', 'dropLast', 'generator', 'seed']);
    this.dataset = checkDataset(op, dataset);
    const bs = o.batchSize ?? 1;
    if (!Number.isSafeInteger(bs) || bs < 1) throw new Error(`${op}: batchSize must be a positive integer, got ${describeValue(bs)}`);
    this.batchSize = bs;
    for (const k of ['shuffle', 'dropLast'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new Error(`${op}: ${k} must be a boolean, got ${describeValue(o[k])}`);
    }
    this.shuffle = o.shuffle ?? false;
    this.dropLast = o.dropLast ?? false;
    this.generator = generatorFrom(op, o);
  }

  /** Batches per epoch (PyTorch's `len(loader)`). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches; shuffled loaders draw their permutation here, when the epoch starts. */
  *[Symbol.iterator](): Iterator<Collated<T>> {
    const n = this.dataset.length;
    const order = this.shuffle ? permutation(n, this.generator) : Array.from({ length: n }, (_, i) => i);
    const batches = this.length;
    for (let b = 0; b < batches; b++) {
      yield batchOf(this.dataset, order.slice(b * this.batchSize, Math.min((b + 1) * this.batchSize, n)));
    }
  }
}
