// The packages as a user outside this repository gets them: build and `pnpm pack` core, nn, onnx
// and examples (scripts/pack.mjs), lint the tarballs with publint and attw, install them with npm
// into a scratch project in the temporary folder, and there run plain JavaScript, typecheck
// TypeScript under both module resolutions, and bundle browser entries with esbuild (one of
// them minified, with the opt-in worker threads).
// The scratch project is scripts/packaging-fixture/. Everything runs offline: the tarballs depend
// on each other and on @kindling/onnx's protobufjs, packed from the workspace's own install
// (packThirdParty), and tsc and esbuild come from the workspace.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintTarball } from '../../../scripts/lint-packages.mjs';
import { PUBLISHED, packPackages, packThirdParty, root, run } from '../../../scripts/pack.mjs';

const NODE_BUILTINS = /^(node:|fs$|fs\/|path$|path\/|worker_threads$|os$|url$|util$|child_process$|crypto$|module$|stream$|buffer$)/;

let tmp = '';
let app = '';
let tarballs: Record<string, string> = {};

/** The environment for npm and node in the scratch project: nothing inherited from pnpm or vitest. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(npm_|pnpm_|NODE_OPTIONS$|NODE_PATH$|VITEST|TSX)/i.test(k)) env[k] = v;
  }
  return env;
}

function node(args: string[]): string {
  return run(process.execPath, args, { cwd: app, env: cleanEnv() });
}

function tarList(tgz: string): string[] {
  return run('tar', ['-tzf', tgz]).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kindling-packaging-'));
  tarballs = packPackages(join(tmp, 'pack'));
  app = join(tmp, 'app');
  cpSync(join(root, 'scripts', 'packaging-fixture'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  // One command for all tarballs: nn's dependency on @kindling/core@0.1.0 is then satisfied by
  // the core tarball, and --offline guarantees the registry is never asked.
  const thirdParty = packThirdParty(join(tmp, 'pack'));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...Object.values(tarballs), ...thirdParty], {
    cwd: app,
    env: cleanEnv(),
  });
}, 240_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('packed packages', () => {
  it.each(PUBLISHED.map((p) => p.name))('%s: publint and attw report nothing', async (name) => {
    expect(await lintTarball(tarballs[name]!)).toEqual([]);
  }, 60_000);

  it.each(PUBLISHED.map((p) => p.name))('%s: ships dist (ESM, .d.ts, maps) and package.json points there', (name) => {
    const files = tarList(tarballs[name]!);
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/index.js.map');
    const extra = files.filter((f) => !/^(dist\/.+\.(js|d\.ts|js\.map)|package\.json|README\.md|LICENSE|scripts\/bin\/\w+\.mjs)$/.test(f));
    expect(extra).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
    expect(pkg.version).toBe('0.1.0');
    expect(pkg.engines).toEqual({ node: '>=20' });
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    for (const dep of Object.keys(pkg.dependencies ?? {})) if (dep.startsWith('@kindling/')) expect(pkg.dependencies[dep]).toBe('0.1.0');
    const map = JSON.parse(readFileSync(join(app, 'node_modules', name, 'dist', 'index.js.map'), 'utf8'));
    expect(map.sourcesContent?.length).toBeGreaterThan(0);
  });

  it('plain node trains the blog model from the installed packages (no TypeScript loader)', () => {
    const out = JSON.parse(node(['train.mjs']));
    expect(out.firstLoss).toBeCloseTo(2.95, 12);
    expect(out.lastLoss).toBeLessThan(0.05);
    expect(out.weight).toEqual(out.example.weight);
    expect(out.bias).toBe(out.example.bias);
    expect(out.reloaded).toEqual({ weight: out.weight, bias: out.bias });
    expect(out.example.epochs).toBe(201);
    out.weight.forEach((w: number, i: number) => expect(w).toBeCloseTo([0.68777, 0.67613, 0.93338][i]!, 4));
    expect(out.bias).toBeCloseTo(-0.78628, 4);
  });

  it("@kindling/examples' bin runs from dist with plain node", () => {
    const bin = join(app, 'node_modules', '.bin', 'kindling-blog');
    const r = spawnSync(bin, ['--epochs', '2', '--json'], { cwd: app, env: cleanEnv(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.stringify(JSON.parse(r.stdout))).toContain('history');
  });

  it.each(['bundler', 'node16'])('TypeScript typechecks a user file under moduleResolution %s (skipLibCheck off)', (mode) => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    node([tsc, '-p', `tsconfig.${mode}.json`]);
  }, 60_000);

  it('esbuild bundles core and nn for the browser with no Node built-in, and the bundle runs', async () => {
    const outfile = join(app, 'out', 'browser.js');
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['browser.mjs'],
      outfile,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => !/^(browser\.mjs|node_modules\/@kindling\/(core|nn)\/dist\/.+\.js)$/.test(f))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => NODE_BUILTINS.test(p))).toEqual([]);
    // esbuild lists every import it saw (static, dynamic with a literal specifier, require) in
    // the metafile, and cannot resolve a Node built-in for the browser; this also catches one
    // marked external by a plugin. (A string that holds a worker's source is not an import.)
    const code = readFileSync(outfile, 'utf8');
    expect(code).not.toMatch(/^\s*import\s[^;]*from\s*["'](node:|fs|path|worker_threads)|\bimport\(\s*["'](node:|fs|path|worker_threads)/m);
    const out = JSON.parse(node([outfile]));
    expect(out.backends).toEqual(['wasm']); // the wasm backend's self-registration survived tree shaking
    out.weight.forEach((w: number, i: number) => expect(w).toBeCloseTo([0.68777, 0.67613, 0.93338][i]!, 4));
  });

  it('a minified browser bundle with enableThreads names no Node built-in, and still finds worker_threads in Node', async () => {
    // Minifiers fold a specifier held in a variable back into `import("node:worker_threads")`;
    // core builds it at run time. Any Node built-in's name as a string literal, with or without
    // `node:`, would be a specifier that bundlers try to resolve and scanners flag.
    const outfile = join(app, 'out', 'browser-threads.min.js');
    const result = await build({
      absWorkingDir: app,
      entryPoints: ['browser-threads.mjs'],
      outfile,
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => !/^(browser-threads\.mjs|node_modules\/@kindling\/core\/dist\/.+\.js)$/.test(f))).toEqual([]);
    const code = readFileSync(outfile, 'utf8');
    expect(code).toContain('kindling-wasm-'); // the threads code (the workers' names) is in the bundle
    expect(code.match(/.{0,40}node:.{0,40}/g) ?? []).toEqual([]);
    expect(code.match(/.{0,40}worker_threads.{0,40}/g) ?? []).toEqual([]);
    const quoted = builtinModules.filter((name) => code.includes(`"${name}"`) || code.includes(`'${name}'`) || code.includes(`\`${name}\``));
    expect(quoted).toEqual([]);
    const out = JSON.parse(node([outfile]));
    expect(out).toEqual({ threads: 2, inUse: 2, after: 1, y: [expect.closeTo(2.2, 6), expect.closeTo(1.5, 6), expect.closeTo(0.9, 6)] });
  });
});
