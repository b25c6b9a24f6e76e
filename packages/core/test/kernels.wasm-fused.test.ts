/**
 * The 'wasm' backend's loss, bias-gradient and elementwise kernels (kernels/wasm/fused.ts and
 * elementwise.ts over kernels.wat's mse_sq / mse_sum / mse_grad / sum, <op>_<t>, relu_<t>,
 * sgd_<t>): the module's exports called directly on odd lengths (the vector loop's tail), and
 * the registered kernels through the dispatcher, each against the formula computed here in
 * double precision. Elementwise results must match to the bit (the kernels round once, as the
 * JS reference does); sums within the rounding bound of their terms, since the module adds in
 * another (fixed) order.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, getKernel, kernelsOf, setBackend } from '../src/kernels/backend.js';
import { jsFusedKernels, jsKernels } from '../src/kernels/js/index.js';
import type { Conv1dGeometry } from '../src/kernels/kernels.js';
import { Arena, type WasmExports } from '../src/kernels/wasm/arena.js';
import { WASM_FUSED_MIN_WORK } from '../src/kernels/wasm/fused.js';
import { initWasm, wasmMemoryBytes } from '../src/kernels/wasm/index.js';
import { PIECE } from '../src/kernels/wasm/stream.js';
import { setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import { moduleBytes } from '../src/kernels/wasm/binary.js';
import type { DType, Storage } from '../src/storage/dtype.js';
import { TensorData } from '../src/storage/tensor-data.js';
import { rowPeriod } from '../src/kernels/wasm/elementwise.js';
import { prng } from './arbitraries.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 60) });

let ex: WasmExports;
let arena: Arena;

beforeAll(async () => {
  expect(await initWasm()).toBe(true);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bin = moduleBytes(false);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory } });
  arena = new Arena(instance.exports as unknown as WasmExports, memory);
  ex = arena.exports;
});

const alloc = (dtype: DType, n: number): Storage => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
const store = (dtype: DType, v: number): number => (dtype === 'float32' ? Math.fround(v) : v);
const DTYPES: DType[] = ['float32', 'float64'];

/** Values a training step sees: mostly in [-3, 3), some exact quarters and zeros. */
function values(dtype: DType, n: number, rnd: () => number): Storage {
  const out = alloc(dtype, n);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    out[i] = r < 0.1 ? 0 : r < 0.3 ? Math.round((rnd() * 2 - 1) * 12) / 4 : (rnd() * 2 - 1) * 3;
  }
  return out;
}

/** Σ terms, exactly rounded once (Neumaier's compensated sum), and Σ |terms|. */
function exactSum(terms: readonly number[]): { sum: number; abs: number } {
  let s = 0;
  let c = 0;
  let abs = 0;
  for (const x of terms) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
    abs += Math.abs(x);
  }
  return { sum: s + c, abs };
}

/** A float64 sum of n terms in any order is within n·2^-53·Σ|terms| of the exact sum; a float32 result adds half an ulp. */
function expectSum(got: number, terms: readonly number[], dtype: DType, what: string): void {
  const { sum, abs } = exactSum(terms);
  const bound = (terms.length + 1) * 2 ** -53 * abs + (dtype === 'float32' ? 2 ** -24 * Math.abs(sum) : 0);
  if (!(Math.abs(got - sum) <= bound)) throw new Error(`${what}: got ${got}, exact ${sum}, bound ${bound} (n ${terms.length})`);
}

/** Copies `data` into the arena at a fresh buffer followed by NaN (over-reads past n must not reach a result); returns its byte address. */
function put(dtype: DType, data: Storage, at: number): number {
  const view = dtype === 'float32' ? arena.f32 : arena.f64;
  const i = at / (dtype === 'float32' ? 4 : 8);
  view.set(data, i);
  view.fill(NaN, i + data.length, i + data.length + 16);
  return at;
}

