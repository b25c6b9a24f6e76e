/**
 * Kindling peers: the training step written the way a user writes it with the public API.
 *
 *   const model = new nn.Conv1d(Cin, Cout, K, { padding, dtype });   // MLP: nn.Sequential of
 *   model.loadStateDict({ weight, bias });                             //   Linear and ReLU
 *   const lossFn = new nn.MSELoss();
 *   const opt = new nn.SGD(model.parameters(), { lr });
 *   // per step:
 *   opt.zeroGrad();
 *   const loss = lossFn.forward(model.forward(x), y);   // conv: x requires grad, dX is computed too
 *   loss.backward();
 *   opt.step();
 *
 * Configuration: `dtype`, `backend` and `threads` each either name a setting or say 'default',
 * which leaves core's default alone: no `dtype` option anywhere (tensors are made from plain
 * arrays, so they take core's default dtype), no initWasm/setBackend, no enableThreads. The
 * `kindling-default` row is all three 'default': exactly the code a user writes with no
 * configuration, whatever core's defaults are when it runs.
 *
 * Backend and thread count are global in core. The benchmark runs every Kindling row in its own
 * child process (kindling-child.ts), so rows do not share that state or V8's type feedback; in
 * one process (the tests, memory.ts, breakdown.ts) before() re-selects a peer's configured
 * backend and threads.
 */
import { performance } from 'node:perf_hooks';
import { castWorkload, isMlp } from '../data.js';
import type { ConvWorkload, DType, FloatArray, MlpWorkload, TrainState, Workload } from '../data.js';
import type { Timed } from '../timing.js';
import { core, nn } from '../kindling.js';

export type KindlingBackendChoice = 'wasm' | 'js' | 'auto';

export interface KindlingOptions {
  /** 'default': no dtype anywhere (core's default dtype). */
  dtype: DType | 'default';
  /** 'auto' (the default here): wasm when it loads (initWasm), else js. 'default': leave core's backend alone. */
  backend?: KindlingBackendChoice | 'default';
  /** Threads for the wasm float32 kernels (core's enableThreads). 'default' (the default): never call enableThreads. */
  threads?: number | 'default';
  name?: string;
}

export interface KindlingPeer extends Timed {
  /** The backend in use after setup (core.getBackend()). */
  readonly backend: string;
  /** The dtype the tensors really have (for 'default', core's default dtype). */
  readonly dtype: DType;
  /**
   * Threads the big kernel calls run on: getNumThreads() on the wasm backend, 1 on js. Not
   * getThreads() at setup, which says 1 until the first big call starts the pool (the
   * default-thread rows showed 1 and the L ceiling target read the one-thread ceiling).
   */
  readonly threads: number;
  /** One training step (the active backend must be this peer's: call before() first). */
  step(): void;
  readState(): Promise<TrainState>;
  /** dX of the last step, [N, Cin, L] (conv workloads only). */
  readDx(): Promise<Float64Array>;
  close(): Promise<void>;
}

/** Resolve the backend choice: 'auto' and 'wasm' call initWasm(); 'wasm' throws if it is unavailable. */
export async function resolveBackend(choice: KindlingBackendChoice): Promise<'wasm' | 'js'> {
  if (choice === 'js') return 'js';
  const ok = await core.initWasm();
  if (ok) return 'wasm';
  if (choice === 'wasm') throw new Error('Kindling wasm backend unavailable (initWasm() returned false)');
  return 'js';
}

export function kindlingPeerName(dtype: DType | 'default', backend: KindlingBackendChoice | 'default' = 'auto', threads: number | 'default' = 'default'): string {
  if (dtype === 'default' && backend === 'default' && threads === 'default') return 'kindling-default';
  const d = dtype === 'default' ? 'defdtype' : dtype === 'float32' ? 'f32' : 'f64';
  return `kindling-${d}${backend === 'js' ? '-js' : backend === 'default' ? '-defbackend' : ''}${typeof threads === 'number' ? `-${threads}t` : ''}`;
}

