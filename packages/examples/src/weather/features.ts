/**
 * From days to training examples: per-day features normalised with training statistics only,
 * sliding windows of the previous days, and the split by year (train 2012-2013, validation 2014,
 * test 2015).
 */
import { checkOptions, describeValue } from '@kindling/core';
import { numberCheck } from '../options.js';
import { WEATHER_LABELS, dayOfYear, type WeatherDay } from './data.js';

/** The input channels, one value per day each, in channel order. */
export const WEATHER_FEATURES = [
  'log1p(precipitation)', 'tempMax', 'tempMin', 'wind', 'sin(day of year)', 'cos(day of year)',
  ...WEATHER_LABELS.map((l) => `is ${l}`),
] as const;

/** The numeric observations that are standardised, in channel order (channels 0-3). */
export const NORMALISED_FEATURES = ['log1p(precipitation)', 'tempMax', 'tempMin', 'wind'] as const;

/** Means and standard deviations of {@link NORMALISED_FEATURES}, from the training days only. */
export interface Normalizer {
  mean: number[];
  /** Population standard deviations (divided by n, as NumPy's default std). */
  std: number[];
  /** How many days the statistics come from. */
  count: number;
}

// Precipitation is zero on about half the days and heavy-tailed on the others: log1p pulls the
// tail in, so one storm does not dominate the standardised channel.
const raw = (d: WeatherDay): number[] => [Math.log1p(d.precipitation), d.tempMax, d.tempMin, d.wind];

/**
 * Means and standard deviations of the four numeric observations over `days`. Pass the training
 * days only: statistics that saw the validation or test years would leak them into training.
 *
 * @example
 * ```ts
 * import { fitNormalizer, seattleWeather } from '@kindling/examples';
 * const train = seattleWeather().filter((d) => d.year <= 2013);
 * console.log(fitNormalizer(train).mean[1]); // mean daily maximum of 2012-2013, °C
 * ```
 */
export function fitNormalizer(days: readonly WeatherDay[]): Normalizer {
  checkDays('fitNormalizer', days);
  if (days.length < 2) throw new Error(`fitNormalizer: need at least 2 days, got ${days.length}`);
  const k = NORMALISED_FEATURES.length;
  const mean = new Array<number>(k).fill(0), std = new Array<number>(k).fill(0);
  for (const d of days) raw(d).forEach((v, j) => (mean[j]! += v));
  for (let j = 0; j < k; j++) mean[j]! /= days.length;
  for (const d of days) raw(d).forEach((v, j) => (std[j]! += (v - mean[j]!) ** 2));
  for (let j = 0; j < k; j++) {
    std[j] = Math.sqrt(std[j]! / days.length);
    if (!(std[j]! > 0)) throw new Error(`fitNormalizer: ${NORMALISED_FEATURES[j]} is constant over the ${days.length} days; it cannot be standardised`);
  }
  return { mean, std, count: days.length };
}

/**
 * One day's input vector (length {@link WEATHER_FEATURES}.length = 11): the four observations
 * standardised with `norm`, the season as sin and cos of 2π·dayOfYear/365 (so Dec 31 sits next
 * to Jan 1), and the day's label one-hot.
 */
export function dayFeatures(day: WeatherDay, norm: Normalizer): number[] {
  const phase = (2 * Math.PI * dayOfYear(day.month, day.day)) / 365;
  const oneHot = WEATHER_LABELS.map((_, k) => (k === day.label ? 1 : 0));
  return [...raw(day).map((v, j) => (v - norm.mean[j]!) / norm.std[j]!), Math.sin(phase), Math.cos(phase), ...oneHot];
}

/** Examples built from consecutive days: each input is a window of days, its targets the next day's. */
export interface WeatherWindows {
  /** Inputs `[n, channels, window]`, row-major: `x[(i·channels + c)·window + t]` is channel c of day t of window i (t = window − 1 is "today"). */
  x: Float64Array;
  n: number;
  channels: number;
  window: number;
  /** The last day of each window ("today"). */
  today: WeatherDay[];
  /** The day after each window ("tomorrow"): its label and tempMax are the targets. */
  target: WeatherDay[];
}

/**
 * The examples whose target day ("tomorrow") lies in one of `years`: for target day i, the
 * inputs are days i − window .. i − 1, each as {@link dayFeatures}. Windows may reach back into
 * an earlier year (January 2015's inputs include December 2014): those are past observations,
 * available when the forecast is made; what is split by year is the day being predicted.
 * `days` must be consecutive calendar days in order.
 */
