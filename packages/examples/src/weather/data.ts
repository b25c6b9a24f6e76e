/**
 * Seattle's daily weather, 2012-2015 (vega-datasets' seattle-weather.csv; source and licence in
 * data/NOTICE.md): parsing, the day-of-year used by the seasonal features and by climatology.
 */
import { describeValue } from '@kindling/core';
import { SEATTLE_WEATHER_CSV } from './seattle-weather-csv.js';

/** The weather labels of seattle-weather.csv, by class index (alphabetical, as the file's values sort). */
export const WEATHER_LABELS = ['drizzle', 'fog', 'rain', 'snow', 'sun'] as const;

/** One of {@link WEATHER_LABELS}. */
export type WeatherLabel = (typeof WEATHER_LABELS)[number];

/** One row of the CSV: a day's observations, with its label as an index into {@link WEATHER_LABELS}. */
export interface WeatherDay {
  /** `YYYY-MM-DD`. */
  date: string;
  year: number;
  /** 1-12. */
  month: number;
  /** 1-31. */
  day: number;
  /** Millimetres. */
  precipitation: number;
  /** °C. */
  tempMax: number;
  /** °C. */
  tempMin: number;
  /** Metres per second. */
  wind: number;
  /** Index into {@link WEATHER_LABELS}. */
  label: number;
}

const HEADER = 'date,precipitation,temp_max,temp_min,wind,weather';
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Days before each month in a non-leap year: the day-of-year calendar folds Feb 29 onto Feb 28.
const CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * The day of the year in a 365-day calendar, 0 (Jan 1) to 364 (Dec 31); Feb 29 shares Feb 28's 58.
 * A fixed calendar keeps "the same day of the year" the same date in leap and other years, so a
 * climatology built from 2012 (a leap year) and 2013 lines up March with March.
 *
 * @example
 * ```ts
 * import { dayOfYear } from '@kindling/examples';
 * console.log(dayOfYear(1, 1), dayOfYear(2, 29), dayOfYear(3, 1), dayOfYear(12, 31)); // 0 58 59 364
 * ```
 */
export function dayOfYear(month: number, day: number): number {
  if (!Number.isInteger(month) || month < 1 || month > 12) throw new Error(`dayOfYear: month must be an integer in [1, 12], got ${describeValue(month)}`);
  if (!Number.isInteger(day) || day < 1 || day > DAYS_IN_MONTH[month - 1]!) {
    throw new Error(`dayOfYear: day must be an integer in [1, ${DAYS_IN_MONTH[month - 1]}] for month ${month}, got ${describeValue(day)}`);
  }
  return CUMULATIVE[month - 1]! + Math.min(day, month === 2 ? 28 : day) - 1;
}

/**
 * Parses text in seattle-weather.csv's format: the header
 * `date,precipitation,temp_max,temp_min,wind,weather`, then one row per day. Every field is
 * checked (a valid calendar date, finite numbers, precipitation and wind not negative, a known
 * label); an error names the line. Rows stay in file order.
 *
 * @example
 * ```ts
 * import { parseWeatherCsv } from '@kindling/examples';
 * const days = parseWeatherCsv('date,precipitation,temp_max,temp_min,wind,weather\n2012-01-01,0.0,12.8,5.0,4.7,drizzle\n');
 * console.log(days[0].tempMax, days[0].label); // 12.8 0
 * ```
 */
export function parseWeatherCsv(text: string): WeatherDay[] {
  if (typeof text !== 'string') throw new Error(`parseWeatherCsv: expected the CSV text as a string, got ${describeValue(text)}`);
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines[0] !== HEADER) throw new Error(`parseWeatherCsv: the first line must be '${HEADER}', got ${JSON.stringify(lines[0] ?? '')}`);
  return lines.slice(1).map((line, i) => parseRow(line, i + 2));
}

function parseRow(line: string, lineNo: number): WeatherDay {
  const bad = (what: string): never => {
    throw new Error(`parseWeatherCsv: line ${lineNo}: ${what} (${JSON.stringify(line)})`);
  };
  const f = line.split(',');
  if (f.length !== 6) bad(`expected 6 fields, got ${f.length}`);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(f[0]!);
  if (!m) bad(`the date must be YYYY-MM-DD`);
  const [year, month, day] = [Number(m![1]), Number(m![2]), Number(m![3])];
  const monthDays = month === 2 && !isLeap(year) ? 28 : DAYS_IN_MONTH[month - 1];
  if (monthDays === undefined || day < 1 || day > monthDays) bad(`${f[0]} is not a date`);
  const num = (i: number, name: string, min = -Infinity) => {
    const v = Number(f[i]);
    if (f[i]!.trim() === '' || !Number.isFinite(v)) bad(`${name} must be a number`);
    if (v < min) bad(`${name} must be >= ${min}`);
    return v;
  };
  const label = (WEATHER_LABELS as readonly string[]).indexOf(f[5]!);
  if (label < 0) bad(`the weather must be one of ${WEATHER_LABELS.join(', ')}`);
  return {
    date: f[0]!, year, month, day,
    precipitation: num(1, 'precipitation', 0), tempMax: num(2, 'temp_max'), tempMin: num(3, 'temp_min'), wind: num(4, 'wind', 0),
    label,
  };
}

/**
 * The 1,461 days of data/seattle-weather.csv (2012-01-01 to 2015-12-31), parsed. The CSV ships
 * inside the package as a string constant, so this needs no file system (see data/NOTICE.md).
 *
 * @example
 * ```ts
 * import { seattleWeather } from '@kindling/examples';
 * const days = seattleWeather();
 * console.log(days.length, days[0].date, days[days.length - 1].date); // 1461 2012-01-01 2015-12-31
 * ```
 */
export function seattleWeather(): WeatherDay[] {
  return parseWeatherCsv(SEATTLE_WEATHER_CSV);
}
