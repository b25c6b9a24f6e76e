/** A small ASCII line chart for loss curves: no dependencies, plain characters only. */
import { checkOptions, describeValue } from '@kindling/core';

/** One line of a {@link lineChart}: a label, the values (one per x step) and the character drawn. */
export interface Series {
  label: string;
  values: readonly number[];
  /** One character to plot with; defaults to '*', 'o', '+', 'x' in turn. */
  glyph?: string;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  width?: number;
  height?: number;
  /** Plot log10 of the values (for losses that shrink by orders of magnitude). */
  logY?: boolean;
  title?: string;
  /** The x value of the first point (epochs start at 0). */
  xStart?: number;
  xLabel?: string;
}

const GLYPHS = ['*', 'o', '+', 'x'];

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(3)).toString();
}

/** Renders one or more series over a shared x axis (their index) as a multi-line string. */
export function lineChart(series: readonly Series[], opts: ChartOptions = {}): string {
  checkOptions('lineChart', opts, ['width', 'height', 'logY', 'title', 'xStart', 'xLabel']);
  if (!Array.isArray(series) || series.length === 0) throw new Error(`lineChart: series must be a non-empty array, got ${describeValue(series)}`);
  series.forEach((s, i) => {
    checkOptions(`lineChart: series ${i}`, s, ['label', 'values', 'glyph']);
    if (!Array.isArray(s.values) && !ArrayBuffer.isView(s.values)) throw new Error(`lineChart: series ${i} values must be an array of numbers, got ${describeValue(s.values)}`);
    if (s.glyph !== undefined && (typeof s.glyph !== 'string' || [...s.glyph].length !== 1)) throw new Error(`lineChart: series ${i} glyph must be one character, got ${describeValue(s.glyph)}`);
  });
  for (const [name, v] of [['width', opts.width], ['height', opts.height], ['xStart', opts.xStart]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`lineChart: ${name} must be a finite number, got ${describeValue(v)}`);
  }
  const width = Math.max(10, Math.floor(opts.width ?? 60));
  const height = Math.max(3, Math.floor(opts.height ?? 12));
  const logY = opts.logY ?? false;
  const xStart = opts.xStart ?? 0;
  const tf = (v: number) => (logY ? Math.log10(v) : v);
  const usable = (v: number) => Number.isFinite(v) && (!logY || v > 0);

  const n = Math.max(0, ...series.map((s) => s.values.length));
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of s.values) if (usable(v)) { lo = Math.min(lo, tf(v)); hi = Math.max(hi, tf(v)); }
  if (n === 0 || lo === Infinity) return `${opts.title ? opts.title + '\n' : ''}(no finite values to plot)\n`;
  if (hi - lo < 1e-12) { hi += 0.5; lo -= 0.5; }

  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  const cols = Math.min(width, n);
  series.forEach((s, si) => {
    const glyph = s.glyph ?? GLYPHS[si % GLYPHS.length]!;
    for (let c = 0; c < cols; c++) {
      const idx = cols === 1 ? 0 : Math.round((c * (n - 1)) / (cols - 1));
      const v = s.values[idx];
      if (v === undefined || !usable(v)) continue;
      const row = Math.round(((hi - tf(v)) / (hi - lo)) * (height - 1));
      grid[row]![c] = glyph;
    }
  });

  const yLabel = (row: number) => {
    const t = hi - ((hi - lo) * row) / (height - 1);
    return fmtTick(logY ? 10 ** t : t);
  };
  const labels = grid.map((_, r) => (r === 0 || r === height - 1 || r === Math.floor((height - 1) / 2) ? yLabel(r) : ''));
  const pad = Math.max(...labels.map((l) => l.length));
  const lines: string[] = [];
  if (opts.title) lines.push(opts.title);
  grid.forEach((row, r) => lines.push(`${labels[r]!.padStart(pad)} ${labels[r] ? '┤' : '│'}${row.join('').trimEnd()}`));
  lines.push(`${' '.repeat(pad)} └${'─'.repeat(cols)}`);
  const first = String(xStart), last = String(xStart + n - 1);
  const axis = first + last.padStart(Math.max(cols - first.length, last.length + 1));
  lines.push(`${' '.repeat(pad + 2)}${axis}${opts.xLabel ? '  ' + opts.xLabel : ''}`);
  if (series.length > 1 || series[0]!.label) {
    lines.push(`${' '.repeat(pad + 2)}${series.map((s, i) => `${s.glyph ?? GLYPHS[i % GLYPHS.length]} ${s.label}`).join('   ')}`);
  }
  return lines.join('\n') + '\n';
}
