import { Arena, type WasmExports } from './arena.js';
import {
  KINDS, P32, P64, planConvBackwardInput, planConvBackwardWeight, planConvForward, planGemm, runSerial, shareUnits,
  type Plan, type WasmKernels,
} from './kernels.js';
import { moduleBytes } from './binary.js';
import { accumulateChunks, computeShare, JOB_FIELDS, readJob, workerMain, type Consts, type Job, type WorkerInit } from './worker.js';

/*
 * Threads for the 'wasm' kernels: the calling thread and n-1 workers run kernels.wat's
 * micro-kernels on one shared WebAssembly.Memory. Kindling's ops are synchronous, so the
 * calling thread waits for its workers (Atomics.wait where it may block, a spin on a
 * browser's main thread).
 *
 * On by default where the platform allows: Node (worker_threads) and browsers that are
 * cross-origin isolated (Web Workers on a SharedArrayBuffer). Nothing starts on import: the
 * first call big enough to use threads starts the workers without waiting for them (that
 * call, and any until they are up, run on the calling thread alone), and the workers never
 * keep a Node process alive.
 *
 * Every kernel call is a Plan (kernels.ts): a Job that worker.ts's computeShare splits along
 * outputs that do not overlap, so results are bit-identical to the single-threaded path,
 * which runs the same plans (runSerial). Only the calling thread can see the caller's
 * (unshared) tensors, so it does all copying in and out; the workers only compute:
 *  - ITEMS (conv1d forward / backward input): one item per batch element. The calling thread
 *    copies the items in, publishing each (READY), then all claim items from a shared counter
 *    (NEXT), and the calling thread copies each finished item out (per-item flags) between its
 *    own items: dynamic, so the copying balances itself.
 *  - ACCUMULATE (conv1d backward weight): item by item as the calling thread publishes them,
 *    every thread claims chunks of C's columns (worker.ts's accumulateChunks), each added once
 *    the same chunk of the item before is: dynamic, with every column summed over the batch in
 *    order. (Static column ranges, the calling thread's 0.8 of a share, left one thread idle
 *    whenever the vCPUs ran at different speeds: the slowest of the three conv kernels.)
 *  - COLUMNS (gemm): after the calling thread has packed A and B, every thread claims chunks
 *    of columns from a shared counter (NEXT) until none are left: dynamic, so a thread that
 *    starts late or runs slower (the vCPUs here switch speed) takes fewer.
 * The protocol is a small Int32Array on a SharedArrayBuffer: the slots below, the Job's fields
 * (worker.ts's JOB_FIELDS), and per-worker ACK and STARTED slots.
 */

/** Threads in all, the calling thread included: the control block has one ACK and one STARTED slot per worker. */
export const MAX_THREADS = 64;
const MAX_WORKERS = MAX_THREADS - 1;

// Control block slots. Each per-worker region's offset is derived from the cap, so that no
// worker index the Pool accepts can reach into the next region.
const SEQ = 0; // job number; workers wait on it
const READY = 1; // items the calling thread has copied in
const NEXT = 2; // next unclaimed item (ITEMS)
const ERR = 3; // set by a worker that threw
const ABORT = 4; // set by the calling thread when it threw mid-job
const WORKED = 5; // items (or chunks of columns) computed by workers, for tests
const JOB = 8; // the Job, field by field
const ACK = JOB + JOB_FIELDS.length; // ACK + w: the last job worker w finished
const STARTED = ACK + MAX_WORKERS; // STARTED + w: 1 once worker w has instantiated the module
const CTL_INTS = STARTED + MAX_WORKERS;

