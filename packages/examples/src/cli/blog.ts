/**
 * `pnpm example`: the blog's 1-D CNN trained with Kindling, printed like the blog, plus a loss
 * chart, gradcheck's verdict on both backward passes and the curvature that explains the pace.
 * Run with --help for the options.
 */
import { writeFileSync } from 'node:fs';
import { mseLoss, tensor, toDot } from '@kindling/core';
import { Conv1d } from '@kindling/nn';
import { checkBlogGradients, type Verdict } from '../blog/check.js';
import { analyzeHessian } from '../blog/hessian.js';
import { type BlogOptions, type BlogResult, trainBlogExample } from '../blog/model.js';
import { type NewtonStepResult, PINV_RTOL, newtonStep } from '../blog/newton.js';
import { BLOG_BIAS, BLOG_EPOCHS, BLOG_INPUT, BLOG_LR, BLOG_TARGET, BLOG_WEIGHT, blogLoss } from '../blog/problem.js';
import { type RecipeResult, blogRecipes, compareRecipes, epochsToLoss } from '../blog/recipes.js';
import { lineChart } from '../terminal/chart.js';
import { ProgressBar } from '../terminal/progress.js';
import { outputWidth, style, wrapLine } from '../terminal/style.js';
import { UsageError, choiceFlag, commandName, fmtList, fmtNum, fmtSig, numberFlag, parseFlags, runCli } from './args.js';
import { exportOnnxForCli, exportOnnxHelp } from './onnx-export.js';

const CMD = commandName('kindling-blog', 'pnpm example');

const HELP = `Usage: ${CMD} [options]

Trains the blog's 1-D CNN, Conv1d(1, 1, 3) on x = [1, 0.7, 0.5, 0.3, 0.1]
towards [1, 0, 0], with Kindling's autograd, and prints the prediction every 10
epochs as the blog does. Then gradcheck's verdict on the blog's formula, the
loss's curvature, and one Newton step with the Hessian from autograd
(hessian()), which reaches the exact solution in a single update.

Options:
  --epochs N             train epochs 0..N, one update each (default ${BLOG_EPOCHS})
  --lr X                 learning rate (default ${BLOG_LR}, the blog's)
  --momentum M           SGD momentum in [0, 1) (default 0)
  --nesterov             Nesterov momentum (needs --momentum > 0)
  --optimizer sgd|adam   (default sgd)
  --gradient autograd|blog
                         blog: replay the blog's hand-derived update, side by
                         side with autograd
  --until TOL            stop at the first epoch whose loss is below TOL
  --every K              print every K epochs (default 10)
  --dtype float64|float32
  --compare              how many epochs each optimizer recipe needs to reach
                         loss < 1e-3, next to Newton's one update
  --graph [FILE]         the recorded autograd graph of epoch 0 as Graphviz DOT
                         (to stdout, or FILE); render: dot -Tsvg FILE > g.svg
  --json                 machine-readable results (history, weights, gradcheck)
${exportOnnxHelp(25)}
  -h, --help             show this help

Examples:
  ${CMD} --gradient blog
  ${CMD} --lr 0.49 --epochs 20000 --until 1e-3
  ${CMD} --momentum 0.975 --nesterov --lr 0.26 --until 1e-3 --epochs 2000
  ${CMD} --compare
`;

const fmt = (v: number, d = 4) => Number(v.toPrecision(d)).toString();
const fmtLoss = fmtSig;
const paint = style();
const width = outputWidth();
const out = (s = '') => process.stdout.write(s.split('\n').map((l) => wrapLine(l, width)).join('\n') + '\n');
/** JSON goes out as it is: wrapping would break its strings. */
const outJson = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + '\n');

function verdictLine(name: string, v: Verdict): string {
  if (v.passed) return `  ${paint.green('✓')} ${name.padEnd(20)} passed: ${v.message}`;
  if (v.element === undefined) return `  ${paint.red('✗')} ${name.padEnd(20)} failed: ${v.message}`;
  const param = v.input === 0 ? `W${v.element.replace(/^\[0, 0, /, '[')}` : `b${v.element}`;
  return `  ${paint.red('✗')} ${name.padEnd(20)} failed at dL/d${param}:\n      the formula gives ${fmt(v.analytic!, 6)}, finite differences ${fmt(v.numeric!, 6)}`;
}

function train(opts: BlogOptions, label: string, showProgress: boolean): BlogResult {
  const total = opts.epochs ?? BLOG_EPOCHS;
  if (!showProgress || total < 5000) return trainBlogExample(opts);
  const bar = new ProgressBar(total + 1, process.stderr, label);
  try {
    return trainBlogExample({ ...opts, onEpoch: (e) => bar.update(e.epoch + 1, `loss ${e.loss.toExponential(3)}`) });
  } finally {
    bar.finish();
  }
}

