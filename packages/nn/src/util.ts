import { Tensor, describeValue } from '@kindling/core';

export const fmtShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Whether two shapes are equal (a loop, not `some` with a closure: optimizers check every parameter each step). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Like core's describeValue, but a tensor's shape is what a layer's error message needs. */
export function describeInput(v: unknown): string {
  return v instanceof Tensor ? `a ${v.constructor.name} of shape ${fmtShape(v.shape)}` : describeValue(v);
}

/** Throws unless `x` is a Tensor; `expected` describes what the caller wanted (e.g. a shape). */
export function checkTensor(op: string, x: unknown, expected = 'a Tensor'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected ${expected}, got ${describeInput(x)}`);
}

/**
 * Shape and row-major values of a tensor, a number (0-d), a Float64Array/Float32Array (1-d) or
 * nested arrays; throws on ragged or non-numeric input. The values are always a fresh copy: a
 * caller that writes them into tensors must not see its sources change under it (a source may
 * alias one of the destinations).
 */
export function toDenseValues(v: unknown): { shape: number[]; values: ArrayLike<number> } {
  if (v instanceof Tensor) return { shape: v.shape.slice(), values: v.dataSync() };
  if (typeof v === 'number') return { shape: [], values: [v] };
  if (v instanceof Float64Array || v instanceof Float32Array) return { shape: [v.length], values: v.slice() };
  if (!Array.isArray(v)) throw new Error(`expected a Tensor, a number or nested arrays of numbers, got ${describeValue(v)}`);
  const shape: number[] = [];
  for (let level: unknown = v; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (node: unknown, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new Error(`element at [${path.join(', ')}] is ${describeValue(node)}, expected a number`);
      values.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new Error(`ragged nested array: at [${path.join(', ')}] expected ${shape[depth]} elements, got ${Array.isArray(node) ? node.length : describeValue(node)}`);
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, [...path, i]);
  };
  walk(v, 0, []);
  return { shape, values };
}

/** Number.isFinite, Number.isInteger and Number.isSafeInteger as type guards (each is false for every non-number). */
export const isFiniteNumber = (v: unknown): v is number => Number.isFinite(v);
export const isInteger = (v: unknown): v is number => Number.isInteger(v);
export const isSafeInteger = (v: unknown): v is number => Number.isSafeInteger(v);

/** A finite number check with a message naming the owner and the option. */
export function finite(op: string, name: string, v: unknown): number {
  if (!isFiniteNumber(v)) throw new Error(`${op}: ${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

export function positiveInt(op: string, name: string, v: unknown): number {
  if (!isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${describeValue(v)}`);
  return v;
}

export function bool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${op}: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}
