// The round-2 layers beyond the PyTorch fixtures (layers-extra.torch.test.ts): gradients of
// first and second order by central differences, train/eval behaviour, Dropout's statistics,
// BatchNorm1d's in-place buffers, pooling conventions (first index on ties, -inf padding, NaN,
// ceil mode), Embedding's padding row, repr details, and every error path.
import { inspect } from 'node:util';
import { Generator, Tensor, TensorData, getDefaultDtype, gradgradcheck, noGrad, ones, randn, setDefaultDtype, tensor, traceOps, zeros } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, BatchNorm1d, Conv1d, Dropout, ELU, Embedding, Flatten, GELU, LayerNorm,
  LeakyReLU, Linear, LogSoftmax, MaxPool1d, Module, ReLU, SGD, Sequential, SiLU, Softmax, Softplus, Unflatten,
  gradcheckModule, persistentDtypeOf,
} from '../src/index.js';
import { pyFloat, pyTuple } from '../src/layers/repr.js';
import { flat, t64 } from './helpers.js';

/** Distinct values (a shuffled ramp), so no max-pool window has a tie that central differences would straddle. */
function distinct(shape: number[], seed: number, requiresGrad = true): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new Generator(seed);
  const v = Array.from({ length: n }, (_, i) => (i - n / 2 + 0.5) * 0.37); // never 0 (ELU's kink)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.uniform() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return t64(v, shape, requiresGrad);
}

describe('gradients by central differences, first and second order', () => {
  const x3 = () => randn([2, 3, 5], { seed: 1, requiresGrad: true });
  const cases: [string, () => Module, () => Tensor][] = [
    ['BatchNorm1d (train, 3-d)', () => new BatchNorm1d(3).train(), x3],
    ['BatchNorm1d (train, 2-d)', () => new BatchNorm1d(4), () => randn([5, 4], { seed: 2, requiresGrad: true })],
    ['BatchNorm1d (eval)', () => new BatchNorm1d(3).eval(), x3],
    ['BatchNorm1d (no affine, no running stats)', () => new BatchNorm1d(3, { affine: false, trackRunningStats: false }), x3],
    ['LayerNorm', () => new LayerNorm([3, 5]), x3],
    ['LayerNorm (no bias)', () => new LayerNorm(5, { bias: false }), x3],
    ['MaxPool1d', () => new MaxPool1d(3, { stride: 2, padding: 1, dilation: 1, ceilMode: true }), () => distinct([2, 2, 7], 3)],
    ['MaxPool1d (dilated, unbatched)', () => new MaxPool1d(2, { stride: 1, dilation: 2 }), () => distinct([2, 6], 4)],
    ['AvgPool1d', () => new AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), x3],
    ['AdaptiveAvgPool1d', () => new AdaptiveAvgPool1d(3), x3],
    ['AdaptiveMaxPool1d', () => new AdaptiveMaxPool1d(3), () => distinct([2, 2, 7], 5)],
    ['Unflatten', () => new Unflatten(2, [5, 1]), x3],
    ['Softmax', () => new Softmax(1), x3],
    ['LogSoftmax', () => new LogSoftmax(-1), x3],
    ['GELU', () => new GELU(), x3],
    ['GELU (tanh)', () => new GELU({ approximate: 'tanh' }), x3],
    ['ELU', () => new ELU(0.7), () => distinct([2, 3], 6)],
    ['SiLU', () => new SiLU(), x3],
    ['Softplus', () => new Softplus({ beta: 2, threshold: 5 }), x3],
    ['Dropout (eval)', () => new Dropout(0.3).eval(), x3],
  ];

  it.each(cases)('%s: gradcheckModule (input and every parameter)', (_name, make, input) => {
    const m = make();
    const params = m.parameters();
    expect(gradcheckModule(m, [input()])).toBe(true);
    expect(m.parameters()).toEqual(params);
  });

  it.each(cases)('%s: gradgradcheck (input and upstream gradient)', (_name, make, input) => {
    const m = make();
    expect(gradgradcheck((x) => m.forward(x), [input()])).toBe(true);
  });

  it('Embedding: gradcheck with respect to the weight; second order through the lookup', () => {
    // Without the padding index: its lookups depend on the row but by design send it no gradient.
    const emb = new Embedding(5, 3, { paddingIdx: 2, seed: 0 });
    expect(gradcheckModule(emb, [t64([0, 3, 4, 4, 1], [5])])).toBe(true);
    const w = randn([5, 3], { seed: 1, requiresGrad: true });
    expect(gradgradcheck((weight) => weight.indexSelect(0, [0, 4, 4]).tanh(), [w])).toBe(true);
  });

  it('Dropout in training mode: the gradient is the same noise as the forward', () => {
    const drop = new Dropout(0.4, { seed: 3 });
    const x = randn([50], { seed: 4, requiresGrad: true });
    const y = drop.forward(x);
    y.sum().backward();
    const noise = flat(x.grad!);
    flat(y).forEach((v, i) => expect(v).toBe(x.dataSync()[i]! * noise[i]!));
    for (const v of noise) expect([0, 1 / (1 - 0.4)]).toContain(v);
  });
});

