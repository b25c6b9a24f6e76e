// The weather example's baselines, on a tiny hand-made dataset, and its metrics, against values
// worked out by hand in the comments.
import { describe, expect, it } from 'vitest';
import { climatologyForecast, majorityForecast, persistenceForecast } from '../src/weather/baselines.js';
import { WEATHER_LABELS, seattleWeather, type WeatherDay } from '../src/weather/data.js';
import { confusionMatrix, macroF1, meanAbsoluteError, scoreForecast } from '../src/weather/metrics.js';

const L = (name: (typeof WEATHER_LABELS)[number]) => WEATHER_LABELS.indexOf(name);
const [DRIZZLE, FOG, RAIN, SNOW, SUN] = [L('drizzle'), L('fog'), L('rain'), L('snow'), L('sun')];

function day(date: string, tempMax: number, label: number): WeatherDay {
  const [year, month, d] = date.split('-').map(Number) as [number, number, number];
  return { date, year, month, day: d, precipitation: 0, tempMax, tempMin: tempMax - 5, wind: 2, label };
}

// Training days: two New Year's Days, the days around them, a leap day and the day it folds onto.
const TRAIN = [
  day('2012-01-01', 10, RAIN), day('2012-01-02', 12, SUN), day('2012-01-03', 20, SUN), day('2012-02-29', 8, FOG),
  day('2012-12-31', 0, SNOW), day('2013-01-01', 14, RAIN), day('2013-02-28', 6, DRIZZLE), day('2013-06-01', 25, SUN),
];

describe('baselines on a hand-made dataset', () => {
  it('persistence: tomorrow is today', () => {
    const today = [day('2015-03-01', 9, FOG), day('2015-03-02', 11.5, SUN)];
    expect(persistenceForecast(today)).toEqual({ labels: [FOG, SUN], tempMax: [9, 11.5] });
  });

  it('climatology, one calendar day (halfWidth 0)', () => {
    const targets = [day('2015-01-01', 0, SUN), day('2015-06-01', 0, RAIN), day('2015-02-28', 0, SUN)];
    const f = climatologyForecast(TRAIN, targets, { halfWidth: 0 });
    // Jan 1: 2012 (10, rain) and 2013 (14, rain) -> 12, rain. Jun 1: 25, sun.
    // Feb 28: 2012-02-29 folds onto Feb 28: (8, fog) and (6, drizzle) -> 7, tie -> the lower index, drizzle.
    expect(f).toEqual({ labels: [RAIN, SUN, DRIZZLE], tempMax: [12, 25, 7] });
  });

  it('climatology, ±1 day, wrapping from Jan 1 back to Dec 31', () => {
    const f = climatologyForecast(TRAIN, [day('2015-01-01', 0, SUN), day('2015-01-02', 0, SUN)], { halfWidth: 1 });
    // Jan 1 ±1: Dec 31 (0, snow), Jan 1 (10, 14, rain ×2), Jan 2 (12, sun) -> 36/4 = 9, rain.
    // Jan 2 ±1: Jan 1 (10, 14), Jan 2 (12), Jan 3 (20) -> 14; rain 2, sun 2 -> rain (lower index).
    expect(f).toEqual({ labels: [RAIN, RAIN], tempMax: [9, 14] });
  });

  it('climatology refuses a day with no training days near it, and checks its options', () => {
    expect(() => climatologyForecast(TRAIN, [day('2015-09-01', 0, SUN)], { halfWidth: 0 })).toThrow(/no training day lies within 0 days/);
    expect(() => climatologyForecast(TRAIN, [], { width: 3 } as never)).toThrow(/climatologyForecast.*width/);
    expect(() => climatologyForecast(TRAIN, [], { halfWidth: -1 })).toThrow(/halfWidth must be an integer >= 0/);
  });

  it('majority: the most frequent training label, the training mean', () => {
    // labels: rain 2, sun 3, fog 1, snow 1, drizzle 1 -> sun; temperatures sum to 95 over 8 days
    expect(majorityForecast(TRAIN, 3)).toEqual({ labels: [SUN, SUN, SUN], tempMax: [95 / 8, 95 / 8, 95 / 8] });
    // a tie between fog and rain goes to fog, the lower index
    const tie = [day('2012-01-01', 1, RAIN), day('2012-01-02', 3, FOG), day('2012-01-03', 5, FOG), day('2012-01-04', 7, RAIN)];
    expect(majorityForecast(tie, 1)).toEqual({ labels: [FOG], tempMax: [4] });
    expect(() => majorityForecast([], 1)).toThrow(/no training days/);
  });
});

