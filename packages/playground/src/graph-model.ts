/**
 * The recorded computation graph as plain data, and a backward walk over it that can be
 * stepped one node at a time.
 *
 * The structure comes from core, never from a picture drawn by hand: a Tensor's graph is read
 * the way `toDot` reads it (each result's `_node.ctx.inputs`), a Scalar's through `_prev`. The
 * walk repeats what the engine's backward pass does, in the engine's order:
 *
 * - Tensor: `runBackward` (core/src/autograd/backward.ts) sorts the tensors that require grad
 *   in post-order and visits them in reverse; at each one its gradient is complete, and it hands
 *   that gradient to its op's own backward rule (`node.op.backward(grad, node.ctx)`), whose
 *   results are added into the inputs' pending gradients.
 * - Scalar: `Scalar.backward()` sorts every value the same way and, at each one, adds
 *   grad × the local derivative the op recorded (`_local`) into each input.
 *
 * The walk calls the same rules with the same numbers in the same order, so it can stop after
 * any node and show what the engine knew at that point. `engineCheck()` then runs the real
 * `loss.backward()` once and compares, so the page shows that the walk is the engine's pass.
 */
import { type Scalar, type Tensor, backwardOrder, grad as autogradGrad, noGrad } from '@kindling/core';

/** A box (a value) or an op, in the graph the page draws. */
export interface GraphNode {
  id: string;
  kind: 'value' | 'op';
  /** Value: its name ('W', 'pred', 'x₀', …) or '' for an unnamed intermediate. Op: the op's name ('conv1d', 'mul'). */
  label: string;
  /** Value nodes: the op that computed it ('' for a leaf). Scalar boxes show it in their header. */
  op: string;
  /** Value nodes: the tensor's shape ([] for a Scalar). */
  shape: number[];
  /** Value nodes: the values, flattened. */
  data: number[];
  /** Value nodes: whether backward gives it a gradient (tensors that require grad; every Scalar). */
  getsGrad: boolean;
  /** Value nodes: a leaf that requires grad (a parameter), a leaf that does not (data), or computed. */
  role: 'param' | 'const' | 'computed';
}

export interface GraphEdge {
  from: string;
  to: string;
}

/** One term of the chain rule that reached a node: a consumer's backward rule applied to the consumer's gradient. */
export interface Contribution {
  /** The value whose gradient was handed back (the consumer). */
  from: string;
  /** The rule that ran: the op that computed `from` ('mseLoss', 'conv1d', 'mul', …). */
  op: string;
  /** What the rule gave this node, flattened. */
  value: number[];
  /** Scalars only: the local derivative d(from)/d(this) the op recorded. */
  local?: number;
  /** Scalars only: which input of `from`'s op this node is (0: a in a − b, 1: b). */
  position?: number;
  /** Scalars only: the consumer's gradient the local derivative multiplies. */
  fromGrad?: number;
}

export interface WalkStep {
  /** 1-based position in the walk. */
  index: number;
  id: string;
  /** The node's complete gradient when the walk reached it, flattened. */
  grad: number[];
  /** Where it came from: the seed 1 for the root, else one term per use of the node. */
  contributions: Contribution[];
  /** The op whose backward rule ran after this node was reached ('' for a leaf). */
  ran: string;
}

/** How the engine's own backward pass compares with the walk, node by node. */
export interface EngineCheck {
  id: string;
  label: string;
  walked: number[];
  engine: number[];
  /** Where the engine's number comes from ('W.grad after loss.backward()', …). */
  source: string;
}

export interface BackwardWalk {
  /** Value ids in the order the engine visits them (reverse topological). */
  readonly order: readonly string[];
  readonly steps: readonly WalkStep[];
  readonly finished: boolean;
  /** Visits the next node; null once every node has its gradient. */
  next(): WalkStep | null;
  /** The engine's own pass (run once per graph, then cached), to compare with the walk. */
  engineCheck(): EngineCheck[];
}

export interface GraphModel {
  kind: 'tensor' | 'scalar';
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The id of the root (the loss). */
  root: string;
  /** A fresh walk from the root (nothing reached yet). */
  walk(): BackwardWalk;
  /**
   * The engine's own backward pass over this graph, run on the first call and cached: .grad
   * accumulates, so running it again (after Clear and a second walk) would double it.
   */
  engine(): EngineCheck[];
}

const flat = (t: Tensor): number[] => Array.from(t.dataSync());

