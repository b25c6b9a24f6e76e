import { Tensor, TensorData, bumpVersion, checkOptions, describeValue } from '@kindling/core';
import { Parameter } from './parameter.js';
import { bool, describeInput, fmtShape, toDenseValues } from './util.js';

/**
 * What `loadStateDict` accepts for one entry: a tensor, or nested plain arrays (a number for 0-d).
 *
 * @category Module and Parameter
 */
export type StateValue = Tensor | number | readonly StateValueArray[] | readonly number[];
type StateValueArray = number | readonly StateValueArray[];

/**
 * What {@link Module.loadStateDict} reports: the keys that did not match (both empty in strict mode, which throws instead).
 *
 * @category Module and Parameter
 */
export interface LoadStateDictResult {
  /** Keys the module expected but the dict did not have (only non-empty with `strict: false`). */
  missingKeys: string[];
  /** Keys the dict had but the module does not (only non-empty with `strict: false`). */
  unexpectedKeys: string[];
}

/**
 * Options of {@link Module.loadStateDict}.
 *
 * @category Module and Parameter
 */
export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true); wrong shapes always are. */
  strict?: boolean;
}

const PARAM_NAMES = Symbol('kindling.paramNames');
const BUFFER_NAMES = Symbol('kindling.bufferNames');
const BUFFER_DTYPES = Symbol('kindling.bufferDtypes');

/**
 * Options of {@link Module.registerBuffer}.
 *
 * @category Module and Parameter
 */
export interface RegisterBufferOptions {
  /**
   * The dtype the buffer has in PyTorch when it is not a float, so that a file writer can store
   * it as PyTorch does: `'int64'` for a counter such as BatchNorm1d's `num_batches_tracked`. In
   * memory the buffer stays a float tensor (core has no integer dtype; float64 holds integers
   * exactly up to 2^53). Read it back with {@link persistentDtypeOf}.
   */
  persistentDtype?: 'int64';
}

/**
 * Buffers registered with a `persistentDtype`, by their data: `stateDict()` returns detached
 * tensors that share the buffer's TensorData, so the mark travels with them into a writer.
 */
const persistentDtypes = new WeakMap<TensorData, 'int64'>();

/**
 * The dtype PyTorch stores this state-dict tensor in when it is not a float: `'int64'` for a
 * buffer registered with `registerBuffer(name, t, { persistentDtype: 'int64' })` (such as
 * BatchNorm1d's `num_batches_tracked`) and the tensors `stateDict()` returns for it; undefined
 * for everything else (parameters, float buffers, views and copies).
 *
 * @example
 * ```ts
 * import { BatchNorm1d, persistentDtypeOf } from '@kindling/nn';
 * const sd = new BatchNorm1d(3).stateDict();
 * console.log(persistentDtypeOf(sd.num_batches_tracked!), persistentDtypeOf(sd.running_mean!)); // int64 undefined
 * ```
 *
 * @category Module and Parameter
 */
export function persistentDtypeOf(t: Tensor): 'int64' | undefined {
  return t instanceof Tensor ? persistentDtypes.get(t.tensorData) : undefined;
}

/** One module's own registered things, by property name, in property order. */
interface Slots {
  params: [string, Parameter][];
  buffers: [string, Tensor][];
  children: [string, Module][];
}

