import type { DType } from '../storage/dtype.js';
import type { TensorData } from '../storage/tensor-data.js';
import { checkOptions, intOption } from '../util/options.js';

/**
 * Options of `Tensor.toString`, as torch.set_printoptions' (camelCase).
 *
 * @category Tensor
 */
export interface PrintOptions {
  /** Digits after the decimal point (default 4). */
  precision?: number;
  /** Above this many elements the printout is summarised with `...` (default 1000). */
  threshold?: number;
  /** Elements shown at each end of a summarised dim (default 3). */
  edgeItems?: number;
  /** Characters per line before a row wraps (default 80). */
  lineWidth?: number;
}

/** How every number of a tensor is written. */
interface NumberFormat {
  precision: number;
  sci: boolean;
  intMode: boolean;
  width: number;
}

interface Layout extends NumberFormat {
  edgeItems: number;
  lineWidth: number;
  summarise: boolean;
}

/**
 * PyTorch's printout: `tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], dtype=float64)`.
 * One number format for the whole tensor, chosen as torch's _Formatter does: integers print as
 * `3.`, a wide range of magnitudes (max/min > 1000, max > 1e8 or min < 1e-4) switches to
 * scientific notation, anything else is fixed-point with `precision` digits; every element is
 * right-aligned to the widest nonzero finite one (nan, inf and -0 may stick out, as in torch).
 * Big tensors show `edgeItems` at each end of each dim, so printing a million elements costs
 * what printing a few dozen does.
 */
export function formatTensor(td: TensorData, suffix: readonly string[], opts?: PrintOptions): string {
  const o = checkOptions('toString', opts, ['precision', 'threshold', 'edgeItems', 'lineWidth']);
  const precision = intOption('toString', 'precision', o.precision ?? 4, 0);
  const threshold = intOption('toString', 'threshold', o.threshold ?? 1000, 0);
  const edgeItems = intOption('toString', 'edgeItems', o.edgeItems ?? 3, 1);
  const lineWidth = intOption('toString', 'lineWidth', o.lineWidth ?? 80, 10);
  const prefix = 'tensor(';
  const tail = `${suffix.map((s) => `, ${s}`).join('')})`;
  if (td.size === 0) {
    const size = td.ndim > 1 ? `, size=(${td.shape.join(', ')})` : '';
    return `${prefix}[]${size}${tail}`;
  }
  const summarise = td.size > threshold;
  const layout = chooseFormat(shownValues(td, summarise, edgeItems), precision);
  const full: Layout = { ...layout, precision, edgeItems, lineWidth, summarise };
  const body = td.ndim === 0 ? format(td.storage[td.offset]!, full) : block(td, 0, td.offset, prefix.length, full);
  return prefix + body + tail;
}

/** The values that will be printed (the corners only, when summarised), to choose the format from. */
function shownValues(td: TensorData, summarise: boolean, edge: number): number[] {
  // Stryker disable next-line ArrayDeclaration: a stray non-number among the values changes no format: chooseFormat skips whatever is not a finite number
  const out: number[] = [];
  const walk = (dim: number, pos: number): void => {
    if (dim === td.ndim) {
      out.push(td.storage[pos]!);
      return;
    }
    for (const i of indices(td.shape[dim]!, summarise, edge)) if (i >= 0) walk(dim + 1, pos + i * td.strides[dim]!);
  };
  walk(0, td.offset);
  return out;
}

/** Row indices to show along a dim of size n; -1 marks where the `...` goes. */
function indices(n: number, summarise: boolean, edge: number): number[] {
  if (!summarise || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: edge }, (_, i) => i), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)];
}

function chooseFormat(values: number[], precision: number): { sci: boolean; intMode: boolean; width: number } {
  const nonzero = values.filter((v) => Number.isFinite(v) && v !== 0);
  const finite = nonzero.map(Math.abs);
  const intMode = values.every((v) => !Number.isFinite(v) || Number.isInteger(v));
  // Not Math.max(...finite): a tensor printed in full can have more values than a call takes
  // arguments. With no nonzero finite value, max is -Infinity and min Infinity, and all three
  // tests below fail.
  const max = finite.reduce((m, a) => Math.max(m, a), -Infinity);
  const min = finite.reduce((m, a) => Math.min(m, a), Infinity);
  // (torch tests min only when not every value is an integer; an integer's min is at least 1)
  const sci = max / min > 1000 || max > 1e8 || min < 1e-4;
  const probe: NumberFormat = { precision, sci, intMode, width: 0 };
  // As torch's: the widest nonzero finite value sets the width (at least 1); a zero is never
  // wider, and nan, inf or -0 stick out rather than widen the others.
  const width = nonzero.reduce((w, v) => Math.max(w, format(v, probe).length), 1);
  return { sci, intMode, width };
}

function format(v: number, l: NumberFormat): string {
  let s: string;
  if (Number.isNaN(v)) s = 'nan';
  else if (!Number.isFinite(v)) s = v === Infinity ? 'inf' : '-inf';
  else {
    // toFixed and toExponential drop the sign of -0; Python's formatting, so torch's, keeps it.
    const sign = Object.is(v, -0) ? '-' : '';
    if (l.sci) s = sign + v.toExponential(l.precision).replace(/e([+-])(\d)$/, 'e$10$2');
    else if (l.intMode) s = `${sign}${v.toFixed(0)}.`;
    else s = sign + v.toFixed(l.precision);
  }
  return s.padStart(l.width);
}

/** One dim's bracketed block; `indent` is the column the block's `[` sits in. */
function block(td: TensorData, dim: number, pos: number, indent: number, l: Layout): string {
  const n = td.shape[dim]!;
  const stride = td.strides[dim]!;
  const idx = indices(n, l.summarise, l.edgeItems);
  if (dim === td.ndim - 1) {
    const items = idx.map((i) => (i < 0 ? ' ...' : format(td.storage[pos + i * stride]!, l))); // ' ...' as torch prints it
    // Wrap long rows as torch does: as many items per line as fit after the indent.
    const perLine = Math.max(1, Math.floor((l.lineWidth - indent) / (l.width + 2)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
  }
  const gap = ',' + '\n'.repeat(td.ndim - dim - 1) + ' '.repeat(indent + 1);
  const parts = idx.map((i) => (i < 0 ? '...' : block(td, dim + 1, pos + i * stride, indent + 1, l)));
  return `[${parts.join(gap)}]`;
}

/** The `dtype=...` part of the suffix. */
export function dtypeSuffix(dtype: DType): string {
  return `dtype=${dtype}`;
}
