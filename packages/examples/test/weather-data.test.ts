// The weather example's data: the committed CSV and its embedded copy, parsing, the day-of-year
// calendar, the windows, and the split by year with training-only normalisation.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WEATHER_LABELS, dayOfYear, parseWeatherCsv, seattleWeather, type WeatherDay } from '../src/weather/data.js';
import { WEATHER_FEATURES, dayFeatures, fitNormalizer, makeWindows, timeSplit } from '../src/weather/features.js';
import { SEATTLE_WEATHER_CSV } from '../src/weather/seattle-weather-csv.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const csvFile = readFileSync(join(pkg, 'data', 'seattle-weather.csv'), 'utf8');
const HEADER = 'date,precipitation,temp_max,temp_min,wind,weather';

describe('the data file', () => {
  it('the embedded copy is the committed CSV, byte for byte, and the CSV is the one NOTICE.md names', () => {
    expect(SEATTLE_WEATHER_CSV).toBe(csvFile);
    const sha1 = createHash('sha1').update(readFileSync(join(pkg, 'data', 'seattle-weather.csv'))).digest('hex');
    expect(readFileSync(join(pkg, 'data', 'NOTICE.md'), 'utf8')).toContain(sha1);
    expect(sha1).toBe('cd594240afef8932e25b173e8b804cdecd1780b6');
  });

  it('parses 1,461 consecutive days: 366 in 2012 (a leap year), 365 in each other year', () => {
    const days = seattleWeather();
    expect(days).toHaveLength(1461);
    const perYear = (y: number) => days.filter((d) => d.year === y).length;
    expect([2012, 2013, 2014, 2015].map(perYear)).toEqual([366, 365, 365, 365]);
    expect(days[0]).toEqual({ date: '2012-01-01', year: 2012, month: 1, day: 1, precipitation: 0, tempMax: 12.8, tempMin: 5, wind: 4.7, label: WEATHER_LABELS.indexOf('drizzle') });
    expect(days.at(-1)).toMatchObject({ date: '2015-12-31', precipitation: 0, tempMax: 5.6, tempMin: -2.1, wind: 3.5, label: WEATHER_LABELS.indexOf('sun') });
    // The label counts, counted here from the raw text rather than from the parser's indices.
    const rows = csvFile.trim().split('\n').slice(1).map((l) => l.split(','));
    for (const y of ['2012', '2013', '2014', '2015']) {
      const raw: Record<string, number> = {};
      for (const r of rows) if (r[0]!.startsWith(y)) raw[r[5]!] = (raw[r[5]!] ?? 0) + 1;
      const parsed: Record<string, number> = {};
      for (const d of days) if (String(d.year) === y) parsed[WEATHER_LABELS[d.label]!] = (parsed[WEATHER_LABELS[d.label]!] ?? 0) + 1;
      expect(parsed).toEqual(raw);
    }
    // 2012: rain 191, sun 118, drizzle 31, snow 21, fog 5 (counted with Python's csv module).
    expect(days.filter((d) => d.year === 2012 && d.label === WEATHER_LABELS.indexOf('rain'))).toHaveLength(191);
  });

  it('rejects malformed rows, naming the line', () => {
    const one = (row: string) => () => parseWeatherCsv(`${HEADER}\n2012-01-01,0.0,12.8,5.0,4.7,sun\n${row}\n`);
    expect(one('2013-02-29,0,1,0,1,sun')).toThrow(/line 3: 2013-02-29 is not a date/);
    expect(one('2012-01-02,0,1,0,1,hail')).toThrow(/line 3: the weather must be one of drizzle, fog, rain, snow, sun/);
    expect(one('2012-01-02,-1,1,0,1,sun')).toThrow(/line 3: precipitation must be >= 0/);
    expect(one('2012-01-02,0,warm,0,1,sun')).toThrow(/line 3: temp_max must be a number/);
    expect(one('2012-01-02,0,1,0,sun')).toThrow(/line 3: expected 6 fields, got 5/);
    expect(one('12-01-02,0,1,0,1,sun')).toThrow(/line 3: the date must be YYYY-MM-DD/);
    expect(() => parseWeatherCsv('date,temp\n')).toThrow(/first line must be/);
    expect(parseWeatherCsv(`${HEADER}\r\n2012-02-29,1,2,3,4,fog\r\n`)[0]).toMatchObject({ month: 2, day: 29, label: 1 });
  });

  it('dayOfYear: a 365-day calendar, Feb 29 on Feb 28', () => {
    expect([dayOfYear(1, 1), dayOfYear(1, 31), dayOfYear(2, 28), dayOfYear(2, 29), dayOfYear(3, 1), dayOfYear(12, 31)]).toEqual([0, 30, 58, 58, 59, 364]);
    expect(() => dayOfYear(13, 1)).toThrow(/month/);
    expect(() => dayOfYear(4, 31)).toThrow(/day must be an integer in \[1, 30\]/);
  });
});

/** Population mean and standard deviation by the textbook E[x²] − E[x]² route (not the code's two passes). */
function meanStd(values: number[]): [number, number] {
  const n = values.length;
  const m = values.reduce((a, b) => a + b, 0) / n;
  const m2 = values.reduce((a, b) => a + b * b, 0) / n;
  return [m, Math.sqrt(m2 - m * m)];
}

