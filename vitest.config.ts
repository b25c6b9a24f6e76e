import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    // Vitest's default leaves one core idle (one worker on a 2-core CI machine); the slow files
    // mostly wait on child processes (npm, tsc, python, a browser), so every core gets a worker.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
