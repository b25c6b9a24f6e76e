/** Shape arithmetic shared by views, broadcasting, reductions and the kernels. */
import { type DType, type Storage, allocate } from './dtype.js';
import { describeValue } from '../util/options.js';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  // Stryker disable next-line ArrayDeclaration: the loop sets every index before the strides are returned
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  // Stryker disable next-line EqualityOperator: one step more compares a[a.length] with b[b.length], both undefined (the lengths are equal)
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * NumPy broadcasting: align from the right; each pair of dims must match or one must be 1.
 * Throws naming the op when they do not, or when the result is too big to allocate.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  // Stryker disable next-line ArrayDeclaration: the loop sets every index before out is returned
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (dim ${i - n} is ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  // Two modest operands can broadcast to more elements than a typed array holds.
  checkSize(op, out);
  return out;
}

/**
 * The most dimensions a tensor may have: PyTorch's limit. It also bounds every recursion over
 * dims (toArray, toString, tensor()'s nested-array walk), so none can overflow the stack.
 */
export const MAX_DIMS = 64;

/**
 * The most elements one tensor may hold: V8 refuses typed arrays longer than 2^32 with a bare
 * "Invalid typed array length". Other engines may stop earlier; allocateFor catches those too.
 */
export const MAX_ELEMENTS = 2 ** 32;

/** Throws naming the op when `ndim` exceeds {@link MAX_DIMS}. */
export function checkNdim(op: string, ndim: number): void {
  if (ndim > MAX_DIMS) throw new Error(`${op}: a tensor can have at most ${MAX_DIMS} dimensions, got ${ndim}`);
}

/** A count for messages: exact up to a billion, then `1e12` / `2.5e15`, which reads at a glance. */
export function fmtCount(n: number): string {
  if (n < 1e9) return String(n);
  const [mantissa, exp] = n.toExponential().split('e+') as [string, string];
  return `${Number(Number(mantissa).toPrecision(4))}e${exp}`;
}

/** Throws naming the op and the shape when the element count is more than one typed array can hold. */
export function checkSize(op: string, shape: Shape): number {
  const n = sizeOf(shape);
  if (n > MAX_ELEMENTS) {
    throw new Error(`${op}: shape ${fmt(shape)} has ${fmtCount(n)} elements, more than the 2^32 (${MAX_ELEMENTS}) that can be allocated at once`);
  }
  return n;
}

/**
 * Storage for a tensor of `shape`, after {@link checkSize}. An engine that cannot find the
 * memory throws a RangeError naming nothing; this says which op and how much it asked for.
 */
export function allocateFor(op: string, dtype: DType, shape: Shape): Storage {
  const n = checkSize(op, shape);
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new Error(`${op}: cannot allocate ${fmtCount(n)} ${dtype} elements for shape ${fmt(shape)} (${e.message})`);
  }
}

/** Resolves a possibly negative axis against `ndim`, or throws naming the op and the value. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  // A string axis would otherwise compare as a number here and then fail as "out of range".
  if (typeof axis !== 'number') throw new Error(`${op}: axis must be an integer, got ${describeValue(axis)}`);
  if (!Number.isInteger(axis)) throw new Error(`${op}: axis ${axis} is not an integer`);
  if (axis < -ndim || axis >= ndim) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dimension(s)`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/**
 * Checks that `shape` is an array of at most {@link MAX_DIMS} non-negative safe integers whose
 * product a typed array can hold, and returns it; otherwise throws naming the op and the shape.
 */
export function checkShape(op: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
  checkNdim(op, shape.length);
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!Number.isSafeInteger(d) || (d as number) < 0) {
      throw new Error(`${op}: invalid shape [${shape.map((v: unknown) => (typeof v === 'string' ? v : describeValue(v))).join(', ')}]: dimension ${i} is ${describeValue(d)}, but every dimension must be a non-negative integer`);
    }
  }
  checkSize(op, shape as number[]);
  return shape as number[];
}