/** Throws at load time if an edit to the slots above makes two regions of the control block overlap. */
function checkLayout(): void {
  const regions: [string, number, number][] = [
    ['scalars', SEQ, WORKED + 1],
    ['job', JOB, JOB + JOB_FIELDS.length],
    ['acks', ACK, ACK + MAX_WORKERS],
    ['started', STARTED, STARTED + MAX_WORKERS],
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

/** What worker.ts's functions are given: the job kinds, these slots, the Job's fields. */
export const CONSTS: Consts = {
  kinds: KINDS,
  slots: { SEQ, READY, NEXT, ERR, ABORT, WORKED, JOB, ACK, STARTED },
  fields: JOB_FIELDS,
};

/** Stores a job in the control block (readJob reads it back). */
function writeJob(c: Int32Array, job: Job): void {
  for (let i = 0; i < JOB_FIELDS.length; i++) c[JOB + i] = job[JOB_FIELDS[i]!];
}

/** How long a blocked thread waits for the other side before giving up (a worker died). */
const DEADLINE_MS = 60_000;

/**
 * The specifier of one of Node's built-in modules, put together at run time from its pieces.
 * Written as a literal, even one held in a variable, it is folded back into e.g.
 * `import("node:worker_threads")` by minifiers (esbuild --minify, Vite), so every browser
 * bundle of core would name a Node built-in, which bundlers try to resolve and scanners flag.
 * Joining the pieces in a function call is not a constant expression to esbuild's or Vite's
 * minifier; packaging.test.ts checks a minified browser bundle for the names.
 */
export function workerThreadsSpecifier(): string {
  return joinParts('node', ':', 'worker', '_', 'threads');
}

function osSpecifier(): string {
  return joinParts('node', ':', 'o', 's');
}

function joinParts(...parts: string[]): string {
  return parts.join('');
}

/**
 * The workers' program: worker.ts's functions, serialised (they are self-contained), called
 * with what the worker is given: in Node through workerData, in a browser by its first message.
 */
export function workerSource(platform: 'node' | 'browser'): string {
  // esbuild's keepNames helper: a loader or bundler (tsx, vitest) may have put __name(...)
  // calls inside the functions, which the worker's global scope must then provide.
  const prelude = "'use strict';\nvar __name = (f) => f;\n";
  const run = (init: string) =>
    `(${workerMain.toString()})(${init}, ${JSON.stringify(CONSTS)}, ${computeShare.toString()}, ${readJob.toString()}, ${accumulateChunks.toString()});`;
  if (platform === 'node') return `${prelude}const { workerData } = require(${JSON.stringify(workerThreadsSpecifier())});\n${run('workerData')}\n`;
  return `${prelude}self.onmessage = (e) => { ${run('e.data')} };\n`;
}

/** What the pool needs of a worker (node:worker_threads' Worker and a Web Worker both fit). */
export interface WorkerLike {
  terminate(): unknown;
}

/** Whether this thread may block in Atomics.wait (Node's main thread and workers: yes; a browser's main thread: no). */
function canBlock(): boolean {
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // 'not-equal' where allowed, TypeError where not
    return true;
  } catch {
    return false;
  }
}

/** The calling thread's side of the control block. */
export class Pool {
  readonly ctl = new Int32Array(new SharedArrayBuffer(CTL_INTS * 4));
  readonly workers: WorkerLike[] = [];
  private seq = 0;
  private broken = false;
  private readonly blocks = canBlock();

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

  /** Threads in all, the calling thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Items computed by workers so far (tests check the workers took part). */
  get worked(): number {
    return Atomics.load(this.ctl, WORKED);
  }

  /** Whether every worker has instantiated the module and waits for jobs (read without the event loop). */
  get started(): boolean {
    if (this.workers.length !== this.threads - 1 || this.broken) return false;
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(this.ctl, STARTED + w) !== 1) return false;
    return true;
  }

  /** Starts a job. */
  start(job: Job): void {
    if (this.broken) throw new Error('kindling: the worker threads stopped responding; call setNumThreads(1)');
    // Plans size their item ring and chunks for `size` threads: refuse a job while workers are missing.
    if (this.workers.length !== this.threads - 1) throw new Error(`kindling: Pool: ${this.workers.length} of ${this.threads - 1} workers added`);
    const c = this.ctl;
    c[READY] = 0;
    c[NEXT] = 0;
    c[ERR] = 0;
    c[ABORT] = 0;
    writeJob(c, job);
    Atomics.store(c, SEQ, ++this.seq);
    Atomics.notify(c, SEQ);
  }

  /** Whether a worker failed in the current job. */
  get failed(): boolean {
    return Atomics.load(this.ctl, ERR) !== 0;
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

  /** Blocks (or spins, where this thread may not block) until view[index] != value. */
  waitWhile(view: Int32Array, index: number, value: number, failed = () => this.ctl[ERR] !== 0): void {
    const t0 = performance.now();
    for (let spins = 0; Atomics.load(view, index) === value; spins++) {
      if (failed()) return; // finish() reports it
      if (this.blocks) Atomics.wait(view, index, value, 100);
      else if ((spins & 0xfff) !== 0) continue;
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
      const ack = Atomics.load(this.ctl, ACK + w);
      if (ack !== this.seq) this.waitWhile(this.ctl, ACK + w, ack, () => false);
      if (Atomics.load(this.ctl, ACK + w) !== this.seq) w--; // it finished an older job: wait again
    }
    if (this.ctl[ERR] && !aborted) throw workerFailed();
  }

  private fail(): never {
    this.broken = true;
    this.onBroken();
    throw new Error(`kindling: a wasm worker thread did not answer within ${DEADLINE_MS / 1000} s; threads are disabled`);
  }

  /** Asks the workers to leave their loops (they are terminated by the caller). */
  quit(): void {
    this.broken = true;
    this.ctl[JOB] = KINDS.QUIT;
    Atomics.store(this.ctl, SEQ, ++this.seq);
    Atomics.notify(this.ctl, SEQ);
  }
}

const workerFailed = (): Error => new Error('kindling: a wasm worker thread failed');

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

/** Claims per thread a COLUMNS job (or an ACCUMULATE job's item) is cut into: enough for a slow or late thread to take fewer, few enough that a claim stays cheap. */
const CLAIMS_PER_THREAD = 4;

/** Columns per claim of a COLUMNS job or of an ACCUMULATE job's item: whole pairs of column blocks (64 bytes, so that where C's rows start on a cache line, two threads' chunks never share one). */
export function columnChunk(N: number, nr: number, threads: number): number {
  const blocks = N / nr;
  return 2 * Math.max(1, Math.ceil(blocks / (2 * threads * CLAIMS_PER_THREAD))) * nr;
}

const nrOf = (job: Job): number => (job.f64 ? P64.nr : P32.nr);

/** Runs a plan on the pool's threads (the plan is laid out in `arena`, the shared memory). */
export function runThreaded(pool: Pool, arena: Arena, plan: Plan): void {
  const { job } = plan;
  const ex = arena.exports;
  const mine = (item: number, lo: number, hi: number) => computeShare(ex, arena.memory.buffer, job, item, lo, hi, CONSTS);
  if (job.kind === KINDS.COLUMNS) {
    plan.prepare(0); // before the workers start: they read all of A and B
    const chunk = (job.chunk = columnChunk(job.N, nrOf(job), pool.size));
    pool.start(job);
    try {
      for (let k; (k = pool.claim()) * chunk < job.N; ) mine(0, k * chunk, Math.min(job.N, (k + 1) * chunk));
    } catch (e) {
      pool.finish(true);
      throw e;
    }
    pool.finish();
    plan.finish(0);
    return;
  }
  const flags = arena.i32;
  const fl = job.flags / 4;
  if (job.kind === KINDS.ITEMS) {
    const T = job.items;
    const ring = job.ring;
    pool.start(job);
    try {
      // Items [out, next) are in their slots; item i may be copied in once item i - ring, the
      // slot's previous tenant, has been copied out.
      let next = 0;
      let out = 0;
      const refill = (): void => {
        for (; next < T && next - out < ring; next++) {
          plan.prepare(next);
          pool.publish(next + 1);
        }
      };
      /** Waits for item `out` (whichever thread claimed it) and copies it out. */
      const finishOldest = (): void => {
        pool.waitWhile(flags, fl + out, 0);
        if (Atomics.load(flags, fl + out) !== 1) throw workerFailed();
        plan.finish(out++);
        refill();
      };
      refill();
      for (let i; (i = pool.claim()) < T; ) {
        // Not copied in yet (every slot is taken by an item other threads still compute):
        // items before it were all claimed, so the oldest is being computed; free its slot.
        while (i >= next) finishOldest();
        mine(i, 0, 0);
        Atomics.store(flags, fl + i, 1);
        while (out < T && Atomics.load(flags, fl + out) === 1) plan.finish(out++);
        refill();
      }
      while (out < T) finishOldest();
    } catch (e) {
      pool.finish(true);
      throw e;
    }
    pool.finish();
    return;
  }
  // ACCUMULATE: item by item, chunks of columns claimed by whichever thread is free
  job.chunk = columnChunk(job.N, nrOf(job), pool.size);
  const chunks = Math.ceil(job.N / job.chunk);
  const wait = (view: Int32Array, index: number, value: number): boolean => {
    pool.waitWhile(view, index, value);
    return !pool.failed;
  };
  pool.start(job);
  try {
    plan.prepare(0);
    pool.publish(1);
    for (let i = 0; i < job.items; i++) {
      if (i + 1 < job.items) {
        const previous = i + 1 - job.ring; // the slot's previous tenant: every chunk of it must be done
        if (previous >= 0) {
          for (let n; (n = Atomics.load(flags, fl + previous)) < chunks; ) if (!wait(flags, fl + previous, n)) throw workerFailed();
        }
        plan.prepare(i + 1); // one item ahead, so a worker never waits for the copy of the item the caller computes
        pool.publish(i + 2);
      }
      if (accumulateChunks(ex, arena.memory.buffer, job, i, CONSTS, computeShare, wait) < 0) throw workerFailed();
    }
  } catch (e) {
    pool.finish(true);
    throw e;
  }
  pool.finish();
  plan.finish(0);
}

// ---- the pool in use, started lazily --------------------------------------------------------------

interface Threads {
  pool: Pool;
  arena: Arena;
}

/** The pool of the current thread count: null until a big call starts it (it may still be starting). */
let active: Threads | null = null;
/** setNumThreads's value; null: the default (the core count where threads are available). */
let requested: number | null = null;
/** A start failed (no shared memory, no workers): no further attempt until setNumThreads. */
let unavailable = false;

type WorkerThreads = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');

const isNode = (): boolean => typeof process === 'object' && typeof process.versions?.node === 'string';

/** A Node built-in, synchronously (process.getBuiltinModule: Node 20.16+, 22.3+), or null. */
function builtin<T>(specifier: string): T | null {
  try {
    const get = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
    return typeof get === 'function' ? ((get(specifier) as T | undefined) ?? null) : null;
  } catch {
    return null;
  }
}

/** Where worker threads on shared memory can run: Node, or a cross-origin-isolated browser with Web Workers. */
function platform(): 'node' | 'browser' | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null;
  if (isNode()) return 'node';
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.Blob === 'function' && typeof g.URL?.createObjectURL === 'function' ? 'browser' : null;
}

