/** Element types a tensor can hold. float64 is the default: gradients checked by finite
 * differences need its precision; float32 halves memory traffic for training. */
export type DType = 'float64' | 'float32';

/** The flat typed array behind a tensor, one per dtype. */
export type Storage = Float64Array | Float32Array;

export function isDType(x: unknown): x is DType {
  return x === 'float64' || x === 'float32';
}

/** Storages allocated while a backward pass records them (see autograd/backward.ts). */
let fresh: WeakSet<Storage> | null = null;

export function allocate(dtype: DType, size: number): Storage {
  const s = dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  if (fresh) fresh.add(s);
  return s;
}

/**
 * Makes allocate() note every storage it creates in `set` (null stops it). The backward pass
 * uses this to know which gradient buffers are its own, nobody else's, and so may become a
 * leaf's `.grad` without a copy.
 */
export function recordAllocations(set: WeakSet<Storage> | null): void {
  fresh = set;
}

export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float32Array ? 'float32' : 'float64';
}

/** Mixing precisions promotes to float64, as NumPy and PyTorch do, so no op loses bits silently. */
export function promote(a: DType, b: DType): DType {
  return a === b ? a : 'float64';
}
