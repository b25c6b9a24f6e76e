import type { Storage } from '../../storage/dtype.js';
import type { TensorData } from '../../storage/tensor-data.js';
import { kernelsOf } from '../backend.js';
import { adamConstants } from '../js/fused.js';
import { plan } from '../js/iterate.js';
import type { AdamHyper, BinaryOp, FusedKernels, Kernels, ReduceOp, SgdHyper, UnaryOp } from '../kernels.js';
import type { Arena } from './arena.js';
import { allocIn, precisionOf } from './kernels.js';
import { inPieces, PIECE } from './stream.js';

/*
 * The elementwise work of a typical training step on the 'wasm' backend: add, sub, mul and
 * reluBackward of a dense operand with a dense or row-broadcast one (a Linear layer's bias),
 * relu, sums over leading axes, SGD and Adam (kernels.wat's <op>_<t>, relu_<t>, colsum_<t>,
 * sgd_<t>, sgdm_<t>, adam_<t>, from gen-wat.ts's elementwise()). Every other op and layout runs
 * the 'js' kernel. Each result is rounded where the JS kernel rounds it, so the outputs are
 * bit-identical to 'js'. Even with the copies into the module and back, these ran 3-6x faster
 * than the JS loops (MLP step, float32: relu, reluBackward, the bias add and SGD 17 ms in JS).
 */

const OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'sub', 'mul', 'reluBackward']);
/** a op b = b op a: a broadcast `a` can swap with a dense `b`. */
const COMMUTES: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'mul']);

/**
 * The length of the row that `t` repeats: its trailing dims dense (stride 1, then the product of
 * the dims after), its leading dims broadcast (stride 0). A dense `t` is one row of its size;
 * anything else gives 0.
 */
export function rowPeriod(t: TensorData): number {
  const { shape, strides } = t;
  let period = 1;
  let d = shape.length - 1;
  for (; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (strides[d] !== period) break;
    period *= shape[d]!;
  }
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return 0;
  return period;
}

export type WasmElementwiseKernels = Pick<Kernels, 'unary' | 'binary' | 'reduce'> & Pick<FusedKernels, 'sgdUpdate' | 'adamUpdate'>;

