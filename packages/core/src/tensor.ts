import { type Node, apply } from './autograd/function.js';
import { kernels } from './kernels/backend.js';
import { runBackward } from './autograd/backward.js';
import { checkOptions } from './util/options.js';
import { type PrintOptions, dtypeSuffix, formatTensor } from './print/format-tensor.js';
import { Abs, Add, Div, Exp, Log, Mul, Neg, Pow, Relu, Sigmoid, Sqrt, Sub, Tanh } from './ops/elementwise.js';
import { Matmul } from './ops/matmul.js';
import { Cast, Contiguous, Expand, Narrow, Permute, Reshape } from './ops/movement.js';
import { Max, Sum } from './ops/reduce.js';
import { type DType, type Storage, allocate, isDType } from './storage/dtype.js';
import { checkNdim, checkSize, fmt, normalizeAxis, shapesEqual, sizeOf } from './storage/shape.js';
import { TensorData } from './storage/tensor-data.js';
import { versionOf } from './storage/version.js';
import { describeValue } from './util/options.js';
import { flip as flipOp, gather as gatherOp, indexSelect as indexSelectOp, roll as rollOp, scatterAdd as scatterAddOp } from './ops/index-ops.js';
import { chunk as chunkOp, slice as sliceOp, split as splitOp } from './ops/slice.js';
import { where as whereOp } from './ops/where.js';
import * as actOps from './ops/activations.js';
import type { GeluOptions } from './ops/activations.js';
import * as cmpOps from './ops/compare.js';
import * as mathOps from './ops/math.js';
import * as redOps from './ops/reductions-extra.js';
import type { VarOptions } from './ops/reductions-extra.js';
import * as smOps from './ops/softmax.js';

/**
 * A number or arbitrarily nested arrays of numbers: what `tensor()` takes and `toArray()` returns.
 *
 * @category Tensor
 */
export type NestedArray = number | NestedArray[];

/**
 * An n-d array with reverse-mode autograd. The numbers live in `tensorData` (storage, shape,
 * strides); the history lives in a graph node set by the op that made this tensor. Ops are
 * methods here and `Op` objects in ops/, where each forward sits beside its backward.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = x.transpose(0, 1).add(tensor([10, 20])).relu().mean(); // views + broadcasting
 * y.backward();
 * console.log(x.shape, y.item(), x.grad?.toArray()); // [2, 2] 17.5 [[0.25, 0.25], [0.25, 0.25]]
 * ```
 *
 * @category Tensor
 */
export class Tensor {
  private _grad: Tensor | null = null;
  /** Whether `_grad`'s storage belongs to this tensor alone, so a backward pass may add into it in place. */
  // Stryker disable next-line BooleanLiteral: never read before it is set: _grad starts null, and whatever sets _grad sets this too
  private _gradOwned = false;
  private _requiresGrad: boolean;
  /** @internal how this tensor was computed (null for leaves and untracked results). */
  _node: Node | null = null;
  /** @internal the gradient gathered for this tensor during a backward pass. */
  _pending: Tensor | null = null;
  /** @internal the number of the last backward pass that visited this tensor. */
  _mark = 0;
  /**
   * @internal Set on gradients that a backward rule computed into a new buffer no other tensor
   * shares: a leaf may adopt the buffer as its .grad instead of copying it (once: adopting clears it).
   */
  _fresh = false;

  constructor(
    readonly tensorData: TensorData,
    requiresGrad = false,
  ) {
    this._requiresGrad = requiresGrad;
  }

