/**
 * arange (PyTorch's argument order) and the factories of factories-extra.ts: linspace, eye,
 * randint, randperm, normal, bernoulli. Exact values are written out by hand here (PyTorch's
 * own arange / linspace / eye values are checked in torch.ops-index.test.ts); the random ones
 * are checked for determinism per seed, their documented draw rules, and distribution sanity
 * (means, variances, frequencies) at fixed seeds.
 */
import { describe, expect, it } from 'vitest';
import {
  type Tensor, Generator, arange, bernoulli, eye, linspace, manualSeed, normal, randint, randperm, tensor,
} from '../src/index.js';
import { throwsWith } from './throws.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]) => {
  const m = mean(v);
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
};

describe('arange', () => {
  it("takes PyTorch's forms: (end), (start, end), (start, end, step), each with options", () => {
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(2, 5, { dtype: 'float32' }).dtype).toBe('float32');
    expect(arange(0, 10, 3).toArray()).toEqual([0, 3, 6, 9]);
    expect(arange(5, 1, -1.5).toArray()).toEqual([5, 3.5, 2]);
    expect(arange(0, 1, 0.25, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(arange(3, { dtype: 'float32' }).toArray()).toEqual([0, 1, 2]);
    expect(arange(3, 3).shape).toEqual([0]);
    expect(arange(-2, 2).toArray()).toEqual([-2, -1, 0, 1]);
  });
  it('length is ceil((end - start) / step), element i is start + i * step', () => {
    for (const [s, e, st] of [[0, 1, 0.1], [0, 1, 0.3], [-3.5, 2.25, 0.75], [1, -1, -0.4], [0.1, 0.35, 0.05]] as const) {
      const n = Math.ceil((e - s) / st);
      expect(values(arange(s, e, st))).toEqual(Array.from({ length: n }, (_, i) => s + i * st));
    }
  });
  it('rejects a zero step, a step pointing away from end, non-finite bounds and misplaced options', () => {
    throwsWith(() => arange(0, 5, 0), /^arange: step must be nonzero/);
    throwsWith(() => arange(0, 5, -1), /^arange: end 5 is on the wrong side of start 0 for step -1/);
    throwsWith(() => arange(5, 0), /^arange: end 0 is on the wrong side of start 5 for step 1/);
    throwsWith(() => arange(0, NaN), /^arange: end must be a finite number, got NaN/);
    throwsWith(() => arange(-Infinity, 0), /^arange: start must be a finite number, got -Infinity/);
    throwsWith(() => arange(0, 1, Infinity), /^arange: step must be a finite number, got Infinity/);
    throwsWith(() => arange(0, 1, 1e-300), /^arange: \[0, 1\) with step 1e-300 would have .* elements/);
    throwsWith(() => arange(0, 5, { dtype: 'float32' }, 2 as unknown as object), /^arange: unexpected argument 2 after the options object/);
    throwsWith(() => arange(0, 5, 1, { seed: 1 } as object), /^arange: unknown option 'seed'/);
    // The one-argument form keeps its count rule: arange(2.5) is more likely a bug than [0, 1, 2].
    throwsWith(() => arange(2.5), /^arange: n must be a non-negative integer, got 2\.5/);
  });
});

describe('linspace and eye', () => {
  it('linspace includes both ends; steps 0 and 1 are allowed', () => {
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(1, -1, 3).toArray()).toEqual([1, 0, -1]);
    expect(linspace(2, 9, 1).toArray()).toEqual([2]);
    expect(linspace(2, 9, 0).shape).toEqual([0]);
    const v = values(linspace(0.1, 0.7, 13));
    expect(v[0]).toBe(0.1);
    expect(v[12]).toBe(0.7);
    expect(linspace(0, 1, 3, { dtype: 'float32' }).dtype).toBe('float32');
  });
  it('eye: (n), (n, m), options in either place', () => {
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 1).toArray()).toEqual([[1], [0], [0]]);
    expect(eye(2, { dtype: 'float32' }).dtype).toBe('float32');
    expect(eye(2, 2, { requiresGrad: true }).requiresGrad).toBe(true);
    expect(eye(0).shape).toEqual([0, 0]);
  });
  it('reject bad arguments by name', () => {
    throwsWith(() => linspace(0, 1, -1), /^linspace: steps must be a non-negative integer, got -1/);
    throwsWith(() => linspace(0, 1, 2.5), /^linspace: steps must be a non-negative integer, got 2\.5/);
    throwsWith(() => linspace(NaN, 1, 2), /^linspace: start must be a finite number, got NaN/);
    throwsWith(() => linspace(0, 1, 2, { seed: 1 } as object), /^linspace: unknown option 'seed'/);
    throwsWith(() => eye(-1), /^eye: n must be a non-negative integer, got -1/);
    throwsWith(() => eye(2, 1.5), /^eye: m must be a non-negative integer, got 1\.5/);
    throwsWith(() => eye(2, { dtype: 'int32' } as object), /^eye: unknown dtype 'int32'/);
  });
});

