/** Small helpers shared by the example CLIs: flag parsing on top of node:util's parseArgs. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line: the CLIs print the message and exit with code 2. */
export class UsageError extends Error {}

/**
 * Parses flags strictly. Two conveniences node:util's parseArgs lacks: a negative number may
 * follow a value flag with a space (`--lr -1`; parseArgs would call it ambiguous), and flags
 * named in `optionalValue` may be given bare (`--graph` means '-', i.e. stdout).
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, optionalValue: readonly string[] = []) {
  // `pnpm example -- --lr 0.3` hands the script a literal '--' first; skip it.
  const raw = argv[0] === '--' ? argv.slice(1) : argv;
  const args: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i]!;
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    const next = raw[i + 1];
    if (name !== null && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else if (name !== null && optionalValue.includes(name) && (next === undefined || next.startsWith('-'))) {
      args.push(`${a}=-`);
    } else args.push(a);
  }
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

/**
 * Fixed decimals while they say something; an exponent once the number is huge (a diverging
 * run) or so small that fixed decimals would show 0.0000 or -0.0000 (a converged run).
 */
export function fmtNum(v: number, digits = 4): string {
  if (v === 0) return (0).toFixed(digits);
  const a = Math.abs(v);
  if (a >= 1e5 || a < 0.5 * 10 ** -digits) return v.toExponential(Math.max(1, digits - 3));
  return v.toFixed(digits);
}

/** Four significant digits: a loss of 7.8e-26 reads as such, not as 0.000000. */
export function fmtSig(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/**
 * How the user started this command, for usage lines: the installed bin (`kindling-blog`) when
 * run as one, else the workspace's pnpm command.
 */
export function commandName(bin: string, workspace: string, script = process.argv[1] ?? ''): string {
  const base = script.split(/[\\/]/).pop() ?? '';
  if (base.startsWith('kindling-') || /[\\/]node_modules[\\/]/.test(script)) return bin;
  return workspace;
}
