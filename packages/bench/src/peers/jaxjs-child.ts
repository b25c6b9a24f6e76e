/**
 * jax-js (npm @jax-js/jax) in its own process (node --import tsx), driven by proc.ts.
 *
 * The step is JAX style: one `jit` of a function that calls `valueAndGrad` of the loss and
 * applies the SGD update, on the 'wasm' device (jax-js's CPU backend: generated WebAssembly
 * kernels). Per step: `[loss, w, b, dx] = step(x, w, b, target)`, then blockUntilReady on the new
 * state (a training loop that reads its loss each step does the same).
 *
 * Threads: jax-js runs its wasm kernels on a pool of Web Workers when `SharedArrayBuffer` and a
 * global `Worker` exist. Node has no global `Worker` (worker_threads has a different API), so out
 * of the box jax-js is single-threaded in Node (options.threads 1). With options.threads n >= 2
 * this child installs a small Web Worker shim over worker_threads (below) and sets
 * navigator.hardwareConcurrency = n before jax-js starts, and jax-js then splits its kernels over
 * n workers. Its own `init()` also reads `navigator.gpu` unguarded, which Node 20 lacks, so the
 * wasm device is initialised by name: `init('wasm')`. And its np.array() tests
 * `data instanceof Float16Array` before Float64Array, which throws a ReferenceError in Node 20 (no
 * Float16Array before Node 24), so a float64 array cannot be made; this child defines an empty
 * stand-in class when the global is missing (no array is ever an instance of it; float16 is not
 * used here).
 */
import { resolveObjectURL } from 'node:buffer';
import { Worker as NodeWorker } from 'node:worker_threads';
import { isMlp } from '../data.js';
import type { ConvWorkload, FloatArray, MlpWorkload, TrainState } from '../data.js';
import { serve } from './child-server.js';

/** The web-worker side API jax-js's worker source expects (self.onmessage, postMessage), on worker_threads. */
const PRELUDE = `const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
parentPort.on('message', (data) => { if (typeof globalThis.onmessage === 'function') globalThis.onmessage({ data }); });
`;

/** Enough of the Web Worker API for jax-js's pool: a blob: URL source, postMessage, onmessage, onerror. */
class WebWorkerShim {
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  private queue: unknown[] = [];
  private worker: NodeWorker | null = null;
  constructor(url: string | URL) {
    const blob = resolveObjectURL(String(url));
    if (!blob) throw new Error(`Worker shim: only blob: URLs are supported, got ${String(url)}`);
    void blob.text().then((src) => {
      const w = new NodeWorker(PRELUDE + src, { eval: true });
      w.on('message', (data) => this.onmessage?.({ data }));
      w.on('error', (e) => this.onerror?.({ message: e.message }));
      this.worker = w;
      for (const m of this.queue.splice(0)) w.postMessage(m);
    });
  }
  postMessage(m: unknown): void {
    if (this.worker) this.worker.postMessage(m);
    else this.queue.push(m);
  }
  terminate(): void {
    void this.worker?.terminate();
  }
}

