import { type Op, type Storage, Tensor, TensorData, apply, checkOptions, describeValue } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor, fmtShape } from '../util.js';
import { boolArg, int1 } from './common.js';
import { pyBool } from './repr.js';

/*
 * 1-d pooling as two linear ops over windows of the last dim, plus max pooling's forward.
 *
 * Every pool reads, for output position j of each row (a row is one (sample, channel) pair of
 * an [N, C, L] input), the elements start_j, start_j + step, ... (count_j of them) of that row:
 *  - WindowSum: out_j = (Σ x over the window) / div_j — average pooling (PyTorch sums, then
 *    divides, as here), and with one-element windows and no divisor a gather;
 *  - WindowScatter, its adjoint: in_p += g_j / div_j for every p in window j, into zeros.
 * Each one's backward is the other, so gradients of every order stay within the pair.
 *
 * Max pooling finds, per row and window, the first index of the maximum (NaN counts as the
 * maximum, as in PyTorch's kernels) in its own forward; its backward is a WindowScatter over the
 * one-element windows at those indices, so the whole gradient goes to the first maximal element
 * (PyTorch's rule, where `Tensor.max` would share it among ties) and the second derivative flows
 * through the gather. Nothing per element is a JavaScript Tensor: each op is one loop.
 */

/** Windows over the last dim of a [rows, L] view: shared by every row, or one set per row (`perRow`). */
interface Windows {
  /** Input length (the last dim). */
  L: number;
  /** Output length. */
  lout: number;
  /** First element of each window; `lout` entries, or `rows·lout` when perRow. */
  start: Int32Array;
  /** Elements in each window (0 or less: an empty window, which reads nothing). */
  count: Int32Array;
  /** Distance between a window's elements (max pooling's dilation; 1 otherwise). */
  step: number;
  /** Divisor of each window (`lout` or `rows·lout` entries); null: 1. */
  div: Float64Array | null;
  perRow: boolean;
}

const alloc = (dtype: 'float32' | 'float64', n: number): Storage => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));

const WindowSum: Op<Windows> = {
  name: 'poolWindowSum',
  saved: [], // linear: the backward needs no values
  forward([x], w) {
    const src = x!.contiguousStorage();
    const rows = x!.size / w.L; // L >= 1: asBatched rejects an empty last dim
    const out = alloc(x!.dtype, rows * w.lout);
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
    for (let r = 0; r < rows; r++) {
      const base = r * w.L;
      // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
      for (let j = 0; j < w.lout; j++) {
        const k = w.perRow ? r * w.lout + j : j;
        let acc = 0;
        for (let t = 0, p = base + w.start[k]!; t < w.count[k]!; t++, p += w.step) acc += src[p]!;
        out[r * w.lout + j] = w.div ? acc / w.div[k]! : acc;
      }
    }
    return new TensorData(out, [...x!.shape.slice(0, -1), w.lout]);
  },
  backward(g, ctx) {
    return [apply(WindowScatter, [g], ctx.params)];
  },
};

const WindowScatter: Op<Windows> = {
  name: 'poolWindowScatter',
  saved: [],
  forward([g], w) {
    const src = g!.contiguousStorage();
    const rows = g!.size / w.lout; // lout >= 1: every layer checks it
    const out = alloc(g!.dtype, rows * w.L);
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
    for (let r = 0; r < rows; r++) {
      const base = r * w.L;
      for (let j = 0; j < w.lout; j++) {
        const k = w.perRow ? r * w.lout + j : j;
        const v = w.div ? src[r * w.lout + j]! / w.div[k]! : src[r * w.lout + j]!;
        for (let t = 0, p = base + w.start[k]!; t < w.count[k]!; t++, p += w.step) out[p] += v;
      }
    }
    return new TensorData(out, [...g!.shape.slice(0, -1), w.L]);
  },
  backward(gg, ctx) {
    return [apply(WindowSum, [gg], ctx.params)];
  },
};

/** Shared windows of a max pool: the in-bounds elements of each dilated window (no padding values). */
interface MaxGeometry {
  L: number;
  lout: number;
  start: Int32Array;
  count: Int32Array;
  step: number;
}

/**
 * Values and, per row, the index of each window's first maximum. PyTorch's test: a strictly
 * larger value, or NaN (which then propagates). The starting index is the window's first
 * in-bounds element, as in PyTorch's kernel (it matters only for an all −∞ window).
 */