let cores: number | null = null;

/** Logical cores: navigator.hardwareConcurrency (browsers, Node 21+), else os.availableParallelism(). */
function coreCount(): number {
  if (cores !== null) return cores;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let n = typeof nav?.hardwareConcurrency === 'number' ? nav.hardwareConcurrency : 0;
  if (!n && isNode()) {
    const os = builtin<NodeOs>(osSpecifier());
    n = os ? (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length) : 0;
  }
  cores = Math.max(1, Math.min(MAX_THREADS, n || 1));
  return cores;
}

/** setNumThreads (wasm/index.ts documents the public functions; their .d.ts must not reach this module's WebAssembly types). */
export function setThreadCount(n: number, who = 'setNumThreads'): void {
  checkThreadCount(n, who);
  requested = n;
  unavailable = false;
  if (active && active.pool.size !== n) void stopThreads();
}

/** getNumThreads. */
export function threadCount(): number {
  return requested ?? (platform() ? coreCount() : 1);
}

/** The pool for a call of `flops` if one is started (starting it if none is): null means run on the calling thread. */
function threadsFor(flops: number): Threads | null {
  if (flops < threshold) return null;
  if (active) return active.pool.started ? active : null;
  const n = threadCount();
  if (n > 1 && !unavailable) startPool(n);
  return null;
}

