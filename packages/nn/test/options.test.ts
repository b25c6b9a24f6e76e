// Unknown option keys, one-line errors for wrong inputs, and the optimizers' hyper-parameter
// ranges (PyTorch's checks in torch/optim/sgd.py and adam.py, plus SGD's dampening in [0, 1]).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ones, tensor, zeros } from '@kindling/core';
import { Adam, Conv1d, Flatten, Identity, L1Loss, Linear, MSELoss, Module, Parameter, ReLU, SGD, Sequential, Sigmoid, Tanh } from '@kindling/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';

const params = () => [new Parameter(zeros([2]))];

describe('unknown option keys are rejected, naming the key, the accepted ones and the camelCase spelling', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['Adam', () => new Adam(params(), { lr: 0.01, weight_decay: 0.1 } as never), /^Adam: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); accepted options: lr, betas, eps, weightDecay, amsgrad, maximize$/],
    ['SGD', () => new SGD(params(), { lr: 0.1, nestrov: true } as never), /^SGD: unknown option 'nestrov'; accepted options: lr, momentum, dampening, weightDecay, nesterov, maximize$/],
    ['SGD group', () => new SGD([{ params: params(), lr: 0.1, weight_decay: 1 }] as never), /^SGD: parameter group 0: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); accepted options: params, lr, momentum/],
    ['MSELoss', () => new MSELoss({ reduce: 'sum' } as never), /^MSELoss: unknown option 'reduce'; accepted options: reduction$/],
    ['L1Loss', () => new L1Loss({ size_average: true } as never), /^L1Loss: unknown option 'size_average'; accepted options: reduction$/],
    ['Conv1d', () => new Conv1d(1, 4, 3, { padding_mode: 'reflect' } as never), /^Conv1d: unknown option 'padding_mode' \(did you mean 'paddingMode'\?\); accepted options: stride, padding, dilation, groups, bias, paddingMode, seed, generator, dtype$/],
    ['Linear', () => new Linear(2, 3, { biased: false } as never), /^Linear: unknown option 'biased'; accepted options: bias, seed, generator, dtype$/],
    ['loadStateDict', () => new Linear(1, 1).loadStateDict({}, { strict: false, assign: true } as never), /^loadStateDict: unknown option 'assign'; accepted options: strict$/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => expect(make).toThrow(message));
  }

  it('a non-object options argument is rejected too', () => {
    expect(() => new Linear(2, 3, null as never)).toThrow(/^Linear: options must be an object, got null$/);
    expect(() => new MSELoss('sum' as never)).toThrow(/^MSELoss: options must be an object, got the string "sum"$/);
    expect(() => new SGD(params(), [0.1] as never)).toThrow(/^SGD: options must be an object, got an array$/);
  });

  it("optimizer state entries under PyTorch's names are rejected, not skipped (momentum would silently restart)", () => {
    const p = new Parameter(tensor([1, 2]));
    const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
    const sd = { state: { 0: { momentum_buffer: tensor([5, 5]) } }, paramGroups: sgd.stateDict().paramGroups };
    expect(() => sgd.loadStateDict(sd as never)).toThrow(/^SGD\.loadStateDict: parameter 0 \(shape \[2\]\): unknown option 'momentum_buffer' \(did you mean 'momentumBuffer'\?\); accepted options: momentumBuffer$/);
    const adam = new Adam([p]);
    const asd = { state: { 0: { step: 1, exp_avg: tensor([0, 0]), expAvgSq: tensor([0, 0]) } }, paramGroups: adam.stateDict().paramGroups };
    expect(() => adam.loadStateDict(asd as never)).toThrow(/^Adam\.loadStateDict: parameter 0 \(shape \[2\]\): unknown option 'exp_avg' \(did you mean 'expAvg'\?\)/);
  });

  it('an optimizer state dict with an unknown hyper-parameter is rejected and changes nothing', () => {
    const p = params();
    const opt = new SGD(p, { lr: 0.1 });
    const sd = opt.stateDict();
    (sd.paramGroups[0] as unknown as Record<string, unknown>).weight_decay = 0.5;
    expect(() => opt.loadStateDict(sd)).toThrow(/^SGD\.loadStateDict: parameter group 0: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
    expect(opt.paramGroups[0]!.weightDecay).toBe(0);
  });
});

