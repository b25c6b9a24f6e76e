// Misuse of every public nn function and class, generated: arbitrary values in every argument,
// unknown keys in every options object, and non-contiguous tensors wherever tensors go. The
// contract: either the call works, or it throws a plain Error whose message starts with the
// name of what was called (never a TypeError from deep inside, never a silent wrong answer).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';
import {
  Adam, Conv1d, Flatten, Identity, L1Loss, Linear, MSELoss, Module, ModuleDict, ModuleList, Parameter, ReLU, SGD,
  Sequential, Sigmoid, Tanh, gradcheckModule, loadSafetensors, loadSafetensorsWithMetadata, saveSafetensors,
} from '@kindling/nn';
import { configureFc, randomValues } from './helpers.js';
import { cleanly, dense } from './misuse-helpers.js';

configureFc(60);

/** Values fc.anything does not make, or makes too rarely to count on. */
const exotic = fc.constantFrom<unknown>(
  Object.create(null), Symbol('s'), 3n, -0, NaN, Infinity, -Infinity, '', '0', () => 1, new (class Thing {})(),
  new Tensor(new TensorData(new Float64Array(2), [2])), new Float32Array(3), new Map([['a', 1]]), new Set([1]), [],
);

/** Values of every kind JavaScript has, exotic ones included, alone and inside arrays and objects. */
const junk = fc.oneof(
  exotic,
  fc.array(exotic, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), exotic, { maxKeys: 2 }),
  fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
  maxDepth: 2,
  }),
);

const param = () => new Parameter(dense([2, 3]));