describe('train() and eval()', () => {
  it('switch Dropout and BatchNorm1d inside a Sequential', () => {
    const model = new Sequential(new Linear(4, 6, { seed: 0 }), new BatchNorm1d(6), new ReLU(), new Dropout(0.5, { seed: 1 }), new Linear(6, 2, { seed: 2 }));
    const x = randn([8, 4], { seed: 3 });
    const a = flat(model.forward(x));
    const b = flat(model.forward(x));
    expect(a).not.toEqual(b); // a new dropout mask (and updated running stats, unused in training)
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    const c = flat(model.forward(x));
    expect(flat(model.forward(x))).toEqual(c); // deterministic
    const bn = model.at(1) as BatchNorm1d;
    expect(bn.numBatchesTracked!.item()).toBe(2); // eval forwards do not count
    model.train();
    expect((model.at(3) as Dropout).training).toBe(true);
  });

  it('Dropout in eval mode returns its input itself; BatchNorm1d in eval mode uses the running statistics', () => {
    const x = randn([3, 2], { seed: 0 });
    expect(new Dropout(0.9).eval().forward(x)).toBe(x);
    const bn = new BatchNorm1d(2, { eps: 0 }).eval();
    bn.loadStateDict({ running_mean: [1, -1], running_var: [4, 0.25] }, { strict: false });
    const y = bn.forward(t64([3, 0, 5, -2], [2, 2]));
    expect(flat(y)).toEqual([1, 2, 2, -2]);
  });
});

