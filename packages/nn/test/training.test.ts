import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { noGrad } from '@kindling/core';
import { Adam, Conv1d, MSELoss, ReLU, SGD, Sequential } from '@kindling/nn';
import { configureFc, randomValues, referenceConv1d, t64 } from './helpers.js';

configureFc(8);

// Learnable task: the target is the input smoothed by a fixed 3-tap filter ('same' padding),
// which a Conv1d -> ReLU -> Conv1d network can represent.
const N = 8;
const L = 16;
const xs = randomValues(N * L, 12345);
const TEACHER = [0.25, 0.5, -0.25];
const target = referenceConv1d(xs, [N, 1, L], TEACHER, [1, 1, 3], [0.1], { stride: 1, padLeft: 1, padTotal: 2, dilation: 1, groups: 1 }).out;

describe('training', () => {
  it('a random small Conv1d -> ReLU -> Conv1d model lowers the loss on a fixed learnable task', () => {
    fc.assert(
      fc.property(
        fc.record({
          hidden: fc.integer({ min: 2, max: 4 }),
          k1: fc.constantFrom(3, 5),
          k2: fc.constantFrom(1, 3),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
          optimizer: fc.constantFrom('sgd', 'adam'),
          dtype: fc.constantFrom('float64' as const, 'float32' as const),
        }),
        ({ hidden, k1, k2, seed, optimizer, dtype }) => {
          const model = new Sequential(
            new Conv1d(1, hidden, k1, { padding: 'same', seed, dtype }),
            new ReLU(),
            new Conv1d(hidden, 1, k2, { padding: 'same', seed: seed + 1, dtype }),
          );
          const x = t64(xs, [N, 1, L]).to(dtype);
          const y = t64(target, [N, 1, L]).to(dtype);
          const lossFn = new MSELoss();
          const opt = optimizer === 'sgd' ? new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }) : new Adam(model.parameters(), { lr: 0.02 });
          const evalLoss = () => noGrad(() => lossFn.forward(model.forward(x), y).item());
          const initial = evalLoss();
          let last = initial;
          for (let step = 0; step < 150; step++) {
            opt.zeroGrad();
            const loss = lossFn.forward(model.forward(x), y);
            loss.backward();
            opt.step();
            last = loss.item();
          }
          const final = evalLoss();
          expect(Number.isFinite(final)).toBe(true);
          expect(final).toBeLessThan(0.5 * initial);
          expect(last).toBeLessThan(initial);
        },
      ),
    );
  });
});