describe('arbitrary values in every argument', () => {
  it('constructors, one argument at a time (the others valid, so the junk is what gets checked)', () => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        const conv = [1, 2, 3, {}] as unknown[];
        for (let i = 0; i < conv.length; i++) {
          const args = conv.slice();
          args[i] = a;
          cleanly('Conv1d', () => new (Conv1d as new (...x: unknown[]) => Conv1d)(...args));
        }
        for (const key of ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'seed', 'generator', 'dtype']) {
          cleanly('Conv1d', () => new Conv1d(2, 2, 3, { [key]: a } as never));
        }
        const lin = [2, 3, {}] as unknown[];
        for (let i = 0; i < lin.length; i++) {
          const args = lin.slice();
          args[i] = a;
          cleanly('Linear', () => new (Linear as new (...x: unknown[]) => Linear)(...args));
        }
        for (const key of ['bias', 'seed', 'generator', 'dtype']) cleanly('Linear', () => new Linear(2, 3, { [key]: a } as never));
        cleanly('Flatten', () => new Flatten(a as never, b as never));
        cleanly('Flatten', () => new Flatten(1, a as never));
        cleanly('Sequential', () => new Sequential(new ReLU(), a as never));
        cleanly('MSELoss', () => new MSELoss(a as never));
        cleanly('MSELoss', () => new MSELoss({ reduction: a as never }));
        cleanly('L1Loss', () => new L1Loss({ reduction: a as never }));
        cleanly('SGD', () => new SGD(a as never, b as never));
        cleanly('SGD', () => new SGD([param(), a as never]));
        for (const key of ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize']) {
          cleanly('SGD', () => new SGD([param()], { momentum: 0.5, [key]: a } as never));
          cleanly('SGD', () => new SGD([{ params: [param()], [key]: a }] as never));
        }
        cleanly('SGD', () => new SGD([{ params: a }] as never));
        cleanly('Adam', () => new Adam(a as never, b as never));
        for (const key of ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize']) cleanly('Adam', () => new Adam([param()], { [key]: a } as never));
        cleanly('Adam', () => new Adam([param()], { betas: [0.9, a] as never }));
        cleanly('Parameter', () => new Parameter(a as never, b as never));
        cleanly('Parameter', () => new Parameter(param(), a as never));
        cleanly(/^ModuleList\.extend: /, () => new ModuleList(a as never));
        cleanly(/^ModuleList\.extend: /, () => new ModuleList([new ReLU(), a as never]));
        cleanly('ModuleDict', () => new ModuleDict(a as never));
        cleanly('ModuleDict', () => new ModuleDict({ ok: new ReLU(), bad: a as never }));
        cleanly('ModuleDict', () => new ModuleDict([['ok', new ReLU()], [a as never, new ReLU()]]));
      }),
    );
  });

  it('forward of every layer and loss with something that is not a tensor', () => {
    const layers: [string, Module][] = [
      ['Conv1d', new Conv1d(2, 3, 3, { seed: 0 })], ['Linear', new Linear(3, 2, { seed: 0 })], ['ReLU', new ReLU()], ['Tanh', new Tanh()],
      ['Sigmoid', new Sigmoid()], ['Identity', new Identity()], ['Flatten', new Flatten()], ['Sequential', new Sequential(new ReLU())],
    ];
    fc.assert(
      fc.property(junk.filter((v) => !(v instanceof Tensor)), junk, (x, y) => {
        for (const [name, m] of layers) expect(cleanly(name, () => m.forward(x as never))).toBe('threw');
        expect(cleanly('MSELoss', () => new MSELoss().forward(x as never, y as never))).toBe('threw');
        expect(cleanly('L1Loss', () => new L1Loss().forward(dense([2]), x as never))).toBe('threw');
      }),
    );
  });

  it('Module methods', () => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        const m = new Linear(2, 2, { seed: 0 });
        const before = m.parameters().map((p) => Array.from(p.dataSync()));
        if (cleanly('loadStateDict', () => m.loadStateDict(a as never, b as never)) === 'threw') {
          expect(m.parameters().map((p) => Array.from(p.dataSync()))).toEqual(before);
        }
        cleanly('loadStateDict', () => m.loadStateDict({ weight: a as never, bias: b as never }));
        cleanly('train', () => m.train(a as never));
        const host = new Module();
        cleanly('registerParameter', () => host.registerParameter('w', a as never));
        cleanly('registerBuffer', () => host.registerBuffer('b', a as never));
        cleanly('registerModule', () => host.registerModule('m', a as never));
        cleanly('registerParameter', () => host.registerParameter(a as never, b as never));
        cleanly('registerBuffer', () => host.registerBuffer(a as never, b as never));
        cleanly('registerModule', () => host.registerModule(a as never, b as never));
        // Whatever got registered, traversal still answers or names the property.
        cleanly(/^(Module: |registerParameter)/, () => host.stateDict());
        // Junk assigned to a property: ignored, or an error naming the module and property.
        const holder = new Module();
        (holder as unknown as Record<string, unknown>).prop = a;
        cleanly(/^Module: property 'prop' /, () => holder.parameters());
      }),
    );
  });

  it('container methods', () => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        const seq = new Sequential(new ReLU(), new Tanh());
        cleanly('Sequential.at', () => seq.at(a as never));
        cleanly('Sequential.append', () => seq.append(a as never));
        const list = new ModuleList([new ReLU()]);
        cleanly('ModuleList.get', () => list.get(a as never));
        cleanly('ModuleList.set', () => list.set(a as never, b as never));
        cleanly('ModuleList.append', () => list.append(a as never));
        cleanly('ModuleList.extend', () => list.extend(a as never));
        cleanly('ModuleList.insert', () => list.insert(a as never, b as never));
        cleanly('ModuleList.pop', () => list.pop(a as never));
        const dict = new ModuleDict({ r: new ReLU() });
        cleanly('ModuleDict.get', () => dict.get(a as never));
        cleanly('ModuleDict.set', () => dict.set(a as never, b as never));
        cleanly('ModuleDict', () => dict.update(a as never));
        expect(typeof dict.has(a as never)).toBe('boolean');
        expect(typeof dict.delete(b as never)).toBe('boolean');
      }),
    );
  });

  it('optimizer methods', () => {
    fc.assert(
      fc.property(junk, (a) => {
        const p = param();
        const sgd = new SGD([p], { lr: 0.1, momentum: 0.9 });
        cleanly('SGD.loadStateDict', () => sgd.loadStateDict(a as never));
        cleanly('SGD.loadStateDict', () => sgd.loadStateDict({ state: { 0: a }, paramGroups: sgd.stateDict().paramGroups } as never));
        cleanly('SGD.loadStateDict', () => sgd.loadStateDict({ state: {}, paramGroups: [a] } as never));
        cleanly('SGD.zeroGrad', () => sgd.zeroGrad(a as never));
        const adam = new Adam([p]);
        cleanly('Adam.loadStateDict', () => adam.loadStateDict({ state: { 0: a }, paramGroups: adam.stateDict().paramGroups } as never));
        // Hyper-parameters changed between steps are checked by the step.
        (sgd.paramGroups[0] as unknown as Record<string, unknown>).momentum = a;
        p.grad = dense([2, 3], 5);
        const before = Array.from(p.dataSync());
        if (cleanly('SGD', () => sgd.step()) === 'threw') expect(Array.from(p.dataSync())).toEqual(before);
      }),
    );
  });

  it('safetensors and gradcheckModule', () => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        cleanly('saveSafetensors', () => saveSafetensors(a as never, b as never));
        cleanly('saveSafetensors', () => saveSafetensors({ w: dense([2]) }, a as never));
        cleanly('saveSafetensors', () => saveSafetensors({ w: a as never }));
        cleanly('saveSafetensors', () => saveSafetensors({}, { k: a as never }));
        cleanly('loadSafetensors', () => loadSafetensors(a as never));
        cleanly('loadSafetensors', () => loadSafetensorsWithMetadata(a as never));
        cleanly('gradcheckModule', () => gradcheckModule(a as never, b as never));
        cleanly(/^(gradcheckModule|Linear): /, () => gradcheckModule(new Linear(2, 1, { seed: 0 }), [a as never]));
      }),
    );
  });
});