/** Compiles the shared-memory module, synchronously where allowed, else in the background. */
function sharedModule(): WebAssembly.Module | Promise<WebAssembly.Module> {
  const bytes = moduleBytes(true);
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    return WebAssembly.compile(bytes); // a browser's main thread refuses synchronous compilation of bigger modules
  }
}

/** Starts n - 1 workers on a new shared memory without waiting for them; `active` holds them at once. */
function startPool(n: number): void {
  const where = platform();
  if (!where) return void (unavailable = true);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  } catch {
    return void (unavailable = true); // no WebAssembly threads (shared memory) here
  }
  const module = sharedModule();
  const spawner = where === 'node' ? nodeSpawner() : browserSpawner();
  if (module instanceof Promise || spawner instanceof Promise) {
    unavailable = true; // until both are ready: calls meanwhile stay on the calling thread
    pending = Promise.all([module, spawner]).then(([m, sp]) => {
      if (sp && active === null && threadCount() === n) {
        unavailable = false;
        spawnAll(n, m, memory, sp);
      }
    }, () => undefined).finally(() => (pending = null));
    return;
  }
  if (!spawner) return void (unavailable = true);
  spawnAll(n, module, memory, spawner);
}

function spawnAll(n: number, module: WebAssembly.Module, memory: WebAssembly.Memory, spawn: Spawner): void {
  let arena: Arena;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    arena = new Arena(instance.exports as unknown as WasmExports, memory);
  } catch {
    return void (unavailable = true);
  }
  const pool = new Pool(n, () => void stopThreads());
  try {
    for (let i = 0; i < n - 1; i++) pool.add(spawn({ module, memory, ctl: pool.ctl.buffer as SharedArrayBuffer, index: i }, pool));
  } catch {
    for (const w of pool.workers) void w.terminate();
    return void (unavailable = true);
  }
  active = { pool, arena };
}