function layout(dtype: DType, n: number, buffers: number): number[] {
  const words = (n + 16) * (dtype === 'float32' ? 1 : 2);
  arena.reset();
  const at = Array.from({ length: buffers }, () => arena.alloc(words) * 4);
  arena.commit();
  return at;
}

describe('kernels.wat: mse_sq, mse_sum, mse_grad and sum on any length', () => {
  it.each(DTYPES)('%s: against the formulas, the vector tail included; nothing written past n', (dtype) => {
    const t32 = dtype === 'float32';
    const sq = t32 ? ex.mse_sq_f32 : ex.mse_sq_f64;
    const sum2 = t32 ? ex.mse_sum_f32 : ex.mse_sum_f64;
    const grad = t32 ? ex.mse_grad_f32 : ex.mse_grad_f64;
    const sum = t32 ? ex.sum_f32 : ex.sum_f64;
    const B = t32 ? 4 : 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: -4, max: 4, noNaN: true }), (n, seed, scale) => {
        const rnd = prng(seed);
        const p = values(dtype, n, rnd);
        const tt = values(dtype, n, rnd);
        const g = values(dtype, n, rnd);
        const [pa, ta, ga, oa] = layout(dtype, n, 4);
        put(dtype, p, pa!);
        put(dtype, tt, ta!);
        put(dtype, g, ga!);
        const out = () => (t32 ? arena.f32 : arena.f64).subarray(oa! / B, oa! / B + n + 16);
        const diffs = Array.from(p, (v, i) => store(dtype, v - tt[i]!));
        const squares = diffs.map((d) => d * d);

        out().fill(7);
        sq(pa!, ta!, oa!, n);
        expect(Array.from(out().subarray(0, n))).toEqual(squares.map((s) => store(dtype, s)));
        expect(Array.from(out().subarray(n)).every((v) => v === 7)).toBe(true);

        expectSum(sum2(pa!, ta!, n), squares, 'float64', `mse_sum_${dtype}`);
        expectSum(sum(pa!, n), Array.from(p), 'float64', `sum_${dtype}`);

        out().fill(7);
        grad(pa!, ta!, ga!, oa!, n, 0, 1);
        expect(Array.from(out().subarray(0, n))).toEqual(Array.from(p, (v, i) => store(dtype, 2 * (v - tt[i]!) * g[i]!)));
        expect(Array.from(out().subarray(n)).every((v) => v === 7)).toBe(true);
        grad(pa!, ta!, 0, oa!, n, scale, 0);
        expect(Array.from(out().subarray(0, n))).toEqual(Array.from(p, (v, i) => store(dtype, (v - tt[i]!) * scale)));
        expect(Array.from(out().subarray(n)).every((v) => v === 7)).toBe(true);
      }),
    );
  });

  it.each(DTYPES)('%s: NaN and infinities propagate through the sums and the gradient as in the formulas', (dtype) => {
    const t32 = dtype === 'float32';
    const B = t32 ? 4 : 8;
    const n = 11;
    for (const [k, bad] of [[0, NaN], [5, Infinity], [10, -Infinity], [8, NaN]] as const) {
      const p = alloc(dtype, n).fill(1);
      const tt = alloc(dtype, n).fill(0.5);
      p[k] = bad;
      const [pa, ta, oa] = layout(dtype, n, 3);
      put(dtype, p, pa!);
      put(dtype, tt, ta!);
      const s = (t32 ? ex.mse_sum_f32 : ex.mse_sum_f64)(pa!, ta!, n);
      expect(s).toBe(Number.isNaN(bad) ? NaN : Infinity);
      expect((t32 ? ex.sum_f32 : ex.sum_f64)(pa!, n)).toBe(bad + (n - 1));
      (t32 ? ex.mse_grad_f32 : ex.mse_grad_f64)(pa!, ta!, 0, oa!, n, 0.5, 0);
      const got = (t32 ? arena.f32 : arena.f64).subarray(oa! / B, oa! / B + n);
      expect(got[k]).toBe((bad - 0.5) * 0.5);
      expect(got[(k + 1) % n]).toBe(0.25);
    }
  });
});

