import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { type Tensor, apply, cat, chunk, conv1d, convTranspose1d, elu, gather, grad, softplus, traceOps, indexSelect, logsumexp, mseLoss, pad, slice, split, stack, std, tensor, var as variance, where, zeros } from '../src/index.js';
import { FlipOps, IndexSelectOps, PadMapOps, RollOps } from '../src/ops/index-ops.js';
import { Matmul } from '../src/ops/matmul.js';
import { fused } from '../src/ops/elementwise.js';
import type { BinaryOp } from '../src/kernels/kernels.js';

// Paths of ops/ that core's other tests did not reach. Added for mutation testing.

describe('IndexMap ops on a 0-d tensor', () => {
  // No public op builds a 0-d IndexMap (flip, roll and indexSelect all refuse or short-cut a
  // 0-d input), but the ops themselves support one: with no dims to map, the gather is the
  // identity, and so is its scatter-add adjoint.
  for (const [name, ops] of [['indexSelect', IndexSelectOps], ['flip', FlipOps], ['roll', RollOps], ['pad', PadMapOps]] as const) {
    it(`${name}: the gather copies the one element and the adjoint hands the gradient back`, () => {
      const x = tensor(5, { requiresGrad: true });
      const y = apply(ops.gather, [x], { maps: [], inShape: [] });
      expect(y.shape).toEqual([]);
      expect(y.item()).toBe(5);
      y.mul(3).backward();
      expect(x.grad!.shape).toEqual([]);
      expect(x.grad!.item()).toBe(3);
    });
  }

  it('reads a 0-d view at its offset, and the scatter adds into a zero', () => {
    // A 0-d view of the last element of [4, 5, 6]: storage offset 2.
    const v = tensor([4, 5, 6]).narrow(0, 2, 1).reshape([]);
    expect(v.tensorData.offset).toBe(2);
    expect(apply(FlipOps.gather, [v], { maps: [], inShape: [] }).item()).toBe(6);
    const s = apply(FlipOps.scatter, [tensor(-2.5)], { maps: [], inShape: [] });
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(-2.5);
  });
});

describe('Matmul (the op)', () => {
  it('checks the inner dims itself, naming the rows it found', () => {
    // Tensor.matmul checks first; the op guards callers that apply it directly.
    expect(thrownMessage(() => apply(Matmul, [tensor([[1, 2, 3]]), tensor([[1, 2]])], undefined))).toBe(
      'matmul: shapes [1, 3] and [1, 2] are not aligned (3 columns vs 1 rows)',
    );
    expect(thrownMessage(() => apply(Matmul, [zeros([2, 2, 4]), zeros([3, 5])], undefined))).toBe(
      'matmul: shapes [2, 2, 4] and [3, 5] are not aligned (4 columns vs 3 rows)',
    );
    expect(apply(Matmul, [tensor([[1, 2]]), tensor([[3], [4]])], undefined).toArray()).toEqual([[11]]);
  });
});

describe('the fused comparison ops in a graph', () => {
  // The public comparisons run under noGrad, but backward rules call the fused ops directly
  // (minimum's and maximum's, in a createGraph pass), where they are recorded like any op.
  // d/dx sum(x * (x op 2)) is then the 0/1 mask itself: the comparison's backward gives no
  // gradient (one null per input), as the mask is piecewise constant.
  const masks = {
    eq: [0, 1, 0],
    ne: [1, 0, 1],
    lt: [1, 0, 0],
    le: [1, 1, 0],
    gt: [0, 0, 1],
    ge: [0, 1, 1],
  } as const;
  for (const [op, mask] of Object.entries(masks)) {
    it(op, () => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      const m = fused(op as BinaryOp, x, tensor(2));
      expect(m.requiresGrad).toBe(true);
      expect(m.toArray()).toEqual(mask);
      x.mul(m).sum().backward();
      expect(x.grad!.toArray()).toEqual(mask);
    });
  }
});

describe('argument errors', () => {
  it('cat refuses 0-d tensors, pointing to stack', () => {
    expect(thrownMessage(() => cat([tensor(1), tensor(2)]))).toBe('cat: zero-dimensional tensors cannot be concatenated; use stack');
  });

  it('pad names what it got when the input is not a Tensor', () => {
    expect(thrownMessage(() => pad(5 as never, [1, 1]))).toBe('pad: input must be a Tensor, got 5');
    expect(thrownMessage(() => pad([1, 2] as never, [1, 1]))).toBe('pad: input must be a Tensor, got an array');
  });
});

