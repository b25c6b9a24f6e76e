// Continuing Kindling's training with PyTorch's DistributedDataParallel (docs/moving-on.md), live:
// scripts/torch-interop/train_ddp.py loads a Kindling state dict in two processes (gloo on CPU,
// NCCL on GPUs elsewhere), each trains on half the batch with DDP averaging the gradients, and
// rank 0 writes the weights back; they must equal Kindling's own full-batch SGD to 1e-10 and
// load straight into a Kindling model. Runs where /usr/bin/python3 can import torch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad, randn } from '@kindling/core';
import { MSELoss, SGD, loadSafetensors, saveSafetensors } from '@kindling/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from './helpers.js';
import { CONFIG, DDP_SCRIPT, build, maxAbsDiff } from './torch-helpers.js';

const torch = requirePython('torch');
const dir = mkdtempSync(join(tmpdir(), 'kindling-torch-ddp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const report: string[] = [];
afterAll(() => report.length && console.log(report.join('\n')));

describe.runIf(torch.run)(`PyTorch DDP${torch.title}`, () => {
  const x = randn([16, CONFIG.in_channels, CONFIG.length], { seed: 1 });
  const y = randn([16, CONFIG.out], { seed: 2 });
  const xTest = randn([5, CONFIG.in_channels, CONFIG.length], { seed: 3 });

  it("continued with PyTorch DDP (2 processes, gloo on CPU) equals Kindling's full-batch SGD to 1e-10", () => {
    const model = build(11);
    writeFileSync(join(dir, 'start.safetensors'), saveSafetensors(model.stateDict()));
    writeFileSync(join(dir, 'ddp-data.safetensors'), saveSafetensors({ x, y }));
    const out = join(dir, 'ddp.safetensors');
    // --nproc 2 rather than torchrun: Debian's torchrun (torch 1.13 on Python 3.11) cannot parse
    // its own defaults; the script starts the two processes as torchrun would.
    const args = [DDP_SCRIPT, '--nproc', '2', '--config', JSON.stringify(CONFIG), '--weights', join(dir, 'start.safetensors'), '--data', join(dir, 'ddp-data.safetensors'), '--out', out, '--steps', '4', '--lr', '0.05'];
    // OMP_NUM_THREADS=1: two processes on a shared machine (torchrun sets it too).
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`train_ddp.py failed (${r.status}):\n${r.stdout}${r.stderr}`);
    const info = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(info.world_size).toBe(2);
    expect(info.backend).toBe('gloo');

    // The same four steps in Kindling, on the whole batch at once.
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const lossFn = new MSELoss();
    for (let i = 0; i < 4; i++) {
      opt.zeroGrad();
      lossFn.forward(model.forward(x), y).backward();
      opt.step();
    }
    const trained = loadSafetensors(new Uint8Array(readFileSync(out)));
    const diff = Math.max(...model.namedParameters().map(([k, p]) => maxAbsDiff(p, trained[k]!)));
    report.push(`DDP (2 processes) -> Kindling: max |kindling full-batch SGD - DDP| = ${diff.toExponential(2)} after 4 steps`);
    expect(diff).toBeLessThanOrEqual(1e-10);
    // And the file loads straight into a Kindling model.
    const back = build(0);
    back.loadStateDict(trained);
    expect(maxAbsDiff(noGrad(() => back.forward(xTest)), noGrad(() => model.forward(xTest)))).toBeLessThanOrEqual(1e-10);
  }, 60_000);
});
