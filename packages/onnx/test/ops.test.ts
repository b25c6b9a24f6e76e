// Every op with a registered exporter, through small functions that use it: exported with
// exportOnnx, run in ONNX Runtime on fresh inputs, compared with Kindling to 1e-5 (float32).
// Then what the exporter refuses, and how it says so.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Context, type Tensor, apply, cat, clamp, convTranspose1d, conv1d, cos, cumsum, elu, erf, expm1, gather, gelu, indexSelect, leakyRelu,
  log1p, logsumexp, maximum, minimum, pad, randn, reciprocal, rsqrt, scatterAdd, sign, silu, sin, softplus, split, stack, tensor, where,
} from '@kindling/core';
import { Linear, ReLU, Sequential } from '@kindling/nn';
import { DEFAULT_OPSET, ONNX_EXPORTER_VERSION, decodeModel, exportOnnx, onnxOps, registerOnnxOp } from '@kindling/onnx';
import { exportOnnxFile } from '@kindling/onnx/node';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgainstOrt, onnxCheck, requirePython, runOrt, worst } from './helpers.js';

const exported: { name: string; bytes: Uint8Array }[] = [];
const F32 = { dtype: 'float32' } as const;
const pos = (x: Tensor) => x.abs().add(0.25);

type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, shapes: number[][], opts?: { opset?: number; dynamicBatch?: boolean; tol?: number }];