/**
 * The registered mseForward (none, sum, mean) and mseBackward (both forms) on n random
 * elements, against the formulas; mseForwardGrad against those two (to the bit); returns the data.
 */
function expectMseKernels(dtype: DType, n: number, rnd: () => number): { p: Storage; t: Storage; g: Storage } {
  const wasm = kernelsOf('wasm');
  const p = values(dtype, n, rnd);
  const t = values(dtype, n, rnd);
  const g = values(dtype, n, rnd);
  const squares = Array.from(p, (v, i) => store(dtype, v - t[i]!) ** 2);
  const none = alloc(dtype, n);
  wasm.mseForward(p, t, n, 'none', none);
  expect(Array.from(none)).toEqual(squares.map((s) => store(dtype, s)));
  const one = alloc(dtype, 1);
  wasm.mseForward(p, t, n, 'sum', one);
  expectSum(one[0]!, squares, dtype, 'mseForward sum');
  wasm.mseForward(p, t, n, 'mean', one);
  expectSum(one[0]! * n, squares, dtype, 'mseForward mean · n');
  const gp = alloc(dtype, n);
  wasm.mseBackward(p, t, null, 2 / n, n, gp);
  expect(Array.from(gp)).toEqual(Array.from(p, (v, i) => store(dtype, (v - t[i]!) * (2 / n))));
  wasm.mseBackward(p, t, g, 0, n, gp);
  expect(Array.from(gp)).toEqual(Array.from(p, (v, i) => store(dtype, 2 * (v - t[i]!) * g[i]!)));
  for (const [reduction, scale] of [['mean', 2 / n], ['sum', 2], ['none', 0.75]] as const) {
    const size = reduction === 'none' ? n : 1;
    const [wantOut, gotOut] = [alloc(dtype, size), alloc(dtype, size).fill(NaN)];
    const [wantGrad, gotGrad] = [alloc(dtype, n), alloc(dtype, n).fill(NaN)];
    wasm.mseForward(p, t, n, reduction, wantOut);
    wasm.mseBackward(p, t, null, scale, n, wantGrad);
    wasm.mseForwardGrad(p, t, n, reduction, gotOut, scale, gotGrad);
    expect(Array.from(gotOut), `mseForwardGrad ${reduction}: the loss`).toEqual(Array.from(wantOut));
    expect(Array.from(gotGrad), `mseForwardGrad ${reduction}: the gradient`).toEqual(Array.from(wantGrad));
  }
  return { p, t, g };
}