describe('Dropout', () => {
  it('a seed gives the same sequence of masks; each call draws a new one', () => {
    const a = new Dropout(0.5, { seed: 7 }), b = new Dropout(0.5, { seed: 7 });
    const x = ones([64]);
    const a1 = flat(a.forward(x)), a2 = flat(a.forward(x));
    expect(flat(b.forward(x))).toEqual(a1);
    expect(flat(b.forward(x))).toEqual(a2);
    expect(a1).not.toEqual(a2);
  });

  it('a generator is drawn from and advances', () => {
    const g1 = new Generator(5), g2 = new Generator(5);
    const x = ones([32]);
    const first = flat(new Dropout(0.5, { generator: g1 }).forward(x));
    expect(flat(new Dropout(0.5, { generator: g2 }).forward(x))).toEqual(first);
    expect(flat(new Dropout(0.5, { generator: g1 }).forward(x))).not.toEqual(first);
  });

  it.each([0.1, 0.5, 0.8])('p = %f: keeps 1 − p of the elements (within 4 standard errors), scaled by 1/(1 − p)', (p) => {
    const n = 100_000;
    const y = flat(new Dropout(p, { seed: 11 }).forward(ones([n])));
    const kept = y.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([1 / (1 - p)]));
    const rate = kept.length / n;
    expect(Math.abs(rate - (1 - p))).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    // The expectation is preserved: mean ≈ 1.
    expect(Math.abs(y.reduce((s, v) => s + v, 0) / n - 1)).toBeLessThan(4 * Math.sqrt(p / (1 - p) / n));
  });

  it('p = 0 keeps everything, p = 1 zeroes everything (gradient 0), float32 stays float32', () => {
    const x = randn([10], { seed: 1, requiresGrad: true });
    expect(flat(new Dropout(0).forward(x))).toEqual(flat(x));
    const y = new Dropout(1).forward(x);
    expect(flat(y).every((v) => v === 0)).toBe(true);
    y.sum().backward();
    expect(flat(x.grad!).every((v) => v === 0)).toBe(true);
    expect(new Dropout(0.5, { seed: 0 }).forward(randn([4], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('draws from core\'s default generator without a seed', () => {
    const d = new Dropout(0.5);
    const y = d.forward(ones([1000]));
    expect(new Set(flat(y))).toEqual(new Set([0, 2]));
  });
});

describe('BatchNorm1d', () => {
  it("has PyTorch's state-dict keys, num_batches_tracked marked int64, camelCase getters on the same tensors", () => {
    const bn = new BatchNorm1d(3);
    const sd = bn.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(sd.num_batches_tracked!.shape).toEqual([]);
    expect(persistentDtypeOf(sd.num_batches_tracked!)).toBe('int64');
    expect(persistentDtypeOf(bn.num_batches_tracked!)).toBe('int64');
    expect(persistentDtypeOf(sd.running_mean!)).toBeUndefined();
    expect(persistentDtypeOf(sd.weight!)).toBeUndefined();
    expect(bn.runningMean).toBe(bn.running_mean);
    expect(bn.runningVar).toBe(bn.running_var);
    expect(bn.numBatchesTracked).toBe(bn.num_batches_tracked);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new BatchNorm1d(3, { trackRunningStats: false }).stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new BatchNorm1d(3, { affine: false }).stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    // Nested: the dotted keys PyTorch writes.
    expect(Object.keys(new Sequential(new Conv1d(1, 2, 3, { seed: 0 }), new BatchNorm1d(2)).stateDict())).toEqual([
      '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
    ]);
  });

  it('updates the running statistics in place (same tensors, versions bumped), with the unbiased variance', () => {
    const bn = new BatchNorm1d(1, { momentum: 0.5 });
    const rm = bn.running_mean!, rv = bn.running_var!, nbt = bn.num_batches_tracked!;
    const versions = [rm.version, rv.version, nbt.version];
    bn.forward(t64([1, 2, 3, 6], [4, 1])); // mean 3, unbiased variance 14/3
    expect(bn.running_mean).toBe(rm);
    expect(rm.item()).toBe(0.5 * 3 + 0.5 * 0);
    expect(rv.item()).toBeCloseTo(0.5 * (14 / 3) + 0.5 * 1, 15);
    expect(nbt.item()).toBe(1);
    expect([rm.version, rv.version, nbt.version].every((v, i) => v > versions[i]!)).toBe(true);
    expect(rm.requiresGrad || rv.requiresGrad).toBe(false);
  });

  it('momentum null averages every batch so far equally', () => {
    const bn = new BatchNorm1d(1, { momentum: null });
    const means = [2, -4, 11];
    for (const m of means) bn.forward(t64([m - 1, m + 1], [2, 1]));
    expect(bn.running_mean!.item()).toBeCloseTo((2 - 4 + 11) / 3, 14);
    expect(bn.running_var!.item()).toBeCloseTo(2, 14); // every batch: unbiased variance 2
    expect(bn.num_batches_tracked!.item()).toBe(3);
  });

  it('an eval-mode graph keeps the statistics it read: a later training forward does not change its gradient', () => {
    // The graph saves (x − running_mean) and 1/√(running_var + eps), not the buffers, so the
    // in-place update cannot reach it (PyTorch's fused op saves the buffers and refuses instead).
    const bn = new BatchNorm1d(2, { eps: 0 }).eval();
    bn.loadStateDict({ running_var: [4, 16] }, { strict: false });
    const x = randn([4, 2], { seed: 0, requiresGrad: true });
    const y = bn.forward(x).sum();
    bn.train();
    bn.forward(randn([4, 2], { seed: 1 }).mul(10));
    y.backward();
    expect(flat(x.grad!)).toEqual([0.5, 0.25, 0.5, 0.25, 0.5, 0.25, 0.5, 0.25]);
  });

  it('loads and trains: an optimizer sees only weight and bias', () => {
    const bn = new BatchNorm1d(2);
    const opt = new SGD(bn.parameters(), { lr: 0.1 });
    expect(opt.paramGroups[0]!.params.length).toBe(2);
    const loss = bn.forward(randn([6, 2, 3], { seed: 2 })).mul(randn([6, 2, 3], { seed: 3 })).sum();
    loss.backward();
    opt.step();
    expect(flat(bn.weight!)).not.toEqual([1, 1]);
  });

  it('dtype: float32 parameters and statistics (the counter stays float64); default from core', () => {
    const bn = new BatchNorm1d(2, { dtype: 'float32' });
    expect([bn.weight!.dtype, bn.running_mean!.dtype, bn.num_batches_tracked!.dtype]).toEqual(['float32', 'float32', 'float64']);
    expect(bn.forward(randn([3, 2], { seed: 0, dtype: 'float32' })).dtype).toBe('float32');
    const before = getDefaultDtype();
    try {
      setDefaultDtype('float32');
      expect(new BatchNorm1d(2).weight!.dtype).toBe('float32');
      expect(new LayerNorm(2).weight!.dtype).toBe('float32');
      expect(new Embedding(2, 2, { seed: 0 }).weight.dtype).toBe('float32');
    } finally {
      setDefaultDtype(before);
    }
  });

  it('errors name the layer and the value', () => {
    const bn = new BatchNorm1d(3);
    expect(() => bn.forward(randn([1, 3], { seed: 0 }))).toThrow(/^BatchNorm1d: expected more than 1 value per feature .* \[1, 3\]/);
    expect(() => bn.forward(randn([1, 3, 1], { seed: 0 }))).toThrow(/more than 1 value per feature/);
    expect(bn.eval().forward(randn([1, 3], { seed: 0 })).shape).toEqual([1, 3]); // eval: running statistics
    expect(() => bn.forward(randn([4, 2], { seed: 0 }))).toThrow(/^BatchNorm1d: expected 3 features in dim 1, got shape \[4, 2\]/);
    expect(() => bn.forward(randn([4, 3, 2, 2], { seed: 0 }))).toThrow(/^BatchNorm1d: expected 2D or 3D input .* got 4D input/);
    expect(() => bn.forward([1, 2, 3] as never)).toThrow(/^BatchNorm1d: expected a Tensor of shape \[N, 3\] or \[N, 3, L\], got an array/);
    expect(() => new BatchNorm1d(0)).toThrow(/^BatchNorm1d: numFeatures must be a positive integer, got 0/);
    expect(() => new BatchNorm1d(2 ** 53)).toThrow(/^BatchNorm1d: a tensor of shape \[9007199254740992\] .* more than the 4294967296/);
    expect(() => new BatchNorm1d(2, { eps: -1 })).toThrow(/^BatchNorm1d: eps must be non-negative, got -1/);
    expect(() => new BatchNorm1d(2, { momentum: NaN })).toThrow(/^BatchNorm1d: momentum must be a finite number, got NaN/);
    expect(() => new BatchNorm1d(2, { affine: 1 as never })).toThrow(/^BatchNorm1d: affine must be a boolean, got 1/);
    expect(() => new BatchNorm1d(2, { dtype: 'int64' as never })).toThrow(/^BatchNorm1d: dtype must be 'float64' or 'float32'/);
    expect(() => new BatchNorm1d(2, { track_running_stats: false } as never)).toThrow(/^BatchNorm1d: unknown option 'track_running_stats' \(did you mean 'trackRunningStats'\?\)/);
  });
});

describe('LayerNorm', () => {
  it('normalises each sample over the last dims, same in train and eval', () => {
    const ln = new LayerNorm([2, 2], { eps: 0 });
    const x = t64([1, 2, 3, 4, 10, 10, 10, 14], [2, 2, 2]);
    const y = flat(ln.forward(x));
    const s = Math.sqrt(1.25);
    expect(y.slice(0, 4).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s].map((v) => Math.round(v * 1e12) / 1e12));
    expect(flat(ln.eval().forward(x))).toEqual(y);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(Object.keys(new LayerNorm(3, { bias: false }).stateDict())).toEqual(['weight']);
    expect(Object.keys(new LayerNorm(3, { elementwiseAffine: false }).stateDict())).toEqual([]);
  });

  it('errors name the layer and the value', () => {
    expect(() => new LayerNorm(4).forward(zeros([2, 3]))).toThrow(/^LayerNorm: expected a Tensor of shape \[\*, 4\] \(normalizedShape \[4\]\), got shape \[2, 3\]/);
    expect(() => new LayerNorm([2, 3]).forward(zeros([3]))).toThrow(/got shape \[3\]/);
    expect(() => new LayerNorm(0)).toThrow(/^LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got 0/);
    expect(() => new LayerNorm([])).toThrow(/^LayerNorm: normalizedShape .* got \[\]/);
    expect(() => new LayerNorm([2 ** 30, 2 ** 30])).toThrow(/^LayerNorm: a tensor of shape \[1073741824, 1073741824\]/);
    expect(() => new LayerNorm([2, 1.5])).toThrow(/got \[2, 1\.5\]/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => new LayerNorm([2, , 3] as never)).toThrow(/^LayerNorm: normalizedShape/);
    expect(() => new LayerNorm(2, { eps: Infinity })).toThrow(/^LayerNorm: eps must be a finite number, got Infinity/);
    expect(() => new LayerNorm(2, { elementwise_affine: false } as never)).toThrow(/^LayerNorm: unknown option 'elementwise_affine' \(did you mean 'elementwiseAffine'\?\)/);
  });
});

describe('pooling', () => {
  it('MaxPool1d sends the gradient to the first maximal element of each window, not shared', () => {
    const x = t64([1, 5, 5, 2, 5], [1, 1, 5], true);
    const [y, idx] = new MaxPool1d(3, { stride: 1 }).forwardWithIndices(x);
    expect(flat(y)).toEqual([5, 5, 5]);
    expect(flat(idx)).toEqual([1, 1, 2]);
    y.backward(t64([1, 10, 100], [1, 1, 3]));
    expect(flat(x.grad!)).toEqual([0, 11, 100, 0, 0]);
  });

  it('MaxPool1d pads with -inf (a negative input never yields a padded 0), propagates NaN', () => {
    const x = t64([-3, -1, -2, -4], [1, 4]);
    expect(flat(new MaxPool1d(2, { padding: 1 }).forward(x))).toEqual([-3, -1, -4]);
    const [v, i] = new MaxPool1d(2).forwardWithIndices(t64([1, NaN, 3, 2], [1, 4]));
    expect(flat(v)).toEqual([NaN, 3]);
    expect(flat(i)).toEqual([1, 2]);
  });

  it("ceil mode: a partial last window is kept, one starting in the right padding is dropped (PyTorch's rule)", () => {
    const x = zeros([1, 1, 5]);
    expect(new MaxPool1d(2).forward(x).shape).toEqual([1, 1, 2]);
    expect(new MaxPool1d(2, { ceilMode: true }).forward(x).shape).toEqual([1, 1, 3]);
    // L 5, K 2, s 2, p 1: ceil((5 + 2 − 2) / 2) + 1 = 4 windows, but the 4th would start at 6 ≥ L + p.
    expect(new MaxPool1d(2, { stride: 2, padding: 1, ceilMode: true }).forward(x).shape).toEqual([1, 1, 3]);
    expect(new AvgPool1d(2, { stride: 2, padding: 1, ceilMode: true }).forward(x).shape).toEqual([1, 1, 3]);
  });

  it('AvgPool1d divides by the padded window or by the elements it covers', () => {
    const x = t64([1, 2, 3, 4, 5], [1, 5]);
    expect(flat(new AvgPool1d(3, { stride: 2, padding: 1 }).forward(x))).toEqual([1, 3, 3]);
    expect(flat(new AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(x))).toEqual([1.5, 3, 4.5]);
    // ceil mode: the last window [4, 7) is clipped to the padded input [4, 6): divisor 2 with the pad, 1 without.
    expect(flat(new AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true }).forward(t64([1, 2, 3, 4, 5, 6], [1, 6])))).toEqual([1, 3, 5, 3]);
    expect(flat(new AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }).forward(t64([1, 2, 3, 4, 5, 6], [1, 6])))).toEqual([1.5, 3, 5, 6]);
  });

  it('adaptive pools use windows [floor(i·L/out), ceil((i + 1)·L/out))', () => {
    const x = t64([1, 2, 3, 4, 5, 6, 7], [1, 7]);
    expect(flat(new AdaptiveAvgPool1d(3).forward(x))).toEqual([2, 4, 6]); // [0,3) [2,5) [4,7)
    expect(flat(new AdaptiveMaxPool1d(3).forward(x))).toEqual([3, 5, 7]);
    expect(flat(new AdaptiveAvgPool1d(5).forward(t64([1, 2, 3], [1, 3])))).toEqual([1, 1.5, 2, 2.5, 3]);
    const [, i] = new AdaptiveMaxPool1d(4).forwardWithIndices(t64([1, 2, 3], [1, 3]));
    expect(flat(i)).toEqual([0, 1, 2, 2]); // [0,1) [0,2) [1,3) [2,3)
  });

  it('work on views, float32, and without recording a graph', () => {
    const base = randn([2, 6, 3], { seed: 4 });
    const view = base.transpose(1, 2); // [2, 3, 6], not contiguous
    const dense = view.contiguous();
    for (const m of [new MaxPool1d(2), new AvgPool1d(3, { stride: 1, padding: 1 }), new AdaptiveAvgPool1d(4), new AdaptiveMaxPool1d(2)]) {
      expect(flat(m.forward(view))).toEqual(flat(m.forward(dense)));
      expect(m.forward(view.to('float32')).dtype).toBe('float32');
      expect(noGrad(() => m.forward(randn([1, 1, 6], { seed: 1, requiresGrad: true }))).requiresGrad).toBe(false);
    }
    const [v, i] = noGrad(() => new MaxPool1d(3).forwardWithIndices(t64([3, 1, 2, 0, 9, 4], [1, 6])));
    expect([flat(v), flat(i)]).toEqual([[3, 9], [0, 4]]);
  });

  it('loop over typed arrays: one graph node per pooling call, whatever the input size', () => {
    // Per-element tensors (a node per window) would take minutes on 1M elements; counting the
    // ops recorded says the same without timing anything (timings live in the benchmarks).
    const x = randn([32, 16, 2048], { seed: 0, requiresGrad: true });
    for (const m of [new MaxPool1d(3, { stride: 2, padding: 1 }), new AvgPool1d(4, { stride: 2 }), new AdaptiveMaxPool1d(100)]) {
      let ops = 0;
      const y = traceOps(() => m.forward(x), () => void ops++);
      expect(ops).toBeLessThanOrEqual(3);
      y.sum().backward();
      expect(x.grad!.shape).toEqual([32, 16, 2048]);
      x.grad = null;
    }
  });

  it('errors name the layer and the value', () => {
    expect(() => new MaxPool1d(3, { padding: 2 })).toThrow(/^MaxPool1d: padding 2 must be at most half of kernelSize 3 \(at most 1\)/);
    expect(() => new AvgPool1d(2, { padding: 2 })).toThrow(/^AvgPool1d: padding 2 must be at most half of kernelSize 2/);
    expect(() => new MaxPool1d(0)).toThrow(/^MaxPool1d: kernelSize must be a positive integer \(or a 1-tuple of one\), got 0/);
    expect(() => new MaxPool1d([2, 2] as never)).toThrow(/^MaxPool1d: kernelSize .* got \[2, 2\]/);
    expect(() => new MaxPool1d(2, { stride: 0 })).toThrow(/^MaxPool1d: stride must be a positive integer/);
    expect(() => new MaxPool1d(2, { dilation: 1.5 })).toThrow(/^MaxPool1d: dilation must be a positive integer .* got 1\.5/);
    expect(() => new MaxPool1d(2, { ceilMode: 'yes' as never })).toThrow(/^MaxPool1d: ceilMode must be a boolean/);
    expect(() => new MaxPool1d(2, { returnIndices: true as never })).toThrow(/^MaxPool1d: returnIndices boolean true is not supported: .*forwardWithIndices/);
    expect(() => new AdaptiveMaxPool1d(2, { returnIndices: true as never })).toThrow(/^AdaptiveMaxPool1d: returnIndices boolean true is not supported/);
    expect(() => new MaxPool1d(2, { ceil_mode: true } as never)).toThrow(/^MaxPool1d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)/);
    expect(() => new AvgPool1d(2, { count_include_pad: true } as never)).toThrow(/^AvgPool1d: unknown option 'count_include_pad'/);
    expect(() => new AvgPool1d(2, { dilation: 2 } as never)).toThrow(/^AvgPool1d: unknown option 'dilation'/);
    expect(() => new AdaptiveAvgPool1d(0)).toThrow(/^AdaptiveAvgPool1d: outputSize must be a positive integer/);
    expect(() => new MaxPool1d(4, { dilation: 2 }).forward(zeros([1, 1, 6]))).toThrow(/^MaxPool1d: input of length 6 .* too short .* output length would be 0/);
    expect(() => new AvgPool1d(4).forward(zeros([1, 3]))).toThrow(/^AvgPool1d: input of length 3 .* too short/);
    expect(() => new MaxPool1d(2).forward(zeros([4]))).toThrow(/^MaxPool1d: expected a 2D \[C, L\] or 3D \[N, C, L\] input, got shape \[4\]/);
    expect(() => new AdaptiveMaxPool1d(2).forward(zeros([1, 2, 3, 4]))).toThrow(/^AdaptiveMaxPool1d: expected a 2D/);
    expect(() => new AdaptiveAvgPool1d(2).forward(zeros([2, 0]))).toThrow(/^AdaptiveAvgPool1d: the input's length .* at least 1/);
    expect(() => new AvgPool1d(2).forward('x' as never)).toThrow(/^AvgPool1d: expected a Tensor of shape \[N, C, L\] or \[C, L\], got the string "x"/);
  });
});

