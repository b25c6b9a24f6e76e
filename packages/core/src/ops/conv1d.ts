import { type Op, apply, freshGrad } from '../autograd/function.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { kernels } from '../kernels/backend.js';
import type { Conv1dGeometry } from '../kernels/kernels.js';
import { type DType, type Storage, allocate, promote } from '../storage/dtype.js';
import { TensorData } from '../storage/tensor-data.js';
import { Tensor } from '../tensor.js';
import { checkOptions } from '../util/options.js';

/**
 * conv1d as one primitive: forward and both backward passes are dedicated kernels
 * (kernels/js/conv1d.ts), because composing it from unfold + matmul would materialise a
 * K-times larger buffer and three more graph nodes per call.
 * Inputs: x [N, Cin, L], w [Cout, Cin/groups, K], optional bias [Cout]; all validated by
 * the conv1d function below before they get here.
 *
 * The three ops conv (F), its adjoint in x (BI, a transposed convolution) and its adjoint in w
 * (BW) are each bilinear, and each one's derivatives are the other two:
 *   F(x, w):   gx = BI(gy, w),     gw = BW(gy, x)
 *   BI(gy, w): ggy = F(gx', w),    gw = BW(gy, gx')
 *   BW(gy, x): ggy = F(x, gw'),    gx = BI(gy, gw')
 * so gradients of any order stay within the three fast kernels.
 */
export const Conv1d: Op<Conv1dGeometry> = {
  name: 'conv1d',
  saved: [0, 1],
  forward: (inputs, g) => {
    const dtype = dtypeOfAll(inputs);
    const b = inputs[2];
    const y = allocate(dtype, g.batch * g.outChannels * g.outLength);
    kernels.conv1dForward(dense(inputs[0]!, dtype), dense(inputs[1]!, dtype), b ? dense(b, dtype) : null, y, g);
    return new TensorData(y, [g.batch, g.outChannels, g.outLength]);
  },
  backward: (gy, ctx) => {
    const g = ctx.params;
    const [x, w, b] = ctx.inputs;
    if (isGradEnabled()) {
      // createGraph: the adjoints are recorded like any op, so the gradients can be differentiated again.
      const gx = x!.requiresGrad ? apply(Conv1dBackwardInput, [gy, w!], g) : null;
      const gw = w!.requiresGrad ? apply(Conv1dBackwardWeight, [gy, x!], g) : null;
      const gb = b?.requiresGrad ? gy.sum([0, 2]) : null;
      return b ? [gx, gw, gb] : [gx, gw];
    }
    // An ordinary pass runs the kernels straight into fresh buffers, with no Context or graph
    // node (on the blog's tiny model that bookkeeping costs more than the convolution), reading
    // gy's dense storage once for all three.
    const dtype = ctx.output.dtype;
    const gyS = dense(gy.tensorData, dtype);
    const gx = x!.requiresGrad ? freshGrad(backwardInput(gyS, dense(w!.tensorData, dtype), g, dtype)) : null;
    const gw = w!.requiresGrad ? freshGrad(backwardWeight(gyS, dense(x!.tensorData, dtype), g, dtype)) : null;
    let gb: Tensor | null = null;
    if (b?.requiresGrad) {
      const out = allocate(dtype, g.outChannels);
      kernels.conv1dBackwardBias(gyS, out, g);
      gb = freshGrad(new TensorData(out, b.shape));
    }
    return b ? [gx, gw, gb] : [gx, gw];
  },
};

function backwardInput(gy: Storage, w: Storage, g: Conv1dGeometry, dtype: DType): TensorData {
  const out = allocate(dtype, g.batch * g.inChannels * g.length);
  kernels.conv1dBackwardInput(gy, w, out, g);
  return new TensorData(out, [g.batch, g.inChannels, g.length]);
}

function backwardWeight(gy: Storage, x: Storage, g: Conv1dGeometry, dtype: DType): TensorData {
  const out = allocate(dtype, g.outChannels * (g.inChannels / g.groups) * g.kernelSize);
  kernels.conv1dBackwardWeight(gy, x, out, g);
  return new TensorData(out, [g.outChannels, g.inChannels / g.groups, g.kernelSize]);
}

