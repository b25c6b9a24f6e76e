import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { type Op, TensorData, apply, tensor } from '../src/index.js';

// tensor.ts: the Tensor methods' axis handling (second mutation run). Added for mutation testing.

describe('reduction axes', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('a null axis reduces every axis, like an omitted one (torch: dim=None)', () => {
    // torch.tensor([[1., 2, 3], [4, 5, 6]]).sum(dim=None) -> 21; .amax(dim=None, keepdim=True).shape -> (1, 1)
    expect(x.sum(null as never).shape).toEqual([]);
    expect(x.sum(null as never).item()).toBe(21);
    expect(x.mean(null as never).item()).toBe(3.5);
    expect(x.max(null as never, true).toArray()).toEqual([[6]]);
    expect(x.prod(null as never).item()).toBe(720);
  });

  it('the order axes are listed in does not change the result, rounding included', () => {
    // Summed in one fixed order (row-major over the reduced elements), [[1e16, 1], [-1e16, 1]]
    // gives ((1e16 + 1) - 1e16) + 1 = 1; summed column by column it would give 2. torch
    // normalises dims to a set, so dim=(1, 0) and dim=(0, 1) are the same reduction.
    const y = tensor([
      [1e16, 1],
      [-1e16, 1],
    ]);
    expect(y.sum([1, 0]).item()).toBe(y.sum([0, 1]).item());
    expect(y.sum([1, 0]).item()).toBe(y.sum().item());
    const z = tensor([
      [
        [1e16, 1],
        [1, 1],
      ],
      [
        [-1e16, 1],
        [1, 1],
      ],
    ]);
    expect(z.sum([2, 0]).toArray()).toEqual(z.sum([0, 2]).toArray());
    expect(z.mean([2, 0]).toArray()).toEqual(z.mean([0, 2]).toArray());
  });

  it('keepdim defaults to false', () => {
    // torch: x.amin(1).shape, x.argmin(1).shape, x.prod(1).shape, x.logsumexp(1).shape,
    // x.var(1).shape, x.std(1).shape are all (2,)
    expect(x.min(1).toArray()).toEqual([1, 4]);
    expect(x.argmin(1).toArray()).toEqual([0, 0]);
    expect(x.prod(1).toArray()).toEqual([6, 120]);
    expect(x.logsumexp(1).shape).toEqual([2]);
    expect(x.var(1).toArray()).toEqual([1, 1]);
    expect(x.std(1).toArray()).toEqual([1, 1]);
  });

  it('an axis out of range is named with the op', () => {
    expect(thrownMessage(() => x.var(2))).toBe('var: axis 2 is out of range for a tensor with 2 dimension(s)');
    expect(thrownMessage(() => x.std(-3))).toBe('std: axis -3 is out of range for a tensor with 2 dimension(s)');
    expect(thrownMessage(() => x.norm(2, 5))).toBe('norm: axis 5 is out of range for a tensor with 2 dimension(s)');
  });
});

describe('backward arguments', () => {
  it('a null gradient is the implicit one, with or without options', () => {
    // torch: y.backward(None) and y.backward(None, create_graph=True) on a scalar y
    const x = tensor(3, { requiresGrad: true });
    x.mul(x).backward(null);
    expect(x.grad!.item()).toBe(6);
    const w = tensor(3, { requiresGrad: true });
    w.mul(w).backward(null, { createGraph: true });
    expect(w.grad!.item()).toBe(6);
    expect(w.grad!.requiresGrad).toBe(true);
  });

  it('createGraph defaults to false: the gradient of x*x has no history', () => {
    // torch: x = torch.tensor(3., requires_grad=True); (x*x).backward(); x.grad.requires_grad -> False
    const x = tensor(3, { requiresGrad: true });
    x.mul(x).backward();
    expect(x.grad!.item()).toBe(6);
    expect(x.grad!.requiresGrad).toBe(false);
    const w = tensor(3, { requiresGrad: true });
    w.mul(w).backward({});
    expect(w.grad!.requiresGrad).toBe(false);
    const v = tensor(3, { requiresGrad: true });
    v.mul(v).backward({ retainGraph: true });
    expect(v.grad!.requiresGrad).toBe(false);
  });

  it('a first argument that is neither a gradient nor an options object is named', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x);
    expect(thrownMessage(() => y.backward(5 as never))).toBe('backward: expected a gradient Tensor or an options object, got number');
    expect(thrownMessage(() => y.backward('g' as never))).toBe('backward: expected a gradient Tensor or an options object, got string');
    expect(thrownMessage(() => y.backward([1] as never))).toBe('backward: expected a gradient Tensor or an options object, got an array');
    // Options twice: an object in the gradient's place when options follow.
    expect(thrownMessage(() => y.backward({} as never, {}))).toBe('backward: expected a gradient Tensor or an options object, got object');
    expect(x.grad).toBe(null);
  });
});

