/**
 * The blog's problem, as numbers (see /shared/seed/BLOG.md):
 * a length-5 signal, a 3-tap filter with a bias, and the 3 values the filter should output.
 */
export const BLOG_INPUT = [1.0, 0.7, 0.5, 0.3, 0.1] as const;
/** The 3 values the blog's filter should output. */
export const BLOG_TARGET = [1, 0, 0] as const;
/** The blog's initial 3-tap filter. */
export const BLOG_WEIGHT = [1, 1, 1] as const;
/** The blog's initial bias. */
export const BLOG_BIAS = 0.5;
/** The blog's learning rate. */
export const BLOG_LR = 0.11;
/** The blog trains for epochs 0..200, i.e. 201 updates. */
export const BLOG_EPOCHS = 200;

/** pred[i] = sum_j x[i + j] * w[j] + b, in plain numbers (a "valid" cross-correlation). */
export function blogForward(weight: readonly number[], bias: number, x: readonly number[] = BLOG_INPUT): number[] {
  const k = weight.length;
  const out: number[] = [];
  for (let i = 0; i + k <= x.length; i++) {
    let s = bias;
    for (let j = 0; j < k; j++) s += x[i + j]! * weight[j]!;
    out.push(s);
  }
  return out;
}

/** mean((pred - target)^2) in plain numbers. */
export function blogLoss(weight: readonly number[], bias: number, x: readonly number[] = BLOG_INPUT, target: readonly number[] = BLOG_TARGET): number {
  const pred = blogForward(weight, bias, x);
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += (pred[i]! - target[i]!) ** 2;
  return s / pred.length;
}
