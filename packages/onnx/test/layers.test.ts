// Every exportable @kindling/nn layer, exported with exportOnnx and run in ONNX Runtime on fresh
// inputs (at the traced batch size and at others under dynamicBatch): its output must equal
// Kindling's forward pass to 1e-5 in float32. Every exported model also goes through
// onnx.checker.check_model (full_check) at the end when python3-onnx is installed.
import { type Tensor, randn } from '@kindling/core';
import { Conv1d, ConvTranspose1d, Flatten, Identity, Linear, type Module, ReLU, Sequential, Sigmoid, Tanh } from '@kindling/nn';
import { MAX_OPSET, MIN_OPSET, decodeModel, exportOnnx } from '@kindling/onnx';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgainstOrt, onnxCheck, requirePython, runOrt, expectClose, worst } from './helpers.js';

const F32 = { dtype: 'float32' } as const;
const TOL = 1e-5;
const exported: { name: string; bytes: Uint8Array }[] = [];

/** Exports `model` traced at batch 2 and checks it in ONNX Runtime at batch 1, 2 and 5 (or as traced when not batched). */
async function roundTrip(name: string, model: Module, shape: readonly number[], opts: { batched?: boolean; opset?: number } = {}): Promise<Uint8Array> {
  const batched = opts.batched ?? true;
  const x = randn(shape, { seed: 1, dtype: 'float32' });
  const bytes = exportOnnx(model, x, { dynamicBatch: batched, ...(opts.opset ? { opset: opts.opset } : {}) });
  exported.push({ name, bytes });
  await checkAgainstOrt(bytes, (...xs) => model.forward(...xs), [shape], { batches: batched ? [1, null, 5] : [null], dtype: 'float32', tol: TOL, where: name });
  return bytes;
}

afterAll(() => console.log(`largest relative |onnxruntime - kindling| in layers.test.ts: ${worst.diff.toExponential(2)} (${worst.where})`));

describe('Conv1d', () => {
  const cases: [string, number, number, number, ConstructorParameters<typeof Conv1d>[3]][] = [
    ['plain', 2, 3, 3, {}],
    ['stride 2', 2, 3, 3, { stride: 2 }],
    ['stride 3, padding 2 (tail skipped)', 1, 2, 4, { stride: 3, padding: 2 }],
    ["padding 'same' (odd kernel)", 3, 2, 5, { padding: 'same' }],
    ["padding 'same', even kernel, dilation 2 (asymmetric pads)", 2, 2, 4, { padding: 'same', dilation: 2 }],
    ["padding 'valid'", 2, 2, 3, { padding: 'valid' }],
    ['dilation 3', 2, 4, 3, { dilation: 3 }],
    ['groups 2', 4, 6, 3, { groups: 2 }],
    ['depthwise (groups = channels)', 4, 4, 3, { groups: 4 }],
    ['no bias', 2, 3, 3, { bias: false }],
    ['stride 2, padding 1, dilation 2, groups 2', 4, 2, 3, { stride: 2, padding: 1, dilation: 2, groups: 2 }],
  ];
  it.each(cases)('%s', async (name, cin, cout, k, opts) => {
    await roundTrip(`Conv1d ${name}`, new Conv1d(cin, cout, k, { ...opts, seed: 3, ...F32 }), [2, cin, 11]);
  });
  it('unbatched input [C, L]', async () => {
    await roundTrip('Conv1d unbatched', new Conv1d(2, 3, 3, { padding: 1, seed: 3, ...F32 }), [2, 9], { batched: false });
  });
});

describe('ConvTranspose1d', () => {
  const cases: [string, number, number, number, ConstructorParameters<typeof ConvTranspose1d>[3]][] = [
    ['plain', 2, 3, 3, {}],
    ['stride 2', 2, 3, 3, { stride: 2 }],
    ['stride 2, padding 1, outputPadding 1', 3, 2, 4, { stride: 2, padding: 1, outputPadding: 1 }],
    ['dilation 2', 2, 2, 3, { dilation: 2 }],
    ['outputPadding from dilation (stride 1, dilation 3, outputPadding 2)', 2, 2, 3, { dilation: 3, outputPadding: 2 }],
    ['groups 2', 4, 6, 3, { groups: 2 }],
    ['no bias', 2, 3, 3, { bias: false }],
    ['stride 3, padding 2, outputPadding 2, dilation 2', 2, 3, 3, { stride: 3, padding: 2, outputPadding: 2, dilation: 2 }],
  ];
  it.each(cases)('%s', async (name, cin, cout, k, opts) => {
    const bytes = await roundTrip(`ConvTranspose1d ${name}`, new ConvTranspose1d(cin, cout, k, { ...opts, seed: 4, ...F32 }), [2, cin, 7]);
    expect(decodeModel(bytes).graph.node.map((n) => n.op_type)).toContain('ConvTranspose');
  });
  it('unbatched input [C, L]', async () => {
    await roundTrip('ConvTranspose1d unbatched', new ConvTranspose1d(2, 3, 3, { stride: 2, seed: 3, ...F32 }), [2, 6], { batched: false });
  });
});

