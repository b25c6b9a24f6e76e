// Misuse of the round-2 layers, generated (as misuse.property.test.ts does for the older ones):
// arbitrary values in every constructor argument and option, arbitrary forward inputs, unknown
// option keys. The contract: the call works, or it throws a plain Error whose message starts
// with the layer's name (never a TypeError from deep inside).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';
import {
  AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, BatchNorm1d, Dropout, ELU, Embedding, GELU, LayerNorm, LeakyReLU,
  LogSoftmax, MaxPool1d, type Module, SiLU, Softmax, Softplus, Unflatten,
} from '../src/index.js';
import { configureFc } from './helpers.js';
import { cleanly, dense, junkFrom } from './misuse-helpers.js';

configureFc(60);

const exotic = fc.constantFrom<unknown>(
  Object.create(null), Symbol('s'), 3n, -0, NaN, Infinity, -Infinity, '', '0', () => 1, new (class Thing {})(),
  new Tensor(new TensorData(new Float64Array(2), [2])), new Float32Array(3), new Map([['a', 1]]), new Set([1]), [], [2], [null], [-1, 2],
  // eslint-disable-next-line no-sparse-arrays
  [, 3], 0, 1, 2, -1, 0.5, 1.5, 2 ** 53, true, false, null, undefined,
);

const junk = junkFrom(exotic);

/** name -> [constructor taking junk in position i (others valid), number of positions, option keys]. */
const ctors: Record<string, { make: (args: unknown[]) => Module; valid: unknown[]; options: string[] }> = {
  Dropout: { make: (a) => new Dropout(...(a as [number])), valid: [0.5, { seed: 0 }], options: ['seed', 'generator'] },
  BatchNorm1d: { make: (a) => new BatchNorm1d(...(a as [number])), valid: [3, {}], options: ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'] },
  LayerNorm: { make: (a) => new LayerNorm(...(a as [number])), valid: [3, {}], options: ['eps', 'elementwiseAffine', 'bias', 'dtype'] },
  MaxPool1d: { make: (a) => new MaxPool1d(...(a as [number])), valid: [2, {}], options: ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'] },
  AvgPool1d: { make: (a) => new AvgPool1d(...(a as [number])), valid: [2, {}], options: ['stride', 'padding', 'ceilMode', 'countIncludePad'] },
  AdaptiveAvgPool1d: { make: (a) => new AdaptiveAvgPool1d(...(a as [number])), valid: [2], options: [] },
  AdaptiveMaxPool1d: { make: (a) => new AdaptiveMaxPool1d(...(a as [number])), valid: [2, {}], options: ['returnIndices'] },
  Embedding: { make: (a) => new Embedding(...(a as [number, number])), valid: [5, 2, { seed: 0 }], options: ['paddingIdx', 'seed', 'generator', 'dtype'] },
  Unflatten: { make: (a) => new Unflatten(...(a as [number, number[]])), valid: [1, [2, 2]], options: [] },
  Softmax: { make: (a) => new Softmax(...(a as [number])), valid: [1], options: [] },
  LogSoftmax: { make: (a) => new LogSoftmax(...(a as [number])), valid: [1], options: [] },
  GELU: { make: (a) => new GELU(...(a as [])), valid: [{}], options: ['approximate'] },
  LeakyReLU: { make: (a) => new LeakyReLU(...(a as [number])), valid: [0.01], options: [] },
  ELU: { make: (a) => new ELU(...(a as [number])), valid: [1], options: [] },
  Softplus: { make: (a) => new Softplus(...(a as [])), valid: [{}], options: ['beta', 'threshold'] },
};

describe('round-2 layers: arbitrary values', () => {
  it('in each constructor argument (the others valid)', () => {
    fc.assert(
      fc.property(junk, (a) => {
        for (const [name, c] of Object.entries(ctors)) {
          c.valid.forEach((_, i) => cleanly(name, () => c.make(c.valid.map((v, j) => (j === i ? a : v))), ': '));
          const last = c.valid.length - 1;
          for (const key of c.options) {
            cleanly(name, () => c.make(c.valid.map((v, j) => (j === last ? { ...(v as object), [key]: a } : v))), ': ');
          }
        }
      }),
    );
  });

  it('as the forward input (layers built valid)', () => {
    const layers: [string, Module][] = [
      ['Dropout', new Dropout(0.5, { seed: 0 })], ['BatchNorm1d', new BatchNorm1d(2)], ['LayerNorm', new LayerNorm(2)],
      ['MaxPool1d', new MaxPool1d(2)], ['AvgPool1d', new AvgPool1d(2)], ['AdaptiveAvgPool1d', new AdaptiveAvgPool1d(2)],
      ['AdaptiveMaxPool1d', new AdaptiveMaxPool1d(2)], ['Embedding', new Embedding(5, 2, { seed: 0 })], ['Unflatten', new Unflatten(1, [2, 1])],
      ['Softmax', new Softmax(1)], ['LogSoftmax', new LogSoftmax(1)], ['GELU', new GELU()], ['LeakyReLU', new LeakyReLU()],
      ['ELU', new ELU()], ['SiLU', new SiLU()], ['Softplus', new Softplus()],
    ];
    fc.assert(
      fc.property(junk, (x) => {
        for (const [name, m] of layers) cleanly(name, () => m.forward(x as never), ': ');
      }),
    );
  });

  it('tensors of every small shape: the layer works or names itself', () => {
    const layers: [string, Module][] = [
      ['BatchNorm1d', new BatchNorm1d(2)], ['LayerNorm', new LayerNorm([2, 2])], ['MaxPool1d', new MaxPool1d(3, { padding: 1, dilation: 2 })],
      ['AvgPool1d', new AvgPool1d(3, { padding: 1, ceilMode: true })], ['AdaptiveAvgPool1d', new AdaptiveAvgPool1d(3)],
      ['AdaptiveMaxPool1d', new AdaptiveMaxPool1d(3)], ['Embedding', new Embedding(5, 2, { seed: 0 })], ['Unflatten', new Unflatten(-1, [2, -1])],
      ['Softmax', new Softmax(-2)], ['LogSoftmax', new LogSoftmax(2)],
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }), fc.boolean(), (shape, train) => {
        for (const [name, m] of layers) {
          m.train(train);
          const x = name === 'Embedding' ? new Tensor(new TensorData(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i % 7), shape)) : dense(shape);
          cleanly(name, () => m.forward(x), ': ');
        }
      }),
    );
  });

  it('unknown option keys are rejected, naming the key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(ctors).filter((n) => typeof ctors[n]!.valid.at(-1) === 'object' && !Array.isArray(ctors[n]!.valid.at(-1)))), fc.string({ minLength: 1, maxLength: 12 }), junk, (name, key, value) => {
        const c = ctors[name]!;
        fc.pre(!c.options.includes(key));
        const last = c.valid.length - 1;
        const opts = Object.defineProperty({ ...(c.valid[last] as object) }, key, { value, enumerable: true });
        expect(() => c.make(c.valid.map((v, j) => (j === last ? opts : v)))).toThrow(`${name}: unknown option '${key}'`);
      }),
    );
  });
});
