// The Kindling side of scripts/torch-interop: the model interop.py and train_ddp.py build, and
// how the tests call them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Tensor } from '@kindling/core';
import { Conv1d, Flatten, Linear, ReLU, Sequential } from '@kindling/nn';
import { expect } from 'vitest';
import { PYTHON } from './helpers.js';

/** The scripts under scripts/torch-interop, and the model both sides build. */
export const SCRIPT = fileURLToPath(new URL('../../../scripts/torch-interop/interop.py', import.meta.url));
export const DDP_SCRIPT = fileURLToPath(new URL('../../../scripts/torch-interop/train_ddp.py', import.meta.url));
export const CONFIG = { in_channels: 2, channels: 4, kernel: 3, padding: 1, length: 10, out: 3 };

/** Kindling's side of the model interop.py builds (same layers, same state-dict keys). */
export function build(seed: number): Sequential {
  return new Sequential(
    new Conv1d(CONFIG.in_channels, CONFIG.channels, CONFIG.kernel, { padding: CONFIG.padding, seed }),
    new ReLU(),
    new Flatten(),
    new Linear(CONFIG.channels * CONFIG.length, CONFIG.out, { seed: seed + 1 }),
  );
}

/** Runs interop.py with `args` (and the model's config); returns the JSON it prints last. */
export function python(args: string[]): Record<string, unknown> {
  const r = spawnSync(PYTHON, [SCRIPT, ...args, '--config', JSON.stringify(CONFIG)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`interop.py ${args[0]} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

/** The largest |a - b| over two tensors of one shape. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}
