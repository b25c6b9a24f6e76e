/** Shared assertion for tests of error messages. */
import { expect, vi } from 'vitest';

/**
 * Asserts fn throws a plain Error, not a TypeError or RangeError leaking from JavaScript
 * internals, whose message matches every pattern.
 */
export function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    caught = e;
  }
  expect(threw, 'expected a throw').toBe(true);
  expect(caught).toBeInstanceOf(Error);
  expect((caught as Error).constructor, `a plain Error, got ${(caught as Error).name}: ${(caught as Error).message}`).toBe(Error);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
}

/** The message fn throws with (failing the test when it does not throw), for exact-text checks. */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

/** The message of fn when every Float32Array allocation fails as an engine out of memory does. */
export function messageWhenFloat32AllocationFails(fn: () => unknown): string {
  vi.stubGlobal(
    'Float32Array',
    class {
      constructor() {
        throw new RangeError('Array buffer allocation failed');
      }
    },
  );
  try {
    return thrownMessage(fn);
  } finally {
    vi.unstubAllGlobals();
  }
}
