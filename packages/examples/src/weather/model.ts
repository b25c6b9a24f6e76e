/**
 * The weather model: a small 1-D CNN over the previous days, with one head that gives tomorrow's
 * five label logits and tomorrow's maximum temperature (as a change from today's, standardised),
 * and the loss that trains both.
 */
import { Tensor, cat, checkOptions, describeValue, slice, tensor } from '@kindling/core';
import { AdaptiveAvgPool1d, BatchNorm1d, Conv1d, CrossEntropyLoss, Dropout, Flatten, GELU, HuberLoss, Linear, MaxPool1d, Module, Sequential } from '@kindling/nn';
import { numberCheck } from '../options.js';
import { WEATHER_LABELS, type WeatherDay } from './data.js';
import { WEATHER_FEATURES, type Normalizer, type WeatherWindows } from './features.js';

/** Options of {@link WeatherNet}. */
export interface WeatherNetOptions {
  /** Input channels per day (default 11, {@link WEATHER_FEATURES}). */
  channels?: number;
  /** Channels of both convolutions (default 16). */
  hidden?: number;
  /** Dropout probability before the head (default 0.2). */
  dropout?: number;
  /** Seeds the initial weights and the dropout masks (default 0). */
  seed?: number;
}

/**
 * `Conv1d(11, 16, 3, padding 1) → BatchNorm1d → GELU → MaxPool1d(2) → Conv1d(16, 16, 3, padding 1)
 * → BatchNorm1d → GELU → AdaptiveAvgPool1d(1) → Flatten`, then the newest day's 11 inputs
 * concatenated to those 16 features, `Dropout(0.2)` and `Linear(27, 6)`: 1,528 parameters.
 *
 * The convolutions have no bias: BatchNorm subtracts each channel's batch mean right after, so
 * a bias there cancels exactly and its true gradient is 0. What autograd returns is rounding
 * noise (about 1e-17), which Adam-style optimizers divide by its own tiny running scale and turn
 * into real steps; BatchNorm's own `bias` is the shift that counts.
 *
 * Input `[N, channels, days]` (any number of days from 2; the oldest first), output `[N, 6]`:
 * columns 0-4 are the logits of tomorrow's label ({@link WEATHER_LABELS} order), column 5 is
 * tomorrow's maximum temperature minus today's, divided by the training years' standard
 * deviation of the daily maximum.
 *
 * Why the skip connection: AdaptiveAvgPool1d averages over time, so the convolutions' summary of
 * the window no longer knows which day was the last one, yet "today" is the best single
 * predictor of tomorrow (persistence). Handing the head today's inputs directly lets the CNN
 * spend its features on what the window adds to that. In a PyTorch prototype of this network
 * (mean of 3 seeds) it raised the 2014 validation accuracy from about 0.58 to 0.65.
 * Why a temperature *change*: the head then only has to learn the correction to persistence,
 * which is small, rather than reproduce today's value through the pooling.
 *
 * Parameter names follow PyTorch's for the same module tree (`features.0.weight`,
 * `features.1.running_mean`, `head.bias`, ...), so a state dict loads into the twin in
 * scripts/torch-fixtures/weather_twin.py unchanged.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { summary } from '@kindling/nn';
 * import { WeatherNet } from '@kindling/examples';
 * const net = new WeatherNet({ seed: 1 });
 * console.log(net.forward(randn([4, 11, 21], { seed: 0 })).shape); // [4, 6]
 * console.log(summary(net, [1, 11, 21]));
 * ```
 */
export class WeatherNet extends Module {
  /** The CNN over the window: `[N, channels, days]` → `[N, hidden]`. */
  features: Sequential;
  dropout: Dropout;
  /** `Linear(hidden + channels, 6)`. */
  head: Linear;

  constructor(opts: WeatherNetOptions = {}) {
    super();
    checkOptions('WeatherNet', opts, ['channels', 'hidden', 'dropout', 'seed']);
    const num = numberCheck('WeatherNet');
    const channels = num('channels', opts.channels ?? WEATHER_FEATURES.length, { integer: true, min: 1 });
    const hidden = num('hidden', opts.hidden ?? 16, { integer: true, min: 1 });
    const p = num('dropout', opts.dropout ?? 0.2, { min: 0, max: 1, exclusiveMax: true });
    const seed = num('seed', opts.seed ?? 0, { integer: true });
    this.features = new Sequential(
      new Conv1d(channels, hidden, 3, { padding: 1, bias: false, seed }),
      new BatchNorm1d(hidden),
      new GELU(),
      new MaxPool1d(2),
      new Conv1d(hidden, hidden, 3, { padding: 1, bias: false, seed: seed + 1 }),
      new BatchNorm1d(hidden),
      new GELU(),
      new AdaptiveAvgPool1d(1),
      new Flatten(),
    );
    this.dropout = new Dropout(p, { seed: seed + 2 });
    this.head = new Linear(hidden + channels, WEATHER_LABELS.length + 1, { seed: seed + 3 });
  }

  override forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor) || x.ndim !== 3 || x.shape[2]! < 2) {
      throw new Error(`WeatherNet: expected an input of shape [batch, channels, days] with at least 2 days, got ${x instanceof Tensor ? `shape [${x.shape.join(', ')}]` : describeValue(x)}`);
    }
    const [n, c, days] = x.shape as [number, number, number];
    const today = slice(x, 2, days - 1, days).reshape([n, c]);
    return this.head.forward(this.dropout.forward(cat([this.features.forward(x), today], 1)));
  }
}

