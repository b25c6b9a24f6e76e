/**
 * The kernel interface, tested directly against plain-JS references on random shapes, strided
 * and offset TensorData views (stride 0 included) and dtypes. Every backend in `backends` must
 * pass the same tests: a WebAssembly backend is added to the list, nothing else changes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelsOf } from '../src/kernels/backend.js';
import { jsKernels } from '../src/kernels/js/index.js';
import { enableThreads, getNumThreads, initWasm } from '../src/kernels/wasm/index.js';
import { setThreadThreshold } from '../src/kernels/wasm/threads.js';
import type { BinaryOp, Conv1dGeometry, Kernels, ReduceOp, UnaryOp } from '../src/kernels/kernels.js';
import type { DType, Storage } from '../src/storage/dtype.js';
import { TensorData } from '../src/storage/tensor-data.js';
import { prng } from './arbitraries.js';
import { arbConvGeometry } from './wasm-helpers.js';
import { setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import { binaryRef, erfRef, geluGradRef, geluRef, geluTanhGradRef, geluTanhRef, sigmoidRef, siluGradRef, siluRef } from './math-reference.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 150) });

/** Every backend runs the same tests; 'wasm' joins when WebAssembly SIMD loads here. */
const backends: Kernels[] = [jsKernels];
if (await initWasm()) {
  setWasmMinWork(0); // small random shapes must still run the WebAssembly kernels
  backends.push(kernelsOf('wasm'));
}
// The threshold is global: later test files in the same worker (mutation runs share one) get it back.
afterAll(() => setWasmMinWork());

// ---- helpers ----------------------------------------------------------------------------------

const alloc = (dtype: DType, n: number): Storage => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));


type ValueKind = 'quarters' | 'mixed' | 'small';

/** quarters: k/4 in [-8, 8] (exact in float32, exact sums); mixed: doubles plus 0, -0, NaN, ±Inf; small: integers in [-2, 2] (ties for eq / max). */
function draw(rnd: () => number, kind: ValueKind): number {
  if (kind === 'quarters') return Math.round((rnd() * 2 - 1) * 32) / 4;
  if (kind === 'small') return Math.round(rnd() * 4 - 2);
  const r = rnd();
  if (r < 0.03) return NaN;
  if (r < 0.05) return Infinity;
  if (r < 0.07) return -Infinity;
  if (r < 0.1) return 0;
  if (r < 0.12) return -0;
  if (r < 0.3) return Math.round((rnd() * 2 - 1) * 8) / 2;
  return (rnd() * 2 - 1) * (rnd() < 0.2 ? 800 : 6);
}

interface View {
  td: TensorData;
  /** storage positions of the view's elements in row-major order, computed here */
  positions: number[];
}

interface LayoutSpec {
  order: number[];
  pads: number[];
  zero: boolean[];
  offset: number;
  tail: number;
  /** when set, these strides are used as they are (overlapping and repeated strides included) */
  raw: number[] | null;
}

const layoutArb = (nd: number): fc.Arbitrary<LayoutSpec> =>
  fc.record({
    order: fc.shuffledSubarray(
      Array.from({ length: nd }, (_, i) => i),
      { minLength: nd, maxLength: nd },
    ),
    pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: nd, maxLength: nd }),
    // about one dim in six is broadcast (stride 0), as expand makes them
    zero: fc.array(fc.integer({ min: 0, max: 5 }).map((r) => r === 0), { minLength: nd, maxLength: nd }),
    offset: fc.integer({ min: 0, max: 5 }),
    tail: fc.integer({ min: 0, max: 3 }),
    raw: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: nd, maxLength: nd }) },
    ),
  });

/** A view of `shape` laid out by `spec`: dims in any memory order, padded, some broadcast (stride 0), or raw strides. */
function makeView(shape: readonly number[], spec: LayoutSpec, dtype: DType, rnd: () => number, kind: ValueKind): View {
  const nd = shape.length;
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let j = nd - 1; j >= 0; j--) {
    const d = spec.order[j]!;
    if (spec.raw) {
      strides[d] = spec.raw[d]!;
      continue;
    }
    if (spec.zero[d]) {
      strides[d] = 0;
      continue;
    }
    strides[d] = acc;
    acc *= shape[d]! + spec.pads[d]!;
  }
  const size = shape.reduce((p, d) => p * d, 1);
  let span = 0;
  if (size > 0) for (let d = 0; d < nd; d++) span += (shape[d]! - 1) * strides[d]!;
  const len = spec.offset + (size > 0 ? span + 1 : 0) + spec.tail;
  const storage = alloc(dtype, len);
  for (let i = 0; i < len; i++) storage[i] = draw(rnd, kind);
  const positions: number[] = [];
  const idx = new Array<number>(nd).fill(0);
  for (let f = 0; f < size; f++) {
    let p = spec.offset;
    for (let d = 0; d < nd; d++) p += idx[d]! * strides[d]!;
    positions.push(p);
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { td: new TensorData(storage, shape, strides, spec.offset), positions };
}

