/**
 * The math, comparison and reduction ops on hand-picked values: known values (erf and gelu
 * from mpmath at 300 bits, written here as numbers), the conventions PyTorch fixes at kinks,
 * ties, zeros and infinities, dtypes, shapes, and every misuse throwing an Error named after
 * the op. Random inputs, gradcheck and gradgradcheck are in ops-math.property.test.ts; PyTorch's
 * own numbers in torch.ops-math.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import {
  type Tensor, argmax, argmin, clamp, cumsum, eq, erf, ge, gelu, grad, gradcheck, gradgradcheck, gt, isfinite, isnan, le, leakyRelu, lt,
  maximum, min, minimum, ne, norm, ones, prod, randn, sign, softmax, softplus, std, tensor, var as variance, zeros,
} from '../src/index.js';
import { erfc, erf as erfScalar } from '../src/util/erf.js';

const arr = (t: Tensor | null | undefined) => (t ? t.toArray() : null);
const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('erf and erfc (util/erf.ts) against mpmath', () => {
  // [x, erf(x)] at 300 bits, rounded once to float64.
  const ERF: [number, number][] = [
    [0, 0.0], [1e-10, 1.1283791670955126e-10], [0.1, 0.1124629160182849], [0.3, 0.3286267594591274], [0.46875, 0.49261347321793797],
    [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108], [2, 0.9953222650189527], [3, 0.9999779095030014],
    [4, 0.9999999845827421], [4.5, 0.9999999998033839], [6, 1.0], [-0.7, -0.6778011938374184], [-2.5, -0.999593047982555],
  ];
  const ERFC: [number, number][] = [
    [0.2, 0.7772974107895215], [1, 0.15729920705028513], [5, 1.537459794428035e-12], [10, 2.088487583762545e-45],
    [20, 5.395865611607901e-176], [26, 5.663192408856143e-296], [-3, 1.9999779095030015],
  ];
  it.each(ERF)('erf(%s) to 1e-15 relative', (x, e) => {
    expect(rel(erfScalar(x), e)).toBeLessThanOrEqual(1e-15);
    expect(erfScalar(-x)).toBe(-erfScalar(x));
  });
  it.each(ERFC)('erfc(%s) to 1e-15 relative, down to 1e-296', (x, e) => {
    expect(rel(erfc(x), e)).toBeLessThanOrEqual(1e-15);
  });
  it('limits and NaN', () => {
    expect(erfScalar(Infinity)).toBe(1);
    expect(erfScalar(-Infinity)).toBe(-1);
    expect(erfScalar(30)).toBe(1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(27)).toBe(0);
    expect(erfScalar(NaN)).toBeNaN();
    expect(erfc(NaN)).toBeNaN();
    expect(Object.is(erfScalar(-0), -0)).toBe(true);
  });
  it('the erf op runs the same function in float32 and float64, and differentiates to 2/√π·e^(-x²)', () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true });
    const y = erf(x);
    const exact = [0.5204998778130465, -0.8427007929497149, 0.9953222650189527];
    (y.toArray() as number[]).forEach((v, i) => expect(rel(v, exact[i]!)).toBeLessThanOrEqual(1e-15));
    expect(erf(x.detach().to('float32')).toArray()).toEqual([0.5, -1, 2].map((v) => Math.fround(erfScalar(v))));
    y.sum().backward();
    const expected = [0.5, -1, 2].map((v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v));
    (x.grad!.toArray() as number[]).forEach((g, i) => expect(rel(g, expected[i]!)).toBeLessThan(1e-15));
  });
});

describe('comparisons and masks', () => {
  it('give 0/1 in the dtype arithmetic would have, and never require grad', () => {
    const a32 = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const b64 = tensor([2, 2, 2]);
    expect(a32.lt(b64).dtype).toBe('float64');
    expect(a32.lt(2).dtype).toBe('float32');
    expect(a32.lt(tensor(2)).dtype).toBe('float32'); // a 0-d tensor does not promote
    expect(a32.lt(tensor([2], { dtype: 'float32' })).dtype).toBe('float32');
    for (const r of [a32.eq(b64), a32.ne(2), a32.le(2), a32.ge(2), a32.gt(2), a32.lt(2), a32.isnan(), a32.isfinite()]) {
      expect(r.requiresGrad).toBe(false);
    }
    expect(arr(eq(a32, 2))).toEqual([0, 1, 0]);
    expect(arr(ne(a32, 2))).toEqual([1, 0, 1]);
    expect(arr(lt(a32, 2))).toEqual([1, 0, 0]);
    expect(arr(le(a32, 2))).toEqual([1, 1, 0]);
    expect(arr(gt(a32, 2))).toEqual([0, 0, 1]);
    expect(arr(ge(a32, 2))).toEqual([0, 1, 1]);
  });
  it('broadcast, and treat NaN as IEEE does (unequal to everything; ne is true)', () => {
    expect(arr(tensor([[1], [2]]).lt(tensor([0, 1.5, 3])))).toEqual([[0, 1, 1], [0, 0, 1]]);
    const n = tensor([NaN, 1]);
    expect(arr(n.eq(n))).toEqual([0, 1]);
    expect(arr(n.ne(n))).toEqual([1, 0]);
    expect(arr(n.le(Infinity))).toEqual([0, 1]);
    expect(arr(isnan(tensor([NaN, Infinity, -Infinity, 0])))).toEqual([1, 0, 0, 0]);
    expect(arr(isfinite(tensor([NaN, Infinity, -Infinity, 0, -1e308])))).toEqual([0, 0, 0, 1, 1]);
  });
  it('a mask multiplies into arithmetic and passes the gradient of the other factor only', () => {
    const x = tensor([-1, 2, -3, 4], { requiresGrad: true });
    x.mul(x.gt(0)).sum().backward();
    expect(arr(x.grad)).toEqual([0, 1, 0, 1]);
  });
});

describe('minimum, maximum, clamp, sign: the kinks as PyTorch has them', () => {
  it('minimum/maximum split a tie half and half; NaN wins and sends the gradient to both', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([1, 1, 5], { requiresGrad: true });
    minimum(a, b).sum().backward();
    expect([arr(a.grad), arr(b.grad)]).toEqual([[0.5, 0, 1], [0.5, 1, 0]]);
    a.grad = null;
    b.grad = null;
    maximum(a, b).sum().backward();
    expect([arr(a.grad), arr(b.grad)]).toEqual([[0.5, 1, 0], [0.5, 0, 1]]);
    const n = tensor([NaN, 1], { requiresGrad: true });
    const m = tensor([1, NaN], { requiresGrad: true });
    const r = minimum(n, m);
    expect(arr(r)).toEqual([NaN, NaN]);
    r.sum().backward();
    expect([arr(n.grad), arr(m.grad)]).toEqual([[1, 1], [1, 1]]);
  });
  it('minimum with a number or broadcasting sums the gradient back to each shape', () => {
    const a = tensor([[1, 5], [3, -2]], { requiresGrad: true });
    const b = tensor([2, 0], { requiresGrad: true });
    a.maximum(b).sum().backward();
    expect(arr(a.grad)).toEqual([[0, 1], [1, 0]]);
    expect(arr(b.grad)).toEqual([1, 1]);
    expect(arr(a.detach().minimum(0))).toEqual([[0, 0], [0, -2]]);
  });
  it('clamp: gradient 1 on [min, max] with the bounds included; min > max gives max with gradient 0; NaN stays', () => {
    const x = tensor([-1, 0, 0.5, 1, 2], { requiresGrad: true });
    const y = x.clamp(0, 1);
    expect(arr(y)).toEqual([0, 0, 0.5, 1, 1]);
    y.sum().backward();
    expect(arr(x.grad)).toEqual([0, 1, 1, 1, 0]);
    x.grad = null;
    const z = clamp(x, 2, 0);
    expect(arr(z)).toEqual([0, 0, 0, 0, 0]);
    z.sum().backward();
    expect(arr(x.grad)).toEqual([0, 0, 0, 0, 0]);
    x.grad = null;
    clamp(x, null, 0.5).sum().backward();
    expect(arr(x.grad)).toEqual([1, 1, 1, 0, 0]);
    expect(arr(tensor([NaN]).clamp(0, 1))).toEqual([NaN]);
  });
  it('clamp compares in the tensor\'s dtype: a float32 bound is rounded once, for the values and the mask', () => {
    const x = tensor([0.1], { dtype: 'float32', requiresGrad: true });
    const y = x.clamp(0.1, 1);
    expect(y.item()).toBe(Math.fround(0.1));
    y.sum().backward();
    expect(arr(x.grad)).toEqual([1]);
  });
  it('sign: -1/0/1, NaN stays NaN; the gradient is zeros, not null', () => {
    const x = tensor([-2, 0, 3, NaN], { requiresGrad: true });
    const s = sign(x);
    expect(arr(s)).toEqual([-1, 0, 1, NaN]);
    s.sum().backward();
    expect(arr(x.grad)).toEqual([0, 0, 0, 0]);
  });
});

describe('activations', () => {
  it('softplus is x itself above the threshold (torch\'s linear region), log1p(e^x) below, and scales by beta', () => {
    const x = tensor([19, 20, 21, -30], { requiresGrad: true });
    const y = softplus(x);
    expect(arr(y)).toEqual([Math.log1p(Math.exp(19)), Math.log1p(Math.exp(20)), 21, Math.log1p(Math.exp(-30))]);
    y.sum().backward();
    const g = x.grad!.toArray() as number[];
    expect(g[2]).toBe(1);
    expect(rel(g[3]!, Math.exp(-30) / (1 + Math.exp(-30)))).toBeLessThan(1e-15);
    expect(softplus(tensor([1]), 2, 20).item()).toBeCloseTo(Math.log1p(Math.exp(2)) / 2, 15);
    expect(softplus(tensor([3]), 2, 5).item()).toBe(3); // beta·x = 6 > 5
  });
  it('leakyRelu and elu have PyTorch\'s gradient at 0 (the slope, alpha)', () => {
    const x = tensor([0], { requiresGrad: true });
    leakyRelu(x, 0.1).sum().backward();
    expect(arr(x.grad)).toEqual([0.1]);
    x.grad = null;
    x.elu(2).sum().backward();
    expect(arr(x.grad)).toEqual([2]);
    expect(arr(tensor([-1, 2]).elu())).toEqual([Math.expm1(-1), 2]);
  });
  it('gelu keeps relative accuracy in the left tail, where x·(1 + erf(x/√2))/2 would give 0', () => {
    // x·Φ(x) from mpmath at 300 bits.
    const GELU: [number, number][] = [[-10, -7.619853024160526e-23], [-5, -1.4332578593959695e-6], [-1, -0.15865525393145705], [0.5, 0.34573123063700656], [3, 2.99595030590511]];
    const y = gelu(tensor(GELU.map(([x]) => x))).toArray() as number[];
    // Rounding x/√2 alone moves erfc(-x/√2) by up to x²·2^-53 relative (4e-15 at x = -10).
    GELU.forEach(([, e], i) => expect(rel(y[i]!, e)).toBeLessThan(1e-14));
  });
  it('gelu takes { approximate: \'none\' | \'tanh\' } and nothing else', () => {
    const k = Math.sqrt(2 / Math.PI);
    expect(gelu(tensor([1]), { approximate: 'tanh' }).item()).toBe(0.5 * (1 + Math.tanh(k * (1 + 0.044715))));
    expect(() => gelu(tensor([1]), { approximate: 'erf' as 'none' })).toThrow(/^gelu: approximate must be 'none' or 'tanh'/);
    expect(() => gelu(tensor([1]), { approx: 'tanh' } as never)).toThrow(/^gelu: unknown option 'approx'/);
  });
});

describe('min, argmax, argmin', () => {
  it('min shares ties as torch.amin and lets NaN win', () => {
    const x = tensor([[3, 1, 1], [2, 5, 4]], { requiresGrad: true });
    const m = min(x, 1);
    expect(arr(m)).toEqual([1, 2]);
    m.sum().backward();
    expect(arr(x.grad)).toEqual([[0, 0.5, 0.5], [1, 0, 0]]);
    expect(tensor([1, NaN, -5]).min().item()).toBeNaN();
    expect(arr(x.detach().min([0, 1], true))).toEqual([[1]]);
  });
  it('argmax/argmin: first index on ties, NaN counts as the extreme, float64 integer indices', () => {
    expect(argmax(tensor([3, 1, 3])).item()).toBe(0);
    expect(argmin(tensor([0, 1, 0])).item()).toBe(0);
    expect(argmax(tensor([1, NaN, 3, NaN])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, 0, NaN])).item()).toBe(1);
    const x = tensor([[1, 9, 9], [7, 2, 3]], { dtype: 'float32', requiresGrad: true });
    const i = argmax(x, 1);
    expect(i.dtype).toBe('float64');
    expect(i.requiresGrad).toBe(false);
    expect(arr(i)).toEqual([1, 0]);
    expect(arr(x.argmin(0, true))).toEqual([[0, 1, 1]]);
    expect(x.argmax().shape).toEqual([]);
    expect(x.argmax(undefined, true).shape).toEqual([1, 1]);
    expect(arr(x.transpose(0, 1).argmax(-1))).toEqual([1, 0, 0]);
  });
  it('a 0-d tensor has index 0 along dim 0 or -1', () => {
    expect(tensor(5).argmax().item()).toBe(0);
    expect(tensor(5).argmin(-1).shape).toEqual([]);
    expect(() => tensor(5).argmax(1)).toThrow(/^argmax: dim 1 is out of range/);
  });
});

describe('prod: the gradient with zeros', () => {
  it('no zero: the product of the others; one zero: only that element; two zeros: all 0', () => {
    const x = tensor([[2, 3, 4], [2, 0, 3], [0, 5, 0]], { requiresGrad: true });
    const p = prod(x, 1);
    expect(arr(p)).toEqual([24, 0, 0]);
    p.sum().backward();
    expect(arr(x.grad)).toEqual([[12, 8, 6], [0, 6, 0], [0, 0, 0]]);
  });
  it('the second derivative is the true one (∂²/∂x_i∂x_j = product of the rest) even with two zeros', () => {
    const x = tensor([0, 0, 3, 2], { requiresGrad: true });
    const [g] = grad(prod(x), [x], { createGraph: true });
    expect(arr(g!)).toEqual([0, 0, 0, 0]);
    const [h0] = grad(g!.narrow(0, 0, 1).sum(), [x]); // row 0 of the Hessian: [0, x2·x3, x1·x3, x1·x2]
    expect(arr(h0!)).toEqual([0, 6, 0, 0]);
    expect(gradgradcheck((v) => prod(v), [x])).toBe(true);
  });
  it('empty product is 1; keepdim and several axes', () => {
    expect(prod(zeros([0])).item()).toBe(1);
    expect(arr(ones([2, 3, 2]).mul(2).prod([0, 2], true))).toEqual([[[16], [16], [16]]]);
  });
});

describe('logsumexp, var, std, norm, cumsum, softmax', () => {
  it('logsumexp neither overflows nor underflows, and handles infinite slices as PyTorch', () => {
    expect(tensor([1000, 1000]).logsumexp().item()).toBe(1000 + Math.LN2);
    expect(tensor([-1000, -1000]).logsumexp().item()).toBe(-1000 + Math.LN2);
    expect(tensor([-Infinity, -Infinity]).logsumexp().item()).toBe(-Infinity);
    expect(tensor([Infinity, 1]).logsumexp().item()).toBe(Infinity);
    expect(zeros([0]).logsumexp().item()).toBe(-Infinity);
    const x = tensor([-Infinity, 0], { requiresGrad: true });
    x.logsumexp().backward();
    expect(arr(x.grad)).toEqual([0, 1]);
  });
  it('var/std: Bessel by default, { correction }, N - correction <= 0 as PyTorch (NaN, Infinity)', () => {
    expect(tensor([1, 2, 3, 4]).var().item()).toBeCloseTo(5 / 3, 15);
    expect(variance(tensor([1, 2, 3, 4]), undefined, false, { correction: 0 }).item()).toBe(1.25);
    expect(tensor([1]).var().item()).toBeNaN();
    expect(tensor([1, 2]).var(undefined, false, { correction: 3 }).item()).toBe(Infinity);
    expect(tensor(3).std().item()).toBeNaN();
    expect(arr(std(tensor([[1, 3], [2, 2]]), 1, true))).toEqual([[Math.SQRT2], [0]]);
  });
  it('std and the 2-norm have gradient 0 where they are 0 (PyTorch\'s choice); the 1- and ∞-norms too', () => {
    const c = ones([3], { requiresGrad: true });
    c.std().backward();
    expect(arr(c.grad)).toEqual([0, 0, 0]);
    const z = zeros([3], { requiresGrad: true });
    for (const p of [2, 1, Infinity]) {
      z.grad = null;
      norm(z, p).backward();
      expect(arr(z.grad), `p = ${p}`).toEqual([0, 0, 0]);
    }
  });
  it('norm: p = 2, 1, Infinity; the ∞-norm shares ties', () => {
    const x = tensor([[3, -4], [-4, 1]], { requiresGrad: true });
    expect(arr(norm(x, 2, 1))).toEqual([5, Math.sqrt(17)]);
    expect(arr(x.norm(1, 0))).toEqual([7, 5]);
    const m = x.norm(Infinity);
    expect(m.item()).toBe(4);
    m.backward();
    expect(arr(x.grad)).toEqual([[0, -0.5], [-0.5, 0]]);
  });
  it('cumsum along a dim; its gradient is the sum from the end', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = cumsum(x, 1);
    expect(arr(y)).toEqual([[1, 3, 6], [4, 9, 15]]);
    y.backward(tensor([[1, 0, 0], [0, 0, 1]]));
    expect(arr(x.grad)).toEqual([[1, 0, 0], [1, 1, 1]]);
    expect(arr(x.detach().cumsum(-2))).toEqual([[1, 2, 3], [5, 7, 9]]);
    expect(tensor(3).cumsum(0).item()).toBe(3);
  });
  it('softmax/logSoftmax: stable for large inputs, rows sum to 1, a 0-d tensor is one row', () => {
    expect(arr(softmax(tensor([1000, 1000, 1000, 1000]), 0))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(arr(tensor([-1000, 0]).logSoftmax(0))).toEqual([-1000, 0]);
    expect(tensor(7).softmax(0).item()).toBe(1);
    expect(tensor(7).logSoftmax(-1).item()).toBe(0);
    const s = randn([3, 5], { seed: 4 }).mul(10).softmax(0).sum(0).toArray() as number[];
    for (const v of s) expect(Math.abs(v - 1)).toBeLessThan(1e-15);
    expect(arr(tensor([-Infinity, -Infinity]).softmax(0))).toEqual([NaN, NaN]); // as PyTorch
  });
  it('softmax\'s gradient: rows of the Jacobian sum to 0; gradcheck and gradgradcheck of both', () => {
    const x = randn([2, 4], { seed: 5, requiresGrad: true });
    x.softmax(1).sum().backward();
    for (const v of x.grad!.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-16);
    expect(gradcheck((v) => v.softmax(0), [x])).toBe(true);
    expect(gradgradcheck((v) => v.logSoftmax(1).mul(v), [x])).toBe(true);
  });
});

describe('misuse: every bad argument throws an Error named after the op', () => {
  const x = randn([2, 3], { seed: 1 });
  const cases: [string, () => unknown][] = [
    ['eq: expected a Tensor or a number', () => x.eq('1' as never)],
    ['lt: expected a Tensor, got null', () => lt(null as never, 1)],
    ['gt: shapes [2, 3] and [2]', () => x.gt(ones([2]))],
    ['isnan: expected a Tensor', () => isnan([1, 2] as never)],
    ['minimum: expected a Tensor or a number', () => x.minimum(undefined as never)],
    ['maximum: shapes [2, 3] and [4]', () => maximum(x, ones([4]))],
    ['clamp: at least one of min and max', () => x.clamp()],
    ['clamp: min must be a number or undefined, got NaN', () => x.clamp(NaN, 1)],
    ['clamp: max must be a number or undefined, got the string "1"', () => x.clamp(0, '1' as never)],
    ['softplus: beta must be a finite positive number, got 0', () => x.softplus(0)],
    ['softplus: threshold must be a finite number, got Infinity', () => x.softplus(1, Infinity)],
    ['leakyRelu: negativeSlope must be a finite number, got NaN', () => x.leakyRelu(NaN)],
    ['elu: alpha must be a finite number', () => x.elu('1' as never)],
    ['gelu: options must be an object', () => x.gelu('tanh' as never)],
    ['min: axis 2 is out of range', () => x.min(2)],
    ['min: cannot reduce over axis 0 of size 0', () => zeros([0, 2]).min(0)],
    ['min: keepdim must be a boolean', () => x.min(0, 1 as never)],
    ['argmax: dim must be an integer, got 0.5', () => x.argmax(0.5)],
    ['argmin: dim -3 is out of range', () => x.argmin(-3)],
    ['argmax: keepdim must be a boolean', () => x.argmax(0, 'yes' as never)],
    ['argmax: cannot take the argmax of an empty tensor', () => zeros([0]).argmax()],
    ['argmin: cannot reduce over dim 1 of size 0', () => zeros([2, 0]).argmin(1)],
    ['prod: axis [0, 0] repeats an axis', () => x.prod([0, 0])],
    ['logsumexp: axis must be an integer or an array', () => x.logsumexp('0' as never)],
    ['var: correction must be a finite non-negative number, got -1', () => x.var(0, false, { correction: -1 })],
    ['var: unknown option \'unbiased\'', () => x.var(0, false, { unbiased: false } as never)],
    ['std: correction must be a finite non-negative number, got NaN', () => std(x, undefined, false, { correction: NaN })],
    ['norm: p must be 1, 2 or Infinity, got 3', () => x.norm(3)],
    ['norm: p must be 1, 2 or Infinity, got the string "fro"', () => norm(x, 'fro' as never)],
    ['norm: the Infinity-norm cannot reduce over axis 0 of size 0', () => zeros([0]).norm(Infinity)],
    ['cumsum: dim must be an integer, got undefined', () => (x.cumsum as (d?: number) => Tensor)()],
    ['cumsum: dim 2 is out of range', () => cumsum(x, 2)],
    ['softmax: dim must be an integer, got undefined', () => softmax(x, undefined as never)],
    ['logSoftmax: dim -3 is out of range', () => x.logSoftmax(-3)],
    ['sign: expected a Tensor, got 3', () => sign(3 as never)],
  ];
  it.each(cases)('%s', (message, call) => {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).constructor).toBe(Error);
    expect((err as Error).message.startsWith(message), (err as Error).message).toBe(true);
  });
  it('symbols and bigints are described, not turned into a TypeError', () => {
    for (const bad of [Symbol('s'), 1n]) {
      expect(() => x.eq(bad as never)).toThrow(/^eq: expected a Tensor or a number/);
      expect(() => x.clamp(bad as never)).toThrow(/^clamp: min must be/);
      expect(() => x.argmax(bad as never)).toThrow(/^argmax: dim must be an integer/);
      expect(() => x.norm(bad as never)).toThrow(/^norm: p must be/);
    }
  });
});

describe('the exports', () => {
  it('var is exported under its reserved name, and every op is a function and a method', () => {
    expect((core as Record<string, unknown>).var).toBe(variance);
    const names = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isnan', 'isfinite', 'minimum', 'maximum', 'clamp', 'square', 'rsqrt', 'reciprocal',
      'sign', 'sin', 'cos', 'log1p', 'expm1', 'erf', 'softplus', 'leakyRelu', 'elu', 'gelu', 'silu', 'min', 'argmax', 'argmin', 'prod',
      'logsumexp', 'var', 'std', 'norm', 'cumsum', 'softmax', 'logSoftmax'];
    const x = tensor([1]);
    for (const n of names) {
      expect(typeof (core as Record<string, unknown>)[n], n).toBe('function');
      expect(typeof (x as unknown as Record<string, unknown>)[n], n).toBe('function');
    }
  });
});
