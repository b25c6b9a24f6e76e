import type { Storage } from '../../storage/dtype.js';
import type { TensorData } from '../../storage/tensor-data.js';
import type { BinaryOp, UnaryOp } from '../kernels.js';
import { erf, erfc } from '../../util/erf.js';
import { forEachRow, plan } from './iterate.js';

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)
const SQRT_2_PI = 0.7978845608028654; // √(2/π), the tanh-approximate gelu's scale
const GELU_KAPPA = 0.044715;

// One tight loop per op: a switch or a callback per element would cost more than the math.
type UnaryRow = (o: Storage, oi: number, x: Storage, xi: number, sx: number, n: number, k: number) => void;
type BinaryRow = (o: Storage, oi: number, a: Storage, ai: number, sa: number, b: Storage, bi: number, sb: number, n: number) => void;

// V8 optimises an element access for the array types it has seen there; one loop shared by
// Float32Array and Float64Array outputs runs several times slower than two specialised
// copies. So the row tables are built by a factory, once per output dtype, and each copy
// only ever sees one output type.
const makeUnaryRows = (): Record<UnaryOp, UnaryRow> => ({
  neg: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = -x[xi + i * sx]!; },
  exp: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.exp(x[xi + i * sx]!); },
  log: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.log(x[xi + i * sx]!); },
  sqrt: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.sqrt(x[xi + i * sx]!); },
  abs: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.abs(x[xi + i * sx]!); },
  // `v > 0 ? v : 0` would turn NaN into 0; relu must let NaN through, as IEEE and PyTorch do.
  relu: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = 0 both give 0 (only a -0 input would keep its sign or not)
      o[oi + i] = v < 0 ? 0 : v;
    }
  },
  // Two branches keep exp's argument non-positive, so neither tail overflows to NaN.
  sigmoid: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = 0 both forms give exactly 0.5
      if (v >= 0) o[oi + i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); o[oi + i] = e / (1 + e); }
    }
  },
  tanh: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.tanh(x[xi + i * sx]!); },
  pow: (o, oi, x, xi, sx, n, k) => {
    // Stryker disable next-line ConditionalExpression: Math.pow(v, 2) equals v * v to the bit; the branch is for speed
    if (k === 2) {
      for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v * v; }
    } else for (let i = 0; i < n; i++) o[oi + i] = Math.pow(x[xi + i * sx]!, k);
  },
  // ---- math, comparison and activation kernels (see UnaryOp) ----
  rsqrt: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = 1 / Math.sqrt(x[xi + i * sx]!); },
  reciprocal: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = 1 / x[xi + i * sx]!; },
  sign: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.sign(x[xi + i * sx]!); },
  sin: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.sin(x[xi + i * sx]!); },
  cos: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.cos(x[xi + i * sx]!); },
  log1p: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.log1p(x[xi + i * sx]!); },
  expm1: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.expm1(x[xi + i * sx]!); },
  erf: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = erf(x[xi + i * sx]!); },
  isnan: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v !== v ? 1 : 0; } },
  // v - v is 0 for finite v and NaN for ±Infinity and NaN.
  isfinite: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v - v === 0 ? 1 : 0; } },
  clampMin: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = k both give k (±0 aside)
      o[oi + i] = v < k ? k : v;
    }
  },
  clampMax: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = k both give k (±0 aside)
      o[oi + i] = v > k ? k : v;
    }
  },
  leakyRelu: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = 0 both give 0 (±0 aside)
      o[oi + i] = v > 0 ? v : v * k;
    }
  },
  leakyReluGrad: (o, oi, x, xi, sx, n, k) => { for (let i = 0; i < n; i++) o[oi + i] = x[xi + i * sx]! > 0 ? 1 : k; },
  elu: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      // Stryker disable next-line EqualityOperator: at v = 0 both give 0 (expm1(0) = 0)
      o[oi + i] = v > 0 ? v : k * Math.expm1(v);
    }
  },
  eluGrad: (o, oi, x, xi, sx, n, k) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v > 0 ? 1 : k * Math.exp(v); } },
  softplus: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v > k ? v : Math.log1p(Math.exp(v)); }
  },
  softplusGrad: (o, oi, x, xi, sx, n, k) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      if (v > k) { o[oi + i] = 1; continue; }
      // Stryker disable next-line EqualityOperator: at v = 0 both forms give exactly 0.5 (no `else if`: Stryker reads a directive only before a statement)
      if (v >= 0) o[oi + i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); o[oi + i] = e / (1 + e); }
    }
  },
  silu: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v / (1 + Math.exp(-v)); } },
  siluGrad: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      const e = Math.exp(-Math.abs(v));
      // Stryker disable next-line EqualityOperator: at v = 0 (e = 1) both forms give exactly 0.5
      const s = v >= 0 ? 1 / (1 + e) : e / (1 + e);
      o[oi + i] = s * (1 + v * (1 - s));
    }
  },
  // 0.5·x·erfc(-x/√2) rather than 0.5·x·(1 + erf(x/√2)): no cancellation in the left tail.
  gelu: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = 0.5 * v * erfc(-v * SQRT1_2); } },
  geluGrad: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = 0.5 * erfc(-v * SQRT1_2) + v * Math.exp(-0.5 * v * v) * INV_SQRT_2PI; }
  },
  geluTanh: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = 0.5 * v * (1 + Math.tanh(SQRT_2_PI * (v + GELU_KAPPA * v * v * v))); }
  },
  geluTanhGrad: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      const t = Math.tanh(SQRT_2_PI * (v + GELU_KAPPA * v * v * v));
      o[oi + i] = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_PI * (1 + 3 * GELU_KAPPA * v * v);
    }
  },
});