export function makeWindows(days: readonly WeatherDay[], norm: Normalizer, window: number, years: readonly number[]): WeatherWindows {
  checkDays('makeWindows', days);
  numberCheck('makeWindows')('window', window, { integer: true, min: 1 });
  if (!Array.isArray(years) || years.some((y) => !Number.isInteger(y))) throw new Error(`makeWindows: years must be an array of integers, got ${describeValue(years)}`);
  checkConsecutive('makeWindows', days);
  const channels = WEATHER_FEATURES.length;
  const feats = days.map((d) => dayFeatures(d, norm));
  const targets: number[] = [];
  for (let i = window; i < days.length; i++) if (years.includes(days[i]!.year)) targets.push(i);
  const x = new Float64Array(targets.length * channels * window);
  targets.forEach((i, s) => {
    for (let t = 0; t < window; t++) {
      const f = feats[i - window + t]!;
      for (let c = 0; c < channels; c++) x[(s * channels + c) * window + t] = f[c]!;
    }
  });
  return { x, n: targets.length, channels, window, today: targets.map((i) => days[i - 1]!), target: targets.map((i) => days[i]!) };
}

/** Options of {@link timeSplit}. */
export interface TimeSplitOptions {
  /** Days of history per example (default 21; see the README for why). */
  window?: number;
  /** Years whose days are training targets and the only source of the normalisation statistics (default [2012, 2013]). */
  trainYears?: number[];
  /** Default [2014]. */
  validationYears?: number[];
  /** Default [2015]. */
  testYears?: number[];
}

/** What {@link timeSplit} returns. */
export interface WeatherSplit {
  normalizer: Normalizer;
  /** The days of the training years: what the statistics, climatology and majority class are computed from. */
  trainDays: WeatherDay[];
  train: WeatherWindows;
  validation: WeatherWindows;
  test: WeatherWindows;
  window: number;
}

/**
 * Splits by time: the normalisation statistics come from the training years' days alone, then
 * each set holds the windows whose target day is in its years. Nothing of the validation or test
 * years reaches training, not even through the statistics.
 *
 * @example
 * ```ts
 * import { seattleWeather, timeSplit } from '@kindling/examples';
 * const s = timeSplit(seattleWeather());
 * console.log(s.train.n, s.validation.n, s.test.n); // 710 365 365
 * ```
 */
export function timeSplit(days: readonly WeatherDay[], opts: TimeSplitOptions = {}): WeatherSplit {
  checkOptions('timeSplit', opts, ['window', 'trainYears', 'validationYears', 'testYears']);
  const { window = 21, trainYears = [2012, 2013], validationYears = [2014], testYears = [2015] } = opts;
  numberCheck('timeSplit')('window', window, { integer: true, min: 1 });
  const sets = { trainYears, validationYears, testYears };
  for (const [name, ys] of Object.entries(sets)) {
    if (!Array.isArray(ys) || ys.length === 0 || ys.some((y) => !Number.isInteger(y))) throw new Error(`timeSplit: ${name} must be a non-empty array of integer years, got ${describeValue(ys)}`);
  }
  const all = [...trainYears, ...validationYears, ...testYears];
  if (new Set(all).size !== all.length) throw new Error(`timeSplit: a year is in more than one set (train ${trainYears}, validation ${validationYears}, test ${testYears})`);
  checkDays('timeSplit', days);
  const trainDays = days.filter((d) => trainYears.includes(d.year));
  const normalizer = fitNormalizer(trainDays);
  const windows = (ys: number[], name: string) => {
    const w = makeWindows(days, normalizer, window, ys);
    if (w.n === 0) throw new Error(`timeSplit: no ${name} examples (no day of ${ys.join(', ')} has ${window} days before it)`);
    return w;
  };
  return { normalizer, trainDays, train: windows(trainYears, 'training'), validation: windows(validationYears, 'validation'), test: windows(testYears, 'test'), window };
}

function checkDays(op: string, days: readonly WeatherDay[]): void {
  if (!Array.isArray(days)) throw new Error(`${op}: days must be an array of WeatherDay (from parseWeatherCsv), got ${describeValue(days)}`);
}

// Windows are index ranges, so a missing or repeated day would silently shift every later window.
function checkConsecutive(op: string, days: readonly WeatherDay[]): void {
  for (let i = 1; i < days.length; i++) {
    const a = Date.UTC(days[i - 1]!.year, days[i - 1]!.month - 1, days[i - 1]!.day);
    const b = Date.UTC(days[i]!.year, days[i]!.month - 1, days[i]!.day);
    if (b - a !== 86_400_000) throw new Error(`${op}: days must be consecutive calendar days in order; ${days[i - 1]!.date} is followed by ${days[i]!.date}`);
  }
}