const cases: Case[] = [
  ['add, sub, mul, div with broadcasting and numbers', (x, y) => x.add(y).mul(x).sub(2).div(pos(y)), [[2, 3, 4], [3, 1]]],
  ['minimum, maximum', (x, y) => minimum(x, y).add(maximum(x, 0.5)), [[2, 5], [2, 5]]],
  ['neg, exp, log, sqrt, abs', (x) => pos(x).log().add(pos(x).sqrt()).sub(x.neg().exp()), [[2, 6]]],
  ['relu, sigmoid, tanh', (x) => x.relu().add(x.sigmoid()).mul(x.tanh()), [[2, 6]]],
  ['pow (integer, fractional, negative exponents)', (x) => x.pow(3).add(pos(x).pow(0.5)).add(pos(x).pow(-2)), [[2, 6]]],
  ['rsqrt, reciprocal, sign', (x) => rsqrt(pos(x)).add(reciprocal(pos(x))).add(sign(x)), [[2, 6]]],
  ['sin, cos, erf', (x) => sin(x).add(cos(x)).mul(erf(x)), [[2, 6]]],
  ['log1p, expm1', (x) => log1p(pos(x)).add(expm1(x)), [[2, 6]], { tol: 2e-5 }],
  ['clamp (both bounds, min only, max only)', (x) => clamp(x, -0.5, 0.5).add(clamp(x, 0)).add(clamp(x, null, 0.2)), [[2, 6]]],
  ['comparisons as 0/1 masks (eq, ne, lt, le, gt, ge)', (x, y) => x.gt(y).add(x.ge(0)).add(x.lt(y).mul(2)).add(x.le(0.1)).add(x.eq(x)).add(x.ne(y)).mul(x), [[2, 6], [2, 6]]],
  ['where with a constant mask', (x, y) => where(tensor([[1, 0, 1, 0, 0, 1]]), x, y.mul(2)), [[2, 6], [2, 6]]],
  ['leakyRelu, elu, silu', (x) => leakyRelu(x, 0.2).add(elu(x, 0.7)).add(silu(x)), [[2, 6]]],
  ['softplus (beta 1 and 2, small threshold)', (x) => softplus(x.mul(8)).add(softplus(x, 2, 1)), [[2, 6]]],
  ['gelu exact and tanh at opset 17', (x) => gelu(x).add(gelu(x, { approximate: 'tanh' })), [[2, 6]]],
  ['gelu exact and tanh at opset 20 (one Gelu operator)', (x) => gelu(x).add(gelu(x, { approximate: 'tanh' })), [[2, 6]], { opset: 20 }],
  ['softmax, logSoftmax', (x) => x.softmax(1).add(x.logSoftmax(-1)), [[2, 3, 5]]],
  ['sum over axes, keepdim, all; mean', (x) => x.sum(1).add(x.sum([1, 2], true).sum(2)).add(x.mean(1)).add(x.sum()), [[2, 3, 4]]],
  ['max over an axis and over all (opset 17: axes attribute)', (x) => x.max(2).add(x.max()).add(x.min(2, true).sum(2)), [[2, 3, 4]]],
  ['max over an axis (opset 18: axes input)', (x) => x.max(2).add(x.max()), [[2, 3, 4]], { opset: 18 }],
  ['prod, logsumexp (opset 17)', (x) => x.prod(1).add(logsumexp(x, 1)), [[2, 3, 4]]],
  ['prod, logsumexp (opset 18)', (x) => x.prod(1).add(logsumexp(x, [1, 2], true).sum(2)), [[2, 3, 4]], { opset: 18 }],
  ['var, std, norm (composed)', (x) => x.var(2).add(x.std(2, false, { correction: 0 })).add(x.norm(2, 2)), [[2, 3, 5]]],
  ['cumsum', (x) => cumsum(x, 2).add(cumsum(x, 0)), [[2, 3, 4]]],
  ['matmul: 2-d, batched with broadcasting, vector', (x, y) => x.matmul(y).add(x.matmul(tensor([1, 2, 3, 4], F32)).unsqueeze(-1)), [[2, 3, 4], [4, 5]]],
  ['reshape, permute, transpose, unsqueeze, squeeze, flatten', (x) => x.permute([2, 0, 1]).reshape([4, -1]).transpose(0, 1).unsqueeze(0).squeeze(0).flatten(), [[2, 3, 4]]],
  ['expand', (x) => x.sum(1, true).expand(x.shape).add(x), [[2, 3, 4]]],
  ['narrow, slice with a step, split, chunk', (x) => x.narrow(2, 1, 2).add(x.slice(2, 0, 4, 2)).add(split(x, 2, 2)[1]!).add(x.chunk(2, 2)[0]!), [[2, 3, 4]]],
  ['cat, stack', (x, y) => cat([x, y.mul(2)], 1).add(stack([x, y], 1).reshape([x.shape[0]!, 6, 4]).mul(0.5)), [[2, 3, 4], [2, 3, 4]]],
  ['contiguous, clone, to (Cast both ways)', (x) => x.transpose(1, 2).contiguous().clone().to('float64').mul(3).to('float32'), [[2, 3, 4]]],
  ['indexSelect, flip, roll', (x) => indexSelect(x, 2, [3, 0, 0, 1]).add(x.flip([1, 2])).add(x.roll([1, -2], [1, 2])), [[2, 3, 4]]],
  ['pad: constant (with a crop), reflect, replicate, circular', (x) => pad(x, [1, -1], { value: 0.5 }).add(pad(x, [2, 1], { mode: 'reflect' }).narrow(2, 1, 4)).add(pad(x, [1, 0], { mode: 'replicate' }).narrow(2, 0, 4)).add(pad(x, [0, 2], { mode: 'circular' }).narrow(2, 2, 4)), [[2, 3, 4]]],
  ['gather', (x) => gather(x, 1, [[[0, 2], [1, 1]], [[2, 0], [0, 0]]]), [[2, 3, 2]]],
  ['scatterAdd (opset 16+) with repeated indices and a larger src', (x, s) => scatterAdd(x, 1, [[0, 0, 2], [1, 1, 1]], s), [[2, 3], [2, 4]], { opset: 16 }],
  ['conv1d with padding same and dilation; convTranspose1d with stride', (x) => convTranspose1d(conv1d(x, tensor([[[1, -1, 0.5]], [[0.2, 0.3, 0.1]]], F32), null, { padding: 'same', dilation: 2 }), tensor([[[1, 2]], [[0.5, -1]]], F32), tensor([0.1], F32), { stride: 2 }), [[2, 1, 7]]],
  ['a 0-d output', (x) => x.pow(2).mean(), [[2, 3]], { dynamicBatch: false }],
  ['a constant computed inside forward', (x) => x.add(randn([3], { seed: 9, dtype: 'float32' })), [[2, 3]]],
];

describe('ops through ONNX Runtime', () => {
  it.each(cases)('%s', async (name, fn, shapes, o = {}) => {
    const dynamicBatch = o.dynamicBatch ?? shapes.every((sh) => sh[0] === shapes[0]![0]);
    const xs = shapes.map((s, i) => randn(s, { seed: i + 1, ...F32 }));
    const bytes = exportOnnx(fn, xs, { dynamicBatch, ...(o.opset ? { opset: o.opset } : {}) });
    exported.push({ name, bytes });
    // Only inputs whose dim 0 is the batch change size; the others (a matmul's weight) keep theirs.
    await checkAgainstOrt(bytes, fn, shapes, { batches: [null], dtype: 'float32', tol: o.tol ?? 1e-5, where: name });
  });

  it('every registered op is used by a case above', () => {
    const used = new Set<string>();
    for (const { bytes } of exported) for (const n of decodeModel(bytes).graph.node) used.add(n.name.split('/')[0]!.replace(/_\d+(_\d+)?$/, ''));
    // Ops that exist for backward passes only never reach an export; the rest must.
    expect(onnxOps().filter((op) => !used.has(op))).toEqual([]);
  });
});

