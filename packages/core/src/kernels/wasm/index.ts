import { registerBackend, registerKernel, selectDefaultBackend } from '../backend.js';
import { Arena, type WasmExports } from './arena.js';
import { makeWasmElementwiseKernels, type WasmElementwiseKernels } from './elementwise.js';
import { makeWasmFusedKernels, WASM_FUSED_MIN_WORK, type WasmFusedKernels } from './fused.js';
import { WASM_MIN_WORK, type WasmKernels } from './kernels.js';
import { moduleBytes, relaxedSimd } from './binary.js';
import { endThreads, makeKernels, setThreadCount, startThreads, threadCount, threadsInUse } from './threads.js';

/*
 * Loads kernels.wat's module (its relaxed-SIMD build where the engine has relaxed SIMD: see
 * binary.ts), registers the 'wasm' backend and makes it the default (unless the user has
 * already called setBackend). Importing this file tries a synchronous load:
 * Node allows it, and so do browsers for a module this small (Chromium refuses synchronous
 * compilation on the main thread above 4 KB in older versions, 8 MB in newer ones; workers
 * never). Where it is refused the module is compiled asynchronously and becomes the default
 * once it is ready, so the first ops may run on 'js' (results differ only in rounding);
 * `await initWasm()` waits for it. Without WebAssembly SIMD compilation fails, nothing is
 * registered, and 'js' stays the only backend.
 *
 * The gemm and conv1d kernels (threads.ts's makeKernels) run each call on the calling thread
 * in this module's ordinary memory, or, when it is big enough and the worker threads are up, on
 * the threads in a shared memory; they are registered for float32 and float64 from
 * WASM_MIN_WORK multiply-adds up. The fused and elementwise kernels (fused.ts, elementwise.ts)
 * run on the calling thread from WASM_FUSED_MIN_WORK elements up. The registry's dispatcher
 * sends every other call (and every other kernel) to 'js'. Importing Kindling starts no thread
 * and touches no Node built-in: the workers start on the first call big enough to use them.
 */

/**
 * The dtypes each fused kernel takes. The float64 MSE forward stays on 'js': its JS loop is
 * already bound by memory bandwidth (16 bytes read per element), so copying both operands into
 * the module first made it slower (M: 1M elements, 3.5 ms in JS, 4.5 ms with the copies).
 */
const FUSED_DTYPES: Record<keyof WasmFusedKernels, readonly ('float32' | 'float64')[]> = {
  mseForward: ['float32'],
  mseBackward: ['float32', 'float64'],
  mseForwardGrad: ['float32', 'float64'],
  conv1dBackwardBias: ['float32', 'float64'],
};

let loaded = false;
let arena: Arena | null = null;

const plainImports = () => ({ env: { memory: new WebAssembly.Memory({ initial: 1 }) } });

function install(instance: WebAssembly.Instance, memory: WebAssembly.Memory): void {
  arena = new Arena(instance.exports as unknown as WasmExports, memory);
  const config = { dtypes: ['float32', 'float64'] as const, minWork: WASM_MIN_WORK };
  const k: WasmKernels = makeKernels(arena);
  for (const name of Object.keys(k) as (keyof WasmKernels)[]) registerKernel(name, 'wasm', k[name], config);
  const fused: WasmFusedKernels = makeWasmFusedKernels(arena);
  for (const name of Object.keys(fused) as (keyof WasmFusedKernels)[]) {
    registerKernel(name, 'wasm', fused[name], { dtypes: FUSED_DTYPES[name], minWork: WASM_FUSED_MIN_WORK });
  }
  const elementwise: WasmElementwiseKernels = makeWasmElementwiseKernels(arena);
  for (const name of Object.keys(elementwise) as (keyof WasmElementwiseKernels)[]) {
    registerKernel(name, 'wasm', elementwise[name], { minWork: WASM_FUSED_MIN_WORK });
  }
  registerBackend('wasm');
  loaded = true;
  selectDefaultBackend('wasm');
}

