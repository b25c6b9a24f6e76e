/*
 * Elementwise ops: Kindling's binary ops broadcast as NumPy does, and so does every ONNX
 * operator used here (multidirectional broadcasting), so shapes pass through untouched. Inputs
 * are cast to the output's type first, because ONNX operators take one type where Kindling lets
 * a 0-d float64 tensor join a float32 one.
 */
import type { OpExportContext } from '../registry.js';
import { registerOnnxOp } from '../registry.js';
import { gemm as linearGemm } from './shape.js';

const sameShape = (a: readonly number[], b: readonly (number | undefined)[]) => a.length === b.length && a.every((d, i) => d === b[i]);

type Ctx = OpExportContext<any>;

const binary = (opType: string) => ({ export: (ctx: Ctx) => ctx.node(opType, [ctx.input(0), ctx.input(1)]) });
const unary = (opType: string) => ({ export: (ctx: Ctx) => ctx.node(opType, [ctx.input(0)]) });
const scalar = (ctx: Ctx, v: number) => ctx.constant([v], []);

/** Registers the elementwise exporters (called once by the package entry). */
export function registerElementwise(): void {
  registerOnnxOp('add', {
    export: (ctx) => {
      // Linear: matmul(x, Wᵀ) + b, one Gemm (the MatMul's own nodes are then dropped as unread).
      const mm = ctx.producer(0);
      const b = ctx.inputs[1]!;
      const n = ctx.output.shape[1];
      if (mm?.op === 'matmul' && ctx.output.shape.length === 2 && mm.output.dtype === ctx.output.dtype && b.dtype === ctx.output.dtype && (sameShape(b.shape, [n]) || sameShape(b.shape, [1, n]))) {
        const fused = linearGemm(ctx, { name: ctx.input(1), shape: b.shape }, mm);
        if (fused) return fused;
      }
      return ctx.node('Add', [ctx.input(0), ctx.input(1)]);
    },
  });
  for (const [name, opType] of [['sub', 'Sub'], ['mul', 'Mul'], ['div', 'Div'], ['minimum', 'Min'], ['maximum', 'Max']] as const) {
    registerOnnxOp(name, binary(opType));
  }
  for (const [name, opType] of [
    ['neg', 'Neg'], ['exp', 'Exp'], ['log', 'Log'], ['sqrt', 'Sqrt'], ['abs', 'Abs'], ['relu', 'Relu'], ['sigmoid', 'Sigmoid'],
    ['tanh', 'Tanh'], ['reciprocal', 'Reciprocal'], ['sign', 'Sign'], ['sin', 'Sin'], ['cos', 'Cos'], ['erf', 'Erf'],
  ] as const) {
    registerOnnxOp(name, unary(opType));
  }
  // pow's exponent is a parameter (a number), written as a 0-d constant of x's type.
  registerOnnxOp<number>('pow', { export: (ctx) => ctx.node('Pow', [ctx.input(0), scalar(ctx, ctx.params)]) });
  registerOnnxOp('rsqrt', { export: (ctx) => ctx.node('Reciprocal', [ctx.node('Sqrt', [ctx.input(0)])]) });
  // No ONNX operator for these two; the compositions lose log1p/expm1's accuracy near 0.
  registerOnnxOp('log1p', { export: (ctx) => ctx.node('Log', [ctx.node('Add', [ctx.input(0), scalar(ctx, 1)])]) });
  registerOnnxOp('expm1', { export: (ctx) => ctx.node('Sub', [ctx.node('Exp', [ctx.input(0)]), scalar(ctx, 1)]) });
  // clamp's bounds are parameters; Clip takes them as optional inputs ('' = absent).
  registerOnnxOp<{ min: number | undefined; max: number | undefined }>('clamp', {
    export: (ctx) => {
      const { min, max } = ctx.params;
      return ctx.node('Clip', [ctx.input(0), min === undefined ? '' : scalar(ctx, min), max === undefined ? '' : scalar(ctx, max)]);
    },
  });

  // Comparisons give Kindling's 0/1 float masks: the ONNX bool result cast to the output type.
  for (const [name, opType, negate] of [
    ['eq', 'Equal', false], ['ne', 'Equal', true], ['lt', 'Less', false], ['le', 'LessOrEqual', false], ['gt', 'Greater', false], ['ge', 'GreaterOrEqual', false],
  ] as const) {
    registerOnnxOp(name, {
      export: (ctx) => {
        const b = ctx.node(opType, [ctx.input(0, ctx.inputs[0]!.dtype), ctx.input(1, ctx.inputs[0]!.dtype)]);
        return ctx.node('Cast', [negate ? ctx.node('Not', [b]) : b], { to: ctx.elemType(ctx.output.dtype) });
      },
    });
  }
  // where's condition is a parameter: a constant mask, copied when the op ran (the trace made
  // with other input values has confirmed it does not depend on them).
  registerOnnxOp<{ cond: { shape: readonly number[]; contiguousStorage(): ArrayLike<number> } }>('where', {
    export: (ctx) => {
      const { cond } = ctx.params;
      return ctx.node('Where', [ctx.bools(cond.contiguousStorage(), cond.shape), ctx.input(0), ctx.input(1)]);
    },
  });

  // Activations.
  registerOnnxOp<number>('leakyRelu', { export: (ctx) => ctx.node('LeakyRelu', [ctx.input(0)], { alpha: { float: ctx.params } }) });
  registerOnnxOp<number>('elu', { export: (ctx) => ctx.node('Elu', [ctx.input(0)], { alpha: { float: ctx.params } }) });
  // softplus(x) = x above the threshold (PyTorch's rule, which Kindling follows); ONNX's Softplus has no threshold.
  registerOnnxOp<number>('softplus', {
    export: (ctx) => {
      const x = ctx.input(0);
      return ctx.node('Where', [ctx.node('Greater', [x, scalar(ctx, ctx.params)]), x, ctx.node('Softplus', [x])]);
    },
  });
  registerOnnxOp('silu', { export: (ctx) => ctx.node('Mul', [ctx.input(0), ctx.node('Sigmoid', [ctx.input(0)])]) });
  // gelu = x·Φ(x) = x·(1 + erf(x/√2))/2; opset 20 has it as one operator.
  registerOnnxOp('gelu', {
    export: (ctx) => {
      const x = ctx.input(0);
      if (ctx.opset >= 20) return ctx.node('Gelu', [x]);
      const phi = ctx.node('Add', [ctx.node('Erf', [ctx.node('Mul', [x, scalar(ctx, Math.SQRT1_2)])]), scalar(ctx, 1)]);
      return ctx.node('Mul', [ctx.node('Mul', [x, phi]), scalar(ctx, 0.5)]);
    },
  });
  // PyTorch's tanh approximation: x(1 + tanh(√(2/π)(x + 0.044715x³)))/2.
  registerOnnxOp('geluTanh', {
    export: (ctx) => {
      const x = ctx.input(0);
      if (ctx.opset >= 20) return ctx.node('Gelu', [x], { approximate: 'tanh' });
      const cube = ctx.node('Mul', [ctx.node('Mul', [x, x]), x]);
      const u = ctx.node('Mul', [ctx.node('Add', [x, ctx.node('Mul', [cube, scalar(ctx, 0.044715)])]), scalar(ctx, Math.sqrt(2 / Math.PI))]);
      const t = ctx.node('Add', [ctx.node('Tanh', [u]), scalar(ctx, 1)]);
      return ctx.node('Mul', [ctx.node('Mul', [x, t]), scalar(ctx, 0.5)]);
    },
  });
}
