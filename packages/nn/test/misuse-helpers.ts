/**
 * Shared pieces of the generated misuse tests (misuse.property, layers-extra.misuse,
 * losses-optim.misuse, schedulers-data.misuse): the contract they check is that a call either
 * works or throws a plain Error whose message starts with the name of what was called.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import { Tensor, TensorData } from '@kindling/core';
import { randomValues } from './helpers.js';

/**
 * Runs `call`; if it throws, the error must be a plain Error (not a TypeError or another
 * subclass) whose message starts with `prefix` (dots matched literally) followed by `after`, a
 * regular-expression fragment (':' or '.' by default); a RegExp prefix is matched as it is.
 */
export function cleanly(prefix: string | RegExp, call: () => unknown, after = '[:.]'): 'ok' | 'threw' {
  try {
    call();
    return 'ok';
  } catch (e) {
    expect(e, `${String(prefix)}: ${e instanceof Error ? e.stack : String(e)}`).toBeInstanceOf(Error);
    const err = e as Error;
    expect(err.constructor, `${String(prefix)}: a ${err.constructor.name}: ${err.message}`).toBe(Error);
    expect(err.message).toMatch(typeof prefix === 'string' ? new RegExp(`^${prefix.replace(/\./g, '\\.')}${after}`) : prefix);
    return 'threw';
  }
}

/**
 * Arbitrary values: the `exotic` ones alone, in arrays of up to 3 and in small objects, and
 * fc.anything's (big ints, boxed values, maps, sets, null prototypes, typed and sparse arrays).
 */
export function junkFrom(exotic: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    exotic,
    fc.array(exotic, { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 4 }), exotic, { maxKeys: 2 }),
    fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, maxDepth: 2 }),
  );
}

/** A float64 tensor of `shape` filled from randomValues(…, seed). */
export const dense = (shape: number[], seed = 1, requiresGrad = false): Tensor =>
  new Tensor(new TensorData(Float64Array.from(randomValues(shape.reduce((a, b) => a * b, 1), seed)), shape), requiresGrad);
