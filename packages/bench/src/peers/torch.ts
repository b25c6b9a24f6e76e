/**
 * PyTorch peer: src/peers/torch_peer.py in a child process of Debian's python3-torch
 * (PyTorch 1.13, CPU) through /usr/bin/python3 (protocol: proc.ts). Skipped with a note where
 * `import torch` fails. The child's environment drops the OpenBLAS pins as for NumPy.
 */
import { fileURLToPath } from 'node:url';
import type { DType, Workload } from '../data.js';
import { pythonEnv } from './numpy.js';
import { createProcPeer, probe } from './proc.js';
import type { ProcPeer } from './proc.js';

export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));
/** Debian's interpreter, where python3-torch installs (the PATH python3 may be another one). */
export const TORCH_PYTHON = process.env.KINDLING_BENCH_TORCH_PYTHON ?? '/usr/bin/python3';

let availability: { ok: boolean; note: string } | undefined;

/** Whether `import torch` works in TORCH_PYTHON (cached). */
export function torchAvailable(): { ok: boolean; note: string } {
  if (!availability) {
    const r = probe(TORCH_PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], pythonEnv().env);
    availability = r.ok ? { ok: true, note: `torch ${r.out}` } : { ok: false, note: `import torch failed in ${TORCH_PYTHON}: ${r.out}` };
  }
  return availability;
}

export interface TorchOptions {
  /** torch.set_num_threads */
  threads: number;
  dtype: DType;
  name?: string;
}

export function torchPeerName(dtype: DType, threads: number): string {
  return `torch-${dtype === 'float32' ? 'f32' : 'f64'}-${threads}t`;
}

export async function createTorchPeer(wl: Workload, opts: TorchOptions): Promise<ProcPeer> {
  const { env, unset } = pythonEnv();
  const p = await createProcPeer(wl, {
    name: opts.name ?? torchPeerName(opts.dtype, opts.threads),
    command: TORCH_PYTHON,
    args: [TORCH_SCRIPT],
    env,
    options: { threads: opts.threads, dtype: opts.dtype },
  });
  (p.info as Record<string, unknown>).unsetEnv = unset;
  return p;
}