describe('dynamic batch on ops', () => {
  it('batch sizes other than the traced one for every case whose inputs all have a batch dim', async () => {
    for (const [name, fn, shapes, o = {}] of cases) {
      if (o.dynamicBatch === false || shapes.some((s) => s[0] !== shapes[0]![0])) continue;
      // Their index arguments fix the number of rows they read.
      if (name.startsWith('gather') || name.startsWith('scatterAdd')) continue;
      const xs = shapes.map((s, i) => randn(s, { seed: i + 1, ...F32 }));
      const bytes = exportOnnx(fn, xs, { dynamicBatch: true, ...(o.opset ? { opset: o.opset } : {}) });
      await checkAgainstOrt(bytes, fn, shapes, { batches: [1, 4], dtype: 'float32', tol: o.tol ?? 1e-5, where: `${name}, dynamic batch` });
    }
  });
  it('refuses a mean over the batch (its divisor is the batch size)', () => {
    expect(() => exportOnnx((x: Tensor) => x.mean(0), randn([3, 2]), { dynamicBatch: true })).toThrow(/^exportOnnx: input 1 of op 'div' \(#1\) is a constant whose value changed when the model was traced again with other input values and a batch one larger/);
  });
  it('refuses inputs with different batch sizes', () => {
    expect(() => exportOnnx((x: Tensor, y: Tensor) => x.add(y), [randn([3, 2]), randn([1, 2])], { dynamicBatch: true })).toThrow(/exportOnnx: dynamicBatch needs one batch size, but input 0 has 3 rows and input 1 has 1/);
  });
  it('refuses a constant mask the size of the batch', () => {
    expect(() => exportOnnx((x: Tensor) => where(tensor([[1], [0], [1]]), x, 0), randn([3, 2]), { dynamicBatch: true })).toThrow(/^exportOnnx: the model failed when traced again with other input values and a batch one larger \(shapes \[4, 2\]\): where: shapes \[3, 1\] and \[4, 2\] cannot be broadcast together .*; does it only work at the example batch size\?$/);
  });
});

describe('what the exporter refuses', () => {
  it('an op without an exporter, naming it', () => {
    const Twice = { name: 'myTwice', forward: ([x]: readonly Tensor['tensorData'][]) => x!, backward: (g: Tensor) => [g] };
    const f = (x: Tensor) => apply(Twice, [x.mul(2)], undefined);
    expect(() => exportOnnx(f, randn([2, 3]))).toThrow("exportOnnx: no ONNX exporter for op 'myTwice' (#1, output shape [2, 3]); register one with registerOnnxOp('myTwice', ...)");
  });
  it('a registered exporter for a custom op is used', async () => {
    const Square = { name: 'testSquare', forward: ([x]: readonly Tensor['tensorData'][]) => x!.contiguous(), backward: (g: Tensor, ctx: Context) => [g.mul(ctx.inputs[0]!).mul(2)] };
    registerOnnxOp('testSquare', { export: (ctx) => ctx.node('Identity', [ctx.input(0)]) });
    const f = (x: Tensor) => apply(Square, [x], undefined).add(1);
    const bytes = exportOnnx(f, randn([2, 3], F32));
    await checkAgainstOrt(bytes, f, [[2, 3]], { batches: [null], dtype: 'float32', tol: 0, where: 'custom op' });
  });
  it('a forward pass that reads tensor values in JavaScript', () => {
    const f = (x: Tensor) => x.mul(x.dataSync()[0]!);
    expect(() => exportOnnx(f, randn([2, 3]))).toThrow(/^exportOnnx: input 1 of op 'mul' \(#0\) is a constant whose value changed when the model was traced again with other input values; .*item\(\) or dataSync\(\)/);
  });
  it('a branch on a value', () => {
    const f = (x: Tensor) => (x.dataSync()[0]! > 0 ? x.relu() : x.tanh());
    const x = tensor([[1, -2, -3, -4]]);
    expect(() => exportOnnx(f, x)).toThrow(/exportOnnx: op #0 was 'relu' but became 'tanh' when the model was traced again/);
  });
  it('where with a mask computed from the input', () => {
    const f = (x: Tensor) => where(x.gt(0), x, x.mul(0.1));
    expect(() => exportOnnx(f, tensor([[1, -2, 3, -4]]))).toThrow(/exportOnnx: the parameters of op 'where' \(#2\) changed when the model was traced again with other input values/);
  });
  it('ops whose results no output uses are left out, with their constants', () => {
    const f = (x: Tensor) => {
      x.exp().mul(3); // computed and dropped
      return x.relu();
    };
    const g = decodeModel(exportOnnx(f, randn([2, 3]))).graph;
    expect(g.node.map((n) => n.op_type)).toEqual(['Relu']);
    expect(g.initializer).toEqual([]);
  });
  it('detach() inside forward reads the same value (no constant is baked in)', async () => {
    const f = (x: Tensor) => x.mul(2).detach().add(x);
    const bytes = exportOnnx(f, randn([2, 3], F32), { dynamicBatch: true });
    expect(decodeModel(bytes).graph.initializer.every((t) => t.dims!.length === 0)).toBe(true);
    await checkAgainstOrt(bytes, f, [[2, 3]], { batches: [1, 3], dtype: 'float32', tol: 1e-6, where: 'detach' });
  });
  it('bad arguments and options, each named', () => {
    const m = new Linear(2, 1);
    const x = randn([1, 2]);
    expect(() => exportOnnx(m, x, { opset: 12 })).toThrow('exportOnnx: opset must be an integer from 13 to 21, got 12');
    expect(() => exportOnnx(m, x, { opset: 22 })).toThrow('exportOnnx: opset must be an integer from 13 to 21, got 22');
    expect(() => exportOnnx(m, x, { batch: true } as never)).toThrow(/exportOnnx.*batch/);
    expect(() => exportOnnx(m, x, { dynamicBatch: 'yes' } as never)).toThrow('exportOnnx: dynamicBatch must be a boolean, got');
    expect(() => exportOnnx(m, x, { dtype: 'float16' } as never)).toThrow("exportOnnx: dtype must be 'float32' or 'float64', got");
    expect(() => exportOnnx(m, x, { inputNames: ['a', 'b'] })).toThrow('exportOnnx: inputNames must be an array of 1 non-empty strings (one per example input)');
    expect(() => exportOnnx(m, x, { outputNames: [''] })).toThrow('exportOnnx: outputNames must be an array of 1 non-empty strings (one per model output)');
    expect(() => exportOnnx(m, x, { inputNames: ['x'], outputNames: ['x'] })).toThrow("exportOnnx: 'x' names both an input and an output");
    expect(() => exportOnnx(m, x, { inputNames: ['weight'] })).toThrow("exportOnnx: input name 'weight' is also the name of a parameter");
    expect(() => exportOnnx(m, x, { graphName: 3 } as never)).toThrow('exportOnnx: graphName must be a string');
    expect(() => exportOnnx({} as never, x)).toThrow('exportOnnx: model must be a Module or a function of tensors');
    expect(() => exportOnnx(m, [] as Tensor[])).toThrow('exportOnnx: exampleInputs must hold at least one Tensor');
    expect(() => exportOnnx(m, [x, 3] as never)).toThrow('exportOnnx: example input 1 must be a Tensor');
    expect(() => exportOnnx(m, [x, x])).toThrow('exportOnnx: exampleInputs holds the same Tensor twice');
    expect(() => exportOnnx(() => 3 as never, x)).toThrow('exportOnnx: the model returned 3; expected a Tensor or an array of Tensors');
    expect(() => exportOnnx(m, randn([]), { dynamicBatch: true })).toThrow('exportOnnx: dynamicBatch makes dim 0 of every input the batch, but input 0 is 0-d');
    expect(() => registerOnnxOp('', { export: () => '' })).toThrow('registerOnnxOp: name must be a non-empty string');
    expect(() => registerOnnxOp('x', {} as never)).toThrow("registerOnnxOp: the exporter of 'x' must have an export(ctx) function");
  });
  it("scatterAdd below opset 16 says why", () => {
    expect(() => exportOnnx((x: Tensor) => scatterAdd(x, 0, [[0]], x.narrow(0, 0, 1)), randn([2, 1]), { opset: 15 })).toThrow(/exportOnnx: cannot export op 'scatterAdd' \(#1, output shape \[2, 1\]\): ScatterElements adds duplicates only from opset 16/);
  });
});

describe('model and module handling', () => {
  it("traces in eval mode and restores every module's mode", () => {
    const seen: boolean[] = [];
    class Spy extends ReLU {
      override forward(x: Tensor): Tensor {
        seen.push(this.training);
        return super.forward(x);
      }
    }
    const inner = new Sequential(new Linear(2, 2), new Spy());
    const outer = new Sequential(inner, new Spy());
    outer.train();
    inner.modules()[1]!.training = false; // the Linear, in eval mode on its own
    exportOnnx(outer, randn([1, 2]));
    expect(seen).toEqual([false, false, false, false]); // two traces, two spies
    expect(outer.modules().map((m) => m.training)).toEqual([true, true, false, true, true]);
  });
  it('a function with two inputs and two outputs, named', async () => {
    const f = (a: Tensor, b: Tensor) => [a.add(b), a.mul(b).sum(1)];
    const bytes = exportOnnx(f, [randn([2, 3], F32), randn([2, 3], F32)], { inputNames: ['a', 'b'], outputNames: ['sum', 'prod'], dynamicBatch: true });
    const g = decodeModel(bytes).graph;
    expect(g.input.map((v) => v.name)).toEqual(['a', 'b']);
    expect(g.output.map((v) => v.name)).toEqual(['sum', 'prod']);
    const a = randn([4, 3], { seed: 5, ...F32 });
    const b = randn([4, 3], { seed: 6, ...F32 });
    const [s, p] = await runOrt(bytes, { a, b });
    expect(Array.from(s!.data)).toEqual(Array.from(a.add(b).dataSync()));
    expect(p!.dims).toEqual([4]);
  });
  it('an output that is an input, one returned twice, and a parameter returned as is', async () => {
    const lin = new Linear(3, 1, { ...F32 });
    const f = (x: Tensor) => {
      const y = x.mul(2);
      return [x, y, y, lin.weight];
    };
    const bytes = exportOnnx(f, randn([2, 3], F32));
    exported.push({ name: 'outputs: input, twice, parameter', bytes });
    const x = randn([2, 3], { seed: 3, ...F32 });
    const outs = await runOrt(bytes, { input: x });
    expect(outs.map((o) => o.dims)).toEqual([[2, 3], [2, 3], [2, 3], [1, 3]]);
    expect(Array.from(outs[0]!.data)).toEqual(Array.from(x.dataSync()));
    expect(Array.from(outs[2]!.data)).toEqual(Array.from(outs[1]!.data));
  });
  it('writes the producer, opset, IR version and doc string', () => {
    const m = decodeModel(exportOnnx(new Linear(2, 1), randn([1, 2]), { docString: 'a test', graphName: 'tiny' }));
    expect(m.producer_name).toBe('kindling');
    expect(m.producer_version).toBe(ONNX_EXPORTER_VERSION);
    expect(m.ir_version).toBe(8);
    expect(m.opset_import[0]!.version).toBe(DEFAULT_OPSET);
    expect(m.doc_string).toBe('a test');
    expect(m.graph.name).toBe('tiny');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(ONNX_EXPORTER_VERSION).toBe(pkg.version);
  });
  it('exportOnnxFile writes the same bytes, and names the path when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindling-onnx-file-'));
    try {
      const m = new Linear(2, 1, { seed: 1 });
      const x = randn([1, 2], { seed: 2 });
      const file = join(dir, 'm.onnx');
      const bytes = exportOnnxFile(file, m, x);
      expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
      expect(bytes).toEqual(exportOnnx(m, x));
      expect(() => exportOnnxFile(join(dir, 'no', 'm.onnx'), m, x)).toThrow(`exportOnnxFile: cannot write '${join(dir, 'no', 'm.onnx')}': no such directory`);
      expect(() => exportOnnxFile('', m, x)).toThrow('exportOnnxFile: path must be a non-empty string');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

afterAll(() => console.log(`largest relative |onnxruntime - kindling| in ops.test.ts: ${worst.diff.toExponential(2)} (${worst.where})`));

const onnx = requirePython('onnx');
describe('onnx.checker', () => {
  it.runIf(onnx.run)(`check_model(full_check=True) accepts every model exported in this file${onnx.title}`, () => {
    const r = onnxCheck(exported);
    expect(r.out).toMatch(/checked \d+, failed 0, skipped 3 /);
    expect(r.status).toBe(0);
  });
});
