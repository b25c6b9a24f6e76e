/**
 * The page: reads the controls, trains with `Trainer` in chunks per animation frame (so the
 * page never freezes), and redraws the charts and the graph view after each chunk.
 */
import { BLOG_BIAS, BLOG_LR, BLOG_WEIGHT, analyzeHessian, blogForward, blogGradient, blogRecipes, trueGradient } from '@kindling/examples';
import { StickyRange, barChart, fmt, logLineChart } from './charts.js';
import { GraphView } from './graph-view.js';
import { parseNumber, parseNumbers } from './parse.js';
import { KERNEL_SIZE, type SettingsField, Trainer, type TrainerSettings, settingsErrors } from './trainer.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: missing #${id}`);
  return el as T;
};

const ui = {
  input: $<HTMLInputElement>('input'),
  inputError: $('input-error'),
  target: $<HTMLInputElement>('target'),
  targetError: $('target-error'),
  preset: $<HTMLSelectElement>('preset'),
  optimizer: $<HTMLSelectElement>('optimizer'),
  lr: $<HTMLInputElement>('lr'),
  momentum: $<HTMLInputElement>('momentum'),
  nesterov: $<HTMLInputElement>('nesterov'),
  lrHint: $('lr-hint'),
  lrError: $('lr-error'),
  momentumError: $('momentum-error'),
  nesterovError: $('nesterov-error'),
  gradientError: $('gradient-error'),
  pageError: $('page-error'),
  epochs: $<HTMLInputElement>('epochs'),
  epochsError: $('epochs-error'),
  speed: $<HTMLSelectElement>('speed'),
  step: $<HTMLButtonElement>('step'),
  run: $<HTMLButtonElement>('run'),
  pause: $<HTMLButtonElement>('pause'),
  reset: $<HTMLButtonElement>('reset'),
  newton: $<HTMLButtonElement>('newton'),
  newtonResult: $('newton-result'),
  runWhy: $('run-why'),
  epoch: $('epoch'),
  loss: $<HTMLOutputElement>('loss'),
  lossNote: $('loss-note'),
  params: $('params'),
  state: $('state'),
  chartInput: $('chart-input'),
  chartFilter: $('chart-filter'),
  chartPred: $('chart-pred'),
  chartLoss: $('chart-loss'),
  ghostLegend: $('ghost-legend'),
  ghostName: $('ghost-name'),
  gradients: $<HTMLTableElement>('gradients'),
};

type RunState = 'idle' | 'running' | 'paused' | 'done' | 'diverged' | 'invalid';

let trainer: Trainer | null = null;
let state: RunState = 'idle';
let ghost: { losses: number[]; name: string } | null = null;
let epochsTarget = 200;
const ranges = { input: new StickyRange(), filter: new StickyRange(), pred: new StickyRange() };

const graph = new GraphView({
  container: $('graph'),
  explain: $('graph-explain'),
  status: $('graph-status'),
  check: $('graph-check'),
  step: $<HTMLButtonElement>('graph-step'),
  finish: $<HTMLButtonElement>('graph-finish'),
  clear: $<HTMLButtonElement>('graph-clear'),
  modes: Array.from(document.querySelectorAll<HTMLInputElement>('input[name=graph-mode]')),
});

const recipes = blogRecipes();
recipes.forEach((r, i) => ui.preset.add(new Option(r.name, String(i))));

// ---- reading the controls -------------------------------------------------------------------

