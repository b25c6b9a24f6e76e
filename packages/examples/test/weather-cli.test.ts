// `kindling-weather` end to end on a short run: the report (summary, loss chart, the test-year
// table, the confusion matrix), the saved checkpoint, --json, and bad flags.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWeatherCheckpoint } from '../src/weather/train.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(pkg, 'src/cli/weather.ts'), ...args], { cwd: pkg, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('weather CLI', () => {
  it('trains, saves the best checkpoint and prints the summary, the loss chart and the test-year table', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kindling-weather-')), 'best.safetensors');
    const r = cli('--epochs', '2', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('710 training (2012-2013), 365 validation (2014), 365 test (2015)');
    expect(r.stdout).toMatch(/WeatherNet\s+\[1, 6\]/);
    expect(r.stdout).toContain('Total params: 1,528');
    expect(r.stdout).toContain('loss per epoch');
    expect(r.stdout).toMatch(/\* training\s+o validation \(2014\)/);
    expect(r.stdout).toMatch(/forecast\s+accuracy\s+macro-F1\s+MAE °C/);
    expect(r.stdout).toMatch(/Kindling 1-D CNN\s+0\.\d{3}\s+0\.\d{3}\s+\d+\.\d\d/);
    expect(r.stdout).toMatch(/persistence \(tomorrow = today\)\s+0\.600\s+0\.442\s+2\.24/);
    expect(r.stdout).toMatch(/climatology \(±7 days of 2012-13\)\s+0\.551\s+0\.240\s+3\.40/);
    expect(r.stdout).toMatch(/majority class \(rain\) \/ mean\s+0\.395\s+0\.141\s+6\.06/);
    expect(r.stdout).toMatch(/actual \\ predicted\s+drizzle\s+fog\s+rain\s+snow\s+sun/);
    expect(r.stdout).toMatch(/best checkpoint: \d+ bytes of safetensors, written to/);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain(out);
    expect(existsSync(out)).toBe(true);
    expect(loadWeatherCheckpoint(new Uint8Array(readFileSync(out))).window).toBe(21);
  });

  it('--json gives the scores, the history and the day-by-day 2015 forecast', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kindling-weather-')), 'w.safetensors');
    const r = cli('--json', '--epochs', '1', '--out', out, '--window', '7');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.options).toMatchObject({ epochs: 1, window: 7, lr: 0.003, batchSize: 32, classWeighting: 'sqrt-inverse', seed: 0 });
    expect(j.history).toHaveLength(1);
    expect(j.counts).toEqual({ train: 724, validation: 365, test: 365 });
    expect(j.test.persistence.accuracy).toBe(0.6);
    expect(j.testDays).toHaveLength(365);
    expect(j.testDays[0]).toMatchObject({ date: '2015-01-01', label: 'sun' });
    expect(j.file).toBe(out);
  });

  it('--help exits 0; bad flags exit 2 with a clear message', () => {
    const help = cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--class-weights W');
    // Few spawns: each is a Node start plus tsx's transform (seconds on a loaded machine); the
    // flag checks themselves are args.ts's, tested with the other CLIs.
    for (const [args, msg] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--class-weights', 'log'], /--class-weights must be one of sqrt-inverse \| inverse \| none/],
    ] as const) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });
});