describe('metrics against hand-computed values', () => {
  // predicted sun sun rain fog  rain sun
  // actual    sun rain rain rain fog  sun
  const predicted = [SUN, SUN, RAIN, FOG, RAIN, SUN];
  const actual = [SUN, RAIN, RAIN, RAIN, FOG, SUN];

  it('confusion matrix: rows actual, columns predicted', () => {
    const m = confusionMatrix(predicted, actual, 5);
    const expected = [
      [0, 0, 0, 0, 0], // drizzle
      [0, 0, 1, 0, 0], // fog: once, called rain
      [0, 1, 1, 0, 1], // rain: fog, rain, sun
      [0, 0, 0, 0, 0], // snow
      [0, 0, 0, 0, 2], // sun: twice right
    ];
    expect(m).toEqual(expected);
  });

  it('macro-F1 over the classes that occur: (0 + 0.4 + 0.8) / 3', () => {
    // fog: TP 0 -> 0; rain: TP 1, FP 1, FN 2 -> 2/5; sun: TP 2, FP 1, FN 0 -> 4/5; drizzle and snow never occur.
    expect(macroF1(predicted, actual, 5)).toBeCloseTo(0.4, 15);
    expect(macroF1([0, 1], [0, 1], 5)).toBe(1);
    // a class predicted but never present still counts (as 0)
    expect(macroF1([0, 0], [0, 1], 2)).toBeCloseTo((2 / 3 + 0) / 2, 15);
  });

  it('MAE in the units of the values', () => {
    expect(meanAbsoluteError([10, 12, 8], [11, 15, 8])).toBeCloseTo(4 / 3, 15);
    expect(() => meanAbsoluteError([1], [1, 2])).toThrow(/same length/);
    expect(() => meanAbsoluteError([NaN], [1])).toThrow(/not finite/);
  });

  it('scoreForecast puts them together', () => {
    const targets = actual.map((l, i) => day(`2015-01-0${i + 1}`, 10 + i, l));
    const s = scoreForecast({ labels: predicted, tempMax: targets.map((d, i) => d.tempMax + (i % 2 === 0 ? 1 : -2)) }, targets);
    expect(s.accuracy).toBe(0.5); // sun, rain, sun right: 3 of 6
    expect(s.macroF1).toBeCloseTo(0.4, 15);
    expect(s.mae).toBeCloseTo(1.5, 15);
    expect(s.confusion[2]).toEqual([0, 1, 1, 0, 1]);
  });

  it('rejects labels out of range and mismatched lengths', () => {
    expect(() => confusionMatrix([5], [0], 5)).toThrow(/class 0 is 5, expected an integer in \[0, 5\)/);
    expect(() => confusionMatrix([0.5], [0], 5)).toThrow(/class 0 is 0.5/);
    expect(() => macroF1([], [], 5)).toThrow(/non-empty/);
  });
});

describe('the baselines on the real 2014 and 2015', () => {
  // Computed independently with NumPy from the CSV (Python's csv module, the same 365-day
  // calendar, scikit-learn's macro-F1 definition written out), not with this package's code.
  const PYTHON = {
    2014: {
      persistence: [0.6712328767123288, 0.4389440491987409, 2.2756164383561646],
      climatology0: [0.3863013698630137, 0.16942680552027772, 3.624383561643836],
      climatology7: [0.5698630136986301, 0.23808616279652944, 3.124045662100456],
      majority: [0.4054794520547945, 0.1442495126705653, 6.06858272585874],
    },
    2015: {
      persistence: [0.6, 0.4417268688102021, 2.23972602739726],
      climatology0: [0.38904109589041097, 0.19569034903038304, 3.9824657534246573],
      climatology7: [0.5506849315068493, 0.24007783172560648, 3.398084253940197],
      majority: [0.39452054794520547, 0.14145383104125736, 6.059330997132844],
    },
  } as const;

  it.each([2014, 2015] as const)('%i: persistence, climatology (±0 and ±7 days) and majority match NumPy', (year) => {
    const days = seattleWeather();
    const train = days.filter((d) => d.year <= 2013);
    const first = days.findIndex((d) => d.year === year);
    const targets = days.filter((d) => d.year === year);
    const today = days.slice(first - 1, first - 1 + targets.length);
    const got = {
      persistence: scoreForecast(persistenceForecast(today), targets),
      climatology0: scoreForecast(climatologyForecast(train, targets, { halfWidth: 0 }), targets),
      climatology7: scoreForecast(climatologyForecast(train, targets), targets),
      majority: scoreForecast(majorityForecast(train, targets.length), targets),
    };
    for (const [name, [acc, f1, mae]] of Object.entries(PYTHON[year])) {
      const s = got[name as keyof typeof got];
      expect(Math.abs(s.accuracy - acc), name).toBeLessThan(1e-12);
      expect(Math.abs(s.macroF1 - f1), name).toBeLessThan(1e-12);
      expect(Math.abs(s.mae - mae), name).toBeLessThan(1e-9);
    }
  });
});
