/**
 * One Newton step on the blog's loss, with the Hessian from Kindling's second-order autograd.
 *
 * With θ = (W₀, W₁, W₂, b) the prediction is A·θ (row i of A is [x_i, x_{i+1}, x_{i+2}, 1]), so
 * L(θ) = mean((Aθ − y)²) is exactly quadratic: its Taylor model at any θ₀ is L itself, and one
 * Newton step θ₁ = θ₀ − H⁻¹∇L lands on the minimum. Here H = (2/n)·AᵀA is singular (4
 * parameters, 3 residuals: a flat valley of exact solutions), so H⁻¹ does not exist and the
 * step uses the Moore–Penrose pseudo-inverse H⁺ instead:
 *
 *   H⁺∇L = ((2/n)AᵀA)⁺ · (2/n)Aᵀr = (AᵀA)⁺Aᵀr = A⁺r,      r = Aθ₀ − y,
 *
 * so θ₁ = θ₀ − A⁺r. When A has full row rank (the blog's A does), AA⁺ = I and the new residual
 * A·θ₁ − y = r − AA⁺r is zero: the loss is 0 up to rounding after one update. The step −A⁺r
 * lies in the row space of A, orthogonal to its null space, so of all the steps that reach an
 * exact solution it is the shortest: θ₁ is the solution nearest to θ₀. On a longer signal (more
 * outputs than parameters) H is usually invertible, H⁺ = H⁻¹, and the same step reaches the
 * least-squares minimum, which then has a non-zero loss.
 *
 * H comes from `hessian()` (a second backward pass through `mseLoss` and `conv1d`), not from the
 * closed form; the closed form (2/n)AᵀA (`mseHessian` in hessian.ts) is only used to report how
 * far apart the two are.
 */
import { type Tensor, checkOptions, conv1d, grad, hessian, mseLoss, noGrad, tensor } from '@kindling/core';
import { designMatrix, mseHessian, symmetricEigen } from './hessian.js';
import { BLOG_BIAS, BLOG_INPUT, BLOG_TARGET, BLOG_WEIGHT } from './problem.js';

/** Eigenvalues at or below this fraction of the largest count as zero in {@link pseudoInverse}. */
export const PINV_RTOL = 1e-10;

/**
 * The Moore–Penrose pseudo-inverse of a symmetric matrix, from its eigen-decomposition
 * m = V·Λ·Vᵀ: m⁺ = V·Λ⁺·Vᵀ, where Λ⁺ inverts the eigenvalues above `rtol`·|λ|max and sets the
 * rest to 0. The cut matters for a singular m computed with rounding: its zero eigenvalue comes
 * out near ε·‖m‖ (about 1e-16 for the blog's Hessian) rather than exactly 0, and inverting it
 * would send the step off along the flat valley by ~1e16. The default 1e-10 sits far from both
 * that noise and the blog's smallest true eigenvalue (6.0e-4 of λmax = 3.84, a ratio of 1.6e-4);
 * `analyzeHessian` uses the same cut to tell its non-zero eigenvalues apart.
 *
 * @example
 * ```ts
 * import { pseudoInverse } from '@kindling/examples';
 * console.log(pseudoInverse([[2, 0], [0, 0]])); // [[0.5, 0], [0, 0]]
 * ```
 */
