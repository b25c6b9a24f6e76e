/**
 * TensorFlow.js peers: one conv1d training step on the 'cpu' or 'wasm' backend.
 *
 * tfjs's conv1d only takes channels-last input and (with a numeric pad) also
 * pads the dummy height axis of its internal conv2d, so the step is written
 * directly as a conv2d on [N, 1, L, Cin] with explicit width padding — which
 * is exactly what tf.conv1d does internally. Data is transposed to this layout
 * once at setup (untimed); readState() transposes the weight back to
 * [Cout, Cin, K].
 *
 * Gradients:
 *  - 'native': tfjs's own conv2d gradient (Conv2DBackpropFilter/Input kernels).
 *    Only usable on 'cpu': tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter.
 *  - 'custom': tf.customGrad with a backward written as two forward convs
 *    (see convCustomGrad below); works on both backends.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { isMlp } from '../data.js';
import type { ConvWorkload, MlpWorkload, TrainState, Workload } from '../data.js';
import type { Timed } from '../timing.js';

export type TfjsBackend = 'cpu' | 'wasm';
export type TfjsGrad = 'native' | 'custom';

export interface TfjsPeer extends Timed {
  readonly backend: TfjsBackend;
  readonly grad: TfjsGrad;
  /** One training step (caller must have run before() — i.e. the right backend is active). */
  step(): void;
  /** Loss of the last step and current weight/bias, weight as [Cout, Cin, K]. */
  readState(): Promise<{ loss: number; weight: Float32Array; bias: Float32Array } & TrainState>;
  /** dX of the last step as [N, Cin, L] (for tests). */
  readDx(): Promise<Float32Array>;
  dispose(): Promise<void>;
}

let wasmPathsSet = false;

