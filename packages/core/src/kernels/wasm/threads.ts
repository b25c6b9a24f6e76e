import type { Storage } from '../../storage/dtype.js';
import type { Conv1dGeometry } from '../kernels.js';
import type { Arena } from './arena.js';
import { inputRows, isF32, makeWasmKernels, packFlippedPanels, packPanels, up, type WasmKernels } from './kernels.js';

/*
 * The threaded float32 kernels: the main thread and n-1 workers run kernels.wat's micro-kernels
 * on one shared WebAssembly.Memory. Kindling's ops are synchronous, so the main thread blocks
 * (Atomics.wait) until the workers are done; this only works where Atomics.wait is allowed on
 * the calling thread (Node's main thread, any Worker; not a browser's main thread).
 *
 * Only the main thread can see the caller's (unshared) tensors, so it does all copying in and
 * out of the shared arena; the workers only compute. Every job is split along outputs that do
 * not overlap, and each output is computed exactly as the single-threaded path computes it, so
 * results are bit-identical to it:
 *  - conv1d forward / backward input: one item per batch element (its own input and output
 *    slot). The main thread copies the items in, publishing each (READY), then both claim
 *    items from a shared counter (NEXT), and the main thread copies each finished item out
 *    (per-item flags) between its own items: dynamic, so the copying balances itself.
 *  - conv1d backward weight: every thread owns some 4-row panels of output channels (static
 *    ranges, the main thread's smaller because it also copies) and accumulates them over the
 *    whole batch in order, item by item as the main thread publishes them.
 *  - gemm: column blocks of C, after the main thread has packed A and B.
 * The protocol is a small Int32Array on a SharedArrayBuffer (the slots below); the worker's
 * loop is the JavaScript in WORKER_SOURCE.
 */

/** Threads in all, the calling thread included: the control block has one ACK slot and one RANGE pair per worker. */
export const MAX_THREADS = 64;
const MAX_WORKERS = MAX_THREADS - 1;

// Control block slots. Each per-worker region's offset is derived from the cap, so that no
// worker index the Pool accepts can reach into the next region.
const SEQ = 0; // job number; workers wait on it
const READY = 1; // items the main thread has copied in
const NEXT = 2; // next unclaimed item (dynamic jobs)
const ERR = 3; // set by a worker that threw
const ABORT = 4; // set by the main thread when it threw mid-job
const WORKED = 5; // items (or item-ranges) computed by workers, for tests
const P = 8; // job parameters: P = kind, P+1 .. P+PARAMS-1 the rest
const PARAMS = 20;
const ACK = P + PARAMS; // ACK + w: the last job worker w finished
const RANGE = ACK + MAX_WORKERS; // RANGE + 2w, +1: worker w's static range
const CTL_INTS = RANGE + 2 * MAX_WORKERS;

/** Throws at load time if an edit to the slots above makes two regions of the control block overlap. */
function checkLayout(): void {
  const regions: [string, number, number][] = [
    ['scalars', SEQ, WORKED + 1],
    ['params', P, P + PARAMS],
    ['acks', ACK, ACK + MAX_WORKERS],
    ['ranges', RANGE, RANGE + 2 * MAX_WORKERS],
  ];
  for (let i = 0; i < regions.length; i++) {
    const [name, lo, hi] = regions[i]!;
    const prev = regions[i - 1];
    if (lo > hi || hi > CTL_INTS || (prev && lo < prev[2])) {
      throw new Error(`kindling: control block region ${name} [${lo}, ${hi}) overlaps another or exceeds ${CTL_INTS} slots`);
    }
  }
}
checkLayout();

const NN = 1; // batched gemm_nn: items claimed dynamically
const NT = 2; // batched gemm_nt over static panel ranges
const GEMM = 3; // one gemm_nn, static column ranges
const QUIT = 4;

/** How long a blocked thread waits for the other side before giving up (a worker died). */
const DEADLINE_MS = 60_000;

