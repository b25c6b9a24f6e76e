// One Newton step on the blog's loss with the Hessian from Kindling's autograd. Every reference
// here is built in the test from the problem's definition (the design matrix A, the normal
// equations of its 3 rows, the null vector of A by cofactors), never from the code under test.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { autogradCurvature, newtonStep, pseudoInverse, trainBlogExample } from '../src/index.js';

const X = [1.0, 0.7, 0.5, 0.3, 0.1];
const Y = [1, 0, 0];
const THETA0 = [1, 1, 1, 0.5];
const EPS = Number.EPSILON;

type M = number[][];
const rows = (x: number[]) => Array.from({ length: x.length - 2 }, (_, i) => [x[i]!, x[i + 1]!, x[i + 2]!, 1]);
const A = rows(X);
const matvec = (m: M, v: number[]) => m.map((r) => r.reduce((s, a, k) => s + a * v[k]!, 0));
const matmul = (a: M, b: M) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transpose = (m: M) => m[0]!.map((_, j) => m.map((r) => r[j]!));
const dot = (u: number[], v: number[]) => u.reduce((s, a, k) => s + a * v[k]!, 0);
const norm = (v: number[]) => Math.sqrt(dot(v, v));
const maxAbsDiff = (a: M, b: M) => Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i]![j]!))));
/** (2/n)·AᵀA, the Hessian of mean((Aθ − y)²). */
const closedFormHessian = (a: M) => matmul(transpose(a), a).map((r) => r.map((v) => (2 / a.length) * v));
const det3 = (m: M) =>
  m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
  m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
  m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
/** Solves a 3×3 system by Cramer's rule. */
const solve3 = (m: M, b: number[]) => [0, 1, 2].map((c) => det3(m.map((r, i) => r.map((v, j) => (j === c ? b[i]! : v)))) / det3(m));
/** The minimum-norm step to Aθ = y for a 3-row A of full rank: −Aᵀ(AAᵀ)⁻¹r, the normal equations of A's rows. */
const minNormStep = (theta: number[]) => {
  const r = matvec(A, theta).map((p, i) => p - Y[i]!);
  const z = solve3(matmul(A, transpose(A)), r);
  return matvec(transpose(A), z).map((v) => -v);
};
/** A vector spanning the null space of the 3×4 A: its signed 3×3 minors (a 4-d cross product). */
const nullVector = [0, 1, 2, 3].map((c) => (c % 2 === 0 ? 1 : -1) * det3(A.map((r) => r.filter((_, j) => j !== c))));

describe("autograd's Hessian of the blog's loss", () => {
  it('is (2/3)·AᵀA to rounding, at the start and anywhere else (the loss is quadratic)', () => {
    const H = closedFormHessian(A);
    const start = autogradCurvature([1, 1, 1], 0.5, X, Y);
    // Each entry is a sum of three products of numbers below 1.5, summed in a different order
    // by the two computations: a few ulps of max|H| = 2 at most.
    expect(maxAbsDiff(start.hessian, H)).toBeLessThanOrEqual(4 * EPS * 2);
    const trained = trainBlogExample({ epochs: 50 });
    expect(maxAbsDiff(autogradCurvature(trained.weight, trained.bias, X, Y).hessian, H)).toBeLessThanOrEqual(4 * EPS * 2);
    // And its gradient is the closed form (2/3)·Aᵀr.
    const r = matvec(A, THETA0).map((p, i) => p - Y[i]!);
    matvec(transpose(A), r).forEach((g, k) => expect(start.gradient[k]).toBeCloseTo((2 / 3) * g, 14));
    expect(start.loss).toBeCloseTo(2.95, 14);
  });

  it('rejects a target of the wrong length, naming the function', () => {
    expect(() => autogradCurvature([1, 1, 1], 0.5, X, [1, 0])).toThrow(/autogradCurvature: target needs 3 values/);
    expect(() => autogradCurvature([1, NaN, 1], 0.5, X, Y)).toThrow(/autogradCurvature: weight/);
  });
});

