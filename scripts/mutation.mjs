#!/usr/bin/env node
// `pnpm mutation [glob ...]`: StrykerJS with stryker.config.mjs. Globs (files or patterns under
// the repository root) narrow what is mutated, e.g. `pnpm mutation packages/core/src/util/options.ts`;
// without one, everything the config lists is mutated (hours, not minutes).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const stryker = join(dirname(require.resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');

const globs = process.argv.slice(2).filter((a) => a !== '--');
if (globs.some((g) => g.startsWith('-'))) {
  console.error('usage: pnpm mutation [glob ...]   (options go in stryker.config.mjs)');
  process.exit(2);
}
const args = [stryker, 'run', 'stryker.config.mjs'];
// Stryker takes one comma-separated --mutate list.
if (globs.length) args.push('--mutate', globs.join(','));
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
