// Weights to PyTorch and back, live (docs/moving-on.md): a float64 Conv1d -> ReLU -> Flatten ->
// Linear trained in Kindling, saved with saveSafetensors, loads into the equivalent torch.nn
// model (scripts/torch-interop/interop.py, strict load_state_dict) and gives the same outputs to
// 1e-10; the same model trained in PyTorch, written from Python, loads into Kindling, gives
// torch's outputs to 1e-10, and one more SGD step in Kindling lands on torch's next weights.
// Runs where /usr/bin/python3 can import torch (Debian's python3-torch; CI installs it).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad, randn } from '@kindling/core';
import { MSELoss, SGD, loadSafetensors, saveSafetensors } from '@kindling/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePython } from './helpers.js';
import { CONFIG, build, maxAbsDiff, python } from './torch-helpers.js';

const torch = requirePython('torch');

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kindling-torch-interop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report: string[] = [];
afterAll(() => report.length && console.log(report.join('\n')));

describe.runIf(torch.run)(`Kindling <-> PyTorch weights${torch.title}`, () => {
  const x = randn([16, CONFIG.in_channels, CONFIG.length], { seed: 1 });
  const y = randn([16, CONFIG.out], { seed: 2 });
  const xTest = randn([5, CONFIG.in_channels, CONFIG.length], { seed: 3 });

  it('trained in Kindling, loaded into torch.nn: same outputs to 1e-10 (float64)', () => {
    const model = build(7);
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const loss = new MSELoss();
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      loss.forward(model.forward(x), y).backward();
      opt.step();
    }
    writeFileSync(join(dir, 'kindling.safetensors'), saveSafetensors(model.stateDict()));
    writeFileSync(join(dir, 'io.safetensors'), saveSafetensors({ x: xTest, y: noGrad(() => model.forward(xTest)) }));
    const out = python(['check', '--weights', join(dir, 'kindling.safetensors'), '--io', join(dir, 'io.safetensors')]);
    expect(out.keys).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    report.push(`Kindling -> torch: max |torch - kindling| = ${(out.max_abs_diff as number).toExponential(2)}`);
    expect(out.max_abs_diff).toBeLessThanOrEqual(1e-10);
  });

  it('trained in torch, loaded into Kindling: same outputs to 1e-10, and training continues in Kindling step for step', () => {
    writeFileSync(join(dir, 'data.safetensors'), saveSafetensors({ x, y, x_test: xTest }));
    const out = python(['train', '--data', join(dir, 'data.safetensors'), '--out', join(dir, 'torch.safetensors'), '--steps', '5', '--lr', '0.05', '--seed', '0']);
    const losses = out.losses as number[];
    expect(losses.length).toBe(5);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const file = loadSafetensors(new Uint8Array(readFileSync(join(dir, 'torch.safetensors'))));

    const model = build(99); // a different initialisation: everything comes from the file
    const pick = (prefix: string) => Object.fromEntries(['0.weight', '0.bias', '3.weight', '3.bias'].map((k) => [k, file[prefix + k]!]));
    model.loadStateDict(pick(''));
    const outDiff = maxAbsDiff(noGrad(() => model.forward(xTest)), file['test.y']!);
    expect(outDiff).toBeLessThanOrEqual(1e-10);

    // One more step in Kindling with the same optimizer settings: torch took it too ("next.").
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const lossFn = new MSELoss();
    opt.zeroGrad();
    const before = lossFn.forward(model.forward(x), y);
    before.backward();
    opt.step();
    const next = pick('next.');
    const stepDiff = Math.max(...model.namedParameters().map(([k, p]) => maxAbsDiff(p, next[k]!)));
    expect(stepDiff).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(before.item() - losses.at(-1)!)).toBeLessThan(losses[0]! - losses.at(-1)!); // the 6th loss continues the curve

    // And on: a few more Kindling steps keep lowering the loss.
    let last = before.item();
    for (let i = 0; i < 10; i++) {
      opt.zeroGrad();
      const l = lossFn.forward(model.forward(x), y);
      l.backward();
      opt.step();
      last = l.item();
    }
    expect(last).toBeLessThan(before.item());
    report.push(`torch -> Kindling: max |kindling - torch| = ${outDiff.toExponential(2)} on outputs, ${stepDiff.toExponential(2)} on the weights after one more SGD step; loss ${losses[0]!.toFixed(4)} (torch, step 1) -> ${last.toFixed(4)} (Kindling, step 16)`);
  });
});
