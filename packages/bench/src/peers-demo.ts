/**
 * Peer benchmark: one conv1d training step (forward + MSE + backward for dX,
 * dW, db + SGD) on workloads S, M, L for every available peer.
 *
 *   npx tsx packages/bench/src/peers-demo.ts [--quick] [--only=S,M,L] [--peers=numpy,tfjs-wasm]
 *
 * For each workload: every peer is set up from identical numbers, runs the
 * verification steps (which double as warm-up) and is checked against the
 * float64 naive reference (or, where that is too slow, against the first
 * peer that ran); then all peers are timed alternately (one sample of each in
 * turn). Reports median and min-max ms/step (µs/step for S) and GFLOP/s.
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { BLOG_STEPS, blogWorkload, flopsPerStep, makeWorkload, SPEC_L, SPEC_M } from './data.js';
import type { ConvSpec, ConvWorkload, TrainState } from './data.js';
import { compareStates, referenceState } from './reference.js';
import type { BenchPeer, PeerFactory } from './peer.js';
import { naiveJsFactory, numpyFactory, tfjsFactory } from './peer.js';
import { runAlternating } from './timing.js';
import type { AlternatingEntry, SamplePlan, Stats } from './timing.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argVal = (k: string): string[] | undefined =>
  args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3).split(',').filter(Boolean);
const only = argVal('only');
const onlyPeers = argVal('peers');

interface WorkloadCase {
  wl: ConvWorkload;
  /** Steps for the agreement check (also the warm-up). */
  verifySteps: number;
  /** Check against the float64 naive reference (else against the first peer's state). */
  useReference: boolean;
  /** Steps per sample when a peer's speed is unknown/fast: S uses whole 201-step runs. */
  fixedStepsPerSample?: number;
  samples: number;
  /** Target duration of one sample (ms); steps per sample is sized from the verify run. */
  targetSampleMs: number;
  /** Peers slower than this (ms/step, from the verify run) get a single 1-step sample. */
  slowMs: number;
  unit: 'us' | 'ms';
}

const cases: WorkloadCase[] = [
  {
    wl: blogWorkload('float64'),
    verifySteps: BLOG_STEPS,
    useReference: true,
    fixedStepsPerSample: BLOG_STEPS,
    samples: quick ? 7 : 21,
    targetSampleMs: 0,
    slowMs: Infinity,
    unit: 'us',
  },
  {
    wl: makeWorkload(SPEC_M),
    verifySteps: 1,
    useReference: true,
    samples: quick ? 5 : 11,
    targetSampleMs: quick ? 400 : 1500,
    slowMs: 5_000,
    unit: 'ms',
  },
  {
    wl: makeWorkload(SPEC_L),
    verifySteps: 1,
    useReference: !quick, // naive float64 reference at L takes ~1 min per step
    samples: quick ? 3 : 7,
    targetSampleMs: quick ? 0 : 5000,
    slowMs: quick ? 20_000 : 60_000,
    unit: 'ms',
  },
];

const tooSlowNativeCpu = (spec: ConvSpec, q: boolean): string | undefined =>
  spec.name === 'L' && q ? '--quick (tfjs-cpu conv gradients take 10-19 s/step already at M)' : undefined;
const naiveOnlySM = (spec: ConvSpec): string | undefined => (spec.name === 'L' ? 'not run at L (naive loops, ~1 min/step)' : undefined);

/** The Kindling side adds its factory here (or imports runWorkload with its own list). */
export const factories: PeerFactory[] = [
  numpyFactory(),
  numpyFactory(1),
  tfjsFactory('wasm', 'custom'),
  tfjsFactory('cpu', 'custom'),
  tfjsFactory('cpu', 'native', tooSlowNativeCpu),
  naiveJsFactory(naiveOnlySM),
];

interface Row {
  workload: string;
  peer: string;
  stats?: Stats;
  stepsPerSample?: number;
  gflops?: number;
  check?: string;
  note?: string;
  unit: 'us' | 'ms';
}

