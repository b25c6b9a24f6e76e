import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that take 20-50 s each (they build, pack and npm-install the packages, run TypeDoc,
// start PyTorch, spawn the example CLIs, drive a browser), longest first. A fresh clone has no
// timing cache, so vitest would order files by size and these short files would start last,
// leaving one worker busy for a minute after the other finished: run them first instead.
const SLOW_FIRST = [
  'packages/core/test/packaging.test.ts',
  'packages/core/test/packaging.docs.test.ts',
  'packages/bench/test/agree.test.ts',
  'packages/examples/test/cli-terminal.test.ts',
  'packages/playground/test/browser.test.ts',
  'packages/examples/test/cli.test.ts',
];

class SlowFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((s) => f.moduleId.replaceAll('\\', '/').endsWith(s));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order (cached durations, then size).
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    // Vitest's default leaves one core idle (one worker on a 2-core CI machine); the slow files
    // mostly wait on child processes (npm, tsc, python, a browser), so every core gets a worker.
    maxWorkers: Math.max(2, availableParallelism()),
    sequence: { sequencer: SlowFirst },
  },
});
