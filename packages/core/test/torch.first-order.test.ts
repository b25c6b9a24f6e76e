/**
 * Kindling against PyTorch 1.13: forward values and first-order gradients of every case in
 * test/fixtures/torch/*.json (regenerate with `pnpm fixtures:torch`; the tests need no torch).
 * Not here: conv_transpose.json (convTranspose1d is not in Kindling yet) and the secondOrder
 * records (they wait for grad(..., { createGraph: true })); both are documented in
 * scripts/torch-fixtures/README.md for the tests that will read them.
 *
 * Every case runs on both backends: 'wasm' has its own float32 gemm and conv1d kernels, so
 * PyTorch checks them too (with the size threshold at 0, or these small cases would fall
 * back to the JavaScript kernels).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initWasm, setBackend } from '../src/index.js';
import { setWasmMinWork } from '../src/kernels/wasm/kernels.js';
import {
  type FixtureArea, type FixtureCase, caseInputs, compareTensor, fromJson, loadFixtures, missingOps, runProgram, toleranceFor,
} from './torch-fixtures.js';

const FIRST_ORDER_AREAS: FixtureArea[] = ['elementwise', 'reductions', 'linalg', 'conv', 'losses', 'movement', 'compositions'];

function check(c: FixtureCase): string[] {
  const tol = toleranceFor(c);
  const inputs = caseInputs(c);
  const out = runProgram(c, inputs);
  const problems: string[] = [];
  const fwd = compareTensor('output', out, c.output, tol);
  if (fwd) problems.push(fwd);
  out.backward(fromJson(c.gradOutput));
  c.grads.forEach((g, i) => {
    const name = `grad of input ${i} '${c.inputs[i]!.name}'`;
    if (g === null) {
      if (inputs[i]!.grad !== null) problems.push(`${name}: PyTorch has none, Kindling has one`);
      return;
    }
    const msg = compareTensor(name, inputs[i]!.grad, g, tol);
    if (msg) problems.push(msg);
  });
  return problems;
}

const files = FIRST_ORDER_AREAS.map(loadFixtures);

for (const backend of ['js', 'wasm'] as const) {
  describe(`${backend} backend`, () => {
    beforeAll(async () => {
      if (backend === 'wasm') {
        expect(await initWasm()).toBe(true);
        setWasmMinWork(0);
      }
      setBackend(backend);
    });
    afterAll(() => {
      setBackend('js');
      setWasmMinWork();
    });

    for (const file of files) {
      describe(`PyTorch ${file.torch} fixtures: ${file.area}`, () => {
        it('has cases, each with an op Kindling implements', () => {
          expect(file.cases.length).toBeGreaterThan(0);
          expect(file.cases.filter((c) => missingOps(c).length > 0).map((c) => `${c.id}: ${missingOps(c).join(', ')}`)).toEqual([]);
        });
        it.each(file.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
          expect(check(c)).toEqual([]);
        });
      });
    }
  });
}