const makeBinaryRows = (): Record<BinaryOp, BinaryRow> => ({
  add: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! + b[bi + i * sb]!; },
  sub: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! - b[bi + i * sb]!; },
  mul: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! * b[bi + i * sb]!; },
  div: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! / b[bi + i * sb]!; },
  eq: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa] === b[bi + i * sb] ? 1 : 0; },
  reluBackward: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let i = 0; i < n; i++) o[oi + i] = b[bi + i * sb]! > 0 ? a[ai + i * sa]! : 0;
  },
  absBackward: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! * Math.sign(b[bi + i * sb]!);
  },
  sigmoidBackward: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let i = 0; i < n; i++) { const y = b[bi + i * sb]!; o[oi + i] = a[ai + i * sa]! * y * (1 - y); }
  },
  tanhBackward: (o, oi, a, ai, sa, b, bi, sb, n) => {
    for (let i = 0; i < n; i++) { const y = b[bi + i * sb]!; o[oi + i] = a[ai + i * sa]! * (1 - y * y); }
  },
  ne: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa] !== b[bi + i * sb] ? 1 : 0; },
  lt: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! < b[bi + i * sb]! ? 1 : 0; },
  le: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! <= b[bi + i * sb]! ? 1 : 0; },
  gt: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! > b[bi + i * sb]! ? 1 : 0; },
  ge: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = a[ai + i * sa]! >= b[bi + i * sb]! ? 1 : 0; },
  // Math.min / Math.max return NaN when either operand is NaN, as torch.minimum / maximum do.
  minimum: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.min(a[ai + i * sa]!, b[bi + i * sb]!); },
  maximum: (o, oi, a, ai, sa, b, bi, sb, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.max(a[ai + i * sa]!, b[bi + i * sb]!); },
});

const unaryRows32 = makeUnaryRows();
const unaryRows64 = makeUnaryRows();
const binaryRows32 = makeBinaryRows();
const binaryRows64 = makeBinaryRows();

export function unary(op: UnaryOp, x: TensorData, out: Storage, param: number): void {
  // Stryker disable next-line ConditionalExpression: both tables hold the same code (two copies so V8 specialises each to one output type)
  const row = (out instanceof Float32Array ? unaryRows32 : unaryRows64)[op];
  // Stryker disable next-line ConditionalExpression,BlockStatement: a fast path; the strided walk below gives the same values for a dense x
  if (x.isContiguous()) {
    row(out, 0, x.storage, x.offset, 1, x.size, param);
    return;
  }
  const p = plan(x.shape, [x.strides]);
  const inner = p.shape[p.shape.length - 1]!;
  const sx = p.strides[0]![p.shape.length - 1]!;
  forEachRow(p, [x.offset], (r, [xb]) => row(out, r * inner, x.storage, xb!, sx, inner, param));
}

export function binary(op: BinaryOp, a: TensorData, b: TensorData, out: Storage): void {
  // Stryker disable next-line ConditionalExpression: both tables hold the same code (two copies so V8 specialises each to one output type)
  const row = (out instanceof Float32Array ? binaryRows32 : binaryRows64)[op];
  // Stryker disable next-line ConditionalExpression,BlockStatement: a fast path; the strided walk below gives the same values for dense operands
  if (a.isContiguous() && b.isContiguous()) {
    row(out, 0, a.storage, a.offset, 1, b.storage, b.offset, 1, a.size);
    return;
  }
  const p = plan(a.shape, [a.strides, b.strides]);
  const last = p.shape.length - 1;
  const inner = p.shape[last]!;
  const sa = p.strides[0]![last]!;
  const sb = p.strides[1]![last]!;
  forEachRow(p, [a.offset, b.offset], (r, [ab, bb]) => row(out, r * inner, a.storage, ab!, sa, b.storage, bb!, sb, inner));
}
