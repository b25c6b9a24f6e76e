/**
 * Options objects are checked against the keys their owner accepts: a misspelled key
 * (`weight_decay`, `requires_grad`) would otherwise be ignored at run time, silently changing
 * what the call does. One helper for core, nn and the examples, so every message reads alike.
 */

/** snake_case to camelCase: `weight_decay` -> `weightDecay`. */
function camel(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Throws unless `opts` is undefined or a plain object whose own keys are all in `allowed`.
 * The message names the function, the unknown key and the accepted ones, and suggests the
 * camelCase spelling of a snake_case key. Returns `opts` (or `{}` when undefined) typed as `T`.
 *
 * @example
 * ```ts
 * import { checkOptions } from '@kindling/core';
 * checkOptions('Adam', { lr: 0.01 }, ['lr', 'betas', 'eps', 'weightDecay']);  // ok
 * // checkOptions('Adam', { weight_decay: 0.1 }, ['lr', 'weightDecay']) throws:
 * // "Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?); accepted options: lr, weightDecay"
 * ```
 *
 * @category Option checking
 */
export function checkOptions<T extends object>(op: string, opts: T | undefined | null, allowed: readonly string[]): T {
  if (opts === undefined) return {} as T;
  // Only plain objects: a Map, Date or Tensor has no own keys to refuse, so it would pass silently.
  const proto = opts === null || typeof opts !== 'object' ? undefined : Object.getPrototypeOf(opts);
  if (proto !== Object.prototype && proto !== null) {
    throw new Error(`${op}: options must be an object, got ${describeValue(opts)}`);
  }
  // for-in rather than Object.keys: no array per call (conv1d checks its options every forward).
  // A known key is the common case, so it is tested first; hasOwn only skips an enumerable key
  // someone added to Object.prototype. (Half the cost of the other order on conv1d's call.)
  for (const key in opts) {
    if (allowed.includes(key) || !Object.hasOwn(opts, key)) continue;
    const fix = camel(key);
    const hint = fix !== key && allowed.includes(fix) ? ` (did you mean '${fix}'?)` : '';
    const list = allowed.length ? allowed.join(', ') : 'none';
    throw new Error(`${op}: unknown option '${key}'${hint}; accepted options: ${list}`);
  }
  return opts as T;
}

/**
 * A short description of a value for error messages: `null`, `an array`, `"text"`, `a number (NaN)`.
 *
 * @category Option checking
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'object') {
    const name = (v as object).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `${typeof v} ${String(v)}`;
}

/**
 * An integer option at least `min` (stride, padding, groups, ...), or an Error naming the op, the option and the value.
 *
 * @category Option checking
 */
export function intOption(op: string, name: string, v: unknown, min: number): number {
  // Number.isInteger is false for anything but a number (it does not convert).
  if (!Number.isInteger(v) || (v as number) < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new Error(`${op}: ${name} must be ${what}, got ${describeValue(v)}`);
  }
  return v as number;
}