function compare(json: boolean): void {
  const h = analyzeHessian();
  const recipes = blogRecipes(h);
  const tol = 1e-3;
  if (!json) {
    out(`How many updates until loss < ${tol}?  (Kindling model, measured now; at most 50000)`);
    out(`λmax = ${fmt(h.lambdaMax)}, smallest non-zero λ = ${fmt(h.lambdaMin)}, κ = ${fmt(h.condition)}, largest stable lr = 2/λmax = ${fmt(h.maxStableLr)}\n`);
  }
  const bar = json ? null : new ProgressBar(recipes.length, process.stderr, 'recipes');
  let done = 0;
  const results = compareRecipes({ tol, recipes, onRecipe: () => bar?.update(++done) });
  bar?.finish();
  const newton = newtonStep();
  if (json) {
    outJson({ tol, hessian: { eigenvalues: h.eigenvalues, maxStableLr: h.maxStableLr }, recipes: results, newton: newtonJson(newton) });
    return;
  }
  const shown = (r: RecipeResult) => (r.epochs !== null ? String(r.epochs) : r.diverged ? 'diverges' : `> 50000 (loss ${fmt(r.loss, 3)})`);
  const newtonName = 'Newton, θ − H⁺∇L';
  const w = Math.max(newtonName.length, ...results.map((r) => r.name.length));
  out(`  ${'recipe'.padEnd(w)}  ${'epochs'.padStart(8)}  settings`);
  for (const r of results) out(`  ${r.name.padEnd(w)}  ${shown(r).padStart(8)}  ${r.why}`);
  // Newton's method is not a trainBlogExample recipe: it needs the Hessian, which autograd gives.
  out(`  ${newtonName.padEnd(w)}  ${'1'.padStart(8)}  H from autograd's hessian(), pseudo-inverse (rank ${newton.rank}): loss ${fmtSci(newton.loss)} after the step`);
}

const fmtSci = (v: number) => (v === 0 ? '0' : v.toExponential(2));

/** The Newton step as --json reports it: no 4×4 pseudo-inverse, everything the report prints. */
function newtonJson(n: NewtonStepResult) {
  return {
    start: n.start,
    lossBefore: n.lossBefore,
    gradient: n.gradient,
    hessian: n.hessian,
    hessianMaxAbsDiffFromClosedForm: n.closedFormMaxAbsDiff,
    eigenvalues: n.eigenvalues,
    rank: n.rank,
    pinvRtol: PINV_RTOL,
    step: n.step,
    weight: n.weight,
    bias: n.bias,
    prediction: n.prediction,
    residuals: n.residuals,
    loss: n.loss,
  };
}

/** The report's Newton section: the autograd Hessian against the closed form, and one step. */
function printNewton(n: NewtonStepResult, sgdEpochs: number | null): void {
  out(paint.bold(`Newton's method: one update θ ← θ − H⁺∇L from W = [${n.start.weight.join(', ')}], b = ${n.start.bias}, with H from autograd`));
  out(`  H from hessian()    second-order autograd through mseLoss and conv1d`);
  out(`  vs (2/3)·AᵀA        max |difference| = ${fmtSci(n.closedFormMaxAbsDiff)} (the closed form above, built in plain loops)`);
  out(`  H⁺                  pseudo-inverse from H's eigenvectors (Jacobi); H has rank ${n.rank} of ${n.hessian.length}, eigenvalues below ${PINV_RTOL}·λmax count as 0`);
  out(`  the step            ΔW = ${fmtList(n.step.slice(0, -1))}   Δb = ${fmtNum(n.step.at(-1)!)}   (in A's row space: the shortest step to an exact solution)`);
  out(`  after it            W = ${fmtList(n.weight)}   b = ${fmtNum(n.bias)}   prediction ${fmtList(n.prediction)}`);
  out(`  loss                ${fmtLoss(n.lossBefore)} → ${fmtSci(n.loss)} (residuals ${n.residuals.map(fmtSci).join(', ')}: zero to rounding)`);
  out(`  against             ${sgdEpochs ?? '> 50000'} updates of gradient descent at the blog's lr ${BLOG_LR} to get the loss below 1e-3 (measured now; --compare for the other recipes)`);
}

/**
 * The graph backward walks at epoch 0 (x, W, b -> conv1d -> mseLoss -> loss), with the
 * gradients filled in, as Graphviz DOT: to stdout for `| dot -Tsvg`, or to a file.
 */