// ---- Tensor graphs ------------------------------------------------------------------------------

/**
 * The graph behind `root`, the same nodes `toDot(root)` prints: every tensor reached through
 * `_node.ctx.inputs` (constants included: backward skips them, the picture does not) and an op
 * node per recorded op. `names` labels tensors (as toDot's `names` option).
 */
export function tensorGraph(root: Tensor, names: ReadonlyMap<Tensor, string>): GraphModel {
  const ids = new Map<Tensor, string>();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const id = (t: Tensor) => ids.get(t)!;
  // Iterative walk, as toDot's: long unrolled graphs are deeper than the call stack.
  const stack: Tensor[] = [root];
  ids.set(root, 't0');
  const found: Tensor[] = [];
  while (stack.length) {
    const t = stack.pop()!;
    found.push(t);
    for (const input of t._node?.ctx.inputs ?? []) {
      if (!ids.has(input)) {
        ids.set(input, `t${ids.size}`);
        stack.push(input);
      }
    }
  }
  for (const t of found) {
    nodes.push({
      id: id(t), kind: 'value', label: names.get(t) ?? '', op: t._node?.op.name ?? '', shape: [...t.shape], data: flat(t),
      getsGrad: t.requiresGrad, role: t._node ? 'computed' : t.requiresGrad ? 'param' : 'const',
    });
    if (t._node) {
      const opId = `${id(t)}_op`;
      nodes.push({ id: opId, kind: 'op', label: t._node.op.name, op: t._node.op.name, shape: [], data: [], getsGrad: false, role: 'computed' });
      for (const input of t._node.ctx.inputs) edges.push({ from: id(input), to: opId });
      edges.push({ from: opId, to: id(t) });
    }
  }
  edges.reverse(); // forward order, as for Scalar graphs: x, W, b read from the top
  let check: EngineCheck[] | null = null;
  const engine = () => (check ??= tensorEngineCheck(root, found, id, names));
  return { kind: 'tensor', nodes, edges, root: 't0', walk: () => tensorWalk(root, id, engine), engine };
}

/** A gradient shaped like the output where an op broadcasts, summed back to the input's shape (the engine's sumToShape). */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  return (axes.length ? g.sum(axes, true) : g).reshape(shape);
}

function tensorWalk(root: Tensor, id: (t: Tensor) => string, engine: () => EngineCheck[]): BackwardWalk {
  const order = backwardOrder(root);
  const pending = new Map<Tensor, Tensor>();
  const terms = new Map<Tensor, Contribution[]>();
  const steps: WalkStep[] = [];
  return {
    order: order.map(id),
    steps,
    get finished() {
      return steps.length === order.length;
    },
    next() {
      const t = order[steps.length];
      if (!t) return null;
      let g: Tensor;
      let contributions: Contribution[];
      if (steps.length === 0) {
        // backward() on a one-element result seeds d(loss)/d(loss) = 1.
        g = noGrad(() => root.mul(0).add(1));
        contributions = [];
      } else {
        g = pending.get(t)!;
        contributions = terms.get(t) ?? [];
      }
      const node = t._node;
      if (node) {
        // The op's own backward rule, with recording off as in an ordinary backward pass.
        const inputGrads = noGrad(() => node.op.backward(g, node.ctx));
        node.ctx.inputs.forEach((input, k) => {
          const ig = inputGrads[k];
          if (!ig || !input.requiresGrad) return;
          const shaped = noGrad(() => sumTo(ig, input.shape));
          const prev = pending.get(input);
          pending.set(input, prev ? noGrad(() => prev.add(shaped)) : shaped);
          const list = terms.get(input) ?? [];
          list.push({ from: id(t), op: node.op.name, value: flat(shaped) });
          terms.set(input, list);
        });
      }
      const step: WalkStep = { index: steps.length + 1, id: id(t), grad: flat(g), contributions, ran: node?.op.name ?? '' };
      steps.push(step);
      return step;
    },
    engineCheck: engine,
  };
}

