/** A sequence as one line of block characters, lowest ▁ to highest █. */
export function sparkline(values: ArrayLike<number>, lo?: number, hi?: number): string {
  const bars = '▁▂▃▄▅▆▇█';
  const v = Array.from(values);
  const min = lo ?? Math.min(...v), max = hi ?? Math.max(...v);
  const span = max - min || 1;
  return v.map((x) => bars[Math.max(0, Math.min(7, Math.round(((x - min) / span) * 7)))]).join('');
}
