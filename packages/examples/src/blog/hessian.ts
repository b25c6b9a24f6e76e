/**
 * Why lr 0.11 is slow, and what learning rate is safe, from the loss's curvature.
 *
 * With θ = (w0, w1, w2, b) the prediction is linear in θ: pred = A θ, where row i of A is
 * [x_i, x_{i+1}, x_{i+2}, 1]. So the loss L(θ) = mean((Aθ - y)²) is a quadratic bowl whose
 * Hessian is the constant matrix H = (2/n) AᵀA. Gradient descent θ ← θ - lr ∇L multiplies the
 * error along each eigenvector of H by (1 - lr λ) per step: it is stable iff |1 - lr λ| < 1
 * for every eigenvalue, i.e. lr < 2 / λ_max, and the smallest non-zero λ sets how slow it is.
 */
import { BLOG_INPUT, BLOG_WEIGHT } from './problem.js';

/** Rows [x_i, ..., x_{i+k-1}, 1] for every output position i. */
export function designMatrix(x: readonly number[], k: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i + k <= x.length; i++) rows.push([...x.slice(i, i + k), 1]);
  return rows;
}

/** H = (2/n) AᵀA, the Hessian of mean((Aθ - y)²). */
export function mseHessian(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const p = a[0]!.length;
  const h: number[][] = [];
  for (let r = 0; r < p; r++) {
    h.push([]);
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (const row of a) s += row[r]! * row[c]!;
      h[r]!.push((2 / n) * s);
    }
  }
  return h;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, largest first. */
export function symmetricEigenvalues(m: readonly (readonly number[])[]): number[] {
  return symmetricEigen(m).values;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: m = Σ_i values[i]·v_i·v_iᵀ
 * with v_i = vectors[i] (orthonormal), largest value first. Jacobi is a dozen lines, exact to
 * rounding on the small matrices here, and its eigenvectors stay orthogonal even when an
 * eigenvalue is (numerically) zero, which the pseudo-inverse in newton.ts relies on.
 */
export function symmetricEigen(m: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const n = m.length;
  if (m.some((row) => row.length !== n)) throw new Error(`symmetricEigen: expected a square matrix, got ${n} rows of lengths ${m.map((r) => r.length).join(', ')}`);
  const a = m.map((row) => row.slice());
  // v accumulates the rotations (v ← v·J), so its columns end up as the eigenvectors.
  const v = a.map((_, i) => a.map((__, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        // Rotate in the (p, q) plane so that a[p][q] becomes 0.
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  const order = a.map((_, i) => i).sort((i, j) => a[j]![j]! - a[i]![i]!);
  return { values: order.map((i) => a[i]![i]!), vectors: order.map((i) => v.map((row) => row[i]!)) };
}

/** The curvature of the blog's loss, as {@link analyzeHessian} reports it. */
export interface HessianReport {
  hessian: number[][];
  /** Largest first; the last one is 0 here (4 parameters, 3 equations: a flat valley). */
  eigenvalues: number[];
  lambdaMax: number;
  /** The smallest eigenvalue that is not (numerically) zero: the slowest direction. */
  lambdaMin: number;
  /** lambdaMax / lambdaMin. */
  condition: number;
  /** 2 / λ_max: plain gradient descent diverges at or above this learning rate. */
  maxStableLr: number;
  /** Polyak's heavy ball tuned for [λ_min, λ_max]: lr = 4/(√λmax+√λmin)², momentum = ((√κ-1)/(√κ+1))². */
  heavyBall: { lr: number; momentum: number };
  /** Nesterov's method for the same bowl: lr = 1/λ_max, momentum = (√κ-1)/(√κ+1). */
  nesterov: { lr: number; momentum: number };
}

/** The Hessian analysis of the blog's problem (or another signal / filter length). */
export function analyzeHessian(x: readonly number[] = BLOG_INPUT, k: number = BLOG_WEIGHT.length): HessianReport {
  const hessian = mseHessian(designMatrix(x, k));
  const eigenvalues = symmetricEigenvalues(hessian);
  const lambdaMax = eigenvalues[0]!;
  const lambdaMin = eigenvalues.filter((l) => l > 1e-10 * lambdaMax).at(-1)!;
  const condition = lambdaMax / lambdaMin;
  const sk = Math.sqrt(condition);
  const sL = Math.sqrt(lambdaMax), sM = Math.sqrt(lambdaMin);
  return {
    hessian,
    eigenvalues: eigenvalues.map((l) => (Math.abs(l) < 1e-12 * lambdaMax ? 0 : l)),
    lambdaMax,
    lambdaMin,
    condition,
    maxStableLr: 2 / lambdaMax,
    heavyBall: { lr: 4 / (sL + sM) ** 2, momentum: ((sL - sM) / (sL + sM)) ** 2 },
    nesterov: { lr: 1 / lambdaMax, momentum: (sk - 1) / (sk + 1) },
  };
}