await serve(async (wl, options) => {
  const threads = Number(options.threads ?? 1);
  if (threads >= 2) {
    (globalThis as { Worker?: unknown }).Worker = WebWorkerShim;
    if ((globalThis as { navigator?: unknown }).navigator === undefined) {
      (globalThis as { navigator?: unknown }).navigator = { hardwareConcurrency: threads };
    }
  }
  if ((globalThis as { Float16Array?: unknown }).Float16Array === undefined) {
    (globalThis as { Float16Array?: unknown }).Float16Array = class Float16ArrayUnavailable {};
  }
  const jax = await import('@jax-js/jax');
  const { numpy: np } = jax;
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: wasm device unavailable (got ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  const dtype = (options.dtype as string | undefined) ?? wl.dtype;
  const npDtype = dtype === 'float64' ? np.float64 : np.float32;
  const arr = (a: FloatArray, shape: number[]): InstanceType<typeof np.Array> =>
    np.array(dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a), { dtype: npDtype }).reshape(shape);
  type A = InstanceType<typeof np.Array>;
  // The learning rate and the mean's 1/numel go in as 0-d array arguments: inside jit, jax-js
  // 0.1.25 turns a JS number into a float32 literal even next to float64 arrays (x.mul(0.11) gives
  // 0.10999999940395355, and mean() scales by a float32 1/n), which would leave the float64 rows
  // with float32 rounding. With arrays the float64 step matches the float64 reference to ~1e-16.
  const scalar = (v: number): A => np.array(dtype === 'float64' ? Float64Array.of(v) : Float32Array.of(v), { dtype: npDtype }).reshape([]);
  const lrArr = scalar(wl.lr);
  const info = { backend: 'wasm', dtype, threads: threads >= 2 ? threads : 1, workerShim: threads >= 2 };

  if (isMlp(wl)) {
    const m = wl as MlpWorkload;
    const { batch: B, sizes } = m;
    const nl = sizes.length - 1;
    const x = arr(m.x, [B, sizes[0]]);
    const tg = arr(m.target, [B, sizes[nl]]);
    let Ws: A[] = m.weights.map((w, i) => arr(w, [sizes[i + 1], sizes[i]]));
    let bs: A[] = m.biases.map((b, i) => arr(b, [sizes[i + 1]]));
    const invN = scalar(1 / (B * sizes[nl]));
    const lossFn = (W: A[], b: A[], xx: A, t: A, inv: A): A => {
      let h = xx;
      for (let i = 0; i < nl; i++) {
        h = np.matmul(h, W[i].transpose()).add(b[i]);
        if (i < nl - 1) h = jax.nn.relu(h);
      }
      return np.square(h.sub(t)).sum().mul(inv); // = mean
    };
    const vg = jax.valueAndGrad(lossFn, { argnums: [0, 1] });
    const step = jax.jit((W: A[], b: A[], xx: A, t: A, lr: A, inv: A) => {
      const [loss, [dW, db]] = vg(
        W.map((w) => w.ref),
        b.map((v) => v.ref),
        xx,
        t,
        inv,
      );
      const n = W.length + b.length;
      const lrs = Array.from({ length: n }, (_, i) => (i < n - 1 ? lr.ref : lr));
      return [loss, W.map((w, i) => w.sub(dW[i].mul(lrs[i]))), b.map((v, i) => v.sub(db[i].mul(lrs[W.length + i])))] as [A, A[], A[]];
    });
    let loss: A | null = null;
    return {
      info,
      async run(k: number) {
        for (let i = 0; i < k; i++) {
          const [l, W2, b2] = step(Ws, bs, x.ref, tg.ref, lrArr.ref, invN.ref);
          loss?.dispose();
          loss = l;
          Ws = W2;
          bs = b2;
          await jax.blockUntilReady([loss, Ws, bs]);
        }
      },
      async readState(): Promise<TrainState> {
        const cat = async (xs: A[]): Promise<Float64Array> => {
          const parts: ArrayLike<number>[] = await Promise.all(xs.map((v) => v.ref.data()));
          const out = new Float64Array(parts.reduce((t, p) => t + p.length, 0));
          let off = 0;
          for (const p of parts) {
            out.set(p, off);
            off += p.length;
          }
          return out;
        };
        return { loss: loss ? Number((await loss.ref.data())[0]) : NaN, weight: await cat(Ws), bias: await cat(bs) };
      },
    };
  }

  const c = wl as ConvWorkload;
  const { n: N, cin: C, cout: O, l: L, k: K, lout: T, padding: P, stride: S } = c;
  const x = arr(c.x, [N, C, L]);
  const tg = arr(c.target, [N, O, T]);
  let w = arr(c.w, [O, C, K]);
  let b = arr(c.b, [O]);
  const invN = scalar(1 / (N * O * T));
  const lossFn = (xx: A, ww: A, bb: A, t: A, inv: A): A => {
    const y = jax.lax.conv(xx, ww, [S], [[P, P]]).add(bb.reshape([1, O, 1]));
    return np.square(y.sub(t)).sum().mul(inv); // = mean
  };
  const vg = jax.valueAndGrad(lossFn, { argnums: [0, 1, 2] });
  const step = jax.jit((xx: A, ww: A, bb: A, t: A, lr: A, inv: A) => {
    const [loss, [dx, dw, db]] = vg(xx, ww.ref, bb.ref, t, inv);
    return [loss, ww.sub(dw.mul(lr.ref)), bb.sub(db.mul(lr)), dx] as [A, A, A, A];
  });
  let loss: A | null = null;
  let dx: A | null = null;
  return {
    info,
    async run(k: number) {
      for (let i = 0; i < k; i++) {
        const [l, w2, b2, d] = step(x.ref, w, b, tg.ref, lrArr.ref, invN.ref);
        loss?.dispose();
        dx?.dispose();
        loss = l;
        dx = d;
        w = w2;
        b = b2;
        await jax.blockUntilReady([loss, w, b]);
      }
    },
    async readState(): Promise<TrainState> {
      return {
        loss: loss ? Number((await loss.ref.data())[0]) : NaN,
        weight: Float64Array.from(await w.ref.data()),
        bias: Float64Array.from(await b.ref.data()),
      };
    },
    async readDx() {
      if (!dx) throw new Error('no step run yet');
      return Float64Array.from(await dx.ref.data());
    },
  };
});
