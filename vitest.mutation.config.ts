// The suite StrykerJS runs against each mutant (see stryker.config.mjs): the mutated package's
// own tests (KINDLING_MUTATION_PACKAGE, set by scripts/mutation.mjs: core's tests for core's
// mutants, nn's for nn's), less the ones that exercise something mutation testing leaves alone.
// The WebAssembly and worker-thread tests cover kernels/wasm/** (not mutated); the packaging
// and docs tests build tarballs and run TypeDoc (minutes each; they test the release, not the
// engine); the browser test drives a real browser.
//
// isolate: false keeps one module graph per worker across test files. Stryker builds every
// mutant into the sources at once and switches between them at run time, so re-importing that
// instrumented graph for each test file (vitest's default) only costs time: about 1.6x the run
// here. The price is that a test file which changes global state (default dtype, backend,
// thread count) must restore it, which every one of them does.
import { configDefaults, defineConfig } from 'vitest/config';

const pkg = process.env.KINDLING_MUTATION_PACKAGE ?? 'core';
if (pkg !== 'core' && pkg !== 'nn') throw new Error(`vitest.mutation.config: KINDLING_MUTATION_PACKAGE must be core or nn, got ${pkg}`);

// KINDLING_MUTATION_TESTS (comma-separated globs) narrows the suite for a quick, lower-bound
// score of a few files: fewer tests can only kill fewer mutants.
const narrowed = process.env.KINDLING_MUTATION_TESTS?.split(',').filter(Boolean);

export default defineConfig({
  test: {
    include: narrowed?.length ? narrowed : [`packages/${pkg}/test/**/*.test.ts`],
    exclude: [
      ...configDefaults.exclude,
      'packages/*/test/**/*wasm*.test.ts',
      'packages/*/test/**/*threads*.test.ts',
      'packages/*/test/**/packaging*.test.ts',
      'packages/*/test/**/*docs*.test.ts',
    ],
    testTimeout: 60_000,
    isolate: false,
  },
});