describe('the registered wasm kernels (mseForward, mseBackward, mseForwardGrad, conv1dBackwardBias)', () => {
  const wasm = () => kernelsOf('wasm');
  beforeAll(() => setWasmMinWork(0));
  afterAll(() => setWasmMinWork());

  it.each(DTYPES)('%s: mseForward and mseBackward equal the formulas, mseForwardGrad the two', (dtype) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, seed) => void expectMseKernels(dtype, n, prng(seed))),
      { numRuns: 40 },
    );
  });

  it.each(DTYPES)('%s: conv1dBackwardBias sums each channel over batch and length', (dtype) => {
    fc.assert(
      fc.property(
        fc.record({ batch: fc.integer({ min: 0, max: 4 }), outChannels: fc.integer({ min: 1, max: 6 }), outLength: fc.integer({ min: 1, max: 40 }), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }),
        ({ batch, outChannels, outLength, seed }) => {
          const g: Conv1dGeometry = { batch, inChannels: 1, outChannels, length: outLength, kernelSize: 1, outLength, stride: 1, padLeft: 0, dilation: 1, groups: 1 };
          const gy = values(dtype, batch * outChannels * outLength, prng(seed));
          const gb = alloc(dtype, outChannels).fill(NaN);
          wasm().conv1dBackwardBias(gy, gb, g);
          for (let co = 0; co < outChannels; co++) {
            const terms: number[] = [];
            for (let n = 0; n < batch; n++) for (let l = 0; l < outLength; l++) terms.push(gy[(n * outChannels + co) * outLength + l]!);
            // float32 rounds the running total once per batch element (as the JS kernel does)
            const { sum, abs } = exactSum(terms);
            const bound = (terms.length + 1) * 2 ** -53 * abs + (dtype === 'float32' ? (batch + 1) * 2 ** -24 * abs : 0);
            expect(Math.abs(gb[co]! - sum)).toBeLessThanOrEqual(bound);
          }
        },
      ),
    );
  });

  it('takes float32 MSE forwards but leaves float64 ones to js (memory-bound there); the rest in both dtypes, from WASM_FUSED_MIN_WORK elements', () => {
    setWasmMinWork(); // the registered minimums
    try {
      const before = getBackend();
      setBackend('wasm');
      try {
        expect(getKernel('mseForward', 'float64', 1e6)).toBe(jsFusedKernels.mseForward);
        expect(getKernel('mseForward', 'float32', 1e6)).not.toBe(jsFusedKernels.mseForward);
        expect(getKernel('mseForward', 'float32', WASM_FUSED_MIN_WORK - 1)).toBe(jsFusedKernels.mseForward);
        expect(getKernel('mseForward', 'float32', WASM_FUSED_MIN_WORK)).not.toBe(jsFusedKernels.mseForward);
        for (const dtype of DTYPES) {
          expect(getKernel('mseForwardGrad', dtype, 1e6)).not.toBe(jsFusedKernels.mseForwardGrad);
          expect(getKernel('mseForwardGrad', dtype, WASM_FUSED_MIN_WORK - 1)).toBe(jsFusedKernels.mseForwardGrad);
          expect(getKernel('mseBackward', dtype, 1e6)).not.toBe(jsFusedKernels.mseBackward);
          expect(getKernel('conv1dBackwardBias', dtype, 1e6)).not.toBe(jsKernels.conv1dBackwardBias);
          expect(getKernel('mseBackward', dtype, WASM_FUSED_MIN_WORK - 1)).toBe(jsFusedKernels.mseBackward);
        }
      } finally {
        setBackend(before);
      }
    } finally {
      setWasmMinWork(0);
    }
  });
});

