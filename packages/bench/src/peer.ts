/**
 * The interface every benchmark peer implements, and adapters for the peers in
 * this package. The Kindling side plugs in by providing a PeerFactory whose
 * create() sets up the workload and returns a BenchPeer.
 */
import { castWorkload } from './data.js';
import type { ConvSpec, ConvWorkload, TrainState } from './data.js';
import { naiveTrainer } from './reference.js';
import type { Timed } from './timing.js';
import { syncTimed } from './timing.js';
import { createNumpyPeer, numpyAvailable } from './peers/numpy.js';
import { createTfjsPeer, tfjsPeerName } from './peers/tfjs.js';
import { createKindlingPeer, kindlingPeerName, resolveBackend } from './peers/kindling.js';
import type { KindlingBackendChoice } from './peers/kindling.js';
import type { DType } from './data.js';
import type { TfjsBackend, TfjsGrad } from './peers/tfjs.js';

/** A set-up workload that can be stepped (through Timed.sample) and inspected. */
export interface BenchPeer extends Timed {
  /** Which backend the tool really runs on, where it has a choice (Kindling: 'wasm' or 'js'). */
  readonly backend?: string;
  /** Loss of the last step, weight [Cout, Cin, K] and bias after the steps run so far. */
  readState(): Promise<TrainState>;
  close(): Promise<void>;
}

export interface PeerFactory {
  readonly name: string;
  /** undefined = available; otherwise a note on why the peer is skipped (e.g. numpy missing). */
  unavailable?(): string | undefined;
  /** Whether this peer can/should run this workload (e.g. too slow); return a note to skip. */
  skip?(spec: ConvSpec, quick: boolean): string | undefined;
  create(wl: ConvWorkload): Promise<BenchPeer>;
}

export function tfjsFactory(backend: TfjsBackend, grad: TfjsGrad, skip?: PeerFactory['skip']): PeerFactory {
  return {
    name: tfjsPeerName(backend, grad),
    ...(skip ? { skip } : {}),
    async create(wl) {
      // tfjs is float32 only: S is run on the float32 copy of its numbers.
      const p = await createTfjsPeer(castWorkload(wl, 'float32'), { backend, grad });
      return { name: p.name, backend: p.backend, before: p.before, sample: (s) => p.sample(s), readState: () => p.readState(), close: () => p.dispose() };
    },
  };
}

/** NumPy in a python3 child process; `threads` pins the BLAS thread count (name becomes numpy-<n>t). */
export function numpyFactory(threads?: number): PeerFactory {
  return {
    name: threads ? `numpy-${threads}t` : 'numpy',
    unavailable: () => {
      const a = numpyAvailable();
      return a.ok ? undefined : a.note;
    },
    async create(wl) {
      return createNumpyPeer(wl, threads ? { threads } : {});
    },
  };
}

/** Hand-written naive loops (float32 storage, JS double arithmetic): the "plain JS" baseline. */
export function naiveJsFactory(skip?: PeerFactory['skip']): PeerFactory {
  return {
    name: 'js-naive',
    ...(skip ? { skip } : {}),
    async create(wl) {
      const tr = naiveTrainer(wl, wl.dtype);
      const t = syncTimed('js-naive', tr.step);
      return { ...t, readState: async () => tr.readState(), close: async () => undefined };
    },
  };
}

/**
 * Kindling through its public API (nn.Conv1d + MSELoss + SGD). The workload is cast to `dtype`
 * (S is float64 already; M/L are float32 and run as float64 for 'kindling-f64').
 * The created peer's `backend` says which backend it really used ('auto' falls back to js).
 */
export function kindlingFactory(
  dtype: DType,
  backend: KindlingBackendChoice = 'auto',
  skip?: PeerFactory['skip'],
  threads = 1,
): PeerFactory & { backend(): Promise<string> } {
  return {
    name: kindlingPeerName(dtype, backend, threads),
    ...(skip ? { skip } : {}),
    backend: () => resolveBackend(backend),
    async create(wl) {
      const p = await createKindlingPeer(wl, { dtype, backend, threads });
      return { name: p.name, backend: p.backend, before: p.before, sample: (s) => p.sample(s), readState: () => p.readState(), close: () => p.close() };
    },
  };
}
