/**
 * Trains {@link WeatherNet} on 2012-2013, stops early on 2014, and scores the best checkpoint on
 * 2015 next to the baselines.
 */
import { checkOptions, describeValue, noGrad } from '@kindling/core';
import { AdamW, DataLoader, ReduceLROnPlateau, TensorDataset, loadSafetensorsWithMetadata, saveSafetensors, summary } from '@kindling/nn';
import { numberCheck } from '../options.js';
import { WEATHER_LABELS, seattleWeather, type WeatherDay } from './data.js';
import { WEATHER_FEATURES, timeSplit, type Normalizer, type WeatherWindows } from './features.js';
import { climatologyForecast, majorityForecast, persistenceForecast, type Forecast } from './baselines.js';
import { scoreForecast, type WeatherScores } from './metrics.js';
import { WeatherLoss, WeatherNet, classWeights, weatherInputs, weatherTargets, type ClassWeighting } from './model.js';

/** Options of {@link trainWeather}. */
export interface WeatherOptions {
  /** The days to use (default: {@link seattleWeather}); consecutive, covering the split's years. */
  days?: WeatherDay[];
  /** Days of history per example (default 21; see the README for why). */
  window?: number;
  /** Upper limit on the passes over the training year pair (default 60). */
  epochs?: number;
  /** Stop after this many epochs without a better validation loss (default 10). */
  patience?: number;
  /** AdamW learning rate (default 0.003). */
  lr?: number;
  /** AdamW's decoupled weight decay (default 0.01, PyTorch's). */
  weightDecay?: number;
  /** Examples per update (default 32). */
  batchSize?: number;
  /** Channels of the convolutions (default 16). */
  hidden?: number;
  /** Dropout probability (default 0.2). */
  dropout?: number;
  /** Class weights of the cross-entropy (default 'sqrt-inverse', see {@link classWeights}). */
  classWeighting?: ClassWeighting;
  /** Half-width in days of the climatology baseline's window (default 7). */
  climatologyHalfWidth?: number;
  /** Seeds the initial weights, the dropout masks and the shuffling (default 0). */
  seed?: number;
  /** Called after each epoch (a progress bar). */
  onEpoch?: (e: WeatherEpoch) => void;
}

/** One epoch of {@link trainWeather}. */
export interface WeatherEpoch {
  epoch: number;
  /** Mean training loss over the epoch's batches (training mode: dropout on, batch statistics). */
  trainLoss: number;
  /** Loss on the validation year in evaluation mode. */
  validationLoss: number;
  validationAccuracy: number;
  /** Validation MAE of the maximum temperature, °C. */
  validationMae: number;
  /** The learning rate the epoch trained with. */
  lr: number;
}

/** The model and the baselines on one set of days. */
export interface WeatherReport {
  model: WeatherScores;
  persistence: WeatherScores;
  climatology: WeatherScores;
  majority: WeatherScores;
}

/** What {@link trainWeather} returns. */
export interface WeatherResult {
  history: WeatherEpoch[];
  /** The epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number;
  /** Whether training stopped before `epochs` because the validation loss stopped improving. */
  stoppedEarly: boolean;
  /** The best weights as a safetensors file, with the normalisation and window in its metadata ({@link loadWeatherCheckpoint}). */
  checkpoint: Uint8Array;
  /** A fresh model loaded from `checkpoint`, in evaluation mode: the one scored below. */
  model: WeatherNet;
  normalizer: Normalizer;
  classWeights: number[];
  window: number;
  /** Examples per set. */
  counts: { train: number; validation: number; test: number };
  /** 2014, for choosing settings. */
  validation: WeatherReport;
  /** 2015, looked at once. */
  test: WeatherReport;
  /** The model's 2015 forecast, day by day. */
  testForecast: Forecast;
  /** The 2015 target days. */
  testDays: WeatherDay[];
  /** `summary(model, [1, channels, window])` from @kindling/nn. */
  summary: string;
  /** The training years' most frequent label (the majority baseline's forecast), an index into {@link WEATHER_LABELS}. */
  majorityLabel: number;
  /** The climatology baseline's half-width in days. */
  climatologyHalfWidth: number;
}

const OPTION_KEYS = ['days', 'window', 'epochs', 'patience', 'lr', 'weightDecay', 'batchSize', 'hidden', 'dropout', 'classWeighting', 'climatologyHalfWidth', 'seed', 'onEpoch'];