describe('what .grad holds after a pass', () => {
  it('a seed that needs no gradient, passed through under createGraph, is copied into .grad', () => {
    // x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True); s = torch.tensor([3., 4.], dtype=torch.float64)
    // x.clone().backward(s, create_graph=True); x.grad is s -> False; s[0] = 99; x.grad -> [3., 4.]
    const x = tensor([1, 2], { requiresGrad: true });
    const s = tensor([3, 4]);
    x.clone().backward(s, { createGraph: true }); // clone's backward hands s on unchanged
    expect(x.grad).not.toBe(s);
    s.tensorData.storage[0] = 99;
    expect(x.grad!.toArray()).toEqual([3, 4]);
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('a .grad set by a createGraph pass is not written into by a later ordinary pass', () => {
    // The createGraph pass keeps the seed (it has history) as .grad; the next pass must add out
    // of place rather than into the seed's storage.
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    const s = w.mul(1);
    x.clone().backward(s, { createGraph: true });
    expect(x.grad!.toArray()).toEqual([3, 4]);
    x.clone().backward(tensor([10, 10]));
    expect(x.grad!.toArray()).toEqual([13, 14]);
    expect(s.toArray()).toEqual([3, 4]);
  });

  it('a fresh buffer longer than the tensor is copied, not adopted', () => {
    // A custom op whose backward hands back a gradient over a new buffer with one spare element
    // at its end (a contiguous view of the first n elements, offset 0).
    const spare: Op = {
      name: 'spare',
      forward: ([g]) => {
        const s = new Float64Array(g!.size + 1).fill(7);
        s.set(g!.contiguousStorage());
        return new TensorData(s, g!.shape);
      },
      backward: (g) => [g],
    };
    const id: Op = {
      name: 'idSpare',
      forward: ([t]) => new TensorData(Float64Array.from(t!.contiguousStorage()), t!.shape),
      backward: (g) => [apply(spare, [g], undefined)],
    };
    const x = tensor([1, 2], { requiresGrad: true });
    apply(id, [x], undefined).backward(tensor([5, 6]));
    expect(x.grad!.toArray()).toEqual([5, 6]);
    expect(x.grad!.tensorData.storage.length).toBe(2);
    expect(x.grad!.tensorData.storage).toEqual(new Float64Array([5, 6]));
  });
});

describe('reshape shapes', () => {
  const x = tensor([1, 2, 3, 4, 5, 6]);

  it('a negative size other than a single -1 is invalid, even when the product matches', () => {
    // torch.arange(6.).reshape(-2, -3) and .reshape(2, -2) raise "invalid shape dimension -2"
    expect(thrownMessage(() => x.reshape([-2, -3]))).toBe('reshape: invalid shape [-2, -3]');
    expect(thrownMessage(() => x.reshape([-1, -3]))).toBe('reshape: invalid shape [-1, -3]');
    expect(thrownMessage(() => x.view([3, -2]))).toBe('reshape: invalid shape [3, -2]'); // view is reshape's alias
  });

  it('the shape array passed in is left as it was', () => {
    const s = [-1, 2];
    const r = x.reshape(s);
    expect(r.shape).toEqual([3, 2]);
    expect(s).toEqual([-1, 2]);
    const u = [2, 3];
    const q = x.reshape(u);
    u[0] = 6;
    u[1] = 1;
    expect(q.shape).toEqual([2, 3]);
  });
});

describe('expand with -1', () => {
  it('-1 keeps an existing dim but is refused for a new leading one', () => {
    // torch.zeros(2).expand(-1, 2) raises "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"
    expect(thrownMessage(() => tensor([1, 2]).expand([-1, 2]))).toBe('expand: cannot expand shape [2] to [-1, 2]');
    expect(thrownMessage(() => tensor([1, 2]).expand([-1, -1]))).toBe('expand: cannot expand shape [2] to [-1, -1]');
    // torch.zeros(2, 1).expand(-1, 3).shape == (2, 3); torch.zeros(2).expand(3, -1).shape == (3, 2)
    expect(tensor([[1], [2]]).expand([-1, 3]).shape).toEqual([2, 3]);
    expect(tensor([1, 2]).expand([3, -1]).toArray()).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  });
});
