// LR schedulers and gradient clipping against PyTorch 1.13: every lr (and OneCycleLR's momentum)
// after construction and after each step, for the configurations in
// scripts/torch-fixtures/nn_schedulers.py (fixtures/torch/nn_schedulers.json), and
// clip_grad_norm_ / clip_grad_value_ results; then the argument checks and state dicts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, TensorData, tensor, zeros } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  Adam, CosineAnnealingLR, ExponentialLR, LinearLR, Linear, MultiStepLR, OneCycleLR, ReduceLROnPlateau, SGD,
  SequentialLR, StepLR, clipGradNorm, clipGradValue, type AnyOptimizer, type LRScheduler,
} from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64'; data: number[] }
interface SchedSpec { type: string; args?: unknown[]; options?: Record<string, unknown>; schedulers?: SchedSpec[]; milestones?: number[] }
interface OptSpec { type: 'SGD' | 'Adam'; options?: { momentum?: number; betas?: [number, number] }; groups: { lr: number; initialLr?: number }[] }
interface SchedCase {
  id: string; kind: 'scheduler'; optimizer: OptSpec; scheduler: SchedSpec; steps: number; metrics: number[] | null;
  initialLr: (number | null)[]; lastLr: number[][]; groupLr: number[][]; momentum: number[][]; error: string | null;
}
interface ClipCase {
  id: string; kind: 'clipNorm' | 'clipValue'; maxNorm?: number; clipValue?: number; normType: number | 'Infinity' | null;
  grads: (Json | null)[]; totalNorm: number | null; clipped: (Json | null)[];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_schedulers.json'), 'utf8')) as { cases: (SchedCase | ClipCase)[] };
const schedCases = fixture.cases.filter((c): c is SchedCase => c.kind === 'scheduler');
const clipCases = fixture.cases.filter((c): c is ClipCase => c.kind !== 'scheduler');
const toTensor = (j: Json) => new Tensor(new TensorData(Float64Array.from(j.data), j.shape.slice()));

export function makeOptimizer(spec: OptSpec): AnyOptimizer {
  const groups = spec.groups.map((g) => ({ params: [zeros([2], { requiresGrad: true })], lr: g.lr }));
  const opt = spec.type === 'SGD'
    ? new SGD(groups, { lr: 1e-3, momentum: spec.options?.momentum ?? 0 })
    : new Adam(groups, { lr: 1e-3, betas: spec.options?.betas ?? [0.9, 0.999] });
  spec.groups.forEach((g, i) => {
    if (g.initialLr !== undefined) (opt.paramGroups[i] as { initialLr?: number }).initialLr = g.initialLr;
  });
  return opt;
}

const CTORS: Record<string, new (...a: never[]) => unknown> = {
  StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, ReduceLROnPlateau,
};

type AnySched = { step(metric?: number): void; getLastLr(): number[] };
export function makeScheduler(spec: SchedSpec, opt: AnyOptimizer): AnySched {
  if (spec.type === 'SequentialLR') {
    const subs = spec.schedulers!.map((s) => makeScheduler(s, opt) as unknown as LRScheduler);
    return new SequentialLR(opt, subs, spec.milestones!, spec.options ?? {});
  }
  const C = CTORS[spec.type] as unknown as new (...a: unknown[]) => AnySched;
  return new C(opt, ...(spec.args ?? []), spec.options ?? {});
}

let worst = 0;
function close(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    const err = Math.abs(a - e) / Math.max(Math.abs(e), 1e-300);
    worst = Math.max(worst, err);
    if (!(err <= 1e-14)) throw new Error(`${what}[${i}]: ${a} vs PyTorch ${e} (relative error ${err})`);
  });
}

const momentumOf = (opt: AnyOptimizer) => opt.paramGroups.map((g) => {
  const r = g as unknown as { betas?: number[]; momentum?: number };
  return r.betas ? r.betas[0]! : r.momentum!;
});

