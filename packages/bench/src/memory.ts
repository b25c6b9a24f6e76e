/**
 * Memory of Kindling's M training step (kindling-f32, wasm backend when available), run as its
 * own process so nothing else lives in the heap:
 *
 *   node --expose-gc --import tsx packages/bench/src/memory.ts [--json] [--steps=1000] [--backend=js] [--threads=N] [--malloc=default]
 *   tsx packages/bench/src/memory.ts           (works too: gc is then enabled through v8 flags)
 *
 * Counted as "the step's tensors" (float32, bytes): x [N,Cin,L], y (target) [N,Cout,Lout],
 * W [Cout,Cin,K], b [Cout], the conv output [N,Cout,Lout], and the gradients dX, dW, db.
 *
 * Peak: the kernel's resident-set high-water mark (VmHWM in /proc/self/status), reset right
 * before the measured step by writing 5 to /proc/self/clear_refs (Linux); without that it falls
 * back to the RSS sampled after the step. Baseline: RSS after gc with modules loaded, the
 * workload's raw arrays generated and the runtime started (the wasm module and its worker
 * threads, whose RSS is reported on its own), before any Kindling tensor exists. The process
 * runs with glibc's mmap threshold pinned (see MMAP_THRESHOLD_ENV; `--malloc=default` keeps
 * glibc's settings). Reported:
 *  - first step: peak RSS during setup + the first step, minus the baseline (includes the wasm
 *    backend's memory growing to its working size and V8 compiling the code);
 *  - steady step: peak during step 11 (after 10 warm steps, gc before it), minus the baseline;
 *  - RSS / heapUsed / arrayBuffers / external (+ wasm and shared memory) after 10, 100 and 1,000 steps
 *    (gc, a yield to the ArrayBuffer sweeper and gc again before each reading), and the peak over the whole run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeWorkload, SPEC_M } from './data.js';
import { createKindlingPeer, resolveBackend } from './peers/kindling.js';
import type { KindlingBackendChoice } from './peers/kindling.js';
import { core, sharedMemoryBytes, wasmMemoryBytes } from './kindling.js';

export interface MemorySnapshot {
  steps: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  external: number;
  wasm: number;
  /** The worker threads' shared memory (a WebAssembly memory too). */
  shared: number;
}

export interface MemoryReport {
  backend: string;
  dtype: string;
  /** How the peak was measured: 'VmHWM reset via clear_refs' or 'rss sampled after steps'. */
  peakMethod: string;
  tensorBytes: number;
  tensorParts: Record<string, number>;
  baselineRss: number;
  /** RSS the started runtime (wasm module, worker threads) added before the baseline was read. */
  runtimeRss: number;
  /** Threads the wasm backend ran with (1 on js). */
  threads: number;
  /** How glibc's malloc was set up for this process (see MMAP_THRESHOLD_ENV). */
  malloc: string;
  firstPeakOverBaseline: number;
  steadyPeakOverBaseline: number;
  /** steadyPeakOverBaseline / tensorBytes (target <= 2). */
  peakRatio: number;
  snapshots: MemorySnapshot[];
  /** Peak RSS over the whole 1,000-step run, minus the baseline. */
  runPeakOverBaseline: number;
  noGrowth: boolean;
  growthSummary: string;
  msPerStep: number;
  loadavg: { start: number[]; end: number[] };
  lines: string[];
}

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function procStatus(field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resets the RSS high-water mark to the current RSS; false where the kernel does not allow it. */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return procStatus('VmHWM') !== null;
  } catch {
    return false;
  }
}

/**
 * glibc's malloc serves a large buffer with mmap and unmaps it on free, but only below a
 * threshold that rises to the size of each mmapped buffer freed (up to 32 MiB): after a step's
 * first 4 MiB temporaries are freed, the next ones come from the heap, and freed heap memory
 * stays resident. RSS then reads glibc's cache of freed buffers as well as what is allocated,
 * and the steady step's reading varied between runs of one configuration (1.7x to 3.6x the
 * tensors on one thread, 3.2x to 5.7x on two).
 * Pinning the threshold (it is read from the environment at process start) keeps every buffer
 * of 128 KiB or more on mmap, so RSS follows what is allocated. `--malloc=default` keeps
 * glibc's defaults.
 */
export const MMAP_THRESHOLD_ENV = { MALLOC_MMAP_THRESHOLD_: String(128 * 1024) };

function mallocNote(): string {
  return process.env.MALLOC_MMAP_THRESHOLD_
    ? `glibc mmap threshold pinned at ${Number(process.env.MALLOC_MMAP_THRESHOLD_) / 1024} KiB (MALLOC_MMAP_THRESHOLD_): freed buffers leave RSS at once, so it counts what is allocated`
    : "glibc defaults: freed buffers may stay resident (glibc's cache), so RSS can exceed what is allocated";
}

const MiB = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const loadavg = (): number[] => (process.platform === 'linux' ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : []);