  /** The size of each dimension; `[]` for a 0-d tensor. */
  get shape(): readonly number[] {
    return this.tensorData.shape;
  }
  /** The number of dimensions (`shape.length`). */
  get ndim(): number {
    return this.tensorData.shape.length;
  }
  /** The number of elements (the product of `shape`; 1 for a 0-d tensor). */
  get size(): number {
    return this.tensorData.size;
  }
  /** The element type, `'float64'` or `'float32'`. */
  get dtype(): DType {
    return this.tensorData.dtype;
  }
  /**
   * The gradient accumulated by backward passes; null until one reaches this tensor. Assigning
   * it (as PyTorch allows) takes a Tensor of this tensor's shape and dtype, or null; the engine
   * never writes into an assigned gradient's storage (it copies on the next accumulation), so
   * assigning a view of another tensor cannot corrupt that tensor.
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  /** Assigns a gradient: a Tensor of this tensor's shape and dtype, or null (checked; see the getter). */
  set grad(v: Tensor | null) {
    if (v === null) {
      this._grad = null;
      return;
    }
    if (!(v instanceof Tensor)) {
      throw new Error(`grad: assigned value must be a Tensor or null, got ${Array.isArray(v) ? 'an array' : typeof v}`);
    }
    if (!shapesEqual(v.shape, this.shape)) {
      throw new Error(`grad: assigned gradient has shape ${fmt(v.shape)}, but the tensor has shape ${fmt(this.shape)}`);
    }
    if (v.dtype !== this.dtype) {
      throw new Error(`grad: assigned gradient has dtype ${v.dtype}, but the tensor has dtype ${this.dtype}`);
    }
    this._grad = v;
    this._gradOwned = false;
  }
  /** True when the tensor is a leaf that wants a gradient or depends on one. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  /** Turns gradient tracking on or off for a leaf; turning it off on a computed tensor throws (use `detach()`). */
  set requiresGrad(v: boolean) {
    if (this._node && !v) {
      throw new Error('requiresGrad: cannot turn off gradients of a non-leaf tensor; use detach()');
    }
    this._requiresGrad = v;
  }
  /** How many in-place writes this tensor's storage has seen (PyTorch's `_version`); see {@link bumpVersion}. */
  get version(): number {
    return versionOf(this.tensorData.storage);
  }
  /** Leaves are tensors not produced by a recorded op; only they receive `.grad`. */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /** @internal */
  _setNode(node: Node): void {
    this._node = node;
    this._requiresGrad = true;
  }

  // ---- read-out ---------------------------------------------------------------------------

  /** A dense row-major copy of the values, in the tensor's dtype. */
  dataSync(): Storage {
    const td = this.tensorData;
    return td.copyTo(allocate(td.dtype, td.size));
  }

  /** Nested plain arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const flat = this.tensorData.contiguousStorage();
    if (this.ndim === 0) return flat[0]!;
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const n = this.shape[d]!;
      // Stryker disable next-line ArrayDeclaration: every slot is assigned below; the length only preallocates
      const out = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++) out[i] = d === this.ndim - 1 ? flat[pos++]! : build(d + 1);
      return out;
    };
    return build(0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, expected exactly 1`);
    return this.tensorData.storage[this.tensorData.offset]!;
  }

  /**
   * PyTorch's printout: the values (summarised with `...` past `threshold` elements), then the
   * dtype, and `requiresGrad=true` or the op that made it (`gradFn=<mul>`).
   *
   * @example
   * ```ts
   * import { tensor } from '@kindling/core';
   * console.log(String(tensor([[1, 2.5], [3, 4]], { requiresGrad: true })));
   * // tensor([[1.0000, 2.5000],
   * //         [3.0000, 4.0000]], dtype=float64, requiresGrad=true)
   * ```
   */
  toString(opts?: PrintOptions): string {
    const suffix = [dtypeSuffix(this.dtype)];
    if (this._node) suffix.push(`gradFn=<${this._node.op.name}>`);
    else if (this.requiresGrad) suffix.push('requiresGrad=true');
    return formatTensor(this.tensorData, suffix, opts);
  }

  /** What Node's console.log and util.inspect show: the same as toString() (never the internals). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- elementwise ------------------------------------------------------------------------

  /** Elementwise `this + other` with NumPy broadcasting. */
  add(other: Tensor | number): Tensor {
    return apply(Add, [this, this.lift('add', other)], undefined);
  }
  /** Elementwise `this - other` with NumPy broadcasting. */
  sub(other: Tensor | number): Tensor {
    return apply(Sub, [this, this.lift('sub', other)], undefined);
  }
  /** Elementwise `this * other` with NumPy broadcasting. */
  mul(other: Tensor | number): Tensor {
    return apply(Mul, [this, this.lift('mul', other)], undefined);
  }
  /** Elementwise `this / other` with NumPy broadcasting. */
  div(other: Tensor | number): Tensor {
    return apply(Div, [this, this.lift('div', other)], undefined);
  }
  /** Elementwise `this ** k` for a constant exponent k. */
  pow(k: number): Tensor {
    if (typeof k !== 'number') throw new Error(`pow: exponent must be a number, got ${typeof k}`);
    return apply(Pow, [this], k);
  }
  /** Elementwise `-this`. */
  neg(): Tensor {
    return apply(Neg, [this], 0);
  }
  /** Elementwise `e ** this`. */
  exp(): Tensor {
    return apply(Exp, [this], 0);
  }
  /** Elementwise natural logarithm. */
  log(): Tensor {
    return apply(Log, [this], 0);
  }
  /** Elementwise square root. */
  sqrt(): Tensor {
    return apply(Sqrt, [this], 0);
  }
  /** Elementwise absolute value (gradient 0 at 0, as in PyTorch). */
  abs(): Tensor {
    return apply(Abs, [this], 0);
  }
  /** Elementwise `max(x, 0)` (gradient 0 at 0, as in PyTorch). */
  relu(): Tensor {
    return apply(Relu, [this], 0);
  }
  /** Elementwise logistic function `1 / (1 + e ** -x)`. */
  sigmoid(): Tensor {
    return apply(Sigmoid, [this], 0);
  }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor {
    return apply(Tanh, [this], 0);
  }