type Spawner = (init: WorkerInit, pool: Pool) => WorkerLike;

/**
 * Node's Worker, synchronously where process.getBuiltinModule exists (Node 20.16+), so that
 * the workers start even while a synchronous training loop never yields; else by a dynamic
 * import (the specifier built at run time, and the comments, keep bundlers off it).
 */
function nodeSpawner(): Spawner | null | Promise<Spawner | null> {
  const spec = workerThreadsSpecifier();
  const wt = builtin<WorkerThreads>(spec);
  if (wt) return nodeSpawnerOf(wt);
  return import(/* @vite-ignore */ /* webpackIgnore: true */ spec).then((m: WorkerThreads) => nodeSpawnerOf(m), () => null);
}

function nodeSpawnerOf(wt: WorkerThreads): Spawner {
  const source = workerSource('node');
  return (init, pool) => {
    const worker = new wt.Worker(source, { eval: true, name: `kindling-wasm-${init.index + 1}`, workerData: init });
    worker.on('error', () => pool === active?.pool && void stopThreads()); // the worker catches its own errors: should not happen
    worker.unref(); // an idle worker (blocked in Atomics.wait) must not keep the process alive
    return worker;
  };
}

function browserSpawner(): Spawner {
  const url = URL.createObjectURL(new Blob([workerSource('browser')], { type: 'text/javascript' }));
  return (init, pool) => {
    const worker = new Worker(url, { name: `kindling-wasm-${init.index + 1}` });
    worker.onerror = () => pool === active?.pool && void stopThreads();
    worker.postMessage(init);
    return worker;
  };
}