function fmt(v: number, unit: 'us' | 'ms'): string {
  const x = unit === 'us' ? v * 1000 : v;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

async function runCase(c: WorkloadCase, facs: PeerFactory[]): Promise<Row[]> {
  const { wl } = c;
  const rows: Row[] = [];
  const live: Array<{ fac: PeerFactory; peer: BenchPeer; verifyMsPerStep: number; state: TrainState }> = [];
  const log = (s: string): void => console.log(`  [${wl.name}] ${s}`);

  for (const fac of facs) {
    const why = fac.unavailable?.() ?? fac.skip?.(wl, quick);
    if (why) {
      rows.push({ workload: wl.name, peer: fac.name, note: `skipped: ${why}`, unit: c.unit });
      continue;
    }
    try {
      const peer = await fac.create(wl);
      await peer.before?.();
      const t0 = performance.now();
      const ms = await peer.sample(c.verifySteps);
      const wall = performance.now() - t0;
      const state = await peer.readState();
      log(`${fac.name}: ${c.verifySteps} verify step(s) in ${wall.toFixed(0)} ms`);
      live.push({ fac, peer, verifyMsPerStep: ms / c.verifySteps, state });
    } catch (e) {
      rows.push({ workload: wl.name, peer: fac.name, note: `failed: ${(e as Error).message.split('\n')[0]}`, unit: c.unit });
    }
  }

  // Agreement after the verification steps.
  let want: TrainState | undefined;
  let wantName = 'ref';
  if (c.useReference) {
    const t0 = performance.now();
    want = referenceState(wl, c.verifySteps);
    log(`float64 reference: ${(performance.now() - t0).toFixed(0)} ms`);
  } else if (live.length) {
    want = live[0].state;
    wantName = live[0].fac.name;
  }
  const checks = new Map<string, string>();
  for (const l of live) {
    if (!want) break;
    if (!c.useReference && l === live[0]) {
      checks.set(l.fac.name, 'pivot');
      continue;
    }
    const a = compareStates(l.state, want, 1e-3);
    const wb = compareStates({ ...l.state, loss: want.loss }, want, 1e-3);
    const verdict = a.ok
      ? `ok ${a.maxRel.toExponential(0)}`
      : wb.ok
        ? `W,b ok ${wb.maxRel.toExponential(0)}; LOSS off ${a.maxRel.toExponential(0)}`
        : `MISMATCH (${a.detail})`;
    checks.set(l.fac.name, `${verdict}${c.useReference ? '' : ` vs ${wantName}`}`);
    log(`${l.fac.name} vs ${wantName}: ${a.detail}`);
  }

  // Timing, alternating between peers.
  const entries: AlternatingEntry[] = live.map((l) => {
    let plan: SamplePlan;
    if (l.verifyMsPerStep > c.slowMs) plan = { warmupSteps: 0, samples: 1, stepsPerSample: 1 };
    else if (c.fixedStepsPerSample) plan = { warmupSteps: 0, samples: c.samples, stepsPerSample: c.fixedStepsPerSample };
    else {
      const sps = Math.max(1, Math.min(1000, Math.round(c.targetSampleMs / Math.max(l.verifyMsPerStep, 1e-3))));
      plan = { warmupSteps: 0, samples: c.samples, stepsPerSample: sps };
    }
    return { tool: l.peer, plan };
  });
  const stats = await runAlternating(entries);
  const flops = flopsPerStep(wl);
  for (const e of entries) {
    const s = stats.get(e.tool.name)!;
    rows.push({
      workload: wl.name,
      peer: e.tool.name,
      stats: s,
      stepsPerSample: e.plan.stepsPerSample,
      gflops: flops / (s.median * 1e6),
      check: checks.get(e.tool.name) ?? '-',
      unit: c.unit,
    });
  }
  for (const l of live) await l.peer.close();
  return rows;
}

function printTable(rows: Row[]): void {
  const head = ['workload', 'peer', 'median', 'min-max', 'samples', 'GFLOP/s', 'check / note'];
  const body = rows.map((r) => {
    const u = r.unit === 'us' ? 'µs' : 'ms';
    if (!r.stats) return [r.workload, r.peer, '-', '-', '-', '-', r.note ?? ''];
    const s = r.stats;
    return [
      r.workload,
      r.peer,
      `${fmt(s.median, r.unit)} ${u}`,
      `${fmt(s.min, r.unit)}-${fmt(s.max, r.unit)}`,
      `${s.msPerStep.length}x${r.stepsPerSample}`,
      r.gflops! >= 10 ? r.gflops!.toFixed(1) : r.gflops!.toPrecision(2),
      r.check ?? '',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  const facs = onlyPeers ? factories.filter((f) => onlyPeers.includes(f.name)) : factories;
  const sel = only ? cases.filter((c) => only.includes(c.wl.name)) : cases;
  console.log(
    `Kindling peer benchmark${quick ? ' (--quick)' : ''}: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
  );
  console.log('one step = conv1d forward + MSE + backward (dX, dW, db) + SGD; GFLOP/s counts 3 x 2*N*Cout*Lout*Cin*K per step');
  const load0 = os.loadavg()[0];
  console.log(`load average at start: ${load0.toFixed(2)}${load0 > 0.5 ? '  (WARNING: machine busy, timings will be noisy)' : ''}`);
  console.log('check: max relative error of loss/W/b vs the float64 reference (S: after 201 steps, M/L: after 1 step), tol 1e-3\n');
  const rows: Row[] = [];
  for (const c of sel) {
    const r = await runCase(c, facs);
    rows.push(...r);
  }
  console.log('');
  printTable(rows);
  console.log(`\nload average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
