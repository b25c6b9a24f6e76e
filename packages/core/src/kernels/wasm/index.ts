import { registerBackend, registerKernel, selectDefaultBackend } from '../backend.js';
import { Arena, type WasmExports } from './arena.js';
import { makeWasmKernels, WASM_MIN_WORK, type WasmKernels } from './kernels.js';
import { WASM_BASE64, WASM_SHARED_BASE64 } from './module.generated.js';
import { checkThreadCount, makeThreadedKernels, Pool, WORKER_SOURCE, workerThreadsSpecifier, type WorkerLike } from './threads.js';

/*
 * Loads kernels.wat's module, registers the 'wasm' backend and makes it the default (unless
 * the user has already called setBackend). Importing this file tries a synchronous load:
 * Node allows it, and so do browsers for a module this small (Chromium refuses synchronous
 * compilation on the main thread above 4 KB in older versions, 8 MB in newer ones; workers
 * never). Where it is refused the module is compiled asynchronously and becomes the default
 * once it is ready, so the first ops may run on 'js' (results differ only in rounding);
 * `await initWasm()` waits for it. Without WebAssembly SIMD compilation fails, nothing is
 * registered, and 'js' stays the only backend.
 *
 * The registered kernels never change; each calls `impl`: the single-threaded kernels on their
 * own ordinary memory, or, after enableThreads(), the threaded ones (threads.ts) on a shared
 * memory. They are registered for float32 and float64 from WASM_MIN_WORK multiply-adds up; the
 * registry's dispatcher sends every other call (and every other kernel) to 'js'. Worker threads
 * exist only after an explicit `await enableThreads()`: importing Kindling starts no thread and
 * touches no Node built-in.
 */

let loaded = false;
let arena: Arena | null = null;
let single: WasmKernels | null = null;
let impl: WasmKernels | null = null;

function bytes(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const plainImports = () => ({ env: { memory: new WebAssembly.Memory({ initial: 1 }) } });

function install(instance: WebAssembly.Instance, memory: WebAssembly.Memory): void {
  arena = new Arena(instance.exports as unknown as WasmExports, memory);
  single = impl = makeWasmKernels(arena);
  const config = { dtypes: ['float32', 'float64'] as const, minWork: WASM_MIN_WORK };
  const k: WasmKernels = {
    gemm: (...args) => impl!.gemm(...args),
    conv1dForward: (x, w, bias, y, g) => impl!.conv1dForward(x, w, bias, y, g),
    conv1dBackwardInput: (gy, w, gx, g) => impl!.conv1dBackwardInput(gy, w, gx, g),
    conv1dBackwardWeight: (gy, x, gw, g) => impl!.conv1dBackwardWeight(gy, x, gw, g),
  };
  for (const name of Object.keys(k) as (keyof WasmKernels)[]) registerKernel(name, 'wasm', k[name], config);
  registerBackend('wasm');
  loaded = true;
  selectDefaultBackend('wasm');
}

function loadSync(): void {
  if (typeof WebAssembly !== 'object') return;
  try {
    const imports = plainImports();
    install(new WebAssembly.Instance(new WebAssembly.Module(bytes(WASM_BASE64) as BufferSource), imports), imports.env.memory);
  } catch {
    // Synchronous compilation refused (or no SIMD, and then this fails too): load it in the
    // background; install() selects it unless the user has chosen a backend meanwhile.
    void initWasm();
  }
}

/**
 * Whether the 'wasm' backend is loaded and registered (so setBackend('wasm') works).
 *
 * @category Backends and storage
 */
export function wasmAvailable(): boolean {
  return loaded;
}

/**
 * Loads the 'wasm' backend if it is not loaded yet (importing Kindling already starts it, and
 * it becomes the default backend unless {@link setBackend} was called); resolves to whether it
 * is available. Only needed where synchronous WebAssembly compilation is refused, to wait
 * until 'wasm' is in use.
 *
 * @category Backends and storage
 */
export function initWasm(): Promise<boolean> {
  if (loaded) return Promise.resolve(true);
  // One load at a time: the background load started on import and a caller's share it.
  loading ??= loadAsync();
  return loading;
}

let loading: Promise<boolean> | null = null;

async function loadAsync(): Promise<boolean> {
  try {
    if (typeof WebAssembly !== 'object') return false;
    const module = await WebAssembly.compile(bytes(WASM_BASE64) as BufferSource);
    const imports = plainImports();
    if (!loaded) install(await WebAssembly.instantiate(module, imports), imports.env.memory);
    return true;
  } catch {
    return false;
  }
}

/** Bytes of the single-threaded module's memory (for tests that check repeated calls do not grow it). */
export function wasmMemoryBytes(): number {
  return arena?.bytes ?? 0;
}

// ---- threads ---------------------------------------------------------------------------------

let pool: Pool | null = null;
let queue: Promise<unknown> = Promise.resolve();

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

type WorkerThreads = typeof import('node:worker_threads');

/**
 * Node's worker_threads, or null where there is none. The specifier is built at run time
 * (workerThreadsSpecifier) so that no bundler or minifier can see it, and the comments tell
 * Vite and webpack not to try resolving the import either.
 */
async function workerThreads(): Promise<WorkerThreads | null> {
  const isNode = typeof process === 'object' && typeof process.versions?.node === 'string';
  if (!isNode) return null;
  try {
    const specifier = workerThreadsSpecifier();
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as WorkerThreads;
  } catch {
    return null;
  }
}

async function spawn(wt: WorkerThreads, index: number, module: WebAssembly.Module, memory: WebAssembly.Memory, ctl: Int32Array): Promise<WorkerLike> {
  const worker = new wt.Worker(WORKER_SOURCE, { eval: true, name: `kindling-wasm-${index + 1}` });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`kindling: wasm worker exited during startup (code ${code})`)));
      worker.postMessage({ module, memory, ctl: ctl.buffer, index });
    });
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.removeAllListeners();
  worker.on('error', () => stopThreads()); // should not happen: the worker catches its own errors
  worker.unref(); // an idle worker (blocked in Atomics.wait) must not keep the process alive
  return worker;
}

