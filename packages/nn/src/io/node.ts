/**
 * Node-only helpers: read and write `.safetensors` files. The main `@kindling/nn` entry uses no
 * Node built-in, so that it runs in browsers.
 *
 * @example
 * ```ts
 * import { Linear } from '@kindling/nn';
 * import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const file = join(tmpdir(), 'kindling-linear.safetensors');
 * const model = new Linear(2, 1, { seed: 0 });
 * saveSafetensorsFile(file, model.stateDict());
 * model.loadStateDict(loadSafetensorsFile(file));
 * ```
 *
 * @module @kindling/nn/node
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Tensor } from '@kindling/core';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/**
 * Node-only helpers (import from '@kindling/nn/node'): the main entry uses no Node built-ins so
 * it runs in browsers. The file is written in one call, so a reader never sees half of it
 * unless the process dies mid-write.
 */
export function saveSafetensorsFile(path: string, stateDict: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileSync(path, saveSafetensors(stateDict, metadata));
}

/** Reads and validates a .safetensors file (untrusted input: all or nothing). */
export function loadSafetensorsFile(path: string): Record<string, Tensor> {
  const buf = readFileSync(path);
  return loadSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}