/**
 * The specifier of Node's worker_threads module, put together at run time from its pieces.
 * Written as a literal, even one held in a variable, it is folded back into
 * `import("node:worker_threads")` by minifiers (esbuild --minify, Vite), so every browser
 * bundle that includes enableThreads() would name a Node built-in, which bundlers try to
 * resolve and scanners flag. Joining the pieces in a function call is not a constant
 * expression to esbuild's or Vite's minifier; packaging.test.ts checks a minified browser
 * bundle for the name.
 */
export function workerThreadsSpecifier(): string {
  return joinParts('node', ':', 'worker', '_', 'threads');
}

function joinParts(...parts: string[]): string {
  return parts.join('');
}

/**
 * The worker's program (CommonJS, evaluated by Node's worker_threads with `eval: true`). It gets
 * the compiled module, the shared memory and the control block in one message, instantiates
 * the module on that memory, answers 'ready', then loops: wait for SEQ to change, run its part
 * of the job, store ACK. Mirrors the main thread's parts in makeThreadedKernels.
 */
export const WORKER_SOURCE = `'use strict';
const { parentPort } = require(${JSON.stringify(workerThreadsSpecifier())});
parentPort.once('message', ({ module, memory, ctl: buffer, index }) => {
  const { gemm_nn_f32: nn, gemm_nt_f32: nt } = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(buffer);
  const ack = ${ACK} + index, lo = ${RANGE} + 2 * index;
  const ready = (i) => {
    for (let r; (r = Atomics.load(c, ${READY})) <= i && !c[${ABORT}]; ) Atomics.wait(c, ${READY}, r, 1000);
    return !c[${ABORT}];
  };
  parentPort.postMessage('ready');
  let seq = 0;
  for (;;) {
    Atomics.wait(c, ${SEQ}, seq);
    seq = Atomics.load(c, ${SEQ});
    const kind = c[${P}];
    if (kind === ${QUIT}) break;
    try {
      const M = c[${P} + 1], N = c[${P} + 2], R = c[${P} + 3], a = c[${P} + 4], aG = c[${P} + 5], b = c[${P} + 6];
      const bI = c[${P} + 7], bG = c[${P} + 8], tab = c[${P} + 9], cc = c[${P} + 10], cI = c[${P} + 11], cG = c[${P} + 12];
      const ldc = c[${P} + 13], groups = c[${P} + 15], T = c[${P} + 16];
      if (kind === ${NN}) {
        const flags = new Int32Array(memory.buffer), fl = c[${P} + 17] >> 2;
        const f32 = new Float32Array(memory.buffer), bias = c[${P} + 18], coutG = c[${P} + 19];
        for (let i; (i = Atomics.add(c, ${NEXT}, 1)) < T; ) {
          if (!ready(i)) break;
          for (let g = 0; g < groups; g++) {
            const at = cc + i * cI + g * cG;
            if (bias >= 0) for (let m = 0; m < coutG; m++) f32.fill(f32[bias + g * coutG + m], (at + m * ldc) >> 2, (at + (m + 1) * ldc) >> 2);
            nn(M, N, R, a + g * aG, b + i * bI + g * bG, tab, at, ldc, bias >= 0 ? 1 : 0);
          }
          Atomics.store(flags, fl + i, 1);
          Atomics.notify(flags, fl + i);
          Atomics.add(c, ${WORKED}, 1);
        }
      } else if (kind === ${NT}) {
        const lda = c[${P} + 14], aI = c[${P} + 17], ppg = c[${P} + 18], u0 = c[lo], u1 = c[lo + 1];
        for (let i = 0; i < T && u0 < u1; i++) {
          if (!ready(i)) break;
          for (let u = u0; u < u1; ) {
            const g = (u / ppg) | 0, p = u - g * ppg, n = Math.min(ppg - p, u1 - u);
            nt(4 * n, N, R, a + i * aI + g * aG + 4 * p * lda, lda, b + i * bI + g * bG, tab, cc + g * cG + 4 * p * ldc, ldc, i > 0 ? 1 : 0);
            u += n;
          }
          Atomics.add(c, ${WORKED}, 1);
        }
      } else if (kind === ${GEMM}) {
        const col = c[lo], cols = c[lo + 1];
        if (cols > 0) {
          nn(M, cols, R, a, b + 4 * col, tab, cc + 4 * col, ldc, 0);
          Atomics.add(c, ${WORKED}, 1);
        }
      }
    } catch (e) {
      Atomics.store(c, ${ERR}, 1);
    }
    Atomics.store(c, ack, seq);
    Atomics.notify(c, ack);
  }
  Atomics.store(c, ack, seq);
  Atomics.notify(c, ack);
});
`;

