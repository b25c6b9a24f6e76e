/**
 * Colour for people, plain text for pipes: ANSI styles only when stdout is a terminal and
 * NO_COLOR (https://no-color.org) is unset; FORCE_COLOR=1 turns them on (for tests and CI logs
 * that render ANSI).
 */
export function useColor(stream: { isTTY?: boolean } = process.stdout, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

/** ANSI wrappers that become the identity when colour is off. */
export interface Style {
  green(s: string): string;
  red(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

export function style(on = useColor()): Style {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The columns a line takes on screen (ANSI styles take none). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** The width to fit: the terminal's, or 80 when piped (what a reader of a log expects). */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 80;
}

/**
 * Breaks a line longer than `width` at spaces. Continuation lines hang under the value of a
 * "label   value" row (the first run of two or more spaces after some text), or two columns in
 * from the line's own indent, so reports stay readable in an 80-column terminal.
 */
export function wrapLine(line: string, width = outputWidth()): string {
  if (visibleLength(line) <= width) return line;
  const lead = /^ */.exec(line)![0].length;
  const gap = /\S( {2,})\S/.exec(line);
  let hang = gap && gap.index + 1 + gap[1]!.length < width / 2 ? gap.index + 1 + gap[1]!.length : lead + 2;
  if (hang >= width - 20) hang = lead + 2;
  const words = line.slice(lead).split(/(?<=\S) (?=\S)/);
  const lines: string[] = [];
  let cur = ' '.repeat(lead);
  for (const w of words) {
    const sep = cur.trim() === '' ? '' : ' ';
    if (cur.trim() !== '' && visibleLength(cur + sep + w) > width) {
      lines.push(cur);
      cur = ' '.repeat(hang) + w;
    } else cur += sep + w;
  }
  lines.push(cur);
  return lines.join('\n');
}