const valuesOf = (v: View) => v.positions.map((p) => v.td.storage[p]!);

const shapeArb = (maxRank = 4, maxDim = 4) =>
  fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 15, arbitrary: fc.integer({ min: 1, max: maxDim }) }), { minLength: 0, maxLength: maxRank });

const dtypeArb = fc.constantFrom<DType>('float64', 'float32');
const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

/** Rounds a double reference to what an `out` of `dtype` can hold. */
const store = (dtype: DType, v: number) => (dtype === 'float32' ? Math.fround(v) : v);

function same(actual: number, expected: number, rel: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (actual === expected) return true;
  if (!Number.isFinite(expected)) return false;
  return Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
}

function expectAll(actual: ArrayLike<number>, expected: readonly number[], rel: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!same(actual[i]!, expected[i]!, rel)) throw new Error(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

// ---- references -------------------------------------------------------------------------------

const unaryRef: Record<UnaryOp, (x: number, k: number) => number> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  abs: (x) => Math.abs(x),
  relu: (x) => (Number.isNaN(x) ? NaN : Math.max(0, x)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  pow: (x, k) => x ** k,
  // math, comparison and activation kernels: definitions (erf from a power series, math-reference.ts)
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  log1p: (x) => Math.log1p(x),
  expm1: (x) => Math.expm1(x),
  erf: (x) => erfRef(x),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
  clampMin: (x, k) => (Number.isNaN(x) ? NaN : Math.max(x, k)),
  clampMax: (x, k) => (Number.isNaN(x) ? NaN : Math.min(x, k)),
  leakyRelu: (x, k) => (x > 0 ? x : k * x),
  leakyReluGrad: (x, k) => (x > 0 ? 1 : k),
  elu: (x, k) => (x > 0 ? x : k * (Math.exp(x) - 1)),
  eluGrad: (x, k) => (x > 0 ? 1 : k * Math.exp(x)),
  softplus: (x, k) => (x > k ? x : Math.log(1 + Math.exp(x))),
  softplusGrad: (x, k) => (x > k ? 1 : sigmoidRef(x)),
  silu: (x) => siluRef(x),
  siluGrad: (x) => siluGradRef(x),
  gelu: (x) => geluRef(x),
  geluGrad: (x) => geluGradRef(x),
  geluTanh: (x) => geluTanhRef(x),
  geluTanhGrad: (x) => geluTanhGradRef(x),
};


const UNARY = Object.keys(unaryRef) as UnaryOp[];
const BINARY = Object.keys(binaryRef) as BinaryOp[];

// ---- the tests --------------------------------------------------------------------------------

describe.each(backends.map((k) => ({ name: k.name, k })))('$name kernels', ({ k }) => {
  describe('unary', () => {
    it.each(UNARY)('%s on strided views', (op) => {
      fc.assert(
        fc.property(
          shapeArb().chain((shape) => fc.tuple(fc.constant(shape), layoutArb(shape.length))),
          dtypeArb,
          dtypeArb,
          seedArb,
          fc.constantFrom(2, 3, 0.5, -1, 0, 1.5, -2),
          ([shape, spec], dx, dout, seed, p) => {
            const v = makeView(shape, spec, dx, prng(seed), 'mixed');
            const n = v.positions.length;
            const out = alloc(dout, n + 2);
            out.fill(12345);
            // out may be longer than x: a kernel writes exactly x.size elements
            k.unary(op, v.td, out, p);
            const expected = valuesOf(v).map((x) => store(dout, unaryRef[op](x, p)));
            expectAll(out.subarray(0, n), expected, dout === 'float32' ? 1e-6 : 1e-14, `${op}(${JSON.stringify(shape)})`);
            expect(out[n]).toBe(12345);
            expect(out[n + 1]).toBe(12345);
          },
        ),
      );
    });

    it('sigmoid does not overflow in either tail; relu keeps NaN', () => {
      const td = new TensorData(Float64Array.from([-800, -40, 0, 40, 800, NaN]), [6]);
      const out = new Float64Array(6);
      k.unary('sigmoid', td, out, 0);
      expect(out[0]).toBe(0);
      expect(out[1]).toBeCloseTo(Math.exp(-40), 25);
      expect(out[2]).toBe(0.5);
      expect(out[3]).toBeCloseTo(1, 15);
      expect(out[4]).toBe(1);
      expect(out[5]).toBeNaN();
      k.unary('relu', td, out, 0);
      expect(Array.from(out.subarray(0, 5))).toEqual([0, 0, 0, 40, 800]);
      expect(out[5]).toBeNaN();
    });
  });

  describe('binary', () => {
    it.each(BINARY)('%s on two independently strided views of one shape', (op) => {
      fc.assert(
        fc.property(
          shapeArb().chain((shape) => fc.tuple(fc.constant(shape), layoutArb(shape.length), layoutArb(shape.length))),
          dtypeArb,
          dtypeArb,
          dtypeArb,
          seedArb,
          fc.constantFrom<ValueKind>('mixed', 'small', 'quarters'),
          ([shape, sa, sb], da, db, dout, seed, kind) => {
            const rnd = prng(seed);
            const a = makeView(shape, sa, da, rnd, kind);
            const b = makeView(shape, sb, db, rnd, op === 'sigmoidBackward' || op === 'tanhBackward' ? (kind === 'mixed' ? 'quarters' : kind) : kind);
            const n = a.positions.length;
            const out = alloc(dout, n + 1);
            out.fill(-777);
            k.binary(op, a.td, b.td, out);
            const av = valuesOf(a);
            const bv = valuesOf(b);
            const expected = av.map((x, i) => store(dout, binaryRef[op](x, bv[i]!)));
            expectAll(out.subarray(0, n), expected, dout === 'float32' ? 1e-6 : 1e-14, `${op}(${JSON.stringify(shape)})`);
            expect(out[n]).toBe(-777);
          },
        ),
      );
    });

    it('eq is exact equality across dtypes; the fused rules on hand-picked values', () => {
      const a = new TensorData(Float64Array.from([1, 2, 3, 4]), [4]);
      const b32 = new TensorData(Float32Array.from([1, 2.5, 3, 0.1]), [4]);
      const out = new Float64Array(4);
      k.binary('eq', a, b32, out);
      expect(Array.from(out)).toEqual([1, 0, 1, 0]);
      const g = new TensorData(Float64Array.from([10, 10, 10, 10]), [4]);
      const x = new TensorData(Float64Array.from([-1, 0, 2, 0.5]), [4]);
      k.binary('reluBackward', g, x, out);
      expect(Array.from(out)).toEqual([0, 0, 10, 10]);
      k.binary('absBackward', g, x, out);
      expect(Array.from(out)).toEqual([-10, 0, 10, 10]);
      k.binary('sigmoidBackward', g, x, out); // 10 * y (1 - y)
      expect(Array.from(out)).toEqual([-20, 0, -20, 2.5]);
      k.binary('tanhBackward', g, x, out); // 10 (1 - y²)
      expect(Array.from(out)).toEqual([0, 10, -30, 7.5]);
    });
  });

  describe('reduce', () => {
    it.each(['sum', 'max'] as ReduceOp[])('%s over the trailing dims of strided views', (op) => {
      fc.assert(
        fc.property(
          shapeArb(4, 5).chain((shape) => fc.tuple(fc.constant(shape), layoutArb(shape.length), fc.integer({ min: 0, max: shape.length }))),
          dtypeArb,
          seedArb,
          fc.constantFrom<ValueKind>('quarters', 'small', 'mixed'),
          ([shape, spec, nRed], dtype, seed, kind) => {
            const v = makeView(shape, spec, dtype, prng(seed), op === 'sum' && kind === 'mixed' ? 'quarters' : kind);
            const reduced = shape.slice(shape.length - nRed).reduce((p, d) => p * d, 1);
            const nOut = shape.slice(0, shape.length - nRed).reduce((p, d) => p * d, 1);
            const out = alloc(dtype, nOut);
            out.fill(99); // must be overwritten
            k.reduce(op, v.td, reduced, out);
            const vals = valuesOf(v);
            const expected: number[] = [];
            for (let o = 0; o < nOut; o++) {
              let acc = op === 'sum' ? 0 : -Infinity;
              for (let i = 0; i < reduced; i++) {
                const x = vals[o * reduced + i]!;
                if (op === 'sum') acc += x;
                else if (Number.isNaN(x) || Number.isNaN(acc)) acc = NaN;
                else acc = Math.max(acc, x);
              }
              expected.push(store(dtype, acc));
            }
            expectAll(out, expected, 0, `${op} of ${JSON.stringify(shape)} over ${reduced}`);
          },
        ),
      );
    });

    it('max propagates NaN wherever it sits in the run; -Infinity runs; transposed sums', () => {
      for (let pos = 0; pos < 5; pos++) {
        const vals = [1, 5, -2, 7, 3];
        vals[pos] = NaN;
        const out = new Float64Array(2);
        k.reduce('max', new TensorData(Float64Array.from([...vals, 1, 2, 3, 4, 0]), [2, 5]), 5, out);
        expect(out[0]).toBeNaN();
        expect(out[1]).toBe(4);
      }
      const out = new Float64Array(1);
      k.reduce('max', new TensorData(Float64Array.from([-Infinity, -Infinity]), [2]), 2, out);
      expect(out[0]).toBe(-Infinity);
      // a [2, 2] transposed view reduced whole, and by rows of the view
      k.reduce('sum', new TensorData(Float64Array.from([1, 2, 3, 4]), [2, 2], [1, 2]), 4, out);
      expect(out[0]).toBe(10);
      const rows = new Float64Array(2);
      k.reduce('sum', new TensorData(Float64Array.from([1, 2, 3, 4]), [2, 2], [1, 2]), 2, rows);
      expect(Array.from(rows)).toEqual([1 + 3, 2 + 4]);
    });

    it('sum over a run that spans merged dims splits correctly', () => {
      // x dense [3, 4], reduced = 2: out[o] = x[2o] + x[2o + 1]
      const x = new TensorData(Float64Array.from({ length: 12 }, (_, i) => i * i), [3, 2, 2]);
      const out = new Float64Array(6);
      k.reduce('sum', x, 2, out);
      expect(Array.from(out)).toEqual([0 + 1, 4 + 9, 16 + 25, 36 + 49, 64 + 81, 100 + 121]);
      const outMax = new Float64Array(3);
      k.reduce('max', x, 4, outMax);
      expect(Array.from(outMax)).toEqual([9, 49, 121]);
    });
  });

  describe('gemm', () => {
    type Layout = 'row' | 'col' | 'any';
    const layoutArbG = fc.constantFrom<Layout>('row', 'col', 'any');
    /** (rowStride, colStride) of an R×C operand. */
    const strides = (l: Layout, R: number, C: number, pad: number, rs: number, cs: number): [number, number] =>
      l === 'row' ? [C + pad, 1] : l === 'col' ? [1, R + pad] : [rs, cs];

    it('C = A B for any (offset, row stride, column stride) of A and B', () => {
      fc.assert(
        fc.property(
          fc.record({
            M: fc.integer({ min: 0, max: 5 }),
            N: fc.integer({ min: 0, max: 5 }),
            K: fc.integer({ min: 0, max: 5 }),
            la: layoutArbG,
            lb: layoutArbG,
            pa: fc.integer({ min: 0, max: 2 }),
            pb: fc.integer({ min: 0, max: 2 }),
            ars: fc.integer({ min: 0, max: 7 }),
            acs: fc.integer({ min: 0, max: 7 }),
            brs: fc.integer({ min: 0, max: 7 }),
            bcs: fc.integer({ min: 0, max: 7 }),
            aOff: fc.integer({ min: 0, max: 4 }),
            bOff: fc.integer({ min: 0, max: 4 }),
            cOff: fc.integer({ min: 0, max: 4 }),
            da: dtypeArb,
            db: dtypeArb,
            dc: dtypeArb,
            seed: seedArb,
          }),
          (r) => {
            const rnd = prng(r.seed);
            const [aRow, aCol] = strides(r.la, r.M, r.K, r.pa, r.ars, r.acs);
            const [bRow, bCol] = strides(r.lb, r.K, r.N, r.pb, r.brs, r.bcs);
            const aLen = r.aOff + Math.max(0, (r.M - 1) * aRow) + Math.max(0, (r.K - 1) * aCol) + 1 + 2;
            const bLen = r.bOff + Math.max(0, (r.K - 1) * bRow) + Math.max(0, (r.N - 1) * bCol) + 1 + 2;
            const a = alloc(r.da, aLen);
            const b = alloc(r.db, bLen);
            for (let i = 0; i < aLen; i++) a[i] = draw(rnd, 'quarters');
            for (let i = 0; i < bLen; i++) b[i] = draw(rnd, 'quarters');
            const cLen = r.cOff + r.M * r.N + 3;
            const c = alloc(r.dc, cLen);
            for (let i = 0; i < cLen; i++) c[i] = 1000 + i; // garbage inside (overwritten) and sentinels outside
            k.gemm(r.M, r.N, r.K, a, r.aOff, aRow, aCol, b, r.bOff, bRow, bCol, c, r.cOff);
            for (let i = 0; i < r.cOff; i++) expect(c[i]).toBe(1000 + i);
            for (let i = r.cOff + r.M * r.N; i < cLen; i++) expect(c[i]).toBe(1000 + i);
            for (let i = 0; i < r.M; i++) {
              for (let j = 0; j < r.N; j++) {
                let acc = 0;
                for (let q = 0; q < r.K; q++) acc += a[r.aOff + i * aRow + q * aCol]! * b[r.bOff + q * bRow + j * bCol]!;
                const got = c[r.cOff + i * r.N + j]!;
                if (got !== store(r.dc, acc)) throw new Error(`C[${i}, ${j}] = ${got}, expected ${acc} (${JSON.stringify(r)})`);
              }
            }
          },
        ),
      );
    });
  });

  describe('conv1d', () => {
    interface G extends Conv1dGeometry {
      dtype: DType;
      seed: number;
    }
    const geomArb: fc.Arbitrary<G> = fc
      .record({
        batch: fc.integer({ min: 1, max: 3 }),
        groups: fc.integer({ min: 1, max: 3 }),
        cinG: fc.integer({ min: 1, max: 3 }),
        coutG: fc.integer({ min: 1, max: 3 }),
        kernelSize: fc.integer({ min: 1, max: 4 }),
        stride: fc.integer({ min: 1, max: 3 }),
        dilation: fc.integer({ min: 1, max: 3 }),
        padLeft: fc.integer({ min: 0, max: 3 }),
        padRight: fc.integer({ min: 0, max: 3 }),
        length: fc.integer({ min: 1, max: 9 }),
        dtype: dtypeArb,
        seed: seedArb,
      })
      .map((r) => {
        const span = r.dilation * (r.kernelSize - 1);
        const length = Math.max(r.length, span + 1 - r.padLeft - r.padRight, 1);
        const outLength = Math.floor((length + r.padLeft + r.padRight - span - 1) / r.stride) + 1;
        return {
          batch: r.batch,
          inChannels: r.groups * r.cinG,
          outChannels: r.groups * r.coutG,
          length,
          kernelSize: r.kernelSize,
          outLength,
          stride: r.stride,
          padLeft: r.padLeft,
          dilation: r.dilation,
          groups: r.groups,
          dtype: r.dtype,
          seed: r.seed,
        };
      });

    /** x value at (n, ci, padded position p), zero outside [0, L). */
    const xAt = (g: G, x: ArrayLike<number>, n: number, ci: number, p: number) => {
      const q = p - g.padLeft;
      return q < 0 || q >= g.length ? 0 : x[(n * g.inChannels + ci) * g.length + q]!;
    };

    function fill(g: G, n: number, rnd: () => number): Storage {
      const s = alloc(g.dtype, n);
      for (let i = 0; i < n; i++) s[i] = draw(rnd, 'quarters');
      return s;
    }

    it('forward, backwardInput, backwardWeight and backwardBias equal the definition (exact on quarter values)', () => {
      fc.assert(
        fc.property(geomArb, (g) => {
          const rnd = prng(g.seed);
          const cinG = g.inChannels / g.groups;
          const coutG = g.outChannels / g.groups;
          const K = g.kernelSize;
          const x = fill(g, g.batch * g.inChannels * g.length, rnd);
          const w = fill(g, g.outChannels * cinG * K, rnd);
          const bias = rnd() < 0.5 ? fill(g, g.outChannels, rnd) : null;
          const gy = fill(g, g.batch * g.outChannels * g.outLength, rnd);

          const y = alloc(g.dtype, gy.length).fill(31337);
          k.conv1dForward(x, w, bias, y, g);
          const gx = alloc(g.dtype, x.length).fill(31337);
          k.conv1dBackwardInput(gy, w, gx, g);
          const gw = alloc(g.dtype, w.length).fill(31337);
          k.conv1dBackwardWeight(gy, x, gw, g);
          const gb = alloc(g.dtype, g.outChannels).fill(31337);
          k.conv1dBackwardBias(gy, gb, g);

          const gbRef = new Array<number>(g.outChannels).fill(0);
          const yRef = new Array<number>(y.length).fill(0);
          const gxRef = new Array<number>(x.length).fill(0);
          const gwRef = new Array<number>(w.length).fill(0);
          for (let n = 0; n < g.batch; n++) {
            for (let co = 0; co < g.outChannels; co++) {
              const grp = Math.floor(co / coutG);
              for (let l = 0; l < g.outLength; l++) {
                const yi = (n * g.outChannels + co) * g.outLength + l;
                gbRef[co]! += gy[yi]!;
                let acc = bias ? bias[co]! : 0;
                for (let c = 0; c < cinG; c++) {
                  const ci = grp * cinG + c;
                  for (let t = 0; t < K; t++) {
                    const p = l * g.stride + t * g.dilation;
                    const wi = (co * cinG + c) * K + t;
                    acc += w[wi]! * xAt(g, x, n, ci, p);
                    gwRef[wi]! += gy[yi]! * xAt(g, x, n, ci, p);
                    const q = p - g.padLeft;
                    if (q >= 0 && q < g.length) gxRef[(n * g.inChannels + ci) * g.length + q]! += w[wi]! * gy[yi]!;
                  }
                }
                yRef[yi] = acc;
              }
            }
          }
          expectAll(y, yRef, 0, 'conv1dForward');
          expectAll(gx, gxRef, 0, 'conv1dBackwardInput');
          expectAll(gw, gwRef, 0, 'conv1dBackwardWeight');
          expectAll(gb, gbRef, 0, 'conv1dBackwardBias');
        }),
      );
    });

    it('backwardInput is the adjoint of forward, and backwardWeight the adjoint in w', () => {
      fc.assert(
        fc.property(geomArb, (g0) => {
          const g = { ...g0, dtype: 'float64' as DType };
          const rnd = prng(g.seed);
          const cinG = g.inChannels / g.groups;
          const x = Float64Array.from({ length: g.batch * g.inChannels * g.length }, () => rnd() - 0.5);
          const w = Float64Array.from({ length: g.outChannels * cinG * g.kernelSize }, () => rnd() - 0.5);
          const gy = Float64Array.from({ length: g.batch * g.outChannels * g.outLength }, () => rnd() - 0.5);
          const y = new Float64Array(gy.length);
          k.conv1dForward(x, w, null, y, g);
          const gx = new Float64Array(x.length);
          k.conv1dBackwardInput(gy, w, gx, g);
          const gw = new Float64Array(w.length);
          k.conv1dBackwardWeight(gy, x, gw, g);
          const dot = (p: Float64Array, q: Float64Array) => p.reduce((s, v, i) => s + v * q[i]!, 0);
          const lhs = dot(y, gy);
          expect(Math.abs(lhs - dot(x, gx))).toBeLessThan(1e-12 * (1 + y.length));
          expect(Math.abs(lhs - dot(w, gw))).toBeLessThan(1e-12 * (1 + y.length));
        }),
      );
    });
  });
});

// ---- every backend against the JS reference, on random values --------------------------------

/**
 * Each element within rtol of the sum of |terms| that formed it (the JS kernel run on |inputs|):
 * the honest bound for a sum whose terms may cancel. float64 to 1e-12, float32 to its rounding.
 */
function expectNear(got: Storage, want: Storage, bound: Storage, dtype: DType, what: string): void {
  const rtol = dtype === 'float64' ? 1e-12 : 2e-6;
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= rtol * bound[i]! + 1e-300)) throw new Error(`${what}[${i}]: ${got[i]} vs js ${want[i]} (|terms| ${bound[i]}, ${dtype})`);
  }
}

