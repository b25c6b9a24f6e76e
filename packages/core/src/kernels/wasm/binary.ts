import { WASM_BASE64, WASM_RELAXED_BASE64, WASM_RELAXED_SHARED_BASE64, WASM_SHARED_BASE64 } from './module.generated.js';

/*
 * Which of the generated binaries this engine runs. The relaxed-SIMD one is kernels.wat with
 * gemm_nn's multiply-adds as relaxed_madd (gen-wat.ts's generateWat({ fma: true })): one fused
 * multiply-add where the CPU has FMA, which WebAssembly SIMD128 otherwise lacks (a multiply and
 * an add, each rounded). Engines that ship relaxed SIMD (Node 22 and later, current
 * Chromium-based browsers) validate it; the others (Node 20 without
 * --experimental-wasm-relaxed-simd) refuse it and run kernels.wat. The choice is made once, for
 * the single-threaded module and the threads' shared one alike, so every thread count still
 * gives the same bits. A fused multiply-add rounds once where mul + add rounds twice, so the two
 * binaries differ in the last bits of gemm and conv1d results (never more than float rounding);
 * on one machine and engine, each is deterministic.
 */

export function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let relaxed: boolean | null = null;

/** Whether this engine runs the relaxed-SIMD binary (validated once, on first use). */
export function relaxedSimd(): boolean {
  if (relaxed === null) {
    try {
      relaxed = typeof WebAssembly === 'object' && WebAssembly.validate(decode(WASM_RELAXED_BASE64));
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

/** The bytes of the module to run: with an ordinary memory, or (`shared`) the threads' shared one. */
export function moduleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const r = relaxedSimd();
  return decode(shared ? (r ? WASM_RELAXED_SHARED_BASE64 : WASM_SHARED_BASE64) : r ? WASM_RELAXED_BASE64 : WASM_BASE64);
}
