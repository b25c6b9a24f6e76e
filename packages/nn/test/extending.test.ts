import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Op, Tensor, TensorData, apply, getBackend, gradcheck, setBackend, tensor } from '@kindling/core';
import { SGD, gradcheckModule } from '@kindling/nn';
import { LayerScale, Softplus, SoftplusOp, SoftsignOp, model, softplus, trainStep } from './extending-example.js';
import { expectClose, flat, randomValues, t64 } from './helpers.js';

describe('EXTENDING.md', () => {
  it('shows exactly the code that is tested here', () => {
    const md = readFileSync(new URL('../EXTENDING.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('./extending-example.ts', import.meta.url), 'utf8');
    const blocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect(source).toContain(b);
  });

  it('softplus matches log(1 + e^x), stays finite for large x, and passes gradcheck', () => {
    const xs = [-30, -2, -0.5, 0, 0.5, 2, 30];
    expectClose(softplus(tensor(xs)).dataSync(), xs.map((v) => Math.log(1 + Math.exp(v))), 1e-14);
    expect(softplus(tensor([1000])).item()).toBe(1000);
    expect(softplus(tensor([1, 2], { dtype: 'float32' })).dtype).toBe('float32');
    // non-contiguous input
    const m = tensor([[1, 2], [3, 4]]).transpose(0, 1);
    expectClose(softplus(m).dataSync(), [1, 3, 2, 4].map((v) => Math.log1p(Math.exp(v))), 1e-14);
    const x = t64(randomValues(12, 5, 3), [3, 4], true);
    expect(gradcheck(softplus, [x])).toBe(true);
    expect(gradcheck((a: Tensor) => new Softplus().forward(a), [x])).toBe(true);
  });

  it('gradcheck catches a wrong backward (so the check in the docs has teeth)', () => {
    const Wrong: Op = { ...SoftplusOp, backward: (g, ctx) => [g.mul(ctx.inputs[0]!.sigmoid()).mul(1.01)] };
    const x = t64(randomValues(4, 6), [4], true);
    expect(() => gradcheck((a: Tensor) => apply(Wrong, [a], undefined), [x])).toThrow(/gradcheck: gradient mismatch for input 0/);
  });

  it('LayerScale scales each channel and its gamma is a parameter with a correct gradient', () => {
    const s = new LayerScale(2, 0.5);
    expect(s.namedParameters().map(([n]) => n)).toEqual(['gamma']);
    s.loadStateDict({ gamma: [[2], [3]] });
    const x = new Tensor(new TensorData(Float64Array.from([1, 2, 3, 4]), [1, 2, 2]));
    expect(flat(s.forward(x))).toEqual([2, 4, 9, 12]);
    const xg = t64(randomValues(12, 8), [2, 2, 3], true);
    const gamma = s.gamma;
    expect(gradcheckModule(s, [xg])).toBe(true);
    expect(s.gamma).toBe(gamma);
    expect(s.parameters()).toEqual([gamma]);
  });

  it('the example model has the documented parameter names and trains', () => {
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.gamma']);
    const input = t64(randomValues(2 * 8, 1), [2, 1, 8]);
    const target = t64(randomValues(2 * 4 * 8, 2, 0.5), [2, 4, 8]);
    const opt = new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 });
    const first = trainStep(opt, input, target);
    let last = first;
    for (let i = 0; i < 60; i++) last = trainStep(opt, input, target);
    expect(last).toBeLessThan(first);
  });

  it('the softsign kernel gives the same values on every backend, and its op passes gradcheck', () => {
    const before = getBackend();
    const xs = Array.from({ length: 2000 }, (_, i) => (i - 1000) / 37);
    const want = xs.map((v) => v / (1 + Math.abs(v)));
    try {
      for (const backend of ['js', 'wasm']) {
        setBackend(backend);
        for (const n of [5, 2000]) expectClose(apply(SoftsignOp, [tensor(xs.slice(0, n))], undefined).dataSync(), want.slice(0, n), 1e-15);
        const x = t64(randomValues(12, 9), [3, 4], true);
        expect(gradcheck((a: Tensor) => apply(SoftsignOp, [a], undefined), [x])).toBe(true);
      }
    } finally {
      setBackend(before);
    }
  });
});
