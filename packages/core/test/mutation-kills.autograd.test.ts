import { describe, expect, it } from 'vitest';
import { thrownMessage, throwsWith } from './throws.js';
import { type Op, Tensor, TensorData, apply, backwardOrder, bumpVersion, grad, hessian, hvp, jacobian, jvp, noGrad, tensor, traceOps, vjp } from '../src/index.js';

// The engine's walk and guards (autograd/backward.ts), torch.autograd.functional's helpers
// (autograd/functional.ts) on their less travelled paths, and bumpVersion (autograd/in-place.ts).
// Added for mutation testing; every expected value is worked out by hand.

/** y = x (a copy), with the given backward and no `saved` list (so every input and the output are checked). */
const copyWith = (backward: Op['backward']): Op => ({
  name: 'myCopy',
  forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage()), x!.shape),
  backward,
});

describe('backwardOrder', () => {
  it('lists the root first and every tensor before the inputs it was computed from', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const a = x.mul(2);
    const b = a.exp();
    const y = b.add(a);
    // a feeds both b and y, so it comes after b; x, the leaf, comes last.
    const order = backwardOrder(y);
    expect(order).toHaveLength(4);
    [y, b, a, x].forEach((t, i) => expect(order[i]).toBe(t));
  });

  it('leaves out tensors that do not require grad, and is a one-element list for a leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 4]);
    const z = x.mul(c);
    const order = backwardOrder(z);
    expect(order).toHaveLength(2);
    expect(order[0]).toBe(z);
    expect(order[1]).toBe(x);
    const leaf = backwardOrder(x);
    expect(leaf).toHaveLength(1);
    expect(leaf[0]).toBe(x);
  });
});

describe('backward: what a custom backward returns', () => {
  it('null, undefined or a bare Tensor instead of a list is named in the message', () => {
    const run = (backward: Op['backward']) => () => apply(copyWith(backward), [tensor([1, 2], { requiresGrad: true })], undefined).backward(tensor([1, 1]));
    const tail = " for 1 input(s); return one entry per input (null for no gradient)";
    expect(thrownMessage(run(() => null as never))).toBe(`backward: myCopy's backward returned null${tail}`);
    expect(thrownMessage(run(() => undefined as never))).toBe(`backward: myCopy's backward returned undefined${tail}`);
    expect(thrownMessage(run((g) => g as never))).toBe(`backward: myCopy's backward returned object${tail}`);
    expect(thrownMessage(run((g) => [g, g]))).toBe(`backward: myCopy's backward returned 2 gradient(s)${tail}`);
  });
});

describe('backward: in-place writes to what an op without a `saved` list read', () => {
  it('a write to an input after the forward pass is refused, naming the input', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(copyWith((g) => [g]), [x], undefined);
    bumpVersion(x, 'my edit');
    throwsWith(
      () => y.backward(tensor([1, 1])),
      /^backward: a tensor saved by myCopy \(input 0, shape \[2\]\) was modified in place \(my edit\) after the forward pass; compute the loss again after modifying it$/,
    );
    expect(x.grad).toBeNull();
  });

  it('a write to the output is refused too, naming it', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = apply(copyWith((g) => [g]), [x], undefined);
    bumpVersion(y, 'edit out');
    throwsWith(
      () => y.backward(tensor([1, 1, 1])),
      /^backward: a tensor saved by myCopy \(its output, shape \[3\]\) was modified in place \(edit out\) after the forward pass; compute the loss again after modifying it$/,
    );
  });

  it('writes to unrelated tensors do not stop it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const other = tensor([5]);
    const y = apply(copyWith((g) => [g.mul(3)]), [x], undefined);
    bumpVersion(other, 'unrelated');
    y.backward(tensor([1, 2]));
    expect(x.grad!.toArray()).toEqual([3, 6]);
  });
});