/**
 * The model's forecast for a set of windows: the most likely label, and today's maximum plus the
 * predicted change (undoing the standardisation with the training statistics).
 */
export function forecastWithModel(model: WeatherNet, w: WeatherWindows, norm: Normalizer): Forecast {
  if (!(model instanceof WeatherNet)) throw new Error(`forecastWithModel: model must be a WeatherNet, got ${describeValue(model)}`);
  const wasTraining = model.training;
  model.eval();
  const out = noGrad(() => model.forward(weatherInputs(w)));
  model.train(wasTraining);
  return forecastFromOutput(out.dataSync(), w, norm);
}

function forecastFromOutput(out: ArrayLike<number>, w: WeatherWindows, norm: Normalizer): Forecast {
  const k = WEATHER_LABELS.length, cols = k + 1;
  const labels: number[] = [], tempMax: number[] = [];
  for (let i = 0; i < w.n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (out[i * cols + c]! > out[i * cols + best]!) best = c;
    labels.push(best);
    tempMax.push(w.today[i]!.tempMax + norm.std[1]! * out[i * cols + k]!);
  }
  return { labels, tempMax };
}

/**
 * Reads a checkpoint written by {@link trainWeather}: a fresh {@link WeatherNet} with the saved
 * weights (evaluation mode), and the normalisation and window it was trained with.
 *
 * @example
 * ```ts
 * import { loadWeatherCheckpoint, trainWeather } from '@kindling/examples';
 * const r = trainWeather({ epochs: 1 });
 * const { model, normalizer, window } = loadWeatherCheckpoint(r.checkpoint);
 * console.log(window, normalizer.mean[1]);
 * ```
 */
export function loadWeatherCheckpoint(bytes: Uint8Array): { model: WeatherNet; normalizer: Normalizer; window: number; epoch: number } {
  const { tensors, metadata } = loadSafetensorsWithMetadata(bytes);
  let meta: { normalizer: Normalizer; window: number; hidden: number; channels: number; epoch: number };
  try {
    meta = JSON.parse(metadata.kindling_weather ?? '');
  } catch {
    throw new Error('loadWeatherCheckpoint: the file has no kindling_weather metadata; was it written by trainWeather?');
  }
  const model = new WeatherNet({ channels: meta.channels, hidden: meta.hidden });
  model.loadStateDict(tensors);
  model.eval();
  return { model, normalizer: meta.normalizer, window: meta.window, epoch: meta.epoch };
}

/**
 * The whole example: split by year (train 2012-2013, validation 2014, test 2015), normalise with
 * the training years' statistics, train {@link WeatherNet} with {@link WeatherLoss}, AdamW and
 * ReduceLROnPlateau (halving the learning rate after 3 epochs without a better validation loss),
 * stop early, keep the best epoch as a safetensors checkpoint, and score that checkpoint
 * (reloaded into a fresh model) against persistence, climatology and the majority class.
 * Seeded and deterministic: the same options give the same numbers.
 *
 * @example
 * ```ts
 * import { trainWeather } from '@kindling/examples';
 * const r = trainWeather({ epochs: 2 });
 * console.log(r.test.model.accuracy, r.test.persistence.accuracy, r.test.model.mae);
 * ```
 */
