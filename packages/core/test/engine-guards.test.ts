import { describe, expect, it } from 'vitest';
import { Context, type Op, TensorData, apply, bumpVersion, conv1d, noGrad, tensor, zeros } from '../src/index.js';

// Regression tests for the engine's "no silent wrong answers" guards: each case used to give
// wrong numbers (or NaN) without an error.

describe('assigned .grad', () => {
  it('a transposed view as .grad is read by logical index and its base is never written', () => {
    const w = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const base = tensor([[10, 40], [20, 50], [30, 60]]);
    w.grad = base.transpose(0, 1); // [[10, 20, 30], [40, 50, 60]]
    w.narrow(0, 0, 1).sum().backward(); // gradient [[1, 1, 1], [0, 0, 0]]
    expect(w.grad!.toArray()).toEqual([[11, 21, 31], [40, 50, 60]]);
    expect(base.toArray()).toEqual([[10, 40], [20, 50], [30, 60]]);
  });

  it('a narrowed view as .grad accumulates from its offset (no NaN) and leaves the buffer alone', () => {
    const v = tensor([1, 2, 3], { requiresGrad: true });
    const buf = zeros([10]);
    buf.tensorData.storage.set([0, 0, 0, 0, 0, 7, 8, 9, 0, 0]);
    v.grad = buf.narrow(0, 5, 3);
    v.mul(2).sum().backward();
    expect(v.grad!.toArray()).toEqual([9, 10, 11]);
    expect(Array.from(buf.tensorData.storage)).toEqual([0, 0, 0, 0, 0, 7, 8, 9, 0, 0]);
    // The second pass adds in place into the buffer the first one made (it is owned now).
    const owned = v.grad!;
    v.sum().backward();
    expect(v.grad).toBe(owned);
    expect(v.grad!.toArray()).toEqual([10, 11, 12]);
  });

  it('rejects a gradient of another shape or dtype, or a non-tensor', () => {
    const u = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => (u.grad = zeros([5]))).toThrow(/^grad: assigned gradient has shape \[5\], but the tensor has shape \[3\]$/);
    expect(() => (u.grad = zeros([3], { dtype: 'float32' }))).toThrow(/^grad: assigned gradient has dtype float32, but the tensor has dtype float64$/);
    expect(() => (u.grad = [1, 2, 3] as never)).toThrow(/^grad: assigned value must be a Tensor or null, got an array$/);
    expect(() => (u.grad = undefined as never)).toThrow(/got undefined/);
    expect(u.grad).toBeNull();
    u.grad = zeros([3]);
    u.grad = null;
    expect(u.grad).toBeNull();
  });

  it('an assigned gradient that is itself a leaf stays untouched by later passes', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const g = tensor([5, 5]);
    w.grad = g;
    w.sum().backward();
    expect(w.grad!.toArray()).toEqual([6, 6]);
    expect(g.toArray()).toEqual([5, 5]);
  });
});

describe('in-place changes between forward and backward', () => {
  it('throws naming the op, the shape and the writer, and leaves every .grad unchanged', () => {
    const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);
    const w = tensor([[[1, 1, 1]]], { requiresGrad: true });
    const b = tensor([0.5], { requiresGrad: true });
    const loss = conv1d(x, w, b).pow(2).sum();
    w.tensorData.storage[0] = 2;
    bumpVersion(w, 'SGD.step');
    expect(() => loss.backward()).toThrow(
      /^backward: a tensor saved by conv1d \(input 1, shape \[1, 1, 3\]\) was modified in place \(SGD\.step\) after the forward pass/,
    );
    expect(w.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  it('views share the count: writing through a view is seen', () => {
    const w = tensor([1, 2, 3, 4], { requiresGrad: true });
    const loss = w.mul(w).sum();
    const view = w.detach().narrow(0, 1, 2);
    expect(w.version).toBe(0);
    bumpVersion(view, 'loadStateDict');
    expect(w.version).toBe(1);
    expect(() => loss.backward()).toThrow(/mul .*modified in place \(loadStateDict\)/);
  });

  it('an op that saves nothing does not care, as in PyTorch', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const loss = w.add(1).sum();
    bumpVersion(w, 'SGD.step');
    loss.backward();
    expect(w.grad!.toArray()).toEqual([1, 1]);
  });

  it('a forward after the write is fine: only graphs older than the write are refused', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    bumpVersion(w, 'SGD.step');
    w.mul(w).sum().backward();
    expect(w.grad!.toArray()).toEqual([2, 4]);
  });

  it('checks the output an op saved too (exp reads its result)', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const y = x.exp();
    const loss = y.sum();
    bumpVersion(y, 'an in-place edit');
    expect(() => loss.backward()).toThrow(/saved by exp \(its output, shape \[2\]\) was modified in place \(an in-place edit\)/);
  });
});