describe('backward: a `saved` list naming an input the call did not get', () => {
  it('is ignored (an optional input, like a bias left out)', () => {
    // affine(x[, b]) = 2x (+ b), declaring saved [0, 1]: input 1 is absent in this call.
    const affine: Op = {
      name: 'affine',
      forward: ([x, b]) => new TensorData(Float64Array.from(x!.contiguousStorage(), (v, i) => 2 * v + (b ? b.contiguousStorage()[i]! : 0)), x!.shape),
      backward: (g, ctx) => (ctx.inputs.length > 1 ? [g.mul(2), g] : [g.mul(2)]),
      saved: [0, 1],
    };
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(affine, [x], undefined);
    bumpVersion(tensor([0]), 'elsewhere'); // a write since the forward pass, so the saved list is read
    y.backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });
});

describe('bumpVersion', () => {
  it('refuses what is not a Tensor or a TensorData', () => {
    throwsWith(() => bumpVersion(5 as never, 'x'), /^bumpVersion: expected a Tensor$/);
    throwsWith(() => bumpVersion({ storage: new Float64Array(1) } as never, 'x'), /^bumpVersion: expected a Tensor$/);
  });

  it('takes a TensorData: a saved tensor sharing that storage is then refused', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(copyWith((g) => [g]), [x], undefined);
    bumpVersion(x.tensorData, 'raw write');
    throwsWith(() => y.backward(tensor([1, 1])), /\(input 0, shape \[2\]\) was modified in place \(raw write\)/);
  });
});

describe('functional helpers: argument errors', () => {
  const x = tensor([1, 2]);
  const sq = (t: Tensor) => t.mul(t);

  it('inputs: an empty list, or a list with something else in it', () => {
    expect(thrownMessage(() => vjp(sq, []))).toBe('vjp: inputs must be a Tensor or a non-empty array of Tensors');
    expect(thrownMessage(() => jacobian(sq, 3 as never))).toBe('jacobian: inputs must be a Tensor or a non-empty array of Tensors');
    expect(thrownMessage(() => hessian(sq, [x, 3 as never]))).toBe('hessian: input 1 is not a Tensor');
    expect(thrownMessage(() => jvp(sq, [null as never], [x]))).toBe('jvp: input 0 is not a Tensor');
  });

  it('fn must return a Tensor; null and other values are named', () => {
    expect(thrownMessage(() => vjp(() => null as never, x))).toBe('vjp: fn must return a Tensor, got null');
    expect(thrownMessage(() => jacobian(() => 3 as never, x))).toBe('jacobian: fn must return a Tensor, got number');
    expect(thrownMessage(() => hvp(() => undefined as never, x, x))).toBe('hvp: fn must return a Tensor, got undefined');
  });

  it('v: a Tensor or a list with one Tensor per input (per output for vjp)', () => {
    expect(thrownMessage(() => jvp(sq, x, 'v' as never))).toBe('jvp: v must match the inputs: 1 Tensor(s)');
    expect(thrownMessage(() => hvp((a, b) => a.mul(b).sum(), [x, x], [x]))).toBe('hvp: v must match the inputs: 2 Tensor(s)');
    expect(thrownMessage(() => vjp(sq, x, [x, x] as never))).toBe('vjp: v must match the output: 1 Tensor(s)');
  });

  it('v: each entry must be a Tensor', () => {
    expect(thrownMessage(() => jvp(sq, x, [5 as never]))).toBe('jvp: v 0 is not a Tensor');
    expect(thrownMessage(() => hvp((a, b) => a.mul(b).sum(), [x, x], [x, 'v' as never]))).toBe('hvp: v 1 is not a Tensor');
  });
});

