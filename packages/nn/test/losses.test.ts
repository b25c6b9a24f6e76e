import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gradcheck, tensor } from '@kindling/core';
import { L1Loss, MSELoss } from '@kindling/nn';
import { configureFc, expectClose, flat, randomValues, t64 } from './helpers.js';

configureFc(30);

const pair = fc.record({
  shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
});

describe.each([
  ['MSELoss', (r: 'mean' | 'sum' | 'none') => new MSELoss({ reduction: r }), (d: number) => d * d, (d: number) => 2 * d],
  ['L1Loss', (r: 'mean' | 'sum' | 'none') => new L1Loss({ reduction: r }), (d: number) => Math.abs(d), (d: number) => Math.sign(d)],
] as const)('%s', (name, make, elem, delem) => {
  it('value and gradient equal the elementwise formula, for every reduction', () => {
    fc.assert(
      fc.property(pair, ({ shape, seed, reduction }) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const pv = randomValues(n, seed);
        const tv = randomValues(n, seed + 1);
        const p = t64(pv, shape, true);
        const loss = make(reduction).forward(p, t64(tv, shape));
        const per = pv.map((v, i) => elem(v - tv[i]!));
        const sum = per.reduce((a, b) => a + b, 0);
        if (reduction === 'none') {
          expect(loss.shape).toEqual(shape);
          expectClose(loss.dataSync(), per);
        } else {
          expect(loss.shape).toEqual([]);
          expectClose([loss.item()], [reduction === 'sum' ? sum : sum / n]);
        }
        loss.sum().backward();
        const scale = reduction === 'mean' ? 1 / n : 1;
        expectClose(p.grad!.dataSync(), pv.map((v, i) => delem(v - tv[i]!) * scale));
      }),
    );
  });

  it('passes gradcheck w.r.t. prediction and target', () => {
    const p = t64(randomValues(6, 3), [2, 3], true);
    const t = t64(randomValues(6, 4), [2, 3], true);
    for (const r of ['mean', 'sum', 'none'] as const) expect(gradcheck((a, b) => make(r).forward(a, b), [p, t])).toBe(true);
  });

  it('rejects mismatched shapes and unknown reductions', () => {
    expect(() => make('mean').forward(tensor([1, 2]), tensor([[1, 2]]))).toThrow(new RegExp(`${name}.*\\[2\\].*\\[1, 2\\]`));
    expect(() => make('bogus' as 'mean')).toThrow(/reduction/);
    // same rank, broadcastable: PyTorch only warns, the API says it must throw
    expect(() => make('mean').forward(tensor([1]), tensor([1, 2, 3]))).toThrow(/\[1\].*\[3\]/);
  });
});

describe('MSELoss golden value', () => {
  it('is 2.95 for the blog example (prediction [2.7, 2.0, 1.4], target [1, 0, 0])', () => {
    // (1.7² + 2² + 1.4²) / 3 = 8.85 / 3
    expectClose([new MSELoss().forward(tensor([2.7, 2.0, 1.4]), tensor([1, 0, 0])).item()], [2.95], 1e-15);
    expect(flat(new MSELoss({ reduction: 'none' }).forward(tensor([3]), tensor([1])))).toEqual([4]);
    expect(new MSELoss().call(tensor([3, 1]), tensor([1, 1])).item()).toBe(2); // call(...) is forward(...)
  });
});