describe('custom ops', () => {
  const double: Op = {
    name: 'twoInputs',
    forward: ([a, b]) => new TensorData(Float64Array.from(a!.contiguousStorage(), (v, i) => v + b!.contiguousStorage()[i]!), a!.shape),
    backward: (g) => [g], // one gradient for two inputs
  };

  it("a backward that returns fewer gradients than inputs throws naming the op, and no .grad changes", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    expect(() => apply(double, [a, b], undefined).sum().backward()).toThrow(
      /^backward: twoInputs's backward returned 1 gradient\(s\) for 2 input\(s\); return one entry per input/,
    );
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
  });

  it('a forward whose TensorData reaches past its storage throws naming the op', () => {
    const short: Op = { name: 'short', forward: () => new TensorData(new Float64Array(3), [2, 2]), backward: (g) => [g] };
    expect(() => apply(short, [tensor([1])], undefined)).toThrow(/^short: forward built an invalid TensorData: shape \[2, 2\] with strides \[2, 1\] and offset 0 reaches elements 0\.\.3, but the storage has 3$/);
    const negative: Op = { name: 'neg', forward: () => new TensorData(new Float64Array(3), [3], [-1], 1), backward: (g) => [g] };
    expect(() => apply(negative, [tensor([1])], undefined)).toThrow(/^neg: forward built an invalid TensorData: .*reaches elements -1\.\.1/);
    // Whole-number ends, fractional step: would read between elements (NaN) without the check.
    const half: Op = { name: 'half', forward: () => new TensorData(Float64Array.from([10, 11, 12, 13]), [3], [0.5], 0), backward: (g) => [g] };
    expect(() => apply(half, [tensor([1])], undefined)).toThrow(/^half: forward built an invalid TensorData: strides \[0\.5\] must be integers$/);
    const offset: Op = { name: 'off', forward: () => new TensorData(Float64Array.from([10, 11, 12]), [2], [1], 0.5), backward: (g) => [g] };
    expect(() => apply(offset, [tensor([1])], undefined)).toThrow(/^off: forward built an invalid TensorData: offset 0\.5 must be an integer$/);
    const notData: Op = { name: 'bad', forward: () => [1, 2] as never, backward: (g) => [g] };
    expect(() => apply(notData, [tensor([1])], undefined)).toThrow(/^bad: forward must return a TensorData, got object/);
    // Exactly fitting storage is fine.
    const fits: Op = { name: 'fits', forward: () => new TensorData(new Float64Array(4), [2, 2]), backward: (g) => [g] };
    expect(apply(fits, [tensor([1])], undefined).shape).toEqual([2, 2]);
  });

  it('a backward pass that throws part-way updates no .grad; a later pass does not double count', () => {
    let fail = true;
    const flaky: Op = {
      name: 'flaky',
      forward: ([x]) => new TensorData(x!.contiguousStorage().slice(), x!.shape),
      backward: (g) => {
        if (fail) throw new Error('flaky: boom');
        return [g];
      },
    };
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    // The sweep reaches leaf a (the later operand, visited first in reverse order) before
    // flaky's backward runs, so a non-atomic pass would already have written a.grad.
    const loss = apply(flaky, [b], undefined).sum().add(a.mul(2).sum());
    expect(() => loss.backward()).toThrow('flaky: boom');
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    fail = false;
    loss.backward();
    expect(a.grad!.toArray()).toEqual([2, 2]);
    expect(b.grad!.toArray()).toEqual([1, 1]);
  });

  it('a backward entry that is not a Tensor throws naming the op', () => {
    const bad: Op = { name: 'badGrad', forward: ([x]) => new TensorData(x!.contiguousStorage().slice(), x!.shape), backward: () => [[1, 2] as never] };
    expect(() => apply(bad, [tensor([1, 2], { requiresGrad: true })], undefined).sum().backward()).toThrow(/^backward: badGrad's backward returned object for input 0/);
  });

  it('Context.out() is the result tensor, so rules using it stay differentiable', () => {
    let seen: Context | null = null;
    const id: Op = { name: 'id', forward: ([x]) => new TensorData(x!.contiguousStorage().slice(), x!.shape), backward: (g, ctx) => { seen = ctx; return [g]; } };
    const y = apply(id, [tensor([1], { requiresGrad: true })], undefined);
    y.sum().backward();
    expect(seen!.out()).toBe(y);
  });
});

describe('noGrad', () => {
  it('rejects an async function with the fix in the message', () => {
    const w = tensor([1], { requiresGrad: true });
    expect(() => noGrad(async () => w.mul(2))).toThrow(/^noGrad: fn returned a Promise \(an async function\?\); recording would restart after its first await/);
    expect(() => noGrad(async () => { throw new Error('x'); })).toThrow(/returned a Promise/);
    expect(() => noGrad(null as never)).toThrow(/^noGrad: expected a function, got null/);
    // Recording is back on afterwards.
    expect(w.mul(2).requiresGrad).toBe(true);
  });
});

describe('backward options', () => {
  it('rejects unknown keys and non-boolean flags, naming them', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const loss = w.sum();
    expect(() => loss.backward({ create_graph: true } as never)).toThrow(/^backward: unknown option 'create_graph' \(did you mean 'createGraph'\?\)/);
    expect(() => loss.backward({ createGraph: 1 } as never)).toThrow(/^backward: createGraph must be a boolean, got 1/);
    expect(() => loss.backward([1] as never)).toThrow(/^backward: expected a gradient Tensor or an options object, got an array/);
    expect(() => w.mul(1).backward(tensor([1, 2, 3]))).toThrow(/^backward: gradient of shape \[3\] does not match tensor of shape \[2\]/);
    expect(w.grad).toBeNull();
  });
});
