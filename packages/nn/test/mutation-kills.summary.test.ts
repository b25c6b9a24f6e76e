// summary()'s table in the cases the basic tests do not reach: the tree drawing of a deep model
// (a closed ancestor leaves a blank column, an open one a '│ '), and the output column of a
// module that returns several tensors (their shapes, comma-separated) or something else (as
// describeValue names it). Each table is written out by hand from the documented layout: every
// column but the last padded to its widest cell plus three spaces, rules of '=' at least 50 wide.
import { type Tensor, getDefaultDtype, tensor, zeros } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Linear, Module, Parameter, ReLU, Sequential, Tanh, summary } from '../src/index.js';

describe('summary tree drawing', () => {
  it('draws a blank column under a last child and a bar under one with later siblings', () => {
    const model = new Sequential(new Sequential(new Sequential(new Tanh())), new Linear(3, 2, { seed: 0 }));
    expect(summary(model, [4, 3])).toBe([
      '==================================================',
      'Layer (type)         Output Shape   Param #',
      '==================================================',
      'Sequential           [4, 2]         --',
      '├─0 (Sequential)     [4, 3]         --',
      '│ └─0 (Sequential)   [4, 3]         --',
      '│   └─0 (Tanh)       [4, 3]         --',
      '└─1 (Linear)         [4, 2]         8',
      '==================================================',
      'Total params: 8',
      'Trainable params: 8',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
  });

  it('indents the children of a last child with blanks only', () => {
    const model = new Sequential(new Linear(2, 2, { seed: 0 }), new Sequential(new ReLU(), new Sequential(new Tanh(), new Linear(2, 1, { seed: 1 }))));
    expect(summary(model, [5, 2])).toBe([
      '==================================================',
      'Layer (type)         Output Shape   Param #',
      '==================================================',
      'Sequential           [5, 1]         --',
      '├─0 (Linear)         [5, 2]         6',
      '└─1 (Sequential)     [5, 1]         --',
      '  ├─0 (ReLU)         [5, 2]         --',
      '  └─1 (Sequential)   [5, 1]         --',
      '    ├─0 (Tanh)       [5, 2]         --',
      '    └─1 (Linear)     [5, 1]         3',
      '==================================================',
      'Total params: 9',
      'Trainable params: 9',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
  });
});

/** A module whose forward returns `make(x)`, whatever that is (summary accepts any output). */
class Returns extends Module {
  constructor(private readonly make: (x: Tensor) => unknown) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return this.make(x) as Tensor;
  }
}

class Outputs extends Module {
  pair = new Returns((x) => [x.mul(2), x.sum(1)]);
  single = new Returns((x) => [x.sum(0)]);
  empty = new Returns(() => []);
  mixed = new Returns((x) => [x, 1]);
  count = new Returns(() => 7);
  override forward(x: Tensor): Tensor {
    this.single.forward(x);
    this.empty.forward(x);
    this.mixed.forward(x);
    this.count.forward(x);
    const [a, b] = this.pair.forward(x) as unknown as [Tensor, Tensor];
    return a.add(b.unsqueeze(1));
  }
}

describe('summary output column', () => {
  it('lists every shape of a multi-tensor output, and describes any other output', () => {
    expect(summary(new Outputs(), tensor([[1, 2, 3], [4, 5, 6]]))).toBe([
      '==================================================',
      'Layer (type)         Output Shape   Param #',
      '==================================================',
      'Outputs              [2, 3]         --',
      '├─single (Returns)   [3]            --',
      '├─empty (Returns)    an array       --',
      '├─mixed (Returns)    an array       --',
      '├─count (Returns)    7              --',
      '└─pair (Returns)     [2, 3], [2]    --',
      '==================================================',
      'Total params: 0',
      'Trainable params: 0',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
  });
});

/** Records the dtype of each input it sees; its one parameter is not of the default dtype. */
class DtypeProbe extends Module {
  readonly other = getDefaultDtype() === 'float64' ? 'float32' : 'float64';
  scale = new Parameter(zeros([1], { dtype: this.other }));
  seen: string[] = [];
  override forward(x: Tensor): Tensor {
    this.seen.push(x.dtype);
    return x;
  }
}

describe('summary input shapes', () => {
  it('runs on zeros in the dtype of the first parameter, or the default dtype without parameters', () => {
    const probe = new DtypeProbe();
    summary(probe, [2, 3]);
    expect(probe.seen).toEqual([probe.other]);
    const bare = new Returns((x) => x.dtype === getDefaultDtype() ? x : x.sum());
    expect(summary(bare, [4, 2]).split('\n')[3]).toBe('Returns        [4, 2]         --');
  });

  it('refuses an input that is neither a shape, a Tensor nor an array of Tensors', () => {
    const msg = (got: string) => new RegExp(`^summary: input must be a shape \\(an array of non-negative integers\\), a Tensor or an array of Tensors, got ${got}$`);
    expect(() => summary(new ReLU(), 5 as never)).toThrow(msg('5'));
    expect(() => summary(new ReLU(), null as never)).toThrow(msg('null'));
    expect(() => summary(new ReLU(), [2, -1])).toThrow(msg('an array'));
    expect(() => summary(new ReLU(), [2, 1.5])).toThrow(msg('an array'));
    expect(() => summary(new ReLU(), [tensor([1]), 2] as never)).toThrow(msg('an array'));
  });

  it('accepts the empty shape (a 0-d input) and zero-length dims', () => {
    expect(summary(new Sequential(new ReLU()), [])).toBe([
      '==================================================',
      'Layer (type)   Output Shape   Param #',
      '==================================================',
      'Sequential     []             --',
      '└─0 (ReLU)     []             --',
      '==================================================',
      'Total params: 0',
      'Trainable params: 0',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
    expect(summary(new Linear(3, 2, { seed: 0 }), [0, 3]).split('\n')[3]).toBe('Linear         [0, 2]         8');
  });
});

/** Calls its sibling `head` (passed in, not its own child) after its own layer. */
class Body extends Module {
  inner = new Linear(2, 2, { seed: 0 });
  constructor(private readonly next: () => Module) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return this.next().forward(this.inner.forward(x));
  }
}

class Siblings extends Module {
  body: Body;
  head = new Tanh();
  constructor() {
    super();
    this.body = new Body(() => this.head);
  }
  override forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}

describe('summary names', () => {
  it('a module called by one that does not own it keeps its full name', () => {
    expect(summary(new Siblings(), [1, 2])).toBe([
      '==================================================',
      'Layer (type)         Output Shape   Param #',
      '==================================================',
      'Siblings             [1, 2]         --',
      '└─body (Body)        [1, 2]         --',
      '  ├─inner (Linear)   [1, 2]         6',
      '  └─head (Tanh)      [1, 2]         --',
      '==================================================',
      'Total params: 6',
      'Trainable params: 6',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
  });

  it('a table wider than 50 columns gets rules as wide as the table', () => {
    class Wide extends Module {
      anEncoderLayerWithAVeryLongDescriptiveName = new Linear(3, 4, { seed: 0 });
      override forward(x: Tensor): Tensor {
        return this.anEncoderLayerWithAVeryLongDescriptiveName.forward(x);
      }
    }
    // Columns: 2 + 42 + 9 = 53 wide label + 3, 'Output Shape' 12 + 3, 'Param #' 7 + 3: 56 + 15 + 10 = 81.
    const rule = '='.repeat(81);
    const lines = summary(new Wide(), [5, 3]).split('\n');
    expect(lines[0]).toBe(rule);
    expect(lines[2]).toBe(rule);
    expect(lines[4]).toBe(`└─anEncoderLayerWithAVeryLongDescriptiveName (Linear)${' '.repeat(3)}[5, 4]${' '.repeat(9)}16`);
    expect(lines[5]).toBe(rule);
    expect(lines[9]).toBe(rule);
  });
});

describe('summary and a forward that replaces itself', () => {
  it('works when a module assigns its own forward during the pass (lazy setup), and removes it after', () => {
    class Lazy extends Module {
      setups = 0;
      override forward(x: Tensor): Tensor {
        this.setups++;
        const ready = (y: Tensor): Tensor => y.mul(2);
        (this as unknown as { forward: (y: Tensor) => Tensor }).forward = ready;
        return ready(x);
      }
    }
    const lazy = new Lazy();
    expect(summary(new Sequential(lazy), [3, 2]).split('\n')[4]).toBe('└─0 (Lazy)     [3, 2]         --');
    expect(lazy.setups).toBe(1);
    expect(Object.hasOwn(lazy, 'forward')).toBe(false); // the model is left as it was found
  });
});
