/*
 * Movement, joining, indexing and reduction ops. Kindling resolves every axis to a
 * non-negative number before an op runs, so the parameters map straight onto ONNX attributes.
 */
import type { DType } from '@kindling/core';
import { sameValue } from '../export.js';
import type { OpExportContext, TracedProducer } from '../registry.js';
import { registerOnnxOp } from '../registry.js';

interface ReduceParams {
  axes: readonly number[];
  keepdim: boolean;
}

interface IndexMapParams {
  maps: readonly (ArrayLike<number> | null)[];
  inShape: readonly number[];
}

const sameLength = (a: readonly number[], b: readonly number[]) => a.length === b.length;

/**
 * A reduction over `axes`. An empty list reduces nothing in Kindling, while ONNX reduces every
 * axis when given none, so that case is an Identity. From `axesInputFrom` on, the operator takes
 * its axes as an input; before, as an attribute.
 */
function reduce(opType: string, axesInputFrom: number) {
  return {
    export: (ctx: OpExportContext<ReduceParams>) => {
      const { axes, keepdim } = ctx.params;
      const x = ctx.input(0);
      if (axes.length === 0) return ctx.node('Identity', [x]);
      const keepdims = keepdim ? 1 : 0;
      if (ctx.opset >= axesInputFrom) return ctx.node(opType, [x, ctx.int64s(axes)], { keepdims });
      return ctx.node(opType, [x], { axes, keepdims });
    },
  };
}

/**
 * Linear's pattern, x [M, K] · permute(W [N, K], [1, 0]) (+ b), as one Gemm(x, W, b, transB=1),
 * as torch.onnx writes it; null when the matmul is not of that form (batched, or B not a
 * transposed matrix). `bias` is the add's other input, [N] or [1, N].
 */
export function gemm(ctx: OpExportContext<unknown>, bias: { name: string; shape: readonly number[] } | null, mm: TracedProducer | null = null): string | null {
  const a = mm ? mm.inputs[0]! : ctx.inputs[0]!;
  const t = mm ? mm.producer(1) : ctx.producer(1);
  if (a.shape.length !== 2 || t?.op !== 'permute' || !sameValue(t.params, [1, 0]) || t.inputs[0]!.dtype !== ctx.output.dtype || a.dtype !== ctx.output.dtype) return null;
  const x = mm ? mm.input(0) : ctx.input(0);
  const inputs = [x, t.input(0)];
  if (bias) inputs.push(bias.name);
  return ctx.node('Gemm', inputs, { transB: 1 });
}

