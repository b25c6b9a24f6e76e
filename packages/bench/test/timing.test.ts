import { describe, expect, it } from 'vitest';
import { runAlternating, type Timed } from '../src/timing.js';

/** A tool whose steps take `msPerStep(stepsSoFar)` each (no real time passes); records its calls. */
function fakeTool(name: string, msPerStep: (done: number) => number): Timed & { calls: number[]; done: number } {
  const tool = {
    name,
    calls: [] as number[],
    done: 0,
    async sample(steps: number): Promise<number> {
      tool.calls.push(steps);
      let ms = 0;
      for (let i = 0; i < steps; i++) ms += msPerStep(tool.done++);
      return ms;
    },
  };
  return tool;
}

describe('runAlternating: warm-up by steps, then by time, capped by steps', () => {
  it('warms up for warmupMs as measured by the tool, in samples of stepsPerSample, then times only the samples', async () => {
    // 10 ms per step for the first 100 steps (cold), 1 ms after: a step-count warm-up sized
    // from the cold step would stop long before the tool is warm.
    const t = fakeTool('t', (i) => (i < 100 ? 10 : 1));
    const stats = (await runAlternating([{ tool: t, plan: { warmupSteps: 10, warmupMs: 2000, samples: 3, stepsPerSample: 50 } }])).get('t')!;
    // 10 steps (100 ms), then samples of 50: 90 steps at 10 ms + ... until 2000 ms have passed
    const warm = t.calls.slice(0, -3);
    expect(warm[0]).toBe(10);
    expect(warm.slice(1).every((s) => s === 50)).toBe(true);
    const warmSteps = warm.reduce((s, v) => s + v, 0);
    let warmMs = 0;
    for (let i = 0; i < warmSteps; i++) warmMs += i < 100 ? 10 : 1;
    expect(warmMs).toBeGreaterThanOrEqual(2000);
    expect(warmMs - 50 * 10).toBeLessThan(2000); // one sample fewer would not have been enough
    expect(stats.msPerStep).toEqual([1, 1, 1]);
    expect(stats.totalSteps).toBe(warmSteps + 150);
  });

  it('stops the timed warm-up at warmupMaxSteps steps in all', async () => {
    const t = fakeTool('t', () => 0.001);
    const stats = (await runAlternating([{ tool: t, plan: { warmupSteps: 5, warmupMs: 1000, warmupMaxSteps: 205, samples: 2, stepsPerSample: 100 } }])).get('t')!;
    expect(t.calls).toEqual([5, 100, 100, 100, 100]);
    expect(stats.totalSteps).toBe(405);
  });

  it('without warmupMs, only the warmupSteps run before the samples', async () => {
    const t = fakeTool('t', () => 3);
    const stats = (await runAlternating([{ tool: t, plan: { warmupSteps: 7, samples: 2, stepsPerSample: 4 } }])).get('t')!;
    expect(t.calls).toEqual([7, 4, 4]);
    expect(stats.median).toBe(3);
    expect(stats.totalSteps).toBe(15);
  });
});
