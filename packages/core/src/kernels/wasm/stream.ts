import type { Storage } from '../../storage/dtype.js';
import type { Arena } from './arena.js';
import { allocIn, precisionOf } from './kernels.js';

/**
 * Elements per piece of an elementwise kernel: three float64 buffers of it (384 KiB) stay in L2
 * from the copy in through the arithmetic to the copy out, and the module's memory never needs
 * more than that for these kernels (copying whole operands made M's step hold 12 MiB more).
 */
export const PIECE = 16384;

/**
 * Runs an elementwise kernel over n elements piece by piece: reserves `buffers` arena buffers
 * of `piece` elements (out's dtype), then calls body(view, at, i, m) for each piece [i, i + m)
 * with the buffers' element indexes in `at`. Nothing runs for n = 0.
 */
export function inPieces(
  arena: Arena, out: Storage, n: number, piece: number, buffers: number,
  body: (f: Float32Array | Float64Array, at: number[], i: number, m: number) => void,
): void {
  const p = precisionOf(out);
  const c = Math.max(1, Math.min(n, piece));
  arena.reset();
  const at = Array.from({ length: buffers }, () => allocIn(arena, p, c));
  arena.commit();
  const f = p.view(arena);
  for (let i = 0; i < n; i += c) body(f, at, i, Math.min(c, n - i));
}
