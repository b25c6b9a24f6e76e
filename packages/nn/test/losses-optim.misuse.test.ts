// Misuse of the round-2 losses and optimizers, generated (the same contract as
// misuse.property.test.ts): arbitrary values in every option and argument either work or throw
// a plain Error whose message starts with the class's name; never a TypeError from deep inside.
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';
import { Adagrad, AdamW, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, NLLLoss, RMSprop, SmoothL1Loss } from '@kindling/nn';
import { configureFc } from './helpers.js';
import { cleanly, dense as denseTensor } from './misuse-helpers.js';

configureFc(40);

const exotic = fc.constantFrom<unknown>(
  Object.create(null), Symbol('s'), 3n, -0, NaN, Infinity, -Infinity, '', '0', () => 1, null, undefined, true, -1, 0.5, 7, 1e300,
  new Tensor(new TensorData(new Float64Array(2), [2])), new Tensor(new TensorData(new Float64Array(1), [])),
  new Float32Array(3), new Map([['a', 1]]), [], [0, 1], [[0]], [1.5], { reduction: 'sum' },
);
const junk = fc.oneof(exotic, fc.array(exotic, { maxLength: 3 }), fc.anything({ maxDepth: 2, withBigInt: true, withTypedArray: true, withNullPrototype: true }));

const dense = (shape: number[], seed = 1) => denseTensor(shape, seed, true);
const unit = (shape: number[]) => new Tensor(dense(shape).detach().sigmoid().tensorData);

const LOSSES = {
  CrossEntropyLoss: { make: (o: unknown) => new CrossEntropyLoss(o as never), keys: ['weight', 'ignoreIndex', 'reduction', 'labelSmoothing'] },
  NLLLoss: { make: (o: unknown) => new NLLLoss(o as never), keys: ['weight', 'ignoreIndex', 'reduction'] },
  BCELoss: { make: (o: unknown) => new BCELoss(o as never), keys: ['weight', 'reduction'] },
  BCEWithLogitsLoss: { make: (o: unknown) => new BCEWithLogitsLoss(o as never), keys: ['weight', 'posWeight', 'reduction'] },
  HuberLoss: { make: (o: unknown) => new HuberLoss(o as never), keys: ['reduction', 'delta'] },
  SmoothL1Loss: { make: (o: unknown) => new SmoothL1Loss(o as never), keys: ['reduction', 'beta'] },
} as const;

const OPTIMIZERS = {
  AdamW: { make: (p: unknown, o: unknown) => new AdamW(p as never, o as never), keys: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] },
  RMSprop: { make: (p: unknown, o: unknown) => new RMSprop(p as never, o as never), keys: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'] },
  Adagrad: { make: (p: unknown, o: unknown) => new Adagrad(p as never, o as never), keys: ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'] },
} as const;

describe('losses: arbitrary options and arguments', () => {
  it.each(Object.entries(LOSSES))('%s: every option, the options object, input and target', (name, { make, keys }) => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        cleanly(name, () => make(a));
        for (const key of keys) {
          cleanly(name, () => {
            const loss = make({ [key]: a });
            // A constructed loss must still take well-formed arguments without a TypeError.
            loss.forward(dense([3, 2]), (name === 'CrossEntropyLoss' || name === 'NLLLoss' ? [0, 1, 1] : unit([3, 2])) as never);
          });
        }
        cleanly(name, () => make({ size_average: b }));
        const loss = make({});
        cleanly(name, () => loss.forward(a as never, dense([3, 2])));
        cleanly(name, () => loss.forward(dense([3, 2]), a as never));
        cleanly(name, () => loss.forward(dense([2, 3, 2]), b as never));
      }),
    );
  });
});

describe('optimizers: arbitrary params, options, groups and state dicts', () => {
  it.each(Object.entries(OPTIMIZERS))('%s', (name, { make, keys }) => {
    fc.assert(
      fc.property(junk, junk, (a, b) => {
        const p = () => [new Tensor(new TensorData(Float64Array.of(1, 2), [2]), true)];
        cleanly(name, () => make(a, {}));
        cleanly(name, () => make(p(), a));
        for (const key of keys) {
          cleanly(name, () => {
            const ps = p();
            const opt = make(ps, { [key]: a });
            ps[0]!.grad = new Tensor(new TensorData(Float64Array.of(0.5, -0.5), [2]));
            opt.step();
          });
          cleanly(name, () => make([{ params: p(), [key]: a }], {}));
        }
        const ps = p();
        const opt = make(ps, {});
        ps[0]!.grad = new Tensor(new TensorData(Float64Array.of(1, 1), [2]));
        opt.step();
        const sd = opt.stateDict();
        cleanly(name, () => (opt as { loadStateDict(s: unknown): void }).loadStateDict(a));
        cleanly(name, () => (opt as { loadStateDict(s: unknown): void }).loadStateDict({ ...sd, state: { 0: { ...sd.state['0'], [keys[0] === 'lr' ? 'step' : 'x']: a, expAvg: b, squareAvg: b, sum: b } } }));
        cleanly(name, () => (opt as { loadStateDict(s: unknown): void }).loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0], [keys[1]!]: a }] }));
        cleanly(name, () => opt.zeroGrad(a as never));
      }),
    );
  });
});
