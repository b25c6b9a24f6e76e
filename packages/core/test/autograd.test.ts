/**
 * The autograd engine: accumulation, graph control (noGrad, detach, requiresGrad), leaves vs
 * intermediates, deep graphs, and broadcasting gradients summed back to each input's shape.
 * Expected gradients are worked out by hand or with explicit loops in the test.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, TensorData, apply, conv1d, isGradEnabled, noGrad, ones, randn, tensor, zeros } from '../src/index.js';
import type { Op } from '../src/index.js';
import { expectClose, flatOf } from './arbitraries.js';

const grad = (t: Tensor) => {
  expect(t.grad).not.toBeNull();
  return flatOf(t.grad!);
};

describe('gradient accumulation', () => {
  it('backward twice on the same graph adds the gradients', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true });
    const y = x.mul(x).sum(); // dy/dx = 2x
    y.backward();
    expect(grad(x)).toEqual([2, -4, 6]);
    y.backward();
    expect(grad(x)).toEqual([4, -8, 12]);
    y.backward();
    expect(grad(x)).toEqual([6, -12, 18]);
  });

  it("loss.backward()'s implicit seed of 1 is never seen changed: not after a rule wrote into it, not as a leaf's .grad", () => {
    // A custom op whose backward scales its incoming gradient in place (bad style, but legal).
    const scalesInPlace: Op = {
      name: 'scalesInPlace',
      forward: ([a]) => new TensorData(Float64Array.from(a!.contiguousStorage()), a!.shape),
      backward: (g) => {
        g.tensorData.storage[0]! *= 5;
        return [g];
      },
    };
    const x = tensor(2, { requiresGrad: true });
    apply(scalesInPlace, [x], undefined).backward();
    expect(grad(x)).toEqual([5]);
    x.grad = null;
    x.mul(3).backward(); // a later pass starts from 1 again
    expect(grad(x)).toEqual([3]);
    x.grad = null;
    apply(scalesInPlace, [x], undefined).backward();
    apply(scalesInPlace, [x], undefined).backward();
    expect(grad(x)).toEqual([10]);
    // A 0-d leaf's own backward: its .grad is a copy, so adding to it leaves the next seed at 1.
    const w = tensor(4, { requiresGrad: true });
    w.backward();
    w.backward();
    expect(grad(w)).toEqual([2]);
    w.mul(7).backward();
    expect(grad(w)).toEqual([9]);
    const w32 = tensor(1, { requiresGrad: true, dtype: 'float32' });
    w32.mul(w32).backward();
    expect(w32.grad!.dtype).toBe('float32');
    expect(grad(w32)).toEqual([2]);
  });

  it('separate graphs accumulate into the same leaf until grad is reset', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    expect(grad(x)).toEqual([3 + 2, 3 + 4]);
    x.grad = null;
    x.mul(-1).sum().backward();
    expect(grad(x)).toEqual([-1, -1]);
  });

  it('a tensor used twice in one graph gets both contributions', () => {
    const x = tensor([2, 3], { requiresGrad: true });
    x.add(x).sum().backward();
    expect(grad(x)).toEqual([2, 2]);
    x.grad = null;
    x.mul(x).sum().backward();
    expect(grad(x)).toEqual([4, 6]);
    x.grad = null;
    // y = x * 3, z = y * y + y: dz/dx = (2y + 1) * 3
    const y = x.mul(3);
    y.mul(y).add(y).sum().backward();
    expect(grad(x)).toEqual([(2 * 6 + 1) * 3, (2 * 9 + 1) * 3]);
  });

  it('diamond: two paths from one intermediate meet again', () => {
    const x = tensor([0.5], { requiresGrad: true });
    const a = x.exp();
    const b = a.mul(2);
    const c = a.pow(2);
    b.add(c).sum().backward();
    // d/dx (2 e^x + e^{2x}) = 2 e^x + 2 e^{2x}
    expectClose(grad(x), [2 * Math.exp(0.5) + 2 * Math.exp(1)], 1e-14, 0);
  });

  it('explicit upstream gradients scale the result', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.mul(3);
    y.backward(tensor([[1, 10], [100, 1000]]));
    expect(grad(x)).toEqual([3, 30, 300, 3000]);
    // the seed was copied: changing it afterwards does not change x.grad
    const g = tensor([[1, 1], [1, 1]]);
    x.grad = null;
    y.backward(g);
    g.tensorData.storage.fill(9);
    expect(grad(x)).toEqual([3, 3, 3, 3]);
  });

  it('backward on a leaf itself, with a strided or offset gradient, accumulates correctly', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const big = tensor([
      [10, 20, 30],
      [40, 50, 60],
    ]);
    const row = big.narrow(0, 1, 1).reshape([3]); // contiguous, offset 3
    x.backward(row);
    expect(grad(x)).toEqual([40, 50, 60]);
    x.backward(row);
    expect(grad(x)).toEqual([80, 100, 120]);
    // a non-contiguous gradient: column 1 of big, stride 3, offset 1
    const x2 = tensor([1, 2], { requiresGrad: true });
    const col = big.narrow(1, 1, 1).squeeze(1);
    expect(col.tensorData.isContiguous()).toBe(false);
    x2.backward(col);
    expect(grad(x2)).toEqual([20, 50]);
    x2.backward(col);
    expect(grad(x2)).toEqual([40, 100]);
    // the first gradient is a copy, not an alias of the seed's storage
    expect(x.grad!.tensorData.storage).not.toBe(big.tensorData.storage);
  });

  it('gradients through a transposed view accumulate as the transpose (non-contiguous accumulation)', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const g = tensor([[1, 2], [3, 4], [5, 6]]);
    const y = x.transpose(0, 1);
    y.backward(g);
    expect(x.grad!.toArray()).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    y.backward(g);
    expect(x.grad!.toArray()).toEqual([
      [2, 6, 10],
      [4, 8, 12],
    ]);
  });

  it('.grad keeps the leaf dtype and shape', () => {
    const x = tensor([[1, 2]], { requiresGrad: true, dtype: 'float32' });
    x.mul(tensor(2)).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.shape).toEqual([1, 2]);
    const s = tensor(3, { requiresGrad: true });
    s.mul(s).backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(6);
  });
});

describe('noGrad', () => {
  it('results do not require grad and have no graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2).add(1));
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(y.toArray()).toEqual([3, 5]);
    expect(() => y.sum().backward()).toThrow(/backward/);
    // outside, recording is back on
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(x.mul(2).isLeaf).toBe(false);
  });

  it('returns fn result and reports the mode', () => {
    expect(isGradEnabled()).toBe(true);
    const seen = noGrad(() => isGradEnabled());
    expect(seen).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  it('nested noGrad restores the previous state at each level', () => {
    const states: boolean[] = [];
    noGrad(() => {
      states.push(isGradEnabled());
      noGrad(() => states.push(isGradEnabled()));
      states.push(isGradEnabled());
    });
    states.push(isGradEnabled());
    expect(states).toEqual([false, false, false, true]);
  });

  it('an exception inside restores the state and propagates', () => {
    const err = new Error('boom');
    expect(() =>
      noGrad(() => {
        throw err;
      }),
    ).toThrow(err);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() =>
        noGrad(() => {
          throw err;
        }),
      ),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      try {
        noGrad(() => {
          throw err;
        });
      } catch {
        // the inner level restores "off", not "on"
        expect(isGradEnabled()).toBe(false);
      }
    });
    expect(isGradEnabled()).toBe(true);
  });

  it('ops after an exception in noGrad still record', () => {
    try {
      noGrad(() => {
        throw new Error('x');
      });
    } catch {
      /* ignore */
    }
    const x = tensor([1], { requiresGrad: true });
    x.mul(5).sum().backward();
    expect(grad(x)).toEqual([5]);
  });

  it('backward itself does not record, and leaves recording on afterwards', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let inside: boolean | null = null;
    const Spy: Op = {
      name: 'spy',
      forward: ([t]) => t!,
      backward: (g) => {
        inside = isGradEnabled();
        return [g];
      },
    };
    apply(Spy, [x], undefined).sum().backward();
    expect(inside).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(x.grad!.requiresGrad).toBe(false);
    expect(x.grad!.isLeaf).toBe(true);
  });
});

