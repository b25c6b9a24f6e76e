#!/usr/bin/env node
// Stryker's buildCommand, run inside its sandbox (.stryker-tmp/sandbox-*). The sandbox is a
// copy of the project without node_modules folders, plus a link to the root one, so
// `@kindling/core` (a link in packages/nn/node_modules) and per-package dependencies such as
// bench's TensorFlow.js would not resolve. This recreates every packages/*/node_modules entry:
// workspace links point at the sandbox's own (mutated) packages, anything else at the original.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

const sandbox = process.cwd();
// The sandbox is <project>/.stryker-tmp/sandbox-*/ (tempDirName in stryker.config.mjs); Stryker
// links the root node_modules only after this command has run, so it cannot lead the way back.
const original = resolve(sandbox, '..', '..');
if (!/^sandbox-/.test(basename(sandbox)) || !existsSync(join(original, 'stryker.config.mjs'))) {
  console.error(`mutation-sandbox: ${sandbox} is not a Stryker sandbox inside the project`);
  process.exit(1);
}

function link(from, sandboxEntry) {
  if (existsSync(sandboxEntry)) return;
  let target = from;
  if (lstatSync(from).isSymbolicLink()) {
    const dest = resolve(dirname(from), readlinkSync(from));
    // A workspace package: the same package in the sandbox, which is the one being mutated.
    if (dest.startsWith(join(original, 'packages') + sep) && !dest.includes(`${sep}node_modules${sep}`)) {
      target = join(sandbox, relative(original, dest));
    }
  }
  mkdirSync(dirname(sandboxEntry), { recursive: true });
  symlinkSync(relative(dirname(sandboxEntry), target), sandboxEntry);
}

let count = 0;
for (const pkg of readdirSync(join(original, 'packages'))) {
  const modules = join(original, 'packages', pkg, 'node_modules');
  if (!existsSync(modules) || !existsSync(join(sandbox, 'packages', pkg))) continue;
  for (const name of readdirSync(modules)) {
    const entries = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(name, n)) : [name];
    for (const e of entries) {
      link(join(modules, e), join(sandbox, 'packages', pkg, 'node_modules', e));
      count++;
    }
  }
}
console.log(`mutation-sandbox: linked ${count} package dependencies into ${sandbox}`);
