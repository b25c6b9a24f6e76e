import { afterEach, describe, expect, it } from 'vitest';
import { messageWhenFloat32AllocationFails, thrownMessage } from './throws.js';
import { type Tensor, arange, checkOptions, full, gradgradcheck, manualSeed, ones, onesLike, rand, randn, setDefaultDtype, tensor, uniform, zeros, zerosLike } from '../src/index.js';
import { erfc } from '../src/util/erf.js';

// factories.ts, gradgradcheck.ts, print/format-tensor.ts, util/erf.ts and util/options.ts: paths
// core's other tests did not pin down. Added for mutation testing.

describe('factories: a number as the shape', () => {
  it('is a 1-d shape of that length', () => {
    expect(zeros(3).shape).toEqual([3]);
    expect(ones(2).toArray()).toEqual([1, 1]);
    expect(full(2, 7).toArray()).toEqual([7, 7]);
    expect(rand(4, { seed: 0 }).shape).toEqual([4]);
    expect(randn(5, { seed: 0 }).shape).toEqual([5]);
    expect(zeros(0).shape).toEqual([0]);
  });

  it("copies an array shape: changing the caller's array afterwards leaves the tensor's shape alone", () => {
    const shape = [2, 3];
    const z = zeros(shape);
    const o = ones(shape);
    const r = randn(shape, { seed: 0 });
    shape[0] = 1;
    expect([z.shape, o.shape, r.shape]).toEqual([
      [2, 3],
      [2, 3],
      [2, 3],
    ]);
  });
});