describe('detach', () => {
  it('shares the data, drops the graph', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.toArray()).toEqual([2, 4, 6]);
    expect(d.tensorData.storage).toBe(y.tensorData.storage);
  });

  it('no gradient flows through a detached branch', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    // z = detach(x) * x: dz/dx = detach(x) only
    x.detach().mul(x).sum().backward();
    expect(grad(x)).toEqual([1, 2, 3]);
    x.grad = null;
    x.mul(x).sum().backward();
    expect(grad(x)).toEqual([2, 4, 6]);
  });
});

describe('leaves and intermediates', () => {
  it('only leaves that require grad receive .grad', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    const c = a.mul(b);
    const d = c.add(1);
    expect(a.isLeaf).toBe(true);
    expect(b.isLeaf).toBe(true);
    expect(c.isLeaf).toBe(false);
    expect(c.requiresGrad).toBe(true);
    d.sum().backward();
    expect(grad(a)).toEqual([3, 4]);
    expect(b.grad).toBeNull();
    expect(c.grad).toBeNull();
    expect(d.grad).toBeNull();
  });

  it('an op on inputs that do not require grad has no graph', () => {
    const y = tensor([1]).mul(tensor([2]));
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
  });

  it('.grad stays null for a leaf the backward pass never reaches', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.mul(2).sum().backward();
    expect(b.grad).toBeNull();
    expect(grad(a)).toEqual([2]);
  });
});

