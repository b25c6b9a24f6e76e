/**
 * gradcheck itself: it must accept correct gradients and reject wrong ones made through the
 * public custom-op API, with a message that names the input, the element and both values.
 */
import { describe, expect, it } from 'vitest';
import { Context, Tensor, TensorData, apply, conv1d, gradcheck, randn, tensor } from '../src/index.js';
import type { Op } from '../src/index.js';

/** y = x² elementwise, computed in plain JS; backward returns `factor` times the true 2x g. */
function squareOp(factor: number, name = 'square'): Op {
  return {
    name,
    forward: ([x]) => {
      const src = x!.contiguousStorage();
      const out = new Float64Array(x!.size);
      for (let i = 0; i < out.length; i++) out[i] = src[i]! * src[i]!;
      return new TensorData(out, x!.shape);
    },
    backward: (g, ctx) => [g.mul(ctx.inputs[0]!).mul(2 * factor)],
  };
}

/** y = a * b elementwise; backward can be wrong for one input only. */
function mulOp(wrongFor: 0 | 1 | null): Op {
  return {
    name: 'mulOp',
    forward: ([a, b]) => {
      const av = a!.contiguousStorage();
      const bv = b!.contiguousStorage();
      const out = new Float64Array(a!.size);
      for (let i = 0; i < out.length; i++) out[i] = av[i]! * bv[i]!;
      return new TensorData(out, a!.shape);
    },
    backward: (g, ctx) => {
      const [a, b] = ctx.inputs;
      return [g.mul(b!).mul(wrongFor === 0 ? 2 : 1), g.mul(a!).mul(wrongFor === 1 ? 2 : 1)];
    },
  };
}

/** Reverses a 1-d tensor; the wrong backward forgets to reverse the gradient back. */
function flipOp(correct: boolean): Op {
  return {
    name: 'flip',
    forward: ([x]) => {
      const src = x!.contiguousStorage();
      const n = x!.size;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[n - 1 - i]!;
      return new TensorData(out, x!.shape);
    },
    backward: (g) => {
      if (!correct) return [g];
      const src = g.tensorData.contiguousStorage();
      const n = g.size;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[n - 1 - i]!;
      return [new Tensor(new TensorData(out, g.shape))];
    },
  };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  throw new Error('expected gradcheck to throw');
}

/** Pulls "analytic A vs numeric N" out of a gradcheck message. */
function values(msg: string): { analytic: number; numeric: number } {
  const m = /analytic (\S+) vs numeric (\S+)/.exec(msg);
  expect(m, msg).not.toBeNull();
  return { analytic: Number(m![1]!), numeric: Number(m![2]!.replace(/[,;)]$/, '')) };
}

describe('gradcheck accepts correct gradients', () => {
  it('returns exactly true for library ops', () => {
    const x = randn([2, 3], { seed: 1, requiresGrad: true });
    const y = randn([3], { seed: 2, requiresGrad: true });
    expect(gradcheck((a, b) => a!.mul(b!).tanh().add(a!.pow(2)), [x, y])).toBe(true);
    expect(gradcheck((a) => a!.sigmoid().sum(1), [x])).toBe(true);
    expect(gradcheck((a, b) => a!.matmul(b!.unsqueeze(1)), [x, y])).toBe(true);
    expect(gradcheck((a, w) => conv1d(a!, w!, null, { padding: 1 }), [randn([2, 5], { seed: 3, requiresGrad: true }), randn([3, 2, 3], { seed: 4, requiresGrad: true })])).toBe(true);
  });

  it('returns true for a correct custom op', () => {
    const x = tensor([0, 3, -1.5], { requiresGrad: true });
    expect(gradcheck((t) => apply(squareOp(1), [t!], undefined), [x])).toBe(true);
    expect(gradcheck((a, b) => apply(mulOp(null), [a!, b!], undefined), [x, tensor([2, -1, 0.5], { requiresGrad: true })])).toBe(true);
    expect(gradcheck((t) => apply(flipOp(true), [t!], undefined), [tensor([1, 2, 3, 4], { requiresGrad: true })])).toBe(true);
  });

  it('does not modify the inputs or their grads', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    gradcheck((t) => t!.exp(), [x]);
    expect(x.toArray()).toEqual([1, 2, 3]);
    expect(x.grad).toBeNull();
  });
});