/** Reads every control; marks each bad one next to itself. Returns settings, or null while any is invalid. */
function readSettings(): TrainerSettings | null {
  const input = parseNumbers(ui.input.value, { name: 'input x', minLength: KERNEL_SIZE, maxLength: 64 });
  const outputs = input.ok ? input.values.length - KERNEL_SIZE + 1 : undefined;
  const target = parseNumbers(ui.target.value, {
    name: 'target y',
    ...(outputs !== undefined ? { length: outputs, why: `one per filter position: ${input.ok ? input.values.length : '?'} inputs − ${KERNEL_SIZE} + 1` } : {}),
  });
  const optimizer = ui.optimizer.value === 'adam' ? 'adam' : 'sgd';
  const lr = parseNumber(ui.lr.value, 'learning rate', (v) => v > 0, 'a positive number');
  const momentum = optimizer === 'adam' ? { ok: true as const, value: 0 } : parseNumber(ui.momentum.value, 'momentum', (v) => v >= 0 && v < 1, 'in [0, 1)');
  ui.momentum.disabled = ui.nesterov.disabled = optimizer === 'adam';
  const gradient = (document.querySelector<HTMLInputElement>('input[name=gradient]:checked')?.value === 'blog') ? 'blog' : 'autograd';

  // Every problem is shown at once, each next to its own control.
  const errors: Partial<Record<SettingsField, string>> = {};
  if (!input.ok) errors.input = input.error;
  if (!target.ok) errors.target = target.error;
  if (!lr.ok) errors.lr = lr.error;
  if (!momentum.ok) errors.momentum = momentum.error;
  const settings: TrainerSettings = {
    input: input.ok ? input.values : [],
    target: target.ok ? target.values : [],
    lr: lr.ok ? lr.value : NaN,
    momentum: momentum.ok ? momentum.value : NaN,
    nesterov: optimizer === 'sgd' && ui.nesterov.checked,
    optimizer,
    gradient,
  };
  // The trainer's own checks, for what the boxes cannot see alone (Nesterov without momentum,
  // the blog's formula on a longer signal); a parse error on the same box comes first.
  for (const e of settingsErrors(settings)) {
    if ((e.field === 'input' || e.field === 'target') && (!input.ok || !target.ok)) continue;
    if (e.field === 'gradient' && !input.ok) continue;
    errors[e.field] ??= e.message;
  }
  showError(ui.input, ui.inputError, errors.input);
  showError(ui.target, ui.targetError, errors.target);
  showError(ui.lr, ui.lrError, errors.lr);
  showError(ui.momentum, ui.momentumError, errors.momentum);
  showError(ui.nesterov, ui.nesterovError, errors.nesterov);
  ui.gradientError.textContent = errors.gradient ?? '';
  if (Object.keys(errors).length > 0) return null;
  updateLrHint(settings);
  return settings;
}

function readEpochs(): number | null {
  const e = parseNumber(ui.epochs.value, 'epochs', (v) => Number.isInteger(v) && v >= 0 && v <= 1_000_000, 'a whole number from 0 to 1 000 000');
  showError(ui.epochs, ui.epochsError, e.ok ? undefined : e.error);
  return e.ok ? e.value : null;
}

function showError(box: HTMLInputElement, where: HTMLElement, error: string | undefined): void {
  box.setAttribute('aria-invalid', String(error !== undefined));
  where.textContent = error ?? '';
}

/** The recipe whose settings the controls hold, so the select names the blog's own settings instead of "custom". */
function syncRecipe(): void {
  const gradient = document.querySelector<HTMLInputElement>('input[name=gradient]:checked')?.value ?? 'autograd';
  const i = recipes.findIndex(({ options: o }) =>
    (o.optimizer ?? 'sgd') === ui.optimizer.value
    && (o.gradient ?? 'autograd') === gradient
    && Number(ui.lr.value) === round4(o.lr ?? BLOG_LR)
    && (ui.optimizer.value === 'adam' || (Number(ui.momentum.value) === round4(o.momentum ?? 0) && ui.nesterov.checked === (o.nesterov ?? false))));
  ui.preset.value = i >= 0 ? String(i) : '';
}

const round4 = (v: number) => Number(v.toPrecision(4));

/** The stability limit of plain gradient descent on this input, from the loss's Hessian. */
function updateLrHint(s: TrainerSettings): void {
  let limit = NaN;
  try {
    limit = analyzeHessian(s.input, KERNEL_SIZE).maxStableLr;
  } catch {
    // A degenerate input (all zeros) has no curvature to speak of.
  }
  if (!Number.isFinite(limit) || s.optimizer !== 'sgd' || s.gradient !== 'autograd') {
    ui.lrHint.textContent = s.optimizer === 'adam' ? 'Adam scales each step per parameter; try 0.01–0.1.' : s.gradient === 'blog' ? "The blog's update is not a gradient; the Hessian's limit does not apply to it." : '';
    ui.lrHint.classList.remove('warn');
    return;
  }
  const over = s.lr >= limit;
  ui.lrHint.textContent = `Plain gradient descent is stable for lr < 2/λmax = ${fmt(limit, 4)} on this input${over && s.momentum === 0 ? ': this lr diverges' : ''}.`;
  ui.lrHint.classList.toggle('warn', over && s.momentum === 0);
}

