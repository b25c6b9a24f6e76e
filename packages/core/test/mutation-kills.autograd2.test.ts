import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { type Op, Tensor, TensorData, apply, grad, hvp, jvp, noGrad, tensor, vjp } from '../src/index.js';

// More of the engine's walk (autograd/backward.ts): the gradient-shape check for a gradient with
// fewer dims than its input, and grad()'s pruning of the graph to what its inputs need; the
// functional helpers' checks of v and of what fn returns (autograd/functional.ts); noGrad's
// message for an async fn (autograd/grad-mode.ts). Added for mutation testing (second run);
// every expected value is worked out by hand.

/** y = x (a copy); its backward is given. */
const copyOp = (name: string, backward: Op['backward']): Op => ({
  name,
  forward: ([x]) => new TensorData(Float64Array.from(x!.contiguousStorage()), x!.shape),
  backward,
});

describe('backward: a gradient with fewer dims than its input', () => {
  // PyTorch's validate_outputs only sums a gradient back when the input's shape expands to it;
  // [1, 3] does not expand to [3] (nor [1] to []), so the gradient is refused, even though
  // size-1 dims are all that is missing. PyTorch 1.13, a Function whose backward returns
  // torch.ones(3) for x = torch.ones(1, 3): "Function FBackward returned an invalid gradient at
  // index 0 - got [3] but expected shape compatible with [1, 3]".
  const run = (shape: number[], g: Tensor) => {
    const x = tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1)).reshape(shape).detach();
    x.requiresGrad = true;
    const y = apply(copyOp('shaper', () => [g]), [x], undefined);
    y.backward(tensor(new Array(x.size).fill(1)).reshape(shape));
    return x;
  };

  it('is refused, naming both shapes, even when only leading size-1 dims are missing', () => {
    expect(thrownMessage(() => run([1, 3], tensor([1, 2, 3])))).toBe('backward: shaper produced a gradient of shape [3] for an input of shape [1, 3]');
    expect(thrownMessage(() => run([1], tensor(5)))).toBe('backward: shaper produced a gradient of shape [] for an input of shape [1]');
    expect(thrownMessage(() => run([1, 1, 2], tensor([[1, 2]])))).toBe('backward: shaper produced a gradient of shape [1, 2] for an input of shape [1, 1, 2]');
  });

  it('the same shape is taken as is', () => {
    expect(run([1, 3], tensor([[1, 2, 3]])).grad!.toArray()).toEqual([[1, 2, 3]]);
  });
});

describe('grad: only the part of the graph that leads to the inputs is walked', () => {
  it("an op on another leaf's branch does not run its backward", () => {
    let calls = 0;
    const spy = copyOp('spy', (g) => {
      calls++;
      return [g];
    });
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4], { requiresGrad: true });
    // y = Σ (x² + spy(w)): dy/dx = 2x, and nothing on w's side is needed for it.
    const y = x.mul(x).add(apply(spy, [w], undefined)).sum();
    const [g] = grad(y, x);
    expect(g!.toArray()).toEqual([2, 4]);
    expect(calls).toBe(0);
    expect(w.grad).toBeNull();
    // Asking for w runs it (once), and the gradient there is all ones.
    const [gw] = grad(y, w);
    expect(gw!.toArray()).toEqual([1, 1]);
    expect(calls).toBe(1);
  });

  it('an op downstream of the input on the way to the output still runs; one beside it does not', () => {
    const ran: string[] = [];
    const named = (name: string, k: number) =>
      copyOp(name, (g) => {
        ran.push(name);
        return [g.mul(k)];
      });
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([5], { requiresGrad: true });
    const onPath = apply(named('onPath', 3), [x], undefined); // forward is a copy; backward says 3
    const beside = apply(named('beside', 7), [w], undefined);
    const y = onPath.mul(beside).sum(); // forward: Σ x·w
    // dy/dx = w · (onPath's 3) = [15, 15]
    const [g] = grad(y, x);
    expect(g!.toArray()).toEqual([15, 15]);
    expect(ran).toEqual(['onPath']);
  });
});

