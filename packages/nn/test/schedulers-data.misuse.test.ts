// Misuse of the schedulers, clipping, data utilities and summary, generated (as
// misuse.property.test.ts does for the rest of nn): arbitrary values in each argument and option
// with the others valid. The contract: the call works, or it throws a plain Error whose message
// starts with the name of what was called, and a constructor that throws leaves the optimizer's
// param groups as they were.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData, arange, zeros } from '@kindling/core';
import {
  Adam, CosineAnnealingLR, DataLoader, ExponentialLR, LinearLR, Linear, MultiStepLR, OneCycleLR, ReduceLROnPlateau, SGD,
  SequentialLR, StepLR, Subset, TensorDataset, clipGradNorm, clipGradValue, collate, randomSplit, summary, type LRScheduler,
} from '@kindling/nn';
import { configureFc } from './helpers.js';
import { cleanly, junkFrom } from './misuse-helpers.js';

configureFc(40);

const exotic = fc.constantFrom<unknown>(
  Object.create(null), Symbol('s'), 3n, -0, NaN, Infinity, -Infinity, '', '0', () => 1, new (class Thing {})(),
  new Tensor(new TensorData(new Float64Array(2), [2])), new Float32Array(3), new Map([['a', 1]]), new Set([1]), [],
  [1, , 3], 0, 1, 2, 0.5, -1, 1e300, [0.5, 0.5], [1, 2],
);
const junk = junkFrom(exotic);

const sgd = () => new SGD([{ params: [zeros([2], { requiresGrad: true })], lr: 0.1 }, { params: [zeros([1], { requiresGrad: true })], lr: 0.01 }], { momentum: 0.9 });
const snapshot = (o: SGD) => JSON.stringify(o.paramGroups.map(({ params: _p, ...g }) => g));

/** Calls a scheduler constructor; if it throws, the optimizer must be untouched. */
function construct(name: string, make: (o: SGD) => unknown): void {
  const opt = sgd();
  const before = snapshot(opt);
  if (cleanly(name, () => make(opt)) === 'threw') expect(snapshot(opt)).toBe(before);
}

