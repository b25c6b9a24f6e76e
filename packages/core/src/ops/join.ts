import { type Op, apply } from '../autograd/function.js';
import { type DType, allocate, promote } from '../storage/dtype.js';
import { fmt, normalizeAxis } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';

/*
 * Joining: cat is the primitive (one copy per input into its slab of the output); stack is
 * unsqueeze + cat. cat's adjoint is narrow, a view, so gradients of any order cost no copies.
 */

interface CatParams {
  dim: number;
}

export const Cat: Op<CatParams> = {
  name: 'cat',
  saved: [],
  forward: (inputs, { dim }) => {
    const dtype = inputs.reduce<DType>((d, t) => promote(d, t.dtype), inputs[0]!.dtype);
    const shape = inputs[0]!.shape.slice();
    shape[dim] = inputs.reduce((n, t) => n + t.shape[dim]!, 0);
    const out = TensorData.zeros(shape, dtype);
    let start = 0;
    for (const t of inputs) {
      const len = t.shape[dim]!;
      const slab = out.narrow(dim, start, len);
      const src = t.contiguousStorage();
      // Stryker disable next-line ConditionalExpression: the element loop writes the same values; set is the fast path
      if (slab.isContiguous()) out.storage.set(src, slab.offset);
      else for (let i = 0; i < slab.size; i++) out.storage[slab.locate(i)] = src[i]!;
      start += len;
    }
    return out;
  },
  backward: (g, ctx) => {
    const { dim } = ctx.params;
    let start = 0;
    return ctx.inputs.map((t, i) => {
      const len = t.shape[dim]!;
      const gi = ctx.needsGrad(i) ? g.narrow(dim, start, len) : null;
      start += len;
      return gi;
    });
  },
};

function tensorList(op: string, tensors: readonly Tensor[]): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: expected a non-empty array of Tensors`);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new Error(`${op}: element ${i} is not a Tensor`);
  });
  return tensors;
}

/**
 * Concatenates tensors along `dim` (torch.cat): every tensor has the same number of dims and
 * the same sizes except along `dim`. Mixed dtypes promote as elementwise ops do.
 *
 * @example
 * ```ts
 * import { cat, tensor } from '@kindling/core';
 * cat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0).toArray(); // [[1, 2], [3, 4], [5, 6]]
 * ```
 *
 * @category Indexing and joining
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = tensorList('cat', tensors);
  const first = list[0]!;
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normalizeAxis('cat', dim, first.ndim);
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new Error(`cat: tensor ${i} has shape ${fmt(t.shape)}, expected [${first.shape.map((s, k) => (k === d ? '*' : s)).join(', ')}] (sizes must match except in dim ${d})`);
    }
  });
  if (list.length === 1) return first;
  return apply(Cat, list, { dim: d });
}

/**
 * Stacks tensors of one shape along a new dim `dim` (torch.stack).
 *
 * @example
 * ```ts
 * import { stack, tensor } from '@kindling/core';
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 *
 * @category Indexing and joining
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = tensorList('stack', tensors);
  const first = list[0]!;
  const d = normalizeAxis('stack', dim, first.ndim + 1);
  list.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new Error(`stack: tensor ${i} has shape ${fmt(t.shape)}, expected ${fmt(first.shape)} (all tensors must have the same shape)`);
    }
  });
  const lifted = list.map((t) => t.unsqueeze(d));
  return lifted.length === 1 ? lifted[0]! : apply(Cat, lifted, { dim: d });
}

/** @internal A dense one-hot tensor: 1 at flat index `i`, used to seed one row of a Jacobian. */
export function oneHot(shape: readonly number[], i: number, dtype: DType): Tensor {
  let n = 1;
  for (const s of shape) n *= s;
  const st = allocate(dtype, n);
  st[i] = 1;
  return new Tensor(new TensorData(st, shape));
}
