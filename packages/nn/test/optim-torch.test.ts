// AdamW, RMSprop and Adagrad against torch.optim (scripts/torch-fixtures/nn_optim.py writes
// fixtures/torch/nn_optim.json): every parameter after every step of a fixed gradient sequence
// (float64 to 1e-12, float32 to 1e-5), with parameter groups and skipped parameters, the final
// state in PyTorch's layout, and the same run resumed half way from a state dict; then
// PyTorch's hyper-parameter checks, atomic steps, version bumps and state-dict validation.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, TensorData, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Adagrad, AdamW, type OptimizerStateDict, RMSprop } from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64' | 'float32'; data: number[] }
interface Case {
  id: string;
  optimizer: 'AdamW' | 'RMSprop' | 'Adagrad';
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[] | null;
  dtype: 'float64' | 'float32';
  params: Json[];
  grads: (Json | null)[][];
  trajectory: Json[][];
  state: Record<string, Record<string, number | Json>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_optim.json'), 'utf8')) as { cases: Case[] };

const toTensor = (j: Json, requiresGrad = false): Tensor =>
  new Tensor(new TensorData(j.dtype === 'float32' ? Float32Array.from(j.data) : Float64Array.from(j.data), j.shape.slice()), requiresGrad);

type AnyOpt = AdamW | RMSprop | Adagrad;
const CLASSES = { AdamW, RMSprop, Adagrad } as const;

function build(c: Case, ps: Tensor[]): AnyOpt {
  const Ctor = CLASSES[c.optimizer] as unknown as new (params: unknown, opts: unknown) => AnyOpt;
  const arg = c.groups === null ? ps : c.groups.map((g) => ({ params: g.params.map((i) => ps[i]!), ...g.options }));
  return new Ctor(arg, c.options);
}

function expectClose(got: ArrayLike<number>, want: Json, tol: number, what: string): void {
  expect(got.length, what).toBe(want.data.length);
  want.data.forEach((v, i) => {
    if (!(Math.abs(got[i]! - v) <= tol * Math.max(1, Math.abs(v)))) throw new Error(`${what}[${i}]: ${got[i]} vs PyTorch ${v} (tolerance ${tol})`);
  });
}

/** Runs steps [from, to) of the case on `ps` with `opt`, comparing every parameter after each step. */
function runSteps(c: Case, opt: AnyOpt, ps: Tensor[], from: number, to: number, tol: number): void {
  for (let s = from; s < to; s++) {
    ps.forEach((p, i) => (p.grad = c.grads[s]![i] ? toTensor(c.grads[s]![i]!) : null));
    opt.step();
    ps.forEach((p, i) => expectClose(p.dataSync(), c.trajectory[s]![i]!, tol, `step ${s + 1}, parameter ${i}`));
  }
}

describe('AdamW, RMSprop and Adagrad against torch.optim (fixtures/torch/nn_optim.json)', () => {
  it('has every case', () => {
    expect(fixture.cases.map((c) => c.optimizer).join(',')).toBe(`${'AdamW,'.repeat(8)}${'RMSprop,'.repeat(9)}${'Adagrad,'.repeat(7)}`.slice(0, -1));
  });

  it.each(fixture.cases.map((c) => [c.id, c] as const))('%s: trajectory and final state', (_id, c) => {
    const tol = c.dtype === 'float64' ? 1e-12 : 1e-5;
    const ps = c.params.map((j) => toTensor(j, true));
    const opt = build(c, ps);
    runSteps(c, opt, ps, 0, c.grads.length, tol);
    const { state } = opt.stateDict();
    expect(Object.keys(state).sort()).toEqual(Object.keys(c.state).sort());
    for (const [pos, entry] of Object.entries(c.state)) {
      expect(Object.keys(state[pos]!).sort(), `state ${pos}`).toEqual(Object.keys(entry).sort());
      for (const [key, v] of Object.entries(entry)) {
        const got = state[pos]![key]!;
        if (typeof v === 'number') expect(got, `state ${pos}.${key}`).toBe(v);
        else {
          expect((got as Tensor).dtype).toBe(c.dtype);
          expectClose((got as Tensor).dataSync(), v, tol, `state ${pos}.${key}`);
        }
      }
    }
  });

  it.each(fixture.cases.map((c) => [c.id, c] as const))('%s: resumed half way from a state dict, through JSON', (_id, c) => {
    const tol = c.dtype === 'float64' ? 1e-12 : 1e-5;
    const half = Math.floor(c.grads.length / 2);
    const ps = c.params.map((j) => toTensor(j, true));
    const first = build(c, ps);
    runSteps(c, first, ps, 0, half, tol);
    // Through JSON as a checkpoint file would carry it: tensors as nested arrays, rebuilt on load.
    const json = JSON.stringify(first.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? { tensor: v.toArray(), shape: v.shape } : v));
    const sd = JSON.parse(json, (_k, v: { tensor?: unknown; shape?: number[] }) =>
      (v && typeof v === 'object' && 'tensor' in v ? new Tensor(new TensorData(Float64Array.from((v.tensor as number[]).flat(8) as number[]), v.shape!)) : v)) as OptimizerStateDict<never>;
    const resumed = c.params.map((j, i) => new Tensor(new TensorData(ps[i]!.tensorData.storage.slice(), j.shape.slice()), true));
    // A fresh optimizer with other hyper-parameters: loading restores the saved ones.
    const second = build({ ...c, options: {}, groups: c.groups?.map((g) => ({ ...g, options: {} })) ?? null }, resumed);
    (second as { loadStateDict(s: unknown): void }).loadStateDict(sd);
    runSteps(c, second, resumed, half, c.grads.length, tol);
  });
});