/** Directory holding tfjs-backend-wasm's .wasm binaries (node_modules/.../dist/). */
export function wasmDir(): string {
  const require = createRequire(import.meta.url);
  // main is dist/tf-backend-wasm.node.js; the .wasm files sit next to it.
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/** Make `backend` the active tfjs backend (initialising wasm from node_modules on first use). */
export async function useBackend(backend: TfjsBackend): Promise<void> {
  if (backend === 'wasm' && !wasmPathsSet) {
    // Under Node, emscripten reads the binary with fs from prefix + file name.
    // Node has no WASM threads support in tfjs 4.22, so this loads the
    // single-threaded SIMD binary (tfjs-backend-wasm-simd.wasm).
    setWasmPaths(wasmDir());
    wasmPathsSet = true;
  }
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs: could not initialise backend '${backend}'`);
  }
  await tf.ready();
  if (backend === 'cpu') {
    // Silence the one-time "install tfjs-node" hint printed on the first cpu write.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  }
}

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];
const widthPad = (p: number): Pad4 => [[0, 0], [0, 0], [p, p], [0, 0]];

/**
 * conv1d as conv2d (x: [N,1,L,Cin], w: [1,K,Cin,Cout], stride 1, padding p)
 * with a hand-written backward that only uses *forward* convolutions:
 *
 *   y[n,t,o] = sum_{k,c} xp[n,t+k,c] w[k,c,o]            (xp = x zero-padded by p)
 *
 *   dW[k,c,o] = sum_{n,t} xp[n,t+k,c] dy[n,t,o]
 *     = conv of X' = x^T as [Cin(batch), 1, L(width), N(channels)], padded by p,
 *       with the filter F' = dy^T as [1, Lout(width), N(in), Cout(out)];
 *       output [Cin, 1, L+2p-Lout+1 = K, Cout] -> transpose to [1, K, Cin, Cout].
 *
 *   dX[n,i,c] = sum_{k,o: t=i+p-k in [0,Lout)} dy[n,t,o] w[k,c,o]
 *     substitute k' = K-1-k:  = sum_{k',o} dyp[n, i+k', o] w[K-1-k', c, o]
 *     with dyp = dy zero-padded by q = K-1-p on both sides (the right pad follows
 *     from Lout + 2q - K + 1 = L), i.e. a conv of dyp with the filter
 *     W~[0,k',o,c] = w[0,K-1-k',c,o] = transpose(reverse(w, axis 1), [0,1,3,2]).
 *
 * Needs stride 1 and 0 <= p <= K-1 (true for all benchmark workloads).
 */
export function convCustomGrad(padding: number, k: number): (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D {
  if (padding < 0 || padding > k - 1) throw new Error(`convCustomGrad: need 0 <= padding <= K-1, got p=${padding}, K=${k}`);
  const q = k - 1 - padding;
  const f = tf.customGrad((...args: unknown[]) => {
    const x = args[0] as tf.Tensor4D;
    const w = args[1] as tf.Tensor4D;
    const save = args[2] as tf.GradSaveFunc;
    save([x, w]);
    const value = tf.conv2d(x, w, 1, widthPad(padding));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      // dW
      const xT = tf.transpose(xs, [3, 1, 2, 0]); // [Cin, 1, L, N]
      const dyT = tf.transpose(dy4, [1, 2, 0, 3]); // [1, Lout, N, Cout]
      const dWt = tf.conv2d(xT, dyT, 1, widthPad(padding)); // [Cin, 1, K, Cout]
      const dW = tf.transpose(dWt, [1, 2, 0, 3]); // [1, K, Cin, Cout]
      // dX
      const wFlipT = tf.transpose(tf.reverse(ws, 1), [0, 1, 3, 2]); // [1, K, Cout, Cin]
      const dX = tf.conv2d(dy4, wFlipT, 1, widthPad(q)); // [N, 1, L, Cin]
      return [dX, dW];
    };
    return { value, gradFunc };
  });
  return (x, w) => f(x, w) as tf.Tensor4D;
}

export interface TfjsOptions {
  backend: TfjsBackend;
  grad?: TfjsGrad;
  /** Display name; default 'tfjs-cpu', 'tfjs-wasm', 'tfjs-cpu-customgrad'. */
  name?: string;
}

export function tfjsPeerName(backend: TfjsBackend, grad: TfjsGrad): string {
  return grad === 'native' ? `tfjs-${backend}` : backend === 'wasm' ? 'tfjs-wasm' : `tfjs-${backend}-customgrad`;
}

/**
 * Set up the workload on the given backend. The returned peer keeps its own
 * tensors; several peers (on different backends) may coexist — call
 * before() (or useBackend) to switch to a peer's backend before stepping it.
 */
export async function createTfjsPeer(wl: Workload, opts: TfjsOptions): Promise<TfjsPeer> {
  if (isMlp(wl)) return createTfjsMlpPeer(wl, opts);
  return createTfjsConvPeer(wl, opts);
}

/**
 * The MLP step: tf.matMul(x, W, false, true) + b, tf.relu, tf.losses-free MSE (mean of
 * squaredDifference), tf.valueAndGrads over the weights and biases, SGD by assign. tfjs's own
 * matMul gradients work on both backends, so `grad` does not apply (the row names stay those of
 * the conv rows: tfjs-wasm, tfjs-cpu).
 */
async function createTfjsMlpPeer(wl: MlpWorkload, opts: TfjsOptions): Promise<TfjsPeer> {
  const backend = opts.backend;
  const grad: TfjsGrad = opts.grad ?? (backend === 'wasm' ? 'custom' : 'native');
  const name = opts.name ?? tfjsPeerName(backend, grad);
  await useBackend(backend);
  const { batch: B, sizes } = wl;
  const nl = sizes.length - 1;
  const x = tf.tensor2d(Float32Array.from(wl.x), [B, sizes[0]]);
  const target = tf.tensor2d(Float32Array.from(wl.target), [B, sizes[nl]]);
  const tag = `${name}-${Math.random()}`;
  const Ws = wl.weights.map((w, i) => tf.variable(tf.tensor2d(Float32Array.from(w), [sizes[i + 1], sizes[i]]), true, `${tag}-W${i}`));
  const bs = wl.biases.map((b, i) => tf.variable(tf.tensor1d(Float32Array.from(b)), true, `${tag}-b${i}`));
  const lr = tf.scalar(wl.lr);
  const lossFn = (...args: tf.Tensor[]): tf.Scalar => {
    let h = x as tf.Tensor2D;
    for (let i = 0; i < nl; i++) {
      h = tf.add(tf.matMul(h, args[i] as tf.Tensor2D, false, true), args[nl + i]);
      if (i < nl - 1) h = tf.relu(h);
    }
    return tf.mean(tf.squaredDifference(h, target));
  };
  const valueAndGrads = tf.valueAndGrads(lossFn);
  let lastLoss: tf.Scalar | null = null;
  function step(): void {
    tf.tidy(() => {
      const { value, grads } = valueAndGrads([...Ws, ...bs]);
      for (let i = 0; i < nl; i++) {
        Ws[i].assign(tf.sub(Ws[i], tf.mul(grads[i], lr)));
        bs[i].assign(tf.sub(bs[i], tf.mul(grads[nl + i], lr)));
      }
      lastLoss?.dispose();
      lastLoss = tf.keep(value);
    });
  }
  const before = (): Promise<void> => useBackend(backend);
  const cat = async (vs: tf.Variable[]): Promise<Float32Array> => {
    const parts = await Promise.all(vs.map((v) => v.data() as Promise<Float32Array>));
    const out = new Float32Array(parts.reduce((t, p) => t + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };
  return {
    name,
    backend,
    grad,
    before,
    step,
    async sample(steps: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      if (lastLoss) lastLoss.dataSync();
      return performance.now() - t0;
    },
    async readState() {
      await before();
      const loss = lastLoss ? (await lastLoss.data())[0] : NaN;
      return { loss, weight: await cat(Ws), bias: await cat(bs) };
    },
    async readDx() {
      throw new Error('the MLP step computes no dX');
    },
    async dispose() {
      await before();
      tf.dispose([x, target, lr, ...Ws, ...bs]);
      lastLoss?.dispose();
      lastLoss = null;
    },
  };
}

async function createTfjsConvPeer(wl: ConvWorkload, opts: TfjsOptions): Promise<TfjsPeer> {
  const backend = opts.backend;
  const grad: TfjsGrad = opts.grad ?? (backend === 'wasm' ? 'custom' : 'native');
  if (backend === 'wasm' && grad === 'native') {
    throw new Error('tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel; use grad: "custom"');
  }
  if (wl.stride !== 1) throw new Error('tfjs peer: only stride 1 is implemented');
  const name = opts.name ?? tfjsPeerName(backend, grad);
  await useBackend(backend);

  const { n: N, cin: C, cout: O, l: L, k: K, lout: T, padding: P } = wl;
  // [N, Cin, L] -> [N, 1, L, Cin]
  const xNLC = new Float32Array(N * L * C);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) for (let i = 0; i < L; i++) xNLC[(n * L + i) * C + c] = wl.x[(n * C + c) * L + i];
  // [Cout, Cin, K] -> [1, K, Cin, Cout]
  const wKCO = new Float32Array(K * C * O);
  for (let o = 0; o < O; o++)
    for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) wKCO[(k * C + c) * O + o] = wl.w[(o * C + c) * K + k];
  // [N, Cout, Lout] -> [N, 1, Lout, Cout]
  const tNTO = new Float32Array(N * T * O);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) for (let t = 0; t < T; t++) tNTO[(n * T + t) * O + o] = wl.target[(n * O + o) * T + t];

  const x = tf.tensor4d(xNLC, [N, 1, L, C]);
  const target = tf.tensor4d(tNTO, [N, 1, T, O]);
  const W = tf.variable(tf.tensor4d(wKCO, [1, K, C, O]), true, `${name}-W-${Math.random()}`);
  const B = tf.variable(tf.tensor1d(Float32Array.from(wl.b)), true, `${name}-b-${Math.random()}`);
  const lr = tf.scalar(wl.lr);

  const conv =
    grad === 'custom'
      ? convCustomGrad(P, K)
      : (xx: tf.Tensor4D, ww: tf.Tensor4D): tf.Tensor4D => tf.conv2d(xx, ww, 1, widthPad(P));
  const lossFn = (...args: tf.Tensor[]): tf.Scalar => {
    const [xx, ww, bb] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const y = tf.add(conv(xx, ww), bb);
    return tf.mean(tf.squaredDifference(y, target));
  };
  const valueAndGrads = tf.valueAndGrads(lossFn);

  let lastLoss: tf.Scalar | null = null;
  let lastDx: tf.Tensor | null = null;

  function step(): void {
    tf.tidy(() => {
      const { value, grads } = valueAndGrads([x, W, B]);
      const [dX, dW, dB] = grads;
      W.assign(tf.sub(W, tf.mul(dW, lr)));
      B.assign(tf.sub(B, tf.mul(dB, lr)));
      lastLoss?.dispose();
      lastDx?.dispose();
      lastLoss = tf.keep(value);
      lastDx = tf.keep(dX);
    });
  }

  const before = (): Promise<void> => useBackend(backend);

  return {
    name,
    backend,
    grad,
    before,
    step,
    async sample(steps: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      // Both backends execute synchronously; reading one scalar is a cheap guard.
      if (lastLoss) lastLoss.dataSync();
      return performance.now() - t0;
    },
    async readState() {
      await before();
      const loss = lastLoss ? (await lastLoss.data())[0] : NaN;
      const wk = (await W.data()) as Float32Array;
      const weight = new Float32Array(O * C * K);
      for (let o = 0; o < O; o++)
        for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) weight[(o * C + c) * K + k] = wk[(k * C + c) * O + o];
      const bias = Float32Array.from((await B.data()) as Float32Array);
      return { loss, weight, bias };
    },
    async readDx() {
      await before();
      if (!lastDx) throw new Error('no step run yet');
      const d = (await lastDx.data()) as Float32Array; // [N, 1, L, Cin]
      const out = new Float32Array(N * C * L);
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++) for (let i = 0; i < L; i++) out[(n * C + c) * L + i] = d[(n * L + i) * C + c];
      return out;
    },
    async dispose() {
      await before();
      tf.dispose([x, target, W, B, lr]);
      lastLoss?.dispose();
      lastDx?.dispose();
      lastLoss = null;
      lastDx = null;
    },
  };
}