function maxForward(x: TensorData, geo: MaxGeometry): { values: TensorData; windows: Windows } {
  const src = x.contiguousStorage();
  const rows = x.size / geo.L;
  const out = alloc(x.dtype, rows * geo.lout);
  const idx = new Int32Array(rows * geo.lout);
  const count = new Int32Array(rows * geo.lout);
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
  for (let r = 0; r < rows; r++) {
    const base = r * geo.L;
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
    for (let j = 0; j < geo.lout; j++) {
      const s = geo.start[j]!;
      const n = geo.count[j]!;
      let best = -Infinity;
      let at = s;
      for (let t = 0, p = s; t < n; t++, p += geo.step) {
        const v = src[base + p]!;
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = p;
        }
      }
      out[r * geo.lout + j] = best;
      idx[r * geo.lout + j] = at;
      count[r * geo.lout + j] = n > 0 ? 1 : 0;
    }
  }
  return {
    values: new TensorData(out, [...x.shape.slice(0, -1), geo.lout]),
    windows: { L: geo.L, lout: geo.lout, start: idx, count, step: 1, div: null, perRow: true },
  };
}

/**
 * Max pooling as an op: the values come computed (by maxForward, which also found the indices
 * the caller returns), and the backward sends each gradient to its window's first maximum.
 */
const MaxPool: Op<{ values: TensorData; windows: Windows }> = {
  name: 'maxPool1d',
  saved: [], // the backward reads only the indices
  forward: (_inputs, p) => p.values,
  backward: (g, ctx) => [apply(WindowScatter, [g], ctx.params.windows)],
};

