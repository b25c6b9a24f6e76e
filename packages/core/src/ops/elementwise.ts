import { type Op, apply } from '../autograd/function.js';
import { kernels } from '../kernels/backend.js';
import type { BinaryOp, UnaryOp } from '../kernels/kernels.js';
import { allocate, resultType } from '../storage/dtype.js';
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
    const storage = allocate(resultType(a!, b!), sizeOf(shape));
    kernels.binary(kop, a!.expand(shape), b!.expand(shape), storage);
    return new TensorData(storage, shape);
  };
}

/**
 * A fused binary kernel used by backward rules (relu's mask, tanh's 1 - y², ...). Each is an
 * op with a backward of its own, so a gradient computed with it can be differentiated again.
 */
export function fused(kop: BinaryOp, a: Tensor, b: Tensor): Tensor {
  return apply(FUSED[kop], [a, b], undefined);
}

function fusedOp(kop: BinaryOp, backward: Op['backward'], saved: readonly (number | 'output')[]): Op {
  return { name: kop, forward: binaryForward(kop, kop), backward, saved };
}

/** d/dx of g·mask(x) or g·sign(x) is 0 almost everywhere: only the upstream gradient gets one. */
const maskedBackward = (kop: BinaryOp) => fusedOp(kop, (gg, ctx) => [ctx.needsGrad(0) ? fused(kop, gg, ctx.inputs[1]!) : null, null], [1]);

// ---- binary --------------------------------------------------------------------------------

export const Add: Op = {
  name: 'add',
  saved: [],
  forward: binaryForward('add', 'add'),
  backward: (g) => [g, g],
};

export const Sub: Op = {
  name: 'sub',
  saved: [],
  forward: binaryForward('sub', 'sub'),
  backward: (g, ctx) => [g, ctx.needsGrad(1) ? g.neg() : null],
};

export const Mul: Op = {
  name: 'mul',
  saved: [0, 1],
  forward: binaryForward('mul', 'mul'),
  backward: (g, ctx) => [ctx.needsGrad(0) ? g.mul(ctx.inputs[1]!) : null, ctx.needsGrad(1) ? g.mul(ctx.inputs[0]!) : null],
};

export const Div: Op = {
  name: 'div',
  saved: [1, 'output'],
  forward: binaryForward('div', 'div'),
  // d(a/b)/db = -a/b² = -(a/b)/b: reuses the quotient instead of squaring b.
  backward: (g, ctx) => [
    ctx.needsGrad(0) ? g.div(ctx.inputs[1]!) : null,
    ctx.needsGrad(1) ? g.mul(ctx.out()).div(ctx.inputs[1]!).neg() : null,
  ],
};

// minimum / maximum: the chosen operand takes the gradient; on a tie each takes half, and a NaN
// result sends it to both (torch.minimum's rule: where(a == b, g/2, g), zeroed where a > b).
function minMaxBackward(loses: 'gt' | 'lt', wins: 'gt' | 'lt'): Op['backward'] {
  return (g, ctx) => {
    const [a, b] = ctx.inputs;
    const half = fused('eq', a!, b!).mul(0.5);
    return [
      ctx.needsGrad(0) ? g.mul(fused(loses, a!, b!).add(half).neg().add(1)) : null,
      ctx.needsGrad(1) ? g.mul(fused(wins, a!, b!).add(half).neg().add(1)) : null,
    ];
  };
}

export const Minimum: Op = {
  name: 'minimum',
  saved: [0, 1],
  forward: binaryForward('minimum', 'minimum'),
  backward: minMaxBackward('gt', 'lt'),
};

export const Maximum: Op = {
  name: 'maximum',
  saved: [0, 1],
  forward: binaryForward('maximum', 'maximum'),
  backward: minMaxBackward('lt', 'gt'),
};

// ---- unary ---------------------------------------------------------------------------------

