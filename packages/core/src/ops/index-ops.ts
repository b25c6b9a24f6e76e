import { type Op, apply } from '../autograd/function.js';
import { tensor } from '../factories.js';
import { type DType, type Storage, allocate, promote } from '../storage/dtype.js';
import { contiguousStrides, fmt, normalizeAxis, shapesEqual, sizeOf } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import { type NestedArray, Tensor } from '../tensor.js';
import { describeValue } from '../util/options.js';
import { PadConstant } from './pad-constant.js';

/*
 * Index ops. Core has no integer dtype, so an index argument is a plain array of integers
 * (nested for gather/scatterAdd) or a float tensor whose values are integers (what
 * comparisons, arange and randint give). Every index is checked once, when the op is called:
 * a non-integer or an index outside [0, size) throws naming the op, the index, where it sits
 * and the valid range, so the kernels below never read or write out of bounds. As in PyTorch,
 * indexSelect, gather and scatterAdd take no negative indices.
 *
 * Two families of primitives:
 *  - IndexMap / IndexMapBackward: out[j_0, .., j_k] = x[m_0(j_0), .., m_k(j_k)] with one index
 *    map per dim (null: identity). indexSelect (one map), flip (reversed), roll (rotated) and
 *    pad's reflect / replicate / circular modes (reflected, clamped, wrapped) are all this one
 *    gather. Its adjoint scatter-adds into zeros of the input's shape, and the adjoint's
 *    backward is the gather again, so gradients of every order stay in these two ops.
 *  - Gather / ScatterAdd (torch.gather, torch.Tensor.scatter_add): an index per element. Each
 *    is the other's adjoint: gather's backward scatter-adds into zeros, scatterAdd's backward
 *    with respect to src gathers.
 */

// ---- index arguments --------------------------------------------------------------------------

/** The values of an index argument, row-major, and its shape. */
interface RawIndex {
  values: ArrayLike<number>;
  shape: readonly number[];
}

function rawIndex(op: string, index: unknown): RawIndex {
  if (index instanceof Tensor) return { values: index.tensorData.contiguousStorage(), shape: index.shape };
  if (Array.isArray(index)) {
    let t: Tensor;
    try {
      t = tensor(index as NestedArray);
    } catch (e) {
      throw new Error(`${op}: index must be integers in a (nested) array or a Tensor: ${(e as Error).message}`);
    }
    return { values: t.tensorData.contiguousStorage(), shape: t.shape };
  }
  throw new Error(`${op}: index must be a Tensor or an array of integers, got ${describeValue(index)}`);
}