describe('Linear', () => {
  it('2-d input: one Gemm(x, weight, bias, transB=1), as torch.onnx writes it', async () => {
    const bytes = await roundTrip('Linear 2-d', new Linear(5, 3, { seed: 5, ...F32 }), [2, 5]);
    const g = decodeModel(bytes).graph;
    expect(g.node.map((n) => [n.op_type, n.input])).toEqual([['Gemm', ['input', 'weight', 'bias']]]);
    expect(g.node[0]!.attribute).toEqual([expect.objectContaining({ name: 'transB', i: 1 })]);
    expect(g.initializer.map((t) => t.name).sort()).toEqual(['bias', 'weight']);
  });
  it('3-d input [N, T, F]: MatMul with the transposed weight, then Add', async () => {
    const bytes = await roundTrip('Linear 3-d', new Linear(4, 2, { seed: 5, ...F32 }), [2, 3, 4]);
    expect(decodeModel(bytes).graph.node.map((n) => n.op_type)).toEqual(['Transpose', 'MatMul', 'Add']);
  });
  it('no bias', async () => {
    await roundTrip('Linear no bias', new Linear(4, 6, { bias: false, seed: 5, ...F32 }), [2, 4]);
  });
  it('1-d input (unbatched)', async () => {
    await roundTrip('Linear 1-d', new Linear(4, 3, { seed: 5, ...F32 }), [4], { batched: false });
  });
  it('initializers carry the namedParameters() names', () => {
    const model = new Sequential(new Linear(4, 3, { seed: 5, ...F32 }), new ReLU(), new Linear(3, 1, { seed: 6, ...F32 }));
    const graph = decodeModel(exportOnnx(model, randn([2, 4], { seed: 1, ...F32 }))).graph;
    const names = graph.initializer.map((t) => t.name);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    for (const [n] of model.namedParameters()) expect(names).toContain(n);
    const w = graph.initializer.find((t) => t.name === '0.weight')!;
    expect(w.dims).toEqual([3, 4]);
    expect(Array.from(new Float32Array(new Uint8Array(w.raw_data).buffer))).toEqual(Array.from(model.namedParameters()[0]![1].dataSync()));
  });
});

describe('activations, Flatten, Identity', () => {
  it.each([
    ['ReLU', new ReLU()],
    ['Tanh', new Tanh()],
    ['Sigmoid', new Sigmoid()],
    ['Identity', new Identity()],
  ] as const)('%s', async (name, m) => {
    await roundTrip(name, m, [2, 3, 4]);
  });
  it.each([
    [1, -1, [2, 3, 4]],
    [0, -1, [2, 3, 4]],
    [1, 2, [2, 3, 4, 5]],
    [2, -1, [2, 3, 4, 5]],
    [0, 1, [2, 3, 4]],
  ] as const)('Flatten(%i, %i) of %j', async (s, e, shape) => {
    await roundTrip(`Flatten(${s}, ${e})`, new Flatten(s, e), shape);
  });
});

describe('Sequential', () => {
  const deep = () =>
    new Sequential(
      new Conv1d(2, 4, 3, { padding: 'same', seed: 7, ...F32 }),
      new ReLU(),
      new Conv1d(4, 4, 3, { stride: 2, groups: 2, seed: 8, ...F32 }),
      new Tanh(),
      new ConvTranspose1d(4, 3, 3, { stride: 2, seed: 9, ...F32 }),
      new Sigmoid(),
      new Flatten(),
      new Linear(3 * 11, 5, { seed: 10, ...F32 }),
      new ReLU(),
      new Linear(5, 2, { seed: 11, ...F32 }),
    );
  it('Conv1d, ReLU, strided grouped Conv1d, Tanh, ConvTranspose1d, Sigmoid, Flatten, Linear, ReLU, Linear', async () => {
    await roundTrip('Sequential deep', deep(), [2, 2, 11]);
  });
  it.each(Array.from({ length: MAX_OPSET - MIN_OPSET + 1 }, (_, i) => MIN_OPSET + i))('at opset %i', async (opset) => {
    const bytes = await roundTrip(`Sequential opset ${opset}`, deep(), [2, 2, 11], { opset });
    expect(decodeModel(bytes).opset_import.map((o) => o.version)).toEqual([opset]);
  });
  it('a float64 model exported as float32 (dtype option) matches the float64 forward pass', async () => {
    const model = new Sequential(new Conv1d(1, 3, 3, { seed: 1 }), new ReLU(), new Flatten(), new Linear(3 * 8, 2, { seed: 2 }));
    const bytes = exportOnnx(model, randn([2, 1, 10], { seed: 3 }), { dynamicBatch: true, dtype: 'float32' });
    exported.push({ name: 'float64 model as float32', bytes });
    const graph = decodeModel(bytes).graph;
    expect(graph.input[0]!.type.tensor_type.elem_type).toBe(1);
    expect(graph.initializer.every((t) => t.data_type === 1 || t.data_type === 7)).toBe(true);
    await checkAgainstOrt(bytes, (x) => model.forward(x), [[2, 1, 10]], { batches: [3], dtype: 'float64', ortType: 'float32', tol: TOL, where: 'float64 model as float32' });
  });
  it('a float64 model without convolutions runs in float64 (ONNX Runtime has double MatMul/Add/Tanh)', async () => {
    const model = new Sequential(new Linear(3, 8, { seed: 1 }), new Tanh(), new Linear(8, 2, { seed: 2 }), new Sigmoid());
    const x = randn([4, 3], { seed: 3 });
    const bytes = exportOnnx(model, x, { dynamicBatch: true });
    exported.push({ name: 'float64 MLP', bytes });
    expect(decodeModel(bytes).graph.output[0]!.type.tensor_type.elem_type).toBe(11);
    await checkAgainstOrt(bytes, (t) => model.forward(t), [[4, 3]], { batches: [1, 7], dtype: 'float64', tol: 1e-14, where: 'float64 MLP' });
  });
});

