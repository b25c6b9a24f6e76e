/** Small helpers shared by the example CLIs: flag parsing on top of node:util's parseArgs. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line: the CLIs print the message and exit with code 2. */
export class UsageError extends Error {}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  // `pnpm example -- --lr 0.3` hands the script a literal '--' first; skip it.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** Parses a numeric flag, checking it is finite and within [min, max]. */
export function numberFlag(name: string, raw: string | undefined, fallback: number, opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false, exclusiveMax = false } = opts;
  const range =
    max === Infinity ? `${exclusiveMin ? '>' : '>='} ${min}`
    : min === -Infinity ? `${exclusiveMax ? '<' : '<='} ${max}`
    : `in ${exclusiveMin ? '(' : '['}${min}, ${max}${exclusiveMax ? ')' : ']'}`;
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got '${raw}'`);
  if (integer && !Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got ${raw}`);
  if (v < min || v > max || (exclusiveMin && v === min) || (exclusiveMax && v === max)) throw new UsageError(`--${name} must be ${range}, got ${raw}`);
  return v;
}

export function choiceFlag<const C extends string>(name: string, raw: string | undefined, choices: readonly C[], fallback: C): C {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join(' | ')}, got '${raw}'`);
  return raw as C;
}

/**
 * Runs a CLI's main: a UsageError prints "error: ..." plus a hint and exits 2; other errors
 * print their message on one line and exit 1 (the stack too with KINDLING_DEBUG=1: a user who
 * gave a bad --out path needs the message, not Kindling's call stack).
 */
export function runCli(name: string, main: (argv: string[]) => void | Promise<void>): void {
  // `... | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${name}: error: ${e.message}\nRun with --help to see the options.\n`);
        process.exitCode = 2;
      } else {
        const debug = process.env.KINDLING_DEBUG === '1';
        const text = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
        process.stderr.write(`${name}: error: ${text}\n`);
        process.exitCode = 1;
      }
    });
}

/** Formats numbers the way the blog prints them: fixed decimals, aligned. */
export function fmtList(values: readonly number[], digits = 4): string {
  return `[${values.map((v) => (v >= 0 ? ' ' : '') + fmtNum(v, digits)).join(', ')}]`;
}

/** Fixed decimals, or an exponent once the number is huge (a diverging run). */
export function fmtNum(v: number, digits = 4): string {
  return Math.abs(v) >= 1e5 ? v.toExponential(3) : v.toFixed(digits);
}
