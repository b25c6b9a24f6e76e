// Parameters by explicit marker (Parameter), ModuleList / ModuleDict, misplaced modules, and
// gradcheckModule keeping the module's own parameter objects.
import { describe, expect, it } from 'vitest';
import { Tensor, full, gradcheck, ones, tensor, zeros } from '@kindling/core';
import { Conv1d, Linear, Module, ModuleDict, ModuleList, Parameter, ReLU, SGD, Tanh, gradcheckModule } from '@kindling/nn';
import { flat, randomValues, t64 } from './helpers.js';

const names = (m: Module) => m.namedParameters().map(([n]) => n);

describe('Parameter', () => {
  it('shares the data tensor storage, is a leaf that requires grad, and can be frozen', () => {
    const data = tensor([1, 2, 3]);
    const p = new Parameter(data);
    expect(p).toBeInstanceOf(Tensor);
    expect(p.tensorData.storage).toBe(data.tensorData.storage);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    data.tensorData.storage[0] = 7;
    expect(flat(p)).toEqual([7, 2, 3]);
    expect(new Parameter(data, false).requiresGrad).toBe(false);
    // Even a computed tensor becomes a leaf: it is a new starting point, as nn.Parameter(x * 2).
    const computed = tensor([1, 2], { requiresGrad: true }).mul(2);
    const q = new Parameter(computed);
    expect(q.isLeaf).toBe(true);
    q.sum().backward();
    expect(flat(q.grad!)).toEqual([1, 1]);
    expect(String(p)).toBe(`Parameter containing:\n${String(new Tensor(p.tensorData, true))}`);
  });

  it('rejects what is not a tensor, naming the value', () => {
    expect(() => new Parameter([1, 2] as unknown as Tensor)).toThrow(/^Parameter: expected data to be a Tensor, got an array$/);
    expect(() => new Parameter(tensor([1]), 'yes' as unknown as boolean)).toThrow(/^Parameter: requiresGrad must be a boolean, got the string "yes"$/);
  });

  it('ops on a Parameter give plain tensors, so results never register as parameters', () => {
    const p = new Parameter(ones([2]));
    expect(p.mul(2)).not.toBeInstanceOf(Parameter);
    expect(p.detach()).not.toBeInstanceOf(Parameter);
  });
});

describe('registration by marker', () => {
  it('plain tensors assigned to a module are neither parameters nor state-dict keys, whatever requiresGrad', () => {
    class Cache extends Module {
      w = new Parameter(ones([2]));
      last: Tensor | null = null;
      constant = tensor([1, 2], { requiresGrad: true });
      override forward(x: Tensor): Tensor {
        this.last = x; // the PyTorch-style cache that used to leak into parameters()
        return x.mul(this.w);
      }
    }
    const m = new Cache();
    m.forward(tensor([3, 4], { requiresGrad: true }));
    expect(names(m)).toEqual(['w']);
    expect(Object.keys(m.stateDict())).toEqual(['w']);
    // The optimizer gets exactly the marked parameter.
    const opt = new SGD(m.parameters(), { lr: 0.5 });
    expect(opt.paramGroups[0]!.params).toEqual([m.w]);
  });

  it('registerParameter wraps a plain leaf in a Parameter sharing its storage; null is an absent parameter', () => {
    const m = new Module();
    const t = zeros([3]);
    const p = m.registerParameter('p', t);
    expect(p).toBeInstanceOf(Parameter);
    expect(p.tensorData.storage).toBe(t.tensorData.storage);
    expect((m as unknown as { p: Tensor }).p).toBe(p);
    const given = new Parameter(ones([1]), false);
    expect(m.registerParameter('q', given)).toBe(given); // a Parameter is kept as it is, frozen too
    expect(m.registerParameter('r', null)).toBeNull();
    expect(names(m)).toEqual(['p', 'q']);
    expect(() => m.registerParameter('s', ones([1], { requiresGrad: true }).mul(2))).toThrow(/registerParameter: 's' must be a leaf tensor/);
  });

  it('a declared parameter holding a plain tensor is an error when the module is traversed (as PyTorch refuses the assignment)', () => {
    const lin = new Linear(2, 2, { seed: 0 });
    (lin as unknown as { weight: Tensor }).weight = zeros([2, 2], { requiresGrad: true });
    for (const call of [() => lin.parameters(), () => lin.stateDict(), () => lin.train(), () => lin.zeroGrad()]) {
      expect(call).toThrow(/^Linear: parameter 'weight' holds a Tensor of shape \[2, 2\]; assign a Parameter \(new Parameter\(t\)\) or null$/);
    }
    lin.weight = new Parameter(zeros([2, 2]));
    expect(names(lin)).toEqual(['weight', 'bias']);
  });

  it('layers hold Parameters', () => {
    const conv = new Conv1d(1, 2, 3, { seed: 0 });
    const lin = new Linear(2, 1, { seed: 0, bias: false });
    expect(conv.weight).toBeInstanceOf(Parameter);
    expect(conv.bias).toBeInstanceOf(Parameter);
    expect(lin.weight).toBeInstanceOf(Parameter);
    expect(lin.bias).toBeNull();
  });
});

