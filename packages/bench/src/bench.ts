/**
 * `pnpm bench`: one conv1d training step (forward + MSE + backward for dX, dW, db + SGD) on
 * workloads S (the blog, 201 epochs), M and L, Kindling side by side with its peers.
 *
 *   tsx packages/bench/src/bench.ts [--quick] [--json] [--memory] [--only=S,M,L] [--peers=a,b]
 *
 * For each workload every tool is set up from identical numbers and runs the verification
 * steps (which double as warm-up); its state is checked against the float64 naive reference
 * (or, at L in --quick, against a pivot peer). Then the tools are timed alternately (one sample
 * of each in turn). After the timed steps every tool that can do so cheaply is topped up to the
 * same step count and checked again (S: against the float64 reference at that count; M/L:
 * against a pivot tool, kindling-f64 by preference). Tools slower than the workload's `slowMs`
 * get one sample: their verification step.
 *
 * --json prints one JSON object on stdout (progress goes to stderr):
 *   { "workloads": [{ "name", "tool", "msPerStep", "gflops", "agrees", ...extra }], ... }
 * --memory also runs src/memory.ts in a child process and reports the memory targets.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { BLOG_STEPS, blogWorkload, flopsPerStep, makeWorkload, SPEC_L, SPEC_M } from './data.js';
import type { ConvSpec, ConvWorkload, TrainState } from './data.js';
import { compareStates, referenceState } from './reference.js';
import type { Agreement } from './reference.js';
import type { BenchPeer, PeerFactory } from './peer.js';
import { kindlingFactory, naiveJsFactory, numpyFactory, tfjsFactory } from './peer.js';
import { runAlternating } from './timing.js';
import type { AlternatingEntry, SamplePlan, Stats } from './timing.js';
import { summarize } from './timing.js';
import type { MemoryReport } from './memory.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const json = args.includes('--json');
const withMemory = args.includes('--memory');
const argVal = (k: string): string[] | undefined =>
  args.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3).split(',').filter(Boolean);
const only = argVal('only');
const onlyPeers = argVal('peers');

/** Progress and the human-readable report; with --json it goes to stderr so stdout is pure JSON. */
const say = (s = ''): void => {
  (json ? process.stderr : process.stdout).write(s + '\n');
};

/**
 * The Kindling row the M/L targets are measured on: float32, wasm kernels, 2 threads (core's
 * enableThreads), as NumPy uses 2 BLAS threads. The single-threaded kindling-f32 row is shown too.
 */
const HEADLINE_F32 = 'kindling-f32-2t';

/** Warm-up time per tool before its timed samples. */
const WARMUP_MS = quick ? 600 : 2000;

interface WorkloadCase {
  wl: ConvWorkload;
  /** Steps for the first agreement check (also the warm-up). */
  verifySteps: number;
  /** Check the verify state against the float64 naive reference (else against a pivot tool). */
  useReference: boolean;
  /** Steps per sample for every tool (S: whole 201-epoch runs); else sized from targetSampleMs. */
  fixedStepsPerSample?: number;
  samples: number;
  /** Target duration of one sample (ms); steps per sample is sized from the verify run. */
  targetSampleMs: number;
  /** Tools slower than this (ms/step, from the verify run) get one sample: the verify step. */
  slowMs: number;
  /** Most ms a tool may spend being topped up to the common step count after timing. */
  topUpBudgetMs: number;
  unit: 'us' | 'ms';
  /** Ratios are peer time / this tool's time. */
  baseline: string;
}

const cases: WorkloadCase[] = [
  {
    wl: blogWorkload('float64'),
    verifySteps: BLOG_STEPS,
    useReference: true,
    fixedStepsPerSample: BLOG_STEPS,
    samples: 31, // cheap (201 epochs of a 4-parameter model per sample), and V8 needs them to warm up
    targetSampleMs: 0,
    slowMs: Infinity,
    topUpBudgetMs: Infinity,
    unit: 'us',
    baseline: 'kindling-f64',
  },
  {
    wl: makeWorkload(SPEC_M),
    verifySteps: 1,
    useReference: true,
    samples: quick ? 5 : 11,
    targetSampleMs: quick ? 300 : 1500,
    slowMs: quick ? 2_000 : 5_000,
    topUpBudgetMs: quick ? 2_000 : 15_000,
    unit: 'ms',
    baseline: HEADLINE_F32,
  },
  {
    wl: makeWorkload(SPEC_L),
    verifySteps: 1,
    useReference: !quick, // the naive float64 reference at L takes about a minute per step
    samples: quick ? 2 : 5,
    targetSampleMs: quick ? 0 : 5000,
    slowMs: quick ? 8_000 : 30_000,
    topUpBudgetMs: quick ? 0 : 30_000,
    unit: 'ms',
    baseline: HEADLINE_F32,
  },
];