/**
 * Base class of every layer, like torch.nn.Module.
 *
 * Registration is by assignment, as in PyTorch: every own enumerable property of the module
 * that holds
 *  - a `Module` is a child (its name is the property name),
 *  - a {@link Parameter} is a parameter,
 * in the order the properties were first assigned (JavaScript's `Object.keys` order; note that
 * integer-like names such as `'0'` always come first, in numeric order). A plain `Tensor` in a
 * property is neither a parameter nor saved, whatever its `requiresGrad`: only `Parameter`
 * marks one. Discovery happens each time the module is asked (`parameters()`, `stateDict()`,
 * `train()`, ...), so re-assigning `this.weight = new Parameter(t)` replaces the parameter.
 * `registerParameter(name, t)` declares a parameter by name (wrapping a plain tensor in a
 * `Parameter` that shares its storage), even when `t` is null (an absent bias);
 * `registerBuffer(name, t)` adds a non-trainable tensor that is saved in `stateDict()` under
 * `name` (so a layer whose buffers must carry PyTorch's keys, like BatchNorm1d's
 * `running_mean`, names the property that way).
 *
 * Modules in an array or a plain object are not found (PyTorch does not look there either, and
 * silently training without them is the classic bug): a property holding one throws when the
 * module is traversed. Use {@link ModuleList} or {@link ModuleDict}.
 *
 * Ordering follows PyTorch: `namedParameters()` lists a module's own parameters first, then
 * each child's, depth first; names are dotted paths such as `'conv.weight'` or `'0.bias'`.
 *
 * @example
 * ```ts
 * import { tensor, type Tensor } from '@kindling/core';
 * import { Linear, Module } from '@kindling/nn';
 * class TwoLayer extends Module {
 *   fc1 = new Linear(4, 8, { seed: 0 });
 *   fc2 = new Linear(8, 1, { seed: 1 });
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 * const net = new TwoLayer();
 * console.log(net.namedParameters().map(([name]) => name)); // ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
 * const y = net.forward(tensor([[1, 2, 3, 4]]));              // shape [1, 1]
 * ```
 *
 * @category Module and Parameter
 */
export class Module {
  /** True in training mode (the default); see `train()` / `eval()`. */
  training = true;

  /** Runs the module. Subclasses override it with their own signature. */
  forward(..._inputs: Tensor[]): Tensor {
    throw new Error(`${this.constructor.name}: forward() is not implemented; subclasses of Module must override it`);
  }

  /** Same as `forward(...)`: the closest JavaScript gets to PyTorch's `module(x)`. */
  call(...inputs: Parameters<this['forward']>): ReturnType<this['forward']> {
    return (this.forward as (...a: unknown[]) => ReturnType<this['forward']>)(...inputs);
  }

  // ---- registration ------------------------------------------------------------------------