// ---- training ---------------------------------------------------------------------------------

/** Starts a new run from the controls; the old run's loss curve becomes the ghost. */
function newRun(): void {
  if (trainer && trainer.history.length > 1) {
    const s = trainer.settings;
    const name = `previous run (${s.optimizer === 'adam' ? 'Adam' : 'SGD'}, lr ${s.lr}${s.momentum ? `, momentum ${s.momentum}` : ''}${s.gradient === 'blog' ? ", blog's formula" : ''})`;
    ghost = { losses: trainer.history.map((h) => h.loss), name };
  }
  const settings = readSettings();
  trainer = settings ? new Trainer(settings) : null;
  ui.newtonResult.textContent = '';
  for (const r of Object.values(ranges)) r.reset();
  setState(settings ? 'idle' : 'invalid');
  render();
}

function finished(): boolean {
  return trainer !== null && (trainer.diverged || trainer.epoch > epochsTarget);
}

function setState(s: RunState): void {
  state = s;
  document.body.dataset.state = s;
  ui.state.dataset.state = s;
  ui.state.textContent = {
    idle: 'ready', running: 'training…', paused: 'paused', done: 'done', diverged: 'diverged: the loss is not finite',
    invalid: 'fix the highlighted input',
  }[s];
  const canTrain = trainer !== null && !trainer.diverged;
  const epochsOk = readEpochs() !== null;
  ui.step.disabled = !canTrain || s === 'running';
  ui.pause.disabled = s !== 'running';
  ui.newton.disabled = !canTrain || s === 'running';
  ui.reset.disabled = s === 'invalid';
  // Run says why it cannot run instead of ignoring the click.
  const why = s === 'running' ? ''
    : !trainer ? 'Run: fix the highlighted settings first.'
    : trainer.diverged ? 'Run: the loss is no longer finite. Lower the learning rate (the run restarts), or Reset.'
    : !epochsOk ? 'Run: epochs must be a whole number (see the error under it).'
    : finished() ? `Run: epochs 0..${epochsTarget} are done. Raise epochs above ${epochsTarget} to train on, or Reset to start over.`
    : '';
  ui.run.disabled = s === 'running' || why !== '';
  ui.runWhy.textContent = why;
  ui.run.title = why;
  graph.setBusy(s === 'running');
}

function frame(): void {
  if (state !== 'running' || !trainer) return;
  const speed = ui.speed.value;
  const perFrame = speed === 'max' ? Infinity : Number(speed);
  const t0 = performance.now();
  let n = 0;
  while (!finished()) {
    trainer.step();
    n++;
    if (n >= perFrame || performance.now() - t0 > 12) break; // keep each frame short
  }
  if (trainer.diverged) setState('diverged');
  else if (finished()) setState('done');
  render();
  if (state === 'running') requestAnimationFrame(frame);
}

function run(): void {
  const e = readEpochs();
  if (!trainer || trainer.diverged || e === null) return; // Run is disabled then, with the reason under it
  epochsTarget = e;
  if (finished()) {
    setState('done');
    render();
    return;
  }
  setState('running');
  requestAnimationFrame(frame);
}

// ---- drawing ----------------------------------------------------------------------------------

const vec = (v: readonly number[], digits = 4) => `[${v.map((x) => fmt(x, digits)).join(', ')}]`;

