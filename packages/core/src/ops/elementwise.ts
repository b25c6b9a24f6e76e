import { type Op, apply } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import type { BinaryOp, UnaryOp } from '../kernels/kernels.js';
import { allocate, promote } from '../storage/dtype.js';
import { broadcastShapes, sizeOf } from '../storage/shape.js';
import { TensorData } from '../storage/tensor-data.js';
import type { Tensor } from '../tensor.js';

/*
 * Elementwise primitives. Each op is its forward (one kernel pass) next to its local
 * derivative. Binary ops broadcast; the autograd engine sums their gradients back to each
 * input's shape, so no rule here needs to know about broadcasting.
 */

function unaryForward(kop: UnaryOp) {
  return ([x]: readonly TensorData[], k: number): TensorData => {
    const out = allocate(x!.dtype, x!.size);
    kernels.unary(kop, x!, out, k);
    return new TensorData(out, x!.shape);
  };
}

function binaryForward(name: string, kop: BinaryOp) {
  return ([a, b]: readonly TensorData[]): TensorData => {
    const shape = broadcastShapes(name, a!.shape, b!.shape);
    const storage = allocate(promote(a!.dtype, b!.dtype), sizeOf(shape));
    kernels.binary(kop, a!.expand(shape), b!.expand(shape), storage);
    return new TensorData(storage, shape);
  };
}

/** A binary kernel on gradients, outside the graph (used by backward rules only). */
export function fused(kop: BinaryOp, a: Tensor, b: Tensor): Tensor {
  let op = fusedOps.get(kop);
  if (!op) fusedOps.set(kop, (op = { name: kop, forward: binaryForward(kop, kop), backward: () => [] }));
  return apply(op, [a, b], undefined);
}
const fusedOps = new Map<BinaryOp, Op>();

// ---- binary --------------------------------------------------------------------------------

export const Add: Op = {
  name: 'add',
  forward: binaryForward('add', 'add'),
  backward: (g) => [g, g],
};

export const Sub: Op = {
  name: 'sub',
  forward: binaryForward('sub', 'sub'),
  backward: (g, ctx) => [g, ctx.needsGrad(1) ? g.neg() : null],
};

export const Mul: Op = {
  name: 'mul',
  forward: binaryForward('mul', 'mul'),
  backward: (g, ctx) => [ctx.needsGrad(0) ? g.mul(ctx.inputs[1]!) : null, ctx.needsGrad(1) ? g.mul(ctx.inputs[0]!) : null],
};

export const Div: Op = {
  name: 'div',
  forward: binaryForward('div', 'div'),
  // d(a/b)/db = -a/b² = -(a/b)/b: reuses the quotient instead of squaring b.
  backward: (g, ctx) => [
    ctx.needsGrad(0) ? g.div(ctx.inputs[1]!) : null,
    ctx.needsGrad(1) ? g.mul(ctx.out()).div(ctx.inputs[1]!).neg() : null,
  ],
};

// ---- unary ---------------------------------------------------------------------------------

export const Neg: Op<number> = {
  name: 'neg',
  forward: unaryForward('neg'),
  backward: (g) => [g.neg()],
};

export const Exp: Op<number> = {
  name: 'exp',
  forward: unaryForward('exp'),
  backward: (g, ctx) => [g.mul(ctx.out())],
};

export const Log: Op<number> = {
  name: 'log',
  forward: unaryForward('log'),
  backward: (g, { inputs: [x] }) => [g.div(x!)],
};

export const Sqrt: Op<number> = {
  name: 'sqrt',
  forward: unaryForward('sqrt'),
  backward: (g, ctx) => [g.div(ctx.out().mul(2))],
};

export const Abs: Op<number> = {
  name: 'abs',
  forward: unaryForward('abs'),
  // sign(0) = 0: the subgradient PyTorch picks at the kink.
  backward: (g, { inputs: [x] }) => [fused('absBackward', g, x!)],
};

export const Relu: Op<number> = {
  name: 'relu',
  forward: unaryForward('relu'),
  backward: (g, { inputs: [x] }) => [fused('reluBackward', g, x!)],
};

// sigmoid and tanh get their own rules from their outputs (y(1-y), 1-y²): one fused pass,
// and more accurate in the tails than differentiating a composition of exp and div.
export const Sigmoid: Op<number> = {
  name: 'sigmoid',
  forward: unaryForward('sigmoid'),
  backward: (g, ctx) => [fused('sigmoidBackward', g, ctx.out())],
};

export const Tanh: Op<number> = {
  name: 'tanh',
  forward: unaryForward('tanh'),
  backward: (g, ctx) => [fused('tanhBackward', g, ctx.out())],
};

export const Pow: Op<number> = {
  name: 'pow',
  forward: unaryForward('pow'),
  // k = 0 is special-cased so that x = 0 gives 0, not 0 * 0^-1 = NaN (as PyTorch does).
  backward: (g, { inputs: [x], params: k }) => [k === 0 ? g.mul(0) : g.mul(x!.pow(k - 1).mul(k))],
};
