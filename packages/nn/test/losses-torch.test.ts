// CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, HuberLoss and SmoothL1Loss against
// torch.nn (scripts/torch-fixtures/nn_losses.py writes fixtures/torch/nn_losses.json): outputs,
// input and target gradients for every option combination, float64 to 1e-10 and float32 to 1e-5;
// then gradcheck/gradgradcheck of each loss, the cases PyTorch answers with NaN (not storable in
// the JSON), stability at extreme logits, and the validation messages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NestedArray, Tensor, TensorData, grad, gradcheck, gradgradcheck, logSoftmax, randn, tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, Module, NLLLoss, SmoothL1Loss } from '../src/index.js';

interface Json { shape: number[]; dtype: 'float64' | 'float32'; data: number[] }
interface Case {
  id: string;
  loss: 'CrossEntropyLoss' | 'NLLLoss' | 'BCELoss' | 'BCEWithLogitsLoss' | 'HuberLoss' | 'SmoothL1Loss';
  options: Record<string, unknown>;
  input: Json;
  targetKind: 'indices' | 'values';
  target: Json;
  output: Json;
  gradOutput: Json;
  grads: { input: Json; target: Json | null };
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures/torch/nn_losses.json'), 'utf8')) as { cases: Case[] };

const toTensor = (j: Json, requiresGrad = false): Tensor =>
  new Tensor(new TensorData(j.dtype === 'float32' ? Float32Array.from(j.data) : Float64Array.from(j.data), j.shape.slice()), requiresGrad);

const CLASSES = { CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, HuberLoss, SmoothL1Loss } as const;

function make(c: Case): Module & { forward(input: Tensor, target: Tensor | NestedArray): Tensor } {
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) opts[k] = typeof v === 'object' && v !== null ? toTensor(v as Json) : v;
  return new (CLASSES[c.loss] as new (o: unknown) => Module & { forward(input: Tensor, target: Tensor | NestedArray): Tensor })(opts);
}

function expectClose(t: Tensor | null, j: Json, tol: number, what: string): void {
  expect(t, what).not.toBeNull();
  expect(t!.shape, what).toEqual(j.shape);
  expect(t!.dtype, what).toBe(j.dtype);
  const got = t!.dataSync();
  j.data.forEach((v, i) => {
    if (!(Math.abs(got[i]! - v) <= tol * Math.max(1, Math.abs(v)))) throw new Error(`${what}[${i}]: ${got[i]} vs PyTorch ${v} (tolerance ${tol})`);
  });
}

describe('losses against torch.nn (fixtures/torch/nn_losses.json)', () => {
  it('has every case', () => {
    expect(fixture.cases.length).toBe(208);
    const counts: Record<string, number> = {};
    for (const c of fixture.cases) counts[c.loss] = (counts[c.loss] ?? 0) + 1;
    expect(counts).toEqual({ CrossEntropyLoss: 90, NLLLoss: 24, BCELoss: 22, BCEWithLogitsLoss: 28, HuberLoss: 20, SmoothL1Loss: 24 });
  });

  it.each(fixture.cases.map((c, i) => [c.id, c, i] as const))('%s', (_id, c, i) => {
    const tol = c.input.dtype === 'float64' ? 1e-10 : 1e-5;
    const loss = make(c);
    const x = toTensor(c.input, true);
    // Class indices go in as a float tensor or, every other case, as plain nested arrays.
    const wantTargetGrad = c.grads.target !== null;
    const target: Tensor | NestedArray = c.targetKind === 'indices' && i % 2 === 1 ? toTensor(c.target).toArray() : toTensor(c.target, wantTargetGrad);
    const out = loss.forward(x, target);
    expectClose(out, c.output, tol, 'output');
    out.backward(toTensor(c.gradOutput));
    expectClose(x.grad, c.grads.input, tol, 'input.grad');
    if (wantTargetGrad) expectClose((target as Tensor).grad, c.grads.target!, tol, 'target.grad');
  });
});

// ---- gradcheck and gradgradcheck ----------------------------------------------------------------

