import type { Kernels } from './kernels.js';
import { jsKernels } from './js/index.js';

/** The kernels every op calls. One module-level slot: switching is rare and global. */
export let kernels: Kernels = jsKernels;

const registry = new Map<string, Kernels>([['js', jsKernels]]);

/** Makes a backend selectable by name (a faster backend registers itself once it has loaded). */
export function registerBackend(k: Kernels): void {
  registry.set(k.name, k);
}

/** Selects the kernels every op uses from now on: `'js'`, or `'wasm'` once it is available (see {@link wasmAvailable}). Throws for an unknown name. */
export function setBackend(name: string): void {
  const k = registry.get(name);
  if (!k) throw new Error(`setBackend: unknown backend ${typeof name === 'string' ? `'${name}'` : String(name)} (available: ${[...registry.keys()].join(', ')})`);
  kernels = k;
}

/** The name of the backend in use (`'js'` by default). */
export function getBackend(): string {
  return kernels.name;
}