describe('functional helpers: fn whose output does not depend on the inputs', () => {
  // A constant output: every derivative is zero, shaped as torch.autograd.functional shapes it.
  const x = tensor([1, 2, 3]);
  const w = tensor([4, 5], { requiresGrad: true });

  it('vjp: the value and zeros like the inputs', () => {
    const [y, g] = vjp(() => tensor([7, 8]), [x, tensor([[1], [2]])], tensor([1, 1]));
    expect(y.toArray()).toEqual([7, 8]);
    expect((g as Tensor[]).map((t) => t.toArray())).toEqual([[0, 0, 0], [[0], [0]]]);
  });

  it('jvp: the value and zeros like the output, whether the output has no graph or a graph that misses the inputs', () => {
    const [y, t] = jvp(() => tensor([7, 8]), x, tensor([1, 1, 1]));
    expect(y.toArray()).toEqual([7, 8]);
    expect(t.toArray()).toEqual([0, 0]);
    // w requires grad, so the output has a graph, but none of it leads to x.
    const [y2, t2] = jvp(() => w.mul(2), x, tensor([1, 1, 1]));
    expect(y2.toArray()).toEqual([8, 10]);
    expect(y2.requiresGrad).toBe(false);
    expect(t2.toArray()).toEqual([0, 0]);
    expect(t2.shape).toEqual([2]);
  });

  it('jacobian: zeros of shape [...output.shape, ...input.shape], in the input dtype', () => {
    const J = jacobian(() => tensor([[7, 8]]), tensor([1, 2, 3], { dtype: 'float32' })) as Tensor;
    expect(J.shape).toEqual([1, 2, 3]);
    expect(J.dtype).toBe('float32');
    expect(J.toArray()).toEqual([[[0, 0, 0], [0, 0, 0]]]);
    const Js = jacobian(() => tensor([7, 8]), [x, tensor(2)]) as Tensor[];
    expect(Js.map((t) => t.shape)).toEqual([[2, 3], [2]]);
    expect(Js.map((t) => t.toArray())).toEqual([[[0, 0, 0], [0, 0, 0]], [0, 0]]);
  });

  it('hessian: zero blocks H[i][j] of shape [...xi.shape, ...xj.shape]', () => {
    const a = tensor([1, 2]);
    const b = tensor([[3, 4, 5]]);
    const H = hessian(() => tensor(7), [a, b]) as Tensor[][];
    expect(H.map((row) => row.map((t) => t.shape))).toEqual([
      [[2, 2], [2, 1, 3]],
      [[1, 3, 2], [1, 3, 1, 3]],
    ]);
    expect(H[0]![1]!.toArray()).toEqual([[[0, 0, 0]], [[0, 0, 0]]]);
    const single = hessian(() => tensor(7), a) as Tensor;
    expect(single.toArray()).toEqual([[0, 0], [0, 0]]);
  });

  it('hvp: the value and zeros like the inputs (a Tensor for one input, a list for several)', () => {
    const [y, hv] = hvp(() => tensor(7), x, tensor([1, 1, 1]));
    expect(y.item()).toBe(7);
    expect((hv as Tensor).toArray()).toEqual([0, 0, 0]);
    const [, hvs] = hvp(() => tensor(7), [x, tensor([[1, 2]])], [tensor([1, 1, 1]), tensor([[1, 1]])]);
    expect((hvs as Tensor[]).map((t) => t.toArray())).toEqual([[0, 0, 0], [[0, 0]]]);
  });
});

describe('functional helpers: linear fn (its gradient is a constant)', () => {
  it('hvp of sum(3x) is zero: the gradient has no graph back to x', () => {
    const x = tensor([1, 2, 3]);
    const [y, hv] = hvp((t) => t.mul(3).sum(), x, tensor([1, 1, 1]));
    expect(y.item()).toBe(18);
    expect((hv as Tensor).toArray()).toEqual([0, 0, 0]);
    const [, hvs] = hvp((a, b) => a.sum().add(b.mul(2).sum()), [x, tensor([4, 5])], [tensor([1, 1, 1]), tensor([1, 1])]);
    expect((hvs as Tensor[]).map((t) => t.toArray())).toEqual([[0, 0, 0], [0, 0]]);
  });

  it('two inputs both used: the terms of each add up (closed forms)', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    // d(a·b) along (va, vb) = b·va + a·vb.
    const [, jv] = jvp((p, q) => p.mul(q), [a, b], [tensor([1, 0]), tensor([0, 1])]);
    expect(jv.toArray()).toEqual([3, 2]);
    // f = Σ a²·b: H·v = (2b·va + 2a·vb, 2a·va).
    const [, hv] = hvp((p, q) => p.mul(p).mul(q).sum(), [a, b], [tensor([1, 1]), tensor([1, 0])]);
    expect((hv as Tensor[]).map((t) => t.toArray())).toEqual([[8, 8], [2, 4]]);
  });

  it('jvp of 3x is 3v, and of x² is 2x·v (closed forms)', () => {
    const x = tensor([1, 2, 3]);
    const v = tensor([1, 0, -2]);
    expect(jvp((t) => t.mul(3), x, v)[1].toArray()).toEqual([3, 0, -6]);
    expect(jvp((t) => t.mul(t), x, v)[1].toArray()).toEqual([2, 0, -12]);
  });
});