  /** A plain number becomes a 0-d tensor of this tensor's dtype (numbers never promote). */
  private lift(op: string, other: Tensor | number): Tensor {
    if (other instanceof Tensor) return other;
    if (typeof other !== 'number') {
      throw new Error(`${op}: expected a Tensor or a number, got ${other === null ? 'null' : typeof other}`);
    }
    const s = allocate(this.dtype, 1);
    s[0] = other;
    return new Tensor(new TensorData(s, []));
  }

  // ---- reductions -------------------------------------------------------------------------

  /** Sum over `axis` (a number or a list; negative counts from the end; all axes when omitted, giving a 0-d tensor). `keepdim` keeps the reduced dims with size 1. */
  sum(axis?: number | readonly number[], keepdim = false): Tensor {
    return apply(Sum, [this], { axes: this.axes('sum', axis, keepdim), keepdim });
  }
  /** Mean over `axis`, with the same axis rules as {@link Tensor.sum}. */
  mean(axis?: number | readonly number[], keepdim = false): Tensor {
    const axes = this.axes('mean', axis, keepdim);
    let count = 1;
    for (const a of axes) count *= this.shape[a]!;
    return apply(Sum, [this], { axes, keepdim }).div(count);
  }
  /** Maximum values over the axes (no indices); ties share the gradient equally. */
  max(axis?: number | readonly number[], keepdim = false): Tensor {
    const axes = this.axes('max', axis, keepdim);
    for (const a of axes) {
      if (this.shape[a] === 0) throw new Error(`max: cannot reduce over axis ${a} of size 0 (shape ${fmt(this.shape)})`);
    }
    return apply(Max, [this], { axes, keepdim });
  }

  private axes(op: string, axis: number | readonly number[] | undefined, keepdim: boolean): number[] {
    // keepdim 'yes' or 1 would otherwise be taken as truthy and change the result's shape silently.
    if (typeof keepdim !== 'boolean') throw new Error(`${op}: keepdim must be a boolean, got ${describeValue(keepdim)}`);
    if (axis === undefined || axis === null) return this.shape.map((_, i) => i);
    // Array.from would turn '12' into axes 1 and 2 and true or {} into no axes at all.
    if (typeof axis !== 'number' && !Array.isArray(axis)) {
      throw new Error(`${op}: axis must be an integer or an array of integers, got ${describeValue(axis)}`);
    }
    const list: readonly number[] = typeof axis === 'number' ? [axis] : axis;
    const out = list.map((a) => normalizeAxis(op, a, this.ndim));
    if (new Set(out).size !== out.length) throw new Error(`${op}: axis [${list.join(', ')}] repeats an axis`);
    return out.sort((a, b) => a - b);
  }

  // ---- math, comparison and reduction ops (ops/compare.ts, ops/math.ts, ops/activations.ts, ops/reductions-extra.ts, ops/softmax.ts)