describe('Embedding', () => {
  it('looks up rows for indices of any shape; repeated indices add their gradients', () => {
    const emb = new Embedding(4, 2, { seed: 0 });
    emb.loadStateDict({ weight: [[0, 1], [2, 3], [4, 5], [6, 7]] });
    const y = emb.forward([[3, 1], [1, 1]]);
    expect(y.toArray()).toEqual([[[6, 7], [2, 3]], [[2, 3], [2, 3]]]);
    expect(emb.forward(2).toArray()).toEqual([4, 5]);
    expect(emb.forward(t64([0, 3], [2])).toArray()).toEqual([[0, 1], [6, 7]]);
    expect(emb.forward([]).shape).toEqual([0, 2]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[0, 0], [3, 3], [0, 0], [1, 1]]);
  });

  it('paddingIdx: the row starts at zero, lookups return it, and it never gets a gradient', () => {
    const emb = new Embedding(5, 3, { paddingIdx: -2, seed: 1 });
    expect(emb.paddingIdx).toBe(3);
    expect((emb.weight.toArray() as number[][])[3]).toEqual([0, 0, 0]);
    emb.loadStateDict({ weight: randn([5, 3], { seed: 2 }) });
    const y = emb.forward([3, 0, 3]);
    expect((y.toArray() as number[][])[0]).toEqual((emb.weight.toArray() as number[][])[3]);
    y.mul(randn([3, 3], { seed: 3 })).sum().backward();
    expect((emb.weight.grad!.toArray() as number[][])[3]).toEqual([0, 0, 0]);
    expect((emb.weight.grad!.toArray() as number[][])[0]!.every((v) => v !== 0)).toBe(true);
  });

  it('draws N(0, 1) weights: seeded, from a generator, or from the default generator', () => {
    const w = flat(new Embedding(1000, 20, { seed: 4 }).weight);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(w.length));
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
    expect(flat(new Embedding(3, 2, { seed: 9 }).weight)).toEqual(flat(new Embedding(3, 2, { seed: 9 }).weight));
    const g = new Generator(1);
    expect(flat(new Embedding(3, 2, { generator: g }).weight)).not.toEqual(flat(new Embedding(3, 2, { generator: g }).weight));
    expect(new Embedding(3, 2).weight.shape).toEqual([3, 2]);
    expect(new Embedding(3, 2, { dtype: 'float32', seed: 0 }).forward([1]).dtype).toBe('float32');
  });

  it('errors name the layer and the value', () => {
    const emb = new Embedding(5, 2, { seed: 0 });
    expect(() => emb.forward([1, 5])).toThrow(/^Embedding: index 5 at flat position 1 of indices of shape \[2\] is out of range \(valid: integers 0 to 4 for 5 embeddings\)/);
    expect(() => emb.forward([-1])).toThrow(/^Embedding: index -1 .* out of range/);
    expect(() => emb.forward(t64([0.5], [1]))).toThrow(/^Embedding: index 0\.5 .* not an integer/);
    expect(() => emb.forward([[1], [2, 3]])).toThrow(/^Embedding: indices must be integers in a \(nested\) array or a Tensor/);
    expect(() => emb.forward('1' as never)).toThrow(/^Embedding: expected indices as a Tensor of integers or \(nested\) arrays of them, got the string "1"/);
    expect(() => new Embedding(0, 2)).toThrow(/^Embedding: numEmbeddings must be a positive integer, got 0/);
    expect(() => new Embedding(5, 2, { paddingIdx: 5 })).toThrow(/^Embedding: paddingIdx must be an integer in \[-5, 4\] \(within numEmbeddings 5\), got 5/);
    expect(() => new Embedding(5, 2, { padding_idx: 0 } as never)).toThrow(/^Embedding: unknown option 'padding_idx' \(did you mean 'paddingIdx'\?\)/);
    expect(() => new Embedding(5, 2, { maxNorm: 1 } as never)).toThrow(/^Embedding: unknown option 'maxNorm'/);
    expect(() => new Embedding(5, 2, { seed: 1.5 })).toThrow(/^Embedding: seed must be a safe integer, got 1\.5/);
    expect(() => new Embedding(5, 2, { seed: 1, generator: new Generator(0) })).toThrow(/^Embedding: pass either seed or generator, not both/);
    expect(() => new Embedding(5, 2, { generator: {} as never })).toThrow(/^Embedding: generator must be a Generator/);
  });
});

