// The trained models of @kindling/examples (the blog's CNN, the learned filter, the sequence
// classifier), exported and run in ONNX Runtime: equal to Kindling's float64 forward pass to
// 1e-5 (the files are float32: ONNX Runtime's CPU Conv takes float32 only). Then the command
// lines' --export-onnx FILE. Training is kept short: the point is a trained model, not a good one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Tensor, randn, tensor } from '@kindling/core';
import { Conv1d } from '@kindling/nn';
import { decodeModel, exportOnnx } from '@kindling/onnx';
import { afterAll, describe, expect, it } from 'vitest';
// By path rather than by package name: @kindling/examples depends on @kindling/onnx (for its
// --export-onnx flag), and a dependency back would make the workspace cyclic.
import { BLOG_INPUT, argmax, inputTensor, learnFilter, trainBlogExample, trainClassifier } from '../../examples/src/index.js';
import { checkAgainstOrt, expectClose, onnxCheck, requirePython, runOrt, worst } from './helpers.js';

const exported: { name: string; bytes: Uint8Array }[] = [];
const F32_EXPORT = { dynamicBatch: true, dtype: 'float32' } as const;

afterAll(() => console.log(`largest relative |onnxruntime - kindling| in examples.test.ts: ${worst.diff.toExponential(2)} (${worst.where})`));

describe('trained example models in ONNX Runtime', () => {
  it("the blog's Conv1d(1, 1, 3), after 50 epochs", async () => {
    const run = trainBlogExample({ epochs: 50 });
    const conv = new Conv1d(1, 1, 3);
    conv.loadStateDict({ weight: [[run.weight]], bias: [run.bias] });
    const x = tensor([[BLOG_INPUT as readonly number[]]] as number[][][]);
    const bytes = exportOnnx(conv, x, F32_EXPORT);
    exported.push({ name: 'blog', bytes });
    const [got] = await runOrt(bytes, { input: x }, 'float32');
    const want = conv.forward(x);
    expectClose(got!, want, 1e-5, "blog's input");
    // The last recorded prediction came before the last update; one more forward pass reproduces the next one.
    expect(Array.from(got!.data).every(Number.isFinite)).toBe(true);
    await checkAgainstOrt(bytes, (t) => conv.forward(t), [[1, 1, 5]], { batches: [4], dtype: 'float64', ortType: 'float32', tol: 1e-5, where: 'blog, random inputs' });
  });

  it('the learned filter, Conv1d(1, 1, 5), after 2 epochs', async () => {
    const r = learnFilter({ epochs: 2, samples: 64 });
    const conv = new Conv1d(1, 1, r.learnedKernel.length);
    conv.loadStateDict({ weight: [[r.learnedKernel]], bias: [r.learnedBias] });
    const bytes = exportOnnx(conv, randn([2, 1, 32], { seed: 1 }), F32_EXPORT);
    exported.push({ name: 'filter', bytes });
    await checkAgainstOrt(bytes, (t) => conv.forward(t), [[2, 1, 32]], { batches: [1, 16], dtype: 'float64', ortType: 'float32', tol: 1e-5, where: 'filter' });
  });

  it('the classifier, Conv1d -> ReLU -> Flatten -> Linear, after 3 epochs: same logits and same predictions on its test split', async () => {
    const r = trainClassifier({ samples: 96, epochs: 3 });
    const x = inputTensor(r.test);
    const bytes = exportOnnx(r.model, x, F32_EXPORT);
    exported.push({ name: 'classifier', bytes });
    expect(decodeModel(bytes).graph.initializer.map((t) => t.name)).toEqual(expect.arrayContaining(['0.weight', '0.bias', '3.weight', '3.bias']));
    const [got] = await runOrt(bytes, { input: x }, 'float32');
    const logits: Tensor = r.model.forward(x);
    expectClose(got!, logits, 1e-5, 'classifier test split');
    const ort = tensor(Float64Array.from(got!.data), { shape: got!.dims });
    expect(argmax(ort)).toEqual(argmax(logits));
    await checkAgainstOrt(bytes, (t) => r.model.forward(t), [x.shape], { batches: [1, 7], dtype: 'float64', ortType: 'float32', tol: 1e-5, where: 'classifier, random inputs' });
  });
});

describe('the command lines write --export-onnx FILE', () => {
  const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
  const cli = (name: string) => fileURLToPath(new URL(`../../examples/src/cli/${name}.ts`, import.meta.url));
  it.each([
    ['blog', ['--epochs', '5'], [1, 1, 5]],
    ['filter', ['--epochs', '1', '--samples', '32'], [1, 1, 32]],
    ['classify', ['--epochs', '1', '--samples', '48'], [1, 1, 24]],
  ] as const)('%s', async (name, args, shape) => {
    const dir = mkdtempSync(join(tmpdir(), `kindling-cli-onnx-${name}-`));
    try {
      const file = join(dir, `${name}.onnx`);
      const extra = name === 'classify' ? ['--out', join(dir, 'w.safetensors')] : [];
      const r = spawnSync(tsx, [cli(name), ...args, ...extra, '--export-onnx', file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`wrote ${file}\n  the trained model as ONNX (opset 17, float32, any batch size`);
      const bytes = new Uint8Array(readFileSync(file));
      exported.push({ name: `${name} command line`, bytes });
      const outs = await runOrt(bytes, { input: randn([3, ...shape.slice(1)], { seed: 1, dtype: 'float32' }) });
      expect(outs[0]!.dims[0]).toBe(3);
      expect(Array.from(outs[0]!.data).every(Number.isFinite)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const onnx = requirePython('onnx');
describe('onnx.checker', () => {
  it.runIf(onnx.run)(`check_model(full_check=True) accepts every model exported in this file${onnx.title}`, () => {
    const r = onnxCheck(exported);
    expect(r.out).toContain(`checked ${exported.length}, failed 0`);
    expect(r.status).toBe(0);
  });
});