/**
 * A pool set aside by enableThreads(1): its workers stay alive (idle in Atomics.wait) so that
 * going back to the same thread count is instant and runs code V8 has already optimised;
 * a freshly spawned worker starts on baseline-compiled WebAssembly.
 */
let parked: { pool: Pool; impl: WasmKernels } | null = null;

/** Drops the pool at once (calls go single-threaded) and terminates its workers, parked ones included. */
function stopThreads(): Promise<void> {
  const pools = [pool, parked?.pool].filter((p): p is Pool => p !== null && p !== undefined);
  pool = null;
  parked = null;
  impl = single;
  for (const p of pools) p.quit();
  return Promise.all(pools.flatMap((p) => p.workers.map((w) => w.terminate()))).then(() => undefined);
}

async function startThreads(n: number): Promise<number> {
  checkThreadCount(n, 'enableThreads');
  if (pool?.size === n) return n;
  if (n === 1 && pool) {
    parked = { pool, impl: impl! };
    pool = null;
    impl = single;
    return 1;
  }
  if (parked && parked.pool.size === n) {
    ({ pool, impl } = parked);
    parked = null;
    return n;
  }
  const started = n === 1 ? null : await newPool(n);
  await stopThreads();
  if (!started) return 1;
  pool = started.pool;
  impl = started.impl;
  return n;
}

/**
 * Starts a complete pool of n threads without touching the current one, so that a failed
 * start leaves the threads in use as they were; null where threads are unavailable here.
 */
async function newPool(n: number): Promise<{ pool: Pool; impl: WasmKernels } | null> {
  if (!(await initWasm()) || !canBlock()) return null;
  const wt = await workerThreads();
  if (!wt) return null;
  let module: WebAssembly.Module;
  let memory: WebAssembly.Memory;
  let instance: WebAssembly.Instance;
  try {
    module = await WebAssembly.compile(bytes(WASM_SHARED_BASE64) as BufferSource);
    memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    instance = await WebAssembly.instantiate(module, { env: { memory } });
  } catch {
    return null; // no WebAssembly threads (shared memory) here
  }
  const sharedArena = new Arena(instance.exports as unknown as WasmExports, memory);
  const next = new Pool(n, () => void stopThreads());
  try {
    for (let i = 0; i < n - 1; i++) next.add(await spawn(wt, i, module, memory, next.ctl));
  } catch (e) {
    await Promise.all(next.workers.map((w) => w.terminate()));
    throw e;
  }
  return { pool: next, impl: makeThreadedKernels(sharedArena, next) };
}

/**
 * Lets the 'wasm' backend's float32 conv1d kernels (forward, backward input, backward weight)
 * and gemm use `n` threads: the calling thread plus `n - 1` worker threads that share the
 * module's memory. Calls too small to gain (under about 4 MFLOP) stay on the calling thread;
 * results are bit-identical to the single-threaded kernels either way.
 *
 * Off by default. Threads need node:worker_threads, SharedArrayBuffer, shared WebAssembly
 * memory, and a calling thread that may block in `Atomics.wait` (ops are synchronous, so the
 * caller waits for its workers): Node (main thread or a worker), not a browser's main thread.
 * Where any is missing this resolves to 1 and nothing changes. The workers do not keep the
 * process alive; `disableThreads()` ends them. Calling again with another `n` replaces them.
 *
 * @param n threads in all, the calling thread included (default 2): an integer from 1 to
 *   64; anything else rejects, leaving the threads in use as they were
 * @returns the number of threads now in use (1 where threads are unavailable)
 * @example
 * ```ts
 * import { enableThreads, disableThreads, setBackend } from '@kindling/core';
 * setBackend('wasm');
 * const threads = await enableThreads(2); // 2 in Node, 1 where threads are unavailable
 * // ... train as usual: big float32 conv1d / matmul calls now use both threads
 * await disableThreads();
 * ```
 *
 * @category Backends and storage
 */
export function enableThreads(n = 2): Promise<number> {
  const run = queue.then(() => startThreads(n));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Ends the worker threads started by enableThreads(); once it resolves the kernels are single-threaded again.
 *
 * @category Backends and storage
 */
export function disableThreads(): Promise<void> {
  const run = queue.then(() => stopThreads());
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Threads the 'wasm' backend's big float32 kernels use now: 1 unless enableThreads() started workers.
 *
 * @category Backends and storage
 */
export function getThreads(): number {
  return pool?.size ?? 1;
}

/** For tests: items (batch elements, panel ranges, column ranges) computed by worker threads so far. */
export function workerItems(): number {
  return pool?.worked ?? 0;
}

loadSync();
