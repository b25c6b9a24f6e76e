import { checkOptions, describeValue } from '@kindling/core';
import { Optimizer } from './optimizer.js';

/*
 * Learning-rate schedulers, as torch.optim.lr_scheduler (PyTorch 1.13) implements them: the
 * "chainable" recursive forms (each step reads the group's current lr and updates it, so
 * schedulers compose and an lr changed by hand between steps is respected), and the closed forms
 * only where PyTorch uses them (SequentialLR switching to the next scheduler, which restarts it at
 * epoch 0: PyTorch's `step(0)`, so only their epoch-0 values are needed). The arithmetic is
 * written in PyTorch's operation order so that the float64 numbers agree to the last bits or
 * nearly (test/schedulers.test.ts compares every lr to torch's to 1e-12).
 *
 * Like PyTorch, the schedulers keep their inputs in the optimizer's param groups: every
 * scheduler but ReduceLROnPlateau gives each group an `initialLr` (if it has none), and
 * OneCycleLR adds `maxLr`, `minLr`, `maxMomentum`, `baseMomentum`. Those keys travel in the
 * optimizer's stateDict, so a checkpoint restores them.
 */

/**
 * Any of the optimizers (SGD, Adam, ...): what a scheduler wraps.
 *
 * @category Learning-rate schedulers
 */
export type AnyOptimizer = Optimizer<{ lr: number }, unknown>;

/**
 * A value of a scheduler's state dict: plain JSON (numbers, strings, booleans, arrays, objects).
 *
 * @category Learning-rate schedulers
 */
export type SchedulerStateValue = number | string | boolean | null | SchedulerStateValue[] | { [key: string]: SchedulerStateValue };

/**
 * A scheduler's `stateDict()`: plain JSON, so `JSON.parse(JSON.stringify(sd))` loads back
 * unchanged (non-finite numbers, which JSON lacks, are written as the strings `'Infinity'` and
 * `'-Infinity'`). Holds the counters, the base lrs and the scheduler's own hyper-parameters, as
 * PyTorch's (which is the scheduler's `__dict__`) does.
 *
 * @category Learning-rate schedulers
 */
export type SchedulerStateDict = { [key: string]: SchedulerStateValue };

/** A param group seen as what it is at run time: a plain object with `lr` and whatever else. */
export type Group = Record<string, unknown> & { lr: number };

/** The optimizer's param groups, typed for the schedulers' reads and writes. */
export function groupsOf(opt: AnyOptimizer): Group[] {
  return opt.paramGroups as unknown as Group[];
}

/** Throws unless `opt` is one of Kindling's optimizers. */
export function checkOptimizer(name: string, opt: unknown): AnyOptimizer {
  if (!(opt instanceof Optimizer)) throw new Error(`${name}: optimizer must be an Optimizer (SGD, Adam, ...), got ${describeValue(opt)}`);
  return opt as AnyOptimizer;
}

