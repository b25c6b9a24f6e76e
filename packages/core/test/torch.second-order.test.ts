/**
 * Kindling against PyTorch 1.13, second order: every float64 case of
 * test/fixtures/torch/*.json carries a `secondOrder` record (scripts/torch-fixtures/README.md):
 * PyTorch's double backward of ⟨gradOutput, out⟩ along random directions v, with respect to
 * every input and to gradOutput itself. Kindling replays it with grad(..., { createGraph: true })
 * and must agree to 1e-10 (mixed absolute / relative, as the first-order test).
 *
 * conv_transpose.json is checked here at first order too (forward values and gradients, float64
 * and float32): torch.first-order.test.ts predates convTranspose1d and leaves that file out.
 *
 * Everything runs on both backends: 'wasm' has its own conv1d kernels (the transposed
 * convolution is conv1d's input-gradient kernel), with the size threshold at 0 so that these
 * small cases reach them.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_AREAS, checkFirstOrder, checkSecondOrder, describeOnBothBackends, loadFixtures, missingOps } from './torch-fixtures.js';

const files = FIXTURE_AREAS.map(loadFixtures);
const convTranspose = files.find((f) => f.area === 'conv_transpose')!;

describeOnBothBackends(() => {
  describe(`PyTorch ${convTranspose.torch} fixtures: conv_transpose, first order`, () => {
    it('has float64 and float32 cases, each with ops Kindling implements', () => {
      expect(convTranspose.cases.filter((c) => c.dtype === 'float64').length).toBeGreaterThan(0);
      expect(convTranspose.cases.filter((c) => c.dtype === 'float32').length).toBeGreaterThan(0);
      expect(convTranspose.cases.filter((c) => missingOps(c).length > 0).map((c) => c.id)).toEqual([]);
    });
    it.each(convTranspose.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
      expect(checkFirstOrder(c)).toEqual([]);
    });
  });

  for (const file of files) {
    describe(`PyTorch ${file.torch} fixtures: ${file.area}, second order`, () => {
      const cases = file.cases.filter((c) => c.dtype === 'float64');
      it('every float64 case (and only those) has a secondOrder record', () => {
        expect(cases.length).toBeGreaterThan(0);
        expect(cases.filter((c) => c.secondOrder === null).map((c) => c.id)).toEqual([]);
        expect(file.cases.filter((c) => c.dtype !== 'float64' && c.secondOrder !== null).map((c) => c.id)).toEqual([]);
        expect(file.cases.filter((c) => missingOps(c).length > 0).map((c) => c.id)).toEqual([]);
      });
      it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
        expect(checkSecondOrder(c)).toEqual([]);
      });
    });
  }
});
