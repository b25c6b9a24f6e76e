import { type Op, freshGrad } from '../autograd/function.js';
import { type DType, allocate } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';

/*
 * Movement ops: views that re-index the same storage (reshape of viewable data, permute,
 * expand, narrow) plus the two copies (contiguous, cast). Their backward rules only move the
 * gradient back to the input's layout.
 */

export const Reshape: Op<readonly number[]> = {
  name: 'reshape',
  // Like torch.reshape: a view when the strides allow one, otherwise a copy.
  forward: ([x], shape) => x!.tryView(shape) ?? x!.contiguous().tryView(shape)!,
  backward: (g, { inputs: [x] }) => [g.reshape(x!.shape)],
};

export const Permute: Op<readonly number[]> = {
  name: 'permute',
  forward: ([x], dims) => x!.permute(dims),
  backward: (g, { params: dims }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
};

export const Expand: Op<readonly number[]> = {
  name: 'expand',
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
  forward: ([x], { dim, start, length }) => x!.narrow(dim, start, length),
  // Scatter the gradient into zeros of the input's shape.
  backward: (g, { inputs: [x], params: { dim, start, length } }) => {
    const full = TensorData.zeros(x!.shape, g.dtype);
    const window = full.narrow(dim, start, length);
    const src = g.tensorData.contiguousStorage();
    for (let i = 0; i < window.size; i++) full.storage[window.locate(i)] = src[i]!;
    return [freshGrad(full)];
  },
};

export const Contiguous: Op = {
  name: 'contiguous',
  forward: ([x]) => new TensorData(x!.copyTo(allocate(x!.dtype, x!.size)), x!.shape),
  backward: (g) => [g],
};

export const Cast: Op<DType> = {
  name: 'to',
  forward: ([x], dtype) => new TensorData(x!.copyTo(allocate(dtype, x!.size)), x!.shape),
  backward: (g, { inputs: [x] }) => [g.to(x!.dtype)],
};
