import type { FusedKernels, Kernels } from '../kernels.js';
import { accumulate, adamUpdate, copy, mseBackward, mseForward, mseForwardGrad, sgdUpdate } from './fused.js';
import { conv1dBackwardBias, conv1dBackwardInput, conv1dBackwardWeight, conv1dForward } from './conv1d.js';
import { binary, unary } from './elementwise.js';
import { gemm } from './gemm.js';
import { reduce } from './reduce.js';

/**
 * The reference backend: plain TypeScript loops over typed arrays.
 *
 * @category Backends and storage
 */
export const jsKernels: Kernels = {
  name: 'js',
  unary,
  binary,
  reduce,
  gemm,
  conv1dForward,
  conv1dBackwardInput,
  conv1dBackwardWeight,
  conv1dBackwardBias,
};

/** The reference fused kernels (the MSE loss, gradient accumulation, SGD and Adam updates). */
export const jsFusedKernels: FusedKernels = { mseForward, mseBackward, mseForwardGrad, copy, accumulate, sgdUpdate, adamUpdate };