/** What the pool needs of a worker (node:worker_threads' Worker fits). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** The main thread's side of the control block. */
export class Pool {
  readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  readonly workers: WorkerLike[] = [];
  private seq = 0;
  private broken = false;

  /**
   * `threads` is checked here, not when workers arrive, because the workers are given the
   * control block (and their index into it) while they are being added.
   */
  constructor(readonly threads: number, private readonly onBroken: () => void) {
    checkThreadCount(threads, 'kindling: Pool');
  }

  /** Adds the next worker, whose index into the control block is the number added before it. */
  add(worker: WorkerLike): void {
    if (this.workers.length >= this.threads - 1) throw new Error(`kindling: Pool: more than ${this.threads - 1} workers added`);
    this.workers.push(worker);
  }

  /** Threads in all, the main thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Items computed by workers so far (tests check the workers took part). */
  get worked(): number {
    return Atomics.load(this.ctl, WORKED);
  }

  /** Starts a job: kind, parameters P+1.., and per-worker ranges already set by the caller. */
  start(kind: number, params: number[], ranges?: [number, number][]): void {
    if (this.broken) throw new Error('kindling: the worker threads stopped responding; call disableThreads()');
    // A range or parameter that does not land in its slot would leave part of the output unwritten.
    if (this.workers.length !== this.threads - 1) throw new Error(`kindling: Pool: ${this.workers.length} of ${this.threads - 1} workers added`);
    if (ranges && ranges.length !== this.threads) throw new Error(`kindling: Pool: ${ranges.length} ranges for ${this.threads} threads`);
    if (params.length >= PARAMS) throw new Error(`kindling: ${params.length} job parameters, the control block holds ${PARAMS - 1}`);
    const c = this.ctl;
    c[READY] = 0;
    c[NEXT] = 0;
    c[ERR] = 0;
    c[ABORT] = 0;
    c[P] = kind;
    for (let i = 0; i < params.length; i++) c[P + 1 + i] = params[i]!;
    if (ranges) for (let w = 0; w < this.workers.length; w++) [c[RANGE + 2 * w], c[RANGE + 2 * w + 1]] = ranges[w + 1]!;
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
  }

  /** Items [0, n) are in place. */
  publish(n: number): void {
    Atomics.store(this.ctl, READY, n);
    Atomics.notify(this.ctl, READY);
  }

  /** The next unclaimed item. */
  claim(): number {
    return Atomics.add(this.ctl, NEXT, 1);
  }

  /** Blocks until view[index] != value (a worker stores and notifies it). */
  waitWhile(view: Int32Array, index: number, value: number): void {
    const t0 = performance.now();
    while (Atomics.load(view, index) === value) {
      if (this.ctl[ERR]) return; // finish() reports it
      Atomics.wait(view, index, value, 100);
      if (performance.now() - t0 > DEADLINE_MS) this.fail();
    }
  }

  /** Waits for every worker to finish the job; throws if one failed. After a throw of the caller, pass aborted. */
  finish(aborted = false): void {
    if (aborted) {
      Atomics.store(this.ctl, ABORT, 1);
      Atomics.store(this.ctl, NEXT, 1 << 30);
      this.publish(1 << 30);
    }
    for (let w = 0; w < this.workers.length; w++) {
      const t0 = performance.now();
      while (Atomics.load(this.ctl, ACK + w) !== this.seq) {
        Atomics.wait(this.ctl, ACK + w, Atomics.load(this.ctl, ACK + w), 100);
        if (performance.now() - t0 > DEADLINE_MS) this.fail();
      }
    }
    if (this.ctl[ERR] && !aborted) throw new Error('kindling: a wasm worker thread failed');
  }

