/**
 * Bugs in src found while writing the second-order tests. These tests state PyTorch's
 * behaviour (values worked out by hand below) and FAIL until src is fixed; they are kept apart
 * from second-order.property.test.ts so that file stays green.
 *
 * 1. grad(outputs, [x, x]): an input listed twice gets its gradient only at its last position.
 *    runBackward's captureIndex is a Map from tensor to ONE position (backward.ts, `capture.forEach
 *    ((t, i) => captureIndex.set(t, i))`), so earlier positions stay null: grad() throws "input 0
 *    was not used", and with allowUnused: true it silently returns null for an input that was
 *    used. torch.autograd.grad(y, [x, x]) returns the gradient at both positions.
 *
 * 2. vjp / jvp / hvp / hessian with createGraph: true and one tensor that requires grad passed
 *    twice in `inputs`: prepare() (functional.ts) reuses the caller's tensor when createGraph is
 *    on, so both positions are the same tensor, and the results change with the createGraph flag
 *    (e.g. jvp of (a, b) ↦ a·b at (x, x) along ([1, 0], [0, 1]) is [1, 2] without createGraph but
 *    [0, 4] with it). torch.autograd.functional makes each input distinct (`inp.view_as(inp)` in
 *    _grad_preprocess) whatever create_graph is, so it gives the same numbers either way. Fixing
 *    (1) alone would not fix this: both positions would then get the summed gradient.
 */
import { describe, expect, it } from 'vitest';
import { grad, hessian, hvp, jvp, tensor, vjp } from '../src/index.js';
import type { Tensor } from '../src/tensor.js';
import { flatOf as flatRaw } from './arbitraries.js';

/** Row-major values with -0 written as 0 (a fix may produce either). */
const flatOf = (t: Tensor): number[] => flatRaw(t).map((v) => v + 0);

describe('grad() with the same input listed twice', () => {
  it('returns the gradient at every position (PyTorch: (2x, 2x) for y = Σx²)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.pow(2).sum();
    const gs = grad(y, [x, x]); // Kindling throws: "input 0 (shape [2]) was not used"
    expect(gs.map((g) => (g ? flatOf(g) : null))).toEqual([[2, 4], [2, 4]]);
  });

  it('allowUnused: true does not return null for an input that was used', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.pow(2).sum();
    const gs = grad(y, [x, x], { allowUnused: true }); // Kindling: [null, [2, 4]]
    expect(gs.map((g) => (g ? flatOf(g) : null))).toEqual([[2, 4], [2, 4]]);
  });

  it('also in a second-order call: d/dx of Σ 3x² listed with another input', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([5, 7], { requiresGrad: true });
    const [g] = grad(x.pow(3).sum(), x, { createGraph: true }); // 3x²
    const gs = grad(g!.mul(w).sum(), [x, w, x]); // ∂/∂x = 6x·w = [30, 84], ∂/∂w = 3x² = [3, 12]
    expect(gs.map((t) => (t ? flatOf(t) : null))).toEqual([[30, 84], [3, 12], [30, 84]]);
  });
});

describe('functional helpers with createGraph: true and one input passed twice', () => {
  // f(a, b) = a·b (elementwise) at a = b = x = [1, 2]: ∂f/∂a = diag(b), ∂f/∂b = diag(a).
  const v0 = () => tensor([1, 0]);
  const v1 = () => tensor([0, 1]);

  it('jvp: J·(v0, v1) = b·v0 + a·v1 = [1, 2]', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [, jv] = jvp((a, b) => a.mul(b), [x, x], [v0(), v1()], { createGraph: true }); // Kindling: [0, 4]
    expect(flatOf(jv)).toEqual([1, 2]);
  });

  it('vjp of Σ a·b: (b, a) = ([1, 2], [1, 2])', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [, g] = vjp((a, b) => a.mul(b).sum(), [x, x], null, { createGraph: true }); // Kindling: [[0, 0], [2, 4]]
    expect((g as Tensor[]).map(flatOf)).toEqual([[1, 2], [1, 2]]);
  });

  it('hvp of Σ a·b: H = [[0, I], [I, 0]], so H·(v0, v1) = (v1, v0)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [, hv] = hvp((a, b) => a.mul(b).sum(), [x, x], [v0(), v1()], { createGraph: true }); // Kindling: [[0, 0], [0, 2]]
    expect((hv as Tensor[]).map(flatOf)).toEqual([[0, 1], [1, 0]]);
  });

  it('hessian of Σ a·b: blocks [[0, I], [I, 0]]', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const H = hessian((a, b) => a.mul(b).sum(), [x, x], { createGraph: true }) as Tensor[][];
    expect(H.map((row) => row.map(flatOf))).toEqual([
      [[0, 0, 0, 0], [1, 0, 0, 1]],
      [[1, 0, 0, 1], [0, 0, 0, 0]],
    ]); // Kindling: [[0, 2I], [0, 2I]]
  });
});
