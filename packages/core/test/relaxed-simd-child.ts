// Run by kernels.relaxed.test.ts in a Node started with --experimental-wasm-relaxed-simd (Node 20
// needs the flag; later versions ship relaxed SIMD): checks the relaxed-SIMD build of the wasm
// kernels against the JS reference and across thread counts, and prints one JSON line.
import { enableThreads, initWasm, jsKernels, wasmRelaxedSimd } from '../src/index.js';
import { kernelsOf } from '../src/kernels/backend.js';
import type { Conv1dGeometry, Kernels } from '../src/kernels/kernels.js';
import { decode } from '../src/kernels/wasm/binary.js';
import { setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import { WASM_RELAXED_BASE64 } from '../src/kernels/wasm/module.generated.js';
import { setThreadThreshold } from '../src/kernels/wasm/threads.js';
import type { Storage } from '../src/storage/dtype.js';
import { abs, convBuffers, fill, runConvKernels } from './wasm-helpers.js';

await initWasm();
setWasmMinWork(0);
const wasm: Kernels = kernelsOf('wasm');
const failures: string[] = [];

/** Worst |got - want| / (sum of |terms|) over the elements. */
function worst(got: Storage, want: Storage, bound: Storage): number {
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / Math.max(bound[i]!, 1e-300));
  return w;
}

const dtypes = [Float32Array, Float64Array] as const;
const rtol = (C: Float32ArrayConstructor | Float64ArrayConstructor) => (C === Float32Array ? 1e-5 : 1e-13);
// The plain build's float64 gemm equals the JS kernel bit for bit (same products, same order of
// additions); a fused multiply-add rounds once, so the relaxed build's should differ somewhere.
let float64Exact = true;

// gemm, with a reduction longer than gemm_nn's chunk of rows
for (const C of dtypes) {
  const [M, N, K] = [13, 22, 600];
  const A = fill(new C(M * K), 1);
  const B = fill(new C(K * N), 2);
  const want = new C(M * N);
  const bound = new C(M * N);
  const got = new C(M * N).fill(NaN);
  jsKernels.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, want, 0);
  jsKernels.gemm(M, N, K, abs(A), 0, K, 1, abs(B), 0, N, 1, bound, 0);
  wasm.gemm(M, N, K, A, 0, K, 1, B, 0, N, 1, got, 0);
  const w = worst(got, want, bound);
  if (!(w <= rtol(C))) failures.push(`gemm ${C.name}: worst relative error ${w}`);
  if (C === Float64Array && got.some((v, i) => !Object.is(v, want[i]))) float64Exact = false;
}

// the three conv1d kernels, strided, padded and grouped
const g: Conv1dGeometry = { batch: 3, inChannels: 6, outChannels: 8, length: 301, kernelSize: 5, outLength: 150, stride: 2, padLeft: 2, dilation: 1, groups: 2 };
for (const C of dtypes) {
  const f = convBuffers(g, 7);
  const [x, w, b, gy] = [f.x, f.w, f.b, f.gy].map((a) => C.from(a)) as [Storage, Storage, Storage, Storage];
  const run = (k: Kernels, x: Storage, w: Storage, b: Storage, gy: Storage) => runConvKernels(k, g, x, w, b, gy);
  const worstErr = worst(run(wasm, x, w, b, gy), run(jsKernels, x, w, b, gy), run(jsKernels, abs(x), abs(w), abs(b), abs(gy)));
  if (!(worstErr <= rtol(C))) failures.push(`conv1d ${C.name}: worst relative error ${worstErr}`);
}

// one thread and two give the same bits (both run the relaxed build)
const big: Conv1dGeometry = { batch: 8, inChannels: 16, outChannels: 32, length: 512, kernelSize: 5, outLength: 512, stride: 1, padLeft: 2, dilation: 1, groups: 1 };
const threads = await enableThreads(2);
const fb = convBuffers(big, 9);
const weightGrad = (threshold: number | undefined) => {
  setThreadThreshold(threshold);
  const gw = new Float32Array(fb.w.length);
  wasm.conv1dBackwardWeight(fb.gy, fb.x, gw, big);
  const y = new Float32Array(fb.gy.length);
  wasm.conv1dForward(fb.x, fb.w, fb.b, y, big);
  return [...gw, ...y];
};
const one = weightGrad(Infinity);
const two = weightGrad(0);
if (one.some((v, i) => !Object.is(v, two[i]))) failures.push('1 and 2 threads differ');

console.log(JSON.stringify({
  relaxed: wasmRelaxedSimd(),
  validates: WebAssembly.validate(decode(WASM_RELAXED_BASE64)),
  threads,
  float64Exact,
  failures,
}));
process.exit(0);
