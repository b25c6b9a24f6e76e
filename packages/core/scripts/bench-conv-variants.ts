// Direct loops vs im2col + gemm for the TypeScript conv1d forward (the reference backend).
// Issue 2 asked for both to be measured before picking one; this script is that measurement.
//   npx tsx packages/core/scripts/bench-conv-variants.ts
import { jsKernels } from '../src/kernels/js/index.js';
import type { Conv1dGeometry } from '../src/kernels/kernels.js';

function geometry(batch: number, cin: number, cout: number, length: number, k: number, pad: number): Conv1dGeometry {
  return { batch, inChannels: cin, outChannels: cout, length, kernelSize: k, outLength: length + 2 * pad - k + 1, stride: 1, padLeft: pad, dilation: 1, groups: 1 };
}

/** im2col: cols[(c*K + k), l] = xpad[c, l + k]; then y[co, :] = W[co, :] · cols (one gemm per sample). */
function im2colForward(x: Float32Array, w: Float32Array, y: Float32Array, g: Conv1dGeometry, cols: Float32Array): void {
  const { batch, inChannels: C, outChannels: O, length: L, kernelSize: K, outLength: Lo, padLeft: P } = g;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < K; k++) {
        const row = (c * K + k) * Lo;
        for (let l = 0; l < Lo; l++) {
          const q = l + k - P;
          cols[row + l] = q >= 0 && q < L ? x[(n * C + c) * L + q]! : 0;
        }
      }
    }
    jsKernels.gemm(O, Lo, C * K, w, 0, C * K, 1, cols, 0, Lo, 1, y, n * O * Lo);
  }
}

function time(fn: () => void, reps: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const a = performance.now();
    fn();
    t.push(performance.now() - a);
  }
  return t.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

for (const [name, g] of [
  ['S (blog)', geometry(1, 1, 1, 5, 3, 0)],
  ['small', geometry(8, 4, 8, 64, 3, 1)],
  ['M', geometry(32, 16, 32, 1024, 5, 2)],
] as const) {
  const x = Float32Array.from({ length: g.batch * g.inChannels * g.length }, (_, i) => Math.sin(i));
  const w = Float32Array.from({ length: g.outChannels * g.inChannels * g.kernelSize }, (_, i) => Math.cos(i));
  const y1 = new Float32Array(g.batch * g.outChannels * g.outLength);
  const y2 = new Float32Array(y1.length);
  const cols = new Float32Array(g.inChannels * g.kernelSize * g.outLength);
  const reps = name === 'M' ? 5 : 2000;
  const direct = time(() => jsKernels.conv1dForward(x, w, null, y1, g), reps);
  const im2col = time(() => im2colForward(x, w, y2, g, cols), reps);
  let maxDiff = 0;
  for (let i = 0; i < y1.length; i++) maxDiff = Math.max(maxDiff, Math.abs(y1[i]! - y2[i]!));
  console.log(`${name.padEnd(9)} direct ${direct.toFixed(4).padStart(10)} ms   im2col+gemm ${im2col.toFixed(4).padStart(10)} ms   max |diff| ${maxDiff.toExponential(1)}`);
}