describe('dynamic batch', () => {
  it('inputs and outputs declare dim_param batch; other dims stay fixed', () => {
    const model = new Sequential(new Conv1d(1, 2, 3, { seed: 1, ...F32 }), new Flatten());
    const g = decodeModel(exportOnnx(model, randn([3, 1, 6], { seed: 1, ...F32 }), { dynamicBatch: true, inputNames: ['signal'], outputNames: ['features'] })).graph;
    expect(g.input[0]!.name).toBe('signal');
    expect(g.input[0]!.type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 1 }, { dim_value: 6 }]);
    expect(g.output[0]!.name).toBe('features');
    expect(g.output[0]!.type.tensor_type.shape.dim).toEqual([{ dim_param: 'batch' }, { dim_value: 8 }]);
  });
  it('without it, shapes are the example inputs\' and the Reshape target is fixed', async () => {
    const model = new Sequential(new Conv1d(1, 2, 3, { seed: 1, ...F32 }), new Flatten());
    const bytes = exportOnnx(model, randn([3, 1, 6], { seed: 1, ...F32 }));
    const g = decodeModel(bytes).graph;
    expect(g.input[0]!.type.tensor_type.shape.dim).toEqual([{ dim_value: 3 }, { dim_value: 1 }, { dim_value: 6 }]);
    await expect(runOrt(bytes, { input: randn([4, 1, 6], { seed: 2, ...F32 }) })).rejects.toThrow();
  });
  it('a batch that folds into another dim (Flatten(0, 1)) is computed from the run-time batch size', async () => {
    // [N, C, L] -> [N*C, L] -> Linear -> [N*C, 2] -> reshape [N, C*2]: two reshapes whose targets scale with N.
    const lin = new Linear(6, 2, { seed: 1, ...F32 });
    const f = (x: Tensor) => lin.forward(x.flatten(0, 1)).reshape([x.shape[0]!, -1]);
    const bytes = exportOnnx(f, randn([2, 3, 6], { seed: 1, ...F32 }), { dynamicBatch: true });
    exported.push({ name: 'batch folded into dim 0', bytes });
    await checkAgainstOrt(bytes, f, [[2, 3, 6]], { batches: [1, 4], dtype: 'float32', tol: TOL, where: 'flatten(0, 1)' });
  });
  it('expanding a constant to the batch size uses the run-time batch size', async () => {
    const bias = randn([1, 3], { seed: 4, ...F32 });
    const f = (x: Tensor) => bias.expand([x.shape[0]!, 3]).add(x.sum(1, true));
    const bytes = exportOnnx(f, randn([2, 5], { seed: 1, ...F32 }), { dynamicBatch: true });
    exported.push({ name: 'expand to batch', bytes });
    await checkAgainstOrt(bytes, f, [[2, 5]], { batches: [1, 6], dtype: 'float32', tol: TOL, where: 'expand to batch' });
  });
  it('ORT output equals Kindling at the traced batch of 1 too', async () => {
    const model = new Sequential(new Conv1d(2, 2, 3, { seed: 1, ...F32 }), new Flatten(), new Linear(2 * 4, 1, { seed: 2, ...F32 }));
    const bytes = exportOnnx(model, randn([1, 2, 6], { seed: 1, ...F32 }), { dynamicBatch: true });
    const x = randn([3, 2, 6], { seed: 9, ...F32 });
    const [got] = await runOrt(bytes, { input: x });
    expectClose(got!, model.forward(x), TOL, 'traced at batch 1, run at 3');
  });
});

const onnx = requirePython('onnx');
describe('onnx.checker', () => {
  it.runIf(onnx.run)(`check_model(full_check=True) accepts every model exported in this file${onnx.title}`, () => {
    expect(exported.length).toBeGreaterThan(40);
    const r = onnxCheck(exported);
    expect(r.out).toMatch(/checked \d+, failed 0, skipped [0-4] /);
    expect(r.status).toBe(0);
  });
});
