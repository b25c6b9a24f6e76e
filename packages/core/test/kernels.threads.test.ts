import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { conv1d, disableThreads, enableThreads, getNumThreads, getThreads, initWasm, jsKernels, setBackend, setNumThreads, tensor } from '../src/index.js';
import { kernelsOf } from '../src/kernels/backend.js';
import type { Conv1dGeometry, Kernels } from '../src/kernels/kernels.js';
import { Arena, type WasmExports } from '../src/kernels/wasm/arena.js';
import { sharedMemoryBytes, workerItems } from '../src/kernels/wasm/threads.js';
import { jobOf, KINDS, makeWasmKernels, planConvBackwardWeight, planConvForward, planGemm, setWasmMinWork, type WasmKernels } from '../src/kernels/wasm/kernels.js';
import { moduleBytes } from '../src/kernels/wasm/binary.js';
import { columnChunk, CONSTS, MAX_THREADS, Pool, runThreaded, setThreadThreshold, workerSource } from '../src/kernels/wasm/threads.js';
import { accumulateChunks, computeShare, readJob, workerMain } from '../src/kernels/wasm/worker.js';
import type { Storage } from '../src/storage/dtype.js';
import { abs, arbConvGeometry, convBuffers, fill } from './wasm-helpers.js';

/*
 * The threaded kernels (float32 and float64) against the JS reference (within rounding) and
 * against the single-threaded wasm kernels (bit for bit: every output element is computed by
 * the same micro-kernel calls in the same order, only on another thread).
 * Random geometries run with the threading threshold at 0, so that even tiny calls are split;
 * bench-like sizes run with the default threshold.
 */

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 50) });

let threaded: Kernels;
/** A separate single-threaded instance with its own memory: the bit-exact reference. */
let single: WasmKernels;

beforeAll(async () => {
  expect(await initWasm()).toBe(true);
  setWasmMinWork(0); // every call, however small, takes the WebAssembly path
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bin = moduleBytes(false);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory } });
  single = makeWasmKernels(new Arena(instance.exports as unknown as WasmExports, memory));
  expect(await enableThreads(2)).toBe(2);
  threaded = kernelsOf('wasm');
});

afterEach(() => {
  setBackend('js');
  setThreadThreshold();
});

afterAll(async () => {
  await disableThreads();
  expect(getThreads()).toBe(1);
});