const nativeCpuSkip = (spec: ConvSpec, q: boolean): string | undefined =>
  q && spec.name !== 'S' ? '--quick: tfjs-cpu conv gradients take 10+ s/step at M, minutes at L' : undefined;
const notQuick = (spec: ConvSpec, q: boolean): string | undefined => (q && spec.name !== 'S' ? 'not run with --quick' : undefined);
const naiveSkip = (spec: ConvSpec, q: boolean): string | undefined =>
  spec.name === 'L' ? 'not run at L (naive loops, about 1 min/step)' : notQuick(spec, q);

/** Kindling first; ratios divide by kindling-f32-2t (S: kindling-f64). */
export const factories: PeerFactory[] = [
  kindlingFactory('float32', 'auto', undefined, 2),
  // Timed in the same process as kindling-f32-2t, the two configurations share V8's feedback for
  // the kernels' copy loops and the 2-thread row loses ~40% at M; so the 1-thread row runs on its
  // own, when asked for by name.
  kindlingFactory('float32', 'auto', (spec) =>
    onlyPeers?.includes('kindling-f32') || spec.name === 'S' ? undefined : 'run it alone: --peers=kindling-f32 (shares JIT state with kindling-f32-2t)'),
  kindlingFactory('float64', 'auto', (spec, q) => (q && spec.name === 'L' ? '--quick (float64 runs on JS kernels: ~40 s/step at L)' : undefined)),
  kindlingFactory('float32', 'js', (_s, q) => (q ? 'not run with --quick' : undefined)),
  tfjsFactory('wasm', 'custom'),
  tfjsFactory('cpu', 'native', nativeCpuSkip),
  tfjsFactory('cpu', 'custom', notQuick),
  numpyFactory(),
  numpyFactory(1),
  naiveJsFactory(naiveSkip),
];

/** Preference order of the tool the post-timing check compares against (M, L). */
const PIVOTS = ['kindling-f64', 'numpy', 'numpy-1t', 'tfjs-wasm'];

interface Row {
  workload: string;
  tool: string;
  backend?: string;
  stats?: Stats;
  stepsPerSample?: number;
  gflops?: number;
  ratio?: number;
  agrees?: boolean;
  /** Verify check (after verifySteps) and post-timing check, as text. */
  check: string;
  note?: string;
  unit: 'us' | 'ms';
  totalSteps?: number;
}

