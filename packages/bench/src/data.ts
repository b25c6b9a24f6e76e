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
  /** Absent or 'conv' for the conv1d workloads (the MLP's spec says 'mlp'). */
  readonly kind?: 'conv';
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

/**
 * The MLP workload: Linear in->h1->...->out with ReLU between layers, MSE loss against one-hot
 * targets, SGD. Weights are PyTorch's layout, [out, in]. The input does not require grad (a
 * classifier's training step), so no dX.
 */
export interface MlpSpec {
  readonly kind: 'mlp';
  readonly name: string;
  readonly batch: number;
  /** Layer widths, input first: [784, 512, 512, 10] is two hidden layers of 512. */
  readonly sizes: readonly number[];
  readonly lr: number;
  readonly dtype: DType;
}

export interface MlpWorkload extends MlpSpec {
  /** [batch, sizes[0]] */
  readonly x: FloatArray;
  /** [batch, sizes[last]] (one-hot rows) */
  readonly target: FloatArray;
  /** Layer i: [sizes[i+1], sizes[i]] */
  readonly weights: readonly FloatArray[];
  /** Layer i: [sizes[i+1]] */
  readonly biases: readonly FloatArray[];
}

export type Spec = ConvSpec | MlpSpec;
export type Workload = ConvWorkload | MlpWorkload;

export function isMlp(s: Spec): s is MlpSpec;
export function isMlp(s: Workload): s is MlpWorkload;
export function isMlp(s: Spec | Workload): boolean {
  return (s as MlpSpec).kind === 'mlp';
}

/**
 * State after some number of training steps. Conv: weight [Cout, Cin, K], bias [Cout]. MLP: all
 * layers' weights back to back (layer order, each [out, in]) and all biases back to back.
 */
export interface TrainState {
  /** Loss of the most recent step's forward pass (i.e. before its update). */
  readonly loss: number;
  readonly weight: FloatArray;
  readonly bias: FloatArray;
}

export function outLength(s: Pick<ConvSpec, 'l' | 'k' | 'padding' | 'stride'>): number {
  return Math.floor((s.l + 2 * s.padding - s.k) / s.stride) + 1;
}

/**
 * Conv: 3 convolutions' worth of multiply-adds (forward, dW, dX), 2 flops each.
 * MLP: per layer forward and dW gemms, plus dX for every layer but the first (the input does not
 * require grad), 2 flops per multiply-add.
 */