describe('backward: the gradients a rule returns are checked against each input', () => {
  /** y = x (any shape), whose backward returns grads(g) as is. */
  const rule = (grads: (g: Tensor) => (Tensor | null | undefined)[]): Op => ({
    name: 'shaper',
    forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage()), x!.shape),
    backward: (g) => grads(g) as (Tensor | null)[],
  });
  const run = (shape: number[], grads: (g: Tensor) => (Tensor | null | undefined)[]) => {
    const x = tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), { requiresGrad: true }).reshape(shape).detach();
    x.requiresGrad = true;
    apply(rule(grads), [x], undefined).backward(tensor(Array.from({ length: x.size }, () => 1)).reshape(shape));
    return x.grad!;
  };

  it('a gradient that does not reduce to the input shape is refused, naming both shapes', () => {
    expect(thrownMessage(() => run([2, 3], () => [tensor([[1, 2], [3, 4], [5, 6]])]))).toBe('backward: shaper produced a gradient of shape [3, 2] for an input of shape [2, 3]');
    // Fewer dims than the input, even with the right size.
    expect(thrownMessage(() => run([2, 3], () => [tensor([1, 2, 3, 4, 5, 6])]))).toBe('backward: shaper produced a gradient of shape [6] for an input of shape [2, 3]');
    expect(thrownMessage(() => run([2, 3], () => [tensor([[1, 2, 3, 4], [5, 6, 7, 8]])]))).toBe('backward: shaper produced a gradient of shape [2, 4] for an input of shape [2, 3]');
  });

  it('a gradient broadcast from the input shape is summed back to it', () => {
    // Leading dims: [2, 2, 3] -> [2, 3] sums the two blocks.
    expect(run([2, 3], () => [tensor([[[1, 2, 3], [4, 5, 6]], [[10, 20, 30], [40, 50, 60]]])]).toArray()).toEqual([[11, 22, 33], [44, 55, 66]]);
    // A size-1 dim of the same rank: [2, 3] -> [1, 3], and [2, 3] -> [2, 1].
    expect(run([1, 3], () => [tensor([[1, 2, 3], [4, 5, 6]])]).toArray()).toEqual([[5, 7, 9]]);
    expect(run([2, 1], () => [tensor([[1, 2, 3], [4, 5, 6]])]).toArray()).toEqual([[6], [15]]);
    // Both at once: [2, 2, 3] -> [1, 3].
    expect(run([1, 3], () => [tensor([[[1, 2, 3], [4, 5, 6]], [[1, 1, 1], [1, 1, 1]]])]).toArray()).toEqual([[7, 9, 11]]);
  });

  it('undefined counts as no gradient, like null', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(rule(() => [undefined]), [x], undefined).add(x);
    y.backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([1, 1]);
  });

  it('what a rule returns for an input that does not require grad is ignored, whatever it is', () => {
    const two: Op = {
      name: 'two',
      forward: ([a]) => new TensorData(Float64Array.from(a!.contiguousStorage()), a!.shape),
      backward: (g) => [g.mul(2), tensor([1, 2, 3, 4, 5])],
    };
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([5, 6]);
    apply(two, [x, c], undefined).backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([2, 2]);
    expect(c.grad).toBeNull();
    const garbage: Op = { ...two, backward: (g) => [g, 'not a tensor' as never] };
    apply(garbage, [x, c], undefined).backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it("a gradient gets its input's dtype: a float32 input's gradient is float32 even from a float64 rule", () => {
    const x = tensor([1, 2], { requiresGrad: true, dtype: 'float32' });
    const mixed: Op = {
      name: 'mixed',
      forward: ([a]) => new TensorData(Float32Array.from(a!.contiguousStorage()), a!.shape),
      backward: (g) => [g.mul(tensor([0.5, 3], { dtype: 'float64' }))],
    };
    const y = apply(mixed, [x], undefined);
    const [g] = grad(y, x, { gradOutputs: tensor([1, 1], { dtype: 'float32' }) });
    expect(g!.dtype).toBe('float32');
    expect(g!.toArray()).toEqual([0.5, 3]);
  });
});