describe('the wasm elementwise kernels (binary add/sub/mul/reluBackward, relu, SGD)', () => {
  const wasm = () => kernelsOf('wasm');
  beforeAll(() => setWasmMinWork(0));
  afterAll(() => setWasmMinWork());

  it('rowPeriod: the length of the row an operand repeats, or 0', () => {
    const td = (shape: number[], strides: number[]) => new TensorData(new Float32Array(64), shape, strides);
    expect(rowPeriod(td([3, 4], [4, 1]))).toBe(12);
    expect(rowPeriod(td([3, 4], [0, 1]))).toBe(4);
    expect(rowPeriod(td([2, 3, 4], [0, 4, 1]))).toBe(12);
    expect(rowPeriod(td([2, 3, 4], [0, 0, 1]))).toBe(4);
    expect(rowPeriod(td([3, 1, 4], [0, 99, 1]))).toBe(4); // size-1 dims have any stride
    expect(rowPeriod(td([3, 4], [1, 3]))).toBe(0); // transposed
    expect(rowPeriod(td([3, 4], [0, 2]))).toBe(0); // gaps
    expect(rowPeriod(td([3, 4], [4, 0]))).toBe(0); // broadcast along the last dim
    expect(rowPeriod(td([2, 3, 4], [4, 0, 1]))).toBe(0); // a broadcast dim inside the row
    expect(rowPeriod(td([], []))).toBe(1);
  });

  const formulas: Record<'add' | 'sub' | 'mul' | 'reluBackward', (a: number, b: number) => number> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    reluBackward: (a, b) => (b > 0 ? a : 0),
  };
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-40, 3.5e38];

  for (const dtype of DTYPES) {
    it(`${dtype}: binary ops of a dense operand with a dense or row-broadcast one (either side), to the bit`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }),
          fc.constantFrom('dense', 'row', 'row3d'), fc.boolean(), fc.constantFrom('add', 'sub', 'mul', 'reluBackward'), fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          (rows, cols, aOff, bOff, bKind, swap, op, seed) => {
            const rnd = prng(seed);
            const n = rows * cols;
            const aData = values(dtype, aOff + n, rnd);
            const bData = values(dtype, bOff + n, rnd);
            aData[aOff + Math.floor(rnd() * n)] = specials[Math.floor(rnd() * specials.length)]!;
            bData[bOff + Math.floor(rnd() * cols)] = specials[Math.floor(rnd() * specials.length)]!;
            const dense = bKind === 'row3d' ? new TensorData(aData, [rows, 1, cols], [cols, 5, 1], aOff) : new TensorData(aData, [rows, cols], [cols, 1], aOff);
            const other = bKind === 'dense'
              ? new TensorData(bData, [rows, cols], [cols, 1], bOff)
              : bKind === 'row' ? new TensorData(bData, [rows, cols], [0, 1], bOff) : new TensorData(bData, [rows, 1, cols], [0, 7, 1], bOff);
            const [a, b] = swap ? [other, dense] : [dense, other];
            const at = (t: TensorData, i: number): number => t.storage[t.offset + Math.floor(i / cols) * t.strides[0]! + (i % cols) * t.strides[t.strides.length - 1]!]!;
            const out = alloc(dtype, n + 2).fill(12345);
            wasm().binary(op, a, b, out);
            const want = Array.from({ length: n }, (_, i) => store(dtype, formulas[op](at(a, i), at(b, i))));
            expect(Array.from(out.subarray(0, n))).toEqual(want);
            expect([out[n], out[n + 1]]).toEqual([12345, 12345]);
          },
        ),
      );
    });

    it(`${dtype}: relu lets NaN and -0 through; exactly x.size elements written`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, off, seed) => {
          const rnd = prng(seed);
          const data = values(dtype, off + n, rnd);
          for (let k = 0; k < 3; k++) data[off + Math.floor(rnd() * n)] = specials[Math.floor(rnd() * specials.length)]!;
          const out = alloc(dtype, n + 1).fill(12345);
          wasm().unary('relu', new TensorData(data, [n], [1], off), out, 0);
          for (let i = 0; i < n; i++) {
            const v = data[off + i]!;
            expect(Object.is(out[i], v < 0 ? 0 : v)).toBe(true);
          }
          expect(out[n]).toBe(12345);
        }),
      );
    });

    it(`${dtype}: sgdUpdate without momentum (in doubles, rounded once), weight decay off leaving infinite weights alone; with momentum as well`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(0, 0.01), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          (n, off, weightDecay, maximize, momentum, seed) => {
            const rnd = prng(seed);
            const p0 = values(dtype, off + n, rnd);
            const g = values(dtype, off + n, rnd);
            p0[off + Math.floor(rnd() * n)] = Infinity;
            const p = p0.slice();
            const buf = momentum ? alloc(dtype, n) : null;
            const h = { lr: 0.1, momentum: momentum ? 0.9 : 0, dampening: 0, weightDecay, nesterov: false, maximize };
            wasm().sgdUpdate(p, off, g, off, n, buf, true, h);
            for (let i = 0; i < off; i++) expect(p[i]).toBe(p0[i]);
            for (let i = 0; i < n; i++) {
              let d = maximize ? -g[off + i]! : g[off + i]!;
              if (weightDecay !== 0) d = d + weightDecay * p0[off + i]!;
              if (buf) d = store(dtype, d); // the first momentum step stores d in the buffer and reads it back
              expect(p[off + i]).toBe(store(dtype, p0[off + i]! - 0.1 * d));
            }
          },
        ),
      );
    });
  }

  for (const dtype of DTYPES) {
    it(`${dtype}: reduce sums over leading axes in the module with the JS kernel's bits; other reductions and layouts are the JS kernel's`, () => {
      const rnd = prng(11);
      // [rows, cols] blocks reduced over rows (the op's transposed view), at an offset, across pieces too
      for (const [rows, cols] of [[1, 1], [3, 5], [7, 9], [300, 57], [2, PIECE + 3], [Math.floor(PIECE / 4) + 3, 8], [64, 2]]) {
        const data = values(dtype, rows * cols + 2, rnd);
        data[1] = -0;
        data[2 + (rows * cols >> 1)] = Infinity;
        const x = new TensorData(data, [cols, rows], [1, cols], 2);
        const [want, got] = [alloc(dtype, cols), alloc(dtype, cols).fill(NaN)];
        jsKernels.reduce('sum', x, rows, want);
        wasm().reduce('sum', x, rows, got);
        expect(Array.from(got), `${rows} x ${cols}`).toEqual(Array.from(want));
      }
      // a 3-D [B, T, F] summed over (B, T): the view merges to the same pattern
      const data = values(dtype, 4 * 6 * 10, rnd);
      const x3 = new TensorData(data, [10, 4, 6], [1, 60, 10]);
      const [want3, got3] = [alloc(dtype, 10), alloc(dtype, 10)];
      jsKernels.reduce('sum', x3, 24, want3);
      wasm().reduce('sum', x3, 24, got3);
      expect(Array.from(got3)).toEqual(Array.from(want3));
      // max, a row-wise sum, a non-dense column sum: the JS kernel's numbers
      for (const [op, td, red] of [
        ['max', new TensorData(data, [10, 24], [1, 10]), 24],
        ['sum', new TensorData(data, [24, 10], [10, 1]), 10],
        ['sum', new TensorData(data, [10, 12], [1, 20]), 12],
      ] as const) {
        const n = td.size / red;
        const [want, got] = [alloc(dtype, n), alloc(dtype, n)];
        jsKernels.reduce(op, td, red, want);
        wasm().reduce(op, td, red, got);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
    });
  }

  for (const dtype of DTYPES) {
    it(`${dtype}: sgdUpdate with momentum gives the JS kernel's bits (first and later steps, dampening, Nesterov, weight decay, maximize, offsets, odd lengths)`, () => {
      fc.assert(
        fc.property(
          fc.record({
            n: fc.integer({ min: 1, max: 60 }), off: fc.integer({ min: 0, max: 3 }), weightDecay: fc.constantFrom(0, 0.01), maximize: fc.boolean(),
            first: fc.boolean(), nesterov: fc.boolean(), dampening: fc.constantFrom(0, 0.3), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          }),
          ({ n, off, weightDecay, maximize, first, nesterov, dampening, seed }) => {
            const rnd = prng(seed);
            const p = values(dtype, off + n, rnd);
            const g = values(dtype, off + n, rnd);
            const buf = values(dtype, n, rnd);
            const h = { lr: 0.1, momentum: 0.9, dampening: nesterov ? 0 : dampening, weightDecay, nesterov, maximize };
            const want = { p: p.slice(), buf: buf.slice() };
            jsFusedKernels.sgdUpdate(want.p, off, g, off, n, want.buf, first, h);
            const got = { p: p.slice(), buf: buf.slice() };
            wasm().sgdUpdate(got.p, off, g, off, n, got.buf, first, h);
            expect(Array.from(got.p)).toEqual(Array.from(want.p));
            expect(Array.from(got.buf)).toEqual(Array.from(want.buf));
            expect(Array.from(got.p.subarray(off))).not.toEqual(Array.from(p.subarray(off))); // it did step
          },
        ),
      );
    });
  }

  for (const dtype of DTYPES) {
    it(`${dtype}: adamUpdate gives the JS kernel's bits (weight decay, maximize, amsgrad, both lerp forms, steps 1-5, offsets, an infinite gradient)`, () => {
      fc.assert(
        fc.property(
          fc.record({
            n: fc.integer({ min: 1, max: 60 }), off: fc.integer({ min: 0, max: 3 }), weightDecay: fc.constantFrom(0, 0.01), maximize: fc.boolean(),
            amsgrad: fc.boolean(), beta1: fc.constantFrom(0.9, 0.3), step: fc.integer({ min: 1, max: 5 }), seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          }),
          ({ n, off, weightDecay, maximize, amsgrad, beta1, step, seed }) => {
            const rnd = prng(seed);
            const p = values(dtype, off + n, rnd);
            const g = values(dtype, off + n, rnd);
            g[off + Math.floor(rnd() * n)] = rnd() < 0.5 ? Infinity : 0;
            const m = values(dtype, n, rnd).map(Math.abs);
            const v = values(dtype, n, rnd).map(Math.abs);
            const vmax = amsgrad ? v.map((x) => x * 1.5) : null;
            const h = { lr: 0.01, beta1, beta2: 0.999, eps: 1e-8, weightDecay, maximize, step };
            const want = { p: p.slice(), m: m.slice(), v: v.slice(), vmax: vmax && vmax.slice() };
            jsFusedKernels.adamUpdate(want.p, off, g, off, n, want.m, want.v, want.vmax, h);
            const got = { p: p.slice(), m: m.slice(), v: v.slice(), vmax: vmax && vmax.slice() };
            wasm().adamUpdate(got.p, off, g, off, n, got.m, got.v, got.vmax, h);
            expect(Array.from(got.p)).toEqual(Array.from(want.p));
            expect(Array.from(got.m)).toEqual(Array.from(want.m));
            expect(Array.from(got.v)).toEqual(Array.from(want.v));
            expect(got.vmax && Array.from(got.vmax)).toEqual(want.vmax && Array.from(want.vmax));
            expect(Array.from(got.p.subarray(off))).not.toEqual(Array.from(p.subarray(off))); // it did step
          },
        ),
      );
    });
  }

  it('are registered for both dtypes from WASM_FUSED_MIN_WORK elements; other ops and layouts reach the JS kernels', () => {
    setWasmMinWork();
    const before = getBackend();
    setBackend('wasm');
    try {
      for (const dtype of DTYPES) {
        for (const [name, js] of [['binary', jsKernels.binary], ['unary', jsKernels.unary], ['reduce', jsKernels.reduce], ['sgdUpdate', jsFusedKernels.sgdUpdate], ['adamUpdate', jsFusedKernels.adamUpdate]] as const) {
          expect(getKernel(name, dtype, WASM_FUSED_MIN_WORK)).not.toBe(js);
          expect(getKernel(name, dtype, WASM_FUSED_MIN_WORK - 1)).toBe(js);
        }
      }
    } finally {
      setBackend(before);
      setWasmMinWork(0);
    }
    // an op the module lacks, and a layout it does not take, give the JS kernel's numbers
    const a = new TensorData(Float64Array.from({ length: 12 }, (_, i) => i - 5.5), [3, 4]);
    const t = new TensorData(a.storage, [4, 3], [1, 4]);
    for (const [op, x, y] of [['div', a, a], ['maximum', a, a], ['add', t, t], ['sub', a, new TensorData(a.storage, [3, 4], [4, 0])]] as const) {
      const got = new Float64Array(12);
      const want = new Float64Array(12);
      wasm().binary(op, x, y, got);
      jsKernels.binary(op, x, y, want);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
    const got = new Float64Array(12);
    wasm().unary('exp', a, got, 0);
    expect(Array.from(got)).toEqual(Array.from(a.storage, Math.exp));
  });
});

