/**
 * Shared by the WebAssembly kernel tests (kernels.wasm and kernels.threads): deterministic
 * data, random conv1d geometries, and buffers for one geometry.
 */
import fc from 'fast-check';
import type { Conv1dGeometry, Kernels } from '../src/kernels/kernels.js';
import type { Storage } from '../src/storage/dtype.js';

/** Deterministic values in [-1, 1) (a few exact zeros and ones too), xorshift32 from `seed`. */
export function fill<T extends Storage>(out: T, seed: number): T {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const r = s / 2 ** 32;
    out[i] = r < 0.02 ? 0 : r < 0.04 ? 1 : r * 2 - 1;
  }
  return out;
}

export const abs = <T extends Storage>(a: T): T => a.map(Math.abs) as T;

/** Random conv1d geometries (groups, stride, dilation, uneven padding, K = 1 included) with a data seed. */
export function arbConvGeometry(maxBatch: number, maxCoutPerGroup: number): fc.Arbitrary<{ g: Conv1dGeometry; seed: number }> {
  return fc
    .record({
      batch: fc.integer({ min: 1, max: maxBatch }),
      groups: fc.integer({ min: 1, max: 3 }),
      cinG: fc.integer({ min: 1, max: 5 }),
      coutG: fc.integer({ min: 1, max: maxCoutPerGroup }),
      length: fc.integer({ min: 1, max: 40 }),
      kernelSize: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 6 })),
      stride: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })),
      dilation: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })),
      padLeft: fc.integer({ min: 0, max: 5 }),
      padRight: fc.integer({ min: 0, max: 5 }),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    })
    .map((r) => {
      const span = r.dilation * (r.kernelSize - 1);
      const outLength = Math.floor((r.length + r.padLeft + r.padRight - span - 1) / r.stride) + 1;
      const g: Conv1dGeometry = {
        batch: r.batch, inChannels: r.cinG * r.groups, outChannels: r.coutG * r.groups, length: r.length,
        kernelSize: r.kernelSize, outLength, stride: r.stride, padLeft: r.padLeft, dilation: r.dilation, groups: r.groups,
      };
      return { g, seed: r.seed };
    })
    .filter(({ g }) => g.outLength >= 1);
}

/** float32 input, weight, bias and output gradient for one geometry. */
export function convBuffers(g: Conv1dGeometry, seed: number) {
  return {
    x: fill(new Float32Array(g.batch * g.inChannels * g.length), seed),
    w: fill(new Float32Array(g.outChannels * (g.inChannels / g.groups) * g.kernelSize), seed + 1),
    b: fill(new Float32Array(g.outChannels), seed + 2),
    gy: fill(new Float32Array(g.batch * g.outChannels * g.outLength), seed + 3),
  };
}

/** The three conv1d kernels of `k` on one geometry (outputs of x's dtype), concatenated: y, gx, gw. */
export function runConvKernels<T extends Storage>(k: Kernels, g: Conv1dGeometry, x: T, w: T, b: T, gy: T): T {
  const make = (n: number) => (x instanceof Float32Array ? new Float32Array(n) : new Float64Array(n)) as T;
  const [y, gx, gw] = [make(gy.length), make(x.length), make(w.length)];
  k.conv1dForward(x, w, b, y, g);
  k.conv1dBackwardInput(gy, w, gx, g);
  k.conv1dBackwardWeight(gy, x, gw, g);
  const out = make(y.length + gx.length + gw.length);
  out.set(y);
  out.set(gx, y.length);
  out.set(gw, y.length + gx.length);
  return out;
}