describe('gradcheck rejects wrong gradients', () => {
  it('a backward returning 2x the true gradient: names input, element, analytic and numeric', () => {
    // x[0] = 0 has gradient 0 either way, so the first mismatch is element [1] (flat index 1).
    const x = tensor([0, 3, -1.5], { requiresGrad: true });
    const err = caught(() => gradcheck((t) => apply(squareOp(2), [t!], undefined), [x]));
    expect(err.message).toMatch(/^gradcheck/);
    expect(err.message).toMatch(/input 0/);
    expect(err.message).toMatch(/element \[1\]/);
    expect(err.message).toMatch(/flat index 1\b/);
    expect(err.message).toMatch(/shape \[3\]/);
    const { analytic, numeric } = values(err.message);
    expect(analytic).toBeCloseTo(12, 9); // 2 * (2 * 3)
    expect(numeric).toBeCloseTo(6, 4); // d(x²)/dx at 3
  });

  it('names the position of the wrong input among several', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([[5, 6], [7, 8]], { requiresGrad: true });
    const err = caught(() => gradcheck((x, y) => apply(mulOp(1), [x!, y!], undefined), [a, b]));
    expect(err.message).toMatch(/input 1/);
    expect(err.message).toMatch(/shape \[2, 2\]/);
    expect(err.message).toMatch(/element \[0, 0\]/);
    // d(a*b)/db[0,0] = a[0,0] = 1, reported as 2 analytically
    const { analytic, numeric } = values(err.message);
    expect(analytic).toBeCloseTo(2, 9);
    expect(numeric).toBeCloseTo(1, 5);
    // wrong for input 0 only: named as input 0
    const err0 = caught(() => gradcheck((x, y) => apply(mulOp(0), [x!, y!], undefined), [a, b]));
    expect(err0.message).toMatch(/input 0/);
    expect(values(err0.message).numeric).toBeCloseTo(5, 5);
  });

  it('reports a multi-d element index, not only the flat one', () => {
    // first three elements zero -> first mismatch at flat 3 = [1, 0] of a [2, 3]
    const x = tensor([[0, 0, 0], [2, 0, 1]], { requiresGrad: true });
    const err = caught(() => gradcheck((t) => apply(squareOp(3), [t!], undefined), [x]));
    expect(err.message).toMatch(/element \[1, 0\]/);
    expect(err.message).toMatch(/flat index 3\b/);
    const { analytic, numeric } = values(err.message);
    expect(analytic).toBeCloseTo(12, 9);
    expect(numeric).toBeCloseTo(4, 5);
  });

  it('checks the full Jacobian: an error that cancels in the sum is still caught', () => {
    // flip without flipping the gradient back: the gradient of sum() is all ones either way.
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const wrong = (t: Tensor) => apply(flipOp(false), [t], undefined);
    // the plain sum gradient is indistinguishable...
    const xs = tensor([1, 2, 3, 4], { requiresGrad: true });
    wrong(xs).sum().backward();
    expect(xs.grad!.toArray()).toEqual([1, 1, 1, 1]);
    // ...but gradcheck compares each Jacobian entry
    const err = caught(() => gradcheck((t) => wrong(t!), [x]));
    expect(err.message).toMatch(/input 0/);
    expect(err.message).toMatch(/output element/);
    const { analytic, numeric } = values(err.message);
    expect(Math.abs(analytic - numeric)).toBeGreaterThan(0.5);
  });

  it('a function whose graph was cut (detach) has analytic 0 vs numeric non-zero', () => {
    const x = tensor([1.5], { requiresGrad: true });
    const err = caught(() => gradcheck((t) => t!.detach().mul(2), [x]));
    const { analytic, numeric } = values(err.message);
    expect(analytic).toBe(0);
    expect(numeric).toBeCloseTo(2, 6);
    // and partially cut: y = x * detach(x) has analytic x, numeric 2x
    const err2 = caught(() => gradcheck((t) => t!.mul(t!.detach()), [x]));
    expect(values(err2.message).analytic).toBeCloseTo(1.5, 12);
    expect(values(err2.message).numeric).toBeCloseTo(3, 6);
  });

  it('a backward that returns null for a used input is caught', () => {
    const NoGrad: Op = { name: 'nograd', forward: ([t]) => t!, backward: () => [null] };
    const err = caught(() => gradcheck((t) => apply(NoGrad, [t!], undefined).mul(3), [tensor([1, 2], { requiresGrad: true })]));
    expect(values(err.message).analytic).toBe(0);
    expect(values(err.message).numeric).toBeCloseTo(3, 6);
  });
});

