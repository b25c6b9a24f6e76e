import type { Storage } from '../../storage/dtype.js';
import { setMinWorkOverride } from '../backend.js';
import type { Conv1dGeometry, Kernels } from '../kernels.js';
import type { Arena } from './arena.js';

/*
 * The 'wasm' backend: float32 gemm and the three conv1d kernels run in kernels.wat's two
 * SIMD micro-kernels; the registry runs everything else (elementwise, reduce, all float64)
 * on the JS reference.
 *
 * Each call copies its operands into the module's memory in the layout the micro-kernel
 * wants, runs it, and copies the result out:
 *  - conv forward at stride 1: input rows are stored once, zero-padded (row pitch P); the
 *    product's row (c, k) is the padded row c shifted by k*dilation, given to gemm_nn by a
 *    table of byte offsets. Weights are packed into 4-row panels. At stride > 1 the rows are
 *    gathered into an im2col buffer (one batch element at a time) instead.
 *  - conv backward input: gx = conv of gy, zero-upsampled by the stride and padded, with the
 *    transposed, flipped weights; again gemm_nn with shifted rows.
 *  - conv backward weight: gw[co, (c, k)] = dot(gy row co, input row (c, k)), gemm_nt,
 *    accumulated over the batch.
 * Padding rows/columns up to the micro-kernels' block sizes costs a few zeros; results are
 * copied out without them.
 */

export const up = (x: number, m: number) => Math.ceil(x / m) * m;
export const isF32 = (...s: (Storage | null)[]) => s.every((a) => a === null || a instanceof Float32Array);

/** Copies rows x rCols of a (strided) into 4-row panels at f[at..]: panel p, column r, row i -> at + (p*cols + r)*4 + i. */
export function packPanels(
  f: Float32Array, at: number, rows: number, cols: number,
  src: Storage, off: number, rowStride: number, colStride: number,
): void {
  const rowsUp = up(rows, 4);
  f.fill(0, at, at + rowsUp * cols);
  for (let m = 0; m < rows; m++) {
    const base = at + (m >> 2) * cols * 4 + (m & 3);
    let p = off + m * rowStride;
    for (let r = 0; r < cols; r++, p += colStride) f[base + r * 4] = src[p]!;
  }
}

