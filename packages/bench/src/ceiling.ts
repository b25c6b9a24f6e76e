/**
 * The WASM SIMD ceiling of this machine: the float32 GFLOP/s a WebAssembly function reaches when
 * it does nothing but f32x4.mul + f32x4.add pairs, on 1..n threads at once (worker_threads),
 * the better of two such functions:
 *  - "chains": 12 accumulator chains acc = acc * m + a, all in registers, no memory traffic;
 *  - "tile": gemm_nn's inner step with nothing else: a 4 x 2 block of accumulators, each
 *    step adding the products of 4 splatted scalars and 2 vectors loaded from L1 (the same
 *    16-byte cells every step), so no product waits on an accumulator.
 * On the machine of the 2026-11-30 runs (Intel Xeon, 2 vCPUs) the chains measured 21-27
 * GFLOP/s on one thread while Kindling's gemm_nn reached 31-33 on L's weight-gradient shape: the
 * chains are bound by the multiply's latency feeding the add there, so a ceiling of chains
 * alone sat below a real kernel; the tile measured 31-34 in the same process.
 * The L target compares Kindling's GFLOP/s with this ceiling for the threads its row used.
 *
 * Plain WebAssembly SIMD has no fused multiply-add (f32x4.relaxed_madd is the relaxed-SIMD
 * proposal, not enabled by default in Node 20), so a multiply-add is two instructions here, as in
 * any wasm gemm kernel that runs without flags. The modules are hand-encoded below (no assembler).
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
  return peakModule(CHAINS + 2, body, false);
}

/** gemm_nn's register block: TILE_ROWS splatted scalars times TILE_VECTORS vectors per step. */
const TILE_ROWS = 4;
const TILE_VECTORS = 2;

/**
 * (func (export "peak") (param $iters i32) (result f32)) with a memory: iters x (4 x 2) x
 * (4 mul + 4 add), operands loaded every step from the same L1 cells (B's two vectors at 0
 * and 16, A's four scalars at 256..268), as gemm_nn's inner loop loads them.
 */
export function tileModuleBytes(): Uint8Array<ArrayBuffer> {
  const a = 1; // locals after the i32 param: a, b0..b(V-1), then the accumulators
  const b = (v: number): number => 2 + v;
  const acc = (i: number, v: number): number => 2 + TILE_VECTORS + i * TILE_VECTORS + v;
  const n = 1 + TILE_VECTORS + TILE_ROWS * TILE_VECTORS;
  const i32const0 = [0x41, 0];
  const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb(offset)];
  const body: number[] = [];
  // the operands: nonzero, and small enough that the sums never overflow
  body.push(...i32const0, ...f32x4const(0.5), 0xfd, ...uleb(11), ...memarg(4, 0)); // v128.store
  body.push(...i32const0, ...f32x4const(0.25), 0xfd, ...uleb(11), ...memarg(4, 16));
  body.push(...i32const0, ...f32x4const(1.0001), 0xfd, ...uleb(11), ...memarg(4, 256));
  body.push(0x03, 0x40); // loop
  for (let v = 0; v < TILE_VECTORS; v++) body.push(...i32const0, 0xfd, ...uleb(0), ...memarg(4, 16 * v), 0x21, b(v)); // v128.load
  for (let i = 0; i < TILE_ROWS; i++) {
    body.push(...i32const0, 0xfd, ...uleb(9), ...memarg(2, 256 + 4 * i), 0x21, a); // v128.load32_splat
    for (let v = 0; v < TILE_VECTORS; v++) {
      body.push(0x20, acc(i, v), 0x20, a, 0x20, b(v), 0xfd, ...uleb(230), 0xfd, ...uleb(228), 0x21, acc(i, v)); // acc += a * b
    }
  }
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // iters -= 1; br_if loop; end
  body.push(0x20, acc(0, 0), 0xfd, ...uleb(31), 0);
  for (let k = 1; k < TILE_ROWS * TILE_VECTORS; k++) body.push(0x20, acc(Math.floor(k / TILE_VECTORS), k % TILE_VECTORS), 0xfd, ...uleb(31), 0, 0x92);
  body.push(0x0b);
  return peakModule(n, body, true);
}

/** A module of one exported function "peak" (i32) -> f32 with `v128Locals` v128 locals, and optionally a memory of one page. */
function peakModule(v128Locals: number, body: number[], memory: boolean): Uint8Array<ArrayBuffer> {
  const func = [1, ...uleb(v128Locals), 0x7b, ...body];
  const code = [1, ...uleb(func.length), ...func];
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = [...'peak'].map((c) => c.charCodeAt(0));
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...(memory ? section(5, [1, 0x00, 1]) : []),
    ...section(7, [1, name.length, ...name, 0x00, 0]),
    ...section(10, code),
  ]);
}