function positionOf(flat: number, shape: readonly number[]): string {
  // Stryker disable next-line ArrayDeclaration: every slot is assigned below; the length only preallocates
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Checks every value of `raw` is an integer in [0, n) (a size-`n` dim) and returns them. The
 * error names the op, the value, its position in the index and the valid range.
 */
function checkedIndices(op: string, raw: RawIndex, n: number, dimName: string): Uint32Array {
  const out = new Uint32Array(raw.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = raw.values[i]!;
    if (!Number.isInteger(v)) {
      throw new Error(`${op}: index ${describeValue(v)} at position ${positionOf(i, raw.shape)} is not an integer (indices are integers, given as numbers or in a float tensor)`);
    }
    if (v < 0 || v >= n) {
      const range = n === 0 ? 'a dim of size 0 has no valid index' : `valid indices are 0 to ${n - 1}`;
      throw new Error(`${op}: index ${v} at position ${positionOf(i, raw.shape)} is out of range for ${dimName} of size ${n} (${range})`);
    }
    out[i] = v;
  }
  return out;
}

function checkTensor(op: string, what: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describeValue(x)}`);
  return x;
}

function needsDims(op: string, x: Tensor): void {
  if (x.ndim === 0) throw new Error(`${op}: expected a tensor with at least 1 dimension, got a 0-d tensor`);
}

// ---- strided walks ----------------------------------------------------------------------------

/**
 * Calls `row(base, start)` once per row of `shape` (a row is the last dim): `base` is the sum of
 * `offs[d][j_d]` over the other dims plus `origin`, `start` the row's flat output position.
 */
function forEachRow(shape: readonly number[], offs: readonly Float64Array[], origin: number, row: (base: number, start: number) => void): void {
  const n = shape.length;
  const size = sizeOf(shape);
  // Stryker disable next-line ConditionalExpression: with size 0 the row loop below runs no iteration; returning first skips reading the offsets of empty dims
  if (size === 0) return;
  const inner = shape[n - 1] ?? 1; // a 0-d shape is one row of one element
  const idx = new Array<number>(n).fill(0);
  let base = origin;
  for (let d = 0; d < n - 1; d++) base += offs[d]![0]!;
  for (let start = 0; start < size; start += inner) {
    row(base, start);
    for (let d = n - 2; d >= 0; d--) {
      const o = offs[d]!;
      base -= o[idx[d]!]!;
      idx[d]!++;
      if (idx[d]! < shape[d]!) {
        base += o[idx[d]!]!;
        break;
      }
      idx[d] = 0;
      base += o[0]!;
    }
  }
}

/** offs[d][j] = (map ? map[j] : j) * stride[d]: the storage offset contributed by index j of dim d. */
function offsets(shape: readonly number[], strides: readonly number[], maps: readonly (Uint32Array | null)[]): Float64Array[] {
  return shape.map((len, d) => {
    const m = maps[d] ?? null;
    const o = new Float64Array(len);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let j = 0; j < len; j++) o[j] = (m ? m[j]! : j) * strides[d]!;
    return o;
  });
}

// ---- IndexMap: a separable gather and its scatter-add adjoint ---------------------------------

/** One index map per input dim (null: the identity), and the input's shape. */
export interface IndexMapParams {
  maps: readonly (Uint32Array | null)[];
  inShape: readonly number[];
}

/** The last-dim offsets of a 0-d shape: its one row holds one element, at offset 0. */
const SCALAR_ROW = new Float64Array(1);

function mappedShape({ maps, inShape }: IndexMapParams): number[] {
  return inShape.map((n, d) => maps[d]?.length ?? n);
}

function gatherMapped(x: TensorData, p: IndexMapParams): TensorData {
  const shape = mappedShape(p);
  const out = allocate(x.dtype, sizeOf(shape));
  const offs = offsets(shape, x.strides, p.maps);
  const src = x.storage;
  const last = offs[offs.length - 1] ?? SCALAR_ROW;
  forEachRow(shape, offs, x.offset, (base, start) => {
    // Stryker disable next-line EqualityOperator: one step more writes NaN at the next row's first slot, which that row then overwrites (or past the end)
    for (let k = 0; k < last.length; k++) out[start + k] = src[base + last[k]!]!;
  });
  return new TensorData(out, shape);
}

function scatterMapped(g: TensorData, p: IndexMapParams): TensorData {
  const shape = mappedShape(p);
  const out = TensorData.zeros(p.inShape, g.dtype);
  const dst = out.storage;
  const src = g.contiguousStorage();
  const offs = offsets(shape, contiguousStrides(p.inShape), p.maps);
  const last = offs[offs.length - 1] ?? SCALAR_ROW;
  forEachRow(shape, offs, 0, (base, start) => {
    // Stryker disable next-line EqualityOperator: one step more adds into dst[NaN] (last[k] is undefined), which a typed array ignores
    for (let k = 0; k < last.length; k++) dst[base + last[k]!]! += src[start + k]!;
  });
  return out;
}

/**
 * The gather `out[j] = x[map(j)]` and its adjoint under one name (`flip`, `roll`, ...), so a
 * graph reads as the op the user called. Each one's backward is the other.
 */
function indexMapPair(name: string): { gather: Op<IndexMapParams>; scatter: Op<IndexMapParams> } {
  const gather: Op<IndexMapParams> = {
    name,
    saved: [],
    forward: ([x], p) => gatherMapped(x!, p),
    backward: (g, { params }) => [apply(scatter, [g], params)],
  };
  const scatter: Op<IndexMapParams> = {
    name: `${name}Backward`,
    saved: [],
    forward: ([g], p) => scatterMapped(g!, p),
    backward: (gg, { params }) => [apply(gather, [gg], params)],
  };
  return { gather, scatter };
}

export const IndexSelectOps = indexMapPair('indexSelect');
export const FlipOps = indexMapPair('flip');
export const RollOps = indexMapPair('roll');
export const PadMapOps = indexMapPair('pad');

/** An identity map for every dim but `dim`. */
function oneMap(ndim: number, dim: number, map: Uint32Array): (Uint32Array | null)[] {
  const maps = new Array<Uint32Array | null>(ndim).fill(null);
  maps[dim] = map;
  return maps;
}

// ---- Gather / ScatterAdd ---------------------------------------------------------------------

/** The dim, the (checked) indices in row-major order and the index's shape. */
export interface GatherParams {
  dim: number;
  index: Uint32Array;
  indexShape: readonly number[];
}

export const Gather: Op<GatherParams> = {
  name: 'gather',
  saved: [],
  forward: ([x], { dim, index, indexShape }) => {
    const out = allocate(x!.dtype, index.length);
    const offs = offsets(indexShape, x!.strides, []);
    offs[dim] = new Float64Array(indexShape[dim]!); // the index supplies dim's offset
    const src = x!.storage;
    const sd = x!.strides[dim]!;
    const last = offs[offs.length - 1]!;
    forEachRow(indexShape, offs, x!.offset, (base, start) => {
      // Stryker disable next-line EqualityOperator: one step more writes NaN at the next row's first slot, which that row then overwrites (or past the end)
      for (let k = 0; k < last.length; k++) out[start + k] = src[base + last[k]! + index[start + k]! * sd]!;
    });
    return new TensorData(out, indexShape);
  },
  backward: (g, { inputs: [x], params }) => [apply(ScatterAdd, [zerosOf(x!.shape, g.dtype), g], params)],
};

function zerosOf(shape: readonly number[], dtype: DType): Tensor {
  return new Tensor(TensorData.zeros(shape, dtype));
}

/** `src` cut to the index's shape (scatterAdd reads only that corner), row-major. */
function corner(src: TensorData, shape: readonly number[]): Storage {
  let v = src;
  // Narrowing a dim to its own size gives the same layout.
  shape.forEach((n, d) => (v = v.narrow(d, 0, n)));
  return v.contiguousStorage();
}

export const ScatterAdd: Op<GatherParams> = {
  name: 'scatterAdd',
  saved: [],
  forward: ([self, src], { dim, index, indexShape }) => {
    const out = TensorData.zeros(self!.shape, promote(self!.dtype, src!.dtype));
    self!.copyTo(out.storage);
    const dst = out.storage;
    const vals = corner(src!, indexShape);
    const offs = offsets(indexShape, out.strides, []);
    offs[dim] = new Float64Array(indexShape[dim]!);
    const sd = out.strides[dim]!;
    const last = offs[offs.length - 1]!;
    forEachRow(indexShape, offs, 0, (base, start) => {
      // Stryker disable next-line EqualityOperator: one step more adds into dst[NaN] (last[k] is undefined), which a typed array ignores
      for (let k = 0; k < last.length; k++) dst[base + last[k]! + index[start + k]! * sd]! += vals[start + k]!;
    });
    return out;
  },
  backward: (g, ctx) => {
    const src = ctx.inputs[1]!;
    let gs: Tensor | null = null;
    if (ctx.needsGrad(1)) {
      gs = apply(Gather, [g], ctx.params);
      // src may be larger than the index: the elements scatterAdd never read get zero.
      if (!shapesEqual(gs.shape, src.shape)) {
        gs = apply(PadConstant, [gs], { pads: src.shape.map((n, d) => [0, n - gs!.shape[d]!] as const), value: 0 });
      }
    }
    return [ctx.needsGrad(0) ? g : null, gs];
  },
};

// ---- the functions ---------------------------------------------------------------------------

/**
 * The entries of `input` at `index` along `dim` (torch.index_select): the result has `input`'s
 * shape with dim `dim` replaced by the number of indices. `index` is a 1-d (or 0-d) float tensor
 * of integers or a plain array of integers, each in [0, size of dim); repeats are allowed, and
 * their gradients add up.
 *
 * @example
 * ```ts
 * import { indexSelect, tensor } from '@kindling/core';
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * indexSelect(x, 1, [2, 0, 2]).toArray(); // [[3, 1, 3], [6, 4, 6]]
 * ```
 *
 * @category Indexing and joining
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const x = checkTensor('indexSelect', 'input', input);
  needsDims('indexSelect', x);
  const d = normalizeAxis('indexSelect', dim, x.ndim);
  const raw = rawIndex('indexSelect', index);
  if (raw.shape.length > 1) throw new Error(`indexSelect: index must be 1-d (or 0-d), got shape ${fmt(raw.shape)}`);
  const map = checkedIndices('indexSelect', raw, x.shape[d]!, `dim ${dim}`);
  return apply(IndexSelectOps.gather, [x], { maps: oneMap(x.ndim, d, map), inShape: x.shape });
}

function gatherArgs(op: string, x: Tensor, dim: number, index: unknown, other?: { name: string; shape: readonly number[] }): GatherParams {
  needsDims(op, x);
  const d = normalizeAxis(op, dim, x.ndim);
  const raw = rawIndex(op, index);
  if (raw.shape.length !== x.ndim) {
    throw new Error(`${op}: index has ${raw.shape.length} dimension(s) (shape ${fmt(raw.shape)}) but the input has ${x.ndim} (shape ${fmt(x.shape)}); they must match`);
  }
  raw.shape.forEach((s, k) => {
    if (k !== d && s > x.shape[k]!) {
      throw new Error(`${op}: index shape ${fmt(raw.shape)} is larger than the input's shape ${fmt(x.shape)} in dim ${k} (only dim ${d} may differ)`);
    }
    if (other && s > other.shape[k]!) {
      throw new Error(`${op}: index shape ${fmt(raw.shape)} is larger than ${other.name}'s shape ${fmt(other.shape)} in dim ${k}`);
    }
  });
  return { dim: d, index: checkedIndices(op, raw, x.shape[d]!, `dim ${dim} of the input`), indexShape: raw.shape };
}

