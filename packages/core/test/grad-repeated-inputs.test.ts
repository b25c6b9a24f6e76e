/**
 * Regression tests for two bugs found while writing the second-order tests (values worked out
 * by hand, as PyTorch gives them):
 *
 * 1. grad(outputs, [x, x]): an input listed twice must get its gradient at every position
 *    (it used to get it only at the last; allowUnused then returned null for a used input).
 * 2. vjp / jvp / hvp / hessian with createGraph and one tensor passed twice: each position must
 *    be a distinct argument (torch's `inp.view_as(inp)`), so results do not depend on the flag.
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
