// nn's small shared helpers, on their own: shape formatting, the value descriptions in error
// messages, toDenseValues (what loadStateDict reads values with) and the option checks the
// layers and optimizers share. Whole messages, since every caller's message is built from them.
import { tensor } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../src/index.js';
import { bool, checkTensor, describeInput, finite, fmtShape, positiveInt, toDenseValues } from '../src/util.js';

describe('fmtShape and describeInput', () => {
  it('formats shapes as [d0, d1, ...]', () => {
    expect(fmtShape([])).toBe('[]');
    expect(fmtShape([3])).toBe('[3]');
    expect(fmtShape([2, 0, 5])).toBe('[2, 0, 5]');
  });

  it('names a tensor by its class and shape, anything else as describeValue does', () => {
    expect(describeInput(tensor([[1, 2, 3]]))).toBe('a Tensor of shape [1, 3]');
    expect(describeInput(new Parameter(tensor([1, 2])))).toBe('a Parameter of shape [2]');
    expect(describeInput(tensor(1))).toBe('a Tensor of shape []');
    expect(describeInput([1])).toBe('an array');
    expect(describeInput(undefined)).toBe('undefined');
  });

  it('checkTensor says what was expected, "a Tensor" by default', () => {
    expect(() => checkTensor('Op', 5)).toThrow(/^Op: expected a Tensor, got 5$/);
    expect(() => checkTensor('Op', [1], 'a Tensor of shape [N, C]')).toThrow(/^Op: expected a Tensor of shape \[N, C\], got an array$/);
    expect(() => checkTensor('Op', tensor([1]))).not.toThrow();
  });
});

describe('toDenseValues', () => {
  it('reads tensors, numbers, typed arrays and nested arrays row-major', () => {
    const fromTensor = toDenseValues(tensor([[1, 2], [3, 4]]));
    expect(fromTensor.shape).toEqual([2, 2]);
    expect(Array.from(fromTensor.values)).toEqual([1, 2, 3, 4]);
    expect(toDenseValues(2.5)).toEqual({ shape: [], values: [2.5] });
    expect(toDenseValues(Float64Array.from([1, 2, 3]))).toEqual({ shape: [3], values: Float64Array.from([1, 2, 3]) });
    expect(toDenseValues(Float32Array.from([0.5]))).toEqual({ shape: [1], values: Float32Array.from([0.5]) });
    expect(toDenseValues([[[1], [2]], [[3], [4]], [[5], [6]]])).toEqual({ shape: [3, 2, 1], values: [1, 2, 3, 4, 5, 6] });
    expect(toDenseValues([])).toEqual({ shape: [0], values: [] });
    expect(toDenseValues([[], []])).toEqual({ shape: [2, 0], values: [] });
  });

  it('always returns a fresh copy of the values', () => {
    const src = Float64Array.from([1, 2]);
    const got = toDenseValues(src);
    (got.values as Float64Array)[0] = 9;
    expect(src[0]).toBe(1);
    const f = Float32Array.from([3, 4]);
    const got32 = toDenseValues(f);
    (got32.values as Float32Array)[1] = 9;
    expect(f[1]).toBe(4);
    const t = tensor([5, 6], { dtype: 'float64' });
    const dense = toDenseValues(t);
    (dense.values as Float64Array)[0] = 9;
    dense.shape.push(1); // the shape too is the caller's own array
    expect(t.toArray()).toEqual([5, 6]);
    expect(t.shape).toEqual([2]);
  });

  it('refuses ragged and non-numeric input, naming where', () => {
    expect(() => toDenseValues([[1, 2], [3]])).toThrow(/^ragged nested array: at \[1\] expected 2 elements, got 1$/);
    expect(() => toDenseValues([[1, 2], [3, 4], 5])).toThrow(/^ragged nested array: at \[2\] expected 2 elements, got 5$/);
    expect(() => toDenseValues([[[1], [2]], [[3], [4, 5]]])).toThrow(/^ragged nested array: at \[1, 1\] expected 1 elements, got 2$/);
    expect(() => toDenseValues([1, [2]])).toThrow(/^element at \[1\] is an array, expected a number$/);
    expect(() => toDenseValues([[1, 'x']])).toThrow(/^element at \[0, 1\] is the string "x", expected a number$/);
    expect(() => toDenseValues('x')).toThrow(/^expected a Tensor, a number or nested arrays of numbers, got the string "x"$/);
    expect(() => toDenseValues(null)).toThrow(/^expected a Tensor, a number or nested arrays of numbers, got null$/);
  });
});

describe('option checks', () => {
  it('finite: any finite number', () => {
    expect(finite('SGD', 'lr', -0.5)).toBe(-0.5);
    expect(finite('SGD', 'lr', 0)).toBe(0);
    expect(() => finite('SGD', 'lr', Infinity)).toThrow(/^SGD: lr must be a finite number, got Infinity$/);
    expect(() => finite('SGD', 'lr', NaN)).toThrow(/^SGD: lr must be a finite number, got NaN$/);
    expect(() => finite('SGD', 'lr', '1')).toThrow(/^SGD: lr must be a finite number, got the string "1"$/);
  });

  it('positiveInt: integers from 1 up', () => {
    expect(positiveInt('Linear', 'inFeatures', 1)).toBe(1);
    expect(positiveInt('Linear', 'inFeatures', 7)).toBe(7);
    expect(() => positiveInt('Linear', 'inFeatures', 0)).toThrow(/^Linear: inFeatures must be a positive integer, got 0$/);
    expect(() => positiveInt('Linear', 'inFeatures', 1.5)).toThrow(/^Linear: inFeatures must be a positive integer, got 1\.5$/);
    expect(() => positiveInt('Linear', 'inFeatures', '2')).toThrow(/^Linear: inFeatures must be a positive integer, got the string "2"$/);
  });

  it('bool: true or false only', () => {
    expect(bool('Adam', 'amsgrad', true)).toBe(true);
    expect(bool('Adam', 'amsgrad', false)).toBe(false);
    expect(() => bool('Adam', 'amsgrad', 1)).toThrow(/^Adam: amsgrad must be a boolean, got 1$/);
    expect(() => bool('Adam', 'amsgrad', undefined)).toThrow(/^Adam: amsgrad must be a boolean, got undefined$/);
  });
});