function fmt(v: number, unit: 'us' | 'ms'): string {
  const x = unit === 'us' ? v * 1000 : v;
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Text of a comparison; a tool whose W and b agree but whose loss does not is named as such. */
function verdict(got: TrainState, want: TrainState, a: Agreement): string {
  if (a.ok) return `ok ${a.maxRel.toExponential(0)}`;
  const wb = compareStates({ ...got, loss: want.loss }, want, 1e-3);
  return wb.ok ? `W,b ok ${wb.maxRel.toExponential(0)} but LOSS off ${a.maxRel.toExponential(0)}` : `MISMATCH ${a.detail}`;
}

interface Live {
  fac: PeerFactory;
  peer: BenchPeer;
  verifyMsPerStep: number;
  verifyState: TrainState;
  steps: number;
  slow: boolean;
  backend?: string;
}

async function runCase(c: WorkloadCase, facs: PeerFactory[]): Promise<Row[]> {
  const { wl } = c;
  const rows: Row[] = [];
  const live: Live[] = [];
  const log = (s: string): void => say(`  [${wl.name}] ${s}`);

  for (const fac of facs) {
    const why = fac.unavailable?.() ?? fac.skip?.(wl, quick);
    if (why) {
      rows.push({ workload: wl.name, tool: fac.name, note: `skipped: ${why}`, check: '-', unit: c.unit });
      continue;
    }
    try {
      const peer = await fac.create(wl);
      await peer.before?.();
      const t0 = performance.now();
      const ms = await peer.sample(c.verifySteps);
      const wall = performance.now() - t0;
      const state = await peer.readState();
      const backend = peer.backend;
      log(`${fac.name}${backend ? ` (${backend})` : ''}: ${c.verifySteps} verify step(s) in ${wall.toFixed(0)} ms`);
      const perStep = ms / c.verifySteps;
      live.push({ fac, peer, verifyMsPerStep: perStep, verifyState: state, steps: c.verifySteps, slow: perStep > c.slowMs, ...(backend ? { backend } : {}) });
    } catch (e) {
      rows.push({ workload: wl.name, tool: fac.name, note: `failed: ${(e as Error).message.split('\n')[0]}`, check: '-', unit: c.unit });
    }
  }

  // 1. Agreement after the verification steps.
  let want: TrainState | undefined;
  let wantName = 'ref';
  if (c.useReference) {
    const t0 = performance.now();
    want = referenceState(wl, c.verifySteps);
    log(`float64 reference (${c.verifySteps} step(s)): ${(performance.now() - t0).toFixed(0)} ms`);
  } else {
    const pivot = PIVOTS.map((p) => live.find((l) => l.fac.name === p)).find(Boolean) ?? live[0];
    if (pivot) {
      want = pivot.verifyState;
      wantName = pivot.fac.name;
    }
  }
  const verifyOk = new Map<string, boolean>();
  const verifyText = new Map<string, string>();
  for (const l of live) {
    if (!want) break;
    if (!c.useReference && l.fac.name === wantName) {
      verifyOk.set(l.fac.name, true);
      verifyText.set(l.fac.name, `@${c.verifySteps}: pivot`);
      continue;
    }
    const a = compareStates(l.verifyState, want, 1e-3);
    verifyOk.set(l.fac.name, a.ok);
    verifyText.set(l.fac.name, `@${c.verifySteps} vs ${wantName}: ${verdict(l.verifyState, want, a)}`);
    log(`${l.fac.name} vs ${wantName} after ${c.verifySteps} step(s): ${a.detail}`);
  }

  // 2. Timing, alternating between tools; slow tools keep their verify step as their one sample.
  const fast = live.filter((l) => !l.slow);
  const entries: AlternatingEntry[] = fast.map((l) => {
    let plan: SamplePlan;
    // Warm-up before timing, the same wall-clock budget for every tool: JIT tiers (V8's for JS
    // and WebAssembly, including code running in worker threads) settle only after many calls.
    const warmupSteps = Math.min(2000, Math.floor(WARMUP_MS / Math.max(l.verifyMsPerStep, 1e-3)));
    if (c.fixedStepsPerSample) plan = { warmupSteps: Math.max(warmupSteps, c.fixedStepsPerSample), samples: c.samples, stepsPerSample: c.fixedStepsPerSample };
    else {
      const sps = Math.max(1, Math.min(1000, Math.round(c.targetSampleMs / Math.max(l.verifyMsPerStep, 1e-3))));
      plan = { warmupSteps, samples: c.samples, stepsPerSample: sps };
    }
    return { tool: l.peer, plan };
  });
  log(`timing ${entries.map((e) => `${e.tool.name} ${e.plan.samples}x${e.plan.stepsPerSample}`).join(', ')}`);
  const stats = await runAlternating(entries);
  for (const e of entries) {
    const l = fast.find((f) => f.peer === e.tool)!;
    l.steps += e.plan.warmupSteps + e.plan.samples * e.plan.stepsPerSample;
  }

  // 3. Agreement after the timed steps: top up to a common count, compare.
  const post = new Map<string, { ok: boolean; text: string }>();
  if (fast.length) {
    const common = Math.max(...fast.map((l) => l.steps));
    const checked: Array<{ l: Live; state: TrainState }> = [];
    for (const l of fast) {
      const missing = common - l.steps;
      const cost = missing * stats.get(l.peer.name)!.median;
      if (missing > 0 && cost > c.topUpBudgetMs) {
        post.set(l.fac.name, { ok: true, text: `not re-checked after timing (top-up ${missing} steps ~${(cost / 1000).toFixed(0)} s)` });
        continue;
      }
      if (missing > 0) {
        await l.peer.before?.();
        await l.peer.sample(missing);
        l.steps += missing;
      }
      checked.push({ l, state: await l.peer.readState() });
    }
    let ref: TrainState | undefined;
    let refName = '';
    if (wl.name === 'S') {
      ref = referenceState(wl, common);
      refName = 'ref';
    } else {
      const pivot = PIVOTS.map((p) => checked.find((x) => x.l.fac.name === p)).find(Boolean) ?? checked[0];
      if (pivot) {
        ref = pivot.state;
        refName = pivot.l.fac.name;
      }
    }
    for (const { l, state } of checked) {
      if (!ref) break;
      if (refName === l.fac.name) {
        post.set(l.fac.name, { ok: true, text: `@${common}: pivot` });
        continue;
      }
      const a = compareStates(state, ref, 1e-3);
      post.set(l.fac.name, { ok: a.ok, text: `@${common} vs ${refName}: ${verdict(state, ref, a)}` });
      log(`${l.fac.name} vs ${refName} after ${common} steps: ${a.detail}`);
    }
  }

  // 4. Rows.
  const flops = flopsPerStep(wl);
  for (const l of live) {
    const s = l.slow ? summarize([l.verifyMsPerStep], c.verifySteps) : stats.get(l.peer.name)!;
    const p = post.get(l.fac.name);
    const checks = [verifyText.get(l.fac.name), p?.text].filter(Boolean) as string[];
    rows.push({
      workload: wl.name,
      tool: l.fac.name,
      ...(l.backend ? { backend: l.backend } : {}),
      stats: s,
      stepsPerSample: l.slow ? c.verifySteps : entries.find((e) => e.tool === l.peer)!.plan.stepsPerSample,
      gflops: flops / (s.median * 1e6),
      agrees: (verifyOk.get(l.fac.name) ?? false) && (p?.ok ?? true),
      check: checks.join('; ') || '-',
      ...(l.slow ? { note: 'single sample (the verify step, no warm-up)' } : {}),
      unit: c.unit,
      totalSteps: l.steps,
    });
  }
  for (const l of live) await l.peer.close();
  const base = rows.find((r) => r.tool === c.baseline && r.stats);
  for (const r of rows) if (r.stats && base?.stats) r.ratio = r.stats.median / base.stats.median;
  // Table order: the factory order.
  const order = new Map(facs.map((f, i) => [f.name, i]));
  rows.sort((a, b) => order.get(a.tool)! - order.get(b.tool)!);
  return rows;
}

function table(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

function printTable(rows: Row[]): void {
  const head = ['wl', 'tool', 'backend', 'median', 'min-max', 'samples', 'GFLOP/s', 'ratio', 'agrees', 'check / note'];
  const body = rows.map((r) => {
    const u = r.unit === 'us' ? 'µs' : 'ms';
    if (!r.stats) return [r.workload, r.tool, '-', '-', '-', '-', '-', '-', '-', r.note ?? ''];
    const s = r.stats;
    return [
      r.workload,
      r.tool,
      r.backend ?? '',
      `${fmt(s.median, r.unit)} ${u}`,
      `${fmt(s.min, r.unit)}-${fmt(s.max, r.unit)}`,
      `${s.msPerStep.length}x${r.stepsPerSample}`,
      r.gflops! >= 10 ? r.gflops!.toFixed(1) : r.gflops!.toPrecision(2),
      r.ratio === undefined ? '-' : r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio.toFixed(2),
      r.agrees ? 'yes' : 'NO',
      [r.check, r.note].filter(Boolean).join('; '),
    ];
  });
  for (const l of table(head, body)) say(l);
}

interface Target {
  workload: string;
  target: string;
  measured: string;
  pass: boolean | null;
}

function targets(rows: Row[], mem: MemoryReport | null): Target[] {
  const out: Target[] = [];
  const get = (w: string, t: string): Row | undefined => rows.find((r) => r.workload === w && r.tool === t && r.stats);
  const ratioTarget = (w: string, peer: string, base: string, desc: string, ok: (x: number) => boolean, fmtX: (x: number) => string): void => {
    const p = get(w, peer);
    const b = get(w, base);
    if (!p || !b) {
      out.push({ workload: w, target: desc, measured: `not measured (${!b ? base : peer} not run)`, pass: null });
      return;
    }
    const x = p.stats!.median / b.stats!.median;
    const k = p.tool.startsWith('kindling') ? p : b;
    const other = k === p ? b : p;
    const notes = [!k.agrees ? `${k.tool} DISAGREES` : '', !other.agrees ? `${other.tool} disagrees` : ''].filter(Boolean).join(', ');
    // PASS needs the ratio and Kindling's agreement; a peer's own disagreement is only noted.
    out.push({ workload: w, target: desc, measured: fmtX(x) + (notes ? ` (${notes})` : ''), pass: ok(x) && !!k.agrees });
  };
  const s = get('S', 'kindling-f64');
  out.push({
    workload: 'S',
    target: 'kindling-f64 <= 3 µs/epoch',
    measured: s ? `${(s.stats!.median * 1000).toFixed(2)} µs/epoch` : 'not measured',
    pass: s ? s.stats!.median * 1000 <= 3 : null,
  });
  ratioTarget('S', 'tfjs-cpu', 'kindling-f64', 'tfjs-cpu / kindling-f64 >= 30x', (x) => x >= 30, (x) => `${x.toFixed(1)}x`);
  const k = HEADLINE_F32;
  for (const w of ['M', 'L']) {
    ratioTarget(w, 'tfjs-cpu', k, `tfjs-cpu (own gradients) / ${k} >= 50x`, (x) => x >= 50, (x) => `${x.toFixed(1)}x`);
    ratioTarget(w, 'tfjs-wasm', k, `tfjs-wasm / ${k} >= 1.5x`, (x) => x >= 1.5, (x) => `${x.toFixed(2)}x`);
    ratioTarget(w, k, 'numpy', `${k} / numpy (2 BLAS threads) <= 1.5 (within 1.5x of NumPy)`, (x) => x <= 1.5, (x) => `${x.toFixed(2)}`);
  }
  if (mem) {
    out.push({
      workload: 'M',
      target: 'peak RSS of a step <= 2x its tensors',
      measured: `${(mem.steadyPeakOverBaseline / 2 ** 20).toFixed(1)} MiB = ${mem.peakRatio.toFixed(2)}x of ${(mem.tensorBytes / 2 ** 20).toFixed(1)} MiB (first step ${(mem.firstPeakOverBaseline / 2 ** 20).toFixed(1)} MiB)`,
      pass: mem.peakRatio <= 2,
    });
    out.push({ workload: 'M', target: 'no growth over 1,000 steps', measured: mem.growthSummary, pass: mem.noGrowth });
  } else {
    out.push({ workload: 'M', target: 'memory (peak <= 2x tensors; no growth)', measured: 'not measured: run with --memory', pass: null });
  }
  return out;
}

function runMemory(): MemoryReport | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  say('\nmemory: running src/memory.ts in a child process (node --expose-gc --import tsx) ...');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, 'memory.ts'), '--json'], {
    cwd: path.dirname(here),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) {
    say(`memory: child failed (status ${r.status}): ${r.error?.message ?? ''}`);
    return null;
  }
  const rep = JSON.parse(r.stdout) as MemoryReport;
  for (const l of rep.lines) say(l);
  return rep;
}

