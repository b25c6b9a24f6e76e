import type { Storage } from '../../storage/dtype.js';
import type { TensorData } from '../../storage/tensor-data.js';
import type { BinaryOp, UnaryOp } from '../kernels.js';
import { forEachRow, plan } from './iterate.js';

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
  relu: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v < 0 ? 0 : v; } },
  // Two branches keep exp's argument non-positive, so neither tail overflows to NaN.
  sigmoid: (o, oi, x, xi, sx, n) => {
    for (let i = 0; i < n; i++) {
      const v = x[xi + i * sx]!;
      if (v >= 0) o[oi + i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); o[oi + i] = e / (1 + e); }
    }
  },
  tanh: (o, oi, x, xi, sx, n) => { for (let i = 0; i < n; i++) o[oi + i] = Math.tanh(x[xi + i * sx]!); },
  pow: (o, oi, x, xi, sx, n, k) => {
    if (k === 2) for (let i = 0; i < n; i++) { const v = x[xi + i * sx]!; o[oi + i] = v * v; }
    else for (let i = 0; i < n; i++) o[oi + i] = Math.pow(x[xi + i * sx]!, k);
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
});

const unaryRows32 = makeUnaryRows();
const unaryRows64 = makeUnaryRows();
const binaryRows32 = makeBinaryRows();
const binaryRows64 = makeBinaryRows();

export function unary(op: UnaryOp, x: TensorData, out: Storage, param: number): void {
  const row = (out instanceof Float32Array ? unaryRows32 : unaryRows64)[op];
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
  const row = (out instanceof Float32Array ? binaryRows32 : binaryRows64)[op];
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
