/**
 * Kindling against PyTorch 1.13 for the math, comparison and reduction ops: every case of
 * test/fixtures/torch/ops_math.json (written by scripts/torch-fixtures/ops_math.py; the test
 * needs no torch). Forward values and first-order gradients of every case, float64 to 1e-10
 * and float32 to 1e-5 (mixed absolute / relative, as the other fixture tests); the double
 * backward of every float64 case (the `secondOrder` record) to 1e-10. Forward-only cases
 * (comparisons, isnan/isfinite, argmax/argmin: no gradient in either library) check the
 * output and that it does not require grad.
 *
 * Everything runs on both backends ('wasm' borrows the JavaScript kernels for these ops, so
 * this checks that it still has them).
 */
import { describe, expect, it } from 'vitest';
import {
  type Tensor, argmax, argmin, clamp, cos, cumsum, elu, eq, erf, expm1, ge, gelu, gt, isfinite, isnan, le,
  leakyRelu, log1p, logSoftmax, logsumexp, lt, maximum, min, minimum, ne, norm, prod, reciprocal, rsqrt, sign, silu,
  sin, softmax, softplus, square, std, var as variance,
} from '../src/index.js';
import {
  type FixtureCase, type OpImpl, type TensorJson, caseInputs, checkFirstOrder, checkSecondOrder, compareTensor, describeOnBothBackends,
  loadFixtures, missingOps, runProgram, toleranceFor,
} from './torch-fixtures.js';

type Arg = Tensor | number | null;
const t = (a: Arg): Tensor => {
  if (a === null || typeof a === 'number') throw new Error(`expected a tensor argument, got ${String(a)}`);
  return a;
};
const tn = (a: Arg): Tensor | number => {
  if (a === null) throw new Error('expected a tensor or a number, got null');
  return a;
};
type Axis = number | number[] | undefined;
const axisOf = (p: Record<string, unknown>): Axis => (p.axis === null ? undefined : (p.axis as Axis));
const kd = (p: Record<string, unknown>) => (p.keepdim ?? false) as boolean;
const opt = (v: unknown) => (v === undefined || v === null ? undefined : (v as number));

/** Kindling's side of the fixture ops, through the exported functions (the methods are the same code). */
const MATH_OPS: Record<string, OpImpl> = {
  eq: ([a, b]) => eq(t(a), tn(b)),
  ne: ([a, b]) => ne(t(a), tn(b)),
  lt: ([a, b]) => lt(t(a), tn(b)),
  le: ([a, b]) => le(t(a), tn(b)),
  gt: ([a, b]) => gt(t(a), tn(b)),
  ge: ([a, b]) => ge(t(a), tn(b)),
  isnan: ([a]) => isnan(t(a)),
  isfinite: ([a]) => isfinite(t(a)),
  minimum: ([a, b]) => minimum(t(a), tn(b)),
  maximum: ([a, b]) => maximum(t(a), tn(b)),
  clamp: ([a], p) => clamp(t(a), opt(p.min), opt(p.max)),
  square: ([a]) => square(t(a)),
  rsqrt: ([a]) => rsqrt(t(a)),
  reciprocal: ([a]) => reciprocal(t(a)),
  sign: ([a]) => sign(t(a)),
  sin: ([a]) => sin(t(a)),
  cos: ([a]) => cos(t(a)),
  log1p: ([a]) => log1p(t(a)),
  expm1: ([a]) => expm1(t(a)),
  erf: ([a]) => erf(t(a)),
  softplus: ([a], p) => softplus(t(a), opt(p.beta), opt(p.threshold)),
  leakyRelu: ([a], p) => leakyRelu(t(a), opt(p.negativeSlope)),
  elu: ([a], p) => elu(t(a), opt(p.alpha)),
  gelu: ([a], p) => gelu(t(a), p.approximate === undefined ? undefined : { approximate: p.approximate as 'none' | 'tanh' }),
  silu: ([a]) => silu(t(a)),
  min: ([a], p) => min(t(a), axisOf(p), kd(p)),
  argmax: ([a], p) => argmax(t(a), opt(p.dim), kd(p)),
  argmin: ([a], p) => argmin(t(a), opt(p.dim), kd(p)),
  prod: ([a], p) => prod(t(a), axisOf(p), kd(p)),
  logsumexp: ([a], p) => logsumexp(t(a), axisOf(p), kd(p)),
  var: ([a], p) => variance(t(a), axisOf(p), kd(p), p.correction === undefined ? undefined : { correction: p.correction as number }),
  std: ([a], p) => std(t(a), axisOf(p), kd(p), p.correction === undefined ? undefined : { correction: p.correction as number }),
  norm: ([a], p) => norm(t(a), p.p === 'Infinity' ? Infinity : (p.p as number), axisOf(p), kd(p)),
  cumsum: ([a], p) => cumsum(t(a), p.dim as number),
  softmax: ([a], p) => softmax(t(a), p.dim as number),
  logSoftmax: ([a], p) => logSoftmax(t(a), p.dim as number),
};

const forwardOnly = (c: FixtureCase) => (c.gradOutput as TensorJson | null) === null;

function checkForward(c: FixtureCase): string[] {
  const out = runProgram(c, caseInputs(c), MATH_OPS);
  const problems: string[] = [];
  const msg = compareTensor('output', out, c.output, toleranceFor(c));
  if (msg) problems.push(msg);
  if (out.requiresGrad) problems.push('output requires grad, but the op has no gradient');
  return problems;
}

const file = loadFixtures('ops_math');
const withGrad = file.cases.filter((c) => !forwardOnly(c));
const fwdOnly = file.cases.filter(forwardOnly);
const second = file.cases.filter((c) => c.secondOrder !== null);

describe(`PyTorch ${file.torch} fixtures: ops_math`, () => {
  it('covers every op, in float64 and float32, each with an implementation here', () => {
    const ops = new Set(file.cases.flatMap((c) => c.program.map((s) => s.op)));
    for (const op of Object.keys(MATH_OPS)) expect(ops.has(op), op).toBe(true);
    for (const dtype of ['float64', 'float32'] as const) {
      const have = new Set(file.cases.filter((c) => c.dtype === dtype).flatMap((c) => c.program.map((s) => s.op)));
      expect(Object.keys(MATH_OPS).filter((op) => !have.has(op)), dtype).toEqual([]);
    }
    expect(file.cases.filter((c) => missingOps(c, MATH_OPS).length > 0).map((c) => c.id)).toEqual([]);
    // Second order for every op that has a gradient (float64 cases).
    const secondOps = new Set(second.flatMap((c) => c.program.map((s) => s.op)));
    const gradOps = Object.keys(MATH_OPS).filter((op) => !['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isnan', 'isfinite', 'argmax', 'argmin'].includes(op));
    expect(gradOps.filter((op) => !secondOps.has(op))).toEqual([]);
  });
});

describeOnBothBackends(() => {
  it.each(fwdOnly.map((c) => [c.id, c] as const))('forward only: %s', (_id, c) => {
    expect(checkForward(c)).toEqual([]);
  });
  it.each(withGrad.map((c) => [c.id, c] as const))('first order: %s', (_id, c) => {
    expect(checkFirstOrder(c, MATH_OPS)).toEqual([]);
  });
  it.each(second.map((c) => [c.id, c] as const))('second order: %s', (_id, c) => {
    expect(checkSecondOrder(c, MATH_OPS)).toEqual([]);
  });
});