function render(): void {
  const settings = trainer?.settings;
  const last = trainer?.history.at(-1);
  ui.epoch.textContent = last ? String(last.epoch) : 'not run yet';
  ui.epoch.classList.toggle('pending', !last);
  if (last) {
    ui.loss.textContent = last.loss.toPrecision(6);
    ui.loss.dataset.loss = String(last.loss);
    ui.loss.dataset.epoch = String(last.epoch);
    ui.lossNote.textContent = '';
  } else {
    // Before the first epoch: the loss at the starting W, b, said to be untrained (data-loss
    // stays empty: it holds recorded epochs only).
    const start = trainer?.peek().loss;
    ui.loss.textContent = start === undefined ? '' : start.toPrecision(6);
    ui.lossNote.textContent = start === undefined ? '' : 'before training';
    ui.loss.dataset.loss = '';
    ui.loss.dataset.epoch = '';
  }
  const weight = trainer ? trainer.weight : [...BLOG_WEIGHT];
  const bias = trainer ? trainer.bias : BLOG_BIAS;
  ui.params.textContent = `W = ${vec(weight)}, b\u00a0=\u00a0${fmt(bias, 4)}`; // b and its value stay on one line
  ui.params.dataset.weight = JSON.stringify(weight);
  ui.params.dataset.bias = String(bias);
  if (!settings || !trainer) return; // keep the last good charts while the input is invalid

  const x = settings.input;
  ranges.input.include(x);
  ui.chartInput.innerHTML = barChart({
    title: 'input signal',
    labels: x.map((_, i) => `x${sub(i)}`),
    series: [{ values: x, kind: 'bar', cls: 'x', name: 'x' }],
    range: ranges.input,
  });

  const start = [...BLOG_WEIGHT, BLOG_BIAS];
  const now = [...weight, bias];
  ranges.filter.include(start);
  ranges.filter.include(now);
  ui.chartFilter.innerHTML = barChart({
    title: 'filter weights and bias',
    labels: [...weight.map((_, j) => `W${sub(j)}`), 'b'],
    series: [
      { values: now.slice(0, -1), kind: 'bar', cls: 'w', name: 'weight now' },
      { values: [...now.slice(0, -1).map(() => NaN), bias], kind: 'bar', cls: 'b', name: 'bias now' },
      { values: start, kind: 'outline', cls: 'w0', name: 'at the start' },
    ],
    range: ranges.filter,
  });

  const pred = last ? last.prediction : trainer.predictNow();
  const pred0 = blogForward(BLOG_WEIGHT, BLOG_BIAS, x);
  ranges.pred.include(settings.target);
  ranges.pred.include(pred0);
  ranges.pred.include(pred);
  ui.chartPred.innerHTML = barChart({
    title: 'prediction against target',
    labels: pred.map((_, i) => `pred${sub(i)}`),
    series: [
      { values: pred0, kind: 'outline', cls: 'pred0', name: 'before training' },
      { values: pred, kind: 'bar', cls: 'pred', name: 'prediction' },
      { values: settings.target, kind: 'tick', cls: 'target', name: 'target' },
    ],
    range: ranges.pred,
  });

  const losses = trainer.history.map((h) => h.loss);
  ui.chartLoss.innerHTML = logLineChart({
    title: 'loss by epoch, log scale',
    xMax: Math.max(epochsTarget, losses.length - 1, ghost ? Math.min(ghost.losses.length - 1, epochsTarget) : 0),
    series: [
      ...(ghost ? [{ values: ghost.losses, cls: 'ghost', name: ghost.name }] : []),
      { values: losses, cls: 'loss', name: 'this run' },
    ],
  });
  ui.ghostLegend.hidden = ghost === null;
  if (ghost) ui.ghostName.textContent = ghost.name;

  renderGradients(settings, pred);
  const next = trainer.epoch;
  graph.setPoint(
    { input: x, target: settings.target, weight, bias },
    next === 0 ? 'The forward pass of epoch 0, at the blog\'s start' : `The forward pass epoch ${next} will start from (after the update of epoch ${next - 1})`,
  );
}

