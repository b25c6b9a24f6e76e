import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { conv1d, getBackend, getNumThreads, initWasm, jsKernels, setBackend, setNumThreads, tensor, wasmAvailable, wasmRelaxedSimd } from '../src/index.js';
import { kernelsOf } from '../src/kernels/backend.js';
import type { Conv1dGeometry, Kernels } from '../src/kernels/kernels.js';
import { wasmMemoryBytes } from '../src/kernels/wasm/index.js';
import type { Storage } from '../src/storage/dtype.js';
import { TensorData } from '../src/storage/tensor-data.js';
import { generate, generatedPath, watPath } from '../scripts/build-wasm.mjs';
import { F32, F64, generateWat, nnColumns, NN_TILE } from '../scripts/gen-wat.js';
import { abs, arbConvGeometry, convBuffers, fill, runConvKernels } from './wasm-helpers.js';
import { MR, P32, P64, planConvBackwardWeight, planGemm, setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import { Arena, type WasmExports } from '../src/kernels/wasm/arena.js';
import { moduleBytes } from '../src/kernels/wasm/binary.js';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127), numRuns: Number(process.env.FC_NUM_RUNS ?? 50) });

let wasm: Kernels;

beforeAll(async () => {
  expect(await initWasm()).toBe(true);
  setWasmMinWork(0); // every call, however small, takes the WebAssembly path
  wasm = kernelsOf('wasm');
});

afterEach(() => setBackend('js'));



/**
 * Each element within rtol of the sum of |terms| that formed it (the JS kernel run on |inputs|):
 * the honest bound for a float32 sum whose terms may cancel.
 */
function expectClose(got: Storage, want: Storage, bound: Storage, rtol = 1e-5, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!);
    if (!(err <= rtol * bound[i]! + 1e-30)) {
      throw new Error(`${what}[${i}]: wasm ${got[i]} vs js ${want[i]} (|terms| ${bound[i]})`);
    }
  }
}

const geometry = arbConvGeometry(3, 6);


describe('wasm backend: loading', () => {
  it('is available, registered, and the default', async () => {
    expect(wasmAvailable()).toBe(true);
    expect(await initWasm()).toBe(true); // idempotent
    expect(getBackend()).toBe('wasm'); // nothing in this file has called setBackend yet
    setBackend('wasm');
    expect(getBackend()).toBe('wasm');
  });

  it('module.generated.ts is the assembled kernels.wat and its relaxed-SIMD variant (re-run build:wasm after editing it)', async () => {
    expect(await readFile(generatedPath, 'utf8')).toBe(await generate(generateWat({ fma: true })));
  });

  it('kernels.wat is what scripts/gen-wat.ts generates, with the blocks the TypeScript wrapper assumes', async () => {
    expect(await readFile(watPath, 'utf8')).toBe(generateWat());
    // the relaxed-SIMD variant is kernels.wat with gemm_nn's multiply-adds fused, nothing else
    const relaxed = generateWat({ fma: true });
    expect(relaxed).toContain('f32x4.relaxed_madd');
    expect(relaxed).toContain('f64x2.relaxed_madd');
    expect(generateWat()).not.toContain('relaxed_madd');
    expect(MR).toBe(NN_TILE.rows);
    expect([P32.nr, P32.bytes]).toEqual([nnColumns(F32), F32.bytes]);
    expect([P64.nr, P64.bytes]).toEqual([nnColumns(F64), F64.bytes]);
  });
});

