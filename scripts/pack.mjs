#!/usr/bin/env node
// Builds and packs the published packages (@kindling/core, nn, onnx, examples) with the workspace's
// pnpm, as `pnpm publish` would: each package's `prepack` script builds dist/, and pnpm applies
// `publishConfig` (exports pointing at dist/) and rewrites `workspace:*` to the real version.
//   node scripts/pack.mjs [destDir]     (default: a fresh temporary folder; prints the tarballs)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The packages users install, in dependency order (folder under packages/, npm name). */
export const PUBLISHED = [
  { dir: 'core', name: '@kindling/core' },
  { dir: 'nn', name: '@kindling/nn' },
  { dir: 'onnx', name: '@kindling/onnx' },
  { dir: 'examples', name: '@kindling/examples' },
];

/**
 * The command that runs the workspace's pnpm: root package.json's `packageManager` through npx
 * (pnpm itself is not on PATH inside package scripts, and npm_execpath points at npm there).
 */
export function pnpm() {
  const pm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
  if (!/^pnpm@\d/.test(pm ?? '')) throw new Error(`package.json: packageManager must be pnpm@<version>, got ${pm}`);
  return { cmd: 'npx', args: ['-y', pm] };
}

/** Runs a command, throwing with its output when it fails. Returns stdout. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Builds and packs every published package into `dest`; returns { name: tarball path }. */
export function packPackages(dest = mkdtempSync(join(tmpdir(), 'kindling-pack-'))) {
  const { cmd, args } = pnpm();
  const filters = PUBLISHED.flatMap((p) => ['--filter', `./packages/${p.dir}`]);
  run(cmd, [...args, '--recursive', ...filters, 'pack', '--pack-destination', dest], { cwd: root });
  const files = readdirSync(dest);
  const tarballs = {};
  for (const p of PUBLISHED) {
    const version = JSON.parse(readFileSync(join(root, 'packages', p.dir, 'package.json'), 'utf8')).version;
    const file = `${p.name.replace('@', '').replace('/', '-')}-${version}.tgz`;
    if (!files.includes(file)) throw new Error(`pnpm pack did not write ${file} into ${dest} (found: ${files.join(', ')})`);
    tarballs[p.name] = join(dest, file);
  }
  return tarballs;
}

/**
 * Packs the registry packages the published ones depend on at run time (@kindling/onnx's
 * protobufjs and what it needs), from the workspace's own install, into `dest`: with them an
 * `npm install --offline` of the tarballs needs no registry. Returns the tarball paths.
 */
export function packThirdParty(dest) {
  const seen = new Map(); // package directory (real path) -> tarball
  const visit = (dir) => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.set(real, null);
    const pkg = JSON.parse(readFileSync(join(real, 'package.json'), 'utf8'));
    // The installed copy holds exactly the published files: a tarball of it under package/ is
    // what the registry served (npm pack would re-derive the file list and run no better offline).
    const tarball = join(dest, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
    run('tar', ['-czf', tarball, '-C', real, '--exclude=./node_modules', '--transform', 's,^\\.,package,', '.']);
    seen.set(real, tarball);
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(findInstalled(real, dep));
  };
  for (const p of PUBLISHED) {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', p.dir, 'package.json'), 'utf8'));
    for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
      if (!String(range).startsWith('workspace:')) visit(findInstalled(join(root, 'packages', p.dir), dep));
    }
  }
  return [...seen.values()];
}

/** Where Node's resolution finds package `dep` from directory `from` (node_modules upwards). */
function findInstalled(from, dep) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', dep);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`packThirdParty: ${dep} is not installed above ${from}; run pnpm install`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tarballs = packPackages(process.argv[2] ? resolve(process.argv[2]) : undefined);
  for (const t of Object.values(tarballs)) console.log(t);
}
