/**
 * What actually reaches the target: each recipe trains the blog's model until the loss is
 * below a tolerance and reports how many updates that took. Learning rates and momenta
 * come from the Hessian (see hessian.ts), not from trial and error.
 */
import { checkOptions } from '@kindling/core';
import { type HessianReport, analyzeHessian } from './hessian.js';
import { type BlogOptions, trainBlogExample } from './model.js';
import { BLOG_LR } from './problem.js';

/** A named set of {@link trainBlogExample} options to compare. */
export interface Recipe {
  name: string;
  /** How the settings were chosen, in one line. */
  why: string;
  options: BlogOptions;
}

/** A recipe and how fast it reached the target loss ({@link compareRecipes}). */
export interface RecipeResult extends Recipe {
  /** Updates needed until the loss is below the tolerance; null if it never got there. */
  epochs: number | null;
  diverged: boolean;
  /** The last loss seen. */
  loss: number;
}

const r4 = (v: number) => Number(v.toPrecision(4));

/** The recipes compared in the README, their settings derived from the Hessian report. */
export function blogRecipes(h: HessianReport = analyzeHessian()): Recipe[] {
  const lmax = h.lambdaMax;
  return [
    { name: 'SGD, the blog\'s lr', why: `lr ${BLOG_LR}: ${r4(BLOG_LR * lmax)}/λmax, far below the limit`, options: { lr: BLOG_LR } },
    { name: 'SGD, lr = 1/λmax', why: `lr ${r4(1 / lmax)}: the top direction converges in one step`, options: { lr: 1 / lmax } },
    { name: 'SGD, lr = 1.9/λmax', why: `lr ${r4(1.9 / lmax)}: just under the stability limit 2/λmax = ${r4(2 / lmax)}`, options: { lr: 1.9 / lmax } },
    { name: 'SGD, lr = 2.1/λmax', why: `lr ${r4(2.1 / lmax)}: just over the limit`, options: { lr: 2.1 / lmax } },
    { name: 'SGD + momentum 0.9', why: `lr ${BLOG_LR}, momentum 0.9: the usual default`, options: { lr: BLOG_LR, momentum: 0.9 } },
    { name: 'SGD + heavy ball', why: `lr ${r4(h.heavyBall.lr)}, momentum ${r4(h.heavyBall.momentum)}: Polyak's tuning for κ = ${r4(h.condition)}`, options: { lr: h.heavyBall.lr, momentum: h.heavyBall.momentum } },
    { name: 'SGD + Nesterov', why: `lr ${r4(h.nesterov.lr)}, momentum ${r4(h.nesterov.momentum)}: 1/λmax, (√κ-1)/(√κ+1)`, options: { lr: h.nesterov.lr, momentum: h.nesterov.momentum, nesterov: true } },
    { name: "the blog's formula", why: `lr ${BLOG_LR}: not the gradient, but a convergent update (see README)`, options: { lr: BLOG_LR, gradient: 'blog' } },
    { name: 'Adam, lr 0.1', why: 'betas (0.9, 0.999): per-parameter step sizes, no Hessian needed', options: { optimizer: 'adam', lr: 0.1 } },
    { name: 'Adam, lr 0.01', why: 'betas (0.9, 0.999): a common default', options: { optimizer: 'adam', lr: 0.01 } },
  ];
}

/** Trains with one recipe until loss < tol (or maxEpochs updates) and counts the updates. */
export function epochsToLoss(options: BlogOptions, tol = 1e-3, maxEpochs = 50_000): { epochs: number | null; diverged: boolean; loss: number } {
  const run = trainBlogExample({ ...options, epochs: maxEpochs, stopBelow: tol });
  const last = run.history.at(-1)!;
  const reached = !run.diverged && run.stoppedAt !== null;
  return { epochs: reached ? run.stoppedAt : null, diverged: run.diverged, loss: last.loss };
}

/** Runs every recipe; `onRecipe` is called as each one finishes. */
export function compareRecipes(opts: { tol?: number; maxEpochs?: number; recipes?: Recipe[]; onRecipe?: (r: RecipeResult) => void } = {}): RecipeResult[] {
  checkOptions('compareRecipes', opts, ['tol', 'maxEpochs', 'recipes', 'onRecipe']);
  const recipes = opts.recipes ?? blogRecipes();
  return recipes.map((recipe) => {
    const result = { ...recipe, ...epochsToLoss(recipe.options, opts.tol, opts.maxEpochs) };
    opts.onRecipe?.(result);
    return result;
  });
}
