import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { type Op, Tensor, TensorData, apply, gradgradcheck, randn, tensor } from '../src/index.js';

// gradgradcheck's argument checks, its gradOutputs and seed options, and how it reports a wrong
// second derivative (gradgradcheck.ts). Added for mutation testing. The broken ops below have a
// backward that cuts one of the two paths a second derivative needs; the mismatch gradcheck then
// finds is worked out by hand in each test.

/** y = x^power, whose backward (power·x^(power-1)·g) reads g or x as a constant, cutting that path. */
const powCutting = (power: number, cut: 'g' | 'x'): Op => ({
  name: 'powCut',
  forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage(), (v) => v ** power), x!.shape),
  backward: (g, ctx) => {
    const x = ctx.inputs[0]!;
    const gg = cut === 'g' ? new Tensor(g.tensorData) : g;
    const xx = cut === 'x' ? new Tensor(x.tensorData) : x;
    return [gg.mul(xx.pow(power - 1)).mul(power)];
  },
});

/** The `numeric …` value in a gradcheck mismatch message. */
const numericIn = (message: string): number => Number(/ vs numeric (\S+) \(atol /.exec(message)![1]);

describe('gradgradcheck: arguments', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const f = (t: Tensor) => t.mul(t);

  it('fn, inputs and the output are checked, each with its own message', () => {
    expect(thrownMessage(() => gradgradcheck(5 as never, [x]))).toBe('gradgradcheck: fn must be a function');
    expect(thrownMessage(() => gradgradcheck(f, x as never))).toBe('gradgradcheck: inputs must be an array of Tensors');
    expect(thrownMessage(() => gradgradcheck(f, [x, 2 as never]))).toBe('gradgradcheck: inputs must be an array of Tensors');
    expect(thrownMessage(() => gradgradcheck(() => 3 as never, [x]))).toBe('gradgradcheck: fn must return a Tensor');
  });

  it('at least one input must require grad', () => {
    expect(thrownMessage(() => gradgradcheck(f, [tensor([1, 2])]))).toBe('gradgradcheck: no input requires grad');
    expect(thrownMessage(() => gradgradcheck((a, b) => a.mul(b), [tensor([1]), tensor([2])]))).toBe('gradgradcheck: no input requires grad');
  });

  it("gradOutputs must be a Tensor of exactly the output's shape", () => {
    const want = "gradgradcheck: gradOutputs must be a Tensor of the output's shape [2]";
    expect(thrownMessage(() => gradgradcheck(f, [x], { gradOutputs: 5 as never }))).toBe(want);
    expect(thrownMessage(() => gradgradcheck(f, [x], { gradOutputs: tensor([[1, 2]]) }))).toBe(want);
    expect(thrownMessage(() => gradgradcheck(f, [x], { gradOutputs: tensor([1, 2, 3]) }))).toBe(want);
    // Same rank, one dim off (the other equal): still refused.
    const m = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { requiresGrad: true });
    expect(thrownMessage(() => gradgradcheck(f, [m], { gradOutputs: randn([2, 3]) }))).toBe("gradgradcheck: gradOutputs must be a Tensor of the output's shape [2, 4]");
    expect(thrownMessage(() => gradgradcheck(f, [m], { gradOutputs: randn([3, 4]) }))).toBe("gradgradcheck: gradOutputs must be a Tensor of the output's shape [2, 4]");
  });

  it('a gradOutputs of the right shape is used', () => {
    expect(gradgradcheck(f, [x], { gradOutputs: tensor([0.5, -1]) })).toBe(true);
    const m = tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { requiresGrad: true });
    expect(gradgradcheck((t) => t.tanh(), [m], { gradOutputs: randn([2, 4], { seed: 1 }) })).toBe(true);
  });
});

describe('gradgradcheck: what fn is called with', () => {
  it('exactly its inputs, never the upstream gradient: a variadic fn multiplies all it gets', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, -1], { requiresGrad: true });
    let arities: number[] = [];
    const prod = (...ts: Tensor[]) => {
      arities.push(ts.length);
      return ts.reduce((p, t) => p.mul(t));
    };
    expect(gradgradcheck(prod, [a, b])).toBe(true);
    expect(new Set(arities)).toEqual(new Set([2]));
    arities = [];
    expect(gradgradcheck(prod, [a, b, tensor([2, 2])])).toBe(true);
    expect(new Set(arities)).toEqual(new Set([3]));
  });
});

describe('gradgradcheck: inputs with no path to the output', () => {
  it('an output with no graph at all: every second derivative is zero, and zero passes', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(gradgradcheck((t) => t.detach().mul(2), [x])).toBe(true);
  });

  it('an input the output ignores gets a zero gradient, and passes', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4, 5], { requiresGrad: true });
    expect(gradgradcheck((p) => p.mul(p), [a, b])).toBe(true);
    expect(gradgradcheck((_p, q) => q.pow(3), [a, b])).toBe(true);
  });
});

