import { Tensor, checkOptions, describeValue } from '@kindling/core';
import {
  type AnyOptimizer, type SchedulerStateDict, checkOptimizer, groupsOf, int, num, numbers, perGroup, stateKeys,
} from './lr-scheduler.js';

/**
 * Options of {@link ReduceLROnPlateau}, torch.optim.lr_scheduler.ReduceLROnPlateau's (camelCase).
 *
 * @category Learning-rate schedulers
 */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): the metric should fall (a loss); `'max'`: it should rise (an accuracy). */
  mode?: 'min' | 'max';
  /** new lr = lr · factor, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement tolerated before the lr is cut (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4); see `thresholdMode`. */
  threshold?: number;
  /** `'rel'` (default): better than best · (1 ∓ threshold); `'abs'`: better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a cut before counting bad epochs again (default 0). */
  cooldown?: number;
  /** A floor for the lr: one number, or one per param group (default 0). */
  minLr?: number | readonly number[];
  /** A cut smaller than this is skipped (default 1e-8). */
  eps?: number;
}

const KEYS = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'];
const STATE_KEYS = [
  'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLrs', 'eps',
  'lastEpoch', 'best', 'numBadEpochs', 'cooldownCounter', 'lastLr',
];

/**
 * Cuts the lr when a metric stops improving (torch.optim.lr_scheduler.ReduceLROnPlateau): call
 * `step(metric)` once per epoch with, say, the validation loss. When `patience` epochs in a row
 * bring no improvement (by `threshold`, see `thresholdMode`), every group's lr becomes
 * `max(lr · factor, minLr)`, unless that changes it by less than `eps`; then `cooldown` epochs
 * pass before bad epochs count again.
 *
 * Unlike the other schedulers it does not touch the lrs at construction and adds no `initialLr`
 * to the param groups (as in PyTorch). `getLastLr()` gives the groups' lrs before the first step
 * (PyTorch 1.13 has no `get_last_lr` here; later versions behave so). The metric is a number or a
 * one-element tensor; NaN counts as no improvement, as in PyTorch.
 *
 * @example
 * ```ts
 * import { Linear, ReduceLROnPlateau, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.1 });
 * const sched = new ReduceLROnPlateau(opt, { patience: 2, factor: 0.5 });
 * for (const valLoss of [1.0, 0.8, 0.8, 0.8, 0.8]) sched.step(valLoss);
 * console.log(sched.getLastLr()); // [0.05]: the third epoch without improvement cut the lr
 * ```
 *
 * @category Learning-rate schedulers
 */
