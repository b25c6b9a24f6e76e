// Module.numParameters and summary(): counts (tied parameters once, frozen ones apart), the
// printed table, and that the summary's forward pass leaves the model exactly as it found it.
import { type Tensor, randn, zeros } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Conv1d, Flatten, Linear, Module, ModuleList, Parameter, ReLU, Sequential, Tanh, summary } from '../src/index.js';

describe('Module.numParameters', () => {
  it('counts every parameter element, tied tensors once, frozen ones only without trainableOnly', () => {
    const a = new Linear(3, 2, { seed: 0 });
    const b = new Linear(3, 2, { seed: 1 });
    b.weight = a.weight; // tied
    const model = new Sequential(a, new ReLU(), b);
    expect(a.numParameters()).toBe(8);
    expect(model.numParameters()).toBe(8 + 2);
    a.bias!.requiresGrad = false;
    expect(model.numParameters()).toBe(10);
    expect(model.numParameters({ trainableOnly: true })).toBe(8);
    expect(new ReLU().numParameters()).toBe(0);
  });

  it('checks its options', () => {
    expect(() => new ReLU().numParameters({ trainable: true } as never)).toThrow(/numParameters: unknown option 'trainable'/);
    expect(() => new ReLU().numParameters({ trainableOnly: 1 as never })).toThrow(/numParameters: trainableOnly must be a boolean/);
  });
});

class Net extends Module {
  enc = new Sequential(new Linear(4, 8, { seed: 0 }), new Tanh(), new Linear(8, 8, { seed: 1 }));
  shared = new Linear(8, 8, { seed: 2 });
  heads = new ModuleList([new Linear(8, 2, { seed: 3 }), new Linear(8, 3, { seed: 4 })]);
  scale = new Parameter(zeros([1]), false);
  modesSeen: boolean[] = [];
  override forward(x: Tensor): Tensor {
    this.modesSeen.push(this.training);
    const h = this.shared.forward(this.shared.forward(this.enc.forward(x)));
    return this.heads.get(0).forward(h).add(this.scale);
  }
}

describe('summary', () => {
  it('prints a layer table with output shapes, parameter counts and totals', () => {
    const model = new Sequential(new Conv1d(1, 4, 3, { padding: 'same', seed: 0 }), new ReLU(), new Flatten(), new Linear(64, 1, { seed: 1 }));
    expect(summary(model, [8, 1, 16])).toBe([
      '==================================================',
      'Layer (type)    Output Shape   Param #',
      '==================================================',
      'Sequential      [8, 1]         --',
      '├─0 (Conv1d)    [8, 4, 16]     16',
      '├─1 (ReLU)      [8, 4, 16]     --',
      '├─2 (Flatten)   [8, 64]        --',
      '└─3 (Linear)    [8, 1]         65',
      '==================================================',
      'Total params: 81',
      'Trainable params: 81',
      'Non-trainable params: 0',
      '==================================================',
    ].join('\n'));
  });

  it('nests calls, repeats a shared module, names items by their path and separates frozen parameters', () => {
    const net = new Net();
    expect(summary(net, randn([2, 4], { seed: 0 }))).toBe([
      '==================================================',
      'Layer (type)         Output Shape   Param #',
      '==================================================',
      'Net                  [2, 2]         1',
      '├─enc (Sequential)   [2, 8]         --',
      '│ ├─0 (Linear)       [2, 8]         40',
      '│ ├─1 (Tanh)         [2, 8]         --',
      '│ └─2 (Linear)       [2, 8]         72',
      '├─shared (Linear)    [2, 8]         72',
      '├─shared (Linear)    [2, 8]         (recursive)',
      '└─heads.0 (Linear)   [2, 2]         18',
      '==================================================',
      'Total params: 230',
      'Trainable params: 229',
      'Non-trainable params: 1',
      '==================================================',
    ].join('\n'));
  });

  it('runs in eval mode without a graph, then restores every mode and forward', () => {
    const net = new Net();
    net.enc.eval(); // mixed modes must come back as they were
    const x = randn([3, 4], { seed: 1, requiresGrad: true });
    summary(net, [x]);
    expect(net.modesSeen).toEqual([false]);
    expect(net.training).toBe(true);
    expect(net.enc.training).toBe(false);
    expect(net.shared.training).toBe(true);
    for (const m of net.modules()) expect(Object.hasOwn(m, 'forward')).toBe(false);
    expect(x.grad).toBeNull();
    const y = net.forward(x); // still works normally, with a graph
    expect(y.requiresGrad).toBe(true);
  });

  it('keeps a forward assigned on the instance, and thousands separators in big counts', () => {
    const big = new Linear(1000, 1000, { seed: 0 });
    const own = (x: Tensor) => x.mul(2);
    const wrapper = new Sequential(big);
    (big as unknown as { forward: (x: Tensor) => Tensor }).forward = own;
    const text = summary(wrapper, [1, 1000]);
    expect(text).toContain('└─0 (Linear)   [1, 1000]      1,001,000');
    expect(text).toContain('Total params: 1,001,000');
    expect((big as unknown as { forward: unknown }).forward).toBe(own);
  });

  it('reports a failing forward pass and restores the model', () => {
    const model = new Sequential(new Linear(4, 2, { seed: 0 }));
    expect(() => summary(model, [2, 5])).toThrow(/summary: the forward pass failed: .*/);
    expect(Object.hasOwn(model.at(0), 'forward')).toBe(false);
    expect(model.training).toBe(true);
  });

  it('checks its arguments', () => {
    expect(() => summary({} as never, [1])).toThrow(/summary: model must be a Module/);
    expect(() => summary(new ReLU(), 'x' as never)).toThrow(/summary: input must be a shape \(an array of non-negative integers\), a Tensor or an array of Tensors/);
    expect(() => summary(new ReLU(), [1, 'a'] as never)).toThrow(/summary: input must be a shape/);
  });
});