describe('wasm conv1d kernels match the JS reference (float32)', () => {
  it('forward, with and without bias', () => {
    fc.assert(
      fc.property(geometry, fc.boolean(), ({ g, seed }, withBias) => {
        const { x, w, b } = convBuffers(g, seed);
        const bias = withBias ? b : null;
        const n = g.batch * g.outChannels * g.outLength;
        const want = new Float32Array(n);
        const bound = new Float32Array(n);
        const got = new Float32Array(n).fill(NaN); // every element must be written
        jsKernels.conv1dForward(x, w, bias, want, g);
        jsKernels.conv1dForward(abs(x), abs(w), bias && abs(bias), bound, g);
        wasm.conv1dForward(x, w, bias, got, g);
        expectClose(got, want, bound, 1e-5, 'y');
      }),
    );
  });

  it('backward input', () => {
    fc.assert(
      fc.property(geometry, ({ g, seed }) => {
        const { x, w, gy } = convBuffers(g, seed);
        const want = new Float32Array(x.length);
        const bound = new Float32Array(x.length);
        const got = new Float32Array(x.length).fill(NaN);
        jsKernels.conv1dBackwardInput(gy, w, want, g);
        jsKernels.conv1dBackwardInput(abs(gy), abs(w), bound, g);
        wasm.conv1dBackwardInput(gy, w, got, g);
        expectClose(got, want, bound, 1e-5, 'gx');
      }),
    );
  });

  it('backward weight', () => {
    fc.assert(
      fc.property(geometry, ({ g, seed }) => {
        const { x, w, gy } = convBuffers(g, seed);
        const want = new Float32Array(w.length);
        const bound = new Float32Array(w.length);
        const got = new Float32Array(w.length).fill(NaN);
        jsKernels.conv1dBackwardWeight(gy, x, want, g);
        jsKernels.conv1dBackwardWeight(abs(gy), abs(x), bound, g);
        wasm.conv1dBackwardWeight(gy, x, got, g);
        expectClose(got, want, bound, 1e-5, 'gw');
      }),
    );
  });

  it('reads operands at an offset inside larger buffers (subarrays) and writes only its output', () => {
    fc.assert(
      fc.property(geometry, fc.integer({ min: 1, max: 7 }), ({ g, seed }, pad) => {
        const { x, w, b, gy } = convBuffers(g, seed);
        const inside = (a: Float32Array) => {
          const big = fill(new Float32Array(a.length + 2 * pad), seed + 9);
          big.set(a, pad);
          return { big, view: big.subarray(pad, pad + a.length) };
        };
        const [X, W, B, GY] = [x, w, b, gy].map(inside) as [ReturnType<typeof inside>, ReturnType<typeof inside>, ReturnType<typeof inside>, ReturnType<typeof inside>];
        const check = (n: number, run: (k: Kernels, out: Float32Array) => void) => {
          const want = new Float32Array(n);
          run(jsKernels, want);
          const out = inside(new Float32Array(n).fill(NaN));
          const before = out.big.slice();
          run(wasm, out.view);
          for (let i = 0; i < pad; i++) {
            expect(out.big[i]).toBe(before[i]);
            expect(out.big[pad + n + i]).toBe(before[pad + n + i]);
          }
          for (let i = 0; i < n; i++) expect(Math.abs(out.view[i]! - want[i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]!)));
        };
        check(gy.length, (k, out) => k.conv1dForward(X.view, W.view, B.view, out, g));
        check(x.length, (k, out) => k.conv1dBackwardInput(GY.view, W.view, out, g));
        check(w.length, (k, out) => k.conv1dBackwardWeight(GY.view, X.view, out, g));
      }),
      { numRuns: Math.max(1, Math.ceil(Number(process.env.FC_NUM_RUNS ?? 50) / 2)) },
    );
  });

  it('agrees at a bench-like size (batch 2 of M: Cin 16, Cout 32, L 1024, K 5, padding 2)', () => {
    const g: Conv1dGeometry = { batch: 2, inChannels: 16, outChannels: 32, length: 1024, kernelSize: 5, outLength: 1024, stride: 1, padLeft: 2, dilation: 1, groups: 1 };
    const { x, w, b, gy } = convBuffers(g, 7);
    const run = (k: Kernels) => {
      const y = new Float32Array(gy.length);
      const gx = new Float32Array(x.length);
      const gw = new Float32Array(w.length);
      k.conv1dForward(x, w, b, y, g);
      k.conv1dBackwardInput(gy, w, gx, g);
      k.conv1dBackwardWeight(gy, x, gw, g);
      return [y, gx, gw] as const;
    };
    const want = run(jsKernels);
    const got = run(wasm);
    const bounds = [
      (() => { const o = new Float32Array(gy.length); jsKernels.conv1dForward(abs(x), abs(w), abs(b), o, g); return o; })(),
      (() => { const o = new Float32Array(x.length); jsKernels.conv1dBackwardInput(abs(gy), abs(w), o, g); return o; })(),
      (() => { const o = new Float32Array(w.length); jsKernels.conv1dBackwardWeight(abs(gy), abs(x), o, g); return o; })(),
    ];
    for (let i = 0; i < 3; i++) expectClose(got[i]!, want[i]!, bounds[i]!, 1e-5, ['y', 'gx', 'gw'][i]);
  });
});