export async function createKindlingPeer(workload: Workload, opts: KindlingOptions): Promise<KindlingPeer> {
  const backendChoice = opts.backend ?? 'auto';
  const threadChoice = opts.threads ?? 'default';
  const name = opts.name ?? kindlingPeerName(opts.dtype, backendChoice, threadChoice);
  const backend = backendChoice === 'default' ? undefined : await resolveBackend(backendChoice);
  const configure = async (): Promise<void> => {
    if (backend) core.setBackend(backend);
    if (typeof threadChoice === 'number') await core.enableThreads(threadChoice);
  };
  await configure();

  // 'default': plain arrays and no dtype option, so core's default dtype decides.
  const explicit = opts.dtype === 'default' ? undefined : opts.dtype;
  const wl = explicit ? castWorkload(workload, explicit) : workload;
  const data = (a: FloatArray): FloatArray | number[] => (explicit ? a : Array.from(a));
  const dt = explicit ? { dtype: explicit } : {};
  const made = isMlp(wl) ? buildMlp(wl, data, dt) : buildConv(wl, data, dt);
  const { x, y, model, params } = made;
  const dtype = x.dtype as DType;
  const lossFn = new nn.MSELoss();
  const opt = new nn.SGD(model.parameters(), { lr: wl.lr });

  // The loss of the last step as a number: holding the loss tensor itself between steps would
  // keep the whole graph of the step (output, differences, ...) alive, which a training loop
  // whose `const loss` goes out of scope each iteration does not do.
  let lastLoss = NaN;
  function step(): void {
    opt.zeroGrad();
    x.grad = null; // x is not an optimizer parameter: reset its gradient too (else dX accumulates)
    const loss = lossFn.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    lastLoss = loss.item();
  }
  const mk = (a: ArrayLike<number>): FloatArray => (dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
  const cat = (ts: core.Tensor[]): FloatArray => {
    const parts = ts.map((t) => t.dataSync());
    const out = dtype === 'float64' ? new Float64Array(parts.reduce((s, p) => s + p.length, 0)) : new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  };

  return {
    name,
    // 'wasm+relaxed': the relaxed-SIMD build of the kernels (fused multiply-adds), where it loads
    backend: core.getBackend() === 'wasm' && core.wasmRelaxedSimd() ? 'wasm+relaxed' : core.getBackend(),
    dtype,
    threads: core.getBackend() === 'wasm' ? core.getNumThreads() : 1,
    before: configure,
    step,
    async sample(steps: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      return performance.now() - t0;
    },
    async readState() {
      return { loss: lastLoss, weight: mk(cat(params.weights)), bias: mk(cat(params.biases)) };
    },
    async readDx() {
      if (!x.grad) throw new Error(isMlp(wl) ? 'the MLP step computes no dX' : 'no step run yet');
      return Float64Array.from(x.grad.dataSync());
    },
    async close() {
      x.grad = null;
    },
  };
}

interface Built {
  x: core.Tensor;
  y: core.Tensor;
  model: nn.Module;
  params: { weights: core.Tensor[]; biases: core.Tensor[] };
}

function buildConv(wl: ConvWorkload, data: (a: FloatArray) => FloatArray | number[], dt: { dtype?: DType }): Built {
  const { n: N, cin: C, cout: O, l: L, k: K, lout: T, padding: P, stride: S } = wl;
  const x = core.tensor(data(wl.x), { shape: [N, C, L], requiresGrad: true, ...dt });
  const y = core.tensor(data(wl.target), { shape: [N, O, T], ...dt });
  const model = new nn.Conv1d(C, O, K, { stride: S, padding: P, ...dt });
  model.loadStateDict({
    weight: core.tensor(data(wl.w), { shape: [O, C, K], ...dt }),
    bias: core.tensor(data(wl.b), { shape: [O], ...dt }),
  });
  return { x, y, model, params: { weights: [model.weight], biases: [model.bias!] } };
}

function buildMlp(wl: MlpWorkload, data: (a: FloatArray) => FloatArray | number[], dt: { dtype?: DType }): Built {
  const { batch: B, sizes } = wl;
  const x = core.tensor(data(wl.x), { shape: [B, sizes[0]], ...dt });
  const y = core.tensor(data(wl.target), { shape: [B, sizes[sizes.length - 1]], ...dt });
  const layers: nn.Module[] = [];
  const linears: nn.Linear[] = [];
  const sd: Record<string, core.Tensor> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    const lin = new nn.Linear(sizes[i], sizes[i + 1], dt);
    sd[`${layers.length}.weight`] = core.tensor(data(wl.weights[i]), { shape: [sizes[i + 1], sizes[i]], ...dt });
    sd[`${layers.length}.bias`] = core.tensor(data(wl.biases[i]), { shape: [sizes[i + 1]], ...dt });
    layers.push(lin);
    linears.push(lin);
    if (i + 2 < sizes.length) layers.push(new nn.ReLU());
  }
  const model = new nn.Sequential(...layers);
  model.loadStateDict(sd);
  return { x, y, model, params: { weights: linears.map((l) => l.weight), biases: linears.map((l) => l.bias!) } };
}
