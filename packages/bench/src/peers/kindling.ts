/**
 * Kindling peers: the training step written the way a user writes it with the public API.
 *
 *   const model = new nn.Conv1d(Cin, Cout, K, { padding, dtype });
 *   model.loadStateDict({ weight, bias });              // the workload's initial numbers
 *   const lossFn = new nn.MSELoss();
 *   const opt = new nn.SGD(model.parameters(), { lr });
 *   // per step:
 *   opt.zeroGrad();
 *   const loss = lossFn.forward(model.forward(x), y);   // x requires grad: dX is computed too
 *   loss.backward();
 *   opt.step();
 *
 * The backend ('wasm' or 'js') is a global switch in core; before() selects this peer's backend,
 * so peers on different backends can be timed alternately in one process.
 */
import { performance } from 'node:perf_hooks';
import { castWorkload } from '../data.js';
import type { ConvWorkload, DType, TrainState } from '../data.js';
import type { Timed } from '../timing.js';
import { core, nn } from '../kindling.js';

export type KindlingBackendChoice = 'wasm' | 'js' | 'auto';

export interface KindlingOptions {
  dtype: DType;
  /** 'auto' (default): wasm when it loads (initWasm), else js. */
  backend?: KindlingBackendChoice;
  /** Threads for the wasm float32 kernels (core's enableThreads); 1 = single-threaded. */
  threads?: number;
  name?: string;
}

export interface KindlingPeer extends Timed {
  /** The backend actually used ('wasm' or 'js'). */
  readonly backend: string;
  readonly dtype: DType;
  /** One training step (the active backend must be this peer's: call before() first). */
  step(): void;
  readState(): Promise<TrainState>;
  /** dX of the last step, [N, Cin, L]. */
  readDx(): Promise<Float64Array>;
  /** The step's tensors, for the memory report. */
  readonly tensors: { x: core.Tensor; y: core.Tensor; model: nn.Conv1d };
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

export function kindlingPeerName(dtype: DType, backend: KindlingBackendChoice, threads = 1): string {
  return `kindling-${dtype === 'float32' ? 'f32' : 'f64'}${backend === 'js' ? '-js' : ''}${threads > 1 ? `-${threads}t` : ''}`;
}

export async function createKindlingPeer(workload: ConvWorkload, opts: KindlingOptions): Promise<KindlingPeer> {
  const dtype = opts.dtype;
  const backend = await resolveBackend(opts.backend ?? 'auto');
  const threads = opts.threads ?? 1;
  const name = opts.name ?? kindlingPeerName(dtype, opts.backend ?? 'auto', threads);
  const wl = castWorkload(workload, dtype);
  const { n: N, cin: C, cout: O, l: L, k: K, lout: T, padding: P, stride: S } = wl;
  core.setBackend(backend);
  await core.enableThreads(threads);

  const x = core.tensor(wl.x, { shape: [N, C, L], dtype, requiresGrad: true });
  const y = core.tensor(wl.target, { shape: [N, O, T], dtype });
  const model = new nn.Conv1d(C, O, K, { stride: S, padding: P, dtype });
  model.loadStateDict({
    weight: core.tensor(wl.w, { shape: [O, C, K], dtype }),
    bias: core.tensor(wl.b, { shape: [O], dtype }),
  });
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
  // Backend and thread count are global in core: each peer sets its own before a sample.
  const before = async (): Promise<void> => {
    core.setBackend(backend);
    await core.enableThreads(threads);
  };

  return {
    name,
    backend,
    dtype,
    before,
    step,
    tensors: { x, y, model },
    async sample(steps: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      return performance.now() - t0;
    },
    async readState() {
      const mk = (a: ArrayLike<number>) => (dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a));
      return {
        loss: lastLoss,
        weight: mk(model.weight.dataSync()),
        bias: mk(model.bias!.dataSync()),
      };
    },
    async readDx() {
      if (!x.grad) throw new Error('no step run yet');
      return Float64Array.from(x.grad.dataSync());
    },
    async close() {
      x.grad = null;
    },
  };
}