export function makeWasmElementwiseKernels(arena: Arena): WasmElementwiseKernels {
  const js = kernelsOf('js');
  const ex = arena.exports as unknown as Record<string, (...args: number[]) => void>;
  const suffix = (s: Storage): string => (s instanceof Float64Array ? 'f64' : 'f32');
  const bytes = (s: Storage): number => (s instanceof Float64Array ? 8 : 4);
  return {
    unary(op: UnaryOp, x: TensorData, out: Storage, param: number): void {
      if (op !== 'relu' || !x.isContiguous()) return js.unary(op, x, out, param);
      const relu = ex[`relu_${suffix(out)}`]!;
      const B = bytes(out);
      const xs = x.storage;
      const x0 = x.offset;
      // exactly x.size elements are written: out may be longer
      inPieces(arena, out, x.size, PIECE, 2, (f, [xa, oa], i, m) => {
        f.set(xs.subarray(x0 + i, x0 + i + m), xa!);
        relu(xa! * B, oa! * B, m);
        out.set(f.subarray(oa!, oa! + m), i);
      });
    },
    binary(op: BinaryOp, a: TensorData, b: TensorData, out: Storage): void {
      const n = a.size; // a and b have the result's shape; out may be longer
      let [x, y] = [a, b];
      if (COMMUTES.has(op) && !x.isContiguous() && y.isContiguous()) [x, y] = [y, x];
      const period = OPS.has(op) && n > 0 && x.isContiguous() ? rowPeriod(y) : 0;
      if (period === 0) return js.binary(op, a, b, out);
      const kernel = ex[`${op}_${suffix(out)}`]!;
      const B = bytes(out);
      // whole rows of `period` elements per piece; y's row is copied once (its buffer is a piece long)
      const piece = Math.max(1, Math.floor(PIECE / period)) * period;
      inPieces(arena, out, n, piece, 3, (f, [xa, ya, oa], i, m) => {
        if (i === 0) f.set(y.storage.subarray(y.offset, y.offset + period), ya!);
        f.set(x.storage.subarray(x.offset + i, x.offset + i + m), xa!);
        kernel(xa! * B, ya! * B, oa! * B, m, period);
        out.set(f.subarray(oa!, oa! + m), i);
      });
    },
    reduce(op: ReduceOp, x: TensorData, reduced: number, out: Storage): void {
      // Only a sum over leading axes of a dense block (a Linear layer's bias gradient: the op
      // hands over the transposed view, each output a column with a stride of `cols`), which
      // the JS kernel walks column by column through memory; the module adds the rows in order.
      const pl = op === 'sum' && x.size > 0 ? plan(x.shape, [x.strides]) : null;
      const cols = pl?.shape[0] ?? 0;
      if (!pl || pl.shape.length !== 2 || pl.shape[1] !== reduced || pl.strides[0]![0] !== 1 || pl.strides[0]![1] !== cols) return js.reduce(op, x, reduced, out);
      const colsum = ex[`colsum_${suffix(out)}`]!;
      const p = precisionOf(out);
      const rowsPer = Math.max(1, Math.floor(PIECE / cols));
      arena.reset();
      const src = allocIn(arena, p, rowsPer * cols);
      const acc = arena.alloc(2 * cols) / 2; // float64 sums, as the JS kernel's
      arena.commit();
      const f = p.view(arena);
      arena.f64.fill(0, acc, acc + cols);
      for (let r = 0; r < reduced; r += rowsPer) {
        const m = Math.min(rowsPer, reduced - r);
        f.set(x.storage.subarray(x.offset + r * cols, x.offset + (r + m) * cols), src);
        colsum(src * p.bytes, acc * 8, m, cols);
      }
      out.set(arena.f64.subarray(acc, acc + cols)); // rounded once to out's dtype, as 0 + sum is
    },
    sgdUpdate(p: Storage, po: number, g: Storage, go: number, n: number, buf: Storage | null, first: boolean, h: SgdHyper): void {
      const B = bytes(p);
      if (buf !== null) {
        const sgdm = ex[`sgdm_${suffix(p)}`]!;
        inPieces(arena, p, n, PIECE, 3, (f, [pa, ga, ba], i, m) => {
          f.set(p.subarray(po + i, po + i + m), pa!);
          f.set(g.subarray(go + i, go + i + m), ga!);
          if (!first) f.set(buf.subarray(i, i + m), ba!); // the first step only writes it
          sgdm(pa! * B, ga! * B, ba! * B, m, h.lr, h.weightDecay, h.maximize ? -1 : 1, h.momentum, 1 - h.dampening, first ? 1 : 0, h.nesterov ? 1 : 0);
          p.set(f.subarray(pa!, pa! + m), po + i);
          buf.set(f.subarray(ba!, ba! + m), i);
        });
        return;
      }
      const sgd = ex[`sgd_${suffix(p)}`]!;
      inPieces(arena, p, n, PIECE, 2, (f, [pa, ga], i, m) => {
        f.set(p.subarray(po + i, po + i + m), pa!);
        f.set(g.subarray(go + i, go + i + m), ga!);
        sgd(pa! * B, ga! * B, m, h.lr, h.weightDecay, h.maximize ? -1 : 1);
        p.set(f.subarray(pa!, pa! + m), po + i);
      });
    },
    adamUpdate(p: Storage, po: number, g: Storage, go: number, n: number, m: Storage, v: Storage, vmax: Storage | null, h: AdamHyper): void {
      const adam = ex[`adam_${suffix(p)}`]!;
      const B = bytes(p);
      const c = adamConstants(h);
      inPieces(arena, p, n, PIECE, 5, (f, [pa, ga, ma, va, xa], i, k) => {
        f.set(p.subarray(po + i, po + i + k), pa!);
        f.set(g.subarray(go + i, go + i + k), ga!);
        f.set(m.subarray(i, i + k), ma!);
        f.set(v.subarray(i, i + k), va!);
        if (vmax) f.set(vmax.subarray(i, i + k), xa!);
        adam(pa! * B, ga! * B, ma! * B, va! * B, vmax ? xa! * B : -1, k, h.maximize ? -1 : 1, h.weightDecay, c.w, c.smallWeight ? 1 : 0, h.beta2, c.c2, c.bc2Sqrt, h.eps, c.stepSize);
        p.set(f.subarray(pa!, pa! + k), po + i);
        m.set(f.subarray(ma!, ma! + k), i);
        v.set(f.subarray(va!, va! + k), i);
        if (vmax) vmax.set(f.subarray(xa!, xa! + k), i);
      });
    },
  };
}
