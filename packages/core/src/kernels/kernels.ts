import type { Storage } from '../storage/dtype.js';
import type { TensorData } from '../storage/tensor-data.js';

/**
 * The hot loops, behind one small interface so that a faster backend (WebAssembly SIMD) can
 * stand beside the readable TypeScript reference and be tested against it. Kernels write into
 * an `out` buffer the caller allocated; they never allocate tensors or touch autograd.
 *
 * @category Backends and storage
 */

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'relu' | 'sigmoid' | 'tanh' | 'pow'
  // math, comparison and activation kernels (ops/math.ts, ops/compare.ts, ops/activations.ts);
  // `param` is named where one is read, and the *Grad kernels give f'(x) for a backward rule.
  | 'rsqrt' | 'reciprocal' | 'sign' | 'sin' | 'cos' | 'log1p' | 'expm1' | 'erf'
  | 'isnan' | 'isfinite' // 1 or 0
  | 'clampMin' | 'clampMax' // max(x, param) and min(x, param), NaN kept
  | 'leakyRelu' | 'leakyReluGrad' // param: the negative slope
  | 'elu' | 'eluGrad' // param: alpha
  | 'softplus' | 'softplusGrad' // on beta·x; param: the threshold above which softplus is x
  | 'silu' | 'siluGrad'
  | 'gelu' | 'geluGrad' | 'geluTanh' | 'geluTanhGrad';

/**
 * Binary ops, including the fused backward rules that would otherwise take 2-3 passes.
 *
 * @category Backends and storage
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'eq' // 1 where a == b else 0: the argmax mask of max's backward
  | 'reluBackward' // a * (b > 0)
  | 'absBackward' // a * sign(b)
  | 'sigmoidBackward' // a * b * (1 - b), b = sigmoid(x)
  | 'tanhBackward' // a * (1 - b^2), b = tanh(x)
  | 'ne' | 'lt' | 'le' | 'gt' | 'ge' // 1 where the comparison holds else 0 (NaN compares false, ne true)
  | 'minimum' | 'maximum'; // elementwise min / max; NaN wins

/**
 * The reductions a backend implements.
 *
 * @category Backends and storage
 */
export type ReduceOp = 'sum' | 'max';

/**
 * Everything about a conv1d call except the data; all kernels of one call share it.
 *
 * @category Backends and storage
 */
export interface Conv1dGeometry {
  batch: number;
  inChannels: number;
  outChannels: number;
  length: number; // input length L
  kernelSize: number;
  outLength: number;
  stride: number;
  padLeft: number; // zeros before the input; zeros after are implied by outLength
  dilation: number;
  groups: number;
}

/**
 * A compute backend: the loops the ops call. Register one with {@link registerBackend} and select it with {@link setBackend}; {@link jsKernels} is the reference implementation.
 *
 * @category Backends and storage
 */
export interface Kernels {
  readonly name: string;
  /** out[i] = op(x[i]) in row-major order of x; `param` is the exponent of pow. */
  unary(op: UnaryOp, x: TensorData, out: Storage, param: number): void;
  /** out[i] = op(a[i], b[i]); a and b already have out's shape (broadcast by stride-0 views). */
  binary(op: BinaryOp, a: TensorData, b: TensorData, out: Storage): void;
  /**
   * Reduces the trailing `reduced` elements of x's row-major order: x has been permuted so the
   * reduced axes come last; out[o] = op over x.flat[o*reduced .. (o+1)*reduced).
   */
  reduce(op: ReduceOp, x: TensorData, reduced: number, out: Storage): void;
  /**
   * C[m, n] = sum_k A[m, k] B[k, n] for one M×K by K×N product; A and B are addressed by
   * (offset, row stride, column stride) so transposed operands need no copy; C is dense
   * row-major from cOff and is overwritten.
   */
  gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRow: number, aCol: number,
    b: Storage, bOff: number, bRow: number, bCol: number,
    c: Storage, cOff: number,
  ): void;
  /** y[N, Cout, Lout] = conv(x[N, Cin, L], w[Cout, Cin/groups, K]) + bias[Cout]; all dense. */
  conv1dForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: Conv1dGeometry): void;
  /** gx[N, Cin, L] = the adjoint of conv1dForward in x applied to gy (gx is overwritten). */
  conv1dBackwardInput(gy: Storage, w: Storage, gx: Storage, g: Conv1dGeometry): void;
  /** gw[Cout, Cin/groups, K] = sum over n, l of gy * x at the tap's position (overwritten). */
  conv1dBackwardWeight(gy: Storage, x: Storage, gw: Storage, g: Conv1dGeometry): void;
  /** gb[Cout] = sum over n and l of gy[n, co, l] (overwritten). */
  conv1dBackwardBias(gy: Storage, gb: Storage, g: Conv1dGeometry): void;
}

