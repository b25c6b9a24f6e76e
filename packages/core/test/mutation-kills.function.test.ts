import { describe, expect, it } from 'vitest';
import { Context, type Op, TensorData, apply, noGrad, tensor, traceOps } from '../src/index.js';
import { freshGrad } from '../src/autograd/function.js';

// apply() and Context (autograd/function.ts), tested directly: custom ops with known layouts and
// hand-computed answers. Added for mutation testing.

const copyOp = (name: string): Op => ({
  name,
  forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage()), x!.shape),
  backward: (g) => [g],
});

describe('apply: errors from forward', () => {
  it('an invalid TensorData built in forward is reported under the op name, without the TensorData prefix', () => {
    const bad: Op = { name: 'myOp', forward: () => new TensorData([1, 2] as never, [2]), backward: (g) => [g] };
    expect(() => apply(bad, [tensor([1])], undefined)).toThrow(
      /^myOp: forward built an invalid TensorData: storage must be a Float64Array or Float32Array, got an array$/,
    );
    const badShape: Op = { name: 'shaper', forward: () => new TensorData(new Float64Array(2), [2, -1]), backward: (g) => [g] };
    let message = '';
    try {
      apply(badShape, [tensor([1])], undefined);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith('shaper: forward built an invalid TensorData: ')).toBe(true);
    expect(message).not.toMatch(/TensorData: TensorData/);
    expect(message.slice('shaper: forward built an invalid TensorData: '.length)).not.toMatch(/^TensorData/);
  });

  it("other errors from forward pass through unchanged (also ones that only mention 'TensorData:')", () => {
    const boom = new Error('boom');
    const thrower: Op = { name: 't', forward: () => { throw boom; }, backward: (g) => [g] };
    expect(() => apply(thrower, [tensor([1])], undefined)).toThrow(boom);
    const mentions: Op = { name: 'm', forward: () => { throw new Error('bad TensorData: here'); }, backward: (g) => [g] };
    expect(() => apply(mentions, [tensor([1])], undefined)).toThrow(/^bad TensorData: here$/);
    const str: Op = { name: 's', forward: () => { throw 'TensorData: not an Error'; }, backward: (g) => [g] };
    let thrown: unknown;
    try {
      apply(str, [tensor([1])], undefined);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe('TensorData: not an Error');
  });

  it('a forward that returns something else than a TensorData names what it got', () => {
    const nul: Op = { name: 'nul', forward: () => null as never, backward: (g) => [g] };
    expect(() => apply(nul, [tensor([1])], undefined)).toThrow(/^nul: forward must return a TensorData, got null$/);
    const num: Op = { name: 'num', forward: () => 3 as never, backward: (g) => [g] };
    expect(() => apply(num, [tensor([1])], undefined)).toThrow(/^num: forward must return a TensorData, got number$/);
    const undef: Op = { name: 'u', forward: () => undefined as never, backward: (g) => [g] };
    expect(() => apply(undef, [tensor([1])], undefined)).toThrow(/^u: forward must return a TensorData, got undefined$/);
  });

  it('strides of another length than the shape are refused', () => {
    const op: Op = { name: 'st', forward: () => new TensorData(new Float64Array(4), [2, 2], [2]), backward: (g) => [g] };
    expect(() => apply(op, [tensor([1])], undefined)).toThrow(/^st: forward returned a TensorData whose strides \[2\] do not match its shape \[2, 2\]$/);
  });
});

describe('apply: the storage bounds of a custom result', () => {
  const run = (shape: number[], strides: number[], offset: number, len: number): Tensor => {
    const op: Op = { name: 'lay', forward: () => new TensorData(Float64Array.from({ length: len }, (_, i) => i), shape, strides, offset), backward: (g) => [g] };
    return apply(op, [tensor([1])], undefined);
  };
  type Tensor = ReturnType<typeof tensor>;

  it('exactly reaching the last element is fine; one past it throws with the reach', () => {
    expect(run([2, 3], [3, 1], 0, 6).toArray()).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(() => run([2, 3], [3, 1], 1, 6)).toThrow(/reaches elements 1\.\.6, but the storage has 6$/);
    expect(run([3], [2], 1, 6).toArray()).toEqual([1, 3, 5]);
    expect(() => run([3], [2], 2, 6)).toThrow(/reaches elements 2\.\.6/);
  });

  it('negative strides reach down from the offset: element 0 is fine, -1 throws', () => {
    expect(run([3], [-1], 2, 3).toArray()).toEqual([2, 1, 0]);
    expect(run([2, 2], [-2, 1], 2, 4).toArray()).toEqual([[2, 3], [0, 1]]);
    expect(() => run([2, 2], [-2, 1], 1, 4)).toThrow(/reaches elements -1\.\.2, but the storage has 4$/);
    expect(() => run([2], [1], -1, 4)).toThrow(/offset -1 reaches elements -1\.\.0/);
    expect(run([2, 2], [-1, -2], 3, 4).toArray()).toEqual([[3, 1], [2, 0]]);
  });

  it('dims of size 1 reach nothing, whatever their stride', () => {
    expect(run([1, 2], [100, 1], 0, 2).toArray()).toEqual([[0, 1]]);
    expect(run([2, 1], [1, -50], 0, 2).toArray()).toEqual([[0], [1]]);
  });

  it('a fractional stride or offset is refused', () => {
    expect(() => run([2], [0.5], 0, 4)).toThrow(/forward built an invalid TensorData: strides \[0\.5\] must be integers/);
    expect(() => run([2], [-0.5], 1, 4)).toThrow(/strides \[-0\.5\] must be integers/);
    expect(() => run([2], [1], 0.5, 4)).toThrow(/forward built an invalid TensorData: offset 0\.5 must be an integer/);
  });

  it('an empty result is not checked against its storage', () => {
    const t = run([0, 3], [1, 7], 9, 2);
    expect(t.shape).toEqual([0, 3]);
    expect(t.size).toBe(0);
  });
});

describe('apply: recording', () => {
  it('records a node only when grad is enabled and some input requires grad', () => {
    const op = copyOp('c');
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    expect(apply(op, [a], undefined).requiresGrad).toBe(true);
    expect(apply(op, [b], undefined).requiresGrad).toBe(false);
    expect(noGrad(() => apply(op, [a], undefined)).requiresGrad).toBe(false);
    const two: Op = {
      name: 'add2',
      forward: ([x, y]) => new TensorData(Float64Array.from(x!.contiguousStorage(), (v, i) => v + y!.contiguousStorage()[i]!), x!.shape),
      backward: (g) => [g, g],
    };
    // Only the last input requires grad: it still counts.
    const r = apply(two, [b, a], undefined);
    expect(r.requiresGrad).toBe(true);
    r.sum().backward();
    expect(a.grad!.toArray()).toEqual([1, 1]);
  });

  it('Context gives backward the inputs, params, needsGrad per input, and the output', () => {
    let seen: Context<{ k: number }> | null = null;
    const op: Op<{ k: number }> = {
      name: 'scale',
      forward: ([x, y], p) => new TensorData(Float64Array.from(x!.contiguousStorage(), (v, i) => p.k * v * y!.contiguousStorage()[i]!), x!.shape),
      backward: (g, ctx) => {
        seen = ctx;
        return [g.mul(ctx.inputs[1]!).mul(ctx.params.k), null];
      },
    };
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4]);
    const y = apply(op, [a, b], { k: 2 });
    expect(y.toArray()).toEqual([6, 16]);
    y.sum().backward();
    expect(a.grad!.toArray()).toEqual([6, 8]);
    const ctx = seen as unknown as Context<{ k: number }>;
    expect(ctx.needsGrad(0)).toBe(true);
    expect(ctx.needsGrad(1)).toBe(false);
    expect(ctx.params).toEqual({ k: 2 });
    expect(ctx.inputs[0]).toBe(a);
    expect(Array.from(ctx.output.storage)).toEqual([6, 16]);
  });

  it('Context.out() outside a recorded call wraps the output data', () => {
    const ctx = new Context([tensor([1])], undefined);
    ctx.output = new TensorData(Float64Array.from([5, 6]), [2]);
    const t = ctx.out();
    expect(t.toArray()).toEqual([5, 6]);
    expect(t.tensorData).toBe(ctx.output);
    expect(t.requiresGrad).toBe(false);
  });

  it('tells the tracer each op with its inputs, params and result', () => {
    const op = copyOp('traced');
    const a = tensor([1, 2]);
    const events: { name: string; inputs: readonly unknown[]; params: unknown; output: unknown }[] = [];
    let result: unknown;
    traceOps(() => {
      result = apply(op, [a], undefined);
    }, (e) => events.push({ name: e.op.name, inputs: e.inputs, params: e.params, output: e.output }));
    expect(events).toHaveLength(1);
    expect(events[0]!.name).toBe('traced');
    expect(events[0]!.inputs[0]).toBe(a);
    expect(events[0]!.output).toBe(result);
  });
});

