/** The SVG charts' geometry: tick labels fit left of the axis, value labels stay off the target line. */
import { describe, expect, it } from 'vitest';
import { StickyRange, barChart, logLineChart } from '../src/charts.js';

/** Generous width of one 11 px character (DejaVu Sans digits are 7.0 px; "e" and "-" are narrower). */
const CHAR = 7;

const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}" x="([-\\d.]+)" y="([-\\d.]+)"[^>]*>([^<]*)</text>`, 'g'))].map((m) => ({ x: Number(m[1]), y: Number(m[2]), text: m[3]! }));

describe('tick labels', () => {
  it('a diverged run\'s "-2.0e153" starts inside the chart, not at x = -9', () => {
    const range = new StickyRange();
    range.include([-2e153, 1.5e153, 0]);
    const svg = barChart({ labels: ['W₀', 'W₁'], series: [{ values: [-2e153, 1.5e153], kind: 'bar', cls: 'w', name: 'w' }], range, title: 't' });
    const ticks = texts(svg, 'tick');
    expect(ticks.some((t) => t.text.includes('e153'))).toBe(true);
    for (const t of ticks) expect(t.x - t.text.length * CHAR, t.text).toBeGreaterThanOrEqual(0);
  });
  it('the log chart makes room for three-digit exponents', () => {
    const svg = logLineChart({ series: [{ values: [1e-250, 1, 1e200], cls: 'loss', name: 'l' }], xMax: 2, title: 't' });
    for (const t of texts(svg, 'tick').filter((t) => t.text.startsWith('1e'))) expect(t.x - t.text.length * CHAR, t.text).toBeGreaterThanOrEqual(0);
  });
});

describe('value labels and the target line', () => {
  // The label's glyphs span about [y - 10, y + 3]; the target line is 3 px wide.
  const clear = (labelY: number, lineY: number) => lineY < labelY - 10 - 1.5 || lineY > labelY + 3 + 1.5;
  it.each([
    ['just under the target', [0.84, 0.31, -0.15], [1, 0, 0]],
    ['just over the target', [1.05, 0.02, -0.03], [1, 0, 0]],
    ['on the target', [1, 0, 0], [1, 0, 0]],
    ['negative, just above a negative target', [-0.93, 0.5, 0.2], [-1, 0, 0]],
  ])('%s: the label moves off the line', (_name, pred, target) => {
    const range = new StickyRange();
    range.include(pred);
    range.include(target);
    range.include([2.7, 2, 1.4]);
    const svg = barChart({
      labels: ['p0', 'p1', 'p2'],
      series: [{ values: pred, kind: 'bar', cls: 'pred', name: 'p' }, { values: target, kind: 'tick', cls: 'target', name: 't' }],
      range, title: 't',
    });
    const lines = [...svg.matchAll(/<line class="target" x1="[-\d.]+" x2="[-\d.]+" y1="([-\d.]+)"/g)].map((m) => Number(m[1]));
    const labels = texts(svg, 'value');
    expect(labels).toHaveLength(3);
    labels.forEach((l, i) => expect(clear(l.y, lines[i]!), `label ${l.text} at y ${l.y}, target line at ${lines[i]}`).toBe(true));
  });
});
