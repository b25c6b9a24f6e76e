import { Generator, checkSeed, defaultGenerator } from './random/generator.js';
import { type DType, type Storage, isDType, getDefaultDtype } from './storage/dtype.js';
import { MAX_DIMS, allocateFor, checkShape, fmt, sizeOf } from './storage/shape.js';
import { TensorData } from './storage/tensor-data.js';
import { type NestedArray, Tensor } from './tensor.js';
import { checkOptions, describeValue } from './util/options.js';

/**
 * Options of the tensor factories (`tensor`, `zeros`, `rand`, ...).
 *
 * @category Tensor
 */
export interface TensorOptions {
  requiresGrad?: boolean;
  dtype?: DType;
  /** Seeds rand/randn; without it they draw from the default generator (see manualSeed). */
  seed?: number;
  /** The shape of a flat typed-array or plain-array `data`. */
  shape?: readonly number[];
}

// The options each factory reads: any other key (a typo, `requires_grad`) throws rather than
// being ignored, and `seed` or `shape` where the factory has no use for them would mislead.
const PLAIN = ['requiresGrad', 'dtype'] as const;
const SEEDED = ['requiresGrad', 'dtype', 'seed'] as const;
const SHAPED = ['requiresGrad', 'dtype', 'shape'] as const;

function dtypeFrom(op: string, opts: TensorOptions, fallback: DType = getDefaultDtype()): DType {
  const d = opts.dtype ?? fallback;
  if (!isDType(d)) throw new Error(`${op}: unknown dtype '${typeof d === 'string' ? d : describeValue(d)}' (expected 'float64' or 'float32')`);
  return d;
}

function make(op: string, storage: Storage, shape: readonly number[], opts: TensorOptions): Tensor {
  const rg = opts.requiresGrad ?? false;
  if (typeof rg !== 'boolean') throw new Error(`${op}: requiresGrad must be a boolean, got ${describeValue(rg)}`);
  return new Tensor(new TensorData(storage, shape), rg);
}

function shapeArg(op: string, shape: readonly number[] | number): number[] {
  return checkShape(op, typeof shape === 'number' ? [shape] : shape).slice();
}

/**
 * A tensor from a number (0-d), nested arrays, or a typed / plain flat array with
 * `opts.shape`. Values are copied; the dtype defaults to float64 (float32 for a Float32Array).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
 * const y = x.mul(x).sum();            // 0-d tensor: 91
 * y.backward();
 * console.log(x.grad?.toArray());       // [[2, 4, 6], [8, 10, 12]]
 * const f = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }); // float32
 * ```
 *
 * @category Factories
 */
export function tensor(data: NestedArray | Float32Array | Float64Array | readonly number[] | Tensor, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('tensor', opts, SHAPED);
  if (data instanceof Tensor) {
    if (opts.shape !== undefined) throw new Error(`tensor: opts.shape applies to flat array data, not to a Tensor (use reshape)`);
    const dtype = dtypeFrom('tensor', opts, data.dtype);
    return make('tensor', data.tensorData.copyTo(allocateFor('tensor', dtype, data.shape)), data.shape, opts);
  }
  if (ArrayBuffer.isView(data) || (opts.shape !== undefined && Array.isArray(data))) {
    const flat = data as ArrayLike<number>;
    if (!(data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
      throw new Error(`tensor: typed array data must be a Float32Array or Float64Array, got ${describeValue(data)}`);
    }
    const shape = opts.shape === undefined ? [flat.length] : checkShape('tensor', opts.shape).slice();
    if (sizeOf(shape) !== flat.length) {
      throw new Error(`tensor: data has ${flat.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`);
    }
    const dtype = dtypeFrom('tensor', opts, data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : getDefaultDtype());
    const storage = allocateFor('tensor', dtype, shape);
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (typeof v !== 'number') throw new Error(`tensor: element ${i} is ${typeof v}, expected a number`);
      storage[i] = v;
    }
    return make('tensor', storage, shape, opts);
  }
  if (opts.shape !== undefined) throw new Error(`tensor: opts.shape applies to flat array or typed array data, got ${describeValue(data)}`);
  const dtype = dtypeFrom('tensor', opts);
  if (typeof data === 'number') {
    const s = allocateFor('tensor', dtype, []);
    s[0] = data;
    return make('tensor', s, [], opts);
  }
  if (!Array.isArray(data)) throw new Error(`tensor: expected a number, nested arrays or a typed array, got ${data === null ? 'null' : typeof data}`);
  // Infer the shape from the first element at each depth, then insist every row agrees. The
  // walk is a loop with a depth cap, so an array nested 20,000 deep (or one that contains
  // itself) is an error here rather than a stack overflow or an endless loop.
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    if (shape.length === MAX_DIMS) {
      throw new Error(`tensor: data is nested more than ${MAX_DIMS} arrays deep; a tensor can have at most ${MAX_DIMS} dimensions`);
    }
    shape.push(level.length);
  }
  const storage = allocateFor('tensor', dtype, shape);
  let pos = 0;
  // Recursion depth is at most shape.length <= MAX_DIMS.
  const fill = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new Error(`tensor: element at [${path.join(', ')}] is ${Array.isArray(node) ? 'an array' : typeof node}, expected a number (shape ${fmt(shape)})`);
      }
      storage[pos++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`tensor: ragged nested array: at [${path.join(', ')}] expected ${shape[depth]} elements, got ${Array.isArray(node) ? node.length : typeof node}`);
    }
    for (let i = 0; i < node.length; i++) fill(node[i], depth + 1, [...path, i]);
  };
  fill(data, 0, []);
  return make('tensor', storage, shape, opts);
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @category Factories
 */
