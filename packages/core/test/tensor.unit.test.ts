/**
 * Unit tests of Tensor semantics: view aliasing, read-out and properties, 0-d results,
 * .grad bookkeeping (accumulation, leaves only, explicit seeds), noGrad, dtypes of grads.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/tensor.js';
import { arange, full, ones, tensor, zeros } from '../src/factories.js';
import { noGrad, isGradEnabled } from '../src/autograd/grad-mode.js';
import { flatOf } from './arbitraries.js';

describe('views share storage with their base', () => {
  // name, view of arange(24) as [2, 3, 4], index (in the view) of the element that aliases base flat element 5
  const cases: [string, (t: Tensor) => Tensor, number[]][] = [
    ['reshape', (t) => t.reshape([4, 6]), [0, 5]],
    ['reshape -1', (t) => t.reshape([-1, 3]), [1, 2]],
    ['view', (t) => t.view([24]), [5]],
    ['transpose', (t) => t.transpose(0, 2), [1, 1, 0]], // base [0,1,1] -> flat 5
    ['permute', (t) => t.permute([1, 2, 0]), [1, 1, 0]],
    ['unsqueeze', (t) => t.unsqueeze(1), [0, 0, 1, 1]],
    ['squeeze', (t) => t.unsqueeze(0).squeeze(), [0, 1, 1]],
    ['squeeze(d)', (t) => t.unsqueeze(-1).squeeze(-1), [0, 1, 1]],
    ['narrow', (t) => t.narrow(1, 1, 2), [0, 0, 1]],
    ['flatten', (t) => t.flatten(), [5]],
  ];
  for (const [name, f, idx] of cases) {
    it(`${name}: same storage object, writes through the base are visible`, () => {
      const base = arange(24).reshape([2, 3, 4]);
      const v = f(base);
      expect(v.tensorData.storage).toBe(base.tensorData.storage);
      base.tensorData.storage[5] = 1000;
      let node: unknown = v.toArray();
      for (const i of idx) node = (node as unknown[])[i];
      expect(node).toBe(1000);
      // and only that one element changed
      expect(flatOf(v).filter((x) => x === 1000)).toHaveLength(1);
    });
  }

  it('expand shares storage (stride 0): one write shows in every copy', () => {
    const base = tensor([[1], [2]]);
    const v = base.expand([3, 2, 4]);
    expect(v.shape).toEqual([3, 2, 4]);
    expect(v.tensorData.storage).toBe(base.tensorData.storage);
    base.tensorData.storage[1] = 7;
    expect(v.toArray()).toEqual([0, 1, 2].map(() => [[1, 1, 1, 1], [7, 7, 7, 7]]));
  });

  it('reshape of a non-contiguous tensor gives the right values and leaves the base alone', () => {
    const base = arange(6).reshape([2, 3]);
    const t = base.transpose(0, 1); // [[0,3],[1,4],[2,5]]
    expect(t.reshape([6]).toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(t.reshape([2, 3]).toArray()).toEqual([[0, 3, 1], [4, 2, 5]]);
    expect(t.contiguous().tensorData.storage).not.toBe(base.tensorData.storage);
    expect(base.toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    // a narrowed row block stays a view when it can
    const n = arange(12).reshape([3, 4]).narrow(0, 1, 2);
    expect(n.reshape([8]).toArray()).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    const c = arange(12).reshape([3, 4]).narrow(1, 1, 2);
    expect(c.reshape([-1]).toArray()).toEqual([1, 2, 5, 6, 9, 10]);
  });

  it('size-1 dims do not make a tensor non-contiguous', () => {
    const t = arange(3).reshape([1, 3]).transpose(0, 1); // shape [3, 1], strides [1, 3]
    expect(t.contiguous()).toBe(t);
    expect(t.reshape([3]).tensorData.storage).toBe(t.tensorData.storage);
    const u = arange(8).reshape([2, 4]).narrow(0, 1, 1); // [1, 4] at offset 4
    expect(u.contiguous()).toBe(u);
    expect(u.reshape([4]).toArray()).toEqual([4, 5, 6, 7]);
  });

  it('clone and contiguous copies do not alias', () => {
    const base = arange(4);
    const c = base.clone();
    expect(c.tensorData.storage).not.toBe(base.tensorData.storage);
    base.tensorData.storage[0] = 9;
    expect(c.toArray()).toEqual([0, 1, 2, 3]);
    expect(base.contiguous()).toBe(base);
    expect(base.reshape([4])).toBe(base);
    expect(base.expand([4])).toBe(base);
    expect(base.squeeze(0)).toBe(base);
  });
});

describe('properties and read-out', () => {
  it('shape, ndim, size, dtype, toArray, item', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => t.item()).toThrow(/item.*\[2, 3\]/);
    const s = tensor(4.5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.size).toBe(1);
    expect(s.toArray()).toBe(4.5);
    expect(s.item()).toBe(4.5);
    expect(tensor([[7]]).item()).toBe(7);
    // item of a size-1 view with an offset
    expect(arange(5).narrow(0, 3, 1).item()).toBe(3);
    expect(arange(6).reshape([2, 3]).narrow(1, 2, 1).narrow(0, 1, 1).item()).toBe(5);
    const f = tensor([1.1, 2], { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([Math.fround(1.1), 2]);
    expect(zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(zeros([0, 2]).size).toBe(0);
    expect(ones([2]).toArray()).toEqual([1, 1]);
    expect(full([1, 2], 3).toArray()).toEqual([[3, 3]]);
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
  });

  it('toArray of non-contiguous views follows logical order', () => {
    const t = arange(24).reshape([2, 3, 4]).permute([2, 0, 1]).narrow(0, 1, 2);
    const want: number[][][] = [];
    for (let k = 1; k < 3; k++) {
      const a: number[][] = [];
      for (let i = 0; i < 2; i++) {
        const row: number[] = [];
        for (let j = 0; j < 3; j++) row.push(i * 12 + j * 4 + k);
        a.push(row);
      }
      want.push(a);
    }
    expect(t.toArray()).toEqual(want);
    expect(Array.from(t.dataSync())).toEqual(want.flat(2));
  });

  it('full reductions give 0-d tensors', () => {
    const x = tensor([[1, -2], [3, 4]], { requiresGrad: true });
    for (const r of [x.sum(), x.mean(), x.max(), x.sum([0, 1]), x.mean([-2, -1])]) {
      expect(r.shape).toEqual([]);
      expect(r.ndim).toBe(0);
      expect(typeof r.toArray()).toBe('number');
    }
    expect(x.sum().item()).toBe(6);
    expect(x.mean().item()).toBe(1.5);
    expect(x.max().item()).toBe(4);
    expect(tensor(3).sum().shape).toEqual([]);
    expect(tensor(3).sum().item()).toBe(3);
  });
});

describe('gradient bookkeeping', () => {
  it('.grad is null until reached; two backward calls accumulate', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const unused = tensor([5], { requiresGrad: true });
    expect(x.grad).toBeNull();
    const y = x.mul(x).sum();
    expect(x.grad).toBeNull();
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    expect(x.grad!.shape).toEqual([3]);
    y.backward();
    expect(x.grad!.toArray()).toEqual([4, 8, 12]);
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([7, 11, 15]);
    expect(unused.grad).toBeNull();
    x.grad = null;
    x.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 1]);
  });

  it('accumulation adds non-contiguous gradients (through transpose) in logical order', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const w = tensor([[1, 10], [100, 1000], [1e4, 1e5]]);
    const y = x.transpose(0, 1).mul(w).sum();
    y.backward();
    expect(x.grad!.toArray()).toEqual([[1, 100, 1e4], [10, 1000, 1e5]]);
    y.backward();
    expect(x.grad!.toArray()).toEqual([[2, 200, 2e4], [20, 2000, 2e5]]);
    x.permute([1, 0]).narrow(0, 1, 2).mul(w.narrow(0, 0, 2)).sum().backward();
    expect(x.grad!.toArray()).toEqual([[2, 201, 2e4 + 100], [20, 2010, 2e5 + 1000]]);
  });

  it('non-leaf tensors get no .grad; leaves without requiresGrad get none either', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 4]);
    const h = x.mul(c);
    expect(h.requiresGrad).toBe(true);
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
    h.sum().backward();
    expect(h.grad).toBeNull();
    expect(c.grad).toBeNull();
    expect(c.requiresGrad).toBe(false);
    expect(x.grad!.toArray()).toEqual([3, 4]);
    expect(() => {
      h.requiresGrad = false;
    }).toThrow(/requiresGrad/);
  });

  it('backward(grad) with an explicit gradient, and its checks', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const y = x.mul(2).add(1);
    y.backward(tensor([[1, 0], [-1, 0.5]]));
    expect(x.grad!.toArray()).toEqual([[2, 0], [-2, 1]]);
    expect(() => y.backward()).toThrow(/backward.*\[2, 2\]/);
    expect(() => y.backward(tensor([1, 2]))).toThrow(/backward.*\[2\].*\[2, 2\]/);
    expect(() => tensor([1]).backward()).toThrow(/backward/);
    // a size-1 non-scalar may seed implicitly
    const z = tensor([[2]], { requiresGrad: true });
    z.mul(z).backward();
    expect(z.grad!.toArray()).toEqual([[4]]);
    // the seed tensor is not modified and keeps no graph
    const seed = tensor([1, 1]);
    const w = tensor([1, 2], { requiresGrad: true });
    w.mul(5).backward(seed);
    expect(seed.toArray()).toEqual([1, 1]);
    expect(seed.grad).toBeNull();
    expect(w.grad!.toArray()).toEqual([5, 5]);
  });

  it('gradients through shared subexpressions and broadcasting sum correctly', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([[10], [20]], { requiresGrad: true });
    const h = x.mul(2); // used twice
    const y = h.add(b).mul(h); // [2,3]
    y.sum().backward();
    // y_ij = (2x_j + b_i) 2x_j ; dy/dx_j = sum_i (8 x_j + 2 b_i); dy/db_i = sum_j 2 x_j
    expect(x.grad!.toArray()).toEqual([1, 2, 3].map((v) => 2 * 8 * v + 2 * 30));
    expect(b.grad!.toArray()).toEqual([[12], [12]]);
  });

  it('noGrad produces tensors that do not require grad, and restores recording', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(isGradEnabled()).toBe(true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return x.mul(2).exp().sum();
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(isGradEnabled()).toBe(true);
    expect(() => y.backward()).toThrow(/backward/);
    expect(() => noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
    expect(noGrad(() => 42)).toBe(42);
  });

  it('grads of float32 leaves are float32 (also through float64 ops)', () => {
    const x = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    const w = tensor([0.5, 0.25, 2]);
    const z = tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    const y = z.mul(w).sum();
    expect(y.dtype).toBe('float64');
    y.backward();
    expect(z.grad!.dtype).toBe('float32');
    expect(z.grad!.toArray()).toEqual([0.5, 0.25, 2]);
    // A float64 upstream gradient given to backward() is cast to the output's dtype (as torch).
    const m = tensor([[1, 2]], { dtype: 'float32', requiresGrad: true });
    m.matmul(tensor([[1], [3]], { dtype: 'float32' })).backward(tensor([[2]]));
    expect(m.grad!.dtype).toBe('float32');
    expect(m.grad!.toArray()).toEqual([[2, 6]]);
  });

  it('a 20,000-op deep tensor chain back-propagates without overflowing', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = y.add(1);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1]);
    expect(y.toArray()).toEqual([20_001, 20_002]);
  });

  it('detach shares storage but cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.tensorData.storage).toBe(x.tensorData.storage);
    x.mul(d).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 2]);
  });
});