/** Registers the movement, joining, indexing and reduction exporters. */
export function registerShapeOps(): void {
  // reshape's target is fully resolved (no -1); under dynamicBatch the batch-sized dim goes back to -1.
  registerOnnxOp<readonly number[]>('reshape', {
    export: (ctx) => ctx.node('Reshape', [ctx.input(0), ctx.reshapeTarget(ctx.params, ctx.altParams)]),
    acceptsParamChange: sameLength,
  });
  registerOnnxOp<readonly number[]>('permute', { export: (ctx) => ctx.node('Transpose', [ctx.input(0)], { perm: ctx.params }) });
  registerOnnxOp<readonly number[]>('expand', {
    export: (ctx) => ctx.node('Expand', [ctx.input(0), ctx.expandTarget(0, ctx.params, ctx.altParams)]),
    acceptsParamChange: sameLength,
  });
  registerOnnxOp<{ dim: number; start: number; length: number }>('narrow', {
    export: (ctx) => {
      const { dim, start, length } = ctx.params;
      return ctx.node('Slice', [ctx.input(0), ctx.int64s([start]), ctx.int64s([start + length]), ctx.int64s([dim])]);
    },
  });
  // A strided view: elements start, start + step, ... (length of them).
  registerOnnxOp<{ dim: number; start: number; step: number; length: number }>('slice', {
    export: (ctx) => {
      const { dim, start, step, length } = ctx.params;
      const end = length === 0 ? start : start + step * (length - 1) + 1;
      return ctx.node('Slice', [ctx.input(0), ctx.int64s([start]), ctx.int64s([end]), ctx.int64s([dim]), ctx.int64s([step])]);
    },
  });
  registerOnnxOp<{ dim: number }>('cat', {
    export: (ctx) => ctx.node('Concat', ctx.inputs.map((_, i) => ctx.input(i)), { axis: ctx.params.dim }),
  });
  registerOnnxOp('contiguous', { export: (ctx) => ctx.node('Identity', [ctx.input(0)]) });
  registerOnnxOp<DType>('to', {
    export: (ctx) => ctx.node('Cast', [ctx.input(0, ctx.inputs[0]!.dtype)], { to: ctx.elemType(ctx.params) }),
  });

  // A separable gather (indexSelect, flip, roll, and reflect/replicate/circular pad, which
  // share the name 'pad' with constant padding): one ONNX Gather per re-indexed dim.
  const indexMap = (ctx: OpExportContext<IndexMapParams>): string => {
    let x = ctx.input(0);
    let gathered = false;
    ctx.params.maps.forEach((map, d) => {
      if (map) x = ctx.node('Gather', [x, ctx.int64s(Array.from(map))], { axis: d });
      gathered ||= map !== null;
    });
    return gathered ? x : ctx.node('Identity', [x]);
  };
  // inShape only echoes the input's shape (its batch may change); the maps are what is exported.
  const sameMaps = (a: unknown, b: unknown) => typeof a === 'object' && a !== null && 'maps' in a && typeof b === 'object' && b !== null && 'maps' in b && sameValue(a.maps, b.maps);
  for (const name of ['indexSelect', 'flip', 'roll']) registerOnnxOp(name, { export: indexMap, acceptsParamChange: sameMaps });
  registerOnnxOp<IndexMapParams | { pads: readonly (readonly [number, number])[]; value: number }>('pad', {
    export: (ctx) => {
      const p = ctx.params;
      if ('maps' in p) return indexMap(ctx as OpExportContext<IndexMapParams>);
      // Constant padding; negative amounts crop, which ONNX's Pad also does.
      const pads = [...p.pads.map(([before]) => before), ...p.pads.map(([, after]) => after)];
      return ctx.node('Pad', [ctx.input(0), ctx.int64s(pads), ctx.constant([p.value], [])], { mode: 'constant' });
    },
    acceptsParamChange: sameMaps,
  });
  registerOnnxOp<{ dim: number; index: ArrayLike<number>; indexShape: readonly number[] }>('gather', {
    export: (ctx) => {
      const { dim, index, indexShape } = ctx.params;
      const idx = ctx.int64s(Array.from(index));
      return ctx.node('GatherElements', [ctx.input(0), ctx.node('Reshape', [idx, ctx.int64s(indexShape)])], { axis: dim });
    },
  });
  registerOnnxOp<{ dim: number; index: ArrayLike<number>; indexShape: readonly number[] }>('scatterAdd', {
    export: (ctx) => {
      if (ctx.opset < 16) ctx.fail(`ScatterElements adds duplicates only from opset 16 (reduction='add'); export with opset >= 16, got ${ctx.opset}`);
      const { dim, index, indexShape } = ctx.params;
      const idx = ctx.node('Reshape', [ctx.int64s(Array.from(index)), ctx.int64s(indexShape)]);
      // src may be larger than the index (torch's rule): only its leading index-shaped block is read.
      const srcShape = ctx.inputs[1]!.shape;
      let src = ctx.input(1);
      if (srcShape.some((n, d) => n !== indexShape[d])) {
        src = ctx.node('Slice', [src, ctx.int64s(indexShape.map(() => 0)), ctx.int64s(indexShape), ctx.int64s(indexShape.map((_, d) => d))]);
      }
      return ctx.node('ScatterElements', [ctx.input(0), idx, src], { axis: dim, reduction: 'add' });
    },
  });
  registerOnnxOp<{ dim: number; reverse: boolean }>('cumsum', {
    export: (ctx) => ctx.node('CumSum', [ctx.input(0), ctx.int64s([ctx.params.dim])], { reverse: ctx.params.reverse ? 1 : 0 }),
  });

  registerOnnxOp('matmul', { export: (ctx) => gemm(ctx, null) ?? ctx.node('MatMul', [ctx.input(0), ctx.input(1)]) });
  registerOnnxOp<{ dim: number }>('softmax', { export: (ctx) => ctx.node('Softmax', [ctx.input(0)], { axis: ctx.params.dim }) });
  registerOnnxOp<{ dim: number }>('logSoftmax', { export: (ctx) => ctx.node('LogSoftmax', [ctx.input(0)], { axis: ctx.params.dim }) });

  // ReduceSum took its axes as an input from opset 13; ReduceMax, ReduceProd and ReduceLogSumExp from 18.
  registerOnnxOp('sum', reduce('ReduceSum', 13));
  registerOnnxOp('max', reduce('ReduceMax', 18));
  registerOnnxOp('prod', reduce('ReduceProd', 18));
  registerOnnxOp('logsumexp', reduce('ReduceLogSumExp', 18));
}
