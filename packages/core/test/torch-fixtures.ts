/**
 * Reads the PyTorch reference fixtures (test/fixtures/torch/*.json, written by
 * scripts/torch-fixtures; the format is documented in scripts/torch-fixtures/README.md) and
 * replays their programs with Kindling. The tests need only the committed JSON, never torch.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import {
  conv1d, getBackend, initWasm, setBackend, convTranspose1d, grad, mseLoss, tensor, type Conv1dOptions, type ConvTranspose1dOptions, type Reduction, type Tensor,
} from '../src/index.js';

export type FixtureDType = 'float64' | 'float32';

/** A dense row-major tensor: `data` has prod(shape) numbers (one for shape []). */
export interface TensorJson {
  shape: number[];
  dtype: FixtureDType;
  data: number[];
}

/** One op applied to inputs (by name), earlier steps ('%0', '%1', ...), numbers or null. */
export interface ProgramStep {
  op: string;
  args: (string | number | null)[];
  params: Record<string, unknown>;
}

/** See README.md: v, the double-backward w.r.t. each input and w.r.t. gradOutput (null = zero). */
export interface SecondOrderJson {
  v: (TensorJson | null)[];
  gradInputs: (TensorJson | null)[];
  gradGradOutput: TensorJson | null;
  torchNone: boolean[];
}

export interface FixtureCase {
  id: string;
  op: string;
  params: Record<string, unknown> | null;
  dtype: FixtureDType | 'mixed';
  inputs: (TensorJson & { name: string })[];
  program: ProgramStep[];
  output: TensorJson;
  gradOutput: TensorJson;
  grads: (TensorJson | null)[];
  secondOrder: SecondOrderJson | null;
}

export interface FixtureFile {
  format: string;
  area: string;
  torch: string;
  count: number;
  cases: FixtureCase[];
}

export const FIXTURE_FORMAT = 'kindling-torch-fixtures/1';

/** Every area the generator writes, in its order. */
export const FIXTURE_AREAS = [
  'elementwise', 'reductions', 'linalg', 'conv', 'conv_transpose', 'losses', 'movement', 'compositions',
] as const;
export type FixtureArea = (typeof FIXTURE_AREAS)[number];
/** Areas with ops beyond KINDLING_OPS: their own test files pass the extra ops (not in FIXTURE_AREAS). */
export type ExtraFixtureArea = 'ops_index' | 'ops_math';

export function loadFixtures(area: FixtureArea | ExtraFixtureArea): FixtureFile {
  const url = new URL(`./fixtures/torch/${area}.json`, import.meta.url);
  const file = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as FixtureFile;
  if (file.format !== FIXTURE_FORMAT) throw new Error(`${area}.json: format '${file.format}', expected '${FIXTURE_FORMAT}'`);
  if (file.cases.length !== file.count) throw new Error(`${area}.json: ${file.cases.length} cases but count says ${file.count}`);
  return file;
}

/** A Kindling tensor holding exactly the fixture's numbers in the fixture's dtype. */
export function fromJson(t: TensorJson, requiresGrad = false): Tensor {
  const data = t.dtype === 'float32' ? new Float32Array(t.data) : new Float64Array(t.data);
  return tensor(data, { shape: t.shape, dtype: t.dtype, requiresGrad });
}

type Arg = Tensor | number | null;
/** How a program step runs in Kindling: positional args as in the JSON, then the step's params. */
export type OpImpl = (args: Arg[], params: Record<string, unknown>) => Tensor;

const t = (a: Arg): Tensor => {
  if (a === null || typeof a === 'number') throw new Error(`expected a tensor argument, got ${String(a)}`);
  return a;
};
const tOrNum = (a: Arg): Tensor | number => {
  if (a === null) throw new Error('expected a tensor or a number, got null');
  return a;
};
type Axis = number | number[] | undefined;
const axisOf = (p: Record<string, unknown>): Axis => (p.axis === null ? undefined : (p.axis as Axis));

/**
 * Kindling's side of every op the fixtures use (convTranspose1d included). Ops a test wants to
 * replace or add go through `extra` in {@link runProgram}.
 */
