/**
 * The blog's model, trained one epoch at a time so the page can draw between epochs.
 *
 * The loop is `trainBlogExample`'s (packages/examples/src/blog/model.ts): a Conv1d(1, 1, 3)
 * set to the blog's W = [1, 1, 1], b = 0.5 with loadStateDict, MSELoss, SGD or Adam, and
 * either Kindling's backward pass or the blog's hand-derived one (`blogLossWithBlogGradient`,
 * reused from @kindling/examples). Unlike trainBlogExample it takes any input and target, and
 * it steps instead of running to the end. The tests check that both give the same numbers.
 */
import { type Tensor, noGrad, tensor } from '@kindling/core';
import { Adam, Conv1d, MSELoss, SGD } from '@kindling/nn';
import { BLOG_BIAS, BLOG_WEIGHT, type BlogEpoch, type NewtonStepResult, blogLossWithBlogGradient, newtonStep } from '@kindling/examples';
import { plural } from './parse.js';

export const KERNEL_SIZE = BLOG_WEIGHT.length;

export interface TrainerSettings {
  input: readonly number[];
  target: readonly number[];
  lr: number;
  momentum: number;
  nesterov: boolean;
  optimizer: 'sgd' | 'adam';
  gradient: 'autograd' | 'blog';
}

/** The control a settings problem belongs to, so the page can show it next to that control. */
export type SettingsField = 'input' | 'target' | 'gradient' | 'lr' | 'momentum' | 'nesterov';

/** Every reason these settings cannot train, each with its control; empty if they can. */
export function settingsErrors(s: TrainerSettings): { field: SettingsField; message: string }[] {
  const k = KERNEL_SIZE;
  const out: { field: SettingsField; message: string }[] = [];
  if (s.input.length < k) out.push({ field: 'input', message: `input x needs at least ${plural(k, 'value')} (the filter has ${k} taps), got ${s.input.length}` });
  else if (s.target.length !== s.input.length - k + 1) {
    out.push({ field: 'target', message: `target y needs ${plural(s.input.length - k + 1, 'value')} (one per filter position: ${s.input.length} − ${k} + 1), got ${s.target.length}` });
  }
  if (s.gradient === 'blog' && s.input.length - k + 1 !== k) {
    out.push({ field: 'gradient', message: `the blog's formula mixes the output index with the filter index, so it only works when there are as many outputs as taps: input x needs ${2 * k - 1} values` });
  }
  if (!(Number.isFinite(s.lr) && s.lr > 0)) out.push({ field: 'lr', message: `learning rate must be a positive number, got ${s.lr}` });
  if (s.optimizer === 'sgd') {
    if (!(Number.isFinite(s.momentum) && s.momentum >= 0 && s.momentum < 1)) out.push({ field: 'momentum', message: `momentum must be in [0, 1), got ${s.momentum}` });
    else if (s.nesterov && s.momentum === 0) out.push({ field: 'nesterov', message: 'Nesterov needs a momentum above 0' });
  }
  return out;
}

/** Why these settings cannot train (the first reason), or null if they can. */
export function settingsError(s: TrainerSettings): string | null {
  return settingsErrors(s)[0]?.message ?? null;
}

export class Trainer {
  /** One entry per epoch: the loss and prediction of the forward pass that epoch's update starts from. */
  readonly history: BlogEpoch[] = [];
  /** The gradient the optimizer used in the last update (weight.grad, bias.grad after backward). */
  lastGradient: { weight: number[]; bias: number } | null = null;
  diverged = false;
  private readonly x: Tensor;
  private readonly y: Tensor;
  private readonly conv: Conv1d;
  private readonly mse = new MSELoss();
  private opt: SGD | Adam;
  /**
   * True when the last history entry is already the forward pass at the current W, b (a Newton
   * step records where it landed), so the next step() must not record that pass a second time.
   */
  private landed = false;