describe('modules hidden in arrays and objects', () => {
  class ListNet extends Module {
    layers: unknown = [new Linear(2, 2, { seed: 0 }), new ReLU()];
  }

  it('an array of modules throws at discovery, naming the property and pointing to ModuleList', () => {
    const m = new ListNet();
    const message = /^ListNet: property 'layers' is an array containing Modules, which a Module does not look inside \(they would be missing from parameters\(\) and stateDict\(\)\); use new ModuleList\(\[\.\.\.\]\) instead$/;
    for (const call of [() => m.parameters(), () => m.namedModules(), () => m.stateDict(), () => m.train(), () => m.eval(), () => m.children(), () => m.loadStateDict({}), () => String(m)]) {
      expect(call).toThrow(message);
    }
  });

  it('plain objects, Maps and Sets of modules, nested ones and arrays of Parameters are caught too', () => {
    const cases: [unknown, RegExp][] = [
      [{ enc: new Linear(1, 1) }, /'x' is a plain object containing Modules.*new ModuleDict\(\{\.\.\.\}\)/],
      [new Map([['a', new ReLU()]]), /'x' is a Map containing Modules.*ModuleDict/],
      [new Set([new ReLU()]), /'x' is a Set containing Modules.*ModuleList/],
      [[[new ReLU()]], /'x' is an array containing Modules/],
      [{ deep: { deeper: [new ReLU()] } }, /'x' is a plain object containing Modules/],
      [[new Parameter(ones([1]))], /'x' is an array containing Parameters.*registerParameter/],
    ];
    for (const [value, message] of cases) {
      const m = new Module();
      (m as unknown as { x: unknown }).x = value;
      expect(() => m.parameters()).toThrow(message);
    }
  });

  it('arrays of numbers or tensors, typed arrays and class instances are left alone', () => {
    class Fine extends Module {
      history = [1, 2, 3];
      cache = [tensor([1])];
      table = new Float64Array(4);
      gen = { seed: 3 };
      w = new Parameter(ones([1]));
    }
    expect(names(new Fine())).toEqual(['w']);
  });
});

describe('ModuleList', () => {
  it('registers its modules as children 0, 1, ... with PyTorch names', () => {
    class Net extends Module {
      blocks = new ModuleList([new Linear(2, 3, { seed: 0 }), new Tanh(), new Linear(3, 1, { seed: 1 })]);
      override forward(x: Tensor): Tensor {
        for (const b of this.blocks) x = b.forward(x);
        return x;
      }
    }
    const net = new Net();
    expect(names(net)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.2.weight', 'blocks.2.bias']);
    expect(Object.keys(net.stateDict())).toEqual(names(net));
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'blocks', 'blocks.0', 'blocks.1', 'blocks.2']);
    expect(net.forward(tensor([[1, 2]])).shape).toEqual([1, 1]);
    expect(String(net.blocks)).toBe(
      'ModuleList(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Tanh()\n  (2): Linear(in_features=3, out_features=1, bias=True)\n)',
    );
  });

  it('append, extend, insert, get (negative too), set, pop and length behave like Python lists', () => {
    const [a, b, c, d] = [new ReLU(), new Tanh(), new Linear(1, 1), new ReLU()];
    const list = new ModuleList();
    expect(list.length).toBe(0);
    expect(list.append(a)).toBe(list);
    list.extend([b, c]);
    list.insert(1, d); // [a, d, b, c]
    expect([...list]).toEqual([a, d, b, c]);
    list.insert(-1, a); // before the last: [a, d, b, a, c]
    expect([...list]).toEqual([a, d, b, a, c]);
    list.insert(5, d); // at the end
    expect(list.length).toBe(6);
    expect(list.get(0)).toBe(a);
    expect(list.get(-1)).toBe(d);
    expect(list.get(-6)).toBe(a);
    list.set(-1, b);
    expect(list.get(5)).toBe(b);
    expect(list.pop()).toBe(b);
    expect(list.pop(0)).toBe(a);
    expect([...list]).toEqual([d, b, a, c]);
    expect(list.namedChildren().map(([n, m]) => [n, m])).toEqual([['0', d], ['1', b], ['2', a], ['3', c]]);
  });

  it('rejects bad indices and non-modules, naming the method and the value, and changes nothing', () => {
    const list = new ModuleList([new ReLU()]);
    expect(() => list.get(1)).toThrow(/^ModuleList\.get: index 1 is out of range for 1 module\(s\) \(valid: -1\.\.0\)$/);
    expect(() => list.get(-2)).toThrow(/ModuleList\.get: index -2 is out of range/);
    expect(() => list.get(0.5)).toThrow(/ModuleList\.get: index 0\.5 is out of range/);
    expect(() => new ModuleList().pop()).toThrow(/ModuleList\.pop: .*the list is empty/);
    expect(() => list.insert(3, new ReLU())).toThrow(/ModuleList\.insert: index 3 is out of range/);
    expect(() => list.append({} as Module)).toThrow(/^ModuleList\.append: module must be a Module, got an object$/);
    expect(() => list.extend([new Tanh(), 'relu' as unknown as Module])).toThrow(/^ModuleList\.extend: element 1 must be a Module, got the string "relu"$/);
    expect(list.length).toBe(1); // the good first element was not added either
    expect(() => new ModuleList(new ReLU() as unknown as Module[])).toThrow(/^ModuleList\.extend: modules must be an iterable, got a ReLU$/);
  });
});

