import { afterEach, describe, expect, it } from 'vitest';
import { accumulate, adamUpdate, copy, mseBackward, mseForward, sgdUpdate } from '../src/kernels/js/fused.js';
import { binary, unary } from '../src/kernels/js/elementwise.js';
import { reduce } from '../src/kernels/js/reduce.js';
import { gemm } from '../src/kernels/js/gemm.js';
import { conv1dBackwardBias, conv1dBackwardInput, conv1dBackwardWeight, conv1dForward } from '../src/kernels/js/conv1d.js';
import type { AdamHyper, BinaryOp, Conv1dGeometry, SgdHyper, UnaryOp } from '../src/kernels/kernels.js';
import { type KernelFunction, TensorData, getBackend, getKernel, registerBackend, registerKernel, setBackend } from '../src/index.js';
import { kernels, kernelsOf, selectDefaultBackend, setMinWorkOverride } from '../src/kernels/backend.js';
import { thrownMessage as thrown } from './throws.js';
import { binaryRef } from './math-reference.js';

// The reference ('js') kernels (kernels/js/**) against their definitions, written out here.
// Added for mutation testing. First the fused ones (fused.ts) against the update rules as
// PyTorch documents and implements them (torch.optim.SGD / Adam, single-tensor path), on
// hand-picked values that reach every branch: no momentum buffer, the first momentum step,
// dampening, weight decay, maximize, offsets into larger buffers, both forms of torch.lerp,
// and amsgrad; float64 there, so results match to the bit. Then the elementwise, reduction,
// gemm and conv1d kernels at the edges of each op (0, parameters, NaN, ±Infinity, strides).

const f64 = (...v: number[]) => Float64Array.from(v);

/** torch.optim.SGD's step for one tensor (buf null: no momentum). Returns the new p and buf. */
function sgdReference(p: readonly number[], g: readonly number[], buf: readonly number[] | null, first: boolean, h: SgdHyper) {
  const outP: number[] = [];
  const outBuf: number[] = [];
  for (let i = 0; i < p.length; i++) {
    let dp = h.maximize ? -g[i]! : g[i]!;
    if (h.weightDecay !== 0) dp = dp + h.weightDecay * p[i]!; // d_p.add(param, alpha=weight_decay)
    if (buf !== null) {
      // first step: buf = clone(d_p); later: buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
      const b = first ? dp : h.momentum * buf[i]! + (1 - h.dampening) * dp;
      outBuf.push(b);
      dp = h.nesterov ? dp + h.momentum * b : b;
    }
    outP.push(p[i]! - h.lr * dp); // param.add_(d_p, alpha=-lr)
  }
  return { p: outP, buf: buf === null ? null : outBuf };
}

/** torch.lerp(start, end, weight) as ATen computes it on the CPU. */
const lerp = (start: number, end: number, weight: number) => (Math.abs(weight) < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight));

/** torch.optim.Adam's step for one tensor (vmax null: amsgrad off). */
function adamReference(p: readonly number[], g: readonly number[], m: readonly number[], v: readonly number[], vmax: readonly number[] | null, h: AdamHyper) {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  const stepSize = h.lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  const out = { p: [] as number[], m: [] as number[], v: [] as number[], vmax: vmax === null ? null : ([] as number[]) };
  for (let i = 0; i < p.length; i++) {
    let grad = h.maximize ? -g[i]! : g[i]!;
    if (h.weightDecay !== 0) grad = grad + h.weightDecay * p[i]!;
    const mi = lerp(m[i]!, grad, 1 - h.beta1); // exp_avg.lerp_(grad, 1 - beta1)
    const vi = v[i]! * h.beta2 + (1 - h.beta2) * grad * grad; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    let denom: number;
    if (vmax !== null) {
      const mx = Math.max(vmax[i]!, vi); // torch.maximum(max_exp_avg_sqs, exp_avg_sq)
      out.vmax!.push(mx);
      denom = Math.sqrt(mx) / bc2Sqrt + h.eps;
    } else {
      denom = Math.sqrt(vi) / bc2Sqrt + h.eps;
    }
    out.p.push(p[i]! + (-stepSize * mi) / denom); // param.addcdiv_(exp_avg, denom, value=-step_size)
    out.m.push(mi);
    out.v.push(vi);
  }
  return out;
}

const sgdHyper = (h: Partial<SgdHyper>): SgdHyper => ({ lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...h });
const adamHyper = (h: Partial<AdamHyper>): AdamHyper => ({ lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maximize: false, step: 1, ...h });

describe('sgdUpdate without a momentum buffer', () => {
  const p0 = [0.5, -1.25, 2];
  const g0 = [0.3, 0.7, -1.1];

  it.each([
    { weightDecay: 0, maximize: false },
    { weightDecay: 0.1, maximize: false },
    { weightDecay: 0, maximize: true },
    { weightDecay: 0.05, maximize: true },
  ])('weightDecay $weightDecay, maximize $maximize: p[po..po+n) moves, nothing else', ({ weightDecay, maximize }) => {
    const h = sgdHyper({ lr: 0.2, weightDecay, maximize });
    // p at offset 1 of a 5-element buffer, g at offset 2 of a 6-element one; the rest are sentinels.
    const p = f64(9, ...p0, 9);
    const g = f64(7, 7, ...g0, 7);
    sgdUpdate(p, 1, g, 2, 3, null, false, h);
    expect(Array.from(p)).toEqual([9, ...sgdReference(p0, g0, null, false, h).p, 9]);
    expect(Array.from(g)).toEqual([7, 7, ...g0, 7]);
  });

  it('a zero weight decay leaves the parameter out of the step: an infinite parameter stays infinite', () => {
    const p = f64(Infinity, -Infinity);
    sgdUpdate(p, 0, f64(1, 1), 0, 2, null, false, sgdHyper({}));
    expect(Array.from(p)).toEqual([Infinity, -Infinity]);
    const q = f64(Infinity);
    sgdUpdate(q, 0, f64(1), 0, 1, f64(0), false, sgdHyper({ momentum: 0.9 }));
    expect(q[0]).toBe(Infinity);
  });
});