export function full(shape: readonly number[] | number, value: number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('full', opts, PLAIN);
  if (typeof value !== 'number') throw new Error(`full: value must be a number, got ${typeof value}`);
  const s = shapeArg('full', shape);
  return make('full', allocateFor('full', dtypeFrom('full', opts), s).fill(value), s, opts);
}

/**
 * A tensor of `shape` filled with zeros.
 *
 * @example
 * ```ts
 * import { zeros } from '@kindling/core';
 * const z = zeros([2, 3], { dtype: 'float32' });
 * console.log(z.shape, z.dtype); // [2, 3] float32
 * ```
 *
 * @category Factories
 */
export function zeros(shape: readonly number[] | number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('zeros', opts, PLAIN);
  const s = shapeArg('zeros', shape);
  return make('zeros', allocateFor('zeros', dtypeFrom('zeros', opts), s), s, opts);
}

/**
 * A tensor of `shape` filled with ones.
 *
 * @category Factories
 */
export function ones(shape: readonly number[] | number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('ones', opts, PLAIN);
  const s = shapeArg('ones', shape);
  return make('ones', allocateFor('ones', dtypeFrom('ones', opts), s).fill(1), s, opts);
}

function likeArg(op: string, t: Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describeValue(t)}`);
  return t;
}

/**
 * Zeros with `t`'s shape and dtype (`opts` may override the dtype).
 *
 * @category Factories
 */
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('zerosLike', opts, PLAIN);
  const like = likeArg('zerosLike', t);
  const dtype = dtypeFrom('zerosLike', opts, like.dtype);
  return make('zerosLike', allocateFor('zerosLike', dtype, like.shape), like.shape.slice(), opts);
}

/**
 * Ones with `t`'s shape and dtype (`opts` may override the dtype).
 *
 * @category Factories
 */
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('onesLike', opts, PLAIN);
  const like = likeArg('onesLike', t);
  const dtype = dtypeFrom('onesLike', opts, like.dtype);
  return make('onesLike', allocateFor('onesLike', dtype, like.shape).fill(1), like.shape.slice(), opts);
}

/**
 * Evenly spaced values in [start, end) with PyTorch's argument order (torch.arange):
 * `arange(n)` is [0, 1, ..., n-1] (n a non-negative integer), `arange(start, end)` steps by 1,
 * `arange(start, end, step)` by any nonzero finite step (negative counts down); options may
 * follow any form. The length is `ceil((end - start) / step)` and element i is
 * `start + i * step`, computed in float64, as in PyTorch.
 *
 * @example
 * ```ts
 * import { arange } from '@kindling/core';
 * arange(3).toArray();           // [0, 1, 2]
 * arange(2, 5).toArray();        // [2, 3, 4]
 * arange(1, 0, -0.25).toArray(); // [1, 0.75, 0.5, 0.25]
 * arange(0, 1, 0.5, { dtype: 'float32' }).dtype; // 'float32'
 * ```
 *
 * @category Factories
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts?: TensorOptions): Tensor {
  // The numbers come first; the options object (if any) is the first argument that is not one.
  const nums: unknown[] = [start];
  let o: unknown;
  const rest: unknown[] = [end, step, opts];
  // Stryker disable next-line EqualityOperator: one pass more reads rest[3], undefined, which the loop skips
  for (let k = 0; k < rest.length; k++) {
    const a = rest[k];
    if (a === undefined) continue;
    if (o !== undefined) throw new Error(`arange: unexpected argument ${describeValue(a)} after the options object`);
    if (typeof a === 'number' && k < 2) {
      if (nums.length !== k + 1) throw new Error(`arange: step ${a} given without end`);
      nums.push(a);
    } else o = a;
  }
  const options = checkOptions('arange', o as TensorOptions | undefined, PLAIN);
  if (nums.length === 1) {
    // Not yet known to be a number: Number.isSafeInteger, which does not convert, checks that too.
    const n = nums[0] as number;
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`arange: n must be a non-negative integer, got ${describeValue(n)}`);
    const s = allocateFor('arange', dtypeFrom('arange', options), [n]);
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored)
    for (let i = 0; i < n; i++) s[i] = i;
    return make('arange', s, [n], options);
  }
  const [lo, hi, by = 1] = nums as number[];
  (['start', 'end', 'step'] as const).forEach((name, i) => {
    const v: unknown = [lo, hi, by][i];
    // Number.isFinite is false for anything but a number (it does not convert).
    if (!Number.isFinite(v)) throw new Error(`arange: ${name} must be a finite number, got ${describeValue(v)}`);
  });
  if (by === 0) throw new Error('arange: step must be nonzero');
  // end lies on the side of start that step moves away from (end = start is an empty range).
  if (Math.sign(hi! - lo!) === -Math.sign(by)) {
    throw new Error(`arange: end ${hi} is on the wrong side of start ${lo} for step ${by} (the range would never end)`);
  }
  const n = Math.ceil((hi! - lo!) / by) + 0; // + 0: an empty range counting down gives -0, and a shape wants 0
  if (!Number.isSafeInteger(n)) throw new Error(`arange: [${lo}, ${hi}) with step ${by} would have ${n} elements`);
  const s = allocateFor('arange', dtypeFrom('arange', options), [n]);
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored)
  for (let i = 0; i < n; i++) s[i] = lo! + i * by;
  return make('arange', s, [n], options);
}

function generatorFor(op: string, opts: TensorOptions): Generator {
  if (opts.seed === undefined) return defaultGenerator;
  return new Generator(checkSeed(op, opts.seed));
}

/**
 * Uniform on [0, 1); the same `seed` (a safe integer) gives the same values on every platform.
 *
 * @category Factories
 */
export function rand(shape: readonly number[] | number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('rand', opts, SEEDED);
  return randInto('rand', shape, opts);
}

function randInto(op: string, shape: readonly number[] | number, opts: TensorOptions): Tensor {
  const s = shapeArg(op, shape);
  const dtype = dtypeFrom(op, opts);
  const gen = generatorFor(op, opts);
  const out = allocateFor(op, dtype, s);
  for (let i = 0; i < out.length; i++) {
    let v = gen.uniform();
    // Rounding to float32 can reach 1.0; keep the interval half-open.
    if (out instanceof Float32Array && Math.fround(v) === 1) v = 0.9999999403953552;
    out[i] = v;
  }
  return make(op, out, s, opts);
}

/**
 * Standard normal; the same `seed` (a safe integer) gives the same values on every platform.
 *
 * @category Factories
 */
export function randn(shape: readonly number[] | number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('randn', opts, SEEDED);
  const s = shapeArg('randn', shape);
  const dtype = dtypeFrom('randn', opts);
  const gen = generatorFor('randn', opts);
  const out = allocateFor('randn', dtype, s);
  for (let i = 0; i < out.length; i++) out[i] = gen.normal();
  return make('randn', out, s, opts);
}

/**
 * Uniform on [low, high): what layer initialisers need.
 *
 * @category Factories
 */
export function uniform(shape: readonly number[] | number, low: number, high: number, opts: TensorOptions = {}): Tensor {
  opts = checkOptions('uniform', opts, SEEDED);
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new Error(`uniform: bounds must be finite numbers with low <= high, got [${describeValue(low)}, ${describeValue(high)})`);
  }
  const t = randInto('uniform', shape, opts);
  const st = t.tensorData.storage;
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored)
  for (let i = 0; i < st.length; i++) st[i] = low + (high - low) * st[i]!;
  return t;
}