// ---- behaviour around the update --------------------------------------------------------------

describe('hyper-parameter checks, as torch.optim', () => {
  const p = () => [tensor([1, 2], { requiresGrad: true })];
  it.each([
    ['AdamW', () => new AdamW(p(), { lr: -1 }), /^AdamW: invalid learning rate: -1 \(must be >= 0\)$/],
    ['AdamW', () => new AdamW(p(), { eps: -1e-8 }), /^AdamW: invalid epsilon value: -1e-8/],
    ['AdamW', () => new AdamW(p(), { betas: [1, 0.9] }), /^AdamW: invalid beta parameter at index 0: 1/],
    ['AdamW', () => new AdamW(p(), { betas: [0.9, -0.1] }), /^AdamW: invalid beta parameter at index 1: -0.1/],
    ['AdamW', () => new AdamW(p(), { betas: [0.9] as never }), /^AdamW: betas must be a pair/],
    ['AdamW', () => new AdamW(p(), { weightDecay: -0.01 }), /^AdamW: invalid weightDecay value: -0.01/],
    ['AdamW', () => new AdamW(p(), { amsgrad: 1 as never }), /^AdamW: amsgrad must be a boolean, got 1$/],
    ['AdamW', () => new AdamW(p(), { weight_decay: 0.1 } as never), /^AdamW: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/],
    ['RMSprop', () => new RMSprop(p(), { lr: -0.1 }), /^RMSprop: invalid learning rate: -0.1/],
    ['RMSprop', () => new RMSprop(p(), { alpha: -0.5 }), /^RMSprop: invalid alpha value: -0.5 \(must be >= 0\)$/],
    ['RMSprop', () => new RMSprop(p(), { alpha: 1.5 }), /^RMSprop: invalid alpha value: 1.5 \(must be <= 1/],
    ['RMSprop', () => new RMSprop(p(), { momentum: -1 }), /^RMSprop: invalid momentum value: -1/],
    ['RMSprop', () => new RMSprop(p(), { eps: -1 }), /^RMSprop: invalid epsilon value: -1/],
    ['RMSprop', () => new RMSprop(p(), { weightDecay: -1 }), /^RMSprop: invalid weightDecay value: -1/],
    ['RMSprop', () => new RMSprop(p(), { centered: 'yes' as never }), /^RMSprop: centered must be a boolean/],
    ['RMSprop', () => new RMSprop(p(), { lr: NaN }), /^RMSprop: lr must be a finite number, got NaN$/],
    ['Adagrad', () => new Adagrad(p(), { lr: -1 }), /^Adagrad: invalid learning rate: -1/],
    ['Adagrad', () => new Adagrad(p(), { lrDecay: -1 }), /^Adagrad: invalid lrDecay value: -1/],
    ['Adagrad', () => new Adagrad(p(), { weightDecay: -1 }), /^Adagrad: invalid weightDecay value: -1/],
    ['Adagrad', () => new Adagrad(p(), { initialAccumulatorValue: -1 }), /^Adagrad: invalid initialAccumulatorValue value: -1/],
    ['Adagrad', () => new Adagrad(p(), { eps: -1 }), /^Adagrad: invalid epsilon value: -1/],
    ['Adagrad', () => new Adagrad(p(), { lr_decay: 0.1 } as never), /^Adagrad: unknown option 'lr_decay' \(did you mean 'lrDecay'\?\)/],
    ['Adagrad', () => new Adagrad([{ params: p(), lr: -2 }]), /^Adagrad: invalid learning rate: -2/],
  ] as const)('%s: %s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('boundary values PyTorch accepts are accepted', () => {
    expect(() => new AdamW(p(), { lr: 0, eps: 0, betas: [0, 0], weightDecay: 0 })).not.toThrow();
    expect(() => new RMSprop(p(), { lr: 0, alpha: 0, eps: 0, momentum: 0, weightDecay: 0 })).not.toThrow();
    expect(() => new RMSprop(p(), { alpha: 1 })).not.toThrow();
    expect(() => new Adagrad(p(), { lr: 0, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 0 })).not.toThrow();
  });

  it('defaults are PyTorch\'s', () => {
    expect(new AdamW(p()).defaults).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false });
    expect(new RMSprop(p()).defaults).toEqual({ lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
    expect(new Adagrad(p()).defaults).toEqual({ lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false });
  });
});

