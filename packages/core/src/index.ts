/**
 * Kindling's engines: `Scalar` (reverse-mode autograd on single numbers) and `Tensor` (n-d,
 * strided views, NumPy broadcasting, float64/float32), the factories, `conv1d`, `noGrad`,
 * `gradcheck`, seeded random numbers, the custom-op API (`apply`, `Op`, `Context`) and the
 * compute backends ('js', and 'wasm' where WebAssembly SIMD is available).
 *
 * @example
 * ```ts
 * import { conv1d, tensor } from '@kindling/core';
 * const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);
 * const w = tensor([[[1, 1, 1]]], { requiresGrad: true });
 * const b = tensor([0.5], { requiresGrad: true });
 * const loss = conv1d(x, w, b).sub(tensor([[[1, 0, 0]]])).pow(2).mean();
 * loss.backward();
 * console.log(w.grad?.toArray(), b.grad?.toArray()); // [[[2.5333, 1.74, 1.06]]] [3.4] (rounded)
 * ```
 *
 * @sortStrategy kind, alphabetical
 * @module @kindling/core
 */
export { Scalar } from './scalar.js';
export { Tensor, type NestedArray, type BackwardOptions } from './tensor.js';
export type { PrintOptions } from './print/format-tensor.js';
export {
  tensor, zeros, ones, full, arange, rand, randn, uniform, zerosLike, onesLike,
  type TensorOptions,
} from './factories.js';
export { conv1d, type Conv1dOptions } from './ops/conv1d.js';
export { convTranspose1d, type ConvTranspose1dOptions } from './ops/conv-transpose1d.js';
export { cat, stack } from './ops/join.js';
export { split, chunk, slice } from './ops/slice.js';
export { indexSelect, gather, scatterAdd, flip, roll } from './ops/index-ops.js';
export { where } from './ops/where.js';
export { pad, type PadOptions, type PadMode } from './ops/pad.js';
export { linspace, eye, randint, randperm, normal, bernoulli } from './factories-extra.js';
export { eq, ne, lt, le, gt, ge, isnan, isfinite } from './ops/compare.js';
export { minimum, maximum, clamp, square, rsqrt, reciprocal, sign, sin, cos, log1p, expm1, erf } from './ops/math.js';
export { softplus, leakyRelu, elu, gelu, silu, type GeluOptions } from './ops/activations.js';
export { min, argmax, argmin, prod, logsumexp, variance as var, std, norm, cumsum, type VarOptions } from './ops/reductions-extra.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { mseLoss, type Reduction } from './ops/loss.js';
export { noGrad, isGradEnabled } from './autograd/grad-mode.js';
export { apply, Context, type Op } from './autograd/function.js';
export { bumpVersion } from './autograd/in-place.js';
export { traceOps, type TraceEvent } from './autograd/trace.js';
export { toDot, type ToDotOptions } from './graph/to-dot.js';
export { checkOptions, describeValue, intOption } from './util/options.js';
export { gradcheck, type GradcheckOptions } from './gradcheck.js';
export { gradgradcheck, type GradgradcheckOptions } from './gradgradcheck.js';
export { grad, type GradOptions } from './autograd/grad.js';
export { backwardOrder } from './autograd/backward.js';
export { vjp, jvp, jacobian, hessian, hvp, type FunctionalOptions } from './autograd/functional.js';
export { Generator, manualSeed } from './random/generator.js';
export { setBackend, getBackend, registerBackend, registerKernel, getKernel, type KernelConfig, type KernelFunction } from './kernels/backend.js';
export type { Kernels, FusedKernels, KernelName, Conv1dGeometry, UnaryOp, BinaryOp, ReduceOp, MseReduction, SgdHyper, AdamHyper } from './kernels/kernels.js';
export { jsKernels } from './kernels/js/index.js';
// Importing this registers the 'wasm' backend when WebAssembly SIMD is available.
export { initWasm, wasmAvailable, wasmRelaxedSimd } from './kernels/wasm/index.js';
// Worker threads for the 'wasm' backend's big conv1d and gemm calls, on by default where available (documented there).
export { setNumThreads, getNumThreads, enableThreads, disableThreads, getThreads } from './kernels/wasm/index.js';
export type { DType, Storage } from './storage/dtype.js';
export { setDefaultDtype, getDefaultDtype } from './storage/dtype.js';
export { TensorData } from './storage/tensor-data.js';