describe('split of an empty dim', () => {
  it('gives one empty piece for any positive split size, as torch.split does', () => {
    // torch.split(torch.zeros(0), 2) -> (tensor([]),); torch.split(torch.zeros(2, 0), 3, 1) -> (tensor([], size=(2, 0)),)
    const a = split(zeros([0]), 2);
    expect(a).toHaveLength(1);
    expect(a[0]!.shape).toEqual([0]);
    const b = split(zeros([2, 0]), 3, 1);
    expect(b).toHaveLength(1);
    expect(b[0]!.shape).toEqual([2, 0]);
  });
});

describe('the functional reductions drop the reduced dim by default', () => {
  // torch.logsumexp(x, 0), torch.var(x, 0), torch.std(x, 0) of a [2, 3] x all have shape [3].
  const x = tensor([
    [1, 2, 3],
    [4, 6, 8],
  ]);
  it('logsumexp', () => {
    const r = logsumexp(x, 0);
    expect(r.shape).toEqual([3]);
    // log(e^1 + e^4) = 4 + log(1 + e^-3)
    expect((r.toArray() as number[])[0]).toBeCloseTo(4 + Math.log1p(Math.exp(-3)), 12);
    expect(logsumexp(x, 0, true).shape).toEqual([1, 3]);
  });
  it('var', () => {
    const r = variance(x, 0);
    expect(r.shape).toEqual([3]);
    // Pairs differing by d have unbiased variance d^2 / 2: d = 3, 4, 5.
    expect(r.toArray()).toEqual([4.5, 8, 12.5]);
    expect(variance(x, 0, true).shape).toEqual([1, 3]);
  });
  it('std', () => {
    const r = std(x, 0);
    expect(r.shape).toEqual([3]);
    expect(r.toArray()).toEqual([Math.sqrt(4.5), Math.sqrt(8), Math.sqrt(12.5)]);
    expect(std(x, 0, true).shape).toEqual([1, 3]);
  });
});

describe('slice and chunk at their edges', () => {
  const x = tensor([1, 2, 3]);

  it('an empty slice keeps the offset instead of pointing past the storage', () => {
    // torch: x[3:3].shape == (0,), x[2:1].shape == (0,)
    const tail = slice(x.narrow(0, 1, 2), 0, 2);
    expect(tail.shape).toEqual([0]);
    expect(tail.tensorData.offset).toBe(1);
    expect(slice(x, 0, 2, 1).shape).toEqual([0]);
  });

  it('start 0 counts from the front and a negative start from the end; step 2 takes every other', () => {
    // torch: x[0::2] -> [1., 3.]; x[-1:] -> [3.]
    expect(slice(x, 0, 0, null, 2).toArray()).toEqual([1, 3]);
    expect(slice(x, 0, -1).toArray()).toEqual([3]);
  });

  it('a slice that keeps every element in order is the tensor itself', () => {
    expect(slice(x, 0, null, null, 1)).toBe(x);
    const one = tensor([7]);
    expect(slice(one, 0, null, null, 2)).toBe(one); // a single element is every element for any step
    expect(slice(x, 0, null, null, 2)).not.toBe(x);
  });

  it('chunk refuses zero chunks and gives an empty dim that many empty pieces', () => {
    // torch.chunk(torch.zeros(0), 3) has 3 pieces
    expect(thrownMessage(() => chunk(x, 0))).toBe('chunk: chunks must be a positive integer, got 0');
    const pieces = chunk(zeros([0]), 3);
    expect(pieces).toHaveLength(3);
    expect(pieces.every((p) => p.shape[0] === 0)).toBe(true);
  });
});