describe.each([
  ['AdamW', (ps: Tensor[]) => new AdamW(ps, { lr: 0.1, amsgrad: true })],
  ['RMSprop', (ps: Tensor[]) => new RMSprop(ps, { lr: 0.1, momentum: 0.9, centered: true })],
  ['Adagrad', (ps: Tensor[]) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.1 })],
] as const)('%s', (name, make) => {
  it('a step that throws (a bad hyper-parameter in the second group) changes no parameter and no state', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4, 5], { requiresGrad: true });
    const opt = make([a]);
    const two = new (opt.constructor as new (p: unknown, o: unknown) => AnyOpt)([{ params: [a] }, { params: [b] }], opt.defaults);
    a.grad = tensor([0.5, -0.5]);
    b.grad = tensor([1, 1, 1]);
    two.step();
    const before = JSON.stringify(two.stateDict().state, (_k, v: unknown) => (v instanceof Tensor ? v.toArray() : v));
    const values = [Array.from(a.dataSync()), Array.from(b.dataSync())];
    two.paramGroups[1]!.lr = -1;
    expect(() => two.step()).toThrow(new RegExp(`^${name}: invalid learning rate: -1`));
    expect([Array.from(a.dataSync()), Array.from(b.dataSync())]).toEqual(values);
    expect(JSON.stringify(two.stateDict().state, (_k, v: unknown) => (v instanceof Tensor ? v.toArray() : v))).toBe(before);
    two.paramGroups[1]!.lr = 0.1;
    two.step();
    expect(Array.from(a.dataSync())).not.toEqual(values[0]);
  });

  it('bumps the version of every parameter it writes (a graph that saved the old values refuses backward)', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3], { requiresGrad: true });
    const opt = make([a, b]);
    const y = a.mul(a).sum();
    const [va, vb] = [a.version, b.version];
    a.grad = tensor([1, 1]);
    opt.step();
    expect(a.version).toBeGreaterThan(va);
    expect(b.version).toBe(vb); // no grad: not written
    expect(() => y.backward()).toThrow(/modified|version/);
  });

  it('float32 parameters keep float32 state', () => {
    const a = tensor([1, 2], { requiresGrad: true, dtype: 'float32' });
    const opt = make([a]);
    a.grad = tensor([0.5, -0.5], { dtype: 'float32' });
    opt.step();
    for (const v of Object.values(opt.stateDict().state['0']!)) if (v instanceof Tensor) expect(v.dtype).toBe('float32');
  });

  it('rejects a state dict whose buffers do not fit, changing nothing', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const src = make([a]);
    a.grad = tensor([1, 1]);
    src.step();
    const sd = src.stateDict();
    const c = tensor([1, 2, 3], { requiresGrad: true });
    const dst = make([c]);
    const before = JSON.stringify(dst.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? v.toArray() : v));
    expect(() => (dst as { loadStateDict(s: unknown): void }).loadStateDict(sd)).toThrow(new RegExp(`^${name}.loadStateDict: parameter 0 \\(shape \\[3\\]\\): '\\w+' has shape \\[2\\], the parameter \\[3\\]`));
    expect(JSON.stringify(dst.stateDict(), (_k, v: unknown) => (v instanceof Tensor ? v.toArray() : v))).toBe(before);
    const bad = { ...sd, state: { 0: { ...sd.state['0'], step: -1 } } };
    expect(() => (src as { loadStateDict(s: unknown): void }).loadStateDict(bad)).toThrow(/'step' must be a non-negative integer, got -1/);
    // PyTorch's snake_case state keys are refused, not skipped (a skipped one would restart the state).
    const snake = { ...sd, state: { 0: { ...sd.state['0'], exp_avg: 1, square_avg: 1, sum_: 1 } } };
    expect(() => (src as { loadStateDict(s: unknown): void }).loadStateDict(snake)).toThrow(new RegExp(`^${name}.loadStateDict: parameter 0 \\(shape \\[2\\]\\): unknown option '(exp_avg|square_avg|sum_)'`));
  });
});

