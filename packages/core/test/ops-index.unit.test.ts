/**
 * Indexing, slicing and joining ops: the documented decisions and every error path. Indices are
 * plain integer arrays or float tensors holding integers; a bad one throws naming the op, the
 * value, its position and the valid range. Expected values are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  type Tensor, arange, chunk, flip, gather, grad, gradgradcheck, indexSelect, pad, randn, roll, scatterAdd, slice, split, tensor,
  where, zeros,
} from '../src/index.js';
import { throwsWith } from './throws.js';

const m23 = () => tensor([[1, 2, 3], [4, 5, 6]]);

describe('index arguments', () => {
  it('accept plain arrays and float tensors of integers alike', () => {
    expect(indexSelect(m23(), 1, [2, 0]).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(indexSelect(m23(), 1, tensor([2, 0])).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(indexSelect(m23(), 1, tensor([2, 0], { dtype: 'float32' })).toArray()).toEqual([[3, 1], [6, 4]]);
    expect(gather(m23(), 0, tensor([[1, 0, 1]])).toArray()).toEqual([[4, 2, 6]]);
    expect(m23().gather(0, [[1, 0, 1]]).toArray()).toEqual([[4, 2, 6]]);
  });

  it('a 0-d index keeps the dim with size 1; an empty index gives an empty dim', () => {
    expect(indexSelect(m23(), 0, tensor(1)).toArray()).toEqual([[4, 5, 6]]);
    expect(indexSelect(m23(), 1, []).shape).toEqual([2, 0]);
  });

  it.each([
    ['indexSelect', () => indexSelect(m23(), 1, [0, 3]), /^indexSelect: index 3 at position \[1\] is out of range for dim 1 of size 3 \(valid indices are 0 to 2\)/],
    ['indexSelect (negative)', () => indexSelect(m23(), 0, tensor([-1])), /^indexSelect: index -1 at position \[0\] is out of range for dim 0 of size 2 \(valid indices are 0 to 1\)/],
    ['indexSelect (fraction)', () => indexSelect(m23(), 0, [0.5]), /^indexSelect: index 0\.5 at position \[0\] is not an integer/],
    ['indexSelect (NaN)', () => indexSelect(m23(), 0, tensor([0, NaN])), /^indexSelect: index NaN at position \[1\] is not an integer/],
    ['gather', () => gather(m23(), 1, [[0, 1], [2, 7]]), /^gather: index 7 at position \[1, 1\] is out of range for dim 1 of the input of size 3 \(valid indices are 0 to 2\)/],
    ['gather (negative)', () => gather(m23(), 0, [[0, -1, 0]]), /^gather: index -1 at position \[0, 1\] is out of range/],
    ['gather (fraction)', () => gather(m23(), 0, tensor([[0, 1.25, 0]])), /^gather: index 1\.25 at position \[0, 1\] is not an integer/],
    ['scatterAdd', () => scatterAdd(zeros([2, 3]), 0, [[2, 0, 0]], m23()), /^scatterAdd: index 2 at position \[0, 0\] is out of range for dim 0 of the input of size 2/],
    ['scatterAdd (Infinity)', () => scatterAdd(zeros([2, 3]), 0, [[0, Infinity, 0]], m23()), /^scatterAdd: index Infinity at position \[0, 1\] is not an integer/],
    ['empty dim', () => indexSelect(zeros([0, 2]), 0, [0]), /^indexSelect: index 0 .* dim 0 of size 0 \(a dim of size 0 has no valid index\)/],
  ])('%s: out-of-range or non-integer indices throw naming the op, index, position and valid range', (_n, fn, re) => {
    throwsWith(fn, re);
  });

  it('rejects index arguments of the wrong kind or shape', () => {
    throwsWith(() => indexSelect(m23(), 0, 'a' as unknown as number[]), /^indexSelect: index must be a Tensor or an array of integers, got the string "a"/);
    throwsWith(() => indexSelect(m23(), 0, [[0]] as unknown as number[]), /^indexSelect: index must be 1-d \(or 0-d\), got shape \[1, 1\]/);
    throwsWith(() => gather(m23(), 0, [[0], [1, 0]]), /^gather: index must be integers .*ragged/);
    throwsWith(() => gather(m23(), 0, [0, 1]), /^gather: index has 1 dimension\(s\) \(shape \[2\]\) but the input has 2 \(shape \[2, 3\]\)/);
    throwsWith(() => gather(m23(), 1, [[0], [0], [0]]), /^gather: index shape \[3, 1\] is larger than the input's shape \[2, 3\] in dim 0 \(only dim 1 may differ\)/);
    throwsWith(() => scatterAdd(zeros([2, 3]), 1, [[0, 1, 2]], tensor([[1, 2]])), /^scatterAdd: index shape \[1, 3\] is larger than src's shape \[1, 2\] in dim 1/);
    throwsWith(() => scatterAdd(zeros([2, 3]), 1, [[0]], tensor([1])), /^scatterAdd: src has 1 dimension\(s\) \(shape \[1\]\) but the input has 2/);
    throwsWith(() => scatterAdd(zeros([2]), 0, [0], [1] as unknown as Tensor), /^scatterAdd: src must be a Tensor, got an array/);
    throwsWith(() => gather(tensor(1), 0, [0]), /^gather: expected a tensor with at least 1 dimension, got a 0-d tensor/);
  });
});

describe('dims are checked by every op', () => {
  it.each([
    ['slice', () => slice(m23(), 2), /^slice: axis 2 is out of range for a tensor with 2 dimension/],
    ['split', () => split(m23(), 1, -3), /^split: axis -3 is out of range/],
    ['chunk', () => chunk(m23(), 2, 1.5), /^chunk: axis 1\.5 is not an integer/],
    ['indexSelect', () => indexSelect(m23(), 5, [0]), /^indexSelect: axis 5 is out of range/],
    ['gather', () => gather(m23(), -3, [[0]]), /^gather: axis -3 is out of range/],
    ['scatterAdd', () => scatterAdd(m23(), 2, [[0]], m23()), /^scatterAdd: axis 2 is out of range/],
    ['flip', () => flip(m23(), [0, 2]), /^flip: axis 2 is out of range/],
    ['flip (repeated)', () => flip(m23(), [1, -1]), /^flip: dims \[1, -1\] name a dim more than once/],
    ['roll', () => roll(m23(), 1, 2), /^roll: axis 2 is out of range/],
    ['roll (dims as a string)', () => roll(m23(), 1, '0' as unknown as number), /^roll: dims must be an integer or an array of integers, got the string "0"/],
  ])('%s', (_n, fn, re) => throwsWith(fn, re));
});

describe('slice', () => {
  const x = arange(7);
  it("follows Python's rules: defaults, negative bounds, clamping, empty results, steps", () => {
    expect(slice(x, 0).toArray()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(slice(x, 0, -2).toArray()).toEqual([5, 6]);
    expect(slice(x, 0, null, -2).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(slice(x, 0, -100, 100, 3).toArray()).toEqual([0, 3, 6]);
    expect(slice(x, 0, 5, 2).toArray()).toEqual([]);
    expect(slice(x, 0, 7).toArray()).toEqual([]);
    expect(x.slice(0, 1, 6, 4).toArray()).toEqual([1, 5]);
    expect(slice(arange(12).reshape([3, 4]), -1, 1, null, 2).toArray()).toEqual([[1, 3], [5, 7], [9, 11]]);
  });
  it('is a strided view of the same storage (no copy)', () => {
    const base = arange(12).reshape([3, 4]);
    const s = base.slice(1, 1, null, 2);
    expect(s.tensorData.storage).toBe(base.tensorData.storage);
    expect(s.tensorData.strides).toEqual([4, 2]);
    expect(s.tensorData.offset).toBe(1);
  });
  it('its gradient scatters into zeros, and the gradient of that is a slice again', () => {
    const w = tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    const [g] = grad([w.slice(0, 1, null, 2).pow(2).sum()], [w], { createGraph: true });
    expect(g!.toArray()).toEqual([0, 4, 0, 8, 0]);
    const [h] = grad([g!.mul(tensor([1, 1, 1, 1, 1])).sum()], [w]);
    expect(h!.toArray()).toEqual([0, 2, 0, 2, 0]);
  });
  it('rejects a bad step or bound', () => {
    throwsWith(() => slice(x, 0, 0, 5, 0), /^slice: step must be a positive integer, got 0/);
    throwsWith(() => slice(x, 0, 0, 5, -1), /^slice: step must be a positive integer, got -1/);
    throwsWith(() => slice(x, 0, 0, 5, 1.5), /^slice: step must be a positive integer, got 1\.5/);
    throwsWith(() => slice(x, 0, 0.5), /^slice: start must be an integer \(or omitted\), got 0\.5/);
    throwsWith(() => slice(x, 0, 0, NaN), /^slice: end must be an integer \(or omitted\), got NaN/);
    throwsWith(() => slice(tensor(3), 0), /^slice: expected a tensor with at least 1 dimension, got a 0-d tensor/);
    throwsWith(() => slice([1, 2] as unknown as Tensor, 0), /^slice: input must be a Tensor, got an array/);
  });
});

describe('split and chunk', () => {
  const sizes = (ts: Tensor[], d = 0) => ts.map((t) => t.shape[d]);
  it("match torch.split / torch.chunk's sizes", () => {
    expect(sizes(split(arange(5), 2))).toEqual([2, 2, 1]);
    expect(sizes(split(arange(5), 5))).toEqual([5]);
    expect(sizes(split(arange(5), 9))).toEqual([5]);
    expect(sizes(split(arange(6).reshape([2, 3]), [0, 2, 1], 1), 1)).toEqual([0, 2, 1]);
    expect(sizes(split(zeros([0]), 0))).toEqual([0]);
    expect(sizes(chunk(arange(5), 4))).toEqual([2, 2, 1]);
    expect(sizes(chunk(arange(6), 4))).toEqual([2, 2, 2]);
    expect(sizes(chunk(arange(2), 5))).toEqual([1, 1]);
    expect(sizes(chunk(zeros([0]), 3))).toEqual([0, 0, 0]);
    expect(arange(6).reshape([3, 2]).chunk(2, -1).map((t) => t.toArray())).toEqual([[[0], [2], [4]], [[1], [3], [5]]]);
  });
  it('return views', () => {
    const x = arange(6);
    for (const p of [...split(x, 4), ...chunk(x, 2)]) expect(p.tensorData.storage).toBe(x.tensorData.storage);
  });
  it('reject bad sizes', () => {
    throwsWith(() => split(arange(5), [2, 2]), /^split: sections \[2, 2\] add up to 4, but dim 0 has size 5/);
    throwsWith(() => split(arange(5), [2, -1, 4]), /^split: section 1 is -1, expected a non-negative integer/);
    throwsWith(() => split(arange(5), 0), /^split: a split size of 0 needs a dim of size 0, but dim 0 has size 5/);
    throwsWith(() => split(arange(5), 1.5), /^split: splitSizeOrSections must be a non-negative integer or an array of them, got 1\.5/);
    throwsWith(() => chunk(arange(5), 0), /^chunk: chunks must be a positive integer, got 0/);
    throwsWith(() => chunk(arange(5), 2.5), /^chunk: chunks must be a positive integer, got 2\.5/);
  });
});

describe('gather and scatterAdd', () => {
  it('scatterAdd accumulates repeats and reads only the index-shaped corner of src', () => {
    const src = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const x = zeros([2, 4], { requiresGrad: true });
    const y = scatterAdd(x, 1, [[3, 3], [0, 1]], src);
    expect(y.toArray()).toEqual([[0, 0, 0, 3], [4, 5, 0, 0]]);
    y.backward(tensor([[1, 2, 3, 4], [5, 6, 7, 8]]));
    expect(x.grad!.toArray()).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    // PyTorch 1.13 fails here ("invalid gradient ... got [2, 2] but expected [2, 3]"); Kindling gives zeros past the corner.
    expect(src.grad!.toArray()).toEqual([[4, 4, 0], [5, 6, 0]]);
  });
  it('gather and scatterAdd are adjoint: <gather(x, i), y> = <x, scatterAdd(0, i, y)>', () => {
    const x = randn([3, 4], { seed: 1 });
    const y = randn([2, 4], { seed: 2 });
    const index = [[2, 0, 2, 1], [0, 0, 1, 2]];
    const lhs = gather(x, 0, index).mul(y).sum().item();
    const rhs = x.mul(scatterAdd(zeros([3, 4]), 0, index, y)).sum().item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12);
  });
  it('scatterAdd promotes mixed dtypes; gather keeps its input dtype', () => {
    expect(scatterAdd(zeros([2], { dtype: 'float32' }), 0, [1], tensor([2])).dtype).toBe('float64');
    expect(gather(zeros([2], { dtype: 'float32' }), 0, [1, 1, 0]).dtype).toBe('float32');
  });
});

describe('where', () => {
  it('selects by a 0/1 mask with broadcasting, numbers on either side; Tensor.where is where(cond, this, other)', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(where(tensor([1, 0]), x, -1).toArray()).toEqual([[1, -1], [3, -1]]);
    expect(where(tensor([[0], [1]]), 7, x).toArray()).toEqual([[1, 2], [7, 7]]);
    expect(where(tensor([1, 0, 1]), 1, 0).toArray()).toEqual([1, 0, 1]);
    expect(x.where(tensor([0, 1]), tensor([10, 20])).toArray()).toEqual([[10, 2], [10, 4]]);
  });
  it('sends zero to the branch not taken; as in PyTorch, 0 times an infinite derivative is NaN, and guarding the input avoids it', () => {
    const x = tensor([-1, 4, 0], { requiresGrad: true });
    const pos = tensor([0, 1, 0]);
    where(pos, x.log(), 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([-0, 0.25, NaN]); // torch.where gives the same: d log(0) = inf, 0 * inf
    x.grad = null;
    where(pos, where(pos, x, 1).log(), 0).sum().backward();
    expect(x.grad!.toArray()).toEqual([0, 0.25, 0]);
  });
  it('dtypes: a number takes the tensor operand dtype; a 0-d tensor does not widen a dimensioned one', () => {
    const x32 = tensor([1, 2], { dtype: 'float32' });
    expect(where(tensor([1, 0]), x32, 0.5).dtype).toBe('float32');
    expect(where(tensor([1, 0]), x32, tensor(0.5)).dtype).toBe('float32');
    expect(where(tensor([1, 0]), x32, tensor([0.5, 0.5])).dtype).toBe('float64');
  });
  it('second order through both branches', () => {
    const a = randn([2, 3], { seed: 3, requiresGrad: true });
    const b = randn([3], { seed: 4, requiresGrad: true });
    expect(gradgradcheck((a, b) => where(tensor([[1, 0, 1], [0, 0, 1]]), a.mul(a).mul(b), b.tanh()), [a, b])).toBe(true);
  });
  it('rejects a condition that is not 0/1, and shapes that do not broadcast', () => {
    throwsWith(() => where(tensor([[1, 0], [0.5, 1]]), 1, 0), /^where: condition must hold only 0 and 1 .* the element at \[1, 0\] is 0\.5/);
    throwsWith(() => where(tensor([1, NaN]), 1, 0), /^where: condition .* the element at \[1\] is NaN/);
    throwsWith(() => where([1, 0] as unknown as Tensor, 1, 0), /^where: condition must be a Tensor of 0s and 1s, got an array/);
    throwsWith(() => where(tensor([1, 0]), 'a' as unknown as number, 0), /^where: input must be a Tensor or a number, got the string "a"/);
    throwsWith(() => where(tensor([1, 0, 1]), zeros([2]), 0), /^where: shapes \[3\] and \[2\] cannot be broadcast together/);
  });
});

describe('flip and roll', () => {
  it('match torch.flip / torch.roll', () => {
    expect(flip(m23(), [0, 1]).toArray()).toEqual([[6, 5, 4], [3, 2, 1]]);
    expect(m23().flip(0).toArray()).toEqual([[4, 5, 6], [1, 2, 3]]);
    expect(flip(m23(), []).toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(roll(m23(), 1).toArray()).toEqual([[6, 1, 2], [3, 4, 5]]);
    expect(roll(m23(), [1, -1], [0, 1]).toArray()).toEqual([[5, 6, 4], [2, 3, 1]]);
    expect(m23().roll([1, 1], [1, 1]).toArray()).toEqual([[2, 3, 1], [5, 6, 4]]);
    expect(roll(m23(), -7, 1).toArray()).toEqual([[2, 3, 1], [5, 6, 4]]);
    expect(roll(zeros([0, 2]), 3, 0).shape).toEqual([0, 2]);
  });
  it('reject bad shifts', () => {
    throwsWith(() => roll(m23(), [1, 2], [0]), /^roll: shifts \[1, 2\] and dims \[0\] must have the same length/);
    throwsWith(() => roll(m23(), [1, 2]), /^roll: without dims, shifts must be one integer, got \[1, 2\]/);
    throwsWith(() => roll(m23(), 0.5, 0), /^roll: shift 0\.5 is not an integer/);
    throwsWith(() => roll(m23(), [], []), /^roll: shifts must be an integer or a non-empty array of integers/);
  });
});

describe('pad', () => {
  const x = tensor([[[1, 2, 3]]]);
  it('pairs run from the last dim backwards; each mode as torch.nn.functional.pad', () => {
    expect(pad(tensor([[1, 2], [3, 4]]), [1, 0, 0, 1]).toArray()).toEqual([[0, 1, 2], [0, 3, 4], [0, 0, 0]]);
    expect(pad(x, [2, 2], { mode: 'reflect' }).toArray()).toEqual([[[3, 2, 1, 2, 3, 2, 1]]]);
    expect(pad(x, [2, 2], { mode: 'replicate' }).toArray()).toEqual([[[1, 1, 1, 2, 3, 3, 3]]]);
    expect(pad(x, [3, 2], { mode: 'circular' }).toArray()).toEqual([[[1, 2, 3, 1, 2, 3, 1, 2]]]);
    expect(pad(x, [-1, -1], { value: 5 }).toArray()).toEqual([[[2]]]);
    expect(pad(x, [-2, 1], { mode: 'reflect' }).toArray()).toEqual([[[3, 2]]]);
    expect(pad(x, [0, 0, 1, 0], { mode: 'constant', value: 7 }).toArray()).toEqual([[[7, 7, 7], [1, 2, 3]]]);
    expect(pad(x, [-3, 0]).shape).toEqual([1, 1, 0]);
    expect(pad(x, [0, 0])).toBe(x);
  });
  it('rejects what PyTorch rejects, naming the dim and sizes', () => {
    throwsWith(() => pad(x, [1]), /^pad: pad must be an array with an even number of integers/);
    throwsWith(() => pad(x, [1, 1, 1, 1, 1, 1, 1, 1]), /^pad: 8 amounts pad 4 dims, but the input has only 3 \(shape \[1, 1, 3\]\)/);
    throwsWith(() => pad(x, [1, 1.5]), /^pad: amount 1 is 1\.5, expected an integer/);
    throwsWith(() => pad(x, [-2, -2]), /^pad: dim 2 of size 3 padded by \[-2, -2\] would have size -1/);
    throwsWith(() => pad(x, [3, 0], { mode: 'reflect' }), /^pad: reflect padding \[3, 0\] of dim 2 must be less than its size 3/);
    throwsWith(() => pad(x, [0, 4], { mode: 'circular' }), /^pad: circular padding \[0, 4\] of dim 2 may be at most its size 3 .*more than once/);
    throwsWith(() => pad(zeros([1, 0]), [1, 0], { mode: 'replicate' }), /^pad: replicate padding needs a non-empty dim, but dim 1 has size 0/);
    throwsWith(() => pad(x, [1, 1], { mode: 'symmetric' as 'reflect' }), /^pad: unknown mode the string "symmetric" \(expected one of 'constant', 'reflect', 'replicate', 'circular'\)/);
    throwsWith(() => pad(x, [1, 1], { mode: 'reflect', value: 0 }), /^pad: mode 'reflect' takes no value/);
    throwsWith(() => pad(x, [1, 1], { fill: 0 } as object), /^pad: unknown option 'fill'; accepted options: mode, value/);
    throwsWith(() => pad(x, [1, 1], { value: '0' as unknown as number }), /^pad: value must be a number, got the string "0"/);
  });
});
