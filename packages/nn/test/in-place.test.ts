// In-place writes by the optimizers and loadStateDict: each written tensor's version goes up
// (after all validation, so a failed call bumps nothing), and loadStateDict reads every source
// before it writes any parameter.
import { describe, expect, it } from 'vitest';
import { Tensor, TensorData, tensor } from '@kindling/core';
import { Adam, Linear, Module, Parameter, SGD } from '@kindling/nn';
import { flat } from './helpers.js';

class Two extends Module {
  p = new Parameter(tensor([1, 2, 3]));
  q = new Parameter(tensor([4, 5, 6]));
}

describe('version bumps', () => {
  for (const [name, make] of [['SGD', (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })], ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.1 })]] as const) {
    it(`${name}.step bumps every parameter it writes, and only those`, () => {
      const m = new Two();
      const opt = make([m.p, m.q]);
      m.p.grad = tensor([1, 1, 1]);
      const [p0, q0] = [m.p.version, m.q.version];
      opt.step();
      expect(m.p.version).toBe(p0 + 1);
      expect(m.q.version).toBe(q0); // no grad: not written
      // A view sees its storage's count (PyTorch's shared _version).
      const view = m.p.detach();
      opt.step();
      expect(view.version).toBe(p0 + 2);
    });

    it(`${name}.step that fails validation bumps nothing and writes nothing`, () => {
      const m = new Two();
      const opt = make([m.p, m.q]);
      m.p.grad = tensor([1, 1, 1]);
      m.q.grad = tensor([1, 1, 1]);
      opt.paramGroups[0]!.lr = -1; // changed between steps: found before anything is written
      const [p0, q0] = [m.p.version, m.q.version];
      expect(() => opt.step()).toThrow(new RegExp(`^${name}: invalid learning rate: -1`));
      expect([m.p.version, m.q.version]).toEqual([p0, q0]);
      expect(flat(m.p)).toEqual([1, 2, 3]);
    });
  }

  it('a backward through a graph that saved a parameter, after the optimizer wrote it, is refused by the engine', () => {
    const m = new Two();
    const opt = new SGD([m.p], { lr: 0.1 });
    const y = m.p.mul(m.p).sum(); // mul saves p for its backward
    m.p.grad = tensor([1, 1, 1]);
    opt.step();
    expect(() => y.backward()).toThrow(/SGD\.step/);
  });

  it('zeroGrad(false) zeroes each element of the grad where it lives (also a strided view) and bumps the grad', () => {
    const p = new Parameter(tensor([[1, 2], [3, 4]]));
    const opt = new SGD([p], { lr: 0.1 });
    const backing = new Float64Array([9, 8, 7, 6, 5]);
    p.grad = new Tensor(new TensorData(backing, [2, 2], [1, 2], 1)); // transposed view at offset 1
    const v0 = p.grad.version;
    opt.zeroGrad(false);
    expect(Array.from(backing)).toEqual([9, 0, 0, 0, 0]);
    expect(p.grad!.version).toBe(v0 + 1);
    expect(() => opt.zeroGrad('no' as never)).toThrow(/^SGD\.zeroGrad: setToNone must be a boolean, got the string "no"$/);
  });

  it('loadStateDict bumps each tensor it writes, and nothing when it throws', () => {
    const lin = new Linear(2, 1, { seed: 0 });
    const [w0, b0] = [lin.weight.version, lin.bias!.version];
    lin.loadStateDict({ weight: [[1, 2]], bias: [3] });
    expect([lin.weight.version, lin.bias!.version]).toEqual([w0 + 1, b0 + 1]);
    expect(() => lin.loadStateDict({ weight: [[1, 2]], bias: [[3]] })).toThrow(/size mismatch for 'bias'/);
    expect([lin.weight.version, lin.bias!.version]).toEqual([w0 + 1, b0 + 1]);
  });
});

describe('loadStateDict with sources that alias the module', () => {
  it('swapping two parameters through their own storages swaps them (each source is copied before any write)', () => {
    const m = new Two();
    m.loadStateDict({ p: m.q.tensorData.storage, q: m.p.tensorData.storage } as never);
    expect(flat(m.p)).toEqual([4, 5, 6]);
    expect(flat(m.q)).toEqual([1, 2, 3]);
  });

  it('the same through tensors and views of the parameters', () => {
    const m = new Two();
    m.loadStateDict({ p: m.q, q: m.p.detach() });
    expect(flat(m.p)).toEqual([4, 5, 6]);
    expect(flat(m.q)).toEqual([1, 2, 3]);
    // A reversed view of p loaded into p itself: read whole, then written.
    const r = new Two();
    const reversed = new Tensor(new TensorData(r.p.tensorData.storage, [3], [-1], 2));
    r.loadStateDict({ p: reversed, q: [0, 0, 0] });
    expect(flat(r.p)).toEqual([3, 2, 1]);
  });

  it('tied parameters given two different values are an error, not whichever key came last', () => {
    class Tied extends Module {
      a = new Linear(2, 2, { seed: 0, bias: false });
      b = new Linear(2, 2, { seed: 1, bias: false });
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
    }
    const m = new Tied();
    const before = flat(m.a.weight);
    expect(() => m.loadStateDict({ 'a.weight': [[1, 2], [3, 4]], 'b.weight': [[1, 2], [3, 5]] })).toThrow(
      /'a\.weight' and 'b\.weight' are the same \(tied\) tensor but the state dict gives them different values \(first difference at flat index 3: 4 vs 5\)/,
    );
    expect(flat(m.a.weight)).toEqual(before);
    m.loadStateDict({ 'a.weight': [[1, 2], [3, 4]], 'b.weight': [[1, 2], [3, 4]] });
    expect(flat(m.b.weight)).toEqual([1, 2, 3, 4]);
  });
});