/** PyTorch's pooling_output_shape: floor (or ceil) division, and in ceil mode the last window must start inside the input or the left padding. */
function outputLength(L: number, K: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let n = Math.floor((L + 2 * pad - dilation * (K - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  // Only ceil mode can start a window there: floor mode's last window ends inside the padded
  // input, and padding <= K / 2 leaves it starting before L.
  if ((n - 1) * stride >= L + pad) n--;
  return n;
}

/** The input as [B, C, L] (an unbatched [C, L] gets B = 1) and how to shape the result back. */
function asBatched(op: string, x: unknown): { x3: Tensor; unbatched: boolean } {
  checkTensor(op, x, 'a Tensor of shape [N, C, L] or [C, L]');
  if (x.ndim !== 2 && x.ndim !== 3) throw new Error(`${op}: expected a 2D [C, L] or 3D [N, C, L] input, got shape ${fmtShape(x.shape)}`);
  if (x.shape[x.ndim - 1] === 0) throw new Error(`${op}: the input's length (last dim) must be at least 1, got shape ${fmtShape(x.shape)}`);
  return { x3: x.ndim === 2 ? x.unsqueeze(0) : x, unbatched: x.ndim === 2 };
}

/** A Python-style echo of a size argument as the caller gave it: `3`, or `(3,)` for a 1-tuple. */
const asGiven = (v: unknown, n: number): string => (Array.isArray(v) ? `(${n},)` : String(n));

const MAXPOOL_OPTIONS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];

/**
 * Options of {@link MaxPool1d}: torch.nn.MaxPool1d's keyword arguments, camelCase.
 *
 * @category Layers
 */
export interface MaxPool1dOptions {
  /** Step between windows (default, or null: kernelSize). */
  stride?: number | readonly [number] | null;
  /** Implicit −∞ added at each end (default 0); at most half the kernel size. */
  padding?: number | readonly [number];
  /** Distance between a window's elements (default 1). */
  dilation?: number | readonly [number];
  /** Round the output length up instead of down (default false); the last window must still start inside the input or the left padding. */
  ceilMode?: boolean;
  /** Only false: a Module's forward returns one tensor, so indices come from {@link MaxPool1d.forwardWithIndices}. */
  returnIndices?: false;
}

function noReturnIndices(op: string, v: unknown): void {
  if (v === undefined || v === false) return;
  throw new Error(`${op}: returnIndices ${describeValue(v)} is not supported: forward() returns one tensor; call forwardWithIndices(x) for [values, indices]`);
}

/**
 * torch.nn.MaxPool1d over `[N, C, L]` or `[C, L]`: the maximum of each window of `kernelSize`
 * elements (`dilation` apart), windows `stride` apart (default kernelSize), the input padded
 * with −∞ by `padding` at each end. Output length
 * `floor((L + 2·padding − dilation·(kernelSize − 1) − 1) / stride) + 1` (ceil with `ceilMode`,
 * dropping a last window that would start in the right padding). The gradient of each window
 * goes to the first of its maximal elements, as in PyTorch. `forwardWithIndices` also returns
 * those positions (in the unpadded input, as a float tensor of integers, like core's argmax).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { MaxPool1d } from '@kindling/nn';
 * const pool = new MaxPool1d(2);
 * console.log(pool.forward(tensor([[[1, 3, 2, 2, 5]]])).toArray(), String(pool)); // [[[3, 2]]] MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
 * const [values, indices] = new MaxPool1d(2, { ceilMode: true }).forwardWithIndices(tensor([[[1, 3, 2, 2, 5]]]));
 * console.log(values.toArray(), indices.toArray()); // [[[3, 2, 5]]] [[[1, 2, 4]]]
 * ```
 *
 * @category Layers
 */
export class MaxPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;
  #repr: string;

  constructor(kernelSize: number | readonly [number], opts: MaxPool1dOptions = {}) {
    super();
    const o = checkOptions('MaxPool1d', opts, MAXPOOL_OPTIONS);
    noReturnIndices('MaxPool1d', o.returnIndices);
    this.kernelSize = int1('MaxPool1d', 'kernelSize', kernelSize, 1);
    const stride = o.stride ?? kernelSize;
    this.stride = int1('MaxPool1d', 'stride', stride, 1);
    this.padding = int1('MaxPool1d', 'padding', o.padding ?? 0, 0);
    this.dilation = int1('MaxPool1d', 'dilation', o.dilation ?? 1, 1);
    this.ceilMode = boolArg('MaxPool1d', 'ceilMode', o.ceilMode ?? false);
    if (this.padding > Math.floor(this.kernelSize / 2)) {
      throw new Error(`MaxPool1d: padding ${this.padding} must be at most half of kernelSize ${this.kernelSize} (at most ${Math.floor(this.kernelSize / 2)})`);
    }
    // PyTorch stores these as given, so str(module) shows a tuple where one was passed.
    this.#repr = `kernel_size=${asGiven(kernelSize, this.kernelSize)}, stride=${asGiven(stride, this.stride)}, padding=${asGiven(o.padding, this.padding)}, dilation=${asGiven(o.dilation, this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`;
  }

  override forward(x: Tensor): Tensor {
    return this.forwardWithIndices(x)[0];
  }

  /** `[values, indices]`, as PyTorch's `return_indices=True`: indices are positions along the input's last dim (float64 integers). */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    const { x3, unbatched } = asBatched('MaxPool1d', x);
    const L = x3.shape[2]!;
    const lout = outputLength(L, this.kernelSize, this.padding, this.stride, this.dilation, this.ceilMode);
    if (lout < 1) {
      throw new Error(`MaxPool1d: input of length ${L} (shape ${fmtShape(x.shape)}) is too short for kernelSize ${this.kernelSize}, dilation ${this.dilation} and padding ${this.padding}: the output length would be ${lout}`);
    }
    const geo = maxGeometry(L, lout, this.kernelSize, this.stride, this.padding, this.dilation);
    return runMax(x3, geo, unbatched);
  }

  /** `kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`, as PyTorch prints it. */
  override extraRepr(): string {
    return this.#repr;
  }
}

function maxGeometry(L: number, lout: number, K: number, stride: number, pad: number, dilation: number): MaxGeometry {
  const start = new Int32Array(lout);
  const count = new Int32Array(lout);
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
  for (let j = 0; j < lout; j++) {
    // PyTorch's kernel: the window's span clipped to the input, the start stepped past the padding.
    let s = j * stride - pad;
    const e = Math.min(s + (K - 1) * dilation + 1, L);
    while (s < 0) s += dilation;
    start[j] = s;
    count[j] = Math.ceil((e - s) / dilation);
  }
  return { L, lout, start, count, step: dilation };
}

function runMax(x3: Tensor, geo: MaxGeometry, unbatched: boolean): [Tensor, Tensor] {
  const { values, windows } = maxForward(x3.tensorData, geo);
  const y = apply(MaxPool, [x3], { values, windows });
  const indices = new Tensor(new TensorData(Float64Array.from(windows.start), y.shape.slice()));
  return unbatched ? [y.squeeze(0), indices.squeeze(0)] : [y, indices];
}