/** BI(gy, w) [N, Cin, L]: conv1d's adjoint in x, i.e. a transposed convolution of gy by w. */
export const Conv1dBackwardInput: Op<Conv1dGeometry> = {
  name: 'conv1dBackwardInput',
  saved: [0, 1],
  forward: (inputs, g) => {
    const dtype = dtypeOfAll(inputs);
    return backwardInput(dense(inputs[0]!, dtype), dense(inputs[1]!, dtype), g, dtype);
  },
  backward: (gx, ctx) => {
    const [gy, w] = ctx.inputs;
    return [
      ctx.needsGrad(0) ? apply(Conv1d, [gx, w!], ctx.params) : null,
      ctx.needsGrad(1) ? apply(Conv1dBackwardWeight, [gy!, gx], ctx.params) : null,
    ];
  },
};

/** BW(gy, x) [Cout, Cin/groups, K]: conv1d's adjoint in w, the correlation of x with gy. */
export const Conv1dBackwardWeight: Op<Conv1dGeometry> = {
  name: 'conv1dBackwardWeight',
  saved: [0, 1],
  forward: (inputs, g) => {
    const dtype = dtypeOfAll(inputs);
    return backwardWeight(dense(inputs[0]!, dtype), dense(inputs[1]!, dtype), g, dtype);
  },
  backward: (gw, ctx) => {
    const [gy, x] = ctx.inputs;
    return [
      ctx.needsGrad(0) ? apply(Conv1d, [x!, gw], ctx.params) : null,
      ctx.needsGrad(1) ? apply(Conv1dBackwardInput, [gy!, gw], ctx.params) : null,
    ];
  },
};

function dtypeOfAll(inputs: readonly TensorData[]): DType {
  let d = inputs[0]!.dtype;
  for (let i = 1; i < inputs.length; i++) d = promote(d, inputs[i]!.dtype);
  return d;
}

/** Dense storage in the op's dtype: the kernels index rows directly and want one type. */
function dense(t: TensorData, dtype: DType): Storage {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: copying a storage already in the dtype gives the same values; returning it is the fast path
  if (t.dtype === dtype) return t.contiguousStorage();
  const out = allocate(dtype, t.size);
  kernels.copy(t, out);
  return out;
}

/**
 * Options of {@link conv1d}, as torch.nn.functional.conv1d's keyword arguments.
 *
 * @category Ops
 */
export interface Conv1dOptions {
  stride?: number;
  /** Zeros added at each end, or 'valid' (none) or 'same' (output length = input length). */
  padding?: number | 'valid' | 'same';
  dilation?: number;
  groups?: number;
}

const CONV1D_OPTIONS = ['stride', 'padding', 'dilation', 'groups'];