/**
 * How `mseForward` combines its squared differences (the MSE loss's reduction).
 *
 * @category Backends and storage
 */
export type MseReduction = 'mean' | 'sum' | 'none';

/**
 * One SGD step's hyper-parameters (torch.optim.SGD's), as `sgdUpdate` reads them.
 *
 * @category Backends and storage
 */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * One Adam step's hyper-parameters (torch.optim.Adam's) and the parameter's step count (from 1).
 *
 * @category Backends and storage
 */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
  step: number;
}

/**
 * The fused kernels of a training step besides the ops' own: the MSE loss and its gradient,
 * gradient accumulation and the optimizers' updates, each one pass over its buffers. Like
 * {@link Kernels}, registered per backend ('js' is the reference; see {@link registerKernel})
 * and run through the same dispatcher; the optimizers of @kindling/nn fetch theirs with
 * {@link getKernel}.
 *
 * @category Backends and storage
 */
export interface FusedKernels {
  /** reduction 'none': out[i] = (p[i] - t[i])², else out[0] = their mean or sum (float32 rounds each difference). */
  mseForward(p: Storage, t: Storage, n: number, reduction: MseReduction, out: Storage): void;
  /** out[i] = 2 (p[i] - t[i]) g[i] when g is given (reduction 'none'), else (p[i] - t[i]) * scale. */
  mseBackward(p: Storage, t: Storage, g: Storage | null, scale: number, n: number, out: Storage): void;
  /**
   * mseForward (reduction 'mean' or 'sum') and, from the same reading of p and t, the gradient
   * for an incoming gradient of 1: grad[i] = (p[i] - t[i]) * scale, to the bit what
   * mseBackward(p, t, null, scale, n, grad) writes. The loss op calls it when a graph is
   * recorded, so that backward needs no second pass over p and t.
   */
  mseForwardGrad(p: Storage, t: Storage, n: number, reduction: MseReduction, out: Storage, scale: number, grad: Storage): void;
  /** out[i] = the i-th element of x in row-major order, converted to out's dtype (casts, dense copies of views). */
  copy(x: TensorData, out: Storage): void;
  /** dst[i] += src[srcOffset + i] for i < n (gradient accumulation). */
  accumulate(dst: Storage, src: Storage, srcOffset: number, n: number): void;
  /** torch.optim.SGD's update of p[po..po+n) by g[go..]; `buf` the momentum buffer (null without momentum), `first` its first step. */
  sgdUpdate(p: Storage, po: number, g: Storage, go: number, n: number, buf: Storage | null, first: boolean, h: SgdHyper): void;
  /** torch.optim.Adam's update of p[po..po+n) by g[go..]; m, v its moments, vmax the amsgrad maximum (null without amsgrad). */
  adamUpdate(p: Storage, po: number, g: Storage, go: number, n: number, m: Storage, v: Storage, vmax: Storage | null, h: AdamHyper): void;
}

/**
 * The name of a built-in kernel (a key of {@link Kernels} or {@link FusedKernels}).
 *
 * @category Backends and storage
 */
export type KernelName = Exclude<keyof Kernels, 'name'> | keyof FusedKernels;