describe('apply: gradients are never written through into tensors the caller holds', () => {
  it('a gradient passed to backward under createGraph is not adopted as .grad (and not overwritten later)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const g = tensor([10, 20]).mul(1); // made by an op, outside any backward pass
    x.mul(1).sum(); // unrelated graph
    x.backward(g, { createGraph: true });
    x.backward(g, { createGraph: true });
    expect(x.grad!.toArray()).toEqual([20, 40]);
    expect(g.toArray()).toEqual([10, 20]);
  });

  it('a view made in a backward rule (of the incoming gradient) is not adopted as .grad', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = tensor([1, 2, 3, 4]);
    x.reshape([4]).backward(g);
    x.reshape([4]).backward(g);
    expect(x.grad!.toArray()).toEqual([[2, 4], [6, 8]]);
    expect(g.toArray()).toEqual([1, 2, 3, 4]);
    // The same through a custom op whose backward returns a view of its gradient.
    const y = tensor([1, 2, 3, 4], { requiresGrad: true });
    const view: Op = { name: 'v', forward: ([t]) => new TensorData(Float64Array.from(t!.contiguousStorage()), [2, 2]), backward: (gr) => [gr.reshape([4])] };
    const h = tensor([[1, 1], [1, 1]]);
    apply(view, [y], undefined).backward(h);
    apply(view, [y], undefined).backward(h);
    expect(y.grad!.toArray()).toEqual([2, 2, 2, 2]);
    expect(h.toArray()).toEqual([[1, 1], [1, 1]]);
  });

  it('a view of one input of a two-input op, made in a backward rule, is not adopted as .grad', () => {
    // pick(a, b) returns a itself (a view of its first input's storage).
    const pick: Op = { name: 'pick', forward: ([a]) => new TensorData(a!.storage, a!.shape, a!.strides, a!.offset), backward: (g) => [g, null] };
    const other = tensor([0, 0]);
    // id's backward hands back pick(g, other): the incoming gradient's own buffer.
    const id: Op = { name: 'id2', forward: ([t]) => new TensorData(Float64Array.from(t!.contiguousStorage()), t!.shape), backward: (g) => [apply(pick, [g, other], undefined)] };
    const x = tensor([1, 2], { requiresGrad: true });
    const g = tensor([3, 4]);
    apply(id, [x], undefined).backward(g);
    apply(id, [x], undefined).backward(g);
    expect(x.grad!.toArray()).toEqual([6, 8]);
    expect(g.toArray()).toEqual([3, 4]);
    expect(other.toArray()).toEqual([0, 0]);
  });
});