  private fail(): never {
    this.broken = true;
    this.onBroken();
    throw new Error(`kindling: a wasm worker thread did not answer within ${DEADLINE_MS / 1000} s; threads are disabled`);
  }

  /** Asks the workers to leave their loops (they are terminated by the caller). */
  quit(): void {
    this.broken = true;
    this.ctl[P] = QUIT;
    Atomics.store(this.ctl, SEQ, ++this.seq);
    Atomics.notify(this.ctl, SEQ);
  }
}

/** Throws unless `n` is a thread count the control block has room for; `who` names the caller in the message. */
export function checkThreadCount(n: number, who: string): void {
  if (typeof n !== 'number') throw new Error(`${who}: expected a thread count (an integer from 1 to ${MAX_THREADS}), got a ${typeof n}: ${String(n)}`);
  if (Number.isNaN(n)) throw new Error(`${who}: expected a thread count (an integer from 1 to ${MAX_THREADS}), got NaN`);
  if (!Number.isInteger(n)) throw new Error(`${who}: the thread count must be an integer from 1 to ${MAX_THREADS}, got ${n}`);
  if (n < 1) throw new Error(`${who}: the thread count must be a positive integer (1 to ${MAX_THREADS}), got ${n}`);
  if (n > MAX_THREADS) throw new Error(`${who}: at most ${MAX_THREADS} threads are supported (1 to ${MAX_THREADS}), got ${n}`);
}

/** Below this many floating-point operations a call stays on one thread (waking a worker costs ~10-50 µs). */
let threshold = 4e6;

/** For tests: run even tiny calls threaded (0), or restore the default (undefined). Returns the old value. */
export function setThreadThreshold(flops?: number): number {
  const old = threshold;
  threshold = flops ?? 4e6;
  return old;
}

/** The main thread's share of static splits (it also does all the copying). */
const MAIN_SHARE = 0.8;

/** Splits `units` among `n` threads, thread 0 (main) getting MAIN_SHARE of an equal share; returns [lo, hi) per thread. */
function split(units: number, n: number, mainShare = MAIN_SHARE): [number, number][] {
  const main = Math.min(units, Math.round((units / n) * mainShare));
  const out: [number, number][] = [[units - main, units]]; // main takes the last units
  const rest = units - main;
  for (let w = 0; w < n - 1; w++) out.push([Math.floor((w * rest) / (n - 1)), Math.floor(((w + 1) * rest) / (n - 1))]);
  return out;
}

/**
 * The 'wasm' kernels on a shared arena with a pool of workers. Calls too small to pay for the
 * wake-up (and float64, and geometries a split does not fit) run single-threaded on the same
 * arena.
 */