describe('functional helpers: the shape of each v', () => {
  const sq = (t: Tensor) => t.mul(t);
  const x23 = tensor([[1, 2, 3], [4, 5, 6]]);

  it('fewer dims than the input is refused even when the dims it has agree', () => {
    expect(thrownMessage(() => jvp(sq, x23, tensor([1, 1])))).toBe('jvp: v 0 has shape [2], the inputs [2, 3]');
    expect(thrownMessage(() => hvp((t) => t.sum(), x23, tensor(1)))).toBe('hvp: v 0 has shape [], the inputs [2, 3]');
    expect(thrownMessage(() => vjp(sq, x23, tensor([1, 1])))).toBe('vjp: v 0 has shape [2], the output [2, 3]');
  });

  it('the same number of dims with one of them different is refused', () => {
    expect(thrownMessage(() => jvp(sq, x23, tensor([[1, 1, 1, 1], [1, 1, 1, 1]])))).toBe('jvp: v 0 has shape [2, 4], the inputs [2, 3]');
    const a = tensor([1, 2]);
    expect(thrownMessage(() => hvp((p, q) => p.sum().add(q.sum()), [a, x23], [a, tensor([[1, 1, 1]])]))).toBe('hvp: v 1 has shape [1, 3], the inputs [2, 3]');
    expect(thrownMessage(() => vjp(sq, x23, tensor([[1, 1, 1], [1, 1, 1], [1, 1, 1]])))).toBe('vjp: v 0 has shape [3, 3], the output [2, 3]');
  });

  it('the matching shape is taken: jvp of x² along v is 2x·v', () => {
    const [, t] = jvp(sq, x23, tensor([[1, 0, 1], [0, 1, 0]]));
    expect(t.toArray()).toEqual([[2, 0, 6], [0, 10, 0]]);
  });
});

describe('jvp: fn and its gradient', () => {
  it('fn must return a Tensor; what it returned is named', () => {
    const x = tensor([1, 2]);
    expect(thrownMessage(() => jvp(() => null as never, x, x))).toBe('jvp: fn must return a Tensor, got null');
    expect(thrownMessage(() => jvp(() => [x] as never, x, x))).toBe('jvp: fn must return a Tensor, got object');
  });

  it('a rule whose gradient does not depend on the incoming one gives zeros', () => {
    // The double-vjp trick differentiates the rule's result in the incoming gradient u: here it
    // is x·0 whatever u is, so J·v is zero. PyTorch 1.13, a Function with backward(ctx, g):
    // return x * 0, jvp(F.apply, tensor([1., 2.]), tensor([1., 1.])) == (tensor([1., 2.]), tensor([0., 0.])).
    const ignoresG = copyOp('ignoresG', (_g, ctx) => [ctx.inputs[0]!.mul(0)]);
    const [y, t] = jvp((a) => apply(ignoresG, [a], undefined), tensor([1, 2]), tensor([1, 1]));
    expect(y.toArray()).toEqual([1, 2]);
    expect(t.toArray()).toEqual([0, 0]);
    expect(t.shape).toEqual([2]);
  });
});

describe('noGrad: an async fn', () => {
  it('is refused with the whole explanation and the fix', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(thrownMessage(() => noGrad(async () => w.mul(2)))).toBe(
      'noGrad: fn returned a Promise (an async function?); recording would restart after its first await, ' +
        'so only the code before it ran without a graph. Await the async work outside, then wrap the synchronous part: ' +
        'const data = await load(); const y = noGrad(() => model.forward(data));',
    );
  });
});

describe('apply: a custom result whose reach is past the safe integers', () => {
  // The bounds lo >= 0 and hi < storage length alone refuse these: lo <= offset <= hi.
  const run = (shape: number[], strides: number[], offset: number) => () =>
    apply({ name: 'far', forward: () => new TensorData(new Float64Array(4), shape, strides, offset), backward: (g) => [g] }, [tensor([1])], undefined);
  const head = 'far: forward built an invalid TensorData: shape';

  it('a huge positive or negative stride, or one that overflows to Infinity, is refused with its reach', () => {
    expect(thrownMessage(run([2], [2 ** 60], 0))).toBe(`${head} [2] with strides [${2 ** 60}] and offset 0 reaches elements 0..${2 ** 60}, but the storage has 4`);
    expect(thrownMessage(run([2], [-(2 ** 60)], 3))).toBe(`${head} [2] with strides [${-(2 ** 60)}] and offset 3 reaches elements ${3 - 2 ** 60}..3, but the storage has 4`);
    expect(thrownMessage(run([3, 3], [1e308, -1e308], 1))).toBe(`${head} [3, 3] with strides [1e+308, -1e+308] and offset 1 reaches elements -Infinity..Infinity, but the storage has 4`);
  });

  it('a huge offset is refused, however far back the strides reach', () => {
    expect(thrownMessage(run([2], [-1], 2 ** 60))).toBe(`${head} [2] with strides [-1] and offset ${2 ** 60} reaches elements ${2 ** 60 - 1}..${2 ** 60}, but the storage has 4`);
  });
});
