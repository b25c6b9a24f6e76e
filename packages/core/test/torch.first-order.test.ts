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
import { describe, expect, it } from 'vitest';
import { type FixtureArea, checkFirstOrder, describeOnBothBackends, loadFixtures, missingOps } from './torch-fixtures.js';

const FIRST_ORDER_AREAS: FixtureArea[] = ['elementwise', 'reductions', 'linalg', 'conv', 'losses', 'movement', 'compositions'];

const files = FIRST_ORDER_AREAS.map(loadFixtures);

describeOnBothBackends(() => {
  for (const file of files) {
    describe(`PyTorch ${file.torch} fixtures: ${file.area}`, () => {
      it('has cases, each with an op Kindling implements', () => {
        expect(file.cases.length).toBeGreaterThan(0);
        expect(file.cases.filter((c) => missingOps(c).length > 0).map((c) => `${c.id}: ${missingOps(c).join(', ')}`)).toEqual([]);
      });
      it.each(file.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
        expect(checkFirstOrder(c)).toEqual([]);
      });
    });
  }
});