describe('requiresGrad setter', () => {
  it('leaves can be switched on and off', () => {
    const x = tensor([1, 2]);
    expect(x.requiresGrad).toBe(false);
    x.requiresGrad = true;
    expect(x.requiresGrad).toBe(true);
    const y = x.mul(2);
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(grad(x)).toEqual([2, 2]);
    x.requiresGrad = false;
    expect(x.requiresGrad).toBe(false);
    expect(x.mul(2).requiresGrad).toBe(false);
  });

  it('a non-leaf cannot be switched off, but setting true is allowed', () => {
    const y = tensor([1], { requiresGrad: true }).mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(/requiresGrad.*non-leaf/);
    expect(y.requiresGrad).toBe(true);
    y.requiresGrad = true;
    expect(y.requiresGrad).toBe(true);
  });

  it('gradients an op returns for inputs that do not require grad are ignored, whatever their shape', () => {
    const Sloppy: Op = {
      name: 'sloppy',
      forward: ([a]) => a!,
      backward: (g) => [g.mul(2), ones([7, 7])],
    };
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4, 5]);
    apply(Sloppy, [a, b], undefined).sum().backward();
    expect(grad(a)).toEqual([2, 2]);
    expect(b.grad).toBeNull();
  });

  it('a leaf switched off mid-graph receives no gradient', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: false });
    const y = a.mul(b);
    y.sum().backward();
    expect(b.grad).toBeNull();
    expect(grad(a)).toEqual([3, 4]);
  });
});

describe('deep graphs', () => {
  it('a 100,000-op chain back-propagates without overflowing the stack', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([0.5, -0.25], { requiresGrad: true });
    let y = x;
    const depth = 100_000;
    for (let i = 0; i < depth; i++) y = y.add(c);
    expect(y.toArray()).toEqual([1 + depth * 0.5, 2 - depth * 0.25]);
    y.backward(tensor([1, 3]));
    expect(grad(x)).toEqual([1, 3]);
    expect(grad(c)).toEqual([depth, 3 * depth]);
  });

  it('each node is visited once: 24 levels of y = y + y run 24 backward rules and give gradient 2^24', () => {
    // There are 2^24 paths from the output to x; an engine that walks paths instead of nodes
    // would run the rule 2^25 - 2 times. Counted, not timed: timings belong to the benchmarks.
    let calls = 0;
    const Twice: Op = {
      name: 'twice',
      forward: ([a, b]) => {
        const av = a!.contiguousStorage(), bv = b!.contiguousStorage();
        return new TensorData(av.map((v, i) => v + bv[i]!), a!.shape);
      },
      backward: (g) => {
        calls++;
        return [g, g];
      },
    };
    const x = tensor([1, -1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 24; i++) y = apply(Twice, [y, y], undefined);
    y.sum().backward();
    expect(calls).toBe(24);
    expect(grad(x)).toEqual([2 ** 24, 2 ** 24]);
  });

  it('a deep chain of unary ops gives the product of local derivatives', () => {
    const x = tensor([1.5], { requiresGrad: true });
    let y = x;
    const depth = 20_000;
    for (let i = 0; i < depth; i++) y = y.mul(1.0001);
    y.sum().backward();
    expectClose(grad(x), [1.0001 ** depth], 1e-9, 0);
  });
});

