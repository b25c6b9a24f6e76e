/**
 * Learn an unknown filter. A hidden 5-tap kernel (plus a bias) blurs random signals, and
 * noise is added; a Kindling Conv1d trained on (signal, filtered signal) pairs with
 * mini-batch SGD recovers the kernel. This is system identification by gradient descent.
 */
import { Generator, checkOptions, conv1d, describeValue, noGrad, tensor } from '@kindling/core';
import { Conv1d, MSELoss, SGD } from '@kindling/nn';
import { numberCheck } from '../options.js';

/** Options of {@link learnFilter}. */
export interface LearnFilterOptions {
  /** The hidden kernel to recover. */
  kernel?: number[];
  bias?: number;
  samples?: number;
  /** Length of each signal. */
  length?: number;
  /** Standard deviation of the noise added to the filtered signals. */
  noise?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  momentum?: number;
  seed?: number;
}

/** What {@link learnFilter} returns: the hidden and the learned filter, and the loss per epoch. */
export interface LearnFilterResult {
  trueKernel: number[];
  trueBias: number;
  learnedKernel: number[];
  learnedBias: number;
  /** Mean training loss per epoch (over its mini-batches). */
  history: { epoch: number; loss: number }[];
  /** The largest |learned - true| over the kernel and the bias. */
  maxError: number;
}

/**
 * System identification: a `Conv1d` learns a hidden kernel and bias from noisy input/output signals, with mini-batch SGD.
 *
 * @example
 * ```ts
 * import { learnFilter } from '@kindling/examples';
 * const r = learnFilter({ epochs: 3 });
 * console.log(r.learnedKernel, r.maxError);
 * ```
 */
export function learnFilter(opts: LearnFilterOptions = {}): LearnFilterResult {
  checkOptions('learnFilter', opts, ['kernel', 'bias', 'samples', 'length', 'noise', 'epochs', 'batchSize', 'lr', 'momentum', 'seed']);
  const kernel = opts.kernel ?? [0.5, -1, 0.25, 0.8, -0.3];
  const trueBias = opts.bias ?? 0.2;
  const { samples = 256, length = 32, noise = 0.05, epochs = 10, batchSize = 16, lr = 0.02, momentum = 0.5, seed = 7 } = opts;
  const num = numberCheck('learnFilter');
  num('samples', samples, { integer: true, min: 1 });
  num('epochs', epochs, { integer: true, min: 0 });
  num('batchSize', batchSize, { integer: true, min: 1 });
  num('lr', lr, { min: 0, exclusiveMin: true });
  num('momentum', momentum, { min: 0, max: 1, exclusiveMax: true });
  num('noise', noise, { min: 0 });
  num('bias', trueBias, {});
  num('seed', seed, { integer: true });
  if (!Array.isArray(kernel) || kernel.length === 0) throw new Error(`learnFilter: kernel must be a non-empty array of numbers, got ${describeValue(kernel)}`);
  kernel.forEach((w, i) => num(`kernel[${i}]`, w, {}));
  num('length', length, { integer: true, min: kernel.length });
  const gen = new Generator(seed);

  // 1. Data: x ~ N(0, 1), y = conv1d(x, hidden kernel) + bias + noise, shapes [samples, 1, L].
  const xs = new Float64Array(samples * length).map(() => gen.normal());
  const x = tensor(xs, { shape: [samples, 1, length] });
  const hidden = tensor([[kernel]]);
  const clean = noGrad(() => conv1d(x, hidden, tensor([trueBias])));
  const outLen = clean.shape[2]!;
  const ys = clean.dataSync().map((v) => v + noise * gen.normal());

  // A mini-batch is a copy of some rows of xs / ys.
  const batch = (rows: number[]) => {
    const bx = new Float64Array(rows.length * length);
    const by = new Float64Array(rows.length * outLen);
    rows.forEach((r, i) => {
      bx.set(xs.subarray(r * length, (r + 1) * length), i * length);
      by.set(ys.subarray(r * outLen, (r + 1) * outLen), i * outLen);
    });
    return [tensor(bx, { shape: [rows.length, 1, length] }), tensor(by, { shape: [rows.length, 1, outLen] })] as const;
  };

  // 2. Model, loss, optimizer.
  const model = new Conv1d(1, 1, kernel.length, { seed });
  const lossFn = new MSELoss();
  const opt = new SGD(model.parameters(), { lr, momentum });

  // 3. Train: shuffle every epoch, one update per mini-batch.
  const order = Array.from({ length: samples }, (_, i) => i);
  const history: { epoch: number; loss: number }[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(gen.uniform() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let total = 0;
    let batches = 0;
    for (let start = 0; start < samples; start += batchSize) {
      const [bx, by] = batch(order.slice(start, start + batchSize));
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(bx), by);
      loss.backward();
      opt.step();
      total += loss.item();
      batches++;
    }
    history.push({ epoch, loss: total / batches });
  }

  const learnedKernel = Array.from(model.weight.dataSync());
  const learnedBias = model.bias!.item();
  const maxError = Math.max(Math.abs(learnedBias - trueBias), ...learnedKernel.map((w, i) => Math.abs(w - kernel[i]!)));
  return { trueKernel: kernel.slice(), trueBias, learnedKernel, learnedBias, history, maxError };
}
