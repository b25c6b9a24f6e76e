import { type Op, apply } from '../autograd/function.js';
import { fmt, normalizeAxis } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../util/options.js';

/*
 * Slicing: slice is a strided view (Python's start:end:step along one dim); its adjoint writes
 * the gradient into zeros at the same positions, and that adjoint's backward is slice again
 * (as narrow and NarrowBackward). split and chunk are lists of narrows.
 */

/** The dim, first element, step and element count of a slice (all already resolved). */
export interface SliceParams {
  dim: number;
  start: number;
  step: number;
  length: number;
}

function sliceView(x: TensorData, { dim, start, step, length }: SliceParams): TensorData {
  const shape = x.shape.slice();
  shape[dim] = length;
  const strides = x.strides.slice();
  strides[dim] = x.strides[dim]! * step;
  // An empty slice reads nothing: keep the offset rather than point past the storage.
  const offset = length === 0 ? x.offset : x.offset + start * x.strides[dim]!;
  return new TensorData(x.storage, shape, strides, offset);
}

export const Slice: Op<SliceParams> = {
  name: 'slice',
  saved: [],
  forward: ([x], p) => sliceView(x!, p),
  backward: (g, { inputs: [x], params }) => [apply(SliceBackward, [g], { ...params, size: x!.shape[params.dim]! })],
};

/** slice's adjoint: the gradient placed into zeros of the input's shape at the sliced positions. */
export const SliceBackward: Op<SliceParams & { size: number }> = {
  name: 'sliceBackward',
  saved: [],
  forward: ([g], p) => {
    const shape = g!.shape.slice();
    shape[p.dim] = p.size;
    const full = TensorData.zeros(shape, g!.dtype);
    const window = sliceView(full, p);
    const src = g!.contiguousStorage();
    for (let i = 0; i < window.size; i++) full.storage[window.locate(i)] = src[i]!;
    return full;
  },
  backward: (gg, { params: { dim, start, step, length } }) => [apply(Slice, [gg], { dim, start, step, length })],
};

function checkInput(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${describeValue(x)}`);
  if (x.ndim === 0) throw new Error(`${op}: expected a tensor with at least 1 dimension, got a 0-d tensor`);
  return x;
}

/** Python's slice bound: undefined/null = the default, negative counts from the end, then clamped to [0, n]. */
function bound(op: string, name: string, v: number | null | undefined, n: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  // Number.isSafeInteger is false for anything but a number, so no typeof check is needed.
  if (!Number.isSafeInteger(v)) throw new Error(`${op}: ${name} must be an integer (or omitted), got ${describeValue(v)}`);
  const r = v < 0 ? v + n : v;
  return Math.min(Math.max(r, 0), n);
}

/**
 * The elements `start`, `start + step`, ... before `end` along `dim`: Python's
 * `x[start:end:step]` on one dim, as a view (no copy). Omitted (or null) bounds mean the whole
 * dim; negative bounds count from the end; bounds past either end are clamped, so a slice is
 * never an error, only possibly empty. `step` is a positive integer (as in PyTorch).
 *
 * @example
 * ```ts
 * import { slice, tensor } from '@kindling/core';
 * const x = tensor([0, 1, 2, 3, 4, 5, 6]);
 * slice(x, 0, 1, -1, 2).toArray(); // [1, 3, 5]      (x[1:-1:2])
 * slice(x, 0, -3).toArray();       // [4, 5, 6]      (x[-3:])
 * slice(x, 0, 5, 100).toArray();   // [5, 6]         (x[5:100]: clamped)
 * ```
 *
 * @category Indexing and joining
 */
export function slice(input: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const x = checkInput('slice', input);
  const d = normalizeAxis('slice', dim, x.ndim);
  if (!Number.isSafeInteger(step) || step <= 0) {
    throw new Error(`slice: step must be a positive integer, got ${describeValue(step)}`);
  }
  const n = x.shape[d]!;
  const s = bound('slice', 'start', start, n, 0);
  const e = bound('slice', 'end', end, n, n);
  const length = Math.max(0, Math.ceil((e - s) / step));
  // Every element in order (step > 1 covers them all only when n <= 1): no new view needed.
  // (length is at most n - s, so length n means s is 0.)
  if (length === n) return x;
  return apply(Slice, [x], { dim: d, start: s, step, length });
}

/**
 * Splits `input` along `dim` into views (torch.split): with a number, pieces of that size (the
 * last one smaller when the size does not divide); with an array, pieces of those sizes, which
 * must add up to the dim's size.
 *
 * @example
 * ```ts
 * import { split, arange } from '@kindling/core';
 * split(arange(5), 2).map((t) => t.toArray());      // [[0, 1], [2, 3], [4]]
 * split(arange(5), [1, 4]).map((t) => t.toArray()); // [[0], [1, 2, 3, 4]]
 * ```
 *
 * @category Indexing and joining
 */
export function split(input: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const x = checkInput('split', input);
  const d = normalizeAxis('split', dim, x.ndim);
  const n = x.shape[d]!;
  if (Array.isArray(splitSizeOrSections)) {
    const sizes = splitSizeOrSections as readonly unknown[];
    sizes.forEach((s, i) => {
      if (!Number.isSafeInteger(s) || (s as number) < 0) throw new Error(`split: section ${i} is ${describeValue(s)}, expected a non-negative integer`);
    });
    const total = (sizes as number[]).reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new Error(`split: sections [${sizes.join(', ')}] add up to ${total}, but dim ${dim} has size ${n} (shape ${fmt(x.shape)})`);
    }
    let start = 0;
    return (sizes as number[]).map((len) => {
      const piece = x.narrow(d, start, len);
      start += len;
      return piece;
    });
  }
  const size = splitSizeOrSections as number; // checked next
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new Error(`split: splitSizeOrSections must be a non-negative integer or an array of them, got ${describeValue(size)}`);
  }
  if (size === 0) {
    if (n !== 0) throw new Error(`split: a split size of 0 needs a dim of size 0, but dim ${dim} has size ${n}`);
    return [x.narrow(d, 0, 0)];
  }
  if (n === 0) return [x.narrow(d, 0, 0)];
  const out: Tensor[] = [];
  for (let start = 0; start < n; start += size) out.push(x.narrow(d, start, Math.min(size, n - start)));
  return out;
}

/**
 * Splits `input` along `dim` into `chunks` views of `ceil(size / chunks)` elements, the last
 * one smaller (torch.chunk); as in PyTorch there may be fewer than `chunks` pieces (5 elements in
 * 4 chunks give sizes 2, 2, 1). An empty dim gives `chunks` empty pieces.
 *
 * @example
 * ```ts
 * import { chunk, arange } from '@kindling/core';
 * chunk(arange(6), 4).map((t) => t.toArray()); // [[0, 1], [2, 3], [4, 5]]
 * ```
 *
 * @category Indexing and joining
 */
export function chunk(input: Tensor, chunks: number, dim = 0): Tensor[] {
  const x = checkInput('chunk', input);
  if (!Number.isSafeInteger(chunks) || chunks <= 0) {
    throw new Error(`chunk: chunks must be a positive integer, got ${describeValue(chunks)}`);
  }
  const d = normalizeAxis('chunk', dim, x.ndim);
  const n = x.shape[d]!;
  if (n === 0) return Array.from({ length: chunks }, () => x.narrow(d, 0, 0));
  return split(x, Math.ceil(n / chunks), d);
}
