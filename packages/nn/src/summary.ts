import { Tensor, describeValue, getDefaultDtype, noGrad, zeros } from '@kindling/core';
import { Module } from './module.js';
import { fmtShape, isSafeInteger } from './util.js';

/** One module call seen during the summary's forward pass. */
interface Row {
  depth: number;
  label: string;
  /** The module's name in the model (its first, for a module registered twice). */
  name: string;
  output: string;
  params: string;
}

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function describeOutput(out: unknown): string {
  if (out instanceof Tensor) return fmtShape(out.shape);
  if (Array.isArray(out) && out.length > 0 && out.every((o) => o instanceof Tensor)) return out.map((o: Tensor) => fmtShape(o.shape)).join(', ');
  return describeValue(out);
}

/** The tree drawing in front of each row's label: '├─' / '└─' and the ancestors' '│ ' columns. */
function prefixes(rows: readonly Row[]): string[] {
  // A row is the last of its siblings when no later row at its depth comes before one shallower.
  const isLast = rows.map((r, i) => {
    for (let j = i + 1; j < rows.length; j++) {
      if (rows[j]!.depth < r.depth) return true;
      if (rows[j]!.depth === r.depth) return false;
    }
    return true;
  });
  // open[d]: the current ancestor at depth d has later siblings (read for d >= 1 only).
  // Stryker disable next-line ArrayDeclaration: a stray first entry would sit at open[0], which is never read
  const open: boolean[] = [];
  return rows.map((r, i) => {
    open[r.depth] = !isLast[i];
    if (r.depth === 0) return '';
    let s = '';
    for (let d = 1; d < r.depth; d++) s += open[d] ? '│ ' : '  ';
    return s + (isLast[i] ? '└─' : '├─');
  });
}

/**
 * A table of a model's layers, like torchinfo's `summary`: one row per module call of a forward
 * pass (in call order, nested as called), with the output shape and the module's own parameter
 * count, then the totals (each parameter tensor once, trainable = requires grad). Print it with
 * `console.log`.
 *
 * `input` is an input shape (the pass runs on zeros of that shape, in the dtype of the model's
 * first parameter) or the example input tensor(s) to pass to `forward`. The pass runs without a
 * graph and in eval mode (so Dropout and BatchNorm neither draw random numbers nor update
 * running statistics), and every module's mode is restored afterwards. A module called twice
 * gets two rows, its parameters counted on the first (`(recursive)` on the next).
 *
 * @param model - the module to describe
 * @param input - an input shape such as `[8, 1, 16]`, an example Tensor, or an array of Tensors for a multi-input forward
 * @example
 * ```ts
 * import { Conv1d, Flatten, Linear, ReLU, Sequential, summary } from '@kindling/nn';
 * const model = new Sequential(new Conv1d(1, 4, 3, { padding: 'same', seed: 0 }), new ReLU(), new Flatten(), new Linear(64, 1, { seed: 1 }));
 * console.log(summary(model, [8, 1, 16]));
 * // ==================================================
 * // Layer (type)    Output Shape   Param #
 * // ==================================================
 * // Sequential      [8, 1]         --
 * // ├─0 (Conv1d)    [8, 4, 16]     16
 * // ├─1 (ReLU)      [8, 4, 16]     --
 * // ├─2 (Flatten)   [8, 64]        --
 * // └─3 (Linear)    [8, 1]         65
 * // ==================================================
 * // Total params: 81
 * // Trainable params: 81
 * // Non-trainable params: 0
 * // ==================================================
 * ```
 *
 * @category Module and Parameter
 */
export function summary(model: Module, input: readonly number[] | Tensor | readonly Tensor[]): string {
  if (!(model instanceof Module)) throw new Error(`summary: model must be a Module, got ${describeValue(model)}`);
  let inputs: Tensor[];
  const list: unknown[] | null = Array.isArray(input) ? Array.from(input as unknown[]) : null; // holes become undefined
  if (input instanceof Tensor) inputs = [input];
  else if (list && list.length > 0 && list.every((x) => x instanceof Tensor)) inputs = list as Tensor[];
  else if (list && list.every((x) => isSafeInteger(x) && x >= 0)) {
    const dtype = model.parameters()[0]?.dtype ?? getDefaultDtype();
    inputs = [zeros(list as number[], { dtype })];
  } else {
    throw new Error(`summary: input must be a shape (an array of non-negative integers), a Tensor or an array of Tensors, got ${describeValue(input)}`);
  }

  const named = model.namedModules();
  // namedModules lists each module once, under its first name.
  const nameOf = new Map<Module, string>(named.map(([name, m]) => [m, name]));
  const rows: Row[] = [];
  const stack: Row[] = [];
  const counted = new Set<Module>();
  const modes = named.map(([, m]) => [m, m.training] as const);
  const restore: (() => void)[] = [];
  // Wrap each module's forward in an own property that records the call, then put it back.
  for (const [m, name] of nameOf) {
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const original = m.forward;
    const wrapped = function (this: Module, ...args: Tensor[]): Tensor {
      const type = m.constructor.name;
      const ownParams = m.namedParameters().filter(([n]) => !n.includes('.')).reduce((k, [, p]) => k + p.size, 0);
      const params = counted.has(m) ? '(recursive)' : ownParams > 0 ? group(ownParams) : '--';
      counted.add(m);
      // The model itself is labelled by its type; every other module by its name relative to the
      // calling module (a ModuleList's item called by its owner: 'heads.0'), then its type.
      const caller = stack[stack.length - 1];
      let label = type;
      if (caller) {
        const rel = name.startsWith(`${caller.name}.`) ? name.slice(caller.name.length + 1) : name;
        label = `${rel} (${type})`;
      }
      const row: Row = {
        depth: stack.length, label, name, params,
        // Stryker disable next-line StringLiteral: set when forward returns; if it throws, summary throws and prints no row
        output: '?',
      };
      rows.push(row);
      stack.push(row);
      try {
        const out = original.apply(this, args);
        row.output = describeOutput(out);
        return out;
      } finally {
        stack.pop();
      }
    };
    // Not enumerable (defineProperty's default), like a method; writable, for a forward that replaces itself.
    Object.defineProperty(m, 'forward', { value: wrapped, configurable: true, writable: true });
    restore.push(() => {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as unknown as Record<string, unknown>).forward;
    });
  }
  try {
    model.eval();
    noGrad(() => model.forward(...inputs));
  } catch (e) {
    throw new Error(`summary: the forward pass failed: ${(e as Error).message}`);
  } finally {
    for (const r of restore) r();
    for (const [m, training] of modes) m.training = training;
  }

  const pre = prefixes(rows);
  const cells = rows.map((r, i) => [pre[i] + r.label, r.output, r.params]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const widths = head.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)) + 3);
  const line = (row: string[]) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]!))).join('');
  const total = model.numParameters();
  const trainable = model.numParameters({ trainableOnly: true });
  const rule = '='.repeat(Math.max(50, widths[0]! + widths[1]! + widths[2]!));
  return [
    rule, line(head), rule, ...cells.map(line), rule,
    `Total params: ${group(total)}`, `Trainable params: ${group(trainable)}`, `Non-trainable params: ${group(total - trainable)}`,
    rule,
  ].join('\n');
}
