import type { DType, Storage } from '../storage/dtype.js';
import type { TensorData } from '../storage/tensor-data.js';
import { checkOptions, describeValue } from '../util/options.js';
import type { Conv1dGeometry, FusedKernels, KernelName, Kernels } from './kernels.js';
import { jsFusedKernels, jsKernels } from './js/index.js';

/*
 * The kernel registry, as tfjs-core's: an implementation is registered per (kernel name,
 * backend name), and every call goes through a dispatcher that picks the active backend's
 * implementation when it has one that accepts the call, else the 'js' reference. Whether an
 * implementation accepts a call is decided here, in one place, from what it declared when it
 * registered: the dtypes it computes and the least work worth sending to it (below that the
 * copies into WebAssembly memory cost more than the SIMD saves). Ops call `kernels.*` and
 * never learn which backend ran.
 */

/**
 * How an implementation restricts the calls it gets; calls it does not take run the 'js' kernel.
 *
 * @category Backends and storage
 */
export interface KernelConfig {
  /** The dtypes it computes (default both). A call whose buffers mix dtypes always runs 'js'. */
  dtypes?: readonly DType[];
  /**
   * The least work (the kernel's own measure: multiply-adds for gemm and conv1d, elements
   * for the rest, or whatever a custom kernel's caller passes to {@link getKernel}) worth
   * sending to this implementation (default 0).
   */
  minWork?: number;
}

/**
 * Any kernel function: kernels write into buffers the caller allocated and return nothing useful.
 *
 * @category Backends and storage
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelFunction = (...args: any[]) => unknown;

interface Entry {
  readonly fn: KernelFunction;
  readonly f32: boolean;
  readonly f64: boolean;
  readonly minWork: number;
}

/** All implementations of one kernel, and the one the active backend resolves to. */
interface Slot {
  readonly byBackend: Map<string, Entry>;
  active: Entry | null; // the active backend's entry; null when that is 'js' or it has none
  js: Entry | null;
}

const slots = new Map<string, Slot>();
const backends = new Set<string>(['js']);
let current = 'js';
let chosen = false;
/** Tests set this to 0 so that even the smallest call runs the non-reference implementations. */
let minWorkOverride: number | null = null;

function slotOf(name: string): Slot {
  let s = slots.get(name);
  if (!s) {
    s = { byBackend: new Map(), active: null, js: null };
    slots.set(name, s);
  }
  return s;
}

function resolve(s: Slot): void {
  s.js = s.byBackend.get('js') ?? null;
  // Stryker disable next-line ConditionalExpression,StringLiteral: with 'js' active its own entry would resolve to the same function; null only skips the checks
  s.active = current === 'js' ? null : s.byBackend.get(current) ?? null;
}

function who(fn: string, what: string, v: unknown): string {
  return `${fn}: ${what} must be a non-empty string, got ${describeValue(v)}`;
}

/**
 * Registers one kernel implementation for one backend (replacing an earlier one for the same
 * pair). The backend need not be registered yet: its kernels wait until it is. Built-in kernel
 * names are those of {@link Kernels} (`gemm`, `conv1dForward`, ...); any other name is a custom
 * kernel that an op fetches with {@link getKernel}. Every kernel should have a `'js'`
 * implementation: calls another backend does not take (by dtype or size, see
 * {@link KernelConfig}) run it.
 *
 * @param name the kernel's name
 * @param backend the backend it belongs to (`'js'`, `'wasm'`, or one named by {@link registerBackend})
 * @param fn the implementation; it writes into output buffers its caller allocated
 * @param config the dtypes it computes and the least work worth sending to it
 * @example
 * ```ts
 * import { getKernel, registerKernel, type Storage } from '@kindling/core';
 * // out = x * x * x, on every backend; the 'js' version is the reference and the fallback
 * registerKernel('cube', 'js', (x: Storage, out: Storage) => { for (let i = 0; i < x.length; i++) out[i] = x[i]! ** 3; });
 * const cube = getKernel<(x: Storage, out: Storage) => void>('cube', 'float64');
 * const out = new Float64Array(2);
 * cube(Float64Array.of(2, 3), out); // out = [8, 27]
 * ```
 *
 * @category Backends and storage
 */
