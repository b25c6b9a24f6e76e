// Regression: grad() prunes the graph to what its inputs need, but the backward rules still hand
// gradients to the pruned tensors. Those parked gradients used to survive the pass and were added
// into the next pass that reached the same tensor, so a second-order result depended on which
// grad() calls came before it (hessian() of the blog's loss had its W–b blocks off by the
// gradient). References here are closed forms, not Kindling.
import { describe, expect, it } from 'vitest';
import { type Tensor, conv1d, grad, hessian, mseLoss, tensor } from '../src/index.js';

const X = [1, 0.7, 0.5, 0.3, 0.1];
const Y = [1, 0, 0];
// pred_i = Σ_j x_{i+j} w_j + b, L = (1/3) Σ_i (pred_i − y_i)²: H = (2/3) AᵀA, rows of A [x_i, x_i+1, x_i+2, 1].
const A = [0, 1, 2].map((i) => [X[i]!, X[i + 1]!, X[i + 2]!, 1]);
const H = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (2 / 3) * A.reduce((s, a) => s + a[r]! * a[c]!, 0)));

function setup() {
  const x = tensor([[X]]);
  const y = tensor([[Y]]);
  const w = tensor([[[1, 1, 1]]], { requiresGrad: true });
  const b = tensor([0.5], { requiresGrad: true });
  return { x, y, w, b, loss: (wt: Tensor, bt: Tensor) => mseLoss(conv1d(x, wt, bt), y) };
}

describe('grad() after a pruned pass', () => {
  it('gives the same second derivatives whatever grad() calls came first', () => {
    const { w, b, loss } = setup();
    const [gw, gb] = grad(loss(w, b), [w, b], { createGraph: true });
    const pick = (j: number) => gw!.reshape([3]).mul(tensor([0, 1, 2].map((i) => (i === j ? 1 : 0)))).sum();
    // d(dL/dW_j)/db: only b is captured, so the W side of the graph is pruned.
    for (let rep = 0; rep < 2; rep++) {
      [0, 1, 2].forEach((j) => expect(grad(pick(j), [b])[0]!.item()).toBeCloseTo(H[j]![3]!, 14));
    }
    for (let rep = 0; rep < 2; rep++) {
      const [d] = grad(gb!.sum(), [w]);
      (d!.toArray() as number[][][])[0]![0]!.forEach((v, j) => expect(v).toBeCloseTo(H[3]![j]!, 14));
    }
    const [dw, db] = grad(pick(0), [w, b]);
    (dw!.toArray() as number[][][])[0]![0]!.forEach((v, j) => expect(v).toBeCloseTo(H[0]![j]!, 14));
    expect(db!.item()).toBeCloseTo(H[0]![3]!, 14);
  });

  it("hessian() of the blog's loss in (W, b) is (2/3)·AᵀA, block by block", () => {
    const { w, b, loss } = setup();
    const blocks = hessian(loss, [w, b]) as Tensor[][];
    const ww = Array.from(blocks[0]![0]!.dataSync()), wb = Array.from(blocks[0]![1]!.dataSync());
    const bw = Array.from(blocks[1]![0]!.dataSync()), bb = blocks[1]![1]!.dataSync()[0]!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) expect(Math.abs(ww[i * 3 + j]! - H[i]![j]!)).toBeLessThan(1e-15);
      expect(Math.abs(wb[i]! - H[i]![3]!)).toBeLessThan(1e-15);
      expect(Math.abs(bw[i]! - H[3]![i]!)).toBeLessThan(1e-15);
    }
    expect(Math.abs(bb - H[3]![3]!)).toBeLessThan(1e-15);
  });
});