describe('ModuleDict', () => {
  it('registers modules by key, in insertion order, with PyTorch names', () => {
    const heads = new ModuleDict({ b: new Linear(2, 1, { seed: 0 }), a: new Linear(2, 3, { seed: 1 }) });
    heads.set('act', new ReLU());
    expect(heads.keys()).toEqual(['b', 'a', 'act']);
    expect([...heads]).toEqual(['b', 'a', 'act']); // iterating a ModuleDict gives its keys, as in PyTorch
    expect(names(heads)).toEqual(['b.weight', 'b.bias', 'a.weight', 'a.bias']);
    expect(heads.length).toBe(3);
    expect(heads.has('a')).toBe(true);
    expect(heads.values()[2]).toBeInstanceOf(ReLU);
    expect(heads.entries().map(([k]) => k)).toEqual(['b', 'a', 'act']);
    expect(heads.delete('b')).toBe(true);
    expect(heads.delete('b')).toBe(false);
    expect(Object.keys(heads.stateDict())).toEqual(['a.weight', 'a.bias']);
    // Integer-like keys keep insertion order too (a plain object would sort them first).
    const numbered = new ModuleDict([['10', new ReLU()], ['2', new Tanh()]]);
    expect(numbered.keys()).toEqual(['10', '2']);
    expect(String(numbered)).toBe('ModuleDict(\n  (10): ReLU()\n  (2): Tanh()\n)');
  });

  it('a model built from a ModuleDict trains all of its modules', () => {
    class TwoHeads extends Module {
      heads = new ModuleDict({ mean: new Linear(2, 1, { seed: 0 }), scale: new Linear(2, 1, { seed: 1 }) });
      override forward(x: Tensor): Tensor {
        return this.heads.get('mean').forward(x).add(this.heads.get('scale').forward(x).mul(2));
      }
    }
    const m = new TwoHeads();
    const before = m.parameters().map(flat);
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    m.forward(tensor([[1, 2]])).sum().backward();
    opt.step();
    m.parameters().forEach((p, i) => expect(flat(p)).not.toEqual(before[i]));
  });

  it('rejects missing keys, bad keys and non-modules, naming them; a bad entry adds nothing', () => {
    const d = new ModuleDict({ a: new ReLU() });
    expect(() => d.get('b')).toThrow(/^ModuleDict\.get: no module named the string "b" \(keys: 'a'\)$/);
    expect(() => d.set('x.y', new ReLU())).toThrow(/^ModuleDict\.set: name must be a non-empty string without '\.', got the string "x\.y"$/);
    expect(() => d.set('', new ReLU())).toThrow(/ModuleDict\.set: name must be a non-empty string/);
    expect(() => d.set('c', new Tensor(zeros([1]).tensorData) as unknown as Module)).toThrow(/^ModuleDict\.set: module 'c' must be a Module, got a Tensor of shape \[1\]$/);
    expect(() => new ModuleDict({ ok: new ReLU(), bad: 3 as unknown as Module })).toThrow(/^ModuleDict: module 'bad' must be a Module, got 3$/);
    expect(() => d.update([['z', new ReLU()], ['w'] as unknown as [string, Module]])).toThrow(/^ModuleDict: entry 1 must be a \[key, module\] pair, got an array$/);
    expect(d.keys()).toEqual(['a']);
    expect(() => new ModuleDict(new ReLU() as unknown as Record<string, Module>)).toThrow(/^ModuleDict: expected an object of modules or an iterable of \[key, module\] pairs, got a ReLU$/);
  });
});

