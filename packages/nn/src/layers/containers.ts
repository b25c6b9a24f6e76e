import { describeValue } from '@kindling/core';
import { Module, checkName } from '../module.js';
import { describeInput } from '../util.js';

function checkModule(op: string, what: string, m: unknown): asserts m is Module {
  if (!(m instanceof Module)) throw new Error(`${op}: ${what} must be a Module, got ${describeInput(m)}`);
}

function checkIterable(op: string, what: string, v: unknown): asserts v is Iterable<unknown> {
  if (typeof v === 'string' || typeof (v as Iterable<unknown> | null | undefined)?.[Symbol.iterator] !== 'function') {
    throw new Error(`${op}: ${what} must be an iterable, got ${describeInput(v)}`);
  }
}

/**
 * torch.nn.ModuleList: a list of modules that a {@link Module} registers (a plain array of
 * modules in a property is an error, because its modules would be invisible to `parameters()`
 * and `stateDict()`). Children are named `'0'`, `'1'`, ... by position; there is no `forward`,
 * the owner decides how to call them.
 *
 * @example
 * ```ts
 * import { randn, type Tensor } from '@kindling/core';
 * import { Linear, Module, ModuleList } from '@kindling/nn';
 * class Mlp extends Module {
 *   layers = new ModuleList([new Linear(4, 8, { seed: 0 }), new Linear(8, 2, { seed: 1 })]);
 *   override forward(x: Tensor): Tensor {
 *     for (const layer of this.layers) x = layer.forward(x).tanh();
 *     return x;
 *   }
 * }
 * const mlp = new Mlp();
 * console.log(mlp.namedParameters().map(([n]) => n)); // ['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias']
 * console.log(mlp.forward(randn([3, 4], { seed: 2 })).shape, mlp.layers.get(-1).toString()); // [3, 2] Linear(in_features=8, out_features=2, bias=True)
 * ```
 *
 * @category Layers
 */
export class ModuleList extends Module {
  #items: Module[] = [];

  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  /** The number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** The module at position `index` (negative counts from the end); throws when out of range. */
  get(index: number): Module {
    return this.#items[this.position('ModuleList.get', index, false)]!;
  }

  /** Replaces the module at position `index` (negative counts from the end). */
  set(index: number, module: Module): this {
    const i = this.position('ModuleList.set', index, false);
    checkModule('ModuleList.set', 'module', module);
    this.#items[i] = module;
    return this;
  }

  /** Adds a module at the end. */
  append(module: Module): this {
    checkModule('ModuleList.append', 'module', module);
    this.#items.push(module);
    return this;
  }

  /** Adds every module of `modules` at the end; checks them all first, so a bad one adds none. */
  extend(modules: Iterable<Module>): this {
    checkIterable('ModuleList.extend', 'modules', modules);
    const list = Array.from(modules as Iterable<unknown>);
    list.forEach((m, i) => checkModule('ModuleList.extend', `element ${i}`, m));
    this.#items.push(...(list as Module[]));
    return this;
  }

  /** Inserts `module` before position `index` (`length` appends; negative counts from the end). */
  insert(index: number, module: Module): void {
    const i = this.position('ModuleList.insert', index, true);
    checkModule('ModuleList.insert', 'module', module);
    this.#items.splice(i, 0, module);
  }

  /** Removes and returns the module at position `index` (the last one by default). */
  pop(index = -1): Module {
    const i = this.position('ModuleList.pop', index, false);
    return this.#items.splice(i, 1)[0]!;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.#items.slice()[Symbol.iterator]();
  }

