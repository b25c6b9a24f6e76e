// The round-2 layers against PyTorch 1.13: forward, gradients, buffers after a training forward,
// eval-mode output and str(module) come from torch.nn itself (scripts/torch-fixtures/nn_layers.py
// writes fixtures/torch/nn_layers.json). Parameters and buffers are loaded with PyTorch's
// state-dict keys, and the state after the forward must have exactly PyTorch's keys.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, TensorData, noGrad } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { type Module, ModuleDict, ModuleList, Sequential } from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64'; data: number[] }
interface Spec { layer: string; args: unknown[]; options: Record<string, unknown>; children?: (Spec | [string, Spec])[] }
interface LayerCase {
  id: string;
  module: Spec;
  repr: string;
  state: Record<string, Json>;
  preInputs: Json[];
  input: Json;
  indices: Json | null;
  output: Json;
  gradOutput: Json;
  grads: Record<string, Json | null>;
  stateAfter: Record<string, Json>;
  evalOutput: Json;
}
interface ReprCase { id: string; module: Spec; repr: string }

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_layers.json'), 'utf8')) as { cases: (LayerCase | ReprCase)[] };
const layerCases = fixture.cases.filter((c): c is LayerCase => 'input' in c);
const reprCases = fixture.cases.filter((c) => !('input' in c));

const toTensor = (j: Json, requiresGrad = false) => new Tensor(new TensorData(Float64Array.from(j.data), j.shape.slice()), requiresGrad);

function expectClose(t: Tensor | null, j: Json, what: string) {
  expect(t, what).not.toBeNull();
  expect(t!.shape, what).toEqual(j.shape);
  const got = t!.dataSync();
  j.data.forEach((v, i) => {
    if (!(Math.abs(got[i]! - v) <= 1e-10 * Math.max(1, Math.abs(v)))) throw new Error(`${what}[${i}]: ${got[i]} vs PyTorch ${v}`);
  });
}

/** The Kindling module a fixture spec describes (seeded where the layer draws its initial weights). */
function build(s: Spec): Module {
  const kids = s.children ?? [];
  if (s.layer === 'Sequential') return new Sequential(...(kids as Spec[]).map(build));
  if (s.layer === 'ModuleList') return new ModuleList((kids as Spec[]).map(build));
  if (s.layer === 'ModuleDict') return new ModuleDict((kids as [string, Spec][]).map(([k, c]) => [k, build(c)] as const));
  const ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[s.layer];
  if (!ctor) throw new Error(`no layer ${s.layer}`);
  const opts = { ...s.options, ...(['Conv1d', 'Linear', 'Embedding'].includes(s.layer) ? { seed: 0 } : {}) };
  return Object.keys(opts).length ? new ctor(...s.args, opts) : new ctor(...s.args);
}

describe('round-2 layers against torch.nn (PyTorch 1.13, float64)', () => {
  it('has the fixture cases', () => {
    expect(layerCases.length).toBe(62);
    expect(reprCases.length).toBe(54);
  });

  it.each(layerCases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const m = build(c.module);
    expect(String(m)).toBe(c.repr);
    // PyTorch's keys, strictly: nothing missing, nothing extra.
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, toTensor(v)])));
    m.train();
    for (const p of c.preInputs) noGrad(() => m.forward(toTensor(p)));
    const isEmbedding = c.module.layer === 'Embedding';
    const x = toTensor(c.input, !isEmbedding);
    let y: Tensor;
    if (c.indices) {
      const [values, indices] = (m as nn.MaxPool1d).forwardWithIndices(x);
      expectClose(indices, c.indices, 'indices');
      y = values;
    } else y = m.forward(x);
    expectClose(y, c.output, 'output');
    y.backward(toTensor(c.gradOutput));
    if (c.grads.input) expectClose(x.grad, c.grads.input, 'input.grad');
    const params = Object.fromEntries(m.namedParameters());
    expect(Object.keys(params).sort()).toEqual(Object.keys(c.grads).filter((k) => k !== 'input').sort());
    for (const [name, g] of Object.entries(c.grads)) if (name !== 'input') expectClose(params[name]!.grad, g!, `${name}.grad`);
    const after = m.stateDict();
    expect(Object.keys(after)).toEqual(Object.keys(c.stateAfter));
    for (const [k, v] of Object.entries(c.stateAfter)) expectClose(after[k]!, v, `stateAfter.${k}`);
    m.eval();
    expectClose(noGrad(() => m.forward(x)), c.evalOutput, 'evalOutput');
  });

  it.each(reprCases.map((c) => [c.id, c] as const))('%s: str(module)', (_id, c) => {
    expect(String(build(c.module))).toBe(c.repr);
  });
});
