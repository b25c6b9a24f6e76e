export { Scalar } from './scalar.js';
export { Tensor, type NestedArray } from './tensor.js';
export {
  tensor, zeros, ones, full, arange, rand, randn, uniform, zerosLike, onesLike,
  type TensorOptions,
} from './factories.js';
export { conv1d, type Conv1dOptions } from './ops/conv1d.js';
export { mseLoss, type Reduction } from './ops/loss.js';
export { noGrad, isGradEnabled } from './autograd/grad-mode.js';
export { apply, Context, type Op } from './autograd/function.js';
export { gradcheck, type GradcheckOptions } from './gradcheck.js';
export { Generator, manualSeed } from './random/generator.js';
export { setBackend, getBackend, registerBackend } from './kernels/backend.js';
export type { Kernels, Conv1dGeometry, UnaryOp, BinaryOp, ReduceOp } from './kernels/kernels.js';
export { jsKernels } from './kernels/js/index.js';
// Importing this registers the 'wasm' backend when WebAssembly SIMD is available.
export { initWasm, wasmAvailable } from './kernels/wasm/index.js';
export type { DType, Storage } from './storage/dtype.js';
export { TensorData } from './storage/tensor-data.js';