/**
 * `out[i][j][k] = input[index[i][j][k]][j][k]` for dim 0, and likewise for the other dims
 * (torch.gather). `index` has `input`'s number of dims, is no larger than `input` except along
 * `dim`, and holds integers in [0, size of dim); the result has the index's shape. Its gradient
 * is {@link scatterAdd}.
 *
 * @example
 * ```ts
 * import { gather, tensor } from '@kindling/core';
 * const x = tensor([[1, 2], [3, 4]]);
 * gather(x, 1, [[0, 0], [1, 0]]).toArray(); // [[1, 1], [4, 3]]
 * ```
 *
 * @category Indexing and joining
 */
export function gather(input: Tensor, dim: number, index: Tensor | NestedArray): Tensor {
  const x = checkTensor('gather', 'input', input);
  return apply(Gather, [x], gatherArgs('gather', x, dim, index));
}

/**
 * A copy of `input` with `src`'s values added at `index` along `dim`
 * (torch.Tensor.scatter_add, out of place): for dim 0, `out[index[i][j]][j] += src[i][j]`.
 * `index` has `input`'s number of dims, is no larger than `src` in any dim nor than `input`
 * except along `dim`, and holds integers in [0, size of dim); only the index-shaped corner of
 * `src` is read. Repeated indices add up. The adjoint of {@link gather}: the gradient reaches
 * `input` unchanged and `src` through a gather.
 *
 * @example
 * ```ts
 * import { scatterAdd, tensor, zeros } from '@kindling/core';
 * scatterAdd(zeros([3]), 0, [0, 2, 0], tensor([1, 2, 3])).toArray(); // [4, 0, 2]
 * ```
 *
 * @category Indexing and joining
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor | NestedArray, src: Tensor): Tensor {
  const x = checkTensor('scatterAdd', 'input', input);
  const s = checkTensor('scatterAdd', 'src', src);
  if (s.ndim !== x.ndim) {
    throw new Error(`scatterAdd: src has ${s.ndim} dimension(s) (shape ${fmt(s.shape)}) but the input has ${x.ndim} (shape ${fmt(x.shape)}); they must match`);
  }
  return apply(ScatterAdd, [x, s], gatherArgs('scatterAdd', x, dim, index, { name: 'src', shape: s.shape }));
}

function dimList(op: string, dims: unknown, ndim: number, what = 'dims'): number[] {
  const list = typeof dims === 'number' ? [dims] : dims;
  if (!Array.isArray(list)) throw new Error(`${op}: ${what} must be an integer or an array of integers, got ${describeValue(dims)}`);
  return list.map((d: unknown) => normalizeAxis(op, d as number, ndim));
}

/**
 * Reverses the order of the elements along each of `dims` (torch.flip; a copy, as in PyTorch).
 * Negative dims count from the end; a dim may appear once.
 *
 * @example
 * ```ts
 * import { flip, tensor } from '@kindling/core';
 * flip(tensor([[1, 2, 3], [4, 5, 6]]), [-1]).toArray(); // [[3, 2, 1], [6, 5, 4]]
 * ```
 *
 * @category Indexing and joining
 */