describe('backward: several roots', () => {
  it('a root given twice gets both seeds', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3).sum();
    const [g] = grad([y, y], x);
    expect(g!.toArray()).toEqual([6, 6]);
  });

  it('a root that another root was computed from is walked once: each rule runs once per pass', () => {
    let calls = 0;
    const counted: Op = {
      name: 'counted',
      forward: ([a]) => new TensorData(Float64Array.from(a!.contiguousStorage(), (v) => 2 * v), a!.shape),
      backward: (g) => {
        calls++;
        return [g.mul(2)];
      },
    };
    const x = tensor([1, 2], { requiresGrad: true });
    const y = apply(counted, [x], undefined); // y = 2x
    const z = y.mul(y).sum(); // z = 4x²
    // d(z + sum(y))/dx = 8x + 2 = [10, 18]
    const [g] = grad([z, y], x, { gradOutputs: [null, tensor([1, 1])] });
    expect(g!.toArray()).toEqual([10, 18]);
    expect(calls).toBe(1);
  });
});

describe('grad: option and argument checks', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  it('the boolean options name themselves', () => {
    const y = x.sum();
    expect(thrownMessage(() => grad(y, x, { createGraph: 1 as never }))).toBe('grad: createGraph must be a boolean, got 1');
    expect(thrownMessage(() => grad(y, x, { retainGraph: 'yes' as never }))).toBe('grad: retainGraph must be a boolean, got yes');
    expect(thrownMessage(() => grad(y, x, { allowUnused: null as never }))).toBe('grad: allowUnused must be a boolean, got null');
    expect(grad(y, x, { retainGraph: true, createGraph: false, allowUnused: false })[0]!.toArray()).toEqual([1, 1]);
    // By default the gradient has no graph: d(x·x)/dx = 2x, plain.
    const [g] = grad(x.mul(x).sum(), x);
    expect(g!.toArray()).toEqual([2, 4]);
    expect(g!.requiresGrad).toBe(false);
    expect(grad(x.mul(x).sum(), x, { createGraph: true })[0]!.requiresGrad).toBe(true);
  });

  it('outputs and inputs: lists of Tensors, not empty', () => {
    expect(thrownMessage(() => grad([], x))).toBe('grad: output must be a Tensor or a non-empty array of Tensors');
    expect(thrownMessage(() => grad(5 as never, x))).toBe('grad: output must be a Tensor or a non-empty array of Tensors');
    expect(thrownMessage(() => grad(x.sum(), 'x' as never))).toBe('grad: input must be a Tensor or a non-empty array of Tensors');
    expect(thrownMessage(() => grad(x.sum(), [x, 3 as never]))).toBe('grad: input 1 is not a Tensor');
    expect(thrownMessage(() => grad(x.sum(), x, { gradOutputs: 5 as never }))).toBe('grad: gradOutputs must be a Tensor, an array of Tensors (or nulls), or null');
  });

  it('inputs and outputs that do not require grad, and unused inputs, are named with their shapes', () => {
    const c = tensor([[1, 2, 3]]);
    expect(thrownMessage(() => grad(c.sum(), x))).toBe('grad: output 0 (shape []) does not require grad and has no graph');
    expect(thrownMessage(() => grad(x.sum(), [x, c]))).toBe('grad: input 1 (shape [1, 3]) does not require grad, so no gradient can flow to it');
    const w = tensor([[1], [2]], { requiresGrad: true });
    expect(thrownMessage(() => grad(x.sum(), [x, w]))).toBe('grad: input 1 (shape [2, 1]) was not used to compute the outputs; pass allowUnused: true to get null for it');
    expect(grad(x.sum(), [x, w], { allowUnused: true })[1]).toBeNull();
  });
});

