import { describe, expect, it } from 'vitest';
import { Tensor, TensorData, ones, tensor, zeros } from '@kindling/core';
import { Conv1d, Linear, Module, Parameter, ReLU, Sequential } from '@kindling/nn';
import { flat } from './helpers.js';

class Block extends Module {
  conv: Conv1d;
  act = new ReLU();
  scale: Parameter;
  head: Linear;
  constructor() {
    super();
    this.conv = new Conv1d(2, 3, 3, { seed: 1 });
    this.scale = new Parameter(ones([3]));
    this.head = new Linear(3, 1, { seed: 2 });
  }
  override forward(x: Tensor): Tensor {
    return this.head.forward(this.act.forward(this.conv.forward(x)).mean(-1).mul(this.scale));
  }
}

describe('Module registration and traversal', () => {
  it('names parameters as PyTorch does: own parameters first, then children depth first', () => {
    const b = new Block();
    expect(b.namedParameters().map(([n]) => n)).toEqual(['scale', 'conv.weight', 'conv.bias', 'head.weight', 'head.bias']);
    expect(b.parameters()).toEqual([b.scale, b.conv.weight, b.conv.bias, b.head.weight, b.head.bias]);
    expect(b.namedChildren().map(([n]) => n)).toEqual(['conv', 'act', 'head']);
    expect(b.children()).toEqual([b.conv, b.act, b.head]);
    expect(b.namedModules().map(([n]) => n)).toEqual(['', 'conv', 'act', 'head']);
    expect(Object.keys(b.stateDict())).toEqual(['scale', 'conv.weight', 'conv.bias', 'head.weight', 'head.bias']);
  });

  it('Sequential children are named 0, 1, ... and nest', () => {
    const s = new Sequential(new Conv1d(1, 2, 3, { seed: 0 }), new ReLU(), new Sequential(new Conv1d(2, 1, 1, { seed: 1, bias: false })));
    expect(s.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.0.weight']);
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.0.weight']);
  });

  it('skips null and non-parameter tensors, keeps frozen registered parameters, and lists shared tensors once', () => {
    class M extends Module {
      frozen = this.registerParameter('frozen', zeros([2]));
      constant = tensor([1, 2]); // no requiresGrad: not a parameter
      absent = this.registerParameter('absent', null);
      a = new Linear(2, 2, { seed: 0 });
      b: Linear;
      constructor() {
        super();
        this.b = this.a; // shared
        this.frozen.requiresGrad = false;
      }
    }
    const m = new M();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['frozen', 'a.weight', 'a.bias']);
    expect(Object.keys(m.stateDict())).toEqual(['frozen', 'a.weight', 'a.bias']);
    expect(m.modules().length).toBe(2);
  });

  it('tied weights: parameters() lists a shared tensor once, stateDict() under every name (as PyTorch)', () => {
    class Tied extends Module {
      enc = new Linear(3, 3, { seed: 0 });
      dec = new Linear(3, 3, { seed: 1 });
      constructor() {
        super();
        this.dec.weight = this.enc.weight;
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['enc.weight', 'enc.bias', 'dec.bias']);
    expect(Object.keys(m.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
  });

  it('buffers are saved but are not parameters', () => {
    class M extends Module {
      w = this.registerParameter('w', zeros([2]));
      runningMean = this.registerBuffer('runningMean', tensor([5, 6]));
    }
    const m = new M();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['w']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['runningMean']);
    expect(Object.keys(m.stateDict())).toEqual(['w', 'runningMean']);
    m.loadStateDict({ w: [1, 2], runningMean: [7, 8] });
    expect(flat(m.runningMean)).toEqual([7, 8]);
  });

  it('re-assignment replaces a parameter; registration validates names and values', () => {
    const lin = new Linear(2, 2, { seed: 0 });
    const w = new Parameter(zeros([2, 2]));
    lin.weight = w;
    expect(lin.parameters()[0]).toBe(w);
    const m = new Module();
    expect(() => m.registerParameter('a.b', zeros([1]))).toThrow(/without '.'/);
    expect(() => m.registerParameter('', zeros([1]))).toThrow(/non-empty/);
    expect(() => m.registerParameter('forward', zeros([1]))).toThrow(/shadow/);
    expect(() => m.registerParameter('training', zeros([1]))).toThrow(/shadow/);
    expect(() => m.registerParameter('x', zeros([1], { requiresGrad: true }).mul(2))).toThrow(/leaf/);
    expect(() => m.registerModule('x', {} as Module)).toThrow(/must be a Module/);
    const p = m.registerParameter('p', zeros([1]));
    expect(p.requiresGrad).toBe(true);
    expect(() => m.forward()).toThrow(/forward\(\) is not implemented/);
  });

  it('zeroGrad sets every grad to null; train/eval propagate to all descendants', () => {
    const b = new Block();
    b.forward(ones([1, 2, 5])).sum().backward();
    expect(b.parameters().every((p) => p.grad !== null)).toBe(true);
    b.zeroGrad();
    expect(b.parameters().every((p) => p.grad === null)).toBe(true);
    expect(b.training).toBe(true);
    expect(b.eval()).toBe(b);
    expect(b.modules().map((m) => m.training)).toEqual([false, false, false, false]);
    b.train();
    expect(b.modules().every((m) => m.training)).toBe(true);
    b.train(false);
    expect(b.conv.training).toBe(false);
  });

  it('prints like PyTorch', () => {
    expect(String(new Sequential(new Linear(2, 1), new ReLU()))).toBe('Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n  (1): ReLU()\n)');
  });
});

describe('stateDict / loadStateDict', () => {
  it('stateDict shares storage with the parameters, detached', () => {
    const lin = new Linear(2, 1, { seed: 0 });
    const sd = lin.stateDict();
    expect(sd.weight!.requiresGrad).toBe(false);
    expect(sd.weight!.tensorData.storage).toBe(lin.weight.tensorData.storage);
  });

  it('round-trips between modules, in place, from tensors or nested arrays, converting dtype', () => {
    const a = new Block();
    const b = new Block();
    b.conv.weight.tensorData.storage.fill(0);
    const storage = b.conv.weight.tensorData.storage;
    b.loadStateDict(a.stateDict());
    expect(b.conv.weight.tensorData.storage).toBe(storage);
    for (const [[, p], [, q]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]!] as const)) expect(flat(q)).toEqual(flat(p));
    const c = new Conv1d(1, 2, 2, { dtype: 'float32' });
    c.loadStateDict({ weight: [[[0.1, 2]], [[3, 4]]], bias: tensor([5, 6]) });
    expect(flat(c.weight)).toEqual([Math.fround(0.1), 2, 3, 4]);
    expect(c.weight.dtype).toBe('float32');
    expect(flat(c.bias!)).toEqual([5, 6]);
  });

  it('missing, unexpected and wrong-shaped keys throw naming the key and both shapes; nothing changes', () => {
    const lin = new Linear(3, 2, { seed: 0 });
    const before = lin.parameters().map(flat);
    const check = (sd: Record<string, unknown>, ...patterns: RegExp[]) => {
      let err: Error | undefined;
      try {
        lin.loadStateDict(sd as Record<string, Tensor>);
      } catch (e) {
        err = e as Error;
      }
      expect(err).toBeInstanceOf(Error);
      for (const p of patterns) expect(err!.message).toMatch(p);
      expect(lin.parameters().map(flat)).toEqual(before);
    };
    const w = [[1, 2, 3], [4, 5, 6]];
    check({ weight: w }, /missing key\(s\): 'bias' \(expected shape \[2\]\)/);
    check({ weight: w, bias: [1, 2], extra: [1] }, /unexpected key\(s\): 'extra' \(shape \[1\]\)/);
    check({ weight: [[1, 2], [3, 4]], bias: [9, 9] }, /size mismatch for 'weight'.*shape \[2, 2\].*current module is \[2, 3\]/);
    check({ weight: w, bias: [[1, 2]] }, /'bias'.*\[1, 2\].*\[2\]/);
    check({ weight: [[1, 2, 3], [4, 5]], bias: [1, 2] }, /'weight'.*ragged/);
    check({ weight: w, bias: [1, 'x'] }, /'bias'.*expected a number/);
    check({ weight: w, bias: 3 }, /'bias'.*shape \[\]/);
    expect(() => lin.loadStateDict(null as unknown as Record<string, Tensor>)).toThrow(/expected an object/);
  });

  it('loads into parameters that are views (offset, strides) element by element', () => {
    const backing = new Float64Array(8);
    class V extends Module {
      p = this.registerParameter('p', new Tensor(new TensorData(backing, [2, 2], [1, 2], 3)));
    }
    const v = new V();
    v.loadStateDict({ p: [[1, 2], [3, 4]] });
    expect(Array.from(backing)).toEqual([0, 0, 0, 1, 3, 2, 4, 0]);
    const w = new Module();
    w.registerParameter('q', new Tensor(new TensorData(backing, [3], [1], 5)));
    w.loadStateDict({ q: [7, 8, 9] });
    expect(Array.from(backing)).toEqual([0, 0, 0, 1, 3, 7, 8, 9]);
  });

  it('strict: false reports missing and unexpected keys but still loads the rest', () => {
    const lin = new Linear(2, 1, { seed: 0 });
    const r = lin.loadStateDict({ weight: [[7, 8]], other: [1] }, { strict: false });
    expect(r).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['other'] });
    expect(flat(lin.weight)).toEqual([7, 8]);
    expect(() => lin.loadStateDict({ weight: [[1]] }, { strict: false })).toThrow(/size mismatch/);
  });
});
