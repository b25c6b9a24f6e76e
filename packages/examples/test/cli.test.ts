import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

function cli(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(pkg, 'src/cli', script), ...args], { cwd: pkg, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('blog CLI', () => {
  it('prints the run like the blog, the chart, gradcheck and the curvature', () => {
    const r = cli('blog.ts', '--epochs', '20');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[ 2.7000,  2.0000,  1.4000]');
    expect(r.stdout).toMatch(/\n\s+10\s+0\.066/);
    expect(r.stdout).toContain('loss per epoch');
    expect(r.stdout).toMatch(/✓ Kindling autograd\s+passed/);
    expect(r.stdout).toMatch(/✗ the blog's formula\s+failed at dL\/dW\[0\]:\n\s+the formula gives 7\.48, finite differences 2\.5333/);
    expect(r.stdout).toContain('2/λmax = 0.5206');
  });

  it('--json gives the history, and --gradient blog runs side by side', () => {
    const r = cli('blog.ts', '--json', '--epochs', '30', '--momentum', '0.5', '--nesterov');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.history).toHaveLength(31);
    expect(j.options).toMatchObject({ epochs: 30, momentum: 0.5, nesterov: true, lr: 0.11 });
    expect(j.gradcheck.autograd.passed).toBe(true);
    expect(j.gradcheck.blog.passed).toBe(false);
    const side = cli('blog.ts', '--gradient', 'blog', '--epochs', '20');
    expect(side.code).toBe(0);
    expect(side.stdout).toMatch(/blog's formula +│ autograd\nepoch +loss +prediction +│ +loss +prediction/);
    expect(side.stdout).toMatch(/\n +10 +0\.04928 +\[ 0\.788, +0\.321, -0\.003\] │ +0\.06627 +\[ 0\.722, +0\.348, +0\.012\]/);
  });

  it('--help exits 0; bad flags exit 2 with a clear message', () => {
    const help = cli('blog.ts', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--optimizer sgd|adam');
    for (const [args, msg] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--lr', 'fast'], /--lr must be a number, got 'fast'/],
      [['--lr=-1'], /--lr must be > 0, got -1/],
      [['--epochs', '2.5'], /--epochs must be an integer/],
      [['--optimizer', 'rmsprop'], /--optimizer must be one of sgd \| adam/],
      [['--momentum', '1'], /--momentum must be in \[0, 1\)/],
      [['--nesterov'], /--nesterov needs --momentum > 0/],
      [['--gradient', 'numeric'], /--gradient must be one of autograd \| blog/],
      [['--lr'], /argument missing|--lr/],
    ] as const) {
      const r = cli('blog.ts', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).toContain('--help');
    }
  });
});

describe('filter and classify CLIs', () => {
  it('filter prints true vs learned', () => {
    const r = cli('filter.ts', '--epochs', '4', '--samples', '96');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/true\s+\[ 0\.5000, -1\.0000/);
    expect(r.stdout).toMatch(/learned\s+\[/);
    expect(cli('filter.ts', '--batch-size', '0').code).toBe(2);
  });

  it('classify saves a safetensors file and predicts with the reloaded model', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kindling-')), 'clf.safetensors');
    const r = cli('classify.ts', '--epochs', '4', '--samples', '120', '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const j = JSON.parse(r.stdout);
    expect(j.fileAccuracy).toBe(j.testAccuracy);
    expect(j.history).toHaveLength(4);
    expect(cli('classify.ts', '--seed', 'x').code).toBe(2);
  });
});
