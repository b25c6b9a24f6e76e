/**
 * The WASM SIMD ceiling of this machine: the float32 GFLOP/s a WebAssembly function reaches when
 * it does nothing but independent f32x4.mul + f32x4.add pairs (12 accumulator chains, all in
 * registers, no memory traffic), on 1..n threads at once (worker_threads). The L target compares
 * Kindling's GFLOP/s with this ceiling for the number of threads its row used.
 *
 * Plain WebAssembly SIMD has no fused multiply-add (f32x4.relaxed_madd is the relaxed-SIMD
 * proposal, not enabled by default in Node 20), so a multiply-add is two instructions here, as in
 * any wasm gemm kernel that runs without flags. The module is hand-encoded below (no assembler).
 *
 *   tsx packages/bench/src/ceiling.ts [--ms=500]
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const CHAINS = 12;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function f32x4const(v: number): number[] {
  const b = new Uint8Array(16);
  const f = new Float32Array(b.buffer);
  f.fill(v);
  return [0xfd, ...uleb(12), ...b];
}

/** (func (export "peak") (param $iters i32) (result f32)): iters x CHAINS x (4 mul + 4 add). */
export function ceilingModuleBytes(): Uint8Array<ArrayBuffer> {
  const acc = (i: number): number => 1 + i; // locals after the i32 param
  const M = 1 + CHAINS;
  const A = 2 + CHAINS;
  const body: number[] = [];
  for (let i = 0; i < CHAINS; i++) body.push(...f32x4const(1 + i / 64), 0x21, acc(i));
  body.push(...f32x4const(0.9999), 0x21, M);
  body.push(...f32x4const(0.0001), 0x21, A);
  body.push(0x03, 0x40); // loop
  for (let i = 0; i < CHAINS; i++) {
    body.push(0x20, acc(i), 0x20, M, 0xfd, ...uleb(230)); // f32x4.mul
    body.push(0x20, A, 0xfd, ...uleb(228)); // f32x4.add
    body.push(0x21, acc(i));
  }
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // iters -= 1; br_if loop; end
  // result: lane 0 of every accumulator, summed (keeps the work observable)
  body.push(0x20, acc(0), 0xfd, ...uleb(31), 0);
  for (let i = 1; i < CHAINS; i++) body.push(0x20, acc(i), 0xfd, ...uleb(31), 0, 0x92);
  body.push(0x0b);
  const locals = [1, ...uleb(CHAINS + 2), 0x7b];
  const func = [...locals, ...body];
  const code = [1, ...uleb(func.length), ...func];
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = [...'peak'].map((c) => c.charCodeAt(0));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...section(7, [1, name.length, ...name, 0x00, 0]),
    ...section(10, code),
  ]);
}

/** flops of one peak(iters) call */
const flopsPerIter = CHAINS * 8;

/** Runs in each thread: calls peak() in batches for `ms` milliseconds; returns GFLOP/s. */
const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { instance } = { instance: new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes)) };
const peak = instance.exports.peak;
const FLOPS = ${flopsPerIter};
peak(200000); // tier up
parentPort.once('message', () => {
  const iters = 2000000;
  let n = 0; let sink = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < workerData.ms) { sink += peak(iters); n++; }
  const s = (performance.now() - t0) / 1000;
  parentPort.postMessage({ gflops: (n * iters * FLOPS) / s / 1e9, sink });
});
parentPort.postMessage('ready');
`;

async function runThreads(bytes: Uint8Array, threads: number, ms: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SRC, { eval: true, workerData: { bytes, ms } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((res, rej) => {
      w.once('message', () => res());
      w.once('error', rej);
    })));
    const results = workers.map((w) => new Promise<number>((res, rej) => {
      w.once('message', (m: { gflops: number }) => res(m.gflops));
      w.once('error', rej);
    }));
    for (const w of workers) w.postMessage('go');
    const g = await Promise.all(results);
    return g.reduce((a, b) => a + b, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export interface Ceiling {
  /** GFLOP/s with t threads running at once, t = 1..maxThreads (best of `rounds`). */
  gflopsByThreads: Record<number, number>;
  method: string;
}

/** Measures the ceiling for 1..maxThreads threads (default: the CPU count), best of `rounds` runs of `ms` each. */
export async function measureCeiling(opts: { ms?: number; rounds?: number; maxThreads?: number } = {}): Promise<Ceiling> {
  const ms = opts.ms ?? 400;
  const rounds = opts.rounds ?? 3;
  const maxT = opts.maxThreads ?? os.cpus().length;
  const bytes = ceilingModuleBytes();
  const out: Record<number, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (let t = 1; t <= maxT; t++) out[t] = Math.max(out[t] ?? 0, await runThreads(bytes, t, ms));
  }
  return {
    gflopsByThreads: out,
    method: `f32x4.mul+f32x4.add, ${CHAINS} register chains, worker_threads, best of ${rounds} x ${ms} ms`,
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const ms = Number(process.argv.find((a) => a.startsWith('--ms='))?.slice(5) ?? 500);
  const t0 = performance.now();
  const c = await measureCeiling({ ms });
  console.log(`WASM SIMD ceiling (${c.method}): ${Object.entries(c.gflopsByThreads).map(([t, g]) => `${t} thread(s) ${g.toFixed(1)} GFLOP/s`).join(', ')}; ${os.cpus()[0]?.model}; loadavg ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
