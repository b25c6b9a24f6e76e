import { registerBackend } from '../backend.js';
import type { Kernels } from '../kernels.js';
import { Arena, type WasmExports } from './arena.js';
import { makeWasmKernels } from './kernels.js';
import { WASM_BASE64 } from './module.generated.js';

/*
 * Loads kernels.wat's module and registers the 'wasm' backend. Importing this file tries a
 * synchronous load (fine in Node, and in browsers for a module this small); initWasm() is the
 * async path for environments that refuse synchronous compilation. Without WebAssembly SIMD
 * compilation fails, nothing is registered, and 'js' stays the only backend.
 */

let loaded: Kernels | null = null;
let arena: Arena | null = null;

function bytes(): Uint8Array {
  const s = atob(WASM_BASE64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function install(instance: WebAssembly.Instance): Kernels {
  arena = new Arena(instance.exports as unknown as WasmExports);
  loaded = makeWasmKernels(arena);
  registerBackend(loaded);
  return loaded;
}

function loadSync(): void {
  try {
    if (typeof WebAssembly !== 'object') return;
    install(new WebAssembly.Instance(new WebAssembly.Module(bytes() as BufferSource), {}));
  } catch {
    // No SIMD, or synchronous compilation refused: initWasm() may still succeed.
  }
}

/** Whether the 'wasm' backend is loaded and registered (so setBackend('wasm') works). */
export function wasmAvailable(): boolean {
  return loaded !== null;
}

/** Loads the 'wasm' backend if it is not loaded yet; resolves to whether it is available. */
export async function initWasm(): Promise<boolean> {
  if (loaded) return true;
  try {
    if (typeof WebAssembly !== 'object') return false;
    const module = await WebAssembly.compile(bytes() as BufferSource);
    install(await WebAssembly.instantiate(module, {}));
    return true;
  } catch {
    return false;
  }
}

/** Bytes of the module's memory (for tests that check repeated calls do not grow it). */
export function wasmMemoryBytes(): number {
  return arena?.bytes ?? 0;
}

loadSync();
