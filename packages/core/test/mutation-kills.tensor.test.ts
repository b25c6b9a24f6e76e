import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { grad, tensor, zeros } from '../src/index.js';

// tensor.ts: Tensor.backward's argument checks and the seed checks it shares with grad().
// Added for mutation testing.

describe('backward and grad arguments', () => {
  it('backward names a non-boolean retainGraph', () => {
    const x = tensor(1, { requiresGrad: true });
    expect(thrownMessage(() => x.mul(2).backward({ retainGraph: 1 as never }))).toBe('backward: retainGraph must be a boolean, got 1');
    expect(thrownMessage(() => x.mul(2).backward({ retainGraph: 'yes' as never }))).toBe('backward: retainGraph must be a boolean, got yes');
  });

  it('a gradient that is not a Tensor is named, an array as an array', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(thrownMessage(() => grad(y, x, { gradOutputs: [[1, 2] as never] }))).toBe('grad: gradOutputs 0: gradient must be a Tensor, got an array');
    expect(thrownMessage(() => grad(y, x, { gradOutputs: [5 as never] }))).toBe('grad: gradOutputs 0: gradient must be a Tensor, got number');
  });
});

describe('Tensor argument checks', () => {
  it('requiresGrad can be turned off on a leaf only', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(2);
    expect(thrownMessage(() => (y.requiresGrad = false))).toBe('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    expect(y.requiresGrad).toBe(true);
    y.requiresGrad = true; // turning it on again is harmless
    w.requiresGrad = false;
    expect(w.requiresGrad).toBe(false);
    const c = tensor([1]);
    c.requiresGrad = true;
    expect(c.requiresGrad).toBe(true);
  });

  it('matmul names a missing Tensor and 0-d operands', () => {
    const m = tensor([[1, 2]]);
    expect(thrownMessage(() => m.matmul(5 as never))).toBe('matmul: expected a Tensor argument');
    expect(thrownMessage(() => m.matmul(tensor(2)))).toBe('matmul: both arguments need at least 1 dimension, got shapes [1, 2] and []');
    expect(thrownMessage(() => tensor(2).matmul(m))).toBe('matmul: both arguments need at least 1 dimension, got shapes [] and [1, 2]');
  });

  it('expand describes a shape that is not an array', () => {
    const t = tensor([[1], [2]]);
    expect(thrownMessage(() => t.expand(3 as never))).toBe('expand: cannot expand shape [2, 1] to 3');
    expect(thrownMessage(() => t.expand([3]))).toBe('expand: cannot expand shape [2, 1] to [3]');
    expect(thrownMessage(() => t.expand([2, 3, 1] as never))).toBe('expand: cannot expand shape [2, 1] to [2, 3, 1]');
    expect(t.expand([2, 3]).toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    expect(t.expand([-1, 2]).shape).toEqual([2, 2]);
  });

  it('permute names the dims that are not a permutation', () => {
    const t = tensor([[1, 2]]);
    expect(thrownMessage(() => t.permute([1, -1]))).toBe('permute: dims [1, -1] are not a permutation');
    expect(thrownMessage(() => t.permute([0]))).toBe('permute: expected 2 dims for shape [1, 2], got [0]');
    expect(thrownMessage(() => t.permute(null as never))).toBe('permute: expected 2 dims for shape [1, 2], got []');
  });
});

describe('Tensor.max and number lifting', () => {
  it('max refuses an empty axis but reduces a non-empty axis of an empty tensor', () => {
    // torch.amax(torch.zeros(0, 2), 1) -> tensor([]); torch.amax(torch.zeros(0, 2), 0) raises.
    expect(thrownMessage(() => zeros([0, 2]).max(0))).toBe('max: cannot reduce over axis 0 of size 0 (shape [0, 2])');
    expect(thrownMessage(() => zeros([2, 0]).max())).toBe('max: cannot reduce over axis 1 of size 0 (shape [2, 0])');
    expect(zeros([0, 2]).max(1).shape).toEqual([0]);
  });

  it('an operand that is neither a Tensor nor a number is named', () => {
    const t = tensor([1]);
    expect(thrownMessage(() => t.add(null as never))).toBe('add: expected a Tensor or a number, got null');
    expect(thrownMessage(() => t.mul('2' as never))).toBe('mul: expected a Tensor or a number, got string');
    expect(t.sub(3).dtype).toBe('float64');
    expect(tensor([1], { dtype: 'float32' }).sub(3).dtype).toBe('float32');
  });
});

describe('Tensor views and copies at their edges', () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('narrow accepts ranges ending at the size, including empty ones, and names the others', () => {
    expect(x.narrow(1, 3, 0).shape).toEqual([2, 0]);
    expect(x.narrow(1, 0, 3).toArray()).toEqual(x.toArray());
    expect(x.narrow(-1, 1, 2).toArray()).toEqual([
      [2, 3],
      [5, 6],
    ]);
    expect(thrownMessage(() => x.narrow(1, 2, 2))).toBe('narrow: start 2 and length 2 are out of range for dim 1 of size 3 (shape [2, 3])');
    expect(thrownMessage(() => x.narrow(1, -1, 1))).toBe('narrow: start -1 and length 1 are out of range for dim 1 of size 3 (shape [2, 3])');
    expect(thrownMessage(() => x.narrow(1, 0, -1))).toBe('narrow: start 0 and length -1 are out of range for dim 1 of size 3 (shape [2, 3])');
    expect(thrownMessage(() => x.narrow(1, 0.5, 1))).toBe('narrow: start 0.5 and length 1 are out of range for dim 1 of size 3 (shape [2, 3])');
    expect(thrownMessage(() => x.narrow(1, 0, 1.5))).toBe('narrow: start 0 and length 1.5 are out of range for dim 1 of size 3 (shape [2, 3])');
  });

  it('flatten: one dim is allowed (a no-op), a reversed range is not; a 0-d tensor becomes [1]', () => {
    // torch: x.flatten(1, 1).shape == (2, 3); x.flatten(1, 0) raises; torch.tensor(5.).flatten().shape == (1,)
    expect(x.flatten(1, 1).shape).toEqual([2, 3]);
    expect(x.flatten().shape).toEqual([6]);
    expect(x.flatten(0, 0).shape).toEqual([2, 3]);
    expect(thrownMessage(() => x.flatten(1, 0))).toBe('flatten: startDim 1 comes after endDim 0 for shape [2, 3]');
    expect(tensor(5).flatten().toArray()).toEqual([5]);
  });

  it('contiguous and to return the tensor itself when nothing changes, else a copy', () => {
    expect(x.contiguous()).toBe(x);
    const t = x.transpose(0, 1);
    expect(t.tensorData.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.tensorData.isContiguous()).toBe(true);
    expect(c.toArray()).toEqual(t.toArray());
    expect(x.to('float64')).toBe(x);
    expect(x.to('float32').dtype).toBe('float32');
    expect(thrownMessage(() => x.to('float16' as never))).toBe("to: unknown dtype 'float16' (expected 'float64' or 'float32')");
  });
});