describe('Unflatten and the activation layers', () => {
  it('Unflatten splits a dim, inferring one -1; Flatten undoes it', () => {
    const x = randn([2, 12], { seed: 0 });
    const y = new Unflatten(1, [3, -1]).forward(x);
    expect(y.shape).toEqual([2, 3, 4]);
    expect(flat(new Flatten().forward(y))).toEqual(flat(x));
    expect(new Unflatten(-1, [2, 2, 3]).forward(x).shape).toEqual([2, 2, 2, 3]);
    expect(() => new Unflatten(1, [5, 2]).forward(x)).toThrow(/^Unflatten: unflattenedSize \[5, 2\] does not multiply up to the size of dim 1 \(12\)/);
    expect(() => new Unflatten(1, [5, -1]).forward(x)).toThrow(/^Unflatten: unflattenedSize \[5, -1\] does not multiply up/);
    expect(() => new Unflatten(2, [3, 4]).forward(x)).toThrow(/^Unflatten: dim 2 is out of range for an input of shape \[2, 12\]/);
    expect(() => new Unflatten(1, [-1, -1])).toThrow(/^Unflatten: only one entry of unflattenedSize may be -1/);
    expect(() => new Unflatten(1, [])).toThrow(/^Unflatten: unflattenedSize must be a non-empty array/);
    expect(() => new Unflatten(1.5, [2])).toThrow(/^Unflatten: dim must be an integer, got 1\.5/);
  });

  it('are core\'s ops with the arguments the layer was built with', () => {
    const x = randn([3, 4], { seed: 1 });
    expect(flat(new Softmax(0).forward(x))).toEqual(flat(x.softmax(0)));
    expect(flat(new LogSoftmax(1).forward(x))).toEqual(flat(x.logSoftmax(1)));
    expect(flat(new GELU({ approximate: 'tanh' }).forward(x))).toEqual(flat(x.gelu({ approximate: 'tanh' })));
    expect(flat(new LeakyReLU().forward(x))).toEqual(flat(x.leakyRelu(0.01)));
    expect(flat(new ELU(0.3).forward(x))).toEqual(flat(x.elu(0.3)));
    expect(flat(new SiLU().forward(x))).toEqual(flat(x.silu()));
    expect(flat(new Softplus({ beta: 3, threshold: 2 }).forward(x))).toEqual(flat(x.softplus(3, 2)));
  });

  it('errors name the layer and the value', () => {
    expect(() => new Softmax(undefined as never)).toThrow(/^Softmax: dim must be an integer .* got undefined/);
    expect(() => new LogSoftmax(0.5)).toThrow(/^LogSoftmax: dim must be an integer/);
    expect(() => new Softmax(2).forward(zeros([2, 2]))).toThrow(/^Softmax: dim 2 is out of range for an input of shape \[2, 2\] \(valid: -2\.\.1\)/);
    expect(() => new GELU({ approximate: 'erf' as never })).toThrow(/^GELU: approximate must be 'none' or 'tanh', got the string "erf"/);
    expect(() => new GELU('tanh' as never)).toThrow(/^GELU: options must be an object/);
    expect(() => new LeakyReLU(NaN)).toThrow(/^LeakyReLU: negativeSlope must be a finite number, got NaN/);
    expect(() => new LeakyReLU({ negativeSlope: 0.2 } as never)).toThrow(/^LeakyReLU: negativeSlope must be a finite number, got an object/);
    expect(() => new ELU(Infinity)).toThrow(/^ELU: alpha must be a finite number/);
    expect(() => new Softplus({ beta: 0 })).toThrow(/^Softplus: beta must be a positive number, got 0/);
    expect(() => new Softplus({ threshold: '20' as never })).toThrow(/^Softplus: threshold must be a finite number/);
    expect(() => new Dropout(1.5)).toThrow(/^Dropout: p \(the probability of an element being zeroed\) must be between 0 and 1, got 1\.5/);
    expect(() => new Dropout(NaN)).toThrow(/^Dropout: p .* got NaN/);
    expect(() => new Dropout(0.5, { inplace: true } as never)).toThrow(/^Dropout: unknown option 'inplace'/);
    expect(() => new Dropout(0.5, { seed: -0.5 })).toThrow(/^Dropout: seed must be a safe integer/);
    for (const m of [new Softmax(1), new LogSoftmax(1), new GELU(), new LeakyReLU(), new ELU(), new SiLU(), new Softplus(), new Dropout(), new Unflatten(1, [1])]) {
      expect(() => m.forward([1, 2] as never)).toThrow(new RegExp(`^${m.constructor.name}: expected a Tensor, got an array`));
    }
  });
});