describe('pad at its edges', () => {
  const x = tensor([[[1, 2, 3]]]);

  it('circular padding may take the whole dim, reflect padding may not', () => {
    // F.pad(torch.tensor([[[1., 2, 3]]]), (3, 0), mode='circular') -> [[[1., 2., 3., 1., 2., 3.]]]
    expect(pad(x, [3, 0], { mode: 'circular' }).toArray()).toEqual([[[1, 2, 3, 1, 2, 3]]]);
    // mode='reflect' raises: padding size should be less than the corresponding input dimension
    expect(thrownMessage(() => pad(x, [3, 0], { mode: 'reflect' }))).toBe('pad: reflect padding [3, 0] of dim 2 must be less than its size 3 (shape [1, 1, 3])');
    expect(thrownMessage(() => pad(x, [0, 3], { mode: 'reflect' }))).toBe('pad: reflect padding [0, 3] of dim 2 must be less than its size 3 (shape [1, 1, 3])');
    expect(thrownMessage(() => pad(x, [0, 4], { mode: 'circular' }))).toBe(
      'pad: circular padding [0, 4] of dim 2 may be at most its size 3 (shape [1, 1, 3]): it would wrap around more than once',
    );
  });

  it('cropping a dim to exactly 0 is allowed, past 0 is not', () => {
    // F.pad(torch.tensor([1., 2, 3]), (-3, 0)).shape == (0,)
    expect(pad(tensor([1, 2, 3]), [-3, 0]).shape).toEqual([0]);
    expect(thrownMessage(() => pad(tensor([1, 2, 3]), [-4, 0]))).toBe('pad: dim 0 of size 3 padded by [-4, 0] would have size -1');
  });

  it('an empty dim that is not padded does not stop replicate padding of another dim; an empty padded dim does', () => {
    expect(pad(zeros([1, 0, 3]), [1, 1], { mode: 'replicate' }).shape).toEqual([1, 0, 5]);
    expect(thrownMessage(() => pad(zeros([1, 3, 0]), [1, 1], { mode: 'replicate' }))).toBe(
      'pad: replicate padding needs a non-empty dim, but dim 2 has size 0 (shape [1, 3, 0])',
    );
  });
});

describe('cat and stack', () => {
  it('a tensor with fewer dims than the first is refused', () => {
    expect(thrownMessage(() => stack([zeros([2, 1]), zeros([2])]))).toBe('stack: tensor 1 has shape [2], expected [2, 1] (all tensors must have the same shape)');
    expect(thrownMessage(() => cat([zeros([2, 1]), zeros([2])], 0))).toBe('cat: tensor 1 has shape [2], expected [*, 1] (sizes must match except in dim 0)');
  });

  it('one tensor is joined without a copy: cat gives it back, stack a view of it', () => {
    const x = tensor([1, 2]);
    expect(cat([x])).toBe(x);
    const s = stack([x]);
    expect(s.shape).toEqual([1, 2]);
    expect(s.tensorData.storage).toBe(x.tensorData.storage);
  });

  it('mixed dtypes promote to float64, as torch.cat does', () => {
    // torch.cat([torch.ones(1, dtype=torch.float32), torch.ones(1, dtype=torch.float64)]).dtype == torch.float64
    expect(cat([tensor([1], { dtype: 'float32' }), tensor([2])]).dtype).toBe('float64');
    expect(cat([tensor([2]), tensor([1], { dtype: 'float32' })]).dtype).toBe('float64');
    expect(cat([tensor([1], { dtype: 'float32' }), tensor([2], { dtype: 'float32' })]).dtype).toBe('float32');
  });
});

describe('where', () => {
  it('a number operand takes the dtype of the Tensor operand, whichever side it is on', () => {
    // torch.where(torch.tensor([True, False]), 1, torch.tensor([5., 6.], dtype=torch.float32)) -> float32 [1., 6.]
    const a = where(tensor([1, 0]), 1, tensor([5, 6], { dtype: 'float32' }));
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([1, 6]);
    const b = where(tensor([1, 0]), tensor([5, 6], { dtype: 'float32' }), 2);
    expect(b.dtype).toBe('float32');
    expect(b.toArray()).toEqual([5, 2]);
    const c = where(tensor([1, 0]), 1, 2);
    expect(c.dtype).toBe('float64');
    expect(c.toArray()).toEqual([1, 2]);
  });

  it('names the position of the first element of the condition that is not 0 or 1, and bad operands', () => {
    expect(thrownMessage(() => where(tensor([[1, 0, 1], [0, 1, 0.5]]), 1, 2))).toBe(
      'where: condition must hold only 0 and 1 (a mask such as a comparison returns), but the element at [1, 2] is 0.5',
    );
    expect(thrownMessage(() => where(tensor([[1, 0], [Number.NaN, 1]]), 1, 2))).toBe(
      'where: condition must hold only 0 and 1 (a mask such as a comparison returns), but the element at [1, 0] is NaN',
    );
    expect(thrownMessage(() => where([1, 0] as never, 1, 2))).toBe('where: condition must be a Tensor of 0s and 1s, got an array');
    expect(thrownMessage(() => where(tensor([1]), '1' as never, 2))).toBe('where: input must be a Tensor or a number, got the string "1"');
    expect(thrownMessage(() => where(tensor([1]), 1, null as never))).toBe('where: other must be a Tensor or a number, got null');
  });
});

