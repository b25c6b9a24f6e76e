/** The page's stepping trainer gives trainBlogExample()'s numbers, and the text boxes never throw. */
import { type BlogOptions, trainBlogExample } from '@kindling/examples';
import { describe, expect, it } from 'vitest';
import { parseNumber, parseNumbers, plural } from '../src/parse.js';
import { Trainer, type TrainerSettings, settingsError, settingsErrors } from '../src/trainer.js';

const blog: TrainerSettings = {
  input: [1, 0.7, 0.5, 0.3, 0.1], target: [1, 0, 0], lr: 0.11, momentum: 0, nesterov: false, optimizer: 'sgd', gradient: 'autograd',
};

describe('Trainer', () => {
  const cases: [string, Partial<TrainerSettings>, BlogOptions][] = [
    ['the blog (autograd)', {}, {}],
    ["the blog's hand-derived gradient", { gradient: 'blog' }, { gradient: 'blog' }],
    ['SGD + Nesterov', { lr: 0.2603, momentum: 0.9752, nesterov: true }, { lr: 0.2603, momentum: 0.9752, nesterov: true }],
    ['Adam', { optimizer: 'adam', lr: 0.1 }, { optimizer: 'adam', lr: 0.1 }],
  ];
  it.each(cases)('%s: same history, weights and bias as trainBlogExample()', (_name, settings, opts) => {
    const t = new Trainer({ ...blog, ...settings });
    for (let e = 0; e <= 200; e++) t.step();
    const ref = trainBlogExample(opts);
    expect(t.history).toEqual(ref.history);
    expect(t.weight).toEqual(ref.weight);
    expect(t.bias).toBe(ref.bias);
  });

  it('records the gradient autograd gave the optimizer', () => {
    const t = new Trainer(blog);
    t.step();
    expect(t.lastGradient!.weight.map((v) => v.toFixed(4))).toEqual(['2.5333', '1.7400', '1.0600']);
    expect(t.lastGradient!.bias).toBeCloseTo(3.4, 12);
  });

  it('stops updating once the loss is not finite', () => {
    const t = new Trainer({ ...blog, lr: 5 });
    for (let e = 0; e < 2000 && !t.diverged; e++) t.step();
    expect(t.diverged).toBe(true);
    const n = t.history.length;
    t.step();
    expect(t.history.length).toBe(n);
  });

  it('trains any signal length with autograd; the blog formula needs 5 inputs', () => {
    const t = new Trainer({ ...blog, input: [1, 2, 3, 4, 5, 6], target: [1, 0, 0, 1] });
    t.step();
    expect(t.history[0]!.prediction).toHaveLength(4);
    expect(settingsError({ ...blog, input: [1, 2, 3, 4, 5, 6], target: [1, 0, 0, 1], gradient: 'blog' })).toMatch(/blog's formula/);
    expect(settingsError({ ...blog, target: [1, 0] })).toMatch(/target y needs 3 values/);
    expect(settingsError({ ...blog, nesterov: true })).toMatch(/Nesterov needs a momentum/);
    expect(() => new Trainer({ ...blog, lr: -1 })).toThrow(/learning rate must be a positive number/);
  });

  it('names the control of every settings problem, all at once', () => {
    expect(settingsErrors({ ...blog, lr: -1, momentum: 2 }).map((e) => e.field)).toEqual(['lr', 'momentum']);
    expect(settingsErrors({ ...blog, nesterov: true }).map((e) => e.field)).toEqual(['nesterov']);
    expect(settingsErrors({ ...blog, input: [1, 2, 3, 4, 5, 6], target: [1, 0, 0, 1], gradient: 'blog', lr: 0 }).map((e) => e.field)).toEqual(['gradient', 'lr']);
    expect(settingsErrors({ ...blog, target: [1, 0] }).map((e) => e.field)).toEqual(['target']);
    expect(settingsErrors(blog)).toEqual([]);
  });

  it('peek() is the forward pass at the current W, b without recording it', () => {
    const t = new Trainer(blog);
    expect(t.peek()).toEqual({ epoch: 0, loss: trainBlogExample({ epochs: 0 }).history[0]!.loss, prediction: trainBlogExample({ epochs: 0 }).history[0]!.prediction });
    expect(t.history).toHaveLength(0);
  });
});

describe('Trainer.newton', () => {
  // pred_i = x_i·W₀ + x_{i+1}·W₁ + x_{i+2}·W₂ + b, from the blog's definition.
  const predict = (x: number[], w: number[], b: number) => x.slice(0, -2).map((_, i) => x[i]! * w[0]! + x[i + 1]! * w[1]! + x[i + 2]! * w[2]! + b);

  it('lands on an exact solution in one update, from the start or mid-run, and stays there', () => {
    for (const before of [0, 50]) {
      const t = new Trainer(blog);
      for (let e = 0; e < before; e++) t.step();
      const r = t.newton()!;
      expect(t.history).toHaveLength(before + 2); // the pass it starts from, and where it landed
      expect(t.history[before]!.loss).toBe(r.lossBefore);
      const landed = t.history.at(-1)!;
      expect(landed.epoch).toBe(before + 1);
      expect(landed.loss).toBeLessThan(1e-20);
      predict(blog.input as number[], t.weight, t.bias).forEach((p, i) => expect(Math.abs(p - blog.target[i]!)).toBeLessThan(1e-10));
      // The next epoch starts from the recorded landing point instead of recording it twice,
      // and the (fresh) optimizer's step from a zero gradient keeps the loss at rounding level.
      expect(t.step()).toBe(landed);
      t.step();
      expect(t.history).toHaveLength(before + 3);
      expect(t.history.at(-1)!.loss).toBeLessThan(1e-20);
    }
  });

  it('does nothing once the run has diverged', () => {
    const t = new Trainer({ ...blog, lr: 5 });
    for (let e = 0; e < 2000 && !t.diverged; e++) t.step();
    expect(t.newton()).toBeNull();
  });
});

describe('parseNumbers', () => {
  it('accepts commas, spaces, semicolons and brackets', () => {
    expect(parseNumbers('[1, 0.7 ;0.5  .3, -1e-1]', { name: 'x' })).toEqual({ ok: true, values: [1, 0.7, 0.5, 0.3, -0.1] });
  });
  it.each([
    ['', 'x: enter numbers separated by commas'],
    ['1, two, 3', 'x: "two" (value 2) is not a finite number'],
    ['1, 0x10', 'x: "0x10" (value 2) is not a finite number'],
    ['1, Infinity', 'x: "Infinity" (value 2) is not a finite number'],
    ['1e400', 'x: "1e400" (value 1) is not a finite number'],
    ['1, 2, NaN', 'x: "NaN" (value 3) is not a finite number'],
    // An empty entry is an error in this box, not skipped: "1,,2,3,4" is not four values.
    ['1,,2,3,4', 'x: value 2 is missing (two separators in a row)'],
    ['1, , 2', 'x: value 2 is missing (two separators in a row)'],
    ['1;;2', 'x: value 2 is missing (two separators in a row)'],
    [',1, 2', 'x: value 1 is missing (a separator before the first number)'],
    ['[1, 2,]', 'x: value 3 is missing (a separator after the last number)'],
  ])('%j -> an error, not an exception', (text, error) => {
    expect(parseNumbers(text, { name: 'x' })).toEqual({ ok: false, error });
  });
  it('checks lengths', () => {
    expect(parseNumbers('1 2', { name: 'y', length: 3, why: 'one per position' })).toEqual({ ok: false, error: 'y: expected 3 values (one per position), got 2' });
    expect(parseNumbers('1 2', { name: 'x', minLength: 3 })).toEqual({ ok: false, error: 'x: needs at least 3 values, got 2' });
    expect(parseNumbers('1 2 3', { name: 'x', maxLength: 2 })).toEqual({ ok: false, error: 'x: at most 2 values, got 3' });
  });
  it('says "1 value", not "1 values"', () => {
    expect(plural(1, 'value')).toBe('1 value');
    expect(plural(0, 'value')).toBe('0 values');
    expect(parseNumbers('1 2', { name: 'y', length: 1, why: 'one per filter position: 3 inputs − 3 + 1' })).toEqual({ ok: false, error: 'y: expected 1 value (one per filter position: 3 inputs − 3 + 1), got 2' });
    expect(parseNumbers('', { name: 'y', length: 1 })).toEqual({ ok: false, error: 'y: enter numbers separated by commas' });
    expect(parseNumbers('1', { name: 'x', minLength: 1, maxLength: 1 })).toEqual({ ok: true, values: [1] });
    expect(settingsError({ ...blog, input: [1, 2, 3], target: [1, 2] })).toBe('target y needs 1 value (one per filter position: 3 − 3 + 1), got 2');
  });
  it('whitespace and single separators still work', () => {
    expect(parseNumbers(' 1,2 ,3 ; 4\t5\n6 ', { name: 'x' })).toEqual({ ok: true, values: [1, 2, 3, 4, 5, 6] });
  });
  it('parseNumber checks its range', () => {
    expect(parseNumber(' 0.5 ', 'momentum', (v) => v < 1, 'below 1')).toEqual({ ok: true, value: 0.5 });
    expect(parseNumber('1', 'momentum', (v) => v < 1, 'below 1')).toEqual({ ok: false, error: 'momentum must be below 1, got "1"' });
  });
});
