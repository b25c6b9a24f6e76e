import type { Tensor } from '@kindling/core';
import { Module, describe } from '../module.js';

/** torch.nn.Sequential: runs its children in order; they are named '0', '1', ... */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end (named by its position). */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new Error(`Sequential: expected a Module at position ${this.length}, got ${describe(module)}`);
    this.registerModule(String(this.length), module);
    return this;
  }

  /** The number of child modules. */
  get length(): number {
    return this.children().length;
  }

  /** The module at position i (negative i counts from the end). */
  at(i: number): Module {
    const list = this.children();
    const m = Number.isInteger(i) ? list[i < 0 ? list.length + i : i] : undefined;
    if (!m) throw new Error(`Sequential: index ${String(i)} is out of range for ${list.length} modules`);
    return m;
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }
}
