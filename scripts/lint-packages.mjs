#!/usr/bin/env node
// `pnpm lint:packages`: packs the published packages (scripts/pack.mjs) and checks each
// tarball, as users will receive it, with publint (strict, suggestions included) and
// @arethetypeswrong/cli (profile esm-only: the packages are ESM only, so CommonJS `require`
// is out of scope). Anything either tool reports fails the run.
//   node scripts/lint-packages.mjs [tarball...]   (no arguments: pack first)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPackages, root } from './pack.mjs';

/** Lints one tarball; returns the problems found as readable lines (empty: all good). */
export async function lintTarball(tarball) {
  const problems = [];
  const bytes = readFileSync(tarball);
  const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: data }, strict: true, level: 'suggestion' });
  for (const m of messages) problems.push(`publint ${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  const attw = join(root, 'node_modules', '.bin', 'attw');
  const r = spawnSync(attw, [tarball, '--profile', 'esm-only', '--format', 'ascii'], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) problems.push(`attw (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const given = process.argv.slice(2);
  const tarballs = given.length ? given : Object.values(packPackages());
  let failed = false;
  for (const t of tarballs) {
    const problems = await lintTarball(t);
    console.log(`${problems.length ? 'FAIL' : 'ok  '} ${t}`);
    for (const p of problems) console.log(`  ${p.replace(/\n/g, '\n  ')}`);
    failed ||= problems.length > 0;
  }
  if (!given.length) rmSync(dirname(tarballs[0]), { recursive: true, force: true });
  if (failed) process.exitCode = 1;
  else console.log('publint and attw report nothing.');
}
