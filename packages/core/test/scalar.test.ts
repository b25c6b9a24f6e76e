/**
 * The Scalar engine: every op's value against Math and its gradient against central
 * differences, operands given as plain numbers, accumulation, diamonds, deep chains.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scalar } from '../src/scalar.js';
import { arbValue, centralDiff, type Domain } from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 200) });

const close = (a: number, b: number, rtol = 1e-6, atol = 1e-7) => Math.abs(a - b) <= atol + rtol * Math.abs(b);

interface Unary {
  name: string;
  domain: Domain;
  s: (x: Scalar) => Scalar;
  f: (x: number) => number;
}
const unary: Unary[] = [
  { name: 'neg', domain: 'any', s: (x) => x.neg(), f: (x) => -x },
  { name: 'exp', domain: 'any', s: (x) => x.exp(), f: Math.exp },
  { name: 'log', domain: 'positive', s: (x) => x.log(), f: Math.log },
  { name: 'tanh', domain: 'any', s: (x) => x.tanh(), f: Math.tanh },
  { name: 'relu', domain: 'nonzero', s: (x) => x.relu(), f: (x) => Math.max(0, x) },
  { name: 'sigmoid', domain: 'any', s: (x) => x.sigmoid(), f: (x) => 1 / (1 + Math.exp(-x)) },
  ...([[0, 'any'], [1, 'any'], [2, 'any'], [3, 'any'], [-1, 'divisor'], [-2, 'divisor'], [0.5, 'positive'], [2.5, 'positive'], [-1.5, 'positive']] as [number, Domain][]).map(
    ([k, domain]): Unary => ({ name: `pow(${k})`, domain, s: (x) => x.pow(k), f: (x) => x ** k }),
  ),
];

interface Binary {
  name: 'add' | 'sub' | 'mul' | 'div';
  f: (a: number, b: number) => number;
  bDomain: Domain;
}
const binary: Binary[] = [
  { name: 'add', f: (a, b) => a + b, bDomain: 'any' },
  { name: 'sub', f: (a, b) => a - b, bDomain: 'any' },
  { name: 'mul', f: (a, b) => a * b, bDomain: 'any' },
  { name: 'div', f: (a, b) => a / b, bDomain: 'divisor' },
];

describe('Scalar ops: value and gradient vs central differences', () => {
  for (const u of unary) {
    it(u.name, () => {
      fc.assert(
        fc.property(arbValue(u.domain), arbValue('any'), (x, w) => {
          const a = new Scalar(x);
          const y = u.s(a);
          expect(close(y.data, u.f(x), 1e-14, 1e-15)).toBe(true);
          expect(a.grad).toBe(0);
          // Scale by w (through a Scalar op) so the seed is not just 1.
          y.mul(w).backward();
          const num = centralDiff((v) => u.f(v) * w, x);
          expect(close(a.grad, num), `${u.name}'(${x}) * ${w}: ${a.grad} vs ${num}`).toBe(true);
          expect(y.grad).toBe(w);
        }),
      );
    });
  }

  for (const b of binary) {
    it(`${b.name} (Scalar and number operands)`, () => {
      fc.assert(
        fc.property(arbValue('any'), arbValue(b.bDomain), (x, z) => {
          const a = new Scalar(x);
          const c = new Scalar(z);
          const y = a[b.name](c);
          expect(close(y.data, b.f(x, z), 1e-15, 1e-15)).toBe(true);
          y.backward();
          expect(close(a.grad, centralDiff((v) => b.f(v, z), x))).toBe(true);
          expect(close(c.grad, centralDiff((v) => b.f(x, v), z))).toBe(true);
          // plain number on the right
          const a2 = new Scalar(x);
          const y2 = a2[b.name](z);
          expect(y2.data).toBe(y.data);
          y2.backward();
          expect(a2.grad).toBe(a.grad);
          // plain number on the left via a constant Scalar
          const c2 = new Scalar(z);
          const y3 = new Scalar(x)[b.name](c2);
          y3.backward();
          expect(c2.grad).toBe(c.grad);
        }),
      );
    });
  }

  it('a random expression of all ops agrees with central differences in each input', () => {
    fc.assert(
      fc.property(arbValue('nonzero'), arbValue('positive'), arbValue('divisor'), (x, p, d) => {
        const f = (a: number, b: number, c: number) =>
          Math.tanh(a * b + b ** 2) / c - Math.log(b) * (1 / (1 + Math.exp(-a))) + Math.exp(-c) + Math.max(0, a) * (-c) + (a + 1) ** 3 - 2;
        const A = new Scalar(x);
        const B = new Scalar(p);
        const C = new Scalar(d);
        const y = A.mul(B).add(B.pow(2)).tanh().div(C).sub(B.log().mul(A.sigmoid())).add(C.neg().exp()).add(A.relu().mul(C.neg())).add(A.add(1).pow(3)).sub(2);
        expect(close(y.data, f(x, p, d), 1e-12, 1e-12)).toBe(true);
        y.backward();
        expect(close(A.grad, centralDiff((v) => f(v, p, d), x))).toBe(true);
        expect(close(B.grad, centralDiff((v) => f(x, v, d), p))).toBe(true);
        expect(close(C.grad, centralDiff((v) => f(x, p, v), d))).toBe(true);
      }),
    );
  });
});

describe('Scalar graph semantics', () => {
  it('API example: c = tanh(a*b + a^2)', () => {
    const a = new Scalar(2);
    const b = new Scalar(-3);
    const c = a.mul(b).add(a.pow(2)).tanh();
    c.backward();
    const t = Math.tanh(-2);
    expect(c.data).toBeCloseTo(t, 15);
    expect(a.grad).toBeCloseTo((1 - t * t) * (-3 + 4), 12);
    expect(b.grad).toBeCloseTo((1 - t * t) * 2, 12);
    expect(c.grad).toBe(1);
  });

  it('grads start at 0, accumulate over repeated backward(), zeroGrad() resets', () => {
    fc.assert(
      fc.property(arbValue('any'), arbValue('any'), fc.integer({ min: 1, max: 4 }), (x, z, n) => {
        const a = new Scalar(x);
        const b = new Scalar(z);
        expect(a.grad).toBe(0);
        const y = a.mul(b).add(a);
        for (let i = 0; i < n; i++) y.backward();
        expect(close(a.grad, n * (z + 1), 1e-12, 1e-12)).toBe(true);
        expect(close(b.grad, n * x, 1e-12, 1e-12)).toBe(true);
        expect(y.grad).toBe(n);
        a.zeroGrad();
        expect(a.grad).toBe(0);
        expect(close(b.grad, n * x, 1e-12, 1e-12)).toBe(true);
        y.backward();
        expect(close(a.grad, z + 1, 1e-12, 1e-12)).toBe(true);
      }),
    );
  });

  it('a diamond (a node used twice) gets the summed gradient', () => {
    fc.assert(
      fc.property(arbValue('any'), (x) => {
        const a = new Scalar(x);
        const h = a.mul(3); // used twice below
        const y = h.mul(h).add(h.exp());
        y.backward();
        // y = 9a^2 + e^{3a}
        expect(close(a.grad, 18 * x + 3 * Math.exp(3 * x), 1e-12, 1e-12)).toBe(true);
        expect(close(h.grad, 2 * 3 * x + Math.exp(3 * x), 1e-12, 1e-12)).toBe(true);
        // the same Scalar as both operands
        const b = new Scalar(x);
        b.mul(b).backward();
        expect(close(b.grad, 2 * x, 1e-12, 1e-15)).toBe(true);
        const c = new Scalar(x);
        c.add(c).sub(c).add(c).backward();
        expect(c.grad).toBe(2);
      }),
    );
  });

  it('a 100,000-node-deep chain back-propagates without overflowing the stack', () => {
    const a = new Scalar(0.5);
    let y: Scalar = a;
    const n = 100_000;
    for (let i = 0; i < n; i++) y = y.mul(1.00001).add(0.000001);
    expect(() => y.backward()).not.toThrow();
    expect(a.grad).toBeCloseTo(1.00001 ** n, 6);
    // and a deep diamond-free chain of neg: sign alternates
    const b = new Scalar(2);
    let z: Scalar = b;
    for (let i = 0; i < 100_001; i++) z = z.neg();
    z.backward();
    expect(b.grad).toBe(-1);
    expect(z.data).toBe(-2);
  });

  it('numbers are accepted as operands and other types throw', () => {
    const a = new Scalar(3);
    expect(a.add(1).data).toBe(4);
    expect(a.sub(1).data).toBe(2);
    expect(a.mul(2).data).toBe(6);
    expect(a.div(2).data).toBe(1.5);
    expect(a.pow(2).data).toBe(9);
    expect(() => a.add('1' as unknown as number)).toThrow(/add/);
    expect(() => a.pow(new Scalar(2) as unknown as number)).toThrow(/pow/);
    expect(() => new Scalar('x' as unknown as number)).toThrow(/Scalar/);
  });

  it('relu: value 0 and gradient 0 at and below 0; sigmoid stable in the tails', () => {
    const z = new Scalar(0);
    const r = z.relu();
    r.backward();
    expect(r.data).toBe(0);
    expect(z.grad).toBe(0);
    const n = new Scalar(-2);
    n.relu().backward();
    expect(n.grad).toBe(0);
    expect(new Scalar(-800).sigmoid().data).toBe(0);
    expect(new Scalar(800).sigmoid().data).toBe(1);
    expect(Number.isNaN(new Scalar(-800).sigmoid().data)).toBe(false);
    // far tail: exp(-740) / (1 + exp(-740)) is representable, 1 / (1 + exp(740)) is not
    expect(new Scalar(-740).sigmoid().data).toBeGreaterThan(0);
    expect(Math.abs(new Scalar(-740).sigmoid().data - Math.exp(-740))).toBeLessThanOrEqual(Math.exp(-740) * 1e-6);
  });

  it('pow(0) has zero gradient even at 0', () => {
    const z = new Scalar(0);
    const y = z.pow(0);
    y.backward();
    expect(y.data).toBe(1);
    expect(z.grad).toBe(0);
  });
});
