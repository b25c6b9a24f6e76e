import { describe, expect, it } from 'vitest';
import { ProgressBar, lineChart, sparkline } from '../src/index.js';

describe('lineChart', () => {
  it('puts the largest value on the top row and the smallest on the bottom', () => {
    const s = lineChart([{ label: 'loss', values: [10, 5, 1, 0.1] }], { height: 5, width: 20, logY: true });
    const rows = s.split('\n');
    const plot = rows.filter((r) => /[┤│]/.test(r));
    expect(plot).toHaveLength(5);
    expect(plot[0]!.endsWith('┤*')).toBe(true);
    expect(plot[4]!.trimEnd().endsWith('*')).toBe(true);
    expect(plot[0]!.startsWith(' 10')).toBe(true);
    expect(s).toContain('└────');
    expect(s).toContain('* loss');
  });

  it('downsamples long series to the width, skips non-finite values and labels the x range', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i === 500 ? NaN : 1000 - i));
    const s = lineChart([{ label: 'a', values }, { label: 'b', values: values.map((v) => v / 2) }], { width: 40, height: 6, xStart: 0 });
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(s).toContain('999');
    expect(s).toContain('o b');
    expect(lineChart([{ label: 'x', values: [] }])).toContain('no finite values');
  });
});

describe('ProgressBar', () => {
  it('draws on a terminal and stays silent elsewhere', () => {
    const tty: string[] = [];
    const bar = new ProgressBar(100, { isTTY: true, write: (s: string) => tty.push(s) }, 'train', 10);
    bar.update(100, 'done');
    bar.finish();
    expect(tty[0]).toContain('██████████');
    expect(tty[0]).toContain('100/100');
    expect(tty.at(-1)).toBe('\r\x1b[K');
    const pipe: string[] = [];
    const quiet = new ProgressBar(100, { isTTY: false, write: (s: string) => pipe.push(s) });
    quiet.update(50);
    quiet.finish();
    expect(pipe).toEqual([]);
  });
});

describe('sparkline', () => {
  it('maps the range onto eight block heights', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, 3])).toBe('▁▁');
  });
});