export const Neg: Op<number> = {
  name: 'neg',
  saved: [],
  forward: unaryForward('neg'),
  backward: (g) => [g.neg()],
};

export const Exp: Op<number> = {
  name: 'exp',
  saved: ['output'],
  forward: unaryForward('exp'),
  backward: (g, ctx) => [g.mul(ctx.out())],
};

export const Log: Op<number> = {
  name: 'log',
  saved: [0],
  forward: unaryForward('log'),
  backward: (g, { inputs: [x] }) => [g.div(x!)],
};

export const Sqrt: Op<number> = {
  name: 'sqrt',
  saved: ['output'],
  forward: unaryForward('sqrt'),
  backward: (g, ctx) => [g.div(ctx.out().mul(2))],
};

export const Abs: Op<number> = {
  name: 'abs',
  saved: [0],
  forward: unaryForward('abs'),
  // sign(0) = 0: the subgradient PyTorch picks at the kink.
  backward: (g, { inputs: [x] }) => [fused('absBackward', g, x!)],
};

export const Relu: Op<number> = {
  name: 'relu',
  saved: [0],
  forward: unaryForward('relu'),
  backward: (g, { inputs: [x] }) => [fused('reluBackward', g, x!)],
};

// sigmoid and tanh get their own rules from their outputs (y(1-y), 1-y²): one fused pass,
// and more accurate in the tails than differentiating a composition of exp and div.
export const Sigmoid: Op<number> = {
  name: 'sigmoid',
  saved: ['output'],
  forward: unaryForward('sigmoid'),
  backward: (g, ctx) => [fused('sigmoidBackward', g, ctx.out())],
};

export const Tanh: Op<number> = {
  name: 'tanh',
  saved: ['output'],
  forward: unaryForward('tanh'),
  backward: (g, ctx) => [fused('tanhBackward', g, ctx.out())],
};

export const Pow: Op<number> = {
  name: 'pow',
  saved: [0],
  forward: unaryForward('pow'),
  // k = 0 is special-cased so that x = 0 gives 0, not 0 * 0^-1 = NaN (as PyTorch does).
  backward: (g, { inputs: [x], params: k }) => [k === 0 ? g.mul(0) : g.mul(x!.pow(k - 1).mul(k))],
};

// ---- the fused kernels as ops --------------------------------------------------------------

const FUSED: Record<BinaryOp, Op> = {
  add: Add,
  sub: Sub,
  mul: Mul,
  div: Div,
  // A 0/1 mask: piecewise constant, so no gradient flows through it.
  eq: fusedOp('eq', () => [null, null], []),
  ne: fusedOp('ne', () => [null, null], []),
  lt: fusedOp('lt', () => [null, null], []),
  le: fusedOp('le', () => [null, null], []),
  gt: fusedOp('gt', () => [null, null], []),
  ge: fusedOp('ge', () => [null, null], []),
  minimum: Minimum,
  maximum: Maximum,
  reluBackward: maskedBackward('reluBackward'),
  absBackward: maskedBackward('absBackward'),
  // g·y(1-y): d/dg = y(1-y), d/dy = g(1-2y).
  sigmoidBackward: fusedOp('sigmoidBackward', (gg, ctx) => {
    const [g, y] = ctx.inputs;
    return [ctx.needsGrad(0) ? fused('sigmoidBackward', gg, y!) : null, ctx.needsGrad(1) ? gg.mul(g!).mul(y!.mul(-2).add(1)) : null];
  }, [0, 1]),
  // g·(1-y²): d/dg = 1-y², d/dy = -2gy.
  tanhBackward: fusedOp('tanhBackward', (gg, ctx) => {
    const [g, y] = ctx.inputs;
    return [ctx.needsGrad(0) ? fused('tanhBackward', gg, y!) : null, ctx.needsGrad(1) ? gg.mul(g!).mul(y!).mul(-2) : null];
  }, [0, 1]),
};
