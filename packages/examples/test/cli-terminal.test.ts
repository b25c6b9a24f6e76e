import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandName, fmtNum, fmtSig } from '../src/cli/args.js';
import { style, useColor, visibleLength, wrapLine } from '../src/terminal/style.js';

// What a person sees in a terminal: 80 columns, colour only on a TTY, the command's own name,
// numbers that do not round a converged loss to zero.
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
function cli(script: string, args: string[], env: Record<string, string> = {}, cwd = pkg) {
  const base = { ...process.env };
  delete base.FORCE_COLOR;
  delete base.NO_COLOR;
  // tsx by its resolved URL, so a run from a scratch directory still finds it.
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(pkg, 'src/cli', script), ...args], { cwd, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const longLines = (text: string) => text.split('\n').filter((l) => visibleLength(l) > 80);

describe('example CLIs in a terminal', () => {
  it('fit 80 columns: the report, the side-by-side replay and every --help', () => {
    for (const [script, args] of [
      ['blog.ts', ['--epochs', '30']],
      ['blog.ts', ['--epochs', '30', '--gradient', 'blog']],
      ['blog.ts', ['--help']],
      ['filter.ts', ['--help']],
      ['classify.ts', ['--help']],
    ] as const) {
      const r = cli(script, [...args]);
      expect(r.code, `${script} ${args.join(' ')}`).toBe(0);
      expect(longLines(r.stdout), `${script} ${args.join(' ')}`).toEqual([]);
    }
  });

  it('colour only when asked for or on a TTY, and never with NO_COLOR', () => {
    const piped = cli('blog.ts', ['--epochs', '3']);
    expect(piped.stdout).not.toContain('\x1b[');
    const forced = cli('blog.ts', ['--epochs', '3'], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\x1b[32m✓\x1b[39m Kindling autograd');
    expect(forced.stdout).toContain("\x1b[31m✗\x1b[39m the blog's formula");
    expect(forced.stdout).toMatch(/\x1b\[1mKindling · the blog's 1-D CNN/);
    expect(cli('blog.ts', ['--epochs', '3'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\x1b[');
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(style(false).green('x')).toBe('x');
  });

  it("the --gradient blog hint is not shown in that mode", () => {
    expect(cli('blog.ts', ['--epochs', '3']).stdout).toContain('--gradient blog   the blog');
    expect(cli('blog.ts', ['--epochs', '3', '--gradient', 'blog']).stdout).not.toContain('--gradient blog   the blog');
  });

  it('a negative number may follow a flag with a space', () => {
    const r = cli('blog.ts', ['--lr', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--lr must be > 0, got -1');
    expect(r.stderr).not.toMatch(/ambiguous/);
    expect(cli('blog.ts', ['--momentum', '-0.5']).stderr).toContain('--momentum must be in [0, 1), got -0.5');
  });

  it('a converged run prints its loss in significant digits, never 0.000000 or -0.0000', () => {
    const r = cli('blog.ts', ['--momentum', '0.975', '--nesterov', '--lr', '0.26', '--epochs', '3000']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/-?0\.000000\b|-0\.0000\b/);
    const last = /loss after the last\s+update (\S+)/.exec(r.stdout)![1]!;
    expect(Number(last)).toBeGreaterThan(0);
    expect(Number(last)).toBeLessThan(1e-12);
    expect(fmtSig(7.8e-26)).toBe('7.800e-26');
    expect(fmtSig(0.04928123)).toBe('0.04928');
    expect(fmtNum(-1.2e-13)).toBe('-1.2e-13');
    expect(fmtNum(-0.00004)).toBe('-4.0e-5');
    expect(fmtNum(0.5)).toBe('0.5000');
  });

  it('--graph prints the autograd graph as DOT, or writes it to a file', () => {
    const r = cli('blog.ts', ['--graph']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph kindling \{/);
    expect(r.stdout).toContain('label="conv1d"');
    expect(r.stdout).toContain('{ W | shape [1, 1, 3] | data [1, 1, 1] | grad [2.5333, 1.7400, 1.0600] }');
    const file = join(mkdtempSync(join(tmpdir(), 'kindling-graph-')), 'g.dot');
    const w = cli('blog.ts', ['--graph', file]);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain(`wrote ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(r.stdout);
  });

  it('classify leaves no file behind unless --out names one', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kindling-cwd-'));
    const r = cli('classify.ts', ['--epochs', '2', '--samples', '40'], {}, cwd);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('saved as safetensors (in memory; --out FILE keeps it)');
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('usage lines name the installed command when run as one', () => {
    expect(commandName('kindling-blog', 'pnpm example', '/usr/lib/node_modules/.bin/kindling-blog')).toBe('kindling-blog');
    expect(commandName('kindling-blog', 'pnpm example', '/x/node_modules/@kindling/examples/dist/cli/blog.js')).toBe('kindling-blog');
    expect(commandName('kindling-blog', 'pnpm example', '/repo/packages/examples/src/cli/blog.ts')).toBe('pnpm example');
    expect(cli('blog.ts', ['--help']).stdout).toMatch(/^Usage: pnpm example \[options\]/);
  });

  it('wrapLine breaks at spaces under the value column', () => {
    const line = '  label      ' + 'word '.repeat(30).trim();
    const wrapped = wrapLine(line, 40).split('\n');
    expect(wrapped.every((l) => visibleLength(l) <= 40)).toBe(true);
    expect(wrapped[1]).toMatch(/^ {13}word/);
    expect(wrapLine('short', 40)).toBe('short');
  });
});