/** y = x * gamma, gamma [C, 1] broadcast over [N, C, L] (EXTENDING.md's LayerScale). */
class Scale extends Module {
  gamma: Parameter;
  constructor(values: number[]) {
    super();
    this.gamma = new Parameter(t64(values, [values.length, 1]));
  }
  override forward(x: Tensor): Tensor {
    return x.mul(this.gamma);
  }
}

describe('gradcheckModule', () => {
  it('an optimizer built before the check still trains the module afterwards (the old recipe broke it)', () => {
    const xv = randomValues(2 * 3 * 4, 11);
    const x = t64(xv, [2, 3, 4], true);
    const gamma0 = [0.5, -1, 2];

    // The recipe EXTENDING.md used to show: gradcheck's float64 copy ends up in the layer.
    const old = new Scale(gamma0);
    const oldGamma = old.gamma;
    gradcheck((xi: Tensor, g: Tensor) => {
      (old as unknown as { gamma: Tensor }).gamma = g;
      return old.forward(xi);
    }, [x, old.gamma]);
    expect(old.gamma).not.toBe(oldGamma);
    old.forward(x).sum().backward();
    expect(oldGamma.grad).toBeNull(); // an optimizer holding oldGamma would never move it again
    x.grad = null;

    const m = new Scale(gamma0);
    const gamma = m.gamma;
    const opt = new SGD(m.parameters(), { lr: 0.1 });
    expect(gradcheckModule(m, [x])).toBe(true);
    expect(m.gamma).toBe(gamma);
    expect(m.parameters()).toEqual([gamma]);
    // One step on loss = sum(x * gamma): dL/dgamma[c] = sum over n, l of x[n, c, l], by hand.
    x.grad = null;
    m.forward(x).sum().backward();
    opt.step();
    const expected = gamma0.map((g, c) => {
      let s = 0;
      for (let n = 0; n < 2; n++) for (let l = 0; l < 4; l++) s += xv[(n * 3 + c) * 4 + l]!;
      return g - 0.1 * s;
    });
    flat(m.gamma).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('checks inputs and parameters, tied ones once, and leaves frozen ones constant', () => {
    class Tied extends Module {
      a = new Linear(3, 3, { seed: 0 });
      b = new Linear(3, 3, { seed: 1 });
      frozen = new Parameter(full([3], 0.5), false);
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
      override forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x).tanh()).mul(this.frozen);
      }
    }
    const m = new Tied();
    const before = m._parameterSlots().map((s) => s.param);
    expect(gradcheckModule(m, [t64(randomValues(6, 3), [2, 3], true)])).toBe(true);
    expect(m._parameterSlots().map((s) => s.param)).toEqual(before);
    expect(m.b.weight).toBe(m.a.weight);
  });

  it('restores the parameters when the check fails, and names the failing parameter by position', () => {
    class Bad extends Scale {
      override forward(x: Tensor): Tensor {
        // d/dgamma doubled by a detached copy of x: analytic 2x, numeric x.
        return x.mul(this.gamma).add(x.detach().mul(this.gamma).sub(x.detach().mul(this.gamma.detach())));
      }
    }
    const m = new Bad([1, 2, 3]);
    const gamma = m.gamma;
    const x = t64(randomValues(6, 4), [1, 3, 2], false);
    expect(() => gradcheckModule(m, [x])).toThrow(/^gradcheck: gradient mismatch for input 1 \(shape \[3, 1\]\)/);
    expect(m.gamma).toBe(gamma);
    expect(flat(m.gamma)).toEqual([1, 2, 3]);
  });

  it('rejects what is not a module, inputs that are not tensors and unknown options', () => {
    const m = new Scale([1]);
    expect(() => gradcheckModule({} as Module, [])).toThrow(/^gradcheckModule: module must be a Module, got an object$/);
    expect(() => gradcheckModule(m, tensor([1]) as unknown as Tensor[])).toThrow(/^gradcheckModule: inputs must be an array of Tensors, got a Tensor of shape \[1\]$/);
    expect(() => gradcheckModule(m, [[1] as unknown as Tensor])).toThrow(/^gradcheckModule: expected input 0 to be a Tensor, got an array$/);
    expect(() => gradcheckModule(m, [t64([1], [1, 1, 1])], { epsilon: 1e-3 } as never)).toThrow(/^gradcheckModule: unknown option 'epsilon'; accepted options: eps, atol, rtol$/);
    expect(() => gradcheckModule(new ReLU(), [t64([1], [1])])).toThrow(/^gradcheckModule: nothing to check: no input requires grad and ReLU has no parameter that does$/);
    class Bad extends Module {
      override forward(): Tensor {
        return [1] as never;
      }
    }
    expect(() => gradcheckModule(new Bad(), [t64([1], [1], true)])).toThrow(/^gradcheckModule: expected Bad\.forward to return a Tensor, got an array$/);
  });
});