export function registerKernel(name: string, backend: string, fn: KernelFunction, config: KernelConfig = {}): void {
  if (typeof name !== 'string' || name === '') throw new Error(who('registerKernel', 'the kernel name', name));
  if (typeof backend !== 'string' || backend === '') throw new Error(who('registerKernel', 'the backend name', backend));
  if (typeof fn !== 'function') throw new Error(`registerKernel: the implementation of '${name}' for '${backend}' must be a function, got ${describeValue(fn)}`);
  checkOptions('registerKernel', config, ['dtypes', 'minWork']);
  const dtypes = config.dtypes ?? ['float32', 'float64'];
  if (!Array.isArray(dtypes) || dtypes.some((d) => d !== 'float32' && d !== 'float64')) {
    throw new Error(`registerKernel: dtypes of '${name}' must be an array of 'float32' / 'float64', got ${describeValue(dtypes)}`);
  }
  const minWork = config.minWork ?? 0;
  if (typeof minWork !== 'number' || !(minWork >= 0)) throw new Error(`registerKernel: minWork of '${name}' must be a number >= 0, got ${describeValue(minWork)}`);
  const s = slotOf(name);
  s.byBackend.set(backend, { fn, f32: dtypes.includes('float32'), f64: dtypes.includes('float64'), minWork });
  resolve(s);
}

/**
 * Makes a backend selectable by {@link setBackend}. Given a name, the backend starts with no
 * kernels of its own (every call runs 'js' until it registers some with
 * {@link registerKernel}); given a {@link Kernels} table, each of its kernels is registered
 * for `k.name` as well, accepting every call.
 *
 * @example
 * ```ts
 * import { getBackend, jsKernels, registerBackend, registerKernel, setBackend } from '@kindling/core';
 * registerBackend('traced');
 * registerKernel('gemm', 'traced', (...args: Parameters<typeof jsKernels.gemm>) => jsKernels.gemm(...args));
 * setBackend('traced'); // matmul now runs the 'traced' gemm; every other kernel runs 'js'
 * setBackend('js');
 * ```
 *
 * @category Backends and storage
 */
export function registerBackend(k: Kernels | (Kernels & Partial<FusedKernels>) | string): void {
  const name = typeof k === 'string' ? k : k?.name;
  if (typeof name !== 'string' || name === '') throw new Error(who('registerBackend', 'the backend name', name));
  backends.add(name);
  // Stryker disable next-line ConditionalExpression: a string has no kernel-named properties, so the loop would register nothing for it
  if (typeof k === 'object') {
    for (const kernel of KERNEL_NAMES) {
      const fn = (k as Partial<Record<KernelName, KernelFunction>>)[kernel];
      if (typeof fn === 'function') registerKernel(kernel, name, fn.bind(k));
    }
  }
  for (const s of slots.values()) resolve(s);
}

/**
 * Selects the backend every op uses from now on: `'js'` (the readable reference) or `'wasm'`
 * (the default wherever WebAssembly SIMD loads, see {@link wasmAvailable}). Kernels a
 * backend lacks, and calls it does not take, run the 'js' kernels. Throws for an unknown name.
 *
 * @example
 * ```ts
 * import { getBackend, setBackend } from '@kindling/core';
 * setBackend('js'); // the reference kernels
 * console.log(getBackend()); // 'js'
 * ```
 *
 * @category Backends and storage
 */
export function setBackend(name: string): void {
  if (!backends.has(name)) {
    throw new Error(`setBackend: unknown backend ${typeof name === 'string' ? `'${name}'` : describeValue(name)} (available: ${[...backends].join(', ')})`);
  }
  chosen = true;
  select(name);
}

/** Switches without recording a user's choice (the default backend selecting itself once it has loaded). */
export function selectDefaultBackend(name: string): void {
  if (!chosen && backends.has(name)) select(name);
}

function select(name: string): void {
  current = name;
  for (const s of slots.values()) resolve(s);
}

