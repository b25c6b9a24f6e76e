// trainWeather end to end on short runs: deterministic, early stopping keeps the best epoch, the
// checkpoint reloads into the model that was scored, and the options are checked.
import { loadSafetensorsWithMetadata } from '@kindling/nn';
import { describe, expect, it } from 'vitest';
import { WEATHER_LABELS } from '../src/weather/data.js';
import { timeSplit } from '../src/weather/features.js';
import { seattleWeather } from '../src/weather/data.js';
import { forecastWithModel, loadWeatherCheckpoint, trainWeather } from '../src/weather/train.js';

describe('trainWeather', () => {
  // hidden 8 instead of 16: the same code paths at about half the cost (test files stay well under 30 s)
  const a = trainWeather({ epochs: 2, hidden: 8 });

  it('is deterministic: the same seed gives the same history and the same checkpoint bytes', () => {
    const b = trainWeather({ epochs: 2, hidden: 8 });
    expect(b.history).toEqual(a.history);
    expect(Buffer.from(b.checkpoint).equals(Buffer.from(a.checkpoint))).toBe(true);
    const c = trainWeather({ epochs: 1, seed: 1, hidden: 8 });
    expect(c.history[0]!.trainLoss).not.toBe(a.history[0]!.trainLoss);
  });

  it('keeps the epoch with the lowest validation loss, and the checkpoint is that model', () => {
    const losses = a.history.map((h) => h.validationLoss);
    expect(a.bestEpoch).toBe(losses.indexOf(Math.min(...losses)));
    const { model, normalizer, window, epoch } = loadWeatherCheckpoint(a.checkpoint);
    expect([window, epoch]).toEqual([21, a.bestEpoch]);
    expect(normalizer).toEqual(a.normalizer);
    const split = timeSplit(seattleWeather());
    expect(forecastWithModel(model, split.test, normalizer)).toEqual(a.testForecast);
    // the best epoch's validation accuracy, recomputed from the reloaded model
    expect(a.validation.model.accuracy).toBeCloseTo(a.history[a.bestEpoch]!.validationAccuracy, 15);
    const meta = JSON.parse(loadSafetensorsWithMetadata(a.checkpoint).metadata.kindling_weather!);
    expect(meta.labels).toEqual([...WEATHER_LABELS]);
    expect(Object.keys(loadSafetensorsWithMetadata(a.checkpoint).tensors)).toContain('features.1.running_mean');
  });

  it('reports the model and the three baselines on 2014 and 2015, and the summary', () => {
    expect(a.counts).toEqual({ train: 710, validation: 365, test: 365 });
    expect(a.test.persistence.accuracy).toBe(0.6);
    expect(WEATHER_LABELS[a.majorityLabel]).toBe('rain');
    expect(a.test.model.confusion.flat().reduce((x, y) => x + y, 0)).toBe(365);
    // (8·11 + 8·8)·3 conv weights + 2·16 BatchNorm + (8 + 11)·6 + 6 head = 608
    expect(a.summary).toContain('Total params: 608');
    expect(a.summary).toMatch(/├─dropout \(Dropout\)\s+\[1, 19\]/); // 8 CNN features + 11 inputs of today
    expect(a.testDays).toHaveLength(365);
  });

  it('stops early once the validation loss has not improved for `patience` epochs', () => {
    // lr 0.05 overshoots, so the validation loss stops improving within a few epochs
    const r = trainWeather({ epochs: 40, patience: 2, lr: 0.05, hidden: 8 });
    expect(r.stoppedEarly).toBe(true);
    expect(r.history.length - 1 - r.bestEpoch).toBe(2);
    const losses = r.history.map((h) => h.validationLoss);
    expect(r.bestEpoch).toBe(losses.indexOf(Math.min(...losses)));
  });

  it('rejects unknown options and bad values', () => {
    expect(() => trainWeather({ learningRate: 0.1 } as never)).toThrow(/trainWeather.*learningRate/);
    expect(() => trainWeather({ batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => trainWeather({ dropout: 1 })).toThrow(/dropout must be a finite number >= 0 and < 1/);
    expect(() => trainWeather({ classWeighting: 'log' as never, epochs: 1 })).toThrow(/weighting must be/);
  });
});