  /** `this == other` elementwise with broadcasting: a 0/1 float tensor (no boolean dtype), no gradient. See {@link eq}. */
  eq(other: Tensor | number): Tensor {
    return cmpOps.eq(this, other);
  }
  /** `this != other` elementwise: a 0/1 float tensor, no gradient. See {@link ne}. */
  ne(other: Tensor | number): Tensor {
    return cmpOps.ne(this, other);
  }
  /** `this < other` elementwise: a 0/1 float tensor, no gradient. See {@link lt}. */
  lt(other: Tensor | number): Tensor {
    return cmpOps.lt(this, other);
  }
  /** `this <= other` elementwise: a 0/1 float tensor, no gradient. See {@link le}. */
  le(other: Tensor | number): Tensor {
    return cmpOps.le(this, other);
  }
  /** `this > other` elementwise: a 0/1 float tensor, no gradient. See {@link gt}. */
  gt(other: Tensor | number): Tensor {
    return cmpOps.gt(this, other);
  }
  /** `this >= other` elementwise: a 0/1 float tensor, no gradient. See {@link ge}. */
  ge(other: Tensor | number): Tensor {
    return cmpOps.ge(this, other);
  }
  /** 1 where the element is NaN, else 0, in this tensor's dtype. See {@link isnan}. */
  isnan(): Tensor {
    return cmpOps.isnan(this);
  }
  /** 1 where the element is finite, else 0, in this tensor's dtype. See {@link isfinite}. */
  isfinite(): Tensor {
    return cmpOps.isfinite(this);
  }
  /** Elementwise minimum with broadcasting; ties split the gradient half and half. See {@link minimum}. */
  minimum(other: Tensor | number): Tensor {
    return mathOps.minimum(this, other);
  }
  /** Elementwise maximum with broadcasting; ties split the gradient half and half. See {@link maximum}. */
  maximum(other: Tensor | number): Tensor {
    return mathOps.maximum(this, other);
  }
  /** Clamps into [min, max] (either may be omitted); gradient 1 inside, bounds included. See {@link clamp}. */
  clamp(min?: number | null, max?: number | null): Tensor {
    return mathOps.clampImpl(this, min, max);
  }
  /** Elementwise `this²` (the same op as `pow(2)`). */
  square(): Tensor {
    return this.pow(2);
  }
  /** Elementwise `1 / √this`. */
  rsqrt(): Tensor {
    return mathOps.rsqrt(this);
  }
  /** Elementwise `1 / this`. */
  reciprocal(): Tensor {
    return mathOps.reciprocal(this);
  }
  /** Elementwise sign (-1, 0, 1; NaN stays NaN); gradient 0. See {@link sign}. */
  sign(): Tensor {
    return mathOps.sign(this);
  }
  /** Elementwise sine (radians). */
  sin(): Tensor {
    return mathOps.sin(this);
  }
  /** Elementwise cosine (radians). */
  cos(): Tensor {
    return mathOps.cos(this);
  }
  /** Elementwise `log(1 + this)`, accurate near 0. */
  log1p(): Tensor {
    return mathOps.log1p(this);
  }
  /** Elementwise `exp(this) - 1`, accurate near 0. */
  expm1(): Tensor {
    return mathOps.expm1(this);
  }
  /** Elementwise error function, to full float64 accuracy. See {@link erf}. */
  erf(): Tensor {
    return mathOps.erf(this);
  }
  /** `log(1 + e^(beta·x)) / beta`, and x where beta·x > threshold. See {@link softplus}. */
  softplus(beta = 1, threshold = 20): Tensor {
    return actOps.softplusImpl(this, beta, threshold);
  }
  /** x for x > 0, negativeSlope·x otherwise. See {@link leakyRelu}. */
  leakyRelu(negativeSlope = 0.01): Tensor {
    return actOps.leakyReluImpl(this, negativeSlope);
  }
  /** x for x > 0, alpha·(e^x - 1) otherwise. See {@link elu}. */
  elu(alpha = 1): Tensor {
    return actOps.eluImpl(this, alpha);
  }
  /** x·Φ(x), or PyTorch's tanh approximation with `{ approximate: 'tanh' }`. See {@link gelu}. */
  gelu(opts?: GeluOptions): Tensor {
    return actOps.geluImpl(this, opts);
  }
  /** x·sigmoid(x). See {@link silu}. */
  silu(): Tensor {
    return actOps.siluImpl(this);
  }
  /** Minimum values over the axes (the rules of {@link Tensor.max}; torch.amin). */
  min(axis?: number | readonly number[], keepdim = false): Tensor {
    return redOps.minImpl(this, this.axes('min', axis, keepdim), keepdim);
  }
  /** Index of the largest element along `dim` (flattened when omitted), as float64; first on ties. See {@link argmax}. */
  argmax(dim?: number, keepdim = false): Tensor {
    return redOps.argImpl('argmax', this, dim, keepdim);
  }
  /** Index of the smallest element along `dim` (flattened when omitted), as float64; first on ties. See {@link argmin}. */
  argmin(dim?: number, keepdim = false): Tensor {
    return redOps.argImpl('argmin', this, dim, keepdim);
  }
  /** Product over the axes; the gradient is exact with zeros. See {@link prod}. */
  prod(axis?: number | readonly number[], keepdim = false): Tensor {
    return redOps.prodImpl(this, this.axes('prod', axis, keepdim), keepdim);
  }
  /** `log Σ exp(this)` over the axes, computed stably. See {@link logsumexp}. */
  logsumexp(axis?: number | readonly number[], keepdim = false): Tensor {
    return redOps.logsumexpImpl(this, this.axes('logsumexp', axis, keepdim), keepdim);
  }
  /** Variance over the axes, `Σ(x - mean)² / (N - correction)`, correction 1 by default (torch.var). */
  var(axis?: number | readonly number[], keepdim = false, opts?: VarOptions): Tensor {
    return redOps.varImpl(this, this.axes('var', axis, keepdim), keepdim, opts);
  }
  /** Standard deviation over the axes (torch.std): sqrt of {@link Tensor.var}; gradient 0 where it is 0. */
  std(axis?: number | readonly number[], keepdim = false, opts?: VarOptions): Tensor {
    return redOps.stdImpl(this, this.axes('std', axis, keepdim), keepdim, opts);
  }
  /** The vector p-norm (p = 2, 1 or Infinity) over the axes (every element when omitted). See {@link norm}. */
  norm(p = 2, axis?: number | readonly number[], keepdim = false): Tensor {
    return redOps.normImpl(this, p, this.axes('norm', axis, keepdim), keepdim);
  }
  /** Cumulative sum along `dim`. See {@link cumsum}. */
  cumsum(dim: number): Tensor {
    return redOps.cumsumImpl(this, dim);
  }
  /** softmax along `dim` (required), stable for large inputs. See {@link softmax}. */
  softmax(dim: number): Tensor {
    return smOps.softmaxImpl(this, dim);
  }
  /** log-softmax along `dim` (required), stable for large inputs. See {@link logSoftmax}. */
  logSoftmax(dim: number): Tensor {
    return smOps.logSoftmaxImpl(this, dim);
  }

