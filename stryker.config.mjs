// Mutation testing with StrykerJS: `pnpm mutation [glob ...]` (scripts/mutation.mjs). Without a
// glob it mutates everything below; with one it mutates only the matching files, e.g.
// `pnpm mutation packages/core/src/util/options.ts`. Reports go to reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  testRunner: 'vitest',
  // Named, because pnpm keeps the runner out of reach of Stryker's own plugin search.
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // The engine and the layers. Not the WebAssembly backend: its kernels are hand-written .wat
  // assembled into module.generated.ts, and its tests are left out of the mutation suite.
  // Not nn's io/node.ts: a thin node:fs wrapper over the tested safetensors codec.
  mutate: [
    'packages/core/src/**/*.ts',
    '!packages/core/src/kernels/wasm/**',
    'packages/nn/src/**/*.ts',
    '!packages/nn/src/io/node.ts',
  ],
  // Each mutant runs only the tests that reached it; mutants in code that runs at import time
  // (tables, constants) would need every test, so they are skipped rather than run for hours.
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  // Mutants that do not typecheck still run (vitest strips types); Stryker does not add
  // @ts-nocheck to the sources.
  disableTypeChecks: false,
  // One sandbox: the machines this runs on are shared.
  concurrency: 1,
  // The first full run collects per-test coverage over the whole suite; give it room.
  dryRunTimeoutMinutes: 30,
  // Stryker copies the project into .stryker-tmp/ without any node_modules folders and links
  // only the root one; this recreates packages/*/node_modules (workspace links included).
  buildCommand: 'node scripts/mutation-sandbox.mjs',
  tempDirName: '.stryker-tmp',
  ignorePatterns: ['dist', 'docs/api', 'coverage'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
};
