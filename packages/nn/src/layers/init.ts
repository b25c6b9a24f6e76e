import { type DType, Generator, Tensor, TensorData, describeValue, getDefaultDtype, rand } from '@kindling/core';
import { Parameter } from '../parameter.js';
import { isSafeInteger } from './common.js';

/**
 * Where a layer's initial weights come from.
 *
 * @category Layers
 */
export interface InitOptions {
  /** Seeds a fresh generator for this layer (weight first, then bias). */
  seed?: number;
  /** Draws from this generator instead (it advances). Without seed or generator: core's default generator (see manualSeed). */
  generator?: Generator;
  /** Parameter dtype, 'float64' (the default, as in core) or 'float32'. */
  dtype?: DType;
}

/** The option keys of {@link InitOptions}, for the layers' unknown-key checks. */
export const INIT_OPTION_KEYS = ['seed', 'generator', 'dtype'] as const;

/** A function returning n uniforms on [0, 1), drawn in sequence from one stream. */
export type UniformSource = (n: number) => ArrayLike<number>;

export function uniformSource(op: string, opts: InitOptions): UniformSource {
  const draw = rawSource(op, opts);
  // Layer sizes come from the caller: a typo like 2e15 channels must fail naming the layer,
  // not deep inside the allocator.
  return (n) => {
    if (n > MAX_PARAMETER_ELEMENTS) {
      throw new Error(`${op}: a parameter of ${n} elements is more than the ${MAX_PARAMETER_ELEMENTS} (2^32) a typed array can hold`);
    }
    try {
      return draw(n);
    } catch (e) {
      if (e instanceof RangeError) throw new Error(`${op}: cannot allocate a parameter of ${n} elements (${e.message})`);
      throw e;
    }
  };
}

/** Core's limit on one allocation. */
const MAX_PARAMETER_ELEMENTS = 2 ** 32;

function rawSource(op: string, opts: InitOptions): UniformSource {
  if (opts.generator !== undefined) {
    if (!(opts.generator instanceof Generator)) throw new Error(`${op}: generator must be a Generator, got ${describeValue(opts.generator)}`);
    if (opts.seed !== undefined) throw new Error(`${op}: pass either seed or generator, not both`);
    return fromGenerator(opts.generator);
  }
  if (opts.seed !== undefined) {
    // Checked here so the message names the layer; Generator takes the same safe integers.
    if (!isSafeInteger(opts.seed)) throw new Error(`${op}: seed must be a safe integer, got ${describeValue(opts.seed)}`);
    return fromGenerator(new Generator(opts.seed));
  }
  // The default generator is core's; rand() without a seed draws from it in the same way.
  return (n) => rand([n]).tensorData.storage;
}

function fromGenerator(gen: Generator): UniformSource {
  return (n) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = gen.uniform();
    return out;
  };
}

export function dtypeOption(op: string, opts: InitOptions): DType {
  // The default follows core's setDefaultDtype, so setDefaultDtype('float32') makes a whole
  // model float32 without a dtype option on every layer.
  const d = opts.dtype ?? getDefaultDtype();
  if (d !== 'float64' && d !== 'float32') throw new Error(`${op}: dtype must be 'float64' or 'float32', got ${describeValue(d)}`);
  return d;
}

/**
 * A leaf parameter uniform on [-bound, bound): what torch.nn.init.uniform_(t, -bound, bound)
 * computes, low + (high - low) * u. kaiming_uniform_(a = sqrt(5)) on a weight with fan-in n is
 * this with bound = gain * sqrt(3 / n), gain = sqrt(2 / (1 + a²)) = sqrt(1/3), i.e. 1/sqrt(n).
 */
export function uniformParameter(shape: readonly number[], bound: number, dtype: DType, draw: UniformSource): Parameter {
  let n = 1;
  for (const d of shape) n *= d;
  const u = draw(n);
  const value = (v: number): number => -bound + (bound - -bound) * v;
  const st = dtype === 'float32' ? Float32Array.from(u, value) : Float64Array.from(u, value);
  return new Parameter(new Tensor(new TensorData(st, shape.slice())));
}