function tensorEngineCheck(root: Tensor, found: Tensor[], id: (t: Tensor) => string, names: ReadonlyMap<Tensor, string>): EngineCheck[] {
  const inner = found.filter((t) => t._node && t !== root);
  // Intermediate tensors keep no .grad; core's grad() asks the engine for them without
  // touching any .grad. The leaves get theirs from the real backward pass.
  const innerGrads = inner.length ? autogradGrad(root, inner) : [];
  root.backward();
  const out: EngineCheck[] = [];
  for (const t of found) {
    if (!t.requiresGrad) continue;
    const label = names.get(t) ?? id(t);
    let engine: number[];
    let source: string;
    if (t === root) {
      engine = [1];
      source = 'the seed of loss.backward()';
    } else if (t._node) {
      engine = flat(innerGrads[inner.indexOf(t)]!);
      source = `grad(loss, ${label})`;
    } else {
      engine = t.grad ? flat(t.grad) : [];
      source = `${label}.grad after loss.backward()`;
    }
    out.push({ id: id(t), label, walked: [], engine, source });
  }
  return out;
}

// ---- Scalar graphs ------------------------------------------------------------------------------

/** A Scalar's graph: one box per Scalar (its op in the header, as core's Scalar keeps `op` on the value itself). */
export function scalarGraph(root: Scalar, names: ReadonlyMap<Scalar, string>, params: ReadonlySet<Scalar> = new Set()): GraphModel {
  const ids = new Map<Scalar, string>([[root, 's0']]);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const stack: Scalar[] = [root];
  const found: Scalar[] = [];
  while (stack.length) {
    const s = stack.pop()!;
    found.push(s);
    for (const p of s._prev) {
      if (!ids.has(p)) {
        ids.set(p, `s${ids.size}`);
        stack.push(p);
      }
      edges.push({ from: ids.get(p)!, to: ids.get(s)! });
    }
  }
  // The walk found the edges from the loss backwards; dagre orders each rank by the edges'
  // insertion order, so in forward order output 0 and x₀ come out on top, as read.
  edges.reverse();
  const id = (s: Scalar) => ids.get(s)!;
  for (const s of found) {
    nodes.push({
      id: id(s), kind: 'value', label: names.get(s) ?? '', op: s.op, shape: [], data: [s.data], getsGrad: true,
      role: s.op ? 'computed' : params.has(s) ? 'param' : 'const',
    });
  }
  let check: EngineCheck[] | null = null;
  const engine = (): EngineCheck[] => {
    if (!check) {
      root.backward();
      check = found.map((s) => ({ id: id(s), label: names.get(s) ?? id(s), walked: [], engine: [s.grad], source: `${names.get(s) ?? 'this value'}.grad after loss.backward()` }));
    }
    return check;
  };
  return { kind: 'scalar', nodes, edges, root: 's0', walk: () => scalarWalk(root, id, engine), engine };
}

function scalarWalk(root: Scalar, id: (s: Scalar) => string, engine: () => EngineCheck[]): BackwardWalk {
  const order = root.backwardOrder();
  const adj = new Map<Scalar, number>([[root, 1]]);
  const terms = new Map<Scalar, Contribution[]>();
  const steps: WalkStep[] = [];
  return {
    order: order.map(id),
    steps,
    get finished() {
      return steps.length === order.length;
    },
    next() {
      const s = order[steps.length];
      if (!s) return null;
      const g = adj.get(s) ?? 0;
      // The chain rule exactly as Scalar.backward() applies it: grad × the recorded local derivative.
      s._prev.forEach((p, j) => {
        const local = s._local[j]!;
        adj.set(p, (adj.get(p) ?? 0) + g * local);
        const list = terms.get(p) ?? [];
        list.push({ from: id(s), op: s.op, value: [g * local], local, position: j, fromGrad: g });
        terms.set(p, list);
      });
      const step: WalkStep = { index: steps.length + 1, id: id(s), grad: [g], contributions: terms.get(s) ?? [], ran: s.op };
      steps.push(step);
      return step;
    },
    engineCheck: engine,
  };
}

/** The walked gradient next to the engine's, for every node that gets one. */
export function compareWithEngine(walk: BackwardWalk): EngineCheck[] {
  const walked = new Map(walk.steps.map((s) => [s.id, s.grad]));
  return walk.engineCheck().map((c) => ({ ...c, walked: walked.get(c.id) ?? [] }));
}

/** Largest |walked − engine| over every element (Infinity when a node is missing or shapes differ). */
export function maxDifference(checks: readonly EngineCheck[]): number {
  let worst = 0;
  for (const c of checks) {
    if (c.walked.length !== c.engine.length) return Infinity;
    c.walked.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.engine[i]!))));
  }
  return worst;
}