describe('pseudoInverse', () => {
  it("satisfies the four Moore–Penrose conditions on the blog's singular Hessian", () => {
    const H = closedFormHessian(A);
    const P = pseudoInverse(H);
    const scale = 3.842; // λmax: the conditions hold to rounding relative to it (P's norm is 1/λmin ≈ 1654)
    expect(maxAbsDiff(matmul(matmul(H, P), H), H)).toBeLessThan(1e-12 * scale);
    expect(maxAbsDiff(matmul(matmul(P, H), P), P)).toBeLessThan(1e-12 * 1654);
    expect(maxAbsDiff(matmul(H, P), transpose(matmul(H, P)))).toBeLessThan(1e-11);
    expect(maxAbsDiff(matmul(P, H), transpose(matmul(P, H)))).toBeLessThan(1e-11);
    // The null vector of A is H's null vector too, and H⁺ sends it to 0, up to the rounding in
    // H⁺'s eigenvectors (ε·κ(H) ≈ 1.4e-12) amplified by ‖H⁺‖ = 1/λmin ≈ 1654.
    expect(norm(matvec(P, nullVector)) / norm(nullVector)).toBeLessThan(1654 * 1e-12);
  });

  it('inverts an invertible matrix, zeroes a null direction, and refuses bad input', () => {
    expect(pseudoInverse([[2, 0], [0, 0]])).toEqual([[0.5, 0], [0, 0]]);
    const inv = pseudoInverse([[2, 1], [1, 2]]); // inverse (1/3)[[2, -1], [-1, 2]]
    expect(maxAbsDiff(inv, [[2 / 3, -1 / 3], [-1 / 3, 2 / 3]])).toBeLessThan(1e-15);
    expect(() => pseudoInverse([[1, 2], [0, 1]])).toThrow(/pseudoInverse: the matrix is not symmetric/);
    expect(() => pseudoInverse([[1, 2, 3]])).toThrow(/pseudoInverse: expected a non-empty square matrix/);
    expect(() => pseudoInverse([[1]], 2)).toThrow(/pseudoInverse: rtol/);
  });
});

