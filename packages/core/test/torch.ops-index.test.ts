/**
 * Kindling against PyTorch 1.13 for the indexing, slicing and joining ops and the deterministic
 * factories (scripts/torch-fixtures/ops_index.py writes test/fixtures/torch/ops_index.json and
 * factories.json; regenerate with `pnpm fixtures:torch ops_index factories`):
 *  - every case, float64 and float32: forward values and first-order gradients;
 *  - every float64 case: the second-order record (PyTorch's double backward along random
 *    directions, with respect to every input and to the upstream gradient);
 *  - arange, linspace and eye values.
 * float64 must agree to 1e-10, float32 to 1e-5 (mixed absolute / relative).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PadMode, type Tensor, arange, cat, eye, linspace, pad, tensor, where } from '../src/index.js';
import { type OpImpl, type TensorJson, TOLERANCES, checkFirstOrder, checkSecondOrder, compareTensor, loadFixtures, missingOps } from './torch-fixtures.js';

const t = (a: Tensor | number | null): Tensor => {
  if (a === null || typeof a === 'number') throw new Error(`expected a tensor argument, got ${String(a)}`);
  return a;
};

/** Kindling's side of the ops in ops_index.json (params as the generator writes them). */
const OPS: Record<string, OpImpl> = {
  slice: ([x], p) => t(x).slice(p.dim as number, p.start as number | null, p.end as number | null, p.step as number),
  split: ([x], p) => t(x).split(p.splitSizeOrSections as number | number[], p.dim as number)[p.piece as number]!,
  chunk: ([x], p) => t(x).chunk(p.chunks as number, p.dim as number)[p.piece as number]!,
  cat: (xs, p) => cat(xs.map(t), p.dim as number),
  indexSelect: ([x], p) => t(x).indexSelect(p.dim as number, p.index as number[]),
  gather: ([x], p) => t(x).gather(p.dim as number, p.index as number[][]),
  scatterAdd: ([x, src], p) => t(x).scatterAdd(p.dim as number, p.index as number[][], t(src)),
  where: ([a, b], p) => where(tensor(p.cond as number[]), t(a), b as Tensor | number),
  flip: ([x], p) => t(x).flip(p.dims as number[]),
  roll: ([x], p) => t(x).roll(p.shifts as number | number[], p.dims as number | number[] | undefined),
  pad: ([x], p) => pad(t(x), p.pad as number[], p.mode === undefined ? { value: (p.value as number | undefined) ?? 0 } : { mode: p.mode as PadMode }),
};

const file = loadFixtures('ops_index');

describe(`PyTorch ${file.torch} fixtures: ops_index`, () => {
  it('has float64 and float32 cases of every op, each implemented', () => {
    expect(file.cases.filter((c) => missingOps(c, OPS).length > 0).map((c) => c.id)).toEqual([]);
    const ops = (dtype: string) => new Set(file.cases.filter((c) => c.dtype === dtype).flatMap((c) => c.program.map((s) => s.op)));
    for (const dtype of ['float64', 'float32']) {
      for (const op of Object.keys(OPS)) expect(ops(dtype).has(op), `${op} ${dtype}`).toBe(true);
    }
  });

  describe('forward and first order', () => {
    it.each(file.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      expect(checkFirstOrder(c, OPS)).toEqual([]);
    });
  });

  describe('second order (float64)', () => {
    const cases = file.cases.filter((c) => c.dtype === 'float64');
    it('every float64 case has a record, and some have nonzero second derivatives in the inputs', () => {
      expect(cases.filter((c) => c.secondOrder === null)).toEqual([]);
      expect(cases.filter((c) => c.secondOrder!.gradInputs.some((g) => g !== null)).length).toBeGreaterThanOrEqual(10);
    });
    it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      expect(checkSecondOrder(c, OPS, TOLERANCES.float64)).toEqual([]);
    });
  });
});

// ---- factories ------------------------------------------------------------------------------

interface FactoryCase {
  id: string;
  op: 'arange' | 'linspace' | 'eye';
  params: Record<string, number>;
  dtype: 'float64' | 'float32';
  output: TensorJson;
}

const factories = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/torch/factories.json', import.meta.url)), 'utf8')) as {
  torch: string;
  count: number;
  cases: FactoryCase[];
};

function make(c: FactoryCase): Tensor {
  const p = c.params;
  const opts = { dtype: c.dtype };
  switch (c.op) {
    case 'arange':
      return p.n !== undefined ? arange(p.n, opts) : p.step !== undefined ? arange(p.start!, p.end!, p.step, opts) : arange(p.start!, p.end!, opts);
    case 'linspace':
      return linspace(p.start!, p.end!, p.steps!, opts);
    case 'eye':
      return p.m !== undefined ? eye(p.n!, p.m, opts) : eye(p.n!, opts);
  }
}

describe(`PyTorch ${factories.torch} fixtures: arange, linspace, eye`, () => {
  it('has cases of each factory in both dtypes', () => {
    expect(factories.cases.length).toBe(factories.count);
    for (const op of ['arange', 'linspace', 'eye']) {
      for (const dtype of ['float64', 'float32']) expect(factories.cases.some((c) => c.op === op && c.dtype === dtype)).toBe(true);
    }
  });
  it.each(factories.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    expect(compareTensor('values', make(c), c.output, TOLERANCES[c.dtype])).toBeNull();
  });
  it('arange and eye are exact; linspace is within 2 ulps of PyTorch', () => {
    // PyTorch's linspace switches from start + i*step to end - (steps-1-i)*step only at the start
    // of a SIMD block, so which formula an element gets (and its last bit) depends on the CPU's
    // vector width; Kindling switches at exactly steps / 2.
    for (const c of factories.cases) {
      const got = Array.from(make(c).dataSync());
      const worst = Math.max(0, ...got.map((v, i) => Math.abs(v - c.output.data[i]!)));
      const ulp = (c.dtype === 'float32' ? 2 ** -23 : 2 ** -52) * Math.max(Math.abs(c.params.start ?? 0), Math.abs(c.params.end ?? 0));
      expect(worst, c.id).toBeLessThanOrEqual(c.op === 'linspace' ? 2 * ulp : 0);
    }
  });
});
