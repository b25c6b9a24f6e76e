/**
 * Node-only helper: export a model straight to an `.onnx` file. The main `@kindling/onnx` entry
 * uses no Node built-in, so that it runs in browsers.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Linear } from '@kindling/nn';
 * import { exportOnnxFile } from '@kindling/onnx/node';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * const file = join(tmpdir(), 'kindling-linear.onnx');
 * exportOnnxFile(file, new Linear(3, 2, { seed: 0 }), randn([4, 3], { seed: 1 }), { dynamicBatch: true });
 * ```
 *
 * @module @kindling/onnx/node
 */
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Tensor, describeValue } from '@kindling/core';
import { type Exportable, type ExportOnnxOptions, exportOnnx } from './index.js';

/**
 * Exports `model` with {@link exportOnnx} and writes the bytes to `path`; returns them too.
 * Errors name the function and the path (a missing directory, a permission problem).
 */
export function exportOnnxFile(path: string, model: Exportable, exampleInputs: Tensor | readonly Tensor[], opts?: ExportOnnxOptions): Uint8Array {
  if (typeof path !== 'string' || path === '') throw new Error(`exportOnnxFile: path must be a non-empty string, got ${describeValue(path)}`);
  const bytes = exportOnnx(model, exampleInputs, opts);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | null)?.code;
    const why =
      code === 'ENOENT' ? `no such directory '${dirname(path)}'`
      : code === 'EISDIR' ? `'${path}' is a directory`
      : code === 'EACCES' || code === 'EPERM' ? `permission denied`
      : (e as Error)?.message ?? String(e);
    throw new Error(`exportOnnxFile: cannot write '${path}': ${why}`);
  }
  return bytes;
}
