import { afterEach, describe, expect, it } from 'vitest';
import { messageWhenFloat32AllocationFails, thrownMessage } from './throws.js';
import { type Tensor, bernoulli, eye, linspace, manualSeed, normal, randint, randperm, tensor } from '../src/index.js';
import { defaultGenerator } from '../src/random/generator.js';

// factories-extra.ts (linspace, eye, randint, randperm, normal, bernoulli): every message names
// its op and its argument in full, the default generator advances by exactly the documented
// draws, and the arguments are told apart as documented. Added for mutation testing.

const values = (t: Tensor): number[] => Array.from(t.dataSync());

describe('linspace messages', () => {
  it('names linspace and the argument', () => {
    expect(thrownMessage(() => linspace(Number.NaN, 1, 3))).toBe('linspace: start must be a finite number, got NaN');
    expect(thrownMessage(() => linspace(0, Number.NaN, 3))).toBe('linspace: end must be a finite number, got NaN');
    expect(thrownMessage(() => linspace(0, Infinity, 3))).toBe('linspace: end must be a finite number, got Infinity');
    expect(thrownMessage(() => linspace(0, '1' as never, 3))).toBe('linspace: end must be a finite number, got the string "1"');
    expect(thrownMessage(() => linspace(0, 1, 1.5))).toBe('linspace: steps must be a non-negative integer, got 1.5');
    expect(thrownMessage(() => linspace(0, 1, '3' as never))).toBe('linspace: steps must be a non-negative integer, got the string "3"');
    expect(thrownMessage(() => linspace(0, 1, 2, { dtype: 'float16' as never }))).toBe("linspace: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => linspace(0, 1, 2, { requiresGrad: 1 as never }))).toBe('linspace: requiresGrad must be a boolean, got 1');
  });

  it('quotes a dtype string as it is and describes any other dtype value', () => {
    // String({}) would be '[object Object]', String(['float32']) 'float32': neither says what was passed.
    expect(thrownMessage(() => linspace(0, 1, 2, { dtype: {} as never }))).toBe("linspace: unknown dtype 'an object' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => linspace(0, 1, 2, { dtype: ['float32'] as never }))).toBe("linspace: unknown dtype 'an array' (expected 'float64' or 'float32')");
  });

  it('refuses more steps than one tensor holds, by name', () => {
    expect(thrownMessage(() => linspace(0, 1, 2 ** 33))).toBe(
      'linspace: shape [8589934592] has 8.59e9 elements, more than the 2^32 (4294967296) that can be allocated at once',
    );
  });
});

describe('eye arguments', () => {
  it('takes an options object in the second place only when no third argument follows', () => {
    expect(eye(2, { dtype: 'float32' }).dtype).toBe('float32');
    expect(eye(2, { dtype: 'float32' }).toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    // With opts given, the second argument is m and must be a count.
    expect(thrownMessage(() => eye(2, { dtype: 'float32' }, { dtype: 'float64' }))).toBe('eye: m must be a non-negative integer, got an object');
  });

  it('takes null as m (and refuses it), not as the options', () => {
    expect(thrownMessage(() => eye(2, null as never))).toBe('eye: m must be a non-negative integer, got null');
  });

  it('names eye in its messages', () => {
    expect(thrownMessage(() => eye(2, { seed: 1 } as never))).toBe("eye: unknown option 'seed'; accepted options: requiresGrad, dtype");
    expect(thrownMessage(() => eye(2, 2, { requiresGrad: 'yes' as never }))).toBe('eye: requiresGrad must be a boolean, got the string "yes"');
    expect(thrownMessage(() => eye(-1))).toBe('eye: n must be a non-negative integer, got -1');
  });
});

describe('randint messages and range', () => {
  it('names randint and the argument', () => {
    expect(thrownMessage(() => randint(0, 5, [2], { shape: [2] } as never))).toBe("randint: unknown option 'shape'; accepted options: requiresGrad, dtype, seed");
    expect(thrownMessage(() => randint(Number.NaN, 5, [2]))).toBe('randint: low must be a finite number, got NaN');
    expect(thrownMessage(() => randint(0, Infinity, [2]))).toBe('randint: high must be a finite number, got Infinity');
    expect(thrownMessage(() => randint(0, 5, [2], { dtype: 'int32' as never }))).toBe("randint: unknown dtype 'int32' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => randint(0, 5, [2], { requiresGrad: 0 as never }))).toBe('randint: requiresGrad must be a boolean, got 0');
    expect(messageWhenFloat32AllocationFails(() => randint(0, 5, [2, 3], { dtype: 'float32', seed: 0 }))).toBe(
      'randint: cannot allocate 6 float32 elements for shape [2, 3] (Array buffer allocation failed)',
    );
  });

  it('allows exactly 2^32 values and refuses one more, counting high - low', () => {
    const wide = values(randint(-(2 ** 31), 2 ** 31, [200], { seed: 4 }));
    expect(wide.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)).toBe(true);
    // 200 draws over 2^32 values: both signs turn up.
    expect(wide.some((v) => v < 0) && wide.some((v) => v >= 0)).toBe(true);
    expect(randint(0, 2 ** 32, [3], { seed: 1 }).shape).toEqual([3]);
    expect(thrownMessage(() => randint(-(2 ** 32), 1, [2]))).toBe('randint: the range [-4294967296, 1) has 4294967297 values, more than 2^32');
    expect(thrownMessage(() => randint(0, 2 ** 32 + 1, [2]))).toBe('randint: the range [0, 4294967297) has 4294967297 values, more than 2^32');
  });
});

describe('randperm messages', () => {
  it('names randperm', () => {
    expect(thrownMessage(() => randperm(3, { dtype: 'float16' as never }))).toBe("randperm: unknown dtype 'float16' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => randperm(3, { requiresGrad: [] as never }))).toBe('randperm: requiresGrad must be a boolean, got an array');
    expect(thrownMessage(() => randperm(2 ** 33, { seed: 0 }))).toBe(
      'randperm: shape [8589934592] has 8.59e9 elements, more than the 2^32 (4294967296) that can be allocated at once',
    );
    expect(messageWhenFloat32AllocationFails(() => randperm(3, { dtype: 'float32', seed: 0 }))).toBe(
      'randperm: cannot allocate 3 float32 elements for shape [3] (Array buffer allocation failed)',
    );
  });

  it('limits n to 2^24 in float32 only: float64 takes n = 2^24 + 1', () => {
    // Shuffling 2^24 elements takes seconds, so the float64 path is followed to the next check
    // in line: with an invalid seed, n = 2^24 + 1 in float64 gets as far as the seed error.
    expect(thrownMessage(() => randperm(2 ** 24 + 1, { seed: 1.5 }))).toBe('randperm: seed must be a safe integer (|seed| <= 2^53 - 1), got 1.5');
    expect(thrownMessage(() => randperm(2 ** 24 + 1, { dtype: 'float64', seed: 1.5 }))).toBe(
      'randperm: seed must be a safe integer (|seed| <= 2^53 - 1), got 1.5',
    );
  });
});

describe('normal messages', () => {
  it('names normal and the argument', () => {
    expect(thrownMessage(() => normal(0, 1, [2], { shape: [2] } as never))).toBe("normal: unknown option 'shape'; accepted options: requiresGrad, dtype, seed");
    expect(thrownMessage(() => normal(Number.NaN, 1, [2]))).toBe('normal: mean must be a finite number, got NaN');
    expect(thrownMessage(() => normal(0, Number.NaN, [2]))).toBe('normal: std must be a finite number, got NaN');
    expect(thrownMessage(() => normal(0, -1, [2]))).toBe('normal: std must be non-negative, got -1');
    expect(thrownMessage(() => normal(0, 1, [2], { seed: 0.5 }))).toBe('normal: seed must be a safe integer (|seed| <= 2^53 - 1), got 0.5');
    expect(thrownMessage(() => normal(0, 1, [2], { dtype: 'half' as never }))).toBe("normal: unknown dtype 'half' (expected 'float64' or 'float32')");
    expect(messageWhenFloat32AllocationFails(() => normal(0, 1, [4], { dtype: 'float32', seed: 0 }))).toBe(
      'normal: cannot allocate 4 float32 elements for shape [4] (Array buffer allocation failed)',
    );
  });
});

describe('the shape argument is copied', () => {
  it("changing the caller's array afterwards leaves the tensor's shape alone", () => {
    const s = [2, 3];
    const t = normal(0, 1, s, { seed: 0 });
    s[0] = 7;
    expect(t.shape).toEqual([2, 3]);
    const r = [4];
    const u = randint(0, 3, r, { seed: 0 });
    r[0] = 1;
    expect(u.shape).toEqual([4]);
  });

  it("bernoulli's result does not share the probability tensor's shape array", () => {
    const p = tensor([0, 1, 1]);
    const b = bernoulli(p, { seed: 0 });
    expect(b.shape).toEqual([3]);
    expect(b.shape).not.toBe(p.shape);
  });
});

describe('the default generator advances by exactly the documented draws', () => {
  // One call for 6 elements and two calls for 3 each draw the same stream: a factory that drew
  // once more than it fills would shift the second call.
  it('randint: one uniform draw per element', () => {
    manualSeed(11);
    const whole = values(randint(0, 1000, [6]));
    manualSeed(11);
    const halves = [...values(randint(0, 1000, [3])), ...values(randint(0, 1000, [3]))];
    expect(halves).toEqual(whole);
  });

  it('randperm: one uniform draw per step from n-1 down to 1', () => {
    // randperm(1) draws nothing; randperm(2) draws once (swap element 1 with element
    // floor(u * 2)), so randint(0, 2) after randperm(1) draws the same u: the same element.
    for (const seed of [0, 1, 2, 3, 5, 8]) {
      manualSeed(seed);
      const p = values(randperm(2));
      manualSeed(seed);
      expect(values(randperm(1))).toEqual([0]);
      const [j] = values(randint(0, 2, [1]));
      expect(p).toEqual(j === 1 ? [0, 1] : [1, 0]);
    }
    // randperm(4) draws 3 times (i = 3, 2, 1): what follows is what follows 3 randint draws.
    manualSeed(21);
    values(randperm(4));
    const after = values(randint(0, 1000, [3]));
    manualSeed(21);
    values(randint(0, 1000, [3]));
    expect(after).toEqual(values(randint(0, 1000, [3])));
  });

  it('normal: one standard normal per element (the spare of a pair carries over)', () => {
    manualSeed(12);
    const whole = values(normal(0, 1, [6]));
    manualSeed(12);
    const halves = [...values(normal(0, 1, [3])), ...values(normal(0, 1, [3]))];
    expect(halves).toEqual(whole);
  });

  it('bernoulli: one uniform draw per element, for a number and for a tensor of probabilities', () => {
    manualSeed(13);
    const whole = values(bernoulli(0.5, [40]));
    manualSeed(13);
    const halves = [...values(bernoulli(0.5, [20])), ...values(bernoulli(0.5, [20]))];
    expect(halves).toEqual(whole);
    const p = tensor(new Array<number>(20).fill(0.5));
    manualSeed(13);
    const fromTensor = [...values(bernoulli(p)), ...values(bernoulli(p))];
    expect(fromTensor).toEqual(whole);
  });
});

describe('bernoulli', () => {
  afterEach(() => {
    delete (defaultGenerator as { uniform?: unknown }).uniform;
  });

  it('is 1 exactly when the draw u is below p: u = p gives 0', () => {
    // A draw of exactly 0 or exactly p comes too rarely to wait for, so the default generator
    // is scripted here.
    const g = defaultGenerator as unknown as { uniform: () => number };
    g.uniform = () => 0;
    expect(values(bernoulli(0, [3]))).toEqual([0, 0, 0]);
    expect(values(bernoulli(tensor([0, 1e-300, 1])))).toEqual([0, 1, 1]);
    g.uniform = () => 0.25;
    expect(values(bernoulli(0.25, [2]))).toEqual([0, 0]);
    expect(values(bernoulli(tensor([0.25, 0.2500000000000001, 0.24999999999999997])))).toEqual([0, 1, 0]);
  });

  it('refuses probabilities outside [0, 1], naming the element only for a tensor of several', () => {
    expect(thrownMessage(() => bernoulli(-0.5, [2]))).toBe('bernoulli: probabilities must be in [0, 1], got -0.5');
    expect(thrownMessage(() => bernoulli(1.5, [2]))).toBe('bernoulli: probabilities must be in [0, 1], got 1.5');
    expect(thrownMessage(() => bernoulli(Number.NaN, [2]))).toBe('bernoulli: probabilities must be in [0, 1], got NaN');
    expect(thrownMessage(() => bernoulli(tensor([-1e-9])))).toBe('bernoulli: probabilities must be in [0, 1], got -1e-9');
    expect(thrownMessage(() => bernoulli(tensor([0.5, -0.25, 2])))).toBe('bernoulli: probabilities must be in [0, 1], got -0.25 at element 1');
  });

  it('with a number p, wants a shape next and says so', () => {
    expect(thrownMessage(() => bernoulli(0.5))).toBe('bernoulli: with a number p, a shape must follow: bernoulli(p, shape, opts?)');
    expect(thrownMessage(() => bernoulli(0.5, { seed: 1 }))).toBe('bernoulli: with a number p, a shape must follow: bernoulli(p, shape, opts?)');
    expect(thrownMessage(() => bernoulli(0.5, [-1]))).toBe(
      'bernoulli: invalid shape [-1]: dimension 0 is -1, but every dimension must be a non-negative integer',
    );
    expect(thrownMessage(() => bernoulli(0.5, 'x' as never))).toBe('bernoulli: shape must be an array of non-negative integers, got the string "x"');
  });

  it('with a probability tensor, refuses a shape (an array or a number) in place of the options', () => {
    expect(thrownMessage(() => bernoulli(tensor([0.5]), 3))).toBe('bernoulli: a probability tensor gives the shape ([1]); got the extra argument 3');
    expect(thrownMessage(() => bernoulli(tensor([0.5, 0.5]), [2]))).toBe('bernoulli: a probability tensor gives the shape ([2]); got the extra argument an array');
  });

  it('names bernoulli in its option, seed, dtype and allocation messages', () => {
    expect(thrownMessage(() => bernoulli(0.5, [2], { shape: [2] } as never))).toBe("bernoulli: unknown option 'shape'; accepted options: requiresGrad, dtype, seed");
    expect(thrownMessage(() => bernoulli(0.5, [2], { seed: Number.NaN }))).toBe('bernoulli: seed must be a safe integer (|seed| <= 2^53 - 1), got NaN');
    expect(thrownMessage(() => bernoulli(0.5, [2], { dtype: 'bool' as never }))).toBe("bernoulli: unknown dtype 'bool' (expected 'float64' or 'float32')");
    expect(thrownMessage(() => bernoulli(0.5, [2], { requiresGrad: 'no' as never }))).toBe('bernoulli: requiresGrad must be a boolean, got the string "no"');
    expect(messageWhenFloat32AllocationFails(() => bernoulli(0.5, [5], { dtype: 'float32', seed: 0 }))).toBe(
      'bernoulli: cannot allocate 5 float32 elements for shape [5] (Array buffer allocation failed)',
    );
  });
});