describe('gradgradcheck: reporting a wrong second derivative', () => {
  it('a backward that treats g as a constant fails against the upstream gradient', () => {
    // d/dx (x²) = 2x·g; with g cut, d/dg of that gradient is 0 by autograd but 2x numerically:
    // 2 at x0 = 1. The derivative in x (2g) is still right, so only input 1, g, fails.
    const x = tensor([1, 2], { requiresGrad: true });
    const fn = (t: Tensor) => apply(powCutting(2, 'g'), [t], undefined);
    const message = thrownMessage(() => gradgradcheck(fn, [x], { gradOutputs: tensor([0.5, -1]) }));
    expect(message).toMatch(
      /^gradgradcheck: the gradient of input 0 differentiated with respect to the upstream gradient \(gradOutputs\): gradient mismatch for input 1 \(shape \[2\]\), element \[0\] \(flat index 0\), output element \[0\]: analytic 0 vs numeric \S+ \(atol 0\.00001, rtol 0\.001\)$/,
    );
    expect(numericIn(message)).toBeCloseTo(2, 6);
    // With the default (random) gradOutputs the same path is checked.
    expect(thrownMessage(() => gradgradcheck(fn, [x]))).toMatch(/^gradgradcheck: the gradient of input 0 differentiated with respect to the upstream gradient \(gradOutputs\): gradient mismatch for input 1 /);
  });

  it('a backward that treats x as a constant fails against the inputs; the tolerances are passed on', () => {
    // With x cut, d/dx (2x·g) is 0 by autograd but 2g numerically: 2·0.5 = 1 at element 0.
    const x = tensor([1, 2], { requiresGrad: true });
    const fn = (t: Tensor) => apply(powCutting(2, 'x'), [t], undefined);
    const message = thrownMessage(() => gradgradcheck(fn, [x], { gradOutputs: tensor([0.5, -1]), atol: 0.25, rtol: 0 }));
    expect(message).toMatch(
      /^gradgradcheck: the gradient of input 0 differentiated with respect to the inputs: gradient mismatch for input 0 \(shape \[2\]\), element \[0\] \(flat index 0\), output element \[0\]: analytic 0 vs numeric \S+ \(atol 0\.25, rtol 0\)$/,
    );
    expect(numericIn(message)).toBeCloseTo(1, 6);
    // rtol alone, too.
    expect(thrownMessage(() => gradgradcheck(fn, [x], { gradOutputs: tensor([0.5, -1]), rtol: 0.5 }))).toMatch(/\(atol 0\.00001, rtol 0\.5\)$/);
  });

  it('eps is passed on: a central difference of a cubic is off by eps² times its third derivative', () => {
    // y = x⁴ with x cut: the gradient is 4x³·g, whose numeric x-derivative with step e is
    // 4g((x+e)³ - (x-e)³)/2e = 4g(3x² + e²): 12.04 at x = 1, g = 1, e = 0.1 (analytic: 0).
    const x = tensor([1], { requiresGrad: true });
    const fn = (t: Tensor) => apply(powCutting(4, 'x'), [t], undefined);
    const message = thrownMessage(() => gradgradcheck(fn, [x], { gradOutputs: tensor([1]), eps: 0.1 }));
    expect(message).toMatch(/^gradgradcheck: the gradient of input 0 differentiated with respect to the inputs: gradient mismatch for input 0 \(shape \[1\]\), element \[0\] \(flat index 0\): analytic 0 vs numeric /);
    expect(numericIn(message)).toBeCloseTo(12.04, 9);
  });

  it('the default gradOutputs is a standard normal drawn with seed (default 0)', () => {
    // With x cut the numeric derivative is 2·g0, so the message shows the g that was drawn.
    const x = tensor([1, 2], { requiresGrad: true });
    const fn = (t: Tensor) => apply(powCutting(2, 'x'), [t], undefined);
    const g0 = (seed: number) => randn([2], { seed, dtype: 'float64' }).tensorData.storage[0]!;
    expect(numericIn(thrownMessage(() => gradgradcheck(fn, [x])))).toBeCloseTo(2 * g0(0), 6);
    expect(numericIn(thrownMessage(() => gradgradcheck(fn, [x], { seed: 0 })))).toBeCloseTo(2 * g0(0), 6);
    expect(numericIn(thrownMessage(() => gradgradcheck(fn, [x], { seed: 7 })))).toBeCloseTo(2 * g0(7), 6);
    expect(g0(7)).not.toBeCloseTo(g0(0), 3);
  });

  it("an error fn throws during the check is reported with its context, its own text intact", () => {
    // fn is defined for x <= 1 only; gradcheck's probe at x + eps steps past it.
    const x = tensor([1], { requiresGrad: true });
    const fn = (t: Tensor) => {
      if (t.tensorData.storage[0]! > 1) throw new Error('capped: x must be at most 1 (a gradcheck: probe went past it)');
      return t.mul(t);
    };
    expect(thrownMessage(() => gradgradcheck(fn, [x]))).toBe(
      'gradgradcheck: the gradient of input 0 differentiated with respect to the inputs: capped: x must be at most 1 (a gradcheck: probe went past it)',
    );
  });
});
