/**
 * Small timing harness: warm-up, repeated samples, median/min/max, and an
 * alternating runner (one sample of tool A, then B, then C, ... repeated) so
 * that slow drift of the machine (thermal, other load) hits all tools alike.
 */
import { performance } from 'node:perf_hooks';

/** Something that can be timed. `sample(steps)` returns elapsed ms for `steps` steps. */
export interface Timed {
  readonly name: string;
  /** Untimed preparation before each sample (e.g. tf.setBackend). */
  before?(): void | Promise<void>;
  sample(steps: number): Promise<number>;
}

export interface SamplePlan {
  /** Steps run (untimed) before the samples. */
  warmupSteps: number;
  /**
   * Then more untimed samples of `stepsPerSample` until the warm-up has lasted this long (ms).
   * A step count from a cold first step undercounts for tools whose steps speed up by 10x as
   * V8 optimises them (the blog's 4-parameter step: ~40 µs cold, ~3 µs after ~0.5 s).
   */
  warmupMs?: number;
  /** ...but stop that timed warm-up once this many steps have run in all (a 0.4 µs step would run millions). */
  warmupMaxSteps?: number;
  samples: number;
  stepsPerSample: number;
}

export interface Stats {
  /** ms per step, one entry per sample. */
  readonly msPerStep: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Total steps run by the harness for this tool, warm-up included. */
  readonly totalSteps: number;
}

/** Wrap a synchronous step function as a Timed tool (timed with performance.now). */
export function syncTimed(name: string, step: () => void, before?: () => void | Promise<void>): Timed {
  return {
    name,
    ...(before ? { before } : {}),
    async sample(steps: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      return performance.now() - t0;
    },
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(msPerStep: readonly number[], totalSteps = NaN): Stats {
  return {
    msPerStep: [...msPerStep],
    median: median(msPerStep),
    min: msPerStep.length ? Math.min(...msPerStep) : NaN,
    max: msPerStep.length ? Math.max(...msPerStep) : NaN,
    totalSteps,
  };
}

/** Time one tool on its own: warm-up, then `samples` samples. */
export async function runTool(tool: Timed, plan: SamplePlan): Promise<Stats> {
  const out = await runAlternating([{ tool, plan }]);
  return out.get(tool.name)!;
}

export interface AlternatingEntry {
  tool: Timed;
  plan: SamplePlan;
}

/**
 * Warm every tool up (in order), then run rounds: in round r, each tool that
 * still has samples left runs one sample. Tools with fewer samples simply drop
 * out of later rounds.
 */
export async function runAlternating(
  entries: readonly AlternatingEntry[],
  onSample?: (name: string, msPerStep: number) => void,
): Promise<Map<string, Stats>> {
  const samples = new Map<string, number[]>();
  const total = new Map<string, number>();
  for (const { tool, plan } of entries) {
    samples.set(tool.name, []);
    total.set(tool.name, plan.warmupSteps);
    let warmMs = 0;
    if (plan.warmupSteps > 0) {
      await tool.before?.();
      warmMs += await tool.sample(plan.warmupSteps);
    }
    while (warmMs < (plan.warmupMs ?? 0) && total.get(tool.name)! < (plan.warmupMaxSteps ?? Infinity)) {
      await tool.before?.();
      warmMs += await tool.sample(plan.stepsPerSample);
      total.set(tool.name, total.get(tool.name)! + plan.stepsPerSample);
    }
  }
  const rounds = Math.max(0, ...entries.map((e) => e.plan.samples));
  for (let r = 0; r < rounds; r++) {
    for (const { tool, plan } of entries) {
      if (r >= plan.samples) continue;
      await tool.before?.();
      const ms = (await tool.sample(plan.stepsPerSample)) / plan.stepsPerSample;
      samples.get(tool.name)!.push(ms);
      total.set(tool.name, total.get(tool.name)! + plan.stepsPerSample);
      onSample?.(tool.name, ms);
    }
  }
  const out = new Map<string, Stats>();
  for (const { tool } of entries) out.set(tool.name, summarize(samples.get(tool.name)!, total.get(tool.name)!));
  return out;
}
