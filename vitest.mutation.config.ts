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
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const pkg = process.env.KINDLING_MUTATION_PACKAGE ?? 'core';
if (pkg !== 'core' && pkg !== 'nn') throw new Error(`vitest.mutation.config: KINDLING_MUTATION_PACKAGE must be core or nn, got ${pkg}`);

// KINDLING_MUTATION_TESTS (comma-separated globs) narrows the suite for a quick, lower-bound
// score of a few files: fewer tests can only kill fewer mutants.
const narrowed = process.env.KINDLING_MUTATION_TESTS?.split(',').filter(Boolean);

// Stryker runs a mutant's covering tests with bail: 1, so a killed mutant costs the tests that
// run before the first failure. Targeted, fast files go first (the mutation-kill tests, then
// unit and example-based tests, then the PyTorch fixture tables), the broad property tests
// last; vitest's own order (largest file first) put the property tests first.
const rank = (f: TestSpecification): number => {
  const name = f.moduleId.replaceAll('\\', '/').split('/').pop()!;
  if (name.startsWith('mutation-kills.')) return 0;
  if (name.includes('.property.')) return 3;
  if (name.startsWith('torch')) return 2;
  return 1;
};

class TargetedFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: TargetedFirst },
  },
});