describe('functional helpers: an input fn ignores', () => {
  // f(a, b) = sum(a³): every derivative involving b is zero (allowUnused gives null inside).
  const f = (a: Tensor, _b: Tensor) => a.pow(3).sum();
  const a = tensor([1, 2]);
  const b = tensor([[5, 6, 7]]);

  it('hessian: the blocks of b are zero, the a block is diag(6a)', () => {
    const H = hessian(f, [a, b]) as Tensor[][];
    expect(H[0]![0]!.toArray()).toEqual([[6, 0], [0, 12]]);
    expect(H[0]![1]!.toArray()).toEqual([[[0, 0, 0]], [[0, 0, 0]]]);
    expect(H[1]![0]!.toArray()).toEqual([[[0, 0], [0, 0], [0, 0]]]);
    expect(H[1]![1]!.shape).toEqual([1, 3, 1, 3]);
  });

  it('hvp: H·v = [6a·va, 0] for v = (va, vb)', () => {
    const [, hv] = hvp(f, [a, b], [tensor([1, -1]), tensor([[1, 1, 1]])]);
    expect((hv as Tensor[]).map((t) => t.toArray())).toEqual([[6, -12], [[0, 0, 0]]]);
  });

  it('jvp: J·v = 3a²·va, whatever vb is', () => {
    const [y, jv] = jvp(f, [a, b], [tensor([1, -1]), tensor([[9, 9, 9]])]);
    expect(y.item()).toBe(9);
    expect(jv.item()).toBe(3 * 1 - 3 * 4);
  });
});

describe('functional helpers: an empty output', () => {
  it('jacobian of a function with no output elements is an empty [0, ...x.shape], with or without a graph', () => {
    const x = tensor([[1, 2, 3]]);
    const f = (t: Tensor) => t.reshape([3]).narrow(0, 0, 0).mul(2);
    for (const createGraph of [false, true]) {
      const J = jacobian(f, x, { createGraph }) as Tensor;
      expect(J.shape).toEqual([0, 1, 3]);
      expect(J.size).toBe(0);
    }
  });
});

describe('traceOps and noGrad: argument checks and return values', () => {
  it('traceOps needs onOp to be a function too', () => {
    expect(thrownMessage(() => traceOps(() => 0, null as never))).toBe('traceOps: expected two functions (fn, onOp)');
    expect(thrownMessage(() => traceOps(() => 0, 'log' as never))).toBe('traceOps: expected two functions (fn, onOp)');
  });

  it('noGrad names what it got instead of a function', () => {
    expect(thrownMessage(() => noGrad(5 as never))).toBe('noGrad: expected a function, got number');
    expect(thrownMessage(() => noGrad(undefined as never))).toBe('noGrad: expected a function, got undefined');
  });

  it('noGrad returns what fn returns: null, a primitive, an object with a non-function then', () => {
    expect(noGrad(() => null)).toBeNull();
    expect(noGrad(() => 'text')).toBe('text');
    const o = { then: 5 };
    expect(noGrad(() => o)).toBe(o);
    const x = tensor([1], { requiresGrad: true });
    expect(noGrad(() => x.mul(2)).requiresGrad).toBe(false);
  });
});

describe('functional helpers with createGraph', () => {
  it('plain inputs: the result has a graph of its own (through fresh leaves)', () => {
    const x = tensor([1, 3]);
    const J = jacobian((t) => t.pow(2), x, { createGraph: true }) as Tensor;
    expect(J.toArray()).toEqual([[2, 0], [0, 6]]);
    expect(J.requiresGrad).toBe(true);
  });

  it("inputs that require grad: the result stays connected to the caller's tensors", () => {
    // J of x³ is diag(3x²); d(sum J)/dx = 6x.
    const x = tensor([1, 3], { requiresGrad: true });
    const J = jacobian((t) => t.pow(3), x, { createGraph: true }) as Tensor;
    expect(J.toArray()).toEqual([[3, 0], [0, 27]]);
    const [g] = grad(J.sum(), x);
    expect(g!.toArray()).toEqual([6, 18]);
    // Without createGraph the result is plain.
    expect((jacobian((t) => t.pow(3), x) as Tensor).requiresGrad).toBe(false);
  });
});