describe('printing', () => {
  it("Python's float spelling", () => {
    expect([1e-5, 0.1, 1, 0, -0, 1e-4, 1.5e-5, 1e16, 1e15, 123.25, -2.5e-7, 1e-20, Infinity, NaN].map(pyFloat)).toEqual([
      '1e-05', '0.1', '1.0', '0.0', '-0.0', '0.0001', '1.5e-05', '1e+16', '1000000000000000.0', '123.25', '-2.5e-07', '1e-20', 'inf', 'nan',
    ]);
    expect([pyTuple([3]), pyTuple([2, 3])]).toEqual(['(3,)', '(2, 3)']);
  });

  it("Module's toString: extra lines and children as torch.nn.Module.__repr__ lays them out; Node's inspect shows it", () => {
    class Block extends Module {
      conv = new Conv1d(1, 2, 3, { seed: 0 });
      norm = new BatchNorm1d(2);
      override extraRepr(): string {
        return 'scale=2\nshift=1';
      }
    }
    class Plain extends Module {}
    const b = new Block();
    expect(String(b)).toBe(
      'Block(\n  scale=2\n  shift=1\n  (conv): Conv1d(1, 2, kernel_size=(3,), stride=(1,))\n  (norm): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n)',
    );
    expect(String(new Plain())).toBe('Plain()');
    expect(inspect(new Sequential(new ReLU(), new Sequential(new Dropout(0.2))))).toBe('Sequential(\n  (0): ReLU()\n  (1): Sequential(\n    (0): Dropout(p=0.2, inplace=False)\n  )\n)');
    expect(`${new MaxPool1d([2], { stride: [1] })}`).toBe('MaxPool1d(kernel_size=(2,), stride=(1,), padding=0, dilation=1, ceil_mode=False)');
  });
});