  /**
   * Declares `name` a parameter of this module and assigns it (like `register_parameter`). A
   * `Parameter` is kept as is; a plain leaf `Tensor` is wrapped in a `Parameter` that shares its
   * storage and requires grad (the returned object is that `Parameter`). null records an absent
   * parameter (skipped everywhere). Assigning anything but a `Parameter` or null to the name
   * later makes traversal throw, as PyTorch's assignment does.
   */
  registerParameter(name: string, value: Tensor): Parameter;
  registerParameter(name: string, value: null): null;
  registerParameter(name: string, value: Tensor | null): Parameter | null;
  registerParameter(name: string, value: Tensor | null): Parameter | null {
    checkName(this, 'registerParameter', name);
    let p: Parameter | null = null;
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new Error(`registerParameter: '${name}' must be a Tensor or null, got ${describeInput(value)}`);
      if (value instanceof Parameter) p = value;
      else if (!value.isLeaf) throw new Error(`registerParameter: '${name}' must be a leaf tensor (not the result of an op); use .detach()`);
      else p = new Parameter(value);
    }
    names(this, PARAM_NAMES).add(name);
    names(this, BUFFER_NAMES).delete(name);
    (this as Record<string, unknown>)[name] = p;
    return p;
  }

  /**
   * Declares `name` a buffer: a tensor saved in `stateDict()` under `name` that is not a
   * parameter (null: absent, like PyTorch's `register_buffer(name, None)`). With
   * `{ persistentDtype: 'int64' }` the buffer is an integer in PyTorch (a counter): it stays a
   * float tensor here, and {@link persistentDtypeOf} tells file writers to store it as int64.
   */
  registerBuffer<T extends Tensor | null>(name: string, value: T, opts: RegisterBufferOptions = {}): T {
    checkName(this, 'registerBuffer', name);
    if (value !== null && !(value instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor or null, got ${describeInput(value)}`);
    const { persistentDtype } = checkOptions('registerBuffer', opts, ['persistentDtype']);
    if (persistentDtype !== undefined && persistentDtype !== 'int64') {
      throw new Error(`registerBuffer: persistentDtype must be 'int64' (or omitted for a float buffer), got ${describeValue(persistentDtype)}`);
    }
    const dtypes = bufferDtypes(this);
    // Stryker disable next-line ConditionalExpression: true only adds set(name, undefined), which reads the same as the delete below
    if (persistentDtype) {
      dtypes.set(name, persistentDtype);
      if (value) persistentDtypes.set(value.tensorData, persistentDtype);
    } else dtypes.delete(name);
    names(this, BUFFER_NAMES).add(name);
    names(this, PARAM_NAMES).delete(name);
    (this as Record<string, unknown>)[name] = value;
    return value;
  }

  /** Assigns a child module under `name` (like `add_module`); plain assignment works too. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName(this, 'registerModule', name);
    if (!(module instanceof Module)) throw new Error(`registerModule: '${name}' must be a Module, got ${describeInput(module)}`);
    names(this, PARAM_NAMES).delete(name);
    names(this, BUFFER_NAMES).delete(name);
    (this as Record<string, unknown>)[name] = module;
    return module;
  }

  // ---- traversal ---------------------------------------------------------------------------

  /**
   * Sorts this module's own properties into parameters, buffers and children. Every traversal
   * goes through here, so a misplaced module or tensor is reported whichever method meets it.
   */
  private slots(): Slots {
    const host = this as unknown as Record<string | symbol, unknown>;
    const declared = host[PARAM_NAMES] as Set<string> | undefined;
    const buffers = host[BUFFER_NAMES] as Set<string> | undefined;
    const out: Slots = { params: [], buffers: [], children: [] };
    for (const key of Object.keys(this)) {
      const v = host[key];
      if (declared?.has(key)) {
        if (v instanceof Parameter) out.params.push([key, v]);
        else if (v !== null && v !== undefined) {
          throw new Error(`${this.constructor.name}: parameter '${key}' holds ${describeInput(v)}; assign a Parameter (new Parameter(t)) or null`);
        }
      } else if (buffers?.has(key)) {
        if (v instanceof Tensor) out.buffers.push([key, v]);
        else if (v !== null && v !== undefined) {
          throw new Error(`${this.constructor.name}: buffer '${key}' holds ${describeInput(v)}; assign a Tensor or null`);
        }
      } else if (v instanceof Parameter) out.params.push([key, v]);
      else if (v instanceof Module) out.children.push([key, v]);
      else if (typeof v === 'object' && v !== null) checkContainer(this, key, v);
    }
    return out;
  }

  /** This module's own parameters (not its children's), in registration order. */
  private ownParameters(): [string, Parameter][] {
    return this.slots().params;
  }

  /** This module's own buffers, in registration order. */
  private ownBuffers(): [string, Tensor][] {
    return this.slots().buffers;
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return this.slots().children;
  }

  /** Direct children, in registration order. */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant, depth first, each once (`''` names this module). */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.namedChildren()) visit(child, prefix ? `${prefix}.${name}` : name);
    };
    visit(this, '');
    return out;
  }

  /** This module and every descendant, depth first, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter, deep, in registration order; a tensor shared by two modules is listed once. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([prefix ? `${prefix}.${name}` : name, p]);
      }
    }
    return out;
  }

  /** Every parameter, deep, in registration order (what an optimizer takes). */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * How many numbers the parameters hold, each tensor once (tied parameters count once); with
   * `trainableOnly`, only those that require grad. PyTorch's idiom
   * `sum(p.numel() for p in model.parameters() if p.requires_grad)`. Buffers are not counted.
   */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    const trainableOnly = bool('numParameters', 'trainableOnly', checkOptions('numParameters', opts, ['trainableOnly']).trainableOnly ?? false);
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Every buffer, deep, with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  /**
   * @internal Every (module, property) that holds one of this module's parameters, tied ones
   * under each of their names: what has to change to swap a parameter object for another.
   */
  _parameterSlots(): { owner: Module; key: string; param: Parameter }[] {
    const out: { owner: Module; key: string; param: Parameter }[] = [];
    for (const [, m] of this.namedModules()) for (const [key, param] of m.ownParameters()) out.push({ owner: m, key, param });
    return out;
  }

  // ---- modes and gradients -----------------------------------------------------------------

  /** Sets every parameter's grad to null (PyTorch's default `set_to_none=True`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Training mode for this module and all descendants; `train(false)` is `eval()`. */
  train(mode = true): this {
    bool('train', 'mode', mode);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode for this module and all descendants (`training = false`); returns this. */
  eval(): this {
    return this.train(false);
  }

  // ---- state -------------------------------------------------------------------------------

  /**
   * Parameters and buffers by dotted name: per module its parameters, then its buffers, then its
   * children's, as PyTorch orders them. The tensors share storage with the module (detached), so
   * copy them (`clone()` / `saveSafetensors`) to keep a snapshot.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      const { params, buffers } = m.slots();
      for (const [name, t] of params) out[prefix + name] = t.detach();
      for (const [name, t] of buffers) {
        // Marked here as well as at registration: the property may since hold another tensor.
        const dtype = bufferDtypes(m).get(name);
        if (dtype) persistentDtypes.set(t.tensorData, dtype);
        out[prefix + name] = t.detach();
      }
      for (const [name, child] of m.namedChildren()) visit(child, `${prefix}${name}.`);
    };
    visit(this, '');
    return out;
  }

  /**
   * Copies values into the existing parameters and buffers (in place, so optimizers holding
   * them keep working), converting dtype as needed. Every key is checked first: with
   * `strict` (the default) missing and unexpected keys are errors, and a wrong shape always is;
   * the error lists every problem, naming the key and both shapes, and nothing is changed.
   * Sources are copied before any parameter is written, so a source that aliases a parameter
   * (its `tensorData.storage`, say) is read as it was. Each written tensor's `version` is bumped,
   * so a backward pass through a graph that saved the old values throws.
   */
  loadStateDict(sd: Record<string, StateValue>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = bool('loadStateDict', 'strict', checkOptions('loadStateDict', opts, ['strict']).strict ?? true);
    if (typeof sd !== 'object' || sd === null || Array.isArray(sd) || sd instanceof Tensor || ArrayBuffer.isView(sd)) {
      throw new Error(`loadStateDict: expected an object mapping names to tensors, got ${describeInput(sd)}`);
    }
    const own = this.stateDict();
    const problems: string[] = [];
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(sd, k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !Object.hasOwn(own, k));
    const plan: { key: string; target: Tensor; values: ArrayLike<number> }[] = [];
    for (const [key, target] of Object.entries(own)) {
      if (!Object.hasOwn(sd, key)) continue;
      let dense: { shape: number[]; values: ArrayLike<number> };
      try {
        dense = toDenseValues(sd[key]);
      } catch (e) {
        problems.push(`'${key}': ${(e as Error).message}`);
        continue;
      }
      if (!sameShape(dense.shape, target.shape)) {
        problems.push(`size mismatch for '${key}': copying a value of shape ${fmtShape(dense.shape)} from the state dict, the shape in the current module is ${fmtShape(target.shape)}`);
        continue;
      }
      plan.push({ key, target, values: dense.values });
    }
    problems.push(...tiedConflicts(plan));
    if (strict) {
      if (missingKeys.length) problems.unshift(`missing key(s): ${missingKeys.map((k) => `'${k}' (expected shape ${fmtShape(own[k]!.shape)})`).join(', ')}`);
      if (unexpectedKeys.length) problems.push(`unexpected key(s): ${unexpectedKeys.map((k) => `'${k}' (shape ${fmtShape(shapeOfValue(sd[k]))})`).join(', ')}`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict: error(s) loading state dict into ${this.constructor.name}; nothing was changed:\n  ${problems.join('\n  ')}`);
    }
    // Everything checked and every source copied: from here on nothing throws, so the module is
    // never half-loaded.
    for (const { target, values } of plan) writeInto(target.tensorData, values);
    for (const { target } of plan) bumpVersion(target, 'loadStateDict');
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  // ---- printing ----------------------------------------------------------------------------

  /** The constructor arguments shown by `toString()`; layers override it. */
  extraRepr(): string {
    return '';
  }

  /**
   * PyTorch's `str(module)`, character for character (torch.nn.Module.__repr__): the class
   * name, then `extraRepr()` on one line when there are no children, else the lines of
   * `extraRepr()` and one `(name): child` line per child, each indented by two spaces.
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = this.namedChildren().map(([name, m]) => `(${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (lines.length) s += extraLines.length === 1 && !childLines.length ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
    return `${s})`;
  }

  /** What Node's `console.log` and `util.inspect` show: `toString()`, as Python's print(module). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function bufferDtypes(m: Module): Map<string, 'int64'> {
  const host = m as unknown as Record<symbol, Map<string, 'int64'> | undefined>;
  let map = host[BUFFER_DTYPES];
  if (!map) {
    map = new Map();
    // defineProperty's default: non-enumerable (and symbol-keyed), never seen by discovery.
    Object.defineProperty(m, BUFFER_DTYPES, { value: map });
  }
  return map;
}

function names(m: Module, key: symbol): Set<string> {
  const host = m as unknown as Record<symbol, Set<string> | undefined>;
  let set = host[key];
  if (!set) {
    set = new Set();
    // Non-enumerable (defineProperty's default), so it never shows up as a property during discovery.
    Object.defineProperty(m, key, { value: set });
  }
  return set;
}

/** Throws unless `name` can name a child or parameter of `m` (or of any module, with `m` null). */
export function checkName(m: Module | null, op: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new Error(`${op}: name must be a non-empty string without '.', got ${describeValue(name)}`);
  }
  if (m && (name === 'training' || (name in m && !Object.hasOwn(m, name)))) {
    throw new Error(`${op}: '${name}' would shadow a Module property or method`);
  }
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The elements a container property could be hiding modules in (null: not a container). */
function containerItems(v: object): Iterable<unknown> | null {
  if (Array.isArray(v) || v instanceof Set) return v;
  if (v instanceof Map) return v.values();
  if (isPlainObject(v)) return Object.values(v);
  return null;
}

/** What a container holds that a Module would have registered, looking a few levels down. */
function hiddenKind(v: object, depth: number): 'Module' | 'Parameter' | null {
  const items = containerItems(v);
  if (!items) return null;
  for (const item of items) {
    if (item instanceof Module) return 'Module';
    if (item instanceof Parameter) return 'Parameter';
    // Stryker disable next-line EqualityOperator: the depth only bounds the search (a container may hold itself); one level more is not a behaviour anyone relies on
    if (depth < 3 && typeof item === 'object' && item !== null) {
      const inner = hiddenKind(item, depth + 1);
      if (inner) return inner;
    }
  }
  return null;
}

/**
 * PyTorch silently skips modules kept in a Python list or dict: the model trains without them
 * and saves without them. Here that is an error that says what to use instead.
 */
function checkContainer(m: Module, key: string, v: object): void {
  const kind = hiddenKind(v, 0);
  if (!kind) return;
  const listLike = Array.isArray(v) || v instanceof Set;
  const what = Array.isArray(v) ? 'an array' : v instanceof Set ? 'a Set' : v instanceof Map ? 'a Map' : 'a plain object';
  const fix = kind === 'Module'
    ? `use ${listLike ? 'new ModuleList([...])' : 'new ModuleDict({...})'} instead`
    : 'register each with registerParameter(name, p) or keep them in child modules';
  throw new Error(`${m.constructor.name}: property '${key}' is ${what} containing ${kind}s, which a Module does not look inside (they would be missing from parameters() and stateDict()); ${fix}`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeOfValue(v: unknown): readonly number[] {
  try {
    return toDenseValues(v).shape;
  } catch {
    return [];
  }
}

/**
 * Tied parameters appear in a state dict under every name. Two different values for one tensor
 * would leave whichever key came last, depending on key order; PyTorch does that silently.
 */
function tiedConflicts(plan: readonly { key: string; target: Tensor; values: ArrayLike<number> }[]): string[] {
  const problems: string[] = [];
  const first = new Map<TensorData, { key: string; values: ArrayLike<number> }>();
  for (const { key, target, values } of plan) {
    const earlier = first.get(target.tensorData);
    if (!earlier) {
      first.set(target.tensorData, { key, values });
      continue;
    }
    // Compared as stored: two float64 values that round to one float32 do not conflict.
    const stored = target.dtype === 'float32' ? Math.fround : (v: number) => v;
    const i = Array.from(values, stored).findIndex((v, j) => !Object.is(v, stored(earlier.values[j]!)));
    if (i >= 0) {
      problems.push(`'${earlier.key}' and '${key}' are the same (tied) tensor but the state dict gives them different values (first difference at flat index ${i}: ${earlier.values[i]} vs ${values[i]})`);
    }
  }
  return problems;
}

function writeInto(td: TensorData, values: ArrayLike<number>): void {
  const st = td.storage;
  // Stryker disable next-line ConditionalExpression: a fast path; locate() finds the same places in a contiguous tensor
  if (td.isContiguous()) {
    for (let i = 0; i < td.size; i++) st[td.offset + i] = values[i]!;
  } else {
    for (let i = 0; i < td.size; i++) st[td.locate(i)] = values[i]!;
  }
}