function loadSync(): void {
  if (typeof WebAssembly !== 'object') return;
  try {
    const imports = plainImports();
    install(new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(false)), imports), imports.env.memory);
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
 * Whether the 'wasm' backend runs the relaxed-SIMD build of its kernels: gemm and conv1d
 * multiply and add in one instruction (a fused multiply-add where the CPU has one; on this
 * project's machine the L training step ran 1.2x faster, M 1.1x). Chosen at load, wherever the
 * engine supports relaxed SIMD (Node 22 and later, current Chromium-based browsers; Node 20
 * only with `--experimental-wasm-relaxed-simd`).
 * A fused multiply-add rounds once where a multiply then an add rounds twice, so results differ
 * from the plain build's in the last bits; each build is deterministic on a given machine, for
 * every thread count. False while 'wasm' is not loaded.
 *
 * @example
 * ```ts
 * import { wasmRelaxedSimd } from '@kindling/core';
 * console.log(wasmRelaxedSimd()); // true on Node 22, false on Node 20 without the flag
 * ```
 *
 * @category Backends and storage
 */
export function wasmRelaxedSimd(): boolean {
  return loaded && relaxedSimd();
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
    const module = await WebAssembly.compile(moduleBytes(false));
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

// ---- threads: the public functions over threads.ts (defined here so that the published
// .d.ts of the API names no WebAssembly type: a user's tsc without DOM or Node types would fail)

/**
 * Sets the number of threads the 'wasm' backend's big kernels (gemm, conv1d; float32 and
 * float64) use: the calling thread plus `n - 1` workers, as torch.set_num_threads. The
 * default is the number of logical cores wherever threads are available: Node (worker_threads)
 * and cross-origin-isolated browsers (Web Workers on shared memory); elsewhere 1. Workers
 * start on the first call big enough to use them (about 4 MFLOP) and do not keep a Node
 * process alive. Results are bit-identical for every thread count. `setNumThreads(1)` ends the
 * workers.
 *
 * @param n threads in all, the calling thread included: an integer from 1 to 64
 * @example
 * ```ts
 * import { getNumThreads, setNumThreads } from '@kindling/core';
 * setNumThreads(2);
 * console.log(getNumThreads()); // 2
 * setNumThreads(1); // single-threaded from now on
 * ```
 *
 * @category Backends and storage
 */
export function setNumThreads(n: number): void {
  setThreadCount(n, 'setNumThreads');
}

/**
 * The number of threads the 'wasm' backend's big kernels use where threads are available:
 * the value of {@link setNumThreads}, by default the number of logical cores (1 where
 * threads are unavailable, e.g. a browser page that is not cross-origin isolated).
 *
 * @example
 * ```ts
 * import { getNumThreads } from '@kindling/core';
 * console.log(getNumThreads()); // e.g. 8 on an 8-core machine in Node
 * ```
 *
 * @category Backends and storage
 */
export function getNumThreads(): number {
  return threadCount();
}

/**
 * The old opt-in to threads, kept as an alias: {@link setNumThreads}(n), then starts the
 * workers at once instead of on the first big call, and resolves when they are up.
 *
 * @param n threads in all, the calling thread included (default 2): an integer from 1 to
 *   64; anything else rejects, leaving the threads in use as they were
 * @returns the number of threads now in use (1 where threads are unavailable)
 * @example
 * ```ts
 * import { disableThreads, enableThreads } from '@kindling/core';
 * const threads = await enableThreads(2); // 2 in Node, 1 where threads are unavailable
 * await disableThreads();
 * ```
 *
 * @category Backends and storage
 */
export function enableThreads(n = 2): Promise<number> {
  return startThreads(n);
}

/**
 * The old opt-out, kept as an alias of {@link setNumThreads}(1): ends the worker threads;
 * once it resolves they are terminated.
 *
 * @category Backends and storage
 */
export function disableThreads(): Promise<void> {
  return endThreads();
}

/**
 * Threads the 'wasm' backend's big kernels use right now: 1 until the workers have started
 * (on the first big call, or by {@link enableThreads}).
 *
 * @category Backends and storage
 */
export function getThreads(): number {
  return threadsInUse();
}


loadSync();
