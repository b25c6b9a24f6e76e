/*
 * conv1d and its input adjoint (what convTranspose1d runs). Both carry a Conv1dGeometry: the
 * convolution's sizes with the padding given as zeros before the input (padLeft) and the output
 * length, from which the zeros after follow. ONNX wants both ends explicitly.
 */
import type { Conv1dGeometry } from '@kindling/core';
import type { OpExportContext } from '../registry.js';
import { registerOnnxOp } from '../registry.js';

/** Two geometries that differ at most in the batch size (the only thing ONNX's Conv does not fix). */
function sameButBatch(a: Conv1dGeometry, b: Conv1dGeometry): boolean {
  return (Object.keys(a) as (keyof Conv1dGeometry)[]).every((k) => k === 'batch' || a[k] === b[k]);
}

/**
 * The zeros after the input that give conv1d's output length: the last window ends at
 * (outLength - 1)·stride + span, so the input needs that many positions; fewer zeros cannot be
 * asked of ONNX (pads are non-negative) and are not needed when the stride skips the tail.
 */
function padRight(g: Conv1dGeometry): number {
  const needed = (g.outLength - 1) * g.stride + g.dilation * (g.kernelSize - 1) + 1 - g.length - g.padLeft;
  return Math.max(0, needed);
}

/** Registers the Conv and ConvTranspose exporters. */
export function registerConvOps(): void {
  registerOnnxOp<Conv1dGeometry>('conv1d', {
    export: (ctx: OpExportContext<Conv1dGeometry>) => {
      const g = ctx.params;
      const inputs = ctx.inputs.map((_, i) => ctx.input(i));
      return ctx.node('Conv', inputs, {
        kernel_shape: [g.kernelSize],
        strides: [g.stride],
        pads: [g.padLeft, padRight(g)],
        dilations: [g.dilation],
        group: g.groups,
      });
    },
    acceptsParamChange: sameButBatch,
  });

  // The adjoint of a conv1d mapping [N, inChannels, length] to [N, outChannels, outLength]:
  // a transposed convolution from outLength back to length. Its weight [outChannels,
  // inChannels / groups, K] is laid out as ONNX's ConvTranspose wants ([C_in, C_out / group, K]).
  registerOnnxOp<Conv1dGeometry>('conv1dBackwardInput', {
    export: (ctx: OpExportContext<Conv1dGeometry>) => {
      const g = ctx.params;
      const span = g.dilation * (g.kernelSize - 1);
      // ONNX: out = stride·(in - 1) + output_padding + span + 1 - pads_begin - pads_end.
      const full = g.stride * (g.outLength - 1) + span + 1 - 2 * g.padLeft;
      const extra = g.length - full;
      const attrs = { kernel_shape: [g.kernelSize], strides: [g.stride], dilations: [g.dilation], group: g.groups };
      const [x, w] = [ctx.input(0), ctx.input(1)];
      // The extra length is output_padding, which ONNX Runtime accepts below the stride only.
      if (extra >= 0 && extra < g.stride) return ctx.node('ConvTranspose', [x, w], { ...attrs, pads: [g.padLeft, g.padLeft], output_padding: [extra] });
      // Otherwise (outputPadding from the dilation, as PyTorch allows, or an adjoint of a conv
      // whose stride skipped the input's tail): crop less at the end, which keeps computed
      // values, and past the uncropped output append zeros (no tap reaches there; the layer's
      // bias is a separate add).
      const padEnd = g.padLeft - extra;
      const y = ctx.node('ConvTranspose', [x, w], { ...attrs, pads: [g.padLeft, Math.max(0, padEnd)] });
      if (padEnd >= 0) return y;
      return ctx.node('Pad', [y, ctx.int64s([0, 0, 0, 0, 0, -padEnd]), ctx.constant([0], [])], { mode: 'constant' });
    },
    acceptsParamChange: sameButBatch,
  });
}
