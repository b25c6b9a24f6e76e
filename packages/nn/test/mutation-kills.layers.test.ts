/*
 * Behaviour of the layer helpers (common.ts, init.ts, repr.ts), the containers and Module that
 * the broader suites leave unexercised: allocation failures reported naming the layer, other
 * errors passed through untouched, Python's spelling of -inf, empty ModuleDicts, buffers holding
 * the wrong thing, nested buffer names, and unexpected state-dict entries that are not arrays.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Generator, Tensor, manualSeed, ones, randn, setDefaultDtype, tensor, zeros } from '@kindling/core';
import {
  AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, BatchNorm1d, Conv1d, Dropout, ELU, Embedding, Flatten, LayerNorm,
  LeakyReLU, Linear, LogSoftmax, MaxPool1d, Module, ModuleDict, ModuleList, ReLU, Sequential, Softmax, Softplus, Tanh,
  Unflatten,
} from '../src/index.js';
import { pyFloat } from '../src/layers/repr.js';

/**
 * Stands in for the global Float64Array so that asking for `limit` or more elements fails as
 * V8 fails an allocation the machine cannot back (`RangeError: Array buffer allocation failed`),
 * or with `error` when given. Smaller arrays are real Float64Arrays.
 */
function failingFloat64Array(limit: number, error: () => Error = () => new RangeError('Array buffer allocation failed')): typeof Float64Array {
  const Real = Float64Array;
  return class extends Real {
    constructor(...args: unknown[]) {
      if (typeof args[0] === 'number' && args[0] >= limit) throw error();
      super(...(args as [number]));
    }
  } as unknown as typeof Float64Array;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('allocation failures name the layer (common.ts normalDraws / filled, init.ts uniformSource)', () => {
  it('Embedding larger than 2^32 elements: the size check names the layer and both numbers', () => {
    // 2^31 rows of 4: 2^33 = 8589934592 normals, over core's 2^32 limit on one allocation.
    expect(() => new Embedding(2 ** 31, 4)).toThrow(
      /^Embedding: a parameter of 8589934592 elements is more than the 4294967296 \(2\^32\) a typed array can hold$/,
    );
  });

  it('Embedding: an allocation the machine cannot back is reported naming the layer and the size', () => {
    vi.stubGlobal('Float64Array', failingFloat64Array(1_000_000));
    expect(() => new Embedding(1000, 1000, { seed: 0 })).toThrow(
      /^Embedding: cannot allocate a parameter of 1000000 elements \(Array buffer allocation failed\)$/,
    );
  });

  it('Embedding: an error that is not an allocation failure passes through unchanged', () => {
    const gen = new Generator(0);
    const boom = new TypeError('generator broke');
    gen.normal = () => {
      throw boom;
    };
    let caught: unknown;
    try {
      new Embedding(2, 3, { generator: gen });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
  });

  it('BatchNorm1d / LayerNorm: a constant parameter that cannot be allocated is reported naming the layer', () => {
    vi.stubGlobal('Float64Array', failingFloat64Array(1_000_000));
    expect(() => new BatchNorm1d(1_000_000)).toThrow(/^BatchNorm1d: cannot allocate a tensor of 1000000 elements \(Array buffer allocation failed\)$/);
    expect(() => new LayerNorm([1000, 2000])).toThrow(/^LayerNorm: cannot allocate a tensor of 2000000 elements \(Array buffer allocation failed\)$/);
  });

  it('BatchNorm1d: an error other than a RangeError from the allocator is not relabelled', () => {
    const boom = new TypeError('allocator broke');
    vi.stubGlobal('Float64Array', failingFloat64Array(1_000_000, () => boom));
    let caught: unknown;
    try {
      new BatchNorm1d(1_000_000);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
  });

  it('Linear: a weight that cannot be allocated is reported naming the layer and the size', () => {
    vi.stubGlobal('Float64Array', failingFloat64Array(1_000_000));
    expect(() => new Linear(1000, 1000, { seed: 0 })).toThrow(/^Linear: cannot allocate a parameter of 1000000 elements \(Array buffer allocation failed\)$/);
  });

  it('Linear: an error that is not an allocation failure passes through unchanged', () => {
    const gen = new Generator(0);
    const boom = new TypeError('generator broke');
    gen.uniform = () => {
      throw boom;
    };
    let caught: unknown;
    try {
      new Linear(2, 3, { generator: gen });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
  });
});

describe('repr.ts', () => {
  it("pyFloat(-Infinity) is Python's repr(float('-inf'))", () => {
    // python3 -c "print(repr(float('-inf')), repr(-1e309))"  ->  -inf -inf
    expect(pyFloat(-Infinity)).toBe('-inf');
    expect(pyFloat(-1e309)).toBe('-inf');
  });
});

describe('ModuleDict', () => {
  it('new ModuleDict() is empty, prints as PyTorch prints nn.ModuleDict()', () => {
    const d = new ModuleDict();
    expect(d.length).toBe(0);
    expect(d.keys()).toEqual([]);
    expect([...d]).toEqual([]);
    // python3 -c "import torch; print(torch.nn.ModuleDict())"  ->  ModuleDict()
    expect(d.toString()).toBe('ModuleDict()');
  });

  it("get on an empty ModuleDict says there are no keys", () => {
    expect(() => new ModuleDict().get('fc')).toThrow(/^ModuleDict\.get: no module named the string "fc" \(keys: none\)$/);
    const d = new ModuleDict({ a: new Linear(1, 1, { seed: 0 }), b: new Linear(1, 1, { seed: 1 }) });
    expect(() => d.get('fc')).toThrow(/^ModuleDict\.get: no module named the string "fc" \(keys: 'a', 'b'\)$/);
  });
});

class WithBuffer extends Module {
  stat: Tensor | null;
  constructor() {
    super();
    this.stat = this.registerBuffer('stat', zeros([2]));
  }
}

describe('Module buffers', () => {
  it('a registered buffer later assigned a non-tensor makes traversal throw, naming the module and the buffer', () => {
    const m = new WithBuffer();
    (m as unknown as Record<string, unknown>).stat = 5;
    expect(() => m.stateDict()).toThrow(/^WithBuffer: buffer 'stat' holds 5; assign a Tensor or null$/);
    (m as unknown as Record<string, unknown>).stat = [1, 2];
    expect(() => m.namedBuffers()).toThrow(/^WithBuffer: buffer 'stat' holds an array; assign a Tensor or null$/);
  });

  it('a registered buffer set to null or undefined is absent, not an error', () => {
    const m = new WithBuffer();
    m.stat = null;
    expect(m.stateDict()).toEqual({});
    expect(m.namedBuffers()).toEqual([]);
    (m as unknown as Record<string, unknown>).stat = undefined;
    expect(m.stateDict()).toEqual({});
    expect(m.namedBuffers()).toEqual([]);
    m.stat = tensor([3, 4]);
    expect(Object.keys(m.stateDict())).toEqual(['stat']);
  });

  it("namedBuffers names a child's buffers with dotted paths, as PyTorch's named_buffers()", () => {
    // python3 -c "import torch; print([n for n, _ in torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.BatchNorm1d(2)).named_buffers()])"
    //   -> ['1.running_mean', '1.running_var', '1.num_batches_tracked']
    const s = new Sequential(new Linear(1, 1, { seed: 0 }), new BatchNorm1d(2));
    expect(s.namedBuffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    const own = new WithBuffer();
    expect(own.namedBuffers().map(([n]) => n)).toEqual(['stat']);
  });
});

describe('loadStateDict', () => {
  it('an unexpected key whose value is not a tensor or an array is listed with shape []', () => {
    const m = new WithBuffer();
    expect(() => m.loadStateDict({ stat: [1, 2], extra: 'abc' as unknown as number })).toThrow(
      /^loadStateDict: error\(s\) loading state dict into WithBuffer; nothing was changed:\n {2}unexpected key\(s\): 'extra' \(shape \[\]\)$/,
    );
    expect(() => m.loadStateDict({ stat: [1, 2], ragged: [[1], [2, 3]] as unknown as number[] })).toThrow(
      /^loadStateDict: error\(s\) loading state dict into WithBuffer; nothing was changed:\n {2}unexpected key\(s\): 'ragged' \(shape \[\]\)$/,
    );
    expect(flat(m.stat!)).toEqual([0, 0]);
  });
});

function flat(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

describe('Softmax / LogSoftmax dims at the edges of the valid range', () => {
  it('dim = -ndim is the first dim', () => {
    // torch.nn.Softmax(-2)(torch.tensor([[0., 1, 2], [2, 1, 0]], dtype=torch.float64)).tolist()
    //   -> [[0.11920292202211755, 0.5, 0.8807970779778823], [0.8807970779778823, 0.5, 0.11920292202211755]]
    // By hand: softmax over each column of two entries a, b is 1 / (1 + e^(b - a)).
    const x = tensor([[0, 1, 2], [2, 1, 0]]);
    const lo = 1 / (1 + Math.exp(2));
    const hi = 1 / (1 + Math.exp(-2));
    const y = flat(new Softmax(-2).forward(x));
    [lo, 0.5, hi, hi, 0.5, lo].forEach((v, i) => expect(y[i]).toBeCloseTo(v, 14));
    const ly = flat(new LogSoftmax(-2).forward(x));
    [Math.log(lo), Math.log(0.5), Math.log(hi), Math.log(hi), Math.log(0.5), Math.log(lo)].forEach((v, i) => expect(ly[i]).toBeCloseTo(v, 14));
  });

  it('a 0-d input takes dim 0 or -1 (softmax 1, log-softmax 0) and nothing else', () => {
    // torch.nn.Softmax(0)(torch.tensor(3.)) -> 1.; nn.Softmax(-1) -> 1.; nn.LogSoftmax(0) -> 0.
    expect(new Softmax(0).forward(tensor(3)).item()).toBe(1);
    expect(new Softmax(-1).forward(tensor(3)).item()).toBe(1);
    expect(new LogSoftmax(0).forward(tensor(3)).item()).toBe(0);
    // PyTorch: Dimension out of range (expected to be in range of [-1, 0], but got 1)
    expect(() => new Softmax(1).forward(tensor(3))).toThrow(/^Softmax: dim 1 is out of range for an input of shape \[\] \(valid: -1\.\.0\)$/);
    expect(() => new LogSoftmax(-2).forward(tensor(3))).toThrow(/^LogSoftmax: dim -2 is out of range for an input of shape \[\] \(valid: -1\.\.0\)$/);
    expect(() => new Softmax(-3).forward(zeros([2, 2]))).toThrow(/^Softmax: dim -3 is out of range for an input of shape \[2, 2\] \(valid: -2\.\.1\)$/);
  });
});

describe('Flatten / Unflatten dims at the edges', () => {
  it('Flatten: negative dims down to -ndim; a 0-d input flattens to [1] with dim 0 or -1', () => {
    // torch.nn.Flatten(-2, -1)(torch.zeros(2, 3, 4)).shape -> [2, 12]; nn.Flatten(0, -2) -> [6, 4]
    expect(new Flatten(-2, -1).forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new Flatten(-3, -2).forward(zeros([2, 3, 4])).shape).toEqual([6, 4]);
    // nn.Flatten(0)(torch.tensor(3.)).shape -> [1]; nn.Flatten(-1)(...) -> [1]
    expect(new Flatten(0).forward(tensor(3)).shape).toEqual([1]);
    expect(new Flatten(-1, 0).forward(tensor(3)).shape).toEqual([1]);
    // nn.Flatten(1)(torch.tensor(3.)): Dimension out of range (expected to be in range of [-1, 0], but got 1)
    expect(() => new Flatten(1).forward(tensor(3))).toThrow(/^Flatten: startDim 1 is out of range for an input of shape \[\]$/);
    expect(() => new Flatten(-4).forward(zeros([2, 3, 4]))).toThrow(/^Flatten: startDim -4 is out of range for an input of shape \[2, 3, 4\]$/);
    expect(() => new Flatten(0, 3).forward(zeros([2, 3, 4]))).toThrow(/^Flatten: endDim 3 is out of range for an input of shape \[2, 3, 4\]$/);
    expect(() => new Flatten(0, -4).forward(zeros([2, 3, 4]))).toThrow(/^Flatten: endDim -4 is out of range for an input of shape \[2, 3, 4\]$/);
  });

  it('Flatten: non-integer dims are rejected naming the argument', () => {
    expect(() => new Flatten(0.5)).toThrow(/^Flatten: startDim must be an integer, got 0\.5$/);
    expect(() => new Flatten(0, '1' as never)).toThrow(/^Flatten: endDim must be an integer, got the string "1"$/);
  });

  it('Unflatten: dim = -ndim, an inferred size, and sizes that do not multiply up', () => {
    // torch.nn.Unflatten(-3, (1, 2))(torch.zeros(2, 3, 4)).shape -> [1, 2, 3, 4]
    expect(new Unflatten(-3, [1, 2]).forward(zeros([2, 3, 4])).shape).toEqual([1, 2, 3, 4]);
    // torch.nn.Unflatten(0, (2, -1))(torch.zeros(6, 1)).shape -> [2, 3, 1]
    expect(new Unflatten(0, [2, -1]).forward(zeros([6, 1])).shape).toEqual([2, 3, 1]);
    expect(new Unflatten(1, [-1]).forward(zeros([2, 5])).shape).toEqual([2, 5]);
    // PyTorch: unflatten: Provided sizes [0, -1] don't multiply up to the size of dim 0 (6) in the input tensor
    expect(() => new Unflatten(0, [0, -1]).forward(zeros([6, 1]))).toThrow(
      /^Unflatten: unflattenedSize \[0, -1\] does not multiply up to the size of dim 0 \(6\) of the input of shape \[6, 1\]$/,
    );
    expect(() => new Unflatten(0, [4, -1]).forward(zeros([6, 1]))).toThrow(
      /^Unflatten: unflattenedSize \[4, -1\] does not multiply up to the size of dim 0 \(6\) of the input of shape \[6, 1\]$/,
    );
    expect(() => new Unflatten(-1, [2, 2]).forward(zeros([6, 5]))).toThrow(
      /^Unflatten: unflattenedSize \[2, 2\] does not multiply up to the size of dim -1 \(5\) of the input of shape \[6, 5\]$/,
    );
    expect(() => new Unflatten(-3, [1, 2]).forward(zeros([2, 3]))).toThrow(/^Unflatten: dim -3 is out of range for an input of shape \[2, 3\]$/);
    expect(() => new Unflatten(2, [1, 2]).forward(zeros([2, 3]))).toThrow(/^Unflatten: dim 2 is out of range for an input of shape \[2, 3\]$/);
  });

  it('Unflatten: bad constructor arguments name the argument and the value', () => {
    expect(() => new Unflatten(0.5, [2])).toThrow(/^Unflatten: dim must be an integer, got 0\.5$/);
    expect(() => new Unflatten(0, [])).toThrow(/^Unflatten: unflattenedSize must be a non-empty array of non-negative integers \(one may be -1\), got \[\]$/);
    expect(() => new Unflatten(0, [2, -2])).toThrow(/^Unflatten: unflattenedSize must be a non-empty array of non-negative integers \(one may be -1\), got \[2, -2\]$/);
    expect(() => new Unflatten(0, 6 as never)).toThrow(/^Unflatten: unflattenedSize must be a non-empty array of non-negative integers \(one may be -1\), got 6$/);
    expect(() => new Unflatten(0, [-1, 3, -1])).toThrow(/^Unflatten: only one entry of unflattenedSize may be -1, got \[-1, 3, -1\]$/);
  });
});

describe('ModuleList edges', () => {
  it('insert into an empty list at 0 works; any other index names the valid range', () => {
    const list = new ModuleList();
    expect(() => list.insert(1, new ReLU())).toThrow(/^ModuleList\.insert: index 1 is out of range for 0 module\(s\) \(valid: 0\.\.0\)$/);
    expect(() => list.get(0)).toThrow(/^ModuleList\.get: index 0 is out of range for 0 module\(s\) \(the list is empty\)$/);
    const r = new ReLU();
    list.insert(0, r);
    expect([...list]).toEqual([r]);
    const t = new Tanh();
    list.insert(-1, t);
    expect([...list]).toEqual([t, r]);
    expect(() => list.insert(-3, new ReLU())).toThrow(/^ModuleList\.insert: index -3 is out of range for 2 module\(s\) \(valid: -2\.\.2\)$/);
  });

  it('set, insert and pop name themselves in their errors', () => {
    const list = new ModuleList([new ReLU(), new Tanh()]);
    expect(() => list.set(2, new ReLU())).toThrow(/^ModuleList\.set: index 2 is out of range for 2 module\(s\) \(valid: -2\.\.1\)$/);
    expect(() => list.set(0, 'relu' as never)).toThrow(/^ModuleList\.set: module must be a Module, got the string "relu"$/);
    expect(() => list.insert(0, null as never)).toThrow(/^ModuleList\.insert: module must be a Module, got null$/);
    expect(() => list.pop(-3)).toThrow(/^ModuleList\.pop: index -3 is out of range for 2 module\(s\) \(valid: -2\.\.1\)$/);
    expect(() => list.get('0' as never)).toThrow(/^ModuleList\.get: index the string "0" is out of range for 2 module\(s\) \(valid: -2\.\.1\)$/);
    expect(list.length).toBe(2);
  });

  it('a child assigned as a property comes after the positional ones', () => {
    const list = new ModuleList([new ReLU()]);
    const extra = new Linear(1, 1, { seed: 0 });
    (list as unknown as { head: Module }).head = extra;
    expect(list.namedChildren().map(([n]) => n)).toEqual(['0', 'head']);
    expect(Object.keys(list.stateDict())).toEqual(['head.weight', 'head.bias']);
    const dict = new ModuleDict({ a: new ReLU() });
    (dict as unknown as { head: Module }).head = extra;
    expect(dict.namedChildren().map(([n]) => n)).toEqual(['a', 'head']);
  });
});

describe('pooling windows at the edges', () => {
  it('MaxPool1d: a dilated window that lands only on padding and past the end gives -inf and no gradient', () => {
    // K 2, dilation 3, padding 1 on length 2: the one window reads positions -1 and 2, both outside.
    // x = torch.tensor([[[1., 2.]]], dtype=torch.float64, requires_grad=True)
    // y, i = F.max_pool1d(x, 2, stride=1, padding=1, dilation=3, return_indices=True)  -> y [[[-inf]]], i [[[2]]]
    // y.sum().backward(); x.grad -> [[[0., 0.]]]
    const x = tensor([[[1, 2]]], { requiresGrad: true });
    const [y, idx] = new MaxPool1d(2, { stride: 1, padding: 1, dilation: 3 }).forwardWithIndices(x);
    expect(flat(y)).toEqual([-Infinity]);
    expect(flat(idx)).toEqual([2]);
    y.sum().backward();
    expect(flat(x.grad!)).toEqual([0, 0]);
    // Two rows: the empty window of the first row sends nothing into the second (PyTorch 1.13's
    // kernel, scattering to flat index 2, does: its x.grad is [[[0, 0]], [[1, 0]]]).
    const x2 = tensor([[[1, 2]], [[5, -1]]], { requiresGrad: true });
    new MaxPool1d(2, { stride: 1, padding: 1, dilation: 3 }).forward(x2).sum().backward();
    expect(flat(x2.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('stride null means the kernel size, as PyTorch prints it', () => {
    // print(nn.MaxPool1d(3, stride=None)) -> MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)
    expect(String(new MaxPool1d(3, { stride: null }))).toBe('MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)');
    // print(nn.AvgPool1d(2, stride=None)) -> AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    expect(String(new AvgPool1d(2, { stride: null }))).toBe('AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))');
    expect(new MaxPool1d(3, { stride: null }).stride).toBe(3);
    expect(new AvgPool1d(2, { stride: null }).stride).toBe(2);
  });

  it('an empty batch pools to an empty batch', () => {
    for (const m of [new MaxPool1d(2), new AvgPool1d(2), new AdaptiveAvgPool1d(3), new AdaptiveMaxPool1d(3)]) {
      expect(m.forward(zeros([0, 2, 6])).shape).toEqual([0, 2, 3]);
    }
  });
});

describe('LayerNorm eps', () => {
  it('a negative eps is rejected naming the value; 0 is allowed', () => {
    expect(() => new LayerNorm(2, { eps: -1e-3 })).toThrow(/^LayerNorm: eps must be non-negative, got -0\.001$/);
    expect(() => new BatchNorm1d(2, { eps: -1e-3 })).toThrow(/^BatchNorm1d: eps must be non-negative, got -0\.001$/);
    // eps 0 on [3, 5]: mean 4, biased variance 1, so the output is [-1, 1] exactly.
    expect(flat(new LayerNorm(2, { eps: 0 }).forward(tensor([3, 5])))).toEqual([-1, 1]);
    expect(new BatchNorm1d(2, { eps: 0 }).eps).toBe(0);
  });

  it('an input with fewer dims than normalizedShape is rejected', () => {
    expect(() => new LayerNorm([2, 3]).forward(zeros([3]))).toThrow(
      /^LayerNorm: expected a Tensor of shape \[\*, 2, 3\] \(normalizedShape \[2, 3\]\), got shape \[3\]$/,
    );
    expect(() => new LayerNorm(1).forward(tensor(3))).toThrow(/^LayerNorm: expected a Tensor of shape \[\*, 1\] \(normalizedShape \[1\]\), got shape \[\]$/);
  });
});

describe('Dropout', () => {
  it('keeps an element when its uniform draw is strictly below 1 − p', () => {
    // The layer's first draw with seed 0, from an independent generator with the same seed.
    const draws = new Generator(0);
    const u0 = draws.uniform();
    const u1 = draws.uniform();
    const keep = u0; // p = 1 − u0, so the first draw sits exactly on the threshold
    const p = 1 - u0;
    expect(1 - p).toBe(keep);
    const y = flat(new Dropout(p, { seed: 0 }).forward(ones([2])));
    expect(y).toEqual([0, u1 < keep ? 1 / keep : 0]);
  });

  it('p = 1 zeroes everything without drawing from the generator', () => {
    const g = new Generator(3);
    expect(flat(new Dropout(1, { generator: g }).forward(ones([4])))).toEqual([0, 0, 0, 0]);
    expect(g.uniform()).toBe(new Generator(3).uniform());
  });

  it('p outside [0, 1] or not a number is rejected naming the value', () => {
    const msg = (got: string) => new RegExp(`^Dropout: p \\(the probability of an element being zeroed\\) must be between 0 and 1, got ${got}$`);
    expect(() => new Dropout(1.5)).toThrow(msg('1\\.5'));
    expect(() => new Dropout(-0.1)).toThrow(msg('-0\\.1'));
    expect(() => new Dropout(NaN)).toThrow(msg('NaN'));
    expect(() => new Dropout('0.5' as never)).toThrow(msg('the string "0\\.5"'));
    expect(new Dropout(0).p).toBe(0);
    expect(new Dropout(1).p).toBe(1);
  });
});

describe('Embedding', () => {
  it('a generator gives the weight its next rows·cols normals, in order, and advances by exactly that many', () => {
    const g = new Generator(6);
    const emb = new Embedding(2, 3, { generator: g });
    const ref = new Generator(6);
    const expected = Array.from({ length: 6 }, () => ref.normal());
    expect(flat(emb.weight)).toEqual(expected);
    expect(g.normal()).toBe(ref.normal());
  });

  it('paddingIdx: exactly that row starts at zero', () => {
    for (const [p, row] of [[0, 0], [3, 3], [-1, 4], [-5, 0]] as const) {
      const rows = new Embedding(5, 3, { paddingIdx: p, seed: 2 }).weight.toArray() as number[][];
      rows.forEach((r, i) => {
        if (i === row) expect(r).toEqual([0, 0, 0]);
        else expect(r.every((v) => v !== 0)).toBe(true);
      });
    }
  });

  it('paddingIdx null is no padding row; -numEmbeddings is row 0; anything outside is rejected', () => {
    const none = new Embedding(5, 2, { paddingIdx: null as never, seed: 0 });
    expect(none.paddingIdx).toBeNull();
    // print(nn.Embedding(5, 2, padding_idx=None)) -> Embedding(5, 2)
    expect(String(none)).toBe('Embedding(5, 2)');
    const y = none.forward([0, 1, 1, 4]);
    y.sum().backward();
    expect(flat(none.weight.grad!)).toEqual([1, 1, 2, 2, 0, 0, 0, 0, 1, 1]);
    // print(nn.Embedding(5, 2, padding_idx=-5)) -> Embedding(5, 2, padding_idx=0)
    expect(String(new Embedding(5, 2, { paddingIdx: -5, seed: 0 }))).toBe('Embedding(5, 2, padding_idx=0)');
    expect(() => new Embedding(5, 2, { paddingIdx: -6 })).toThrow(/^Embedding: paddingIdx must be an integer in \[-5, 4\] \(within numEmbeddings 5\), got -6$/);
    expect(() => new Embedding(5, 2, { paddingIdx: 1.5 })).toThrow(/^Embedding: paddingIdx must be an integer in \[-5, 4\] \(within numEmbeddings 5\), got 1\.5$/);
    expect(() => new Embedding(5, 2, { paddingIdx: '1' as never })).toThrow(/^Embedding: paddingIdx must be an integer in \[-5, 4\] \(within numEmbeddings 5\), got the string "1"$/);
  });

  it('the last row is a valid index, numEmbeddings is not', () => {
    const emb = new Embedding(3, 1, { seed: 0 });
    emb.loadStateDict({ weight: [[10], [20], [30]] });
    expect(flat(emb.forward([2, 0]))).toEqual([30, 10]);
    expect(() => emb.forward([3])).toThrow(/^Embedding: index 3 at flat position 0 of indices of shape \[1\] is out of range \(valid: integers 0 to 2 for 3 embeddings\)$/);
    expect(() => emb.forward([[0, -1]])).toThrow(/^Embedding: index -1 at flat position 1 of indices of shape \[1, 2\] is out of range \(valid: integers 0 to 2 for 3 embeddings\)$/);
    expect(() => emb.forward([1.5])).toThrow(/^Embedding: index 1\.5 at flat position 0 of indices of shape \[1\] is not an integer \(valid: integers 0 to 2 for 3 embeddings\)$/);
  });
});

describe('Python number spelling in reprs', () => {
  it('Softplus prints non-integer beta / threshold as Python floats', () => {
    // print(nn.Softplus(beta=1e-5, threshold=2.5)) -> Softplus(beta=1e-05, threshold=2.5)
    expect(String(new Softplus({ beta: 1e-5, threshold: 2.5 }))).toBe('Softplus(beta=1e-05, threshold=2.5)');
    // print(nn.Softplus(beta=0.5, threshold=-3)) -> Softplus(beta=0.5, threshold=-3)
    expect(String(new Softplus({ beta: 0.5, threshold: -3 }))).toBe('Softplus(beta=0.5, threshold=-3)');
  });

  it('LeakyReLU / ELU / Dropout print floats as Python does', () => {
    // print(nn.LeakyReLU(1e-5)) -> LeakyReLU(negative_slope=1e-05); print(nn.Dropout(1e-7)) -> Dropout(p=1e-07, inplace=False)
    expect(String(new LeakyReLU(1e-5))).toBe('LeakyReLU(negative_slope=1e-05)');
    expect(String(new Dropout(1e-7))).toBe('Dropout(p=1e-07, inplace=False)');
    // nn.ELU(2) stores the int PyTorch was given; Kindling has one number type and prints the float default's way.
    expect(String(new ELU(2))).toBe('ELU(alpha=2.0)');
  });
});

describe('Conv1d arguments', () => {
  it('size errors say positive or non-negative and echo a tuple', () => {
    expect(() => new Conv1d(1, 1, 3, { padding: -1 })).toThrow(/^Conv1d: padding must be a non-negative integer \(or a 1-tuple of one\), got -1$/);
    expect(() => new Conv1d(1, 1, 3, { stride: 0 })).toThrow(/^Conv1d: stride must be a positive integer \(or a 1-tuple of one\), got 0$/);
    expect(() => new Conv1d(1, 1, 3, { dilation: [1, 2] as never })).toThrow(/^Conv1d: dilation must be a positive integer \(or a 1-tuple of one\), got \[1, 2\]$/);
    expect(() => new Conv1d(1, 1, [0])).toThrow(/^Conv1d: kernelSize must be a positive integer \(or a 1-tuple of one\), got \[0\]$/);
    // 1-tuples and zero padding are fine: print(nn.Conv1d(1, 1, (3,), stride=(2,), padding=(0,))) -> Conv1d(1, 1, kernel_size=(3,), stride=(2,))
    expect(String(new Conv1d(1, 1, [3], { stride: [2], padding: [0], seed: 0 }))).toBe('Conv1d(1, 1, kernel_size=(3,), stride=(2,))');
  });

  it("'valid' works with any stride, 'same' only with stride 1; other padding modes are refused", () => {
    // print(nn.Conv1d(1, 2, 3, stride=2, padding='valid')) -> Conv1d(1, 2, kernel_size=(3,), stride=(2,), padding=valid)
    const valid = new Conv1d(1, 2, 3, { stride: 2, padding: 'valid', seed: 0 });
    expect(String(valid)).toBe('Conv1d(1, 2, kernel_size=(3,), stride=(2,), padding=valid)');
    expect(valid.forward(zeros([1, 1, 7])).shape).toEqual([1, 2, 3]);
    expect(() => new Conv1d(1, 1, 3, { padding: 'same', stride: 2 })).toThrow(/^Conv1d: padding 'same' is not supported for strided convolutions \(stride 2\)$/);
    expect(() => new Conv1d(1, 1, 3, { paddingMode: 'reflect' as never })).toThrow(/^Conv1d: paddingMode the string "reflect" is not supported \(only 'zeros'\)$/);
    expect(new Conv1d(1, 1, 3, { paddingMode: 'zeros', seed: 0 }).padding).toBe(0);
  });

  it('channels must divide by groups, naming both', () => {
    expect(() => new Conv1d(3, 4, 3, { groups: 2 })).toThrow(/^Conv1d: inChannels 3 must be divisible by groups 2$/);
    expect(() => new Conv1d(4, 3, 3, { groups: 2 })).toThrow(/^Conv1d: outChannels 3 must be divisible by groups 2$/);
  });

  it('forward checks the channels and the rank', () => {
    const conv = new Conv1d(2, 1, 1, { seed: 0 });
    expect(() => conv.forward(zeros([1, 3, 5]))).toThrow(/^Conv1d: expected input with 2 channels, got shape \[1, 3, 5\]$/);
    expect(() => conv.forward(zeros([3, 5]))).toThrow(/^Conv1d: expected input with 2 channels, got shape \[3, 5\]$/);
    expect(() => conv.forward(zeros([1, 1, 2, 5]))).toThrow(/^Conv1d: expected a Tensor of shape \[N, 2, L\] or \[2, L\], got shape \[1, 1, 2, 5\]$/);
    expect(conv.forward(zeros([2, 5])).shape).toEqual([1, 5]);
  });
});

describe('size limits: exactly 2^32 elements passes the size check and reaches the allocator', () => {
  // 2^32 elements is what core allows in one tensor; the machine may still be unable to back it.
  // The stand-in Float64Array fails that allocation as V8 does (a real one would need 32 GiB).
  it('Linear, Embedding, BatchNorm1d: 2^32 elements is an allocation failure, not "more than 2^32"', () => {
    vi.stubGlobal('Float64Array', failingFloat64Array(2 ** 32));
    expect(() => new Linear(2 ** 16, 2 ** 16, { seed: 0 })).toThrow(/^Linear: cannot allocate a parameter of 4294967296 elements \(Array buffer allocation failed\)$/);
    expect(() => new Embedding(2 ** 16, 2 ** 16, { seed: 0 })).toThrow(/^Embedding: cannot allocate a parameter of 4294967296 elements \(Array buffer allocation failed\)$/);
    expect(() => new BatchNorm1d(2 ** 32)).toThrow(/^BatchNorm1d: cannot allocate a tensor of 4294967296 elements \(Array buffer allocation failed\)$/);
  });

  it('one element more is refused before allocating', () => {
    vi.stubGlobal('Float64Array', failingFloat64Array(2 ** 32));
    expect(() => new Linear(2 ** 32 + 1, 1, { seed: 0 })).toThrow(/^Linear: a parameter of 4294967297 elements is more than the 4294967296 \(2\^32\) a typed array can hold$/);
    expect(() => new Embedding(2 ** 32 + 1, 1, { seed: 0 })).toThrow(/^Embedding: a parameter of 4294967297 elements is more than the 4294967296 \(2\^32\) a typed array can hold$/);
    expect(() => new BatchNorm1d(2 ** 32 + 1)).toThrow(/^BatchNorm1d: a tensor of shape \[4294967297\] \(4294967297 elements\) is more than the 4294967296 \(2\^32\) a typed array can hold$/);
  });
});

describe('small layers', () => {
  it('Softplus: beta must be positive', () => {
    expect(() => new Softplus({ beta: 0 })).toThrow(/^Softplus: beta must be a positive number, got 0$/);
    expect(() => new Softplus({ beta: -1 })).toThrow(/^Softplus: beta must be a positive number, got -1$/);
    expect(() => new Softplus({ threshold: Infinity })).toThrow(/^Softplus: threshold must be a finite number, got Infinity$/);
  });

  it('Linear: a 0-d input has no feature dim', () => {
    expect(() => new Linear(3, 2, { seed: 0 }).forward(tensor(1))).toThrow(/^Linear: expected a Tensor of shape \[\.\.\., 3\], got shape \[\]$/);
    expect(() => new Linear(1, 2, { seed: 0 }).forward(tensor(1))).toThrow(/^Linear: expected a Tensor of shape \[\.\.\., 1\], got shape \[\]$/);
  });

  it('Sequential: at() takes integers only, and errors name the method', () => {
    const seq = new Sequential(new ReLU(), new Tanh());
    expect(() => seq.at('1' as never)).toThrow(/^Sequential\.at: index the string "1" is out of range for 2 modules$/);
    expect(() => seq.at(2)).toThrow(/^Sequential\.at: index 2 is out of range for 2 modules$/);
    expect(() => seq.at(-3)).toThrow(/^Sequential\.at: index -3 is out of range for 2 modules$/);
    expect(seq.at(-2)).toBeInstanceOf(ReLU);
    expect(seq.at(0)).toBeInstanceOf(ReLU);
    expect(seq.at(1)).toBeInstanceOf(Tanh);
    expect(() => seq.append({} as Module)).toThrow(/^Sequential\.append: expected a Module, got an object$/);
    expect(seq.append(new ReLU())).toBe(seq);
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2']);
  });
});

describe('Embedding without seed or generator', () => {
  afterEach(() => setDefaultDtype('float64'));

  it("draws float64 normals from core's default generator as randn does, whatever the default dtype", () => {
    setDefaultDtype('float32');
    manualSeed(3);
    const emb = new Embedding(3, 2, { dtype: 'float64' });
    manualSeed(3);
    const expected = flat(randn([6], { dtype: 'float64' }));
    expect(emb.weight.dtype).toBe('float64');
    expect(flat(emb.weight)).toEqual(expected);
    // Not float32-rounded draws widened back.
    expect(expected.some((v) => Math.fround(v) !== v)).toBe(true);
  });
});

describe('container argument checks', () => {
  it('ModuleList takes an iterable of modules, not a string or null', () => {
    expect(() => new ModuleList('ab' as never)).toThrow(/^ModuleList\.extend: modules must be an iterable, got the string "ab"$/);
    expect(() => new ModuleList(null as never)).toThrow(/^ModuleList\.extend: modules must be an iterable, got null$/);
    expect(() => new ModuleList().extend(5 as never)).toThrow(/^ModuleList\.extend: modules must be an iterable, got 5$/);
    const s = new Set([new ReLU(), new Tanh()]);
    expect(new ModuleList(s).length).toBe(2);
  });

  it('ModuleDict takes an object or an iterable of [key, module] pairs', () => {
    const msg = (got: string) => new RegExp(`^ModuleDict: expected an object of modules or an iterable of \\[key, module\\] pairs, got ${got}$`);
    expect(() => new ModuleDict('ab' as never)).toThrow(msg('the string "ab"'));
    expect(() => new ModuleDict(null as never)).toThrow(msg('null'));
    expect(() => new ModuleDict(5 as never)).toThrow(msg('5'));
    expect(() => new ModuleDict(['ab'] as never)).toThrow(/^ModuleDict: entry 0 must be a \[key, module\] pair, got the string "ab"$/);
    expect(() => new ModuleDict([['a', new ReLU(), 1]] as never)).toThrow(/^ModuleDict: entry 0 must be a \[key, module\] pair, got an array$/);
    const relu = new ReLU();
    const d = new ModuleDict(new Map([['act', relu]]));
    expect(d.entries()).toEqual([['act', relu]]);
  });
});

describe('BatchNorm1d without a batch counter', () => {
  it('num_batches_tracked set to null: training still updates the running statistics by momentum', () => {
    // bn = nn.BatchNorm1d(1, momentum=0.5).double(); bn.num_batches_tracked = None
    // bn(torch.tensor([[1.], [3.]], dtype=torch.float64)) -> [[-0.999995...], [0.999995...]]
    // bn.running_mean -> [1.0], bn.running_var -> [1.5], state_dict keys: weight, bias, running_mean, running_var
    // By hand: batch mean 2, biased variance 1 (output ±1/sqrt(1 + 1e-5)), unbiased variance 2;
    // running_mean = 0.5·2 + 0.5·0 = 1, running_var = 0.5·2 + 0.5·1 = 1.5.
    const bn = new BatchNorm1d(1, { momentum: 0.5 });
    bn.num_batches_tracked = null;
    const y = flat(bn.forward(tensor([[1], [3]])));
    expect(y[0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 14);
    expect(y[1]).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 14);
    expect(flat(bn.running_mean!)).toEqual([1]);
    expect(flat(bn.running_var!)).toEqual([1.5]);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
  });
});

describe('weight sources (init.ts)', () => {
  it('generator must be a Generator and excludes seed, naming the layer', () => {
    expect(() => new Linear(1, 1, { generator: {} as never })).toThrow(/^Linear: generator must be a Generator, got an object$/);
    expect(() => new Dropout(0.5, { generator: 3 as never })).toThrow(/^Dropout: generator must be a Generator, got 3$/);
    expect(() => new Conv1d(1, 1, 1, { seed: 0, generator: new Generator(0) })).toThrow(/^Conv1d: pass either seed or generator, not both$/);
    expect(() => new Embedding(2, 2, { generator: 'g' as never })).toThrow(/^Embedding: generator must be a Generator, got the string "g"$/);
    expect(() => new Embedding(2, 2, { seed: '1' as never })).toThrow(/^Embedding: seed must be a safe integer, got the string "1"$/);
    expect(() => new Linear(1, 1, { seed: '1' as never })).toThrow(/^Linear: seed must be a safe integer, got the string "1"$/);
  });

  it('a generator is drawn from in order: weight, then bias', () => {
    // U(-1/sqrt(2), 1/sqrt(2)) for Linear(2, 1): torch.nn.init.uniform_(t, -b, b) is -b + 2b·u.
    const g = new Generator(8);
    const lin = new Linear(2, 1, { generator: g });
    const ref = new Generator(8);
    const b = 1 / Math.sqrt(2);
    const expected = [0, 1, 2].map(() => -b + 2 * b * ref.uniform());
    expect([...flat(lin.weight), ...flat(lin.bias!)]).toEqual(expected);
    expect(g.uniform()).toBe(ref.uniform());
  });
});

describe('more container and pooling edges', () => {
  it('ModuleList.pop takes an existing position only', () => {
    const list = new ModuleList([new ReLU(), new Tanh()]);
    expect(() => list.pop(2)).toThrow(/^ModuleList\.pop: index 2 is out of range for 2 module\(s\) \(valid: -2\.\.1\)$/);
    expect(list.length).toBe(2);
  });

  it('returnIndices: false is accepted (as PyTorch\'s default); true points to forwardWithIndices', () => {
    expect(new MaxPool1d(2, { returnIndices: false }).forward(tensor([[1, 3, 2, 0]])).toArray()).toEqual([[3, 2]]);
    expect(new AdaptiveMaxPool1d(1, { returnIndices: false }).forward(tensor([[1, 3, 2, 0]])).toArray()).toEqual([[3]]);
    expect(() => new MaxPool1d(2, { returnIndices: 1 as never })).toThrow(
      /^MaxPool1d: returnIndices 1 is not supported: forward\(\) returns one tensor; call forwardWithIndices\(x\) for \[values, indices\]$/,
    );
  });
});

describe('AvgPool1d output length 1 and 0', () => {
  it('one window covering the whole input is fine; an input shorter than the kernel is not', () => {
    // F.avg_pool1d(torch.tensor([[1., 2., 6.]]), 3) -> [[3.]]
    expect(new AvgPool1d(3).forward(tensor([[1, 2, 6]])).toArray()).toEqual([[3]]);
    // F.avg_pool1d(torch.tensor([[1., 2.]]), 3): Output size is too small
    expect(() => new AvgPool1d(3).forward(tensor([[1, 2]]))).toThrow(
      /^AvgPool1d: input of length 2 \(shape \[1, 2\]\) is too short for kernelSize 3 and padding 0: the output length would be 0$/,
    );
    expect(new MaxPool1d(3).forward(tensor([[1, 7, 6]])).toArray()).toEqual([[7]]);
    expect(() => new MaxPool1d(3, { dilation: 2 }).forward(tensor([[1, 2, 3, 4]]))).toThrow(
      /^MaxPool1d: input of length 4 \(shape \[1, 4\]\) is too short for kernelSize 3, dilation 2 and padding 0: the output length would be 0$/,
    );
  });
});

describe('BatchNorm1d in eval mode with a running statistic removed', () => {
  it('running_var set to null: normalises with the batch statistics, as without trackRunningStats', () => {
    // Batch [1, 3]: mean 2, biased variance 1, eps 0 -> [-1, 1], whatever running_mean holds.
    const bn = new BatchNorm1d(1, { eps: 0 }).eval();
    bn.loadStateDict({ running_mean: [100] }, { strict: false });
    bn.running_var = null;
    expect(flat(bn.forward(tensor([[1], [3]])))).toEqual([-1, 1]);
    expect(flat(bn.running_mean!)).toEqual([100]);
  });
});
