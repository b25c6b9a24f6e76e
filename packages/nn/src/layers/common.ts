import { type DType, Generator, Tensor, TensorData, describeValue, getDefaultDtype, randn } from '@kindling/core';

/*
 * Argument helpers shared by the round-2 layers (normalisation, pooling, embedding): each error
 * names the layer, the argument and the value.
 */

/** Number.isInteger as a type guard (false for anything but a number, so no typeof is needed). */
export const isInteger = (v: unknown): v is number => Number.isInteger(v);

/** Number.isSafeInteger as a type guard. */
export const isSafeInteger = (v: unknown): v is number => Number.isSafeInteger(v);

/** Number.isFinite as a type guard (false for anything but a number). */
export const isFiniteNumber = (v: unknown): v is number => Number.isFinite(v);

/** A layer's parameter dtype: the option, else core's default dtype (see setDefaultDtype). */
export function layerDtype(op: string, dtype: unknown): DType {
  const d = dtype ?? getDefaultDtype();
  if (d !== 'float64' && d !== 'float32') throw new Error(`${op}: dtype must be 'float64' or 'float32', got ${describeValue(d)}`);
  return d;
}

/** An integer >= min (0 or 1), or a 1-tuple of one (PyTorch's `_single`): the layer's 1-d sizes. */
export function int1(op: string, name: string, v: unknown, min: 0 | 1): number {
  const x = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!isInteger(x) || x < min) {
    const what = min === 1 ? 'a positive integer' : 'a non-negative integer';
    throw new Error(`${op}: ${name} must be ${what} (or a 1-tuple of one), got ${Array.isArray(v) ? `[${v.map((e) => describeValue(e)).join(', ')}]` : describeValue(v)}`);
  }
  return x;
}

/** A finite number, or an Error naming the layer and the argument. */
export function finiteNumber(op: string, name: string, v: unknown): number {
  if (!isFiniteNumber(v)) throw new Error(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

/** A boolean, or an Error naming the layer and the argument. */
export function boolArg(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

/**
 * n standard normals from `generator`, a fresh generator seeded with `seed`, or (neither) core's
 * default generator, as randn draws them; the seed/generator checks of init.ts's uniform source.
 */
export function normalDraws(op: string, opts: { seed?: unknown; generator?: unknown }, n: number): ArrayLike<number> {
  let gen: Generator | null = null;
  if (opts.generator !== undefined) {
    if (!(opts.generator instanceof Generator)) throw new Error(`${op}: generator must be a Generator, got ${describeValue(opts.generator)}`);
    if (opts.seed !== undefined) throw new Error(`${op}: pass either seed or generator, not both`);
    gen = opts.generator;
  } else if (opts.seed !== undefined) {
    if (!isSafeInteger(opts.seed)) throw new Error(`${op}: seed must be a safe integer, got ${describeValue(opts.seed)}`);
    gen = new Generator(opts.seed);
  }
  if (n > 2 ** 32) throw new Error(`${op}: a parameter of ${n} elements is more than the ${2 ** 32} (2^32) a typed array can hold`);
  try {
    if (!gen) return randn([n], { dtype: 'float64' }).tensorData.storage;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = gen.normal();
    return out;
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`${op}: cannot allocate a parameter of ${n} elements (${e.message})`);
    throw e;
  }
}

/** Core's limit on one allocation. */
const MAX_ELEMENTS = 2 ** 32;

/**
 * A constant tensor of `shape` (ones, zeros) for a layer's parameter or buffer. Sizes come from
 * the caller, so a typo like 2^40 features must fail naming the layer, not inside the allocator.
 */
export function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  if (n > MAX_ELEMENTS) throw new Error(`${op}: a tensor of shape [${shape.join(', ')}] (${n} elements) is more than the ${MAX_ELEMENTS} (2^32) a typed array can hold`);
  let st: Float32Array | Float64Array;
  try {
    st = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  } catch (e) {
    if (e instanceof RangeError) throw new Error(`${op}: cannot allocate a tensor of ${n} elements (${e.message})`);
    throw e;
  }
  st.fill(value);
  return new Tensor(new TensorData(st, shape.slice()));
}