export function flopsPerStep(s: Spec): number {
  if (isMlp(s)) {
    let f = 0;
    for (let i = 0; i + 1 < s.sizes.length; i++) f += 2 * s.batch * s.sizes[i] * s.sizes[i + 1] * (i === 0 ? 2 : 3);
    return f;
  }
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

/**
 * The MLP workload: x uniform in [0, 1) (pixel-like), one-hot targets of uniformly drawn labels,
 * weights and biases uniform in ±1/sqrt(in) (PyTorch's default Linear init range). Fixed
 * generation order (x, labels, then each layer's weight and bias).
 */
export function makeMlpWorkload(spec: MlpSpec, seed = 4321): MlpWorkload {
  if (spec.sizes.length < 2) throw new Error(`workload ${spec.name}: need at least 2 layer sizes`);
  const rand = mulberry32(seed);
  const { batch: B, sizes } = spec;
  const nin = sizes[0];
  const nout = sizes[sizes.length - 1];
  const x = fillUniform(alloc(spec.dtype, B * nin), rand, 0, 1);
  const target = alloc(spec.dtype, B * nout);
  for (let i = 0; i < B; i++) target[i * nout + Math.min(nout - 1, Math.floor(rand() * nout))] = 1;
  const weights: FloatArray[] = [];
  const biases: FloatArray[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const bound = 1 / Math.sqrt(sizes[i]);
    weights.push(fillUniform(alloc(spec.dtype, sizes[i + 1] * sizes[i]), rand, -bound, bound));
    biases.push(fillUniform(alloc(spec.dtype, sizes[i + 1]), rand, -bound, bound));
  }
  return { ...spec, x, target, weights, biases };
}

/** Linear 784 -> 512 -> 512 -> 10, batch 256, ReLU, MSE, SGD (cross-entropy: see README). */
export const SPEC_MLP: MlpSpec = { kind: 'mlp', name: 'MLP', batch: 256, sizes: [784, 512, 512, 10], lr: 0.01, dtype: 'float32' };
export const SPEC_MLP_TINY: MlpSpec = { kind: 'mlp', name: 'mlp-tiny', batch: 5, sizes: [7, 6, 4, 3], lr: 0.05, dtype: 'float32' };

/** Build the workload of a spec (S is the blog's fixed numbers). */
export function buildWorkload(spec: Spec): Workload {
  if (isMlp(spec)) return makeMlpWorkload(spec);
  if (spec.name === 'S') return blogWorkload(spec.dtype);
  return makeWorkload(spec);
}

/** Same numbers, other element type (e.g. the float32 copy of S that tfjs needs). */
export function castWorkload<W extends Workload>(wl: W, dtype: DType): W;
export function castWorkload(wl: Workload, dtype: DType): Workload {
  if (wl.dtype === dtype) return wl;
  const cast = (a: FloatArray): FloatArray => (dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
  if (isMlp(wl)) return { ...wl, dtype, x: cast(wl.x), target: cast(wl.target), weights: wl.weights.map(cast), biases: wl.biases.map(cast) };
  return { ...wl, dtype, x: cast(wl.x), w: cast(wl.w), b: cast(wl.b), target: cast(wl.target) };
}

/**
 * How a workload travels to a peer process: a JSON header and its arrays back to back in one
 * little-endian file of the workload's dtype. Conv: x, w, b, target. MLP: x, target, then each
 * layer's weight and bias.
 */
export type WorkloadHeader =
  | { kind: 'conv'; name: string; n: number; cin: number; cout: number; l: number; k: number; padding: number; stride: number; lr: number; dtype: DType }
  | { kind: 'mlp'; name: string; batch: number; sizes: number[]; lr: number; dtype: DType };

export function workloadHeader(wl: Workload): WorkloadHeader {
  if (isMlp(wl)) return { kind: 'mlp', name: wl.name, batch: wl.batch, sizes: [...wl.sizes], lr: wl.lr, dtype: wl.dtype };
  const { name, n, cin, cout, l, k, padding, stride, lr, dtype } = wl;
  return { kind: 'conv', name, n, cin, cout, l, k, padding, stride, lr, dtype };
}

export function workloadParts(wl: Workload): FloatArray[] {
  if (isMlp(wl)) return [wl.x, wl.target, ...wl.weights.flatMap((w, i) => [w, wl.biases[i]])];
  return [wl.x, wl.w, wl.b, wl.target];
}

/** The inverse of workloadHeader + workloadParts (the arrays are views into `flat`). */
export function workloadFromParts(h: WorkloadHeader, flat: FloatArray): Workload {
  let off = 0;
  const take = (len: number): FloatArray => {
    const a = flat.subarray(off, off + len);
    off += len;
    return a;
  };
  let wl: Workload;
  if (h.kind === 'mlp') {
    const nin = h.sizes[0];
    const nout = h.sizes[h.sizes.length - 1];
    const x = take(h.batch * nin);
    const target = take(h.batch * nout);
    const weights: FloatArray[] = [];
    const biases: FloatArray[] = [];
    for (let i = 0; i + 1 < h.sizes.length; i++) {
      weights.push(take(h.sizes[i + 1] * h.sizes[i]));
      biases.push(take(h.sizes[i + 1]));
    }
    wl = { kind: 'mlp', name: h.name, batch: h.batch, sizes: h.sizes, lr: h.lr, dtype: h.dtype, x, target, weights, biases };
  } else {
    const spec: ConvSpec = { name: h.name, n: h.n, cin: h.cin, cout: h.cout, l: h.l, k: h.k, padding: h.padding, stride: h.stride, lr: h.lr, dtype: h.dtype };
    const lout = outLength(spec);
    const x = take(h.n * h.cin * h.l);
    const w = take(h.cout * h.cin * h.k);
    const b = take(h.cout);
    const target = take(h.n * h.cout * lout);
    wl = { ...spec, lout, x, w, b, target };
  }
  if (off !== flat.length) throw new Error(`workload ${h.name}: data has ${flat.length} elements, expected ${off}`);
  return wl;
}
