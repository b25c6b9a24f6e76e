/** Element types a tensor can hold. float64 is the default: gradients checked by finite
 * differences need its precision; float32 halves memory traffic for training.
 *
 * @category Tensor
 */
export type DType = 'float64' | 'float32';

/**
 * The flat typed array behind a tensor, one per dtype.
 *
 * @category Backends and storage
 */
export type Storage = Float64Array | Float32Array;

export function isDType(x: unknown): x is DType {
  return x === 'float64' || x === 'float32';
}

export function allocate(dtype: DType, size: number): Storage {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

/** Mixing precisions promotes to float64, as NumPy and PyTorch do, so no op loses bits silently. */
export function promote(a: DType, b: DType): DType {
  // Stryker disable next-line StringLiteral: allocate makes float64 storage for every name but 'float32', so a wrong name here still gives float64
  return a === b ? a : 'float64';
}

/**
 * The dtype of an elementwise op's result, by PyTorch's rule: a 0-d operand (a wrapped number
 * or a 0-d tensor) does not promote a dimensioned operand of the same kind, so
 * `x32.mul(tensor(0.5))` stays float32; otherwise mixing float32 and float64 gives float64.
 */
export function resultType(a: { dtype: DType; shape: readonly number[] }, b: { dtype: DType; shape: readonly number[] }): DType {
  if (a.dtype === b.dtype) return a.dtype;
  if (a.shape.length === 0 && b.shape.length > 0) return b.dtype;
  if (b.shape.length === 0 && a.shape.length > 0) return a.dtype;
  // Stryker disable next-line StringLiteral: as in promote, any name but 'float32' allocates float64
  return 'float64';
}

let defaultDtype: DType = 'float64';

/**
 * Sets the dtype factories use when no `dtype` option is given (torch.set_default_dtype). The
 * default stays float64: the blog's numbers and gradcheck want its precision; float32 halves
 * memory and is several times faster on the WebAssembly backend.
 *
 * @example
 * ```ts
 * import { getDefaultDtype, setDefaultDtype, zeros } from '@kindling/core';
 * setDefaultDtype('float32');
 * console.log(zeros([2]).dtype); // float32
 * setDefaultDtype('float64');
 * console.log(getDefaultDtype()); // float64
 * ```
 *
 * @category Tensor
 */
export function setDefaultDtype(dtype: DType): void {
  if (!isDType(dtype)) throw new Error(`setDefaultDtype: dtype must be 'float64' or 'float32', got ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)}`);
  defaultDtype = dtype;
}

/**
 * The dtype factories use when no `dtype` option is given (see {@link setDefaultDtype}).
 *
 * @category Tensor
 */
export function getDefaultDtype(): DType {
  return defaultDtype;
}
