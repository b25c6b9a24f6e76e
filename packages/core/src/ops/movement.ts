import { type Op, apply } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import { type DType, type Storage, allocate } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';

/*
 * Movement ops: views that re-index the same storage (reshape of viewable data, permute,
 * expand, narrow) plus the two copies (contiguous, cast). Their backward rules only move the
 * gradient back to the input's layout.
 */

export const Reshape: Op<readonly number[]> = {
  name: 'reshape',
  saved: [],
  // Like torch.reshape: a view when the strides allow one, otherwise a copy.
  forward: ([x], shape) => x!.tryView(shape) ?? x!.contiguous().tryView(shape)!,
  backward: (g, { inputs: [x] }) => [g.reshape(x!.shape)],
};

export const Permute: Op<readonly number[]> = {
  name: 'permute',
  saved: [],
  forward: ([x], dims) => x!.permute(dims),
  backward: (g, { params: dims }) => {
    // Stryker disable next-line ArrayDeclaration: every slot is assigned below; the length only preallocates
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
};

export const Expand: Op<readonly number[]> = {
  name: 'expand',
  saved: [],
  forward: ([x], shape) => x!.expand(shape),
  backward: (g) => [g], // the engine sums it back over the expanded dims
};

export interface NarrowParams {
  dim: number;
  start: number;
  length: number;
}

export const Narrow: Op<NarrowParams> = {
  name: 'narrow',
  saved: [],
  forward: ([x], { dim, start, length }) => x!.narrow(dim, start, length),
  backward: (g, { inputs: [x], params }) => [apply(NarrowBackward, [g], { ...params, size: x!.shape[params.dim]! })],
};

/**
 * narrow's adjoint: the gradient placed into zeros of the input's shape. An op of its own so
 * that a gradient through narrow can be differentiated again (its adjoint is narrow).
 */
export const NarrowBackward: Op<NarrowParams & { size: number }> = {
  name: 'narrowBackward',
  saved: [],
  forward: ([g], { dim, start, size }) => {
    const shape = g!.shape.slice();
    shape[dim] = size;
    const full = TensorData.zeros(shape, g!.dtype);
    const window = full.narrow(dim, start, g!.shape[dim]!);
    const src = g!.contiguousStorage();
    for (let i = 0; i < window.size; i++) full.storage[window.locate(i)] = src[i]!;
    return full;
  },
  backward: (gg, { params: { dim, start, length } }) => [gg.narrow(dim, start, length)],
};

export const Contiguous: Op = {
  name: 'contiguous',
  saved: [],
  forward: ([x]) => new TensorData(copied(x!, x!.dtype), x!.shape),
  backward: (g) => [g],
};

export const Cast: Op<DType> = {
  name: 'to',
  saved: [],
  forward: ([x], dtype) => new TensorData(copied(x!, dtype), x!.shape),
  backward: (g, { inputs: [x] }) => [g.to(x!.dtype)],
};

/** x's elements, dense and row-major, in `dtype`: the copy kernel (one set() when x is dense). */
function copied(x: TensorData, dtype: DType): Storage {
  const out = allocate(dtype, x.size);
  kernels.copy(x, out);
  return out;
}