/**
 * The name of the backend in use: `'wasm'` wherever it loads, else `'js'`.
 *
 * @category Backends and storage
 */
export function getBackend(): string {
  return current;
}

/** For tests: every implementation takes every call however small (0), or the registered minimums again (null). */
export function setMinWorkOverride(n: number | null): void {
  minWorkOverride = n;
}

const F32 = 1;
const F64 = 2;
const code = (s: Storage): number => (s instanceof Float32Array ? F32 : F64);
// The two checks every call goes through (built-in kernels via the dispatcher, custom ones via
// getKernel): enough work for the implementation, and a dtype it computes.
const bigEnough = (e: Entry, work: number): boolean => work >= (minWorkOverride ?? e.minWork);
const takesDtype = (e: Entry, dtype: number): boolean => (dtype === F32 ? e.f32 : e.f64);

function accepts(e: Entry, dtype: number, work: number): boolean {
  return bigEnough(e, work) && takesDtype(e, dtype);
}

function missing(name: string, backend: string): never {
  throw new Error(`kindling: no kernel '${name}' for backend '${backend}' and no 'js' kernel to fall back to; register one with registerKernel('${name}', 'js', fn)`);
}

/** The implementation for one call: the slot's active entry if it takes the call, else 'js'. */
function pick(s: Slot, name: string, dtype: number, work: number): KernelFunction {
  const e = s.active;
  if (e !== null && accepts(e, dtype, work)) return e.fn;
  return (s.js ?? missing(name, current)).fn;
}

/**
 * The implementation of kernel `name` that a call of this dtype and work runs on the active
 * backend: its own if it registered one that takes the call, else the 'js' one. Custom ops
 * call this in their forward/backward (cheap: one map lookup); built-in ops use the same rule.
 *
 * @param name a kernel registered with {@link registerKernel}
 * @param dtype the dtype of the call's buffers
 * @param work the call's size in the measure the implementations' `minWork` uses (default:
 *   large enough for any)
 * @example
 * ```ts
 * import { getKernel, registerKernel, type Storage } from '@kindling/core';
 * registerKernel('twice', 'js', (x: Storage, out: Storage) => { for (let i = 0; i < x.length; i++) out[i] = 2 * x[i]!; });
 * const out = new Float32Array(3);
 * getKernel<(x: Storage, out: Storage) => void>('twice', 'float32', 3)(Float32Array.of(1, 2, 3), out); // [2, 4, 6]
 * ```
 *
 * @category Backends and storage
 */
export function getKernel<F extends KernelFunction>(name: string, dtype: DType, work = Infinity): F {
  const s = slots.get(name);
  if (!s) throw new Error(`getKernel: no kernel named ${typeof name === 'string' ? `'${name}'` : describeValue(name)} is registered (registerKernel(name, 'js', fn) first)`);
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`getKernel: dtype must be 'float32' or 'float64', got ${describeValue(dtype)}`);
  return pick(s, name, dtype === 'float32' ? F32 : F64, work) as F;
}

/** The built-in kernels (the names of {@link Kernels} and {@link FusedKernels}). */
export const KERNEL_NAMES: readonly KernelName[] = [
  'unary', 'binary', 'reduce', 'gemm', 'conv1dForward', 'conv1dBackwardInput', 'conv1dBackwardWeight', 'conv1dBackwardBias',
  'mseForward', 'mseBackward', 'mseForwardGrad', 'copy', 'accumulate', 'sgdUpdate', 'adamUpdate',
];

const reference = { ...jsKernels, ...jsFusedKernels } as unknown as Record<KernelName, KernelFunction>;
for (const name of KERNEL_NAMES) registerKernel(name, 'js', reference[name]);

const convWork = (g: Conv1dGeometry): number => g.batch * g.outChannels * g.outLength * (g.inChannels / g.groups) * g.kernelSize;

/**
 * A dispatcher over the registry: each method picks, per call, the implementation that
 * `backend()` resolves to (the slot's cached entry for the active backend, or a fixed
 * backend's for {@link kernelsOf}).
 */