function positiveInt(name: string, v: unknown): number {
  // Number.isInteger is false for anything but a number, so no typeof check is needed.
  if (!Number.isInteger(v) || (v as number) < 1) {
    throw new Error(`conv1d: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v as number;
}

const shapeStr = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * 1-d convolution (cross-correlation) with torch.nn.functional.conv1d's semantics.
 * input [N, Cin, L] or unbatched [Cin, L]; weight [Cout, Cin/groups, K]; bias [Cout].
 *
 * @example
 * ```ts
 * import { conv1d, tensor } from '@kindling/core';
 * const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);          // [N=1, Cin=1, L=5]
 * const w = tensor([[[1, 1, 1]]], { requiresGrad: true }); // [Cout=1, Cin=1, K=3]
 * const b = tensor([0.5], { requiresGrad: true });
 * const y = conv1d(x, w, b);                               // [[[2.7, 2.0, 1.4]]]
 * y.sum().backward();
 * console.log(w.grad?.toArray());                           // [[[2.2, 1.5, 0.9]]]
 * conv1d(x, w, null, { padding: 'same', dilation: 2 });    // shape [1, 1, 5]
 * ```
 *
 * @category Ops
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  if (!(input instanceof Tensor) || !(weight instanceof Tensor)) throw new Error('conv1d: input and weight must be Tensors');
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new Error('conv1d: bias must be a Tensor, null or undefined');
  opts = checkOptions('conv1d', opts, CONV1D_OPTIONS);
  const stride = positiveInt('stride', opts.stride ?? 1);
  const dilation = positiveInt('dilation', opts.dilation ?? 1);
  const groups = positiveInt('groups', opts.groups ?? 1);
  if (input.ndim !== 2 && input.ndim !== 3) {
    throw new Error(`conv1d: expected input of shape [N, Cin, L] or [Cin, L], got ${shapeStr(input.shape)}`);
  }
  if (weight.ndim !== 3) throw new Error(`conv1d: expected weight of shape [Cout, Cin/groups, K], got ${shapeStr(weight.shape)}`);
  const batched = input.ndim === 3;
  const x = batched ? input : input.unsqueeze(0);
  const [batch, inChannels, length] = x.shape as [number, number, number];
  const [outChannels, cinPerGroup, kernelSize] = weight.shape as [number, number, number];
  if (inChannels % groups !== 0) throw new Error(`conv1d: input channels ${inChannels} are not divisible by groups ${groups}`);
  if (outChannels % groups !== 0) throw new Error(`conv1d: output channels ${outChannels} (weight shape ${shapeStr(weight.shape)}) are not divisible by groups ${groups}`);
  if (inChannels !== cinPerGroup * groups) {
    const grouped = groups > 1 ? `, groups ${groups}` : '';
    throw new Error(`conv1d: input has ${inChannels} channels but weight expects ${cinPerGroup * groups} (weight shape ${shapeStr(weight.shape)}${grouped})`);
  }
  if (kernelSize < 1) throw new Error(`conv1d: kernel size must be at least 1 (weight shape ${shapeStr(weight.shape)})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`conv1d: bias of shape ${shapeStr(bias.shape)} does not match ${outChannels} output channels (expected [${outChannels}])`);
  }
  sameDtypes('conv1d', input, weight, bias);
  const padding = opts.padding ?? 0;
  let padLeft: number;
  let padTotal: number;
  const span = dilation * (kernelSize - 1);
  if (padding === 'valid') {
    padLeft = padTotal = 0;
  } else if (padding === 'same') {
    if (stride !== 1) throw new Error(`conv1d: padding 'same' is not supported for strided convolutions (stride ${stride})`);
    // Odd totals put the extra zero on the right, as PyTorch does.
    padTotal = span;
    padLeft = Math.floor(span / 2);
  } else if (Number.isInteger(padding) && padding >= 0) {
    padLeft = padding;
    padTotal = 2 * padding;
  } else {
    throw new Error(`conv1d: padding must be a non-negative integer, 'valid' or 'same', got ${String(padding)}`);
  }
  const outLength = Math.floor((length + padTotal - span - 1) / stride) + 1;
  if (outLength < 1) {
    throw new Error(`conv1d: input length ${length} with padding ${padTotal / 2} is shorter than the dilated kernel ${span + 1} (input shape ${shapeStr(input.shape)}, weight shape ${shapeStr(weight.shape)})`);
  }
  const geometry: Conv1dGeometry = { batch, inChannels, outChannels, length, kernelSize, outLength, stride, padLeft, dilation, groups };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const y = apply(Conv1d, inputs, geometry);
  return batched ? y : y.squeeze(0);
}

/** conv1d and convTranspose1d refuse mixed dtypes as PyTorch does, rather than promote silently. */
export function sameDtypes(op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  if (weight.dtype !== input.dtype || (bias && bias.dtype !== input.dtype)) {
    const b = bias ? `, bias (${bias.dtype})` : '';
    throw new Error(`${op}: input (${input.dtype}), weight (${weight.dtype})${b} must have the same dtype; convert with .to('${weight.dtype}')`);
  }
}