export const KINDLING_OPS: Record<string, OpImpl> = {
  add: ([a, b]) => t(a).add(tOrNum(b)),
  sub: ([a, b]) => t(a).sub(tOrNum(b)),
  mul: ([a, b]) => t(a).mul(tOrNum(b)),
  div: ([a, b]) => t(a).div(tOrNum(b)),
  neg: ([a]) => t(a).neg(),
  exp: ([a]) => t(a).exp(),
  log: ([a]) => t(a).log(),
  sqrt: ([a]) => t(a).sqrt(),
  abs: ([a]) => t(a).abs(),
  relu: ([a]) => t(a).relu(),
  sigmoid: ([a]) => t(a).sigmoid(),
  tanh: ([a]) => t(a).tanh(),
  pow: ([a], p) => t(a).pow(p.exponent as number),
  sum: ([a], p) => t(a).sum(axisOf(p), p.keepdim as boolean),
  mean: ([a], p) => t(a).mean(axisOf(p), p.keepdim as boolean),
  max: ([a], p) => t(a).max(axisOf(p), p.keepdim as boolean),
  matmul: ([a, b]) => t(a).matmul(t(b)),
  reshape: ([a], p) => t(a).reshape(p.shape as number[]),
  permute: ([a], p) => t(a).permute(p.dims as number[]),
  transpose: ([a], p) => t(a).transpose(p.dim0 as number, p.dim1 as number),
  expand: ([a], p) => t(a).expand(p.shape as number[]),
  narrow: ([a], p) => t(a).narrow(p.dim as number, p.start as number, p.length as number),
  unsqueeze: ([a], p) => t(a).unsqueeze(p.dim as number),
  squeeze: ([a], p) => t(a).squeeze(p.dim as number | undefined),
  flatten: ([a], p) => t(a).flatten(p.startDim as number, p.endDim as number),
  contiguous: ([a]) => t(a).contiguous(),
  conv1d: ([x, w, b], p) => conv1d(t(x), t(w), b === null ? null : t(b), p as Conv1dOptions),
  mseLoss: ([pred, target], p) => mseLoss(t(pred), t(target), p.reduction as Reduction),
  convTranspose1d: ([x, w, b], p) => convTranspose1d(t(x), t(w), b === null || b === undefined ? null : t(b), p as ConvTranspose1dOptions),
};

/** The ops of a case that neither KINDLING_OPS nor `extra` implements. */
export function missingOps(c: FixtureCase, extra: Record<string, OpImpl> = {}): string[] {
  return [...new Set(c.program.map((s) => s.op))].filter((op) => !(op in KINDLING_OPS) && !(op in extra));
}

/** Runs the case's program on `inputs` (one tensor per case input, in order); the last step's result. */
export function runProgram(c: FixtureCase, inputs: readonly Tensor[], extra: Record<string, OpImpl> = {}): Tensor {
  const values = new Map<string, Tensor>(c.inputs.map((inp, i) => [inp.name, inputs[i]!]));
  let out: Tensor | undefined;
  c.program.forEach((s, k) => {
    const impl = extra[s.op] ?? KINDLING_OPS[s.op];
    if (!impl) throw new Error(`${c.id}: no Kindling implementation of '${s.op}'`);
    const args = s.args.map((a): Arg => {
      if (typeof a !== 'string') return a;
      const v = values.get(a);
      if (!v) throw new Error(`${c.id}: step ${k} refers to unknown value '${a}'`);
      return v;
    });
    out = impl(args, s.params);
    values.set(`%${k}`, out);
  });
  if (!out) throw new Error(`${c.id}: empty program`);
  return out;
}