describe('factories: unknown dtypes', () => {
  it('quote a dtype string as it is and describe any other value', () => {
    expect(thrownMessage(() => zeros([1], { dtype: 'float16' as never }))).toBe("zeros: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => zeros([1], { dtype: '' as never }))).toBe("zeros: unknown dtype '' (expected 'float64' or 'float32')");
    // String({}) would be '[object Object]', String(['float32']) 'float32'.
    expect(thrownMessage(() => ones([1], { dtype: {} as never }))).toBe("ones: unknown dtype 'an object' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => ones([1], { dtype: ['float32'] as never }))).toBe("ones: unknown dtype 'an array' (expected 'float64' or 'float32')");
  });
});

describe('tensor() from a Tensor', () => {
  it('names tensor in its dtype, requiresGrad and allocation messages', () => {
    const t = tensor([1, 2]);
    expect(thrownMessage(() => tensor(t, { dtype: 'float16' as never }))).toBe("tensor: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => tensor(t, { requiresGrad: 1 as never }))).toBe('tensor: requiresGrad must be a boolean, got 1');
    expect(messageWhenFloat32AllocationFails(() => tensor(t, { dtype: 'float32' }))).toBe(
      'tensor: cannot allocate 2 float32 elements for shape [2] (Array buffer allocation failed)',
    );
  });
});

describe('tensor() from flat data', () => {
  afterEach(() => setDefaultDtype('float64'));

  it("keeps a Float64Array's dtype whatever the default", () => {
    setDefaultDtype('float32');
    const t = tensor(new Float64Array([1, 2]));
    expect(t.dtype).toBe('float64');
    expect(t.toArray()).toEqual([1, 2]);
    expect(tensor(new Float32Array([1]), { shape: [1] }).dtype).toBe('float32');
    expect(tensor([1, 2], { shape: [2] }).dtype).toBe('float32');
    setDefaultDtype('float64');
    expect(tensor(new Float64Array([3])).dtype).toBe('float64');
  });

  it('names tensor in the messages for a number and for nested arrays', () => {
    expect(messageWhenFloat32AllocationFails(() => tensor(5, { dtype: 'float32' }))).toBe('tensor: cannot allocate 1 float32 elements for shape [] (Array buffer allocation failed)');
    expect(thrownMessage(() => tensor(5, { requiresGrad: 1 as never }))).toBe('tensor: requiresGrad must be a boolean, got 1');
    expect(messageWhenFloat32AllocationFails(() => tensor([[1, 2]], { dtype: 'float32' }))).toBe(
      'tensor: cannot allocate 2 float32 elements for shape [1, 2] (Array buffer allocation failed)',
    );
    expect(thrownMessage(() => tensor([[1, 2]], { requiresGrad: 'x' as never }))).toBe('tensor: requiresGrad must be a boolean, got the string "x"');
  });

  it('names tensor in its dtype and allocation messages', () => {
    expect(thrownMessage(() => tensor(new Float32Array(2), { dtype: 'float16' as never }))).toBe("tensor: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(messageWhenFloat32AllocationFails(() => tensor([1, 2, 3], { shape: [3], dtype: 'float32' }))).toBe(
      'tensor: cannot allocate 3 float32 elements for shape [3] (Array buffer allocation failed)',
    );
    expect(thrownMessage(() => tensor([1, 2], { shape: [2], requiresGrad: 'x' as never }))).toBe('tensor: requiresGrad must be a boolean, got the string "x"');
  });

  it("copies opts.shape: changing the caller's array afterwards leaves the tensor's shape alone", () => {
    const shape = [2, 2];
    const t = tensor([1, 2, 3, 4], { shape });
    shape[0] = 4;
    shape[1] = 1;
    expect(t.shape).toEqual([2, 2]);
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe('full, zeros, zerosLike and onesLike messages', () => {
  it('name their op', () => {
    expect(thrownMessage(() => full([1], 0, { requiresGrad: 1 as never }))).toBe('full: requiresGrad must be a boolean, got 1');
    expect(messageWhenFloat32AllocationFails(() => full([2], 1, { dtype: 'float32' }))).toBe(
      'full: cannot allocate 2 float32 elements for shape [2] (Array buffer allocation failed)',
    );
    expect(messageWhenFloat32AllocationFails(() => zeros([3, 1], { dtype: 'float32' }))).toBe(
      'zeros: cannot allocate 3 float32 elements for shape [3, 1] (Array buffer allocation failed)',
    );
    expect(messageWhenFloat32AllocationFails(() => ones([2, 2], { dtype: 'float32' }))).toBe(
      'ones: cannot allocate 4 float32 elements for shape [2, 2] (Array buffer allocation failed)',
    );
    expect(messageWhenFloat32AllocationFails(() => randn([3], { dtype: 'float32', seed: 0 }))).toBe(
      'randn: cannot allocate 3 float32 elements for shape [3] (Array buffer allocation failed)',
    );
    const t = tensor([[1, 2]]);
    expect(thrownMessage(() => zerosLike(t, { dtype: 'int8' as never }))).toBe("zerosLike: unknown dtype 'int8' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => onesLike(t, { dtype: 'int8' as never }))).toBe("onesLike: unknown dtype 'int8' (expected 'float64' or 'float32')");
    expect(messageWhenFloat32AllocationFails(() => zerosLike(t, { dtype: 'float32' }))).toBe(
      'zerosLike: cannot allocate 2 float32 elements for shape [1, 2] (Array buffer allocation failed)',
    );
    expect(messageWhenFloat32AllocationFails(() => onesLike(t, { dtype: 'float32' }))).toBe(
      'onesLike: cannot allocate 2 float32 elements for shape [1, 2] (Array buffer allocation failed)',
    );
  });

  it("zerosLike and onesLike do not share the model tensor's shape array", () => {
    const t = tensor([[1, 2, 3]]);
    const z = zerosLike(t);
    const o = onesLike(t);
    expect(z.shape).toEqual([1, 3]);
    expect(o.shape).toEqual([1, 3]);
    expect(z.shape).not.toBe(t.shape);
    expect(o.shape).not.toBe(t.shape);
  });
});

describe('arange arguments and messages', () => {
  it('takes a number only as start, end or step: a fourth number is not options', () => {
    expect(thrownMessage(() => arange(0, 5, 1, 2 as never))).toBe('arange: options must be an object, got 2');
    expect(thrownMessage(() => arange(0, 5, { dtype: 'float32' }, 1 as never))).toBe('arange: unexpected argument 1 after the options object');
  });

  it('arange(n) takes n = 0 and refuses a negative n', () => {
    // torch.arange(0) -> tensor([], dtype=torch.int64); torch.arange(-1) raises
    expect(arange(0).shape).toEqual([0]);
    expect(arange(1).toArray()).toEqual([0]);
    expect(thrownMessage(() => arange(-1))).toBe('arange: n must be a non-negative integer, got -1');
    expect(thrownMessage(() => arange(2.5))).toBe('arange: n must be a non-negative integer, got 2.5');
    expect(thrownMessage(() => arange('3' as never))).toBe('arange: n must be a non-negative integer, got the string "3"');
  });

  it('names arange in its size, dtype and requiresGrad messages', () => {
    expect(thrownMessage(() => arange(0, 2 ** 33))).toBe(
      'arange: shape [8589934592] has 8.59e9 elements, more than the 2^32 (4294967296) that can be allocated at once',
    );
    expect(thrownMessage(() => arange(0, 2, { dtype: 'float16' as never }))).toBe("arange: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => arange(0, 2, { requiresGrad: 'x' as never }))).toBe('arange: requiresGrad must be a boolean, got the string "x"');
    expect(thrownMessage(() => arange('0' as never, 2))).toBe('arange: start must be a finite number, got the string "0"');
    expect(thrownMessage(() => arange(0, Number.NaN))).toBe('arange: end must be a finite number, got NaN');
  });
});

describe('uniform', () => {
  it('draws one uniform per element from the default generator', () => {
    const values = (t: Tensor): number[] => Array.from(t.dataSync());
    manualSeed(9);
    const whole = values(uniform([6], -2, 3));
    manualSeed(9);
    expect([...values(uniform([3], -2, 3)), ...values(uniform([3], -2, 3))]).toEqual(whole);
    expect(whole.every((v) => v >= -2 && v < 3)).toBe(true);
  });
});

describe('gradgradcheck: gradOutputs with fewer dimensions than the output', () => {
  it('is refused even when the dimensions it has agree', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const f = (t: Tensor) => t.mul(t).reshape([2, 1]);
    expect(thrownMessage(() => gradgradcheck(f, [x], { gradOutputs: tensor([1, 1]) }))).toBe("gradgradcheck: gradOutputs must be a Tensor of the output's shape [2, 1]");
    expect(thrownMessage(() => gradgradcheck((t: Tensor) => t.mul(t), [x], { gradOutputs: tensor(1) }))).toBe(
      "gradgradcheck: gradOutputs must be a Tensor of the output's shape [2]",
    );
  });
});

describe('Tensor.toString of a transposed view', () => {
  it('walks the last dim by its stride', () => {
    // str(torch.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=torch.float64).t())
    //   -> 'tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], dtype=torch.float64)'
    expect(tensor([[1, 2, 3], [4, 5, 6]]).transpose(0, 1).toString()).toBe('tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], dtype=float64)');
    // str(torch.tensor([[1.5, 2., 3.], [4., 5., 6.]], dtype=torch.float64).t())
    expect(tensor([[1.5, 2, 3], [4, 5, 6]]).transpose(0, 1).toString()).toBe(
      'tensor([[1.5000, 4.0000],\n        [2.0000, 5.0000],\n        [3.0000, 6.0000]], dtype=float64)',
    );
  });
});

describe('erfc far out in the tail (util/erf.ts)', () => {
  // exp(-x²) is split as exp(-r²)·exp(-(x-r)(x+r)), r = x rounded down to 1/16, so that x² is
  // never rounded: that rounding alone would cost x²·2^-53 relative (2e-14 at x = 25.9). An
  // integer x has an exact square, so these are not integers. References from mpmath:
  //   mpmath.mp.prec = 300; float(mpmath.erfc(mpmath.mpf(x)))
  const cases: [number, number][] = [
    [5.3, 6.613081850340811e-14],
    [10.7, 9.94923478511827e-52],
    [13.1, 1.2694671364910779e-76],
    [20.3, 2.985318180601636e-181],
    [25.9, 1.0202833184732667e-293],
  ];
  it.each(cases)('erfc(%s) to 1e-15 relative', (x, e) => {
    expect(Math.abs(erfc(x) - e) / e).toBeLessThanOrEqual(1e-15);
  });
});

describe('checkOptions', () => {
  it('refuses a function even when its prototype is Object.prototype or null', () => {
    // Such a function looks like a plain object to Object.getPrototypeOf; typeof tells them apart.
    const plainProto = Object.setPrototypeOf(() => 0, Object.prototype) as object;
    const nullProto = Object.setPrototypeOf(() => 0, null) as object;
    expect(thrownMessage(() => checkOptions('f', plainProto, []))).toBe('f: options must be an object, got a function');
    expect(thrownMessage(() => checkOptions('f', nullProto, []))).toBe('f: options must be an object, got a function');
    expect(checkOptions('f', Object.create(null) as object, [])).toEqual({});
  });
});
