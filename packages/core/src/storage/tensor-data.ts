import { type DType, type Storage, allocate } from './dtype.js';
import { type Shape, checkShape, contiguousStrides, fmt, sizeOf } from './shape.js';
import { describeValue } from '../util/options.js';

/**
 * The data half of a tensor: a flat typed array and the (shape, strides, offset) map from
 * n-d indices into it. Knows nothing about gradients. Views are new TensorData objects over
 * the same storage, so they cost O(ndim), never O(size).
 *
 * @category Backends and storage
 */
export class TensorData {
  readonly size: number;
  /** The dtype of the storage (a field, not a getter: it is read on every op's path). */
  readonly dtype: DType;
  /** Elements to step in the storage per index of each dim; row-major when not given. */
  readonly strides: readonly number[];
  /** Whether the layout is row-major and dense, found on first asking (null until then); known at once without strides. */
  private dense: boolean | null;

  constructor(
    readonly storage: Storage,
    readonly shape: Shape,
    strides?: readonly number[],
    readonly offset = 0,
  ) {
    // TensorData is public (custom ops build it): a plain array or an Int32Array here would
    // fail later, far from the cause. The shape check is O(ndim) and also the backstop for ops
    // that do not check their result's rank (the public ones do, by name). Whether strides and
    // offset stay inside the storage is checked where a custom op hands its result over, in
    // apply (autograd/function.ts), which can name the op.
    if (storage instanceof Float64Array) this.dtype = 'float64';
    else if (storage instanceof Float32Array) this.dtype = 'float32';
    else throw new Error(`TensorData: storage must be a Float64Array or Float32Array, got ${describeValue(storage)}`);
    // One pass computes the size and spots a bad dim; checkShape only runs to word the error
    // (this constructor is on every op's and every view's path).
    let size = 1;
    let ok = Array.isArray(shape) && shape.length <= 64;
    if (ok) {
      // Stryker disable next-line EqualityOperator: one step more reads undefined, which sends the shape to checkShape, and that accepts every shape the loop does
      for (let i = 0; i < shape.length; i++) {
        const d = shape[i]!;
        if (!Number.isSafeInteger(d) || d < 0) {
          ok = false;
          break;
        }
        size *= d;
      }
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: sending more shapes to checkShape changes nothing, as it accepts every shape the loop does
    if (!ok || size > 2 ** 32) checkShape('TensorData', shape);
    this.size = size;
    // After the shape check: a null or BigInt shape gets its message, not a TypeError from here.
    this.strides = strides ?? contiguousStrides(shape);
    // Ops ask several times per call (each kernel wrapper, each gradient): the walk runs once.
    this.dense = strides === undefined ? true : null;
  }

  /** A dense tensor of zeros. */
  static zeros(shape: Shape, dtype: DType): TensorData {
    return new TensorData(allocate(dtype, sizeOf(shape)), shape);
  }


  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Row-major and dense: element i lives at storage[offset + i]. */
  isContiguous(): boolean {
    return this.dense ?? (this.dense = this.walkStrides());
  }

  private walkStrides(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /** Storage index of the element at flat row-major position `flat`. */
  locate(flat: number): number {
    let pos = this.offset;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      pos += (flat % d) * this.strides[i]!;
      flat = Math.floor(flat / d);
    }
    return pos;
  }

  /** A dense row-major copy of the elements (or the storage itself when already dense and whole). */
  contiguousStorage(): Storage {
    if (this.isContiguous()) {
      // Stryker disable next-line ConditionalExpression: a dense view as long as its storage and inside it starts at 0; only an empty one could have another offset, and then either empty array will do
      if (this.offset === 0 && this.storage.length === this.size) return this.storage;
      return this.storage.subarray(this.offset, this.offset + this.size);
    }
    return this.copyTo(allocate(this.dtype, this.size));
  }

  /** Writes the elements in row-major order into `out` (which may have another dtype). */
  copyTo<T extends Storage>(out: T): T {
    const n = this.ndim;
    if (n === 0) {
      out[0] = this.storage[this.offset]!;
      return out;
    }
    // Walk the last dimension as an inner loop; an odometer over the others.
    const inner = this.shape[n - 1]!;
    const sInner = this.strides[n - 1]!;
    const idx = new Array<number>(n).fill(0);
    const src = this.storage;
    let base = this.offset;
    for (let o = 0; o < this.size; o += inner) {
      for (let k = 0, p = base; k < inner; k++, p += sInner) out[o + k] = src[p]!;
      for (let d = n - 2; d >= 0; d--) {
        idx[d]!++;
        base += this.strides[d]!;
        if (idx[d]! < this.shape[d]!) break;
        base -= idx[d]! * this.strides[d]!;
        idx[d] = 0;
      }
    }
    return out;
  }

  /** This view if it is dense and row-major, else a dense copy. */
  contiguous(): TensorData {
    return this.isContiguous() ? this : new TensorData(this.copyTo(allocate(this.dtype, this.size)), this.shape);
  }

  // ---- views: pure index arithmetic, no data moves --------------------------------------

  /** The same storage with the dims reordered (strides permuted). */
  permute(dims: readonly number[]): TensorData {
    return new TensorData(
      this.storage,
      dims.map((d) => this.shape[d]!),
      dims.map((d) => this.strides[d]!),
      this.offset,
    );
  }

  /** Broadcast size-1 dims (and new leading dims) to `shape` with stride 0. */
  expand(shape: Shape): TensorData {
    const lead = shape.length - this.ndim;
    const strides = shape.map((d, i) => {
      // Stryker disable next-line ConditionalExpression: for a new leading dim this.shape[i - lead] is undefined, which equals no size, so the next line gives 0 too
      if (i < lead) return 0;
      const own = this.shape[i - lead]!;
      return own === d ? this.strides[i - lead]! : 0;
    });
    return new TensorData(this.storage, shape, strides, this.offset);
  }

  /**
   * Reinterprets the same elements under a new shape without copying, or returns null when the
   * strides cannot express it (then the caller copies first, as torch.reshape does).
   */
  tryView(shape: Shape): TensorData | null {
    // A public method: a shape of another size would give a view that reads the wrong elements.
    if (sizeOf(shape) !== this.size) throw new Error(`tryView: shape ${fmt(shape)} has ${sizeOf(shape)} elements, the view's shape ${fmt(this.shape)} has ${this.size}`);
    if (this.isContiguous() || this.size === 0) return new TensorData(this.storage, shape, contiguousStrides(shape), this.offset);
    // General case: split/merge dims only within runs of dims that are mutually contiguous.
    const oldShape: number[] = [];
    const oldStrides: number[] = [];
    for (let i = 0; i < this.ndim; i++) {
      if (this.shape[i] !== 1) {
        oldShape.push(this.shape[i]!);
        oldStrides.push(this.strides[i]!);
      }
    }
    // Stryker disable next-line ArrayDeclaration: the loop below sets every index before the strides are used
    const newStrides = new Array<number>(shape.length).fill(0);
    let oi = 0;
    let ni = 0;
    // The sizes are equal (checked above) and oldShape has no 1s, so the old dims run out exactly
    // when the new dims other than 1 do.
    while (ni < shape.length) {
      if (shape[ni] === 1) {
        newStrides[ni] = 1;
        ni++;
        continue;
      }
      // Gather a chunk of old dims and a chunk of new dims with equal products.
      let oldProd = oldShape[oi]!;
      let newProd = shape[ni]!;
      const oStart = oi;
      const nStart = ni;
      oi++;
      ni++;
      for (;;) {
        if (oldProd < newProd) {
          // Stryker disable next-line ConditionalExpression,EqualityOperator: unreachable when `shape` has this view's size; past the last old dim the stride check below returns null anyway
          if (oi >= oldShape.length) return null;
          oldProd *= oldShape[oi++]!;
        } else if (newProd < oldProd) {
          // Stryker disable next-line ConditionalExpression,EqualityOperator: unreachable when `shape` has this view's size (Reshape checks it): the new dims left multiply to the old dims left
          if (ni >= shape.length) return null;
          newProd *= shape[ni++]!;
        } else break;
      }
      for (let k = oStart; k < oi - 1; k++) {
        if (oldStrides[k] !== oldStrides[k + 1]! * oldShape[k + 1]!) return null;
      }
      let s = oldStrides[oi - 1]!;
      for (let k = ni - 1; k >= nStart; k--) {
        newStrides[k] = s;
        s *= shape[k]!;
      }
    }
    return new TensorData(this.storage, shape, newStrides, this.offset);
  }

  /** Elements start..start+length-1 along `dim`. */
  narrow(dim: number, start: number, length: number): TensorData {
    const shape = this.shape.slice();
    shape[dim] = length;
    return new TensorData(this.storage, shape, this.strides, this.offset + start * this.strides[dim]!);
  }

  /** The shape and dtype, for messages. */
  toString(): string {
    return `TensorData(${this.dtype}, shape ${fmt(this.shape)})`;
  }
}