describe('wrong inputs give one line naming the function and what it got', () => {
  it('layers say they got an array, not a Tensor', () => {
    const lin = new Linear(3, 2, { seed: 0 });
    expect(() => lin.forward([1, 2, 3] as never)).toThrow(/^Linear: expected a Tensor of shape \[\.\.\., 3\], got an array$/);
    expect(() => lin.forward(ones([2, 4]))).toThrow(/^Linear: expected a Tensor of shape \[\.\.\., 3\], got shape \[2, 4\]$/);
    const conv = new Conv1d(4, 2, 3, { seed: 0 });
    expect(() => conv.forward([[1, 2, 3]] as never)).toThrow(/^Conv1d: expected a Tensor of shape \[N, 4, L\] or \[4, L\], got an array$/);
    expect(() => conv.forward(undefined as never)).toThrow(/^Conv1d: expected a Tensor of shape \[N, 4, L\] or \[4, L\], got undefined$/);
    expect(() => conv.forward(ones([5]))).toThrow(/^Conv1d: expected a Tensor of shape \[N, 4, L\] or \[4, L\], got shape \[5\]$/);
    for (const [m, name] of [[new ReLU(), 'ReLU'], [new Tanh(), 'Tanh'], [new Sigmoid(), 'Sigmoid'], [new Identity(), 'Identity'], [new Flatten(), 'Flatten'], [new Sequential(), 'Sequential']] as const) {
      expect(() => m.forward(3 as never)).toThrow(new RegExp(`^${name}: expected a Tensor, got 3$`));
    }
    expect(() => new Flatten(2).forward(ones([2, 2]))).toThrow(/^Flatten: startDim 2 is out of range for an input of shape \[2, 2\]$/);
  });

  it('losses name the argument that is not a tensor', () => {
    expect(() => new MSELoss().forward([1] as never, ones([1]))).toThrow(/^MSELoss: expected the prediction to be a Tensor, got an array$/);
    expect(() => new L1Loss().forward(ones([1]), null as never)).toThrow(/^L1Loss: expected the target to be a Tensor, got null$/);
  });

  it('registration and traversal errors name the value', () => {
    const m = new Module();
    expect(() => m.registerParameter('w', [1, 2] as never)).toThrow(/^registerParameter: 'w' must be a Tensor or null, got an array$/);
    expect(() => m.train('yes' as never)).toThrow(/^train: mode must be a boolean, got the string "yes"$/);
    expect(() => m.loadStateDict(ones([1]) as never)).toThrow(/^loadStateDict: expected an object mapping names to tensors, got a Tensor of shape \[1\]$/);
    expect(() => new Sequential(new ReLU(), 'tanh' as never)).toThrow(/^Sequential: expected a Module at position 1, got the string "tanh"$/);
  });

  describe('file helpers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kindling-nn-errors-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("a missing file is 'no such file', not Node's raw ENOENT", () => {
      const path = join(dir, 'missing.safetensors');
      expect(() => loadSafetensorsFile(path)).toThrow(new Error(`loadSafetensorsFile: no such file '${path}'`));
      expect(() => loadSafetensorsFile(dir)).toThrow(new Error(`loadSafetensorsFile: '${dir}' is a directory`));
      expect(() => loadSafetensorsFile(3 as never)).toThrow(/^loadSafetensorsFile: path must be a non-empty string, got 3$/);
    });

    it('a file in a missing directory says which directory', () => {
      const path = join(dir, 'nope', 'x.safetensors');
      expect(() => saveSafetensorsFile(path, new Linear(1, 1).stateDict())).toThrow(new Error(`saveSafetensorsFile: cannot write '${path}': no such directory '${join(dir, 'nope')}'`));
    });
  });
});

describe('found by misuse.property.test.ts', () => {
  it('Conv1d: a tuple holding a value with no string form was a TypeError from join', () => {
    expect(() => new Conv1d(1, 1, [Object.create(null)] as never)).toThrow(/^Conv1d: kernelSize must be a positive integer \(or a 1-tuple of one\), got \[an object\]$/);
    expect(() => new Conv1d(1, 1, 1, { stride: [Symbol('s')] as never })).toThrow(/^Conv1d: stride must be a positive integer .*got \[symbol Symbol\(s\)\]$/);
  });

  it("a seed that is finite but not a safe integer was reported by core's Generator, not the layer", () => {
    expect(() => new Conv1d(1, 1, 1, { seed: -5e-324 })).toThrow(/^Conv1d: seed must be a safe integer, got -5e-324$/);
    expect(() => new Linear(1, 1, { seed: 2 ** 53 })).toThrow(/^Linear: seed must be a safe integer, got 9007199254740992$/);
  });

  it('a layer too large to allocate was a core rand() shape error or a RangeError', () => {
    expect(() => new Conv1d(2_225_799_470_210_996, 2, 3)).toThrow(/^Conv1d: a parameter of 13354796821265976 elements is more than the 4294967296 \(2\^32\) a typed array can hold$/);
    expect(() => new Linear(70_000, 70_000, { seed: 1 })).toThrow(/^Linear: a parameter of 4900000000 elements is more than/);
  });
});