const absOf = (s: Storage): Storage => s.map(Math.abs) as Storage;
const randomIn = (dtype: DType, n: number, rnd: () => number): Storage => {
  const s = alloc(dtype, n);
  for (let i = 0; i < n; i++) s[i] = rnd() * 2 - 1;
  return s;
};

/** Every non-reference backend at each thread count (threads split even the smallest call here). */
const threaded = backends.filter((k) => k.name !== 'js').flatMap((k) => (k.name === 'wasm' ? [1, 2, 3] : [1]).map((threads) => ({ name: k.name, k, threads })));

describe.each(threaded)('$name kernels on $threads thread(s) against the JS reference on random values', ({ k, threads }) => {
  let before = 1;
  beforeAll(async () => {
    before = getNumThreads();
    expect(await enableThreads(threads)).toBe(threads);
    setThreadThreshold(0);
  });
  afterAll(async () => {
    setThreadThreshold();
    await enableThreads(before);
  });

  it.each(['float64', 'float32'] as DType[])('gemm, %s: random sizes, layouts and offsets', (dtype) => {
    fc.assert(
      fc.property(
        fc.record({ M: fc.integer({ min: 1, max: 37 }), N: fc.integer({ min: 1, max: 37 }), K: fc.integer({ min: 1, max: 40 }), ta: fc.boolean(), tb: fc.boolean(), off: fc.integer({ min: 0, max: 3 }), seed: seedArb }),
        ({ M, N, K, ta, tb, off, seed }) => {
          const rnd = prng(seed);
          const a = randomIn(dtype, off + M * K, rnd);
          const b = randomIn(dtype, off + K * N, rnd);
          const [aRow, aCol] = ta ? [1, M] : [K, 1];
          const [bRow, bCol] = tb ? [1, K] : [N, 1];
          const run = (kk: Kernels, x: Storage, y: Storage) => {
            const c = alloc(dtype, M * N);
            kk.gemm(M, N, K, x, off, aRow, aCol, y, off, bRow, bCol, c, 0);
            return c;
          };
          expectNear(run(k, a, b), run(jsKernels, a, b), run(jsKernels, absOf(a), absOf(b)), dtype, `gemm ${M}x${K}x${N}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each(['float64', 'float32'] as DType[])('conv1d forward and both adjoints, %s: random geometries', (dtype) => {
    fc.assert(
      fc.property(arbConvGeometry(4, 9), ({ g, seed }) => {
        const rnd = prng(seed);
        const cinG = g.inChannels / g.groups;
        const x = randomIn(dtype, g.batch * g.inChannels * g.length, rnd);
        const w = randomIn(dtype, g.outChannels * cinG * g.kernelSize, rnd);
        const b = randomIn(dtype, g.outChannels, rnd);
        const gy = randomIn(dtype, g.batch * g.outChannels * g.outLength, rnd);
        const run = (kk: Kernels, xs: Storage, ws: Storage, bs: Storage, gys: Storage) => {
          const y = alloc(dtype, gys.length).fill(NaN);
          const gx = alloc(dtype, xs.length).fill(NaN);
          const gw = alloc(dtype, ws.length).fill(NaN);
          kk.conv1dForward(xs, ws, bs, y, g);
          kk.conv1dBackwardInput(gys, ws, gx, g);
          kk.conv1dBackwardWeight(gys, xs, gw, g);
          return [y, gx, gw];
        };
        const got = run(k, x, w, b, gy);
        const want = run(jsKernels, x, w, b, gy);
        const bound = run(jsKernels, absOf(x), absOf(w), absOf(b), absOf(gy));
        ['y', 'gx', 'gw'].forEach((what, i) => expectNear(got[i]!, want[i]!, bound[i]!, dtype, `${what} ${JSON.stringify(g)}`));
      }),
      { numRuns: 40 },
    );
  });
});

// ---- the fused training-step kernels (MSE, accumulation, SGD, Adam) on every backend ----------

describe.each(backends.map((k) => ({ name: k.name, f: kernelsOf(k.name) })))('$name fused kernels equal their definitions', ({ f }) => {
  it.each(['float64', 'float32'] as DType[])('%s: mseForward, mseBackward, accumulate', (dtype) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), seedArb, (n, seed) => {
        const rnd = prng(seed);
        const p = randomIn(dtype, n, rnd);
        const t = randomIn(dtype, n, rnd);
        const g = randomIn(dtype, n, rnd);
        const r = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
        const sq = Array.from(p, (v, i) => r(v - t[i]!) ** 2);
        const none = alloc(dtype, n);
        f.mseForward(p, t, n, 'none', none);
        expectAll(none, sq.map((v) => store(dtype, v)), 0, 'mse none');
        const one = alloc(dtype, 1);
        f.mseForward(p, t, n, 'sum', one);
        expect(one[0]).toBe(store(dtype, sq.reduce((s, v) => s + v, 0)));
        f.mseForward(p, t, n, 'mean', one);
        expect(one[0]).toBe(store(dtype, sq.reduce((s, v) => s + v, 0) / n));
        const gp = alloc(dtype, n);
        f.mseBackward(p, t, null, 0.5, n, gp);
        expectAll(gp, Array.from(p, (v, i) => store(dtype, (v - t[i]!) * 0.5)), 0, 'mse backward');
        f.mseBackward(p, t, g, 0, n, gp);
        expectAll(gp, Array.from(p, (v, i) => store(dtype, 2 * (v - t[i]!) * g[i]!)), 0, 'mse backward none');
        const acc = p.slice();
        f.accumulate(acc, g, 0, n - 1);
        expectAll(acc, Array.from(p, (v, i) => (i < n - 1 ? store(dtype, v + g[i]!) : v)), 0, 'accumulate');
      }),
      { numRuns: 30 },
    );
  });

  it('copy: strided views, into either dtype', () => {
    fc.assert(
      fc.property(shapeArb(4, 4).chain((shape) => fc.tuple(fc.constant(shape), layoutArb(shape.length))), dtypeArb, dtypeArb, seedArb, ([shape, spec], from, to, seed) => {
        const v = makeView(shape, spec, from, prng(seed), 'mixed');
        const out = alloc(to, v.td.size).fill(99);
        f.copy(v.td, out);
        expectAll(out, valuesOf(v).map((x) => store(to, x)), 0, `copy ${from} -> ${to}`);
      }),
      { numRuns: 60 },
    );
  });

  it.each(['float64', 'float32'] as DType[])('%s: sgdUpdate and adamUpdate, one element at a time', (dtype) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 2 }), seedArb, fc.boolean(), fc.boolean(), (n, off, seed, nesterov, maximize) => {
        const rnd = prng(seed);
        const p0 = randomIn(dtype, n + off, rnd);
        const g = randomIn(dtype, n + off, rnd);
        const buf0 = randomIn(dtype, n, rnd);
        const h = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov, maximize };
        const p = p0.slice();
        const buf = buf0.slice();
        f.sgdUpdate(p, off, g, off, n, buf, false, h);
        for (let i = 0; i < n; i++) {
          let d = maximize ? -g[off + i]! : g[off + i]!;
          d = d + 0.01 * p0[off + i]!; // in double precision: only the stores round to the dtype
          const b = store(dtype, 0.9 * buf0[i]! + d);
          expect(buf[i]).toBe(b);
          expect(p[off + i]).toBe(store(dtype, p0[off + i]! - 0.1 * (nesterov ? d + 0.9 * b : b)));
        }
        const pa = p0.slice();
        const m = buf0.slice();
        const v = buf0.map(Math.abs);
        const v0 = v.slice();
        f.adamUpdate(pa, off, g, off, n, m, v, null, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maximize, step: 3 });
        for (let i = 0; i < n; i++) {
          const d = maximize ? -g[off + i]! : g[off + i]!;
          const mi = store(dtype, buf0[i]! + 0.09999999999999998 * (d - buf0[i]!));
          const vi = store(dtype, v0[i]! * 0.999 + 0.0010000000000000009 * d * d);
          expect(m[i]).toBeCloseTo(mi, dtype === 'float32' ? 6 : 14);
          expect(v[i]).toBeCloseTo(vi, dtype === 'float32' ? 6 : 14);
          const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - 0.999 ** 3) + 1e-8;
          expect(pa[off + i]).toBeCloseTo(p0[off + i]! - (0.01 / (1 - 0.9 ** 3)) * m[i]! / denom, dtype === 'float32' ? 5 : 12);
        }
      }),
      { numRuns: 30 },
    );
  });
});
