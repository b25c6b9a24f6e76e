// The API reference: TypeDoc (typedoc.json) must find a doc comment on every public export
// (validation.notDocumented + treatWarningsAsErrors), and every `@example` in the published
// packages' doc comments, and the code on the reference's landing page, must typecheck and run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PUBLISHED, root } from '../../../scripts/pack.mjs';

function sh(cmd: string, args: string[], cwd = root): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The ```ts blocks of every @example in the doc comments of the published packages, and of docs/api-landing.md. */
function docExamples(): { where: string; code: string }[] {
  const found: { where: string; code: string }[] = [];
  for (const p of PUBLISHED) {
    for (const file of sourceFiles(join(root, 'packages', p.dir, 'src'))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (!/^\s*\*\s*@example\b/.test(lines[i]!)) continue;
        let j = i + 1;
        while (j < lines.length && !/^\s*\*\s*```ts\s*$/.test(lines[j]!)) j++;
        const code: string[] = [];
        for (j++; j < lines.length && !/^\s*\*\s*```\s*$/.test(lines[j]!); j++) code.push(lines[j]!.replace(/^\s*\* ?/, ''));
        found.push({ where: `${relative(root, file)}:${i + 1}`, code: code.join('\n') });
      }
    }
  }
  // The reference's landing page (typedoc.json's `readme`).
  const landing = join(root, 'docs', 'api-landing.md');
  const md = readFileSync(landing, 'utf8');
  for (const m of md.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    found.push({ where: `${relative(root, landing)}:${md.slice(0, m.index).split('\n').length}`, code: m[1]! });
  }
  return found;
}

const tmp = mkdtempSync(join(tmpdir(), 'kindling-doc-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('API reference', () => {
  it('TypeDoc documents every public export without a warning', () => {
    const { status, out } = sh(process.execPath, [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none']);
    expect(out.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('every @example typechecks and runs', () => {
    const examples = docExamples();
    expect(examples.length).toBeGreaterThanOrEqual(15);
    const src = (pkg: string) => join(root, 'packages', pkg, 'src');
    const paths = {
      '@kindling/core': [join(src('core'), 'index.ts')],
      '@kindling/nn': [join(src('nn'), 'index.ts')],
      '@kindling/nn/node': [join(src('nn'), 'io', 'node.ts')],
      '@kindling/onnx': [join(src('onnx'), 'index.ts')],
      '@kindling/onnx/node': [join(src('onnx'), 'node.ts')],
      '@kindling/examples': [join(src('examples'), 'index.ts')],
    };
    const files = examples.map((e, i) => {
      const name = `example-${String(i).padStart(2, '0')}.ts`;
      writeFileSync(join(tmp, name), `// ${e.where}\n${e.code}\nexport {};\n`);
      return name;
    });
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: { types: ['node'], typeRoots: [join(root, 'node_modules', '@types')], noUnusedLocals: false, paths },
      files,
    }));
    const run = files.map((f) => `console.log('>>> ${f}'); await import('./${f}');`).join('\n');
    writeFileSync(join(tmp, 'run.ts'), `${run}\nexport {};\n`);
    const tsc = sh(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tmp]);
    expect(tsc.out).toBe('');
    const tsx = sh(join(root, 'node_modules', '.bin', 'tsx'), ['--tsconfig', join(tmp, 'tsconfig.json'), join(tmp, 'run.ts')], tmp);
    const where = (out: string) => {
      const last = [...out.matchAll(/>>> (example-\d+\.ts)/g)].pop()?.[1];
      return last ? examples[files.indexOf(last)]?.where : undefined;
    };
    expect(tsx.status, `${where(tsx.out)}:\n${tsx.out}`).toBe(0);
  }, 120_000);
});
