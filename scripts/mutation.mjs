#!/usr/bin/env node
// `pnpm mutation [core|nn] [glob ...]`: StrykerJS with stryker.config.mjs, one package at a time
// against that package's own tests. Without a package, core then nn. Globs (files or patterns
// under the repository root) narrow what is mutated, e.g.
// `pnpm mutation core packages/core/src/util/options.ts`. KINDLING_MUTATION_CONCURRENCY=2 runs
// two sandboxes. Survivors stream to reports/mutation/<package>-survivors.txt as they are found;
// a second run is incremental (reports/mutation/<package>-incremental.json).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const stryker = join(dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');

let args = process.argv.slice(2).filter((a) => a !== '--');
if (args.some((g) => g.startsWith('-'))) {
  console.error('usage: pnpm mutation [core|nn] [glob ...]   (options go in stryker.config.mjs)');
  process.exit(2);
}
let packages = ['core', 'nn'];
if (args[0] === 'core' || args[0] === 'nn') {
  packages = [args[0]];
  args = args.slice(1);
} else if (args.length) {
  // Globs without a package: the package each glob names.
  packages = packages.filter((p) => args.some((g) => g.includes(`packages/${p}/`)));
}
for (const pkg of packages) {
  const mine = args.filter((g) => g.includes(`packages/${pkg}/`) || !/packages\/\w+\//.test(g));
  const cmd = [stryker, 'run', 'stryker.config.mjs'];
  // Stryker takes one comma-separated --mutate list.
  if (mine.length) cmd.push('--mutate', mine.join(','));
  console.log(`\n== mutation testing ${pkg}${mine.length ? `: ${mine.join(', ')}` : ''}`);
  // Property tests that read FC_NUM_RUNS draw 10 cases per mutant instead of 40-150: a mutant
  // that survives 10 random cases and every example-based test counts as a survivor, so the
  // score is, if anything, lower than the full suite's.
  const env = { FC_NUM_RUNS: '10', ...process.env, KINDLING_MUTATION_PACKAGE: pkg };
  const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