/** A finite number; with a range, in [min, max] (max optional, `open` makes a bound exclusive). */
export function num(
  name: string, what: string, v: unknown,
  range?: { min: number; max?: number; minOpen?: boolean; maxOpen?: boolean },
): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: ${what} must be a finite number, got ${describeValue(v)}`);
  if (range === undefined) return v;
  const { min, max, minOpen = false, maxOpen = false } = range;
  const lowOk = minOpen ? v > min : v >= min;
  const highOk = max === undefined || (maxOpen ? v < max : v <= max);
  if (!lowOk || !highOk) {
    const hi = max === undefined ? 'inf)' : `${max}${maxOpen ? ')' : ']'}`;
    throw new Error(`${name}: ${what} must be in ${minOpen ? '(' : '['}${min}, ${hi}, got ${v}`);
  }
  return v;
}

/** An integer >= min. */
export function int(name: string, what: string, v: unknown, min: number): number {
  if (!Number.isSafeInteger(v) || (v as number) < min) {
    const kind = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new Error(`${name}: ${what} must be ${kind}, got ${describeValue(v)}`);
  }
  return v as number;
}

export function boolean(name: string, what: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new Error(`${name}: ${what} must be a boolean, got ${describeValue(v)}`);
  return v;
}

/** One number per param group: an array of that length, or one number for every group. */
export function perGroup(name: string, what: string, v: unknown, groups: number, check: (x: unknown, what: string) => number): number[] {
  if (Array.isArray(v)) {
    if (v.length !== groups) throw new Error(`${name}: expected ${groups} value(s) for ${what} (one per param group), got ${v.length}`);
    return Array.from(v, (x, i) => check(x, `${what}[${i}]`)); // Array.from: a hole is checked as undefined
  }
  const x = check(v, what);
  return new Array<number>(groups).fill(x);
}

/** Reads a list of `groups` finite numbers >= min from a state dict. */
export function numbers(name: string, what: string, v: unknown, groups: number, min: number): number[] {
  if (!Array.isArray(v) || v.length !== groups) {
    throw new Error(`${name}: '${what}' must be an array of ${groups} number(s) (one per param group), got ${Array.isArray(v) ? `${v.length} value(s)` : describeValue(v)}`);
  }
  return Array.from(v, (x, i) => num(name, `'${what}'[${i}]`, x, { min }));
}

/**
 * Checks a state dict's keys (all of `keys`, nothing else) before anything is read from it.
 * @returns the dict as a record
 */
export function stateKeys(name: string, sd: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof sd !== 'object' || sd === null || Array.isArray(sd)) throw new Error(`${name}: expected a state dict object, got ${describeValue(sd)}`);
  checkOptions(name, sd as Record<string, unknown>, keys);
  for (const k of keys) if (!Object.hasOwn(sd, k)) throw new Error(`${name}: the state dict has no '${k}'`);
  return sd as Record<string, unknown>;
}

/** Python's bisect_right on a sorted array. */
export function bisectRight(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const BASE_KEYS = ['lastEpoch', 'baseLrs', 'stepCount', 'lastLr'] as const;

/**
 * The base of the epoch-driven schedulers (torch.optim.lr_scheduler._LRScheduler). A subclass
 * validates its arguments, then calls `start()`, which (with `lastEpoch` -1) gives every param
 * group an `initialLr` equal to its lr unless it already has one, takes those as `baseLrs` and
 * makes the initial step (`lastEpoch` 0), which applies the epoch-0 lr, as PyTorch does. Nothing
 * is written to the optimizer before every argument has been checked.
 *
 * Call `step()` once per epoch (or per batch, for OneCycleLR), after `optimizer.step()`.
 *
 * @category Learning-rate schedulers
 */
export abstract class LRScheduler {
  /** The optimizer whose param groups' lrs this scheduler sets. */
  readonly optimizer: AnyOptimizer;
  /** How many steps have been taken: 0 after construction (PyTorch's `last_epoch`). */
  lastEpoch: number;
  /** Each group's `initialLr`, read at construction (PyTorch's `base_lrs`). */
  baseLrs: number[] = [];
  /** The lr of each group after the latest step. */
  protected lastLr: number[] = [];
  /** @internal Steps taken since the initial one, counting it (PyTorch's `_step_count`). */
  _stepCount = 0;

  /** Checks the optimizer and `lastEpoch`; the subclass checks the rest, then calls `start()`. */
  protected constructor(
    /** The scheduler's name, for error messages. */
    protected readonly name: string,
    optimizer: AnyOptimizer,
    lastEpoch: number | undefined,
  ) {
    this.optimizer = checkOptimizer(name, optimizer);
    this.lastEpoch = int(name, 'lastEpoch', lastEpoch ?? -1, -1);
  }

  /** Attaches to the optimizer's groups and takes the initial step (see the class comment). */
  protected start(): void {
    const groups = groupsOf(this.optimizer);
    if (this.lastEpoch === -1) {
      for (const g of groups) if (!Object.hasOwn(g, 'initialLr')) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!Object.hasOwn(g, 'initialLr')) {
          throw new Error(`${this.name}: paramGroups[${i}] has no 'initialLr', which resuming with lastEpoch = ${this.lastEpoch} needs (as in PyTorch; restore the optimizer's stateDict, or set it)`);
        }
        num(this.name, `paramGroups[${i}].initialLr`, g.initialLr, { min: 0 });
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this._initialStep();
  }

  /** @internal PyTorch's `_initial_step`: resets the step count and steps once. */
  _initialStep(): void {
    this._stepCount = 0;
    this._stepAt(false);
  }

  /** Advances one epoch and writes the new lr into every param group. */
  step(): void {
    this._stepAt(false);
  }

  /**
   * @internal One step: the next epoch in the recursive form (PyTorch's `step()`), or, with
   * `restart` (SequentialLR at a milestone; PyTorch's `step(0)`), epoch 0 in the closed form. A
   * step that throws (OneCycleLR past its end) changes nothing: `computeLr` checks before it writes.
   */
  _stepAt(restart: boolean): void {
    const saved = { lastEpoch: this.lastEpoch, stepCount: this._stepCount };
    const groups = groupsOf(this.optimizer);
    this._stepCount++;
    let values: number[];
    try {
      if (restart) {
        this.lastEpoch = 0;
        values = this.restartLr();
      } else {
        this.lastEpoch++;
        values = this.computeLr();
      }
    } catch (e) {
      this.lastEpoch = saved.lastEpoch;
      this._stepCount = saved.stepCount;
      throw e;
    }
    groups.forEach((g, i) => {
      g.lr = values[i]!;
    });
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The lr of each param group after the latest step (PyTorch's `get_last_lr()`); a copy. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The recursive form: the next lr of each group, from `lastEpoch` and the groups' current lrs. */
  protected abstract computeLr(): number[];

  /**
   * The lr of each group at epoch 0 in PyTorch's closed form (`_get_closed_form_lr`, from
   * `baseLrs`), for a restart by SequentialLR; the recursive form where PyTorch has none (OneCycleLR).
   */
  protected abstract restartLr(): number[];

  /** The scheduler's own hyper-parameters, as saved in the state dict. */
  protected abstract hyperParameters(): SchedulerStateDict;

  /**
   * Validates the hyper-parameters in a state dict (the keys of `hyperParameters()`) and returns
   * what assigns them; the returned function must not throw.
   */
  protected abstract readHyperParameters(sd: Record<string, unknown>, where: string): () => void;

  /** The scheduler's state as plain JSON (see {@link SchedulerStateDict}): counters, base lrs, hyper-parameters. */
  stateDict(): SchedulerStateDict {
    return { ...this.hyperParameters(), lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice(), stepCount: this._stepCount, lastLr: this.lastLr.slice() };
  }

  /**
   * Restores a state saved by `stateDict()` of the same kind of scheduler over the same number of
   * param groups. Everything is checked first; on error nothing changes. Restore the optimizer's
   * state too (`optimizer.loadStateDict`): the current lrs live there.
   */
  loadStateDict(sd: SchedulerStateDict): void {
    this._readState(sd)();
  }

  /** @internal Validates a state dict and returns what applies it (which cannot throw). */
  _readState(sd: unknown): () => void {
    const where = `${this.name}.loadStateDict`;
    const keys = Object.keys(this.hyperParameters());
    const s = stateKeys(where, sd, [...keys, ...BASE_KEYS]);
    const n = groupsOf(this.optimizer).length;
    const lastEpoch = int(where, "'lastEpoch'", s.lastEpoch, -1);
    const stepCount = int(where, "'stepCount'", s.stepCount, 0);
    const baseLrs = numbers(where, 'baseLrs', s.baseLrs, n, 0);
    const lastLr = numbers(where, 'lastLr', s.lastLr, n, 0);
    const commit = this.readHyperParameters(s, where);
    return () => {
      this.lastEpoch = lastEpoch;
      this._stepCount = stepCount;
      this.baseLrs = baseLrs;
      this.lastLr = lastLr;
      commit();
    };
  }
}

/**
 * Options of {@link StepLR}.
 *
 * @category Learning-rate schedulers
 */
export interface StepLROptions {
  /** Multiplies the lr every `stepSize` epochs (default 0.1). */
  gamma?: number;
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs (torch.optim.lr_scheduler.StepLR):
 * lr = initialLr · gamma^floor(epoch / stepSize) when nothing else changes it.
 *
 * @example
 * ```ts
 * import { Linear, SGD, StepLR } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.1 });
 * const sched = new StepLR(opt, 2, { gamma: 0.5 });
 * const lrs = [sched.getLastLr()[0]];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   opt.step();   // the epoch's training steps go here
 *   sched.step();
 *   lrs.push(sched.getLastLr()[0]);
 * }
 * console.log(lrs); // [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
 * ```
 *
 * @category Learning-rate schedulers
 */
export class StepLR extends LRScheduler {
  /** Period of the decay, in epochs. */
  readonly stepSize: number;
  /** The decay factor. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, stepSize: number, opts: StepLROptions = {}) {
    const o = checkOptions('StepLR', opts, ['gamma', 'lastEpoch']);
    super('StepLR', optimizer, o.lastEpoch);
    this.stepSize = int('StepLR', 'stepSize', stepSize, 1);
    this.gamma = num('StepLR', 'gamma', o.gamma ?? 0.1, { min: 0 });
    this.start();
  }

  protected computeLr(): number[] {
    const groups = groupsOf(this.optimizer);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected restartLr(): number[] {
    return this.baseLrs; // base · gamma^floor(0 / stepSize)
  }

  protected hyperParameters(): SchedulerStateDict {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const stepSize = int(where, "'stepSize'", sd.stepSize, 1);
    const gamma = num(where, "'gamma'", sd.gamma, { min: 0 });
    return () => Object.assign(this, { stepSize, gamma });
  }
}

/**
 * Options of {@link MultiStepLR}.
 *
 * @category Learning-rate schedulers
 */
export interface MultiStepLROptions {
  /** Multiplies the lr at each milestone (default 0.1). */
  gamma?: number;
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/** MultiStepLR's milestones: non-negative integers in increasing order (repeats allowed). */
function checkMilestones(name: string, what: string, v: unknown): number[] {
  if (!Array.isArray(v)) throw new Error(`${name}: ${what} must be an array of integers, got ${describeValue(v)}`);
  const out = Array.from(v, (m, i) => int(name, `${what}[${i}]`, m, 0));
  for (let i = 1; i < out.length; i++) {
    if (out[i]! < out[i - 1]!) {
      throw new Error(`${name}: ${what} must be increasing (a repeated milestone applies gamma once per repetition), got [${out.join(', ')}]`);
    }
  }
  return out;
}

/**
 * Multiplies each group's lr by `gamma` at each milestone epoch (torch.optim.lr_scheduler.MultiStepLR).
 * Milestones must be increasing; one listed twice applies `gamma` twice, as PyTorch's Counter does.
 *
 * @example
 * ```ts
 * import { Linear, MultiStepLR, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 1 });
 * const sched = new MultiStepLR(opt, [2, 4], { gamma: 0.5 });
 * for (let epoch = 0; epoch < 5; epoch++) sched.step();
 * console.log(sched.getLastLr()); // [0.25]
 * ```
 *
 * @category Learning-rate schedulers
 */
export class MultiStepLR extends LRScheduler {
  /** The epochs at which the lr decays (sorted; repeats allowed). */
  readonly milestones: readonly number[];
  /** The decay factor. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, milestones: readonly number[], opts: MultiStepLROptions = {}) {
    const o = checkOptions('MultiStepLR', opts, ['gamma', 'lastEpoch']);
    super('MultiStepLR', optimizer, o.lastEpoch);
    this.milestones = checkMilestones('MultiStepLR', 'milestones', milestones);
    this.gamma = num('MultiStepLR', 'gamma', o.gamma ?? 0.1, { min: 0 });
    this.start();
  }

  protected computeLr(): number[] {
    const groups = groupsOf(this.optimizer);
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    return groups.map((g) => g.lr * this.gamma ** count); // off a milestone: lr · gamma^0, exactly lr
  }

  protected restartLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.milestones, 0)); // a milestone 0 counts
  }

  protected hyperParameters(): SchedulerStateDict {
    return { milestones: this.milestones.slice(), gamma: this.gamma };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const milestones = checkMilestones(where, "'milestones'", sd.milestones);
    const gamma = num(where, "'gamma'", sd.gamma, { min: 0 });
    return () => Object.assign(this, { milestones, gamma });
  }
}

/**
 * Options of {@link ExponentialLR}.
 *
 * @category Learning-rate schedulers
 */
export interface ExponentialLROptions {
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Multiplies each group's lr by `gamma` every epoch (torch.optim.lr_scheduler.ExponentialLR).
 *
 * @example
 * ```ts
 * import { ExponentialLR, Linear, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 1 });
 * const sched = new ExponentialLR(opt, 0.5);
 * sched.step();
 * sched.step();
 * console.log(opt.paramGroups[0].lr); // 0.25
 * ```
 *
 * @category Learning-rate schedulers
 */
export class ExponentialLR extends LRScheduler {
  /** The factor applied every epoch. */
  readonly gamma: number;

  constructor(optimizer: AnyOptimizer, gamma: number, opts: ExponentialLROptions = {}) {
    const o = checkOptions('ExponentialLR', opts, ['lastEpoch']);
    super('ExponentialLR', optimizer, o.lastEpoch);
    this.gamma = num('ExponentialLR', 'gamma', gamma, { min: 0 });
    this.start();
  }

  protected computeLr(): number[] {
    const groups = groupsOf(this.optimizer);
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected restartLr(): number[] {
    return this.baseLrs; // base · gamma^0
  }

  protected hyperParameters(): SchedulerStateDict {
    return { gamma: this.gamma };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const gamma = num(where, "'gamma'", sd.gamma, { min: 0 });
    return () => Object.assign(this, { gamma });
  }
}

/**
 * Options of {@link CosineAnnealingLR}.
 *
 * @category Learning-rate schedulers
 */
export interface CosineAnnealingLROptions {
  /** The lowest lr (default 0). */
  etaMin?: number;
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Cosine annealing from each group's initial lr down to `etaMin` over `tMax` epochs
 * (torch.optim.lr_scheduler.CosineAnnealingLR), in PyTorch's recursive form:
 * lr_t = (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)) · (lr_{t−1} − etaMin) + etaMin, which equals
 * etaMin + (initialLr − etaMin)(1 + cos(πt/T))/2 when nothing else changes the lr. Past `tMax` the
 * lr climbs back up (the cosine continues; epochs (2k+1)·T + 1 use PyTorch's special step), so
 * stop at `tMax` or chain another scheduler with {@link SequentialLR}.
 *
 * @example
 * ```ts
 * import { CosineAnnealingLR, Linear, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.1 });
 * const sched = new CosineAnnealingLR(opt, 10, { etaMin: 0.001 });
 * for (let epoch = 0; epoch < 5; epoch++) sched.step();
 * console.log(sched.getLastLr()[0].toFixed(4)); // '0.0505' (half way)
 * ```
 *
 * @category Learning-rate schedulers
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half the cosine's period, in epochs. */
  readonly tMax: number;
  /** The lowest lr. */
  readonly etaMin: number;

  constructor(optimizer: AnyOptimizer, tMax: number, opts: CosineAnnealingLROptions = {}) {
    const o = checkOptions('CosineAnnealingLR', opts, ['etaMin', 'lastEpoch']);
    super('CosineAnnealingLR', optimizer, o.lastEpoch);
    this.tMax = int('CosineAnnealingLR', 'tMax', tMax, 1);
    this.etaMin = num('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0, { min: 0 });
    this.start();
  }

  protected computeLr(): number[] {
    const groups = groupsOf(this.optimizer);
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return groups.map((g) => g.lr);
    // The first step after resuming with lastEpoch > 0 has no previous lr of its own: closed form
    // (PyTorch also tests last_epoch > 0, which always holds past the return above).
    if (this._stepCount === 1) return this.baseLrs.map((b) => etaMin + (b - etaMin) * (1 + Math.cos(e * Math.PI / T)) / 2);
    // At t = (2k+1)T + 1 the ratio below would divide by 1 + cos(π(2k+1)) = 0; PyTorch adds the step instead.
    if ((e - 1 - T) % (2 * T) === 0) return groups.map((g, i) => g.lr + (this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / T)) / 2);
    return groups.map((g) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (g.lr - etaMin) + etaMin);
  }

  protected restartLr(): number[] {
    // etaMin + (base − etaMin)(1 + cos 0)/2, which rounds to this exactly (not always to base).
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin));
  }

  protected hyperParameters(): SchedulerStateDict {
    return { tMax: this.tMax, etaMin: this.etaMin };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const tMax = int(where, "'tMax'", sd.tMax, 1);
    const etaMin = num(where, "'etaMin'", sd.etaMin, { min: 0 });
    return () => Object.assign(this, { tMax, etaMin });
  }
}

/**
 * Options of {@link LinearLR}.
 *
 * @category Learning-rate schedulers
 */
export interface LinearLROptions {
  /** The lr factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The lr factor from epoch `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** How many epochs the factor takes to go from start to end (default 5). */
  totalIters?: number;
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Scales each group's lr by a factor that moves linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs, then stays (torch.optim.lr_scheduler.LinearLR): the usual warm-up, e.g.
 * before a decay in a {@link SequentialLR}. `startFactor` must be above 0 (PyTorch 1.13 accepts 0
 * and then divides by zero on the first step).
 *
 * @example
 * ```ts
 * import { Linear, LinearLR, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
 * const lrs = [warmup.getLastLr()[0]];
 * for (let epoch = 0; epoch < 4; epoch++) {
 *   warmup.step();
 *   lrs.push(warmup.getLastLr()[0]);
 * }
 * console.log(lrs.map((v) => v.toFixed(3))); // ['0.025', '0.050', '0.075', '0.100', '0.100']
 * ```
 *
 * @category Learning-rate schedulers
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0. */
  readonly startFactor: number;
  /** The factor from epoch `totalIters` on. */
  readonly endFactor: number;
  /** Length of the ramp, in epochs. */
  readonly totalIters: number;

  constructor(optimizer: AnyOptimizer, opts: LinearLROptions = {}) {
    const o = checkOptions('LinearLR', opts, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    super('LinearLR', optimizer, o.lastEpoch);
    this.startFactor = num('LinearLR', 'startFactor', o.startFactor ?? 1 / 3, { min: 0, max: 1, minOpen: true });
    this.endFactor = num('LinearLR', 'endFactor', o.endFactor ?? 1, { min: 0, max: 1 });
    this.totalIters = int('LinearLR', 'totalIters', o.totalIters ?? 5, 1);
    this.start();
  }

  protected computeLr(): number[] {
    const groups = groupsOf(this.optimizer);
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return groups.map((g) => g.lr * s);
    if (e > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected restartLr(): number[] {
    return this.baseLrs.map((b) => b * this.startFactor); // base · (s + (f − s) · min(n, 0) / n)
  }

  protected hyperParameters(): SchedulerStateDict {
    return { startFactor: this.startFactor, endFactor: this.endFactor, totalIters: this.totalIters };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const startFactor = num(where, "'startFactor'", sd.startFactor, { min: 0, max: 1, minOpen: true });
    const endFactor = num(where, "'endFactor'", sd.endFactor, { min: 0, max: 1 });
    const totalIters = int(where, "'totalIters'", sd.totalIters, 1);
    return () => Object.assign(this, { startFactor, endFactor, totalIters });
  }
}
