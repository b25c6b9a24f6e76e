import { checkOptions, describeValue } from '@kindling/core';
import {
  type AnyOptimizer, LRScheduler, type SchedulerStateDict, bisectRight, checkOptimizer, groupsOf, int, numbers, stateKeys,
} from './lr-scheduler.js';

/**
 * Options of {@link SequentialLR}.
 *
 * @category Learning-rate schedulers
 */
export interface SequentialLROptions {
  /** The index of the last epoch when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

/**
 * Runs schedulers one after another (torch.optim.lr_scheduler.SequentialLR): `schedulers[0]`
 * until epoch `milestones[0]`, then `schedulers[1]`, and so on; typically a {@link LinearLR}
 * warm-up followed by a decay. At construction it resets every group's lr to its `initialLr`,
 * winds every scheduler back by one epoch (their constructors each stepped once) and re-takes the
 * first scheduler's initial step; at a milestone the next scheduler restarts at its epoch 0 in its
 * closed form (starting from the group's `initialLr`), all as PyTorch does.
 *
 * The schedulers must wrap `optimizer`; ReduceLROnPlateau (driven by a metric) and SequentialLR
 * itself cannot be chained here. Milestones are strictly increasing positive epochs, one fewer
 * than the schedulers.
 *
 * @example
 * ```ts
 * import { ExponentialLR, Linear, LinearLR, SGD, SequentialLR } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 3 });
 * const decay = new ExponentialLR(opt, 0.5);
 * const sched = new SequentialLR(opt, [warmup, decay], [3]);
 * const lrs = [sched.getLastLr()[0]];
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   sched.step();
 *   lrs.push(sched.getLastLr()[0]);
 * }
 * console.log(lrs.map((v) => v.toFixed(3))); // ['0.010', '0.040', '0.070', '0.100', '0.050', '0.025']
 * ```
 *
 * @category Learning-rate schedulers
 */
export class SequentialLR {
  /** The optimizer all the schedulers wrap. */
  readonly optimizer: AnyOptimizer;
  /** The epochs at which the next scheduler takes over. */
  readonly milestones: readonly number[];
  /** Epochs taken (0 after construction). */
  lastEpoch: number;
  private readonly schedulers: readonly LRScheduler[];
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, schedulers: readonly LRScheduler[], milestones: readonly number[], opts: SequentialLROptions = {}) {
    const N = 'SequentialLR';
    const o = checkOptions(N, opts, ['lastEpoch']);
    this.optimizer = checkOptimizer(N, optimizer);
    const lastEpoch = int(N, 'lastEpoch', o.lastEpoch ?? -1, -1);
    if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error(`${N}: schedulers must be a non-empty array of schedulers, got ${describeValue(schedulers)}`);
    const list: unknown[] = Array.from(schedulers); // a hole is checked as undefined
    list.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) {
        const what = s instanceof SequentialLR || (typeof s === 'object' && s !== null && s.constructor?.name === 'ReduceLROnPlateau')
          ? `a ${(s as object).constructor.name}, which cannot be chained` : describeValue(s);
        throw new Error(`${N}: schedulers[${i}] must be an epoch scheduler (StepLR, LinearLR, ...), got ${what}`);
      }
      if (s.optimizer !== optimizer) throw new Error(`${N}: schedulers[${i}] wraps a different optimizer than the one passed in; all must share it`);
    });
    this.milestones = checkMilestones(N, 'milestones', milestones);
    if (this.milestones.length !== list.length - 1) {
      throw new Error(`${N}: expects one milestone fewer than schedulers, got ${list.length} scheduler(s) and ${this.milestones.length} milestone(s)`);
    }
    const groups = groupsOf(this.optimizer);
    groups.forEach((g, i) => {
      if (typeof g.initialLr !== 'number') throw new Error(`${N}: paramGroups[${i}] has no 'initialLr' (the schedulers set it)`);
    });
    this.schedulers = list as LRScheduler[];
    this.lastEpoch = lastEpoch + 1;
    // All checked: reset the lrs, undo the step each scheduler's constructor took, restart the first.
    for (const g of groups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!._initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  /** Advances one epoch: the scheduler whose span holds it steps (a new one starts at its epoch 0). */
  step(): void {
    const epoch = this.lastEpoch + 1;
    const idx = bisectRight(this.milestones, epoch);
    const scheduler = this.schedulers[idx]!;
    // At a milestone the next scheduler restarts (before the first one, milestones[-1] is undefined).
    scheduler._stepAt(this.milestones[idx - 1] === epoch);
    this.lastEpoch = epoch; // after the step: one that throws (OneCycleLR past its end) changes nothing
    this.lastLr = scheduler.getLastLr();
  }

  /** The lr of each param group after the latest step; a copy. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** The state as plain JSON, with each scheduler's own state dict under `schedulers`. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.lastEpoch, milestones: this.milestones.slice(), lastLr: this.lastLr.slice(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores a state from `stateDict()`, every wrapped scheduler's included; checked first, all or nothing. */
  loadStateDict(sd: SchedulerStateDict): void {
    const where = 'SequentialLR.loadStateDict';
    const s = stateKeys(where, sd, ['lastEpoch', 'milestones', 'lastLr', 'schedulers']);
    const lastEpoch = int(where, "'lastEpoch'", s.lastEpoch, 0);
    const milestones = checkMilestones(where, "'milestones'", s.milestones);
    if (milestones.length !== this.schedulers.length - 1) throw new Error(`${where}: ${milestones.length} milestone(s) saved for ${this.schedulers.length} scheduler(s)`);
    const lastLr = numbers(where, 'lastLr', s.lastLr, groupsOf(this.optimizer).length, 0);
    const saved = s.schedulers;
    if (!Array.isArray(saved) || saved.length !== this.schedulers.length) {
      throw new Error(`${where}: 'schedulers' must hold ${this.schedulers.length} state dict(s), got ${Array.isArray(saved) ? saved.length : describeValue(saved)}`);
    }
    const commits = this.schedulers.map((sch, i) => {
      try {
        return sch._readState(saved[i]);
      } catch (e) {
        throw new Error(`${where}: schedulers[${i}]: ${(e as Error).message}`);
      }
    });
    Object.assign(this, { lastEpoch, milestones, lastLr });
    for (const c of commits) c();
  }
}

function checkMilestones(name: string, what: string, v: unknown): number[] {
  if (!Array.isArray(v)) throw new Error(`${name}: ${what} must be an array of epochs, got ${describeValue(v)}`);
  const out = Array.from(v, (m, i) => int(name, `${what}[${i}]`, m, 1));
  for (let i = 1; i < out.length; i++) {
    if (out[i]! <= out[i - 1]!) throw new Error(`${name}: ${what} must be strictly increasing, got [${out.join(', ')}]`);
  }
  return out;
}