function expectSame(got: Storage, want: Storage, what: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${what}[${i}]: threaded ${got[i]} vs single-threaded ${want[i]}`);
  }
}

function expectClose(got: Storage, want: Storage, bound: Storage, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= 1e-5 * bound[i]! + 1e-30)) throw new Error(`${what}[${i}]: wasm ${got[i]} vs js ${want[i]}`);
  }
}

const geometry = arbConvGeometry(6, 10);


/** Runs all three conv kernels on k; outputs start as NaN so every element must be written. */
function convAll(k: WasmKernels, g: Conv1dGeometry, f: ReturnType<typeof convBuffers>, withBias = true) {
  const y = new Float32Array(f.gy.length).fill(NaN);
  const gx = new Float32Array(f.x.length).fill(NaN);
  const gw = new Float32Array(f.w.length).fill(NaN);
  k.conv1dForward(f.x, f.w, withBias ? f.b : null, y, g);
  k.conv1dBackwardInput(f.gy, f.w, gx, g);
  k.conv1dBackwardWeight(f.gy, f.x, gw, g);
  return [y, gx, gw] as const;
}

function checkConv(g: Conv1dGeometry, f: ReturnType<typeof convBuffers>, withBias = true): void {
  const got = convAll(threaded, g, f, withBias);
  const same = convAll(single, g, f, withBias);
  const want = convAll(jsKernels, g, f, withBias);
  const a = { x: abs(f.x), w: abs(f.w), b: abs(f.b), gy: abs(f.gy) };
  const bound = convAll(jsKernels, g, a, withBias);
  ['y', 'gx', 'gw'].forEach((what, i) => {
    expectSame(got[i]!, same[i]!, what);
    expectClose(got[i]!, want[i]!, bound[i]!, what);
  });
}

describe('enableThreads / disableThreads', () => {
  it('reports the thread count and can be switched off and on again', async () => {
    expect(getThreads()).toBe(2);
    expect(await enableThreads(2)).toBe(2); // no-op
    await disableThreads();
    expect(getThreads()).toBe(1);
    expect(await enableThreads(1)).toBe(1);
    expect(await enableThreads()).toBe(2);
    expect(getThreads()).toBe(2);
    await expect(enableThreads(0)).rejects.toThrow(/positive integer/);
    expect(getThreads()).toBe(2);
  });

  it('setNumThreads / getNumThreads: the setting, workers started by the first big call, the same bits on 1 and 2 threads', async () => {
    expect(getNumThreads()).toBe(2);
    setNumThreads(1);
    expect(getNumThreads()).toBe(1);
    expect(getThreads()).toBe(1);
    setBackend('wasm');
    const x = tensor(Float32Array.from({ length: 4 * 8 * 700 }, (_, i) => Math.sin(i)), { shape: [4, 8, 700] });
    const w = tensor(Float32Array.from({ length: 64 * 8 * 5 }, (_, i) => Math.cos(i)), { shape: [64, 8, 5] });
    const one = conv1d(x, w).dataSync(); // 2 * 4 * 64 * 696 * 40 = 14 MFLOP: above the threshold
    expect(getThreads()).toBe(1);
    setNumThreads(2);
    expect(getNumThreads()).toBe(2);
    conv1d(x, w); // starts the workers without waiting for them
    const t0 = performance.now();
    while (getThreads() < 2 && performance.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    expect(getThreads()).toBe(2);
    const before = workerItems();
    let two = conv1d(x, w).dataSync();
    for (let r = 0; r < 50 && workerItems() === before; r++) two = conv1d(x, w).dataSync(); // which thread takes which item is a race
    expect(workerItems()).toBeGreaterThan(before);
    expect(Array.from(two)).toEqual(Array.from(one));
    expect(() => setNumThreads(0)).toThrow(/^setNumThreads: .*positive integer/);
    expect(() => setNumThreads(65)).toThrow(/^setNumThreads: at most 64 threads/);
    expect(getNumThreads()).toBe(2);
  });

  it("the workers' program is the type-checked worker.ts, serialised", () => {
    for (const platform of ['node', 'browser'] as const) {
      const src = workerSource(platform);
      expect(src).toContain('function workerMain');
      expect(src).toContain('function computeShare');
      expect(src).toContain('function readJob');
      expect(() => new Function(src)).not.toThrow(); // it parses
    }
  });

  it('workers do not keep the Node process alive', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const script = join(tmpdir(), `kindling-threads-exit-${process.pid}.mts`);
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    await writeFile(script, [
      // No configuration: the default thread count, workers started by the first big call.
      `import { getThreads, setNumThreads, tensor, conv1d } from ${JSON.stringify(index)};`,
      'setNumThreads(2); // the default is the core count, which may be 1 on a test machine',
      'const x = tensor(new Float64Array(8 * 8 * 512).fill(1), { shape: [8, 8, 512] });',
      'const w = tensor(new Float64Array(64 * 8 * 5).fill(1), { shape: [64, 8, 5] });',
      'let y = conv1d(x, w, null, { padding: 2 });',
      'for (let i = 0; i < 5000 && getThreads() < 2; i++) y = conv1d(x, w, null, { padding: 2 });',
      'y = conv1d(x, w, null, { padding: 2 });',
      'console.log(getThreads(), y.tensorData.storage[100]);',
    ].join('\n'));
    const t0 = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    }).finally(() => rm(script, { force: true }));
    expect(out.trim().split('\n')).toEqual(['2 40']);
    expect(performance.now() - t0).toBeLessThan(20_000); // exits by itself (a hang would hit the timeout)
  });
});

describe('threaded wasm conv1d kernels (float32)', () => {
  it('random geometries, every call split (threshold 0): equal to single-threaded wasm, close to JS', () => {
    setThreadThreshold(0);
    const before = workerItems();
    fc.assert(
      fc.property(geometry, fc.boolean(), ({ g, seed }, withBias) => checkConv(g, convBuffers(g, seed), withBias)),
    );
    expect(workerItems()).toBeGreaterThan(before); // the worker really computed some of it
  });

  it('bench-like sizes above the default threshold (M with batch 4, L-shaped with batch 2, strided, grouped)', () => {
    const cases: Conv1dGeometry[] = [
      { batch: 4, inChannels: 16, outChannels: 32, length: 1024, kernelSize: 5, outLength: 1024, stride: 1, padLeft: 2, dilation: 1, groups: 1 },
      { batch: 2, inChannels: 64, outChannels: 64, length: 512, kernelSize: 9, outLength: 512, stride: 1, padLeft: 4, dilation: 1, groups: 1 },
      { batch: 3, inChannels: 24, outChannels: 36, length: 701, kernelSize: 4, outLength: 350, stride: 2, padLeft: 1, dilation: 2, groups: 3 },
    ];
    const before = workerItems();
    cases.forEach((g, i) => checkConv(g, convBuffers(g, 100 + i)));
    expect(workerItems()).toBeGreaterThan(before);
  });

  it('a batch many times the ring of item buffers: items take them in turn, and the shared memory holds a few items, not the batch', () => {
    setThreadThreshold(0);
    // 2 threads: 4 item buffers; 48 items, each 128 KiB of input (float32), so the batch's input
    // alone (6 MiB) is more than the shared memory may hold after the calls.
    const g: Conv1dGeometry = { batch: 48, inChannels: 8, outChannels: 8, length: 4000, kernelSize: 3, outLength: 4000, stride: 1, padLeft: 1, dilation: 1, groups: 2 };
    const f = convBuffers(g, 12);
    const inputBytes = f.x.length * 4;
    expect(sharedMemoryBytes()).toBeLessThan(inputBytes);
    const before = workerItems();
    const got = convAll(threaded, g, f);
    expect(workerItems()).toBeGreaterThan(before);
    const same = convAll(single, g, f);
    ['y', 'gx', 'gw'].forEach((what, i) => expectSame(got[i]!, same[i]!, what));
    expect(sharedMemoryBytes()).toBeGreaterThan(0);
    expect(sharedMemoryBytes()).toBeLessThan(inputBytes);
  });

  it('writes only its output inside larger buffers, and repeated calls agree', () => {
    setThreadThreshold(0);
    const g: Conv1dGeometry = { batch: 5, inChannels: 6, outChannels: 10, length: 77, kernelSize: 3, outLength: 39, stride: 2, padLeft: 1, dilation: 1, groups: 2 };
    const f = convBuffers(g, 9);
    const big = fill(new Float32Array(f.gy.length + 10), 3);
    const before = big.slice();
    const y = big.subarray(5, 5 + f.gy.length);
    threaded.conv1dForward(f.x, f.w, f.b, y, g);
    expect(Array.from(big.subarray(0, 5))).toEqual(Array.from(before.subarray(0, 5)));
    expect(Array.from(big.subarray(5 + f.gy.length))).toEqual(Array.from(before.subarray(5 + f.gy.length)));
    const first = convAll(threaded, g, f);
    for (let r = 0; r < 20; r++) convAll(threaded, g, f).forEach((a, i) => expectSame(a, first[i]!, `run ${r}`));
  });

  it('float64 runs threaded too: equal to single-threaded wasm, close to the JS kernels', () => {
    setThreadThreshold(0);
    const g: Conv1dGeometry = { batch: 3, inChannels: 4, outChannels: 8, length: 30, kernelSize: 3, outLength: 30, stride: 1, padLeft: 1, dilation: 1, groups: 1 };
    const f = convBuffers(g, 4);
    const d = { x: Float64Array.from(f.x), w: Float64Array.from(f.w), b: Float64Array.from(f.b), gy: Float64Array.from(f.gy) };
    const run = (k: WasmKernels) => {
      const y = new Float64Array(d.gy.length);
      const gw = new Float64Array(d.w.length);
      k.conv1dForward(d.x, d.w, d.b, y, g);
      k.conv1dBackwardWeight(d.gy, d.x, gw, g);
      return [...y, ...gw];
    };
    const same = run(single);
    const want = run(jsKernels);
    same.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-12 * (1 + Math.abs(want[i]!)) * 40));
    // Work is claimed dynamically: under load the caller may take every item and chunk before
    // the worker wakes, so repeat until the worker has taken part (every run must agree).
    const before = workerItems();
    for (let r = 0; r < 50 && workerItems() === before; r++) expect(run(threaded)).toEqual(same);
    expect(workerItems()).toBeGreaterThan(before);
  });
});

describe('threaded wasm gemm (float32)', () => {
  const problem = fc.record({
    M: fc.integer({ min: 1, max: 40 }),
    N: fc.integer({ min: 1, max: 90 }),
    K: fc.integer({ min: 1, max: 30 }),
    transA: fc.boolean(),
    bCol: fc.integer({ min: 1, max: 2 }),
    cOff: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  });

  it('random sizes and layouts (threshold 0): equal to single-threaded wasm, close to JS', () => {
    setThreadThreshold(0);
    fc.assert(
      fc.property(problem, ({ M, N, K, transA, bCol, cOff, seed }) => {
        const A = fill(new Float32Array(M * K), seed);
        const [aRow, aCol] = transA ? [1, M] : [K, 1];
        const B = fill(new Float32Array(K * N * bCol), seed + 1);
        const run = (k: WasmKernels, a: Float32Array, b: Float32Array) => {
          const c = fill(new Float32Array(cOff + M * N + 2), seed + 2);
          k.gemm(M, N, K, a, 0, aRow, aCol, b, 0, N * bCol, bCol, c, cOff);
          return c;
        };
        const got = run(threaded, A, B);
        expectSame(got, run(single, A, B), 'C');
        const want = run(jsKernels, A, B);
        const bound = run(jsKernels, abs(A), abs(B)).map(Math.abs);
        expectClose(got, want, bound, 'C');
      }),
    );
  });

  it('a large product above the default threshold', () => {
    const [M, N, K] = [96, 200, 130];
    const A = fill(new Float32Array(M * K), 1);
    const B = fill(new Float32Array(K * N), 2);
    const run = (k: WasmKernels) => {
      const c = new Float32Array(M * N);
      k.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, c, 0);
      return c;
    };
    const want = run(single);
    const before = workerItems(); // chunks are claimed dynamically: repeat until the worker took one
    for (let r = 0; r < 50 && workerItems() === before; r++) expectSame(run(threaded), want, 'C');
    expect(workerItems()).toBeGreaterThan(before);
  });
});

describe('three threads (more than the cores here: correctness only)', () => {
  it('random geometries and gemm agree bit for bit with single-threaded wasm', async () => {
    expect(await enableThreads(3)).toBe(3);
    threaded = kernelsOf('wasm'); // the registered kernels never change: they call whichever implementation is current
    setThreadThreshold(0);
    try {
      fc.assert(
        fc.property(geometry, ({ g, seed }) => {
          const f = convBuffers(g, seed);
          convAll(threaded, g, f).forEach((a, i) => expectSame(a, convAll(single, g, f)[i]!, ['y', 'gx', 'gw'][i]!));
        }),
        { numRuns: Math.max(1, Math.ceil(Number(process.env.FC_NUM_RUNS ?? 50) / 2)) },
      );
      const A = fill(new Float32Array(33 * 21), 5);
      const B = fill(new Float32Array(21 * 77), 6);
      const run = (k: WasmKernels) => {
        const c = new Float32Array(33 * 77);
        k.gemm(33, 77, 21, A, 0, 21, 1, B, 0, 77, 1, c, 0);
        return c;
      };
      expectSame(run(threaded), run(single), 'C');
    } finally {
      expect(await enableThreads(2)).toBe(2);
    }
  });
});

describe('threaded end to end through Tensor ops', () => {
  it('conv1d forward + backward give the same output and grads with 1 and 2 threads', async () => {
    const [N, Cin, Cout, L, K] = [4, 8, 16, 300, 5];
    const xs = fill(new Float32Array(N * Cin * L), 11);
    const ws = fill(new Float32Array(Cout * Cin * K), 12);
    const bs = fill(new Float32Array(Cout), 13);
    const run = () => {
      setBackend('wasm');
      const x = tensor(xs, { shape: [N, Cin, L], dtype: 'float32', requiresGrad: true });
      const w = tensor(ws, { shape: [Cout, Cin, K], dtype: 'float32', requiresGrad: true });
      const b = tensor(bs, { shape: [Cout], dtype: 'float32', requiresGrad: true });
      const y = conv1d(x, w, b, { padding: 2 });
      y.sub(y.detach().mul(0.5).add(0.25)).pow(2).mean().backward();
      return [y, x.grad!, w.grad!, b.grad!].map((t) => t.tensorData.contiguousStorage());
    };
    setThreadThreshold(0);
    const two = run();
    await disableThreads();
    const one = run();
    expect(await enableThreads(2)).toBe(2);
    two.forEach((a, i) => expectSame(a, one[i]!, ['y', 'gx', 'gw', 'gb'][i]!));
  });
});

describe('thread count limits', () => {
  /** A gemm just big enough to split (threshold 0): the worker's column block is static, so it always computes. */
  /** A gemm split among the threads, repeated until a worker has taken a chunk of it (which thread claims which chunk is a race). */
  function smallGemm(): void {
    setThreadThreshold(0);
    const [M, N, K] = [64, 512, 64]; // ~1 ms: long enough for a worker to wake and claim chunks
    const A = fill(new Float32Array(M * K), 21);
    const B = fill(new Float32Array(K * N), 22);
    const run = (k: WasmKernels) => {
      const c = new Float32Array(M * N).fill(NaN);
      k.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, c, 0);
      return c;
    };
    const before = workerItems();
    for (let r = 0; r < 200 && workerItems() === before; r++) expectSame(run(threaded), run(single), 'C');
  }

  // Before the cap was enforced, 66 threads gave 65 workers while the control block had ACK
  // slots for 64: worker 64's ACK landed on worker 0's range and its own range fell off the end.
  it('rejects counts outside 1..MAX_THREADS with a message naming enableThreads, and keeps the threads in use', async () => {
    expect(MAX_THREADS).toBe(64); // the documented cap
    expect(getThreads()).toBe(2);
    smallGemm();
    const worked = workerItems();
    expect(worked).toBeGreaterThan(0);
    const bad: [unknown, RegExp][] = [
      [MAX_THREADS + 1, /^enableThreads: at most 64 threads are supported \(1 to 64\), got 65$/],
      [66, /^enableThreads: at most 64 threads .*got 66$/],
      [1000, /^enableThreads: at most 64 threads .*got 1000$/],
      [0, /^enableThreads: .*positive integer \(1 to 64\), got 0$/],
      [-2, /^enableThreads: .*positive integer.*got -2$/],
      [1.5, /^enableThreads: .*must be an integer from 1 to 64, got 1.5$/],
      [Infinity, /^enableThreads: .*integer from 1 to 64, got Infinity$/],
      [NaN, /^enableThreads: expected a thread count \(an integer from 1 to 64\), got NaN$/],
      ['4', /^enableThreads: .*got a string: 4$/],
    ];
    for (const [n, message] of bad) {
      await expect(enableThreads(n as number)).rejects.toThrow(message);
      expect(getThreads()).toBe(2);
    }
    // The same pool (a new one would count worker items from 0), and it still computes.
    expect(workerItems()).toBe(worked);
    smallGemm();
    expect(workerItems()).toBeGreaterThan(worked);

  });

  it('a real worker given a gemm job without a chunk size computes it as one claim (never loops on claims of 0 columns)', async () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const module = new WebAssembly.Module(moduleBytes(true));
    const arena = new Arena(new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports, memory);
    const pool = new Pool(2, () => undefined);
    const worker = new Worker(workerSource('node'), { eval: true, workerData: { module, memory, ctl: pool.ctl.buffer, index: 0 } });
    pool.add(worker);
    try {
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      const [M, N, K] = [8, 40, 6];
      const A = fill(new Float32Array(M * K), 51);
      const B = fill(new Float32Array(K * N), 52);
      const got = new Float32Array(M * N).fill(NaN);
      const plan = planGemm(arena, M, N, K, A, 0, K, 1, B, 0, N, 1, got, 0);
      expect(plan.job.chunk).toBe(0);
      plan.prepare(0);
      pool.start(plan.job); // the calling thread claims nothing: the worker's one claim is the whole product
      pool.finish();
      plan.finish(0);
      expect(pool.worked).toBe(1);
      const want = new Float32Array(M * N).fill(NaN);
      single.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, want, 0);
      expectSame(got, want, 'C');
    } finally {
      pool.quit();
      await worker.terminate();
    }
  });

  it('a worker that fails mid-job makes the call throw, without waiting forever on the item buffers it holds (both ring protocols)', async () => {
    // A stand-in worker: for every job it claims an item (so the caller waits for it to be
    // computed before reusing its buffer), computes nothing, flags the failure and answers.
    const { slots } = CONSTS;
    const program = `
      const { workerData: d } = require('node:worker_threads');
      const c = new Int32Array(d.ctl);
      Atomics.store(c, d.slots.STARTED, 1);
      for (let seq = 0; ; ) {
        Atomics.wait(c, d.slots.SEQ, seq);
        seq = Atomics.load(c, d.slots.SEQ);
        if (c[d.slots.JOB] === d.quit) break;
        Atomics.add(c, d.slots.NEXT, 1);
        Atomics.store(c, d.slots.ERR, 1);
        Atomics.store(c, d.slots.ACK, seq);
        Atomics.notify(c, d.slots.ACK);
      }`;
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const bin = moduleBytes(true);
    const arena = new Arena(new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory } }).exports as unknown as WasmExports, memory);
    const pool = new Pool(2, () => undefined);
    const worker = new Worker(program, { eval: true, workerData: { ctl: pool.ctl.buffer, slots, quit: KINDS.QUIT } });
    pool.add(worker);
    try {
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      // 12 items through a ring of 4 buffers: ITEMS (forward) and ACCUMULATE (weight gradient).
      const g: Conv1dGeometry = { batch: 12, inChannels: 4, outChannels: 8, length: 64, kernelSize: 3, outLength: 64, stride: 1, padLeft: 1, dilation: 1, groups: 1 };
      const f = convBuffers(g, 21);
      const t0 = performance.now();
      expect(() => runThreaded(pool, arena, planConvForward(arena, f.x, f.w, f.b, new Float32Array(f.gy.length), g, 4))).toThrow(/^kindling: a wasm worker thread failed$/);
      expect(() => runThreaded(pool, arena, planConvBackwardWeight(arena, f.gy, f.x, new Float32Array(f.w.length), g, 4))).toThrow(/^kindling: a wasm worker thread failed$/);
      expect(performance.now() - t0).toBeLessThan(5000); // not the 'did not answer' deadline
    } finally {
      pool.quit();
      await worker.terminate();
    }
  });

  it('a weight gradient whose worker is slow still sums every column over the items in order, and reuses no item buffer early', async () => {
    // A real worker whose every chunk starts 5 ms late: the calling thread, faster on these
    // items, reaches the next item's copy of a chunk the worker still holds, and the item
    // buffer (ring of 2) the worker still reads. Without the per-chunk wait the caller would add
    // item i + 1 into C before item i's value is there (the worker's item 0 then overwrites
    // it); without the per-item wait it would overwrite the buffer the worker is about to read.
    const program = `'use strict';
      var __name = (f) => f;
      const { workerData } = require('node:worker_threads');
      const real = ${computeShare.toString()};
      const late = (...args) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); return real(...args); };
      (${workerMain.toString()})(workerData, ${JSON.stringify(CONSTS)}, late, ${readJob.toString()}, ${accumulateChunks.toString()});`;
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const module = new WebAssembly.Module(moduleBytes(true));
    const arena = new Arena(new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports, memory);
    const pool = new Pool(2, () => undefined);
    const worker = new Worker(program, { eval: true, workerData: { module, memory, ctl: pool.ctl.buffer, index: 0 } });
    pool.add(worker);
    try {
      while (!pool.started) await new Promise((r) => setTimeout(r, 5));
      // Items long enough (~0.1 ms each) for the worker to wake and claim chunks under load.
      const g: Conv1dGeometry = { batch: 24, inChannels: 8, outChannels: 4, length: 8000, kernelSize: 4, outLength: 7997, stride: 1, padLeft: 0, dilation: 1, groups: 1 };
      const f = convBuffers(g, 61);
      const want = new Float32Array(f.w.length);
      single.conv1dBackwardWeight(f.gy, f.x, want, g);
      for (let r = 0; r < 50 && pool.worked === 0; r++) {
        const got = new Float32Array(f.w.length).fill(NaN);
        const plan = planConvBackwardWeight(arena, f.gy, f.x, got, g, 2);
        runThreaded(pool, arena, plan);
        expect(plan.job.chunk).toBe(16); // 32 columns (4 taps x 8 channels): 2 chunks per item
        expectSame(got, want, 'gw');
      }
      expect(pool.worked).toBeGreaterThan(0);
    } finally {
      pool.quit();
      await worker.terminate();
    }
  });

  it('a Pool refuses more workers than the control block has slots for, and will not start a job short of workers', () => {
    expect(() => new Pool(MAX_THREADS + 2, () => undefined)).toThrow(/^kindling: Pool: at most 64 threads .*got 66$/);
    const idle = { terminate: () => undefined };
    const p = new Pool(3, () => undefined);
    p.add(idle);
    expect(() => p.start(jobOf({ kind: KINDS.COLUMNS }))).toThrow(/1 of 2 workers added/);
    p.add(idle);
    expect(() => p.add(idle)).toThrow(/more than 2 workers/);
    expect(p.size).toBe(3);
  });

  it('at MAX_THREADS every worker computes its share of a matmul and a conv1d weight gradient, equal to the JS reference', async () => {
    expect(await enableThreads(MAX_THREADS)).toBe(MAX_THREADS);
    try {
      expect(getThreads()).toBe(MAX_THREADS);
      // Shapes just over the default threshold (4 MFLOP). The gemm's 64 column blocks of 8 are
      // claimed in chunks of 2 by whichever thread is free, as are conv1d's weight gradient's
      // (K*Cin = 512 columns of (tap, channel)), item by item.
      const [M, N, K] = [16, 8 * MAX_THREADS, 256];
      const A = fill(new Float32Array(M * K), 31);
      const B = fill(new Float32Array(K * N), 32);
      const mm = (k: WasmKernels, a: Float32Array, b: Float32Array) => {
        const c = new Float32Array(M * N).fill(NaN);
        k.gemm(M, N, K, a, 0, K, 1, b, 0, N, 1, c, 0);
        return c;
      };
      expect(columnChunk(N, 8, MAX_THREADS)).toBe(16);
      const want = mm(single, A, B);
      expectClose(want, mm(jsKernels, A, B), mm(jsKernels, abs(A), abs(B)), 'C');
      // Which thread claims which of the 32 chunks is a race: on a busy machine the caller may
      // take them all before a worker wakes, so repeat until workers have taken some.
      const start = workerItems();
      for (let r = 0; r < 50 && workerItems() === start; r++) {
        const b0 = workerItems();
        const C = mm(threaded, A, B);
        expect(workerItems() - b0).toBeLessThanOrEqual(32);
        expectSame(C, want, 'C');
      }
      expect(workerItems()).toBeGreaterThan(start);

      const g: Conv1dGeometry = { batch: 2, inChannels: 64, outChannels: 4, length: 600, kernelSize: 8, outLength: 600, stride: 1, padLeft: 3, dilation: 1, groups: 1 };
      const f = convBuffers(g, 41);
      const gw = (k: WasmKernels, gy: Float32Array, x: Float32Array) => {
        const out = new Float32Array(f.w.length).fill(NaN);
        k.conv1dBackwardWeight(gy, x, out, g);
        return out;
      };
      const wantW = gw(single, f.gy, f.x);
      expectClose(wantW, gw(jsKernels, f.gy, f.x), gw(jsKernels, abs(f.gy), abs(f.x)), 'gw');
      const before = workerItems();
      for (let r = 0; r < 50 && workerItems() === before; r++) {
        const b0 = workerItems();
        const got = gw(threaded, f.gy, f.x);
        expect(workerItems() - b0).toBeLessThanOrEqual(g.batch * 32); // 512 columns: 32 chunks of 16 per item (columnChunk above)
        expectSame(got, wantW, 'gw');
      }
      expect(workerItems()).toBeGreaterThan(before);
    } finally {
      await disableThreads();
    }
    expect(getThreads()).toBe(1);
  });
});
