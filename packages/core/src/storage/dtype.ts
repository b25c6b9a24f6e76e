/** Element types a tensor can hold. float64 is the default: gradients checked by finite
 * differences need its precision; float32 halves memory traffic for training. */
export type DType = 'float64' | 'float32';

/** The flat typed array behind a tensor, one per dtype. */
export type Storage = Float64Array | Float32Array;

export function isDType(x: unknown): x is DType {
  return x === 'float64' || x === 'float32';
}

export function allocate(dtype: DType, size: number): Storage {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

export function dtypeOf(storage: Storage): DType {
  return storage instanceof Float32Array ? 'float32' : 'float64';
}

/** Mixing precisions promotes to float64, as NumPy and PyTorch do, so no op loses bits silently. */
export function promote(a: DType, b: DType): DType {
  return a === b ? a : 'float64';
}