describe('conv1d, mseLoss and index arguments', () => {
  it('conv1d: an empty kernel and strided same padding are refused; a kernel of 1 is fine', () => {
    const x = zeros([1, 2, 5]);
    expect(thrownMessage(() => conv1d(x, zeros([3, 2, 0])))).toBe('conv1d: kernel size must be at least 1 (weight shape [3, 2, 0])');
    expect(thrownMessage(() => conv1d(x, zeros([3, 2, 2]), null, { padding: 'same', stride: 2 }))).toBe(
      "conv1d: padding 'same' is not supported for strided convolutions (stride 2)",
    );
    expect(conv1d(x, zeros([3, 2, 1])).shape).toEqual([1, 3, 5]);
  });

  it('mseLoss: each reduction, and an unknown one named', () => {
    // (1 - 2)^2 = 1 and (3 - 5)^2 = 4
    expect(mseLoss(tensor([1, 3]), tensor([2, 5]), 'none').toArray()).toEqual([1, 4]);
    expect(mseLoss(tensor([1, 3]), tensor([2, 5]), 'sum').item()).toBe(5);
    expect(mseLoss(tensor([1, 3]), tensor([2, 5])).item()).toBe(2.5);
    expect(thrownMessage(() => mseLoss(tensor([1]), tensor([1]), 'avg' as never))).toBe("mseLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'");
  });

  it('an index array that is not a tensor of numbers says why', () => {
    expect(thrownMessage(() => indexSelect(tensor([1, 2]), 0, [[0], [1, 2]] as never))).toBe(
      'indexSelect: index must be integers in a (nested) array or a Tensor: tensor: ragged nested array: at [1] expected 1 elements, got 2',
    );
    expect(thrownMessage(() => indexSelect(tensor([1, 2]), 0, 'a' as never))).toBe('indexSelect: index must be a Tensor or an array of integers, got the string "a"');
    expect(thrownMessage(() => gather(tensor([1, 2]), 0, [0, 'x'] as never))).toBe(
      'gather: index must be integers in a (nested) array or a Tensor: tensor: element at [1] is string, expected a number (shape [2])',
    );
  });
});

describe('convTranspose1d at its edges', () => {
  const x = tensor([[[2]]]);

  it('an output length of exactly 1 is allowed, 0 is not', () => {
    // F.conv_transpose1d(torch.tensor([[[2.]]]), torch.tensor([[[1., 3., 5.]]]), padding=1) -> [[[6.]]]
    expect(convTranspose1d(x, tensor([[[1, 3, 5]]]), null, { padding: 1 }).toArray()).toEqual([[[6]]]);
    // with a kernel of 2 the output length is 0: torch raises
    expect(thrownMessage(() => convTranspose1d(x, zeros([1, 1, 2]), null, { padding: 1 }))).toBe(
      'convTranspose1d: output length 0 is not positive (input shape [1, 1, 1], weight [1, 1, 2], stride 1, padding 1)',
    );
  });

  it('refuses a weight with an empty kernel or no output channels', () => {
    expect(thrownMessage(() => convTranspose1d(x, zeros([1, 1, 0])))).toBe('convTranspose1d: weight [1, 1, 0] has an empty dimension');
    expect(thrownMessage(() => convTranspose1d(x, zeros([1, 0, 2])))).toBe('convTranspose1d: weight [1, 0, 2] has an empty dimension');
  });
});