describe('random factories: determinism', () => {
  const draws: [string, (seed?: number) => Tensor][] = [
    ['randint', (seed) => randint(-3, 9, [50], seed === undefined ? {} : { seed })],
    ['randint(high, shape)', (seed) => randint(7, [50], seed === undefined ? {} : { seed })],
    ['randperm', (seed) => randperm(50, seed === undefined ? {} : { seed })],
    ['normal', (seed) => normal(1, 2, [50], seed === undefined ? {} : { seed })],
    ['bernoulli(p, shape)', (seed) => bernoulli(0.3, [50], seed === undefined ? {} : { seed })],
    ['bernoulli(probs)', (seed) => bernoulli(tensor(Array.from({ length: 50 }, (_, i) => i / 49)), seed === undefined ? {} : { seed })],
  ];
  it.each(draws)('%s: a seed gives the same values every time, other seeds differ, and the default generator follows manualSeed', (_n, draw) => {
    expect(values(draw(7))).toEqual(values(draw(7)));
    expect(values(draw(7))).not.toEqual(values(draw(8)));
    manualSeed(11);
    const a = values(draw());
    const b = values(draw());
    manualSeed(11);
    expect(values(draw())).toEqual(a);
    expect(values(draw())).toEqual(b);
    expect(a).not.toEqual(b);
    // A seeded call neither uses nor advances the default generator.
    manualSeed(11);
    draw(3);
    expect(values(draw())).toEqual(a);
  });

  it('follow their documented draw rules exactly (one uniform per element; Fisher-Yates; mean + std * normal)', () => {
    const g = new Generator(5);
    expect(values(randint(2, 12, [6], { seed: 5 }))).toEqual(Array.from({ length: 6 }, () => 2 + Math.floor(g.uniform() * 10)));
    const h = new Generator(6);
    const perm = Array.from({ length: 8 }, (_, i) => i);
    for (let i = 7; i > 0; i--) {
      const j = Math.floor(h.uniform() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    expect(values(randperm(8, { seed: 6 }))).toEqual(perm);
    const k = new Generator(7);
    expect(values(normal(3, 0.5, [5], { seed: 7 }))).toEqual(Array.from({ length: 5 }, () => 3 + 0.5 * k.normal()));
    const p = [0.1, 0.5, 0.9, 0.5];
    const u = new Generator(8);
    expect(values(bernoulli(tensor(p), { seed: 8 }))).toEqual(p.map((pi) => (u.uniform() < pi ? 1 : 0)));
  });
});

describe('random factories: distributions at a fixed seed', () => {
  it('randint covers [low, high) evenly', () => {
    const v = values(randint(-2, 3, [20000], { seed: 1 }));
    expect(v.every((x) => Number.isInteger(x) && x >= -2 && x < 3)).toBe(true);
    const counts = [-2, -1, 0, 1, 2].map((k) => v.filter((x) => x === k).length);
    // Each count is Binomial(20000, 0.2): sd ~ 57; 5 sd is a generous band for one fixed seed.
    for (const c of counts) expect(Math.abs(c - 4000)).toBeLessThan(285);
    expect(Math.abs(mean(v))).toBeLessThan(0.05);
  });
  it('randperm is a permutation and unbiased in where 0 lands', () => {
    const where0 = new Array<number>(5).fill(0);
    for (let s = 0; s < 2000; s++) {
      const p = values(randperm(5, { seed: s }));
      expect([...p].sort()).toEqual([0, 1, 2, 3, 4]);
      where0[p.indexOf(0)]!++;
    }
    for (const c of where0) expect(Math.abs(c - 400)).toBeLessThan(90); // sd ~ 17.9
    expect(values(randperm(0)).length).toBe(0);
    expect(values(randperm(1, { seed: 3 }))).toEqual([0]);
  });
  it('normal has the requested mean and standard deviation', () => {
    const v = values(normal(-3, 2.5, [20000], { seed: 2 }));
    expect(Math.abs(mean(v) + 3)).toBeLessThan(5 * (2.5 / Math.sqrt(20000)));
    expect(Math.abs(variance(v) / 6.25 - 1)).toBeLessThan(0.05);
    expect(values(normal(4, 0, [3], { seed: 0 }))).toEqual([4, 4, 4]);
    expect(normal(0, 1, [2], { dtype: 'float32' }).dtype).toBe('float32');
  });
  it('bernoulli draws 1 with probability p; p = 0 and p = 1 are certain', () => {
    const v = values(bernoulli(0.3, [20000], { seed: 4 }));
    expect(v.every((x) => x === 0 || x === 1)).toBe(true);
    expect(Math.abs(mean(v) - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / 20000));
    expect(values(bernoulli(tensor([0, 1, 0, 1, 1]), { seed: 9 }))).toEqual([0, 1, 0, 1, 1]);
    const probs = tensor([[0.2], [0.8]]).expand([2, 5000]);
    const rows = bernoulli(probs, { seed: 5 }).mean(1).toArray() as number[];
    expect(Math.abs(rows[0]! - 0.2)).toBeLessThan(0.03);
    expect(Math.abs(rows[1]! - 0.8)).toBeLessThan(0.03);
    const f32 = bernoulli(tensor([0.5, 0.5], { dtype: 'float32' }), { seed: 1 });
    expect([f32.dtype, f32.shape, f32.requiresGrad]).toEqual(['float32', [2], false]);
  });
});

describe('random factories: errors', () => {
  it.each([
    [() => randint(3, 3, [2]), /^randint: the range \[3, 3\) is empty/],
    [() => randint(0, 2.5, [2]), /^randint: low and high must be integers, got \[0, 2\.5\)/],
    [() => randint(0, 2 ** 33, [2]), /^randint: the range \[0, 8589934592\) has 8589934592 values, more than 2\^32/],
    [() => randint(0, 2 ** 25, [2], { dtype: 'float32' }), /^randint: float32 holds integers exactly only up to 2\^24/],
    [() => randint(0, 5, undefined as unknown as number[]), /^randint: shape must be an array/],
    [() => randint(0, 5, [2], { seed: 1.5 }), /^randint: seed must be a safe integer/],
    [() => randint(5, [2], { seed: 1 }, {} as object), /^randint: unexpected argument/],
    [() => randperm(-1), /^randperm: n must be a non-negative integer, got -1/],
    [() => randperm(3, { shape: [3] } as object), /^randperm: unknown option 'shape'/],
    [() => normal(0, -1, [2]), /^normal: std must be non-negative, got -1/],
    [() => normal(NaN, 1, [2]), /^normal: mean must be a finite number, got NaN/],
    [() => normal(0, 1, [-2]), /^normal: invalid shape \[-2\]/],
    [() => bernoulli(1.5, [2]), /^bernoulli: probabilities must be in \[0, 1\], got 1\.5/],
    [() => bernoulli(tensor([0.5, NaN])), /^bernoulli: probabilities must be in \[0, 1\], got NaN at element 1/],
    [() => bernoulli(0.5), /^bernoulli: with a number p, a shape must follow/],
    [() => bernoulli(tensor([0.5]), [3]), /^bernoulli: a probability tensor gives the shape \(\[1\]\)/],
    [() => bernoulli('0.5' as unknown as number, [2]), /^bernoulli: p must be a Tensor of probabilities or a number, got the string "0\.5"/],
  ] as const)('%#', (fn, re) => throwsWith(fn, re));
});