describe('tolerances and step', () => {
  /** y = x * c in plain JS; backward returns c * (1 + rel). */
  const scaleOp = (c: number, rel: number): Op => ({
    name: 'scale',
    forward: ([x]) => {
      const src = x!.contiguousStorage();
      return new TensorData(Float64Array.from(src, (v) => v * c), x!.shape);
    },
    backward: (g) => [g.mul(c * (1 + rel))],
  });
  const x = tensor([0.3, -0.7], { requiresGrad: true });

  it('rtol: a 1e-4 relative error passes the default 1e-3 but not 1e-5', () => {
    const f = (t: Tensor) => apply(scaleOp(100, 1e-4), [t], undefined);
    expect(gradcheck((t) => f(t!), [x])).toBe(true);
    expect(() => gradcheck((t) => f(t!), [x], { rtol: 1e-5 })).toThrow(/gradcheck/);
    expect(gradcheck((t) => f(t!), [x], { rtol: 1e-5, atol: 0.02 })).toBe(true);
  });

  it('atol: an absolute error of 1e-6 on a small gradient', () => {
    const f = (t: Tensor) => apply(scaleOp(0.001, 1e-3 * 1.5), [t], undefined); // abs error 1.5e-6
    expect(gradcheck((t) => f(t!), [x], { rtol: 0 })).toBe(true); // atol 1e-5 covers it
    expect(() => gradcheck((t) => f(t!), [x], { rtol: 0, atol: 1e-6 })).toThrow(/gradcheck/);
    expect(gradcheck((t) => f(t!), [x], { rtol: 2e-3, atol: 0 })).toBe(true);
  });

  it('eps: the truncation error of a large step is visible', () => {
    // (x + h)³ - (x - h)³ over 2h = 3x² + h²: with h = 0.1 the numeric value is off by 0.01.
    const one = tensor([1], { requiresGrad: true });
    expect(gradcheck((t) => t!.pow(3), [one])).toBe(true);
    const err = caught(() => gradcheck((t) => t!.pow(3), [one], { eps: 0.1 }));
    const { analytic, numeric } = values(err.message);
    expect(analytic).toBeCloseTo(3, 12);
    expect(numeric).toBeCloseTo(3.01, 9);
    expect(gradcheck((t) => t!.pow(3), [one], { eps: 0.1, atol: 0.011, rtol: 0 })).toBe(true);
  });

  it('a negative difference is as bad as a positive one (|a - n| is used)', () => {
    const f = (t: Tensor) => apply(scaleOp(10, -1e-2), [t], undefined);
    expect(() => gradcheck((t) => f(t!), [x])).toThrow(/gradcheck/);
  });
});