describe('broadcasting gradients are summed back to each input shape', () => {
  it('a [2, 3], b [3], c [2, 1], d [] with a non-uniform upstream', () => {
    const av = [[1, 2, 3], [4, 5, 6]];
    const bv = [0.5, -1, 2];
    const cv = [[10], [20]];
    const dv = 3;
    const W = [[1, 2, 3], [-1, -2, -3]];
    const a = tensor(av, { requiresGrad: true });
    const b = tensor(bv, { requiresGrad: true });
    const c = tensor(cv, { requiresGrad: true });
    const d = tensor(dv, { requiresGrad: true });
    // loss = sum(((a * b + c) * d) * W)
    const out = a.mul(b).add(c).mul(d);
    expect(out.shape).toEqual([2, 3]);
    out.mul(tensor(W)).sum().backward();
    const ga: number[] = [];
    const gb = [0, 0, 0];
    const gc = [0, 0];
    let gd = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++) {
        ga.push(bv[j]! * dv * W[i]![j]!);
        gb[j]! += av[i]![j]! * dv * W[i]![j]!;
        gc[i]! += dv * W[i]![j]!;
        gd += (av[i]![j]! * bv[j]! + cv[i]![0]!) * W[i]![j]!;
      }
    expect(a.grad!.shape).toEqual([2, 3]);
    expect(b.grad!.shape).toEqual([3]);
    expect(c.grad!.shape).toEqual([2, 1]);
    expect(d.grad!.shape).toEqual([]);
    expectClose(grad(a), ga, 1e-14, 0);
    expectClose(grad(b), gb, 1e-14, 0);
    expectClose(grad(c), gc, 1e-14, 0);
    expectClose(grad(d), [gd], 1e-14, 0);
  });

  it('sub and div broadcast gradients with the right signs', () => {
    const a = tensor([[2], [4]], { requiresGrad: true }); // [2, 1]
    const b = tensor([1, 2, 4], { requiresGrad: true }); // [3]
    a.sub(b).sum().backward();
    expect(grad(a)).toEqual([3, 3]);
    expect(grad(b)).toEqual([-2, -2, -2]);
    a.grad = null;
    b.grad = null;
    a.div(b).sum().backward();
    // d/da_i sum_j a_i / b_j = sum_j 1/b_j; d/db_j = -sum_i a_i / b_j^2
    expectClose(grad(a), [1 + 0.5 + 0.25, 1 + 0.5 + 0.25], 1e-15, 0);
    expectClose(grad(b), [-6, -6 / 4, -6 / 16], 1e-15, 0);
  });

  it('a [1, 3, 1] operand against [2, 3, 4] sums over dims 0 and 2', () => {
    const big = randn([2, 3, 4], { seed: 5 });
    const s = tensor([[[1], [2], [3]]], { requiresGrad: true });
    const up = randn([2, 3, 4], { seed: 6 });
    big.mul(s).backward(up);
    const bv = flatOf(big);
    const uv = flatOf(up);
    const expected = [0, 0, 0];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected[j]! += bv[(i * 3 + j) * 4 + k]! * uv[(i * 3 + j) * 4 + k]!;
    expect(s.grad!.shape).toEqual([1, 3, 1]);
    expectClose(grad(s), expected, 1e-13, 1e-14);
  });

  it('adding a number does not need a gradient for it', () => {
    const x = ones([2, 2], { requiresGrad: true });
    x.add(5).mul(2).sum().backward();
    expect(grad(x)).toEqual([2, 2, 2, 2]);
  });

  it('matmul with broadcast batch dims sums the gradient over the batch', () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true }); // [2, 2]
    const b = randn([3, 2, 2], { seed: 9, requiresGrad: true });
    a.matmul(b).sum().backward();
    // d/da[i, k] sum_{n, i, j} a[i, k] b[n, k, j] = sum_{n, j} b[n, k, j]
    const bv = flatOf(b);
    const colSum = [0, 0];
    for (let n = 0; n < 3; n++) for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) colSum[k]! += bv[(n * 2 + k) * 2 + j]!;
    expect(a.grad!.shape).toEqual([2, 2]);
    expectClose(grad(a), [colSum[0]!, colSum[1]!, colSum[0]!, colSum[1]!], 1e-13, 1e-14);
    // d/db[n, k, j] = sum_i a[i, k]
    expectClose(grad(b), [4, 4, 6, 6, 4, 4, 6, 6, 4, 4, 6, 6], 1e-14, 0);
  });

  it('conv1d on an unbatched input gets an unbatched gradient', () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    const w = tensor([[[1, -1]]]);
    conv1d(x, w).sum().backward();
    expect(x.grad!.shape).toEqual([1, 3]);
    expect(grad(x)).toEqual([1, 0, -1]);
  });

  it('zeros-sized tensors back-propagate zeros-sized gradients', () => {
    const x = zeros([0, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    expect(x.grad!.shape).toEqual([0, 3]);
  });
});