describe('gradients in another dtype', () => {
  it('a float32 seed for a float64 tensor is cast first, so the pass runs in float64', () => {
    // d/dx (x / 3) seeded with 1: 1/3 in float64 (0.3333333333333333), not float32's 0.3333333432674408.
    const x = tensor([1], { requiresGrad: true });
    x.mul(1 / 3).backward(tensor([1], { dtype: 'float32' }));
    expect(x.grad!.dtype).toBe('float64');
    expect(x.grad!.toArray()).toEqual([1 / 3]);
  });

  it('assigning .grad checks the value, naming what it got', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(thrownMessage(() => (x.grad = undefined as never))).toBe('grad: assigned value must be a Tensor or null, got undefined');
    expect(thrownMessage(() => (x.grad = [1, 2] as never))).toBe('grad: assigned value must be a Tensor or null, got an array');
    expect(thrownMessage(() => (x.grad = 3 as never))).toBe('grad: assigned value must be a Tensor or null, got number');
    expect(thrownMessage(() => (x.grad = tensor([1, 2], { dtype: 'float32' })))).toBe('grad: assigned gradient has dtype float32, but the tensor has dtype float64');
    expect(thrownMessage(() => (x.grad = tensor([1])))).toBe('grad: assigned gradient has shape [1], but the tensor has shape [2]');
  });
});

describe('squeeze and unsqueeze', () => {
  it('squeeze of a dim that is not 1 is the tensor itself; of a 1 it drops the dim', () => {
    const x = zeros([2, 1, 3]);
    expect(x.squeeze(0)).toBe(x);
    expect(x.squeeze(-1)).toBe(x);
    expect(x.squeeze(1).shape).toEqual([2, 3]);
    expect(x.squeeze().shape).toEqual([2, 3]);
  });

  it('unsqueeze may not go past 64 dims, and counts a negative position in the result', () => {
    expect(thrownMessage(() => zeros(new Array(64).fill(1)).unsqueeze(0))).toBe('unsqueeze: a tensor can have at most 64 dimensions, got 65');
    expect(zeros(new Array(63).fill(1)).unsqueeze(0).ndim).toBe(64);
    // torch.zeros(2, 3).unsqueeze(-1).shape == (2, 3, 1); unsqueeze(-3) == (1, 2, 3)
    expect(zeros([2, 3]).unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(zeros([2, 3]).unsqueeze(-3).shape).toEqual([1, 2, 3]);
    expect(thrownMessage(() => zeros([2, 3]).unsqueeze(3))).toBe('unsqueeze: axis 3 is out of range for a tensor with 3 dimension(s)');
  });
});