/** Output positions l with 0 <= l*stride + offset < length, as [lo, hi) (as the JS kernels). */
function validRange(offset: number, stride: number, length: number, outLength: number): [number, number] {
  const lo = offset >= 0 ? 0 : Math.ceil(-offset / stride);
  const hi = Math.min(outLength, Math.floor((length - 1 - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Where the conv's "input rows" (c, k) live: stride 1 uses padded input rows (pitch P) and
 * shifted offsets; otherwise an im2col buffer (pitch P, row c*K + k). Fills the table (one
 * byte offset per (c, k) of one group) and returns a function that loads batch element n.
 */
export function inputRows(x: Float32Array, g: Conv1dGeometry, rowsNeeded: number) {
  const { inChannels: Cin, length: L, kernelSize: K, outLength: Lo, stride: s, padLeft, dilation: d, groups } = g;
  const cinG = Cin / groups;
  const span = d * (K - 1);
  if (s === 1) {
    const Lpad = Lo + span;
    const P = up(Math.max(Lpad, rowsNeeded + span) + 8, 4);
    return {
      P, rows: Cin, groupStride: cinG * P,
      table: (t: Int32Array, at: number) => {
        for (let c = 0; c < cinG; c++) for (let k = 0; k < K; k++) t[at + c * K + k] = (c * P + k * d) * 4;
      },
      /** Zeroes the cells of the rows at `at` that fill() does not write (the padding). */
      clear: (f: Float32Array, at: number) => {
        const i0 = Math.max(0, -padLeft);
        const i1 = Math.min(L, Lpad - padLeft);
        for (let c = 0, row = at; c < Cin; c++, row += P) {
          if (i1 <= i0) f.fill(0, row, row + P);
          else {
            f.fill(0, row, row + padLeft + i0);
            f.fill(0, row + padLeft + i1, row + P);
          }
        }
      },
      fill: (f: Float32Array, at: number, n: number) => {
        const i0 = Math.max(0, -padLeft);
        const i1 = Math.min(L, Lpad - padLeft);
        if (i1 <= i0) return;
        for (let c = 0; c < Cin; c++) {
          const src = (n * Cin + c) * L;
          f.set(x.subarray(src + i0, src + i1), at + c * P + padLeft + i0);
        }
      },
    };
  }
  const P = up(Math.max(Lo, rowsNeeded) + 8, 4);
  return {
    P, rows: Cin * K, groupStride: cinG * K * P,
    table: (t: Int32Array, at: number) => {
      for (let r = 0; r < cinG * K; r++) t[at + r] = r * P * 4;
    },
    clear: (f: Float32Array, at: number) => void f.fill(0, at, at + Cin * K * P),
    fill: (f: Float32Array, at: number, n: number) => {
      for (let c = 0; c < Cin; c++) {
        const src = (n * Cin + c) * L;
        for (let k = 0; k < K; k++) {
          const off = k * d - padLeft;
          const [lo, hi] = validRange(off, s, L, Lo);
          const row = at + (c * K + k) * P;
          for (let l = lo, p = src + lo * s + off; l < hi; l++, p += s) f[row + l] = x[p]!;
        }
      }
    },
  };
}

/**
 * The weights of conv1dBackwardInput as gemm panels, one set per group: row c of a group's
 * panel matrix, column co*K + k', holds w[g*coutG + co, c, K-1-k'] (transposed and flipped),
 * in the 4-row interleaved layout packPanels produces.
 */
export function packFlippedPanels(f: Float32Array, aAt: number, w: Float32Array, g: Conv1dGeometry, Mr: number, R: number): void {
  const { groups, kernelSize: K } = g;
  const cinG = g.inChannels / groups;
  const coutG = g.outChannels / groups;
  for (let gi = 0; gi < groups; gi++) {
    const at = aAt + gi * Mr * R;
    f.fill(0, at, at + Mr * R);
    for (let c = 0; c < cinG; c++) {
      const base = at + (c >> 2) * R * 4 + (c & 3);
      for (let co = 0; co < coutG; co++) {
        const wRow = ((gi * coutG + co) * cinG + c) * K;
        for (let k = 0; k < K; k++) f[base + (co * K + k) * 4] = w[wRow + K - 1 - k]!;
      }
    }
  }
}

/**
 * Calls with fewer multiply-adds than this run on the JS kernels (the registry's dispatcher
 * decides, from this minimum registered with the kernels): below it, copying operands into
 * WebAssembly memory and back costs more than the SIMD saves (the blog's 3-tap model ran 2.5x
 * slower in float32 on 'wasm' than on 'js' without it).
 */
export const WASM_MIN_WORK = 2048;

/** For tests: 0 sends every call, however small, to the WebAssembly kernels; no argument restores the registered minimums. */
export function setWasmMinWork(n?: number): void {
  setMinWorkOverride(n === undefined ? null : n);
}

/** The kernels the WebAssembly module implements (float32 only; the dispatcher sends every other call to 'js'). */
export type WasmKernels = Pick<Kernels, 'gemm' | 'conv1dForward' | 'conv1dBackwardInput' | 'conv1dBackwardWeight'>;

/** The single-threaded kernels on `arena`; callers guarantee float32 buffers (the registry's dtype check). */
export function makeWasmKernels(arena: Arena): WasmKernels {
  const ex = arena.exports;

  function conv1dForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: Conv1dGeometry): void {
    const { batch, inChannels: Cin, outChannels: Cout, kernelSize: K, outLength: Lo, groups } = g;
    const cinG = Cin / groups;
    const coutG = Cout / groups;
    const R = cinG * K;
    const Mr = up(coutG, 4);
    const Nr = up(Lo, 8);
    const src = inputRows(x as Float32Array, g, Nr);
    arena.reset();
    const aAt = arena.alloc(groups * Mr * R);
    const tAt = arena.alloc(R);
    const bAt = arena.alloc(src.rows * src.P);
    const cAt = arena.alloc(Mr * Nr);
    arena.commit();
    const { f32: f, i32: t } = arena;
    for (let gi = 0; gi < groups; gi++) packPanels(f, aAt + gi * Mr * R, coutG, R, w, gi * coutG * R, R, 1);
    src.table(t, tAt);
    f.fill(0, bAt, bAt + src.rows * src.P); // padding stays zero: fill() writes the same cells every n
    for (let n = 0; n < batch; n++) {
      src.fill(f, bAt, n);
      for (let gi = 0; gi < groups; gi++) {
        if (bias) for (let m = 0; m < coutG; m++) f.fill(bias[gi * coutG + m]!, cAt + m * Nr, cAt + (m + 1) * Nr);
        ex.gemm_nn_f32(Mr, Nr, R, aAt * 4 + gi * Mr * R * 4, (bAt + gi * src.groupStride) * 4, tAt * 4, cAt * 4, Nr * 4, bias ? 1 : 0);
        for (let m = 0; m < coutG; m++) {
          y.set(f.subarray(cAt + m * Nr, cAt + m * Nr + Lo), (n * Cout + gi * coutG + m) * Lo);
        }
      }
    }
  }

  function conv1dBackwardInput(gy: Storage, w: Storage, gx: Storage, g: Conv1dGeometry): void {
    const { batch, inChannels: Cin, outChannels: Cout, length: L, kernelSize: K, outLength: Lo, stride: s, padLeft, dilation: d, groups } = g;
    const cinG = Cin / groups;
    const coutG = Cout / groups;
    const span = d * (K - 1);
    // gx[c, i] = sum_{co, k'} w[co, c, K-1-k'] * gyP[co, i + k'*d], where gyP[co, j] = gy[co, (j-Q)/s]
    // when j-Q is a multiple of s in range, else 0, and Q = span - padLeft.
    const Q = span - padLeft;
    const R = coutG * K;
    const Mr = up(cinG, 4);
    const Nr = up(L, 8);
    const P = up(Nr + span + 8, 4);
    arena.reset();
    const aAt = arena.alloc(groups * Mr * R);
    const tAt = arena.alloc(R);
    const bAt = arena.alloc(Cout * P);
    const cAt = arena.alloc(Mr * Nr);
    arena.commit();
    const { f32: f, i32: t } = arena;
    packFlippedPanels(f, aAt, w as Float32Array, g, Mr, R);
    for (let co = 0; co < coutG; co++) for (let k = 0; k < K; k++) t[tAt + co * K + k] = (co * P + k * d) * 4;
    // gy positions l that land in [0, L + span): j = l*s + Q.
    const lo = Q >= 0 ? 0 : Math.ceil(-Q / s);
    const hi = Math.max(lo, Math.min(Lo, Math.floor((L + span - 1 - Q) / s) + 1));
    f.fill(0, bAt, bAt + Cout * P);
    for (let n = 0; n < batch; n++) {
      for (let co = 0; co < Cout; co++) {
        const src = (n * Cout + co) * Lo;
        const row = bAt + co * P;
        if (s === 1) {
          if (hi > lo) f.set(gy.subarray(src + lo, src + hi), row + lo + Q);
        } else {
          for (let l = lo, j = row + lo * s + Q; l < hi; l++, j += s) f[j] = gy[src + l]!;
        }
      }
      for (let gi = 0; gi < groups; gi++) {
        ex.gemm_nn_f32(Mr, Nr, R, (aAt + gi * Mr * R) * 4, (bAt + gi * coutG * P) * 4, tAt * 4, cAt * 4, Nr * 4, 0);
        for (let c = 0; c < cinG; c++) {
          gx.set(f.subarray(cAt + c * Nr, cAt + c * Nr + L), (n * Cin + gi * cinG + c) * L);
        }
      }
    }
  }

  function conv1dBackwardWeight(gy: Storage, x: Storage, gw: Storage, g: Conv1dGeometry): void {
    const { batch, inChannels: Cin, outChannels: Cout, kernelSize: K, outLength: Lo, groups } = g;
    const cinG = Cin / groups;
    const coutG = Cout / groups;
    const R = cinG * K;
    const Rr = up(R, 2);
    const Mr = up(coutG, 4);
    const Lr = up(Lo, 4);
    const src = inputRows(x as Float32Array, g, Lr);
    arena.reset();
    const aAt = arena.alloc(groups * Mr * Lr);
    const tAt = arena.alloc(Rr);
    const bAt = arena.alloc(src.rows * src.P);
    const cAt = arena.alloc(groups * Mr * Rr);
    arena.commit();
    const { f32: f, i32: t } = arena;
    src.table(t, tAt);
    for (let r = R; r < Rr; r++) t[tAt + r] = 0; // a dummy column, dropped
    f.fill(0, aAt, aAt + groups * Mr * Lr);
    f.fill(0, bAt, bAt + src.rows * src.P);
    for (let n = 0; n < batch; n++) {
      src.fill(f, bAt, n);
      for (let gi = 0; gi < groups; gi++) {
        const a = aAt + gi * Mr * Lr;
        for (let m = 0; m < coutG; m++) {
          const row = (n * Cout + gi * coutG + m) * Lo;
          f.set(gy.subarray(row, row + Lo), a + m * Lr);
        }
        ex.gemm_nt_f32(Mr, Rr, Lr, a * 4, Lr * 4, (bAt + gi * src.groupStride) * 4, tAt * 4, (cAt + gi * Mr * Rr) * 4, Rr * 4, n > 0 ? 1 : 0);
      }
    }
    if (batch === 0) return void gw.fill(0);
    for (let gi = 0; gi < groups; gi++) {
      for (let m = 0; m < coutG; m++) {
        const c = cAt + (gi * Mr + m) * Rr;
        gw.set(f.subarray(c, c + R), (gi * coutG + m) * R);
      }
    }
  }

  function gemm(
    M: number, N: number, K: number,
    a: Storage, aOff: number, aRow: number, aCol: number,
    b: Storage, bOff: number, bRow: number, bCol: number,
    c: Storage, cOff: number,
  ): void {
    if (M === 0 || N === 0) return;
    if (K === 0) return void c.fill(0, cOff, cOff + M * N);
    const Mr = up(M, 4);
    const Nr = up(N, 8);
    arena.reset();
    const aAt = arena.alloc(Mr * K);
    const tAt = arena.alloc(K);
    const bAt = arena.alloc(K * Nr);
    const cAt = arena.alloc(Mr * Nr);
    arena.commit();
    const { f32: f, i32: t } = arena;
    packPanels(f, aAt, M, K, a, aOff, aRow, aCol);
    for (let k = 0; k < K; k++) {
      t[tAt + k] = k * Nr * 4;
      const row = bAt + k * Nr;
      const p = bOff + k * bRow;
      if (bCol === 1) f.set(b.subarray(p, p + N), row);
      else for (let j = 0; j < N; j++) f[row + j] = b[p + j * bCol]!;
      f.fill(0, row + N, row + Nr);
    }
    ex.gemm_nn_f32(Mr, Nr, K, aAt * 4, bAt * 4, tAt * 4, cAt * 4, Nr * 4, 0);
    for (let m = 0; m < M; m++) c.set(f.subarray(cAt + m * Nr, cAt + m * Nr + N), cOff + m * N);
  }

  return { gemm, conv1dForward, conv1dBackwardInput, conv1dBackwardWeight };
}