/**
 * `threads`: the wasm backend's thread count (default: core's, the logical cores). Worker
 * threads count in the process's RSS: each is a V8 isolate of its own, and the threaded kernels
 * keep the batch's operands in a shared memory.
 */
export async function measureMemory(opts: { steps?: number; backend?: KindlingBackendChoice; threads?: number } = {}): Promise<MemoryReport> {
  const total = opts.steps ?? 1000;
  const load0 = loadavg();
  const gc = getGc();
  // V8 frees the backing stores of collected ArrayBuffers on a background sweeper: yield to the
  // event loop between two collections, so a reading does not count buffers already dead.
  const settle = async (): Promise<void> => {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    gc();
  };
  const wl = makeWorkload(SPEC_M);
  const { n: N, cin: C, cout: O, l: L, k: K, lout: T } = wl;
  const B = 4; // float32
  const tensorParts = {
    x: N * C * L * B,
    y: N * O * T * B,
    W: O * C * K * B,
    b: O * B,
    output: N * O * T * B,
    dX: N * C * L * B,
    dW: O * C * K * B,
    db: O * B,
  };
  const tensorBytes = Object.values(tensorParts).reduce((a, b) => a + b, 0);

  // The runtime the step runs on starts before the baseline, as a program's first lines would
  // start it: the wasm module and, with threads, its worker pool (started at once here rather
  // than by the first big call inside the measured steps). Each worker is a V8 isolate of its
  // own: a fixed cost of the process, reported on its own line, not part of a step.
  await settle();
  const bareRss = process.memoryUsage().rss;
  const backend = await resolveBackend(opts.backend ?? 'auto');
  core.setBackend(backend);
  const threads = backend === 'wasm' ? await core.enableThreads(opts.threads ?? core.getNumThreads()) : 1;
  await settle();
  const canReset = resetPeak();
  const baselineRss = process.memoryUsage().rss;
  const runtimeRss = baselineRss - bareRss;
  const peakNow = (): number => (canReset ? procStatus('VmHWM')! : process.memoryUsage().rss);

  const peer = await createKindlingPeer(wl, { dtype: 'float32', backend: opts.backend ?? 'auto', ...(opts.threads ? { threads: opts.threads } : {}) });
  peer.before?.();
  peer.step();
  const firstPeakOverBaseline = peakNow() - baselineRss;

  const snap = async (steps: number): Promise<MemorySnapshot> => {
    await settle();
    const m = process.memoryUsage();
    return { steps, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external, wasm: wasmMemoryBytes(), shared: sharedMemoryBytes() };
  };
  let done = 1;
  for (; done < 10; done++) peer.step();
  const snapshots: MemorySnapshot[] = [await snap(10)];

  // One steady-state step, peak measured around it alone.
  await settle();
  if (canReset) resetPeak();
  peer.step();
  done++;
  const steadyPeakOverBaseline = peakNow() - baselineRss;

  // Long run: peak over all of it, snapshots at 100 and 1,000.
  if (canReset) resetPeak();
  let maxRss = 0;
  const t0 = performance.now();
  const t0Steps = done;
  for (; done < total; ) {
    peer.step();
    done++;
    if (!canReset && done % 10 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
    if (done === 100 || done % 100 === 0 || done === total) snapshots.push(await snap(done));
  }
  const msPerStep = (performance.now() - t0) / Math.max(1, done - t0Steps);
  const runPeakOverBaseline = (canReset ? procStatus('VmHWM')! : maxRss) - baselineRss;
  await peer.close();

  // Growth from step 100 on: least-squares slope of the gc'd readings (every 100 steps), times
  // the steps run, so that RSS jitter (the allocator returning pages, or not) does not read as
  // growth but a steady leak does. "No growth": JS-visible memory (heapUsed + arrayBuffers) and
  // the WebAssembly memories grow by less than 1 MiB, RSS by less than 25% of the step's tensors.
  // arrayBuffers, not external: external is V8's running estimate, which was seen to sit one
  // 4 MiB buffer high at some gc'd readings (even 300 ms after the gc) while arrayBuffers, the
  // allocator's own count of live buffers, stayed flat.
  const late = snapshots.filter((s) => s.steps >= 100);
  const a = late[0] ?? snapshots[0];
  const z = snapshots[snapshots.length - 1];
  const trend = (f: (s: MemorySnapshot) => number): number => {
    if (late.length < 2) return f(z) - f(a);
    const mx = late.reduce((t, s) => t + s.steps, 0) / late.length;
    const my = late.reduce((t, s) => t + f(s), 0) / late.length;
    let sxy = 0;
    let sxx = 0;
    for (const s of late) {
      sxy += (s.steps - mx) * (f(s) - my);
      sxx += (s.steps - mx) ** 2;
    }
    return (sxy / sxx) * (z.steps - a.steps);
  };
  const dHeap = trend((s) => s.heapUsed + s.arrayBuffers);
  const dRss = trend((s) => s.rss);
  const dWasm = z.wasm + z.shared - (a.wasm + a.shared);
  const rssRange = late.length ? `${MiB(Math.min(...late.map((s) => s.rss)))}..${MiB(Math.max(...late.map((s) => s.rss)))}` : '-';
  const noGrowth = dHeap < 2 ** 20 && dWasm === 0 && dRss < 0.25 * tensorBytes;
  const sign = (v: number): string => (v >= 0 ? '+' : '');
  const growthSummary = `steps ${a.steps}->${z.steps} (trend): rss ${sign(dRss)}${MiB(dRss)} (range ${rssRange}), heapUsed+arrayBuffers ${sign(dHeap)}${MiB(dHeap)}, wasm+shared ${sign(dWasm)}${MiB(dWasm)}`;

  const peakRatio = steadyPeakOverBaseline / tensorBytes;
  const lines: string[] = [];
  lines.push(`memory of the M step: kindling-f32 on ${peer.backend}, ${opts.threads ? `${opts.threads} thread(s)` : `default threads (${core.getNumThreads()})`}, ${total} steps, ${msPerStep.toFixed(1)} ms/step`);
  lines.push(`  tensors counted (float32): ${Object.entries(tensorParts).map(([k, v]) => `${k} ${MiB(v)}`).join(', ')}; sum ${MiB(tensorBytes)}`);
  lines.push(`  peak method: ${canReset ? 'VmHWM, reset via /proc/self/clear_refs before the measured step' : 'rss sampled between steps (no VmHWM reset available)'}`);
  lines.push(`  allocator: ${mallocNote()}`);
  lines.push(`  baseline RSS (gc'd, modules + raw workload arrays + the started runtime, no tensors): ${MiB(baselineRss)}; the runtime (${backend}${backend === 'wasm' ? `, ${threads} thread(s) started` : ''}) took ${MiB(runtimeRss)} of it`);
  lines.push(`  peak over baseline: first step (incl. setup) ${MiB(firstPeakOverBaseline)}; steady step ${MiB(steadyPeakOverBaseline)} = ${peakRatio.toFixed(2)}x tensors -> ${peakRatio <= 2 ? 'PASS' : 'FAIL'} (target <= 2x); whole ${total}-step run ${MiB(runPeakOverBaseline)}`);
  lines.push('  after steps (gc first):  rss        heapUsed   arrayBuffers  external   wasm memory  shared (threads)');
  for (const s of snapshots.filter((x) => x.steps === 10 || x.steps === 100 || x.steps === total)) {
    lines.push(`    ${String(s.steps).padStart(5)}                 ${MiB(s.rss).padEnd(10)} ${MiB(s.heapUsed).padEnd(10)} ${MiB(s.arrayBuffers).padEnd(13)} ${MiB(s.external).padEnd(10)} ${MiB(s.wasm).padEnd(12)} ${MiB(s.shared)}`);
  }
  lines.push(`  growth ${growthSummary} -> ${noGrowth ? 'PASS' : 'FAIL'} (no growth: trend < 1 MiB JS, no wasm growth, < 25% of the tensors RSS)`);
  const load1 = loadavg();
  lines.push(`  loadavg start ${load0.join(' ')}, end ${load1.join(' ')}`);

  return {
    backend: peer.backend,
    dtype: 'float32',
    peakMethod: canReset ? 'VmHWM reset via clear_refs' : 'rss sampled after steps',
    tensorBytes,
    tensorParts,
    baselineRss,
    runtimeRss,
    threads,
    malloc: mallocNote(),
    firstPeakOverBaseline,
    steadyPeakOverBaseline,
    peakRatio,
    snapshots,
    runPeakOverBaseline,
    noGrowth,
    growthSummary,
    msPerStep,
    loadavg: { start: load0, end: load1 },
    lines,
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
const pinMalloc = isMain && process.platform === 'linux' && !process.env.MALLOC_MMAP_THRESHOLD_ && !process.argv.includes('--malloc=default');
if (pinMalloc) {
  // Run again with the threshold in the environment (glibc reads it only at start-up).
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...MMAP_THRESHOLD_ENV } });
  process.exit(r.status ?? 1);
}
if (isMain && !pinMalloc) {
  const args = process.argv.slice(2);
  const steps = Number(args.find((a) => a.startsWith('--steps='))?.slice(8) ?? 1000);
  const backend = (args.find((a) => a.startsWith('--backend='))?.slice(10) ?? 'auto') as KindlingBackendChoice;
  const threadsArg = args.find((a) => a.startsWith('--threads='))?.slice(10);
  const rep = await measureMemory({ steps, backend, ...(threadsArg ? { threads: Number(threadsArg) } : {}) });
  if (args.includes('--json')) process.stdout.write(JSON.stringify(rep) + '\n');
  else for (const l of rep.lines) console.log(l);
}
