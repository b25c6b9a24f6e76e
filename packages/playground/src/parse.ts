/**
 * Parses the text boxes of the page. Never throws: bad text gives an error message that the
 * page shows next to the box, and the last valid values stay in use.
 */

export type Parsed = { ok: true; values: number[] } | { ok: false; error: string };

export interface ParseOptions {
  /** What the box holds, for messages ("input x"). */
  name: string;
  /** Exact number of values required (with `why`, shown in the message). */
  length?: number;
  why?: string;
  minLength?: number;
  maxLength?: number;
}

/** "1 value", "3 values". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * "1, 0.7, 0.5" or "[1 0.7 0.5]" -> [1, 0.7, 0.5]. Commas and semicolons separate values, and
 * so does whitespace. Two separators in a row ("1,,2") are an error, not skipped: skipping
 * would read "1,,2,3,4" as four values, and the length error would then land on the target
 * box although the mistake is in this one.
 */
export function parseNumbers(text: string, opts: ParseOptions): Parsed {
  const body = text.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  if (body === '') return { ok: false, error: `${opts.name}: enter numbers separated by commas` };
  const parts = body.split(/\s*[,;]\s*|\s+/);
  const values: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '') {
      const where = i === 0 ? 'a separator before the first number' : i === parts.length - 1 ? 'a separator after the last number' : 'two separators in a row';
      return { ok: false, error: `${opts.name}: value ${i + 1} is missing (${where})` };
    }
    // Number('') is 0 and Number('0x1') is 1: accept decimal notation only.
    const v = NUMBER.test(p) ? Number(p) : NaN;
    if (!Number.isFinite(v)) return { ok: false, error: `${opts.name}: "${p}" (value ${i + 1}) is not a finite number` };
    values.push(v);
  }
  const n = values.length;
  if (opts.length !== undefined && n !== opts.length) {
    return { ok: false, error: `${opts.name}: expected ${plural(opts.length, 'value')}${opts.why ? ` (${opts.why})` : ''}, got ${n}` };
  }
  if (opts.minLength !== undefined && n < opts.minLength) return { ok: false, error: `${opts.name}: needs at least ${plural(opts.minLength, 'value')}, got ${n}` };
  if (opts.maxLength !== undefined && n > opts.maxLength) return { ok: false, error: `${opts.name}: at most ${plural(opts.maxLength, 'value')}, got ${n}` };
  return { ok: true, values };
}

/** A single number box: finite, and inside [min, max) / [min, max] as asked. */
export function parseNumber(text: string, name: string, check: (v: number) => boolean, what: string): { ok: true; value: number } | { ok: false; error: string } {
  const t = text.trim();
  const v = NUMBER.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || !check(v)) return { ok: false, error: `${name} must be ${what}, got "${t}"` };
  return { ok: true, value: v };
}
