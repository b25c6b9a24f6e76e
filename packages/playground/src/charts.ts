/**
 * Plain SVG charts, drawn as markup strings. The page has four small charts with at most a
 * few thousand points; rebuilding their markup each animation frame costs well under a
 * millisecond, needs no dependency, and leaves ordinary DOM that tests and screen readers can read.
 */

const W = 420;
const H = 220;
const PAD = { left: 46, right: 12, top: 14, bottom: 30 };
/** Width of one character of the 11 px tick labels (digits are 0.64 em in DejaVu Sans; a little spare). */
const TICK_CHAR = 7;

/**
 * The left margin that fits the widest tick label: a diverging run has ticks like "-2.0e153",
 * which the fixed margin cut off at the SVG's left edge.
 */
function leftFor(labels: readonly string[]): number {
  return Math.max(PAD.left, 10 + Math.max(0, ...labels.map((l) => l.length)) * TICK_CHAR);
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Short labels for axis ticks and bar values. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toFixed(digits)));
}

/** A linear range that only grows during a run, so bars move and the axes hold still. */
export class StickyRange {
  lo = 0;
  hi = 1;
  private fresh = true;

  reset(): void {
    this.fresh = true;
    this.lo = 0;
    this.hi = 1;
  }

  include(values: readonly number[]): void {
    const finite = values.filter(Number.isFinite);
    if (finite.length === 0) return;
    const lo = Math.min(0, ...finite);
    const hi = Math.max(0, ...finite);
    if (this.fresh) {
      this.lo = lo;
      this.hi = hi;
      this.fresh = false;
    } else {
      this.lo = Math.min(this.lo, lo);
      this.hi = Math.max(this.hi, hi);
    }
    if (this.hi - this.lo < 1e-9) this.hi = this.lo + 1;
  }

  /** Rounded outward to a "nice" step; returns the ticks too. */
  nice(): { lo: number; hi: number; ticks: number[] } {
    // Headroom for the value printed past the end of a bar.
    const pad = 0.12 * (this.hi - this.lo);
    const lo0 = this.lo < 0 ? this.lo - pad : this.lo;
    const hi0 = this.hi > 0 ? this.hi + pad : this.hi;
    const span = hi0 - lo0;
    const raw = span / 4;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
    const lo = Math.floor(lo0 / step - 1e-9) * step;
    const hi = Math.ceil(hi0 / step + 1e-9) * step;
    const ticks: number[] = [];
    for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Math.abs(t) < step / 1e6 ? 0 : t);
    return { lo, hi, ticks };
  }
}

export interface BarSeries {
  values: readonly number[];
  /** 'bar': filled bar with its value printed; 'outline': dashed box (a reference); 'tick': a marker line. */
  kind: 'bar' | 'outline' | 'tick';
  cls: string;
  name: string;
}