export function makeThreadedKernels(arena: Arena, pool: Pool): WasmKernels {
  const ex = arena.exports;
  const serial = makeWasmKernels(arena);
  const n = pool.size;
  const convFlops = (g: Conv1dGeometry) => 2 * g.batch * g.outChannels * g.outLength * (g.inChannels / g.groups) * g.kernelSize;

  /** Lays out the arena; false when the shared memory cannot grow that far (then run single-threaded). */
  function commit(): boolean {
    try {
      arena.commit();
      return true;
    } catch {
      return false;
    }
  }

  /** Shared by forward and backward input: items = batch elements, claimed dynamically. */
  function runItems(
    T: number, params: number[], flagsAt: number,
    prepare: (i: number) => void, compute: (i: number) => void, copyOut: (i: number) => void,
  ): void {
    const flags = arena.i32;
    flags.fill(0, flagsAt, flagsAt + T);
    pool.start(NN, params);
    try {
      for (let i = 0; i < T; i++) {
        prepare(i);
        pool.publish(i + 1);
      }
      let out = 0;
      for (let i; (i = pool.claim()) < T; ) {
        compute(i);
        Atomics.store(flags, flagsAt + i, 1);
        while (out < T && Atomics.load(flags, flagsAt + out) === 1) copyOut(out++);
      }
      while (out < T) {
        pool.waitWhile(flags, flagsAt + out, 0);
        if (Atomics.load(flags, flagsAt + out) !== 1) break; // a worker failed: finish() throws
        copyOut(out++);
      }
    } catch (e) {
      pool.finish(true);
      throw e;
    }
    pool.finish();
  }

  function conv1dForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: Conv1dGeometry): void {
    if (!isF32(x, w, bias, y) || g.batch < 2 || convFlops(g) < threshold) return serial.conv1dForward(x, w, bias, y, g);
    const { batch: T, inChannels: Cin, outChannels: Cout, kernelSize: K, outLength: Lo, groups } = g;
    const cinG = Cin / groups;
    const coutG = Cout / groups;
    const R = cinG * K;
    const Mr = up(coutG, 4);
    const Nr = up(Lo, 8);
    const src = inputRows(x as Float32Array, g, Nr);
    const slotB = up(src.rows * src.P, 16);
    const slotC = groups * Mr * Nr;
    arena.reset();
    const aAt = arena.alloc(groups * Mr * R);
    const tAt = arena.alloc(R);
    const biasAt = arena.alloc(Cout);
    const bAt = arena.alloc(T * slotB);
    const cAt = arena.alloc(T * slotC);
    const fAt = arena.alloc(T);
    if (!commit()) return serial.conv1dForward(x, w, bias, y, g);
    const f = arena.f32;
    for (let gi = 0; gi < groups; gi++) packPanels(f, aAt + gi * Mr * R, coutG, R, w, gi * coutG * R, R, 1);
    src.table(arena.i32, tAt);
    if (bias) f.set(bias, biasAt);
    const compute = (i: number) => {
      for (let gi = 0; gi < groups; gi++) {
        const at = cAt + i * slotC + gi * Mr * Nr;
        if (bias) for (let m = 0; m < coutG; m++) f.fill(f[biasAt + gi * coutG + m]!, at + m * Nr, at + (m + 1) * Nr);
        ex.gemm_nn_f32(Mr, Nr, R, (aAt + gi * Mr * R) * 4, (bAt + i * slotB + gi * src.groupStride) * 4, tAt * 4, at * 4, Nr * 4, bias ? 1 : 0);
      }
    };
    runItems(
      T,
      [Mr, Nr, R, aAt * 4, Mr * R * 4, bAt * 4, slotB * 4, src.groupStride * 4, tAt * 4, cAt * 4, slotC * 4, Mr * Nr * 4, Nr * 4, 0, groups, T, fAt * 4, bias ? biasAt : -1, coutG],
      fAt,
      (i) => {
        src.clear(f, bAt + i * slotB);
        src.fill(f, bAt + i * slotB, i);
      },
      compute,
      (i) => {
        for (let gi = 0; gi < groups; gi++) {
          for (let m = 0; m < coutG; m++) {
            const at = cAt + i * slotC + (gi * Mr + m) * Nr;
            y.set(f.subarray(at, at + Lo), (i * Cout + gi * coutG + m) * Lo);
          }
        }
      },
    );
  }

  function conv1dBackwardInput(gy: Storage, w: Storage, gx: Storage, g: Conv1dGeometry): void {
    if (!isF32(gy, w, gx) || g.batch < 2 || convFlops(g) < threshold) return serial.conv1dBackwardInput(gy, w, gx, g);
    const { batch: T, inChannels: Cin, outChannels: Cout, length: L, kernelSize: K, outLength: Lo, stride: s, padLeft, dilation: d, groups } = g;
    const cinG = Cin / groups;
    const coutG = Cout / groups;
    const span = d * (K - 1);
    const Q = span - padLeft; // as in the single-threaded kernel
    const R = coutG * K;
    const Mr = up(cinG, 4);
    const Nr = up(L, 8);
    const Pp = up(Nr + span + 8, 4);
    const slotB = up(Cout * Pp, 16);
    const slotC = groups * Mr * Nr;
    arena.reset();
    const aAt = arena.alloc(groups * Mr * R);
    const tAt = arena.alloc(R);
    const bAt = arena.alloc(T * slotB);
    const cAt = arena.alloc(T * slotC);
    const fAt = arena.alloc(T);
    if (!commit()) return serial.conv1dBackwardInput(gy, w, gx, g);
    const { f32: f, i32: t } = arena;
    packFlippedPanels(f, aAt, w as Float32Array, g, Mr, R);
    for (let co = 0; co < coutG; co++) for (let k = 0; k < K; k++) t[tAt + co * K + k] = (co * Pp + k * d) * 4;
    const lo = Q >= 0 ? 0 : Math.ceil(-Q / s);
    const hi = Math.max(lo, Math.min(Lo, Math.floor((L + span - 1 - Q) / s) + 1));
    runItems(
      T,
      [Mr, Nr, R, aAt * 4, Mr * R * 4, bAt * 4, slotB * 4, coutG * Pp * 4, tAt * 4, cAt * 4, slotC * 4, Mr * Nr * 4, Nr * 4, 0, groups, T, fAt * 4, -1, 0],
      fAt,
      (i) => {
        for (let co = 0; co < Cout; co++) {
          const src = (i * Cout + co) * Lo;
          const row = bAt + i * slotB + co * Pp;
          if (s === 1 && hi > lo) {
            f.fill(0, row, row + lo + Q);
            f.set(gy.subarray(src + lo, src + hi), row + lo + Q);
            f.fill(0, row + hi + Q, row + Pp);
          } else {
            f.fill(0, row, row + Pp);
            for (let l = lo, j = row + lo * s + Q; l < hi; l++, j += s) f[j] = gy[src + l]!;
          }
        }
      },
      (i) => {
        for (let gi = 0; gi < groups; gi++) {
          ex.gemm_nn_f32(Mr, Nr, R, (aAt + gi * Mr * R) * 4, (bAt + i * slotB + gi * coutG * Pp) * 4, tAt * 4, (cAt + i * slotC + gi * Mr * Nr) * 4, Nr * 4, 0);
        }
      },
      (i) => {
        for (let gi = 0; gi < groups; gi++) {
          for (let c = 0; c < cinG; c++) {
            const at = cAt + i * slotC + (gi * Mr + c) * Nr;
            gx.set(f.subarray(at, at + L), (i * Cin + gi * cinG + c) * L);
          }
        }
      },
    );
  }

  function conv1dBackwardWeight(gy: Storage, x: Storage, gw: Storage, g: Conv1dGeometry): void {
    const { batch: T, inChannels: Cin, outChannels: Cout, kernelSize: K, outLength: Lo, groups } = g;
    const coutG = Cout / groups;
    const Mr = up(coutG, 4);
    const ppg = Mr / 4; // 4-row panels per group
    const units = groups * ppg;
    if (!isF32(gy, x, gw) || T < 1 || units < 2 || convFlops(g) < threshold) return serial.conv1dBackwardWeight(gy, x, gw, g);
    const cinG = Cin / groups;
    const R = cinG * K;
    const Rr = up(R, 2);
    const ldc = up(Rr, 16); // 64-byte rows: threads' panels never share a cache line
    const Lr = up(Lo, 4);
    const src = inputRows(x as Float32Array, g, Lr);
    const slotA = groups * Mr * Lr;
    const slotB = up(src.rows * src.P, 16);
    arena.reset();
    const tAt = arena.alloc(Rr);
    const aAt = arena.alloc(T * slotA);
    const bAt = arena.alloc(T * slotB);
    const cAt = arena.alloc(groups * Mr * ldc);
    if (!commit()) return serial.conv1dBackwardWeight(gy, x, gw, g);
    const { f32: f, i32: t } = arena;
    src.table(t, tAt);
    for (let r = R; r < Rr; r++) t[tAt + r] = 0; // a dummy column, dropped
    const ranges = split(units, n);
    const [u0, u1] = ranges[0]!;
    const prepare = (i: number) => {
      src.clear(f, bAt + i * slotB);
      src.fill(f, bAt + i * slotB, i);
      for (let gi = 0; gi < groups; gi++) {
        const a = aAt + i * slotA + gi * Mr * Lr;
        for (let m = 0; m < coutG; m++) {
          const row = (i * Cout + gi * coutG + m) * Lo;
          f.set(gy.subarray(row, row + Lo), a + m * Lr);
          f.fill(0, a + m * Lr + Lo, a + (m + 1) * Lr);
        }
        f.fill(0, a + coutG * Lr, a + Mr * Lr);
      }
    };
    pool.start(NT, [Mr, Rr, Lr, aAt * 4, Mr * Lr * 4, bAt * 4, slotB * 4, src.groupStride * 4, tAt * 4, cAt * 4, 0, Mr * ldc * 4, ldc * 4, Lr * 4, groups, T, slotA * 4, ppg], ranges);
    try {
      prepare(0);
      pool.publish(1);
      for (let i = 0; i < T; i++) {
        if (i + 1 < T) {
          prepare(i + 1); // one item ahead, so a worker never waits for the copy of the item the main thread computes
          pool.publish(i + 2);
        }
        for (let u = u0; u < u1; ) {
          const gi = Math.floor(u / ppg);
          const p = u - gi * ppg;
          const k = Math.min(ppg - p, u1 - u);
          ex.gemm_nt_f32(4 * k, Rr, Lr, (aAt + i * slotA + gi * Mr * Lr + 4 * p * Lr) * 4, Lr * 4, (bAt + i * slotB + gi * src.groupStride) * 4, tAt * 4, (cAt + (gi * Mr + 4 * p) * ldc) * 4, ldc * 4, i > 0 ? 1 : 0);
          u += k;
        }
      }
    } catch (e) {
      pool.finish(true);
      throw e;
    }
    pool.finish();
    for (let gi = 0; gi < groups; gi++) {
      for (let m = 0; m < coutG; m++) {
        const c = cAt + (gi * Mr + m) * ldc;
        gw.set(f.subarray(c, c + R), (gi * coutG + m) * R);
      }
    }
  }

  function gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRow: number, aCol: number,
    b: Storage, bOff: number, bRow: number, bCol: number,
    c: Storage, cOff: number,
  ): void {
    const Nr = up(N, 8);
    if (!isF32(a, b, c) || M === 0 || K === 0 || Nr < 16 || 2 * M * N * K < threshold) {
      return serial.gemm(M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff);
    }
    const Mr = up(M, 4);
    arena.reset();
    const aAt = arena.alloc(Mr * K);
    const tAt = arena.alloc(K);
    const bAt = arena.alloc(K * Nr);
    const cAt = arena.alloc(Mr * Nr);
    if (!commit()) return serial.gemm(M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff);
    const { f32: f, i32: t } = arena;
    packPanels(f, aAt, M, K, a, aOff, aRow, aCol);
    for (let k = 0; k < K; k++) {
      t[tAt + k] = k * Nr * 4;
      const row = bAt + k * Nr;
      const p = bOff + k * bRow;
      if (bCol === 1) f.set(b.subarray(p, p + N), row);
      else for (let j = 0; j < N; j++) f[row + j] = b[p + j * bCol]!;
      f.fill(0, row + N, row + Nr);
    }
    // Column blocks of 8, split evenly (the copying is done before the workers start).
    const ranges = split(Nr / 8, n, 1).map(([lo, hi]) => [lo * 8, (hi - lo) * 8] as [number, number]);
    pool.start(GEMM, [Mr, Nr, K, aAt * 4, 0, bAt * 4, 0, 0, tAt * 4, cAt * 4, 0, 0, Nr * 4], ranges);
    try {
      const [col, cols] = ranges[0]!;
      if (cols > 0) ex.gemm_nn_f32(Mr, cols, K, aAt * 4, (bAt + col) * 4, tAt * 4, (cAt + col) * 4, Nr * 4, 0);
    } catch (e) {
      pool.finish(true);
      throw e;
    }
    pool.finish();
    for (let m = 0; m < M; m++) c.set(f.subarray(cAt + m * Nr, cAt + m * Nr + N), cOff + m * N);
  }

  return { gemm, conv1dForward, conv1dBackwardInput, conv1dBackwardWeight };
}
