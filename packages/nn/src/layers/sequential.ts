import type { Tensor } from '@kindling/core';
import { Module } from '../module.js';
import { checkTensor, describeInput } from '../util.js';

/**
 * torch.nn.Sequential: runs its children in order; they are named '0', '1', ...
 *
 * @category Layers
 */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new Error(`Sequential: expected a Module at position ${i}, got ${describeInput(m)}`);
    });
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end (named by its position). */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new Error(`Sequential.append: expected a Module, got ${describeInput(module)}`);
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
    if (!m) throw new Error(`Sequential.at: index ${describeInput(i)} is out of range for ${list.length} modules`);
    return m;
  }

  override forward(x: Tensor): Tensor {
    checkTensor('Sequential', x);
    let y = x;
    for (const m of this.children()) y = m.forward(y);
    return y;
  }
}