const AVGPOOL_OPTIONS = ['stride', 'padding', 'ceilMode', 'countIncludePad'];

/**
 * Options of {@link AvgPool1d}: torch.nn.AvgPool1d's keyword arguments, camelCase.
 *
 * @category Layers
 */
export interface AvgPool1dOptions {
  /** Step between windows (default, or null: kernelSize). */
  stride?: number | readonly [number] | null;
  /** Implicit zeros added at each end (default 0); at most half the kernel size. */
  padding?: number | readonly [number];
  /** Round the output length up instead of down (default false); the last window must still start inside the input or the left padding. */
  ceilMode?: boolean;
  /** Divide by the window size counting the padding (default true), or by the number of input elements in the window (false). */
  countIncludePad?: boolean;
}

/**
 * torch.nn.AvgPool1d over `[N, C, L]` or `[C, L]`: the mean of each window of `kernelSize`
 * elements, windows `stride` apart (default kernelSize), with `padding` zeros at each end.
 * With `countIncludePad` (the default) the divisor is the window's size including padding
 * (but not the part of a ceil-mode window beyond the right padding); without, the number of
 * input elements it covers. Output length as {@link MaxPool1d}'s with dilation 1.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { AvgPool1d } from '@kindling/nn';
 * const x = tensor([[[1, 2, 3, 4]]]);
 * console.log(new AvgPool1d(2).forward(x).toArray());                                        // [[[1.5, 3.5]]]
 * console.log(new AvgPool1d(2, { padding: 1 }).forward(x).toArray());                        // [[[0.5, 2.5, 2]]]
 * console.log(new AvgPool1d(2, { padding: 1, countIncludePad: false }).forward(x).toArray()); // [[[1, 2.5, 4]]]
 * console.log(String(new AvgPool1d(2)));                                                      // AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
 * ```
 *
 * @category Layers
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number | readonly [number], opts: AvgPool1dOptions = {}) {
    super();
    const o = checkOptions('AvgPool1d', opts, AVGPOOL_OPTIONS);
    this.kernelSize = int1('AvgPool1d', 'kernelSize', kernelSize, 1);
    this.stride = int1('AvgPool1d', 'stride', o.stride ?? kernelSize, 1);
    this.padding = int1('AvgPool1d', 'padding', o.padding ?? 0, 0);
    this.ceilMode = boolArg('AvgPool1d', 'ceilMode', o.ceilMode ?? false);
    this.countIncludePad = boolArg('AvgPool1d', 'countIncludePad', o.countIncludePad ?? true);
    if (this.padding > Math.floor(this.kernelSize / 2)) {
      throw new Error(`AvgPool1d: padding ${this.padding} must be at most half of kernelSize ${this.kernelSize} (at most ${Math.floor(this.kernelSize / 2)})`);
    }
  }

  override forward(x: Tensor): Tensor {
    const { x3, unbatched } = asBatched('AvgPool1d', x);
    const L = x3.shape[2]!;
    const K = this.kernelSize;
    const pad = this.padding;
    const lout = outputLength(L, K, pad, this.stride, 1, this.ceilMode);
    if (lout < 1) throw new Error(`AvgPool1d: input of length ${L} (shape ${fmtShape(x.shape)}) is too short for kernelSize ${K} and padding ${pad}: the output length would be ${lout}`);
    const start = new Int32Array(lout);
    const count = new Int32Array(lout);
    const div = new Float64Array(lout);
    // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
    for (let j = 0; j < lout; j++) {
      // PyTorch's avg_pool kernel: the window clipped to the padded input gives the
      // count-include-pad divisor, then clipped to the input for the elements it sums.
      let s = j * this.stride - pad;
      let e = Math.min(s + K, L + pad);
      const poolSize = e - s;
      s = Math.max(s, 0);
      e = Math.min(e, L);
      start[j] = s;
      // Never empty: a window starts before L (outputLength) and padding is at most K / 2.
      count[j] = e - s;
      div[j] = this.countIncludePad ? poolSize : e - s;
    }
    const y = apply(WindowSum, [x3], { L, lout, start, count, step: 1, div, perRow: false });
    return unbatched ? y.squeeze(0) : y;
  }

  /** `kernel_size=(2,), stride=(2,), padding=(0,)`: PyTorch stores AvgPool1d's sizes as 1-tuples and prints only these three. */
  override extraRepr(): string {
    return `kernel_size=(${this.kernelSize},), stride=(${this.stride},), padding=(${this.padding},)`;
  }
}

