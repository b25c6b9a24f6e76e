// Optimizer + scheduler state through a checkpoint: train N steps, save model, optimizer and
// scheduler state (the scheduler's through JSON), keep training M steps; separately build fresh
// objects the usual way, load the checkpoint into them and train the same M steps. The
// parameters, lrs and momenta must agree bit for bit.
import { Tensor, randn } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  Adam, CosineAnnealingLR, DataLoader, Linear, LinearLR, MSELoss, OneCycleLR, ReduceLROnPlateau, SGD, Sequential,
  SequentialLR, StepLR, Tanh, TensorDataset, clipGradNorm, clipGradValue, type AnyOptimizer, type SchedulerStateDict,
} from '../src/index.js';

const data = new TensorDataset(randn([40, 3], { seed: 10 }), randn([40, 1], { seed: 11 }));
const makeModel = () => new Sequential(new Linear(3, 8, { seed: 1 }), new Tanh(), new Linear(8, 1, { seed: 2 }));

interface Sched { step(metric?: number): void; getLastLr(): number[]; stateDict(): SchedulerStateDict; loadStateDict(sd: SchedulerStateDict): void }
interface Setup {
  name: string;
  optimizer(m: Sequential): AnyOptimizer;
  scheduler(o: AnyOptimizer): Sched;
  clip(m: Sequential): void;
  perEpoch?: boolean; // ReduceLROnPlateau: one step per epoch with the epoch's mean loss
}

const setups: Setup[] = [
  {
    name: 'SGD (momentum, nesterov, weight decay) + SequentialLR(LinearLR, CosineAnnealingLR) + clipGradNorm',
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.2, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }),
    scheduler: (o) => new SequentialLR(o, [new LinearLR(o, { startFactor: 0.1, totalIters: 4 }), new CosineAnnealingLR(o, 20, { etaMin: 1e-3 })], [4]),
    clip: (m) => clipGradNorm(m.parameters(), 0.5),
  },
  {
    name: 'Adam (amsgrad, two param groups) + OneCycleLR cycling beta1 + clipGradValue',
    optimizer: (m) => new Adam([{ params: m.parameters().slice(0, 2) }, { params: m.parameters().slice(2), lr: 0.005 }], { lr: 0.01, amsgrad: true }),
    scheduler: (o) => new OneCycleLR(o, [0.05, 0.02], { totalSteps: 30, threePhase: true }),
    clip: (m) => clipGradValue(m.parameters(), 0.2),
  },
  {
    name: 'SGD + StepLR',
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.1, momentum: 0.5, dampening: 0.1 }),
    scheduler: (o) => new StepLR(o, 3, { gamma: 0.7 }),
    clip: () => undefined,
  },
  {
    name: 'SGD + ReduceLROnPlateau (per epoch)',
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.5, momentum: 0.9 }),
    scheduler: (o) => new ReduceLROnPlateau(o, { patience: 0, factor: 0.5, threshold: 0.05 }) as unknown as Sched,
    clip: (m) => clipGradNorm(m.parameters(), 1, { normType: Infinity }),
    perEpoch: true,
  },
];

/** Trains `epochs` epochs of `loader`; returns the lr and momentum trace. */
function train(s: Setup, model: Sequential, opt: AnyOptimizer, sched: Sched, loader: DataLoader<Tensor[]>, epochs: number): number[][] {
  const trace: number[][] = [];
  const loss = new MSELoss();
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    for (const [x, y] of loader) {
      opt.zeroGrad();
      const l = loss.forward(model.forward(x!), y!);
      l.backward();
      s.clip(model);
      opt.step();
      sum += l.item();
      if (!s.perEpoch) sched.step();
      trace.push([...sched.getLastLr(), ...opt.paramGroups.map((g) => { const r = g as unknown as { betas?: number[]; momentum?: number }; return r.betas ? r.betas[0]! : r.momentum!; })]);
    }
    if (s.perEpoch) sched.step(sum / loader.length);
  }
  return trace;
}

const flatParams = (m: Sequential) => m.parameters().map((p) => Array.from(p.dataSync()));

describe('checkpoint and resume', () => {
  it.each(setups.map((s) => [s.name, s] as const))('%s resumes bit-identically', (_name, s) => {
    const model = makeModel();
    const opt = s.optimizer(model);
    const sched = s.scheduler(opt);
    train(s, model, opt, sched, new DataLoader(data, { batchSize: 16, shuffle: true, seed: 1 }), 2); // N = 6 steps

    const checkpoint = JSON.parse(JSON.stringify({ scheduler: sched.stateDict() })) as { scheduler: SchedulerStateDict };
    const modelState = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()]));
    const optState = opt.stateDict();

    const continued = train(s, model, opt, sched, new DataLoader(data, { batchSize: 16, shuffle: true, seed: 2 }), 3); // M = 9 steps

    const model2 = makeModel();
    model2.loadStateDict(modelState);
    const opt2 = s.optimizer(model2);
    const sched2 = s.scheduler(opt2);
    opt2.loadStateDict(optState);
    sched2.loadStateDict(checkpoint.scheduler);
    const resumed = train(s, model2, opt2, sched2, new DataLoader(data, { batchSize: 16, shuffle: true, seed: 2 }), 3);

    expect(resumed).toEqual(continued);
    expect(flatParams(model2)).toEqual(flatParams(model));
    expect(opt2.paramGroups.map(({ params: _p, ...g }) => g)).toEqual(opt.paramGroups.map(({ params: _p, ...g }) => g));
    expect(sched2.stateDict()).toEqual(sched.stateDict());
    // And the run really moved: the lrs changed during the continuation.
    expect(new Set(continued.map((r) => r[0])).size).toBeGreaterThan(1);
  });

  it('a fresh scheduler without the loaded state does not resume (the test can fail)', () => {
    const s = setups[0]!;
    const model = makeModel();
    const opt = s.optimizer(model);
    const sched = s.scheduler(opt);
    train(s, model, opt, sched, new DataLoader(data, { batchSize: 16 }), 2);
    const optState = opt.stateDict();
    const a = train(s, model, opt, sched, new DataLoader(data, { batchSize: 16 }), 1);
    const model2 = makeModel();
    const opt2 = s.optimizer(model2);
    const sched2 = s.scheduler(opt2);
    opt2.loadStateDict(optState); // the scheduler's own state (its epoch) is not restored
    const b = train(s, model2, opt2, sched2, new DataLoader(data, { batchSize: 16 }), 1);
    expect(b).not.toEqual(a);
  });
});