describe('unknown keys in every options object', () => {
  const accepted: Record<string, string[]> = {
    Conv1d: ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'seed', 'generator', 'dtype'],
    Linear: ['bias', 'seed', 'generator', 'dtype'],
    MSELoss: ['reduction'],
    L1Loss: ['reduction'],
    SGD: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'],
    Adam: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'],
    loadStateDict: ['strict'],
    gradcheckModule: ['eps', 'atol', 'rtol'],
  };
  const make: Record<string, (o: object) => unknown> = {
    Conv1d: (o) => new Conv1d(1, 1, 1, o),
    Linear: (o) => new Linear(1, 1, o),
    MSELoss: (o) => new MSELoss(o),
    L1Loss: (o) => new L1Loss(o),
    SGD: (o) => new SGD([param()], o),
    Adam: (o) => new Adam([param()], o),
    loadStateDict: (o) => new Linear(1, 1).loadStateDict(new Linear(1, 1).stateDict(), o),
    gradcheckModule: (o) => gradcheckModule(new Linear(1, 1, { seed: 0 }), [dense([1, 1])], o),
  };
  it('are rejected, naming the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(make)), fc.string({ minLength: 1, maxLength: 12 }), junk, (name, key, value) => {
        fc.pre(!accepted[name]!.includes(key));
        const opts = Object.defineProperty({}, key, { value, enumerable: true });
        expect(() => make[name]!(opts)).toThrow(`${name}: unknown option '${key}'`);
      }),
    );
  });
});

describe('non-contiguous tensors wherever tensors go', () => {
  /** `values` in row-major order of `shape`, stored reversed-axis (a permuted view, strides not row-major). */
  function permutedView(values: number[], shape: number[]): Tensor {
    const n = shape.length;
    const rev = shape.slice().reverse();
    const backing = new Float64Array(values.length);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const revStrides = rev.map((_, i) => rev.slice(i + 1).reduce((a, b) => a * b, 1));
    for (let flat = 0; flat < values.length; flat++) {
      let pos = 0;
      for (let d = 0; d < n; d++) pos += (Math.floor(flat / strides[d]!) % shape[d]!) * revStrides[n - 1 - d]!;
      backing[pos] = values[flat]!;
    }
    return new Tensor(new TensorData(backing, shape, revStrides.slice().reverse(), 0));
  }
  const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(b[i]!)));
  };

  it('layers and losses give the same numbers and gradients for a view as for dense data', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 3 }), fc.integer({ min: 3, max: 6 }), fc.nat(1000), (N, C, L, seed) => {
        const shape = [N, C, L];
        const values = randomValues(N * C * L, seed);
        const view = permutedView(values, shape);
        expect(view.tensorData.isContiguous()).toBe(N === 1 && C === 1);
        const flatDense = () => new Tensor(new TensorData(Float64Array.from(values), shape), true);
        const models: Module[] = [
          new Conv1d(C, 2, 3, { seed: seed + 1, padding: 1 }),
          new Linear(L, 2, { seed: seed + 2 }),
          new Sequential(new Tanh(), new Flatten(), new Linear(C * L, 1, { seed: 3 })),
          new ReLU(), new Sigmoid(),
        ];
        for (const m of models) {
          const dx = flatDense();
          const vx = new Tensor(view.tensorData, true);
          const yd = m.forward(dx);
          const yv = m.forward(vx);
          close(yv.dataSync(), yd.dataSync());
          yd.sum().backward();
          yv.sum().backward();
          close(vx.grad!.dataSync(), dx.grad!.dataSync());
        }
        const target = dense(shape, seed + 7);
        for (const loss of [new MSELoss(), new L1Loss({ reduction: 'sum' })]) {
          close(loss.forward(view, target).dataSync(), loss.forward(flatDense(), target).dataSync());
          close(loss.forward(target, view).dataSync(), loss.forward(target, flatDense()).dataSync());
        }
      }),
    );
  });

  it('loadStateDict and saveSafetensors read a view in its logical order; optimizers accept a strided grad', () => {
    fc.assert(
      fc.property(fc.nat(1000), (seed) => {
        const w = randomValues(6, seed);
        const lin = new Linear(3, 2, { seed: 0 });
        lin.loadStateDict({ weight: permutedView(w, [2, 3]), bias: [1, 2] });
        expect(Array.from(lin.weight.dataSync())).toEqual(w);
        const back = loadSafetensors(saveSafetensors({ w: permutedView(w, [2, 3]) }));
        expect(Array.from(back.w!.dataSync())).toEqual(w);
        expect(back.w!.shape).toEqual([2, 3]);
        const p = new Parameter(dense([2, 3], seed));
        const before = Array.from(p.dataSync());
        p.grad = permutedView(w, [2, 3]);
        new SGD([p], { lr: 0.5 }).step();
        Array.from(p.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(before[i]! - 0.5 * w[i]!, 12));
      }),
    );
  });
});
