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
      let extra = g.length - full;
      let padEnd = g.padLeft;
      // A negative difference (an adjoint of a conv whose stride skipped the input's tail) is
      // more padding at the end instead, which crops.
      if (extra < 0) {
        padEnd -= extra;
        extra = 0;
      }
      return ctx.node('ConvTranspose', [ctx.input(0), ctx.input(1)], {
        kernel_shape: [g.kernelSize],
        strides: [g.stride],
        pads: [g.padLeft, padEnd],
        dilations: [g.dilation],
        group: g.groups,
        output_padding: [extra],
      });
    },
    acceptsParamChange: sameButBatch,
  });
}