  // ---- linear algebra ---------------------------------------------------------------------

  /** Matrix product with PyTorch's rules: 1-d operands are lifted to a row / column and dropped again. */
  matmul(other: Tensor): Tensor {
    if (!(other instanceof Tensor)) throw new Error('matmul: expected a Tensor argument');
    if (this.ndim === 0 || other.ndim === 0) {
      throw new Error(`matmul: both arguments need at least 1 dimension, got shapes ${fmt(this.shape)} and ${fmt(other.shape)}`);
    }
    const a = this.ndim === 1 ? this.unsqueeze(0) : this;
    const b = other.ndim === 1 ? other.unsqueeze(1) : other;
    const K = a.shape[a.ndim - 1];
    if (b.shape[b.ndim - 2] !== K) {
      throw new Error(`matmul: shapes ${fmt(this.shape)} and ${fmt(other.shape)} are not aligned (${K} vs ${b.shape[b.ndim - 2]})`);
    }
    let out = apply(Matmul, [a, b], undefined);
    if (other.ndim === 1) out = out.squeeze(-1);
    if (this.ndim === 1) out = out.squeeze(-2 + (other.ndim === 1 ? 1 : 0));
    return out;
  }

  // ---- views ------------------------------------------------------------------------------

  /** Same elements, new shape (one dim may be -1); a view when the strides allow, else a copy. */
  reshape(shape: readonly number[]): Tensor {
    const resolved = resolveShape('reshape', shape, this.size, this.shape);
    if (shapesEqual(resolved, this.shape)) return this;
    return apply(Reshape, [this], resolved);
  }
  /** Alias of reshape, for PyTorch users. */
  view(shape: readonly number[]): Tensor {
    return this.reshape(shape);
  }
  /** Reorders the dims (a view: no copy, new strides); `dims` is a permutation of 0..ndim-1. */
  permute(dims: readonly number[]): Tensor {
    if (!Array.isArray(dims) || dims.length !== this.ndim) {
      throw new Error(`permute: expected ${this.ndim} dims for shape ${fmt(this.shape)}, got [${Array.from(dims ?? []).join(', ')}]`);
    }
    const norm = dims.map((d) => normalizeAxis('permute', d, this.ndim));
    if (new Set(norm).size !== norm.length) throw new Error(`permute: dims [${dims.join(', ')}] are not a permutation`);
    return apply(Permute, [this], norm);
  }
  /** Swaps dims d0 and d1 (a view). */
  transpose(d0: number, d1: number): Tensor {
    const a = normalizeAxis('transpose', d0, this.ndim);
    const b = normalizeAxis('transpose', d1, this.ndim);
    const dims = this.shape.map((_, i) => i);
    dims[a] = b;
    dims[b] = a;
    return apply(Permute, [this], dims);
  }
  /** Inserts a size-1 dim at position d (negative d counts from the end of the result). */
  unsqueeze(d: number): Tensor {
    checkNdim('unsqueeze', this.ndim + 1);
    const pos = normalizeAxis('unsqueeze', d, this.ndim + 1);
    const shape = this.shape.slice();
    shape.splice(pos, 0, 1);
    return apply(Reshape, [this], shape);
  }
  /** Drops dim d if it has size 1 (as PyTorch, a no-op otherwise), or every size-1 dim. */
  squeeze(d?: number): Tensor {
    if (d === undefined) return apply(Reshape, [this], this.shape.filter((s) => s !== 1));
    const pos = normalizeAxis('squeeze', d, this.ndim);
    if (this.shape[pos] !== 1) return this;
    return apply(Reshape, [this], this.shape.filter((_, i) => i !== pos));
  }
  /** Broadcasts size-1 dims to `shape` without copying (-1 keeps a dim). */
  expand(shape: readonly number[]): Tensor {
    if (!Array.isArray(shape) || shape.length < this.ndim) {
      throw new Error(`expand: cannot expand shape ${fmt(this.shape)} to ${Array.isArray(shape) ? fmt(shape) : describeValue(shape)}`);
    }
    checkNdim('expand', shape.length);
    const lead = shape.length - this.ndim;
    const target = shape.map((d, i) => {
      // This tensor's size at i; a new leading dim (i < lead) reads a negative index: undefined.
      const own: number | undefined = this.shape[i - lead];
      // -1 keeps an existing dim; for a new leading dim it stays -1 and is refused (as in PyTorch).
      const want = d === -1 ? (own ?? -1) : d;
      if (!Number.isInteger(want) || want < 0 || (own !== undefined && own !== 1 && own !== want)) {
        throw new Error(`expand: cannot expand shape ${fmt(this.shape)} to ${fmt(shape)}`);
      }
      return want;
    });
    if (shapesEqual(target, this.shape)) return this;
    // A view costs nothing, but almost anything done with it allocates its full size.
    checkSize('expand', target);
    return apply(Expand, [this], target);
  }
  /** The slice start..start+length-1 along dim, as a view. */
  narrow(dim: number, start: number, length: number): Tensor {
    const d = normalizeAxis('narrow', dim, this.ndim);
    const n = this.shape[d]!;
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > n) {
      throw new Error(`narrow: start ${describeValue(start)} and length ${describeValue(length)} are out of range for dim ${dim} of size ${n} (shape ${fmt(this.shape)})`);
    }
    return apply(Narrow, [this], { dim: d, start, length });
  }
  /** Merges dims startDim..endDim into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    if (this.ndim === 0) return this.reshape([1]);
    const s = normalizeAxis('flatten', startDim, this.ndim);
    const e = normalizeAxis('flatten', endDim, this.ndim);
    if (s > e) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim} for shape ${fmt(this.shape)}`);
    const merged = this.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
    return this.reshape([...this.shape.slice(0, s), merged, ...this.shape.slice(e + 1)]);
  }

  // ---- indexing, slicing and joining ops (ops/slice.ts, ops/index-ops.ts, ops/where.ts) -----
  // Index arguments are plain integer arrays or float tensors holding integers (core has no
  // integer dtype); each is checked against its dim, so nothing reads out of bounds.

  /** Views of pieces along `dim`: of size `splitSizeOrSections` (the last may be smaller), or of the listed sizes (torch.split). */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return splitOp(this, splitSizeOrSections, dim);
  }
  /** Views of `chunks` near-equal pieces along `dim`, the last smaller, possibly fewer (torch.chunk). */
  chunk(chunks: number, dim = 0): Tensor[] {
    return chunkOp(this, chunks, dim);
  }
  /** Python's `x[start:end:step]` along `dim`, as a view: bounds optional, negative from the end, clamped; step > 0. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return sliceOp(this, dim, start, end, step);
  }
  /** The entries at `index` (1-d, integers in [0, size)) along `dim` (torch.index_select). */
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor {
    return indexSelectOp(this, dim, index);
  }
  /** `out[i][j] = this[index[i][j]][j]` for dim 0, and so on (torch.gather); the result has the index's shape. */
  gather(dim: number, index: Tensor | NestedArray): Tensor {
    return gatherOp(this, dim, index);
  }
  /** A copy with `src` added at `index` along `dim` (torch.Tensor.scatter_add, out of place); gather's adjoint. */
  scatterAdd(dim: number, index: Tensor | NestedArray, src: Tensor): Tensor {
    return scatterAddOp(this, dim, index, src);
  }
  /** `condition ? this : other` elementwise, broadcasting (torch.Tensor.where); condition holds 0s and 1s. */
  where(condition: Tensor, other: Tensor | number): Tensor {
    return whereOp(condition, this, other);
  }
  /** The elements in reverse order along each of `dims` (torch.flip; a copy). */
  flip(dims: number | readonly number[]): Tensor {
    return flipOp(this, dims);
  }
  /** Elements rotated by `shifts` along `dims`, or over the flattened tensor without dims (torch.roll). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return rollOp(this, shifts, dims);
  }

  // ---- copies and graph control -------------------------------------------------------------

  /** This tensor if its elements are dense and row-major, else a dense copy (gradients flow back). */
  contiguous(): Tensor {
    return this.tensorData.isContiguous() ? this : apply(Contiguous, [this], undefined);
  }
  /** A copy with its own storage; gradients flow back to this tensor. */
  clone(): Tensor {
    return apply(Contiguous, [this], undefined);
  }
  /** A copy in another dtype (this tensor itself when the dtype already matches); gradients flow back. */
  to(dtype: DType): Tensor {
    if (!isDType(dtype)) throw new Error(`to: unknown dtype '${String(dtype)}' (expected 'float64' or 'float32')`);
    return dtype === this.dtype ? this : apply(Cast, [this], dtype);
  }
  /** The same storage, cut from the graph (and never requiring grad). */
  detach(): Tensor {
    return new Tensor(this.tensorData);
  }

  /**
   * Back-propagates from this tensor: `backward()`, `backward(gradient)`, `backward({ createGraph })`
   * or `backward(gradient, { createGraph })`. Without `gradient` the tensor must have one element
   * (its gradient is 1); otherwise `gradient` must have this tensor's shape. Gradients add into
   * the `.grad` of every leaf that requires them. With `createGraph: true` the pass records a
   * graph, so each `.grad` can itself be differentiated (Hessian-vector products, gradient
   * penalties). `retainGraph` is accepted for PyTorch compatibility: Kindling keeps a graph
   * until it is garbage collected, so a graph can always be walked again.
   */
  backward(gradOrOpts?: Tensor | BackwardOptions | null, opts?: BackwardOptions): void {
    // `loss.backward()`, once per training step: nothing to parse.
    if (gradOrOpts === undefined && opts === undefined) return startPass(this, undefined, false);
    let grad: Tensor | null | undefined;
    if (gradOrOpts instanceof Tensor || gradOrOpts === null || gradOrOpts === undefined) grad = gradOrOpts;
    else if (typeof gradOrOpts === 'object' && !Array.isArray(gradOrOpts) && opts === undefined) {
      opts = gradOrOpts;
      grad = undefined;
    } else throw new Error(`backward: expected a gradient Tensor or an options object, got ${Array.isArray(gradOrOpts) ? 'an array' : typeof gradOrOpts}`);
    const {
      createGraph = false,
      // Stryker disable next-line BooleanLiteral: retainGraph is only checked to be a boolean; Kindling's graphs can always be walked again
      retainGraph = false,
    } = checkOptions('backward', opts, BACKWARD_KEYS);
    if (typeof createGraph !== 'boolean') throw new Error(`backward: createGraph must be a boolean, got ${String(createGraph)}`);
    if (typeof retainGraph !== 'boolean') throw new Error(`backward: retainGraph must be a boolean, got ${String(retainGraph)}`);
    startPass(this, grad, createGraph);
  }

  /**
   * @internal Adds g into .grad, keeping .grad a tensor of this tensor's dtype and shape. An
   * ordinary pass adds in place into a buffer this tensor owns; a `createGraph` pass adds out of
   * place, so the new .grad keeps the history of both terms.
   */
  _accumulateGrad(g: Tensor, createGraph: boolean): void {
    if (createGraph && (g.requiresGrad || this._grad?.requiresGrad)) {
      this._grad = this._grad === null ? g : this._grad.add(g);
      this._gradOwned = false;
      return;
    }
    const td = g.tensorData;
    if (this._grad === null || !this._gradOwned) {
      // A dense buffer that only this backward pass has seen can become .grad as it is.
      if (
        this._grad === null &&
        g._fresh &&
        // Stryker disable next-line ConditionalExpression: the engine casts every gradient to its input's dtype (autograd/backward.ts) before a leaf gets it
        td.dtype === this.dtype &&
        // Stryker disable next-line ConditionalExpression: a contiguous run of this.size elements in a buffer of exactly that length starts at 0 (or is empty)
        td.offset === 0 &&
        td.storage.length === this.size &&
        td.isContiguous()
      ) {
        g._fresh = false;
        // The engine hands a leaf a gradient of its own shape (backward.ts sums broadcast ones
        // back), so the dense TensorData itself can be kept, without a second one over it.
        this._grad = new Tensor(td);
        this._gradOwned = true;
        return;
      }
      const own = allocate(this.dtype, this.size);
      kernels.copy(td, own);
      // An assigned gradient is read by logical index and never written: it may be a view of
      // storage this tensor does not own (a transpose, a narrow of a bigger buffer).
      if (this._grad !== null) {
        const prev = allocate(this.dtype, this.size);
        kernels.copy(this._grad.tensorData, prev);
        kernels.accumulate(own, prev, 0, own.length);
      }
      this._grad = new Tensor(new TensorData(own, this.shape));
      this._gradOwned = true;
      return;
    }
    const dst = this._grad.tensorData.storage;
    // Stryker disable next-line ConditionalExpression: a dense copy of a contiguous gradient adds the same values; reading its storage in place is the fast path
    if (td.isContiguous()) kernels.accumulate(dst, td.storage, td.offset, dst.length);
    else kernels.accumulate(dst, td.copyTo(allocate(td.dtype, td.size)), 0, dst.length);
  }
}

