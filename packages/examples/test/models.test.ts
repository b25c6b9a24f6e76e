import { Generator, tensor } from '@kindling/core';
import { loadSafetensors } from '@kindling/nn';
import { describe, expect, it } from 'vitest';
import { accuracy, argmax, buildClassifier, crossEntropy, inputTensor, learnFilter, makeSequences, trainClassifier } from '../src/index.js';

describe('learnFilter', () => {
  it('recovers the hidden kernel and bias from noisy mini-batches', () => {
    const r = learnFilter({ epochs: 6, samples: 128 });
    expect(r.history).toHaveLength(6);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss);
    expect(r.history.at(-1)!.loss).toBeLessThan(2 * 0.05 ** 2); // down to the noise floor
    expect(r.maxError).toBeLessThan(0.02);
    r.learnedKernel.forEach((w, i) => expect(Math.abs(w - r.trueKernel[i]!)).toBeLessThan(0.02));
  });

  it('recovers any kernel it is given, and is deterministic for a seed', () => {
    const a = learnFilter({ kernel: [1, -1, 0.5], bias: -0.3, epochs: 8, samples: 96, seed: 3 });
    expect(a.maxError).toBeLessThan(0.03);
    const b = learnFilter({ kernel: [1, -1, 0.5], bias: -0.3, epochs: 8, samples: 96, seed: 3 });
    expect(b.learnedKernel).toEqual(a.learnedKernel);
  });
});

describe('classifier', () => {
  it('makes balanced, labelled sequences: edges end high, bumps end low', () => {
    const d = makeSequences(100, 24, 0, new Generator(5));
    expect(d.labels.filter((l) => l === 0)).toHaveLength(50);
    d.labels.forEach((l, i) => {
      const row = d.x.subarray(i * 24, (i + 1) * 24);
      const ends = row[23]! - row[0]!;
      if (l === 0) expect(ends).toBeGreaterThan(0.4);
      else expect(Math.abs(ends)).toBeLessThan(1e-12);
    });
  });

  it('computes cross-entropy as -log softmax[label], like a plain loop', () => {
    const logits = [[2, -1], [0.5, 0.25], [-3, 4]];
    const labels = [0, 1, 1];
    const ce = crossEntropy(tensor(logits), labels).item();
    const ref = logits.reduce((s, row, i) => s - Math.log(Math.exp(row[labels[i]!]!) / (Math.exp(row[0]!) + Math.exp(row[1]!))), 0) / 3;
    expect(ce).toBeCloseTo(ref, 12);
    expect(argmax(tensor(logits))).toEqual([0, 0, 1]);
  });

  it('learns on the train split, scores the test split, and predicts the same after a safetensors round trip', () => {
    const r = trainClassifier({ epochs: 6, samples: 200 });
    expect(r.history).toHaveLength(6);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss);
    expect(r.test.labels).toHaveLength(50);
    expect(r.testAccuracy).toBeGreaterThan(0.85);
    expect(r.reloadedAccuracy).toBe(r.testAccuracy);
    expect(r.predictions).toEqual(argmax(r.model.forward(inputTensor(r.test))));
    // The file holds the four parameters under PyTorch's Sequential names.
    const sd = loadSafetensors(r.weights);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    expect(sd['0.weight']!.shape).toEqual([4, 1, 5]);
    expect(sd['3.weight']!.shape).toEqual([2, 80]);
    const fresh = buildClassifier(24, 4, 5, 42);
    fresh.loadStateDict(sd);
    expect(accuracy(argmax(fresh.forward(inputTensor(r.test))), r.test.labels)).toBe(r.testAccuracy);
  });
});
