import { type Storage, Tensor, TensorData, bumpVersion, checkOptions, describeValue } from '@kindling/core';
import { describeInput, fmtShape, sameShape } from '../util.js';

/**
 * One group of parameters and the hyper-parameters that apply to them (mutable, as in PyTorch).
 *
 * @category Optimizers
 */
export type ParamGroup<O> = O & { params: Tensor[] };

/**
 * What the constructor accepts: tensors, or groups of tensors with per-group overrides.
 *
 * @category Optimizers
 */
export type ParamsArg<O> = Iterable<Tensor> | Iterable<Partial<O> & { params: Iterable<Tensor> }>;

/**
 * A serialisable snapshot: per-parameter state keyed by the parameter's position, and the groups.
 *
 * @category Optimizers
 */
export interface OptimizerStateDict<O> {
  state: Record<string, Record<string, Tensor | number>>;
  paramGroups: (O & { params: number[] })[];
}

/**
 * Base of the optimizers. Updates run on raw storage, in place, outside any graph. A step first
 * validates every group's hyper-parameters and every gradient (shape and dtype), so a step that
 * throws leaves every parameter and all state unchanged; parameters whose grad is null are skipped.
 * Every parameter a step writes gets its `version` bumped, so a backward pass through a graph that
 * saved its old values throws instead of using the new ones.
 *
 * @category Optimizers
 */