export function flip(input: Tensor, dims: number | readonly number[]): Tensor {
  const x = checkTensor('flip', 'input', input);
  const ds = dimList('flip', dims, x.ndim);
  // (Only an array can name a dim twice.)
  if (new Set(ds).size !== ds.length) throw new Error(`flip: dims [${(dims as readonly number[]).join(', ')}] name a dim more than once`);
  const maps = new Array<Uint32Array | null>(x.ndim).fill(null);
  for (const d of ds) {
    const n = x.shape[d]!;
    const m = new Uint32Array(n);
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let j = 0; j < n; j++) m[j] = n - 1 - j;
    maps[d] = m;
  }
  // With no dim to flip (every map null) the gather still makes a copy, as torch.flip does.
  return apply(FlipOps.gather, [x], { maps, inShape: x.shape });
}

/**
 * Rotates the elements along `dims` by `shifts` (torch.roll): an element at position i moves to
 * (i + shift) mod size. `shifts` and `dims` are numbers or arrays of equal length; a dim named
 * twice is shifted by the sum. Without `dims` the tensor is rolled as if flattened, then
 * restored to its shape.
 *
 * @example
 * ```ts
 * import { roll, tensor } from '@kindling/core';
 * roll(tensor([1, 2, 3, 4]), 1).toArray();                  // [4, 1, 2, 3]
 * roll(tensor([[1, 2], [3, 4]]), [1, -1], [0, 1]).toArray(); // [[4, 3], [2, 1]]
 * ```
 *
 * @category Indexing and joining
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor {
  const x = checkTensor('roll', 'input', input);
  const sl = typeof shifts === 'number' ? [shifts] : shifts;
  if (!Array.isArray(sl) || sl.length === 0) throw new Error(`roll: shifts must be an integer or a non-empty array of integers, got ${describeValue(shifts)}`);
  sl.forEach((s: unknown) => {
    if (!Number.isSafeInteger(s)) throw new Error(`roll: shift ${describeValue(s)} is not an integer`);
  });
  if (dims === undefined || dims === null) {
    if (sl.length !== 1) throw new Error(`roll: without dims, shifts must be one integer, got [${sl.join(', ')}]`);
    return roll(x.reshape([-1]), sl, 0).reshape(x.shape);
  }
  const ds = dimList('roll', dims, x.ndim);
  if (ds.length !== sl.length) throw new Error(`roll: shifts [${sl.join(', ')}] and dims [${ds.join(', ')}] must have the same length`);
  const total = new Array<number>(x.ndim).fill(0);
  ds.forEach((d, i) => (total[d]! += sl[i]!));
  const maps = total.map((s, d) => {
    const n = x.shape[d]!;
    // Stryker disable next-line ConditionalExpression: the map built instead would be the identity (or empty), which gathers the same elements; null only skips building it
    if (n === 0 || s % n === 0) return null;
    const m = new Uint32Array(n);
    // r is in (-n, n), so j - r + n is never negative and % n wraps it into [0, n).
    const r = s % n;
    // Stryker disable next-line EqualityOperator: one step more writes past the end of a typed array, which does nothing
    for (let j = 0; j < n; j++) m[j] = (j - r + n) % n;
    return m;
  });
  // Even when nothing moves (every map null) the gather makes a copy, as torch.roll does.
  return apply(RollOps.gather, [x], { maps, inShape: x.shape });
}