/** Drops the pool at once (calls go single-threaded) and terminates its workers. */
function stopThreads(): Promise<void> {
  const a = active;
  active = null;
  if (!a) return Promise.resolve();
  a.pool.quit();
  return Promise.all(a.pool.workers.map((w) => w.terminate())).then(() => undefined);
}

/** A start that waits for an asynchronous compile or import (see startPool). */
let pending: Promise<unknown> | null = null;

/** Waits (on the event loop) until the pool in use has started, or has gone; the threads in use then. */
async function started(): Promise<number> {
  if (pending) await pending;
  const t0 = performance.now();
  while (active && !active.pool.started && performance.now() - t0 < DEADLINE_MS) await new Promise((r) => setTimeout(r, 1));
  return threadsInUse();
}

/** enableThreads: setThreadCount(n), then starts the workers at once and resolves when they are up. */
export async function startThreads(n: number): Promise<number> {
  setThreadCount(n, 'enableThreads');
  if (n > 1) threadsFor(Infinity);
  return started();
}

/** disableThreads: one thread from now on; resolves once the workers are terminated. */
export function endThreads(): Promise<void> {
  requested = 1;
  return stopThreads();
}

/** getThreads: 1 until the workers have started. */
export function threadsInUse(): number {
  return active?.pool.started ? active.pool.size : 1;
}

/** For tests: bytes of the threads' shared memory (0 before the pool starts). */
export function sharedMemoryBytes(): number {
  return active?.arena.bytes ?? 0;
}

/** For tests: units (batch elements; chunks of columns of a weight gradient's item or of a gemm) computed by worker threads so far. */
export function workerItems(): number {
  return active?.pool.worked ?? 0;
}

/**
 * Item buffers per thread in a threaded plan: the calling thread copies items in ahead of the
 * threads that compute them, so each thread has one item in hand and one waiting. (Before,
 * every item of the batch had its own: at L, 64 items, the shared memory held x and y whole.)
 * An ACCUMULATE plan needs at least 2 in all: the caller refills the slot of item i - 1 while it
 * still has its own share of item i to compute.
 */
const RING_PER_THREAD = 2;

/**
 * The 'wasm' kernels: each call's plan runs on the pool (laid out in the shared memory) when
 * it is big enough and the pool has started, else on the calling thread in `plain` memory.
 */
export function makeKernels(plain: Arena): WasmKernels {
  /** `build(arena, ring)`: a plan whose items take `ring` buffers in turn (1 on the calling thread alone). */
  function exec(flops: number, build: (arena: Arena, ring: number) => Plan): void {
    const t = threadsFor(flops);
    if (t) {
      let plan: Plan | null = null;
      try {
        plan = build(t.arena, RING_PER_THREAD * t.pool.size);
      } catch {
        // the shared memory cannot grow that far: run on the calling thread's memory
      }
      if (plan) {
        if (shareUnits(plan.job, nrOf(plan.job)) >= 2) runThreaded(t.pool, t.arena, plan);
        else runSerial(t.arena, plan);
        return;
      }
    }
    runSerial(plain, build(plain, 1));
  }
  const convFlops = (g: { batch: number; outChannels: number; outLength: number; inChannels: number; groups: number; kernelSize: number }) =>
    2 * g.batch * g.outChannels * g.outLength * (g.inChannels / g.groups) * g.kernelSize;
  return {
    conv1dForward: (x, w, bias, y, g) => exec(convFlops(g), (a, ring) => planConvForward(a, x, w, bias, y, g, ring)),
    conv1dBackwardInput: (gy, w, gx, g) => exec(convFlops(g), (a, ring) => planConvBackwardInput(a, gy, w, gx, g, ring)),
    conv1dBackwardWeight: (gy, x, gw, g) => exec(convFlops(g), (a, ring) => planConvBackwardWeight(a, gy, x, gw, g, ring)),
    gemm: (M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff) => {
      if (M === 0 || N === 0) return;
      if (K === 0) return void c.fill(0, cOff, cOff + M * N);
      exec(2 * M * N * K, (ar) => planGemm(ar, M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff));
    },
  };
}