export abstract class Optimizer<O extends object, S> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, by position across groups (undefined until the parameter's first update). */
  protected states: (S | undefined)[] = [];
  // Scratch for step(): each parameter's dense gradient storage (null: skip) and its offset.
  private readonly gradStorage: (Storage | null)[] = [];
  private readonly gradOffset: number[] = [];

  protected constructor(
    protected readonly name: string,
    params: ParamsArg<O>,
    readonly defaults: O,
  ) {
    this.checkHyperParameters(defaults);
    if (params instanceof Tensor) throw new Error(`${name}: params must be an iterable of Tensors, got a single Tensor; wrap it in an array`);
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new Error(`${name}: params must be an iterable of Tensors or of parameter groups, got ${describeInput(params)}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    const groups = list.every((x) => x instanceof Tensor) ? [{ params: list as Tensor[] }] : list;
    const seen = new Set<Tensor>();
    groups.forEach((g, gi) => {
      if (typeof g !== 'object' || g === null || !('params' in g)) { // a Tensor has no 'params' either
        throw new Error(`${name}: parameter group ${gi} must be an object with a 'params' list (do not mix Tensors and groups)`);
      }
      checkOptions(`${name}: parameter group ${gi}`, g, ['params', ...Object.keys(defaults)]);
      const raw = (g as { params: unknown }).params;
      if (!(raw instanceof Tensor) && (typeof raw !== 'object' || raw === null || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function')) {
        throw new Error(`${name}: parameter group ${gi}: params must be an iterable of Tensors, got ${describeInput(raw)}`);
      }
      const ps = raw instanceof Tensor ? [raw] : Array.from(raw as Iterable<unknown>);
      ps.forEach((p, pi) => {
        if (!(p instanceof Tensor)) throw new Error(`${name}: parameter ${pi} of group ${gi} is not a Tensor, got ${describeInput(p)}`);
        if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor (parameter ${pi} of group ${gi}, shape ${fmtShape(p.shape)})`);
        if (!p.tensorData.isContiguous()) throw new Error(`${name}: parameter ${pi} of group ${gi} (shape ${fmtShape(p.shape)}) is a non-contiguous view; pass a contiguous tensor`);
        if (seen.has(p)) throw new Error(`${name}: parameter ${pi} of group ${gi} appears more than once`);
        seen.add(p);
      });
      const { params: _ignored, ...overrides } = g as Record<string, unknown>;
      const group = { ...cloneOptions(defaults), ...cloneOptions(overrides as O), params: ps as Tensor[] } as ParamGroup<O>;
      this.checkHyperParameters(group);
      this.paramGroups.push(group);
    });
    const n = this.paramGroups.reduce((k, g) => k + g.params.length, 0);
    this.states = new Array<S | undefined>(n).fill(undefined);
  }

  /** Throws naming the bad hyper-parameter (called at construction, on load and before each step). */
  protected abstract checkHyperParameters(o: O): void;
  /** Updates one parameter in place; may create its state. Must not throw. */
  protected abstract update(o: O, index: number, p: Storage, pOffset: number, g: Storage, gOffset: number, n: number): void;
  /** The state of one parameter as copies (numbers stay numbers). */
  protected abstract exportState(s: S, p: Tensor): Record<string, Tensor | number>;
  /** Validates a saved state against its parameter and returns fresh copies; throws on any problem. */
  protected abstract importState(saved: Record<string, unknown>, p: Tensor, where: string): S;

  /** Sets every parameter's grad to null (default, as PyTorch), or to zeros in place. */
  zeroGrad(setToNone = true): void {
    if (typeof setToNone !== 'boolean') throw new Error(`${this.name}.zeroGrad: setToNone must be a boolean, got ${describeInput(setToNone)}`);
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else if (p.grad) zeroInPlace(p.grad, `${this.name}.zeroGrad`);
      }
    }
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    // Phase 1: validate everything; nothing is written.
    for (const group of this.paramGroups) this.checkHyperParameters(group);
    let k = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = denseGrad(this.name, p, k);
        this.gradStorage[k] = g;
        this.gradOffset[k] = g === null ? 0 : g === p.grad!.tensorData.storage ? p.grad!.tensorData.offset : 0;
        k++;
      }
    }
    // Phase 2: update; nothing below throws.
    k = 0;
    const by = `${this.name}.step`;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = this.gradStorage[k]!;
        this.gradStorage[k] = null;
        if (g !== null) {
          this.update(group, k, p.tensorData.storage, p.tensorData.offset, g, this.gradOffset[k]!, p.size);
          bumpVersion(p, by);
        }
        k++;
      }
    }
  }

  /** A snapshot (copies) of the state and the groups' hyper-parameters, PyTorch's layout. */
  stateDict(): OptimizerStateDict<O> {
    const state: Record<string, Record<string, Tensor | number>> = {};
    const flat = this.paramGroups.flatMap((g) => g.params);
    this.states.forEach((s, i) => {
      if (s !== undefined) state[String(i)] = this.exportState(s, flat[i]!);
    });
    let k = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...opts } = g;
      return { ...cloneOptions(opts as unknown as O), params: params.map(() => k++) };
    });
    return { state, paramGroups };
  }

  /**
   * Restores a snapshot taken from an optimizer over parameters of the same shapes, in the same
   * groups: state and hyper-parameters. Everything is checked first; on error nothing changes.
   */
  loadStateDict(sd: OptimizerStateDict<O>): void {
    const where = `${this.name}.loadStateDict`;
    if (!Array.isArray(sd?.paramGroups) || typeof sd.state !== 'object' || sd.state === null) {
      throw new Error(`${where}: expected { state, paramGroups }`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${sd.paramGroups.length} parameter group(s), the optimizer ${this.paramGroups.length}`);
    }
    const flat: Tensor[] = this.paramGroups.flatMap((g) => g.params);
    const indexOf = new Map<number, number>(); // saved id -> our position
    const newOptions: O[] = [];
    let k = 0;
    sd.paramGroups.forEach((saved, gi) => {
      const own = this.paramGroups[gi]!;
      if (!Array.isArray(saved?.params) || saved.params.length !== own.params.length) {
        throw new Error(`${where}: parameter group ${gi} has ${Array.isArray(saved?.params) ? saved.params.length : 'no'} parameters in the state dict, ${own.params.length} in the optimizer`);
      }
      for (const id of saved.params) {
        if (typeof id !== 'number' || indexOf.has(id)) throw new Error(`${where}: parameter group ${gi} has a bad or repeated parameter id ${String(id)}`);
        indexOf.set(id, k++);
      }
      checkOptions(`${where}: parameter group ${gi}`, saved, ['params', ...Object.keys(this.defaults), ...SCHEDULER_GROUP_KEYS]);
      for (const key of SCHEDULER_GROUP_KEYS) {
        const v = (saved as Record<string, unknown>)[key];
        if (v !== undefined && !(Number.isFinite(v) && (v as number) >= 0)) throw new Error(`${where}: parameter group ${gi}: '${key}' must be a finite number >= 0, got ${String(v)}`);
      }
      const { params: _p, ...opts } = saved;
      const merged = { ...cloneOptions(this.defaults), ...cloneOptions(opts as unknown as O) };
      for (const key of Object.keys(this.defaults)) {
        if (!Object.hasOwn(opts, key)) throw new Error(`${where}: parameter group ${gi} is missing hyper-parameter '${key}'`);
      }
      this.checkHyperParameters(merged);
      newOptions.push(merged);
    });
    const newStates = new Array<S | undefined>(flat.length).fill(undefined);
    for (const [id, entry] of Object.entries(sd.state)) {
      const pos = indexOf.get(Number(id));
      if (pos === undefined || String(Number(id)) !== id) throw new Error(`${where}: state for unknown parameter id '${id}'`);
      if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: state for parameter ${id} must be an object`);
      newStates[pos] = this.importState(entry, flat[pos]!, `${where}: parameter ${id} (shape ${fmtShape(flat[pos]!.shape)})`);
    }
    // All checked: commit.
    newOptions.forEach((o, gi) => Object.assign(this.paramGroups[gi]!, o));
    this.states = newStates;
  }
}

