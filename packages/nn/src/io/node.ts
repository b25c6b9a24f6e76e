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
import { dirname } from 'node:path';
import { type Tensor, describeValue } from '@kindling/core';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** One line naming the function and the path, instead of Node's raw `ENOENT: ...` and a stack. */
function fileError(op: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const reading = op === 'loadSafetensorsFile';
  const why =
    code === 'ENOENT' ? (reading ? `no such file '${path}'` : `cannot write '${path}': no such directory '${dirname(path)}'`)
    : code === 'EISDIR' ? `'${path}' is a directory`
    : code === 'EACCES' || code === 'EPERM' ? `permission denied for '${path}'`
    : code === 'ENOTDIR' ? `a part of '${path}' is not a directory`
    : `cannot ${reading ? 'read' : 'write'} '${path}': ${(e as Error)?.message ?? String(e)}`;
  return new Error(`${op}: ${why}`);
}

function checkPath(op: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new Error(`${op}: path must be a non-empty string, got ${describeValue(path)}`);
}

/**
 * Node-only helpers (import from '@kindling/nn/node'): the main entry uses no Node built-ins so
 * it runs in browsers. The file is written in one call, so a reader never sees half of it
 * unless the process dies mid-write. File-system errors become one-line messages naming the path.
 *
 * @category Safetensors
 */
export function saveSafetensorsFile(path: string, stateDict: Record<string, Tensor>, metadata?: Record<string, string>): void {
  checkPath('saveSafetensorsFile', path);
  const bytes = saveSafetensors(stateDict, metadata);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw fileError('saveSafetensorsFile', path, e);
  }
}

/**
 * Reads and validates a .safetensors file (untrusted input: all or nothing).
 *
 * @category Safetensors
 */
export function loadSafetensorsFile(path: string): Record<string, Tensor> {
  checkPath('loadSafetensorsFile', path);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw fileError('loadSafetensorsFile', path, e);
  }
  return loadSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}