export function trainWeather(opts: WeatherOptions = {}): WeatherResult {
  checkOptions('trainWeather', opts, OPTION_KEYS);
  const num = numberCheck('trainWeather');
  const window = num('window', opts.window ?? 21, { integer: true, min: 2, max: 365 });
  const epochs = num('epochs', opts.epochs ?? 60, { integer: true, min: 1 });
  const patience = num('patience', opts.patience ?? 10, { integer: true, min: 1 });
  const lr = num('lr', opts.lr ?? 3e-3, { min: 0, exclusiveMin: true });
  const weightDecay = num('weightDecay', opts.weightDecay ?? 1e-2, { min: 0 });
  const batchSize = num('batchSize', opts.batchSize ?? 32, { integer: true, min: 1 });
  const hidden = num('hidden', opts.hidden ?? 16, { integer: true, min: 1 });
  const dropout = num('dropout', opts.dropout ?? 0.2, { min: 0, max: 1, exclusiveMax: true });
  const halfWidth = num('climatologyHalfWidth', opts.climatologyHalfWidth ?? 7, { integer: true, min: 0, max: 182 });
  const seed = num('seed', opts.seed ?? 0, { integer: true });
  if (opts.onEpoch !== undefined && typeof opts.onEpoch !== 'function') throw new Error(`trainWeather: onEpoch must be a function, got ${describeValue(opts.onEpoch)}`);

  // 1. Data: the statistics come from 2012-2013 only; the sets are the target days' years.
  const split = timeSplit(opts.days ?? seattleWeather(), { window });
  const norm = split.normalizer;
  const weights = classWeights(split.trainDays, opts.classWeighting ?? 'sqrt-inverse');
  const train = weatherTargets(split.train, norm);
  const val = weatherTargets(split.validation, norm);
  const valX = weatherInputs(split.validation);
  const loader = new DataLoader(new TensorDataset(weatherInputs(split.train), train.labels, train.tempChange), { batchSize, shuffle: true, seed });

  // 2. Model, loss, optimizer, schedule.
  const model = new WeatherNet({ channels: WEATHER_FEATURES.length, hidden, dropout, seed });
  const loss = new WeatherLoss(weights);
  const opt = new AdamW(model.parameters(), { lr, weightDecay });
  const plateau = new ReduceLROnPlateau(opt, { factor: 0.5, patience: 3 });
  const meta = (epoch: number) => ({
    kindling_weather: JSON.stringify({ normalizer: norm, window, hidden, channels: WEATHER_FEATURES.length, epoch, features: WEATHER_FEATURES, labels: WEATHER_LABELS }),
  });

  // 3. Train; keep the weights of the epoch with the lowest validation loss.
  const history: WeatherEpoch[] = [];
  let best = Infinity, bestEpoch = -1;
  let checkpoint: Uint8Array = new Uint8Array(0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const epochLr = opt.paramGroups[0]!.lr;
    model.train();
    let total = 0, seen = 0;
    for (const [x, labels, tempChange] of loader) {
      opt.zeroGrad();
      const l = loss.forward(model.forward(x!), labels!, tempChange!);
      l.backward();
      opt.step();
      total += l.item() * x!.shape[0]!;
      seen += x!.shape[0]!;
    }
    model.eval();
    // One forward pass over 2014 gives both the loss (for early stopping) and the forecast.
    const valOut = noGrad(() => model.forward(valX));
    const validationLoss = noGrad(() => loss.forward(valOut, val.labels, val.tempChange)).item();
    const vs = scoreForecast(forecastFromOutput(valOut.dataSync(), split.validation, norm), split.validation.target);
    plateau.step(validationLoss);
    const e: WeatherEpoch = { epoch, trainLoss: total / seen, validationLoss, validationAccuracy: vs.accuracy, validationMae: vs.mae, lr: epochLr };
    history.push(e);
    opts.onEpoch?.(e);
    if (validationLoss < best) {
      best = validationLoss;
      bestEpoch = epoch;
      // The state dict holds the live tensors; serialising now is the copy that survives later steps.
      checkpoint = saveSafetensors(model.stateDict(), meta(epoch));
    } else if (epoch - bestEpoch >= patience) {
      break;
    }
  }

  // 4. Score the checkpoint, reloaded, on 2014 and 2015 next to the baselines.
  const { model: bestModel } = loadWeatherCheckpoint(checkpoint);
  const report = (w: WeatherWindows, forecast: Forecast): WeatherReport => ({
    model: scoreForecast(forecast, w.target),
    persistence: scoreForecast(persistenceForecast(w.today), w.target),
    climatology: scoreForecast(climatologyForecast(split.trainDays, w.target, { halfWidth }), w.target),
    majority: scoreForecast(majorityForecast(split.trainDays, w.n), w.target),
  });
  const testForecast = forecastWithModel(bestModel, split.test, norm);
  return {
    history, bestEpoch, stoppedEarly: history.length < epochs, checkpoint, model: bestModel, normalizer: norm, classWeights: weights, window,
    counts: { train: split.train.n, validation: split.validation.n, test: split.test.n },
    validation: report(split.validation, forecastWithModel(bestModel, split.validation, norm)),
    test: report(split.test, testForecast),
    testForecast,
    testDays: split.test.target,
    summary: summary(bestModel, [1, WEATHER_FEATURES.length, window]),
    majorityLabel: majorityForecast(split.trainDays, 1).labels[0]!,
    climatologyHalfWidth: halfWidth,
  };
}