/**
 * Keys the LR schedulers add to param groups, as PyTorch's do (`initial_lr`; OneCycleLR's
 * `max_lr`, `min_lr`, `max_momentum`, `base_momentum`): stateDict() keeps them with the groups and
 * loadStateDict() restores them, so a resumed scheduler finds what it wrote.
 */
const SCHEDULER_GROUP_KEYS = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

/** Zeroes a gradient's elements where they live (it may be a view), and says so to the engine. */
function zeroInPlace(grad: Tensor, by: string): void {
  const td = grad.tensorData;
  // Stryker disable next-line ConditionalExpression: the fast path; the loop below zeroes the same elements
  if (td.isContiguous()) td.storage.fill(0, td.offset, td.offset + td.size);
  else {
    // (A block, not `else for`: Stryker reads a directive only before a statement.)
    // Stryker disable next-line EqualityOperator: locate() wraps around, so one more pass would only zero element 0 again
    for (let i = 0; i < td.size; i++) td.storage[td.locate(i)] = 0;
  }
  bumpVersion(grad, by);
}

/** The grad's storage when dense (read from its offset), else a dense copy; null when there is no grad. */
function denseGrad(op: string, p: Tensor, index: number): Storage | null {
  const g = p.grad;
  if (g === null) return null;
  if (!(g instanceof Tensor)) throw new Error(`${op}.step: grad of parameter ${index} is not a Tensor`);
  const a = g.shape;
  const b = p.shape;
  if (!sameShape(a, b)) {
    throw new Error(`${op}.step: grad of parameter ${index} has shape ${fmtShape(a)}, the parameter ${fmtShape(b)}`);
  }
  if (g.dtype !== p.dtype) throw new Error(`${op}.step: grad of parameter ${index} is ${g.dtype}, the parameter ${p.dtype}`);
  const td = g.tensorData;
  // Stryker disable next-line ConditionalExpression: the fast path; a copy holds the same values
  if (td.isContiguous()) return td.storage;
  return td.copyTo(allocateLike(td.storage, td.size)); // same dtype: a kernel may expect it
}

/** Copies arrays inside an options object (Adam's betas) so groups never share them. */
export function cloneOptions<O>(o: O): O {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out as O;
}

/** n zeros of `like`'s element type (a parameter's storage: its state has its precision). */
export function allocateLike(like: Storage, n: number): Storage {
  return like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
}

/** A dense copy of a storage as a tensor of the given shape. */
export function tensorOf(s: Storage, shape: readonly number[]): Tensor {
  return new Tensor(new TensorData(s.slice(), shape));
}

/** Reads a saved tensor for a parameter: must match its shape; copied into the parameter's dtype. */
export function importBuffer(v: unknown, p: Tensor, where: string, key: string): Storage {
  if (!(v instanceof Tensor)) throw new Error(`${where}: '${key}' must be a Tensor, got ${v === undefined ? 'nothing' : typeof v}`);
  const a = v.shape;
  const b = p.shape;
  if (!sameShape(a, b)) {
    throw new Error(`${where}: '${key}' has shape ${fmtShape(a)}, the parameter ${fmtShape(b)}`);
  }
  return v.tensorData.copyTo(allocateLike(p.tensorData.storage, p.size));
}

/** A saved step count: a non-negative integer. */
export function stepCount(step: unknown, where: string): number {
  if (!Number.isInteger(step) || (step as number) < 0) throw new Error(`${where}: 'step' must be a non-negative integer, got ${describeValue(step)}`);
  return step as number;
}
