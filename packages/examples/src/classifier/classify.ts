/**
 * A small classifier: is a noisy 1-D sequence a rising edge (low, then high to the end) or a
 * bump (low, high for a while, low again)? Conv1d -> ReLU -> Flatten -> Linear, trained with
 * cross-entropy on a training split, scored on a held-out test split, then saved as
 * safetensors and reloaded into a fresh model to predict.
 */
import { Generator, Tensor, checkOptions, describeValue, tensor } from '@kindling/core';
import { Adam, Conv1d, Flatten, Linear, ReLU, Sequential, loadSafetensors, saveSafetensors } from '@kindling/nn';
import { numberCheck } from '../options.js';

/** The classifier's two classes, by label index. */
export const CLASSES = ['rising edge', 'bump'] as const;

/** Sequences and their labels (indices into {@link CLASSES}). */
export interface Dataset {
  /** [n, 1, length] values, row-major. */
  x: Float64Array;
  labels: number[];
  length: number;
}

/** n random sequences, half of each class, shuffled. */
export function makeSequences(n: number, length: number, noise: number, gen: Generator): Dataset {
  const num = numberCheck('makeSequences');
  num('n', n, { integer: true, min: 0 });
  // A step starts at 3..length-10 and a bump lasts 3..6 steps and ends 2 or more before the end.
  num('length', length, { integer: true, min: 12 });
  num('noise', noise, { min: 0 });
  if (!(gen instanceof Generator)) throw new Error(`makeSequences: gen must be a Generator, got ${describeValue(gen)}`);
  const x = new Float64Array(n * length);
  const labels: number[] = [];
  const between = (lo: number, hi: number) => lo + (hi - lo) * gen.uniform();
  for (let s = 0; s < n; s++) {
    const label = s % 2;
    const amp = between(0.5, 1.5), offset = between(-0.5, 0.5);
    const start = Math.floor(between(3, length - 9));
    const end = label === 0 ? length : start + Math.floor(between(3, 7)); // a bump ends >= 2 steps before the end
    for (let t = 0; t < length; t++) x[s * length + t] = offset + (t >= start && t < end ? amp : 0) + noise * gen.normal();
    labels.push(label);
  }
  return shuffle({ x, labels, length }, gen);
}

function shuffle(d: Dataset, gen: Generator): Dataset {
  const n = d.labels.length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(gen.uniform() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return pick(d, order);
}

/** The rows `rows` of a dataset. */
export function pick(d: Dataset, rows: readonly number[]): Dataset {
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= d.labels.length) throw new Error(`pick: row ${i} is ${describeValue(r)}, out of range for ${d.labels.length} sequences`);
  });
  const x = new Float64Array(rows.length * d.length);
  rows.forEach((r, i) => x.set(d.x.subarray(r * d.length, (r + 1) * d.length), i * d.length));
  return { x, labels: rows.map((r) => d.labels[r]!), length: d.length };
}

/** The dataset's sequences as a `[n, 1, length]` tensor. */
export function inputTensor(d: Dataset): Tensor {
  return tensor(d.x, { shape: [d.labels.length, 1, d.length] });
}

/** Conv1d(1, channels, kernelSize) -> ReLU -> Flatten -> Linear(channels * L', 2). */
export function buildClassifier(length: number, channels = 4, kernelSize = 5, seed = 1): Sequential {
  const num = numberCheck('buildClassifier');
  num('kernelSize', kernelSize, { integer: true, min: 1 });
  num('length', length, { integer: true, min: kernelSize });
  return new Sequential(
    new Conv1d(1, channels, kernelSize, { seed }),
    new ReLU(),
    new Flatten(),
    new Linear(channels * (length - kernelSize + 1), CLASSES.length, { seed: seed + 1 }),
  );
}

/** Mean cross-entropy of logits [B, C] against integer labels: -log softmax(logits)[label]. */
export function crossEntropy(logits: Tensor, labels: readonly number[]): Tensor {
  const [b, c] = logitsShape('crossEntropy', logits);
  if (!Array.isArray(labels) || labels.length !== b) {
    throw new Error(`crossEntropy: expected ${b} labels (one per row of logits), got ${Array.isArray(labels) ? labels.length : describeValue(labels)}`);
  }
  // A label outside [0, C) would pick no logit, and the loss would silently be 0 for that row.
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= c) throw new Error(`crossEntropy: label ${i} is ${describeValue(l)}, expected an integer in [0, ${c})`);
  });
  const oneHot = new Float64Array(b * c);
  labels.forEach((l, i) => (oneHot[i * c + l] = 1));
  const m = logits.max(1, true).detach(); // subtract the row max for a stable log-sum-exp
  const logSumExp = logits.sub(m).exp().sum(1, true).log().add(m);
  return logits.sub(logSumExp).mul(tensor(oneHot, { shape: [b, c] })).sum(1).mean().neg();
}

/** The most likely class of each row of logits. */
export function argmax(logits: Tensor): number[] {
  const [b, c] = logitsShape('argmax', logits);
  const v = logits.dataSync();
  const out: number[] = [];
  for (let i = 0; i < b; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (v[i * c + k]! > v[i * c + best]!) best = k;
    out.push(best);
  }
  return out;
}

