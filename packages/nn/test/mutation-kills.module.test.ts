/*
 * Module registration, discovery and loadStateDict details the broader suites leave unpinned:
 * the exact messages, empty slots (null / undefined), containers with odd items, tied float32
 * parameters, contiguous parameter views, and the one-line-extra-plus-children layout of toString.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, TensorData, ones, tensor, zeros } from '@kindling/core';
import { Linear, Module, Parameter, ReLU, persistentDtypeOf } from '../src/index.js';

const flat = (t: Tensor): number[] => Array.from(t.dataSync());
const set = (m: Module, key: string, v: unknown): void => {
  (m as unknown as Record<string, unknown>)[key] = v;
};

describe('registration messages', () => {
  it('registerBuffer rejects what is not a tensor or null, naming the buffer', () => {
    const m = new Module();
    expect(() => m.registerBuffer('stat', [1, 2] as never)).toThrow(/^registerBuffer: 'stat' must be a Tensor or null, got an array$/);
    expect(() => m.registerBuffer('stat', 3 as never)).toThrow(/^registerBuffer: 'stat' must be a Tensor or null, got 3$/);
    expect(Object.keys(m.stateDict())).toEqual([]);
  });

  it('registerBuffer(name, null, { persistentDtype }) records an absent int64 buffer', () => {
    class Counter extends Module {
      steps: Tensor | null;
      constructor() {
        super();
        this.steps = this.registerBuffer('steps', null, { persistentDtype: 'int64' });
      }
    }
    const c = new Counter();
    expect(c.steps).toBeNull();
    expect(c.stateDict()).toEqual({});
    // Assigned later, it is saved as the int64 buffer it was declared to be.
    c.steps = tensor(4);
    const sd = c.stateDict();
    expect(Object.keys(sd)).toEqual(['steps']);
    expect(persistentDtypeOf(sd.steps!)).toBe('int64');
  });

  it('names must be non-empty strings without dots', () => {
    const m = new Module();
    expect(() => m.registerParameter(5 as never, null)).toThrow(/^registerParameter: name must be a non-empty string without '\.', got 5$/);
    expect(() => m.registerBuffer(undefined as never, null)).toThrow(/^registerBuffer: name must be a non-empty string without '\.', got undefined$/);
    expect(() => m.registerModule('', new ReLU())).toThrow(/^registerModule: name must be a non-empty string without '\.', got the string ""$/);
    expect(() => m.registerModule('train', new ReLU())).toThrow(/^registerModule: 'train' would shadow a Module property or method$/);
  });

  it('registerModule rejects a non-module, naming the name and the value', () => {
    const m = new Module();
    expect(() => m.registerModule('head', {} as Module)).toThrow(/^registerModule: 'head' must be a Module, got an object$/);
    expect(() => m.registerModule('head', tensor([1]) as never)).toThrow(/^registerModule: 'head' must be a Module, got a Tensor of shape \[1\]$/);
  });

  it('registerModule over a registered parameter or buffer name turns it into a child', () => {
    const m = new Module();
    m.registerParameter('a', zeros([1]));
    m.registerBuffer('b', zeros([1]));
    const fa = new Linear(1, 1, { seed: 0 });
    const fb = new ReLU();
    m.registerModule('a', fa);
    m.registerModule('b', fb);
    expect(m.namedChildren()).toEqual([['a', fa], ['b', fb]]);
    expect(Object.keys(m.stateDict())).toEqual(['a.weight', 'a.bias']);
  });
});

describe('empty slots are skipped, not errors', () => {
  it('a registered parameter set to undefined is absent', () => {
    const lin = new Linear(2, 1, { seed: 0 });
    set(lin, 'bias', undefined);
    expect(lin.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(Object.keys(lin.stateDict())).toEqual(['weight']);
  });

  it('unregistered properties holding null, undefined, numbers, strings or functions are ignored', () => {
    class Holder extends Module {
      last: Tensor | null = null;
      pending: Tensor | undefined = undefined;
      count = 3;
      label = 'x';
      hook = (): number => 1;
      w = new Parameter(ones([2]));
    }
    const m = new Holder();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['w']);
    expect(m.children()).toEqual([]);
    expect(Object.keys(m.stateDict())).toEqual(['w']);
  });
});

describe('modules hidden in containers', () => {
  const arrayMessage = /^Module: property 'x' is an array containing Modules, which a Module does not look inside \(they would be missing from parameters\(\) and stateDict\(\)\); use new ModuleList\(\[\.\.\.\]\) instead$/;

  it('a module after nulls, undefineds, scalars, tensors and empty containers is still found', () => {
    const m = new Module();
    set(m, 'x', [undefined, null, 1, 'a', tensor([1]), [], {}, new Map(), new ReLU()]);
    expect(() => m.parameters()).toThrow(arrayMessage);
  });

  it('four arrays deep is still found', () => {
    const m = new Module();
    set(m, 'x', [[[[new ReLU()]]]]);
    expect(() => m.parameters()).toThrow(arrayMessage);
  });

  it('a container that holds itself (and no module) is left alone', () => {
    const m = new Module();
    const loop: unknown[] = [1];
    loop.push(loop);
    const obj: Record<string, unknown> = { n: 2 };
    obj.self = obj;
    set(m, 'x', loop);
    set(m, 'y', obj);
    expect(m.parameters()).toEqual([]);
  });

  it('a null-prototype object of modules is a plain object', () => {
    const m = new Module();
    const dict = Object.create(null) as Record<string, unknown>;
    dict.enc = new ReLU();
    set(m, 'x', dict);
    expect(() => m.stateDict()).toThrow(
      /^Module: property 'x' is a plain object containing Modules, which a Module does not look inside \(they would be missing from parameters\(\) and stateDict\(\)\); use new ModuleDict\(\{\.\.\.\}\) instead$/,
    );
  });

  it('Parameters in a Map: the message says how to register them', () => {
    const m = new Module();
    set(m, 'x', new Map([['w', new Parameter(ones([1]))]]));
    expect(() => m.parameters()).toThrow(
      /^Module: property 'x' is a Map containing Parameters, which a Module does not look inside \(they would be missing from parameters\(\) and stateDict\(\)\); register each with registerParameter\(name, p\) or keep them in child modules$/,
    );
  });
});

describe('loadStateDict', () => {
  it('rejects arrays, typed arrays and strings as the state dict', () => {
    const lin = new Linear(1, 1, { seed: 0 });
    expect(() => lin.loadStateDict([] as never)).toThrow(/^loadStateDict: expected an object mapping names to tensors, got an array$/);
    expect(() => lin.loadStateDict(new Float64Array(2) as never)).toThrow(/^loadStateDict: expected an object mapping names to tensors, got a Float64Array$/);
    expect(() => lin.loadStateDict('weight' as never)).toThrow(/^loadStateDict: expected an object mapping names to tensors, got the string "weight"$/);
  });

  it('a strict load that succeeds reports no missing or unexpected keys', () => {
    const lin = new Linear(2, 1, { seed: 0 });
    expect(lin.loadStateDict({ weight: [[1, 2]], bias: [3] })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(lin.loadStateDict({ weight: [[1, 2]], bias: [3] }, { strict: true })).toEqual({ missingKeys: [], unexpectedKeys: [] });
  });

  it('lists every problem, one per line: missing keys first, then shapes, then unexpected keys', () => {
    const lin = new Linear(3, 2, { seed: 0 });
    const before = lin.parameters().map(flat);
    expect(() => lin.loadStateDict({})).toThrow(
      new RegExp(
        "^loadStateDict: error\\(s\\) loading state dict into Linear; nothing was changed:\\n" +
          "  missing key\\(s\\): 'weight' \\(expected shape \\[2, 3\\]\\), 'bias' \\(expected shape \\[2\\]\\)$",
      ),
    );
    expect(() => lin.loadStateDict({ weight: [1, 2], bias: [1, 2], extra: [1], more: 5 })).toThrow(
      new RegExp(
        "^loadStateDict: error\\(s\\) loading state dict into Linear; nothing was changed:\\n" +
          "  size mismatch for 'weight': copying a value of shape \\[2\\] from the state dict, the shape in the current module is \\[2, 3\\]\\n" +
          "  unexpected key\\(s\\): 'extra' \\(shape \\[1\\]\\), 'more' \\(shape \\[\\]\\)$",
      ),
    );
    expect(() => lin.loadStateDict({ bias: [[1, 2]], extra: tensor([[1, 2, 3]]) })).toThrow(
      new RegExp(
        "^loadStateDict: error\\(s\\) loading state dict into Linear; nothing was changed:\\n" +
          "  missing key\\(s\\): 'weight' \\(expected shape \\[2, 3\\]\\)\\n" +
          "  size mismatch for 'bias': copying a value of shape \\[1, 2\\] from the state dict, the shape in the current module is \\[2\\]\\n" +
          "  unexpected key\\(s\\): 'extra' \\(shape \\[1, 3\\]\\)$",
      ),
    );
    expect(lin.parameters().map(flat)).toEqual(before);
  });

  it('tied float32 parameters: two values that round to the same float32 do not conflict', () => {
    class Tied extends Module {
      a = new Linear(1, 1, { seed: 0, bias: false, dtype: 'float32' });
      b = new Linear(1, 1, { seed: 1, bias: false, dtype: 'float32' });
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
    }
    const m = new Tied();
    // 0.1 and 0.1 + 2^-40 are different doubles with the same nearest float32.
    const v = 0.1 + 2 ** -40;
    expect(Math.fround(v)).toBe(Math.fround(0.1));
    m.loadStateDict({ 'a.weight': [[0.1]], 'b.weight': [[v]] });
    expect(flat(m.a.weight)).toEqual([Math.fround(0.1)]);
  });

  it('tied float64 parameters: the same two values do conflict', () => {
    class Tied extends Module {
      a = new Linear(1, 1, { seed: 0, bias: false });
      b = new Linear(1, 1, { seed: 1, bias: false });
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
    }
    const m = new Tied();
    const v = 0.1 + 2 ** -40;
    expect(() => m.loadStateDict({ 'a.weight': [[0.1]], 'b.weight': [[v]] })).toThrow(
      new RegExp(`^loadStateDict: error\\(s\\) loading state dict into Tied; nothing was changed:\\n  'a\\.weight' and 'b\\.weight' are the same \\(tied\\) tensor but the state dict gives them different values \\(first difference at flat index 0: 0\\.1 vs ${String(v).replace('.', '\\.')}\\)$`),
    );
  });

  it('a contiguous parameter that is a window of a larger storage: only its own elements are written', () => {
    const backing = new Float64Array([9, 9, 9, 9, 9]);
    const m = new Module();
    m.registerParameter('p', new Tensor(new TensorData(backing, [2], [1], 1)));
    m.loadStateDict({ p: [7, 8] });
    expect(Array.from(backing)).toEqual([9, 7, 8, 9, 9]);
  });
});

describe('toString', () => {
  it('one line of extraRepr and a child: the extra line goes inside, as torch.nn.Module.__repr__ does', () => {
    class M extends Module {
      fc = new Linear(2, 1, { seed: 0 });
      override extraRepr(): string {
        return 'k=1';
      }
    }
    // /usr/bin/python3: class M(nn.Module) with self.fc = nn.Linear(2, 1) and extra_repr() -> 'k=1'; str(M())
    //   -> 'M(\n  k=1\n  (fc): Linear(in_features=2, out_features=1, bias=True)\n)'
    expect(String(new M())).toBe('M(\n  k=1\n  (fc): Linear(in_features=2, out_features=1, bias=True)\n)');
  });
});