const BACKWARD_KEYS = ['createGraph', 'retainGraph'] as const;
const PLAIN_PASS = { createGraph: false };
const GRAPH_PASS = { createGraph: true };

function startPass(t: Tensor, grad: Tensor | null | undefined, createGraph: boolean): void {
  if (!t.requiresGrad) throw new Error(`backward: tensor of shape ${fmt(t.shape)} does not require grad and has no graph`);
  const seed = (grad === undefined || grad === null) && !createGraph && t.ndim === 0 ? scalarOne(t.dtype) : seedFor('backward', t, grad, createGraph);
  runBackward([t], [seed], createGraph ? GRAPH_PASS : PLAIN_PASS);
}

const ONES: { float32: Tensor | null; float64: Tensor | null } = { float32: null, float64: null };

/**
 * The seed of `loss.backward()` on a 0-d loss, one per dtype, made once: a training loop's
 * every step otherwise allocates a buffer and two objects for it (about 3% of the blog's
 * step). Safe to share because nothing outside an ordinary pass can hold it: the pass records
 * no graph, and a leaf copies a gradient the pass did not allocate. A backward rule that wrote
 * into its incoming gradient would change it, so it is only reused while it still holds 1.
 */
function scalarOne(dtype: DType): Tensor {
  const one = ONES[dtype];
  if (one !== null && one.tensorData.storage[0] === 1) return one;
  const s = allocate(dtype, 1);
  s[0] = 1;
  return (ONES[dtype] = new Tensor(new TensorData(s, [])));
}