function dispatcher(fixed: string | null): Kernels & FusedKernels {
  const S = Object.fromEntries(KERNEL_NAMES.map((n) => [n, slotOf(n)])) as Record<KernelName, Slot>;
  /**
   * The implementation for one call. The call's dtype (every buffer's; c and d may be null
   * and are then skipped, a and b never are: every kernel has at least two buffers) is read
   * only when the backend has its own kernel and the call is big enough for it: most calls of
   * a small model cost one field read and one comparison here.
   */
  const use = (s: Slot, work: number, a: Storage, b: Storage, c: Storage | null, d: Storage | null): KernelFunction => {
    const e = fixed === null ? s.active : s.byBackend.get(fixed) ?? null;
    if (e !== null && bigEnough(e, work)) {
      const k = code(a);
      if (code(b) === k && (c === null || code(c) === k) && (d === null || code(d) === k) && takesDtype(e, k)) return e.fn;
    }
    // Never null here: every built-in kernel has a 'js' entry (registered above; registerKernel
    // can replace it with another function, never remove it).
    return s.js!.fn;
  };
  const { unary, binary, reduce, gemm, conv1dForward: cf, conv1dBackwardInput: ci, conv1dBackwardWeight: cw, conv1dBackwardBias: cb } = S;
  const { mseForward: mf, mseBackward: mb, mseForwardGrad: mfg, copy, accumulate: acc, sgdUpdate: sgd, adamUpdate: adam } = S;
  return {
    get name() {
      return fixed ?? current;
    },
    unary: (op, x: TensorData, out, param) => void use(unary, out.length, out, x.storage, null, null)(op, x, out, param),
    binary: (op, a, b, out) => void use(binary, out.length, out, a.storage, b.storage, null)(op, a, b, out),
    reduce: (op, x, reduced, out) => void use(reduce, x.size, out, x.storage, null, null)(op, x, reduced, out),
    gemm: (M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff) =>
      void use(gemm, M * N * K, c, a, b, null)(M, N, K, a, aOff, aRow, aCol, b, bOff, bRow, bCol, c, cOff),
    conv1dForward: (x, w, bias, y, g) => void use(cf, convWork(g), y, x, w, bias)(x, w, bias, y, g),
    conv1dBackwardInput: (gy, w, gx, g) => void use(ci, convWork(g), gx, gy, w, null)(gy, w, gx, g),
    conv1dBackwardWeight: (gy, x, gw, g) => void use(cw, convWork(g), gw, gy, x, null)(gy, x, gw, g),
    conv1dBackwardBias: (gy, gb, g) => void use(cb, gy.length, gb, gy, null, null)(gy, gb, g),
    mseForward: (p, t, n, reduction, out) => void use(mf, n, out, p, t, null)(p, t, n, reduction, out),
    mseBackward: (p, t, g, scale, n, out) => void use(mb, n, out, p, t, g)(p, t, g, scale, n, out),
    mseForwardGrad: (p, t, n, reduction, out, scale, grad) => void use(mfg, n, grad, p, t, out)(p, t, n, reduction, out, scale, grad),
    copy: (x, out) => void use(copy, out.length, out, x.storage, null, null)(x, out),
    accumulate: (dst, src, srcOffset, n) => void use(acc, n, dst, src, null, null)(dst, src, srcOffset, n),
    sgdUpdate: (p, po, g, go, n, buf, first, h) => void use(sgd, n, p, g, buf, null)(p, po, g, go, n, buf, first, h),
    adamUpdate: (p, po, g, go, n, m, v, vmax, h) => void use(adam, n, p, g, m, v)(p, po, g, go, n, m, v, vmax, h),
  };
}

/** The kernels every op calls: each call runs on the active backend where it takes the call, else on 'js'. */
export const kernels: Kernels & FusedKernels = dispatcher(null);

/** The built-in kernels as one backend runs them, whichever is active (for tests and benchmarks that compare backends). */
export function kernelsOf(backend: string): Kernels & FusedKernels {
  if (!backends.has(backend)) throw new Error(`kernelsOf: unknown backend '${String(backend)}' (available: ${[...backends].join(', ')})`);
  return dispatcher(backend);
}