/** The inputs of a case as leaves (all of them require grad, as in the generator). */
export function caseInputs(c: FixtureCase, requiresGrad = true): Tensor[] {
  return c.inputs.map((inp) => fromJson(inp, requiresGrad));
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * float64: both libraries do the same few float64 operations in different orders, so they
 * agree to well under 1e-10. float32: a few ulps of values of order 1, with room for the
 * accumulation order of short sums (Kindling may sum float32 in float64; PyTorch does not).
 */
export const TOLERANCES: Record<FixtureDType, Tolerance> = {
  float64: { atol: 1e-10, rtol: 1e-10 },
  float32: { atol: 1e-5, rtol: 1e-5 },
};

/** The looser tolerance whenever any tensor of the case is float32. */
export function toleranceFor(c: FixtureCase): Tolerance {
  return c.dtype === 'float64' ? TOLERANCES.float64 : TOLERANCES.float32;
}

/**
 * Compares a Kindling tensor with a fixture tensor: shape, dtype, then every element within
 * `atol + rtol * |expected|`. Returns null when they agree, else a message naming the worst
 * element.
 */
export function compareTensor(what: string, actual: Tensor | null, expected: TensorJson, tol: Tolerance): string | null {
  if (actual === null) return `${what}: expected a tensor of shape [${expected.shape.join(', ')}], got null`;
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `${what}: shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.dtype !== expected.dtype) return `${what}: dtype ${actual.dtype}, expected ${expected.dtype}`;
  const got = actual.dataSync();
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const err = Math.abs(got[i]! - e);
    const excess = err / (tol.atol + tol.rtol * Math.abs(e));
    // NaN never passes: !(excess <= 1).
    if (!(excess <= 1) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return null;
  const e = expected.data[worst]!;
  return `${what}: element ${worst} is ${got[worst]}, PyTorch gives ${e} (|diff| ${Math.abs(got[worst]! - e).toExponential(2)}, ` +
    `allowed ${(tol.atol + tol.rtol * Math.abs(e)).toExponential(2)})`;
}

/**
 * Forward values and first-order gradients of a case against PyTorch's (`output`, `grads`):
 * the inputs are fresh leaves, `out.backward(gradOutput)` fills their `.grad`. Returns the
 * problems found (empty when everything agrees).
 */
export function checkFirstOrder(c: FixtureCase, extra: Record<string, OpImpl> = {}): string[] {
  const tol = toleranceFor(c);
  const inputs = caseInputs(c);
  const out = runProgram(c, inputs, extra);
  const problems: string[] = [];
  const fwd = compareTensor('output', out, c.output, tol);
  if (fwd) problems.push(fwd);
  out.backward(fromJson(c.gradOutput));
  c.grads.forEach((g, i) => {
    const name = `grad of input ${i} '${c.inputs[i]!.name}'`;
    if (g === null) {
      if (inputs[i]!.grad !== null) problems.push(`${name}: PyTorch has none, Kindling has one`);
      return;
    }
    const msg = compareTensor(name, inputs[i]!.grad, g, tol);
    if (msg) problems.push(msg);
  });
  return problems;
}

/** An expected `null` (zero) entry: Kindling may give null or a tensor of the right shape whose every element is 0. */
function compareZero(what: string, actual: Tensor | null, shape: readonly number[]): string | null {
  if (actual === null) return null;
  if (actual.shape.length !== shape.length || actual.shape.some((d, i) => d !== shape[i])) {
    return `${what}: shape [${actual.shape.join(', ')}], expected [${shape.join(', ')}] (PyTorch: zero)`;
  }
  const got = actual.dataSync();
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== 0) return `${what}: element ${i} is ${got[i]}, PyTorch gives zero (null)`;
  }
  return null;
}

/**
 * The `secondOrder` record of a float64 case (README.md, "secondOrder"), replayed with
 * Kindling's grad(): g = grad(out, xs, { gradOutputs: go, createGraph: true, allowUnused: true })
 * with go a leaf that requires grad, s = Σ_i (g_i·v_i).sum(), r = grad(s, [...xs, go],
 * { allowUnused: true }); r[i] against gradInputs[i], r[n] against gradGradOutput. A null
 * (zero) entry accepts null or an all-zero tensor. Returns the problems found.
 */
export function checkSecondOrder(c: FixtureCase, extra: Record<string, OpImpl> = {}, tol: Tolerance = TOLERANCES.float64): string[] {
  const so = c.secondOrder;
  if (so === null) return [`${c.id}: no secondOrder record`];
  const problems: string[] = [];
  const n = c.inputs.length;
  if (so.v.length !== n || so.gradInputs.length !== n || so.torchNone.length !== n + 1) {
    return [`${c.id}: secondOrder has ${so.v.length} v, ${so.gradInputs.length} gradInputs, ${so.torchNone.length} torchNone for ${n} inputs`];
  }
  const xs = caseInputs(c);
  const go = fromJson(c.gradOutput, true);
  const out = runProgram(c, xs, extra);
  const g = grad([out], xs, { gradOutputs: [go], createGraph: true, allowUnused: true });
  let s: Tensor | null = null;
  for (let i = 0; i < n; i++) {
    const gi = g[i] ?? null;
    const vi = so.v[i];
    if (vi === null || vi === undefined) {
      if (gi !== null) problems.push(`first gradient of input ${i}: PyTorch has none (v null), Kindling has one`);
      continue;
    }
    if (gi === null) {
      problems.push(`first gradient of input ${i}: null, PyTorch has one`);
      continue;
    }
    const term = gi.mul(fromJson(vi)).sum();
    s = s === null ? term : s.add(term);
  }
  if (s === null) return [...problems, 'no first gradient to differentiate'];
  if (!s.requiresGrad) {
    // Every first gradient is constant: PyTorch must have recorded zeros everywhere.
    [...so.gradInputs, so.gradGradOutput].forEach((e, i) => {
      if (e !== null) problems.push(`d² ${i}: PyTorch has a non-zero second derivative, Kindling's first gradient is constant`);
    });
    return problems;
  }
  const r = grad([s], [...xs, go], { allowUnused: true });
  const expected = [...so.gradInputs, so.gradGradOutput];
  const shapes = [...c.inputs.map((x) => x.shape), c.gradOutput.shape];
  expected.forEach((e, i) => {
    const what = i < n ? `d²: ∂s/∂ input ${i} '${c.inputs[i]!.name}'` : 'd²: ∂s/∂ gradOutput';
    const msg = e === null ? compareZero(what, r[i] ?? null, shapes[i]!) : compareTensor(what, r[i] ?? null, e, tol);
    if (msg) problems.push(msg);
  });
  return problems;
}

/**
 * Declares the tests `body` adds twice, inside describe('js backend') and describe('wasm
 * backend'). 'wasm' runs with the size threshold at 0 (setWasmMinWork(0)), or these small cases
 * would fall back to the JavaScript kernels; afterwards the js backend and the default
 * threshold are restored.
 */
export function describeOnBothBackends(body: (backend: 'js' | 'wasm') => void): void {
  for (const backend of ['js', 'wasm'] as const) {
    describe(`${backend} backend`, () => {
      let before = getBackend();
      beforeAll(async () => {
        before = getBackend();
        if (backend === 'wasm') {
          expect(await initWasm()).toBe(true);
          setWasmMinWork(0);
        }
        setBackend(backend);
      });
      afterAll(() => {
        setBackend(before);
        setWasmMinWork();
      });
      body(backend);
    });
  }
}