describe('second derivatives of elu and softplus at their switch points, as torch', () => {
  // x = torch.tensor([0., -1e-300, 1e-300], dtype=torch.float64, requires_grad=True)
  // g, = torch.autograd.grad(F.elu(x, alpha=2.).sum(), x, create_graph=True); h, = torch.autograd.grad(g.sum(), x)
  // g -> [2.0, 2.0, 1.0], h -> [0.0, 2.0, 0.0]
  it('elu: f\'(0) = alpha, f\'\'(0) = 0', () => {
    const x = tensor([0, -1e-300, 1e-300], { requiresGrad: true });
    const [g] = grad(elu(x, 2).sum(), x, { createGraph: true });
    expect(g!.toArray()).toEqual([2, 2, 1]);
    const [h] = grad(g!.sum(), x);
    expect(h!.toArray()).toEqual([0, 2, 0]);
  });

  // x = torch.tensor([20., 19.999, 20.001], dtype=torch.float64, requires_grad=True), F.softplus(x) (beta 1, threshold 20):
  // y -> [20.000000002061153, 19.999000002063216, 20.001], g -> [0.9999999979388464, 0.9999999979367842, 1.0],
  // h -> [0.0, 2.063215816156829e-09, 0.0]
  it('softplus: at the threshold the value and f\' still come from log1p(e^x), but f\'\' is 0', () => {
    const x = tensor([20, 19.999, 20.001], { requiresGrad: true });
    const y = softplus(x);
    const yv = y.toArray() as number[];
    expect(yv[0]).toBeCloseTo(20.000000002061153, 13);
    expect(yv[1]).toBeCloseTo(19.999000002063216, 13);
    expect(yv[2]).toBe(20.001);
    const [g] = grad(y.sum(), x, { createGraph: true });
    const gv = g!.toArray() as number[];
    expect(gv[0]).toBeCloseTo(0.9999999979388464, 15);
    expect(gv[1]).toBeCloseTo(0.9999999979367842, 15);
    expect(gv[2]).toBe(1);
    const [h] = grad(g!.sum(), x);
    const hv = h!.toArray() as number[];
    expect(hv[0]).toBe(0);
    expect(hv[1]).toBeCloseTo(2.063215816156829e-9, 20);
    expect(hv[2]).toBe(0);
  });
});

describe('max backward', () => {
  const opsOfBackward = (x: Tensor): { names: string[]; g: number[] } => {
    const names: string[] = [];
    const y = x.max();
    const [g] = traceOps(
      () => grad(y, x),
      (e) => names.push(e.op.name),
    );
    return { names, g: g!.toArray() as number[] };
  };

  it('ties share the gradient; without a NaN no NaN masks are built', () => {
    // torch: x = torch.tensor([1., 3, 3, 2]); x.amax().backward(); x.grad -> [0., 0.5, 0.5, 0.]
    const { names, g } = opsOfBackward(tensor([1, 3, 3, 2], { requiresGrad: true }));
    expect(g).toEqual([0, 0.5, 0.5, 0]);
    expect(names).not.toContain('neg');
  });

  it('a NaN that wins takes the gradient, through the NaN masks', () => {
    // torch: x = torch.tensor([1., nan, 3]); x.max().backward(); x.grad -> [0., 1., 0.]
    const { names, g } = opsOfBackward(tensor([1, Number.NaN, 3], { requiresGrad: true }));
    expect(g).toEqual([0, 1, 0]);
    expect(names).toContain('neg');
  });
});

describe('matmul backward keeps each gradient in its operand layout (as PyTorch mm backward)', () => {
  // x @ W.T (nn.Linear): W.T is column-major, and its gradient comes out column-major too, so
  // the gradient of W under the view is dense. The values are the same either way; each is
  // checked against the product written out here.
  const mm = (a: number[][], b: number[][]): number[][] => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
  const T = (a: number[][]): number[][] => a[0]!.map((_, j) => a.map((r) => r[j]!));
  const A = [[1, 2, 3], [4, 5, 6]]; // 2 x 3
  const W = [[1, -1, 2], [0, 3, -2], [2, 1, 1], [-1, 0, 4]]; // 4 x 3, used as W.T (3 x 4)
  const G = [[1, 0, -1, 2], [3, 1, 0, -2]]; // 2 x 4

  for (const [name, aT, bT] of [['row-major a and b', false, false], ['column-major b', false, true], ['column-major a', true, false], ['both column-major', true, true]] as const) {
    it(name, () => {
      const a = aT ? tensor(T(A), { requiresGrad: true }).transpose(0, 1) : tensor(A, { requiresGrad: true });
      const b = bT ? tensor(W, { requiresGrad: true }).transpose(0, 1) : tensor(T(W), { requiresGrad: true });
      const ctx = { inputs: [a, b], needsGrad: () => true } as unknown as Parameters<typeof Matmul.backward>[1];
      const [dA, dB] = Matmul.backward(tensor(G), ctx) as Tensor[];
      expect(dA!.toArray()).toEqual(mm(G, W));
      expect(dB!.toArray()).toEqual(mm(T(A), G));
      expect(dA!.tensorData.strides).toEqual(aT ? [1, 2] : [3, 1]);
      expect(dB!.tensorData.strides).toEqual(bT ? [1, 3] : [4, 1]);
    });
  }
});