describe('one Newton step θ ← θ − H⁺∇L', () => {
  const r = newtonStep();

  it('takes the minimum-norm step −Aᵀ(AAᵀ)⁻¹r, computed independently from the normal equations', () => {
    const expected = minNormStep(THETA0); // [9, −6.3431, −5.6569, −3.4314]
    // Forming H squares A's condition number: κ(H) = λmax/λmin = 6355 on its range, so the step
    // carries a relative error of about κ(H)·ε ≈ 1.4e-12 (|Δθ| ≈ 13).
    r.step.forEach((s, k) => expect(Math.abs(s - expected[k]!)).toBeLessThan(6355 * EPS * 13 * 10));
    expect(r.rank).toBe(3);
    expect(r.start).toEqual({ weight: [1, 1, 1], bias: 0.5 });
  });

  it('is orthogonal to the null space of A (so every other step to an exact solution is longer)', () => {
    expect(Math.abs(matvec(A, nullVector).reduce((s, v) => s + Math.abs(v), 0))).toBeLessThan(1e-15); // it is A's null vector
    const cos = dot(r.step, nullVector) / (norm(r.step) * norm(nullVector));
    expect(Math.abs(cos)).toBeLessThan(1e-12);
    // step + t·n also reaches Aθ = y, and is longer by Pythagoras.
    for (const t of [-1, 0.1, 2]) expect(norm(r.step.map((s, k) => s + t * nullVector[k]!))).toBeGreaterThan(norm(r.step));
  });

  it('reaches the exact solution in one update: residuals zero and loss below 1e-20, to rounding', () => {
    expect(r.lossBefore).toBeCloseTo(2.95, 14);
    // The residuals of the new θ, from plain loops.
    const theta = [...r.weight, r.bias];
    const residuals = matvec(A, theta).map((p, i) => p - Y[i]!);
    // Rounding bound: the step's error (κ(H)·ε·|Δθ| ≈ 1.8e-11, see above) times ‖A‖ ≈ 2.4 gives
    // residuals below ~5e-11, so a loss below ~1e-21; measured ~5e-13 and 1.8e-25.
    residuals.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-10));
    r.residuals.forEach((v, i) => expect(Math.abs(v - residuals[i]!)).toBeLessThan(1e-14));
    expect(r.loss).toBeLessThan(1e-20);
    expect(Math.abs(r.loss - residuals.reduce((s, v) => s + v * v, 0) / 3)).toBeLessThan(1e-24);
    // Gradient descent at the blog's lr needs 29 307 updates for loss < 1e-3 (the --compare table).
    const sgd = trainBlogExample({ epochs: 29_307, stopBelow: 1e-3 });
    expect(sgd.stoppedAt).toBe(29_307);
  });

  it('reaches the least-squares minimum on a longer signal, where H is invertible', () => {
    const x = [1, -0.5, 0.25, 2, 0.3, -1, 0.7], y = [0.2, 1, -0.4, 0.5, 0];
    const n = newtonStep({ input: x, target: y, weight: [0.1, 0.2, 0.3], bias: 0 });
    expect(n.rank).toBe(4);
    // At the minimum the gradient (2/n)·Aᵀr vanishes.
    const a = rows(x);
    const res = matvec(a, [...n.weight, n.bias]).map((p, i) => p - y[i]!);
    matvec(transpose(a), res).forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-12));
    expect(n.loss).toBeGreaterThan(0.01); // 5 equations, 4 unknowns: no exact solution
  });

  it('rejects unknown options and bad values, naming the function', () => {
    expect(() => newtonStep({ wieght: [1, 1, 1] } as never)).toThrow(/newtonStep: unknown option 'wieght'/);
    expect(() => newtonStep({ weight: 'abc' as never })).toThrow(/newtonStep: weight/);
    expect(() => newtonStep({ bias: NaN })).toThrow(/bias must be a finite number/);
    expect(() => newtonStep({ target: [1, 0] })).toThrow(/target needs 3 values/);
  });
});

describe('the blog CLI shows the Newton step', () => {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(pkg, 'src/cli/blog.ts'), ...args], { cwd: pkg, encoding: 'utf8' });

  it('in the report and in --json', () => {
    const text = cli('--epochs', '5');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/vs \(2\/3\)·AᵀA\s+max \|difference\| = (\d\.\d\de-1[5-9]|0) /);
    const loss = /loss\s+2\.95 → (\S+)/.exec(text.stdout);
    expect(Number(loss?.[1])).toBeLessThan(1e-20);
    expect(text.stdout).toMatch(/29307 updates of gradient descent at the\s+blog's lr 0\.11/);
    expect(text.stdout).toMatch(/H has rank\s+3 of 4/);
    const j = JSON.parse(cli('--json', '--epochs', '5').stdout).newton;
    expect(j.hessianMaxAbsDiffFromClosedForm).toBeLessThan(1e-15);
    expect(j.loss).toBeLessThan(1e-20);
    expect(j.rank).toBe(3);
    j.residuals.forEach((v: number) => expect(Math.abs(v)).toBeLessThan(1e-10));
    expect(j.hessian).toHaveLength(4);
  });

  it('next to the --compare table', () => {
    const c = cli('--compare');
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(/SGD, the blog's lr\s+29307/);
    expect(c.stdout).toMatch(/Newton, θ − H⁺∇L\s+1\s+H from autograd's hessian\(\)/);
    expect(Number(/Newton[^\n]*\n?[^\n]*?loss (\S+) after\s+the step/.exec(c.stdout)?.[1])).toBeLessThan(1e-20);
  }, 60_000);
});