describe('wasm kernels over calls longer than one piece (PIECE elements at a time through the module)', () => {
  const wasm = () => kernelsOf('wasm');
  const n = 2 * PIECE + 37;
  for (const dtype of DTYPES) {
    it(`${dtype}: every kernel across piece boundaries, the module's memory no bigger than for one piece`, () => {
      const before = wasmMemoryBytes();
      const { p, t, g } = expectMseKernels(dtype, n, prng(7));

      // bias: rows of 1000 (PIECE is not a multiple), 3 channels
      const geom: Conv1dGeometry = { batch: 10, inChannels: 1, outChannels: 3, length: 1000, kernelSize: 1, outLength: 1000, stride: 1, padLeft: 0, dilation: 1, groups: 1 };
      const gb = alloc(dtype, 3);
      wasm().conv1dBackwardBias(p.subarray(0, 30000), gb, geom);
      for (let co = 0; co < 3; co++) {
        const terms: number[] = [];
        for (let b = 0; b < 10; b++) for (let l = 0; l < 1000; l++) terms.push(p[(b * 3 + co) * 1000 + l]!);
        const { sum, abs } = exactSum(terms);
        expect(Math.abs(gb[co]! - sum)).toBeLessThanOrEqual((terms.length + 1) * 2 ** -53 * abs + (dtype === 'float32' ? 12 * 2 ** -24 * abs : 0));
      }

      // add with a broadcast row of 700 (PIECE is not a multiple); relu; SGD
      const rows = 40; // 28,000 elements: across a piece boundary
      const a = new TensorData(p.subarray(0, rows * 700), [rows, 700]);
      const row = new TensorData(t.subarray(0, 700), [rows, 700], [0, 1]);
      const sum = alloc(dtype, rows * 700);
      wasm().binary('add', a, row, sum);
      expect(Array.from(sum)).toEqual(Array.from({ length: rows * 700 }, (_, i) => store(dtype, p[i]! + t[i % 700]!)));
      const r = alloc(dtype, n);
      wasm().unary('relu', new TensorData(p, [n]), r, 0);
      expect(Array.from(r)).toEqual(Array.from(p, (v) => (v < 0 ? 0 : v)));
      const w = p.slice();
      wasm().sgdUpdate(w, 0, g, 0, n, null, false, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
      expect(Array.from(w)).toEqual(Array.from(p, (v, i) => store(dtype, v - 0.5 * g[i]!)));
      const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maximize: false, step: 2 };
      const [mom, sq, sqMax] = [t.map(Math.abs), g.map(Math.abs), g.map((x) => 2 * Math.abs(x))];
      const want = [p.slice(), mom.slice(), sq.slice(), sqMax.slice()] as const;
      jsFusedKernels.adamUpdate(want[0], 0, g, 0, n, want[1], want[2], want[3], adam);
      const got = [p.slice(), mom.slice(), sq.slice(), sqMax.slice()] as const;
      wasm().adamUpdate(got[0], 0, g, 0, n, got[1], got[2], got[3], adam);
      for (let k = 0; k < 4; k++) expect(Array.from(got[k]), `adamUpdate buffer ${k}`).toEqual(Array.from(want[k]));
      const sgdm = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: false };
      const [wantP, wantBuf, gotP, gotBuf] = [p.slice(), t.slice(), p.slice(), t.slice()];
      jsFusedKernels.sgdUpdate(wantP, 0, g, 0, n, wantBuf, false, sgdm);
      wasm().sgdUpdate(gotP, 0, g, 0, n, gotBuf, false, sgdm);
      expect(Array.from(gotP)).toEqual(Array.from(wantP));
      expect(Array.from(gotBuf)).toEqual(Array.from(wantBuf));

      const B = dtype === 'float32' ? 4 : 8;
      // five buffers of a piece at most (adamUpdate with amsgrad), plus alignment, in 64 KiB pages
      expect(wasmMemoryBytes()).toBeLessThanOrEqual(Math.max(before, Math.ceil((5 * PIECE * B + 5 * 128) / 65536) * 65536));
    });
  }
});
