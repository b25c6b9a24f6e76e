// Shared by the @kindling/onnx tests: run an exported model in ONNX Runtime (onnxruntime-node's
// CPU binary), compare it with Kindling's forward pass, and hand every exported file to the
// official ONNX checker (Debian's python3-onnx) when it is installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Tensor, noGrad, randn } from '@kindling/core';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';

export const PYTHON = '/usr/bin/python3';

/** Whether `python3 -c 'import <module>'` works here. */
export function pythonHas(module: string): boolean {
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * CI sets KINDLING_REQUIRE_PYTHON_CHECKS=1 (.ci/run installs python3-onnx and python3-torch), so
 * a missing module there fails the run instead of skipping the checks; elsewhere the checks are
 * skipped with the reason in the test's title.
 */
export function requirePython(module: string): { run: boolean; title: string } {
  const has = pythonHas(module);
  if (!has && process.env.KINDLING_REQUIRE_PYTHON_CHECKS === '1') {
    throw new Error(`${PYTHON} cannot import ${module}, and KINDLING_REQUIRE_PYTHON_CHECKS=1 says it must (apt-get install -y python3-${module})`);
  }
  return { run: has, title: has ? '' : ` [skipped: ${PYTHON} cannot import ${module}; apt-get install -y python3-${module}]` };
}

/** The largest |ONNX Runtime - Kindling| seen by this test file, scaled as compared (reported at the end). */
export const worst = { diff: 0, where: '' };

/** ONNX Runtime's outputs for the given inputs, in the graph's output order. */
export async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>, as: 'float32' | 'float64' | 'same' = 'same'): Promise<{ data: Float32Array | Float64Array; dims: number[] }[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const type = as === 'same' ? t.dtype : as;
    const data = type === 'float32' ? Float32Array.from(t.dataSync()) : Float64Array.from(t.dataSync());
    input[name] = new ort.Tensor(type, data, t.shape.slice());
  }
  const out = await session.run(input);
  const result = session.outputNames.map((n) => ({ data: out[n]!.data as Float32Array | Float64Array, dims: out[n]!.dims.slice() }));
  await session.release();
  return result;
}

/** Asserts ONNX Runtime's output equals Kindling's to `tol` (absolute below 1, relative above). */
export function expectClose(got: { data: ArrayLike<number>; dims: readonly number[] }, want: Tensor, tol: number, where: string): number {
  expect(got.dims, `${where}: output shape`).toEqual(want.shape);
  const w = want.dataSync();
  let diff = 0;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(got.data[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!));
    if (!(d <= diff)) diff = d; // NaN propagates into the failure below
  }
  if (diff > worst.diff) Object.assign(worst, { diff, where });
  expect(diff, `${where}: max |onnxruntime - kindling| (relative above 1)`).toBeLessThanOrEqual(tol);
  return diff;
}

/** Fresh inputs shaped like `shape` with the batch (dim 0) set to `batch`. */
export function freshInput(shape: readonly number[], batch: number | null, seed: number, dtype: 'float32' | 'float64'): Tensor {
  const s = shape.slice();
  if (batch !== null) s[0] = batch;
  return randn(s, { seed, dtype });
}

/**
 * Runs `bytes` in ONNX Runtime on fresh inputs for each batch size (null: the shape as traced)
 * and compares with `forward` (Kindling), to `tol`.
 */
export async function checkAgainstOrt(
  bytes: Uint8Array,
  forward: (...xs: Tensor[]) => Tensor,
  shapes: readonly (readonly number[])[],
  opts: { batches: readonly (number | null)[]; dtype: 'float32' | 'float64'; tol: number; where: string; names?: readonly string[]; seed?: number; ortType?: 'float32' | 'float64' },
): Promise<void> {
  let seed = opts.seed ?? 100;
  for (const batch of opts.batches) {
    const xs = shapes.map((s) => freshInput(s, batch, seed++, opts.dtype));
    const names = opts.names ?? (xs.length === 1 ? ['input'] : xs.map((_, i) => `input_${i}`));
    const feeds = Object.fromEntries(xs.map((x, i) => [names[i]!, x]));
    const [got] = await runOrt(bytes, feeds, opts.ortType ?? 'same');
    const want = noGrad(() => forward(...xs));
    expectClose(got!, want, opts.tol, `${opts.where} (batch ${batch ?? 'as traced'})`);
  }
}

/**
 * Runs onnx.checker.check_model(full_check=True) on every model, in one Python process; returns
 * its report. Models with an opset newer than the installed onnx knows are counted as skipped
 * (Debian's onnx 1.12 stops at opset 17). Each model is written to a temporary file first.
 */
export function onnxCheck(models: readonly { name: string; bytes: Uint8Array }[]): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-onnx-check-'));
  try {
    const files = models.map((m, i) => {
      const f = join(dir, `${String(i).padStart(3, '0')}.onnx`);
      writeFileSync(f, m.bytes);
      return f;
    });
    const code = [
      'import sys, onnx',
      'bad = skipped = 0',
      'newest = onnx.defs.onnx_opset_version()',
      'for name, path in zip(sys.argv[1::2], sys.argv[2::2]):',
      '    model = onnx.load(path)',
      '    if max(o.version for o in model.opset_import) > newest:',
      '        skipped += 1',
      '        continue',
      '    try:',
      '        onnx.checker.check_model(model, full_check=True)',
      '    except Exception as e:',
      '        bad += 1',
      '        print(f"{name}: {e}")',
      'print(f"checked {len(sys.argv[1:]) // 2 - skipped}, failed {bad}, skipped {skipped} with an opset above {newest}")',
      'sys.exit(1 if bad else 0)',
    ].join('\n');
    const args = models.flatMap((m, i) => [m.name, files[i]!]);
    const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 16 << 20 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
