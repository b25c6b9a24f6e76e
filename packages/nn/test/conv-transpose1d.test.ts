// ConvTranspose1d against PyTorch: forward, gradients, str(module) and the init bounds come from
// torch.nn.ConvTranspose1d itself (scripts/torch-fixtures/nn_conv_transpose.py writes
// fixtures/torch/nn_conv_transpose.json); shapes from the documented output-length formula.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, TensorData, randn } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Conv1d, ConvTranspose1d, type ConvTranspose1dLayerOptions } from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64'; data: number[] }
interface Case {
  id: string;
  args: { inChannels: number; outChannels: number; kernelSize: number; options: ConvTranspose1dLayerOptions };
  repr: string;
  init: { fanIn: number; weightBound: number; biasBound: number | null; weightMaxAbs: number; biasMaxAbs: number | null };
  weight: Json;
  bias: Json | null;
  input: Json;
  output: Json;
  gradOutput: Json;
  grads: { input: Json; weight: Json; bias: Json | null };
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_conv_transpose.json'), 'utf8')) as { cases: Case[] };
const toTensor = (j: Json, requiresGrad = false) => new Tensor(new TensorData(Float64Array.from(j.data), j.shape.slice()), requiresGrad);

function expectClose(t: Tensor | null, j: Json, what: string) {
  expect(t, what).not.toBeNull();
  expect(t!.shape, what).toEqual(j.shape);
  const got = t!.dataSync();
  j.data.forEach((v, i) => {
    if (Math.abs(got[i]! - v) > 1e-10 * Math.max(1, Math.abs(v))) throw new Error(`${what}[${i}]: ${got[i]} vs PyTorch ${v}`);
  });
}

describe('ConvTranspose1d against torch.nn.ConvTranspose1d', () => {
  it('has the fixture cases', () => expect(fixture.cases.length).toBe(9));

  it.each(fixture.cases.map((c) => [c.id, c] as const))('%s: forward, gradients and str(module)', (_id, c) => {
    const { inChannels, outChannels, kernelSize, options } = c.args;
    const layer = new ConvTranspose1d(inChannels, outChannels, kernelSize, { ...options, seed: 0 });
    expect(String(layer)).toBe(c.repr);
    expect(layer.weight.shape).toEqual(c.weight.shape);
    layer.loadStateDict(c.bias ? { weight: toTensor(c.weight), bias: toTensor(c.bias) } : { weight: toTensor(c.weight) });
    const x = toTensor(c.input, true);
    const y = layer.forward(x);
    expectClose(y, c.output, 'output');
    y.backward(toTensor(c.gradOutput));
    expectClose(x.grad, c.grads.input, 'input.grad');
    expectClose(layer.weight.grad, c.grads.weight, 'weight.grad');
    if (c.grads.bias) expectClose(layer.bias!.grad, c.grads.bias, 'bias.grad');
    else expect(layer.bias).toBeNull();
  });

  it.each(fixture.cases.map((c) => [c.id, c] as const))('%s: init bounds are PyTorch\'s (fan-in from weight dim 1)', (_id, c) => {
    const { inChannels, outChannels, kernelSize, options } = c.args;
    const layer = new ConvTranspose1d(inChannels, outChannels, kernelSize, { ...options, seed: 7 });
    const groups = options.groups ?? 1;
    expect((outChannels / groups) * kernelSize).toBe(c.init.fanIn);
    const bound = 1 / Math.sqrt(c.init.fanIn);
    expect(Math.abs(bound - c.init.weightBound)).toBeLessThan(1e-15); // kaiming_uniform_(a=√5) = 1/√fanIn
    for (const v of layer.weight.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    if (c.init.biasBound !== null) {
      expect(Math.abs(bound - c.init.biasBound)).toBeLessThan(1e-15);
      for (const v of layer.bias!.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    }
  });

  it("draws uniformly across the whole ±1/√((Cout/groups)·K), not Conv1d's ±1/√(Cin·K)", () => {
    // 64 in, 16 out, K 5: fan-in 80 (bound 0.1118); Conv1d's rule would give fan-in 320 (0.0559).
    const layer = new ConvTranspose1d(64, 16, 5, { seed: 3 });
    const w = Array.from(layer.weight.dataSync());
    const bound = 1 / Math.sqrt(16 * 5);
    expect(w.length).toBe(64 * 16 * 5);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound); // 5120 draws reach the edge
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(4 * bound / Math.sqrt(3 * w.length)); // 4 standard errors
    expect(Math.abs(variance / (bound * bound / 3) - 1)).toBeLessThan(0.05);   // uniform: bound²/3
    const b = Array.from(layer.bias!.dataSync());
    expect(b).toHaveLength(16);
    for (const v of b) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(1 / Math.sqrt(64 * 5)); // wider than Conv1d's
  });
});

describe('ConvTranspose1d shapes and options', () => {
  // L_out = (L − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1 (PyTorch's docs).
  const outLength = (L: number, K: number, o: { stride?: number; padding?: number; dilation?: number; outputPadding?: number }) =>
    (L - 1) * (o.stride ?? 1) - 2 * (o.padding ?? 0) + (o.dilation ?? 1) * (K - 1) + (o.outputPadding ?? 0) + 1;

  it.each([
    [{}, 3],
    [{ stride: 2 }, 3],
    [{ stride: 3, outputPadding: 2 }, 2],
    [{ padding: 1, dilation: 2 }, 3],
    [{ stride: [2], padding: [1], dilation: [1], outputPadding: [1] }, 4],
  ] as [ConvTranspose1dLayerOptions, number][])('options %j, K %i', (opts, K) => {
    const layer = new ConvTranspose1d(2, 3, K, { ...opts, seed: 1 });
    const plain = Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    expect(layer.forward(randn([4, 2, 6], { seed: 2 })).shape).toEqual([4, 3, outLength(6, K, plain)]);
    expect(layer.forward(randn([2, 6], { seed: 2 })).shape).toEqual([3, outLength(6, K, plain)]); // unbatched
  });

  it('weight [Cin, Cout/groups, K], bias [Cout], named as PyTorch names them', () => {
    const layer = new ConvTranspose1d(4, 6, 3, { groups: 2, seed: 0 });
    expect(layer.weight.shape).toEqual([4, 3, 3]);
    expect(layer.bias!.shape).toEqual([6]);
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(new ConvTranspose1d(4, 6, 3, { bias: false, seed: 0 }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('seeds, generators and dtype', () => {
    const a = new ConvTranspose1d(3, 2, 3, { seed: 5 }), b = new ConvTranspose1d(3, 2, 3, { seed: 5 });
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    expect(Array.from(a.bias!.dataSync())).toEqual(Array.from(b.bias!.dataSync()));
    const gen = new Generator(9);
    const c = new ConvTranspose1d(3, 2, 3, { generator: gen }), d = new ConvTranspose1d(3, 2, 3, { generator: gen });
    expect(Array.from(c.weight.dataSync())).not.toEqual(Array.from(d.weight.dataSync())); // the generator advanced
    const f32 = new ConvTranspose1d(3, 2, 3, { dtype: 'float32', seed: 1 });
    expect([f32.weight.dtype, f32.bias!.dtype]).toEqual(['float32', 'float32']);
    expect(f32.forward(randn([1, 3, 4], { seed: 1, dtype: 'float32' })).dtype).toBe('float32');
  });

  it('is the adjoint of Conv1d with the same weight: <convT(x), z> = <x, conv(z)>', () => {
    const up = new ConvTranspose1d(3, 2, 3, { stride: 2, padding: 1, bias: false, seed: 4 });
    const down = new Conv1d(2, 3, 3, { stride: 2, padding: 1, bias: false, seed: 0 });
    down.loadStateDict({ weight: up.weight }); // Conv1d's [Cout=3, Cin=2, K] is ConvTranspose1d's [Cin=3, Cout=2, K]
    const x = randn([1, 3, 5], { seed: 11 });
    const z = randn([1, 2, 9], { seed: 12 }); // convT: (5 − 1)·2 − 2 + 2 + 1 = 9
    const lhs = up.forward(x).mul(z).sum().item();
    const rhs = x.mul(down.forward(z)).sum().item();
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(lhs)));
  });
});

describe('ConvTranspose1d errors name the layer', () => {
  it.each([
    [() => new ConvTranspose1d(0, 2, 3), /ConvTranspose1d: inChannels must be a positive integer, got 0/],
    [() => new ConvTranspose1d(2, 2.5, 3), /ConvTranspose1d: outChannels must be a positive integer/],
    [() => new ConvTranspose1d(2, 2, 0), /ConvTranspose1d: kernelSize must be a positive integer/],
    [() => new ConvTranspose1d(2, 2, [3, 3] as never), /ConvTranspose1d: kernelSize .* got \[3, 3\]/],
    [() => new ConvTranspose1d(2, 2, 3, { stride: 0 }), /ConvTranspose1d: stride must be a positive integer/],
    [() => new ConvTranspose1d(2, 2, 3, { padding: -1 }), /ConvTranspose1d: padding must be a non-negative integer/],
    [() => new ConvTranspose1d(2, 2, 3, { padding: 'same' as never }), /ConvTranspose1d: padding must be a non-negative integer/],
    [() => new ConvTranspose1d(2, 2, 3, { outputPadding: 1 }), /ConvTranspose1d: outputPadding 1 must be smaller than stride 1 or dilation 1/],
    [() => new ConvTranspose1d(2, 2, 3, { stride: 2, outputPadding: 2 }), /outputPadding 2 must be smaller than stride 2 or dilation 1/],
    [() => new ConvTranspose1d(3, 4, 3, { groups: 2 }), /ConvTranspose1d: inChannels 3 must be divisible by groups 2/],
    [() => new ConvTranspose1d(4, 3, 3, { groups: 2 }), /ConvTranspose1d: outChannels 3 must be divisible by groups 2/],
    [() => new ConvTranspose1d(2, 2, 3, { paddingMode: 'reflect' as never }), /ConvTranspose1d: paddingMode .*reflect.* is not supported/],
    [() => new ConvTranspose1d(2, 2, 3, { bias: 1 as never }), /ConvTranspose1d: bias must be a boolean/],
    [() => new ConvTranspose1d(2, 2, 3, { output_padding: 1 } as never), /ConvTranspose1d: unknown option 'output_padding' \(did you mean 'outputPadding'\?\)/],
    [() => new ConvTranspose1d(2, 2, 3, { dtype: 'int32' as never }), /ConvTranspose1d: dtype must be 'float64' or 'float32'/],
    [() => new ConvTranspose1d(2, 2, 3, { seed: 1, generator: new Generator(1) }), /ConvTranspose1d: pass either seed or generator/],
  ])('%#', (make, message) => expect(make).toThrow(message));

  it('forward checks its input', () => {
    const layer = new ConvTranspose1d(3, 2, 3, { seed: 0 });
    expect(() => layer.forward(randn([1, 2, 5], { seed: 0 }))).toThrow(/ConvTranspose1d: expected input with 3 channels, got shape \[1, 2, 5\]/);
    expect(() => layer.forward(randn([5], { seed: 0 }))).toThrow(/ConvTranspose1d: expected a Tensor of shape \[N, 3, L\] or \[3, L\], got shape \[5\]/);
    expect(() => layer.forward([1, 2, 3] as never)).toThrow(/ConvTranspose1d: expected a Tensor of shape/);
  });
});