// The engine lets a leaf take a gradient buffer that its own backward pass allocated instead of
// copying it; these pin down that no two tensors ever end up sharing one.
describe('.grad buffers are never shared', () => {
  it('two leaves fed the same gradient tensor (add) get separate buffers', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([4, 5, 6], { requiresGrad: true });
    const y = a.add(b).mul(tensor([1, 10, 100]));
    y.sum().backward();
    expect(a.grad!.tensorData.storage).not.toBe(b.grad!.tensorData.storage);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([2, 20, 200]);
    expect(b.grad!.toArray()).toEqual([2, 20, 200]);
    a.grad!.tensorData.storage[0] = 99;
    expect(b.grad!.toArray()).toEqual([2, 20, 200]);
  });

  it('a user-supplied gradient is copied, not adopted: later passes leave it untouched', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const g = tensor([3, 4]);
    x.clone().backward(g); // clone's backward passes g straight through to the leaf
    expect(x.grad!.tensorData.storage).not.toBe(g.tensorData.storage);
    x.clone().backward(g);
    expect(x.grad!.toArray()).toEqual([6, 8]);
    expect(g.toArray()).toEqual([3, 4]);
  });

  it('a leaf used twice in one graph gets the summed gradient, and the next pass adds to it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const f = () => x.mul(x).add(x.mul(3)).sum(); // d/dx = 2x + 3
    f().backward();
    expect(x.grad!.toArray()).toEqual([5, 7]);
    f().backward();
    expect(x.grad!.toArray()).toEqual([10, 14]);
  });

  it('a float32 leaf whose gradient arrives as float64 gets a float32 .grad', () => {
    const x = tensor([1, 2], { requiresGrad: true, dtype: 'float32' });
    x.mul(tensor([0.5, 0.25])).sum().backward(); // mixing gives a float64 gradient
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([0.5, 0.25]);
  });
});

describe('backward inside a backward rule', () => {
  it('is refused with a clear error, and the engine recovers for the next pass', () => {
    const inner = tensor([1, 2], { requiresGrad: true });
    const innerLoss = inner.mul(2).sum(); // recorded outside: rules run with recording off
    const Nested: Op = {
      name: 'nested',
      forward: ([x]) => x!,
      backward: (g) => {
        innerLoss.backward();
        return [g];
      },
    };
    const x = tensor([3, 4], { requiresGrad: true });
    expect(() => apply(Nested, [x], undefined).sum().backward()).toThrow(/backward: cannot start a backward pass inside another one/);
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 8]);
  });
});
