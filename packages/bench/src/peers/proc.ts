/**
 * Peers that run in a child process (NumPy, PyTorch, jax-js, and every Kindling row), driven over
 * line-delimited JSON on stdin/stdout. The workload's arrays travel through a temp binary file
 * (raw little-endian in the workload's dtype, see data.ts workloadParts); states come back the
 * same way (float64). Timing happens inside the child; the parent only relays it.
 *
 * Protocol (one JSON object per line each way; errors come back as {"error": "..."}):
 *
 *   {"cmd":"load","path":..,"workload":<WorkloadHeader>,"options":{..}} -> {"ok":true,"info":{..}}
 *   {"cmd":"sample","steps":k}                 run k steps, timed in the child -> {"ms": total}
 *   {"cmd":"state","path":..}  writes weight then bias as float64 -> {"loss","nWeight","nBias","steps"}
 *   {"cmd":"dx","path":..}     writes the last step's dX (conv only) as float64 -> {"n"}
 *   {"cmd":"quit"}
 *
 * Children: peers/numpy_peer.py, peers/torch_peer.py (python), peers/kindling-child.ts and
 * peers/jaxjs-child.ts (node + tsx, through peers/child-server.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { workloadHeader, workloadParts } from '../data.js';
import type { FloatArray, TrainState, Workload } from '../data.js';
import type { Timed } from '../timing.js';

/** packages/bench: the working directory node children need (tsx resolves from there). */
export const BENCH_DIR = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface ProcPeerOptions {
  name: string;
  command: string;
  args: string[];
  /** Full environment of the child (default: the parent's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Peer-specific settings sent with `load` (threads, dtype, formulation, ...). */
  options?: Record<string, unknown>;
  /** Milliseconds allowed for the child to start and load the workload (default 120 s). */
  loadTimeoutMs?: number;
}

export interface ProcPeer extends Timed {
  /** What the child reported at load (versions, threads, BLAS core, backend, ...). */
  readonly info: Record<string, unknown>;
  /** info.backend when the child reports one (Kindling: 'wasm' or 'js'). */
  readonly backend?: string;
  readState(): Promise<TrainState>;
  /** dX of the last step, [N, Cin, L] (conv workloads). */
  readDx(): Promise<Float64Array>;
  close(): Promise<void>;
}

type Reply = Record<string, unknown>;

export async function createProcPeer(wl: Workload, opts: ProcPeerOptions): Promise<ProcPeer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kindling-bench-'));
  const file = path.join(dir, 'workload.bin');
  const parts: FloatArray[] = workloadParts(wl);
  const total = parts.reduce((s, a) => s + a.length, 0);
  const all = wl.dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  let off = 0;
  for (const a of parts) {
    all.set(a, off);
    off += a.length;
  }
  // Typed arrays are little-endian on every platform Node runs on (x86, arm64).
  writeFileSync(file, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));

  const child: ChildProcessWithoutNullStreams = spawn(opts.command, opts.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: opts.cwd ?? tmpdir(),
    env: opts.env ?? process.env,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const lines = createInterface({ input: child.stdout });
  const pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  let exited: Error | null = null;
  lines.on('line', (line) => {
    if (!line.startsWith('{')) return; // stray prints from libraries
    const p = pending.shift();
    if (!p) return;
    try {
      const r = JSON.parse(line) as Reply;
      if (typeof r.error === 'string') p.reject(new Error(`${opts.name}: ${r.error}`));
      else p.resolve(r);
    } catch {
      p.reject(new Error(`${opts.name}: bad reply ${line.slice(0, 200)}`));
    }
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${opts.name} exited (${signal ?? `code ${code}`}): ${stderr.trim().slice(-600)}`);
    for (const p of pending.splice(0)) p.reject(exited);
  });
  child.on('error', (e) => {
    exited = e;
    for (const p of pending.splice(0)) p.reject(e);
  });

  const call = (msg: Record<string, unknown>): Promise<Reply> =>
    new Promise<Reply>((resolve, reject) => {
      if (exited) return reject(exited);
      pending.push({ resolve, reject });
      child.stdin.write(JSON.stringify(msg) + '\n');
    });

  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let info: Record<string, unknown>;
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${opts.name}: no reply to load within ${(opts.loadTimeoutMs ?? 120_000) / 1000} s`)), opts.loadTimeoutMs ?? 120_000);
    });
    const r = await Promise.race([call({ cmd: 'load', path: file, workload: workloadHeader(wl), options: opts.options ?? {} }), timeout]).finally(() => clearTimeout(timer));
    info = (r.info ?? {}) as Record<string, unknown>;
  } catch (e) {
    child.kill();
    cleanup();
    throw e;
  }
  rmSync(file, { force: true }); // the child has read it

  const readF64 = (p: string): Float64Array => {
    const buf = readFileSync(p);
    const out = new Float64Array(buf.byteLength / 8);
    new Uint8Array(out.buffer).set(buf);
    rmSync(p, { force: true });
    return out;
  };
  const backend = typeof info.backend === 'string' ? info.backend : undefined;

  return {
    name: opts.name,
    info,
    ...(backend ? { backend } : {}),
    async sample(steps: number): Promise<number> {
      const r = await call({ cmd: 'sample', steps });
      return r.ms as number;
    },
    async readState() {
      const p = path.join(dir, 'state.bin');
      const r = await call({ cmd: 'state', path: p });
      const v = readF64(p);
      const nw = r.nWeight as number;
      return { loss: typeof r.loss === 'number' ? r.loss : NaN, weight: v.slice(0, nw), bias: v.slice(nw, nw + (r.nBias as number)) };
    },
    async readDx() {
      const p = path.join(dir, 'dx.bin');
      await call({ cmd: 'dx', path: p });
      return readF64(p);
    },
    async close() {
      if (!exited) {
        const done = new Promise<void>((res) => child.once('exit', () => res()));
        await call({ cmd: 'quit' }).catch(() => undefined);
        child.stdin.end();
        await Promise.race([done, new Promise<void>((res) => setTimeout(res, 3000))]);
        if (!exited) child.kill();
      }
      cleanup();
    },
  };
}

/** Runs a command (an availability check) and returns its stdout, or why it failed. */
export function probe(command: string, args: string[], env?: NodeJS.ProcessEnv): { ok: boolean; out: string } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, cwd: tmpdir(), env: env ?? process.env });
  if (r.error) return { ok: false, out: `${command} not runnable: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, out: (r.stderr || r.stdout || '').trim().split('\n').pop() ?? `exit ${r.status}` };
  return { ok: true, out: r.stdout.trim() };
}