function writeGraph(file: string): void {
  const conv = new Conv1d(1, 1, 3);
  conv.loadStateDict({ weight: [[BLOG_WEIGHT as readonly number[]]] as number[][][], bias: [BLOG_BIAS] });
  const x = tensor([[BLOG_INPUT as readonly number[]]] as number[][][]);
  const loss = mseLoss(conv.forward(x), tensor([[BLOG_TARGET as readonly number[]]] as number[][][]));
  loss.backward();
  const dot = toDot(loss, { names: [['x', x], ...conv.namedParameters().map(([n, p]) => [n === 'weight' ? 'W' : n, p] as const)] });
  if (file === '-') return void process.stdout.write(dot);
  writeFileSync(file, dot);
  out(`wrote ${file}: the blog model's autograd graph at epoch 0 (render with: dot -Tsvg ${file} -o graph.svg)`);
}

function main(argv: string[]): void {
  const f = parseFlags(argv, {
    epochs: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    nesterov: { type: 'boolean' },
    optimizer: { type: 'string' },
    gradient: { type: 'string' },
    until: { type: 'string' },
    every: { type: 'string' },
    dtype: { type: 'string' },
    compare: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    'export-onnx': { type: 'string' },
    graph: { type: 'string' },
  }, ['graph']);
  if (f.help) {
    out(HELP);
    return;
  }
  if (f.graph !== undefined) {
    if (argv.some((a) => a !== '--' && !a.startsWith('--graph') && a !== f.graph)) throw new UsageError('--graph takes no other options');
    writeGraph(f.graph);
    return;
  }
  const opts: BlogOptions = {
    epochs: numberFlag('epochs', f.epochs, BLOG_EPOCHS, { min: 0, max: 10_000_000, integer: true }),
    lr: numberFlag('lr', f.lr, BLOG_LR, { min: 0, exclusiveMin: true }),
    momentum: numberFlag('momentum', f.momentum, 0, { min: 0, max: 1, exclusiveMax: true }),
    nesterov: f.nesterov ?? false,
    optimizer: choiceFlag('optimizer', f.optimizer, ['sgd', 'adam'], 'sgd'),
    gradient: choiceFlag('gradient', f.gradient, ['autograd', 'blog'], 'autograd'),
    dtype: choiceFlag('dtype', f.dtype, ['float64', 'float32'], 'float64'),
  };
  if (f.until !== undefined) opts.stopBelow = numberFlag('until', f.until, 0, { min: 0, exclusiveMin: true });
  const every = numberFlag('every', f.every, 10, { min: 1, integer: true });
  if (opts.nesterov && opts.momentum === 0) throw new UsageError('--nesterov needs --momentum > 0 (e.g. --momentum 0.9)');
  if (opts.optimizer === 'adam' && (opts.momentum !== 0 || opts.nesterov)) throw new UsageError('--momentum and --nesterov are SGD options; Adam uses its own betas');
  if (f.compare) {
    if (argv.some((a) => !['--', '--compare', '--json'].includes(a))) throw new UsageError('--compare takes no other options except --json');
    compare(f.json ?? false);
    return;
  }

  const json = f.json ?? false;
  const run = train(opts, opts.gradient === 'blog' ? "blog's formula" : 'autograd', !json);
  // Side by side: the blog's update is compared with the true gradient run under the same settings.
  const reference = opts.gradient === 'blog' ? train({ ...opts, gradient: 'autograd' }, 'autograd', !json) : null;
  const finalLoss = blogLoss(run.weight, run.bias);
  const checks = checkBlogGradients();
  const h = analyzeHessian();
  const newton = newtonStep();
  let exported = '';
  if (f['export-onnx'] !== undefined) {
    // The trained filter in a Conv1d(1, 1, 3) of its own, traced on the blog's input.
    const conv = new Conv1d(1, 1, 3, { dtype: opts.dtype });
    conv.loadStateDict({ weight: [[run.weight]], bias: [run.bias] });
    exported = exportOnnxForCli(f['export-onnx'], conv, tensor([[BLOG_INPUT as readonly number[]]] as number[][][], { dtype: opts.dtype }));
  }

  if (json) {
    outJson({
      options: { ...opts, stopBelow: opts.stopBelow ?? null },
      history: run.history,
      weight: run.weight,
      bias: run.bias,
      finalLoss,
      stoppedAt: run.stoppedAt,
      diverged: run.diverged,
      gradcheck: checks,
      hessian: { eigenvalues: h.eigenvalues, lambdaMax: h.lambdaMax, maxStableLr: h.maxStableLr },
      newton: newtonJson(newton),
    });
    return;
  }

  const opt = opts.optimizer === 'adam'
    ? `Adam(lr ${fmt(opts.lr!)})`
    : `SGD(lr ${fmt(opts.lr!)}${opts.momentum ? `, momentum ${fmt(opts.momentum)}${opts.nesterov ? ', nesterov' : ''}` : ''})`;
  out(paint.bold(`Kindling · the blog's 1-D CNN${opts.gradient === 'blog' ? ", replaying the blog's hand-derived gradient" : ', trained with autograd'}`));
  out(`  model   Conv1d(1, 1, 3), weight [${BLOG_WEIGHT.join(', ')}] and bias ${BLOG_BIAS} set with loadStateDict`);
  out(`  data    x = [${BLOG_INPUT.join(', ')}], target [${BLOG_TARGET.join(', ')}]`);
  out(`  train   MSELoss, ${opt}, epochs 0..${opts.epochs}${opts.stopBelow ? ` (or until loss < ${opts.stopBelow})` : ''}, ${opts.dtype}`);
  out();

  const rows = run.history.filter((e, i) => e.epoch % every === 0 || i === run.history.length - 1);
  const cell = (e: { loss: number; prediction: number[] } | undefined, digits = 4) => (e ? `${fmtLoss(e.loss).padStart(9)}  ${fmtList(e.prediction, digits)}` : '');
  const ew = Math.max(5, String(run.history.at(-1)!.epoch).length);
  if (reference) {
    // Two runs side by side in 80 columns: three decimals per prediction.
    out(`${''.padStart(ew)}  ${paint.bold("blog's formula")}${' '.repeat(22)}│ ${paint.bold('autograd')}`);
    out(`${'epoch'.padStart(ew)}  ${'loss'.padStart(9)}  ${'prediction'.padEnd(25)}│ ${'loss'.padStart(9)}  prediction`);
    for (const e of rows) out(`${String(e.epoch).padStart(ew)}  ${cell(e, 3).padEnd(36)}│ ${cell(reference.history[e.epoch], 3)}`);
  } else {
    out(`${'epoch'.padStart(ew)}  ${'loss'.padStart(9)}  prediction`);
    for (const e of rows) out(`${String(e.epoch).padStart(ew)}  ${cell(e)}`);
  }
  out('  (each row is the forward pass that epoch\'s update starts from; the blog prints the one after it)');
  out();
  const summary = (name: string, r: BlogResult) =>
    `${name}W = ${fmtList(r.weight)}   b = ${fmtNum(r.bias)}   loss after the last update ${r.diverged ? 'not finite (diverged)' : fmtLoss(blogLoss(r.weight, r.bias))}`;
  out(summary(reference ? "blog's formula  " : 'trained  ', run));
  if (reference) out(summary('autograd        ', reference));
  if (run.stoppedAt !== null && !run.diverged) out(`reached loss < ${opts.stopBelow} at epoch ${run.stoppedAt} (after ${run.stoppedAt} updates)`);
  if (exported) out(exported);
  const tooLarge = opts.optimizer === 'sgd' && !opts.momentum && opts.gradient === 'autograd' && opts.lr! >= h.maxStableLr;
  if (run.diverged) out(`the loss blew up at epoch ${run.stoppedAt}.`);
  if (tooLarge) out(`lr ${fmt(opts.lr!)} is at or above the stability limit 2/λmax = ${fmt(h.maxStableLr)}: plain gradient descent diverges here.`);
  out();

  const series = [{ label: reference ? "blog's formula" : 'loss', values: run.history.map((e) => e.loss), glyph: '*' }];
  if (reference) series.push({ label: 'autograd', values: reference.history.map((e) => e.loss), glyph: 'o' });
  out(lineChart(series, { title: 'loss per epoch (log scale)', logY: true, width: 60, height: 10, xLabel: 'epoch' }));

  out(paint.bold(`gradcheck at W = [${BLOG_WEIGHT.join(', ')}], b = ${BLOG_BIAS} (backward pass vs central differences):`));
  out(verdictLine('Kindling autograd', checks.autograd));
  out(verdictLine("the blog's formula", checks.blog));
  out();
  out(paint.bold('curvature: the loss is quadratic in (W, b) with Hessian H = (2/3)·AᵀA, rows of A = [x_i, x_i+1, x_i+2, 1]'));
  out(`  eigenvalues of H    ${h.eigenvalues.map((l) => fmt(l)).join(', ')}`);
  out(`  largest stable lr   2/λmax = ${fmt(h.maxStableLr)} (plain gradient descent diverges above it)`);
  out(`  slowest direction   λ = ${fmt(h.lambdaMin)}: each update shrinks its error only by a factor 1 - lr·λ = ${fmt(1 - opts.lr! * h.lambdaMin, 6)}`);
  out();
  printNewton(newton, epochsToLoss({ lr: BLOG_LR }).epochs);
  out();
  out(paint.bold('next:'));
  if (opts.gradient !== 'blog') out('  --gradient blog   the blog\'s update next to autograd\'s');
  out(`  --compare         what reaches loss < 1e-3, and how fast (heavy ball, Nesterov, Adam, lr up to 2/λmax, Newton)`);
  out('  --graph           the autograd graph as Graphviz DOT');
  out('  --help            all options');
}

runCli('blog', main);