describe('sgdUpdate with momentum', () => {
  const p0 = [0.5, -1.25, 2];
  const g0 = [0.3, 0.7, -1.1];
  const buf0 = [0.2, -0.4, 1.5];

  it.each([
    { first: true, nesterov: false, dampening: 0.3, weightDecay: 0.01, maximize: false },
    { first: true, nesterov: true, dampening: 0.3, weightDecay: 0, maximize: true },
    { first: false, nesterov: false, dampening: 0.3, weightDecay: 0.01, maximize: false },
    { first: false, nesterov: true, dampening: 0.25, weightDecay: 0.02, maximize: true },
    { first: false, nesterov: true, dampening: 0, weightDecay: 0, maximize: false },
  ])('first $first, nesterov $nesterov, dampening $dampening, weightDecay $weightDecay, maximize $maximize', (c) => {
    const h = sgdHyper({ lr: 0.1, momentum: 0.9, ...c });
    const p = f64(9, ...p0);
    const g = f64(...g0, 7);
    const buf = f64(...buf0);
    sgdUpdate(p, 1, g, 0, 3, buf, c.first, h);
    const want = sgdReference(p0, g0, buf0, c.first, h);
    expect(Array.from(buf)).toEqual(want.buf);
    expect(Array.from(p)).toEqual([9, ...want.p]);
  });

  it('the first step copies d into the buffer: dampening does not apply to it', () => {
    // d = 0.5; first: buf = 0.5 (not 0.9·old + 0.5·d); p = 1 - 0.1·0.5.
    const p = f64(1);
    const buf = f64(100);
    sgdUpdate(p, 0, f64(0.5), 0, 1, buf, true, sgdHyper({ momentum: 0.9, dampening: 0.5 }));
    expect(buf[0]).toBe(0.5);
    expect(p[0]).toBe(1 - 0.1 * 0.5);
  });
});

describe('adamUpdate', () => {
  const p0 = [0.5, -1.25, 2];
  const g0 = [0.3, 0.7, -1.1];
  const m0 = [0.1, -0.2, 0.05];
  const v0 = [0.01, 0.5, 0.002];

  it.each([
    { beta1: 0.9, weightDecay: 0, maximize: false, step: 1 },
    { beta1: 0.9, weightDecay: 0.1, maximize: false, step: 3 },
    { beta1: 0.3, weightDecay: 0, maximize: true, step: 2 }, // lerp weight 0.7: the second form
    { beta1: 0.5, weightDecay: 0.01, maximize: true, step: 5 }, // weight exactly 0.5: the second form too
  ])('beta1 $beta1, weightDecay $weightDecay, maximize $maximize, step $step', (c) => {
    const h = adamHyper({ lr: 0.05, beta2: 0.8, eps: 0.1, ...c });
    const p = f64(9, 9, ...p0);
    const g = f64(7, ...g0);
    const m = f64(...m0);
    const v = f64(...v0);
    adamUpdate(p, 2, g, 1, 3, m, v, null, h);
    const want = adamReference(p0, g0, m0, v0, null, h);
    expect(Array.from(m)).toEqual(want.m);
    expect(Array.from(v)).toEqual(want.v);
    expect(Array.from(p)).toEqual([9, 9, ...want.p]);
  });

  it('torch.lerp switches form at weight 0.5 exactly (the two differ in the last bit here)', () => {
    // beta1 = 0.5, so the weight is 0.5: ATen takes end - (end - start)(1 - w) = 0.7 - 0.6·0.5.
    const m = f64(0.1);
    adamUpdate(f64(0), 0, f64(0.7), 0, 1, m, f64(0), null, adamHyper({ beta1: 0.5 }));
    expect(m[0]).toBe(0.7 - (0.7 - 0.1) * 0.5);
    expect(m[0]).not.toBe(0.1 + 0.5 * (0.7 - 0.1));
  });

  it('amsgrad: the running maximum of v (kept where it is larger, replaced where not) sets the denominator', () => {
    // Element 0: the old maximum 4 exceeds the new v; element 1: the new v exceeds the old 0.
    const h = adamHyper({ lr: 0.05, beta1: 0.9, beta2: 0.5, eps: 0.1, step: 1 });
    const p = f64(1, -2);
    const m = f64(0, 0.5);
    const v = f64(1, 0.2);
    const vmax = f64(4, 0);
    adamUpdate(p, 0, f64(0.6, -0.8), 0, 2, m, v, vmax, h);
    const want = adamReference([1, -2], [0.6, -0.8], [0, 0.5], [1, 0.2], [4, 0], h);
    expect(want.vmax).toEqual([4, 0.2 * 0.5 + 0.5 * 0.8 * 0.8]);
    expect(Array.from(vmax)).toEqual(want.vmax);
    expect(Array.from(v)).toEqual(want.v);
    expect(Array.from(m)).toEqual(want.m);
    expect(Array.from(p)).toEqual(want.p);
    // Without amsgrad the same step divides by the current v instead, and so differs.
    const p2 = f64(1, -2);
    adamUpdate(p2, 0, f64(0.6, -0.8), 0, 2, f64(0, 0.5), f64(1, 0.2), null, h);
    expect(Array.from(p2)).toEqual(adamReference([1, -2], [0.6, -0.8], [0, 0.5], [1, 0.2], null, h).p);
    expect(p2[0]).not.toBe(p[0]);
  });

  it('a zero weight decay leaves the parameter out of the gradient: an infinite parameter stays infinite', () => {
    const p = f64(Infinity);
    adamUpdate(p, 0, f64(1), 0, 1, f64(0), f64(0), null, adamHyper({}));
    expect(p[0]).toBe(Infinity);
  });
});

