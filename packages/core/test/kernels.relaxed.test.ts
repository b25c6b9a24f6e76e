import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initWasm, wasmRelaxedSimd } from '../src/index.js';
import { decode, moduleBytes } from '../src/kernels/wasm/binary.js';
import { WASM_BASE64, WASM_RELAXED_BASE64, WASM_RELAXED_SHARED_BASE64, WASM_SHARED_BASE64 } from '../src/kernels/wasm/module.generated.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** Runs relaxed-simd-child.ts in a Node that has relaxed SIMD (Node 20 needs the flag). */
function runChild(): Promise<{ relaxed: boolean; validates: boolean; threads: number; float64Exact: boolean; failures: string[] }> {
  const flag = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...flag, '--import', 'tsx', join(here, 'relaxed-simd-child.ts')], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`relaxed-simd-child failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe('wasm backend: the relaxed-SIMD build', () => {
  it('is chosen exactly where the engine validates it, for the plain and the shared module alike', async () => {
    await initWasm();
    const validates = WebAssembly.validate(decode(WASM_RELAXED_BASE64));
    expect(wasmRelaxedSimd()).toBe(validates);
    expect(Array.from(moduleBytes(false))).toEqual(Array.from(decode(validates ? WASM_RELAXED_BASE64 : WASM_BASE64)));
    expect(Array.from(moduleBytes(true))).toEqual(Array.from(decode(validates ? WASM_RELAXED_SHARED_BASE64 : WASM_SHARED_BASE64)));
    // the plain build always validates where WebAssembly SIMD does (this suite runs on such engines)
    expect(WebAssembly.validate(decode(WASM_BASE64))).toBe(true);
  });

  it('where relaxed SIMD runs: gemm and conv1d match the JS reference to rounding, and 1 and 2 threads give the same bits', async () => {
    const r = await runChild();
    expect(r.validates).toBe(true);
    expect(r.relaxed).toBe(true);
    expect(r.threads).toBe(2);
    expect(r.failures).toEqual([]);
    // The plain build's float64 gemm equals the JS kernel's bits; a fused multiply-add rounds
    // once, so among 13 x 22 sums of 600 products some differ (else nothing was fused: every
    // x86-64 CPU since 2013 and every 64-bit ARM one has FMA).
    expect(r.float64Exact).toBe(false);
  }, 90_000);
});