describe('schedulers with arbitrary arguments', () => {
  it('constructors, one argument or option at a time', () => {
    fc.assert(
      fc.property(junk, (a) => {
        construct('StepLR', (o) => new StepLR(o, a as never));
        construct('StepLR', () => new StepLR(a as never, 2));
        construct('StepLR', (o) => new StepLR(o, 2, a as never));
        for (const k of ['gamma', 'lastEpoch']) construct('StepLR', (o) => new StepLR(o, 2, { [k]: a }));
        construct('MultiStepLR', (o) => new MultiStepLR(o, a as never));
        construct('MultiStepLR', (o) => new MultiStepLR(o, [1, 3], { gamma: a as never }));
        construct('ExponentialLR', (o) => new ExponentialLR(o, a as never));
        construct('CosineAnnealingLR', (o) => new CosineAnnealingLR(o, a as never));
        construct('CosineAnnealingLR', (o) => new CosineAnnealingLR(o, 5, { etaMin: a as never }));
        for (const k of ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']) construct('LinearLR', (o) => new LinearLR(o, { [k]: a }));
        construct('OneCycleLR', (o) => new OneCycleLR(o, a as never, { totalSteps: 10 }));
        for (const k of ['totalSteps', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch']) {
          construct('OneCycleLR', (o) => new OneCycleLR(o, 0.1, { totalSteps: 10, [k]: a }));
        }
        construct('OneCycleLR', (o) => new OneCycleLR(o, 0.1, { epochs: a as never, stepsPerEpoch: 3 }));
        for (const k of ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']) {
          construct('ReduceLROnPlateau', (o) => new ReduceLROnPlateau(o, { [k]: a }));
        }
        // SequentialLR: its schedulers are built (and move the lrs) before the snapshot.
        for (const make of [
          (o: SGD, _subs: LRScheduler[]) => new SequentialLR(o, a as never, [2]),
          (o: SGD, subs: LRScheduler[]) => new SequentialLR(o, subs, a as never),
          (o: SGD, subs: LRScheduler[]) => new SequentialLR(o, [subs[0]!, a as never], [2]),
          (o: SGD, subs: LRScheduler[]) => new SequentialLR(o, subs, [2], a as never),
        ]) {
          const opt = sgd();
          const subs = [new LinearLR(opt), new ExponentialLR(opt, 0.9)];
          const before = snapshot(opt);
          if (cleanly('SequentialLR', () => make(opt, subs)) === 'threw') expect(snapshot(opt)).toBe(before);
        }
      }),
    );
  });

  it('step, loadStateDict: junk is refused without changing the state', () => {
    fc.assert(
      fc.property(junk, fc.constantFrom('lastEpoch', 'baseLrs', 'stepCount', 'lastLr', 'gamma', 'stepSize', 'totalSteps', 'best', 'mode', 'schedulers', 'milestones'), (a, key) => {
        const opt = sgd();
        const scheds: [string, { stateDict(): Record<string, unknown>; loadStateDict(sd: never): void }][] = [
          ['StepLR', new StepLR(opt, 2)],
          ['OneCycleLR', new OneCycleLR(opt, 0.1, { totalSteps: 10 })],
          ['ReduceLROnPlateau', new ReduceLROnPlateau(opt)],
          ['SequentialLR', new SequentialLR(opt, [new LinearLR(opt), new ExponentialLR(opt, 0.9)], [2])],
        ];
        for (const [name, s] of scheds) {
          const before = JSON.stringify(s.stateDict());
          const sd = { ...s.stateDict(), [key]: a };
          if (cleanly(`${name}.loadStateDict`, () => s.loadStateDict(sd as never)) === 'threw') expect(JSON.stringify(s.stateDict())).toBe(before);
          cleanly(`${name}.loadStateDict`, () => s.loadStateDict(a as never));
        }
        const plateau = new ReduceLROnPlateau(sgd());
        cleanly('ReduceLROnPlateau.step', () => plateau.step(a as never));
      }),
    );
  });
});

describe('clipping, data and summary with arbitrary arguments', () => {
  it('one argument at a time', () => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        const p = zeros([2], { requiresGrad: true });
        p.grad = arange(2);
        cleanly('clipGradNorm', () => clipGradNorm(a as never, 1));
        cleanly('clipGradNorm', () => clipGradNorm([p], a as never));
        cleanly('clipGradNorm', () => clipGradNorm([p], 1, a as never));
        cleanly('clipGradNorm', () => clipGradNorm([p], 1, { normType: a as never }));
        cleanly('clipGradNorm', () => clipGradNorm([p], 1, { errorIfNonfinite: a as never }));
        cleanly('clipGradValue', () => clipGradValue(a as never, 1));
        cleanly('clipGradValue', () => clipGradValue([p], a as never));
        const ds = new TensorDataset(arange(5), zeros([5, 2]));
        cleanly('TensorDataset', () => new TensorDataset(a as never, b as never));
        cleanly('TensorDataset.get', () => ds.get(a as never));
        cleanly('TensorDataset.getBatch', () => ds.getBatch(a as never));
        cleanly('Subset', () => new Subset(ds, a as never));
        cleanly('Subset', () => new Subset(a as never, [0]));
        cleanly('Subset.getBatch', () => new Subset(ds, [1, 2]).getBatch(a as never));
        cleanly('DataLoader', () => new DataLoader(a as never));
        cleanly('DataLoader', () => new DataLoader(ds, a as never));
        for (const k of ['batchSize', 'shuffle', 'dropLast', 'seed', 'generator']) cleanly('DataLoader', () => [...new DataLoader(ds, { [k]: a })]);
        cleanly('randomSplit', () => randomSplit(ds, a as never));
        cleanly('randomSplit', () => randomSplit(a as never, [5]));
        cleanly('randomSplit', () => randomSplit(ds, [5], a as never));
        cleanly('collate', () => collate(a as never));
        cleanly('collate', () => collate([a, b] as never));
        cleanly('summary', () => summary(new Linear(2, 1, { seed: 0 }), a as never));
        cleanly('summary', () => summary(a as never, [1, 2]));
        cleanly('numParameters', () => new Linear(2, 1).numParameters(a as never));
      }),
    );
  });
});

it('Adam and OneCycleLR: a momentum that is not a valid beta1 is refused up front', () => {
  const opt = new Adam([zeros([1], { requiresGrad: true })]);
  expect(() => new OneCycleLR(opt, 0.1, { totalSteps: 5, baseMomentum: 1.2 })).toThrow(/^OneCycleLR: baseMomentum must be in \[0, 1\), got 1.2$/);
  expect(opt.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
});
