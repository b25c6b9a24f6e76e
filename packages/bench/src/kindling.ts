/**
 * The one place the benchmark imports Kindling from.
 *
 * The bench package reaches the workspace packages by relative path (same files, same module
 * instances as '@kindling/core' / '@kindling/nn' resolve to through the workspace symlinks), so
 * it needs no new entry in the root lockfile. Switching to the package names is this file only.
 */
export * as core from '../../core/src/index.js';
export * as nn from '../../nn/src/index.js';
/** Internal, read-only: bytes of the wasm backend's linear memory (for the memory report). */
export { wasmMemoryBytes } from '../../core/src/kernels/wasm/index.js';
/** Internal, read-only: bytes of the worker threads' shared memory (0 before they start). */
export { sharedMemoryBytes } from '../../core/src/kernels/wasm/threads.js';