/** Grouped bars around a zero line. */
export function barChart(opts: { labels: readonly string[]; series: readonly BarSeries[]; range: StickyRange; title: string }): string {
  const { lo, hi, ticks } = opts.range.nice();
  const left = leftFor(ticks.map((t) => fmt(t)));
  const iw = W - left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + ih * (1 - (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo));
  const n = opts.labels.length;
  const slot = iw / n;
  const bw = Math.min(46, slot * 0.55);
  const out: string[] = [];
  const labels: string[] = []; // drawn last, over every bar and marker
  out.push(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">`);
  for (const t of ticks) {
    out.push(`<line class="grid${t === 0 ? ' zero' : ''}" x1="${left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}"/>`);
    out.push(`<text class="tick" x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (let i = 0; i < n; i++) {
    const cx = left + slot * (i + 0.5);
    // Marker lines in this slot (the target): a bar's value label must not sit on one.
    const marks = opts.series.filter((s) => s.kind === 'tick').map((s) => s.values[i]).filter((v): v is number => v !== undefined && Number.isFinite(v)).map(y);
    for (const s of opts.series) {
      const v = s.values[i];
      if (v === undefined || !Number.isFinite(v)) continue;
      const y0 = y(0), y1 = y(v);
      const top = Math.min(y0, y1), h = Math.max(Math.abs(y1 - y0), 1);
      if (s.kind === 'bar') {
        out.push(`<rect class="${s.cls}" x="${cx - bw / 2}" y="${top}" width="${bw}" height="${h}" rx="2"><title>${esc(s.name)} ${v}</title></rect>`);
        labels.push(`<text class="value" x="${cx}" y="${labelY(v >= 0 ? top - 4 : top + h + 12, v >= 0, marks)}" text-anchor="middle">${fmt(v)}</text>`);
      } else if (s.kind === 'outline') {
        out.push(`<rect class="${s.cls}" x="${cx - bw / 2 - 3}" y="${top}" width="${bw + 6}" height="${h}" rx="2"><title>${esc(s.name)} ${v}</title></rect>`);
      } else {
        out.push(`<line class="${s.cls}" x1="${cx - bw / 2 - 8}" x2="${cx + bw / 2 + 8}" y1="${y1}" y2="${y1}"><title>${esc(s.name)} ${v}</title></line>`);
      }
    }
    out.push(`<text class="label" x="${cx}" y="${H - 10}" text-anchor="middle">${esc(opts.labels[i]!)}</text>`);
  }
  out.push(...labels, '</svg>');
  return out.join('');
}

/** The label's text spans about [y − 9, y + 2] (11.5 px digits on the baseline y). */
const LABEL_UP = 10;
const LABEL_DOWN = 3;
const clampY = (ly: number) => Math.min(Math.max(ly, PAD.top + 8), H - PAD.bottom - 2);

/**
 * Where a bar's value label goes: past the end of the bar, unless a marker line (the target)
 * crosses the text there; then just beyond the marker, on the side away from the bar, or just
 * before it when that side has no room.
 */
function labelY(preferred: number, up: boolean, marks: readonly number[]): number {
  const hits = (ly: number) => marks.some((m) => m >= ly - LABEL_UP - 1 && m <= ly + LABEL_DOWN + 1);
  let ly = clampY(preferred);
  for (let tries = 0; tries < 3 && hits(ly); tries++) {
    const m = marks.find((mk) => mk >= ly - LABEL_UP - 1 && mk <= ly + LABEL_DOWN + 1)!;
    const away = up ? m - LABEL_DOWN - 3 : m + LABEL_UP + 3;
    const before = up ? m + LABEL_UP + 3 : m - LABEL_DOWN - 3;
    ly = clampY(away) === away ? away : clampY(before);
  }
  return ly;
}

export interface LineSeries {
  /** y values by epoch (index = epoch). */
  values: readonly number[];
  cls: string;
  name: string;
}

/** Keeps at most `max` points: every k-th one, plus the last. */
function thin(values: readonly number[], max: number): [number, number][] {
  const k = Math.max(1, Math.ceil(values.length / max));
  const pts: [number, number][] = [];
  for (let i = 0; i < values.length; i += k) pts.push([i, values[i]!]);
  if (values.length > 0 && pts.at(-1)![0] !== values.length - 1) pts.push([values.length - 1, values.at(-1)!]);
  return pts;
}

/** Loss against epoch, log scale with a gridline per decade. */
export function logLineChart(opts: { series: readonly LineSeries[]; xMax: number; title: string }): string {
  const ih = H - PAD.top - PAD.bottom;
  const positives = opts.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v) && v > 0));
  let d0 = -3, d1 = 1;
  if (positives.length > 0) {
    d0 = Math.floor(Math.log10(Math.max(Math.min(...positives), 1e-300)));
    d1 = Math.ceil(Math.log10(Math.max(...positives)));
    if (d1 <= d0) d1 = d0 + 1;
  }
  const xMax = Math.max(1, opts.xMax);
  const every = Math.ceil((d1 - d0) / 6);
  const left = leftFor([`1e${d0}`, `1e${d1}`]);
  const iw = W - left - PAD.right;
  const x = (e: number) => left + (iw * e) / xMax;
  const y = (v: number) => PAD.top + ih * (1 - (Math.log10(Math.max(v, 1e-300)) - d0) / (d1 - d0));
  const out: string[] = [];
  out.push(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.title)}">`);
  // A line per labelled decade only: a diverging run spans hundreds of decades, and a line for
  // each painted the plot grey.
  for (let d = d0; d <= d1; d += every) {
    out.push(`<line class="grid" x1="${left}" x2="${W - PAD.right}" y1="${y(10 ** d)}" y2="${y(10 ** d)}"/>`);
    out.push(`<text class="tick" x="${left - 6}" y="${y(10 ** d) + 4}" text-anchor="end">1e${d}</text>`);
  }
  const xStep = niceStep(xMax / 5);
  for (let e = 0; e <= xMax + 1e-9; e += xStep) {
    out.push(`<line class="grid" x1="${x(e)}" x2="${x(e)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>`);
    out.push(`<text class="tick" x="${x(e)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<text class="label" x="${W - PAD.right}" y="${H - 2}" text-anchor="end">epoch</text>`);
  for (const s of opts.series) {
    const pts = thin(s.values, 800).filter(([, v]) => Number.isFinite(v));
    if (pts.length === 0) continue;
    const d = pts.map(([e, v]) => `${x(Math.min(e, xMax)).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline class="${s.cls}" points="${d}"><title>${esc(s.name)}</title></polyline>`);
    const [le, lv] = pts.at(-1)!;
    out.push(`<circle class="${s.cls} dot" cx="${x(Math.min(le, xMax))}" cy="${y(lv)}" r="3"/>`);
  }
  out.push('</svg>');
  return out.join('');
}

/** A whole-number step of 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
}
