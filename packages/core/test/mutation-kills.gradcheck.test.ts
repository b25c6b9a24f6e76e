import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { type Op, TensorData, apply, gradcheck, tensor, zeros } from '../src/index.js';

// gradcheck's own checks and messages (gradcheck.ts). Added for mutation testing.

/** y = x², with a backward that is `factor` times the true 2x·g. */
const square = (factor: number): Op => ({
  name: 'sq',
  forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage(), (v) => v * v), x!.shape),
  backward: (g, ctx) => [g.mul(ctx.inputs[0]!).mul(2 * factor)],
});
const message = thrownMessage;

describe('gradcheck options', () => {
  it('eps must be positive; atol and rtol non-negative (0 allowed); each named in the message', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const f = (t: ReturnType<typeof tensor>) => t.mul(3);
    expect(message(() => gradcheck(f, [x], { eps: 0 }))).toBe('gradcheck: eps must be a finite positive number, got 0');
    expect(message(() => gradcheck(f, [x], { eps: -1e-6 }))).toBe('gradcheck: eps must be a finite positive number, got -0.000001');
    expect(message(() => gradcheck(f, [x], { atol: -1 }))).toBe('gradcheck: atol must be a finite non-negative number, got -1');
    expect(message(() => gradcheck(f, [x], { rtol: Number.POSITIVE_INFINITY }))).toBe('gradcheck: rtol must be a finite non-negative number, got Infinity');
    expect(message(() => gradcheck(f, [x], { atol: Number.NaN }))).toBe('gradcheck: atol must be a finite non-negative number, got NaN');
    expect(message(() => gradcheck(f, [x], { rtol: '1' as never }))).toBe('gradcheck: rtol must be a finite non-negative number, got 1');
    // Zero tolerances are allowed (an exact gradient of a linear function passes).
    expect(gradcheck(f, [x], { atol: 0, rtol: 1e-9 })).toBe(true);
    expect(gradcheck(f, [x], { atol: 1e-9, rtol: 0 })).toBe(true);
  });

  it('the message reports the default tolerances', () => {
    const x = tensor([1], { requiresGrad: true });
    expect(message(() => gradcheck((t) => apply(square(2), [t!], undefined), [x]))).toMatch(/\(atol 0\.00001, rtol 0\.001\)$/);
  });
});

describe('gradcheck messages', () => {
  it('a one-element output is not given an output element; a bigger one is', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const one = message(() => gradcheck((t) => apply(square(2), [t!], undefined).sum(), [x]));
    expect(one).toBe('gradcheck: gradient mismatch for input 0 (shape [2, 2]), element [0, 0] (flat index 0): analytic 4 vs numeric ' + one.split('numeric ')[1]);
    expect(one).not.toMatch(/output element/);
    const many = message(() => gradcheck((t) => apply(square(2), [t!], undefined), [x]));
    expect(many).toMatch(/^gradcheck: gradient mismatch for input 0 \(shape \[2, 2\]\), element \[0, 0\] \(flat index 0\), output element \[0, 0\]: analytic 4 vs numeric /);
  });

  it('names a 3-d element and output element by their indices', () => {
    // Zero everywhere but flat index 13 = [1, 0, 1] of [2, 3, 4]: the first mismatch is there.
    const leaf = zeros([2, 3, 4], { requiresGrad: true });
    leaf.tensorData.storage[13] = 1;
    const msg = message(() => gradcheck((t) => apply(square(2), [t!], undefined), [leaf]));
    expect(msg).toMatch(/element \[1, 0, 1\] \(flat index 13\), output element \[1, 0, 1\]: analytic 4 vs numeric/);
  });
});

describe('gradcheck with outputs that are not Tensors', () => {
  it('a non-Tensor result is refused even when no perturbation runs (empty input)', () => {
    expect(message(() => gradcheck(() => 5 as never, [zeros([0], { requiresGrad: true })]))).toBe('gradcheck: fn must return a Tensor');
  });

  it('a result that stops being a Tensor on a later call is refused by name', () => {
    let calls = 0;
    const x = tensor([1, 2], { requiresGrad: true });
    expect(message(() => gradcheck((t) => (++calls > 1 ? (null as never) : t!.mul(2)), [x]))).toBe('gradcheck: fn must return a Tensor');
  });

  it('an output that does not depend on the inputs has a zero Jacobian, and so passes', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(gradcheck(() => tensor([3, 4]), [x])).toBe(true);
    // An input that requires grad but is unused: zero analytic and zero numeric.
    expect(gradcheck((a) => a!.mul(2), [x, tensor([5], { requiresGrad: true })])).toBe(true);
  });
});

describe('gradcheck tolerance boundary', () => {
  it('an element passes when |analytic - numeric| equals the tolerance exactly (here both 0)', () => {
    // With eps a power of two, the central difference of 2x at x = 1 and 3 is exactly 2, as is
    // the analytic derivative: a zero gap against zero tolerances passes (<=, not <).
    const x = tensor([1, 3], { requiresGrad: true });
    expect(gradcheck((t) => t!.mul(2), [x], { eps: 2 ** -10, atol: 0, rtol: 0 })).toBe(true);
    // A one-ulp-level gap does not, at zero tolerance.
    expect(message(() => gradcheck((t) => apply(square(1 + 2 ** -40), [t!], undefined), [x], { eps: 2 ** -10, atol: 0, rtol: 0 }))).toMatch(
      /^gradcheck: gradient mismatch for input 0 \(shape \[2\]\), element \[0\] \(flat index 0\), output element \[0\]: analytic 2\.\d+ vs numeric 2 \(atol 0, rtol 0\)$/,
    );
  });
});

describe('gradcheck argument checks', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  it('fn, inputs and their requiring grad are checked, each with its own message', () => {
    expect(message(() => gradcheck('f' as never, [x]))).toBe('gradcheck: fn must be a function');
    expect(message(() => gradcheck((t) => t!, x as never))).toBe('gradcheck: inputs must be an array of Tensors');
    expect(message(() => gradcheck((t) => t!, [x, [1, 2] as never]))).toBe('gradcheck: input 1 is not a Tensor');
    expect(message(() => gradcheck((t) => t!.mul(2), [tensor([1, 2])]))).toBe('gradcheck: no input requires grad');
  });

  it('inputs that do not require grad are held fixed, not checked', () => {
    // d(a·b)/da = b; b does not require grad, so its (nonzero) influence is not compared.
    expect(gradcheck((a, b) => a!.mul(b!), [x, tensor([3, -4])])).toBe(true);
  });
});