/** The two ceiling functions and the flops of one iteration of each. */
export const CEILING_VARIANTS = [
  { name: 'chains', bytes: ceilingModuleBytes, flopsPerIter: CHAINS * 8 },
  { name: 'tile', bytes: tileModuleBytes, flopsPerIter: TILE_ROWS * TILE_VECTORS * 8 },
] as const;

/** Runs in each thread: calls peak() in batches for `ms` milliseconds; returns GFLOP/s. */
const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { instance } = { instance: new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes)) };
const peak = instance.exports.peak;
const FLOPS = workerData.flops;
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

async function runThreads(bytes: Uint8Array, flops: number, threads: number, ms: number): Promise<number> {
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SRC, { eval: true, workerData: { bytes, flops, ms } }));
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
  /** GFLOP/s with t threads running at once, t = 1..maxThreads: the better variant, best of `rounds`. */
  gflopsByThreads: Record<number, number>;
  /** The same per variant (chains, tile). */
  byVariant: Record<string, Record<number, number>>;
  method: string;
}

/** Measures the ceiling for 1..maxThreads threads (default: the CPU count), best of `rounds` runs of `ms` each, per variant; the better variant counts. */
export async function measureCeiling(opts: { ms?: number; rounds?: number; maxThreads?: number } = {}): Promise<Ceiling> {
  const ms = opts.ms ?? 400;
  const rounds = opts.rounds ?? 3;
  const maxT = opts.maxThreads ?? os.cpus().length;
  const out: Record<number, number> = {};
  const byVariant: Record<string, Record<number, number>> = {};
  for (let r = 0; r < rounds; r++) {
    for (const v of CEILING_VARIANTS) {
      const mine = (byVariant[v.name] ??= {});
      for (let t = 1; t <= maxT; t++) {
        const g = await runThreads(v.bytes(), v.flopsPerIter, t, ms);
        mine[t] = Math.max(mine[t] ?? 0, g);
        out[t] = Math.max(out[t] ?? 0, g);
      }
    }
  }
  const each = Object.entries(byVariant).map(([name, g]) => `${name} ${Object.entries(g).map(([t, x]) => `${t}t ${x.toFixed(1)}`).join(' ')}`).join('; ');
  return {
    gflopsByThreads: out,
    byVariant,
    method: `f32x4.mul+f32x4.add, the better of 12 register chains and gemm_nn's 4x2 tile on L1 operands (${each}), worker_threads, best of ${rounds} x ${ms} ms`,
  };
}

/**
 * The mean of several measurements, thread count by thread count (and variant by variant): the
 * bench measures just before and just after L's timed samples, since this machine's speed can
 * change by 2x within minutes and a ceiling taken at another time would misstate the ratio.
 */
export function meanCeiling(cs: readonly Ceiling[]): Ceiling {
  if (cs.length === 0) throw new Error('meanCeiling: no measurements');
  const mean = (pick: (c: Ceiling) => Record<number, number>): Record<number, number> => {
    const out: Record<number, number> = {};
    for (const t of Object.keys(pick(cs[0]!)).map(Number)) out[t] = cs.reduce((s, c) => s + (pick(c)[t] ?? 0), 0) / cs.length;
    return out;
  };
  const byVariant: Record<string, Record<number, number>> = {};
  for (const name of Object.keys(cs[0]!.byVariant)) byVariant[name] = mean((c) => c.byVariant[name] ?? {});
  const each = cs.map((c) => Object.entries(c.gflopsByThreads).map(([t, g]) => `${t}t ${g.toFixed(1)}`).join(' ')).join(' | ');
  return { gflopsByThreads: mean((c) => c.gflopsByThreads), byVariant, method: `mean of ${cs.length} measurements (${each}); each ${cs[0]!.method}` };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const ms = Number(process.argv.find((a) => a.startsWith('--ms='))?.slice(5) ?? 500);
  const t0 = performance.now();
  const c = await measureCeiling({ ms });
  console.log(`WASM SIMD ceiling (${c.method}): ${Object.entries(c.gflopsByThreads).map(([t, g]) => `${t} thread(s) ${g.toFixed(1)} GFLOP/s`).join(', ')}; ${os.cpus()[0]?.model}; loadavg ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
