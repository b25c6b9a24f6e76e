/** Scores for the weather forecasts: accuracy, macro-F1 and the confusion matrix for the label, MAE for the temperature. */
import { describeValue } from '@kindling/core';
import { accuracy } from '../classifier/classify.js';
import { WEATHER_LABELS, type WeatherDay } from './data.js';
import type { Forecast } from './baselines.js';

function checkPairs(op: string, predicted: readonly number[], actual: readonly number[]): void {
  if (!Array.isArray(predicted) || !Array.isArray(actual) || predicted.length !== actual.length || actual.length === 0) {
    throw new Error(`${op}: expected two non-empty arrays of the same length, got ${Array.isArray(predicted) ? predicted.length : describeValue(predicted)} predictions and ${Array.isArray(actual) ? actual.length : describeValue(actual)} actual values`);
  }
}

function checkClasses(op: string, values: readonly number[], numClasses: number): void {
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) throw new Error(`${op}: class ${i} is ${describeValue(v)}, expected an integer in [0, ${numClasses})`);
  });
}

/**
 * The confusion matrix: `m[a][p]` counts the examples of actual class `a` predicted as `p` (rows
 * actual, columns predicted, as scikit-learn's `confusion_matrix`).
 *
 * @example
 * ```ts
 * import { confusionMatrix } from '@kindling/examples';
 * console.log(confusionMatrix([0, 1, 1], [0, 0, 1], 2)); // [[1, 1], [0, 1]]
 * ```
 */
export function confusionMatrix(predicted: readonly number[], actual: readonly number[], numClasses: number): number[][] {
  checkPairs('confusionMatrix', predicted, actual);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`confusionMatrix: numClasses must be a positive integer, got ${describeValue(numClasses)}`);
  checkClasses('confusionMatrix', predicted, numClasses);
  checkClasses('confusionMatrix', actual, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  actual.forEach((a, i) => m[a]![predicted[i]!]!++);
  return m;
}

/**
 * Each class's F1 = 2·TP / (2·TP + FP + FN), averaged with equal weight over the classes that
 * occur in `actual` or `predicted` (scikit-learn's `f1_score(average='macro')`; a class with
 * TP = 0 scores 0). A class absent from both (no snow in 2015, and none forecast) would be 0/0,
 * and counting it as 0 would punish a forecast for a class nobody could get right.
 *
 * @example
 * ```ts
 * import { macroF1 } from '@kindling/examples';
 * // class 0: TP 1, FP 0, FN 1 -> 2/3; class 1: TP 1, FP 1, FN 0 -> 2/3; class 2 never occurs
 * console.log(macroF1([0, 1, 1], [0, 0, 1], 3)); // 0.666...
 * ```
 */
export function macroF1(predicted: readonly number[], actual: readonly number[], numClasses: number): number {
  const m = confusionMatrix(predicted, actual, numClasses);
  const f1s: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const tp = m[c]![c]!;
    const fn = m[c]!.reduce((a, b) => a + b, 0) - tp;
    const fp = m.reduce((a, row) => a + row[c]!, 0) - tp;
    if (tp + fn + fp === 0) continue;
    f1s.push((2 * tp) / (2 * tp + fp + fn));
  }
  return f1s.reduce((a, b) => a + b, 0) / f1s.length;
}

/**
 * The mean of |predicted − actual|.
 *
 * @example
 * ```ts
 * import { meanAbsoluteError } from '@kindling/examples';
 * console.log(meanAbsoluteError([10, 12], [11, 15])); // 2
 * ```
 */
export function meanAbsoluteError(predicted: readonly number[], actual: readonly number[]): number {
  checkPairs('meanAbsoluteError', predicted, actual);
  let s = 0;
  predicted.forEach((p, i) => {
    const d = Math.abs(p - actual[i]!);
    if (!Number.isFinite(d)) throw new Error(`meanAbsoluteError: value ${i} is not finite (predicted ${describeValue(p)}, actual ${describeValue(actual[i])})`);
    s += d;
  });
  return s / predicted.length;
}

/** A forecast's scores on a set of target days. */
export interface WeatherScores {
  /** Fraction of labels right. */
  accuracy: number;
  macroF1: number;
  /** Rows actual, columns predicted, classes in {@link WEATHER_LABELS} order. */
  confusion: number[][];
  /** Mean absolute error of the maximum temperature, °C. */
  mae: number;
}

/**
 * Scores a forecast against the days it forecasts.
 *
 * @example
 * ```ts
 * import { persistenceForecast, scoreForecast, seattleWeather } from '@kindling/examples';
 * const days = seattleWeather().filter((d) => d.year === 2015);
 * const s = scoreForecast(persistenceForecast(days.slice(0, -1)), days.slice(1));
 * console.log(s.accuracy, s.mae);
 * ```
 */
export function scoreForecast(forecast: Forecast, targets: readonly WeatherDay[]): WeatherScores {
  if (!forecast || !Array.isArray(forecast.labels) || !Array.isArray(forecast.tempMax)) throw new Error(`scoreForecast: expected a Forecast { labels, tempMax }, got ${describeValue(forecast)}`);
  if (!Array.isArray(targets)) throw new Error(`scoreForecast: targets must be an array of WeatherDay, got ${describeValue(targets)}`);
  const labels = targets.map((d) => d.label);
  const k = WEATHER_LABELS.length;
  return {
    accuracy: accuracy(forecast.labels, labels),
    macroF1: macroF1(forecast.labels, labels, k),
    confusion: confusionMatrix(forecast.labels, labels, k),
    mae: meanAbsoluteError(forecast.tempMax, targets.map((d) => d.tempMax)),
  };
}
