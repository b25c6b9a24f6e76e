/**
 * No silent wrong answers: misuse that used to be ignored, answered with a number, or failed
 * with a raw JavaScript error (TypeError, RangeError, stack overflow) now throws an Error whose
 * message starts with the function's name and shows the offending value. Each block here failed
 * before the change it pins.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator, Tensor, TensorData, arange, conv1d, full, gradcheck, manualSeed, ones, onesLike, rand, randn, tensor, uniform, zeros, zerosLike,
} from '../src/index.js';
import type { GradcheckOptions, TensorOptions } from '../src/index.js';
import { flatOf } from './arbitraries.js';
import { throwsWith } from './throws.js';

const bad = <T>(v: unknown) => v as T;

describe('unknown option keys throw instead of being ignored', () => {
  const t = ones([2]);
  const factories: [string, (o: TensorOptions) => Tensor][] = [
    ['tensor', (o) => tensor([1, 2], o)],
    ['zeros', (o) => zeros([2], o)],
    ['ones', (o) => ones([2], o)],
    ['full', (o) => full([2], 3, o)],
    ['arange', (o) => arange(2, o)],
    ['rand', (o) => rand([2], o)],
    ['randn', (o) => randn([2], o)],
    ['uniform', (o) => uniform([2], 0, 1, o)],
    ['zerosLike', (o) => zerosLike(t, o)],
    ['onesLike', (o) => onesLike(t, o)],
  ];

  it('randn([2], { requires_grad: true }) names the key and suggests requiresGrad', () => {
    throwsWith(() => randn([2], bad({ requires_grad: true })), /^randn: unknown option 'requires_grad'/, /did you mean 'requiresGrad'/);
  });

  it.each(factories)('%s rejects a misspelled key', (name, make) => {
    throwsWith(() => make(bad({ requires_grad: true })), new RegExp(`^${name}: unknown option 'requires_grad'`), /requiresGrad/);
    throwsWith(() => make(bad({ dtyp: 'float32' })), new RegExp(`^${name}: unknown option 'dtyp'`));
    expect(make({ requiresGrad: true }).requiresGrad).toBe(true);
  });

  it.each(factories.filter(([n]) => !['rand', 'randn', 'uniform'].includes(n)))('%s has no use for a seed and says so', (name, make) => {
    throwsWith(() => make({ seed: 1 }), new RegExp(`^${name}: unknown option 'seed'`));
  });

  it('only tensor() takes a shape', () => {
    throwsWith(() => zeros([2], bad({ shape: [2] })), /^zeros: unknown option 'shape'/);
    throwsWith(() => tensor(5, { shape: [1] }), /^tensor: opts.shape/, /5/);
    throwsWith(() => tensor(ones([2]), { shape: [2, 1] }), /^tensor: opts.shape/, /Tensor/);
  });

  it('conv1d(x, w, null, { strides: 2 })', () => {
    const x = randn([1, 1, 8], { seed: 1 });
    const w = randn([1, 1, 3], { seed: 2 });
    throwsWith(() => conv1d(x, w, null, bad({ strides: 2 })), /^conv1d: unknown option 'strides'/, /stride, padding, dilation, groups/);
    throwsWith(() => conv1d(x, w, null, bad({ pad: 1 })), /^conv1d: unknown option 'pad'/);
  });

  it('gradcheck options', () => {
    const x = randn([3], { seed: 1, requiresGrad: true });
    throwsWith(() => gradcheck((a) => a.tanh(), [x], bad<GradcheckOptions>({ epsilon: 1e-3 })), /^gradcheck: unknown option 'epsilon'/, /eps, atol, rtol/);
    throwsWith(() => gradcheck((a) => a.tanh(), [x], bad<GradcheckOptions>({ rel_tol: 1e-3 })), /^gradcheck: unknown option 'rel_tol'/);
  });
});

describe('errors that used to come from JavaScript internals', () => {
  it('zeros([1e6, 1e6]) names the shape and the element count, not "Invalid typed array length"', () => {
    throwsWith(() => zeros([1e6, 1e6]), /^zeros: shape \[1000000, 1000000\] has 1e12 elements, more than .* can be allocated/);
    throwsWith(() => ones([2 ** 20, 2 ** 20]), /^ones: shape \[1048576, 1048576\]/, /elements/);
    throwsWith(() => randn([2 ** 40]), /^randn: shape \[1099511627776\]/);
    throwsWith(() => full([2 ** 33], 0), /^full:/);
    throwsWith(() => arange(2 ** 40), /^arange:/);
    expect(zeros([2 ** 40, 0]).shape).toEqual([2 ** 40, 0]); // no elements: nothing to allocate
  });

  it('broadcasting or expanding past 2^32 elements names the op, not "Invalid typed array length"', () => {
    throwsWith(() => ones([2 ** 17, 1]).add(ones([1, 2 ** 17])), /^add: shape \[131072, 131072\] has 1\.718e10 elements/);
    throwsWith(() => ones([2 ** 17, 1]).mul(ones([2 ** 17]).reshape([1, -1])), /^mul: shape \[131072, 131072\]/);
    throwsWith(() => ones([1, 3]).expand([2 ** 20, 2 ** 20, 3]), /^expand: shape \[1048576, 1048576, 3\] has 3\.299e12 elements/);
  });

  it("x.sum('1') says the axis must be an integer and shows the string", () => {
    const x = randn([2, 3], { seed: 1 });
    for (const op of ['sum', 'mean', 'max'] as const) {
      throwsWith(() => x[op](bad('1')), new RegExp(`^${op}: axis must be an integer`), /got the string "1"/);
      // Array.from('12') would have reduced axes 1 and 2; true and {} would have reduced nothing.
      throwsWith(() => x[op](bad('12')), new RegExp(`^${op}: axis`), /the string "12"/);
      throwsWith(() => x[op](bad(true)), new RegExp(`^${op}: axis`), /true/);
      throwsWith(() => x[op](bad({})), new RegExp(`^${op}: axis`), /an object/);
      throwsWith(() => x[op]([bad('0')]), new RegExp(`^${op}: axis must be an integer`), /the string "0"/);
      // keepdim 'no' is truthy: it used to keep the dims.
      throwsWith(() => x[op](0, bad('no')), new RegExp(`^${op}: keepdim must be a boolean`), /"no"/);
    }
    throwsWith(() => x.transpose(bad('0'), 1), /^transpose: axis must be an integer/, /the string "0"/);
    throwsWith(() => x.unsqueeze(bad(null)), /^unsqueeze: axis must be an integer/, /null/);
  });

  it('reshape names a dimension that is not a number instead of printing it', () => {
    const x = randn([2, 3], { seed: 1 });
    throwsWith(() => x.reshape(bad([x, 2])), /^reshape: invalid shape: dimension 0 is a Tensor, not an integer$/);
    throwsWith(() => x.view(bad([6, 'a'])), /^reshape: invalid shape: dimension 1 is the string "a"/);
  });

  it('tensor(typed array, { shape: "6" }) names the shape argument', () => {
    throwsWith(() => tensor(new Float32Array(6), bad({ shape: '6' })), /^tensor: shape must be an array/, /the string "6"/);
    throwsWith(() => tensor(new Float32Array(6), bad({ shape: 6 })), /^tensor: shape must be an array/, /6/);
    throwsWith(() => tensor(new Float32Array(6), bad({ shape: null })), /^tensor: shape must be an array/, /null/);
  });

  it('conv1d with null options', () => {
    const x = randn([1, 1, 8], { seed: 1 });
    const w = randn([1, 1, 3], { seed: 2 });
    throwsWith(() => conv1d(x, w, null, bad(null)), /^conv1d: options must be an object, got null/);
    throwsWith(() => conv1d(x, w, null, bad(2)), /^conv1d: options must be an object, got 2/);
  });

  it('gradcheck with null options', () => {
    const x = randn([3], { seed: 1, requiresGrad: true });
    throwsWith(() => gradcheck((a) => a.tanh(), [x], bad(null)), /^gradcheck: options must be an object, got null/);
    throwsWith(() => gradcheck((a) => a.tanh(), [x], bad('fast')), /^gradcheck: options must be an object/, /"fast"/);
  });
});

describe('TensorData (public, for custom ops) checks its storage and shape', () => {
  // Strides and offset past the storage are apply's to refuse (it names the custom op).
  it('storage must be a float typed array and shape a valid shape', () => {
    throwsWith(() => new TensorData(bad([1, 2]), [2]), /^TensorData: storage must be a Float64Array or Float32Array, got an array/);
    throwsWith(() => new TensorData(bad(new Int32Array(2)), [2]), /^TensorData: storage must be .*, got a Int32Array/);
    throwsWith(() => new TensorData(new Float64Array(4), bad('4')), /^TensorData: shape must be an array/);
    throwsWith(() => new TensorData(new Float64Array(4), [-4]), /^TensorData: invalid shape \[-4\]/);
    throwsWith(() => new TensorData(new Float64Array(1), new Array<number>(65).fill(1)), /^TensorData: .*at most 64 dimensions, got 65/);
    expect(new TensorData(new Float64Array(3), [4, 3], [0, 1]).size).toBe(12);
  });
});

describe('at most 64 dimensions, and no stack overflow', () => {
  const deep = (n: number) => new Array<number>(n).fill(1);

  it('factories refuse more than 64 dims, naming the op', () => {
    throwsWith(() => ones(deep(20_000)), /^ones: a tensor can have at most 64 dimensions, got 20000/);
    throwsWith(() => zeros(deep(65)), /^zeros: .*at most 64 dimensions, got 65/);
    throwsWith(() => rand(deep(65)), /^rand: .*64/);
    throwsWith(() => randn(deep(65)), /^randn: .*64/);
    throwsWith(() => full(deep(65), 0), /^full: .*64/);
    throwsWith(() => tensor(new Float64Array(1), { shape: deep(65) }), /^tensor: .*64/);
    expect(ones(deep(64)).ndim).toBe(64);
  });

  it('views refuse more than 64 dims, naming the op', () => {
    const x = ones(deep(64));
    throwsWith(() => x.unsqueeze(0), /^unsqueeze: .*at most 64 dimensions, got 65/);
    throwsWith(() => ones([1]).reshape(deep(65)), /^reshape: .*64/);
    throwsWith(() => ones([1]).view(deep(20_000)), /^reshape: .*64.*got 20000/);
    throwsWith(() => ones([1]).expand(deep(65)), /^expand: .*64/);
  });

  it('a 64-dim tensor reads out (toArray / toString recurse once per dim)', () => {
    const x = ones(deep(64));
    let v: unknown = x.toArray();
    for (let d = 0; d < 64; d++) v = (v as unknown[])[0];
    expect(v).toBe(1);
    expect(x.toString()).toMatch(/^tensor\(\[{64}1\.\]{64}, dtype=float64\)$/);
  });

  it('tensor() on an array nested 20,000 deep is an error, not a stack overflow', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 20_000; i++) nested = [nested];
    throwsWith(() => tensor(bad(nested)), /^tensor: data is nested more than 64 arrays deep/);
    let ok: unknown = 2;
    for (let i = 0; i < 64; i++) ok = [ok];
    expect(tensor(bad(ok)).ndim).toBe(64);
  });

  it('an array that contains itself is an error, not an endless loop', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    throwsWith(() => tensor(bad(cyclic)), /^tensor: .*64/);
  });
});

describe('max sends the gradient of a NaN result to the NaN elements', () => {
  // torch.max(x) (evenly_distribute_backward) on [1, nan, 3, nan] gives grad [0, 0.5, 0, 0.5];
  // the NaN elements decide the result, the finite ones do not. Kindling used to give NaN
  // everywhere (an empty eq mask: 0 * (g / 0)).
  it('full reduction, float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = tensor([1, NaN, 3, NaN], { requiresGrad: true, dtype });
      const y = x.max();
      expect(y.item()).toBeNaN();
      y.backward();
      expect(flatOf(x.grad!)).toEqual([0, 0.5, 0, 0.5]);
    }
  });

  it('per axis: NaN rows go to their NaN elements, other rows keep the tie rule', () => {
    const x = tensor([[1, NaN, 3], [4, 5, 5], [NaN, 2, NaN]], { requiresGrad: true });
    x.max(1).mul(tensor([1, 2, 4])).sum().backward();
    expect(x.grad!.toArray()).toEqual([[0, 1, 0], [0, 1, 1], [2, 0, 2]]);
  });

  it('over axis 0 with keepdim, through a transposed view', () => {
    const base = tensor([[NaN, 1], [2, 3]], { requiresGrad: true });
    base.transpose(0, 1).max(0, true).sum().backward(); // columns of the view: [NaN, 1] and [2, 3]
    expect(base.grad!.toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it('infinities are ordinary values: ties at +inf share', () => {
    const x = tensor([Infinity, Infinity, 3], { requiresGrad: true });
    x.max().backward();
    expect(flatOf(x.grad!)).toEqual([0.5, 0.5, 0]);
  });
});

describe('seeds are safe integers, and every safe integer has its own stream', () => {
  const first = (seed: number) => Array.from({ length: 4 }, ((g) => () => g.nextUint32())(new Generator(seed)));

  it('1, 1.5 and 1.9999 no longer share a stream: fractions are rejected, naming the value', () => {
    throwsWith(() => new Generator(1.5), /^Generator: seed must be a safe integer/, /got 1\.5/);
    throwsWith(() => randn([2], { seed: 1.9999 }), /^randn: seed must be a safe integer/, /got 1\.9999/);
    throwsWith(() => rand([2], { seed: 0.5 }), /^rand: seed/, /0\.5/);
    throwsWith(() => uniform([2], 0, 1, { seed: -2.5 }), /^uniform: seed/, /-2\.5/);
    throwsWith(() => manualSeed(1.25), /^manualSeed: seed must be a safe integer/, /1\.25/);
    throwsWith(() => new Generator(1).manualSeed(2 ** 53), /^manualSeed: seed/, /9007199254740992/);
    throwsWith(() => new Generator(bad('1')), /^Generator: seed/, /the string "1"/);
    throwsWith(() => rand([2], { seed: NaN }), /^rand: seed/, /NaN/);
  });

  it('0 and 2^32 + 1 differ, -1 and 2^32 - 1 differ', () => {
    expect(first(0)).not.toEqual(first(2 ** 32 + 1));
    expect(first(1)).not.toEqual(first(2 ** 32 + 1));
    expect(first(-1)).not.toEqual(first(2 ** 32 - 1));
    expect(first(2 ** 32)).not.toEqual(first(0));
    expect(first(-(2 ** 32))).not.toEqual(first(0));
    expect(first(2 ** 53 - 1)).not.toEqual(first(-(2 ** 53 - 1)));
    expect(flatOf(randn([4], { seed: -1 }))).not.toEqual(flatOf(randn([4], { seed: 2 ** 32 - 1 })));
  });

  it('seeds in [0, 2^32) keep the streams they had', () => {
    // Recorded from the generator before the change (SplitMix32 of the seed, xoshiro128**).
    expect(first(0)[0]).toBe(3809008728);
    expect(first(1)[0]).toBe(2442144158);
    expect(first(2 ** 32 - 1)[0]).toBe(835879718);
  });
});
