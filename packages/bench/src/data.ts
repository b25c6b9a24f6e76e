/**
 * Deterministic workloads for the conv1d training-step benchmark.
 *
 * Layout is PyTorch's: input [N, Cin, L], weight [Cout, Cin, K], bias [Cout],
 * target/output [N, Cout, Lout]. Every peer starts from exactly these numbers
 * (peers that prefer channels-last transpose them once, untimed).
 */

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export interface ConvSpec {
  /** Short name used in tables: 'S', 'M', 'L', 'tiny', ... */
  readonly name: string;
  readonly n: number;
  readonly cin: number;
  readonly cout: number;
  readonly l: number;
  readonly k: number;
  readonly padding: number;
  readonly stride: number;
  readonly lr: number;
  readonly dtype: DType;
}

export interface ConvWorkload extends ConvSpec {
  readonly lout: number;
  /** [N, Cin, L] */
  readonly x: FloatArray;
  /** [Cout, Cin, K] */
  readonly w: FloatArray;
  /** [Cout] */
  readonly b: FloatArray;
  /** [N, Cout, Lout] */
  readonly target: FloatArray;
}

/** State after some number of training steps (weights in [Cout, Cin, K] layout). */
export interface TrainState {
  /** Loss of the most recent step's forward pass (i.e. before its update). */
  readonly loss: number;
  readonly weight: FloatArray;
  readonly bias: FloatArray;
}

export function outLength(s: Pick<ConvSpec, 'l' | 'k' | 'padding' | 'stride'>): number {
  return Math.floor((s.l + 2 * s.padding - s.k) / s.stride) + 1;
}

/** 3 convolutions' worth of multiply-adds (forward, dW, dX), 2 flops each. */
export function flopsPerStep(s: ConvSpec): number {
  return 3 * 2 * s.n * s.cout * outLength(s) * s.cin * s.k;
}

/** mulberry32: tiny, fast, deterministic 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function alloc(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

function fillUniform(a: FloatArray, rand: () => number, lo: number, hi: number): FloatArray {
  for (let i = 0; i < a.length; i++) a[i] = lo + (hi - lo) * rand();
  return a;
}

/**
 * Random workload: input and target uniform in [-1, 1], weight and bias
 * uniform in ±1/sqrt(Cin*K) (PyTorch's default Conv1d init range).
 * Generation order is fixed (x, w, b, target) so every tool sees identical data.
 */
export function makeWorkload(spec: ConvSpec, seed = 1234): ConvWorkload {
  const lout = outLength(spec);
  if (lout < 1) throw new Error(`workload ${spec.name}: empty output (Lout=${lout})`);
  const rand = mulberry32(seed);
  const bound = 1 / Math.sqrt(spec.cin * spec.k);
  const x = fillUniform(alloc(spec.dtype, spec.n * spec.cin * spec.l), rand, -1, 1);
  const w = fillUniform(alloc(spec.dtype, spec.cout * spec.cin * spec.k), rand, -bound, bound);
  const b = fillUniform(alloc(spec.dtype, spec.cout), rand, -bound, bound);
  const target = fillUniform(alloc(spec.dtype, spec.n * spec.cout * lout), rand, -1, 1);
  return { ...spec, lout, x, w, b, target };
}

/** Workload S, the "blog" example: fixed numbers, float64, 201 steps. */
export function blogWorkload(dtype: DType = 'float64'): ConvWorkload {
  const spec: ConvSpec = { name: 'S', n: 1, cin: 1, cout: 1, l: 5, k: 3, padding: 0, stride: 1, lr: 0.11, dtype };
  const mk = (v: number[]): FloatArray => (dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  return {
    ...spec,
    lout: outLength(spec),
    x: mk([1, 0.7, 0.5, 0.3, 0.1]),
    w: mk([1, 1, 1]),
    b: mk([0.5]),
    target: mk([1, 0, 0]),
  };
}

export const BLOG_STEPS = 201;

export const SPEC_M: ConvSpec = { name: 'M', n: 32, cin: 16, cout: 32, l: 1024, k: 5, padding: 2, stride: 1, lr: 0.01, dtype: 'float32' };
export const SPEC_L: ConvSpec = { name: 'L', n: 64, cin: 64, cout: 64, l: 2048, k: 9, padding: 4, stride: 1, lr: 0.01, dtype: 'float32' };
export const SPEC_TINY: ConvSpec = { name: 'tiny', n: 2, cin: 3, cout: 4, l: 16, k: 3, padding: 1, stride: 1, lr: 0.01, dtype: 'float32' };

/** Same numbers, other element type (e.g. the float32 copy of S that tfjs needs). */
export function castWorkload(wl: ConvWorkload, dtype: DType): ConvWorkload {
  if (wl.dtype === dtype) return wl;
  const cast = (a: FloatArray): FloatArray => (dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
  return { ...wl, dtype, x: cast(wl.x), w: cast(wl.w), b: cast(wl.b), target: cast(wl.target) };
}