describe('optimizer-specific behaviour', () => {
  it('Adagrad has state for every parameter from construction, as PyTorch; a group may not set its own initialAccumulatorValue', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([[3]], { requiresGrad: true });
    expect(() => new Adagrad([{ params: [a] }, { params: [b], initialAccumulatorValue: 0.25 }])).toThrow(/^Adagrad: parameter group 1 sets initialAccumulatorValue 0.25, but every sum starts at the constructor's value \(0\)/);
    expect(() => new Adagrad([{ params: [a], initialAccumulatorValue: 0.25 }], { initialAccumulatorValue: 0.25 })).not.toThrow();
    const opt = new Adagrad([{ params: [a] }, { params: [b] }], { initialAccumulatorValue: 0.25 });
    const { state } = opt.stateDict();
    expect(state['0']!.step).toBe(0);
    expect((state['0']!.sum as Tensor).toArray()).toEqual([0.25, 0.25]);
    expect((state['1']!.sum as Tensor).toArray()).toEqual([[0.25]]);
  });

  it('AdamW with lr 0 or weightDecay 0: the decay factor is exactly 1 (no drift)', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const opt = new AdamW([a], { lr: 0 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(a.toArray()).toEqual([1, 2]);
  });

  it('AdamW decays parameters even where the gradient is 0, Adam-style L2 would not reach them through m', () => {
    const a = tensor([1, -2], { requiresGrad: true });
    const opt = new AdamW([a], { lr: 0.1, weightDecay: 0.5 });
    a.grad = tensor([0, 0]);
    opt.step();
    expect(a.toArray()).toEqual([0.95, -1.9]);
  });

  it('RMSprop: turning momentum or centered on later starts those buffers at zero', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const opt = new RMSprop([a], { lr: 0.1 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(Object.keys(opt.stateDict().state['0']!)).toEqual(['step', 'squareAvg']);
    opt.paramGroups[0]!.momentum = 0.9;
    opt.paramGroups[0]!.centered = true;
    opt.step();
    expect(Object.keys(opt.stateDict().state['0']!)).toEqual(['step', 'squareAvg', 'momentumBuffer', 'gradAvg']);
  });
});