describe('mseForward, mseBackward, accumulate, copy', () => {
  it('mseForward: only the first n elements, per element or as a sum or a mean (float64: no rounding to float32)', () => {
    const p = f64(1.1, 4, -2, 100);
    const t = f64(0.5, 1, -2.3, 0);
    const sq = [(1.1 - 0.5) ** 2, 9, (-2 + 2.3) ** 2];
    // The differences are not float32 numbers, so rounding them would show.
    expect(Math.fround(1.1 - 0.5) ** 2).not.toBe(sq[0]);
    const none = new Float64Array(4).fill(-1);
    mseForward(p, t, 3, 'none', none);
    expect(Array.from(none)).toEqual([...sq, -1]);
    const one = new Float64Array(1);
    mseForward(p, t, 3, 'sum', one);
    expect(one[0]).toBe(sq[0]! + sq[1]! + sq[2]!);
    mseForward(p, t, 3, 'mean', one);
    expect(one[0]).toBe((sq[0]! + sq[1]! + sq[2]!) / 3);
  });

  it('mseForward in float32 rounds each difference to float32 before squaring; the sum is kept in float64', () => {
    const p = Float32Array.of(1000 + 1 / 7, 1000 + 1 / 7);
    const t = Float32Array.of(2 / 13, 6 / 13);
    const d = [Math.fround(p[0]! - t[0]!), Math.fround(p[1]! - t[1]!)];
    // The case is chosen so that rounding the difference shows.
    expect(Math.fround((p[0]! - t[0]!) ** 2)).not.toBe(Math.fround(d[0]! * d[0]!));
    expect(Math.fround((p[0]! - t[0]!) ** 2 + (p[1]! - t[1]!) ** 2)).not.toBe(Math.fround(d[0]! * d[0]! + d[1]! * d[1]!));
    const none = new Float32Array(2);
    mseForward(p, t, 2, 'none', none);
    expect(Array.from(none)).toEqual(d.map((x) => Math.fround(x * x)));
    const one = new Float32Array(1);
    mseForward(p, t, 2, 'sum', one);
    expect(one[0]).toBe(Math.fround(d[0]! * d[0]! + d[1]! * d[1]!));
    mseForward(p, t, 2, 'mean', one);
    expect(one[0]).toBe(Math.fround((d[0]! * d[0]! + d[1]! * d[1]!) / 2));
  });

  it('mseBackward: 2(p - t)·g with g, else (p - t)·scale; n elements only', () => {
    const p = f64(1, 4, 3);
    const t = f64(0.5, 1, 0);
    const out = new Float64Array(3).fill(-1);
    mseBackward(p, t, f64(2, -1, 5), 0, 2, out);
    expect(Array.from(out)).toEqual([2, -6, -1]);
    mseBackward(p, t, null, 0.25, 3, out);
    expect(Array.from(out)).toEqual([0.125, 0.75, 0.75]);
  });

  it('accumulate: dst[i] += src[srcOffset + i] for i < n', () => {
    const dst = f64(1, 2, 3, 4);
    accumulate(dst, f64(10, 20, 30, 40, 50), 2, 3);
    expect(Array.from(dst)).toEqual([31, 42, 53, 4]);
  });

  it('copy: a dense view at an offset, and a strided view, into either dtype', () => {
    const base = f64(0, 1.5, 2, 3, 4, 5, 6);
    const dense = new TensorData(base, [2, 2], [2, 1], 1);
    const out = new Float32Array(4);
    copy(dense, out);
    expect(Array.from(out)).toEqual([1.5, 2, 3, 4]);
    const strided = new TensorData(base, [2, 2], [1, 3], 0); // columns of [[0, 1.5], ...] read down
    const out64 = new Float64Array(4);
    copy(strided, out64);
    expect(Array.from(out64)).toEqual([0, 3, 1.5, 4]);
  });
});

// ---- the reference ('js') elementwise, reduction, gemm and conv1d kernels --------------------