export function pseudoInverse(m: readonly (readonly number[])[], rtol: number = PINV_RTOL): number[][] {
  const n = m.length;
  if (n === 0 || m.some((row) => row.length !== n)) throw new Error('pseudoInverse: expected a non-empty square matrix');
  if (!(typeof rtol === 'number' && rtol >= 0 && rtol < 1)) throw new Error(`pseudoInverse: rtol must be a number in [0, 1), got ${String(rtol)}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = m[i]![j]!, b = m[j]![i]!;
      if (!Number.isFinite(a)) throw new Error(`pseudoInverse: element [${i}, ${j}] is not finite (${a})`);
      if (Math.abs(a - b) > 1e-12 * (Math.abs(a) + Math.abs(b))) throw new Error(`pseudoInverse: the matrix is not symmetric at [${i}, ${j}] (${a} vs ${b})`);
    }
  }
  const { values, vectors } = symmetricEigen(m);
  const top = Math.max(...values.map(Math.abs));
  const inv = values.map((l) => (Math.abs(l) > rtol * top ? 1 / l : 0));
  return m.map((_, i) => m.map((__, j) => vectors.reduce((s, v, k) => s + inv[k]! * v[i]! * v[j]!, 0)));
}

/** The loss, its gradient and its Hessian with respect to θ = (W₀, .., W_{k-1}, b), all from autograd. */
export interface AutogradCurvature {
  loss: number;
  /** ∇L = [dL/dW₀, ..., dL/db], from `grad()`. */
  gradient: number[];
  /** ∂²L/∂θ∂θ, from `hessian()`, assembled from its (W, b) blocks into one (k+1)×(k+1) matrix. */
  hessian: number[][];
}

function check(op: string, name: string, v: unknown, min: number): readonly number[] {
  if (!Array.isArray(v) || v.length < min || !v.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    throw new Error(`${op}: ${name} must be an array of at least ${min} finite numbers, got ${Array.isArray(v) ? `[${v.join(', ')}]` : String(v)}`);
  }
  return v;
}

/**
 * The blog's loss mean((conv1d(x, W) + b − y)²) at (W, b), with its gradient and its Hessian
 * computed by Kindling's autograd: `grad()` for ∇L, and `hessian()` (a backward pass through the
 * backward pass of `mseLoss` and `conv1d`) for H. Nothing here uses the closed form.
 *
 * @example
 * ```ts
 * import { BLOG_BIAS, BLOG_INPUT, BLOG_TARGET, BLOG_WEIGHT, autogradCurvature } from '@kindling/examples';
 * const { hessian } = autogradCurvature(BLOG_WEIGHT, BLOG_BIAS, BLOG_INPUT, BLOG_TARGET);
 * console.log(hessian[3]); // [1.4667, 1, 0.6, 2] (rounded): the bias row of (2/3)·AᵀA
 * ```
 */
export function autogradCurvature(weight: readonly number[], bias: number, input: readonly number[], target: readonly number[]): AutogradCurvature {
  const op = 'autogradCurvature';
  check(op, 'weight', weight, 1);
  check(op, 'input', input, weight.length);
  check(op, 'target', target, 1);
  if (typeof bias !== 'number' || !Number.isFinite(bias)) throw new Error(`${op}: bias must be a finite number, got ${String(bias)}`);
  const k = weight.length;
  if (target.length !== input.length - k + 1) {
    throw new Error(`${op}: target needs ${input.length - k + 1} values (one per filter position), got ${target.length}`);
  }
  const x = tensor([[input.slice()]]);
  const y = tensor([[target.slice()]]);
  const loss = (w: Tensor, b: Tensor) => mseLoss(conv1d(x, w, b), y);
  const w = tensor([[weight.slice()]], { requiresGrad: true });
  const b = tensor([bias], { requiresGrad: true });
  const value = loss(w, b);
  const [gw, gb] = grad(value, [w, b]);
  // hessian() with two inputs returns the blocks [[H_ww, H_wb], [H_bw, H_bb]], shaped
  // [...w.shape, ...w.shape] = [1, 1, k, 1, 1, k], [1, 1, k, 1], [1, 1, 1, k] and [1, 1].
  const blocks = hessian(loss, [w, b]) as Tensor[][];
  const flat = blocks.map((row) => row.map((t) => Array.from(t.dataSync())));
  const p = k + 1;
  const h: number[][] = [];
  for (let i = 0; i < p; i++) {
    h.push([]);
    for (let j = 0; j < p; j++) {
      const bi = i < k ? 0 : 1, bj = j < k ? 0 : 1;
      const block = flat[bi]![bj]!;
      const cols = bj === 0 ? k : 1;
      h[i]!.push(block[(i < k ? i : 0) * cols + (j < k ? j : 0)]!);
    }
  }
  return { loss: value.item(), gradient: [...gw!.dataSync(), gb!.dataSync()[0]!], hessian: h };
}

/** Where {@link newtonStep} starts and on what problem; every field defaults to the blog's. */
export interface NewtonOptions {
  weight?: readonly number[];
  bias?: number;
  input?: readonly number[];
  target?: readonly number[];
  /** Relative cut for zero eigenvalues in the pseudo-inverse (default {@link PINV_RTOL}). */
  rtol?: number;
}

/** What {@link newtonStep} returns: the curvature it used, the step, and the loss after it. */
export interface NewtonStepResult {
  start: { weight: number[]; bias: number };
  /** The loss at the start, from a Kindling forward pass. */
  lossBefore: number;
  /** ∇L at the start, from autograd: [dL/dW₀, ..., dL/db]. */
  gradient: number[];
  /** H from `hessian()`. */
  hessian: number[][];
  /** max |H_autograd − (2/n)·AᵀA| over all elements (the closed form built in plain loops). */
  closedFormMaxAbsDiff: number;
  /** Eigenvalues of H, largest first (Jacobi). */
  eigenvalues: number[];
  /** How many eigenvalues the pseudo-inverse inverted: 3 for the blog (4 parameters, 3 residuals). */
  rank: number;
  /** The update Δθ = −H⁺∇L, [ΔW₀, ..., Δb]. */
  step: number[];
  /** θ after the step. */
  weight: number[];
  bias: number;
  /** The forward pass at the new θ (Kindling's conv1d), its residuals pred − y and loss. */
  prediction: number[];
  residuals: number[];
  loss: number;
}

/**
 * One Newton step θ ← θ − H⁺∇L on the blog's loss, with ∇L and H from Kindling's autograd and
 * H⁺ the pseudo-inverse ({@link pseudoInverse}). Because the loss is quadratic and H⁺ takes the
 * least-norm step, the new (W, b) is the exact solution nearest the start: on the blog's problem
 * the loss drops from 2.95 to about 2e-25 (zero up to rounding) in one update, where gradient
 * descent at the blog's learning rate needs 29 307 updates to get below 1e-3.
 *
 * @example
 * ```ts
 * import { newtonStep } from '@kindling/examples';
 * const r = newtonStep();               // from the blog's W = [1, 1, 1], b = 0.5
 * console.log(r.lossBefore, r.loss);    // 2.95, then ~2e-25 (zero up to rounding)
 * console.log(r.prediction);            // [1, 0, 0] up to rounding
 * ```
 */
export function newtonStep(opts: NewtonOptions = {}): NewtonStepResult {
  const o = checkOptions('newtonStep', opts, ['weight', 'bias', 'input', 'target', 'rtol']);
  const weight = check('newtonStep', 'weight', o.weight ?? BLOG_WEIGHT, 1).slice();
  const bias = o.bias ?? BLOG_BIAS;
  const input = check('newtonStep', 'input', o.input ?? BLOG_INPUT, weight.length);
  const target = check('newtonStep', 'target', o.target ?? BLOG_TARGET, 1);
  const c = autogradCurvature(weight, bias, input, target);
  const k = weight.length;
  const pinv = pseudoInverse(c.hessian, o.rtol ?? PINV_RTOL);
  const step = pinv.map((row) => -row.reduce((s, v, j) => s + v * c.gradient[j]!, 0));
  const newWeight = weight.map((v, j) => v + step[j]!);
  const newBias = bias + step[k]!;
  const closed = mseHessian(designMatrix(input, k));
  let diff = 0;
  closed.forEach((row, i) => row.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - c.hessian[i]![j]!)))));
  const { values } = symmetricEigen(c.hessian);
  const top = Math.max(...values.map(Math.abs));
  // The loss after the step, from the same Kindling ops the model trains with.
  const { prediction, loss } = noGrad(() => {
    const pred = conv1d(tensor([[input.slice()]]), tensor([[newWeight]]), tensor([newBias]));
    return { prediction: Array.from(pred.dataSync()), loss: mseLoss(pred, tensor([[target.slice()]])).item() };
  });
  return {
    start: { weight, bias },
    lossBefore: c.loss,
    gradient: c.gradient,
    hessian: c.hessian,
    closedFormMaxAbsDiff: diff,
    eigenvalues: values,
    rank: values.filter((l) => Math.abs(l) > (o.rtol ?? PINV_RTOL) * top).length,
    step,
    weight: newWeight,
    bias: newBias,
    prediction,
    residuals: prediction.map((p, i) => p - target[i]!),
    loss,
  };
}
