import { Scalar } from '../scalar.js';
import { Tensor } from '../tensor.js';
import { checkOptions, describeValue, intOption } from '../util/options.js';

/**
 * Options of {@link toDot}.
 *
 * @category Checking and debugging
 */
export interface ToDotOptions {
  /** Show each tensor's values (summarised past `maxElements`). Default true. */
  showValues?: boolean;
  /** Show each leaf's `.grad` (or each Scalar's grad). Default true. */
  showGrads?: boolean;
  /** How many numbers to show per tensor before `…`. Default 6. */
  maxElements?: number;
  /** Names for tensors, e.g. `model.namedParameters()` (a module registers its parameters' names there). */
  names?: Iterable<readonly [string, Tensor]>;
  /** Layout direction: 'LR' (left to right, as micrograd's draw_dot) or 'TB'. Default 'LR'. */
  rankdir?: 'LR' | 'TB';
}

/**
 * The recorded graph as Graphviz DOT, in the style of micrograd's draw_dot: a box per value
 * (its name, shape, values and gradient) and an ellipse per op, with edges from the inputs
 * through the op to its result. Works for a `Tensor` (the graph backward would walk, plus the
 * constants the ops read) and for a `Scalar`. Render with `dot -Tsvg graph.dot > graph.svg`.
 *
 * @example
 * ```ts
 * import { tensor, toDot } from '@kindling/core';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const loss = w.mul(w).sum();
 * loss.backward();
 * const dot = toDot(loss, { names: [['w', w]] });
 * console.log(dot.startsWith('digraph')); // true
 * ```
 *
 * @category Checking and debugging
 */
export function toDot(root: Tensor | Scalar, opts?: ToDotOptions): string {
  const o = checkOptions('toDot', opts, ['showValues', 'showGrads', 'maxElements', 'names', 'rankdir']);
  const showValues = flag(o.showValues, 'showValues');
  const showGrads = flag(o.showGrads, 'showGrads');
  const maxElements = intOption('toDot', 'maxElements', o.maxElements ?? 6, 1);
  const rankdir = o.rankdir ?? 'LR';
  if (rankdir !== 'LR' && rankdir !== 'TB') throw new Error(`toDot: rankdir must be 'LR' or 'TB', got ${describeValue(rankdir)}`);
  const lines = ['digraph kindling {', `  rankdir=${rankdir};`, '  node [fontname="Helvetica", fontsize=10];'];
  if (root instanceof Scalar) scalarGraph(root, lines, showValues, showGrads);
  else if (root instanceof Tensor) tensorGraph(root, lines, { showValues, showGrads, maxElements, names: namesOf(o.names) });
  else throw new Error(`toDot: expected a Tensor or a Scalar, got ${describeValue(root)}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function flag(v: unknown, name: string): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') throw new Error(`toDot: ${name} must be a boolean, got ${describeValue(v)}`);
  return v;
}

function namesOf(names: ToDotOptions['names']): Map<Tensor, string> {
  const out = new Map<Tensor, string>();
  if (names === undefined) return out;
  if (names === null || typeof (names as Iterable<unknown>)[Symbol.iterator] !== 'function') throw new Error('toDot: names must be an iterable of [name, Tensor] pairs');
  for (const entry of names) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] instanceof Tensor)) throw new Error('toDot: names must be an iterable of [name, Tensor] pairs');
    out.set(entry[1], entry[0]);
  }
  return out;
}

/** DOT record labels treat these as structure; escape them so values print as text. */
const esc = (s: string): string => s.replace(/[\\{}|<>"]/g, (c) => `\\${c}`);

function num(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toExponential(3);
}

function summary(t: Tensor, max: number): string {
  const flat = t.tensorData.contiguousStorage();
  const shown = Array.from(flat.subarray(0, Math.min(max, flat.length)), num);
  return `[${shown.join(', ')}${flat.length > max ? ', …' : ''}]`;
}

function tensorGraph(root: Tensor, lines: string[], o: { showValues: boolean; showGrads: boolean; maxElements: number; names: Map<Tensor, string> }): void {
  const ids = new Map<Tensor, string>();
  const id = (t: Tensor): string => {
    let s = ids.get(t);
    if (!s) ids.set(t, (s = `t${ids.size}`));
    return s;
  };
  // Iterative walk: graphs from long unrolls are deeper than the call stack.
  // `seen` marks the inputs pushed; the root needs no mark, as a graph has no cycle back to it.
  const stack: Tensor[] = [root];
  const seen = new Set<Tensor>();
  const order: Tensor[] = [];
  while (stack.length) {
    const t = stack.pop()!;
    order.push(t);
    for (const input of t._node?.ctx.inputs ?? []) {
      if (!seen.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  for (const t of order) {
    const fields = [o.names.get(t) ?? (t === root ? 'output' : t._node ? '' : t.requiresGrad ? 'leaf' : 'const'), `shape [${t.shape.join(', ')}]`];
    if (o.showValues) fields.push(`data ${summary(t, o.maxElements)}`);
    if (o.showGrads && t.grad) fields.push(`grad ${summary(t.grad, o.maxElements)}`);
    const style = t._node ? '' : t.requiresGrad ? ', style=filled, fillcolor="#fff3c4"' : ', style=filled, fillcolor="#eeeeee"';
    lines.push(`  ${id(t)} [shape=record, label="{ ${fields.filter(Boolean).map(esc).join(' | ')} }"${style}];`);
    if (t._node) {
      const opId = `${id(t)}_op`;
      lines.push(`  ${opId} [shape=ellipse, label="${esc(t._node.op.name)}"];`);
      lines.push(`  ${opId} -> ${id(t)};`);
      for (const input of t._node.ctx.inputs) lines.push(`  ${id(input)} -> ${opId};`);
    }
  }
}

function scalarGraph(root: Scalar, lines: string[], showValues: boolean, showGrads: boolean): void {
  const ids = new Map<Scalar, string>();
  const id = (s: Scalar): string => {
    let v = ids.get(s);
    if (!v) ids.set(s, (v = `s${ids.size}`));
    return v;
  };
  const stack: Scalar[] = [root];
  const seen = new Set<Scalar>(); // as in tensorGraph: only inputs need marking
  while (stack.length) {
    const s = stack.pop()!;
    const fields: string[] = [];
    if (showValues) fields.push(`data ${num(s.data)}`);
    if (showGrads) fields.push(`grad ${num(s.grad)}`);
    lines.push(`  ${id(s)} [shape=record, label="{ ${(fields.length ? fields : ['value']).map(esc).join(' | ')} }"];`);
    if (s.op) {
      const opId = `${id(s)}_op`;
      lines.push(`  ${opId} [shape=ellipse, label="${esc(s.op)}"];`);
      lines.push(`  ${opId} -> ${id(s)};`);
      for (const p of s._prev) {
        lines.push(`  ${id(p)} -> ${opId};`);
        if (!seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
  }
}
