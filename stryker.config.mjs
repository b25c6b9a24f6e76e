// Mutation testing with StrykerJS, one package at a time: `pnpm mutation core|nn [glob ...]`
// (scripts/mutation.mjs sets KINDLING_MUTATION_PACKAGE). Without a glob it mutates the whole
// package's sources; with one only the matching files, e.g.
// `pnpm mutation core packages/core/src/util/options.ts`. Each package's mutants run against
// that package's own tests (vitest.mutation.config.ts). Reports go to reports/mutation/<pkg>.*.
const pkg = process.env.KINDLING_MUTATION_PACKAGE ?? 'core';
const concurrency = Number(process.env.KINDLING_MUTATION_CONCURRENCY ?? 1);
// Report and incremental-state names: the package, or KINDLING_MUTATION_REPORT for a partial run.
const report = process.env.KINDLING_MUTATION_REPORT ?? pkg;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  testRunner: 'vitest',
  // Named, because pnpm keeps the runner out of reach of Stryker's own plugin search.
  plugins: ['@stryker-mutator/vitest-runner', './scripts/stryker-survivors.mjs'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // The engine and the layers. Not the WebAssembly backend (kernels/wasm: generated WAT, the
  // arena, the worker threads): its tests are wasm and thread tests, left out of the mutation
  // suite, and every kernel there is checked against the JS reference kernels, which are mutated.
  // Not nn's io/node.ts: a thin node:fs wrapper over the tested safetensors codec.
  mutate: pkg === 'nn' ? ['packages/nn/src/**/*.ts', '!packages/nn/src/io/node.ts'] : ['packages/core/src/**/*.ts', '!packages/core/src/kernels/wasm/**'],
  // Each mutant runs only the tests that reached it; mutants in code that runs at import time
  // (tables, constants) would need every test, so they are skipped rather than run for hours.
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  // Mutants that do not typecheck still run (vitest strips types); Stryker does not add
  // @ts-nocheck to the sources.
  disableTypeChecks: false,
  // One sandbox unless KINDLING_MUTATION_CONCURRENCY says more: the machines this runs on are shared.
  concurrency,
  // The first full run collects per-test coverage over the whole suite; give it room.
  dryRunTimeoutMinutes: 30,
  // A mutant's tests may run a few times slower than in the dry run when the machine is busy;
  // a false timeout would count as a kill, so the limit is generous.
  timeoutMS: 10_000,
  timeoutFactor: 3,
  // A second run re-tests only mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: `reports/mutation/${report}-incremental.json`,
  // Stryker copies the project into .stryker-tmp/ without any node_modules folders and links
  // only the root one; this recreates packages/*/node_modules (workspace links included).
  buildCommand: 'node scripts/mutation-sandbox.mjs',
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'docs/api', 'coverage'],
  reporters: ['clear-text', 'progress', 'html', 'json', 'survivors'],
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
};
