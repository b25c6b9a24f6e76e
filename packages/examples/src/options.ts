import { describeValue } from '@kindling/core';

/** The range a numeric option must lie in (bounds inclusive unless marked exclusive). */
export interface NumberRange {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  integer?: boolean;
}

/**
 * A checker for the examples' numeric options: `check(name, value, range)` throws
 * "<op>: <name> must be ..., got <value>" unless value is a finite number in range. A batch
 * size of 0 would otherwise loop forever, and a negative noise would silently flip the data.
 */
export function numberCheck(op: string): (name: string, v: unknown, range: NumberRange) => number {
  return (name, v, { min = -Infinity, max = Infinity, exclusiveMin = false, exclusiveMax = false, integer = false }) => {
    const bounds = [
      min > -Infinity ? `${exclusiveMin ? '>' : '>='} ${min}` : '',
      max < Infinity ? `${exclusiveMax ? '<' : '<='} ${max}` : '',
    ].filter(Boolean).join(' and ');
    const what = `${integer ? 'an integer' : 'a finite number'}${bounds ? ` ${bounds}` : ''}`;
    const ok = typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v))
      && (exclusiveMin ? v > min : v >= min) && (exclusiveMax ? v < max : v <= max);
    if (!ok) throw new Error(`${op}: ${name} must be ${what}, got ${describeValue(v)}`);
    return v as number;
  };
}