describe('inputs not requiring grad', () => {
  it('are skipped, even when their gradient would be wrong', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]); // mulOp(1) is wrong for b only
    expect(gradcheck((x, y) => apply(mulOp(1), [x!, y!], undefined), [a, b])).toBe(true);
    // and the other way round it is caught, naming input 0
    const err = caught(() => gradcheck((x, y) => apply(mulOp(0), [x!, y!], undefined), [a, b]));
    expect(err.message).toMatch(/input 0/);
  });

  it('are still passed to fn unchanged', () => {
    const seen: number[][] = [];
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    gradcheck(
      (x, y) => {
        seen.push(y!.toArray() as number[]);
        expect(y!.requiresGrad).toBe(false);
        return x!.mul(y!);
      },
      [a, b],
    );
    expect(seen.length).toBeGreaterThan(2);
    for (const s of seen) expect(s).toEqual([3, 4]);
  });

  it('numeric perturbation only touches inputs that require grad', () => {
    // f depends on b through a non-differentiable path; if b were perturbed, the numeric
    // gradient of b would be compared and fail (backward gives none).
    const bValues = new Set<string>();
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([5]);
    gradcheck(
      (x, y) => {
        bValues.add(JSON.stringify(y!.toArray()));
        return x!.mul(y!);
      },
      [a, b],
    );
    expect([...bValues]).toEqual(['[5]']);
  });
});

describe('float32 inputs are checked in float64', () => {
  it('fn receives float64 copies', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const dtypes = new Set<string>();
    gradcheck(
      (t) => {
        dtypes.add(t!.dtype);
        return t!.mul(t!);
      },
      [x],
    );
    expect([...dtypes]).toEqual(['float64']);
    expect(x.dtype).toBe('float32');
  });

  it('a correct float32 gradient passes tight tolerances (impossible with float32 differences)', () => {
    // In float32, x ± 1e-6 at x = 1 rounds to steps of ~1.19e-7, so the numeric derivative would be
    // off by several percent; in float64 it is accurate to ~1e-9.
    const x = tensor([1, 1.7, -0.3], { dtype: 'float32', requiresGrad: true });
    expect(gradcheck((t) => t!.pow(2).mul(t!.exp()), [x], { atol: 1e-7, rtol: 1e-6 })).toBe(true);
    // gradcheck runs fn on float64 copies; a float32 constant inside fn is converted to match
    // (conv1d, like torch's, refuses mixed dtypes).
    const w32 = tensor([[[0.25, -0.5]]], { dtype: 'float32' });
    expect(gradcheck((t) => conv1d(t!.reshape([1, 1, 3]), w32.to(t!.dtype)), [x], { atol: 1e-8, rtol: 1e-7 })).toBe(true);
  });

  it('a 2x-wrong op on float32 is still caught with exact float64 values', () => {
    const x = tensor([3], { dtype: 'float32', requiresGrad: true });
    const err = caught(() => gradcheck((t) => apply(squareOp(2), [t!], undefined), [x]));
    expect(values(err.message).analytic).toBe(12);
    expect(values(err.message).numeric).toBeCloseTo(6, 8);
  });
});

describe('Context', () => {
  it('is exported and carries inputs, params and the output', () => {
    let ctxSeen: Context<number> | null = null;
    const Scale: Op<number> = {
      name: 'scaleBy',
      forward: ([x], k, ctx) => {
        ctx.saved = k * 10;
        return new TensorData(Float64Array.from(x!.contiguousStorage(), (v) => v * k), x!.shape);
      },
      backward: (g, ctx) => {
        ctxSeen = ctx;
        return [g.mul(ctx.params)];
      },
    };
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(Scale, [x], 3);
    expect(y.toArray()).toEqual([3, 6]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
    expect(ctxSeen!.saved).toBe(30);
    expect(ctxSeen!.inputs[0]).toBe(x);
    expect(ctxSeen!.out().toArray()).toEqual([3, 6]);
    expect(gradcheck((t) => apply(Scale, [t!], 3), [x])).toBe(true);
  });
});