describe('SGD hyper-parameters: PyTorch ranges, each boundary', () => {
  const sgd = (o: Record<string, unknown>) => () => new SGD(params(), o as never);
  it('accepts the edges', () => {
    for (const o of [
      { lr: 0 }, { momentum: 0 }, { weightDecay: 0 }, { dampening: 0 }, { dampening: 1 }, { momentum: 1.5 },
      { momentum: 1e-9, nesterov: true }, { lr: 1e9, momentum: 0.9, dampening: 0.5 },
    ]) expect(sgd(o)).not.toThrow();
  });
  it('rejects outside them, naming the value', () => {
    expect(sgd({ lr: -1e-9 })).toThrow(/^SGD: invalid learning rate: -1e-9 \(must be >= 0\)$/);
    expect(sgd({ momentum: -0.1 })).toThrow(/^SGD: invalid momentum value: -0\.1 \(must be >= 0\)$/);
    expect(sgd({ weightDecay: -1 })).toThrow(/^SGD: invalid weightDecay value: -1 \(must be >= 0\)$/);
    expect(sgd({ dampening: 5 })).toThrow(/^SGD: invalid dampening value: 5 \(must be in \[0, 1\]: .*above 1 the steps move uphill/);
    expect(sgd({ dampening: 1.0000001 })).toThrow(/SGD: invalid dampening value: 1\.0000001/);
    expect(sgd({ dampening: -0.5 })).toThrow(/SGD: invalid dampening value: -0\.5/);
    expect(sgd({ nesterov: true })).toThrow(/^SGD: nesterov momentum requires a momentum > 0 and zero dampening \(got momentum 0, dampening 0\)$/);
    expect(sgd({ nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/SGD: nesterov momentum requires a momentum > 0 and zero dampening \(got momentum 0\.9, dampening 0\.1\)/);
    expect(sgd({ lr: NaN })).toThrow(/^SGD: lr must be a finite number, got NaN$/);
    expect(sgd({ momentum: '0.9' })).toThrow(/^SGD: momentum must be a finite number, got the string "0\.9"$/);
    expect(sgd({ nesterov: 1 })).toThrow(/^SGD: nesterov must be a boolean, got 1$/);
  });
  it('why dampening 5 is refused: with it the buffer points uphill from the second step on', () => {
    // b2 = momentum * g + (1 - 5) * g = (0.9 - 4) g: opposite to the gradient, by hand.
    const momentum = 0.9, dampening = 5, g = 1;
    const b2 = momentum * g + (1 - dampening) * g;
    expect(Math.sign(b2)).toBe(-Math.sign(g));
  });
  it('a group or a changed paramGroups entry is checked before the step writes anything', () => {
    expect(() => new SGD([{ params: params(), dampening: 2 }])).toThrow(/SGD: invalid dampening value: 2/);
    const p = new Parameter(tensor([1, 2]));
    const opt = new SGD([p], { lr: 0.1, momentum: 0.5 });
    p.grad = tensor([1, 1]);
    opt.paramGroups[0]!.dampening = 3;
    expect(() => opt.step()).toThrow(/SGD: invalid dampening value: 3/);
    expect(Array.from(p.dataSync())).toEqual([1, 2]);
  });
});

describe('Adam hyper-parameters: PyTorch ranges, each boundary', () => {
  const adam = (o: Record<string, unknown>) => () => new Adam(params(), o as never);
  it('accepts the edges', () => {
    for (const o of [{ lr: 0 }, { eps: 0 }, { weightDecay: 0 }, { betas: [0, 0] }, { betas: [0.999999, 0.999999] }]) expect(adam(o)).not.toThrow();
  });
  it('rejects outside them, naming the value', () => {
    expect(adam({ lr: -1 })).toThrow(/^Adam: invalid learning rate: -1 \(must be >= 0\)$/);
    expect(adam({ eps: -1e-8 })).toThrow(/^Adam: invalid epsilon value: -1e-8 \(must be >= 0\)$/);
    expect(adam({ weightDecay: -0.1 })).toThrow(/^Adam: invalid weightDecay value: -0\.1 \(must be >= 0\)$/);
    expect(adam({ betas: [1, 0.999] })).toThrow(/^Adam: invalid beta parameter at index 0: 1 \(must be in \[0, 1\)\)$/);
    expect(adam({ betas: [0.9, 1] })).toThrow(/^Adam: invalid beta parameter at index 1: 1 \(must be in \[0, 1\)\)$/);
    expect(adam({ betas: [-0.1, 0.9] })).toThrow(/^Adam: invalid beta parameter at index 0: -0\.1/);
    expect(adam({ betas: [0.9] })).toThrow(/^Adam: betas must be a pair \[beta1, beta2\], got \[0\.9\]$/);
    expect(adam({ betas: 0.9 })).toThrow(/^Adam: betas must be a pair \[beta1, beta2\], got 0\.9$/);
    expect(adam({ amsgrad: 'no' })).toThrow(/^Adam: amsgrad must be a boolean, got the string "no"$/);
  });
});
