import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getBackend, gradcheck, mseLoss, noGrad, registerBackend, registerKernel, setBackend, tensor, type Tensor } from '../src/index.js';
import { jsFusedKernels } from '../src/kernels/js/index.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 60) });

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
const valuesFor = (n: number) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n });
const caseArb = shapeArb.chain((shape) => {
  const n = shape.reduce((p, d) => p * d, 1);
  return fc.record({ shape: fc.constant(shape), p: valuesFor(n), t: valuesFor(n), g: valuesFor(n) });
});
const flat = (t: Tensor) => Array.from(t.dataSync());

describe('mseLoss', () => {
  it('forward equals a plain loop for every reduction', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, p, t }) => {
        const P = tensor(p, { shape });
        const T = tensor(t, { shape });
        const sq = p.map((v, i) => (v - t[i]!) ** 2);
        const sum = sq.reduce((a, b) => a + b, 0);
        expect(mseLoss(P, T, 'sum').item()).toBeCloseTo(sum, 10);
        expect(mseLoss(P, T).item()).toBeCloseTo(sum / sq.length, 10);
        expect(mseLoss(P, T, 'mean').shape).toEqual([]);
        const none = mseLoss(P, T, 'none');
        expect(none.shape).toEqual(shape);
        flat(none).forEach((v, i) => expect(v).toBeCloseTo(sq[i]!, 10));
      }),
    );
  });

  it('gradients w.r.t. prediction and target match the closed form 2(p - t)/n and central differences', () => {
    fc.assert(
      fc.property(caseArb, ({ shape, p, t, g }) => {
        const n = p.length;
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          const P = tensor(p, { shape, requiresGrad: true });
          const T = tensor(t, { shape, requiresGrad: true });
          const out = mseLoss(P, T, reduction);
          if (reduction === 'none') out.backward(tensor(g, { shape }));
          else out.backward();
          const expected = p.map((v, i) => 2 * (v - t[i]!) * (reduction === 'mean' ? 1 / n : reduction === 'sum' ? 1 : g[i]!));
          flat(P.grad!).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 10));
          flat(T.grad!).forEach((v, i) => expect(v).toBeCloseTo(-expected[i]!, 10));
        }
        const P = tensor(p, { shape, requiresGrad: true });
        const T = tensor(t, { shape, requiresGrad: true });
        expect(gradcheck((a, b) => mseLoss(a, b), [P, T])).toBe(true);
        expect(gradcheck((a, b) => mseLoss(a, b, 'none'), [P, T])).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps float32, skips the target gradient when not needed, accepts non-contiguous views', () => {
    const p = tensor([[1, 2], [3, 4]], { dtype: 'float32', requiresGrad: true });
    const t = tensor([[0, 0], [1, 1]], { dtype: 'float32' });
    const loss = mseLoss(p.transpose(0, 1), t);
    expect(loss.dtype).toBe('float32');
    // transpose: pred [[1,3],[2,4]] vs [[0,0],[1,1]] -> (1 + 9 + 1 + 9) / 4
    expect(loss.item()).toBeCloseTo(5, 6);
    loss.backward();
    expect(p.grad!.dtype).toBe('float32');
    expect(p.grad!.toArray()).toEqual([[0.5, 0.5], [1.5, 1.5]]);
    expect(t.grad).toBeNull();
  });

  it("a recorded graph's gradient comes from the forward pass once, for an incoming gradient of 1; otherwise backward recomputes it", () => {
    // A backend that counts the MSE kernels (each runs the JS reference).
    const calls = { mseForward: 0, mseBackward: 0, mseForwardGrad: 0 };
    registerBackend('mse-counting');
    for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
      const ref = jsFusedKernels[name] as (...a: unknown[]) => void;
      registerKernel(name, 'mse-counting', (...a: unknown[]) => {
        calls[name]++;
        ref(...a);
      });
    }
    const before = getBackend();
    setBackend('mse-counting');
    try {
      const p = [0.5, -1.25, 2, 3.5];
      const t = [1, 0.75, -0.5, 3];
      const want = p.map((v, i) => (2 * (v - t[i]!)) / 4);
      const count = () => ({ ...calls });
      const P = tensor(p, { requiresGrad: true });
      const T = tensor(t, { requiresGrad: true });

      let loss = mseLoss(P, T);
      expect(count()).toEqual({ mseForward: 0, mseBackward: 0, mseForwardGrad: 1 });
      loss.backward({ retainGraph: true });
      expect(count()).toEqual({ mseForward: 0, mseBackward: 0, mseForwardGrad: 1 }); // forward's gradient
      expect(flat(P.grad!)).toEqual(want);
      expect(flat(T.grad!)).toEqual(want.map((v) => -v));
      // again through the retained graph: recomputed (forward's buffer became P.grad and was added to)
      loss.backward();
      expect(count()).toEqual({ mseForward: 0, mseBackward: 1, mseForwardGrad: 1 });
      expect(flat(P.grad!)).toEqual(want.map((v) => 2 * v));
      expect(flat(T.grad!)).toEqual(want.map((v) => -2 * v));

      // an incoming gradient of 3: recomputed with it
      P.grad = null;
      loss = mseLoss(P, T, 'sum');
      loss.mul(3).backward();
      expect(count()).toEqual({ mseForward: 0, mseBackward: 2, mseForwardGrad: 2 });
      expect(flat(P.grad!)).toEqual(want.map((v) => 3 * 4 * v));

      // nothing recorded: no gradient is computed in the forward pass
      noGrad(() => mseLoss(P, T));
      mseLoss(tensor(p), tensor(t));
      mseLoss(P, T, 'none');
      expect(count()).toEqual({ mseForward: 3, mseBackward: 2, mseForwardGrad: 2 });

      // either input wanting a gradient is enough
      P.grad = null;
      mseLoss(P, tensor(t)).backward();
      mseLoss(tensor(p), T).backward();
      expect(count()).toEqual({ mseForward: 3, mseBackward: 2, mseForwardGrad: 4 });
      expect(flat(P.grad!)).toEqual(want);
    } finally {
      setBackend(before);
    }
  });

  it('rejects mismatched shapes and unknown reductions, naming them', () => {
    expect(() => mseLoss(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/mseLoss: prediction shape \[3\] and target shape \[2\]/);
    expect(() => mseLoss(tensor([1, 2]), tensor([[1, 2]]))).toThrow(/mseLoss: .*\[2\].*\[1, 2\]/);
    expect(() => mseLoss(tensor([1]), tensor([1]), 'avg' as never)).toThrow(/mseLoss: reduction .*'avg'/);
    expect(() => mseLoss([1] as never, tensor([1]))).toThrow(/mseLoss/);
  });
});