/**
 * Options of {@link Tensor.backward}, as torch.Tensor.backward's keyword arguments.
 *
 * @category Tensor
 */
export interface BackwardOptions {
  /** Record the backward pass as a graph, so the gradients can be differentiated again. */
  createGraph?: boolean;
  /** Accepted for PyTorch compatibility; Kindling's graphs can always be walked again. */
  retainGraph?: boolean;
}

/** The seed of a pass from `t`: 1 for a one-element tensor, else the given gradient (checked). */
export function seedFor(op: string, t: Tensor, grad: Tensor | null | undefined, createGraph: boolean): Tensor {
  if (grad === undefined || grad === null) {
    if (t.size !== 1) {
      throw new Error(`${op}: grad can be implicitly created only for a tensor with one element, got shape ${fmt(t.shape)}; pass a gradient of that shape`);
    }
    const one = allocate(t.dtype, 1);
    one[0] = 1;
    return new Tensor(new TensorData(one, t.shape));
  }
  if (!(grad instanceof Tensor)) throw new Error(`${op}: gradient must be a Tensor, got ${Array.isArray(grad) ? 'an array' : typeof grad}`);
  if (!shapesEqual(grad.shape, t.shape)) {
    throw new Error(`${op}: gradient of shape ${fmt(grad.shape)} does not match tensor of shape ${fmt(t.shape)}`);
  }
  // A gradient with history is kept as it is under createGraph, so that the result can be
  // differentiated with respect to it too (the double-vjp trick behind jvp).
  const g = grad.to(t.dtype); // the tensor itself when the dtype already matches
  return createGraph ? g : g.detach();
}

/** Resolves one -1 and checks the element count, as torch.reshape does. */
export function resolveShape(op: string, shape: readonly number[], size: number, from: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of integers, got ${describeValue(shape)}`);
  checkNdim(op, shape.length);
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be -1, got ${fmt(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      // Name the element: a Tensor or an object inside the list would print its whole value.
      throw new Error(typeof d === 'number' ? `${op}: invalid shape ${fmt(shape)}` : `${op}: invalid shape: dimension ${i} is ${describeValue(d)}, not an integer`);
    } else known *= d;
  });
  const out = shape.slice();
  if (infer >= 0) {
    // Stryker disable next-line ConditionalExpression: size % 0 is NaN, which throws too; the test says what it means (-1 could be any size)
    if (known === 0 || size % known !== 0) throw new Error(`${op}: cannot reshape tensor of shape ${fmt(from)} (${size} elements) into ${fmt(shape)}`);
    out[infer] = size / known;
  }
  if (sizeOf(out) !== size) throw new Error(`${op}: cannot reshape tensor of shape ${fmt(from)} (${size} elements) into ${fmt(shape)}`);
  return out;
}