function logitsShape(op: string, logits: Tensor): [number, number] {
  if (!(logits instanceof Tensor) || logits.ndim !== 2) {
    throw new Error(`${op}: expected logits of shape [batch, classes], got ${logits instanceof Tensor ? `shape [${logits.shape.join(', ')}]` : describeValue(logits)}`);
  }
  return logits.shape as [number, number];
}

/** The fraction of predictions equal to their labels. */
export function accuracy(predicted: readonly number[], labels: readonly number[]): number {
  if (!Array.isArray(predicted) || !Array.isArray(labels) || predicted.length !== labels.length || labels.length === 0) {
    throw new Error(`accuracy: expected two non-empty arrays of the same length, got ${Array.isArray(predicted) ? predicted.length : describeValue(predicted)} predictions and ${Array.isArray(labels) ? labels.length : describeValue(labels)} labels`);
  }
  return predicted.filter((p, i) => p === labels[i]).length / labels.length;
}

/** Options of {@link trainClassifier}. */
export interface ClassifierOptions {
  samples?: number;
  length?: number;
  /** Fraction of the samples held out for testing. */
  testFraction?: number;
  noise?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  channels?: number;
  kernelSize?: number;
  seed?: number;
}

/** What {@link trainClassifier} returns. */
export interface ClassifierResult {
  history: { epoch: number; loss: number; trainAccuracy: number }[];
  testAccuracy: number;
  model: Sequential;
  test: Dataset;
  /** The trained weights as a safetensors file. */
  weights: Uint8Array;
  /** Accuracy of a fresh model that loaded `weights`: equal to testAccuracy. */
  reloadedAccuracy: number;
  /** The reloaded model's predictions on the test set. */
  predictions: number[];
}

/**
 * Trains the `Conv1d -> ReLU -> Flatten -> Linear` classifier with Adam and cross-entropy on generated sequences, then saves its weights as safetensors, reloads them into a fresh model and predicts the test set.
 *
 * @example
 * ```ts
 * import { trainClassifier } from '@kindling/examples';
 * const r = trainClassifier({ samples: 80, epochs: 2 });
 * console.log(r.testAccuracy, r.reloadedAccuracy);
 * ```
 */
export function trainClassifier(opts: ClassifierOptions = {}): ClassifierResult {
  checkOptions('trainClassifier', opts, ['samples', 'length', 'testFraction', 'noise', 'epochs', 'batchSize', 'lr', 'channels', 'kernelSize', 'seed']);
  const { samples = 400, length = 24, testFraction = 0.25, noise = 0.15, epochs = 15, batchSize = 32, lr = 0.01, channels = 4, kernelSize = 5, seed = 1 } = opts;
  const num = numberCheck('trainClassifier');
  num('samples', samples, { integer: true, min: 2 });
  num('testFraction', testFraction, { min: 0, max: 1, exclusiveMin: true, exclusiveMax: true });
  num('epochs', epochs, { integer: true, min: 0 });
  num('batchSize', batchSize, { integer: true, min: 1 });
  num('lr', lr, { min: 0, exclusiveMin: true });
  num('channels', channels, { integer: true, min: 1 });
  num('seed', seed, { integer: true });
  num('noise', noise, { min: 0 });
  num('length', length, { integer: true, min: 12 });
  num('kernelSize', kernelSize, { integer: true, min: 1, max: length });
  const nTest = Math.max(1, Math.round(samples * testFraction));
  if (nTest >= samples) throw new Error(`trainClassifier: testFraction ${testFraction} of ${samples} samples leaves nothing to train on`);
  const gen = new Generator(seed);

  // 1. Data, split into train and test.
  const all = makeSequences(samples, length, noise, gen);
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  const train = pick(all, range(nTest, samples));
  const test = pick(all, range(0, nTest));

  // 2. Model and optimizer.
  const model = buildClassifier(length, channels, kernelSize, seed);
  const opt = new Adam(model.parameters(), { lr });

  // 3. Train on shuffled mini-batches.
  const history: ClassifierResult['history'] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const epochData = shuffle(train, gen);
    let total = 0, correct = 0;
    for (let start = 0; start < epochData.labels.length; start += batchSize) {
      const b = pick(epochData, range(start, Math.min(start + batchSize, epochData.labels.length)));
      opt.zeroGrad();
      const logits = model.forward(inputTensor(b));
      const loss = crossEntropy(logits, b.labels);
      loss.backward();
      opt.step();
      total += loss.item() * b.labels.length;
      correct += accuracy(argmax(logits), b.labels) * b.labels.length;
    }
    history.push({ epoch, loss: total / train.labels.length, trainAccuracy: correct / train.labels.length });
  }

  // 4. Test, save, reload into a fresh (differently initialised) model, predict again.
  model.eval();
  const testAccuracy = accuracy(argmax(model.forward(inputTensor(test))), test.labels);
  const weights = saveSafetensors(model.stateDict());
  const fresh = buildClassifier(length, channels, kernelSize, seed + 100);
  fresh.loadStateDict(loadSafetensors(weights));
  fresh.eval();
  const predictions = argmax(fresh.forward(inputTensor(test)));
  return { history, testAccuracy, model, test, weights, reloadedAccuracy: accuracy(predictions, test.labels), predictions };
}
