#!/usr/bin/env node
// `pnpm build`: compiles the published packages to dist/ (ESM .js, .d.ts, source maps), in
// dependency order, each from a clean dist/. Development and tests never need this: inside the
// workspace the packages resolve to their TypeScript sources (see README, "Packaging").
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED, root, run } from './pack.mjs';

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
for (const p of PUBLISHED) {
  const dir = join(root, 'packages', p.dir);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  // tsconfig.build.json first, then any tsconfig.build.<part>.json (examples' command lines).
  const configs = readdirSync(dir).filter((f) => /^tsconfig\.build(\.[\w-]+)?\.json$/.test(f)).sort((a, b) => a.length - b.length);
  for (const c of configs) run(process.execPath, [tsc, '-p', join(dir, c)], { stdio: 'inherit' });
  console.log(`built ${p.name} -> packages/${p.dir}/dist`);
}