const loadavg = (): number[] => os.loadavg().map((x) => Number(x.toFixed(2)));

async function main(): Promise<void> {
  const facs = onlyPeers ? factories.filter((f) => onlyPeers.includes(f.name)) : factories;
  const sel = only ? cases.filter((c) => only.includes(c.wl.name)) : cases;
  const t0 = performance.now();
  const load0 = loadavg();
  say(`Kindling conv1d training-step benchmark${quick ? ' (--quick)' : ''}: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  say('one step = conv1d forward + MSE + backward (dX, dW, db) + SGD; GFLOP/s counts 3 x 2*N*Cout*Lout*Cin*K per step');
  say(`load average at start: ${load0.join(' ')}${load0[0] > 0.5 * os.cpus().length ? '  (machine busy: timings are noisy)' : ''}`);
  say('agrees: loss/W/b within 1e-3 (max relative error) of the float64 reference after the verify steps, and of the pivot tool');
  say('        (S: the reference) after the timed steps, all tools topped up to the same step count\n');
  const rows: Row[] = [];
  for (const c of sel) rows.push(...(await runCase(c, facs)));
  const mem = withMemory ? runMemory() : null;
  const load1 = loadavg();
  const seconds = (performance.now() - t0) / 1000;

  say('');
  printTable(rows);
  say('\nratio = tool median / kindling-f32-2t median (S: / kindling-f64); S times are per epoch (one step), 201 epochs per sample');
  say('\nTargets (this run):');
  const tg = targets(rows, mem);
  for (const l of table(
    ['wl', 'target', 'measured', 'result'],
    tg.map((t) => [t.workload, t.target, t.measured, t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'FAIL']),
  ))
    say(l);
  say(`\nload average at start: ${load0.join(' ')}, at end: ${load1.join(' ')}; total ${seconds.toFixed(0)} s`);

  if (json) {
    const out = {
      workloads: rows.map((r) => ({
        name: r.workload,
        tool: r.tool,
        msPerStep: r.stats ? r.stats.median : null,
        gflops: r.gflops ?? null,
        agrees: r.stats ? !!r.agrees : null,
        min: r.stats?.min ?? null,
        max: r.stats?.max ?? null,
        samples: r.stats?.msPerStep.length ?? 0,
        stepsPerSample: r.stepsPerSample ?? null,
        ratio: r.ratio ?? null,
        backend: r.backend ?? null,
        check: r.check,
        note: r.note ?? null,
      })),
      targets: tg,
      memory: mem ? { ...mem, lines: undefined } : null,
      quick,
      loadavg: { start: load0, end: load1 },
      seconds,
      node: process.version,
      cpus: os.cpus().length,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  }
}

await main();
