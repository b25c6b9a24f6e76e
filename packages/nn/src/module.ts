import { Tensor, TensorData } from '@kindling/core';
import { fmtShape, toDenseValues } from './util.js';

/** What `loadStateDict` accepts for one entry: a tensor, or nested plain arrays (a number for 0-d). */
export type StateValue = Tensor | number | readonly StateValueArray[] | readonly number[];
type StateValueArray = number | readonly StateValueArray[];

/** What {@link Module.loadStateDict} reports: the keys that did not match (both empty in strict mode, which throws instead). */
export interface LoadStateDictResult {
  /** Keys the module expected but the dict did not have (only non-empty with `strict: false`). */
  missingKeys: string[];
  /** Keys the dict had but the module does not (only non-empty with `strict: false`). */
  unexpectedKeys: string[];
}

const PARAM_NAMES = Symbol('kindling.paramNames');
const BUFFER_NAMES = Symbol('kindling.bufferNames');

/**
 * Base class of every layer, like torch.nn.Module.
 *
 * Registration is by assignment, as in PyTorch: every own enumerable property of the module
 * that holds
 *  - a `Module` is a child (its name is the property name),
 *  - a leaf `Tensor` with `requiresGrad` is a parameter,
 * in the order the properties were first assigned (JavaScript's `Object.keys` order; note that
 * integer-like names such as `'0'` always come first, in numeric order). Discovery happens each
 * time the module is asked (`parameters()`, `stateDict()`, ...), so re-assigning `this.weight`
 * replaces the parameter. `registerParameter(name, t)` marks a property as a parameter for good,
 * even when `t` is null (an absent bias) or later stops requiring grad (a frozen weight);
 * `registerBuffer(name, t)` adds a non-trainable tensor that is saved in `stateDict()`.
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
   * Declares `name` a parameter of this module and assigns it (like `register_parameter`).
   * `value` is made to require grad; null records an absent parameter (skipped everywhere).
   */
  registerParameter<T extends Tensor | null>(name: string, value: T): T {
    checkName(this, 'registerParameter', name);
    if (value !== null) {
      if (!(value instanceof Tensor)) throw new Error(`registerParameter: '${name}' must be a Tensor or null, got ${describe(value)}`);
      if (!value.isLeaf) throw new Error(`registerParameter: '${name}' must be a leaf tensor (not the result of an op); use .detach()`);
      value.requiresGrad = true;
    }
    names(this, PARAM_NAMES).add(name);
    names(this, BUFFER_NAMES).delete(name);
    (this as Record<string, unknown>)[name] = value;
    return value;
  }

  /** Declares `name` a buffer: a tensor saved in `stateDict()` that is not a parameter (null: absent). */
  registerBuffer<T extends Tensor | null>(name: string, value: T): T {
    checkName(this, 'registerBuffer', name);
    if (value !== null && !(value instanceof Tensor)) throw new Error(`registerBuffer: '${name}' must be a Tensor or null, got ${describe(value)}`);
    names(this, BUFFER_NAMES).add(name);
    names(this, PARAM_NAMES).delete(name);
    (this as Record<string, unknown>)[name] = value;
    return value;
  }

  /** Assigns a child module under `name` (like `add_module`); plain assignment works too. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName(this, 'registerModule', name);
    if (!(module instanceof Module)) throw new Error(`registerModule: '${name}' must be a Module, got ${describe(module)}`);
    (this as Record<string, unknown>)[name] = module;
    return module;
  }

  // ---- traversal ---------------------------------------------------------------------------

  /** This module's own parameters (not its children's), in registration order. */
  private ownParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const declared = (this as unknown as Record<symbol, Set<string> | undefined>)[PARAM_NAMES];
    const buffers = (this as unknown as Record<symbol, Set<string> | undefined>)[BUFFER_NAMES];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (!(v instanceof Tensor)) continue;
      if (declared?.has(key) || (!buffers?.has(key) && v.requiresGrad && v.isLeaf)) out.push([key, v]);
    }
    return out;
  }

  private ownBuffers(): [string, Tensor][] {
    const buffers = (this as unknown as Record<symbol, Set<string> | undefined>)[BUFFER_NAMES];
    if (!buffers) return [];
    const out: [string, Tensor][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (buffers.has(key) && v instanceof Tensor) out.push([key, v]);
    }
    return out;
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Module) out.push([key, v]);
    }
    return out;
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
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
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
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer, deep, with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${name}` : name, b]);
    }
    return out;
  }

  // ---- modes and gradients -----------------------------------------------------------------

  /** Sets every parameter's grad to null (PyTorch's default `set_to_none=True`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Training mode for this module and all descendants; `train(false)` is `eval()`. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new Error(`train: mode must be a boolean, got ${describe(mode)}`);
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
      for (const [name, t] of m.ownParameters()) out[prefix + name] = t.detach();
      for (const [name, t] of m.ownBuffers()) out[prefix + name] = t.detach();
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
   */
  loadStateDict(sd: Record<string, StateValue>, opts: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    if (typeof strict !== 'boolean') throw new Error(`loadStateDict: strict must be a boolean, got ${describe(strict)}`);
    if (typeof sd !== 'object' || sd === null || Array.isArray(sd) || sd instanceof Tensor) {
      throw new Error(`loadStateDict: expected an object mapping names to tensors, got ${describe(sd)}`);
    }
    const own = this.stateDict();
    const problems: string[] = [];
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(sd, k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !Object.hasOwn(own, k));
    const plan: [TensorData, ArrayLike<number>][] = [];
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
      plan.push([target.tensorData, dense.values]);
    }
    if (strict) {
      if (missingKeys.length) problems.unshift(`missing key(s): ${missingKeys.map((k) => `'${k}' (expected shape ${fmtShape(own[k]!.shape)})`).join(', ')}`);
      if (unexpectedKeys.length) problems.push(`unexpected key(s): ${unexpectedKeys.map((k) => `'${k}' (shape ${fmtShape(shapeOfValue(sd[k]))})`).join(', ')}`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict: error(s) loading state dict into ${this.constructor.name}; nothing was changed:\n  ${problems.join('\n  ')}`);
    }
    // Everything checked: from here on nothing throws, so the module is never half-loaded.
    for (const [td, values] of plan) writeInto(td, values);
    return { missingKeys: strict ? [] : missingKeys, unexpectedKeys: strict ? [] : unexpectedKeys };
  }

  // ---- printing ----------------------------------------------------------------------------

  /** The constructor arguments shown by `toString()`; layers override it. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module printout: the class name, `extraRepr()` and the children, indented. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!children.length) return `${head})`;
    const lines = children.map(([name, m]) => `  (${name}): ${m.toString().replace(/\n/g, '\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}

function names(m: Module, key: symbol): Set<string> {
  const host = m as unknown as Record<symbol, Set<string> | undefined>;
  let set = host[key];
  if (!set) {
    set = new Set();
    // Non-enumerable, so it never shows up as a property during discovery.
    Object.defineProperty(m, key, { value: set, enumerable: false });
  }
  return set;
}

function checkName(m: Module, op: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new Error(`${op}: name must be a non-empty string without '.', got ${describe(name)}`);
  }
  if (name === 'training' || (name in m && !Object.hasOwn(m, name))) {
    throw new Error(`${op}: '${name}' would shadow a Module property or method`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeOfValue(v: unknown): readonly number[] {
  if (v instanceof Tensor) return v.shape;
  try {
    return toDenseValues(v).shape;
  } catch {
    return [];
  }
}

function writeInto(td: TensorData, values: ArrayLike<number>): void {
  const st = td.storage;
  if (td.isContiguous()) {
    for (let i = 0; i < td.size; i++) st[td.offset + i] = values[i]!;
  } else {
    for (let i = 0; i < td.size; i++) st[td.locate(i)] = values[i]!;
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Tensor) return `a Tensor of shape ${fmtShape(v.shape)}`;
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
