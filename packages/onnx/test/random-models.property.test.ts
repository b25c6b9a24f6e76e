// Random small models built from the exportable layers (fast-check, fixed seed): stacks of
// Conv1d / ConvTranspose1d with random stride, padding, dilation, groups and bias, activations in
// between, and sometimes Flatten + Linear at the end. Each is exported with a dynamic batch and
// run in ONNX Runtime at the traced batch size and another one; outputs must equal Kindling's to
// 1e-5 (float32). Models whose sizes do not fit (an output length below 1) skip that layer.
import { randn } from '@kindling/core';
import { Conv1d, ConvTranspose1d, Flatten, Linear, type Module, ReLU, Sequential, Sigmoid, Tanh } from '@kindling/nn';
import { exportOnnx } from '@kindling/onnx';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgainstOrt, onnxCheck, requirePython, worst } from './helpers.js';

const SEED = Number(process.env.FC_SEED ?? 20260701);
const RUNS = Number(process.env.FC_NUM_RUNS ?? 100);

const arbBlock = fc.record({
  transposed: fc.boolean(),
  out: fc.integer({ min: 1, max: 5 }),
  kernel: fc.integer({ min: 1, max: 5 }),
  stride: fc.integer({ min: 1, max: 3 }),
  padding: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('same' as const)),
  dilation: fc.integer({ min: 1, max: 3 }),
  outputPadding: fc.integer({ min: 0, max: 2 }),
  groups: fc.integer({ min: 1, max: 3 }),
  bias: fc.boolean(),
  activation: fc.constantFrom('relu', 'tanh', 'sigmoid', 'none'),
});

const arbModel = fc.record({
  channels: fc.integer({ min: 1, max: 4 }),
  length: fc.integer({ min: 3, max: 16 }),
  batch: fc.integer({ min: 1, max: 3 }),
  blocks: fc.array(arbBlock, { minLength: 1, maxLength: 4 }),
  head: fc.option(fc.record({ features: fc.integer({ min: 1, max: 4 }), activation: fc.constantFrom('relu', 'tanh', 'sigmoid', 'none') })),
  seed: fc.integer({ min: 0, max: 1000 }),
});

type Spec = typeof arbModel extends fc.Arbitrary<infer T> ? T : never;

const activation = (a: string): Module | null => (a === 'relu' ? new ReLU() : a === 'tanh' ? new Tanh() : a === 'sigmoid' ? new Sigmoid() : null);

/** Builds the model a spec describes, skipping layers that would not fit; returns it and a description. */
function build(spec: Spec): { model: Sequential; what: string[] } {
  const layers: Module[] = [];
  const what: string[] = [];
  let c = spec.channels;
  let len = spec.length;
  let seed = spec.seed;
  for (const b of spec.blocks) {
    const groups = c % b.groups === 0 && b.out % b.groups === 0 ? b.groups : 1;
    const common = { bias: b.bias, groups, dilation: b.dilation, seed: seed++, dtype: 'float32' as const };
    if (b.transposed) {
      const padding = typeof b.padding === 'number' ? b.padding : 0;
      const outputPadding = b.outputPadding < Math.max(b.stride, b.dilation) ? b.outputPadding : 0;
      const next = (len - 1) * b.stride - 2 * padding + b.dilation * (b.kernel - 1) + outputPadding + 1;
      if (next < 1 || next > 64) continue;
      layers.push(new ConvTranspose1d(c, b.out, b.kernel, { ...common, stride: b.stride, padding, outputPadding }));
      what.push(`ConvTranspose1d(${c}, ${b.out}, ${b.kernel}, stride ${b.stride}, padding ${padding}, outputPadding ${outputPadding}, dilation ${b.dilation}, groups ${groups}, bias ${b.bias})`);
      len = next;
    } else {
      const same = b.padding === 'same' && b.stride === 1;
      const padding = same ? ('same' as const) : typeof b.padding === 'number' ? b.padding : 0;
      const span = b.dilation * (b.kernel - 1);
      const next = same ? len : Math.floor((len + 2 * (padding as number) - span - 1) / b.stride) + 1;
      if (next < 1) continue;
      layers.push(new Conv1d(c, b.out, b.kernel, { ...common, stride: b.stride, padding }));
      what.push(`Conv1d(${c}, ${b.out}, ${b.kernel}, stride ${b.stride}, padding ${padding}, dilation ${b.dilation}, groups ${groups}, bias ${b.bias})`);
      len = next;
    }
    c = b.out;
    const act = activation(b.activation);
    if (act) {
      layers.push(act);
      what.push(b.activation);
    }
  }
  if (spec.head) {
    layers.push(new Flatten(), new Linear(c * len, spec.head.features, { seed: seed++, dtype: 'float32' }));
    what.push('Flatten', `Linear(${c * len}, ${spec.head.features})`);
    const act = activation(spec.head.activation);
    if (act) {
      layers.push(act);
      what.push(spec.head.activation);
    }
  }
  return { model: new Sequential(...layers), what };
}

const exported: { name: string; bytes: Uint8Array }[] = [];

afterAll(() => console.log(`largest relative |onnxruntime - kindling| over ${exported.length} random models: ${worst.diff.toExponential(2)} (${worst.where})`));

describe('random models', () => {
  it(`ONNX Runtime equals Kindling on ${RUNS} random conv stacks (seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(arbModel, async (spec) => {
        const { model, what } = build(spec);
        const shape = [spec.batch, spec.channels, spec.length];
        const bytes = exportOnnx(model, randn(shape, { seed: spec.seed, dtype: 'float32' }), { dynamicBatch: true });
        exported.push({ name: what.join(' -> '), bytes });
        await checkAgainstOrt(bytes, (x) => model.forward(x), [shape], { batches: [null, spec.batch + 2], dtype: 'float32', tol: 1e-5, where: what.join(' -> '), seed: spec.seed });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(exported.length).toBe(RUNS);
  });

  const onnx = requirePython('onnx');
  it.runIf(onnx.run)(`onnx.checker.check_model(full_check=True) accepts every one${onnx.title}`, () => {
    const r = onnxCheck(exported);
    expect(r.out).toContain(`checked ${exported.length}, failed 0`);
    expect(r.status).toBe(0);
  });
});
