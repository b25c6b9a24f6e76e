import { checkOptions, describeValue } from '@kindling/core';
import {
  type AnyOptimizer, type Group, LRScheduler, type SchedulerStateDict, boolean, groupsOf, int, num, perGroup,
} from './lr-scheduler.js';

/**
 * Options of {@link OneCycleLR}: the length (`totalSteps`, or `epochs` and `stepsPerEpoch`) and the shape of the cycle.
 *
 * @category Learning-rate schedulers
 */
export interface OneCycleLROptions {
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch` (their product), not both. */
  totalSteps?: number;
  /** With `stepsPerEpoch`: the cycle lasts `epochs · stepsPerEpoch` steps. */
  epochs?: number;
  /** With `epochs`: batches per epoch. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the lr, in [0, 1] (default 0.3). */
  pctStart?: number;
  /** `'cos'` (default) or `'linear'` interpolation within each phase. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum inversely to the lr (default true): SGD's `momentum`, or Adam's `betas[0]`. */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak (default 0.85); one number, or one per param group. */
  baseMomentum?: number | readonly number[];
  /** The momentum at the lr's ends (default 0.95); one number, or one per param group. */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then down to minLr) instead of two (default false). */
  threePhase?: boolean;
  /** The index of the last step when resuming (default -1: a fresh start). */
  lastEpoch?: number;
}

const KEYS = [
  'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum',
  'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch',
];

/** One phase of the cycle: where it ends and which group keys it interpolates between. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/** PyTorch's `_schedule_phases`, with its float end steps (pctStart · totalSteps − 1, ...). */
function schedulePhases(totalSteps: number, pctStart: number, threePhase: boolean): Phase[] {
  if (threePhase) {
    return [
      { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
      { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
    ];
  }
  return [
    { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
    { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
  ];
}

/**
 * The phase that step `e` falls in and how far through it (PyTorch's loop in `get_lr`). A phase of
 * zero length would divide by zero (PyTorch raises ZeroDivisionError); that is an Error here.
 */
function locate(phases: readonly Phase[], e: number): { phase: Phase; pct: number } {
  let start = 0;
  let i = 0;
  // The first phase that ends at or after e; the last one takes every step past its end.
  while (i < phases.length - 1 && e > phases[i]!.endStep) start = phases[i++]!.endStep;
  const phase = phases[i]!;
  if (phase.endStep === start) {
    throw new Error(`OneCycleLR: step ${e} falls in phase ${i} of the cycle, which has zero length (it ends at step ${phase.endStep}, where the previous one ends); PyTorch divides by zero here. Change pctStart or totalSteps`);
  }
  return { phase, pct: (e - start) / (phase.endStep - start) };
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + (start - end) / 2 * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * The 1cycle policy (torch.optim.lr_scheduler.OneCycleLR): the lr rises from
 * `maxLr / divFactor` to `maxLr` over the first `pctStart` of the cycle, then falls to
 * `initialLr / finalDivFactor`; momentum moves the opposite way between `maxMomentum` and
 * `baseMomentum`. Step it after every batch, `totalSteps` times in all; one more step throws, as in
 * PyTorch. `maxLr` is one number or one per param group.
 *
 * Like PyTorch, it writes `initialLr`, `maxLr`, `minLr` (and, when cycling momentum,
 * `maxMomentum`, `baseMomentum`) into each param group, and sets the group's momentum at every
 * step: SGD's `momentum` (so an SGD built without momentum gets it), or `betas[0]` for optimizers
 * with betas (Adam).
 *
 * @example
 * ```ts
 * import { Linear, OneCycleLR, SGD } from '@kindling/nn';
 * const opt = new SGD(new Linear(2, 1, { seed: 0 }).parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new OneCycleLR(opt, 0.1, { totalSteps: 100 });
 * console.log(sched.getLastLr()[0].toFixed(4), opt.paramGroups[0].momentum); // '0.0040' 0.95 (maxLr / 25, maxMomentum)
 * for (let i = 0; i < 29; i++) sched.step();                       // after each batch's opt.step()
 * console.log(sched.getLastLr()[0].toFixed(4));                    // '0.1000': the peak, at step 29 = 0.3 · 100 − 1
 * ```
 *
 * @category Learning-rate schedulers
 */
export class OneCycleLR extends LRScheduler {
  /** Steps in the cycle. */
  readonly totalSteps: number;
  /** Fraction of the cycle spent raising the lr. */
  readonly pctStart: number;
  /** Cosine or linear interpolation. */
  readonly annealStrategy: 'cos' | 'linear';
  /** Whether momentum is cycled. */
  readonly cycleMomentum: boolean;
  /** Three phases instead of two. */
  readonly threePhase: boolean;
  /** True when the momentum cycled is `betas[0]` (the optimizer has betas), false for `momentum`. */
  readonly useBeta1: boolean;

  constructor(optimizer: AnyOptimizer, maxLr: number | readonly number[], opts: OneCycleLROptions = {}) {
    const N = 'OneCycleLR';
    const o = checkOptions(N, opts, KEYS);
    super(N, optimizer, o.lastEpoch);
    if (o.totalSteps !== undefined) {
      if (o.epochs !== undefined || o.stepsPerEpoch !== undefined) throw new Error(`${N}: give either totalSteps or epochs and stepsPerEpoch, not both`);
      this.totalSteps = int(N, 'totalSteps', o.totalSteps, 1);
    } else {
      if (o.epochs === undefined || o.stepsPerEpoch === undefined) throw new Error(`${N}: you must define either totalSteps or (epochs and stepsPerEpoch)`);
      this.totalSteps = int(N, 'epochs', o.epochs, 1) * int(N, 'stepsPerEpoch', o.stepsPerEpoch, 1);
    }
    this.pctStart = num(N, 'pctStart', o.pctStart ?? 0.3, { min: 0, max: 1 });
    this.annealStrategy = checkStrategy(N, 'annealStrategy', o.annealStrategy ?? 'cos');
    this.cycleMomentum = boolean(N, 'cycleMomentum', o.cycleMomentum ?? true);
    this.threePhase = boolean(N, 'threePhase', o.threePhase ?? false);
    const divFactor = num(N, 'divFactor', o.divFactor ?? 25, { min: 0, minOpen: true });
    const finalDivFactor = num(N, 'finalDivFactor', o.finalDivFactor ?? 1e4, { min: 0, minOpen: true });
    const groups = groupsOf(this.optimizer);
    const maxLrs = perGroup(N, 'maxLr', maxLr, groups.length, (x, w) => num(N, w, x, { min: 0 }));
    this.useBeta1 = 'betas' in this.optimizer.defaults;
    if (this.cycleMomentum) checkHasMomentum(N, this.optimizer);
    // With betas the momentum is Adam's beta1, which must stay below 1.
    const momentum = (x: unknown, w: string) => num(N, w, x, this.useBeta1 ? { min: 0, max: 1, maxOpen: true } : { min: 0 });
    const maxMomenta = perGroup(N, 'maxMomentum', o.maxMomentum ?? 0.95, groups.length, momentum);
    const baseMomenta = perGroup(N, 'baseMomentum', o.baseMomentum ?? 0.85, groups.length, momentum);
    const resuming = this.lastEpoch !== -1;
    if (resuming) {
      const needed = ['maxLr', 'minLr', ...(this.cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])];
      groups.forEach((g, i) => {
        for (const k of needed) {
          if (!Object.hasOwn(g, k)) throw new Error(`${N}: paramGroups[${i}] has no '${k}', which resuming with lastEpoch = ${this.lastEpoch} needs (restore the optimizer's stateDict first)`);
        }
      });
    }
    // The initial step must be placeable before anything is written (a zero-length first phase is not).
    locate(this.phases(), this.lastEpoch + 1);
    if (!resuming) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
      if (this.cycleMomentum) {
        groups.forEach((g, i) => {
          setMomentum(g, this.useBeta1, maxMomenta[i]!);
          g.maxMomentum = maxMomenta[i]!;
          g.baseMomentum = baseMomenta[i]!;
        });
      }
    }
    this.start();
  }

  private phases(): Phase[] {
    return schedulePhases(this.totalSteps, this.pctStart, this.threePhase);
  }

  protected computeLr(): number[] {
    const e = this.lastEpoch;
    if (e > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${e + 1} times; the specified number of total steps is ${this.totalSteps}`);
    }
    const { phase, pct } = locate(this.phases(), e);
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    const groups = groupsOf(this.optimizer);
    const read = (g: Group, i: number, k: string) => num('OneCycleLR', `paramGroups[${i}].${k}`, g[k]);
    const lrs = groups.map((g, i) => anneal(read(g, i, phase.startLr), read(g, i, phase.endLr), pct));
    if (this.cycleMomentum) {
      const momenta = groups.map((g, i) => anneal(read(g, i, phase.startMomentum), read(g, i, phase.endMomentum), pct));
      groups.forEach((g, i) => setMomentum(g, this.useBeta1, momenta[i]!));
    }
    return lrs;
  }

  protected restartLr(): number[] {
    return this.computeLr(); // PyTorch's OneCycleLR has no closed form
  }

  protected hyperParameters(): SchedulerStateDict {
    return {
      totalSteps: this.totalSteps, pctStart: this.pctStart, annealStrategy: this.annealStrategy,
      cycleMomentum: this.cycleMomentum, threePhase: this.threePhase,
    };
  }

  protected readHyperParameters(sd: Record<string, unknown>, where: string): () => void {
    const totalSteps = int(where, "'totalSteps'", sd.totalSteps, 1);
    const pctStart = num(where, "'pctStart'", sd.pctStart, { min: 0, max: 1 });
    const annealStrategy = checkStrategy(where, "'annealStrategy'", sd.annealStrategy);
    const cycleMomentum = boolean(where, "'cycleMomentum'", sd.cycleMomentum);
    const threePhase = boolean(where, "'threePhase'", sd.threePhase);
    if (cycleMomentum) checkHasMomentum(where, this.optimizer);
    return () => Object.assign(this, { totalSteps, pctStart, annealStrategy, cycleMomentum, threePhase });
  }
}

function checkStrategy(name: string, what: string, v: unknown): 'cos' | 'linear' {
  if (v !== 'cos' && v !== 'linear') throw new Error(`${name}: ${what} must be 'cos' or 'linear', got ${describeValue(v)}`);
  return v;
}

function checkHasMomentum(name: string, opt: AnyOptimizer): void {
  if (!('momentum' in opt.defaults) && !('betas' in opt.defaults)) {
    throw new Error(`${name}: the optimizer has no momentum or betas to cycle; pass cycleMomentum: false`);
  }
}

/** Writes a group's momentum: beta1 (a fresh pair, as PyTorch makes a new tuple) or `momentum`. */
function setMomentum(g: Group, useBeta1: boolean, m: number): void {
  if (useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
  else g.momentum = m;
}