function renderGradients(s: TrainerSettings, pred: readonly number[]): void {
  const row = (name: string, g: { weight: number[]; bias: number } | null, used: boolean, why = '') => {
    const cells = g ? [...g.weight, g.bias].map((v) => `<td>${fmt(v, 4)}</td>`).join('') : `<td colspan="${KERNEL_SIZE + 1}">${why}</td>`;
    return `<tr${used ? ' class="used"' : ''}><td>${name}</td>${cells}</tr>`;
  };
  const truth = trueGradient(s.input, s.target, pred);
  let blog: { weight: number[]; bias: number } | null = null;
  let why = '';
  try {
    blog = blogGradient(s.input, s.target, pred);
  } catch {
    why = `undefined: needs as many outputs as filter taps (an input of ${2 * KERNEL_SIZE - 1})`;
  }
  ui.gradients.tBodies[0]!.innerHTML =
    row('true gradient (what autograd computes)', truth, s.gradient === 'autograd') +
    row("the blog's formula", blog, s.gradient === 'blog', why);
}

function sub(i: number): string {
  return String(i).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)]!);
}

// ---- wiring -----------------------------------------------------------------------------------

function onSettingsChanged(): void {
  syncRecipe();
  const wasRunning = state === 'running';
  newRun();
  if (wasRunning && trainer) run();
}

for (const el of [ui.input, ui.target]) el.addEventListener('input', () => onSettingsChanged());
for (const el of [ui.lr, ui.momentum, ui.optimizer, ui.nesterov]) el.addEventListener('change', () => onSettingsChanged());
document.querySelectorAll<HTMLInputElement>('input[name=gradient]').forEach((el) => el.addEventListener('change', () => onSettingsChanged()));
// On every keystroke, so the error and Run's reason appear while typing, not on leaving the box.
for (const type of ['input', 'change']) {
  ui.epochs.addEventListener(type, () => {
    const e = readEpochs();
    if (e !== null) epochsTarget = e;
    if (state === 'done' && !finished()) setState('paused');
    else if (state === 'paused' && finished()) setState('done');
    else setState(state);
    render();
  });
}
ui.preset.addEventListener('change', () => {
  const r = recipes[Number(ui.preset.value)];
  if (!r || ui.preset.value === '') return;
  const o = r.options;
  ui.optimizer.value = o.optimizer ?? 'sgd';
  ui.lr.value = String(Number((o.lr ?? 0.11).toPrecision(4)));
  ui.momentum.value = String(Number((o.momentum ?? 0).toPrecision(4)));
  ui.nesterov.checked = o.nesterov ?? false;
  document.querySelectorAll<HTMLInputElement>('input[name=gradient]').forEach((el) => (el.checked = el.value === (o.gradient ?? 'autograd')));
  onSettingsChanged();
});
ui.step.addEventListener('click', () => {
  if (!trainer || trainer.diverged || state === 'running') return;
  trainer.step();
  setState(trainer.diverged ? 'diverged' : finished() ? 'done' : 'paused');
  render();
});
// One Newton step, with the Hessian from autograd: on the blog's problem it lands on an exact
// solution (loss ~1e-25) where gradient descent needs tens of thousands of epochs.
ui.newton.addEventListener('click', () => {
  if (!trainer || trainer.diverged || state === 'running') return;
  const r = trainer.newton();
  if (r) {
    const rank = r.rank < r.hessian.length ? `H has rank ${r.rank} of ${r.hessian.length}, so H⁺ is its pseudo-inverse` : 'H is invertible';
    ui.newtonResult.textContent = `Newton step (H from autograd's hessian(); ${rank}): loss ${r.lossBefore.toPrecision(6)} → ${r.loss.toExponential(2)}`;
    ui.newtonResult.dataset.loss = String(r.loss);
  }
  setState(trainer.diverged ? 'diverged' : finished() ? 'done' : 'paused');
  render();
});
ui.run.addEventListener('click', run);
ui.pause.addEventListener('click', () => {
  if (state === 'running') setState('paused');
});
ui.reset.addEventListener('click', () => newRun());

// Anything unexpected is shown on the page rather than left in the console.
window.addEventListener('error', (e) => {
  ui.pageError.textContent = `Unexpected error: ${e.message}`;
  setState('paused');
});

epochsTarget = readEpochs() ?? 200;
syncRecipe();
newRun();
document.body.dataset.ready = 'true';
