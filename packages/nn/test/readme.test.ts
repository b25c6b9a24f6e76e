import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { noGrad } from '@kindling/core';
import { Conv1d, ReLU, Sequential } from '@kindling/nn';

it('the README snippet is the tested code, runs, and trains', async () => {
  const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
  const first = /```ts\n([\s\S]*?)```/.exec(md)![1]!;
  expect(source).toContain(first);
  const { model, x, y, lossFn, bytes } = await import('./readme-example.js');
  const fresh = new Sequential(new Conv1d(1, 4, 3, { padding: 'same', seed: 0 }), new ReLU(), new Conv1d(4, 1, 3, { padding: 'same', seed: 1 }));
  const before = noGrad(() => lossFn.forward(fresh.forward(x), y).item());
  const after = noGrad(() => lossFn.forward(model.forward(x), y).item());
  expect(after).toBeLessThan(0.5 * before);
  expect(bytes).toBeInstanceOf(Uint8Array);
});

it("the README's classifier snippet is the tested code and learns the task", async () => {
  const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const source = readFileSync(new URL('./readme-classifier-example.ts', import.meta.url), 'utf8');
  const block = /\*\*A small classifier[\s\S]*?```ts\n([\s\S]*?)```/.exec(md)![1]!;
  expect(source).toContain(block);
  const { accuracy, bytes, model } = await import('./readme-classifier-example.js');
  // A sign test on half-means: chance is 0.5; the model must clearly beat it.
  expect(accuracy).toBeGreaterThan(0.85);
  expect(model.training).toBe(false);
  expect(bytes).toBeInstanceOf(Uint8Array);
}, 60_000);