describe('gradient buffers a leaf may adopt (Tensor._fresh)', () => {
  // During a backward pass an op result over a buffer it allocated, or a freshGrad, is handed to
  // the leaf as its .grad without a copy (the views that must be copied are tested above).
  // Values: d(3x)/dx = 3.
  it('an op run inside a backward rule makes a buffer the leaf adopts as .grad', () => {
    const made: ReturnType<typeof tensor>[] = [];
    const op: Op = {
      ...copyOp('triple'),
      backward: (g) => {
        made.push(g.mul(3));
        return [made[0]!];
      },
    };
    const x = tensor([1, 2], { requiresGrad: true });
    apply(op, [x], undefined).backward(tensor([1, 1]));
    expect(x.grad!.toArray()).toEqual([3, 3]);
    expect(x.grad!.tensorData.storage).toBe(made[0]!.tensorData.storage);
  });

  it('freshGrad marks a buffer a backward rule filled by hand for adoption', () => {
    const made: Float64Array[] = [];
    const op: Op = {
      ...copyOp('tripleByHand'),
      backward: (g) => {
        made.push(Float64Array.from(g.tensorData.contiguousStorage(), (v) => 3 * v));
        return [freshGrad(new TensorData(made[made.length - 1]!, g.shape))];
      },
    };
    const x = tensor([1, 2], { requiresGrad: true });
    apply(op, [x], undefined).backward(tensor([1, 2]));
    expect(x.grad!.toArray()).toEqual([3, 6]);
    expect(x.grad!.tensorData.storage).toBe(made[0]);
    // A gradient already of its input's shape is taken as is, size-1 dims included (no sum).
    const row = tensor([[1, 2]], { requiresGrad: true });
    apply(op, [row], undefined).backward(tensor([[1, 1]]));
    expect(row.grad!.toArray()).toEqual([[3, 3]]);
    expect(row.grad!.tensorData.storage).toBe(made[1]);
  });
});