/** The training targets of a set of windows, as tensors. */
export interface WeatherTargets {
  /** `[n]` class indices of tomorrow's label. */
  labels: Tensor;
  /** `[n]` (tomorrow's tempMax − today's) / the training standard deviation of tempMax. */
  tempChange: Tensor;
}

/**
 * The targets {@link WeatherNet} is trained on, from the windows' days and the training
 * statistics (`norm.std[1]` is the daily maximum's).
 */
export function weatherTargets(w: WeatherWindows, norm: Normalizer): WeatherTargets {
  const sd = norm.std[1]!;
  return {
    labels: tensor(w.target.map((d) => d.label)),
    tempChange: tensor(w.target.map((d, i) => (d.tempMax - w.today[i]!.tempMax) / sd)),
  };
}

/** The windows' inputs as a `[n, channels, window]` tensor. */
export function weatherInputs(w: WeatherWindows): Tensor {
  return tensor(w.x, { shape: [w.n, w.channels, w.window] });
}

/** How the rare labels are up-weighted in the cross-entropy. */
export type ClassWeighting = 'sqrt-inverse' | 'inverse' | 'none';

/**
 * Class weights from the training days' label counts: `'inverse'` is n / (K · count) (each class
 * then weighs the same in total), `'sqrt-inverse'` its square root, `'none'` all ones. A class
 * absent from training gets 1 (no target ever selects its weight).
 *
 * The default `'sqrt-inverse'` is a compromise measured on the 2014 validation year (a PyTorch
 * prototype of this network, mean of 3 seeds): full inverse weights (fog ×7, snow ×6, drizzle
 * ×3.2 against rain ×0.42) made the model call the rare labels so often that validation
 * accuracy fell from about 0.65 to 0.43 and macro-F1 from 0.35 to 0.25; the square root (fog
 * ×2.6, rain ×0.65) still pushes towards the rare labels at little cost.
 *
 * @example
 * ```ts
 * import { classWeights, seattleWeather } from '@kindling/examples';
 * const train = seattleWeather().filter((d) => d.year <= 2013);
 * console.log(classWeights(train, 'sqrt-inverse').map((w) => w.toFixed(2))); // drizzle, fog, rain, snow, sun
 * ```
 */
export function classWeights(trainDays: readonly WeatherDay[], weighting: ClassWeighting = 'sqrt-inverse'): number[] {
  if (!Array.isArray(trainDays) || trainDays.length === 0) throw new Error(`classWeights: trainDays must be a non-empty array of WeatherDay, got ${describeValue(trainDays)}`);
  if (weighting !== 'sqrt-inverse' && weighting !== 'inverse' && weighting !== 'none') {
    throw new Error(`classWeights: weighting must be 'sqrt-inverse', 'inverse' or 'none', got ${describeValue(weighting)}`);
  }
  const k = WEATHER_LABELS.length;
  const counts = new Array<number>(k).fill(0);
  for (const d of trainDays) counts[d.label]!++;
  return counts.map((c) => {
    if (weighting === 'none' || c === 0) return 1;
    const w = trainDays.length / (k * c);
    return weighting === 'inverse' ? w : Math.sqrt(w);
  });
}

/** The two parts of {@link WeatherLoss}'s value, and their sum (what is minimised). */
export interface WeatherLossParts {
  /** The sum: a 0-d tensor with a graph. */
  total: Tensor;
  /** Weighted cross-entropy of the label logits. */
  crossEntropy: Tensor;
  /** Huber loss of the standardised temperature change. */
  huber: Tensor;
}

/**
 * The training objective: `CrossEntropyLoss({ weight })` on columns 0-4 of the model's output
 * plus `HuberLoss({ delta })` on column 5, with equal weight. In standardised units both start
 * near 1, and the Huber loss keeps a few large temperature swings (fronts) from dominating the
 * gradient as a squared error would.
 */
export class WeatherLoss {
  readonly crossEntropy: CrossEntropyLoss;
  readonly huber: HuberLoss;

  /** `weights`: per-class weights ({@link classWeights}); `delta`: the Huber threshold in standard deviations (default 1). */
  constructor(weights: readonly number[], delta = 1) {
    if (!Array.isArray(weights) || weights.length !== WEATHER_LABELS.length) throw new Error(`WeatherLoss: expected ${WEATHER_LABELS.length} class weights, got ${describeValue(weights)}`);
    this.crossEntropy = new CrossEntropyLoss({ weight: tensor([...weights]) });
    this.huber = new HuberLoss({ delta });
  }

  /** The loss of `output` ([N, 6] from {@link WeatherNet}) against the targets. */
  parts(output: Tensor, labels: Tensor, tempChange: Tensor): WeatherLossParts {
    if (!(output instanceof Tensor) || output.ndim !== 2 || output.shape[1] !== WEATHER_LABELS.length + 1) {
      throw new Error(`WeatherLoss: expected the model's output of shape [batch, ${WEATHER_LABELS.length + 1}], got ${output instanceof Tensor ? `shape [${output.shape.join(', ')}]` : describeValue(output)}`);
    }
    const k = WEATHER_LABELS.length;
    const crossEntropy = this.crossEntropy.forward(slice(output, 1, 0, k), labels);
    const huber = this.huber.forward(slice(output, 1, k, k + 1).reshape([-1]), tempChange);
    return { total: crossEntropy.add(huber), crossEntropy, huber };
  }

  /** The total loss (a 0-d tensor). */
  forward(output: Tensor, labels: Tensor, tempChange: Tensor): Tensor {
    return this.parts(output, labels, tempChange).total;
  }
}
