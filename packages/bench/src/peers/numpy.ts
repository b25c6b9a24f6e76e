/**
 * NumPy peer: runs src/peers/numpy.py as a python3 child process and talks to
 * it with line-delimited JSON. The workload's arrays go through a temp binary
 * file (raw little-endian, in the workload's dtype). Timing happens inside
 * Python (time.perf_counter); the TS side only relays it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ConvWorkload, FloatArray, TrainState } from '../data.js';
import type { Timed } from '../timing.js';

export const NUMPY_SCRIPT = fileURLToPath(new URL('./numpy.py', import.meta.url));

export interface NumpyAvailability {
  ok: boolean;
  /** numpy version, or why it is unavailable. */
  note: string;
}

let availability: NumpyAvailability | undefined;

/** Whether `python3 -c "import numpy"` works (cached). */
export function numpyAvailable(python = 'python3'): NumpyAvailability {
  if (availability) return availability;
  const r = spawnSync(python, ['-c', 'import numpy, sys; print(numpy.__version__)'], { encoding: 'utf8', timeout: 30_000, cwd: tmpdir() });
  if (r.error) availability = { ok: false, note: `${python} not runnable: ${r.error.message}` };
  else if (r.status !== 0) availability = { ok: false, note: `import numpy failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  else availability = { ok: true, note: `numpy ${r.stdout.trim()}` };
  return availability;
}

export interface NumpyPeer extends Timed {
  /** Info from python: numpy/python versions, BLAS threadpool (if threadpoolctl exists). */
  readonly info: unknown;
  /** Warm-up and sampling loop run entirely inside Python; returns ms/step per sample. */
  bench(warmup: number, samples: number, stepsPerSample: number): Promise<number[]>;
  readState(): Promise<TrainState>;
  readDx(): Promise<Float64Array>;
  close(): Promise<void>;
}

type Reply = Record<string, unknown>;

export interface NumpyOptions {
  python?: string;
  name?: string;
  /** Pin BLAS threads (OPENBLAS/OMP/MKL_NUM_THREADS); default: BLAS's own choice (all cores). */
  threads?: number;
}

export async function createNumpyPeer(wl: ConvWorkload, opts: NumpyOptions = {}): Promise<NumpyPeer> {
  const python = opts.python ?? 'python3';
  const name = opts.name ?? (opts.threads ? `numpy-${opts.threads}t` : 'numpy');
  const env = { ...process.env };
  if (opts.threads) {
    for (const k of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] = String(opts.threads);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'kindling-bench-'));
  const file = path.join(dir, 'workload.bin');
  const parts: FloatArray[] = [wl.x, wl.w, wl.b, wl.target];
  const total = parts.reduce((s, a) => s + a.length, 0);
  const all = wl.dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  let off = 0;
  for (const a of parts) {
    all.set(a, off);
    off += a.length;
  }
  // Typed arrays are little-endian on every platform Node runs on (x86, arm64).
  writeFileSync(file, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));

  const child: ChildProcessWithoutNullStreams = spawn(python, [NUMPY_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], cwd: tmpdir(), env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  let exited: Error | null = null;
  lines.on('line', (line) => {
    const p = pending.shift();
    if (!p) return;
    try {
      const r = JSON.parse(line) as Reply;
      if (typeof r.error === 'string') p.reject(new Error(`numpy peer: ${r.error}`));
      else p.resolve(r);
    } catch (e) {
      p.reject(new Error(`numpy peer: bad reply ${line.slice(0, 200)}`));
    }
  });
  child.on('exit', (code) => {
    exited = new Error(`numpy peer exited (code ${code}): ${stderr.trim().slice(-500)}`);
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
  let info: unknown;
  try {
    const r = await call({
      cmd: 'load',
      path: file,
      n: wl.n,
      cin: wl.cin,
      cout: wl.cout,
      l: wl.l,
      k: wl.k,
      padding: wl.padding,
      stride: wl.stride,
      lr: wl.lr,
      dtype: wl.dtype,
    });
    info = r.info;
  } catch (e) {
    child.kill();
    cleanup();
    throw e;
  }
  cleanup(); // python has read the file

  const mkArr = (v: number[]): FloatArray => (wl.dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));

  return {
    name,
    info,
    async sample(steps: number): Promise<number> {
      const r = await call({ cmd: 'sample', steps });
      return r.ms as number;
    },
    async bench(warmup, samples, stepsPerSample) {
      const r = await call({ cmd: 'bench', warmup, samples, steps: stepsPerSample });
      return r.msPerStep as number[];
    },
    async readState() {
      const r = await call({ cmd: 'state' });
      return { loss: r.loss as number, weight: mkArr(r.weight as number[]), bias: mkArr(r.bias as number[]) };
    },
    async readDx() {
      const r = await call({ cmd: 'dx' });
      return Float64Array.from(r.dx as number[]);
    },
    async close() {
      if (exited) return;
      const done = new Promise<void>((res) => child.once('exit', () => res()));
      await call({ cmd: 'quit' }).catch(() => undefined);
      child.stdin.end();
      await Promise.race([done, new Promise<void>((res) => setTimeout(res, 2000))]);
      if (!exited) child.kill();
    },
  };
}
