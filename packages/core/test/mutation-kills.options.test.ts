import { describe, expect, it } from 'vitest';
import { thrownMessage } from './throws.js';
import { checkOptions, describeValue, intOption } from '../src/index.js';

// util/options.ts: option checking and value descriptions, message by message. Added for
// mutation testing.

const message = thrownMessage;

describe('checkOptions', () => {
  it('undefined is an empty options object; a valid object is returned as it is', () => {
    expect(checkOptions('f', undefined, ['a'])).toEqual({});
    const o = { a: 1 };
    expect(checkOptions('f', o, ['a', 'b'])).toBe(o);
    const bare = Object.assign(Object.create(null) as object, { b: 2 });
    expect(checkOptions('f', bare, ['b'])).toBe(bare);
  });

  it('refuses what is not a plain object, describing it', () => {
    expect(message(() => checkOptions('f', null, ['a']))).toBe('f: options must be an object, got null');
    expect(message(() => checkOptions('f', 5 as never, ['a']))).toBe('f: options must be an object, got 5');
    expect(message(() => checkOptions('f', 'x' as never, ['a']))).toBe('f: options must be an object, got the string "x"');
    expect(message(() => checkOptions('f', [1] as never, ['a']))).toBe('f: options must be an object, got an array');
    expect(message(() => checkOptions('f', new Map() as never, ['a']))).toBe('f: options must be an object, got a Map');
    class Opts {}
    expect(message(() => checkOptions('f', new Opts() as never, ['a']))).toMatch(/^f: options must be an object, got an? Opts$/);
  });

  it('names an unknown key and the accepted ones, with a camelCase hint when that is accepted', () => {
    expect(message(() => checkOptions('Adam', { weight_decay: 0.1 }, ['lr', 'weightDecay']))).toBe(
      "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?); accepted options: lr, weightDecay",
    );
    expect(message(() => checkOptions('f', { lr_x: 1 }, ['lr']))).toBe("f: unknown option 'lr_x'; accepted options: lr");
    expect(message(() => checkOptions('f', { foo: 1 }, ['foo_bar', 'fooBar']))).toBe("f: unknown option 'foo'; accepted options: foo_bar, fooBar");
    expect(message(() => checkOptions('f', { x: 1 }, []))).toBe("f: unknown option 'x'; accepted options: none");
    expect(message(() => checkOptions('f', { a: 1, zz: 2 }, ['a']))).toMatch(/unknown option 'zz'/);
  });

  it('the hint turns every _x into X (repeated underscores, digits) and nothing else', () => {
    expect(message(() => checkOptions('f', { a__b_c: 1 }, ['aBC']))).toMatch(/did you mean 'aBC'/);
    expect(message(() => checkOptions('f', { pad_2: 1 }, ['pad2']))).toMatch(/did you mean 'pad2'/);
    expect(message(() => checkOptions('f', { a_B: 1 }, ['aB']))).not.toMatch(/did you mean/);
  });
});

describe('describeValue', () => {
  it('describes each kind of value', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1, 2])).toBe('an array');
    expect(describeValue('abc')).toBe('the string "abc"');
    expect(describeValue(3.5)).toBe('3.5');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue(2n)).toBe('bigint 2');
    expect(describeValue(Symbol('s'))).toBe('symbol Symbol(s)');
  });

  it('cuts strings longer than 40 characters', () => {
    const forty = 'x'.repeat(40);
    expect(describeValue(forty)).toBe(`the string "${forty}"`);
    expect(describeValue(forty + 'yz')).toBe(`the string "${forty}…"`);
  });
});

describe('intOption', () => {
  it('returns an integer at least min', () => {
    expect(intOption('f', 'n', 1, 1)).toBe(1);
    expect(intOption('f', 'n', 0, 0)).toBe(0);
    expect(intOption('f', 'n', 5, 2)).toBe(5);
    expect(intOption('f', 'n', -3, -3)).toBe(-3);
  });

  it('words the bound by min and names op, option and value', () => {
    expect(message(() => intOption('conv1d', 'stride', 0, 1))).toBe('conv1d: stride must be a positive integer, got 0');
    expect(message(() => intOption('conv1d', 'padding', -1, 0))).toBe('conv1d: padding must be a non-negative integer, got -1');
    expect(message(() => intOption('f', 'k', 1, 2))).toBe('f: k must be an integer >= 2, got 1');
    expect(message(() => intOption('f', 'k', 1.5, 1))).toBe('f: k must be a positive integer, got 1.5');
    expect(message(() => intOption('f', 'k', '2', 1))).toBe('f: k must be a positive integer, got the string "2"');
    expect(message(() => intOption('f', 'k', Number.NaN, 0))).toBe('f: k must be a non-negative integer, got NaN');
  });
});

describe('checkOptions and inherited keys', () => {
  it('a key inherited from a polluted Object.prototype is not one of the call’s options', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.injected = 1; // enumerable, so for-in reaches it on every plain object
    try {
      const o = { a: 1 };
      expect(checkOptions('f', o, ['a'])).toBe(o);
      expect(message(() => checkOptions('f', { b: 1 }, ['a']))).toBe("f: unknown option 'b'; accepted options: a");
    } finally {
      delete proto.injected;
    }
    expect('injected' in {}).toBe(false);
  });
});