/** Equal, both NaN, or within rel·max(1, |want|) (±0 count as equal). */
function near(got: number, want: number, rel: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (got === want) return true;
  return Math.abs(got - want) <= rel * Math.max(1, Math.abs(want));
}
const expectNear = (got: ArrayLike<number>, want: readonly number[], rel: number, what: string) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(near(got[i]!, want[i]!, rel), `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBe(true);
};

/** erf by its Maclaurin series (|x| <= 3 here; beyond, erf is ±1 to double precision). */
function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) > 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const Phi = (v: number) => 0.5 * (1 + erfRef(v / Math.SQRT2));
const tanhIn = (v: number) => Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3);

/** PyTorch's definitions, with k the op's parameter (exponent, bound, slope, alpha or threshold). */
const unaryRef: Record<UnaryOp, { k?: number; f: (v: number, k: number) => number }> = {
  neg: { f: (v) => -v },
  exp: { f: Math.exp },
  log: { f: Math.log },
  sqrt: { f: Math.sqrt },
  abs: { f: Math.abs },
  relu: { f: (v) => (Number.isNaN(v) ? NaN : Math.max(v, 0)) },
  sigmoid: { f: sig },
  tanh: { f: Math.tanh },
  pow: { k: 3, f: (v, k) => v ** k },
  rsqrt: { f: (v) => 1 / Math.sqrt(v) },
  reciprocal: { f: (v) => 1 / v },
  sign: { f: Math.sign },
  sin: { f: Math.sin },
  cos: { f: Math.cos },
  log1p: { f: Math.log1p },
  expm1: { f: Math.expm1 },
  erf: { f: erfRef },
  isnan: { f: (v) => (Number.isNaN(v) ? 1 : 0) },
  isfinite: { f: (v) => (Number.isFinite(v) ? 1 : 0) },
  clampMin: { k: 0.5, f: (v, k) => (Number.isNaN(v) ? NaN : Math.max(v, k)) },
  clampMax: { k: 0.5, f: (v, k) => (Number.isNaN(v) ? NaN : Math.min(v, k)) },
  leakyRelu: { k: 0.01, f: (v, k) => (v > 0 ? v : v * k) },
  // torch: grad where x > 0, else grad·negative_slope (so k at x = 0).
  leakyReluGrad: { k: 0.01, f: (v, k) => (v > 0 ? 1 : k) },
  elu: { k: 1.5, f: (v, k) => (v > 0 ? v : k * Math.expm1(v)) },
  // torch: x <= 0 gives alpha·exp(x) (alpha at 0), else 1; a NaN input gives NaN.
  eluGrad: { k: 1.5, f: (v, k) => (v > 0 ? 1 : k * Math.exp(v)) },
  // torch: x > threshold gives x, else log1p(exp(x)) (so the log form at the threshold itself).
  softplus: { k: 2, f: (v, k) => (v > k ? v : Math.log1p(Math.exp(v))) },
  softplusGrad: { k: 2, f: (v, k) => (v > k ? 1 : sig(v)) },
  silu: { f: (v) => v * sig(v) },
  siluGrad: { f: (v) => sig(v) * (1 + v * (1 - sig(v))) },
  gelu: { f: (v) => v * Phi(v) },
  geluGrad: { f: (v) => Phi(v) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI) },
  geluTanh: { f: (v) => 0.5 * v * (1 + Math.tanh(tanhIn(v))) },
  geluTanhGrad: {
    f: (v) => {
      const t = Math.tanh(tanhIn(v));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * v * v);
    },
  },
};

// 0, both clamp bounds, the softplus threshold and both sides of each, NaN and the infinities.
const points = [-3, -1, -0.25, 0, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, NaN, Infinity, -Infinity];

describe('unary: each op against its definition, at 0, at its parameter, and at NaN and ±Infinity', () => {
  it.each(Object.keys(unaryRef) as UnaryOp[])('%s', (op) => {
    const { k = 0, f } = unaryRef[op];
    const want = points.map((v) => f(v, k));
    // Each output has one more slot than the op writes: it must keep its sentinel, 42.
    const out = new Float64Array(points.length + 1).fill(42);
    unary(op, new TensorData(Float64Array.from(points), [points.length]), out, k);
    expectNear(out, [...want, 42], 1e-12, op);
    // float32 output, and a strided (every other element, from offset 1) input.
    const spaced = new Float64Array(2 * points.length + 1).fill(99);
    points.forEach((v, i) => (spaced[1 + 2 * i] = v));
    const out32 = new Float32Array(points.length + 1).fill(42);
    unary(op, new TensorData(spaced, [points.length], [2], 1), out32, k);
    expectNear(out32, [...want.map(Math.fround), 42], 1e-6, `${op} float32 strided`);
    // Two rows that cannot merge (2×7 inside a 2×8 buffer): row by row, nothing past the end.
    const rows = new Float64Array(16).fill(99);
    points.forEach((v, i) => (rows[Math.floor(i / 7) * 8 + (i % 7)] = v));
    const outRows = new Float64Array(points.length + 1).fill(42);
    unary(op, new TensorData(rows, [2, 7], [8, 1], 0), outRows, k);
    expectNear(outRows, [...want, 42], 1e-12, `${op} rows`);
  });

  it('pow: the squaring fast path and the general exponent agree with **', () => {
    const x = new TensorData(f64(-2, -0.5, 0, 3, NaN), [5]);
    for (const k of [2, 0.5, -1, 0]) {
      const out = new Float64Array(5);
      unary('pow', x, out, k);
      expectNear(out, [-2, -0.5, 0, 3, NaN].map((v) => v ** k), 0, `pow ${k}`);
    }
  });

  it('a 2-d view with a gap between rows is walked in row-major order', () => {
    // [[1, 2, 3], [5, 6, 7]] inside [1, 2, 3, 4, 5, 6, 7]: rows 4 apart, so they cannot merge.
    const out = new Float64Array(6);
    unary('neg', new TensorData(f64(1, 2, 3, 4, 5, 6, 7), [2, 3], [4, 1], 0), out, 0);
    expect(Array.from(out)).toEqual([-1, -2, -3, -5, -6, -7]);
    // The transpose of [[1, 2], [3, 4]]: [[1, 3], [2, 4]].
    unary('neg', new TensorData(f64(1, 2, 3, 4), [2, 2], [1, 2], 0), out, 0);
    expect(Array.from(out.subarray(0, 4))).toEqual([-1, -3, -2, -4]);
  });
});


describe('binary: each op against its definition, element by element and broadcast', () => {
  // Every pair of a few values, equal ones included.
  const vals = [-1, 0, 0.5, 2, NaN];
  const as = vals.flatMap((a) => vals.map(() => a));
  const bs = vals.flatMap(() => vals);

  it.each(Object.keys(binaryRef) as BinaryOp[])('%s', (op) => {
    const f = binaryRef[op];
    // One slot more than the op writes, holding a sentinel (42) that must survive.
    const out = new Float64Array(as.length + 1).fill(42);
    binary(op, new TensorData(Float64Array.from(as), [as.length]), new TensorData(Float64Array.from(bs), [bs.length]), out);
    expectNear(out, [...as.map((a, i) => f(a, bs[i]!)), 42], 1e-15, op);
    // Broadcast: a is [5, 1] -> [5, 5] (stride 0 along columns), b is [1, 5] -> [5, 5] at an offset.
    const out2 = new Float32Array(26).fill(42);
    const bStore = f64(99, ...vals);
    binary(op, new TensorData(Float64Array.from(vals), [5, 5], [1, 0], 0), new TensorData(bStore, [5, 5], [0, 1], 1), out2);
    expectNear(out2, [...as.map((a, i) => Math.fround(f(a, bs[i]!))), 42], 1e-6, `${op} broadcast`);
  });
});

describe('reduce: sum and max over trailing runs', () => {
  it('sums and maxima of each row of a [3, 4] tensor, dense and transposed', () => {
    const x = f64(1, 2, 3, 4, 5, -6, 7, 8, -9, 10, 11, -12);
    const sums = new Float64Array(3);
    reduce('sum', new TensorData(x, [3, 4]), 4, sums);
    expect(Array.from(sums)).toEqual([10, 14, 0]);
    const maxes = new Float64Array(3);
    reduce('max', new TensorData(x, [3, 4]), 4, maxes);
    expect(Array.from(maxes)).toEqual([4, 8, 11]);
    // The [4, 3] transpose: rows are the columns of x.
    const colSums = new Float64Array(4);
    reduce('sum', new TensorData(x, [4, 3], [1, 4], 0), 3, colSums);
    expect(Array.from(colSums)).toEqual([1 + 5 - 9, 2 - 6 + 10, 3 + 7 + 11, 4 + 8 - 12]);
  });

  it('runs shorter than a merged row: [2, 6] dense reduced in runs of 3 and of 4', () => {
    const x = f64(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    const out = new Float64Array(4);
    reduce('sum', new TensorData(x, [4, 3]), 3, out);
    expect(Array.from(out)).toEqual([6, 15, 24, 33]);
    const out3 = new Float64Array(3);
    reduce('max', new TensorData(x, [3, 4]), 4, out3);
    expect(Array.from(out3)).toEqual([4, 8, 12]);
    // One output over everything.
    const all = new Float64Array(1);
    reduce('sum', new TensorData(x, [2, 6]), 12, all);
    expect(all[0]).toBe(78);
  });

  it('NaN wins a max, wherever it is; -Infinity is a value like any other', () => {
    const out = new Float64Array(3);
    reduce('max', new TensorData(f64(NaN, 5, 1, 2, 7, NaN, -Infinity, -Infinity, -Infinity), [3, 3]), 3, out);
    expect(Array.from(out)).toEqual([NaN, NaN, -Infinity]);
  });

  it('empty: a sum of nothing is 0 and a max is -Infinity; nothing is read', () => {
    const out = new Float64Array(2);
    reduce('sum', new TensorData(new Float64Array(0), [2, 0]), 0, out);
    expect(Array.from(out)).toEqual([0, 0]);
    reduce('max', new TensorData(new Float64Array(0), [2, 0]), 0, out);
    expect(Array.from(out)).toEqual([-Infinity, -Infinity]);
    const none = new Float64Array(0);
    reduce('sum', new TensorData(new Float64Array(0), [0, 3]), 3, none);
    expect(none.length).toBe(0);
  });

  it('float32 output: each sum is rounded once when stored', () => {
    const out = new Float32Array(1);
    reduce('sum', new TensorData(f64(0.1, 0.2, 0.3), [3]), 3, out);
    expect(out[0]).toBe(Math.fround(0.1 + 0.2 + 0.3));
  });
});

describe('gemm: C = A·B with strided operands, into C at an offset', () => {
  // A = [[1, 2, 3], [4, 5, 6]] (2×3), B = [[1, -1], [0, 2], [3, 1]] (3×2): A·B = [[10, 6], [22, 12]].
  const want = [10, 6, 22, 12];
  it('B dense by rows (column stride 1), A as stored and as a transposed view', () => {
    const c = f64(7, 7, 7, 7, 7, 7);
    gemm(2, 2, 3, f64(0, 1, 2, 3, 4, 5, 6), 1, 3, 1, f64(1, -1, 0, 2, 3, 1), 0, 2, 1, c, 1);
    expect(Array.from(c)).toEqual([7, ...want, 7]);
    // A stored transposed: At = [[1, 4], [2, 5], [3, 6]], read with row stride 1, column stride 2.
    const c2 = new Float64Array(5).fill(NaN);
    gemm(2, 2, 3, f64(1, 4, 2, 5, 3, 6), 0, 1, 2, f64(1, -1, 0, 2, 3, 1), 0, 2, 1, c2, 0);
    expect(Array.from(c2)).toEqual([...want, NaN]);
  });

  it('B as a transposed view (column stride != 1): dot products along k', () => {
    // Bt = [[1, 0, 3], [-1, 2, 1]] stored, B read with row stride 1, column stride 3, from offset 2.
    const c = new Float64Array(6).fill(NaN);
    gemm(2, 2, 3, f64(1, 2, 3, 4, 5, 6), 0, 3, 1, f64(9, 9, 1, 0, 3, -1, 2, 1), 2, 1, 3, c, 1);
    expect(Array.from(c)).toEqual([NaN, ...want, NaN]);
  });

  it('K = 0 gives zeros (C is overwritten either way)', () => {
    const c = f64(5, 5);
    gemm(1, 2, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 2, 1, c, 0);
    expect(Array.from(c)).toEqual([0, 0]);
    const d = f64(5, 5);
    gemm(1, 2, 0, new Float64Array(0), 0, 0, 1, new Float64Array(0), 0, 1, 2, d, 0);
    expect(Array.from(d)).toEqual([0, 0]);
  });
});

/** conv1d by its definition: y[n, co, l] = bias[co] + Σ w[co, c, k]·x[n, g·cinG + c, l·stride + k·dilation - padLeft]. */
function convRef(g: Conv1dGeometry, x: Float64Array, w: Float64Array, bias: Float64Array | null) {
  const cinG = g.inChannels / g.groups;
  const coutG = g.outChannels / g.groups;
  const y = new Float64Array(g.batch * g.outChannels * g.outLength);
  // d y[n, co, l] / d x[...] and / d w[...] as lists of (index into x, index into w, index into y).
  const taps: [number, number, number][] = [];
  for (let n = 0; n < g.batch; n++) {
    for (let co = 0; co < g.outChannels; co++) {
      const grp = Math.floor(co / coutG);
      for (let l = 0; l < g.outLength; l++) {
        const yi = (n * g.outChannels + co) * g.outLength + l;
        y[yi] = bias ? bias[co]! : 0;
        for (let c = 0; c < cinG; c++) {
          for (let k = 0; k < g.kernelSize; k++) {
            const pos = l * g.stride + k * g.dilation - g.padLeft;
            if (pos < 0 || pos >= g.length) continue;
            const xi = (n * g.inChannels + grp * cinG + c) * g.length + pos;
            const wi = (co * cinG + c) * g.kernelSize + k;
            y[yi] += w[wi]! * x[xi]!;
            taps.push([xi, wi, yi]);
          }
        }
      }
    }
  }
  return { y, taps };
}

describe('conv1d kernels against the definition', () => {
  const geometries: Conv1dGeometry[] = [
    // plain; padding on both sides with stride 2; dilation 2 with padding; groups 2, stride 3
    { batch: 1, inChannels: 1, outChannels: 1, length: 5, kernelSize: 3, outLength: 3, stride: 1, padLeft: 0, dilation: 1, groups: 1 },
    { batch: 2, inChannels: 2, outChannels: 3, length: 7, kernelSize: 3, outLength: 4, stride: 2, padLeft: 1, dilation: 1, groups: 1 },
    { batch: 1, inChannels: 1, outChannels: 2, length: 6, kernelSize: 3, outLength: 6, stride: 1, padLeft: 2, dilation: 2, groups: 1 },
    { batch: 2, inChannels: 4, outChannels: 2, length: 8, kernelSize: 2, outLength: 3, stride: 3, padLeft: 1, dilation: 1, groups: 2 },
    // padding larger than the kernel reaches: some outputs read nothing but the bias
    { batch: 1, inChannels: 1, outChannels: 1, length: 2, kernelSize: 2, outLength: 7, stride: 1, padLeft: 3, dilation: 1, groups: 1 },
  ];
  const fill = (n: number, seed: number) => Float64Array.from({ length: n }, (_, i) => ((i * 7 + seed * 13) % 11) - 5 + 0.25 * seed);

  it.each(geometries.map((g, i) => ({ i, g })))('geometry $i', ({ g }) => {
    const cinG = g.inChannels / g.groups;
    const x = fill(g.batch * g.inChannels * g.length, 1);
    const w = fill(g.outChannels * cinG * g.kernelSize, 2);
    const bias = fill(g.outChannels, 3);
    const gy = fill(g.batch * g.outChannels * g.outLength, 4);
    const { y: want, taps } = convRef(g, x, w, bias);

    // Outputs get one slot more than the kernels write; the forward leaves it alone (42), the
    // adjoints, which start by zeroing their whole buffer, leave it 0.
    const y = new Float64Array(want.length + 1).fill(42);
    conv1dForward(x, w, bias, y, g);
    expectNear(y, [...want, 42], 1e-12, 'forward');
    const noBias = new Float64Array(want.length + 1).fill(42);
    conv1dForward(x, w, null, noBias, g);
    expectNear(noBias, [...convRef(g, x, w, null).y, 42], 1e-12, 'forward without bias');

    // The adjoints: gx = Σ over taps gy·w, gw = Σ over taps gy·x, gb = Σ gy per channel.
    const gxWant = new Float64Array(x.length);
    const gwWant = new Float64Array(w.length);
    for (const [xi, wi, yi] of taps) {
      gxWant[xi] += gy[yi]! * w[wi]!;
      gwWant[wi] += gy[yi]! * x[xi]!;
    }
    const gbWant = new Float64Array(g.outChannels);
    gy.forEach((v, yi) => (gbWant[Math.floor(yi / g.outLength) % g.outChannels] += v));
    const gx = new Float64Array(x.length + 1).fill(NaN);
    conv1dBackwardInput(gy, w, gx, g);
    expectNear(gx, [...gxWant, 0], 1e-12, 'backward input');
    const gw = new Float64Array(w.length + 1).fill(NaN);
    conv1dBackwardWeight(gy, x, gw, g);
    expectNear(gw, [...gwWant, 0], 1e-12, 'backward weight');
    const gb = new Float64Array(g.outChannels + 1).fill(NaN);
    conv1dBackwardBias(gy, gb, g);
    expectNear(gb, [...gbWant, 0], 1e-12, 'backward bias');
  });
});

describe('strided walks over three dims that cannot merge', () => {
  // x[i, j, l] = buf[1 + 16i + 5j + l] for a [2, 2, 3] view: rows 5 apart, blocks 16 apart.
  const buf = Float64Array.from({ length: 40 }, (_, i) => i * i - 7 * i);
  const at = (i: number, j: number, l: number) => buf[1 + 16 * i + 5 * j + l]!;
  const rowMajor = (f: (i: number, j: number, l: number) => number) => {
    const out: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let l = 0; l < 3; l++) out.push(f(i, j, l));
    return out;
  };
  const view = new TensorData(buf, [2, 2, 3], [16, 5, 1], 1);

  it('unary visits every element once, in row-major order', () => {
    const out = new Float64Array(13).fill(42);
    unary('neg', view, out, 0);
    expect(Array.from(out)).toEqual([...rowMajor((i, j, l) => -at(i, j, l)), 42]);
  });

  it('binary walks two differently strided operands together', () => {
    // b[i, j, l] = bb[2l + 6j + 12i] (a dense [2, 2, 3] read with doubled strides).
    const bb = Float64Array.from({ length: 24 }, (_, i) => 100 + i);
    const b = new TensorData(bb, [2, 2, 3], [12, 6, 2], 0);
    const out = new Float64Array(13).fill(42);
    binary('sub', view, b, out);
    expect(Array.from(out)).toEqual([...rowMajor((i, j, l) => at(i, j, l) - bb[12 * i + 6 * j + 2 * l]!), 42]);
  });

  it('reduce folds each run of 3, and of 6, in row-major order', () => {
    const sums = new Float64Array(4);
    reduce('sum', view, 3, sums);
    const flat = rowMajor(at);
    expect(Array.from(sums)).toEqual([0, 1, 2, 3].map((o) => flat[3 * o]! + flat[3 * o + 1]! + flat[3 * o + 2]!));
    const maxes = new Float64Array(2);
    reduce('max', view, 6, maxes);
    expect(Array.from(maxes)).toEqual([Math.max(...flat.slice(0, 6)), Math.max(...flat.slice(6))]);
  });

  it('a 0-d tensor and an all-ones shape reduce to their one element', () => {
    const out = new Float64Array(1);
    reduce('sum', new TensorData(f64(9, 5), [], [], 1), 1, out);
    expect(out[0]).toBe(5);
    reduce('max', new TensorData(f64(9, 5, -3), [1, 1], [7, 3], 2), 1, out);
    expect(out[0]).toBe(-3);
  });
});

// ---- the registry (kernels/backend.ts) ----------------------------------------------------------

describe('kernel registry: dispatch through the kernels table and kernelsOf', () => {
  // 'mkProbe' computes with the reference kernels and records each call it takes.
  const taken: string[] = [];
  registerBackend('mkProbe');
  registerKernel('mseBackward', 'mkProbe', (...args: Parameters<typeof mseBackward>) => {
    taken.push(`mseBackward ${args[5] instanceof Float32Array ? 'f32' : 'f64'}`);
    mseBackward(...args);
  });
  registerKernel('unary', 'mkProbe', (...args: Parameters<typeof unary>) => {
    taken.push(`unary ${args[0]}`);
    unary(...args);
  }, { dtypes: ['float32'] });
  const before = getBackend();
  afterEach(() => {
    setBackend(before);
    setMinWorkOverride(null);
    taken.length = 0;
  });

  const f32 = (...v: number[]) => Float32Array.from(v);

  it('kernelsOf(name) runs that backend whichever is active; the kernels table runs the active one', () => {
    setBackend('js');
    const out = new Float32Array(2);
    kernelsOf('mkProbe').mseBackward(f32(3, 1), f32(1, 1), null, 0.5, 2, out);
    expect(taken).toEqual(['mseBackward f32']);
    expect(Array.from(out)).toEqual([1, 0]);
    kernels.mseBackward(f32(3, 1), f32(1, 1), null, 0.5, 2, out);
    expect(taken).toEqual(['mseBackward f32']);
    setBackend('mkProbe');
    kernels.mseBackward(f32(3, 1), f32(1, 1), null, 0.5, 2, out);
    expect(taken).toEqual(['mseBackward f32', 'mseBackward f32']);
    expect(kernelsOf('js').name).toBe('js');
    expect(kernelsOf('mkProbe').name).toBe('mkProbe');
  });

  it('a kernel the fixed backend lacks runs js', () => {
    setBackend('js');
    const out = new Float64Array(2);
    kernelsOf('mkProbe').accumulate(out, f64(1, 2), 0, 2);
    expect(Array.from(out)).toEqual([1, 2]);
    expect(taken).toEqual([]);
  });

  it('every buffer of the call must have the dtype: any float64 among them sends it to js', () => {
    setBackend('mkProbe');
    const out = new Float32Array(2);
    // p, t and g in turn as the odd one out.
    kernels.mseBackward(f64(3, 1), f32(1, 1), f32(1, 1), 0, 2, out);
    kernels.mseBackward(f32(3, 1), f64(1, 1), f32(1, 1), 0, 2, out);
    kernels.mseBackward(f32(3, 1), f32(1, 1), f64(1, 1), 0, 2, out);
    expect(taken).toEqual([]);
    expect(Array.from(out)).toEqual([4, 0]);
    // All float32, with g given and with g null: the backend takes both.
    kernels.mseBackward(f32(3, 1), f32(1, 1), f32(1, 1), 0, 2, out);
    kernels.mseBackward(f32(3, 1), f32(1, 1), null, 1, 2, out);
    expect(taken).toEqual(['mseBackward f32', 'mseBackward f32']);
    // A float64 call of a kernel registered for float32 only runs js; a float32 one (with its
    // unused buffers null) runs the backend.
    kernels.unary('neg', new TensorData(f64(1, 2), [2]), new Float64Array(2), 0);
    kernels.unary('exp', new TensorData(f32(0, 0), [2]), new Float32Array(2), 0);
    expect(taken).toEqual(['mseBackward f32', 'mseBackward f32', 'unary exp']);
  });

  it('registerBackend with a partial table registers the kernels it has; the rest run js', () => {
    const seen: string[] = [];
    registerBackend({ name: 'mkPartial', unary: (...args: Parameters<typeof unary>) => { seen.push(args[0]); unary(...args); } } as never);
    setBackend('mkPartial');
    const out = new Float64Array(2);
    kernels.unary('abs', new TensorData(f64(-1, 2), [2]), out, 0);
    kernels.accumulate(out, f64(1, 1), 0, 2);
    expect(seen).toEqual(['abs']);
    expect(Array.from(out)).toEqual([2, 3]);
  });

  it("a call's work is multiply-adds for gemm and conv1d: taken at minWork, not one below", () => {
    // gemm 2×3×4 = 24; conv1d batch 2 · out channels 3 · out length 5 · (4 in channels / 2 groups) · kernel 3 = 180.
    const g: Conv1dGeometry = { batch: 2, inChannels: 4, outChannels: 3, length: 7, kernelSize: 3, outLength: 5, stride: 1, padLeft: 0, dilation: 1, groups: 2 };
    const runConv = () => kernels.conv1dForward(new Float64Array(2 * 4 * 7), new Float64Array(3 * 2 * 3), null, new Float64Array(2 * 3 * 5), g);
    const runGemm = () => kernels.gemm(2, 3, 4, new Float64Array(8), 0, 4, 1, new Float64Array(12), 0, 3, 1, new Float64Array(6), 0);
    const cases: [string, number, () => void, KernelFunction][] = [
      ['conv1dForward', 180, runConv, conv1dForward],
      ['gemm', 24, runGemm, gemm],
    ];
    setBackend('mkProbe');
    for (const [name, work, run, reference] of cases) {
      const counting: KernelFunction = (...args) => {
        taken.push(name);
        return reference(...args);
      };
      registerKernel(name, 'mkProbe', counting, { minWork: work });
      run();
      expect(taken).toEqual([name]);
      registerKernel(name, 'mkProbe', counting, { minWork: work + 1 });
      run();
      expect(taken).toEqual([name]);
      taken.length = 0;
    }
  });

  it('after setBackend, the default backend no longer selects itself', () => {
    setBackend('js');
    selectDefaultBackend('mkProbe');
    expect(getBackend()).toBe('js');
  });
});

describe('kernel registry: argument errors', () => {
  it('names must be non-empty strings; the value is described', () => {
    expect(thrown(() => registerKernel(3 as never, 'js', () => undefined))).toBe('registerKernel: the kernel name must be a non-empty string, got 3');
    expect(thrown(() => registerKernel('k', '', () => undefined))).toBe('registerKernel: the backend name must be a non-empty string, got the string ""');
    expect(thrown(() => registerBackend(null as never))).toBe('registerBackend: the backend name must be a non-empty string, got undefined');
    expect(thrown(() => registerBackend({ name: 7 } as never))).toBe('registerBackend: the backend name must be a non-empty string, got 7');
  });

  it('dtypes must be an array of float dtypes; minWork a number >= 0', () => {
    expect(thrown(() => registerKernel('k', 'js', () => undefined, { dtypes: 'float32' as never }))).toBe(
      "registerKernel: dtypes of 'k' must be an array of 'float32' / 'float64', got the string \"float32\"",
    );
    expect(thrown(() => registerKernel('k', 'js', () => undefined, { dtypes: ['float64', 'int32' as never] }))).toBe(
      "registerKernel: dtypes of 'k' must be an array of 'float32' / 'float64', got an array",
    );
    expect(thrown(() => registerKernel('k', 'js', () => undefined, { minWork: '5' as never }))).toBe("registerKernel: minWork of 'k' must be a number >= 0, got the string \"5\"");
    expect(thrown(() => registerKernel('k', 'js', () => undefined, { minWork: NaN }))).toBe("registerKernel: minWork of 'k' must be a number >= 0, got NaN");
  });

  it('unknown backends and kernels are named, strings quoted, other values described', () => {
    expect(thrown(() => setBackend(3 as never))).toMatch(/^setBackend: unknown backend 3 \(available: js, /);
    expect(thrown(() => setBackend('gpu'))).toMatch(/^setBackend: unknown backend 'gpu' \(available: js, /);
    expect(thrown(() => getKernel(5 as never, 'float64'))).toBe("getKernel: no kernel named 5 is registered (registerKernel(name, 'js', fn) first)");
    expect(thrown(() => getKernel('nothingHere', 'float64'))).toBe("getKernel: no kernel named 'nothingHere' is registered (registerKernel(name, 'js', fn) first)");
  });
});