  /** The modules named by position, then any child assigned as a property. */
  override namedChildren(): [string, Module][] {
    return [...this.#items.map((m, i): [string, Module] => [String(i), m]), ...super.namedChildren()];
  }

  private position(op: string, index: number, end: boolean): number {
    const n = this.#items.length;
    const limit = end ? n : n - 1;
    if (!Number.isInteger(index) || index > limit || index < -n) {
      const range = n === 0 && !end ? 'the list is empty' : `valid: ${-n}..${limit}`;
      throw new Error(`${op}: index ${describeValue(index)} is out of range for ${n} module(s) (${range})`);
    }
    return index < 0 ? n + index : index;
  }
}

/**
 * torch.nn.ModuleDict: modules by name, registered with the owner (a plain object of modules in
 * a property is an error, because its modules would be invisible to `parameters()` and
 * `stateDict()`). Keys keep insertion order (from an object, JavaScript's key order); names may
 * not be empty or contain `'.'`. Iterating yields the keys, as in PyTorch; `get` of a missing
 * key throws (PyTorch's KeyError) rather than returning undefined.
 *
 * @example
 * ```ts
 * import { tensor } from '@kindling/core';
 * import { Linear, ModuleDict, ReLU, Tanh } from '@kindling/nn';
 * const heads = new ModuleDict({ small: new Linear(2, 1, { seed: 0 }), large: new Linear(2, 4, { seed: 1 }) });
 * const acts = new ModuleDict([['relu', new ReLU()], ['tanh', new Tanh()]]);
 * console.log(heads.keys(), acts.has('tanh'));                       // ['small', 'large'] true
 * console.log(heads.get('large').forward(tensor([[1, 2]])).shape);   // [1, 4]
 * console.log(Object.keys(heads.stateDict()));                       // ['small.weight', 'small.bias', 'large.weight', 'large.bias']
 * ```
 *
 * @category Layers
 */
export class ModuleDict extends Module {
  #items = new Map<string, Module>();

  constructor(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]> = []) {
    super();
    this.update(modules);
  }

  /** The number of modules. */
  get length(): number {
    return this.#items.size;
  }

  /** The module named `key`; throws naming the known keys when there is none. */
  get(key: string): Module {
    const m = this.#items.get(key);
    if (!m) {
      throw new Error(`ModuleDict.get: no module named ${describeValue(key)} (keys: ${this.#items.size ? [...this.#items.keys()].map((k) => `'${k}'`).join(', ') : 'none'})`);
    }
    return m;
  }

  /** Adds or replaces the module named `key` (a new key goes last). */
  set(key: string, module: Module): this {
    checkName(null, 'ModuleDict.set', key);
    checkModule('ModuleDict.set', `module '${key}'`, module);
    this.#items.set(key, module);
    return this;
  }

  /** Whether a module is named `key`. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** Removes the module named `key`; returns whether there was one. */
  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  /** Adds every (key, module) of an object or an iterable of pairs; checks them all first. */
  update(modules: Readonly<Record<string, Module>> | Iterable<readonly [string, Module]>): this {
    const op = 'ModuleDict';
    if (typeof modules !== 'object' || modules === null || modules instanceof Module) {
      throw new Error(`${op}: expected an object of modules or an iterable of [key, module] pairs, got ${describeInput(modules)}`);
    }
    const isIterable = typeof (modules as Iterable<unknown>)[Symbol.iterator] === 'function';
    const pairs: unknown[] = isIterable ? Array.from(modules as Iterable<unknown>) : Object.entries(modules);
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`${op}: entry ${i} must be a [key, module] pair, got ${describeInput(pair)}`);
      checkName(null, op, pair[0]);
      checkModule(op, `module '${pair[0]}'`, pair[1]);
    });
    for (const [k, m] of pairs as [string, Module][]) this.#items.set(k, m);
    return this;
  }

  /** The keys, in order. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The modules, in key order. */
  values(): Module[] {
    return [...this.#items.values()];
  }

  /** The (key, module) pairs, in order. */
  entries(): [string, Module][] {
    return [...this.#items.entries()];
  }

  /** The keys, in order (PyTorch iterates a ModuleDict's keys). */
  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  /** The modules by key, then any child assigned as a property. */
  override namedChildren(): [string, Module][] {
    return [...this.entries(), ...super.namedChildren()];
  }
}