/** PyTorch's adaptive windows: [floor(j·L/out), ceil((j + 1)·L/out)), in exact integer arithmetic. */
function adaptiveWindows(L: number, lout: number): { start: Int32Array; count: Int32Array } {
  const start = new Int32Array(lout);
  const count = new Int32Array(lout);
  // Stryker disable next-line EqualityOperator: one pass more only writes past the end of a typed array (ignored) or a slot the next pass overwrites
  for (let j = 0; j < lout; j++) {
    const a = j * L;
    const b = (j + 1) * L;
    const s = (a - (a % lout)) / lout;
    const e = (b - (b % lout)) / lout + (b % lout === 0 ? 0 : 1);
    start[j] = s;
    count[j] = e - s;
  }
  return { start, count };
}

/**
 * torch.nn.AdaptiveAvgPool1d: `outputSize` means over `[N, C, L]` or `[C, L]`, window j covering
 * elements floor(j·L/outputSize) to ceil((j + 1)·L/outputSize) − 1, so any length maps to the
 * same output length (windows overlap when L is not a multiple, and repeat when L < outputSize).
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { AdaptiveAvgPool1d } from '@kindling/nn';
 * console.log(new AdaptiveAvgPool1d(2).forward(tensor([[1, 2, 3, 4, 5]])).toArray()); // [[2, 4]]
 * ```
 *
 * @category Layers
 */
export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number;

  constructor(outputSize: number | readonly [number]) {
    super();
    this.outputSize = int1('AdaptiveAvgPool1d', 'outputSize', outputSize, 1);
  }

  override forward(x: Tensor): Tensor {
    const { x3, unbatched } = asBatched('AdaptiveAvgPool1d', x);
    const L = x3.shape[2]!;
    const lout = this.outputSize;
    const { start, count } = adaptiveWindows(L, lout);
    const div = Float64Array.from(count);
    const y = apply(WindowSum, [x3], { L, lout, start, count, step: 1, div, perRow: false });
    return unbatched ? y.squeeze(0) : y;
  }

  /** `output_size=3`, as PyTorch prints it. */
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

/**
 * Options of {@link AdaptiveMaxPool1d}.
 *
 * @category Layers
 */
export interface AdaptiveMaxPool1dOptions {
  /** Only false: indices come from {@link AdaptiveMaxPool1d.forwardWithIndices}. */
  returnIndices?: false;
}

/**
 * torch.nn.AdaptiveMaxPool1d: `outputSize` maxima over `[N, C, L]` or `[C, L]`, with the windows
 * of {@link AdaptiveAvgPool1d}; the gradient goes to each window's first maximal element, and
 * `forwardWithIndices` also returns those positions.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { AdaptiveMaxPool1d } from '@kindling/nn';
 * const [v, i] = new AdaptiveMaxPool1d(2).forwardWithIndices(tensor([[1, 5, 3, 4, 2]]));
 * console.log(v.toArray(), i.toArray()); // [[5, 4]] [[1, 3]]
 * ```
 *
 * @category Layers
 */
export class AdaptiveMaxPool1d extends Module {
  readonly outputSize: number;

  constructor(outputSize: number | readonly [number], opts: AdaptiveMaxPool1dOptions = {}) {
    super();
    const o = checkOptions('AdaptiveMaxPool1d', opts, ['returnIndices']);
    noReturnIndices('AdaptiveMaxPool1d', o.returnIndices);
    this.outputSize = int1('AdaptiveMaxPool1d', 'outputSize', outputSize, 1);
  }

  override forward(x: Tensor): Tensor {
    return this.forwardWithIndices(x)[0];
  }

  /** `[values, indices]`, as PyTorch's `return_indices=True` (indices: float64 integers along the last dim). */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    const { x3, unbatched } = asBatched('AdaptiveMaxPool1d', x);
    const L = x3.shape[2]!;
    const { start, count } = adaptiveWindows(L, this.outputSize);
    return runMax(x3, { L, lout: this.outputSize, start, count, step: 1 }, unbatched);
  }

  /** `output_size=3`, as PyTorch prints it. */
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}