describe('wasm gemm matches the JS reference', () => {
  // An operand of `rows` x `cols` in one of several layouts: row-major, column-major (a
  // transposed view), with gaps between rows/columns, broadcast (a stride of 0: an expanded
  // view), or reversed (negative strides, which a custom op's TensorData may have); at an
  // offset into its storage. The wrapper copies each operand's whole extent into the module.
  const layout = (rows: number, cols: number) =>
    fc.record({
      kind: fc.constantFrom('row', 'col', 'gappy', 'rowsAlike', 'colsAlike', 'reversed'),
      gap: fc.integer({ min: 1, max: 3 }),
      offset: fc.integer({ min: 0, max: 5 }),
    }).map(({ kind, gap, offset }) => {
      const strides: Record<typeof kind, [number, number]> = {
        row: [cols, 1], col: [1, rows], gappy: [cols * (gap + 1) + 1, gap + 1],
        rowsAlike: [0, 1], colsAlike: [gap, 0], reversed: [-cols, -gap],
      };
      const [row, col] = strides[kind];
      const lo = Math.min(0, (rows - 1) * row) + Math.min(0, (cols - 1) * col);
      const hi = Math.max(0, (rows - 1) * row) + Math.max(0, (cols - 1) * col);
      return { row, col, offset: offset - lo, size: rows && cols ? offset - lo + hi + 1 : offset };
    });

  const problem = fc
    .record({ M: fc.integer({ min: 0, max: 19 }), N: fc.integer({ min: 0, max: 21 }), K: fc.integer({ min: 0, max: 17 }) })
    .chain(({ M, N, K }) => fc.record({
      M: fc.constant(M), N: fc.constant(N), K: fc.constant(K),
      a: layout(M, K), b: layout(K, N),
      cOff: fc.integer({ min: 0, max: 5 }),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    }));

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: random sizes (incl. 0 and not multiples of 4), strides and offsets`, () => {
      const alloc = (n: number) => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));
      fc.assert(
        fc.property(problem, ({ M, N, K, a, b, cOff, seed }) => {
          const A = fill(alloc(a.size), seed);
          const B = fill(alloc(b.size), seed + 1);
          const size = cOff + M * N + 3;
          const want = fill(alloc(size), seed + 2);
          const got = want.slice();
          const bound = want.map(Math.abs);
          jsKernels.gemm(M, N, K, A, a.offset, a.row, a.col, B, b.offset, b.row, b.col, want, cOff);
          jsKernels.gemm(M, N, K, abs(A), a.offset, a.row, a.col, abs(B), b.offset, b.row, b.col, bound, cOff);
          wasm.gemm(M, N, K, A, a.offset, a.row, a.col, B, b.offset, b.row, b.col, got, cOff);
          // f64x2 sums in the JS kernel's order (the relaxed build's fused multiply-adds round once: to rounding)
          if (dtype === 'float64' && !wasmRelaxedSimd()) expect(Array.from(got)).toEqual(Array.from(want));
          else expectClose(got, want, bound, dtype === 'float64' ? 1e-13 : 1e-5, 'C');
        }),
      );
    });
  }
});

describe('wasm backend: reductions longer than gemm_nn pass over at once', () => {
  // gemm_nn cuts the reduction into chunks of NN_TILE.chunk rows of B (so a slab of B stays in
  // L1); each chunk resumes from what the one before stored in C. Around and past the chunk
  // length, float64 must still equal the JS kernel exactly (same additions, same order; the
  // relaxed build's fused multiply-adds round once, so there it is checked to rounding).
  it('float64 gemm equals the JS kernel bit for bit at K around multiples of the chunk', () => {
    const c = NN_TILE.chunk;
    for (const K of [c - 1, c, c + 1, 2 * c + 3]) {
      const [M, N] = [6, 10];
      const A = fill(new Float64Array(M * K), K);
      const B = fill(new Float64Array(K * N), K + 1);
      const want = fill(new Float64Array(M * N), K + 2);
      const got = want.slice();
      const bound = want.map(Math.abs);
      jsKernels.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, want, 0);
      jsKernels.gemm(M, N, K, abs(A), 0, K, 1, abs(B), 0, N, 1, bound, 0);
      wasm.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, got, 0);
      if (wasmRelaxedSimd()) expectClose(got, want, bound, 1e-13, `C (K = ${K})`);
      else expect(Array.from(got), `K = ${K}`).toEqual(Array.from(want));
    }
  });

  it("conv1d's weight gradient over outputs longer than the chunk matches the JS reference (accumulated over items)", () => {
    const Lo = 2 * NN_TILE.chunk + 5;
    const g: Conv1dGeometry = { batch: 3, inChannels: 5, outChannels: 6, length: Lo + 2, kernelSize: 3, outLength: Lo, stride: 1, padLeft: 0, dilation: 1, groups: 1 };
    for (const Ctor of [Float32Array, Float64Array]) {
      const f = convBuffers(g, 11);
      const [x, gy] = [Ctor.from(f.x), Ctor.from(f.gy)];
      const want = new Ctor(f.w.length);
      const bound = new Ctor(f.w.length);
      const got = new Ctor(f.w.length).fill(NaN);
      jsKernels.conv1dBackwardWeight(gy, x, want, g);
      jsKernels.conv1dBackwardWeight(abs(gy), abs(x), bound, g);
      wasm.conv1dBackwardWeight(gy, x, got, g);
      expectClose(got, want, bound, Ctor === Float32Array ? 1e-5 : 1e-13, `gw (${Ctor.name})`);
    }
  });
});

describe('wasm backend: float64 and the delegated kernels', () => {
  it('float64 conv1d runs in WebAssembly (f64x2) and matches the JS reference to 1e-12 of the terms', () => {
    fc.assert(
      fc.property(geometry, ({ g, seed }) => {
        const f = convBuffers(g, seed);
        const [x, w, b, gy] = [f.x, f.w, f.b, f.gy].map((a) => Float64Array.from(a, (v, i) => v + i * 1e-9)) as [Float64Array, Float64Array, Float64Array, Float64Array];
        const run = (k: Kernels, x: Float64Array, w: Float64Array, b: Float64Array, gy: Float64Array) => runConvKernels(k, g, x, w, b, gy);
        expectClose(run(wasm, x, w, b, gy), run(jsKernels, x, w, b, gy), run(jsKernels, abs(x), abs(w), abs(b), abs(gy)), 1e-12, 'float64 conv');
      }),
      { numRuns: 20 },
    );
  });

  it('elementwise and reduce fall back to the JS kernels (bit-identical)', () => {
    const x = new TensorData(fill(new Float32Array(4096), 3), [64, 64]);
    const y = new TensorData(fill(new Float32Array(4096), 4), [64, 64]);
    const run = (k: Kernels) => {
      const u = new Float32Array(4096);
      const b = new Float32Array(4096);
      const r = new Float32Array(64);
      k.unary('tanh', x, u, 0);
      k.binary('mul', x, y.permute([1, 0]), b);
      k.reduce('sum', x, 64, r);
      return [...u, ...b, ...r];
    };
    expect(run(wasm)).toEqual(run(jsKernels));
  });
});

describe('wasm backend: memory', () => {
  it('does not grow across 1,000 calls of the same sizes', () => {
    const g: Conv1dGeometry = { batch: 2, inChannels: 6, outChannels: 10, length: 77, kernelSize: 3, outLength: 39, stride: 2, padLeft: 1, dilation: 1, groups: 2 };
    const { x, w, b, gy } = convBuffers(g, 3);
    const y = new Float32Array(gy.length);
    const gx = new Float32Array(x.length);
    const gw = new Float32Array(w.length);
    const A = fill(new Float32Array(50 * 30), 1);
    const B = fill(new Float32Array(30 * 40), 2);
    const C = new Float32Array(50 * 40);
    const once = () => {
      wasm.conv1dForward(x, w, b, y, g);
      wasm.conv1dBackwardInput(gy, w, gx, g);
      wasm.conv1dBackwardWeight(gy, x, gw, g);
      wasm.gemm(50, 40, 30, A, 0, 30, 1, B, 0, 40, 1, C, 0);
    };
    once();
    const bytes = wasmMemoryBytes();
    const y0 = y.slice();
    for (let i = 0; i < 1000; i++) once();
    expect(wasmMemoryBytes()).toBe(bytes);
    expect(y).toEqual(y0);
  });

  it('grows for a large call and stays correct after (views are refreshed)', () => {
    const threads = getNumThreads();
    setNumThreads(1); // on the calling thread's own memory (threads lay big calls out in a shared one)
    onTestFinished(() => setNumThreads(threads));
    const A = fill(new Float32Array(300 * 400), 5);
    const B = fill(new Float32Array(400 * 500), 6);
    const want = new Float32Array(300 * 500);
    const got = new Float32Array(300 * 500);
    jsKernels.gemm(300, 500, 400, A, 0, 400, 1, B, 0, 500, 1, want, 0);
    wasm.gemm(300, 500, 400, A, 0, 400, 1, B, 0, 500, 1, got, 0);
    const bound = new Float32Array(300 * 500);
    jsKernels.gemm(300, 500, 400, abs(A), 0, 400, 1, abs(B), 0, 500, 1, bound, 0);
    expectClose(got, want, bound, 1e-5, 'C');
    expect(wasmMemoryBytes()).toBeGreaterThan(4 * (300 * 400 + 400 * 500 + 300 * 500));
  });
});

describe('wasm backend: packed operands', () => {
  /** A fresh single-threaded instance whose memory holds a denormal everywhere, as if left by earlier calls. */
  function dirtyArena(): Arena {
    const bin = moduleBytes(false);
    const memory = new WebAssembly.Memory({ initial: 64 });
    const arena = new Arena(new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory } }).exports as unknown as WasmExports, memory);
    arena.i32.fill(1); // 1.4e-45 as a float32; as a float64, 2.1e-314 (both denormal)
    return arena;
  }

  /** The padding rows [rows, up(rows, MR)) of the panel matrix at byte address `a` (R columns), as numbers. */
  function paddingRows(view: Float32Array | Float64Array, a: number, rows: number, R: number): number[] {
    const out: number[] = [];
    const at = a / view.BYTES_PER_ELEMENT;
    for (let m = rows; m % MR !== 0; m++) for (let r = 0; r < R; r++) out.push(view[at + Math.floor(m / MR) * MR * R + r * MR + (m % MR)]!);
    return out;
  }

  it('panels of A are zero, not what the memory held, in the rows past M (a denormal there slows the whole panel)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const make = (n: number) => fill(dtype === 'float32' ? new Float32Array(n) : new Float64Array(n), n);
      // conv1d's weight gradient: 2 groups of 5 output channels (each padded to 8 rows), Lo = 7
      const g: Conv1dGeometry = { batch: 2, inChannels: 4, outChannels: 10, length: 9, kernelSize: 3, outLength: 7, stride: 1, padLeft: 0, dilation: 1, groups: 2 };
      let arena = dirtyArena();
      const plan = planConvBackwardWeight(arena, make(2 * 10 * 7), make(2 * 4 * 9), make(10 * 2 * 3), g, 1);
      plan.prepare(0);
      const view = dtype === 'float32' ? arena.f32 : arena.f64;
      for (const gi of [0, 1]) {
        const rows = paddingRows(view, plan.job.a + gi * plan.job.aGroup, 5, 7);
        expect(rows.length, `${dtype} group ${gi}`).toBe(3 * 7);
        expect(rows.every((v) => v === 0), `${dtype} group ${gi}`).toBe(true);
      }
      // gemm: M = 6 rows of A (padded to 8), K = 5
      arena = dirtyArena();
      const gp = planGemm(arena, 6, 8, 5, make(30), 0, 5, 1, make(40), 0, 8, 1, make(48), 0);
      gp.prepare(0);
      const rows = paddingRows(dtype === 'float32' ? arena.f32 : arena.f64, gp.job.a, 6, 5);
      expect(rows.length).toBe(2 * 5);
      expect(rows.every((v) => v === 0), `${dtype} gemm`).toBe(true);
    }
  });
});

describe('wasm backend end to end: conv1d forward + backward through Tensor ops', () => {
  const cases = [
    { N: 3, Cin: 4, Cout: 6, L: 37, K: 5, opts: { padding: 2 } },
    { N: 2, Cin: 6, Cout: 4, L: 50, K: 3, opts: { stride: 2, dilation: 2, groups: 2, padding: 3 } },
    { N: 1, Cin: 3, Cout: 5, L: 16, K: 1, opts: {} },
    { N: 2, Cin: 4, Cout: 8, L: 21, K: 4, opts: { padding: 'same' as const, groups: 4 } },
  ];
  for (const { N, Cin, Cout, L, K, opts } of cases) {
    it(`gives the same output and grads on both backends: ${JSON.stringify({ N, Cin, Cout, L, K, ...opts })}`, () => {
      const groups = (opts as { groups?: number }).groups ?? 1;
      const xs = fill(new Float32Array(N * Cin * L), 11);
      const ws = fill(new Float32Array(Cout * (Cin / groups) * K), 12);
      const bs = fill(new Float32Array(Cout), 13);
      const run = (backend: string) => {
        setBackend(backend);
        const x = tensor(xs, { shape: [N, Cin, L], dtype: 'float32', requiresGrad: true });
        const w = tensor(ws, { shape: [Cout, Cin / groups, K], dtype: 'float32', requiresGrad: true });
        const b = tensor(bs, { shape: [Cout], dtype: 'float32', requiresGrad: true });
        const y = conv1d(x, w, b, opts);
        const loss = y.sub(y.detach().mul(0.5).add(0.25)).pow(2).mean(); // MSE against a target
        loss.backward();
        return { y: y.tensorData.contiguousStorage(), gx: x.grad!.tensorData.contiguousStorage(), gw: w.grad!.tensorData.contiguousStorage(), gb: b.grad!.tensorData.contiguousStorage() };
      };
      const js = run('js');
      const wa = run('wasm');
      for (const key of ['y', 'gx', 'gw', 'gb'] as const) {
        const a = wa[key];
        const e = js[key];
        const scale = Math.max(1e-6, ...Array.from(e, Math.abs));
        for (let i = 0; i < e.length; i++) expect(Math.abs(a[i]! - e[i]!)).toBeLessThanOrEqual(1e-5 * scale * 10);
      }
    });
  }

  it('matmul forward and backward agree on both backends', () => {
    const as = fill(new Float32Array(5 * 7 * 9), 21);
    const bs = fill(new Float32Array(9 * 6), 22);
    const run = (backend: string) => {
      setBackend(backend);
      const a = tensor(as, { shape: [5, 7, 9], dtype: 'float32', requiresGrad: true });
      const b = tensor(bs, { shape: [9, 6], dtype: 'float32', requiresGrad: true });
      const c = a.matmul(b);
      c.pow(2).sum().backward();
      return [c, a.grad!, b.grad!].map((t) => Array.from(t.tensorData.contiguousStorage()));
    };
    const js = run('js');
    const wa = run('wasm');
    for (let k = 0; k < 3; k++) {
      const scale = Math.max(...js[k]!.map(Math.abs));
      js[k]!.forEach((v, i) => expect(Math.abs(wa[k]![i]! - v)).toBeLessThanOrEqual(1e-5 * scale));
    }
  });
});