export class ReduceLROnPlateau {
  /** The optimizer whose lrs are cut. */
  readonly optimizer: AnyOptimizer;
  /** Whether the metric should fall or rise. */
  readonly mode: 'min' | 'max';
  /** The factor applied by a cut. */
  readonly factor: number;
  /** Bad epochs tolerated before a cut. */
  readonly patience: number;
  /** The improvement that counts. */
  readonly threshold: number;
  /** Relative or absolute `threshold`. */
  readonly thresholdMode: 'rel' | 'abs';
  /** Epochs without counting after a cut. */
  readonly cooldown: number;
  /** The lr floor of each group. */
  readonly minLrs: readonly number[];
  /** The smallest cut applied. */
  readonly eps: number;
  /** Steps taken (PyTorch's `last_epoch`, 0 after construction). */
  lastEpoch = 0;
  /** The best metric so far (+Infinity in 'min' mode, -Infinity in 'max' mode before any). */
  best: number;
  /** Epochs since the last improvement (reset by a cut and during cooldown). */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    const N = 'ReduceLROnPlateau';
    const o = checkOptions(N, opts, KEYS);
    this.optimizer = checkOptimizer(N, optimizer);
    const groups = groupsOf(this.optimizer);
    this.mode = checkMode(N, 'mode', o.mode ?? 'min');
    this.factor = num(N, 'factor', o.factor ?? 0.1, { min: 0, max: 1, maxOpen: true });
    this.patience = int(N, 'patience', o.patience ?? 10, 0);
    this.threshold = num(N, 'threshold', o.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = checkThresholdMode(N, 'thresholdMode', o.thresholdMode ?? 'rel');
    this.cooldown = int(N, 'cooldown', o.cooldown ?? 0, 0);
    this.minLrs = perGroup(N, 'minLr', o.minLr ?? 0, groups.length, (x, w) => num(N, w, x, { min: 0 }));
    this.eps = num(N, 'eps', o.eps ?? 1e-8, { min: 0 });
    this.best = this.modeWorse();
    this.lastLr = groups.map((g) => g.lr);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** PyTorch's `is_better`, operation for operation. */
  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lrs if it is time. */
  step(metric: number | Tensor): void {
    let current: number;
    if (typeof metric === 'number') current = metric;
    else if (metric instanceof Tensor && metric.size === 1) current = metric.item();
    else throw new Error(`ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got ${metric instanceof Tensor ? `a Tensor of shape [${metric.shape.join(', ')}]` : describeValue(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = groupsOf(this.optimizer).map((g) => g.lr);
  }

  private reduceLr(): void {
    groupsOf(this.optimizer).forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** True while cooling down after a cut. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** The lr of each param group after the latest step (before any: the groups' lrs); a copy. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /**
   * The state as plain JSON: hyper-parameters, counters and `best` (written as the string
   * `'Infinity'` or `'-Infinity'` while it is infinite, which JSON cannot hold).
   */
  stateDict(): SchedulerStateDict {
    return {
      mode: this.mode, factor: this.factor, patience: this.patience, threshold: this.threshold,
      thresholdMode: this.thresholdMode, cooldown: this.cooldown, minLrs: this.minLrs.slice(), eps: this.eps,
      lastEpoch: this.lastEpoch, best: Number.isFinite(this.best) ? this.best : String(this.best),
      numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter, lastLr: this.lastLr.slice(),
    };
  }

  /** Restores a state from `stateDict()` (over the same number of param groups); checked first, all or nothing. */
  loadStateDict(sd: SchedulerStateDict): void {
    this._readState(sd)();
  }

  /** @internal Validates a state dict and returns what applies it. */
  _readState(sd: unknown): () => void {
    const where = 'ReduceLROnPlateau.loadStateDict';
    const s = stateKeys(where, sd, STATE_KEYS);
    const n = groupsOf(this.optimizer).length;
    const mode = checkMode(where, "'mode'", s.mode);
    const factor = num(where, "'factor'", s.factor, { min: 0, max: 1, maxOpen: true });
    const patience = int(where, "'patience'", s.patience, 0);
    const threshold = num(where, "'threshold'", s.threshold, { min: 0 });
    const thresholdMode = checkThresholdMode(where, "'thresholdMode'", s.thresholdMode);
    const cooldown = int(where, "'cooldown'", s.cooldown, 0);
    const minLrs = numbers(where, 'minLrs', s.minLrs, n, 0);
    const eps = num(where, "'eps'", s.eps, { min: 0 });
    const lastEpoch = int(where, "'lastEpoch'", s.lastEpoch, 0);
    const best = s.best === 'Infinity' ? Infinity : s.best === '-Infinity' ? -Infinity : num(where, "'best'", s.best);
    const numBadEpochs = int(where, "'numBadEpochs'", s.numBadEpochs, 0);
    const cooldownCounter = int(where, "'cooldownCounter'", s.cooldownCounter, 0);
    const lastLr = numbers(where, 'lastLr', s.lastLr, n, 0);
    return () => Object.assign(this, {
      mode, factor, patience, threshold, thresholdMode, cooldown, minLrs, eps, lastEpoch, best, numBadEpochs, cooldownCounter, lastLr,
    });
  }
}

function checkMode(name: string, what: string, v: unknown): 'min' | 'max' {
  if (v !== 'min' && v !== 'max') throw new Error(`${name}: ${what} must be 'min' or 'max', got ${describeValue(v)}`);
  return v;
}

function checkThresholdMode(name: string, what: string, v: unknown): 'rel' | 'abs' {
  if (v !== 'rel' && v !== 'abs') throw new Error(`${name}: ${what} must be 'rel' or 'abs', got ${describeValue(v)}`);
  return v;
}
