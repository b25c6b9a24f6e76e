/**
 * jax-js peer: src/peers/jaxjs-child.ts in a node child process (protocol: proc.ts).
 * `jax-js` is jax-js as Node runs it out of the box (one thread: Node has no global Web Worker);
 * `jax-js-2t` adds a Web Worker shim so jax-js uses 2 worker threads (see jaxjs-child.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType, Workload } from '../data.js';
import { BENCH_DIR, createProcPeer } from './proc.js';
import type { ProcPeer } from './proc.js';

export const JAXJS_CHILD = fileURLToPath(new URL('./jaxjs-child.ts', import.meta.url));

/** '@jax-js/jax' version, or why it cannot be loaded. */
export function jaxjsAvailable(): { ok: boolean; note: string } {
  try {
    // The package's exports map hides package.json: find it next to the resolved entry (dist/).
    const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
    return { ok: true, note: `@jax-js/jax ${pkg.version}` };
  } catch (e) {
    return { ok: false, note: `@jax-js/jax not installed (${(e as Error).message.split('\n')[0]})` };
  }
}

export interface JaxjsOptions {
  /** 1: Node's default (no workers); n >= 2: the Web Worker shim with n workers. */
  threads: number;
  dtype?: DType;
  name?: string;
}

export function jaxjsPeerName(threads: number): string {
  return threads >= 2 ? `jax-js-${threads}t` : 'jax-js';
}

export async function createJaxjsPeer(wl: Workload, opts: JaxjsOptions): Promise<ProcPeer> {
  return createProcPeer(wl, {
    name: opts.name ?? jaxjsPeerName(opts.threads),
    command: process.execPath,
    args: ['--import', 'tsx', JAXJS_CHILD],
    cwd: BENCH_DIR,
    options: { threads: opts.threads, ...(opts.dtype ? { dtype: opts.dtype } : {}) },
  });
}
