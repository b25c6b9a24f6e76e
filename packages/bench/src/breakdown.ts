/**
 * Where Kindling's step time goes: the user-level training step split into phases, timed
 * separately (medians of repeated runs), for one workload.
 *
 *   tsx packages/bench/src/breakdown.ts [--workload=M|L|S] [--dtype=float32|float64] [--backend=wasm|js]
 *
 * Phases: conv1d forward alone (noGrad), MSELoss forward alone (noGrad), the recorded forward
 * (conv + loss, building the graph), backward, opt.zeroGrad + opt.step; and, for comparison,
 * the whole step with core's fused mseLoss instead of nn.MSELoss.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { BLOG_STEPS, blogWorkload, castWorkload, makeWorkload, SPEC_L, SPEC_M } from './data.js';
import type { DType } from './data.js';
import { core, nn } from './kindling.js';
import { median } from './timing.js';
import { resolveBackend } from './peers/kindling.js';

const args = process.argv.slice(2);
const arg = (k: string, d: string): string => args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
const name = arg('workload', 'M');
const dtype = arg('dtype', name === 'S' ? 'float64' : 'float32') as DType;
const backend = await resolveBackend(arg('backend', 'auto') as 'wasm' | 'js' | 'auto');
core.setBackend(backend);

const wl = castWorkload(name === 'S' ? blogWorkload() : makeWorkload(name === 'L' ? SPEC_L : SPEC_M), dtype);
const { n: N, cin: C, cout: O, l: L, k: K, lout: T, padding: P } = wl;
const x = core.tensor(wl.x, { shape: [N, C, L], dtype, requiresGrad: true });
const y = core.tensor(wl.target, { shape: [N, O, T], dtype });
const model = new nn.Conv1d(C, O, K, { padding: P, dtype });
model.loadStateDict({ weight: core.tensor(wl.w, { shape: [O, C, K], dtype }), bias: core.tensor(wl.b, { shape: [O], dtype }) });
const lossFn = new nn.MSELoss();
const opt = new nn.SGD(model.parameters(), { lr: wl.lr });

const reps = name === 'S' ? BLOG_STEPS * 20 : name === 'L' ? 3 : 15;
function time(label: string, fn: () => void): number {
  for (let i = 0; i < Math.min(3, reps); i++) fn();
  const ts: number[] = [];
  const rounds = name === 'S' ? 15 : reps;
  const inner = name === 'S' ? BLOG_STEPS : 1;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    ts.push((performance.now() - t0) / inner);
  }
  const m = median(ts);
  console.log(`  ${label.padEnd(46)} ${name === 'S' ? `${(m * 1000).toFixed(2)} µs` : `${m.toFixed(2)} ms`}`);
  return m;
}

console.log(`step breakdown, workload ${name}, ${dtype}, backend ${backend}; loadavg ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const out = core.noGrad(() => model.forward(x));
time('conv1d forward (noGrad)', () => core.noGrad(() => model.forward(x)));
time('nn.MSELoss forward (noGrad)', () => core.noGrad(() => lossFn.forward(out, y)));
time('core.mseLoss (fused) forward (noGrad)', () => core.noGrad(() => core.mseLoss(out, y)));
let loss = lossFn.forward(model.forward(x), y); // eslint-disable-line prefer-const
const fwd = time('forward with graph (conv + nn.MSELoss)', () => {
  loss = lossFn.forward(model.forward(x), y);
});
const fb = time('forward + backward', () => {
  opt.zeroGrad();
  x.grad = null;
  loss = lossFn.forward(model.forward(x), y);
  loss.backward();
});
// The step's parameter update on its own: gradients from one last backward stay in place while
// opt.step() runs repeatedly (a backward through a graph whose weights a step has since changed
// is refused by the engine, so backward and step cannot be re-timed on one kept graph).
opt.zeroGrad();
x.grad = null;
lossFn.forward(model.forward(x), y).backward();
const st = time('opt.step alone', () => opt.step());
const fmtT = (m: number): string => (name === 'S' ? `${(m * 1000).toFixed(2)} µs` : `${m.toFixed(2)} ms`);
console.log(`  => backward ~ ${fmtT(fb - fwd)}; opt.step ~ ${fmtT(st)}`);
time('whole step, nn.MSELoss', () => {
  opt.zeroGrad();
  x.grad = null;
  const l = lossFn.forward(model.forward(x), y);
  l.backward();
  opt.step();
});
time('whole step, core.mseLoss (fused)', () => {
  opt.zeroGrad();
  x.grad = null;
  const l = core.mseLoss(model.forward(x), y);
  l.backward();
  opt.step();
});
console.log(`loadavg at end ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
