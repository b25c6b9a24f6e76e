import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Scalar } from '../src/scalar.js';

// The Scalar engine's bookkeeping (scalar.ts): op names, local derivatives, messages, printing.
// Added for mutation testing; values are worked out by hand.

describe('Scalar graph records', () => {
  it('a leaf has no inputs, no local derivatives and an empty op name', () => {
    const a = new Scalar(2);
    expect(a.op).toBe('');
    expect(a._prev).toEqual([]);
    expect(a._local).toEqual([]);
    expect(a.grad).toBe(0);
  });

  it('each op names itself and records its inputs and local derivatives', () => {
    const a = new Scalar(2);
    const b = new Scalar(-4);
    const cases: [Scalar, string, Scalar[], number[]][] = [
      [a.add(b), 'add', [a, b], [1, 1]],
      [a.sub(b), 'sub', [a, b], [1, -1]],
      [a.mul(b), 'mul', [a, b], [-4, 2]],
      [a.div(b), 'div', [a, b], [-0.25, -2 / 16]],
      [a.neg(), 'neg', [a], [-1]],
      [a.pow(3), 'pow', [a], [12]],
      [a.pow(0), 'pow', [a], [0]],
      [a.exp(), 'exp', [a], [Math.exp(2)]],
      [a.log(), 'log', [a], [0.5]],
      [a.tanh(), 'tanh', [a], [1 - Math.tanh(2) ** 2]],
      [a.relu(), 'relu', [a], [1]],
      [b.relu(), 'relu', [b], [0]],
      [a.sigmoid(), 'sigmoid', [a], [(1 / (1 + Math.exp(-2))) * (1 - 1 / (1 + Math.exp(-2)))]],
    ];
    for (const [s, op, prev, local] of cases) {
      expect(s.op, op).toBe(op);
      expect(s._prev.length, op).toBe(prev.length);
      s._prev.forEach((p, i) => expect(p, op).toBe(prev[i]));
      s._local.forEach((l, i) => expect(l, `${op} local ${i}`).toBeCloseTo(local[i]!, 14));
    }
  });

  it('a number operand becomes a leaf Scalar input', () => {
    const a = new Scalar(3);
    const s = a.mul(5);
    expect(s._prev[0]).toBe(a);
    expect(s._prev[1]).toBeInstanceOf(Scalar);
    expect(s._prev[1]!.data).toBe(5);
    expect(s._prev[1]!.op).toBe('');
    expect(s._local).toEqual([5, 3]);
  });

  it('relu passes positive values, zeroes negative ones; its derivative is 1 only above 0', () => {
    expect(new Scalar(3).relu().data).toBe(3);
    expect(new Scalar(-3).relu().data).toBe(0);
    expect(new Scalar(1e-300).relu()._local).toEqual([1]);
    expect(new Scalar(0).relu()._local).toEqual([0]);
  });

  it('sigmoid at 0 and either side', () => {
    expect(new Scalar(0).sigmoid().data).toBe(0.5);
    expect(new Scalar(0).sigmoid()._local).toEqual([0.25]);
    expect(new Scalar(2).sigmoid().data).toBeCloseTo(0.8807970779778823, 15);
    expect(new Scalar(-2).sigmoid().data).toBeCloseTo(0.11920292202211755, 15);
  });
});

describe('Scalar backward bookkeeping', () => {
  it('backward seeds the root with 1 and leaves intermediate nodes their own adjoint', () => {
    const a = new Scalar(3);
    const b = a.mul(a); // 9, d/da = 6
    const c = b.add(1); // 10
    const d = c.mul(2); // 20
    d.backward();
    expect(d.grad).toBe(1);
    expect(c.grad).toBe(2);
    expect(b.grad).toBe(2);
    expect(a.grad).toBe(12);
  });

  it('a node reached through several paths is visited once with the summed adjoint', () => {
    const x = new Scalar(2);
    const y = x.mul(3); // used by three consumers
    const z = y.add(y).add(y.mul(y)); // 2y + y^2, dz/dy = 2 + 2y = 14
    z.backward();
    expect(y.grad).toBe(14);
    expect(x.grad).toBe(42);
  });

  it('zeroGrad resets only the node it is called on', () => {
    const a = new Scalar(1);
    const b = a.mul(4);
    b.backward();
    expect(a.grad).toBe(4);
    b.zeroGrad();
    expect(b.grad).toBe(0);
    expect(a.grad).toBe(4);
  });
});

describe('Scalar messages and printing', () => {
  it('names the op and the operand type', () => {
    const a = new Scalar(1);
    expect(() => a.add('1' as never)).toThrow(/^add: expected a Scalar or a number, got string$/);
    expect(() => a.sub(null as never)).toThrow(/^sub: expected a Scalar or a number, got null$/);
    expect(() => a.mul(undefined as never)).toThrow(/^mul: expected a Scalar or a number, got undefined$/);
    expect(() => a.div({} as never)).toThrow(/^div: expected a Scalar or a number, got object$/);
    expect(() => a.pow('2' as never)).toThrow(/^pow: exponent must be a number, got string$/);
    expect(() => new Scalar(null as never)).toThrow(/^Scalar: data must be a number, got object$/);
    expect(() => new Scalar(1n as never)).toThrow(/^Scalar: data must be a number, got bigint$/);
  });

  it('toString and the Node inspect hook show data and grad', () => {
    const a = new Scalar(1.5);
    a.mul(-2).backward();
    expect(a.toString()).toBe('Scalar(data=1.5, grad=-2)');
    expect(inspect(a)).toBe('Scalar(data=1.5, grad=-2)');
    expect(String(new Scalar(0))).toBe('Scalar(data=0, grad=0)');
  });
});
