/**
 * The baselines a forecast has to beat to be worth anything: persistence ("tomorrow like
 * today"), climatology (what this time of year was like in the training years) and the
 * training years' majority class / mean. Each predicts both targets for a list of days.
 */
import { checkOptions, describeValue } from '@kindling/core';
import { numberCheck } from '../options.js';
import { WEATHER_LABELS, dayOfYear, type WeatherDay } from './data.js';

/** Predictions for a list of target days: a label index and a maximum temperature (°C) each. */
export interface Forecast {
  labels: number[];
  tempMax: number[];
}

/**
 * Persistence: tomorrow's label and maximum temperature are today's. `today[i]` is the day
 * before target i.
 *
 * @example
 * ```ts
 * import { persistenceForecast, seattleWeather } from '@kindling/examples';
 * const days = seattleWeather();
 * console.log(persistenceForecast(days.slice(0, 2)).tempMax); // [12.8, 10.6]: the forecasts for Jan 2 and 3
 * ```
 */
export function persistenceForecast(today: readonly WeatherDay[]): Forecast {
  checkDays('persistenceForecast', today);
  return { labels: today.map((d) => d.label), tempMax: today.map((d) => d.tempMax) };
}

/** Options of {@link climatologyForecast}. */
export interface ClimatologyOptions {
  /**
   * Training days within this many days of the target's day of year (circularly, in the
   * 365-day calendar of {@link dayOfYear}) count. Default 7: a 15-day window. With only two
   * training years, one calendar day's mean (`halfWidth: 0`) averages 2 values, mostly weather
   * noise rather than climate.
   */
  halfWidth?: number;
}

/**
 * Climatology from the training years: for each target day, the mean maximum temperature and
 * the most frequent label (ties go to the lower class index) of the training days at the same
 * time of year (see {@link ClimatologyOptions.halfWidth}).
 *
 * @example
 * ```ts
 * import { climatologyForecast, seattleWeather } from '@kindling/examples';
 * const days = seattleWeather();
 * const train = days.filter((d) => d.year <= 2013);
 * const july = days.filter((d) => d.date === '2015-07-04');
 * console.log(climatologyForecast(train, july)); // a mean of the 30 days around July 4 of 2012 and 2013
 * ```
 */
export function climatologyForecast(trainDays: readonly WeatherDay[], targets: readonly WeatherDay[], opts: ClimatologyOptions = {}): Forecast {
  checkOptions('climatologyForecast', opts, ['halfWidth']);
  const halfWidth = numberCheck('climatologyForecast')('halfWidth', opts.halfWidth ?? 7, { integer: true, min: 0, max: 182 });
  checkDays('climatologyForecast', trainDays);
  checkDays('climatologyForecast', targets);
  // One pass over the training days per calendar day, shared by every target on that day.
  const byDoy = new Map<number, { temp: number; label: number }>();
  const doys = trainDays.map((d) => dayOfYear(d.month, d.day));
  const at = (q: number) => {
    let hit = byDoy.get(q);
    if (hit) return hit;
    let sum = 0, n = 0;
    const counts = new Array<number>(WEATHER_LABELS.length).fill(0);
    trainDays.forEach((d, i) => {
      const dist = Math.abs(doys[i]! - q);
      if (Math.min(dist, 365 - dist) > halfWidth) return;
      sum += d.tempMax;
      n++;
      counts[d.label]!++;
    });
    if (n === 0) throw new Error(`climatologyForecast: no training day lies within ${halfWidth} days of day-of-year ${q}; widen halfWidth`);
    hit = { temp: sum / n, label: counts.indexOf(Math.max(...counts)) };
    byDoy.set(q, hit);
    return hit;
  };
  const preds = targets.map((d) => at(dayOfYear(d.month, d.day)));
  return { labels: preds.map((p) => p.label), tempMax: preds.map((p) => p.temp) };
}

/**
 * The training years' most frequent label (ties to the lower index) and mean maximum
 * temperature, the same for every one of `count` target days: what a model that ignored its
 * input would learn.
 *
 * @example
 * ```ts
 * import { WEATHER_LABELS, majorityForecast, seattleWeather } from '@kindling/examples';
 * const f = majorityForecast(seattleWeather().filter((d) => d.year <= 2013), 3);
 * console.log(WEATHER_LABELS[f.labels[0]]); // rain
 * ```
 */
export function majorityForecast(trainDays: readonly WeatherDay[], count: number): Forecast {
  checkDays('majorityForecast', trainDays);
  numberCheck('majorityForecast')('count', count, { integer: true, min: 0 });
  if (trainDays.length === 0) throw new Error('majorityForecast: no training days');
  const counts = new Array<number>(WEATHER_LABELS.length).fill(0);
  let sum = 0;
  for (const d of trainDays) {
    counts[d.label]!++;
    sum += d.tempMax;
  }
  const label = counts.indexOf(Math.max(...counts));
  return { labels: new Array<number>(count).fill(label), tempMax: new Array<number>(count).fill(sum / trainDays.length) };
}

function checkDays(op: string, days: readonly WeatherDay[]): void {
  if (!Array.isArray(days)) throw new Error(`${op}: expected an array of WeatherDay, got ${describeValue(days)}`);
}
