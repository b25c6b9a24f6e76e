/**
 * NumPy peer: src/peers/numpy_peer.py in a python3 child process (protocol: proc.ts).
 *
 * "NumPy at its best": the child's environment drops OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (some
 * machines set them, which holds OpenBLAS to older kernels), so OpenBLAS picks the kernels for the
 * CPU it finds; the parent's environment is left alone. The core OpenBLAS ran on is in
 * `info.openblas` (threadpoolctl when installed, else asked through ctypes).
 */
import { fileURLToPath } from 'node:url';
import type { DType, Workload } from '../data.js';
import { createProcPeer, probe } from './proc.js';
import type { ProcPeer } from './proc.js';

export const NUMPY_SCRIPT = fileURLToPath(new URL('./numpy_peer.py', import.meta.url));

/** Variables that pin OpenBLAS to a given core / cache size; removed from the python children's environment. */
export const OPENBLAS_PINS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

export interface NumpyAvailability {
  ok: boolean;
  /** numpy version, or why it is unavailable. */
  note: string;
}

const availability = new Map<string, NumpyAvailability>();

/** Whether `python3 -c "import numpy"` works (cached per interpreter). */
export function numpyAvailable(python = 'python3'): NumpyAvailability {
  let a = availability.get(python);
  if (!a) {
    const r = probe(python, ['-c', 'import numpy; print(numpy.__version__)']);
    a = r.ok ? { ok: true, note: `numpy ${r.out}` } : { ok: false, note: `import numpy failed (${python}): ${r.out}` };
    availability.set(python, a);
  }
  return a;
}

/**
 * The environment for a python peer: the parent's minus the OpenBLAS pins, plus `extra`. Returns
 * the pins it removed (name -> value) for the report.
 */
export function pythonEnv(extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; unset: Record<string, string> } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  const unset: Record<string, string> = {};
  for (const k of OPENBLAS_PINS) {
    if (env[k] !== undefined) unset[k] = env[k]!;
    delete env[k];
  }
  return { env, unset };
}

export interface NumpyOptions {
  python?: string;
  name?: string;
  /** Pin BLAS threads (OPENBLAS/OMP/MKL_NUM_THREADS); default: BLAS's own choice (all cores). */
  threads?: number;
  /** Conv formulation (see numpy_peer.py): 'im2col' (default) or 'tensordot'. */
  formulation?: 'im2col' | 'tensordot';
  /** Run in this dtype (default: the workload's). */
  dtype?: DType;
}

export type NumpyPeer = ProcPeer;

export async function createNumpyPeer(wl: Workload, opts: NumpyOptions = {}): Promise<NumpyPeer> {
  const python = opts.python ?? 'python3';
  const name = opts.name ?? (opts.threads ? `numpy-${opts.threads}t` : 'numpy');
  const extra: Record<string, string> = {};
  if (opts.threads) for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) extra[k] = String(opts.threads);
  const { env, unset } = pythonEnv(extra);
  const p = await createProcPeer(wl, {
    name,
    command: python,
    args: [NUMPY_SCRIPT],
    env,
    options: { formulation: opts.formulation ?? 'im2col', ...(opts.dtype ? { dtype: opts.dtype } : {}) },
  });
  (p.info as Record<string, unknown>).unsetEnv = unset;
  return p;
}

/** One line on the BLAS a python peer ran with: "OpenBLAS 0.3.31 core SkylakeX, 2 threads (via ctypes)". */
export function describeOpenblas(info: Record<string, unknown>): string {
  const ob = info.openblas as Array<Record<string, unknown>> | undefined;
  const unset = info.unsetEnv as Record<string, string> | undefined;
  const pins = unset && Object.keys(unset).length ? `; unset in the child: ${Object.entries(unset).map(([k, v]) => `${k}=${v}`).join(', ')}` : '; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE were not set';
  if (!ob || ob.length === 0) return `no OpenBLAS found loaded${pins}`;
  return (
    ob
      .map((o) => {
        if (o.notOpenblas) return `BLAS ${String(o.lib)} (not OpenBLAS: no openblas_get_corename)`;
        const cfg = typeof o.config === 'string' ? o.config.split(' ').slice(0, 2).join(' ') : `OpenBLAS ${o.version ?? ''}`.trim();
        return `${cfg} core ${o.core}, ${o.threads} thread(s) (${o.lib}, via ${o.via})`;
      })
      .join('; ') + pins
  );
}
