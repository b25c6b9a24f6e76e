/**
 * The interface every benchmark peer implements, and the factories of the rows in `pnpm bench`.
 * A factory's create() sets the workload up (in this process, or in a child process: every
 * Kindling row, NumPy, PyTorch and jax-js run in children, see peers/proc.ts) and returns a
 * BenchPeer.
 */
import { castWorkload, isMlp } from './data.js';
import type { DType, Spec, TrainState, Workload } from './data.js';
import { anyNaiveTrainer } from './reference.js';
import type { Timed } from './timing.js';
import { syncTimed } from './timing.js';
import { createNumpyPeer, numpyAvailable } from './peers/numpy.js';
import { createTfjsPeer, tfjsPeerName } from './peers/tfjs.js';
import { kindlingPeerName } from './peers/kindling.js';
import type { KindlingBackendChoice } from './peers/kindling.js';
import { BENCH_DIR, createProcPeer } from './peers/proc.js';
import { createTorchPeer, torchAvailable, torchPeerName } from './peers/torch.js';
import { createJaxjsPeer, jaxjsAvailable, jaxjsPeerName } from './peers/jaxjs.js';
import type { TfjsBackend, TfjsGrad } from './peers/tfjs.js';
import { fileURLToPath } from 'node:url';

/** A set-up workload that can be stepped (through Timed.sample) and inspected. */
export interface BenchPeer extends Timed {
  /** Which backend the tool really runs on, where it has a choice (Kindling: 'wasm' or 'js'). */
  readonly backend?: string;
  /** What a child process reported at load (versions, threads, BLAS core, dtype, ...). */
  readonly info?: Record<string, unknown>;
  /** Loss of the last step, weight and bias after the steps run so far (see TrainState). */
  readState(): Promise<TrainState>;
  close(): Promise<void>;
}

export type Family = 'kindling' | 'torch' | 'numpy' | 'tfjs' | 'jax-js' | 'js';

export interface PeerFactory {
  readonly name: string;
  readonly family: Family;
  /** The element type this row runs a workload in (shown in the table; PyTorch ratios pair rows by it). */
  dtype(wl: Spec): DType | 'default';
  /** undefined = available; otherwise a note on why the peer is skipped (e.g. numpy missing). */
  unavailable?(): string | undefined;
  /** Whether this peer can/should run this workload (e.g. too slow); return a note to skip. */
  skip?(spec: Spec, quick: boolean): string | undefined;
  create(wl: Workload): Promise<BenchPeer>;
}

export function tfjsFactory(backend: TfjsBackend, grad: TfjsGrad, skip?: PeerFactory['skip']): PeerFactory {
  const name = tfjsPeerName(backend, grad);
  return {
    name,
    family: 'tfjs',
    dtype: () => 'float32',
    skip: (spec, q) => (isMlp(spec) && backend === 'cpu' && grad === 'custom' ? 'conv-only variant (the MLP uses tfjs matMul gradients: row tfjs-cpu)' : skip?.(spec, q)),
    async create(wl) {
      // tfjs is float32 only: S is run on the float32 copy of its numbers.
      const p = await createTfjsPeer(castWorkload(wl, 'float32'), { backend, grad });
      return { name: p.name, backend: p.backend, before: p.before, sample: (s) => p.sample(s), readState: () => p.readState(), close: () => p.dispose() };
    },
  };
}

/**
 * NumPy in a python3 child process. `threads` pins the BLAS thread count (name numpy-<n>t);
 * `formulation` 'tensordot' is the earlier conv formulation (numpy-tensordot); `dtype` casts.
 */
export function numpyFactory(opts: { threads?: number; formulation?: 'im2col' | 'tensordot'; dtype?: DType; name?: string; skip?: PeerFactory['skip'] } = {}): PeerFactory {
  const name = opts.name ?? `numpy${opts.formulation === 'tensordot' ? '-tensordot' : ''}${opts.dtype === 'float64' ? '-f64' : ''}${opts.threads ? `-${opts.threads}t` : ''}`;
  return {
    name,
    family: 'numpy',
    dtype: (wl) => opts.dtype ?? wl.dtype,
    unavailable: () => {
      const a = numpyAvailable();
      return a.ok ? undefined : a.note;
    },
    ...(opts.skip ? { skip: opts.skip } : {}),
    async create(wl) {
      return createNumpyPeer(wl, { name, ...(opts.threads ? { threads: opts.threads } : {}), ...(opts.formulation ? { formulation: opts.formulation } : {}), ...(opts.dtype ? { dtype: opts.dtype } : {}) });
    },
  };
}

/** PyTorch (Debian python3-torch via /usr/bin/python3) in a child process. */
export function torchFactory(dtype: DType, threads: number, skip?: PeerFactory['skip']): PeerFactory {
  return {
    name: torchPeerName(dtype, threads),
    family: 'torch',
    dtype: () => dtype,
    unavailable: () => {
      const a = torchAvailable();
      return a.ok ? undefined : a.note;
    },
    ...(skip ? { skip } : {}),
    create: (wl) => createTorchPeer(wl, { dtype, threads }),
  };
}

/** jax-js in a node child process; threads >= 2 uses the Web Worker shim (see peers/jaxjs-child.ts). */
export function jaxjsFactory(threads: number, skip?: PeerFactory['skip']): PeerFactory {
  return {
    name: jaxjsPeerName(threads),
    family: 'jax-js',
    dtype: (wl) => (wl.name === 'S' ? 'float64' : wl.dtype),
    unavailable: () => {
      const a = jaxjsAvailable();
      return a.ok ? undefined : a.note;
    },
    ...(skip ? { skip } : {}),
    // S in float64 (jax-js has float64), like Kindling's default path and NumPy
    create: (wl) => createJaxjsPeer(wl, { threads, ...(wl.name === 'S' ? { dtype: 'float64' as DType } : {}) }),
  };
}

/** Hand-written naive loops (float32 storage, JS double arithmetic): the "plain JS" baseline. */
export function naiveJsFactory(skip?: PeerFactory['skip']): PeerFactory {
  return {
    name: 'js-naive',
    family: 'js',
    dtype: () => 'float32',
    ...(skip ? { skip } : {}),
    async create(wl) {
      const tr = anyNaiveTrainer(wl, 'float32');
      const t = syncTimed('js-naive', tr.step);
      return { ...t, readState: async () => tr.readState(), close: async () => undefined };
    },
  };
}

export const KINDLING_CHILD = fileURLToPath(new URL('./peers/kindling-child.ts', import.meta.url));

/**
 * A Kindling row through its public API (nn.Conv1d or the MLP's nn.Sequential + MSELoss + SGD),
 * in its own node process (peers/kindling-child.ts). 'default' leaves core's default alone (see
 * peers/kindling.ts); the created peer's `backend` and `info` say what it really ran on.
 */
export function kindlingFactory(
  dtype: DType | 'default',
  backend: KindlingBackendChoice | 'default' = 'auto',
  threads: number | 'default' = 'default',
  skip?: PeerFactory['skip'],
  child: { name?: string; nodeArgs?: readonly string[] } = {},
): PeerFactory {
  const name = child.name ?? kindlingPeerName(dtype, backend, threads);
  return {
    name,
    family: 'kindling',
    dtype: () => dtype,
    ...(skip ? { skip } : {}),
    create: (wl) =>
      createProcPeer(wl, {
        name,
        command: process.execPath,
        args: [...(child.nodeArgs ?? []), '--import', 'tsx', KINDLING_CHILD],
        cwd: BENCH_DIR,
        options: { dtype, backend, threads },
      }),
  };
}
