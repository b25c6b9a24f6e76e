import { apply } from '../autograd/function.js';
import type { Conv1dGeometry } from '../kernels/kernels.js';
import { fmt } from '../storage/shape.js';
import { Tensor } from '../tensor.js';
import { checkOptions, intOption } from '../util/options.js';
import { Conv1dBackwardInput, sameDtypes } from './conv1d.js';

/**
 * Options of {@link convTranspose1d}, as torch.nn.functional.conv_transpose1d's keyword arguments.
 *
 * @category Ops
 */
export interface ConvTranspose1dOptions {
  stride?: number;
  /** dilation·(K-1) - padding zeros are added at each end of the input (PyTorch's convention). */
  padding?: number;
  /** Extra length added at the end of the output, to pick one of the lengths a strided conv1d maps to the same size. */
  outputPadding?: number;
  dilation?: number;
  groups?: number;
}

/**
 * Transposed 1-d convolution with torch.nn.functional.conv_transpose1d's semantics: the adjoint
 * (gradient with respect to its input) of a conv1d with the same weight, stride, padding,
 * dilation and groups. input `[N, Cin, L]` or `[Cin, L]`; weight `[Cin, Cout/groups, K]`; bias
 * `[Cout]`. Output length `(L - 1)·stride - 2·padding + dilation·(K - 1) + outputPadding + 1`.
 * It is the same kernel as conv1d's input gradient, so it is as fast and differentiable to any
 * order.
 *
 * @example
 * ```ts
 * import { convTranspose1d, tensor } from '@kindling/core';
 * const x = tensor([[[1, 2]]]);               // [N=1, Cin=1, L=2]
 * const w = tensor([[[1, 10, 100]]]);         // [Cin=1, Cout=1, K=3]
 * convTranspose1d(x, w, null, { stride: 2 }).toArray(); // [[[1, 10, 102, 20, 200]]]
 * ```
 *
 * @category Ops
 */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvTranspose1dOptions): Tensor {
  const op = 'convTranspose1d';
  if (!(input instanceof Tensor) || !(weight instanceof Tensor)) throw new Error(`${op}: input and weight must be Tensors`);
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) throw new Error(`${op}: bias must be a Tensor, null or undefined`);
  const o = checkOptions(op, opts, ['stride', 'padding', 'outputPadding', 'dilation', 'groups']);
  const stride = intOption(op, 'stride', o.stride ?? 1, 1);
  const padding = intOption(op, 'padding', o.padding ?? 0, 0);
  const outputPadding = intOption(op, 'outputPadding', o.outputPadding ?? 0, 0);
  const dilation = intOption(op, 'dilation', o.dilation ?? 1, 1);
  const groups = intOption(op, 'groups', o.groups ?? 1, 1);
  if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`${op}: expected input of shape [N, Cin, L] or [Cin, L], got ${fmt(input.shape)}`);
  if (weight.ndim !== 3) throw new Error(`${op}: expected weight of shape [Cin, Cout/groups, K], got ${fmt(weight.shape)}`);
  const batched = input.ndim === 3;
  const x = batched ? input : input.unsqueeze(0);
  const [batch, inChannels, inLength] = x.shape as [number, number, number];
  const [wIn, coutPerGroup, kernelSize] = weight.shape as [number, number, number];
  if (wIn !== inChannels) throw new Error(`${op}: input has ${inChannels} channels but weight ${fmt(weight.shape)} expects ${wIn}`);
  if (inChannels % groups !== 0) throw new Error(`${op}: input channels ${inChannels} are not divisible by groups ${groups}`);
  if (kernelSize < 1 || coutPerGroup < 1) throw new Error(`${op}: weight ${fmt(weight.shape)} has an empty dimension`);
  if (outputPadding >= stride && outputPadding >= dilation) {
    throw new Error(`${op}: outputPadding ${outputPadding} must be smaller than stride ${stride} or dilation ${dilation}`);
  }
  const outChannels = coutPerGroup * groups;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new Error(`${op}: bias of shape ${fmt(bias.shape)} does not match ${outChannels} output channels (expected [${outChannels}])`);
  }
  sameDtypes(op, input, weight, bias);
  const outLength = (inLength - 1) * stride - 2 * padding + dilation * (kernelSize - 1) + outputPadding + 1;
  if (outLength < 1) throw new Error(`${op}: output length ${outLength} is not positive (input shape ${fmt(input.shape)}, weight ${fmt(weight.shape)}, stride ${stride}, padding ${padding})`);
  // The conv1d whose input gradient this is: it maps [N, Cout, outLength] to [N, Cin, inLength].
  const geometry: Conv1dGeometry = {
    batch, inChannels: outChannels, outChannels: inChannels, length: outLength, kernelSize, outLength: inLength, stride, padLeft: padding, dilation, groups,
  };
  let y = apply(Conv1dBackwardInput, [x, weight], geometry);
  if (bias) y = y.add(bias.reshape([outChannels, 1]));
  return batched ? y : y.squeeze(0);
}