const logits = (shape: number[], seed: number) => randn(shape, { seed, requiresGrad: true });
const probsLike = (shape: number[], seed: number, dim = 1) => randn(shape, { seed }).softmax(dim);
const inUnit = (shape: number[], seed: number, requiresGrad = true) => {
  const r = randn(shape, { seed }).sigmoid().mul(0.8).add(0.1);
  return new Tensor(r.tensorData, requiresGrad);
};

describe('gradcheck and gradgradcheck of every loss w.r.t. its input (and target where defined)', () => {
  const reductions = ['mean', 'sum', 'none'] as const;
  const w4 = tensor([0.5, 2, 1, 1.5]);

  it.each(reductions)('CrossEntropyLoss, class indices (weight, ignoreIndex, smoothing, K-d), %s', (reduction) => {
    const configs: [ConstructorParameters<typeof CrossEntropyLoss>[0], number[], NestedArray][] = [
      [{ reduction }, [3, 4], [0, 3, 1]],
      [{ reduction, weight: w4, ignoreIndex: 1 }, [4, 4], [0, 1, 3, 2]],
      [{ reduction, weight: w4, labelSmoothing: 0.2 }, [2, 4, 3], [[0, 1, -100], [3, 3, 2]]],
      [{ reduction, labelSmoothing: 0.1 }, [4], 2],
    ];
    configs.forEach(([opts, shape, target], k) => {
      const loss = new CrossEntropyLoss(opts);
      const x = logits(shape, 10 + k);
      expect(gradcheck((a) => loss.forward(a, target), [x])).toBe(true);
      expect(gradgradcheck((a) => loss.forward(a, target), [x])).toBe(true);
    });
  });

  it.each(reductions)('CrossEntropyLoss, probability targets (weight, smoothing), %s: input and target', (reduction) => {
    const loss = new CrossEntropyLoss({ reduction, weight: tensor([1, 2, 0.5]), labelSmoothing: 0.1 });
    const x = logits([3, 3], 20);
    const t = new Tensor(probsLike([3, 3], 21).tensorData, true);
    expect(gradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
    expect(gradgradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
  });

  it.each(reductions)('NLLLoss (weight, ignoreIndex, K-d), %s', (reduction) => {
    const loss = new NLLLoss({ reduction, weight: tensor([1, 2, 3]), ignoreIndex: 0 });
    const x = logits([2, 3, 2], 30);
    const target = [[1, 0], [2, 2]];
    expect(gradcheck((a) => loss.forward(a, target), [x])).toBe(true);
    expect(gradgradcheck((a) => loss.forward(a, target), [x])).toBe(true);
  });

  it.each(reductions)('BCELoss (weight), %s: input and target', (reduction) => {
    const loss = new BCELoss({ reduction, weight: tensor([1, 2, 0.5]) });
    const x = inUnit([2, 3], 40);
    const t = inUnit([2, 3], 41);
    expect(gradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
    expect(gradgradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
  });

  it.each(reductions)('BCEWithLogitsLoss (weight, posWeight), %s: input and target', (reduction) => {
    for (const opts of [{ reduction }, { reduction, weight: tensor([[1], [2]]), posWeight: tensor([3, 0.5, 1]) }]) {
      const loss = new BCEWithLogitsLoss(opts);
      const x = logits([2, 3], 50);
      const t = inUnit([2, 3], 51);
      expect(gradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
      expect(gradgradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
    }
  });

  it.each(reductions)('HuberLoss and SmoothL1Loss, %s: input and target', (reduction) => {
    // Differences well inside or outside the band (central differences across the kink at
    // |x - t| = k would see a second derivative that jumps).
    const x = new Tensor(tensor([[0.1, 2.5, -0.3], [-3, 0.45, 1.8]]).tensorData, true);
    const t = new Tensor(tensor([[0, 0.2, 0.1], [0.5, 0, -0.4]]).tensorData, true);
    for (const loss of [new HuberLoss({ reduction, delta: 1 }), new SmoothL1Loss({ reduction, beta: 0.7 }), new SmoothL1Loss({ reduction, beta: 0 })]) {
      expect(gradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
      expect(gradgradcheck((a, b) => loss.forward(a, b), [x, t])).toBe(true);
    }
  });

  it('CrossEntropyLoss composes exactly as logSoftmax + NLLLoss (one rounding path, as PyTorch)', () => {
    const x = randn([5, 4, 3], { seed: 60 });
    const target = [[0, 1, 2], [3, 3, 0], [1, 2, 3], [0, 0, 1], [2, 1, 0]];
    const w = tensor([1, 0.5, 2, 1.25]);
    const a = new CrossEntropyLoss({ weight: w }).forward(x, target);
    const b = new NLLLoss({ weight: w }).forward(logSoftmax(x, 1), target);
    expect(a.item()).toBe(b.item());
  });

  it('second derivatives of cross-entropy: a Hessian-vector product equals the softmax Jacobian times v', () => {
    // For one row and mean over N rows: H = (diag(p) - p pᵀ) / N.
    const x = logits([2, 3], 70);
    const v = randn([2, 3], { seed: 71 });
    const [g] = grad([new CrossEntropyLoss().forward(x, [2, 0])], [x], { createGraph: true });
    const [hv] = grad([g!.mul(v).sum()], [x]);
    const p = x.detach().softmax(1);
    const expected = p.mul(v).sub(p.mul(p.mul(v).sum(1, true))).div(2);
    const got = hv!.dataSync();
    expected.dataSync().forEach((e, i) => expect(got[i]).toBeCloseTo(e, 12));
  });
});

// ---- PyTorch's NaN answers and edge values --------------------------------------------------------

describe('edge cases PyTorch 1.13 answers in ways the JSON cannot hold', () => {
  it('every target ignored: mean is NaN (0/0) and the gradient is all zeros, as torch.nn.NLLLoss/CrossEntropyLoss', () => {
    for (const loss of [new NLLLoss(), new CrossEntropyLoss(), new CrossEntropyLoss({ labelSmoothing: 0.2 })]) {
      const x = logits([3, 4], 80);
      const out = loss.forward(x, [-100, -100, -100]);
      expect(out.item()).toBeNaN();
      if (loss instanceof CrossEntropyLoss && loss.labelSmoothing > 0) continue; // torch: NaN gradient too (0/0 in the smoothing term)
      out.backward();
      expect(Array.from(x.grad!.dataSync())).toEqual(new Array(12).fill(0));
    }
  });

  it('zero total weight: mean is NaN; the kept targets get NaN gradients and the rest 0, as torch', () => {
    const x = logits([3, 4], 81);
    const out = new NLLLoss({ weight: tensor([0, 1, 1, 1]) }).forward(x, [0, 0, 0]);
    expect(out.item()).toBeNaN();
    out.backward();
    const g = Array.from(x.grad!.dataSync());
    g.forEach((v, i) => (i % 4 === 0 ? expect(v).toBeNaN() : expect(v).toBe(0)));
  });

  it('empty batches: mean is NaN, sum is 0, none is empty', () => {
    const x = new Tensor(new TensorData(new Float64Array(0), [0, 3]), true);
    expect(new CrossEntropyLoss().forward(x, new Tensor(new TensorData(new Float64Array(0), [0]))).item()).toBeNaN();
    expect(new CrossEntropyLoss({ reduction: 'sum' }).forward(x, new Tensor(new TensorData(new Float64Array(0), [0]))).item()).toBe(0);
    expect(new CrossEntropyLoss({ reduction: 'none' }).forward(x, new Tensor(new TensorData(new Float64Array(0), [0]))).shape).toEqual([0]);
    expect(new HuberLoss().forward(x, x.detach()).item()).toBeNaN();
    expect(new BCEWithLogitsLoss({ reduction: 'sum' }).forward(x, x.detach()).item()).toBe(0);
  });

  it('logits of ±1e4 and ±1e300 stay finite in CrossEntropyLoss and BCEWithLogitsLoss', () => {
    const x = tensor([[1e4, -1e4, 0], [-1e300, 1e300, 0]], { requiresGrad: true });
    const ce = new CrossEntropyLoss({ reduction: 'none' }).forward(x, [1, 1]);
    expect((ce.toArray() as number[]).map((v) => v + 0)).toEqual([2e4, 0]); // -0 in both libraries: -(logp = 0)
    ce.sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, -1, 0], [0, 0, 0]]);
    const z = tensor([800, -800, 0], { requiresGrad: true });
    const bce = new BCEWithLogitsLoss({ reduction: 'none' }).forward(z, tensor([0, 0, 1]));
    expect(bce.dataSync()[0]).toBe(800);
    expect(bce.dataSync()[1]).toBe(0);
    expect(bce.dataSync()[2]).toBeCloseTo(Math.LN2, 15);
    bce.sum().backward();
    expect(z.grad!.toArray()).toEqual([1, 0, -0.5]);
  });

  it('BCELoss at 0 and 1: logs clamped at -100, gradient divided by max((1 - x)x, float32(1e-12)), as torch', () => {
    const x = tensor([0, 1, 0], { requiresGrad: true });
    const out = new BCELoss({ reduction: 'none' }).forward(x, tensor([1, 0, 0]));
    expect(out.toArray()).toEqual([100, 100, 0]);
    out.sum().backward();
    const eps = Math.fround(1e-12); // torch: [-1000000003995.8029, 1000000003995.8029, ...]
    expect(x.grad!.toArray()).toEqual([-1 / eps, 1 / eps, 0]);
  });

  it('float32 in, float32 out, with float64 weights converted to the input\'s precision', () => {
    const x = randn([3, 4], { seed: 90, dtype: 'float32', requiresGrad: true });
    const out = new CrossEntropyLoss({ weight: tensor([1, 2, 3, 4]), labelSmoothing: 0.1 }).forward(x, [0, 1, 2]);
    expect(out.dtype).toBe('float32');
    out.backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(new BCEWithLogitsLoss({ posWeight: tensor([2, 2, 2, 2]) }).forward(x, x.detach().sigmoid()).dtype).toBe('float32');
  });

  it('weight is a buffer: in stateDict under PyTorch\'s keys, loadable', () => {
    const ce = new CrossEntropyLoss({ weight: tensor([1, 2]) });
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    ce.loadStateDict({ weight: [3, 4] });
    expect(ce.weight!.toArray()).toEqual([3, 4]);
    expect(Object.keys(new CrossEntropyLoss().stateDict())).toEqual([]);
    const b = new BCEWithLogitsLoss({ weight: tensor([1]), posWeight: tensor([2, 3]) });
    expect(Object.keys(b.stateDict())).toEqual(['weight', 'pos_weight']);
    expect(b.posWeight!.toArray()).toEqual([2, 3]);
  });
});

// ---- validation ---------------------------------------------------------------------------------

describe('validation: messages name the loss', () => {
  it('class-index targets: shape, integers, range, ignoreIndex', () => {
    const x = randn([3, 4], { seed: 1 });
    const ce = new CrossEntropyLoss();
    expect(() => ce.forward(x, [0, 1])).toThrow(/CrossEntropyLoss: for an input of shape \[3, 4\] the target must hold class indices of shape \[3\], or class probabilities of the input's shape \[3, 4\]; got a target of shape \[2\]/);
    expect(() => ce.forward(x, [0, 1.5, 2])).toThrow(/CrossEntropyLoss: target 1.5 at position \[1\] is not an integer/);
    expect(() => ce.forward(x, [0, 4, 2])).toThrow(/CrossEntropyLoss: target 4 at position \[1\] is out of range for 4 classes \(valid: 0 to 3, or ignoreIndex -100\)/);
    expect(() => ce.forward(x, [0, -1, 2])).toThrow(/out of range/);
    expect(() => new NLLLoss({ ignoreIndex: -1 }).forward(x, [0, -1, 2])).not.toThrow();
    expect(() => new NLLLoss().forward(x, [[0, 1, 2]])).toThrow(/NLLLoss: for an input of shape \[3, 4\] the target must hold class indices of shape \[3\]; got a target of shape \[1, 3\]/);
    expect(() => new NLLLoss().forward(randn([4]), 4)).toThrow(/NLLLoss: target 4 at the 0-d target is out of range/);
    expect(() => new NLLLoss().forward(tensor(1), 0)).toThrow(/NLLLoss: input must have a class dimension/);
    expect(() => new NLLLoss().forward(x, 'a' as unknown as number)).toThrow(/NLLLoss: target must be a Tensor/);
    expect(() => new NLLLoss({ ignoreIndex: 0.5 })).toThrow(/NLLLoss: ignoreIndex must be an integer, got 0.5/);
  });

  it('weights: a 1-d tensor of C entries', () => {
    const x = randn([3, 4], { seed: 1 });
    expect(() => new CrossEntropyLoss({ weight: tensor([1, 2, 3]) }).forward(x, [0, 1, 2])).toThrow(/CrossEntropyLoss: weight must be a 1-d Tensor with one entry per class \(4\)/);
    expect(() => new CrossEntropyLoss({ weight: tensor([1, 2, 3]) }).forward(x, x.softmax(1))).toThrow(/CrossEntropyLoss: weight .*\(4\)/);
    expect(() => new NLLLoss({ weight: tensor([[1, 2]]) })).toThrow(/NLLLoss: weight must be a 1-d Tensor of per-class weights, got shape \[1, 2\]/);
    expect(() => new NLLLoss({ weight: [1, 2] as unknown as Tensor })).toThrow(/NLLLoss: weight must be a 1-d Tensor/);
    expect(() => new BCELoss({ weight: tensor([1, 2, 3]) }).forward(inUnit([2, 2], 1, false), inUnit([2, 2], 2, false))).toThrow(/BCELoss: weight of shape \[3\] does not broadcast to the input's shape \[2, 2\]/);
    expect(() => new BCEWithLogitsLoss({ posWeight: tensor([1, 2, 3]) }).forward(x, x)).toThrow(/BCEWithLogitsLoss: posWeight of shape \[3\] does not broadcast/);
  });

  it('options: unknown keys, reduction, labelSmoothing, delta, beta', () => {
    expect(() => new CrossEntropyLoss({ label_smoothing: 0.1 } as never)).toThrow(/CrossEntropyLoss: unknown option 'label_smoothing' \(did you mean 'labelSmoothing'\?\)/);
    expect(() => new BCEWithLogitsLoss({ pos_weight: tensor([1]) } as never)).toThrow(/did you mean 'posWeight'/);
    expect(() => new NLLLoss({ ignore_index: 1 } as never)).toThrow(/NLLLoss: unknown option 'ignore_index'/);
    expect(() => new HuberLoss({ reduction: 'avg' as never })).toThrow(/HuberLoss: reduction must be 'mean', 'sum' or 'none'/);
    for (const ls of [-0.1, 1.5, NaN]) expect(() => new CrossEntropyLoss({ labelSmoothing: ls })).toThrow(/CrossEntropyLoss: labelSmoothing must be a number between 0.0 and 1.0/);
    for (const d of [0, -1, Infinity]) expect(() => new HuberLoss({ delta: d })).toThrow(/HuberLoss: delta must be a finite number > 0/);
    expect(() => new SmoothL1Loss({ beta: -1 })).toThrow(/SmoothL1Loss: beta must be a finite number >= 0/);
    expect(() => new SmoothL1Loss({ beta: 0 })).not.toThrow();
  });

  it('probability targets: ignoreIndex >= 0 is refused, as in PyTorch', () => {
    const x = randn([2, 3], { seed: 3 });
    expect(() => new CrossEntropyLoss({ ignoreIndex: 0 }).forward(x, x.softmax(1))).toThrow(/CrossEntropyLoss: ignoreIndex \(0\) is not supported for probability targets/);
  });

  it('BCELoss: inputs outside [0, 1] and shape mismatches', () => {
    expect(() => new BCELoss().forward(tensor([0.5, 1.5]), tensor([1, 0]))).toThrow(/BCELoss: every input element must be between 0 and 1 .* got 1.5 at flat index 1/);
    expect(() => new BCELoss().forward(tensor([0.5, NaN]), tensor([1, 0]))).toThrow(/BCELoss: every input element/);
    expect(() => new BCEWithLogitsLoss().forward(tensor([0.5, 1.5]), tensor([1]))).toThrow(/BCEWithLogitsLoss: prediction shape \[2\] and target shape \[1\] must match/);
    expect(() => new SmoothL1Loss().forward(tensor([0.5, 1.5]), 1 as never)).toThrow(/SmoothL1Loss: expected the target to be a Tensor/);
  });
});
