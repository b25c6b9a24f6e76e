// The README's snippets run as written: the export (which writes model.onnx into the working
// directory, here a temporary one) and the ONNX Runtime session that reads it back.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('the README snippets run: export, then ONNX Runtime on another batch size', () => {
  const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const blocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  const code = `${blocks[0]}\n${blocks[1]}\nconsole.log(JSON.stringify({ dims: output.dims, bytes: bytes.length }));\n`;
  // Inside the package, so that its dependencies resolve; run with the working directory elsewhere.
  const file = fileURLToPath(new URL(`./readme-run-${process.pid}.mts`, import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'kindling-onnx-readme-'));
  writeFileSync(file, code);
  try {
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const r = spawnSync(tsx, [file], { cwd, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.dims).toEqual([3, 2]);
    expect(out.bytes).toBeGreaterThan(1000);
    expect(readFileSync(join(cwd, 'model.onnx')).length).toBe(out.bytes);
  } finally {
    rmSync(file, { force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}, 60_000);