describe('the time split', () => {
  const days = seattleWeather();
  const s = timeSplit(days);

  it('holds 710 training (2012-01-22 .. 2013-12-31), 365 validation (2014) and 365 test (2015) examples', () => {
    expect([s.train.n, s.validation.n, s.test.n]).toEqual([710, 365, 365]);
    expect(s.train.target[0]!.date).toBe('2012-01-22'); // the first day with 21 days before it
    expect(s.train.target.at(-1)!.date).toBe('2013-12-31');
    expect(new Set(s.train.target.map((d) => d.year))).toEqual(new Set([2012, 2013]));
    expect(s.validation.target.every((d) => d.year === 2014)).toBe(true);
    expect(s.test.target.every((d) => d.year === 2015)).toBe(true);
    expect([s.validation.target[0]!.date, s.test.target[0]!.date, s.test.target.at(-1)!.date]).toEqual(['2014-01-01', '2015-01-01', '2015-12-31']);
    // each "today" is the day before its target
    for (const w of [s.train, s.validation, s.test]) w.target.forEach((d, i) => expect(days.indexOf(d) - days.indexOf(w.today[i]!)).toBe(1));
  });

  it('normalises with the 731 days of 2012-2013 only', () => {
    const train = days.filter((d) => d.year <= 2013);
    expect(s.normalizer.count).toBe(731);
    const cols: ((d: WeatherDay) => number)[] = [(d) => Math.log1p(d.precipitation), (d) => d.tempMax, (d) => d.tempMin, (d) => d.wind];
    cols.forEach((col, j) => {
      const [m, sd] = meanStd(train.map(col));
      expect(s.normalizer.mean[j]).toBeCloseTo(m, 10);
      expect(s.normalizer.std[j]).toBeCloseTo(sd, 10);
    });
    // The training days' standardised channels have mean 0 and std 1; 2015's do not (it was warmer).
    const z = train.map((d) => dayFeatures(d, s.normalizer));
    for (let j = 0; j < 4; j++) {
      const [m, sd] = meanStd(z.map((f) => f[j]!));
      expect(Math.abs(m)).toBeLessThan(1e-12);
      expect(sd).toBeCloseTo(1, 12);
    }
    const z15 = days.filter((d) => d.year === 2015).map((d) => dayFeatures(d, s.normalizer)[1]!);
    expect(meanStd(z15)[0]).toBeGreaterThan(0.1);
  });

  it('no leakage: rewriting 2014 and 2015 changes neither the statistics nor any training example', () => {
    const altered = days.map((d) => (d.year >= 2014 ? { ...d, tempMax: d.tempMax + 40, precipitation: d.precipitation * 9, wind: 0, label: 3 } : d));
    const t = timeSplit(altered);
    expect(t.normalizer).toEqual(s.normalizer);
    // Buffer.equals: one memcmp instead of vitest's element-by-element diff of 164,010 numbers.
    expect(Buffer.from(t.train.x.buffer).equals(Buffer.from(s.train.x.buffer))).toBe(true);
    expect(t.train.target).toEqual(s.train.target);
    expect(Buffer.from(t.validation.x.buffer).equals(Buffer.from(s.validation.x.buffer))).toBe(false);
  });

  it('lays out x as [n, channels, window], the oldest day first', () => {
    expect(s.train.channels).toBe(WEATHER_FEATURES.length);
    expect(s.train.window).toBe(21);
    const { x, channels: C, window: W } = s.test;
    const i = 100;
    const first = days.indexOf(s.test.target[i]!) - W;
    for (let t = 0; t < W; t++) {
      const f = dayFeatures(days[first + t]!, s.normalizer);
      for (let c = 0; c < C; c++) expect(x[(i * C + c) * W + t]).toBe(f[c]);
    }
    // the last column is "today": its one-hot label is today's label
    for (let k = 0; k < 5; k++) expect(x[(i * C + 6 + k) * W + W - 1]).toBe(k === s.test.today[i]!.label ? 1 : 0);
    // season: sin and cos of 2π·dayOfYear/365 lie on the unit circle
    const sin = x[(i * C + 4) * W]!, cos = x[(i * C + 5) * W]!;
    expect(sin * sin + cos * cos).toBeCloseTo(1, 14);
  });

  it('checks its options and inputs', () => {
    expect(() => timeSplit(days, { windowSize: 7 } as never)).toThrow(/timeSplit.*windowSize/);
    expect(() => timeSplit(days, { trainYears: [2012, 2014] })).toThrow(/more than one set/);
    expect(() => timeSplit(days, { window: 0 })).toThrow(/window must be an integer >= 1/);
    expect(() => timeSplit(days, { testYears: [2016] })).toThrow(/no test examples/);
    expect(() => makeWindows([days[0]!, days[2]!], s.normalizer, 1, [2012])).toThrow(/consecutive.*2012-01-01 is followed by 2012-01-03/);
    expect(() => fitNormalizer(days.slice(0, 1))).toThrow(/at least 2 days/);
    expect(timeSplit(days, { window: 30 }).train.n).toBe(731 - 30);
  });
});
