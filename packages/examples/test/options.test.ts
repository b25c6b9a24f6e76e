// The examples' options: unknown keys and out-of-range values are errors naming the function
// and the value (a batch size of 0 used to loop forever), and the classify CLI reports a bad
// --out path on one line with exit code 1.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Generator, tensor } from '@kindling/core';
import { accuracy, argmax, buildClassifier, compareRecipes, crossEntropy, learnFilter, lineChart, makeSequences, pick, trainBlogExample, trainClassifier } from '../src/index.js';

describe('unknown option keys', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['trainBlogExample', () => trainBlogExample({ learning_rate: 0.1 } as never), /^trainBlogExample: unknown option 'learning_rate'; accepted options: epochs, lr, momentum, nesterov, optimizer, gradient, dtype, stopBelow, onEpoch$/],
    ['trainBlogExample, snake_case', () => trainBlogExample({ stop_below: 1e-3 } as never), /^trainBlogExample: unknown option 'stop_below' \(did you mean 'stopBelow'\?\)/],
    ['learnFilter', () => learnFilter({ batch_size: 8 } as never), /^learnFilter: unknown option 'batch_size' \(did you mean 'batchSize'\?\); accepted options: kernel, bias, samples, length, noise, epochs, batchSize, lr, momentum, seed$/],
    ['trainClassifier', () => trainClassifier({ test_fraction: 0.5 } as never), /^trainClassifier: unknown option 'test_fraction' \(did you mean 'testFraction'\?\)/],
    ['lineChart', () => lineChart([{ label: 'a', values: [1] }], { log_y: true } as never), /^lineChart: unknown option 'log_y' \(did you mean 'logY'\?\); accepted options: width, height, logY, title, xStart, xLabel$/],
    ['lineChart series', () => lineChart([{ label: 'a', value: [1] } as never]), /^lineChart: series 0: unknown option 'value'; accepted options: label, values, glyph$/],
    ['compareRecipes', () => compareRecipes({ tolerance: 1e-3 } as never), /^compareRecipes: unknown option 'tolerance'; accepted options: tol, maxEpochs, recipes, onRecipe$/],
  ];
  for (const [name, call, message] of cases) it(name, () => expect(call).toThrow(message));
});

describe('values out of range are errors, not silent nonsense', () => {
  it('learnFilter and trainClassifier refuse a batch size of 0 (it looped forever) and other bad values', () => {
    expect(() => learnFilter({ batchSize: 0 })).toThrow(/^learnFilter: batchSize must be an integer >= 1, got 0$/);
    expect(() => trainClassifier({ batchSize: 0 })).toThrow(/^trainClassifier: batchSize must be an integer >= 1, got 0$/);
    expect(() => learnFilter({ noise: -0.1 })).toThrow(/^learnFilter: noise must be a finite number >= 0, got -0\.1$/);
    expect(() => learnFilter({ momentum: 1 })).toThrow(/^learnFilter: momentum must be a finite number >= 0 and < 1, got 1$/);
    expect(() => learnFilter({ kernel: [] })).toThrow(/^learnFilter: kernel must be a non-empty array of numbers, got an array$/);
    expect(() => learnFilter({ kernel: [1, 2, 3], length: 2 })).toThrow(/^learnFilter: length must be an integer >= 3, got 2$/);
    expect(() => trainClassifier({ testFraction: 1 })).toThrow(/^trainClassifier: testFraction must be a finite number > 0 and < 1, got 1$/);
    expect(() => trainClassifier({ samples: 2, testFraction: 0.9 })).toThrow(/^trainClassifier: testFraction 0\.9 of 2 samples leaves nothing to train on$/);
    expect(() => trainClassifier({ length: 8 })).toThrow(/^trainClassifier: length must be an integer >= 12, got 8$/);
    expect(() => trainBlogExample({ nesterov: 'yes' as never, momentum: 0.5 })).toThrow(/^trainBlogExample: nesterov must be a boolean, got the string "yes"$/);
    expect(() => trainBlogExample({ onEpoch: 3 as never })).toThrow(/^trainBlogExample: onEpoch must be a function, got 3$/);
  });

  it('crossEntropy refuses labels outside [0, classes): such a label used to give a loss of 0 for its row', () => {
    const logits = tensor([[2, -1], [0.5, 0.25]]);
    // The reference value of row 0 alone, by hand: -log softmax([2, -1])[0].
    const row0 = -(2 - Math.log(Math.exp(2) + Math.exp(-1)));
    expect(crossEntropy(logits.narrow(0, 0, 1), [0]).item()).toBeCloseTo(row0, 12);
    expect(() => crossEntropy(logits, [0, 2])).toThrow(/^crossEntropy: label 1 is 2, expected an integer in \[0, 2\)$/);
    expect(() => crossEntropy(logits, [0, 0.5])).toThrow(/^crossEntropy: label 1 is 0\.5/);
    expect(() => crossEntropy(logits, [0])).toThrow(/^crossEntropy: expected 2 labels \(one per row of logits\), got 1$/);
    expect(() => crossEntropy(tensor([1, 2]), [0])).toThrow(/^crossEntropy: expected logits of shape \[batch, classes\], got shape \[2\]$/);
    expect(() => argmax([[1, 2]] as never)).toThrow(/^argmax: expected logits of shape \[batch, classes\], got an array$/);
  });

  it('accuracy, pick, makeSequences and buildClassifier check their arguments', () => {
    expect(accuracy([1, 0], [1, 1])).toBe(0.5);
    expect(() => accuracy([1], [1, 0])).toThrow(/^accuracy: expected two non-empty arrays of the same length, got 1 predictions and 2 labels$/);
    const d = makeSequences(4, 16, 0.1, new Generator(1));
    expect(() => pick(d, [0, 4])).toThrow(/^pick: row 1 is 4, out of range for 4 sequences$/);
    expect(() => makeSequences(4, 10, 0.1, new Generator(1))).toThrow(/^makeSequences: length must be an integer >= 12, got 10$/);
    expect(() => makeSequences(4, 16, 0.1, 7 as never)).toThrow(/^makeSequences: gen must be a Generator, got 7$/);
    expect(() => buildClassifier(4, 4, 5)).toThrow(/^buildClassifier: length must be an integer >= 5, got 4$/);
  });

  it('lineChart checks its series', () => {
    expect(() => lineChart([])).toThrow(/^lineChart: series must be a non-empty array, got an array$/);
    expect(() => lineChart([{ label: 'a', values: 3 as never }])).toThrow(/^lineChart: series 0 values must be an array of numbers, got 3$/);
    expect(() => lineChart([{ label: 'a', values: [1], glyph: '**' }])).toThrow(/^lineChart: series 0 glyph must be one character, got the string "\*\*"$/);
    expect(() => lineChart([{ label: 'a', values: [1] }], { width: NaN })).toThrow(/^lineChart: width must be a finite number, got NaN$/);
  });
});

describe('classify CLI', () => {
  it('--out in a missing directory: one line naming the path, exit code 1, no stack trace', () => {
    const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
    const out = '/nonexistent-kindling-dir/x.safetensors';
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(pkg, 'src/cli/classify.ts'), '--epochs', '1', '--samples', '16', '--out', out], { cwd: pkg, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`classify: error: saveSafetensorsFile: cannot write '${out}': no such directory '/nonexistent-kindling-dir'\n`);
  });
});