  constructor(readonly settings: TrainerSettings) {
    const err = settingsError(settings);
    if (err) throw new Error(`Trainer: ${err}`);
    this.x = tensor([[settings.input.slice()]]);
    this.y = tensor([[settings.target.slice()]]);
    this.conv = new Conv1d(1, 1, KERNEL_SIZE);
    this.conv.loadStateDict({ weight: [[BLOG_WEIGHT.slice()]], bias: [BLOG_BIAS] });
    this.opt = this.makeOptimizer();
  }

  private makeOptimizer(): SGD | Adam {
    const s = this.settings;
    const params = [this.conv.weight, this.conv.bias!];
    return s.optimizer === 'adam' ? new Adam(params, { lr: s.lr }) : new SGD(params, { lr: s.lr, momentum: s.momentum, nesterov: s.nesterov });
  }

  /** The forward pass at the current W, b as a history entry, not recorded (the page shows it before the first epoch). */
  peek(): BlogEpoch {
    const pred = noGrad(() => this.conv.forward(this.x));
    const loss = noGrad(() => this.mse.forward(pred, this.y));
    return { epoch: this.history.length, loss: loss.item(), prediction: Array.from(pred.dataSync()) };
  }

  /** The next epoch to run (0 before any). */
  get epoch(): number {
    return this.history.length;
  }

  /** The filter and bias now (after the last update). */
  get weight(): number[] {
    return Array.from(this.conv.weight.dataSync());
  }

  get bias(): number {
    return this.conv.bias!.dataSync()[0]!;
  }

  /** The prediction for the current weights, without recording a graph. */
  predictNow(): number[] {
    return Array.from(noGrad(() => this.conv.forward(this.x)).dataSync());
  }

  /** One epoch: forward pass, record it, backward pass, optimizer step. Stops updating once the loss is not finite. */
  step(): BlogEpoch {
    if (this.diverged) return this.history.at(-1)!;
    const { weight, bias } = this.conv;
    this.opt.zeroGrad();
    let pred: Tensor;
    let loss: Tensor;
    if (this.settings.gradient === 'autograd') {
      pred = this.conv.forward(this.x);
      loss = this.mse.forward(pred, this.y);
    } else {
      pred = noGrad(() => this.conv.forward(this.x));
      loss = blogLossWithBlogGradient(weight, bias!, this.settings.input, this.settings.target);
    }
    let entry: BlogEpoch;
    if (this.landed) {
      entry = this.history.at(-1)!; // recorded by newton() at this very W, b
      this.landed = false;
    } else {
      entry = { epoch: this.history.length, loss: loss.item(), prediction: Array.from(pred.dataSync()) };
      this.history.push(entry);
    }
    if (!Number.isFinite(entry.loss)) {
      this.diverged = true;
      return entry;
    }
    loss.backward();
    this.lastGradient = { weight: Array.from(weight.grad!.dataSync()), bias: bias!.grad!.dataSync()[0]! };
    this.opt.step();
    return entry;
  }

  /**
   * One Newton step θ ← θ − H⁺∇L on the current W, b: ∇L and the Hessian H come from Kindling's
   * autograd (`newtonStep` from @kindling/examples calls `grad()` and `hessian()`), H⁺ is the
   * pseudo-inverse. Like step() it records the forward pass it starts from; then it records the
   * forward pass where it landed, so the page shows the drop at once. The optimizer starts over:
   * momentum or Adam moments gathered before the jump would carry the parameters away from the
   * minimum Newton found. Returns null when the run has diverged.
   */
  newton(): NewtonStepResult | null {
    if (this.diverged) return null;
    if (!this.landed) this.history.push(this.peek());
    const r = newtonStep({ weight: this.weight, bias: this.bias, input: this.settings.input, target: this.settings.target });
    this.lastGradient = { weight: r.gradient.slice(0, -1), bias: r.gradient.at(-1)! };
    this.conv.loadStateDict({ weight: [[r.weight]], bias: [r.bias] });
    this.opt = this.makeOptimizer();
    const landed = this.peek();
    this.history.push(landed);
    this.landed = true;
    if (!Number.isFinite(landed.loss)) this.diverged = true;
    return r;
  }
}