describe('registerBuffer persistentDtype', () => {
  it('marks the buffer and the tensors stateDict returns for it, also after reassignment', () => {
    class Counter extends Module {
      steps: Tensor;
      constructor() {
        super();
        this.steps = this.registerBuffer('steps', zeros([]), { persistentDtype: 'int64' });
      }
    }
    const c = new Counter();
    expect(persistentDtypeOf(c.steps)).toBe('int64');
    c.steps = tensor(5);
    expect(persistentDtypeOf(c.steps)).toBeUndefined();
    const sd = c.stateDict();
    expect(sd.steps!.item()).toBe(5);
    expect(persistentDtypeOf(sd.steps!)).toBe('int64');
    expect(persistentDtypeOf(c.steps.reshape([1]))).toBeUndefined(); // a view is another tensor's data
    expect(persistentDtypeOf('x' as never)).toBeUndefined();
    c.loadStateDict({ steps: 7 });
    expect(c.steps.item()).toBe(7);
  });

  it('rejects other dtypes and unknown options', () => {
    const m = new Module();
    expect(() => m.registerBuffer('b', zeros([1]), { persistentDtype: 'int32' as never })).toThrow(/^registerBuffer: persistentDtype must be 'int64' \(or omitted for a float buffer\), got the string "int32"/);
    expect(() => m.registerBuffer('b', zeros([1]), { dtype: 'int64' } as never)).toThrow(/^registerBuffer: unknown option 'dtype'/);
    m.registerBuffer('b', zeros([1]), { persistentDtype: 'int64' });
    m.registerBuffer('b', zeros([1]));
    expect(persistentDtypeOf(m.stateDict().b!)).toBeUndefined(); // re-registered as a float buffer
  });
});

describe('non-tensor-ish inputs', () => {
  it('a Tensor subclass instance built by hand (TensorData) works like any tensor', () => {
    const x = new Tensor(new TensorData(new Float64Array([1, 2, 3, 4]), [1, 1, 4]));
    expect(flat(new MaxPool1d(2).forward(x))).toEqual([2, 4]);
  });
});