describe('schedulers against torch.optim.lr_scheduler', () => {
  it('has the fixture cases', () => expect(schedCases.length).toBe(28));

  it.each(schedCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const opt = makeOptimizer(c.optimizer);
    const sched = makeScheduler(c.scheduler, opt);
    const check = (k: number) => {
      close(sched.getLastLr(), c.lastLr[k]!, `step ${k} getLastLr`);
      close(opt.paramGroups.map((g) => g.lr), c.groupLr[k]!, `step ${k} lr`);
      close(momentumOf(opt), c.momentum[k]!, `step ${k} momentum`);
    };
    opt.paramGroups.forEach((g, i) => expect((g as { initialLr?: number }).initialLr ?? null, 'initialLr').toBe(c.initialLr[i]));
    check(0);
    for (let k = 0; k < c.steps; k++) {
      sched.step(c.metrics ? c.metrics[k] : undefined);
      check(k + 1);
    }
    if (c.error !== null) {
      const before = { lr: sched.getLastLr(), m: momentumOf(opt) };
      expect(() => sched.step()).toThrow(/OneCycleLR: tried to step 52 times; the specified number of total steps is 50/);
      expect(sched.getLastLr()).toEqual(before.lr); // a step that throws changes nothing
      expect(momentumOf(opt)).toEqual(before.m);
    }
  });

  it('agrees to within 1e-14 relative (a few ulps; worst case printed)', () => {
    console.log(`schedulers: worst relative difference from PyTorch ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-14);
  });
});

describe('clipGradNorm / clipGradValue against torch.nn.utils', () => {
  it('has the fixture cases', () => expect(clipCases.length).toBe(10));

  it.each(clipCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const params = c.grads.map((g) => {
      const p = zeros(g ? g.shape : [1], { requiresGrad: true });
      if (g) p.grad = toTensor(g);
      return p;
    });
    if (c.kind === 'clipNorm') {
      const normType = c.normType === 'Infinity' ? Infinity : c.normType!;
      const total = clipGradNorm(params, c.maxNorm!, { normType });
      close([total], [c.totalNorm!], 'total norm');
    } else {
      expect(clipGradValue(params, c.clipValue!)).toBeUndefined();
    }
    c.clipped.forEach((j, i) => {
      if (j === null) expect(params[i]!.grad).toBeNull();
      else close(Array.from(params[i]!.grad!.dataSync()), j.data, `grad ${i}`);
    });
  });
});

describe('resuming from a checkpoint reproduces PyTorch\'s sequence', () => {
  // Half way through each case: save both state dicts through JSON, build fresh objects the usual
  // way (the new scheduler's constructor moves the lrs), load, and continue against the fixture.
  it.each(schedCases.filter((c) => c.error === null).map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const opt = makeOptimizer(c.optimizer);
    const sched = makeScheduler(c.scheduler, opt) as AnySched & { stateDict(): unknown };
    const half = Math.floor(c.steps / 2);
    for (let k = 0; k < half; k++) sched.step(c.metrics ? c.metrics[k] : undefined);
    const optSd = JSON.parse(JSON.stringify(opt.stateDict())); // no optimizer step taken: groups only
    const schedSd = JSON.parse(JSON.stringify(sched.stateDict()));
    const opt2 = makeOptimizer(c.optimizer);
    const sched2 = makeScheduler(c.scheduler, opt2) as AnySched & { loadStateDict(sd: unknown): void };
    opt2.loadStateDict(optSd);
    sched2.loadStateDict(schedSd);
    close(sched2.getLastLr(), c.lastLr[half]!, 'restored getLastLr');
    for (let k = half; k < c.steps; k++) {
      sched2.step(c.metrics ? c.metrics[k] : undefined);
      close(sched2.getLastLr(), c.lastLr[k + 1]!, `step ${k + 1} getLastLr`);
      close(opt2.paramGroups.map((g) => g.lr), c.groupLr[k + 1]!, `step ${k + 1} lr`);
      close(momentumOf(opt2), c.momentum[k + 1]!, `step ${k + 1} momentum`);
    }
  });
});

const sgd = (lr = 0.1, groups = 1) => new SGD(Array.from({ length: groups }, () => ({ params: [zeros([2], { requiresGrad: true })], lr })), { momentum: 0.9 });
const hasInitialLr = (opt: AnyOptimizer) => opt.paramGroups.some((g) => 'initialLr' in g);

describe('scheduler argument checks', () => {
  it.each([
    ['not an optimizer', () => new StepLR({} as AnyOptimizer, 3), /StepLR: optimizer must be an Optimizer/],
    ['stepSize 0', () => new StepLR(sgd(), 0), /StepLR: stepSize must be a positive integer, got 0/],
    ['stepSize 1.5', () => new StepLR(sgd(), 1.5), /StepLR: stepSize must be a positive integer, got 1.5/],
    ['gamma negative', () => new StepLR(sgd(), 2, { gamma: -0.5 }), /StepLR: gamma must be in \[0, inf\), got -0.5/],
    ['gamma NaN', () => new StepLR(sgd(), 2, { gamma: NaN }), /StepLR: gamma must be a finite number, got NaN/],
    ['snake_case option', () => new StepLR(sgd(), 2, { last_epoch: 3 } as never), /StepLR: unknown option 'last_epoch' \(did you mean 'lastEpoch'\?\)/],
    ['lastEpoch -2', () => new StepLR(sgd(), 2, { lastEpoch: -2 }), /StepLR: lastEpoch must be an integer >= -1, got -2/],
    ['resume without initialLr', () => new StepLR(sgd(), 2, { lastEpoch: 4 }), /StepLR: paramGroups\[0\] has no 'initialLr'/],
    ['milestones not an array', () => new MultiStepLR(sgd(), 5 as never), /MultiStepLR: milestones must be an array of integers/],
    ['milestones decreasing', () => new MultiStepLR(sgd(), [5, 3]), /MultiStepLR: milestones must be increasing/],
    ['milestone negative', () => new MultiStepLR(sgd(), [-1, 3]), /MultiStepLR: milestones\[0\] must be a non-negative integer, got -1/],
    ['ExponentialLR gamma', () => new ExponentialLR(sgd(), Infinity), /ExponentialLR: gamma must be a finite number, got Infinity/],
    ['tMax 0', () => new CosineAnnealingLR(sgd(), 0), /CosineAnnealingLR: tMax must be a positive integer, got 0/],
    ['etaMin negative', () => new CosineAnnealingLR(sgd(), 10, { etaMin: -1 }), /CosineAnnealingLR: etaMin must be in \[0, inf\)/],
    ['startFactor 0', () => new LinearLR(sgd(), { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\], got 0/],
    ['startFactor above 1', () => new LinearLR(sgd(), { startFactor: 1.5 }), /LinearLR: startFactor must be in \(0, 1\], got 1.5/],
    ['endFactor above 1', () => new LinearLR(sgd(), { endFactor: 2 }), /LinearLR: endFactor must be in \[0, 1\], got 2/],
    ['totalIters 0', () => new LinearLR(sgd(), { totalIters: 0 }), /LinearLR: totalIters must be a positive integer, got 0/],
    ['OneCycleLR without a length', () => new OneCycleLR(sgd(), 0.1), /OneCycleLR: you must define either totalSteps or \(epochs and stepsPerEpoch\)/],
    ['OneCycleLR with both lengths', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, epochs: 2, stepsPerEpoch: 5 }), /OneCycleLR: give either totalSteps or epochs and stepsPerEpoch, not both/],
    ['OneCycleLR epochs only', () => new OneCycleLR(sgd(), 0.1, { epochs: 2 }), /you must define either totalSteps/],
    ['OneCycleLR stepsPerEpoch 0', () => new OneCycleLR(sgd(), 0.1, { epochs: 2, stepsPerEpoch: 0 }), /OneCycleLR: stepsPerEpoch must be a positive integer, got 0/],
    ['OneCycleLR pctStart', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, pctStart: 1.5 }), /OneCycleLR: pctStart must be in \[0, 1\], got 1.5/],
    ['OneCycleLR annealStrategy', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, annealStrategy: 'cosine' as never }), /OneCycleLR: annealStrategy must be 'cos' or 'linear', got the string "cosine"/],
    ['OneCycleLR maxLr per group', () => new OneCycleLR(sgd(0.1, 2), [0.1], { totalSteps: 10 }), /OneCycleLR: expected 2 value\(s\) for maxLr \(one per param group\), got 1/],
    ['OneCycleLR divFactor 0', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, divFactor: 0 }), /OneCycleLR: divFactor must be in \(0, inf\), got 0/],
    ['OneCycleLR beta1 of 1', () => new OneCycleLR(new Adam([zeros([1], { requiresGrad: true })]), 0.1, { totalSteps: 10, maxMomentum: 1 }), /OneCycleLR: maxMomentum must be in \[0, 1\), got 1/],
    ['OneCycleLR zero-length warm-up', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 10, pctStart: 0.1 }), /OneCycleLR: step 0 falls in phase 0 of the cycle, which has zero length/],
  ])('%s', (_what, make, message) => {
    expect(make).toThrow(message);
  });

  it('a constructor that throws leaves the optimizer as it was', () => {
    for (const make of [
      (o: SGD) => new StepLR(o, 0),
      (o: SGD) => new OneCycleLR(o, 0.1, { totalSteps: 10, pctStart: 0.1 }),
      (o: SGD) => new OneCycleLR(o, [0.1, 0.2], { totalSteps: 10 }),
      (o: SGD) => new LinearLR(o, { totalIters: -1 }),
    ]) {
      const opt = sgd(0.05);
      expect(() => make(opt)).toThrow();
      expect(opt.paramGroups[0]!.lr).toBe(0.05);
      expect(opt.paramGroups[0]!.momentum).toBe(0.9);
      expect(hasInitialLr(opt)).toBe(false);
    }
  });

  it('OneCycleLR with an optimizer that has no momentum needs cycleMomentum: false', async () => {
    const { Optimizer } = await import('../src/index.js');
    class Plain extends Optimizer<{ lr: number }, undefined> {
      constructor(params: Tensor[]) {
        super('Plain', params, { lr: 0.1 });
      }
      protected checkHyperParameters(): void {}
      protected update(): void {}
      protected exportState(): Record<string, number> { return {}; }
      protected importState(): undefined { return undefined; }
    }
    const plain = new Plain([zeros([1], { requiresGrad: true })]);
    expect(() => new OneCycleLR(plain, 0.1, { totalSteps: 10 })).toThrow(/OneCycleLR: the optimizer has no momentum or betas to cycle; pass cycleMomentum: false/);
    const s = new OneCycleLR(plain, 0.1, { totalSteps: 10, cycleMomentum: false });
    expect(s.getLastLr()[0]).toBeCloseTo(0.1 / 25, 15);
  });

  it('OneCycleLR on SGD without momentum turns momentum on, as in PyTorch', () => {
    const opt = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 });
    new OneCycleLR(opt, 0.1, { totalSteps: 10 });
    expect(opt.paramGroups[0]!.momentum).toBe(0.95);
  });

  it('ReduceLROnPlateau checks its options and the metric', () => {
    expect(() => new ReduceLROnPlateau(sgd(), { factor: 1 })).toThrow(/ReduceLROnPlateau: factor must be in \[0, 1\), got 1/);
    expect(() => new ReduceLROnPlateau(sgd(), { mode: 'mn' as never })).toThrow(/ReduceLROnPlateau: mode must be 'min' or 'max', got the string "mn"/);
    expect(() => new ReduceLROnPlateau(sgd(), { thresholdMode: 'relative' as never })).toThrow(/thresholdMode must be 'rel' or 'abs'/);
    expect(() => new ReduceLROnPlateau(sgd(), { patience: -1 })).toThrow(/patience must be a non-negative integer, got -1/);
    expect(() => new ReduceLROnPlateau(sgd(), { cooldown: 0.5 })).toThrow(/cooldown must be a non-negative integer, got 0.5/);
    expect(() => new ReduceLROnPlateau(sgd(0.1, 2), { minLr: [0.1] })).toThrow(/expected 2 value\(s\) for minLr/);
    expect(() => new ReduceLROnPlateau(sgd(), { min_lr: 0 } as never)).toThrow(/unknown option 'min_lr' \(did you mean 'minLr'\?\)/);
    const s = new ReduceLROnPlateau(sgd(), { patience: 0 });
    expect(() => s.step('1' as never)).toThrow(/ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got the string "1"/);
    expect(() => s.step(tensor([1, 2]))).toThrow(/got a Tensor of shape \[2\]/);
    expect(s.lastEpoch).toBe(0);
    s.step(tensor(1));
    s.step(tensor([[2]]));
    expect(s.best).toBe(1);
    expect(s.getLastLr()).toEqual([0.1 * 0.1]);
    s.step(NaN); // counts as a bad epoch, as in PyTorch
    expect(s.numBadEpochs).toBe(0);
    expect(s.getLastLr()[0]).toBeCloseTo(0.001, 15);
  });

  it('SequentialLR checks its schedulers and milestones', () => {
    const opt = sgd();
    const a = new LinearLR(opt);
    const b = new ExponentialLR(opt, 0.9);
    const other = new ExponentialLR(sgd(), 0.9);
    expect(() => new SequentialLR(opt, [], [])).toThrow(/SequentialLR: schedulers must be a non-empty array/);
    expect(() => new SequentialLR(opt, [a, other], [3])).toThrow(/SequentialLR: schedulers\[1\] wraps a different optimizer/);
    expect(() => new SequentialLR(opt, [a, b], [])).toThrow(/SequentialLR: expects one milestone fewer than schedulers, got 2 scheduler\(s\) and 0 milestone\(s\)/);
    expect(() => new SequentialLR(opt, [a, b, b], [5, 5])).toThrow(/SequentialLR: milestones must be strictly increasing, got \[5, 5\]/);
    expect(() => new SequentialLR(opt, [a, b], [0])).toThrow(/SequentialLR: milestones\[0\] must be a positive integer, got 0/);
    expect(() => new SequentialLR(opt, [a, new ReduceLROnPlateau(opt) as never], [3])).toThrow(/schedulers\[1\] must be an epoch scheduler .*ReduceLROnPlateau, which cannot be chained/);
    const seq = new SequentialLR(opt, [a, b], [3]);
    expect(() => new SequentialLR(opt, [a, seq as never], [3])).toThrow(/a SequentialLR, which cannot be chained/);
  });
});

describe('scheduler state dicts', () => {
  const builders: [string, (o: SGD) => { stateDict(): unknown; loadStateDict(sd: never): void; step(m?: number): void; getLastLr(): number[] }][] = [
    ['StepLR', (o) => new StepLR(o, 3, { gamma: 0.5 })],
    ['MultiStepLR', (o) => new MultiStepLR(o, [2, 5], { gamma: 0.5 })],
    ['ExponentialLR', (o) => new ExponentialLR(o, 0.9)],
    ['CosineAnnealingLR', (o) => new CosineAnnealingLR(o, 10, { etaMin: 0.01 })],
    ['LinearLR', (o) => new LinearLR(o, { startFactor: 0.5 })],
    ['OneCycleLR', (o) => new OneCycleLR(o, 0.5, { totalSteps: 20 })],
    ['ReduceLROnPlateau', (o) => new ReduceLROnPlateau(o, { patience: 0 }) as never],
    ['SequentialLR', (o) => new SequentialLR(o, [new LinearLR(o), new ExponentialLR(o, 0.9)], [3])],
  ];

  it.each(builders)('%s: plain JSON, and a bad dict is refused without changing anything', (_name, make) => {
    const opt = sgd();
    const s = make(opt);
    for (let i = 0; i < 4; i++) s.step(1);
    const sd = s.stateDict() as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(sd))).toEqual(sd);
    const before = JSON.stringify(sd);
    expect(() => s.loadStateDict({ ...sd, extra: 1 } as never)).toThrow(/loadStateDict: unknown option 'extra'/);
    const { lastEpoch: _dropped, ...missing } = sd;
    expect(() => s.loadStateDict(missing as never)).toThrow(/loadStateDict: the state dict has no 'lastEpoch'/);
    expect(() => s.loadStateDict({ ...sd, lastLr: [0.1, 0.2] } as never)).toThrow(/'lastLr' must be an array of 1 number/);
    expect(JSON.stringify(s.stateDict())).toBe(before);
  });

  it('ReduceLROnPlateau writes an infinite best as a string', () => {
    const s = new ReduceLROnPlateau(sgd(), { mode: 'max' });
    const sd = s.stateDict();
    expect(sd.best).toBe('-Infinity');
    const t = new ReduceLROnPlateau(sgd(), { mode: 'max' });
    t.step(5);
    t.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(t.best).toBe(-Infinity);
    expect(t.lastEpoch).toBe(0);
  });

  it('SequentialLR checks every wrapped state before loading any', () => {
    const opt = sgd();
    const s = new SequentialLR(opt, [new LinearLR(opt), new ExponentialLR(opt, 0.9)], [3]);
    for (let i = 0; i < 5; i++) s.step();
    const sd = s.stateDict() as { schedulers: Record<string, unknown>[] } & Record<string, unknown>;
    const fresh = new SequentialLR(opt, [new LinearLR(opt), new ExponentialLR(opt, 0.9)], [3]);
    const before = JSON.stringify(fresh.stateDict());
    const bad = { ...sd, schedulers: [sd.schedulers[0], { ...sd.schedulers[1], gamma: -1 }] };
    expect(() => fresh.loadStateDict(bad as never)).toThrow(/SequentialLR.loadStateDict: schedulers\[1\]: ExponentialLR.loadStateDict: 'gamma' must be in \[0, inf\), got -1/);
    expect(JSON.stringify(fresh.stateDict())).toBe(before);
  });

  it("the optimizer's state dict carries the groups' scheduler keys and checks them", () => {
    const opt = sgd();
    new OneCycleLR(opt, 0.2, { totalSteps: 10 });
    const sd = opt.stateDict();
    expect(Object.keys(sd.paramGroups[0]!).sort()).toEqual(['baseMomentum', 'dampening', 'initialLr', 'lr', 'maxLr', 'maxMomentum', 'maximize', 'minLr', 'momentum', 'nesterov', 'params', 'weightDecay']);
    const opt2 = sgd();
    opt2.loadStateDict(sd);
    expect((opt2.paramGroups[0] as unknown as { maxLr: number }).maxLr).toBe(0.2);
    const bad = { ...sd, paramGroups: [{ ...sd.paramGroups[0]!, initialLr: -1 }] };
    expect(() => sgd().loadStateDict(bad)).toThrow(/parameter group 0: 'initialLr' must be a finite number >= 0, got -1/);
  });
});

describe('clipGradNorm / clipGradValue edge cases', () => {
  const withGrad = (values: number[], dtype: 'float64' | 'float32' = 'float64') => {
    const p = zeros([values.length], { requiresGrad: true, dtype });
    p.grad = tensor(values, { dtype });
    return p;
  };

  it('returns 0 and changes nothing when no parameter has a gradient', () => {
    const p = zeros([2], { requiresGrad: true });
    expect(clipGradNorm([p], 1)).toBe(0);
    expect(p.grad).toBeNull();
  });

  it('takes a single tensor; leaves gradients untouched below the limit', () => {
    const p = withGrad([0.3, 0.4]);
    const v = p.grad!.version;
    expect(clipGradNorm(p, 1)).toBeCloseTo(0.5, 15);
    expect(p.grad!.toArray()).toEqual([0.3, 0.4]);
    expect(p.grad!.version).toBe(v);
  });

  it('scales in place and bumps the version', () => {
    const p = withGrad([3, 4]);
    const g = p.grad!;
    const v = g.version;
    expect(clipGradNorm([p], 1)).toBe(5);
    expect(p.grad).toBe(g);
    expect(g.version).toBeGreaterThan(v);
    expect(g.toArray()).toEqual([3 * (1 / (5 + 1e-6)), 4 * (1 / (5 + 1e-6))]);
  });

  it('float32 gradients: scaled by the float32-rounded factor, as PyTorch', () => {
    const p = withGrad([3, 4], 'float32');
    clipGradNorm([p], 1);
    const c = Math.fround(1 / (5 + 1e-6));
    expect(Array.from(p.grad!.dataSync())).toEqual([Math.fround(3 * c), Math.fround(4 * c)]);
  });

  it('non-finite norms: scale by 0 / NaN as PyTorch, or throw before changing anything', () => {
    const p = withGrad([Infinity, 1]);
    expect(() => clipGradNorm([p], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm: the total norm of order 2 of the gradients is Infinity, so it cannot be clipped/);
    expect(p.grad!.toArray()).toEqual([Infinity, 1]);
    expect(clipGradNorm([p], 1)).toBe(Infinity);
    expect(p.grad!.toArray()).toEqual([NaN, 0]); // inf · 0 and 1 · 0
    const q = withGrad([NaN, 1]);
    expect(clipGradNorm([q], 1, { normType: Infinity })).toBeNaN();
    expect(q.grad!.toArray()).toEqual([NaN, NaN]);
  });

  it('writes through a non-contiguous gradient to the right elements', () => {
    const p = zeros([2, 2], { requiresGrad: true });
    const base = tensor([[3, 0], [4, 0]]);
    p.grad = base.transpose(0, 1); // [[3, 4], [0, 0]] as a view
    clipGradNorm([p], 1);
    const c = 1 / (5 + 1e-6);
    expect(p.grad!.toArray()).toEqual([[3 * c, 4 * c], [0, 0]]);
    clipGradValue([p], 0.5);
    expect(p.grad!.toArray()).toEqual([[0.5, 0.5], [0, 0]]);
  });

  it('clipGradValue clamps, keeps NaN and rounds the bound for float32', () => {
    const p = withGrad([NaN, -3, 0.05, 2]);
    clipGradValue(p, 0.1);
    expect(p.grad!.toArray()).toEqual([NaN, -0.1, 0.05, 0.1]);
    const q = withGrad([1, -1], 'float32');
    clipGradValue([q], 0.1);
    expect(Array.from(q.grad!.dataSync())).toEqual([Math.fround(0.1), Math.fround(-0.1)]);
  });

  it('checks its arguments', () => {
    const p = withGrad([1]);
    expect(() => clipGradNorm([p], -1)).toThrow(/clipGradNorm: maxNorm must be a number >= 0, got -1/);
    expect(() => clipGradNorm([p], NaN)).toThrow(/maxNorm must be a number >= 0, got NaN/);
    expect(() => clipGradNorm([p], 1, { normType: 0 })).toThrow(/clipGradNorm: normType must be a number > 0 or Infinity, got 0/);
    expect(() => clipGradNorm([p], 1, { normType: 'inf' as never })).toThrow(/normType must be a number > 0 or Infinity, got the string "inf"/);
    expect(() => clipGradNorm([p], 1, { norm_type: 2 } as never)).toThrow(/clipGradNorm: unknown option 'norm_type' \(did you mean 'normType'\?\)/);
    expect(() => clipGradNorm([p], 1, { errorIfNonfinite: 1 as never })).toThrow(/errorIfNonfinite must be a boolean/);
    expect(() => clipGradNorm([p, p], 1)).toThrow(/clipGradNorm: parameters\[1\] appears more than once/);
    expect(() => clipGradNorm([p, 3 as never], 1)).toThrow(/clipGradNorm: parameters\[1\] is not a Tensor, got 3/);
    expect(() => clipGradNorm(5 as never, 1)).toThrow(/clipGradNorm: parameters must be a Tensor or an iterable of Tensors, got 5/);
    expect(() => clipGradValue([p], -0.1)).toThrow(/clipGradValue: clipValue must be a number >= 0, got -0.1/);
    expect(() => clipGradValue([p], NaN)).toThrow(/clipValue must be a number >= 0, got NaN/);
  });

  it('works on a model after backward', () => {
    const model = new Linear(3, 2, { seed: 0 });
    model.forward(tensor([[1, 2, 3]])).sum().backward();
    const total = clipGradNorm(model.parameters(), 0.5);
    expect(total).toBeGreaterThan(0.5);
    const after = Math.sqrt(model.parameters().reduce((s, q) => s + Array.from(q.grad!.dataSync()).reduce((a, v) => a + v * v, 0), 0));
    expect(after).toBeCloseTo(0.5, 6);
  });
});
